"""Respondents' pages: the country's task list, the area forms, history, conflicts, evidence.

Views are thin: checks and changes live in operations.py and evidence.py; views commit.
Reading a submission: its country's respondents, and coordinators/analysts/admins (read-only).
Changing it: `operations.can_edit` (a respondent of the country, editable status, open round).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from surveys.access import allow, require_country, signed_in
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.engine import reads_outside_a_transaction
from surveys.extensions import db
from surveys.i18n import (
    counted,
    current_language,
    file_size,
    ngettext,
    reading_language,
    short_time,
    translations,
)
from surveys.i18n import gettext as _
from surveys.inputs import parse_id, parse_ids
from surveys.locales import number_marks
from surveys.questionnaire.expressions import parse, referenced_ids
from surveys.questionnaire.operations import find_version
from surveys.questionnaire.schema import Area, Definition, Question, localized
from surveys.responses import area_html, rule_checks
from surveys.responses import evidence as evidence_ops
from surveys.responses import merge as merge_ops
from surveys.responses import operations as ops
from surveys.responses.fields import STAT_META_LABELS, AnswerInput, answer_display, kind_of
from surveys.responses.forms import (
    area_form_class,
    posted_part,
    question_label,
    question_numbers,
)
from surveys.responses.merge import Merge
from surveys.responses.models import Evidence, RevisionSource, Submission
from surveys.responses.presentation import stat_table
from surveys.roles import Role
from surveys.rounds.models import Round
from surveys.rounds.submission_status import Status
from surveys.storage.backends import StoredFileMissing, current_store
from surveys.storage.download import send_stored
from surveys.translatable import AT_MOST_CHARACTERS
from surveys.web import render_error

T = TypeVar("T")
bp = Blueprint("responses", __name__, template_folder="templates")

SOURCE_LABELS = {
    RevisionSource.SAVED.value: _l("Saved"),
    RevisionSource.CARRIED_OVER.value: _l("Carried over from the previous round"),
    RevisionSource.CONFLICT.value: _l("Not kept: someone else had changed it"),
    RevisionSource.RESOLVED.value: _l("Chosen after a conflict"),
    RevisionSource.HIDDEN.value: _l("Cleared: the question no longer applies"),
}


def answered_message() -> Callable[[int], str]:
    """The translated "%(num)d of %(total)d answered" for a number answered (its plural form:
    French agrees with it), the catalogue found once for all the areas of a page."""
    catalogue = translations()
    return lambda count: catalogue.ungettext(
        "%(num)d of %(total)d answered", "%(num)d of %(total)d answered", count
    )


@bp.app_template_global("progress_text")
def progress_text(progress: ops.AreaProgress, answered: Callable[[int], str] | None = None) -> str:
    """ "3 of 7 answered, 4 carried over to confirm": carried-over answers are their own state.
    `answered`: an `answered_message()`, when already made."""
    message = (answered or answered_message())(progress.answered)
    text = message % {"num": progress.answered, "total": progress.total}
    if progress.to_confirm:
        text += ", " + ngettext(
            "%(num)d carried over to confirm",
            "%(num)d carried over to confirm",
            progress.to_confirm,
        )
    return text


@bp.app_template_global("progress_lines")
def progress_lines(progress: list[ops.AreaProgress], language: str) -> list[str]:
    """ "Legal framework: 3 of 7 answered" of each area, with one lookup of each message for
    them all (as area_links)."""
    line = _("%(label)s: %(value)s")
    answered = answered_message()
    return [
        line % {"label": localized(p.area.title, language), "value": progress_text(p, answered)}
        for p in progress
    ]


@bp.app_template_global("area_links")
def area_links(submission: Submission, progress: list[ops.AreaProgress]) -> list[tuple]:
    """(progress, url, progress text) of each area of the areas list, with one url_for and one
    lookup of each message for them all (area ids need no quoting in a path)."""
    before, _gap, after = url_for(
        "responses.area", submission_id=submission.id, area_id="\0"
    ).partition("%00")
    answered = answered_message()  # looked up once for every area
    return [
        (item, f"{before}{item.area.id}{after}", progress_text(item, answered)) for item in progress
    ]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _submission_or_404(submission_id: int) -> Submission:
    submission = ops.submission_for_page(submission_id)
    if submission is None:
        abort(404)
    _require_readable(submission)
    return submission


def _require_readable(submission: Submission) -> None:
    """404, as for another country's data, for a submission the person may not read."""
    require_country(submission.country_id)
    if not ops.can_read(submission, current_user):
        abort(404)


def _submission_for_area_or_404(submission_id: int, area_id: str) -> ops.AreaRead:
    """As `_submission_or_404`, with the submission's answers (and what the area's checks read
    of the previous round, when known) read in the same statement."""
    found = ops.submission_for_area(submission_id, area_id)
    if found is None:
        abort(404)
    _require_readable(found.submission)
    return found


