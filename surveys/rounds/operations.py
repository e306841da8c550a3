"""Changing rounds and cadences (flush only; the caller commits).

Every refusal raises `RoundError` with a specific message (and the form field it concerns) before
anything is changed, so a refused request leaves the database as it was. A round's or cadence's
values are checked together: every wrong one is reported at once (`RoundError.problems`), so a
form can show each beside its field.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.countries.operations import active_countries
from surveys.extensions import db
from surveys.i18n import current_language, moment_in_words, ngettext
from surveys.i18n import gettext as _
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.rounds.models import DEFAULT_REMINDER_OFFSETS, Cadence, Round, RoundCountry
from surveys.rounds.state import RoundState, country_state

MAX_PERIOD_LABEL = 40
MAX_REMINDER_OFFSET = 365


class RoundError(Exception):
    """A refused change; `field` names the form field it concerns (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def problems(self) -> list[RoundError]:
        """Every refusal it stands for, each with its own field (one here)."""
        return [self]


class RoundErrors(RoundError):
    """Several refusals found together; its message joins theirs (for the command line and
    the logs)."""

    def __init__(self, problems: Sequence[RoundError]) -> None:
        fields = {p.field for p in problems}
        # The field they all concern, if they concern one.
        super().__init__(
            " ".join(p.message for p in problems), fields.pop() if len(fields) == 1 else None
        )
        self._problems = list(problems)

    @property
    def problems(self) -> list[RoundError]:
        return list(self._problems)


class _Problems:
    """Collects the refusals of several checks, so that all of them are reported at once."""

    def __init__(self) -> None:
        self.found: list[RoundError] = []

    def check(self, check: Callable[..., Any], *args: Any) -> Any:
        """`check(*args)`, or None when it refused (the refusal is kept)."""
        try:
            return check(*args)
        except RoundError as exc:
            self.found.extend(exc.problems)
            return None

    def failed(self, *fields: str) -> bool:
        return any(p.field in fields for p in self.found)

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise RoundErrors(self.found)


# ---------------------------------------------------------------- reading


def state_of(round_: Round, now: datetime | None = None) -> RoundState:
    """The round is open while any participating country may still answer."""
    return country_state(
        opens_at=round_.opens_at,
        closes_at=round_.latest_closes_at,
        cancelled_at=round_.cancelled_at,
        now=now or utcnow(),
    )


def country_state_of(participant: RoundCountry, now: datetime | None = None) -> RoundState:
    round_ = participant.round
    return country_state(
        opens_at=round_.opens_at,
        closes_at=participant.closes_at,
        cancelled_at=round_.cancelled_at,
        now=now or utcnow(),
    )


# ---------------------------------------------------------------- validation


def _published_version(version: QuestionnaireVersion | int | None) -> QuestionnaireVersion:
    if isinstance(version, int):
        found = db.session.get(QuestionnaireVersion, version)
        if found is None:
            raise RoundError(_("This questionnaire version does not exist."), "version_id")
        version = found
    if version is None:
        raise RoundError(_("Choose a questionnaire version."), "version_id")
    if not version.is_published:
        raise RoundError(
            _(
                "%(version)s is not published; only a published version can be used in a round.",
                version=version.label,
            ),
            "version_id",
        )
    return version


def _clean_period_label(label: str | None) -> str:
    """The label on one line, its spaces single: it names files and e-mail subjects."""
    label = " ".join((label or "").split())
    if not label:
        raise RoundError(_("Give the period the round covers, e.g. 2026-H2."), "period_label")
    if len(label) > MAX_PERIOD_LABEL:
        raise RoundError(
            _("The period label is longer than %(max)s characters.", max=MAX_PERIOD_LABEL),
            "period_label",
        )
    return label


def _check_period_free(
    version: QuestionnaireVersion, label: str, exclude_round_id: int | None = None
) -> None:
    """One round per period and questionnaire (a cancelled round only blocks its own version)."""
    query = (
        sa.select(Round)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
            sa.func.lower(Round.period_label) == label.lower(),
            sa.or_(Round.cancelled_at.is_(None), Round.questionnaire_version_id == version.id),
        )
    )
    if exclude_round_id is not None:
        query = query.where(Round.id != exclude_round_id)
    clash = db.session.scalars(query).first()
    if clash is not None:
        raise RoundError(
            _(
                "There is already a round for period %(period)s of %(questionnaire)s "
                "(round %(id)s); choose another period label.",
                period=clash.period_label,
                questionnaire=version.questionnaire.key,
                id=clash.id,
            ),
            "period_label",
        )


