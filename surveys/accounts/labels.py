"""Translated names for roles and account states, and the time zones offered in forms."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l

from surveys.roles import Role

ROLE_LABELS = {
    Role.ADMIN.value: _l("Administrator"),
    Role.COORDINATOR.value: _l("Coordinator"),
    Role.ANALYST.value: _l("Analyst"),
    Role.RESPONDENT.value: _l("Respondent"),
}

STATUS_LABELS = {
    "active": _l("Active"),
    "invited": _l("Invited"),
    "invitation_expired": _l("Invitation expired"),
    "deactivated": _l("Deactivated"),
}

# The capital's zone of each participating country: a sensible default for its respondents.
COUNTRY_TIMEZONES = {
    "BF": "Africa/Ouagadougou",
    "TD": "Africa/Ndjamena",
    "CI": "Africa/Abidjan",
    "DE": "Europe/Berlin",
    "GM": "Africa/Banjul",
    "GN": "Africa/Conakry",
    "FR": "Europe/Paris",
    "IT": "Europe/Rome",
    "ML": "Africa/Bamako",
    "MR": "Africa/Nouakchott",
    "NE": "Africa/Niamey",
    "NL": "Europe/Amsterdam",
    "NG": "Africa/Lagos",
    "ES": "Europe/Madrid",
    "SN": "Africa/Dakar",
    "GB": "Europe/London",
}

# Countries whose focal points work in French (the others get English by default).
FRANCOPHONE_COUNTRIES = frozenset({"BF", "TD", "CI", "GN", "FR", "ML", "MR", "NE", "SN"})


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def is_valid_timezone(name: str) -> bool:
    """True for an IANA zone name such as "Africa/Niamey" (case-sensitive, as IANA defines)."""
    if not name or len(name) > 64 or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in all_timezones() or name == "UTC"


@lru_cache(maxsize=1)
def all_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def suggested_timezones() -> list[str]:
    """Offered first in the time zone list: UTC and the participating countries' zones."""
    return ["UTC", *sorted(set(COUNTRY_TIMEZONES.values()))]


def default_timezone_for(country_codes: list[str]) -> str:
    for code in country_codes:
        if code in COUNTRY_TIMEZONES:
            return COUNTRY_TIMEZONES[code]
    return "UTC"