def _area_or_404(definition: Definition, area_id: str) -> Area:
    area = definition.area(area_id)
    if area is None:
        abort(404)
    return area


def _refuse_change(submission: Submission):
    """403 with the reason (JSON for the autosave script)."""
    if submission.status == Status.VALIDATED:
        message = _("The secretariat has validated this submission: it can no longer be changed.")
    elif submission.status == Status.SUBMITTED:
        message = _("This submission has been submitted and can no longer be changed.")
    elif not current_user.has_role(Role.RESPONDENT):
        message = _("Only the country's respondents can change its answers.")
    else:
        message = _("The round is closed: answers can no longer be changed.")
    if _wants_json():
        return jsonify({"error": "read_only", "message": message}), 403
    error = _forbidden(message)
    raise error


def _forbidden(message: str):
    from werkzeug.exceptions import Forbidden

    error = Forbidden(message)
    error.own_message = True  # type: ignore[attr-defined]
    return error


# --------------------------------------------------------------------------- the task list


@bp.get("/my-questionnaires")
@allow(Role.RESPONDENT)
@reads_outside_a_transaction
def home():
    rounds = ops.respondent_rounds(current_user.country_ids)
    tasks = rounds.tasks
    progress = ops.progress_by_submission(t.submission for t in tasks if t.submission is not None)
    return render_template(
        "responses/home.html",
        returned=[t for t in tasks if t.returned],
        tasks=[t for t in tasks if not t.returned],
        progress=progress,
        past=rounds.past,
        localized=localized,
    )


@bp.get("/submissions/")
@allow(Role.RESPONDENT)
def index():
    return redirect(url_for("responses.home"))


@bp.route("/rounds/<int:round_id>/countries/<int:country_id>/answers", methods=["GET", "POST"])
@allow(Role.RESPONDENT)
def round_country(round_id: int, country_id: int):
    """The country's submission to a round; starting it (and pre-filling it) takes a POST.

    Links in e-mails lead here: a GET never creates anything (link previews and crawlers follow
    links), it shows what starting means and a button.
    """
    if country_id not in current_user.country_ids:
        abort(404)
    round_ = db.session.get(Round, round_id)
    country = db.session.get(Country, country_id)
    if round_ is None or country is None or round_.participant(country_id) is None:
        abort(404)
    submission = ops.find_submission(round_id, country_id)
    if submission is None:
        if not ops.round_is_open_for(round_, country_id):
            abort(404)
        if request.method != "POST":  # a GET (or HEAD) never starts anything
            return render_template(
                "responses/start.html",
                round=round_,
                country=country,
                participant=round_.participant(country_id),
                localized=localized,
            )
        try:
            submission = ops.start_submission(round_, country, actor=current_user)
            db.session.commit()
        except IntegrityError:  # a colleague started it at the same moment
            db.session.rollback()
            submission = ops.find_submission(round_id, country_id)
            if submission is None:
                raise
    first_area = ops.definition_of(submission).areas[0]
    return redirect(url_for("responses.area", submission_id=submission.id, area_id=first_area.id))


# --------------------------------------------------------------------------- one submission


@bp.get("/submissions/<int:submission_id>")
@signed_in
def submission(submission_id: int):
    sub = _submission_or_404(submission_id)
    definition = ops.definition_of(sub)
    answers = ops.answers_by_question(sub)
    editable = ops.can_edit(sub, current_user)
    problems = ops.completeness(sub) if editable else []
    return render_template(
        "responses/submission.html",
        submission=sub,
        definition=definition,
        progress=ops.area_progress(definition, answers),
        problems=[p for p in problems if not p.to_confirm],
        to_confirm=ops.carried_over_tasks(problems),
        numbers=question_numbers(definition),
        editable=editable,
        localized=localized,
    )


def _form_context(definition: Definition, area: Area, language: str) -> dict:
    """What an area's form needs to be drawn, with or without a submission behind it."""
    return {
        "definition": definition,
        "area": area,
        "language": language,
        "numbers": question_numbers(definition),
        "localized": localized,
        "answer_display": answer_display,
        "stat_table": stat_table,
        "stat_meta_labels": STAT_META_LABELS,
        "edit_questions": area_html.edit_questions,
        "human_size": evidence_ops.human_size,
        "max_upload_mb": current_app.config["MAX_UPLOAD_MB"],
        # The page's script reads typed numbers as the server does (its totals, show_if).
        "number_marks": number_marks(language),
    }


