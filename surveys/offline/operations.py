"""Offline answering: making a country's workbook, and importing filled workbooks back.

A workbook posts into the same area forms as the web page: each answer cell is a form field,
the identity sheet carries the print of every field's value at download (the page's `base`),
and each area is merged field by field by `surveys.responses.merge` and stored by
`operations.save_area`, the web form's own code. So a field left as downloaded never reverts a
colleague's newer answer, a field changed in the file and online is a conflict for the person
to settle, and everything overwritten stays in the history. Flushes, never commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from babel.dates import format_datetime
from werkzeug.datastructures import MultiDict

from surveys.accounts.models import User
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import make_translate, zone_named
from surveys.languages import DEFAULT_LANGUAGE
from surveys.locales import locale_for
from surveys.offline.contents import (
    Answers,
    Cover,
    OpenedWorkbook,
    Problem,
    WorkbookRefused,
    is_formula_text,
)
from surveys.offline.identity import Identity
from surveys.offline.layout import (
    EXPLANATION_FIELD,
    EXPLANATION_MAX,
    N_,
    Layout,
    build_layout,
    rule_reads,
)
from surveys.questionnaire.rules import check_answers
from surveys.questionnaire.schema import Area, Definition, Question, localized
from surveys.responses import merge as merge_ops
from surveys.responses import operations as ops
from surveys.responses import rule_checks
from surveys.responses.fields import AnswerInput, answer_display
from surveys.responses.forms import area_form_class, question_numbers
from surveys.responses.merge import Merge
from surveys.responses.models import Answer, RevisionSource, Submission
from surveys.roles import Role
from surveys.rounds.models import Round
from surveys.rounds.submission_status import Status

# --------------------------------------------------------------------------- who may do what


def may_download(user: User, round_: Round, country_id: int) -> bool:
    """The country's respondents, and coordinators for any country of the round."""
    if round_.participant(country_id) is None or not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        return True
    return user.has_role(Role.RESPONDENT) and country_id in user.country_ids


def on_behalf(user: User, country_id: int) -> bool:
    """A coordinator acting for a country they do not answer for."""
    return not (user.has_role(Role.RESPONDENT) and country_id in user.country_ids)


def refusal(
    user: User, round_: Round, country_id: int, submission: Submission | None
) -> str | None:
    """Why this user cannot import answers for the country now (a msgid), or None: a state,
    said before any upload as well as after one (under "Nothing was imported")."""
    if not may_download(user, round_, country_id):
        return N_("You cannot answer for this country.")
    if submission is not None and submission.status == Status.VALIDATED:
        return N_(
            "The secretariat has validated this submission: its answers can no longer be changed."
        )
    if submission is not None and submission.status == Status.SUBMITTED:
        return N_(
            "This submission has been submitted for review: its answers can no longer be changed "
            "unless the secretariat returns it."
        )
    returned = submission is not None and submission.status == Status.RETURNED
    if not returned and not ops.round_is_open_for(round_, country_id):
        return N_("The round is closed for this country: its answers can no longer be changed.")
    return None


# --------------------------------------------------------------------------- the layout


def _bounds(question: Question) -> tuple[float | None, float | None]:
    return question.kind.bounds(question)


def _text_limit(question: Question) -> int | None:
    return getattr(question.kind, "max_length", None)


def layout_for(definition: Definition, language: str, area_ids: Sequence[str]) -> Layout:
    """The workbook's layout for these areas (all of them when none is given)."""
    return build_layout(
        definition,
        language,
        chosen_areas(definition, area_ids),
        make_translate(language),
        bounds=_bounds,
        text_limit=_text_limit,
    )


def chosen_areas(definition: Definition, area_ids: Iterable[str]) -> list[str]:
    """The known areas among those asked for, in definition order; all when none is asked."""
    wanted = set(area_ids)
    ids = [a.id for a in definition.areas if a.id in wanted]
    return ids or [a.id for a in definition.areas]


def _stored_data(
    definition: Definition, version_sha: str, areas: Sequence[Area], answers, language: str
) -> dict[str, object]:
    """Every field's data as the area forms show the stored answers."""
    data: dict[str, object] = {}
    for area in areas:
        form_class = area_form_class(definition, area, language, version_sha)
        form = merge_ops.stored_form(form_class, area, answers, language)
        for name in merge_ops.area_field_names(form, area):
            data[name] = form[name].data
    return data


