"""A small review scenario shared by the workflow, review and browser tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from surveys.roles import Role

# Answers to MINI_V1 that any sensible completeness check accepts.
COMPLETE_MINI_V1 = {
    "legal_tip_offence": "yes",
    "legal_instruments": ["untoc", "tip_protocol"],
    "legal_framework_status": "in_force",
    "legal_strategy_maturity": 3,
    "protection_shelters": 4,
    "protection_assisted_share": 62.5,
    "protection_focal_point": "Direction de la protection",
}


@dataclass
class Scenario:
    """Two countries, their respondents, two coordinators (English, French) and a v1 round."""

    niger: object
    mali: object
    respondent: object
    respondent_fr: object
    other_respondent: object
    coordinator: object
    coordinator_fr: object
    version: object
    round: object
    extra: dict = field(default_factory=dict)


def build_scenario(create_country, create_user, create_version, create_round) -> Scenario:
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    version = create_version()
    round_ = create_round(version, [niger, mali], period="2026-H2")
    return Scenario(
        niger=niger,
        mali=mali,
        respondent=create_user(Role.RESPONDENT, countries=[niger], email="resp@ne.example"),
        respondent_fr=create_user(
            Role.RESPONDENT, countries=[niger], email="resp-fr@ne.example", language="fr"
        ),
        other_respondent=create_user(Role.RESPONDENT, countries=[mali], email="resp@ml.example"),
        coordinator=create_user(Role.COORDINATOR, email="coord@unodc.example"),
        coordinator_fr=create_user(Role.COORDINATOR, email="coord-fr@unodc.example", language="fr"),
        version=version,
        round=round_,
    )


def earlier_round(create_round, version, countries, period: str = "2025-H2"):
    """A closed round that opened a year before the scenario's round."""
    return create_round(
        version,
        countries,
        period=period,
        opens_in=timedelta(days=-400),
        closes_in=timedelta(days=-300),
    )


def stub_completeness(monkeypatch: pytest.MonkeyPatch, problems: list) -> None:
    """Make the completeness check that submitting runs return `problems`."""
    from surveys.review import workflow

    monkeypatch.setattr(workflow, "completeness", lambda submission: list(problems))


FRENCH_CATALOGUE = (
    Path(__file__).resolve().parents[2]
    / "surveys"
    / "translations"
    / "fr"
    / "LC_MESSAGES"
    / "messages.mo"
)
needs_french = pytest.mark.skipif(
    not FRENCH_CATALOGUE.exists(),
    reason="the French catalogue is not compiled (run `make translations`)",
)
