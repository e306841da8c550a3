"""Respondents' domain changes: starting a submission, saving an area, conflicts, completeness.

Everything here flushes and never commits (views commit). Public API used by other slices:
`completeness(submission)`, `save_area(...)`, `visible_responses(submission)`,
`answer_display(question, answer, language)` (from fields), `can_edit(submission, user)`.

Optimistic locking, per question. A form carries the submission's `lock_version` and, per
question, a fingerprint of the answer it showed (`base`). A save based on the current version is
applied as is. A save based on an older version (someone saved in between) is merged question by
question: a question the respondent left as it was shown is not written (the newer stored answer
stands); a question they changed is written when nobody else changed it since the form was shown;
a question both changed is a conflict: the stored answer stays, their value is kept as a
`conflict` revision, and the conflict page lets them choose. Nothing typed is ever lost.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key
from werkzeug.exceptions import MethodNotAllowed

from surveys.accounts.models import User
from surveys.columns import UTCDateTime, json_rows, utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import current_language
from surveys.languages import DEFAULT_LANGUAGE
from surveys.questionnaire.expressions import condition_reads, hidden_questions, is_answered
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.questionnaire.schema import (
    Area,
    Definition,
    Question,
    Response,
    localized,
)
from surveys.responses.fields import AnswerInput, answer_display, kind_of, value_problem
from surveys.responses.models import Answer, AnswerRevision, RevisionSource, Submission
from surveys.responses.rule_checks import previous_submission_id, values_of_rows
from surveys.roles import Role
from surveys.rounds.models import Round, RoundCountry
from surveys.rounds.submission_status import COUNTED_STATUSES, Status

__all__ = [
    "AreaProgress",
    "Conflict",
    "Problem",
    "SaveResult",
    "answer_display",
    "answer_fingerprint",
    "can_edit",
    "completeness",
    "counted_countries",
    "save_area",
    "start_submission",
    "visible_responses",
]


# --------------------------------------------------------------------------- rounds and access


def round_is_open_for(round_: Round, country_id: int, now: datetime | None = None) -> bool:
    """Open for this country: started, not cancelled, before its (possibly extended) deadline."""
    return _open_for(round_, round_.participant(country_id), now)


def _open_for(round_: Round, participant: RoundCountry | None, now: datetime | None) -> bool:
    now = now or utcnow()
    if participant is None or round_.cancelled_at is not None:
        return False
    return round_.opens_at <= now < participant.closes_at


def submission_for_page(submission_id: int) -> Submission | None:
    """The submission with what its pages read about it, in one statement: its round, the
    round's version without its ~90 KB JSON (the parsed definition is kept per process by
    hash; see QuestionnaireVersion.definition), its country and its own participant entry
    (not every participant of the round), and whether any file is attached to its answers."""
    return db.session.scalar(_submission_for_page_statement(), {"submission_id": submission_id})


@cache
def _submission_for_page_statement() -> sa.Select:
    # Built once: composing a select with its loader options costs more than running it.
    return (
        sa.select(Submission)
        .where(Submission.id == sa.bindparam("submission_id"))
        .options(
            joinedload(Submission.round).options(
                joinedload(Round.version).defer(QuestionnaireVersion.definition_json),
                lazyload(Round.participants),
            ),
            joinedload(Submission.participant).lazyload(RoundCountry.country),
            undefer(Submission.has_live_evidence),
        )
    )


def submission_with_answers(
    submission_id: int,
) -> tuple[Submission, dict[str, StoredAnswer]] | None:
    """The area page's and its save's read: the submission as `submission_for_page` loads it
    and its answers as `answer_values` gives them, in the same statement (the answers as one
    JSON value beside the submission's row: one statement fewer, and one value to decode in
    place of a row for each of some 50 to 150 answers)."""
    row = db.session.execute(
        _submission_with_answers_statement(), {"submission_id": submission_id}
    ).one_or_none()
    if row is None:
        return None
    submission, rows = row
    return submission, _stored_answers(submission, rows)


class AreaRead(NamedTuple):
    """What an area page and its save read first, in one statement."""

    submission: Submission
    answers: dict[str, StoredAnswer]
    previous: dict[str, object] | None
    """The previous round's values the area's checks read (`rule_checks.previous_reads_beside`;
    empty when they read none); None when not known yet (the checks then read them themselves,
    and the page remembers what they read)."""


# Which of the previous round's values each area page of a submission checks against: the hash
# of the round's version, and the questions (none when the area's checks read nothing of it).
# A page reads them with the submission, and takes them only when the round still has a version
# of that hash (a round's version may change until it opens); a first page, or one whose round
# has changed its version since, lets the checks read them with a statement of their own, and
# says what it read. Hashes, not ids: what the checks read follows from the definition alone.
_PREVIOUS_READS_OF_AREAS: dict[tuple[int, str], tuple[str, tuple[str, ...]]] = {}
MAX_REMEMBERED_AREAS = 20_000


def submission_for_area(submission_id: int, area_id: str) -> AreaRead | None:
    """`submission_with_answers`, with the previous round's values the area's checks read
    beside them (on PostgreSQL one round trip fewer, on a page that has such checks)."""
    remembered = _PREVIOUS_READS_OF_AREAS.get((submission_id, area_id))
    if remembered is None or not remembered[1]:
        found = submission_with_answers(submission_id)
        if found is None:
            return None
        # An area known to read nothing of the previous round: nothing to read, nor to find out.
        known = remembered is not None and found[0].round.version.sha256 == remembered[0]
        return AreaRead(*found, previous={} if known else None)
    sha256, question_ids = remembered
    row = db.session.execute(
        _submission_with_answers_and_previous_statement(),
        {"submission_id": submission_id, "previous_ids": list(question_ids)},
    ).one_or_none()
    if row is None:
        return None
    submission, rows, previous_rows = row
    previous = None
    if submission.round.version.sha256 == sha256:
        previous = values_of_rows(previous_rows or ())
    return AreaRead(submission, _stored_answers(submission, rows), previous)


def remember_previous_reads(submission: Submission, area_id: str, reads: frozenset[str]) -> None:
    """What the area's checks read of the previous round (see `submission_for_area`)."""
    key = (submission.id, area_id)
    entry = (submission.round.version.sha256, tuple(sorted(reads)))
    if _PREVIOUS_READS_OF_AREAS.get(key) != entry:
        if len(_PREVIOUS_READS_OF_AREAS) >= MAX_REMEMBERED_AREAS:
            _PREVIOUS_READS_OF_AREAS.clear()
        _PREVIOUS_READS_OF_AREAS[key] = entry


