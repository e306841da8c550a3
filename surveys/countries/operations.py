"""Changes to the country reference table (flush only; callers commit)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from babel import Locale
from sqlalchemy import func, or_, select

from surveys.countries.data import PARTICIPANTS
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import current_language, language_codes
from surveys.i18n import gettext as _
from surveys.languages import language_name_in

NAME_FIELD = "name_%s"  # the form field of the name in one language

# Two-letter codes of Unicode's territory list that name no country: groupings, reserved
# codes, pseudo-locales and "Unknown Region".
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def is_country_code(iso2: str) -> bool:
    """Whether `iso2` is an ISO 3166 alpha-2 code of a country or territory (Unicode's list)."""
    return iso2 in _country_codes()


@cache
def _country_codes() -> frozenset[str]:
    territories = Locale("en").territories
    return (
        frozenset(code for code in territories if len(code) == 2 and code.isalpha()) - NOT_COUNTRIES
    )


class CountryError(ValueError):
    """Bad country input, with a translated message and the form field it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def add_country(iso2: str, iso3: str, names: Mapping[str, str]) -> Country:
    """A new country with its name in every configured language (`names` by language code)."""
    iso2, iso3 = iso2.strip().upper(), iso3.strip().upper()
    names = {code: (name or "").strip() for code, name in names.items()}
    if not re.fullmatch(r"[A-Z]{2}", iso2):
        raise CountryError(
            _("The ISO alpha-2 code must be two letters, not %(code)s.", code=iso2), "iso2"
        )
    if not is_country_code(iso2):
        raise CountryError(
            _("%(code)s is not the ISO 3166 code of a country (e.g. BJ for Benin).", code=iso2),
            "iso2",
        )
    if not re.fullmatch(r"[A-Z]{3}", iso3):
        raise CountryError(
            _("The ISO alpha-3 code must be three letters, not %(code)s.", code=iso3), "iso3"
        )
    unknown = sorted(set(names) - set(language_codes()))
    if unknown:
        raise CountryError(
            _("Unknown language: %(language)s.", language=", ".join(unknown)),
            NAME_FIELD % unknown[0],
        )
    for code in language_codes():
        if not names.get(code):
            raise CountryError(
                _(
                    "The name in %(language)s is required.",
                    language=language_name_in(code, current_language()),
                ),
                NAME_FIELD % code,
            )
    clash = db.session.scalar(
        select(Country).where(or_(Country.iso2 == iso2, Country.iso3 == iso3))
    )
    if clash is not None:
        raise CountryError(
            _(
                "A country with the code %(iso2)s / %(iso3)s already exists.",
                iso2=clash.iso2,
                iso3=clash.iso3,
            ),
            "iso2" if clash.iso2 == iso2 else "iso3",
        )
    country = Country(iso2=iso2, iso3=iso3, names=names)
    db.session.add(country)
    db.session.flush()
    return country


NAME_MAX = 120


def rename_country(country: Country, names: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Give the country new names (`names` by language code; a configured language left out
    keeps its name). Returns what changed, {language: (before, after)}; raises CountryError,
    on the name it is about, for a blank, too long or unknown-language name, a name another
    country bears in that language, or no change at all. Flush only; the caller audits."""
    reader = current_language()
    names = {code.strip().lower(): (name or "").strip() for code, name in names.items()}
    unknown = sorted(set(names) - set(language_codes()))
    if unknown:
        raise CountryError(
            _("Unknown language: %(language)s.", language=", ".join(unknown)),
            NAME_FIELD % unknown[0],
        )
    others = [c for c in db.session.scalars(select(Country)) if c.id != country.id]
    for code, name in names.items():
        language = language_name_in(code, reader)
        if not name:
            raise CountryError(
                _("The name in %(language)s is required.", language=language), NAME_FIELD % code
            )
        if len(name) > NAME_MAX:
            raise CountryError(
                _(
                    "The name in %(language)s may be %(max)d characters long at most "
                    "(%(num)d given).",
                    language=language,
                    max=NAME_MAX,
                    num=len(name),
                ),
                NAME_FIELD % code,
            )
        folded = name.casefold()
        twin = next((c for c in others if c.names.get(code, "").casefold() == folded), None)
        if twin is not None:
            raise CountryError(
                _(
                    "%(code)s is already called %(name)s in %(language)s: two countries cannot "
                    "share a name.",
                    code=twin.iso2,
                    name=twin.names[code],
                    language=language,
                ),
                NAME_FIELD % code,
            )
    changes = {
        code: (country.names.get(code, ""), name)
        for code, name in names.items()
        if country.names.get(code, "") != name
    }
    if not changes:
        raise CountryError(
            _("These are already its names: nothing was changed."),
            NAME_FIELD % (next(iter(names), None) or language_codes()[0]),
        )
    country.names = {**country.names, **{code: pair[1] for code, pair in changes.items()}}
    db.session.flush()
    return changes


def seed_participants() -> int:
    """Add the 16 participating countries that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(Country.iso2)))
    added = 0
    for iso2, iso3, names in PARTICIPANTS:
        if iso2 not in existing:
            db.session.add(Country(iso2=iso2, iso3=iso3, names=dict(names)))
            added += 1
    db.session.flush()
    return added


def active_countries() -> list[Country]:
    return list(
        db.session.scalars(select(Country).where(Country.active).order_by(Country.sort_name()))
    )


def country_by_code(code: str) -> Country | None:
    code = code.strip().upper()
    return db.session.scalar(select(Country).where(or_(Country.iso2 == code, Country.iso3 == code)))


def count_countries() -> int:
    return db.session.scalar(select(func.count(Country.id))) or 0


def set_active(country: Country, active: bool) -> bool:
    """Offer the country for new rounds again, or no longer (it stays in the rounds it is part
    of, past or open, with its answers). Returns whether anything changed (flush only)."""
    if country.active == active:
        return False
    country.active = active
    db.session.flush()
    return True
