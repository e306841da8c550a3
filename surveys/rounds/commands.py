"""`surveys rounds ...`: create, list, extend and cancel rounds; set cadences.

`open-now` and `close-now` join this group from the scheduling slice (surveys.scheduling.commands):
they run the scheduler's opening and closing jobs at once."""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import in_language
from surveys.languages import SOURCE_LANGUAGE
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.responses.operations import counted_countries
from surveys.rounds.models import Cadence, Round
from surveys.rounds.operations import (
    RoundError,
    cancel_round,
    create_cadence,
    create_round,
    state_of,
)
from surveys.rounds.reminders import extend_closing

rounds_cli = AppGroup("rounds", help="Assessment rounds and cadences.")

DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def in_english(command):
    """CLI messages in English, and a refused change as a clean error (nothing committed)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with in_language(SOURCE_LANGUAGE):
            try:
                return command(*args, **kwargs)
            except RoundError as exc:
                db.session.rollback()
                raise click.ClickException(exc.message) from exc

    return wrapper


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from exc


def _moment(text: str, zone: ZoneInfo, option: str) -> datetime:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise click.BadParameter(
        f"{text!r} is not a date-time like 2026-07-01 09:00", param_hint=option
    )


def _version(reference: str) -> QuestionnaireVersion:
    """ "niamey-2018:2" or "niamey-2018" (its latest published version)."""
    key, _sep, number = reference.partition(":")
    questionnaire = db.session.scalar(sa.select(Questionnaire).where(Questionnaire.key == key))
    if questionnaire is None:
        raise click.BadParameter(f"no questionnaire {key!r}", param_hint="--version")
    if not number:
        latest = questionnaire.latest_published()
        if latest is None:
            raise click.BadParameter(f"{key} has no published version", param_hint="--version")
        return latest
    version = next((v for v in questionnaire.versions if str(v.version) == number), None)
    if version is None:
        raise click.BadParameter(f"{key} has no version {number}", param_hint="--version")
    return version


def _country_ids(codes: str | None) -> list[int] | None:
    if not codes:
        return None
    wanted = [c.strip().upper() for c in codes.split(",") if c.strip()]
    found = {
        c.iso2: c.id for c in db.session.scalars(sa.select(Country).where(Country.iso2.in_(wanted)))
    }
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise click.BadParameter(f"unknown country code(s): {', '.join(unknown)}")
    return [found[c] for c in wanted]


def _offsets(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def round_by_id(round_id: int) -> Round:
    """The round of that id, or a clean error naming it."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    return round_


@rounds_cli.command("create")
@click.option("--version", "version_ref", required=True, help='"niamey-2018:2", or the key alone.')
@click.option("--period", required=True, help="Period label, e.g. 2026-H2.")
@click.option("--opens", required=True, help='"2026-07-01 09:00" in --timezone.')
@click.option("--closes", required=True, help='"2026-08-31 18:00" in --timezone.')
@click.option("--timezone", "zone_name", default="UTC", show_default=True)
@click.option("--countries", help="ISO2 codes separated by commas (default: all active).")
@click.option("--reminders", default="14,7,1", show_default=True, help="Days before closing.")
@in_english
def create_command(version_ref, period, opens, closes, zone_name, countries, reminders):
    """Create a round."""
    zone = _zone(zone_name)
    round_ = create_round(
        version=_version(version_ref),
        period_label=period,
        opens_at=_moment(opens, zone, "--opens"),
        closes_at=_moment(closes, zone, "--closes"),
        country_ids=_country_ids(countries),
        reminder_offsets=_offsets(reminders),
    )
    db.session.commit()
    click.echo(
        f"Round {round_.id} created: {round_.version.label} {round_.period_label}, "
        f"{len(round_.participants)} countries, opens {round_.opens_at:%Y-%m-%d %H:%M} UTC, "
        f"closes {round_.closes_at:%Y-%m-%d %H:%M} UTC."
    )


@rounds_cli.command("list")
@in_english
def list_command():
    """Each round's id, questionnaire and version, period, dates (UTC) and state."""
    now = utcnow()
    rounds = db.session.scalars(sa.select(Round).order_by(Round.opens_at, Round.id)).all()
    if not rounds:
        click.echo("No round.")
        return
    header = f"{'id':>4}  {'questionnaire':<22} {'period':<10} {'opens (UTC)':<16}  "
    click.echo(header + f"{'closes (UTC)':<16}  {'countries':>9}  state")
    for r in rounds:
        click.echo(
            f"{r.id:>4}  {r.version.label:<22} {r.period_label:<10} "
            f"{r.opens_at:%Y-%m-%d %H:%M}  {r.closes_at:%Y-%m-%d %H:%M}  "
            f"{len(r.participants):>9}  {state_of(r, now)}"
        )