def _stored_answers(submission: Submission, rows) -> dict[str, StoredAnswer]:
    """The answers of `json_rows` beside a submission, by question id."""
    return {
        question_id: StoredAnswer(
            answer_id,
            submission.id,
            question_id,
            value,
            bool(not_applicable),  # SQLite's JSON writes booleans as 1 and 0
            justification,
            comment,
            bool(carried_over),
        )
        for answer_id, question_id, value, not_applicable, justification, comment, carried_over in (
            rows or ()
        )
    }


@cache
def _submission_with_answers_and_previous_statement() -> sa.Select:
    """`_submission_with_answers_statement` with the previous round's values of some questions
    (parameter previous_ids) beside them, as `rule_checks.previous_values_of` reads them."""
    round_, version = aliased(Round), aliased(QuestionnaireVersion)
    # The submission's round, as the page's statement reads it (two levels down: said outright).
    opens_at = sa.select(round_.opens_at).where(round_.id == Submission.round_id)
    questionnaire_id = (
        sa.select(version.questionnaire_id)
        .join(round_, round_.questionnaire_version_id == version.id)
        .where(round_.id == Submission.round_id)
    )
    before = previous_submission_id(
        questionnaire_id.correlate(Submission).scalar_subquery(),
        Submission.country_id,
        opens_at.correlate(Submission).scalar_subquery(),
    )
    previous = (
        sa.select(json_rows(_ANSWERS.c.question_id, _ANSWERS.c.value, _ANSWERS.c.not_applicable))
        .where(_ANSWERS.c.submission_id == before)
        .where(_ANSWERS.c.question_id.in_(sa.bindparam("previous_ids", expanding=True)))
        .scalar_subquery()
    )
    return _submission_with_answers_statement().add_columns(previous)


@cache
def _submission_with_answers_statement() -> sa.Select:
    # A StoredAnswer's columns but the submission's id, which the row beside them gives.
    answers = _answers_beside(*(c for c in _STORED_ANSWER_COLUMNS if c.name != "submission_id"))
    return _submission_for_page_statement().add_columns(answers)


def _answers_beside(*columns: sa.ColumnElement) -> sa.ScalarSelect:
    """A column of a statement selecting submissions: each one's answers (these columns of
    them) as one JSON value (json_rows)."""
    return (
        sa.select(json_rows(*columns))
        .where(_ANSWERS.c.submission_id == Submission.id)
        .scalar_subquery()
    )


@dataclass
class RoundAnswers:
    """Every submission of a round with its answers, as the round's page reads them."""

    submissions: dict[int, Submission]  # by country id
    values: dict[int, dict[str, object]] = field(default_factory=lambda: defaultdict(dict))
    not_applicable: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    carried_over: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


def round_answers(round_id: int) -> RoundAnswers:
    """In one statement: each submission with its answers as one JSON value beside its row (a
    round of 16 countries has some 1,600 answers; a row each cost a quarter of its page)."""
    found = RoundAnswers({})
    rows = db.session.execute(_round_answers_statement(), {"round_id": round_id})
    for submission, answers in rows:
        found.submissions[submission.country_id] = submission
        for question_id, value, not_applicable, carried_over in answers or ():
            found.values[submission.id][question_id] = value
            if not_applicable:
                found.not_applicable[submission.id].add(question_id)
            if carried_over:
                found.carried_over[submission.id].add(question_id)
    return found


@cache
def _round_answers_statement() -> sa.Select:
    answers = _answers_beside(
        _ANSWERS.c.question_id,
        _ANSWERS.c.value,
        _ANSWERS.c.not_applicable,
        _ANSWERS.c.carried_over,
    )
    return sa.select(Submission, answers).where(Submission.round_id == sa.bindparam("round_id"))


def counted_countries(round_id: int) -> set[int]:
    """The countries of the round whose submission counts (submitted or validated)."""
    return set(
        db.session.scalars(
            sa.select(Submission.country_id).where(
                Submission.round_id == round_id, Submission.status.in_(COUNTED_STATUSES)
            )
        )
    )


def can_read(submission: Submission, user: User) -> bool:
    """Whether `user` may read the submission's answers, files and history, within the
    countries they see. A draft or returned submission is the country's work in progress: its
    respondents, the coordinators who chase and review it, and the administrators who support
    them read it; analysts read what countries submitted, as the results pages show it."""
    if submission.status in COUNTED_STATUSES:
        return True
    roles = user.roles  # once: `user` is often Flask-Login's proxy, each attribute a lookup
    if Role.COORDINATOR in roles or Role.ADMIN in roles:
        return True
    return Role.RESPONDENT in roles and submission.country_id in user.country_ids


def can_edit(submission: Submission, user: User) -> bool:
    """A respondent of the country, on an editable submission, while the round is open for it.

    A returned submission stays editable after the deadline: the coordinator asked for changes.
    """
    if not user.is_authenticated or not user.has_role(Role.RESPONDENT):
        return False
    if submission.country_id not in user.country_ids or not submission.is_editable:
        return False
    if submission.status == Status.RETURNED:
        return True
    return _open_for(submission.round, submission.participant, None)