def _check_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    missing = []
    for value, field in ((opens_at, "opens_at"), (closes_at, "closes_at")):
        if value is None:
            missing.append(RoundError(_("Enter a date and time."), field))
        elif value.tzinfo is None:
            raise ValueError("round dates must be timezone-aware")
    if missing:
        raise missing[0] if len(missing) == 1 else RoundErrors(missing)
    if closes_at <= opens_at:
        raise RoundError(_("The closing date must be after the opening date."), "closes_at")


def _check_not_past(value: datetime, now: datetime, field: str) -> None:
    if value <= now:
        if field == "opens_at":
            message = _("The opening date is in the past; a new round must open later.")
        else:
            message = _("The closing date is in the past.")
        raise RoundError(message, field)


def _countries(country_ids: Iterable[int] | None) -> list[Country]:
    """The chosen countries (all active ones when None), each known and active."""
    if country_ids is None:
        countries = active_countries()
        if not countries:
            raise RoundError(_("There is no active country to take part."), "country_ids")
        return countries
    wanted = list(dict.fromkeys(int(c) for c in country_ids))
    if not wanted:
        raise RoundError(_("Choose at least one country."), "country_ids")
    found = {c.id: c for c in db.session.scalars(sa.select(Country).where(Country.id.in_(wanted)))}
    unknown = [str(c) for c in wanted if c not in found]
    if unknown:
        raise RoundError(
            _("Unknown country: %(ids)s.", ids=", ".join(unknown)),
            "country_ids",
        )
    inactive = [found[c].name(current_language()) for c in wanted if not found[c].active]
    if inactive:
        raise RoundError(
            _(
                "%(names)s is inactive and cannot take part in a new round.",
                names=", ".join(inactive),
            ),
            "country_ids",
        )
    return [found[c] for c in wanted]


def clean_offsets(offsets: Iterable[int | str] | None) -> list[int]:
    """Distinct reminder offsets in days (largest first); refuses anything but 1..365, naming
    every wrong value at once."""
    if offsets is None:
        return list(DEFAULT_REMINDER_OFFSETS)
    cleaned: set[int] = set()
    wrong: list[str] = []
    for raw in offsets:
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = 0
        if 1 <= value <= MAX_REMINDER_OFFSET:
            cleaned.add(value)
        else:
            wrong.append(str(raw).strip())
    if wrong:
        raise RoundError(
            ngettext(
                "Reminders are whole numbers of days between 1 and %(max)s: %(values)s is not.",
                "Reminders are whole numbers of days between 1 and %(max)s: %(values)s are not.",
                len(wrong),
                max=MAX_REMINDER_OFFSET,
                values=", ".join(wrong),
            ),
            "reminder_offsets",
        )
    return sorted(cleaned, reverse=True)


def _check_reminders_after_opening(
    offsets: Iterable[int], opens_at: datetime, closes_at: datetime, field: str
) -> None:
    """Refuses each reminder that would go before the round opens (a short round)."""
    problems = [
        RoundError(
            ngettext(
                "A reminder %(num)d day before closing would go on %(date)s, before the round "
                "opens on %(opens)s.",
                "A reminder %(num)d days before closing would go on %(date)s, before the round "
                "opens on %(opens)s.",
                days,
                date=moment_in_words(closes_at - timedelta(days=days)),
                opens=moment_in_words(opens_at),
            ),
            field,
        )
        for days in sorted(set(offsets), reverse=True)
        if closes_at - timedelta(days=days) < opens_at
    ]
    if problems:
        raise problems[0] if len(problems) == 1 else RoundErrors(problems)


def fitting_offsets(offsets: Iterable[int], opens_at: datetime, closes_at: datetime) -> list[int]:
    """Those of the offsets whose reminder goes once the round is open."""
    return [days for days in offsets if closes_at - timedelta(days=days) >= opens_at]


def _participant(round_: Round, country_id: int) -> RoundCountry:
    participant = round_.participant(country_id)
    if participant is None:
        country = db.session.get(Country, country_id)
        if country is None:
            raise RoundError(_("Unknown country: %(ids)s.", ids=country_id), "country_id")
        raise RoundError(
            _(
                "%(country)s: this country does not take part in this round.",
                country=country.name(current_language()),
            ),
            "country_id",
        )
    return participant


