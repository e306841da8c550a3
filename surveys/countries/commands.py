from __future__ import annotations

import click
from flask.cli import AppGroup

from surveys.countries.models import Country
from surveys.countries.operations import CountryError, add_country, seed_participants
from surveys.extensions import db

countries_cli = AppGroup("countries", help="The country reference table.")


@countries_cli.command("add")
@click.argument("iso2")
@click.argument("iso3")
@click.option("--name-en", required=True, help="Name in English.")
@click.option("--name-fr", required=True, help="Name in French.")
def add_command(iso2: str, iso3: str, name_en: str, name_fr: str) -> None:
    """Add a country, e.g. `surveys countries add BJ BEN --name-en Benin --name-fr Bénin`."""
    try:
        country = add_country(iso2, iso3, name_en, name_fr)
    except CountryError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Added {country.iso2} {country.iso3} {country.name_en} / {country.name_fr}")


@countries_cli.command("seed")
def seed_command() -> None:
    """Add the 16 participating countries of the Niamey meeting (idempotent)."""
    added = seed_participants()
    db.session.commit()
    click.echo(f"{added} countries added.")


@countries_cli.command("list")
def list_command() -> None:
    """List countries with their codes and names."""
    for country in db.session.scalars(db.select(Country).order_by(Country.name_en)):
        state = "" if country.active else " (inactive)"
        click.echo(f"{country.iso2}  {country.iso3}  {country.name_en} / {country.name_fr}{state}")