@dataclass(frozen=True)
class RoundTask:
    """A round a respondent's country takes part in, with its submission if started."""

    round: Round
    country: Country
    participant: RoundCountry
    submission: Submission | None
    closed: bool = False  # the round closed for the country (a returned submission, still open)

    @property
    def returned(self) -> bool:
        """The secretariat asked for changes: editable whatever the deadline."""
        return self.submission is not None and self.submission.status == Status.RETURNED


@dataclass(frozen=True)
class RespondentRounds:
    """What a respondent's home lists of their countries' rounds."""

    tasks: list[RoundTask]  # open now for the country (or returned to it), soonest deadline first
    past: list[Submission]  # validated, of rounds closed for their country, newest round first


def respondent_rounds(country_ids: Iterable[int], now: datetime | None = None) -> RespondentRounds:
    """The rounds open now for these countries (or returned to them) and the validated
    submissions of rounds closed for their country.

    One statement whatever the number of rounds: the participations open (or returned) or
    validated, with their rounds, versions (without the JSON), countries and submissions; not
    every participant of each round, nor the participations that ended without a validation."""
    now = now or utcnow()
    ids = list(country_ids)
    tasks: list[RoundTask] = []
    past: list[Submission] = []
    if not ids:
        return RespondentRounds(tasks, past)
    rows = db.session.execute(_respondent_rounds_statement(), {"country_ids": ids, "now": now})
    for participant, submission in rows:
        round_ = participant.round
        status = submission.status if submission is not None else None
        started = round_.cancelled_at is None and round_.opens_at <= now
        if started and (participant.closes_at > now or status == Status.RETURNED):
            closed = participant.closes_at <= now
            tasks.append(RoundTask(round_, participant.country, participant, submission, closed))
        elif status == Status.VALIDATED:
            past.append(submission)
    tasks.sort(key=lambda t: (t.participant.closes_at, t.country.name(DEFAULT_LANGUAGE)))
    return RespondentRounds(tasks, past)


@cache
def _respondent_rounds_statement() -> sa.Select:
    # Built once: composing a select with its loader options costs more than running it.
    now = sa.bindparam("now", type_=UTCDateTime())
    open_or_returned = sa.and_(
        Round.cancelled_at.is_(None),
        Round.opens_at <= now,
        # RoundCountry.closes_at, the later of the round's date and the country's own.
        sa.or_(
            Round.closes_at > now,
            RoundCountry.closes_at_override > now,
            Submission.status == Status.RETURNED.value,
        ),
    )
    # The submission shares the participation's round and country: read once, for both.
    round_read = (contains_eager(Round.version), lazyload(Round.participants))
    return (
        sa.select(RoundCountry, Submission)
        .join(RoundCountry.round)
        .join(Round.version)
        .join(RoundCountry.country)
        .outerjoin(
            Submission,
            sa.and_(
                Submission.round_id == RoundCountry.round_id,
                Submission.country_id == RoundCountry.country_id,
            ),
        )
        .where(
            RoundCountry.country_id.in_(sa.bindparam("country_ids", expanding=True)),
            sa.or_(open_or_returned, Submission.status == Status.VALIDATED.value),
        )
        .order_by(Round.opens_at.desc())
        .options(
            contains_eager(RoundCountry.round).options(*round_read),
            contains_eager(RoundCountry.country),
            contains_eager(Submission.round).options(*round_read),
            contains_eager(Submission.country),
        )
    )


def progress_by_submission(submissions: Iterable[Submission]) -> dict[int, list[AreaProgress]]:
    """`area_progress` of each submission by its id, their answers read in one statement."""
    by_id = {s.id: s for s in submissions}
    if not by_id:
        return {}
    answers: dict[int, dict[str, StoredAnswer]] = {id_: {} for id_ in by_id}
    rows = db.session.connection().execute(_ANSWERS_OF_SUBMISSIONS, {"ids": list(by_id)}).all()
    for row in rows:
        answers[row.submission_id][row.question_id] = StoredAnswer(*row)
    return {id_: area_progress(definition_of(s), answers[id_]) for id_, s in by_id.items()}


# --------------------------------------------------------------------------- answers and visibility


def definition_of(submission: Submission) -> Definition:
    return submission.round.version.definition


def answers_by_question(submission: Submission) -> dict[str, Answer]:
    return {a.question_id: a for a in submission.answers}


class StoredAnswer(NamedTuple):
    """An answer's values only, as the area page and its save read them: a save writes by id
    (see `_Rows`), and both read the rest for fields, conditions, rules and progress: no ORM
    instance is worth building (pages that show who changed what load `Answer`s). A named tuple:
    a page reads some 150, and one is made in a quarter of a frozen dataclass's time."""

    id: int | None
    submission_id: int
    question_id: str
    value: object
    not_applicable: bool
    na_justification: str
    comment: str
    carried_over: bool


def answer_values(submission: Submission) -> dict[str, StoredAnswer]:
    """The submission's answers by question id, as plain rows (one statement)."""
    rows = db.session.connection().execute(_ANSWER_ROWS, {"submission_id": submission.id}).all()
    return {row.question_id: StoredAnswer(*row) for row in rows}


_ANSWERS = Answer.__table__
_STORED_ANSWER_COLUMNS = tuple(_ANSWERS.c[name] for name in StoredAnswer._fields)
_ANSWER_ROWS = sa.select(*_STORED_ANSWER_COLUMNS).where(
    _ANSWERS.c.submission_id == sa.bindparam("submission_id")
)
_ANSWERS_OF_SUBMISSIONS = sa.select(*_ANSWER_ROWS.selected_columns).where(
    _ANSWERS.c.submission_id.in_(sa.bindparam("ids", expanding=True))
)


