"""Review pages: coordinators review, query, return, validate and reopen (a submission here, a
closed country from the round's page); respondents answer queries and submit. Views are thin:
checks and changes live in operations and workflow."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from surveys.access import allow, require_country
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import current_language, user_zone
from surveys.i18n import gettext as _
from surveys.inputs import same_site_path
from surveys.questionnaire.schema import localized
from surveys.responses import operations as response_ops
from surveys.responses.fields import STAT_META_LABELS, answer_display
from surveys.responses.forms import question_numbers
from surveys.responses.models import Submission
from surveys.responses.operations import (
    answers_by_question,
    hidden_ids,
    previous_validated_submission,
)
from surveys.responses.presentation import stat_table
from surveys.responses.rule_checks import shown_failures
from surveys.review import queries as review_queries
from surveys.review import workflow
from surveys.review.forms import AnswerQueryForm, ConfirmForm, QueryForm, ReopenForm, ReturnForm
from surveys.review.models import ReviewQuery
from surveys.review.operations import ReviewError, add_query, answer_query, resolve_query
from surveys.roles import Role
from surveys.rounds import views as round_views
from surveys.rounds.forms import ReopenForm as ReopenCountryForm
from surveys.rounds.forms import to_utc
from surveys.rounds.models import Round
from surveys.rounds.operations import RoundError, country_state_of
from surveys.rounds.state import RoundState

bp = Blueprint("review", __name__, template_folder="templates")
# The actions of review taken from the round's page (/rounds/...), where they are offered.
round_bp = Blueprint("round_review", __name__)


@bp.app_context_processor
def review_template_helpers() -> dict:
    """`review_queries(submission)` for the respondents' form pages (see _query_thread.html),
    `open_queries(submission)` for their overview and `open_queries_by_area(submission)` for
    the markers of the area list: all three from one read of the submission's queries."""
    return {
        "review_queries": queries_for_page,
        "open_queries": lambda submission: _cached("open", submission, review_queries.open_queries),
        "open_queries_by_area": lambda submission: _cached(
            "by_area", submission, review_queries.open_queries_by_area
        ),
    }


def _cached(what: str, submission: Submission, read: Callable[..., object]) -> object:
    """`read(submission, its queries)` once per request; the queries are read once too."""
    cache = g.setdefault("review_open_cache", {})
    if (what, submission.id) not in cache:
        cache[what, submission.id] = read(submission, _request_queries(submission))
    return cache[what, submission.id]


def _request_queries(submission: Submission) -> list[ReviewQuery]:
    """The submission's queries, read once per request however many helpers ask (never kept
    longer: a query answered by another request shows on the next page)."""
    cache = g.setdefault("review_queries_read", {})
    if submission.id not in cache:
        cache[submission.id] = (
            review_queries.queries_for(submission)
            if review_queries.may_have_queries(submission)
            else []
        )
    return cache[submission.id]


def queries_for_page(submission: Submission) -> dict[str | None, list[ReviewQuery]]:
    """The submission's queries by question id, read once per request however often asked."""
    return _cached("by_question", submission, review_queries.queries_by_question)


def _submission_or_404(submission_id: int) -> Submission:
    # With its round, version (not its JSON: the definition is kept by hash) and closing date.
    submission = response_ops.submission_for_page(submission_id)
    if submission is None:
        abort(404)
    require_country(submission.country_id)
    return submission


def _query_or_404(query_id: int) -> ReviewQuery:
    query = db.session.get(ReviewQuery, query_id)
    if query is None:
        abort(404)
    require_country(query.submission.country_id)
    return query


def _flash_form_errors(form) -> None:
    for field_errors in form.errors.values():
        for error in field_errors:
            flash(str(error), "error")


# ---------------------------------------------------------------- coordinators: lists


@bp.get("/")
@allow(Role.COORDINATOR)
def index():
    awaiting = review_queries.awaiting_review()
    return render_template(
        "review/index.html",
        awaiting=awaiting,
        counts=review_queries.query_counts([s.id for s in awaiting]),
        no_counts=review_queries.QueryCounts(),
        rounds=review_queries.review_rounds(),
    )


@bp.get("/rounds/<int:round_id>")
@allow(Role.COORDINATOR)
def round_page(round_id: int):
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return render_template(
        "review/round.html",
        round=round_,
        rows=review_queries.review_rows(round_, current_language()),
    )


# ---------------------------------------------------------------- coordinators: one submission


@bp.get("/submissions/<int:submission_id>")
@allow(Role.COORDINATOR)
def submission(submission_id: int):
    sub = _submission_or_404(submission_id)
    return _render_review(sub)


