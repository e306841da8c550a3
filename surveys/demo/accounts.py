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
from surveys.accounts.models import Role, User
from surveys.accounts.passwords import hash_password
from surveys.countries.models import Country
from surveys.extensions import db

DEMO_DOMAIN = "demo.example.org"
TWO_COUNTRY_CODES = ("NE", "ML")


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
        accounts.append(_respondent(country.iso2, (country.iso2,), country.name_en))
    codes = {c.iso2 for c in countries}
    if all(code in codes for code in TWO_COUNTRY_CODES):
        accounts.append(_respondent("ne-ml", TWO_COUNTRY_CODES, "Niger and Mali"))
    return accounts


def _respondent(key: str, codes: tuple[str, ...], label: str) -> DemoAccount:
    first = codes[0]
    return DemoAccount(
        email=f"respondent-{key.lower()}@{DEMO_DOMAIN}",
        name=f"Focal point {label}",
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
