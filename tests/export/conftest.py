"""Rounds with answers of every question type, for the workbook tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.conftest import MINI_V1, MINI_V2

STATISTICS_ANSWER = {
    "cells": {
        "prosecuted|2024|female": 3,
        "prosecuted|2024|male": 9,
        "prosecuted|2024|total": 12,
        "victims_identified|2025|total": 40,
    },
    "source": "Ministry of Justice",
    "definition": "Persons prosecuted under article 5",
    "period": "calendar year",
    "coverage": "national",
}

NIGER_ANSWERS = {
    "legal_tip_offence": "yes",
    "legal_instruments": ["untoc", "tip_protocol"],
    "legal_framework_status": "draft",
    "legal_strategy_maturity": 3,
    "legal_last_review": "2025-03-01",
    "legal_notes": "Law 2015-36 was repealed in 2023.",
    "protection_shelters": 3,
    "protection_budget": 1.5,
    "protection_assisted_share": 75,
    "protection_focal_point": "Mme Aïssa",
    "protection_statistics": STATISTICS_ANSWER,
}
MALI_ANSWERS = {
    "legal_tip_offence": "partly",
    "legal_instruments": ["untoc"],
    "legal_framework_status": "in_force",
    "legal_strategy_maturity": 1,
    "protection_shelters": 0,
    "protection_assisted_share": "N/A",
    "protection_focal_point": "M. Traoré",
}
SENEGAL_ANSWERS = {"legal_tip_offence": "no"}
"""Too little answered: its indices are "insufficient information"."""


@dataclass
class ExportData:
    round: object
    previous: object
    countries: dict
    submissions: dict
    previous_submissions: list


@pytest.fixture
def export_data(create_version, create_country, create_round, create_submission, db):
    """A mini v2 round (NE validated, ML submitted, SN draft, CI not started) after a v1 round."""
    from surveys.columns import utcnow

    v1 = create_version(MINI_V1)
    v2 = create_version(MINI_V2)
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    senegal = create_country("SN", "SEN", "Senegal", "Sénégal")
    ivory = create_country("CI", "CIV", "Côte d'Ivoire", "Côte d'Ivoire")
    previous_round = create_round(
        v1,
        [niger, mali],
        period="2025",
        opens_in=timedelta(days=-400),
        closes_in=timedelta(days=-300),
    )
    previous = [
        create_submission(
            previous_round, niger, {**NIGER_ANSWERS, "protection_shelters": 0}, "validated"
        ),
        create_submission(previous_round, mali, MALI_ANSWERS, "submitted"),
    ]
    current = create_round(v2, [niger, mali, senegal, ivory], period="2026")
    now = utcnow()
    v2_niger = {
        k: v for k, v in NIGER_ANSWERS.items() if k not in ("legal_tip_offence", "legal_notes")
    }
    v2_niger |= {"legal_tip_criminalised": "yes", "protection_hotline": "partly"}
    v2_mali = {k: v for k, v in MALI_ANSWERS.items() if k != "legal_tip_offence"}
    v2_mali["legal_tip_criminalised"] = "partly"
    submissions = {
        "NE": create_submission(
            current, niger, v2_niger, "validated", submitted_at=now, validated_at=now
        ),
        "ML": create_submission(current, mali, v2_mali, "submitted", submitted_at=now),
        "SN": create_submission(current, senegal, {"legal_tip_criminalised": "no"}, "draft"),
    }
    return ExportData(
        current,
        previous_round,
        {"NE": niger, "ML": mali, "SN": senegal, "CI": ivory},
        submissions,
        previous,
    )