def _page_context(
    sub: Submission,
    definition: Definition,
    area: Area,
    answers: dict,
    previous: dict | None = None,
) -> dict:
    """What both the editable and the read-only area page show; `previous`: see `ops.AreaRead`."""
    language = current_language()
    hidden = ops.hidden_ids(definition, answers)
    beside = {q.id for q in area.questions}
    if previous is None:  # the next page of this area reads them with the submission
        reads = rule_checks.previous_reads_beside(definition, sub.round.version.sha256, beside)
        ops.remember_previous_reads(sub, area.id, reads)
    # Only the checks shown beside this area's questions are evaluated (the same failures as
    # checking every rule and keeping this area's: tests/questionnaire/test_rules_beside.py).
    area_failures = rule_checks.shown_failures(
        sub, definition, answers, hidden, language, beside=beside, previous=previous
    )
    return {
        "rule_failures": area_failures,
        "failures_by_question": _by_question(area_failures),
        "failed_cells": _failed_cells(area_failures),
        "explanation_max": rule_checks.EXPLANATION_MAX,
        **_form_context(definition, area, language),
        "submission": sub,
        "answers": answers,
        "hidden": hidden,
        "progress": [ops.progress_of(a, answers, hidden) for a in definition.areas],
        "anchors": {q.id: kind_of(q).anchor(q) for q in area.questions},
        "evidence": evidence_ops.evidence_by_question(sub),
        "outside_values": _script_json(_outside_values(definition, area, answers, hidden)),
        "autosave_strings": _autosave_strings(language),
        "carried_here": [
            q.id for q in area.questions if q.id in answers and answers[q.id].carried_over
        ],
        "area_index": [a.id for a in definition.areas].index(area.id),
    }


def _autosave_strings(language: str) -> str:
    """The page script's messages as JSON, written once per application, language and sign-in
    address (catalogues do not change while the application runs)."""
    login_url = url_for("accounts.login")
    written = current_app.extensions.setdefault("responses.autosave_strings", {})
    found = written.get((language, login_url))
    if found is None:
        found = written[language, login_url] = _script_json(
            {
                "saving": _("Saving…"),
                "unsaved": _("Changes not saved yet."),
                "offline": _(
                    "You are offline. Your changes are kept on this device and will be sent "
                    "when the connection returns."
                ),
                "restoring": _("Sending changes kept on this device…"),
                "invalid": _("Some answers could not be saved: see the messages."),
                "failed": _("Could not save. Your changes are kept on this device."),
                "conflict": _("Choose which answers to keep"),
                "signin": _(
                    "Your session has ended. Your changes are kept on this device and are sent "
                    "once you sign in again."
                ),
                "signin_link": _("Sign in"),
                "signin_url": login_url,
            }
        )
    return found


def _by_question(failures: list[rule_checks.ShownFailure]) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for shown in failures:
        grouped.setdefault(shown.failure.question_id, []).append(shown)
    return grouped


def _failed_cells(failures: list[rule_checks.ShownFailure]) -> dict[str, str]:
    """Form field name of each statistics cell a failed rule concerns -> "error" or "warning"
    (an error wins), and the ids of the messages that describe it."""
    cells: dict[str, str] = {}
    for shown in failures:
        for key in shown.failure.cells:
            row, year, column = key.split("|")
            name = f"{shown.failure.question_id}-{row}-{year}-{column}"
            if cells.get(name) != "error":
                cells[name] = shown.severity
    return cells


def _rules_json(failures: list[rule_checks.ShownFailure]) -> list[dict]:
    return [
        {
            "key": f.key,
            "severity": f.severity,
            "text": f.text,
            "question": f.failure.question_id,
            "anchor": f.anchor,
            "explained": bool(f.explanation),
        }
        for f in failures
    ]


def _script_json(data: object) -> str:
    """JSON safe inside a <script type="application/json"> element (no closing tag possible)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _outside_values(definition: Definition, area: Area, answers: dict, hidden) -> dict:
    """Values of questions of other areas that this area's conditions read (for the script)."""
    own = {q.id for q in area.questions}
    wanted = set()
    for question in area.questions:
        if question.show_if:
            wanted |= referenced_ids(parse(question.show_if)) - own
    return {
        qid: None if qid in hidden or qid not in answers else ops.condition_value(answers[qid])
        for qid in sorted(wanted)
    }


def _page_form(
    form_class, sub: Submission, area: Area, answers: dict, changed: Merge | None = None
) -> area_html.FilledForm:
    """The area form showing the stored answers, or, after a refused post, this person's
    changes over them: each field's base print is what the server holds, except for changes
    not stored yet, which keep the print they were made against."""
    language = current_language()
    definition = ops.definition_of(sub)
    form, base = area_html.filled_form(form_class, definition, area, answers, language)
    if changed is not None and (changed.changed or changed.refused):
        assert changed.form is not None
        for question_id, names in changed.changed.items():
            for name in names:
                form.values[name] = changed.form[name].data
                if changed.unsettled(question_id):
                    base[name] = changed.base.get(name, merge_ops.EMPTY_PRINT)
        for name, typed in changed.refused.items():  # shown as typed, to be sent again
            form.values[name] = typed
            base[name] = changed.base.get(name, merge_ops.EMPTY_PRINT)
    form.lock_version_value = str(sub.lock_version)
    form.base_value = json.dumps(base, separators=(",", ":"))
    return form