@rounds_cli.command("extend")
@click.argument("round_id", type=int)
@click.option("--closes", required=True, help="New closing date-time in --timezone.")
@click.option("--timezone", "zone_name", default="UTC", show_default=True)
@click.option("--country", help="ISO2 code: extend for this country only.")
@in_english
def extend_command(round_id, closes, zone_name, country):
    """Move a round's closing date (or one country's)."""
    round_ = round_by_id(round_id)
    closes_at = _moment(closes, _zone(zone_name), "--closes")
    country_id = _country_ids(country)[0] if country else None
    news = extend_closing(
        round_, closes_at, country_id=country_id, submitted=counted_countries(round_.id)
    )
    target = country.upper() if country else "every country"
    db.session.commit()
    click.echo(f"Round {round_.id} now closes {closes_at:%Y-%m-%d %H:%M %Z} for {target}.")
    if news.told:
        click.echo(f"{news.told} respondent(s) will be told the new date.")
    echo_withdrawn(news.withdrawn, news.being_sent)


def echo_withdrawn(withdrawn: int, being_sent: int) -> None:
    """What became of the messages not sent yet that named an old closing date."""
    if withdrawn:
        click.echo(f"{withdrawn} message(s) not sent yet named the old closing date: withdrawn.")
    if being_sent:
        click.echo(
            f"{being_sent} message(s) naming the old closing date were being sent at that "
            "moment; any that does not go will not be tried again."
        )


@rounds_cli.command("cancel")
@click.argument("round_id", type=int)
@in_english
def cancel_command(round_id):
    """Cancel a round that has not opened yet."""
    round_ = round_by_id(round_id)
    cancel_round(round_)
    db.session.commit()
    click.echo(f"Round {round_.id} ({round_.period_label}) cancelled.")


@rounds_cli.command("cadence")
@click.option("--questionnaire", "key", required=True, help="Questionnaire key.")
@click.option("--every", "every_months", type=int, default=6, show_default=True, help="Months.")
@click.option("--weeks", "open_weeks", type=int, default=8, show_default=True, help="Open for.")
@click.option("--lead-days", type=int, default=14, show_default=True, help="Created ahead.")
@click.option("--first-opening", required=True, help='"2027-01-15 09:00" in --timezone.')
@click.option("--timezone", "zone_name", default="UTC", show_default=True)
@click.option("--reminders", default="14,7,1", show_default=True)
@in_english
def cadence_command(key, every_months, open_weeks, lead_days, first_opening, zone_name, reminders):
    """Set a recurring cadence: the scheduler creates the rounds."""
    questionnaire = db.session.scalar(sa.select(Questionnaire).where(Questionnaire.key == key))
    if questionnaire is None:
        raise click.BadParameter(f"no questionnaire {key!r}", param_hint="--questionnaire")
    cadence = create_cadence(
        questionnaire=questionnaire,
        every_months=every_months,
        open_weeks=open_weeks,
        lead_days=lead_days,
        first_opens_at=_moment(first_opening, _zone(zone_name), "--first-opening"),
        reminder_offsets=_offsets(reminders),
    )
    db.session.commit()
    click.echo(
        f"Cadence {cadence.id}: {key} every {every_months} months, open {open_weeks} weeks, "
        f"created {lead_days} days ahead, "
        f"first opening {cadence.first_opens_at:%Y-%m-%d %H:%M} UTC."
    )


@rounds_cli.command("cadences")
@in_english
def cadences_command():
    """List the cadences."""
    cadences = db.session.scalars(sa.select(Cadence).order_by(Cadence.id)).all()
    if not cadences:
        click.echo("No cadence.")
    for c in cadences:
        click.echo(
            f"{c.id:>4}  {c.questionnaire.key:<16} every {c.every_months} months, "
            f"open {c.open_weeks} weeks, {c.lead_days} days ahead, first "
            f"{c.first_opens_at:%Y-%m-%d %H:%M} UTC  {'active' if c.active else 'stopped'}"
        )
