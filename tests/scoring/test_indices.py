"""Area, line-of-action and overall indices: weights, coverage, thresholds, bands, rounding."""

from __future__ import annotations

from decimal import Decimal

from surveys.questionnaire.schema import Band
from surveys.scoring import IndexStatus, prepare, score

from .builders import NA, answers, area, definition, maturity, single, statistics, yes_partly_no


def D(text: str) -> Decimal:
    return Decimal(text)


def test_area_index_is_the_weighted_mean_of_its_scored_questions():
    defn = definition(area("a", yes_partly_no("q1", weight=3), yes_partly_no("q2", weight=1)))
    # (3 × 1 + 1 × 0) / 4 = 0.75
    index = score(defn, answers(q1="yes", q2="no")).area("a")
    assert (index.value, index.coverage, index.status) == (D("75.00"), D("1.0000"), "scored")


def test_unanswered_question_lowers_coverage_but_not_the_index():
    defn = definition(
        area("a", yes_partly_no("q1"), yes_partly_no("q2"), yes_partly_no("q3", weight=2))
    )
    # Answered: q1 (1) and q3 (weight 2, 0.5): (1 + 1) / 3 = 66.666... -> 66.67; coverage 3/4.
    index = score(defn, answers(q1="yes", q3="partly")).area("a")
    assert (index.value, index.coverage) == (D("66.67"), D("0.7500"))


def test_not_applicable_leaves_the_denominator():
    q2 = yes_partly_no("q2", allow_na=True, weight=5)
    defn = definition(area("a", yes_partly_no("q1"), q2, yes_partly_no("q3")))
    index = score(defn, answers(q1="yes", q2=NA, q3="no")).area("a")
    assert (index.value, index.coverage) == (D("50.00"), D("1.0000"))


def test_hidden_question_leaves_the_denominator():
    defn = definition(
        area("a", yes_partly_no("q1"), yes_partly_no("q2", show_if="q1 == 'no'", weight=9))
    )
    index = score(defn, answers(q1="yes")).area("a")
    assert (index.value, index.coverage) == (D("100.00"), D("1.0000"))


def test_unscored_questions_take_no_part():
    unscored_option = single("c", {"x": None, "y": 1})
    defn = definition(area("a", yes_partly_no("q1"), statistics("s"), unscored_option))
    filled = {"cells": {"prosecuted|2024|male": 3}}
    index = score(defn, answers(q1="partly", s=filled, c="x")).area("a")
    assert (index.value, index.coverage) == (D("50.00"), D("1.0000"))


def test_invalid_answer_counts_as_missing():
    defn = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2")))
    index = score(defn, answers(q1="yes", q2="perhaps")).area("a")
    assert (index.value, index.coverage) == (D("100.00"), D("0.5000"))


def test_coverage_at_the_threshold_gives_a_number():
    defn = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2")), coverage_threshold=0.5)
    index = score(defn, answers(q1="partly")).area("a")
    assert (index.value, index.coverage, index.status) == (D("50.00"), D("0.5000"), "scored")
    assert index.band == "medium"
    assert not index.insufficient


def test_coverage_below_the_threshold_is_insufficient_information():
    defn = definition(
        area("a", yes_partly_no("q1"), yes_partly_no("q2"), yes_partly_no("q3")),
        coverage_threshold=0.5,
    )
    index = score(defn, answers(q1="yes")).area("a")
    assert index.status is IndexStatus.INSUFFICIENT and index.insufficient
    assert (index.value, index.band, index.coverage) == (None, None, D("0.3333"))


def test_coverage_threshold_is_compared_as_the_decimal_written():
    # 3 of 10 weight answered is exactly 0.3 (a binary float comparison could call it below).
    questions = [yes_partly_no(f"q{i}") for i in range(10)]
    defn = definition(area("a", *questions), coverage_threshold=0.3)
    index = score(defn, answers(q0="yes", q1="yes", q2="no")).area("a")
    assert (index.status, index.value, index.coverage) == ("scored", D("66.67"), D("0.3000"))


def test_nothing_answered_is_insufficient():
    index = score(definition(area("a", yes_partly_no("q1"))), []).area("a")
    assert (index.status, index.value, index.coverage) == ("insufficient", None, D("0.0000"))


def test_area_with_every_question_not_applicable_has_nothing_to_score():
    defn = definition(area("a", yes_partly_no("q1", allow_na=True), statistics("s")))
    index = score(defn, answers(q1=NA)).area("a")
    assert (index.status, index.value, index.coverage, index.band) == ("empty", None, None, None)


def test_overall_is_the_area_weighted_mean_of_areas_with_a_number():
    defn = definition(
        area("a", yes_partly_no("a1"), yes_partly_no("a2"), weight=2),  # 75, full coverage
        area("b", yes_partly_no("b1"), yes_partly_no("b2"), yes_partly_no("b3")),  # 1/3: none
        area("c", yes_partly_no("c1"), weight=1),  # 0, full coverage
        area("d", yes_partly_no("d1", allow_na=True)),  # nothing to score
    )
    card = score(defn, answers(a1="yes", a2="partly", b1="yes", c1="no", d1=NA))
    assert [a.status for a in card.areas] == ["scored", "insufficient", "scored", "empty"]
    # value: (2 × 75 + 1 × 0) / 3 = 50; coverage: (2 × 1 + 1 × 1) / (2 + 1 + 1) = 0.75
    assert (card.overall.value, card.overall.coverage) == (D("50.00"), D("0.7500"))
    assert card.overall.key == "overall" and card.overall.band == "medium"


