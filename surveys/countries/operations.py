"""Changes to the country reference table (flush only; callers commit)."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from surveys.countries.data import PARTICIPANTS
from surveys.countries.models import Country
from surveys.extensions import db


class CountryError(ValueError):
    """Bad country input, with a translated message and the form field it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def add_country(iso2: str, iso3: str, name_en: str, name_fr: str) -> Country:
    iso2, iso3 = iso2.strip().upper(), iso3.strip().upper()
    name_en, name_fr = name_en.strip(), name_fr.strip()
    if not re.fullmatch(r"[A-Z]{2}", iso2):
        raise CountryError(
            _("The ISO alpha-2 code must be two letters, not %(code)s.", code=iso2), "iso2"
        )
    if not re.fullmatch(r"[A-Z]{3}", iso3):
        raise CountryError(
            _("The ISO alpha-3 code must be three letters, not %(code)s.", code=iso3), "iso3"
        )
    for field, name in (("name_en", name_en), ("name_fr", name_fr)):
        if not name:
            raise CountryError(_("Both the English and the French name are required."), field)
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
    country = Country(iso2=iso2, iso3=iso3, name_en=name_en, name_fr=name_fr)
    db.session.add(country)
    db.session.flush()
    return country


def seed_participants() -> int:
    """Add the 16 participating countries that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(Country.iso2)))
    added = 0
    for iso2, iso3, name_en, name_fr in PARTICIPANTS:
        if iso2 not in existing:
            db.session.add(Country(iso2=iso2, iso3=iso3, name_en=name_en, name_fr=name_fr))
            added += 1
    db.session.flush()
    return added


def active_countries() -> list[Country]:
    return list(db.session.scalars(select(Country).where(Country.active).order_by(Country.name_en)))


def country_by_code(code: str) -> Country | None:
    code = code.strip().upper()
    return db.session.scalar(select(Country).where(or_(Country.iso2 == code, Country.iso3 == code)))


def count_countries() -> int:
    return db.session.scalar(select(func.count(Country.id))) or 0
