"""Dimension indices, the law–practice gap and evidence coverage (engine and properties)."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.questionnaire.framework import (
    Dimension,
    DimensionValue,
    Framework,
    Gap,
    resolve_lineage,
)
from surveys.questionnaire.schema import Definition, Response
from surveys.scoring import IndexStatus, score, scorecard_from_dict, scorecard_to_dict
from surveys.scoring.dimensions import analyse, members, plan_analysis

from .builders import NA, answers, area, definition, statistics, yes_partly_no
from .test_properties import scored_rounds


def _label(text: str) -> dict[str, str]:
    return {"en": text, "fr": text}


def framework_of(
    defn: Definition, tags: dict[str, dict[str, str]], values=("law", "practice", "capacity")
) -> Framework:
    pillar = Dimension(
        "pillar", _label("Pillar"), tuple(DimensionValue(v, _label(v)) for v in values)
    )
    return Framework(
        questionnaire=defn.key,
        version=1,
        languages=("en", "fr"),
        title=_label("test"),
        dimensions=(pillar,),
        gaps=(Gap("law_practice_gap", _label("gap"), "pillar", "law", "practice"),),
        tags=tags,
        lineage=resolve_lineage(tags, [defn]),
    )


def small() -> Definition:
    return definition(
        area(
            "legal",
            yes_partly_no("law_a", weight=2),
            yes_partly_no("law_b", allow_na=True),
            yes_partly_no("practice_a", weight=3),
            line_of_action="LA1",
        ),
        area(
            "ops",
            yes_partly_no("practice_b"),
            yes_partly_no("capacity_a"),
            statistics("stats", answered_score=1),
            line_of_action="LA2",
        ),
    )


TAGS = {
    "law_a": {"pillar": "law"},
    "law_b": {"pillar": "law"},
    "practice_a": {"pillar": "practice"},
    "practice_b": {"pillar": "practice"},
    "capacity_a": {"pillar": "capacity"},
}


def test_a_dimension_value_is_scored_like_an_area_from_its_questions() -> None:
    defn = small()
    frame = framework_of(defn, TAGS)
    card = score(defn, answers(law_a="yes", law_b="partly", practice_a="no", practice_b="yes"))
    result = analyse(defn, card, frame)
    law = result.dimension("pillar:law")
    # (2 × 1 + 1 × 0.5) / 3 = 83.33, both answered
    assert (law.value, law.coverage, law.status, law.band) == (
        Decimal("83.33"),
        Decimal("1.0000"),
        IndexStatus.SCORED,
        "high",
    )
    practice = result.dimension("pillar:practice")
    # (3 × 0 + 1 × 1) / 4 = 25.00
    assert (practice.value, practice.coverage) == (Decimal("25.00"), Decimal("1.0000"))
    capacity = result.dimension("pillar:capacity")  # one question, unanswered: coverage 0
    assert (capacity.value, capacity.coverage, capacity.status) == (
        None,
        Decimal("0.0000"),
        IndexStatus.INSUFFICIENT,
    )
    gap = result.gap("law_practice_gap")
    assert gap.value == Decimal("58.33") == law.value - practice.value
    assert members(plan_analysis(defn, frame), "pillar:law") == ("law_a", "law_b")


def test_the_gap_needs_both_indices() -> None:
    defn = small()
    frame = framework_of(defn, TAGS)
    card = score(defn, answers(law_a="yes", law_b="yes"))
    result = analyse(defn, card, frame)
    assert result.dimension("pillar:practice").status is IndexStatus.INSUFFICIENT
    assert result.gap("law_practice_gap").value is None


def test_not_applicable_leaves_the_dimension_denominator() -> None:
    defn = small()
    frame = framework_of(defn, TAGS)
    card = score(defn, answers(law_a="partly", law_b=NA))
    law = analyse(defn, card, frame).dimension("pillar:law")
    assert (law.value, law.coverage) == (Decimal("50.00"), Decimal("1.0000"))
    every_na = analyse(defn, score(defn, [Response("law_b", None, True)]), frame)
    assert every_na.dimension("pillar:law").coverage == Decimal("0.0000")  # law_a still counts


def test_evidence_coverage_of_every_index() -> None:
    defn = small()
    frame = framework_of(defn, TAGS)
    responses = [
        Response("law_a", "yes", evidence=True),  # weight 2, with a file
        Response("law_b", "yes"),  # weight 1
        Response("practice_a", "no"),  # weight 3
        Response("practice_b", "yes", evidence=True),  # weight 1
        # a statistics table with its source cited carries evidence without a file
        Response("stats", {"cells": {"prosecuted|2024|female": 3}, "source": "Police yearbook"}),
    ]
    card = score(defn, responses)
    result = analyse(defn, card, frame)
    assert card.question("stats").evidenced and card.question("law_a").evidenced
    assert not card.question("law_b").evidenced
    assert result.evidence_of("pillar:law") == Decimal("0.6666")  # 2 of 3
    assert result.evidence_of("pillar:practice") == Decimal("0.2500")  # 1 of 4
    assert result.evidence_of("pillar:capacity") is None  # nothing answered
    assert result.evidence_of("legal") == Decimal("0.3333")  # 2 of 6
    assert result.evidence_of("ops") == Decimal("1.0000")  # practice_b and stats, both backed
    assert result.evidence_of("LA1") == Decimal("0.3333")
    # overall: (1 × 2/6 + 1 × 2/2) / 2 = 0.6666…
    assert result.evidence_of("overall") == Decimal("0.6666")


def test_a_blank_source_is_no_evidence_and_an_unscored_answer_carries_none() -> None:
    defn = small()
    card = score(
        defn, [Response("stats", {"cells": {"prosecuted|2024|female": 3}, "source": "  "})]
    )
    assert not card.question("stats").evidenced
    assert analyse(defn, card).evidence_of("ops") == Decimal("0.0000")


def test_evidence_survives_the_snapshot_and_old_snapshots_read_back_unchanged() -> None:
    defn = small()
    card = score(defn, [Response("law_a", "yes", evidence=True), Response("law_b", "no")])
    stored = scorecard_to_dict(card)
    assert stored["questions"][0]["evidence"] is True
    assert "evidence" not in stored["questions"][1]  # unchanged layout without evidence
    again = scorecard_from_dict(json.loads(json.dumps(stored)))
    assert again == card
    frame = framework_of(defn, TAGS)
    assert analyse(defn, again, frame) == analyse(defn, card, frame)


def test_without_a_framework_only_evidence_is_computed() -> None:
    defn = small()
    result = analyse(defn, score(defn, answers(law_a="yes")))
    assert result.dimensions == () and result.gaps == ()
    assert result.evidence_of("legal") == Decimal("0.0000")


# --- Properties over random definitions and answers ---------------------------------------------


def random_framework(defn: Definition, data) -> Framework:
    tags = {}
    for _, question in defn.questions():
        value = data.draw(st.sampled_from(["law", "practice", "capacity", None]))
        if value is not None:
            tags[question.id] = {"pillar": value}
    return framework_of(defn, tags)


def with_random_evidence(chosen: dict[str, Response], data) -> list[Response]:
    return [
        Response(r.question_id, r.value, r.not_applicable, data.draw(st.booleans()))
        for r in chosen.values()
    ]


@settings(max_examples=80, deadline=None)
@given(scored_rounds(with_conditions=True), st.data())
def test_dimension_indices_and_evidence_are_within_bounds(case, data):
    defn, chosen = case
    frame = random_framework(defn, data)
    card = score(defn, with_random_evidence(chosen, data))
    result = analyse(defn, card, frame)
    assert len(result.dimensions) == 3
    for index in result.dimensions:
        if index.status is IndexStatus.SCORED:
            assert Decimal(0) <= index.value <= Decimal(100) and index.band is not None
        else:
            assert index.value is None and index.band is None
        if index.status is IndexStatus.EMPTY:
            assert index.coverage is None
        else:
            assert Decimal(0) <= index.coverage <= Decimal(1)
    for value in result.evidence.values():
        assert value is None or Decimal(0) <= value <= Decimal(1)
    gap = result.gap("law_practice_gap")
    both = gap.minuend.value is not None and gap.subtrahend.value is not None
    assert (gap.value is not None) == both
    if both:
        assert Decimal(-100) <= gap.value <= Decimal(100)


@settings(max_examples=80, deadline=None)
@given(scored_rounds(with_conditions=False), st.data())
def test_a_dimension_value_holding_exactly_an_areas_questions_has_the_areas_index(case, data):
    defn, chosen = case
    target = data.draw(st.sampled_from(defn.areas))
    tags = {q.id: {"pillar": "law"} for q in target.questions}
    frame = framework_of(defn, tags)
    card = score(defn, with_random_evidence(chosen, data))
    result = analyse(defn, card, frame)
    law = result.dimension("pillar:law")
    assert law.value == card.area(target.id).value
    assert law.coverage == card.area(target.id).coverage
    assert law.status == card.area(target.id).status and law.band == card.area(target.id).band
    assert result.evidence_of("pillar:law") == result.evidence_of(target.id)


@settings(max_examples=80, deadline=None)
@given(scored_rounds(with_conditions=False), st.data())
def test_not_applicable_changes_only_the_dimension_values_of_its_question(case, data):
    defn, chosen = case
    allowing = [q for _, q in defn.questions() if q.allow_na]
    if not allowing:
        return
    target = data.draw(st.sampled_from(allowing))
    frame = random_framework(defn, data)
    before = analyse(defn, score(defn, chosen.values()), frame)
    marked = {**chosen, target.id: Response(target.id, None, not_applicable=True)}
    after = analyse(defn, score(defn, marked.values()), frame)
    own = frame.tags_for(target).get("pillar")
    for old, new in zip(before.dimensions, after.dimensions, strict=True):
        if old.key != f"pillar:{own}":
            assert old == new


@settings(max_examples=80, deadline=None)
@given(scored_rounds(with_conditions=True), st.data(), st.randoms(use_true_random=False))
def test_dimension_results_do_not_depend_on_the_order_of_answers_or_tags(case, data, random):
    defn, chosen = case
    frame = random_framework(defn, data)
    responses = with_random_evidence(chosen, data)
    shuffled = responses[:]
    random.shuffle(shuffled)
    reordered_tags = dict(reversed(list(frame.tags.items())))
    other = framework_of(defn, reordered_tags)
    assert analyse(defn, score(defn, shuffled), other) == analyse(
        defn, score(defn, responses), frame
    )


@settings(max_examples=60, deadline=None)
@given(scored_rounds(with_conditions=True), st.data())
def test_evidence_coverage_is_0_without_evidence_and_1_with_it_everywhere(case, data):
    defn, chosen = case
    frame = random_framework(defn, data)
    plain = [Response(r.question_id, r.value, r.not_applicable) for r in chosen.values()]
    # statistics carry a cited source in the test answers: leave it out for "no evidence"
    plain = [
        Response(r.question_id, {**r.value, "source": ""}, r.not_applicable)
        if isinstance(r.value, dict)
        else r
        for r in plain
    ]
    without = analyse(defn, score(defn, plain), frame)
    backed = analyse(
        defn,
        score(defn, [Response(r.question_id, r.value, r.not_applicable, True) for r in plain]),
        frame,
    )
    for key, value in without.evidence.items():
        assert value in (None, Decimal("0.0000")), key
        assert backed.evidence[key] in (None, Decimal("1.0000")), key
        assert (value is None) == (backed.evidence[key] is None)


@settings(max_examples=60, deadline=None)
@given(scored_rounds(with_conditions=True), st.data())
def test_dimension_results_are_reproduced_from_a_stored_snapshot(case, data):
    defn, chosen = case
    frame = random_framework(defn, data)
    card = score(defn, with_random_evidence(chosen, data))
    stored = scorecard_from_dict(json.loads(json.dumps(scorecard_to_dict(card))))
    assert analyse(defn, stored, frame) == analyse(defn, card, frame)