def explanation_texts(
    submission: Submission | None, definition: Definition, answers: Mapping[str, Answer]
) -> dict[str, str]:
    """Question id -> the stored explanations of the warnings its answers raise now, as its
    "Explanation of a warning" cell holds them (one cell per question: several warnings with
    different explanations are one text a line each). A download writes these; an import
    takes a cell still holding its text as unchanged, so a round trip keeps each warning's own
    explanation."""
    if submission is None or not answers:
        return {}
    hidden = ops.hidden_ids(definition, answers)
    warnings = [
        f
        for f in rule_checks.failures_of(submission, definition, answers, hidden)
        if not f.is_error
    ]
    if not warnings:
        return {}
    explained = rule_checks.explanations_of(submission)
    texts: dict[str, list[str]] = {}
    for failure in warnings:
        stored = explained.get(failure.key)
        kept = texts.setdefault(failure.question_id, [])
        if stored is not None and stored.text not in kept:
            kept.append(stored.text)
    return {qid: "\n".join(kept) for qid, kept in texts.items() if kept}


# --------------------------------------------------------------------------- download


@dataclass(frozen=True)
class Template:
    filename: str
    identity: Identity


def deadline_text(round_: Round, country_id: int, language: str, timezone: str) -> str:
    zone = zone_named(timezone)
    closes = round_.participant(country_id).closes_at
    # Months in words, as in the e-mails: "04/12" reads as 12 April to half the world.
    text = format_datetime(closes, "d MMMM y, HH:mm", tzinfo=zone, locale=locale_for(language))
    return f"{text} ({zone.key})"


def make_template(
    target: str | Path | IO[bytes],
    round_: Round,
    country: Country,
    language: str,
    *,
    secret: str,
    area_ids: Iterable[str] = (),
    blank: bool = False,
    timezone: str = "UTC",
    made_for: str = "",
) -> Template:
    """Write the country's workbook for this round (the saved answers unless `blank`)."""
    version = round_.version
    definition = version.definition
    areas_ids = chosen_areas(definition, area_ids)
    areas = [definition.area(a) for a in areas_ids]
    submission = ops.find_submission(round_.id, country.id)
    answers = {} if blank or submission is None else ops.answers_by_question(submission)
    data = _stored_data(definition, version.sha256, areas, answers, language)
    identity = Identity(
        round_id=round_.id,
        country_id=country.id,
        country_code=country.iso2,
        questionnaire=definition.key,
        version=definition.version,
        definition_sha256=version.sha256,
        language=language,
        areas=tuple(areas_ids),
        submission_version=submission.lock_version if submission else 0,
        blank=blank,
        made_at=utcnow().isoformat(timespec="seconds"),
        base={
            name: print_
            for name, value in data.items()
            if (print_ := merge_ops.field_print(value)) != merge_ops.EMPTY_PRINT
        },
    )
    t = make_translate(language)
    layout = layout_for(definition, language, areas_ids)
    numbers = question_numbers(definition)
    cover = Cover(
        title=localized(definition.title, language),
        country=country.name(language),
        period=round_.period_label,
        deadline=deadline_text(round_, country.id, language, timezone),
        version=f"{definition.key} v{definition.version}",
        areas=tuple(
            f"{numbers[a.questions[0].id].split('.')[0]}. {localized(a.title, language)}"
            if a.questions
            else localized(a.title, language)
            for a in areas
        ),
        made_for=made_for,
    )
    carried = [qid for qid, answer in answers.items() if answer.carried_over]
    # Explanations are not answers: written in their cells, but outside the identity's prints.
    explained = {
        EXPLANATION_FIELD.format(question=qid): text
        for qid, text in explanation_texts(submission, definition, answers).items()
    }
    written = {**data, **explained} if not blank else data
    # The file is written and read with openpyxl (surveys.offline.workbook), imported here:
    # the offline pages a web worker serves otherwise need only plain data (offline.contents).
    from surveys.offline.workbook import write_workbook

    write_workbook(target, layout, written, identity, secret, cover, t, carried=carried)
    part = "" if len(areas_ids) == len(definition.areas) else "-" + "-".join(areas_ids)[:60]
    # Any white space (a line break included: a header cannot hold one) becomes "_".
    filename = "_".join(f"{country.iso2}-{round_.period_label}-{language}{part}.xlsx".split())
    return Template(filename, identity)


# --------------------------------------------------------------------------- import: preview