def _render_review(sub: Submission, **forms):
    previous = previous_validated_submission(sub)
    definition = sub.round.version.definition
    answers = answers_by_question(sub)
    failures = shown_failures(
        sub, definition, answers, hidden_ids(definition, answers), current_language()
    )
    failures_by_question: dict[str, list] = {}
    failed_cells: dict[str, dict[str, str]] = {}
    for shown in failures:
        failures_by_question.setdefault(shown.failure.question_id, []).append(shown)
        cells = failed_cells.setdefault(shown.failure.question_id, {})
        for key in shown.failure.cells:
            if cells.get(key) != "error":
                cells[key] = shown.severity
    return render_template(
        "review/submission.html",
        rule_failures=failures,
        failures_by_question=failures_by_question,
        failed_cells=failed_cells,
        stat_table=stat_table,
        stat_meta_labels=STAT_META_LABELS,
        submission=sub,
        items=review_queries.review_items(sub, previous),
        general_queries=review_queries.queries_by_question(sub).get(None, []),
        previous=previous,
        actions=workflow.allowed_actions(sub),
        can_ask=sub.status in ("submitted", "returned"),
        query_form=QueryForm(),
        return_form=forms.get("return_form") or ReturnForm(),
        reopen_form=forms.get("reopen_form") or _reopen_form(sub),
        reopens_round=_round_closed_for(sub),
        confirm_form=ConfirmForm(),
        display=answer_display,
        localized=localized,
        numbers=question_numbers(sub.round.version.definition),
    )


def _apply(change: Callable[[], object], done: str, back: str) -> Response:
    """Run a domain change, commit, and say how it went; refusals and races change nothing."""
    try:
        change()
        db.session.commit()
    except workflow.IncompleteSubmission as exc:
        db.session.rollback()
        flash(exc.message, "error")
        for problem in exc.problems[:20]:
            flash(str(getattr(problem, "message", problem)), "error")
    except (workflow.WorkflowError, ReviewError) as exc:
        db.session.rollback()
        flash(exc.message, "error")
    except StaleDataError:  # someone changed the submission between our read and our write
        db.session.rollback()
        flash(
            _("Someone else changed this submission in the meantime. Check it and try again."),
            "error",
        )
    else:
        flash(done, "success")
    return redirect(back)


def _review_url(submission_id: int, question_id: str | None = None) -> str:
    anchor = f"#q-{question_id}" if question_id else ""
    return url_for("review.submission", submission_id=submission_id) + anchor


@bp.post("/submissions/<int:submission_id>/queries")
@allow(Role.COORDINATOR)
def ask(submission_id: int):
    sub = _submission_or_404(submission_id)
    form = QueryForm()
    question_id = form.question_id.data or None
    if question_id is not None and sub.round.version.definition.question(question_id) is None:
        flash(_("This question is not part of the questionnaire."), "error")
        return redirect(_review_url(sub.id))
    back = _review_url(sub.id, question_id)
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(back)
    rule_key, rule_text = form.rule_key.data or None, None
    if rule_key is not None:
        failed = _failed_check(sub, rule_key)
        if failed is None or failed.failure.question_id != question_id:
            flash(
                _(
                    "This check no longer fails on these answers: nothing was added. Ask about "
                    "the answer instead if something still needs explaining."
                ),
                "error",
            )
            return redirect(_review_url(sub.id) + "#checks")
        rule_text = failed.text
    return _apply(
        lambda: add_query(
            sub,
            current_user,
            question_id=question_id,
            text=form.text.data,
            rule_key=rule_key,
            rule_text=rule_text,
        ),
        _("Query added."),
        back,
    )


def _failed_check(sub: Submission, key: str):
    """The check `key` as it fails on the submission's answers now (None: it does not fail)."""

    definition = sub.round.version.definition
    answers = answers_by_question(sub)
    failures = shown_failures(
        sub, definition, answers, hidden_ids(definition, answers), current_language()
    )
    return next((f for f in failures if f.key == key), None)


