"""Regional aggregates: mean, median and band counts per index across a round's countries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from surveys.scoring import aggregate, score

from .builders import NA, answers, area, definition, yes_partly_no

DEFN = definition(
    area("a", yes_partly_no("a1"), yes_partly_no("a2")),
    area("b", yes_partly_no("b1", allow_na=True), line_of_action="LA2"),
)


def round_of(*countries):
    return [score(DEFN, answers(**values)) for values in countries]


def test_mean_median_and_band_counts_of_an_area():
    cards = round_of(
        {"a1": "yes", "a2": "yes"},  # 100 high
        {"a1": "yes", "a2": "no"},  # 50 medium
        {"a1": "partly", "a2": "no"},  # 25 low
        {"a1": "no", "a2": "no"},  # 0 low
        {},  # insufficient
    )
    summary = aggregate(DEFN, cards).index("a")
    assert (summary.count, summary.mean, summary.median) == (
        4,
        Decimal("43.75"),  # (100 + 50 + 25 + 0) / 4
        Decimal("37.50"),  # (25 + 50) / 2
    )
    assert summary.bands == {"low": 2, "medium": 1, "high": 1, "insufficient": 1, "empty": 0}


def test_odd_count_median_is_the_middle_value_and_mean_rounds_half_up():
    cards = round_of(
        {"a1": "yes", "a2": "yes"}, {"a1": "yes", "a2": "yes"}, {"a1": "yes", "a2": "partly"}
    )
    summary = aggregate(DEFN, cards).index("a")
    # (100 + 100 + 75) / 3 = 91.666... -> 91.67
    assert (summary.mean, summary.median) == (Decimal("91.67"), Decimal("100.00"))


def test_indices_with_nothing_to_score_are_counted_apart():
    cards = round_of({"b1": NA}, {"b1": "yes"}, {})
    summary = aggregate(DEFN, cards).index("b")
    assert (summary.count, summary.mean) == (1, Decimal("100.00"))
    assert summary.bands == {"low": 0, "medium": 0, "high": 1, "insufficient": 1, "empty": 1}


def test_index_without_any_number_has_no_mean():
    aggregates = aggregate(DEFN, round_of({}, {}))
    assert aggregates.countries == 2
    assert (aggregates.overall.count, aggregates.overall.mean, aggregates.overall.median) == (
        0,
        None,
        None,
    )
    assert aggregates.overall.bands["insufficient"] == 2


def test_overall_and_lines_of_action_are_aggregated():
    cards = round_of({"a1": "yes", "a2": "yes", "b1": "no"}, {"a1": "no", "a2": "no", "b1": "yes"})
    aggregates = aggregate(DEFN, cards)
    assert aggregates.overall.mean == Decimal("50.00")
    assert [(s.key, s.mean) for s in aggregates.lines_of_action] == [
        ("LA1", Decimal("50.00")),
        ("LA2", Decimal("50.00")),
    ]


def test_empty_round_has_empty_aggregates():
    aggregates = aggregate(DEFN, [])
    assert aggregates.countries == 0 and aggregates.index("a").count == 0


def test_scorecards_of_another_definition_are_refused():
    other = definition(area("a", yes_partly_no("a1")), version=2)
    with pytest.raises(ValueError, match="test v2"):
        aggregate(DEFN, [score(other, [])])
