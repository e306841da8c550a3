"""Changes to the country reference table (flush only; callers commit)."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from surveys.countries.data import PARTICIPANTS
from surveys.countries.models import Country
from surveys.extensions import db


class CountryError(ValueError):
    """Bad country input, with a message that says which field is wrong."""


def add_country(iso2: str, iso3: str, name_en: str, name_fr: str) -> Country:
    iso2, iso3 = iso2.strip().upper(), iso3.strip().upper()
    name_en, name_fr = name_en.strip(), name_fr.strip()
    if not re.fullmatch(r"[A-Z]{2}", iso2):
        raise CountryError(f"ISO alpha-2 code must be two letters, got {iso2!r}")
    if not re.fullmatch(r"[A-Z]{3}", iso3):
        raise CountryError(f"ISO alpha-3 code must be three letters, got {iso3!r}")
    if not name_en or not name_fr:
        raise CountryError("both the English and the French name are required")
    clash = db.session.scalar(
        select(Country).where(or_(Country.iso2 == iso2, Country.iso3 == iso3))
    )
    if clash is not None:
        raise CountryError(f"a country with code {clash.iso2}/{clash.iso3} already exists")
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
