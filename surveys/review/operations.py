"""Changing review queries: ask, answer, resolve. Flush only; the calling view commits."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import gettext as _
from surveys.responses.models import Submission
from surveys.review.models import ReviewQuery
from surveys.roles import Role
from surveys.rounds.submission_status import Status

MAX_QUERY_LENGTH = 5000
# Coordinators ask while the country's answers are with them or back with the country.
ASKABLE_STATUSES = frozenset({Status.SUBMITTED.value, Status.RETURNED.value})


class ReviewError(Exception):
    """A review change that is refused; the message says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ReviewError(_("Write the text first."))
    if len(text) > MAX_QUERY_LENGTH:
        raise ReviewError(
            _("The text is too long (at most %(count)s characters).", count=MAX_QUERY_LENGTH)
        )
    return text


def add_query(
    submission: Submission,
    author: User,
    *,
    question_id: str | None,
    text: str,
    audit: bool = True,
    rule_key: str | None = None,
    rule_text: str | None = None,
) -> ReviewQuery:
    """Ask the country about one question (or, with question_id None, the whole submission);
    `rule_key` and `rule_text` name the failed check of that question the query is about."""
    if not author.has_role(Role.COORDINATOR):
        raise ReviewError(_("Only coordinators can ask questions about a submission."))
    if submission.status not in ASKABLE_STATUSES:
        raise ReviewError(
            _("Questions can be asked only while a submission is submitted or returned.")
        )
    if (
        question_id is not None
        and submission.round.version.definition.question(question_id) is None
    ):
        raise ReviewError(_("This question is not part of the questionnaire."))
    if rule_key is not None and (question_id is None or not rule_text):
        raise ReviewError(_("A query about a check needs the check's question and its text."))
    query = ReviewQuery(
        submission_id=submission.id,
        question_id=question_id,
        rule_key=rule_key,
        rule_text=rule_text if rule_key is not None else None,
        text=_clean_text(text),
        author_id=author.id,
        created_at=utcnow(),
    )
    db.session.add(query)
    db.session.flush()
    if audit:
        record(
            "review.query_added",
            target_type="submission",
            target_id=submission.id,
            details={"query": query.id, "question": question_id, "check": rule_key},
            actor=author,
        )
    return query


def answer_query(
    query: ReviewQuery, respondent: User, text: str, *, no_change: bool = False
) -> ReviewQuery:
    """The country's answer; allowed while the submission is back with the country.
    `no_change`: closed without words, the answer in question stands as it is."""
    submission = query.submission
    if submission.country_id not in respondent.country_ids or not respondent.has_role(
        Role.RESPONDENT
    ):
        raise ReviewError(_("Only the country's own respondents can answer its queries."))
    if query.resolved:
        raise ReviewError(_("This query is already resolved."))
    if submission.status != Status.RETURNED.value:
        raise ReviewError(
            _("Queries can be answered only while the submission is returned to the country.")
        )
    previous = query.response
    query.response = "" if no_change else _clean_text(text)
    query.responded_by_id = respondent.id
    query.responded_at = utcnow()
    db.session.flush()
    record(
        "review.query_answered",
        target_type="submission",
        target_id=submission.id,
        # The earlier answer is kept in the audit log, so nothing written is lost.
        details={"query": query.id, "response": [previous, query.response], "no_change": no_change},
        actor=respondent,
    )
    return query


def resolve_query(query: ReviewQuery, coordinator: User) -> ReviewQuery:
    if not coordinator.has_role(Role.COORDINATOR):
        raise ReviewError(_("Only coordinators can resolve queries."))
    if query.resolved:
        raise ReviewError(_("This query is already resolved."))
    _mark_resolved(query, coordinator)
    db.session.flush()
    record(
        "review.query_resolved",
        target_type="submission",
        target_id=query.submission_id,
        details={"query": query.id},
        actor=coordinator,
    )
    return query


def resolve_all(submission: Submission, coordinator: User) -> int:
    """Resolve every open query (on validation); returns how many were open."""
    open_queries = db.session.scalars(
        sa.select(ReviewQuery).where(
            ReviewQuery.submission_id == submission.id, ReviewQuery.resolved.is_(False)
        )
    ).all()
    for query in open_queries:
        _mark_resolved(query, coordinator)
    db.session.flush()
    return len(open_queries)


def _mark_resolved(query: ReviewQuery, coordinator: User) -> None:
    query.resolved = True
    query.resolved_at = utcnow()
    query.resolved_by_id = coordinator.id
