"""The life of a submission: submit, return for changes, validate, reopen.

Every allowed status change is in `TRANSITIONS`; anything else raises `WorkflowError` with a
message saying why. Each change is audited (who, when, old -> new status) and announced through
the outbox in each recipient's language. Functions flush only: the calling view commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from surveys.accounts.models import User
from surveys.accounts.queries import coordinators, country_respondents
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import default_language, in_language, is_enabled, ngettext
from surveys.i18n import gettext as _
from surveys.links import absolute_url
from surveys.notifications.letters import Notice, render_notice
from surveys.notifications.outbox import queue_message
from surveys.questionnaire.schema import localized
from surveys.responses.forms import question_numbers
from surveys.responses.models import Submission
from surveys.responses.operations import completeness, round_is_open_for
from surveys.results.operations import snapshot_submission
from surveys.review.operations import add_query, resolve_all
from surveys.review.queries import queries_for, unanswered_queries
from surveys.roles import Role
from surveys.rounds import notices
from surveys.rounds.models import Round, RoundCountry
from surveys.rounds.operations import RoundError, check_reopen, set_reopened
from surveys.rounds.reminders import announce_new_closing
from surveys.rounds.submission_status import Status, is_counted


class WorkflowError(Exception):
    """A status change that is not allowed now; the message says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IncompleteSubmission(WorkflowError):
    """Submitting was refused because required answers are missing or invalid."""

    def __init__(self, problems: Sequence[object]) -> None:
        super().__init__(
            ngettext(
                "The submission is not complete: %(num)s problem to fix before submitting.",
                "The submission is not complete: %(num)s problems to fix before submitting.",
                len(problems),
            )
        )
        self.problems = list(problems)


class UnansweredQueries(WorkflowError):
    """Sending a returned submission back was refused: queries of the secretariat are open
    and neither answered nor closed with "no change"."""

    def __init__(self, queries: Sequence[object]) -> None:
        super().__init__(
            ngettext(
                "Answer the open query from the secretariat (or close it with “no "
                "change”) before submitting again.",
                "Answer the %(num)d open queries from the secretariat (or close them with "
                "“no change”) before submitting again.",
                len(queries),
            )
        )
        self.queries = list(queries)


class Action:
    SUBMIT = "submit"
    RETURN = "return"
    VALIDATE = "validate"
    REOPEN = "reopen"


# The only allowed status changes: (action, current status) -> new status.
TRANSITIONS: dict[tuple[str, Status], Status] = {
    (Action.SUBMIT, Status.DRAFT): Status.SUBMITTED,
    (Action.SUBMIT, Status.RETURNED): Status.SUBMITTED,
    (Action.RETURN, Status.SUBMITTED): Status.RETURNED,
    (Action.VALIDATE, Status.SUBMITTED): Status.VALIDATED,
    (Action.REOPEN, Status.SUBMITTED): Status.RETURNED,
    (Action.REOPEN, Status.VALIDATED): Status.RETURNED,
}

# Who may take each action (respondents only for their own countries).
ACTION_ROLES: dict[str, frozenset[str]] = {
    Action.SUBMIT: frozenset({Role.RESPONDENT.value}),
    Action.RETURN: frozenset({Role.COORDINATOR.value}),
    Action.VALIDATE: frozenset({Role.COORDINATOR.value}),
    Action.REOPEN: frozenset({Role.COORDINATOR.value}),
}