@dataclass
class QuestionChange:
    """One question of the preview: what is stored, what the file says, and what happens."""

    area: Area
    question: Question
    number: str
    stored: Answer | None
    mine: AnswerInput | None  # the file's answer (merged over the stored one), None: unchanged
    state: str  # "changed", "conflict", "unchanged", "error"
    fields: tuple[str, ...] = ()  # the fields the file changes
    carried: bool = False  # stored answer carried over and left unchanged in the file


@dataclass
class FileResult:
    """One uploaded file, read and merged (or refused as a whole)."""

    name: str
    sha256: str = ""
    identity: Identity | None = None
    refused: Problem | None = None
    problems: list[Problem] = field(default_factory=list)
    changes: list[QuestionChange] = field(default_factory=list)
    merges: dict[str, Merge] = field(default_factory=dict)  # area id -> merge
    # Warnings the answers raise with no explanation (the file's or online): they do not stop
    # the import, but the questionnaire cannot be submitted until each is explained.
    warnings: list[Problem] = field(default_factory=list)
    explanations: dict[str, str] = field(default_factory=dict)  # failure key -> file's text

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.problems


@dataclass
class Preview:
    round: Round
    country: Country
    submission: Submission | None
    files: list[FileResult]
    language: str

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(f.ok for f in self.files)

    @property
    def problems(self) -> list[tuple[FileResult, Problem]]:
        found = []
        for result in self.files:
            if result.refused is not None:
                found.append((result, result.refused))
            found.extend((result, problem) for problem in result.problems)
        return found

    @property
    def warnings(self) -> list[tuple[FileResult, Problem]]:
        return [(result, warning) for result in self.files for warning in result.warnings]

    def changes(self, *states: str) -> list[QuestionChange]:
        return [c for f in self.files for c in f.changes if not states or c.state in states]

    @property
    def conflicts(self) -> list[QuestionChange]:
        return self.changes("conflict")

    @property
    def explanations(self) -> int:
        """Explanations of warnings the files add or change."""
        return sum(len(f.explanations) for f in self.files)

    @property
    def carried(self) -> list[QuestionChange]:
        return [c for c in self.changes("unchanged") if c.carried]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(65536):
            digest.update(chunk)
    return digest.hexdigest()


def read_file(path: Path, name: str, secret: str) -> tuple[FileResult, OpenedWorkbook | None]:
    from surveys.offline.workbook import open_workbook  # openpyxl, as above

    result = FileResult(name=name, sha256=file_sha256(path))
    try:
        opened = open_workbook(path, secret)
    except WorkbookRefused as refused:
        result.refused = refused.problem
        return result, None
    result.identity = opened.identity
    return result, opened


def check_identity(identity: Identity, round_: Round, country: Country) -> Problem | None:
    """The file must be for this round, this country and this round's questionnaire version."""
    if identity.country_id != country.id or identity.country_code != country.iso2:
        return Problem(
            N_("This workbook is for another country (%(code)s): nothing was imported."),
            params={"code": identity.country_code},
        )
    if identity.round_id != round_.id:
        return Problem(N_("This workbook is for another round: nothing was imported."))
    version = round_.version
    if identity.definition_sha256 != version.sha256 or identity.version != version.version:
        return Problem(
            N_(
                "This workbook is for version %(version)d of the questionnaire; this round "
                "uses version %(current)d. Download a new workbook."
            ),
            params={"version": identity.version, "current": version.version},
        )
    return None


def preview_import(
    round_: Round,
    country: Country,
    uploads: Sequence[tuple[Path, str]],
    *,
    secret: str,
) -> Preview:
    """Read, check and merge each file against what is stored now. Changes nothing."""
    submission = ops.find_submission(round_.id, country.id)
    answers = ops.answers_by_question(submission) if submission else {}
    definition = round_.version.definition
    preview = Preview(round_, country, submission, [], DEFAULT_LANGUAGE)
    seen_areas: dict[str, str] = {}
    for path, name in uploads:
        result, opened = read_file(path, name, secret)
        preview.files.append(result)
        if opened is None:
            continue
        identity = opened.identity
        mismatch = check_identity(identity, round_, country)
        if mismatch is not None:
            result.refused = mismatch
            continue
        for area_id in identity.areas:
            if area_id in seen_areas:
                result.problems.append(
                    Problem(
                        N_(
                            "Two of the files hold the area “%(area)s” (%(other)s): import them "
                            "one after the other."
                        ),
                        params={"area": area_id, "other": seen_areas[area_id]},
                    )
                )
            seen_areas[area_id] = name
        _merge_file(result, opened, definition, round_, submission, answers)
    return preview