def condition_values(answers: Mapping[str, Answer | AnswerInput]) -> dict[str, object]:
    """Answer values as `show_if` conditions see them ("not applicable" reads as None)."""
    return {qid: condition_value(a) for qid, a in answers.items()}


def condition_value(answer: Answer | AnswerInput) -> object:
    return None if answer.not_applicable else answer.value


def hidden_ids(
    definition: Definition, answers: Mapping[str, Answer | AnswerInput]
) -> frozenset[str]:
    seen = {
        qid: condition_value(answers[qid]) for qid in condition_reads(definition) & answers.keys()
    }
    return hidden_questions(definition, seen)


def is_given(answer: Answer | AnswerInput | None) -> bool:
    """Answered, or marked not applicable."""
    return answer is not None and (answer.not_applicable or is_answered(answer.value))


def visible_responses(submission: Submission) -> list[Response]:
    """The answers scoring and exports should see: visible questions only, in definition order."""
    definition = definition_of(submission)
    answers = answers_by_question(submission)
    hidden = hidden_ids(definition, answers)
    return [
        Response(question.id, answers[question.id].value, answers[question.id].not_applicable)
        for _, question in definition.questions()
        if question.id in answers and question.id not in hidden and is_given(answers[question.id])
    ]


@dataclass(frozen=True)
class AreaProgress:
    """One area's visible questions: answered this round, carried over and not yet confirmed
    (their own state: a carried-over answer is not this round's answer until confirmed), and
    how many there are."""

    area: Area
    answered: int
    total: int
    to_confirm: int = 0

    @property
    def complete(self) -> bool:
        return self.answered >= self.total


def area_progress(definition: Definition, answers: Mapping[str, Answer]) -> list[AreaProgress]:
    """Per area, how many visible questions are answered (or not applicable) of how many, and
    how many carried-over answers still wait for confirmation."""
    hidden = hidden_ids(definition, answers)
    return [progress_of(area, answers, hidden) for area in definition.areas]


def progress_of(area: Area, answers: Mapping[str, Answer], hidden: frozenset[str]) -> AreaProgress:
    """One area's progress (see `area_progress`), given the hidden questions."""
    visible = [q for q in area.questions if q.id not in hidden]
    given = [answers[q.id] for q in visible if is_given(answers.get(q.id))]
    to_confirm = sum(1 for answer in given if getattr(answer, "carried_over", False))
    return AreaProgress(area, len(given) - to_confirm, len(visible), to_confirm)