@bp.route("/submissions/<int:submission_id>/areas/<area_id>", methods=["GET", "POST"])
@signed_in
@reads_outside_a_transaction  # the most read page of a round: plain statements only
def area(submission_id: int, area_id: str):
    sub, answers, previous = _submission_for_area_or_404(submission_id, area_id)
    definition = ops.definition_of(sub)
    area_ = _area_or_404(definition, area_id)
    editable = ops.can_edit(sub, current_user)
    if request.method == "POST" and not editable:
        return _refuse_change(sub)
    form_class = area_form_class(definition, area_, current_language(), sub.round.version.sha256)
    if request.method != "POST" or not editable:  # GET and HEAD only read
        return render_template(
            "responses/area.html",
            form=_page_form(form_class, sub, area_, answers) if editable else None,
            errors={},
            editable=editable,
            **_page_context(sub, definition, area_, answers, previous),
        )
    return _save(sub, answers, previous, definition, area_, form_class)


@bp.errorhandler(RequestEntityTooLarge)
def area_post_too_large(error):
    """An area form posted with more than the server accepts (MAX_CONTENT_LENGTH, a little above
    the evidence limit): refused before a byte is read, so nothing of the post is known or saved.
    Rather than a bare error page, the person gets the area page as stored, saying so and
    naming the limit (the script refuses such a file before sending; this is the page without
    it). Other routes, and autosave's JSON, keep the generic answer."""
    args = request.view_args or {}
    if request.endpoint != "responses.area" or _wants_json() or not current_user.is_authenticated:
        return render_error(error)
    try:
        sub = _submission_or_404(args["submission_id"])
        definition = ops.definition_of(sub)
        area_ = _area_or_404(definition, args["area_id"])
    except HTTPException as refused:  # not this person's submission: say no more than a GET would
        return render_error(refused)
    if not ops.can_edit(sub, current_user):
        return render_error(error)
    message = _(
        "The form was sent with files weighing %(size)s, more than %(limit)s, the most one file "
        "may weigh: nothing on this page was saved, neither the file nor the answers typed since "
        "the last save. The answers below are those saved before; enter your changes again and "
        "attach a smaller file.",
        size=file_size(request.content_length or 0),
        limit=file_size(current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024),
    )
    form_class = area_form_class(definition, area_, current_language(), sub.round.version.sha256)
    answers = ops.answer_values(sub)  # as the page reads them
    return render_template(
        "responses/area.html",
        form=_page_form(form_class, sub, area_, answers),
        errors={},
        page_error=message,
        editable=True,
        **_page_context(sub, definition, area_, answers),
    ), 413


# Saves of one submission are serialised by its lock_version: a save that loses the race is
# merged again against the winner's answers, up to this many times, then answered 409.
SAVE_ATTEMPTS = 8