# ---------------------------------------------------------------- rounds


@dataclass(frozen=True)
class RoundPlan:
    """A new round as it would be created: every value checked, nothing written."""

    version: QuestionnaireVersion
    period_label: str
    opens_at: datetime
    closes_at: datetime
    countries: list[Country]
    offsets: list[int]

    def reminder_dates(self) -> list[datetime]:
        """When the scheduled reminders go, at the round's closing date (latest first)."""
        return [self.closes_at - timedelta(days=days) for days in self.offsets]


def plan_round(
    *,
    version: QuestionnaireVersion | int | None,
    period_label: str,
    opens_at: datetime,
    closes_at: datetime,
    country_ids: Iterable[int] | None = None,
    reminder_offsets: Iterable[int | str] | None = None,
    now: datetime | None = None,
    allow_past: bool = False,
) -> RoundPlan:
    """Check a new round's values without writing; RoundError reports every wrong one.

    Reminders left to their default (`reminder_offsets=None`) are kept only where they fit in
    the round; reminders given that would go before it opens are refused."""
    now = now or utcnow()
    problems = _Problems()
    version = problems.check(_published_version, version)
    label = problems.check(_clean_period_label, period_label)
    problems.check(_check_dates, opens_at, closes_at)
    dates_ok = not problems.failed("opens_at", "closes_at")
    if not allow_past and dates_ok:
        problems.check(_check_not_past, opens_at, now, "opens_at")
    countries = problems.check(_countries, country_ids)
    offsets = problems.check(clean_offsets, reminder_offsets)
    if offsets is not None and dates_ok:
        if reminder_offsets is None:
            offsets = fitting_offsets(offsets, opens_at, closes_at)
        else:
            problems.check(
                _check_reminders_after_opening, offsets, opens_at, closes_at, "reminder_offsets"
            )
    if version is not None and label is not None:
        problems.check(_check_period_free, version, label)
    problems.raise_any()
    return RoundPlan(version, label, opens_at, closes_at, countries, offsets)


def create_round(
    *,
    version: QuestionnaireVersion | int | None,
    period_label: str,
    opens_at: datetime,
    closes_at: datetime,
    country_ids: Iterable[int] | None = None,
    reminder_offsets: Iterable[int | str] | None = None,
    actor: User | None = None,
    now: datetime | None = None,
    allow_past: bool = False,
    cadence: Cadence | None = None,
) -> Round:
    """Create a round (flush only). `country_ids=None` takes every active country."""
    now = now or utcnow()
    plan = plan_round(
        version=version,
        period_label=period_label,
        opens_at=opens_at,
        closes_at=closes_at,
        country_ids=country_ids,
        reminder_offsets=reminder_offsets,
        now=now,
        allow_past=allow_past,
    )
    version, label, countries, offsets = (
        plan.version,
        plan.period_label,
        plan.countries,
        plan.offsets,
    )
    round_ = Round(
        questionnaire_version_id=version.id,
        period_label=label,
        opens_at=opens_at.astimezone(UTC),
        closes_at=closes_at.astimezone(UTC),
        reminder_offsets=offsets,
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
        cadence_id=cadence.id if cadence is not None else None,
    )
    round_.participants = [RoundCountry(country_id=c.id) for c in countries]
    db.session.add(round_)
    db.session.flush()
    record(
        "round.created",
        target_type="round",
        target_id=round_.id,
        details={
            "version": version.label,
            "period": label,
            "opens_at": round_.opens_at.isoformat(),
            "closes_at": round_.closes_at.isoformat(),
            "countries": [c.iso2 for c in countries],
            "reminder_offsets": offsets,
            "cadence_id": round_.cadence_id,
        },
        actor=actor,
    )
    return round_