def carried_over_tasks(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that are carried-over answers to confirm (a task, not an error)."""
    return [p for p in problems if p.to_confirm]


# --------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class Problem:
    """Why a submission cannot be submitted yet, for one question.

    `field` is the id of the form field to link to on the area page
    (`url_for("responses.area", submission_id=..., area_id=problem.area_id) + "#" + field`).
    `message` is a lazy string: str() it in the reader's language.
    """

    area_id: str
    question: Question
    field: str
    message: object
    to_confirm: bool = False  # a carried-over answer waiting for confirmation, not an error

    @property
    def question_id(self) -> str:
        return self.question.id

    def __str__(self) -> str:
        """The question's text and the message, in the current language (for flashes, logs)."""
        from surveys.i18n import current_language, label_colon

        language = current_language()
        return f"{localized(self.question.text, language)}{label_colon(language)}{self.message}"


def completeness(submission: Submission) -> list[Problem]:
    """Everything that stops this submission from being submitted, in definition order."""
    definition = definition_of(submission)
    answers = answers_by_question(submission)
    hidden = hidden_ids(definition, answers)
    problems: list[Problem] = []
    for area, question in definition.questions():
        if question.id not in hidden:
            problems.extend(_question_problems(area, question, answers.get(question.id)))
    return problems + rule_problems(submission, definition, answers, hidden)


def rule_problems(
    submission: Submission, definition: Definition, answers: dict[str, Answer], hidden
) -> list[Problem]:
    """The validation rules that stop submitting: every error, and every warning without the
    respondent's explanation."""
    from surveys.responses.rule_checks import shown_failures

    areas = {q.id: a for a, q in definition.questions()}
    problems = []
    for shown in shown_failures(submission, definition, answers, hidden, _rules_language()):
        if not shown.needs_action:
            continue
        area = areas.get(shown.failure.question_id)
        if area is None:
            continue
        question = definition.question(shown.failure.question_id)
        if shown.failure.is_error:
            message = _l("Correct this: %(rule)s", rule=shown.text)
            field = shown.anchor
        else:
            message = _l("Explain or correct: %(rule)s", rule=shown.text)
            field = shown.explanation_field
        problems.append(Problem(area.id, question, field, message))
    return problems


def _rules_language() -> str:
    return current_language()


def _question_problems(area: Area, question: Question, answer: Answer | None) -> list[Problem]:
    problems = _answer_problems(area, question, answer)
    if answer is not None and answer.carried_over and is_given(answer):
        # A carried-over "not applicable" waits for confirmation as a carried-over value does
        # (the area's progress counts both: the two lists once disagreed).
        message = _l("Confirm or update the answer carried over from the previous round.")
        problems.append(
            Problem(area.id, question, f"{question.id}-confirm", message, to_confirm=True)
        )
    return problems


def _answer_problems(area: Area, question: Question, answer: Answer | None) -> list[Problem]:
    main = kind_of(question).anchor(question)
    if answer is not None and answer.not_applicable and question.allow_na:
        if not answer.na_justification.strip():
            message = _l("Explain why this question is not applicable.")
            return [Problem(area.id, question, f"{question.id}-na_reason", message)]
        return []
    if answer is None or not is_answered(answer.value):
        if question.required:
            return [Problem(area.id, question, main, _l("Answer this question."))]
        return []
    problems = []
    wrong = value_problem(question, answer.value)
    if wrong:
        problems.append(Problem(area.id, question, main, wrong))
    if question.statistics is not None and not str(answer.value.get("source", "")).strip():
        message = _l("Give the source of these figures.")
        problems.append(Problem(area.id, question, f"{question.id}-source", message))
    return problems


# --------------------------------------------------------------------------- saving


def answer_fingerprint(answer: Answer | AnswerInput | AnswerRevision | None) -> str:
    """A short digest of what a respondent sees of an answer: value, n/a, justification, comment."""
    if answer is None:
        state: list[object] = [None, False, "", ""]
    else:
        state = [
            _as_shown(answer.value) if _shows_something(answer.value) else None,
            bool(answer.not_applicable),
            (answer.na_justification or "").strip(),
            (answer.comment or "").strip(),
        ]
    canonical = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _shows_something(value: object) -> bool:
    """Answered, or a statistics table with its source, definition, period or coverage typed
    before any figure: not an answer yet, but what was typed is kept like one."""
    if isinstance(value, Mapping) and "cells" in value:
        return is_answered(value) or any(
            isinstance(text, str) and text.strip() for key, text in value.items() if key != "cells"
        )
    return is_answered(value)


def _as_shown(value):
    """An answer as the eye sees it: 7.0 is 7 (a form posts "7" back for a stored 7.0) and the
    options ticked of a multiple choice are a set (a form posts them in the options' order,
    whatever order a carried-over answer was stored in)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        shown = [_as_shown(item) for item in value]
        return sorted(shown) if all(isinstance(item, str) for item in shown) else shown
    if isinstance(value, dict):
        return {key: _as_shown(item) for key, item in value.items()}
    return value


def area_fingerprints(area: Area, answers: Mapping[str, Answer]) -> dict[str, str]:
    return {q.id: answer_fingerprint(answers.get(q.id)) for q in area.questions}


@dataclass(frozen=True)
class Conflict:
    """A question both this respondent and someone else changed since the form was shown."""

    question: Question
    stored: Answer | None
    mine: AnswerRevision


@dataclass
class SaveResult:
    lock_version: int
    saved: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    stale: bool = False
    answers: dict[str, Answer] = field(default_factory=dict)
    """Every answer of the submission as the save left them (by question id)."""

    @property
    def changed(self) -> bool:
        return bool(self.saved or self.confirmed)


def _value_differs(answer: Answer | None, new: AnswerInput) -> bool:
    """Whether the answer itself (not only its comment) changes."""
    if answer is None:
        return is_given(new)
    return (
        answer.value != new.value
        or answer.not_applicable != new.not_applicable
        or (answer.na_justification or "") != new.na_justification
    )


def _normalised(question: Question, new: AnswerInput, hidden: bool) -> AnswerInput:
    if hidden:
        return AnswerInput()  # hidden questions are neither required nor stored
    if not question.allow_na:
        return replace(new, not_applicable=False, na_justification="")
    if new.not_applicable:
        return replace(new, value=None)
    return replace(new, na_justification="")


def save_area(
    submission: Submission,
    area_id: str,
    inputs: Mapping[str, AnswerInput],
    *,
    actor: User | None,
    lock_version: int,
    base: Mapping[str, str] | None = None,
    conflicting: Mapping[str, AnswerInput] | None = None,
    confirm: Iterable[str] = (),
    source: RevisionSource = RevisionSource.SAVED,
    answers: Mapping[str, Answer] | None = None,
) -> SaveResult:
    """Store answers of one area page (questions of other areas are ignored).

    `inputs`: the answers to store. `base` (question id -> `answer_fingerprint` of the answer
    the change was based on): a question whose stored answer no longer has that fingerprint is
    not written but kept as a conflict (see the module docstring); without `base`, a save on an
    older `lock_version` than the submission's is a conflict for every question it changes.
    `conflicting`: answers already known to clash (the area page merges field by field), kept
    as conflict revisions. `confirm`: carried-over answers the respondent confirmed, whatever
    else the same post changes. Questions of the area hidden by `show_if` (with the new values)
    lose their answer (kept in the history). `answers`: the submission's answers by question
    id, when the caller has just read them. Flushes; the caller commits. The result carries
    every answer as the save left them.
    """
    definition = definition_of(submission)
    area = definition.area(area_id)
    if area is None:
        raise KeyError(area_id)
    stored = dict(answers) if answers is not None else answers_by_question(submission)
    merged: dict[str, Answer | AnswerInput] = dict(stored)
    merged.update({qid: new for qid, new in inputs.items() if area_has(area, qid)})
    hidden = hidden_ids(definition, merged)
    stale = lock_version != submission.lock_version
    result = SaveResult(lock_version=submission.lock_version, stale=stale, answers=stored)
    now = utcnow()
    rows = _Rows()
    for question in area.questions:
        current = stored.get(question.id)
        if conflicting and question.id in conflicting:
            mine = _normalised(question, conflicting[question.id], question.id in hidden)
            result.conflicts.append(
                _conflict(submission, question, current, mine, actor, now, lock_version)
            )
            continue
        if question.id in inputs:
            new = _normalised(question, inputs[question.id], question.id in hidden)
        elif question.id in hidden and is_given(current):
            new = AnswerInput()  # hidden by the new answers: cleared, kept in the history
        else:
            continue
        current_print = answer_fingerprint(current)
        new_print = answer_fingerprint(new)
        if new_print == current_print:
            continue
        if question.id in inputs and (stale or base is not None):
            base_print = (base or {}).get(question.id)
            if base_print == new_print:
                continue  # left as shown: the newer stored answer stands
            if base_print != current_print:
                result.conflicts.append(
                    _conflict(submission, question, current, new, actor, now, lock_version)
                )
                continue
        kind = RevisionSource.HIDDEN if question.id in hidden else source
        if current is None:  # a first answer: the unit of work inserts it
            stored[question.id] = _write(
                submission, question.id, current, new, actor, now, lock_version, kind
            )
        else:
            stored[question.id] = rows.change(current, new, actor, now, lock_version, kind)
        result.saved.append(question.id)
    result.confirmed = _confirm(area, stored, set(confirm), actor, rows)
    rows.write(submission if result.changed else None, now)
    db.session.flush()  # first answers, confirmations and conflict revisions, when any
    result.lock_version = submission.lock_version
    return result


class _Rows:
    """What a save writes, in as few statements as it takes: the submission's lock version
    first (a save that lost the race stops there), then the changed answers and their revisions
    each in one statement, whatever their number. The loaded objects take the written values as
    committed, so the request goes on from what it wrote without reading it again, and the unit
    of work has nothing left to do for them."""

    ANSWERS = Answer.__table__
    REVISIONS = AnswerRevision.__table__
    SUBMISSIONS = Submission.__table__
    # The columns set are those of the parameters given (changes, or confirmations).
    UPDATE_ANSWER = ANSWERS.update().where(ANSWERS.c.id == sa.bindparam("answer_id"))
    BUMP = SUBMISSIONS.update().where(
        SUBMISSIONS.c.id == sa.bindparam("submission_id_"),
        SUBMISSIONS.c.lock_version == sa.bindparam("lock_version_"),
    )
    # Up to this many changed answers, PostgreSQL writes them with the bump (one statement per
    # number of answers, compiled once each); a whole page's post keeps its three statements.
    ONE_STATEMENT_ANSWERS = 8

    def __init__(self) -> None:
        self.answers: list[dict[str, object]] = []
        self.revisions: list[dict[str, object]] = []
        self.confirmed: list[dict[str, object]] = []

    def change(
        self,
        answer: Answer | StoredAnswer,
        new: AnswerInput,
        actor: User | None,
        now: datetime,
        based_on: int | None,
        source: RevisionSource,
    ) -> Answer | StoredAnswer:
        """As `_write` does for a stored answer (same columns, same carried-over rule); the
        answer as written."""
        actor_id = actor.id if actor else None
        columns = {
            "value": new.value,
            "not_applicable": new.not_applicable,
            "na_justification": new.na_justification,
            "comment": new.comment,
            "carried_over": False if _value_differs(answer, new) else answer.carried_over,
            "updated_at": now,
            "updated_by_id": actor_id,
        }
        self.answers.append({"answer_id": answer.id, **columns})
        self.revision(answer, new, actor_id, now, based_on, source)
        return _as_written(answer, columns)

    def revision(
        self,
        answer: Answer | StoredAnswer,
        new: AnswerInput,
        actor_id: int | None,
        now: datetime,
        based_on: int | None,
        source: RevisionSource,
    ) -> None:
        self.revisions.append(
            {
                "submission_id": answer.submission_id,
                "question_id": answer.question_id,
                "value": new.value,
                "not_applicable": new.not_applicable,
                "na_justification": new.na_justification,
                "comment": new.comment,
                "saved_at": now,
                "saved_by_id": actor_id,
                "source": source.value,
                "based_on_version": based_on,
            }
        )

    def bump(self, submission: Submission, now: datetime) -> None:
        """The next lock version, on the version this request read (else StaleDataError, as the
        mapper's version column would raise: the save is merged again)."""
        _refuse_outside_post()
        new_version = submission.lock_version + 1
        bumped = db.session.connection().execute(
            self.BUMP,
            {
                "submission_id_": submission.id,
                "lock_version_": submission.lock_version,
                "lock_version": new_version,
                "last_activity_at": now,
            },
        )
        if bumped.rowcount != 1:
            raise StaleDataError(f"submission {submission.id} was saved meanwhile")
        set_committed_value(submission, "lock_version", new_version)
        set_committed_value(submission, "last_activity_at", now)

    def confirm(self, answer: Answer | StoredAnswer, actor: User | None) -> Answer | StoredAnswer:
        """A carried-over answer confirmed as still correct, as written."""
        columns = {"carried_over": False, "updated_by_id": actor.id if actor else None}
        self.confirmed.append({"answer_id": answer.id, **columns})
        return _as_written(answer, columns)

    def write(self, bumped: Submission | None, now: datetime) -> None:
        """The lock version of `bumped` (when the save changed anything), then the answers and
        revisions. On PostgreSQL a save of a few answers (an autosave) bumps, changes them and
        records their revisions in one statement (data-modifying WITH queries): one round trip
        instead of three, and the submission's row locked for less time when the database is
        on another machine."""
        if not (bumped or self.answers or self.confirmed):
            return
        _refuse_outside_post()
        connection = db.session.connection()
        if (
            bumped is not None
            and 0 < len(self.answers) <= self.ONE_STATEMENT_ANSWERS
            and connection.dialect.name == "postgresql"
        ):
            self._bump_and_change(connection, bumped, now)
        else:
            if bumped is not None:
                self.bump(bumped, now)
            if self.answers:
                connection.execute(self.UPDATE_ANSWER, self.answers)
                connection.execute(self.REVISIONS.insert(), self.revisions)
        if self.confirmed:
            connection.execute(self.UPDATE_ANSWER, self.confirmed)

    def _bump_and_change(self, connection, submission: Submission, now: datetime) -> None:
        """`bump`, and the changed answers and their revisions written only when it bumped: a
        save that lost the race writes nothing (and is merged again, as with `bump`)."""
        new_version = submission.lock_version + 1
        answer_columns = tuple(c for c in self.answers[0] if c != "answer_id")
        revision_columns = tuple(self.revisions[0])
        parameters = {
            "submission_id_": submission.id,
            "lock_version_": submission.lock_version,
            "new_version_": new_version,
            "now_": now,
        }
        for number, row in enumerate(self.answers):
            parameters.update({f"a{number}_{name}": value for name, value in row.items()})
        for number, row in enumerate(self.revisions):
            parameters.update({f"r{number}_{name}": value for name, value in row.items()})
        statement = _bump_and_change_statement(
            len(self.answers), answer_columns, len(self.revisions), revision_columns
        )
        if connection.execute(statement, parameters).scalar_one() != 1:
            raise StaleDataError(f"submission {submission.id} was saved meanwhile")
        set_committed_value(submission, "lock_version", new_version)
        set_committed_value(submission, "last_activity_at", now)


@cache
def _bump_and_change_statement(
    answers: int, answer_columns: tuple[str, ...], revisions: int, revision_columns: tuple[str, ...]
) -> sa.Select:
    """One statement (PostgreSQL): the submission's lock version bumped on the version read; the
    answers changed and their revisions inserted only when it was. Built once per shape: the
    values come as parameters, so SQLAlchemy compiles it once too."""
    submissions, answer_table, revision_table = _Rows.SUBMISSIONS, _Rows.ANSWERS, _Rows.REVISIONS
    bumped = (
        submissions.update()
        .where(
            submissions.c.id == sa.bindparam("submission_id_"),
            submissions.c.lock_version == sa.bindparam("lock_version_"),
        )
        .values(lock_version=sa.bindparam("new_version_"), last_activity_at=sa.bindparam("now_"))
        .returning(submissions.c.id)
        .cte("bumped")
    )
    won = sa.exists(sa.select(bumped.c.id))

    def rows_of(prefix: str, count: int, names: tuple[str, ...], column_of) -> sa.Subquery:
        # SELECTs of parameters, not VALUES: SQLAlchemy caches the compiled form of these only.
        rows = [
            sa.select(
                *(
                    sa.bindparam(f"{prefix}{number}_{name}", type_=column_of(name).type).label(name)
                    for name in names
                )
            )
            for number in range(count)
        ]
        return (rows[0] if count == 1 else sa.union_all(*rows)).subquery(f"{prefix}_rows")

    changes = rows_of(
        "a",
        answers,
        ("answer_id", *answer_columns),
        lambda name: answer_table.c.id if name == "answer_id" else answer_table.c[name],
    )
    changed = (
        answer_table.update()
        .where(answer_table.c.id == changes.c.answer_id, won)
        .values({name: changes.c[name] for name in answer_columns})
        .cte("changed")
    )
    new_revisions = rows_of("r", revisions, revision_columns, lambda name: revision_table.c[name])
    inserted = (
        revision_table.insert()
        .from_select(list(revision_columns), sa.select(new_revisions).where(won))
        .cte("inserted")
    )
    return (
        sa.select(sa.select(sa.func.count()).select_from(bumped).scalar_subquery())
        .add_cte(changed)
        .add_cte(inserted)
    )


def _as_written(answer: Answer | StoredAnswer, columns: dict[str, object]):
    """The answer with these columns as just written: a loaded object takes them as committed
    (the unit of work has nothing to write for it), a row is replaced."""
    if isinstance(answer, StoredAnswer):
        loaded = db.session.identity_map.get(identity_key(Answer, answer.id))
        if loaded is not None:  # read earlier in this session: not left stale
            _as_written(loaded, columns)
        return answer._replace(**{k: v for k, v in columns.items() if k in answer._fields})
    for key, value in columns.items():
        set_committed_value(answer, key, value)
    return answer


def _refuse_outside_post() -> None:
    """These statements bypass the unit of work, and so its guard (surveys.web's
    `refuse_writes_outside_post`): the same rule, for answers, here."""
    if has_request_context() and request.method != "POST":
        raise MethodNotAllowed()


def _conflict(
    submission: Submission,
    question: Question,
    current: Answer | None,
    mine: AnswerInput,
    actor: User | None,
    now: datetime,
    based_on: int | None,
) -> Conflict:
    revision = _revision(submission, question.id, mine, actor, now, based_on)
    revision.source = RevisionSource.CONFLICT.value
    return Conflict(question, current, revision)


def _confirm(
    area: Area,
    answers: dict[str, Answer | StoredAnswer],
    wanted: set[str],
    actor: User | None,
    rows: _Rows,
) -> list[str]:
    """Carried-over answers of the area confirmed as still correct; the ids confirmed."""
    confirmed = []
    for question in area.questions:
        answer = answers.get(question.id)
        if question.id in wanted and answer is not None and answer.carried_over:
            if answer.id is None:  # inserted by this save (never carried over, but be plain)
                answer.carried_over = False  # type: ignore[misc]
                answer.updated_by_id = actor.id if actor else None  # type: ignore[union-attr]
            else:
                answers[question.id] = rows.confirm(answer, actor)
            confirmed.append(question.id)
    return confirmed


def area_has(area: Area, question_id: str) -> bool:
    return any(q.id == question_id for q in area.questions)


def _revision(
    submission: Submission,
    question_id: str,
    new: AnswerInput,
    actor: User | None,
    now: datetime,
    based_on: int | None,
) -> AnswerRevision:
    revision = AnswerRevision(
        submission_id=submission.id,
        question_id=question_id,
        value=new.value,
        not_applicable=new.not_applicable,
        na_justification=new.na_justification,
        comment=new.comment,
        saved_at=now,
        saved_by_id=actor.id if actor else None,
        based_on_version=based_on,
    )
    db.session.add(revision)
    return revision


def _write(
    submission: Submission,
    question_id: str,
    current: Answer | None,
    new: AnswerInput,
    actor: User | None,
    now: datetime,
    based_on: int | None,
    source: RevisionSource,
    carried_over: bool = False,
) -> Answer:
    if current is None:
        current = Answer(submission=submission, question_id=question_id)
        db.session.add(current)
    if _value_differs(current, new) or carried_over:
        current.carried_over = carried_over
    current.value = new.value
    current.not_applicable = new.not_applicable
    current.na_justification = new.na_justification
    current.comment = new.comment
    current.updated_at = now
    current.updated_by_id = actor.id if actor else None
    revision = _revision(submission, question_id, new, actor, now, based_on)
    revision.source = source.value
    return current


def confirm_carried_over(
    submission: Submission, question_ids: Iterable[str], *, actor: User | None
) -> list[str]:
    """Mark carried-over answers as confirmed unchanged; returns the ids confirmed."""
    wanted = set(question_ids)
    confirmed = []
    for answer in submission.answers:
        if answer.question_id in wanted and answer.carried_over:
            answer.carried_over = False
            answer.updated_by_id = actor.id if actor else None
            confirmed.append(answer.question_id)
    if confirmed:
        submission.last_activity_at = utcnow()
    db.session.flush()
    return confirmed


def conflict_revisions(submission: Submission, revision_ids: Iterable[int]) -> list[AnswerRevision]:
    """The conflict revisions of this submission among these ids (others are ignored)."""
    ids = list(revision_ids)[:500]
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(AnswerRevision)
            .where(
                AnswerRevision.id.in_(ids),
                AnswerRevision.submission_id == submission.id,
                AnswerRevision.source == RevisionSource.CONFLICT.value,
            )
            .order_by(AnswerRevision.id)
        )
    )


