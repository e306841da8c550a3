"""The e-mails about rounds, written in each recipient's language and time zone.

Their words are templates (templates/notices/round.*.txt); this module builds their context.

Callers hold an application context (web request, CLI or scheduler job); every text is rendered
inside `in_language(recipient.language)`, so nothing depends on a request's locale.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import current_app

from surveys.accounts.models import User
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import locale_for, zone_named
from surveys.languages import DEFAULT_LANGUAGE
from surveys.links import absolute_url
from surveys.notifications.letters import Notice, render_notice
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import Withdrawal, queue_message, withdraw_messages
from surveys.questionnaire.schema import localized
from surveys.rounds.models import Round
from surveys.rounds.progress import Completion

# Kinds of outbox message this slice writes.
OPENING = "round.opening"
REMINDER = "round.reminder"
MANUAL_REMINDER = "round.reminder_now"
CLOSING = "round.closing"
CLOSED_SUMMARY = "round.closed_summary"
CADENCE_CREATED = "round.created_by_cadence"
EXTENDED = "round.extended"


def deadline_text(moment: datetime, user: User) -> str:
    """The moment in the recipient's zone and language, with the zone named."""
    zone = zone_named(user.timezone)
    text = format_datetime(moment, "d MMMM y, HH:mm", tzinfo=zone, locale=locale_for(user.language))
    return f"{text} ({zone.key})"


def round_title(round_: Round, language: str) -> str:
    title = localized(round_.version.definition.title, language) or round_.version.label
    return f"{title} — {round_.period_label}"


def respondent_link(round_: Round, country: Country) -> str:
    """Where a respondent answers: the responses page for the round when it exists."""
    for endpoint, values in (
        ("responses.round_country", {"round_id": round_.id, "country_id": country.id}),
        ("responses.index", {}),
    ):
        if endpoint in current_app.view_functions:
            try:
                return absolute_url(endpoint, **values)
            except Exception:  # noqa: S112 - that route wants other arguments
                continue
    return absolute_url("home.index")


def round_link(round_: Round) -> str:
    return absolute_url("rounds.show", round_id=round_.id)


# The notices to a country's respondents that state its closing date (the opening's "submit
# before", the reminders', a new date's, the closing's "closed on"): one that has not gone yet
# when that date moves would contradict the news (withdraw_outdated).
DATED_COUNTRY_NOTICES = (OPENING, REMINDER, MANUAL_REMINDER, EXTENDED, CLOSING)
# Why they were withdrawn (OutboxMessage.withdrawn_reason; the round page says it in words).
CLOSING_MOVED = "closing_moved"
# The notices that ask a country's respondents to submit: one that has not gone yet when the
# country submits would chase a country that already did (withdraw_chasing).
CHASING_NOTICES = (REMINDER, MANUAL_REMINDER, EXTENDED)
COUNTRY_SUBMITTED = "country_submitted"

ROUND_NOTICES = (
    OPENING,
    REMINDER,
    MANUAL_REMINDER,
    CLOSING,
    CLOSED_SUMMARY,
    CADENCE_CREATED,
    EXTENDED,
)


def compose(
    kind: str,
    round_: Round,
    user: User,
    *,
    country: Country | None = None,
    closes_at: datetime | None = None,
    submitted: bool = False,
    summary: dict | None = None,
    progress: Completion | None = None,
    progress_known: bool = False,
) -> Notice:
    """Subject and body of one notice, in the user's language (templates/notices/<kind>.txt)."""
    if kind not in ROUND_NOTICES:
        raise ValueError(f"unknown round notice kind {kind!r}")
    language = user.language or DEFAULT_LANGUAGE
    summary = summary or {}
    return render_notice(
        kind,
        language,
        name=user.name,
        title=round_title(round_, language),
        country=country.name(language) if country is not None else "",
        deadline=deadline_text(closes_at or round_.closes_at, user),
        opening=deadline_text(round_.opens_at, user),
        link=respondent_link(round_, country) if country is not None else "",
        round_link=round_link(round_),
        questionnaire=round_.version.questionnaire.key,
        submitted=submitted,
        submitted_count=summary.get("submitted", 0),
        total_count=summary.get("total", 0),
        # Reminders: how far the country has come (None: not started), when the sender knew.
        progress_known=progress_known,
        started=progress is not None,
        answered=progress.answered if progress else 0,
        required=progress.required if progress else 0,
        to_confirm=progress.to_confirm if progress else 0,
    )


def queue_notice(
    kind: str,
    round_: Round,
    user: User,
    *,
    country: Country | None = None,
    dedupe_key: str | None = None,
    **details,
) -> OutboxMessage:
    """Compose the notice for one user and put it in the outbox (flush only)."""
    notice = compose(kind, round_, user, country=country, **details)
    return queue_message(
        recipient_email=user.email,
        subject=notice.subject,
        body=notice.body,
        language=user.language or DEFAULT_LANGUAGE,
        user_id=user.id,
        round_id=round_.id,
        country_id=country.id if country is not None else None,
        kind=kind,
        dedupe_key=dedupe_key,
    )


def withdraw_chasing(round_id: int, country_id: int, *, now: datetime) -> Withdrawal:
    """Withdraw the reminders (and news of a later date) to the country's respondents for this
    round that have not gone yet (flush only): the country has just submitted."""
    return withdraw_messages(
        sa.and_(
            OutboxMessage.round_id == round_id,
            OutboxMessage.country_id == country_id,
            OutboxMessage.kind.in_(CHASING_NOTICES),
        ),
        reason=COUNTRY_SUBMITTED,
        now=now,
    )


def withdrawn_openings(message_ids: Collection[int]) -> set[tuple[int, int]]:
    """(user id, country id) of the opening notices among these withdrawn messages."""
    if not message_ids:
        return set()
    rows = db.session.execute(
        sa.select(OutboxMessage.user_id, OutboxMessage.country_id).where(
            OutboxMessage.id.in_(list(message_ids)), OutboxMessage.kind == OPENING
        )
    )
    return {(user_id, country_id) for user_id, country_id in rows if user_id and country_id}


def withdraw_outdated(round_id: int, country_ids: Collection[int], *, now: datetime) -> Withdrawal:
    """Withdraw the notices of the round to these countries' respondents that state a closing
    date and have not gone yet (flush only): the countries' closing date has just moved, and
    what tells the new one is queued after this. Messages sent, and those of other rounds or
    countries, are left alone."""
    if not country_ids:
        return Withdrawal()
    return withdraw_messages(
        sa.and_(
            OutboxMessage.round_id == round_id,
            OutboxMessage.country_id.in_(list(country_ids)),
            OutboxMessage.kind.in_(DATED_COUNTRY_NOTICES),
        ),
        reason=CLOSING_MOVED,
        now=now,
    )
