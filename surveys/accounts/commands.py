from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from surveys.accounts.models import ROLE_VALUES, User
from surveys.accounts.passwords import hash_password
from surveys.countries.operations import country_by_code
from surveys.extensions import db

users_cli = AppGroup("users", help="People, roles and access.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLE_VALUES), required=True)
@click.option("--country", "countries", multiple=True, help="ISO code (respondents).")
@click.option("--language", type=click.Choice(["en", "fr"]), default="en")
@click.password_option(help="Password (asked for when not given).")
def create_command(email, name, roles, countries, language, password) -> None:
    """Create a user with a password, e.g. the first admin."""
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.ClickException(f"{email} already has an account")
    user = User(email=email, name=name, language=language, password_hash=hash_password(password))
    for role in roles:
        user.grant(role)
    for code in countries:
        country = country_by_code(code)
        if country is None:
            raise click.ClickException(
                f"unknown country code {code!r} (see `surveys countries list`)"
            )
        user.countries.append(country)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {email} ({', '.join(roles)})")