def input_from_revision(revision: AnswerRevision) -> AnswerInput:
    return AnswerInput(
        value=revision.value,
        not_applicable=revision.not_applicable,
        na_justification=revision.na_justification,
        comment=revision.comment,
    )


def question_history(submission: Submission, question_id: str) -> list[AnswerRevision]:
    """Every revision of one answer, newest first."""
    return list(
        db.session.scalars(
            sa.select(AnswerRevision)
            .where(
                AnswerRevision.submission_id == submission.id,
                AnswerRevision.question_id == question_id,
            )
            .order_by(AnswerRevision.saved_at.desc(), AnswerRevision.id.desc())
        )
    )


# --------------------------------------------------------------------------- starting, pre-filling


def find_submission(round_id: int, country_id: int) -> Submission | None:
    return db.session.scalar(
        sa.select(Submission).where(
            Submission.round_id == round_id, Submission.country_id == country_id
        )
    )


def start_submission(round_: Round, country: Country, *, actor: User | None) -> Submission:
    """The country's submission to this round, created (and pre-filled) when missing."""
    existing = find_submission(round_.id, country.id)
    if existing is not None:
        return existing
    if round_.participant(country.id) is None:
        raise ValueError(f"{country.iso2} does not take part in round {round_.id}")
    submission = Submission(round=round_, country_id=country.id, status=Status.DRAFT.value)
    db.session.add(submission)
    db.session.flush()
    prefill_from_previous(submission, actor=actor)
    return submission