# Why an action is refused in a given status (the specific message a user sees).
REFUSALS: dict[tuple[str, Status], object] = {
    (Action.SUBMIT, Status.SUBMITTED): _l(
        "This submission has already been submitted and is waiting for review."
    ),
    (Action.SUBMIT, Status.VALIDATED): _l(
        "This submission has been validated; a coordinator must reopen it before it can change."
    ),
    (Action.RETURN, Status.DRAFT): _l(
        "This submission has not been submitted yet, so it cannot be returned."
    ),
    (Action.RETURN, Status.RETURNED): _l("This submission has already been returned."),
    (Action.RETURN, Status.VALIDATED): _l(
        "This submission is validated; reopen it to send it back to the country."
    ),
    (Action.VALIDATE, Status.DRAFT): _l(
        "This submission has not been submitted yet, so it cannot be validated."
    ),
    (Action.VALIDATE, Status.RETURNED): _l(
        "This submission was returned to the country; it can be validated once it is "
        "submitted again."
    ),
    (Action.VALIDATE, Status.VALIDATED): _l("This submission is already validated."),
    (Action.REOPEN, Status.DRAFT): _l(
        "This submission is still a draft: it is already open for changes."
    ),
    (Action.REOPEN, Status.RETURNED): _l(
        "This submission has already been returned: it is open for changes."
    ),
}

MAX_NOTE_LENGTH = 5000


def allowed_actions(submission: Submission) -> frozenset[str]:
    """The actions whose transition starts from the submission's current status."""
    status = Status(submission.status)
    return frozenset(action for action, source in TRANSITIONS if source == status)


def can_take(action: str, submission: Submission, actor: User) -> bool:
    """Whether `actor` may take `action` on the submission now (status and role)."""
    try:
        _check(action, submission, actor)
    except WorkflowError:
        return False
    return True


# ---------------------------------------------------------------- the four actions


def submit(
    submission: Submission, actor: User, *, notify: bool = True, allow_late: bool = False
) -> Submission:
    """Lock a complete draft (or returned) submission for review by the coordinators.

    A draft needs the round to be open for the country (`allow_late` is for loading history);
    a returned submission can always be sent back, since the secretariat asked for it.
    """

    _check(Action.SUBMIT, submission, actor)
    if submission.status == Status.RETURNED:
        waiting = unanswered_queries(submission)
        if waiting:
            raise UnansweredQueries(waiting)
    if (
        submission.status == Status.DRAFT
        and not allow_late
        and not round_is_open_for(submission.round, submission.country_id)
    ):
        raise WorkflowError(
            _("The round is closed for your country; ask the secretariat for an extension.")
        )
    problems = completeness(submission)
    if problems:
        raise IncompleteSubmission(problems)
    now = utcnow()
    submission.submitted_at = now
    submission.submitted_by_id = actor.id
    _change_status(submission, actor, Action.SUBMIT)
    snapshot_submission(submission, "submitted")
    _withdraw_chasing(submission, actor, now)
    _announce_if(notify, submission, Action.SUBMIT)
    return submission


def _withdraw_chasing(submission: Submission, actor: User, now: datetime) -> None:
    """Reminders to the country not sent yet (the relay was down) would ask it to submit what
    it just did: withdrawn, and said in the audit log."""
    withdrawal = notices.withdraw_chasing(submission.round_id, submission.country_id, now=now)
    if withdrawal:
        record(
            "round.notices_withdrawn",
            target_type="round",
            target_id=submission.round_id,
            details={
                "countries": [submission.country.iso2],
                "reason": notices.COUNTRY_SUBMITTED,
                "messages": withdrawal.withdrawn,
                "being_sent": withdrawal.being_sent,
            },
            actor=actor,
        )


def return_for_changes(
    submission: Submission, actor: User, note: str = "", *, notify: bool = True
) -> Submission:
    """Send a submitted submission back to the country; needs a note or a query still waiting
    for the country's answer (one it answered or closed with "no change" asks nothing more)."""
    _check(Action.RETURN, submission, actor)
    note = _clean_note(note)
    if not note and not unanswered_queries(submission):
        raise WorkflowError(
            _("Add a query to a question or write a note saying what the country should change.")
        )
    submission.returned_at = utcnow()
    _change_status(submission, actor, Action.RETURN, note=note)
    _add_general_query(submission, actor, note)
    _announce_if(notify, submission, Action.RETURN, note)
    return submission


def validate(submission: Submission, actor: User, *, notify: bool = True) -> Submission:
    """Accept a submitted submission; it stays locked unless a coordinator reopens it."""
    _check(Action.VALIDATE, submission, actor)
    resolved = resolve_all(submission, actor)
    submission.validated_at = utcnow()
    submission.validated_by_id = actor.id
    _change_status(submission, actor, Action.VALIDATE, resolved_queries=resolved)
    snapshot_submission(submission, "validated")
    _announce_if(notify, submission, Action.VALIDATE)
    return submission