def _merge_file(
    result: FileResult,
    opened: OpenedWorkbook,
    definition: Definition,
    round_: Round,
    submission: Submission | None,
    answers: Mapping[str, Answer],
) -> None:
    identity = opened.identity
    language = identity.language
    area_ids = [a for a in identity.areas if definition.area(a) is not None]
    layout = layout_for(definition, language, area_ids)
    from surveys.offline.workbook import read_answers  # openpyxl, as above

    read = read_answers(opened, layout)
    result.problems.extend(read.problems)
    if any(not p.field for p in read.problems):
        return  # the structure is broken: cells cannot be trusted
    numbers = question_numbers(definition)
    fresh = submission is not None and identity.submission_version == submission.lock_version
    if submission is None:
        fresh = identity.submission_version == 0
    merged_answers: dict[str, object] = dict(answers)
    for area_id in area_ids:
        area = definition.area(area_id)
        form_class = area_form_class(definition, area, language, round_.version.sha256)
        merge = _merge_area(form_class, area, answers, read, identity, language, fresh)
        result.merges[area_id] = merge
        merged_answers.update(merge.inputs)
        merged_answers.update(merge.conflicts)
        for name, message in merge.errors.items():
            sheet, cell = read.places.get(name, ("", ""))
            result.problems.append(Problem(message, sheet=sheet, cell=cell, field=name))
        _formula_text_problems(result, read, merge)
        _orphan_reason_problems(result, read, merge)
        for question in area.questions:
            stored = answers.get(question.id)
            state = "unchanged"
            mine = None
            if question.id in merge.conflicts:
                state, mine = "conflict", merge.conflicts[question.id]
            elif question.id in merge.inputs:
                state, mine = "changed", merge.inputs[question.id]
            elif question.id in merge.changed:
                state = "error"
            result.changes.append(
                QuestionChange(
                    area=area,
                    question=question,
                    number=numbers[question.id],
                    stored=stored,
                    mine=mine,
                    state=state,
                    fields=tuple(merge.changed.get(question.id, ())),
                    carried=state == "unchanged" and stored is not None and stored.carried_over,
                )
            )
    hidden = ops.hidden_ids(definition, merged_answers)
    prefilled = explanation_texts(submission, definition, answers)
    _rule_problems(
        result, read, definition, area_ids, round_, submission, merged_answers, hidden, prefilled
    )
    for change in result.changes:
        applies = change.state not in ("changed", "conflict") or change.question.id not in hidden
        if not applies and change.mine is not None and ops.is_given(change.mine):
            sheet, cell = read.places.get(change.fields[0] if change.fields else "", ("", ""))
            result.problems.append(
                Problem(
                    N_(
                        "Question %(number)s does not apply with the answers given (see its "
                        "condition): leave it empty, or change the answer it depends on."
                    ),
                    sheet=sheet,
                    cell=cell,
                    params={"number": change.number},
                    field=change.fields[0] if change.fields else "",
                )
            )