def _save(
    sub: Submission,
    answers: dict,
    previous: dict | None,
    definition: Definition,
    area_: Area,
    form_class,
    posted: MultiDict | None = None,
    earlier_conflicts: Sequence[int] = (),
):
    """`answers`: the submission's, read with it; `previous`: see `ops.AreaRead`. `posted`: the
    area's fields, when not the request's form (the values carried by a conflict page);
    `earlier_conflicts`: revisions still to choose from, shown with any this post adds."""
    if posted is None:
        posted = request.form  # once: each request.form goes through the request proxy
    language = current_language()  # once: it asks Babel for the locale each time
    based_on = parse_id(posted.get("lock_version")) or 0
    if posted.get("action") == "confirm_all":
        confirm = [q.id for q in area_.questions]
    else:
        # From the posted names: a MultiDict's get of a missing key raises (and catches) an
        # HTTP error, and an autosave posts a few fields of a page of many questions.
        ticked = {name for name in posted if name.endswith("-confirm") and posted[name]}
        confirm = [q.id for q in area_.questions if f"{q.id}-confirm" in ticked]

    # The questions the post is about (all of them for the plain form, a few for an autosave):
    # only their fields are read and merged.
    part = posted_part(area_, merge_ops.posted_names(posted))
    part_class = area_form_class(definition, part, language, sub.round.version.sha256)

    unmerged = [answers]  # the first attempt merges into the answers read with the submission

    def store() -> tuple[Merge, ops.SaveResult, dict[str, str]]:
        """The post merged into the answers stored now, and its evidence changes: one
        transaction. Another attempt follows a colleague's save: their answers are read again."""
        answers = unmerged.pop() if unmerged else ops.answer_values(sub)
        merge = merge_ops.merge_post(
            part_class,
            part,
            answers,
            posted,
            language,
            fresh=based_on == sub.lock_version,
        )
        result = ops.save_area(
            sub,
            area_.id,
            merge.inputs,
            actor=current_user,
            lock_version=based_on,
            base={qid: ops.answer_fingerprint(answers.get(qid)) for qid in merge.inputs},
            conflicting=merge.conflicts,
            confirm=confirm,
            answers=answers,
        )
        return merge, result, _apply_evidence_changes(sub, area_)

    stored = _store_with_retries(sub, store)
    if stored is None:
        return _busy_response()
    merge, result, evidence_errors = stored
    if result.conflicts or earlier_conflicts:
        # What this post could not store is shown with the choices, as typed: a conflict page
        # that left it out would lose it without a word.
        refused = _refused_values(definition, area_, form_class, merge, evidence_errors, language)
        revision_ids = [*earlier_conflicts, *(c.mine.id for c in result.conflicts)]
        return _conflict_response(sub, definition, area_, revision_ids, refused)
    errors = {**merge.errors, **evidence_errors}
    answers = result.answers  # as written: nothing read again
    hidden = ops.hidden_ids(definition, answers)
    saved_at = short_time(utcnow())
    # Only the checks shown on this page are evaluated (the same failures as checking every rule
    # and keeping this area's: tests/questionnaire/test_rules_beside.py).
    failures = rule_checks.shown_failures(
        sub,
        definition,
        answers,
        hidden,
        language,
        beside={q.id for q in area_.questions},
        previous=previous,
    )
    if _wants_json():
        return jsonify(
            {
                "rules": _rules_json(failures),
                "lock_version": sub.lock_version,
                **_acknowledged(
                    *((form_class, area_) if result.stale else (part_class, part)),
                    answers,
                    merge,
                    result.stale,
                    language,
                ),
                "saved_at": saved_at,
                "status": _("Saved at %(time)s", time=saved_at),
                "saved": len(result.saved),
                "errors": _errors_beside_fields(definition, area_, errors, language),
                "progress": progress_text(ops.progress_of(area_, answers, hidden)),
            }
        ), (422 if errors else 200)
    if errors:
        answers = ops.answers_by_question(sub)  # the page shows who changed what, and when
        return render_template(
            "responses/area.html",
            form=_page_form(form_class, sub, area_, answers, merge),
            errors=errors,
            error_subjects=_error_subjects(definition, area_, errors, language),
            errors_beside=_errors_beside_fields(definition, area_, errors, language),
            editable=True,
            **_page_context(sub, definition, area_, answers, previous),
        ), 422
    flash(_("Saved at %(time)s", time=saved_at), "success")
    if any(f.needs_action for f in failures):
        # Stay on the page: the rules this area breaks are listed at its top.
        flash(
            ngettext(
                "%(num)d check on this page needs your attention.",
                "%(num)d checks on this page need your attention.",
                sum(1 for f in failures if f.needs_action),
            ),
            "warning",
        )
        return redirect(
            url_for("responses.area", submission_id=sub.id, area_id=area_.id) + "#rule-summary"
        )
    return redirect(_after_save_target(sub, definition, area_))


@bp.route("/submissions/<int:submission_id>/explanations", methods=["POST"])
@signed_in
def explain(submission_id: int):
    """The respondent's explanation of a warning (or its removal, when emptied)."""
    sub = _submission_or_404(submission_id)
    if not ops.can_edit(sub, current_user):
        return _refuse_change(sub)
    definition = ops.definition_of(sub)
    area_ = definition.area(request.form.get("area", ""))
    if area_ is None:
        area_ = definition.areas[0]
    key = request.form.get("key", "")
    answers = ops.answers_by_question(sub)
    warnings = {
        f.key: f
        for f in rule_checks.failures_of(
            sub, definition, answers, ops.hidden_ids(definition, answers)
        )
        if not f.is_error
    }
    text = request.form.get("explanation", "")
    target = url_for("responses.area", submission_id=sub.id, area_id=area_.id)
    if key not in warnings:
        flash(_("This check no longer applies: the figures changed meanwhile."), "warning")
        return redirect(target + "#rule-summary")
    if len(text) > rule_checks.EXPLANATION_MAX:
        flash(
            counted(AT_MOST_CHARACTERS, rule_checks.EXPLANATION_MAX),
            "error",
        )
        return redirect(target + "#rule-summary")
    rule_checks.save_explanation(sub, key, text, current_user)
    db.session.commit()
    flash(_("Explanation saved.") if text.strip() else _("Explanation removed."), "success")
    return redirect(target + "#rule-summary")


