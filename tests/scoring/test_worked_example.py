"""The worked example of docs/scoring.md, section 8: exactly the numbers printed there."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from surveys.scoring import ChangeStatus, Figure, Reason, compare, score

from .builders import (
    NA,
    answers,
    area,
    definition,
    maturity,
    multiple,
    number,
    statistics,
    yes_partly_no,
)


def D(text: str) -> Decimal:
    return Decimal(text)


LEGAL = area(
    "legal",
    yes_partly_no("legal_tip_offence", weight=2),
    yes_partly_no("legal_som_offence"),
    yes_partly_no("legal_victim_residence", allow_na=True),
    weight=2,
    line_of_action="LA1",
)
OPERATIONS = area(
    "operations",
    maturity("ops_unit", weight=2),
    yes_partly_no("ops_plan"),
    yes_partly_no("ops_plan_evaluated", show_if="ops_plan == 'yes'"),
    multiple(
        "ops_measures",
        {"database": 0.5, "training": 0.5, "hotline": 0.25, "other": None},
        line_of_action="LA1",
    ),
    number("ops_trained", [(0, 0), (50, 0.5), (200, 1)]),
    statistics("ops_prosecutions", rows=("prosecuted",), columns=("total",), years=(2024,)),
    weight=1,
    line_of_action="LA2",
)
VERSION_1 = definition(LEGAL, OPERATIONS, coverage_threshold=0.5)
ANSWERS_1 = dict(
    legal_tip_offence="yes",
    legal_som_offence="partly",
    legal_victim_residence=NA,
    ops_unit=3,
    ops_plan="no",
    ops_plan_evaluated="yes",  # stale: the question is hidden
    ops_measures=["database", "hotline"],
    ops_prosecutions={"cells": {"prosecuted|2024|total": 68}, "source": "Ministry of Justice"},
)


def summary(index):
    return index.value, index.coverage, index.status, index.band


def test_question_scores_of_the_example():
    card = score(VERSION_1, answers(**ANSWERS_1))
    assert [(q.question_id, q.score, q.reason) for q in card.questions] == [
        ("legal_tip_offence", D("1"), None),
        ("legal_som_offence", D("0.5"), None),
        ("legal_victim_residence", None, Reason.NOT_APPLICABLE),
        ("ops_unit", D("0.75"), None),
        ("ops_plan", D("0"), None),
        ("ops_plan_evaluated", None, Reason.HIDDEN),
        ("ops_measures", D("0.75"), None),
        ("ops_trained", None, Reason.UNANSWERED),
        ("ops_prosecutions", None, Reason.UNSCORED),
    ]
    assert card.figures == (
        Figure(
            "ops_prosecutions", "prosecuted", 2024, "total", D("68"), source="Ministry of Justice"
        ),
    )


def test_indices_of_the_example():
    card = score(VERSION_1, answers(**ANSWERS_1))
    assert summary(card.area("legal")) == (D("83.33"), D("1.0000"), "scored", "high")
    assert summary(card.area("operations")) == (D("56.25"), D("0.8000"), "scored", "medium")
    assert summary(card.overall) == (D("74.31"), D("0.9333"), "scored", "high")
    assert summary(card.line_of_action("LA1")) == (D("81.25"), D("1.0000"), "scored", "high")
    assert summary(card.line_of_action("LA2")) == (D("50.00"), D("0.7500"), "scored", "medium")


def test_insufficient_information_variant_of_the_example():
    sparse = {k: v for k, v in ANSWERS_1.items() if k not in ("ops_unit", "ops_measures")}
    card = score(VERSION_1, answers(**sparse))
    assert summary(card.area("operations")) == (None, D("0.2000"), "insufficient", None)
    assert summary(card.overall) == (D("83.33"), D("0.6666"), "scored", "high")


def version_2():
    questions = list(OPERATIONS.questions)
    questions[1] = yes_partly_no("ops_action_plan", replaces="ops_plan")
    questions[2] = replace(questions[2], show_if="ops_action_plan == 'yes'")
    questions.append(yes_partly_no("ops_hotline"))
    operations = replace(OPERATIONS, questions=tuple(questions))
    return definition(LEGAL, operations, version=2, coverage_threshold=0.5)


ANSWERS_2 = {
    **{k: v for k, v in ANSWERS_1.items() if k not in ("ops_plan", "ops_plan_evaluated")},
    "ops_action_plan": "yes",
    "ops_plan_evaluated": "partly",
    "ops_trained": 60,
    "ops_hotline": "yes",
}


def test_progress_of_the_example():
    progress = compare(VERSION_1, answers(**ANSWERS_1), version_2(), answers(**ANSWERS_2))
    operations = progress.area("operations")
    assert (operations.comparable_share, operations.status) == (D("0.8571"), ChangeStatus.COMPARED)
    assert (operations.previous, operations.current, operations.change) == (
        D("56.25"),
        D("70.83"),
        D("14.58"),
    )
    assert not operations.regression
    assert progress.area("legal").comparable_share == D("1.0000")
    assert progress.area("legal").change == D("0.00")
    overall = progress.overall
    assert (overall.comparable_share, overall.previous, overall.current, overall.change) == (
        D("0.9523"),
        D("74.31"),
        D("79.17"),
        D("4.86"),
    )
    assert ("ops_action_plan", "ops_plan") in progress.matches
    assert score(version_2(), answers(**ANSWERS_2)).area("operations").value == D("75.00")


# --- Section 9: dimensions, the law–practice gap and evidence coverage ----------------------------

PILLARS = {
    "legal_tip_offence": "law",
    "legal_som_offence": "law",
    "legal_victim_residence": "law",
    "ops_unit": "capacity",
    "ops_plan": "capacity",
    "ops_plan_evaluated": "practice",
    "ops_measures": "practice",
    "ops_trained": "practice",
    "ops_prosecutions": "practice",
}


def test_dimensions_gap_and_evidence_of_the_example():
    from surveys.questionnaire.framework import (
        Dimension,
        DimensionValue,
        Framework,
        Gap,
        resolve_lineage,
    )
    from surveys.questionnaire.schema import Response
    from surveys.scoring.dimensions import analyse

    text = {"en": "x", "fr": "x"}
    tags = {qid: {"pillar": value} for qid, value in PILLARS.items()}
    framework = Framework(
        questionnaire="test",
        version=1,
        languages=("en", "fr"),
        title=text,
        dimensions=(
            Dimension(
                "pillar",
                text,
                tuple(DimensionValue(v, text) for v in ("law", "practice", "capacity")),
            ),
        ),
        gaps=(Gap("law_practice_gap", text, "pillar", "law", "practice"),),
        tags=tags,
        lineage=resolve_lineage(tags, [VERSION_1]),
    )
    with_files = {"legal_tip_offence", "ops_measures"}
    responses = [
        Response(r.question_id, r.value, r.not_applicable, r.question_id in with_files)
        for r in answers(**ANSWERS_1)
    ]
    card = score(VERSION_1, responses)
    result = analyse(VERSION_1, card, framework)
    law = result.dimension("pillar:law")
    assert summary(law) == (D("83.33"), D("1.0000"), "scored", "high")
    assert summary(law) == summary(card.area("legal"))
    assert summary(result.dimension("pillar:capacity")) == (
        D("50.00"),
        D("1.0000"),
        "scored",
        "medium",
    )
    assert summary(result.dimension("pillar:practice")) == (
        D("75.00"),
        D("0.5000"),
        "scored",
        "high",
    )
    assert result.gap("law_practice_gap").value == D("8.33")
    assert {
        key: result.evidence_of(key)
        for key in (
            "legal",
            "operations",
            "LA1",
            "LA2",
            "pillar:law",
            "pillar:capacity",
            "pillar:practice",
            "overall",
        )
    } == {
        "legal": D("0.6666"),
        "operations": D("0.2500"),
        "LA1": D("0.7500"),
        "LA2": D("0.0000"),
        "pillar:law": D("0.6666"),
        "pillar:capacity": D("0.0000"),
        "pillar:practice": D("1.0000"),
        "overall": D("0.5277"),
    }
