"""`surveys users ...`: people, roles and access from the command line (first admin, scripts).

Changes made here are audited with "system" as the actor.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from surveys.accounts.models import User, UserRole, user_countries
from surveys.accounts.operations import (
    AccountError,
    account_statuses,
    deactivate,
    grant_access,
    invite_person,
    reactivate,
    revoke_access,
    set_password_directly,
    user_by_email,
)
from surveys.audit.operations import record
from surveys.countries.models import Country
from surveys.countries.operations import country_by_code
from surveys.extensions import db
from surveys.i18n import language_option
from surveys.roles import ROLE_VALUES

users_cli = AppGroup("users", help="People, roles and access.")

ROLE_CHOICE = click.Choice(ROLE_VALUES, case_sensitive=False)


def _countries(codes: tuple[str, ...]) -> list[Country]:
    countries = []
    for code in codes:
        country = country_by_code(code)
        if country is None:
            raise click.ClickException(
                f"unknown country code {code!r} (see `surveys countries list`)"
            )
        countries.append(country)
    return countries


def _user(email: str) -> User:
    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account has the email address {email.strip().lower()}")
    return user


def _apply(change) -> None:
    """Run an account change; its refusal becomes a clear error and nothing is saved."""
    try:
        change()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, required=True, help="Repeatable.")
@click.option("--country", "countries", multiple=True, help="ISO code (respondents); repeatable.")
@language_option("--language")
@click.password_option(help="Password (asked for when not given).")
def create_command(email, name, roles, countries, language, password) -> None:
    """Create a user with a password, e.g. the first admin."""
    email = email.strip().lower()
    if user_by_email(email) is not None:
        raise click.ClickException(f"{email} already has an account")
    user = User(email=email, name=name, language=language.lower())
    db.session.add(user)
    db.session.flush()

    def create() -> None:
        grant_access(user, roles=[r.lower() for r in roles], countries=_countries(countries))
        set_password_directly(user, password)
        record("user.created", target_type="user", target_id=user.id, details={"email": email})

    _apply(create)
    click.echo(f"Created {email} ({', '.join(sorted(user.roles))})")


@users_cli.command("invite")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, required=True, help="Repeatable.")
@click.option("--country", "countries", multiple=True, help="ISO code (respondents); repeatable.")
@language_option("--language")
def invite_command(email, name, roles, countries, language) -> None:
    """Invite a person by email: they choose their password through a single-use link.

    The link is printed too, for when mail delivery is not configured yet.
    """
    from surveys.accounts.labels import default_timezone_for

    found = _countries(countries)
    result = {}

    def invite() -> None:
        result["user"], result["link"] = invite_person(
            email=email,
            name=name,
            roles=[r.lower() for r in roles],
            countries=found,
            language=language.lower(),
            timezone=default_timezone_for([c.iso2 for c in found]),
            actor=None,
        )

    _apply(invite)
    click.echo(f"Invited {result['user'].email}; the invitation is in the outbox.")
    days = current_app.config["TOKEN_MAX_AGE_DAYS"]
    click.echo(f"Link (single use, expires in {days} day{'' if days == 1 else 's'}):")
    click.echo(f"  {result['link']}")


@users_cli.command("list")
@click.option("--role", type=ROLE_CHOICE, help="Only people with this role.")
@click.option("--country", help="Only respondents of this country (ISO code).")
@click.option("--inactive", is_flag=True, help="Only deactivated accounts.")
def list_command(role, country, inactive) -> None:
    """List people: email, status, roles and countries."""
    query = select(User).order_by(func.lower(User.email))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if country:
        found = _countries((country,))[0]
        query = query.where(
            User.id.in_(
                select(user_countries.c.user_id).where(user_countries.c.country_id == found.id)
            )
        )
    if inactive:
        query = query.where(~User.is_enabled)
    users = db.session.scalars(query).all()
    if not users:
        click.echo("Nobody matches.")
        return
    width = max(len(user.email) for user in users)
    statuses = account_statuses(users)
    for user in users:
        countries = ",".join(c.iso2 for c in user.countries) or "-"
        status = statuses[user.id]
        roles = ",".join(sorted(user.roles)) or "-"
        click.echo(f"{user.email:<{width}}  {status:<18}  {roles:<30}  {countries}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email) -> None:
    """Deactivate an account: sign-in is refused and its sessions end at once."""
    user = _user(email)
    _apply(lambda: deactivate(user, actor=None))
    click.echo(f"Deactivated {user.email}")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_command(email) -> None:
    """Let a deactivated account sign in again."""
    user = _user(email)
    _apply(lambda: reactivate(user, actor=None))
    click.echo(f"Reactivated {user.email}")


def _summary(user: User) -> str:
    countries = ",".join(c.iso2 for c in user.countries) or "-"
    return f"{user.email}: roles {','.join(sorted(user.roles)) or '-'}; countries {countries}"


@users_cli.command("grant")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, help="Repeatable.")
@click.option("--country", "countries", multiple=True, help="ISO code; repeatable.")
def grant_command(email, roles, countries) -> None:
    """Add roles and/or countries to an account (e.g. --role respondent --country NE)."""
    if not roles and not countries:
        raise click.UsageError("give at least one --role or --country")
    user = _user(email)
    found = _countries(countries)
    _apply(lambda: grant_access(user, roles=[r.lower() for r in roles], countries=found))
    click.echo(_summary(user))


@users_cli.command("revoke")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, help="Repeatable.")
@click.option("--country", "countries", multiple=True, help="ISO code; repeatable.")
def revoke_command(email, roles, countries) -> None:
    """Remove roles and/or countries from an account."""
    if not roles and not countries:
        raise click.UsageError("give at least one --role or --country")
    user = _user(email)
    found = _countries(countries)
    _apply(lambda: revoke_access(user, roles=[r.lower() for r in roles], countries=found))
    click.echo(_summary(user))