def _store_with_retries(sub: Submission, store: Callable[[], T]) -> T | None:
    """`store()` and commit; when a colleague's save landed between our read and our write, the
    whole post again (files included), merged against their answers. None: it kept losing."""
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            outcome = store()
            _commit_keeping_state()
            return outcome
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            time.sleep(random.uniform(0.005, 0.02) * attempt)
    current_app.logger.warning("save of submission %s lost %d races", sub.id, SAVE_ATTEMPTS)
    return None


def _commit_keeping_state() -> None:
    """Commit without expiring what this request loaded: the reply is made from the submission,
    its answers and the person as just written (the flush wrote every change, the version
    column included), rather than reading them all again."""
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def _acknowledged(
    form_class, area_: Area, answers: dict, merge: Merge, stale: bool, language: str
) -> dict:
    """For the autosave script: the new base print of every field of the post the server now
    holds; after someone else's save, every field's stored value and print too (the page takes
    those its person has not changed since)."""
    stored = merge_ops.stored_values(form_class, area_, answers, language)
    prints = merge_ops.field_prints(stored, area_)
    base = {name: prints[name] for name in merge.acknowledged()}
    reply: dict[str, object] = {"base": base}
    if stale:
        reply["server"] = {
            name: {"value": merge_ops.raw_values(stored[name]), "print": prints[name]}
            for name in prints
        }
    return reply


def _busy_response():
    """Saves kept losing the race against others on this submission: try again later."""
    if _wants_json():
        message = _(
            "Others are saving this questionnaire at the same moment. Your changes are kept "
            "on this page and sent again in a moment."
        )
        return jsonify({"error": "busy", "message": message}), 409
    message = _(
        "Others are saving this questionnaire at the same moment, and your answers could not "
        "be saved. Go back to the page and save again in a moment."
    )
    return render_template("error.html", code=409, title=_("Conflict"), explanation=message), 409


def _error_subjects(
    definition: Definition, area_: Area, errors: dict[str, str], language: str
) -> dict[str, str]:
    """What each error of the summary is about: "2.5", or "2.5 Persons prosecuted, 2025, Male"
    for one figure of a statistics table (a summary of bare "Enter a number." says nothing)."""
    numbers = question_numbers(definition)
    questions = {q.id: q for q in area_.questions}
    subjects = {}
    for name in errors:
        question = questions.get(name.split("-", 1)[0])  # question ids never hold a "-"
        if question is None:
            continue
        cell = _cell_label(question, name, language)
        subjects[name] = numbers[question.id] + (f" {cell}" if cell else "")
    return subjects


def _cell_label(question: Question, name: str, language: str) -> str | None:
    """ "Persons prosecuted, 2025, Male" for a figure of a statistics table, else None."""
    table = question.statistics
    parts = name.split("-")
    if table is None or len(parts) != 4:
        return None
    _question, row_id, year, column_id = parts
    row = next((r for r in table.rows if r.id == row_id), None)
    column = next((c for c in table.columns if c.id == column_id), None)
    if row is None or column is None:
        return None
    return f"{localized(row.label, language)}, {year}, {localized(column.label, language)}"


def _errors_beside_fields(
    definition: Definition, area_: Area, errors: dict[str, str], language: str
) -> dict[str, str]:
    """The autosave's messages by field: a figure of a statistics table is shown below its table
    (not in its narrow cell), so its message says which figure it is about."""
    if not errors:  # most saves: nothing to look up
        return {}
    subjects = _error_subjects(definition, area_, errors, language)
    return {
        name: _("%(label)s: %(value)s", label=subjects[name], value=message)
        if name.count("-") == 3 and name in subjects
        else message
        for name, message in errors.items()
    }


def _after_save_target(sub: Submission, definition: Definition, area_: Area) -> str:
    goto = request.form.get("goto", "")
    if goto == "overview":
        return url_for("responses.submission", submission_id=sub.id)
    if goto and definition.area(goto) is not None:
        return url_for("responses.area", submission_id=sub.id, area_id=goto)
    return url_for("responses.area", submission_id=sub.id, area_id=area_.id)