@bp.post("/queries/<int:query_id>/resolve")
@allow(Role.COORDINATOR)
def resolve(query_id: int):
    query = _query_or_404(query_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = _review_url(query.submission_id, query.question_id)
    return _apply(lambda: resolve_query(query, current_user), _("Query resolved."), back)


@bp.post("/submissions/<int:submission_id>/return")
@allow(Role.COORDINATOR)
def return_submission(submission_id: int):
    sub = _submission_or_404(submission_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _render_review(sub, return_form=form), 400
    return _apply(
        lambda: workflow.return_for_changes(sub, current_user, form.note.data or ""),
        _("The submission was returned to the country."),
        _review_url(sub.id),
    )


@bp.get("/submissions/<int:submission_id>/validate")
@allow(Role.COORDINATOR)
def confirm_validate(submission_id: int):
    """What validating does to this submission, and the button that does it."""
    sub = _submission_or_404(submission_id)
    return render_template(
        "review/confirm_validate.html",
        submission=sub,
        allowed="validate" in workflow.allowed_actions(sub),
        counts=review_queries.query_counts([sub.id]).get(sub.id, review_queries.QueryCounts()),
        confirm_form=ConfirmForm(),
    )


@bp.post("/submissions/<int:submission_id>/validate")
@allow(Role.COORDINATOR)
def validate_submission(submission_id: int):
    sub = _submission_or_404(submission_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _apply(
        lambda: workflow.validate(sub, current_user),
        _("The submission was validated."),
        _review_url(sub.id),
    )


def _round_closed_for(sub: Submission) -> bool:
    """Whether the round has closed for the submission's country (not merely cancelled)."""
    return country_state_of(sub.participant, utcnow()) == RoundState.CLOSED


def _reopen_form(sub: Submission):
    """Reopening asks for a reason; once the round has closed for the country, also for the
    date it opens again until, as on the round's page (the country then has a deadline)."""
    return ReopenCountryForm(prefix="reopen") if _round_closed_for(sub) else ReopenForm()


@bp.post("/submissions/<int:submission_id>/reopen")
@allow(Role.COORDINATOR)
def reopen_submission(submission_id: int):
    sub = _submission_or_404(submission_id)
    if _round_closed_for(sub):
        return _reopen_after_closing(sub)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _render_review(sub, reopen_form=form), 400
    return _apply(
        lambda: workflow.reopen(sub, current_user, form.note.data),
        _("The submission was reopened; the country can change it again."),
        _review_url(sub.id),
    )


def _reopen_after_closing(sub: Submission):
    """The round opened again for the country until the date given, its submission sent back
    (the round page's reopening, from the submission's page)."""
    form = ReopenCountryForm(prefix="reopen")
    if not form.validate_on_submit():
        return _render_review(sub, reopen_form=form), 400
    try:
        workflow.reopen_country(
            sub.round,
            sub.country_id,
            to_utc(form.closes_at.data, user_zone()),
            actor=current_user,
            note=form.note.data or "",
        )
    except RoundError as exc:
        db.session.rollback()
        field = form.note if exc.field == "note" else form.closes_at
        field.errors = [*field.errors, exc.message]
        return _render_review(sub, reopen_form=form), 400
    db.session.commit()
    flash(_("The round is open again for this country."), "success")
    return redirect(_review_url(sub.id))


def _refused_reopening(round_: Round, form: ReopenCountryForm, country_id: int):
    """The round's page again, with this country's reopen form showing its values and errors."""
    return round_views.round_page(
        round_, reopen_form=form, reopen_country_id=country_id, status=400
    )


@round_bp.post("/<int:round_id>/countries/<int:country_id>/reopen")
@allow(Role.COORDINATOR)
def reopen_country(round_id: int, country_id: int):
    """Open a closed round again for one country, sending its counted submission back to it."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    form = ReopenCountryForm(prefix="reopen")
    if not form.validate_on_submit():
        return _refused_reopening(round_, form, country_id)
    try:
        workflow.reopen_country(
            round_,
            country_id,
            to_utc(form.closes_at.data, user_zone()),
            actor=current_user,
            note=form.note.data or "",
        )
    except RoundError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _refused_reopening(round_, form, country_id)
    db.session.commit()
    flash(_("The round is open again for this country."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


# ---------------------------------------------------------------- respondents


@bp.post("/queries/<int:query_id>/answer")
@allow(Role.RESPONDENT)
def answer(query_id: int):
    query = _query_or_404(query_id)
    form = AnswerQueryForm()
    back = same_site_path(form.next.data) or url_for("home.index")
    if request.form.get("action") == "no_change":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return _apply(
            lambda: answer_query(query, current_user, "", no_change=True),
            _("The query is closed: your answer stands unchanged."),
            back,
        )
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(back)
    return _apply(
        lambda: answer_query(query, current_user, form.response.data),
        _("Your answer to the query was saved."),
        back,
    )


@bp.get("/submissions/<int:submission_id>/submit")
@allow(Role.RESPONDENT)
def confirm_submit(submission_id: int):
    """What submitting sends, what still stops it, and the button that submits."""

    sub = _submission_or_404(submission_id)
    definition = response_ops.definition_of(sub)
    problems = response_ops.completeness(sub) if response_ops.can_edit(sub, current_user) else []
    progress = response_ops.area_progress(definition, response_ops.answers_by_question(sub))
    return render_template(
        "review/confirm_submit.html",
        submission=sub,
        editable=response_ops.can_edit(sub, current_user),
        answered=sum(p.answered for p in progress),
        total=sum(p.total for p in progress),
        problems=problems,
        waiting=review_queries.unanswered_queries(sub),
        counts=review_queries.query_counts([sub.id]).get(sub.id, review_queries.QueryCounts()),
        confirm_form=ConfirmForm(),
        localized=localized,
    )


@bp.post("/submissions/<int:submission_id>/submit")
@allow(Role.RESPONDENT)
def submit(submission_id: int):
    """Submit for review; the respondents' form pages post their submit button here."""
    sub = _submission_or_404(submission_id)
    back = same_site_path(request.form.get("next")) or url_for("home.index")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _apply(
        lambda: workflow.submit(sub, current_user),
        _("Your answers were submitted. The secretariat will review them."),
        back,
    )