def _rule_problems(
    result: FileResult,
    read: Answers,
    definition: Definition,
    area_ids: Sequence[str],
    round_: Round,
    submission: Submission | None,
    merged_answers: Mapping[str, object],
    hidden: Iterable[str],
    prefilled: Mapping[str, str],
) -> None:
    """The definition's validation rules on the answers as the file would leave them, as the
    web form checks them. A rule the file's changes break is reported at its cell: an error
    refuses the file; a warning with no explanation (in the file or online) is listed, and the
    explanations typed in the file are kept to be saved with the answers. Rules already broken
    online by answers the file does not change are left to the web page. An explanation cell
    still holding what the download wrote (`prefilled`) changes nothing; one changed is saved
    even when the file changes no answer."""
    touched = {qid for merge in result.merges.values() for qid in (*merge.inputs, *merge.conflicts)}
    in_file = {q.id for a in area_ids if (area := definition.area(a)) for q in area.questions}
    typed = {
        qid: text
        for qid, text in _file_explanations(result, read, in_file).items()
        if text != prefilled.get(qid)
    }
    if not touched and not typed:
        return
    country_id = result.identity.country_id
    failures = check_answers(
        definition,
        rule_checks.answer_values(merged_answers),
        rule_checks.previous_values_of(round_, country_id),
        hidden=hidden,
    )
    explained = rule_checks.explanations_of(submission) if submission is not None else {}
    warned = {f.question_id for f in failures if not f.is_error}
    for question_id in sorted(set(typed) - warned):  # typed where no warning is raised
        name = EXPLANATION_FIELD.format(question=question_id)
        sheet, cell = read.places.get(name, ("", ""))
        result.warnings.append(
            Problem(
                N_(
                    "No warning is raised on this question with these answers: the "
                    "explanation typed here is not kept."
                ),
                sheet=sheet,
                cell=cell,
                field=name,
            )
        )
    reads_of = {rule.id: rule_reads(rule.check) for rule in definition.rules}
    for failure in failures:
        reads = reads_of.get(failure.rule_id, [failure.question_id])
        if failure.question_id not in in_file:
            continue
        text = "" if failure.is_error else typed.get(failure.question_id, "")
        stored = explained.get(failure.key)
        if text and (stored is None or stored.text != text):
            result.explanations[failure.key] = text
        if not touched & set(reads):
            continue
        field_name = failure.question_id
        if failure.cells:
            field_name = f"{failure.question_id}-{failure.cells[0].replace('|', '-')}"
        sheet, cell = read.places.get(field_name, read.places.get(failure.question_id, ("", "")))
        if failure.is_error:
            result.problems.append(
                Problem(
                    N_("Rule not respected: %(rule)s"),
                    sheet=sheet,
                    cell=cell,
                    field=field_name,
                    failure=failure,
                )
            )
            continue
        if not text and stored is None:
            where = read.places.get(EXPLANATION_FIELD.format(question=failure.question_id))
            result.warnings.append(
                Problem(
                    N_(
                        "Warning: %(rule)s It needs an explanation before the questionnaire "
                        "can be submitted: write it in the cell %(cell)s (“Explanation of a "
                        "warning”), or later on the web page."
                    ),
                    sheet=sheet,
                    cell=cell,
                    params={"cell": where[1] if where else ""},
                    field=field_name,
                    failure=failure,
                )
            )


def _file_explanations(result: FileResult, read: Answers, in_file: set[str]) -> dict[str, str]:
    """Question id -> the explanation of a warning typed in the file (checked like any text)."""
    typed = {}
    for question_id in in_file:
        name = EXPLANATION_FIELD.format(question=question_id)
        text = (read.raw_text.get(name) or "").strip()
        if not text:
            continue
        sheet, cell = read.places.get(name, ("", ""))
        if is_formula_text(text):
            result.problems.append(_formula_problem(read, name))
        elif len(text) > EXPLANATION_MAX:
            result.problems.append(
                Problem(
                    N_("An explanation may be %(max)d characters long at most."),
                    sheet=sheet,
                    cell=cell,
                    params={"max": EXPLANATION_MAX},
                    field=name,
                )
            )
        else:
            typed[question_id] = text
    return typed


def _merge_area(form_class, area, answers, read: Answers, identity, language, fresh) -> Merge:
    """The area's cells posted as its web form would post them, with the download's prints."""
    stored = merge_ops.stored_form(form_class, area, answers, language)
    names = merge_ops.area_field_names(stored, area)
    formdata = MultiDict(read.formdata.get(area.id, []))
    unreadable = {p_field for p_field in _problem_fields(read)}
    for name in unreadable & set(names):  # a cell in error stays as it was shown
        formdata.setlist(name, [])
    base = {name: identity.base.get(name, merge_ops.EMPTY_PRINT) for name in names}
    for name in unreadable & set(names):
        base.pop(name, None)
    formdata["base"] = _json(base)
    # A file is imported whole or not at all: a question with a refused cell is refused whole.
    return merge_ops.merge_post(
        form_class, area, answers, formdata, language, fresh=fresh, keep_valid=False
    )


def _problem_fields(read: Answers) -> set[str]:
    return {p.field for p in read.problems if p.field}


def _json(data: object) -> str:
    import json

    return json.dumps(data, separators=(",", ":"))


def _formula_text_problems(result: FileResult, read: Answers, merge: Merge) -> None:
    """Text typed in the file that a spreadsheet could run as a formula is refused."""
    for names in merge.changed.values():
        for name in names:
            text = read.raw_text.get(name, "")
            if text and is_formula_text(text):
                result.problems.append(_formula_problem(read, name))