def _apply_evidence_changes(sub: Submission, area_: Area) -> dict[str, str]:
    """Uploads and removals posted with the area form; errors by field name."""
    errors: dict[str, str] = {}
    if not request.files and not any(k.endswith("-remove_evidence") for k in request.form):
        return errors  # an autosave: no files, no removals
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    for question in area_.questions:
        evidence_ops.remove_evidence(
            sub,
            question.id,
            request.form.getlist(f"{question.id}-remove_evidence"),
            actor=current_user,
        )
        for upload in request.files.getlist(f"{question.id}-evidence"):
            if not upload or not upload.filename:
                continue
            upload.stream.seek(0)  # read again when the save is retried after a race
            try:
                evidence_ops.store_upload(
                    upload.stream,
                    upload.filename,
                    submission=sub,
                    question_id=question.id,
                    actor=current_user,
                    store=current_store(),
                    max_bytes=max_bytes,
                )
            except evidence_ops.EvidenceRejected as rejected:
                errors[f"{question.id}-evidence"] = str(rejected)
    return errors


# --------------------------------------------------------------------------- conflicts


def _conflict_response(
    sub: Submission,
    definition: Definition,
    area_: Area,
    revision_ids: list[int],
    refused: Sequence[RefusedValue] = (),
):
    url = url_for("responses.conflicts", submission_id=sub.id, area_id=area_.id, r=revision_ids)
    if _wants_json():
        return jsonify(
            {
                "error": "conflict",
                "conflict_url": url,
                "message": _(
                    "Someone else changed some of these answers in the meantime. "
                    "Your values are kept: choose which to keep."
                ),
            }
        ), 409
    return _render_conflicts(sub, definition, area_, revision_ids, refused), 409


@dataclass(frozen=True)
class RefusedValue:
    """Something a post could not store, shown on the conflict page that answers it: a value
    with its box holding what was typed (sent again with the choices), or a refused file."""

    name: str  # the area form's field (the box's name and id)
    question: Question
    label: str  # the box's: a figure's row, year and column (its question is the legend), or
    # the field's label
    summary: str  # the error summary's line, naming the question (and the figure)
    message: str
    typed: str | None  # None: nothing to type again (a file)
    base: str = merge_ops.EMPTY_PRINT  # the print of the value it was changed from
    multiline: bool = False


def _refused_values(
    definition: Definition,
    area_: Area,
    form_class,
    merge: Merge,
    evidence_errors: dict[str, str],
    language: str,
) -> list[RefusedValue]:
    """The values of `merge` refused and set aside, and the files refused, in the page's order."""
    errors = {name: merge.errors[name] for name in merge.refused if name in merge.errors}
    errors.update(evidence_errors)
    if not errors:
        return []
    subjects = _error_subjects(definition, area_, errors, language)
    form = form_class(formdata=None)
    refused = []
    for question in area_.questions:
        for name in [*merge_ops.question_field_names(form, question), f"{question.id}-evidence"]:
            if name not in errors:
                continue
            field = form._fields.get(name)
            cell = _cell_label(question, name, language)
            typed = merge.refused.get(name)
            refused.append(
                RefusedValue(
                    name=name,
                    question=question,
                    label=cell or (field.label.text if field is not None else subjects[name]),
                    summary=_("%(label)s: %(value)s", label=subjects[name], value=errors[name]),
                    message=errors[name],
                    typed=None if name not in merge.refused else str(typed or ""),
                    base=merge.base.get(name, merge_ops.EMPTY_PRINT),
                    multiline=field is not None and field.type == "TextAreaField",
                )
            )
    return refused


def _carried_values(area_: Area, formdata: MultiDict) -> MultiDict | None:
    """The refused values a conflict page sends back (corrected or not) as an area post of
    those fields only, each with the print of the value its first page showed (`base`)."""
    base = merge_ops.read_base(formdata.get("base"))
    own = {q.id for q in area_.questions}
    names = [name for name in base if name.split("-", 1)[0] in own and name in formdata]
    if not names:
        return None
    carried = MultiDict([(name, value) for name in names for value in formdata.getlist(name)])
    carried["base"] = json.dumps({name: base[name] for name in names})
    return carried


def _render_conflicts(
    sub: Submission,
    definition: Definition,
    area_: Area,
    revision_ids,
    refused: Sequence[RefusedValue] = (),
):
    revisions = ops.conflict_revisions(sub, revision_ids)
    answers = ops.answers_by_question(sub)
    items = []
    for revision in revisions:
        question = definition.question(revision.question_id)
        if question is None or not ops.area_has(area_, question.id):
            continue
        items.append((question, revision, answers.get(question.id)))
    # Whose saves these are: a person who edited in two windows or on two devices is told so,
    # not that a colleague did it.
    own = {
        q.id
        for q, _r, stored in items
        if stored is not None and stored.updated_by_id == current_user.id
    }
    return render_template(
        "responses/conflicts.html",
        submission=sub,
        area=area_,
        items=items,
        own=own,
        saved_by="own" if own and len(own) == len(items) else "mixed" if own else "others",
        numbers=question_numbers(definition),
        base={q.id: ops.answer_fingerprint(stored) for q, _r, stored in items},
        refused=refused,
        # Each typed value with the print it was changed from, as the area page sends it.
        refused_base=json.dumps(
            {r.name: r.base for r in refused if r.typed is not None},
            separators=(",", ":"),
        ),
        question_label=lambda q: question_label(definition, q, current_language()),
        localized=localized,
        answer_display=answer_display,
        editable=ops.can_edit(sub, current_user),
    )