def reopen(
    submission: Submission,
    actor: User,
    note: str,
    *,
    notify: bool = True,
    closes_at: datetime | None = None,
) -> Submission:
    """Open a submitted or validated submission for changes again; the reason is required.
    `closes_at`: the date the round was reopened until for the country (`reopen_country`),
    which the notice states."""
    _check(Action.REOPEN, submission, actor)
    note = _clean_note(note)
    if not note:
        raise WorkflowError(_("Say why the submission is reopened; the country will see it."))
    submission.returned_at = utcnow()
    submission.validated_at = None
    submission.validated_by_id = None
    _change_status(submission, actor, Action.REOPEN, note=note)
    _add_general_query(submission, actor, note)
    _announce_if(notify, submission, Action.REOPEN, note, closes_at=closes_at)
    return submission


def reopen_country(
    round_: Round,
    country_id: int,
    closes_at: datetime,
    *,
    actor: User | None = None,
    note: str = "",
    now: datetime | None = None,
) -> RoundCountry:
    """After the round closed for a country, open it again until `closes_at`.

    A submitted or validated submission is sent back to the country (reopened). Refusals are
    RoundErrors, as for the round's other dates.
    """
    now = now or utcnow()
    participant = check_reopen(round_, country_id, closes_at, now)
    before = {country_id: participant.closes_at}
    submission = db.session.scalar(
        sa.select(Submission).where(
            Submission.round_id == round_.id, Submission.country_id == country_id
        )
    )
    sent_back = submission is not None and is_counted(submission.status)
    if sent_back:
        if actor is None:
            raise RoundError(_("A coordinator must reopen a submitted questionnaire."))
        try:
            # Its notice says why, with the reason, and until when.
            reopen(submission, actor, note, closes_at=closes_at)
        except WorkflowError as exc:
            raise RoundError(exc.message, "note") from exc
    participant = set_reopened(participant, closes_at, actor=actor, note=note)
    # A country that had not submitted learns the round is open to it again, until when.
    # Notices not sent yet that state the old date are withdrawn first (announce_new_closing).
    announce_new_closing(
        round_, before, submitted={country_id} if sent_back else (), now=now, actor=actor
    )
    return participant


# ---------------------------------------------------------------- checks


def _check(action: str, submission: Submission, actor: User) -> None:
    """Raise WorkflowError unless the transition exists and the actor may take it."""
    if not actor.has_role(*ACTION_ROLES[action]):
        raise WorkflowError(_role_refusal(action))
    if action == Action.SUBMIT and submission.country_id not in actor.country_ids:
        raise WorkflowError(_("Only the country's own respondents can submit its answers."))
    status = Status(submission.status)
    if (action, status) not in TRANSITIONS:
        raise WorkflowError(str(REFUSALS.get((action, status), _("This change is not allowed."))))


def _role_refusal(action: str) -> str:
    if action == Action.SUBMIT:
        return _("Only the country's own respondents can submit its answers.")
    return _("Only coordinators can return, validate or reopen a submission.")


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise WorkflowError(
            _("The note is too long (at most %(count)s characters).", count=MAX_NOTE_LENGTH)
        )
    return note


def _add_general_query(submission: Submission, actor: User, note: str) -> None:
    """A return or reopen note becomes a query on the whole submission, so it can be answered."""
    if not note:
        return

    add_query(submission, actor, question_id=None, text=note, audit=False)


# ---------------------------------------------------------------- status change, audit, notice


def _change_status(
    submission: Submission,
    actor: User,
    action: str,
    *,
    note: str = "",
    resolved_queries: int = 0,
) -> None:
    """Apply the table's transition and audit it (old -> new status)."""
    old = Status(submission.status)
    new = TRANSITIONS[(action, old)]
    submission.status = new.value
    submission.last_activity_at = utcnow()
    details: dict[str, object] = {"status": [old.value, new.value], "action": action}
    if note:
        details["note"] = note
    if resolved_queries:
        details["resolved_queries"] = resolved_queries
    db.session.flush()
    record(
        f"submission.{_past_tense(action)}",
        target_type="submission",
        target_id=submission.id,
        details=details,
        actor=actor,
    )


