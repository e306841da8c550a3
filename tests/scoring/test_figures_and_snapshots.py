"""Statistics carried as figures, and the snapshot form of a scorecard."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from surveys.scoring import (
    Figure,
    SnapshotFormatError,
    score,
    scorecard_from_dict,
    scorecard_to_dict,
)

from .builders import NA, answers, area, definition, maturity, multiple, statistics, yes_partly_no

TABLE = {
    "cells": {
        "prosecuted|2025|male": 64,
        "prosecuted|2024|female": 4,
        "prosecuted|2024|male": "",  # left blank
        "convicted|2024|female": 2.5,  # a row the table does not declare
    },
    "source": "Ministry of Justice",
    "definition": "persons brought before a court",
    "period": "1 Jan - 15 Jun",
    "coverage": "national",
}


def test_statistics_become_figures_in_table_order_with_their_metadata():
    defn = definition(area("a", statistics("stats")))
    card = score(defn, answers(stats=TABLE))
    metadata = {
        "source": "Ministry of Justice",
        "definition": "persons brought before a court",
        "period": "1 Jan - 15 Jun",
        "coverage": "national",
    }
    assert card.figures == (
        Figure("stats", "prosecuted", 2024, "female", Decimal(4), **metadata),
        Figure("stats", "prosecuted", 2025, "male", Decimal(64), **metadata),
    )
    assert card.question("stats").reason == "unscored"


def test_figures_of_hidden_or_not_applicable_statistics_are_not_carried():
    defn = definition(
        area(
            "a",
            yes_partly_no("gate"),
            statistics("shown_if_yes", show_if="gate == 'yes'"),
            statistics("optional", allow_na=True),
        )
    )
    card = score(defn, answers(gate="no", shown_if_yes=TABLE, optional=NA))
    assert card.figures == ()


def test_non_numeric_cells_are_not_figures():
    defn = definition(area("a", statistics("stats", columns=("total",), years=(2024,))))
    card = score(defn, answers(stats={"cells": {"prosecuted|2024|total": "about ten"}}))
    assert card.figures == ()


def full_scorecard():
    defn = definition(
        area("a", yes_partly_no("q1", weight=1.5), maturity("q2"), statistics("s"), weight=2),
        area("b", multiple("m", {"x": 0.3, "y": 0.25}), yes_partly_no("na", allow_na=True)),
        area("c", yes_partly_no("c1"), yes_partly_no("c2"), yes_partly_no("c3")),
    )
    return score(defn, answers(q1="partly", q2=3, s=TABLE, m=["x", "y"], na=NA, c1="yes"))


def test_snapshot_round_trips_exactly_through_json():
    card = full_scorecard()
    text = json.dumps(scorecard_to_dict(card), sort_keys=True)
    assert scorecard_from_dict(json.loads(text)) == card
    # and writing it again gives the same text
    assert json.dumps(scorecard_to_dict(scorecard_from_dict(json.loads(text))), sort_keys=True) == (
        text
    )


def test_snapshot_writes_numbers_as_decimal_strings():
    data = scorecard_to_dict(full_scorecard())
    # a: (1.5 × 0.5 + 1 × 0.75) / 2.5 = 60; b: 55; c: insufficient; (2 × 60 + 55) / 3 = 58.33
    assert data["overall"] == {
        "key": "overall",
        "value": "58.33",
        "coverage": "0.7500",  # (2 × 1 + 1 × 1) / (2 + 1 + 1)
        "status": "scored",
        "band": "medium",
    }
    # m: 0.3 + 0.25 = 0.55 exactly (binary floats give 0.55000000000000004)
    assert data["questions"][3]["score"] == "0.55"
    assert data["areas"][1]["value"] == "55.00"
    assert data["areas"][2] == {
        "key": "c",
        "value": None,
        "coverage": "0.3333",
        "status": "insufficient",
        "band": None,
    }
    assert data["questions"][0]["weight"] == "1.5"
    assert data["figures"][0]["value"] == "4"


def test_two_scorecards_of_the_same_answers_are_equal():
    assert full_scorecard() == full_scorecard()


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("overall"),
        lambda d: d.update(format=99),
        lambda d: d["areas"][0].update(value=62.5),
        lambda d: d["areas"][0].update(value="NaN"),
        lambda d: d["areas"][0].update(status="great"),
        lambda d: d["questions"][0].update(reason="lazy"),
    ],
)
def test_damaged_snapshot_is_refused_with_a_clear_error(damage):
    data = scorecard_to_dict(full_scorecard())
    damage(data)
    with pytest.raises(SnapshotFormatError):
        scorecard_from_dict(data)