def _formula_problem(read: Answers, name: str) -> Problem:
    """A text cell a spreadsheet could run as a formula, refused where it stands."""
    sheet, cell = read.places.get(name, ("", ""))
    return Problem(
        N_(
            "Text may not start with “=”, “+”, “-” or “@”: a spreadsheet could "
            "run it as a formula. Reword it (for example, start with a letter)."
        ),
        sheet=sheet,
        cell=cell,
        field=name,
    )


def _orphan_reason_problems(result: FileResult, read: Answers, merge: Merge) -> None:
    """A reason typed for a question not marked "not applicable" would be dropped on saving
    (as on the web page, which only shows it once ticked): say so rather than lose it."""
    for question_id, names in merge.changed.items():
        reason = f"{question_id}-na_reason"
        if reason not in names or merge.form is None:
            continue
        if (merge.form[reason].data or "").strip() and not merge.form[f"{question_id}-na"].data:
            sheet, cell = read.places.get(reason, ("", ""))
            result.problems.append(
                Problem(
                    N_(
                        "A reason is given but the question is not marked not applicable: "
                        "choose Yes in the “Not applicable” column, or clear the reason."
                    ),
                    sheet=sheet,
                    cell=cell,
                    field=reason,
                )
            )


# --------------------------------------------------------------------------- import: confirm


@dataclass
class Imported:
    saved: int = 0
    resolved: int = 0
    kept_online: int = 0
    confirmed: int = 0
    explained: int = 0  # warnings explained in the files
    lock_version: int = 0


def apply_import(
    preview: Preview,
    submission: Submission,
    *,
    actor: User,
    choices: Mapping[str, str],
    confirm: Iterable[str] = (),
) -> Imported:
    """Store a checked preview: taken answers as revisions by `actor`, conflicts as chosen
    ("file" or "online"; the value not chosen stays in the history), carried-over answers in
    `confirm` as confirmed. One transaction: flushes, the caller commits."""
    if not preview.ok:
        raise ValueError("a preview with problems cannot be imported")
    outcome = Imported()
    wanted = set(confirm)
    for result in preview.files:
        for area_id, merge in result.merges.items():
            answers = ops.answers_by_question(submission)
            taken = dict(merge.inputs)
            resolved = {q: i for q, i in merge.conflicts.items() if choices.get(q) == "file"}
            kept_online = {q: i for q, i in merge.conflicts.items() if choices.get(q) != "file"}
            area_confirm = [
                c.question.id
                for c in result.changes
                if c.area.id == area_id and c.carried and c.question.id in wanted
            ]
            saved = ops.save_area(
                submission,
                area_id,
                taken,
                actor=actor,
                lock_version=submission.lock_version,
                base={qid: ops.answer_fingerprint(answers.get(qid)) for qid in taken},
                conflicting=kept_online,
                confirm=area_confirm,
            )
            outcome.saved += len(saved.saved)
            outcome.confirmed += len(saved.confirmed)
            outcome.kept_online += len(kept_online)
            if resolved:
                answers = ops.answers_by_question(submission)
                chosen = ops.save_area(
                    submission,
                    area_id,
                    resolved,
                    actor=actor,
                    lock_version=submission.lock_version,
                    base={qid: ops.answer_fingerprint(answers.get(qid)) for qid in resolved},
                    source=RevisionSource.RESOLVED,
                )
                outcome.resolved += len(chosen.saved)
        for key, text in result.explanations.items():
            rule_checks.save_explanation(submission, key, text, actor)
            outcome.explained += 1
    record(
        "offline.imported",
        target_type="submission",
        target_id=submission.id,
        details={
            "files": [
                {"name": f.name, "sha256": f.sha256, "areas": list(f.identity.areas)}
                for f in preview.files
            ],
            "saved": outcome.saved,
            "resolved": outcome.resolved,
            "kept_online": outcome.kept_online,
            "confirmed": outcome.confirmed,
            "explained": outcome.explained,
            "on_behalf": on_behalf(actor, submission.country_id),
        },
        actor=actor,
    )
    db.session.flush()
    outcome.lock_version = submission.lock_version
    return outcome


def shown(question: Question, answer, language: str) -> str:
    """An answer as text for the preview, comment included."""
    if answer is None:
        return ""
    text = answer_display(question, answer, language)
    comment = (getattr(answer, "comment", "") or "").strip()
    return f"{text}\n— {comment}" if comment else text


def preview_state(preview: Preview) -> str:
    """A short print of what the preview showed (stored versions and file hashes)."""
    version = preview.submission.lock_version if preview.submission else 0
    parts = [str(version), *sorted(f.sha256 for f in preview.files)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
