from __future__ import annotations

import click
from flask.cli import AppGroup

from surveys.countries.models import Country
from surveys.countries.operations import (
    CountryError,
    add_country,
    country_by_code,
    rename_country,
    seed_participants,
)
from surveys.extensions import db

countries_cli = AppGroup("countries", help="The country reference table.")


def _names_option(help_text: str):
    """--name LANG=NAME, given once per language."""
    return click.option(
        "--name", "names", multiple=True, required=True, metavar="LANG=NAME", help=help_text
    )


@countries_cli.command("add")
@click.argument("iso2")
@click.argument("iso3")
@_names_option("Its name in one language, e.g. fr=Bénin; one per configured language.")
def add_command(iso2: str, iso3: str, names: tuple[str, ...]) -> None:
    """Add a country, e.g. `surveys countries add BJ BEN --name en=Benin --name fr=Bénin`."""
    by_language = _by_language(names)
    try:
        country = add_country(iso2, iso3, by_language)
    except CountryError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Added {country.iso2} {country.iso3} {_all_names(country)}")


def _by_language(names: tuple[str, ...]) -> dict[str, str]:
    by_language = {}
    for given in names:
        code, equals, name = given.partition("=")
        if not equals:
            raise click.BadParameter(
                f"{given!r} is not LANG=NAME (e.g. fr=Bénin)", param_hint="--name"
            )
        by_language[code.strip().lower()] = name
    return by_language


@countries_cli.command("rename")
@click.argument("code")
@_names_option("Its new name in one language, e.g. fr=Tchad; a language left out keeps its name.")
def rename_command(code: str, names: tuple[str, ...]) -> None:
    """Rename a country (ISO alpha-2 or alpha-3 code), e.g.
    `surveys countries rename CI --name en="Côte d'Ivoire"`. Audited."""
    from surveys.countries.views import audit_rename

    country = country_by_code(code)
    if country is None:
        raise click.ClickException(f"No country has the code {code.strip().upper()}.")
    try:
        changes = rename_country(country, _by_language(names))
    except CountryError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_rename(country, changes, actor_label="command line")
    db.session.commit()
    for language, (before, after) in sorted(changes.items()):
        click.echo(f"{country.iso2} {language}: {before} -> {after}")


def _all_names(country: Country) -> str:
    return " / ".join(country.names[code] for code in sorted(country.names))


@countries_cli.command("seed")
def seed_command() -> None:
    """Add the 16 participating countries of the Niamey meeting (idempotent)."""
    added = seed_participants()
    db.session.commit()
    click.echo(f"{added} countries added.")


@countries_cli.command("list")
def list_command() -> None:
    """List countries with their codes and names."""
    for country in db.session.scalars(db.select(Country).order_by(Country.sort_name())):
        state = "" if country.active else " (inactive)"
        click.echo(f"{country.iso2}  {country.iso3}  {_all_names(country)}{state}")
