"""Fixtures of the results tests: rounds with scored submissions built on the mini questionnaire."""

from __future__ import annotations

import re

import pytest

from surveys.roles import Role

# Answers to the mini questionnaire (tests/fixtures/questionnaires/mini/v1.yaml).
STRONG = {
    "legal_tip_offence": "yes",
    "legal_instruments": ["untoc", "tip_protocol", "som_protocol"],
    "legal_framework_status": "in_force",
    "legal_strategy_maturity": 3,
    "legal_last_review": "2025-03-01",
    "protection_shelters": 6,
    "protection_assisted_share": 95,
    "protection_focal_point": "Direction de la protection",
    "protection_statistics": {
        "cells": {"prosecuted|2024|female": 3, "prosecuted|2024|male": 12},
        "source": "Ministry of Justice",
        "definition": "",
        "period": "2024",
        "coverage": "national",
    },
}
WEAK = {
    "legal_tip_offence": "no",
    "legal_instruments": ["untoc"],
    "legal_framework_status": "draft",
    "protection_shelters": 0,
    "protection_assisted_share": "N/A",
}
SPARSE = {"legal_tip_offence": "partly"}


@pytest.fixture
def scored_round(create_country, create_version, create_round, create_submission):
    """A round of the mini questionnaire whose countries answered with the given statuses.

    Usage: scored_round({"NE": (STRONG, "validated"), "ML": (WEAK, "submitted")}).
    """

    def build(plan: dict, version=None, period: str = "2026-H2", countries=None, **dates):
        version = version or create_version()
        countries = countries or {}
        for iso2 in plan:
            if iso2 not in countries:
                countries[iso2] = create_country(iso2)
        round_ = create_round(version, list(countries.values()), period=period, **dates)
        submissions = {}
        for iso2, (answers, status) in plan.items():
            if status is None:
                continue  # a participant that has not started
            submissions[iso2] = create_submission(round_, countries[iso2], answers, status=status)
        return round_, countries, submissions

    return build


@pytest.fixture
def analyst(create_user, login):
    """An analyst, signed in on the test client."""
    user = create_user(Role.ANALYST)
    login(user)
    return user


def page_text(html: str) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def table_row(html: str, country: str) -> str:
    """The text of the table row that starts with the country's name."""
    for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S):
        text = page_text(row).strip()
        if text.startswith(country):
            return text
    raise AssertionError(f"no row for {country}")