def previous_validated_submission(submission: Submission) -> Submission | None:
    """The country's latest validated submission to an earlier round of the same questionnaire."""
    this_round = submission.round
    questionnaire_id = this_round.version.questionnaire_id
    return db.session.scalar(
        sa.select(Submission)
        .join(Round, Submission.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            Submission.country_id == submission.country_id,
            Submission.status == Status.VALIDATED.value,
            Submission.id != submission.id,
            Round.opens_at < this_round.opens_at,
        )
        .order_by(Round.opens_at.desc())
        .limit(1)
    )


def predecessor_ids(
    current: Definition, previous: Definition, between: Iterable[Definition] = ()
) -> dict[str, str]:
    """Current question id -> the id of the same question in `previous`, following `replaces`.

    `between` are the definitions of the versions strictly between the two, any order.
    A question without a counterpart in `previous` is left out.
    """
    chain = sorted(between, key=lambda d: d.version, reverse=True)
    mapping = {}
    for _, question in current.questions():
        old_id = question.replaces or question.id
        for definition in chain:
            node = definition.question(old_id)
            if node is not None and node.replaces:
                old_id = node.replaces
        if previous.question(old_id) is not None:
            mapping[question.id] = old_id
    return mapping


def question_mapping(
    previous: QuestionnaireVersion, current: QuestionnaireVersion
) -> dict[str, str]:
    """`predecessor_ids` between two published versions, through every version in between."""
    between = db.session.scalars(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == current.questionnaire_id,
            QuestionnaireVersion.version > previous.version,
            QuestionnaireVersion.version < current.version,
        )
    )
    return predecessor_ids(current.definition, previous.definition, [v.definition for v in between])


def prefill_from_previous(submission: Submission, *, actor: User | None) -> int:
    """Copy the previous validated answers, marked carried over; returns how many were copied.

    Comments and evidence belong to their round and are not copied. A value that no longer fits
    the question (an option removed, new bounds) is not copied either.
    """
    previous = previous_validated_submission(submission)
    if previous is None:
        return 0
    current_version = submission.round.version
    mapping = question_mapping(previous.round.version, current_version)
    old_answers = answers_by_question(previous)
    now = utcnow()
    copied = 0
    for _, question in current_version.definition.questions():
        old = old_answers.get(mapping.get(question.id, ""))
        if old is None or not is_given(old):
            continue
        if old.not_applicable and not question.allow_na:
            continue
        if not old.not_applicable and value_problem(question, old.value):
            continue
        new = AnswerInput(
            value=None if old.not_applicable else old.value,
            not_applicable=old.not_applicable,
            na_justification=old.na_justification if old.not_applicable else "",
        )
        _write(
            submission,
            question.id,
            None,
            new,
            actor,
            now,
            None,
            RevisionSource.CARRIED_OVER,
            carried_over=True,
        )
        copied += 1
    db.session.flush()
    return copied