def test_overall_is_insufficient_when_too_little_weight_backs_it():
    defn = definition(
        area("a", yes_partly_no("a1")),
        area("b", yes_partly_no("b1"), yes_partly_no("b2"), yes_partly_no("b3")),
        area("c", yes_partly_no("c1"), yes_partly_no("c2"), yes_partly_no("c3")),
    )
    # a has a number; b and c answered 1/3 each (insufficient): overall coverage 1/3.
    card = score(defn, answers(a1="yes", b1="yes", c1="yes"))
    assert card.area("a").value == D("100.00")
    assert (card.overall.status, card.overall.value, card.overall.coverage) == (
        "insufficient",
        None,
        D("0.3333"),
    )


def test_overall_uses_unrounded_area_values():
    defn = definition(
        area("a", *(yes_partly_no(f"a{i}") for i in range(6))),  # 1/6: 16.666... shown 16.67
        area("b", yes_partly_no("b1")),  # 0
    )
    card = score(defn, answers(a0="yes", a1="no", a2="no", a3="no", a4="no", a5="no", b1="no"))
    assert [a.value for a in card.areas] == [D("16.67"), D("0.00")]
    # (16.666... + 0) / 2 = 8.333... -> 8.33; the mean of the shown values would give 8.34.
    assert card.overall.value == D("8.33")


def test_line_of_action_gathers_questions_across_areas_by_question_weight():
    defn = definition(
        area(
            "a",
            yes_partly_no("a1", weight=2),
            yes_partly_no("a2", line_of_action="LA2"),
            weight=5,
        ),
        area("b", yes_partly_no("b1"), maturity("b2"), line_of_action="LA2"),
    )
    card = score(defn, answers(a1="no", a2="yes", b1="partly", b2=3))
    la1, la2 = card.lines_of_action
    assert (la1.key, la1.value) == ("LA1", D("0.00"))
    # LA2: a2 (1), b1 (0.5), b2 (0.75), weights 1 each -> 2.25 / 3 = 75; area weights ignored.
    assert (la2.key, la2.value) == ("LA2", D("75.00"))
    assert card.line_of_action("LA2") == la2


def test_undeclared_line_of_action_still_gets_an_index():
    defn = definition(area("a", yes_partly_no("q", line_of_action="LA9")), lines_of_action=["LA1"])
    card = score(defn, answers(q="yes"))
    assert [i.key for i in card.lines_of_action] == ["LA1", "LA9"]
    assert card.lines_of_action[0].status == "empty"


def test_indices_round_half_up_to_hundredths():
    defn = definition(area("a", single("q", {"x": 0.12345, "y": 0.5})))
    # 12.345 exactly: half up gives 12.35 (binary floats would give 12.344999...).
    assert score(defn, answers(q="x")).area("a").value == D("12.35")


def test_band_boundaries_follow_the_rounded_value():
    defn = definition(area("a", single("q", {"x": 0.39995, "y": 0.4, "z": 0.39994, "w": 0.7})))
    bands = {v: score(defn, answers(q=v)).area("a") for v in "xyzw"}
    assert (bands["x"].value, bands["x"].band) == (D("40.00"), "medium")  # 39.995 -> 40.00
    assert (bands["y"].value, bands["y"].band) == (D("40.00"), "medium")
    assert (bands["z"].value, bands["z"].band) == (D("39.99"), "low")
    assert (bands["w"].value, bands["w"].band) == (D("70.00"), "high")


def test_custom_bands_come_from_the_definition():
    bands = (
        Band("red", 0, "#ff0000", {"en": "Red"}),
        Band("green", 50, "#00ff00", {"en": "Green"}),
    )
    defn = definition(area("a", yes_partly_no("q")), bands=bands)
    assert score(defn, answers(q="partly")).area("a").band == "green"
    assert score(defn, answers(q="no")).area("a").band == "red"


def test_coverage_is_truncated_never_rounded_up():
    defn = definition(area("a", *(yes_partly_no(f"q{i}") for i in range(3))))
    assert score(defn, answers(q0="yes", q1="yes")).area("a").coverage == D("0.6666")


def test_scorecard_records_definition_and_scoring_version():
    card = score(definition(area("a", yes_partly_no("q")), key="niamey", version=3), [])
    assert (card.definition_key, card.definition_version, card.scoring_version) == (
        "niamey",
        3,
        "1",
    )
    assert card.index("overall") is card.overall and card.index("a") is card.areas[0]


def test_coverage_threshold_of_one_requires_every_scorable_answer():
    defn = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2")), coverage_threshold=1)
    assert score(defn, answers(q1="yes")).area("a").status == "insufficient"
    assert score(defn, answers(q1="yes", q2="no")).area("a").value == D("50.00")


def test_definition_without_questions_has_nothing_to_score():
    card = score(definition(area("a")), [])
    assert card.questions == () and card.figures == ()
    assert [i.status for i in (*card.areas, *card.lines_of_action, card.overall)] == ["empty"] * 4


def test_preparation_is_reused_for_the_same_definition_object():
    defn = definition(area("a", yes_partly_no("q")))
    assert prepare(defn) is prepare(defn)
    assert prepare(prepare(defn)) is prepare(defn)
    twin = definition(area("a", yes_partly_no("q")))
    assert prepare(twin) is not prepare(defn)
    assert score(twin, answers(q="yes")) == score(defn, answers(q="yes"))