def _announce_if(
    notify: bool,
    submission: Submission,
    action: str,
    note: str = "",
    *,
    closes_at: datetime | None = None,
) -> None:
    if notify:
        announce(submission, action, note=note, closes_at=closes_at)
        db.session.flush()


def _past_tense(action: str) -> str:
    return {
        Action.SUBMIT: "submitted",
        Action.RETURN: "returned",
        Action.VALIDATE: "validated",
        Action.REOPEN: "reopened",
    }[action]


def announce(
    submission: Submission, action: str, *, note: str = "", closes_at: datetime | None = None
) -> int:
    """Queue one message per recipient, each in their own language (and `closes_at`, when
    given, in their time zone); returns how many."""
    recipients = recipients_for(action, submission)
    kind = "submission." + _past_tense(action)
    for user in recipients:
        language = user.language if is_enabled(user.language) else default_language()
        until = notices.deadline_text(closes_at, user) if closes_at is not None else None
        notice = compose_notice(submission, action, language, note=note, until=until)
        queue_message(
            recipient_email=user.email,
            subject=notice.subject,
            body=notice.body,
            language=language,
            user_id=user.id,
            round_id=submission.round_id,
            country_id=submission.country_id,
            kind=kind,
        )
    return len(recipients)


def compose_notice(
    submission: Submission, action: str, language: str, *, note: str = "", until: str | None = None
) -> Notice:
    """The subject and body of the message for one action in `language`
    (templates/notices/submission.<past tense>.txt); `until`: the date written out until which
    a reopened submission may be changed, when the round had closed for the country."""
    context: dict[str, object] = {
        "country": submission.country.name(language),
        "period": submission.round.period_label,
        "note": note,
        "until": until,
    }
    if action == Action.SUBMIT:
        context["review_link"] = absolute_url("review.submission", submission_id=submission.id)
    else:
        context["link"] = respondent_link(submission)
    if action == Action.RETURN:
        queries = _open_queries(submission, language)
        context.update(
            # What waits for the country's answer, as its overview counts them.
            open_queries=len(unanswered_queries(submission)),
            queries=queries[:MAX_QUERIES_IN_NOTICE],
            more_queries=len(queries) > MAX_QUERIES_IN_NOTICE,
        )
    return render_notice("submission." + _past_tense(action), language, **context)


MAX_QUERIES_IN_NOTICE = 20
QUERY_EXCERPT_LENGTH = 300


def _open_queries(submission: Submission, language: str) -> list[tuple[str, str]]:
    """(question, excerpt) of the queries on questions waiting for the country's answer, so the
    e-mail alone tells what to look at."""
    definition = submission.round.version.definition
    numbers = question_numbers(definition)
    found = []
    for query in queries_for(submission):
        question = definition.question(query.question_id) if query.question_id else None
        if not query.awaits_country or question is None:
            continue
        label = f"{numbers.get(question.id, '')} {localized(question.text, language)}".strip()
        excerpt = _shorten(query.text, QUERY_EXCERPT_LENGTH)
        if query.rule_text:  # the check the query is about, then the query
            with in_language(language):
                check = _("About the check: %(check)s", check=query.rule_text)
            excerpt = f"{_shorten(check, QUERY_EXCERPT_LENGTH)} — {excerpt}"
        found.append((_shorten(label, 120), excerpt))
    return found


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def respondent_link(submission: Submission) -> str:
    """The country's overview of its submission, for e-mails."""
    return absolute_url("responses.submission", submission_id=submission.id)


def recipients_for(action: str, submission: Submission) -> list[User]:
    """Who hears about an action (coordinators for a submission, the country otherwise)."""
    return coordinators() if action == Action.SUBMIT else country_respondents(submission.country_id)
