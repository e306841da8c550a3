"""Demonstration accounts: one per role, a respondent per country, one for two countries.

No password lives in the repository: each load that creates accounts draws one random password,
gives it to every demo account and writes the logins to `<instance>/demo-logins.txt` (mode 0600),
which `surveys demo-logins` (and so `make run`) prints. A second load with every account present
changes nothing.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from surveys.accounts.labels import COUNTRY_TIMEZONES, FRANCOPHONE_COUNTRIES
from surveys.accounts.models import User
from surveys.accounts.passwords import hash_password
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.languages import DEFAULT_LANGUAGE
from surveys.roles import Role

DEMO_DOMAIN = "demo.example.org"
TWO_COUNTRY_CODES = ("NE", "ML")

# Each country's focal point, named as people of that country are (French names where the
# focal point works in French): e-mails greet them and pages list them by these names.
RESPONDENT_NAMES = {
    "BF": "Salif Ouédraogo",
    "CI": "Adjoua Kouassi",
    "DE": "Katrin Becker",
    "ES": "Javier Morales",
    "FR": "Claire Lefèvre",
    "GB": "Emma Clarke",
    "GM": "Lamin Jallow",
    "GN": "Mamadou Diallo",
    "IT": "Giulia Romano",
    "ML": "Boubacar Traoré",
    "MR": "Mariem Mint Ahmed",
    "NE": "Aïssa Maïga",
    "NG": "Chinedu Okafor",
    "NL": "Sanne de Vries",
    "SN": "Fatou Ndiaye",
    "TD": "Achta Mahamat",
    "NE-ML": "Ibrahim Touré",  # one person answering for Niger and Mali
}


class DemoDisabled(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: tuple[str, ...]
    country_codes: tuple[str, ...] = ()
    language: str = "en"
    timezone: str = "UTC"


def demo_logins_path() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


def demo_accounts(countries: list[Country]) -> list[DemoAccount]:
    """The accounts to create, given the seeded countries."""
    accounts = [
        DemoAccount(f"admin@{DEMO_DOMAIN}", "Ada Admin", (Role.ADMIN.value,)),
        DemoAccount(
            f"coordinator@{DEMO_DOMAIN}",
            "Coline Coordinatrice",
            (Role.COORDINATOR.value,),
            language="fr",
            timezone="Africa/Dakar",  # the UNODC regional office
        ),
        DemoAccount(
            f"analyst@{DEMO_DOMAIN}",
            "Anna Analyst",
            (Role.ANALYST.value,),
            timezone="Europe/Vienna",
        ),
    ]
    for country in sorted(countries, key=lambda c: c.iso2):
        name = RESPONDENT_NAMES.get(country.iso2, f"Focal point {country.name(DEFAULT_LANGUAGE)}")
        accounts.append(_respondent(country.iso2, (country.iso2,), name))
    codes = {c.iso2 for c in countries}
    if all(code in codes for code in TWO_COUNTRY_CODES):
        accounts.append(_respondent("ne-ml", TWO_COUNTRY_CODES, RESPONDENT_NAMES["NE-ML"]))
    return accounts


def _respondent(key: str, codes: tuple[str, ...], name: str) -> DemoAccount:
    first = codes[0]
    return DemoAccount(
        email=f"respondent-{key.lower()}@{DEMO_DOMAIN}",
        name=name,
        roles=(Role.RESPONDENT.value,),
        country_codes=codes,
        language="fr" if first in FRANCOPHONE_COUNTRIES else "en",
        timezone=COUNTRY_TIMEZONES.get(first, "UTC"),
    )


def load_demo(out) -> None:
    if not current_app.config.get("DEMO_ENABLED"):
        raise DemoDisabled("demo accounts are disabled in this configuration")
    countries = list(db.session.scalars(select(Country).where(Country.active)))
    by_code = {c.iso2: c for c in countries}
    accounts = demo_accounts(countries)
    existing = {
        user.email: user
        for user in db.session.scalars(select(User).where(User.email.like(f"%@{DEMO_DOMAIN}")))
    }
    _rename_generic_accounts(accounts, existing)
    missing = [account for account in accounts if account.email not in existing]
    if not missing:
        return
    password = secrets.token_urlsafe(12)
    password_hash = hash_password(password)
    for account in missing:
        user = User(
            email=account.email,
            name=account.name,
            language=account.language,
            timezone=account.timezone,
        )
        for role in account.roles:
            user.grant(role)
        user.countries.extend(by_code[code] for code in account.country_codes)
        db.session.add(user)
        existing[account.email] = user
    # One password for every demo account, so that the file always matches the database.
    for account in accounts:
        user = existing[account.email]
        user.password_hash = password_hash
        if user.id is not None:  # an older demo password stops working in live sessions too
            user.session_version += 1
    db.session.flush()
    path = write_demo_logins(accounts, password)
    out.say(f"Accounts: {len(missing)} demo accounts created; logins written to {path}.")


def _rename_generic_accounts(accounts: list[DemoAccount], existing: dict[str, User]) -> None:
    """Demo accounts of an older load were named "Focal point <country>": give them names."""
    for account in accounts:
        user = existing.get(account.email)
        if user is not None and user.name.startswith("Focal point ") and user.name != account.name:
            user.name = account.name


def write_demo_logins(accounts: list[DemoAccount], password: str) -> Path:
    """Write the logins readable by the owner only (they open every demo account)."""
    path = demo_logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "Demo accounts (demonstration only; every account has the same password)",
        f"  password: {password}",
        "",
    ]
    width = max(len(account.email) for account in accounts)
    for account in accounts:
        what = ", ".join(account.roles)
        if account.country_codes:
            what += " " + "+".join(account.country_codes)
        lines.append(f"  {account.email:<{width}}  {what} ({account.language})")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)  # an older file may have had wider permissions
    return path