def update_round(
    round_: Round,
    *,
    version: QuestionnaireVersion | int | None = None,
    period_label: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    country_ids: Iterable[int] | None = None,
    reminder_offsets: Iterable[int | str] | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Round:
    """Edit a round. Before opening anything may change; afterwards only the closing date.

    Arguments left as None keep their value.
    """
    now = now or utcnow()
    state = state_of(round_, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round was cancelled; it cannot be changed."))
    if state != RoundState.SCHEDULED:
        changes_other_than_closing = _differs(round_, version, period_label, opens_at, country_ids)
        if changes_other_than_closing or (
            reminder_offsets is not None
            and clean_offsets(reminder_offsets) != list(round_.reminder_offsets)
        ):
            raise RoundError(
                _(
                    "This round has opened: only its closing date can change now "
                    "(for everyone, or per country as an extension)."
                )
            )
        if closes_at is not None and closes_at != round_.closes_at:
            move_closing(round_, closes_at, actor=actor, now=now)
        return round_

    new_version, label, new_opens, new_closes, countries, offsets = check_update(
        round_,
        version=version,
        period_label=period_label,
        opens_at=opens_at,
        closes_at=closes_at,
        country_ids=country_ids,
        reminder_offsets=reminder_offsets,
        now=now,
    )

    before = _snapshot(round_)
    round_.questionnaire_version_id = new_version.id
    round_.version = new_version
    round_.period_label = label
    round_.opens_at = new_opens.astimezone(UTC)
    round_.closes_at = new_closes.astimezone(UTC)
    round_.reminder_offsets = offsets
    if countries is not None:
        _replace_participants(round_, [c.id for c in countries])
    db.session.flush()
    after = _snapshot(round_)
    record(
        "round.updated",
        target_type="round",
        target_id=round_.id,
        details={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        actor=actor,
    )
    return round_


def check_update(
    round_: Round,
    *,
    version: QuestionnaireVersion | int | None = None,
    period_label: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    country_ids: Iterable[int] | None = None,
    reminder_offsets: Iterable[int | str] | None = None,
    now: datetime | None = None,
) -> tuple:
    """A scheduled round's new values (None: unchanged), checked without changing the round;
    RoundError reports every wrong one at once (a form whose other fields are already refused
    still shows these)."""
    now = now or utcnow()
    problems = _Problems()
    new_version = (
        problems.check(_published_version, version) if version is not None else round_.version
    )
    label = (
        problems.check(_clean_period_label, period_label)
        if period_label is not None
        else round_.period_label
    )
    new_opens = opens_at or round_.opens_at
    new_closes = closes_at or round_.closes_at
    problems.check(_check_dates, new_opens, new_closes)
    dates_ok = not problems.failed("opens_at", "closes_at")
    if dates_ok and new_opens != round_.opens_at:
        problems.check(_check_not_past, new_opens, now, "opens_at")
    countries = problems.check(_countries, country_ids) if country_ids is not None else None
    offsets = problems.check(
        clean_offsets, reminder_offsets if reminder_offsets is not None else round_.reminder_offsets
    )
    if offsets is not None and dates_ok:
        problems.check(
            _check_reminders_after_opening, offsets, new_opens, new_closes, "reminder_offsets"
        )
    if (
        new_version is not None
        and label is not None
        and (label != round_.period_label or new_version.id != round_.questionnaire_version_id)
    ):
        problems.check(_check_period_free, new_version, label, round_.id)
    problems.raise_any()
    return new_version, label, new_opens, new_closes, countries, offsets


def _differs(
    round_: Round,
    version: QuestionnaireVersion | int | None,
    period_label: str | None,
    opens_at: datetime | None,
    country_ids: Iterable[int] | None,
) -> bool:
    if version is not None:
        version_id = version if isinstance(version, int) else version.id
        if version_id != round_.questionnaire_version_id:
            return True
    if period_label is not None and period_label.strip() != round_.period_label:
        return True
    if opens_at is not None and opens_at != round_.opens_at:
        return True
    return country_ids is not None and set(map(int, country_ids)) != {
        p.country_id for p in round_.participants
    }


def _replace_participants(round_: Round, country_ids: Sequence[int]) -> None:
    """Before opening no submission exists, so participants can simply be replaced."""
    keep = set(country_ids)
    for participant in list(round_.participants):
        if participant.country_id not in keep:
            round_.participants.remove(participant)
            db.session.delete(participant)
    present = {p.country_id for p in round_.participants}
    for country_id in country_ids:
        if country_id not in present:
            round_.participants.append(RoundCountry(country_id=country_id))


def _snapshot(round_: Round) -> dict:
    return {
        "version_id": round_.questionnaire_version_id,
        "period": round_.period_label,
        "opens_at": round_.opens_at.isoformat(),
        "closes_at": round_.closes_at.isoformat(),
        "reminder_offsets": list(round_.reminder_offsets),
        "countries": sorted(p.country_id for p in round_.participants),
    }


def cancel_round(round_: Round, *, actor: User | None = None, now: datetime | None = None) -> Round:
    """Cancel a round that has not opened yet (its jobs disappear at the next reconcile)."""
    now = now or utcnow()
    state = state_of(round_, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round is already cancelled."))
    if state != RoundState.SCHEDULED:
        raise RoundError(
            _("This round has already opened; a round can only be cancelled before it opens.")
        )
    round_.cancelled_at = now
    db.session.flush()
    record("round.cancelled", target_type="round", target_id=round_.id, actor=actor)
    return round_


def open_now(round_: Round, *, actor: User | None = None, now: datetime | None = None) -> Round:
    """Open a scheduled round at once: its opening moment becomes now."""
    now = now or utcnow()
    state = state_of(round_, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round was cancelled; it cannot be changed."))
    if state != RoundState.SCHEDULED:
        raise RoundError(_("This round has already opened."))
    if round_.closes_at <= now:
        raise RoundError(_("This round's closing date has passed; it cannot open now."))
    old = round_.opens_at
    round_.opens_at = now
    db.session.flush()
    record(
        "round.opened_now",
        target_type="round",
        target_id=round_.id,
        details={"opens_at": [old.isoformat(), now.isoformat()]},
        actor=actor,
    )
    return round_


def close_now(round_: Round, *, actor: User | None = None, now: datetime | None = None) -> Round:
    """Close an open round at once for every country, extensions and reopenings included."""
    now = now or utcnow()
    state = state_of(round_, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round was cancelled; it cannot be changed."))
    if state != RoundState.OPEN:
        raise RoundError(_("This round is not open; only an open round can be closed now."))
    old = round_.latest_closes_at
    round_.closes_at = min(round_.closes_at, now)
    for participant in round_.participants:
        if participant.closes_at_override is not None and participant.closes_at_override > now:
            participant.closes_at_override = now
    db.session.flush()
    record(
        "round.closed_now",
        target_type="round",
        target_id=round_.id,
        details={"closes_at": [old.isoformat(), now.isoformat()]},
        actor=actor,
    )
    return round_


def move_closing(
    round_: Round,
    closes_at: datetime,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> Round:
    """Move the closing date for every country: later once the round is open; before it opens,
    either way."""
    now = now or utcnow()
    state = state_of(round_, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round was cancelled; it cannot be changed."))
    if state == RoundState.CLOSED:
        raise RoundError(
            _(
                "This round is closed; its closing date can no longer move. Reopen a "
                "country's submission instead."
            ),
            "closes_at",
        )
    _check_dates(round_.opens_at, closes_at)
    _check_not_past(closes_at, now, "closes_at")
    if state == RoundState.OPEN and closes_at <= round_.closes_at:
        # Countries are working to the date they were given: once open, it only moves later
        # (an operator's `surveys rounds close-now` ends a round early, on purpose).
        raise RoundError(
            _(
                "An extension must end after the round's current closing date (%(date)s): once "
                "a round is open, its closing date cannot be brought forward.",
                date=moment_in_words(round_.closes_at),
            ),
            "closes_at",
        )
    if state == RoundState.SCHEDULED:
        _check_reminders_after_opening(
            round_.reminder_offsets, round_.opens_at, closes_at, "closes_at"
        )
    old = round_.closes_at
    round_.closes_at = closes_at.astimezone(UTC)
    db.session.flush()
    record(
        "round.closing_moved",
        target_type="round",
        target_id=round_.id,
        details={"closes_at": [old.isoformat(), round_.closes_at.isoformat()]},
        actor=actor,
    )
    return round_


def extend_country(
    round_: Round,
    country_id: int,
    closes_at: datetime,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> RoundCountry:
    """Give one country a later closing date while the round is still open for it."""
    now = now or utcnow()
    participant = _participant(round_, country_id)
    state = country_state_of(participant, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round was cancelled; it cannot be changed."))
    if state == RoundState.CLOSED:
        raise RoundError(
            _(
                "The round is closed (%(country)s); reopen the country's submission instead of "
                "extending.",
                country=participant.country.name(current_language()),
            ),
            "closes_at",
        )
    if closes_at <= participant.closes_at:
        raise RoundError(
            _(
                "An extension must end after the current closing date for this country (%(date)s).",
                date=moment_in_words(participant.closes_at),
            ),
            "closes_at",
        )
    return _set_override(participant, closes_at, "round.extended", actor)


def check_reopen(
    round_: Round, country_id: int, closes_at: datetime, now: datetime
) -> RoundCountry:
    """The country's place in the round, when the round can be opened again for it until
    `closes_at` (it closed for the country, was not cancelled, and the date is ahead)."""
    participant = _participant(round_, country_id)
    state = country_state_of(participant, now)
    if state == RoundState.CANCELLED:
        raise RoundError(_("This round was cancelled; it cannot be changed."))
    if state != RoundState.CLOSED:
        raise RoundError(
            _(
                "The round is still open (%(country)s); extend the country's closing date instead.",
                country=participant.country.name(current_language()),
            )
        )
    _check_not_past(closes_at, now, "closes_at")
    return participant


def set_reopened(
    participant: RoundCountry, closes_at: datetime, *, actor: User | None, note: str = ""
) -> RoundCountry:
    """Open the round again for the country until `closes_at` (audited)."""
    return _set_override(participant, closes_at, "round.reopened", actor, note=note)


def _set_override(
    participant: RoundCountry,
    closes_at: datetime,
    action: str,
    actor: User | None,
    note: str = "",
) -> RoundCountry:
    old = participant.closes_at
    participant.closes_at_override = closes_at.astimezone(UTC)
    db.session.flush()
    details = {
        "country": participant.country.iso2,
        "closes_at": [old.isoformat(), participant.closes_at.isoformat()],
    }
    if note:
        details["note"] = note
    record(
        action, target_type="round", target_id=participant.round_id, details=details, actor=actor
    )
    return participant


# ---------------------------------------------------------------- cadences


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the last day of a shorter month)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_label_for(opens_at: datetime, every_months: int) -> str:
    """2026-H2 for six-monthly rounds, 2026-Q3 for quarterly, 2026 for yearly, else 2026-07."""
    if every_months == 6:
        return f"{opens_at.year}-H{1 if opens_at.month <= 6 else 2}"
    if every_months == 3:
        return f"{opens_at.year}-Q{(opens_at.month - 1) // 3 + 1}"
    if every_months == 12:
        return str(opens_at.year)
    return f"{opens_at.year}-{opens_at.month:02d}"


def check_cadence(
    *,
    questionnaire: Questionnaire | int | None,
    every_months: int | None,
    open_weeks: int | None,
    lead_days: int | None,
    first_opens_at: datetime | None,
    reminder_offsets: Iterable[int | str] | None = None,
) -> tuple[Questionnaire, list[int]]:
    """A new cadence's questionnaire and reminders; RoundError reports every wrong value at
    once (a value None is missing; a form that refused it already says why)."""
    problems = _Problems()
    questionnaire = problems.check(_cadence_questionnaire, questionnaire)
    if every_months is None or not 1 <= every_months <= 36:
        problems.found.append(
            RoundError(_("A round can recur every 1 to 36 months."), "every_months")
        )
    if open_weeks is None or not 1 <= open_weeks <= 104:
        problems.found.append(RoundError(_("A round can stay open 1 to 104 weeks."), "open_weeks"))
    if lead_days is None or not 0 <= lead_days <= 365:
        problems.found.append(
            RoundError(_("Rounds are created 0 to 365 days before they open."), "lead_days")
        )
    if first_opens_at is None:
        problems.found.append(RoundError(_("Enter a date and time."), "first_opens_at"))
    elif first_opens_at.tzinfo is None:
        raise ValueError("first_opens_at must be timezone-aware")
    elif (
        not problems.failed("every_months", "open_weeks")
        and timedelta(weeks=open_weeks) >= add_months(first_opens_at, every_months) - first_opens_at
    ):
        problems.found.append(
            RoundError(
                _("Rounds would overlap: a round must close before the next one opens."),
                "open_weeks",
            )
        )
    offsets = problems.check(clean_offsets, reminder_offsets)
    if offsets is not None and not problems.failed("open_weeks"):
        if reminder_offsets is None:  # the defaults: those that fit
            offsets = [
                days for days in offsets if timedelta(days=days) <= timedelta(weeks=open_weeks)
            ]
        problems.found.extend(
            RoundError(
                ngettext(
                    "A reminder %(num)d day before closing would go before the round opens: "
                    "each round is open for %(open)s.",
                    "A reminder %(num)d days before closing would go before the round opens: "
                    "each round is open for %(open)s.",
                    days,
                    open=ngettext("%(num)d week", "%(num)d weeks", open_weeks),
                ),
                "reminder_offsets",
            )
            for days in offsets
            if timedelta(days=days) > timedelta(weeks=open_weeks)
        )
    problems.raise_any()
    return questionnaire, offsets


def _cadence_questionnaire(questionnaire: Questionnaire | int | None) -> Questionnaire:
    if questionnaire is None:
        raise RoundError(_("Choose a questionnaire."), "questionnaire_id")
    if isinstance(questionnaire, int):
        found = db.session.get(Questionnaire, questionnaire)
        if found is None:
            raise RoundError(_("This questionnaire does not exist."), "questionnaire_id")
        questionnaire = found
    if questionnaire.latest_published() is None:
        raise RoundError(
            _("%(key)s has no published version yet.", key=questionnaire.key), "questionnaire_id"
        )
    return questionnaire


def create_cadence(
    *,
    questionnaire: Questionnaire | int,
    every_months: int,
    open_weeks: int,
    lead_days: int,
    first_opens_at: datetime,
    reminder_offsets: Iterable[int | str] | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Cadence:
    now = now or utcnow()
    questionnaire, offsets = check_cadence(
        questionnaire=questionnaire,
        every_months=every_months,
        open_weeks=open_weeks,
        lead_days=lead_days,
        first_opens_at=first_opens_at,
        reminder_offsets=reminder_offsets,
    )
    cadence = Cadence(
        questionnaire_id=questionnaire.id,
        questionnaire=questionnaire,
        every_months=every_months,
        open_weeks=open_weeks,
        lead_days=lead_days,
        first_opens_at=first_opens_at.astimezone(UTC),
        reminder_offsets=offsets,
        active=True,
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(cadence)
    db.session.flush()
    record(
        "cadence.created",
        target_type="cadence",
        target_id=cadence.id,
        details={
            "questionnaire": questionnaire.key,
            "every_months": every_months,
            "open_weeks": open_weeks,
            "lead_days": lead_days,
            "first_opens_at": cadence.first_opens_at.isoformat(),
        },
        actor=actor,
    )
    return cadence


def stop_cadence(cadence: Cadence, *, actor: User | None = None) -> Cadence:
    cadence.active = False
    db.session.flush()
    record("cadence.stopped", target_type="cadence", target_id=cadence.id, actor=actor)
    return cadence


def cadence_occurrence_due(cadence: Cadence, now: datetime) -> datetime | None:
    """The opening date of the occurrence to create now, if any.

    An occurrence is due from `lead_days` before its opening until its closing (a round that
    would already be closed is pointless, even after a long downtime).
    """
    if not cadence.active:
        return None
    lead = timedelta(days=cadence.lead_days)
    duration = timedelta(weeks=cadence.open_weeks)
    due: datetime | None = None
    index = 0
    while True:
        opens_at = add_months(cadence.first_opens_at, cadence.every_months * index)
        if opens_at - lead > now:
            return due
        if now < opens_at + duration:
            due = opens_at
            return due
        index += 1


def create_cadence_round(cadence: Cadence, opens_at: datetime, *, now: datetime) -> Round:
    """The round of one occurrence, on the latest published version, for all active countries."""
    version = cadence.questionnaire.latest_published()
    if version is None:
        raise RoundError(_("%(key)s has no published version yet.", key=cadence.questionnaire.key))
    closes_at = opens_at + timedelta(weeks=cadence.open_weeks)
    return create_round(
        version=version,
        period_label=period_label_for(opens_at, cadence.every_months),
        opens_at=opens_at,
        closes_at=closes_at,
        country_ids=None,
        # A cadence saved before its reminders were checked against its length may hold some
        # that would go before the round opens: they are left out rather than skip the round.
        reminder_offsets=fitting_offsets(cadence.reminder_offsets, opens_at, closes_at),
        now=now,
        allow_past=True,  # after a downtime the occurrence may already have opened
        cadence=cadence,
    )