@bp.get("/submissions/<int:submission_id>/areas/<area_id>/conflicts")
@signed_in
def conflicts(submission_id: int, area_id: str):
    sub = _submission_or_404(submission_id)
    definition = ops.definition_of(sub)
    area_ = _area_or_404(definition, area_id)
    return _render_conflicts(sub, definition, area_, parse_ids(request.args.getlist("r")))


@bp.post("/submissions/<int:submission_id>/areas/<area_id>/conflicts")
@allow(Role.RESPONDENT)
def resolve(submission_id: int, area_id: str):
    sub = _submission_or_404(submission_id)
    definition = ops.definition_of(sub)
    area_ = _area_or_404(definition, area_id)
    if not ops.can_edit(sub, current_user):
        return _refuse_change(sub)
    revisions = ops.conflict_revisions(sub, parse_ids(request.form.getlist("r")))
    inputs: dict[str, AnswerInput] = {}
    base: dict[str, str] = {}
    for revision in revisions:
        if request.form.get(f"choice-{revision.question_id}") == "mine":
            inputs[revision.question_id] = ops.input_from_revision(revision)
            base[revision.question_id] = request.form.get(f"base-{revision.question_id}", "")
    lock_version = parse_id(request.form.get("lock_version")) or 0
    result = _store_with_retries(
        sub,
        lambda: ops.save_area(
            sub,
            area_.id,
            inputs,
            actor=current_user,
            lock_version=lock_version,
            base=base,
            source=RevisionSource.RESOLVED,
        ),
    )
    if result is None:
        return _busy_response()
    ids = [c.mine.id for c in result.conflicts]
    carried = _carried_values(area_, request.form)
    if carried is not None:
        # The values the area post could not store, as corrected here (or not): saved as that
        # post would have saved them, after the choices. Still refused: the area page shows
        # them again; a new conflict: this page again, with them.
        if not ids:
            flash(_("Your choices were saved."), "success")
        carried["lock_version"] = str(sub.lock_version)
        form_class = area_form_class(
            definition, area_, current_language(), sub.round.version.sha256
        )
        return _save(
            sub, result.answers, None, definition, area_, form_class, carried, earlier_conflicts=ids
        )
    if ids:
        return _render_conflicts(sub, definition, area_, ids), 409
    flash(_("Your choices were saved."), "success")
    return redirect(url_for("responses.area", submission_id=sub.id, area_id=area_.id))


# --------------------------------------------------------------------------- history and files


@bp.get("/submissions/<int:submission_id>/questions/<question_id>/history")
@signed_in
def history(submission_id: int, question_id: str):
    sub = _submission_or_404(submission_id)
    definition = ops.definition_of(sub)
    question = definition.question(question_id)
    if question is None:
        abort(404)
    area_ = next(a for a, q in definition.questions() if q.id == question_id)
    return render_template(
        "responses/history.html",
        submission=sub,
        area=area_,
        question=question,
        revisions=ops.question_history(sub, question_id),
        numbers=question_numbers(definition),
        source_labels=SOURCE_LABELS,
        localized=localized,
        answer_display=answer_display,
    )


@bp.get("/evidence/<int:evidence_id>")
@signed_in
def evidence_file(evidence_id: int):
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.removed_at is not None:
        abort(404)
    _require_readable(evidence.submission)
    try:
        response = send_stored(
            current_store(),
            evidence.sha256,
            evidence.size_bytes,
            mimetype=evidence.content_type,
            download_name=evidence.filename,
        )
    except StoredFileMissing:
        current_app.logger.error(
            "evidence %s: file %s missing from the store", evidence.id, evidence.sha256
        )
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/questionnaires/<key>/v<int:version>/preview")
@allow(Role.COORDINATOR, Role.ADMIN)
def preview(key: str, version: int):
    """An area's form exactly as respondents will see it, in each language, saving nothing."""
    stored = find_version(key, version)
    if stored is None:
        abort(404)
    definition = stored.definition
    language = reading_language(definition)
    area_ = definition.area(request.args.get("area", "")) or definition.areas[0]
    form_class = area_form_class(definition, area_, language, stored.sha256 + ":preview")
    return render_template(
        "responses/preview.html",
        **_form_context(definition, area_, language),
        stored=stored,
        form=area_html.filled_form(form_class, definition, area_, {}, language)[0],
        submission=None,
        answers={},
        hidden=frozenset(),
        errors={},
        evidence={},
    )
