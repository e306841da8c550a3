"""Property-based tests (hypothesis) of the scoring rules over random definitions and answers."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.questionnaire.schema import Definition, Question, QuestionType, Response
from surveys.scoring import IndexStatus, Scorecard, score, scorecard_from_dict, scorecard_to_dict

from .builders import (
    area,
    definition,
    maturity,
    multiple,
    number,
    single,
    statistics,
    text,
    yes_partly_no,
)

SCORES = st.sampled_from([0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 1])
WEIGHTS = st.sampled_from([0.5, 1, 1.5, 2, 3])
KINDS = ["ypn", "single", "multiple", "maturity", "number", "text", "stats"]


@st.composite
def questions(draw: st.DrawFn, qid: str) -> Question:
    kind = draw(st.sampled_from(KINDS))
    common = {"weight": draw(WEIGHTS), "allow_na": draw(st.booleans())}
    if draw(st.booleans()):
        common["line_of_action"] = draw(st.sampled_from(["LA1", "LA2"]))
    if kind == "ypn":
        return yes_partly_no(qid, **common)
    if kind in ("single", "multiple"):
        option_scores = draw(st.lists(st.one_of(st.none(), SCORES), min_size=2, max_size=4))
        scores = {f"o{i}": s for i, s in enumerate(option_scores)}
        return (single if kind == "single" else multiple)(qid, scores, **common)
    if kind == "maturity":
        levels = draw(st.one_of(st.just([None] * 5), st.lists(SCORES, min_size=5, max_size=5)))
        return maturity(qid, levels, **common)
    if kind == "number":
        mins = draw(st.lists(st.integers(0, 50), max_size=3, unique=True))
        return number(qid, [(m, draw(SCORES)) for m in mins], **common)
    if kind == "text":
        return text(qid, answered_score=draw(st.one_of(st.none(), SCORES)), **common)
    return statistics(qid, answered_score=draw(st.one_of(st.none(), SCORES)), **common)


@st.composite
def definitions(draw: st.DrawFn, with_conditions: bool = False) -> Definition:
    areas = []
    count = 0
    for area_number in range(draw(st.integers(1, 3))):
        found = []
        for _ in range(draw(st.integers(1, 5))):
            question = draw(questions(f"q{count}"))
            earlier = [q for a in areas for q in a.questions] + found
            gates = [q for q in earlier if q.type is QuestionType.YES_PARTLY_NO]
            if with_conditions and gates and draw(st.booleans()):
                gate = draw(st.sampled_from(gates))
                question = replace(question, show_if=f"{gate.id} == 'yes'")
            found.append(question)
            count += 1
        areas.append(
            area(
                f"a{area_number}",
                *found,
                weight=draw(WEIGHTS),
                line_of_action=draw(st.sampled_from(["LA1", "LA2"])),
            )
        )
    return definition(*areas, coverage_threshold=draw(st.sampled_from([0.25, 0.5, 0.75, 1])))


def candidate_values(question: Question) -> list[object]:
    """Every distinct answer a question can take (numbers: the threshold steps and below)."""
    values = [o.value for o in question.options]
    if question.type is QuestionType.MATURITY:
        return list(range(5))
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return [list(c) for n in (1, 2, 3) for c in combinations(values, n)]
    if question.type in (QuestionType.YES_PARTLY_NO, QuestionType.SINGLE_CHOICE):
        return values
    if question.type is QuestionType.INTEGER:
        return sorted({0, *(int(t.min) for t in question.thresholds), 60})
    if question.type is QuestionType.STATISTICS:
        return [{"cells": {"prosecuted|2024|female": 3}, "source": "police"}]
    return ["some text"]


@st.composite
def answer_sets(draw: st.DrawFn, defn: Definition) -> dict[str, Response]:
    chosen = {}
    for _, question in defn.questions():
        kind = draw(st.sampled_from(["value", "value", "value", "none", "na"]))
        if kind == "none":
            continue
        if kind == "na":
            chosen[question.id] = Response(question.id, None, not_applicable=True)
        else:
            value = draw(st.sampled_from(candidate_values(question)))
            chosen[question.id] = Response(question.id, value)
    return chosen


@st.composite
def scored_rounds(draw: st.DrawFn, with_conditions: bool):
    defn = draw(definitions(with_conditions))
    return defn, draw(answer_sets(defn))


def all_indices(card: Scorecard):
    return [*card.areas, *card.lines_of_action, card.overall]


@settings(max_examples=150, deadline=None)
@given(scored_rounds(with_conditions=True))
def test_every_index_is_within_0_100_or_has_no_number(case):
    defn, chosen = case
    card = score(defn, chosen.values())
    for index in all_indices(card):
        if index.status is IndexStatus.SCORED:
            assert Decimal(0) <= index.value <= Decimal(100)
            assert index.band is not None
        else:
            assert index.value is None and index.band is None
        if index.status is IndexStatus.EMPTY:
            assert index.coverage is None
        else:
            assert Decimal(0) <= index.coverage <= Decimal(1)
    for question in card.questions:
        assert (question.score is None) != (question.reason is None)
        assert question.score is None or Decimal(0) <= question.score <= Decimal(1)


@settings(max_examples=150, deadline=None)
@given(scored_rounds(with_conditions=False), st.data())
def test_raising_one_answer_never_lowers_an_index(case, data):
    defn, chosen = case
    before = score(defn, chosen.values())
    raisable = [q for q in before.questions if q.score is not None]
    if not raisable:
        return
    target = data.draw(st.sampled_from(raisable))
    question = defn.question(target.question_id)
    for value in candidate_values(question):
        changed = {**chosen, question.id: Response(question.id, value)}
        after = score(defn, changed.values())
        new_score = after.question(question.id).score
        if new_score is None or new_score <= target.score:
            continue
        for old, new in zip(all_indices(before), all_indices(after), strict=True):
            assert old.status == new.status
            if old.value is not None:
                assert new.value >= old.value, (question.id, value, old, new)


@settings(max_examples=150, deadline=None)
@given(scored_rounds(with_conditions=False), st.data())
def test_marking_a_question_not_applicable_never_changes_other_questions_scores(case, data):
    defn, chosen = case
    allowing = [q for _, q in defn.questions() if q.allow_na]
    if not allowing:
        return
    target = data.draw(st.sampled_from(allowing))
    before = score(defn, chosen.values())
    marked = {**chosen, target.id: Response(target.id, None, not_applicable=True)}
    after = score(defn, marked.values())
    assert after.question(target.id).reason == "not_applicable"
    for old, new in zip(before.questions, after.questions, strict=True):
        if old.question_id != target.id:
            assert (old.score, old.reason) == (new.score, new.reason)


@settings(max_examples=150, deadline=None)
@given(scored_rounds(with_conditions=True), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_answers(case, random):
    defn, chosen = case
    responses = list(chosen.values())
    shuffled = responses[:]
    random.shuffle(shuffled)
    assert score(defn, shuffled) == score(defn, responses)


@settings(max_examples=100, deadline=None)
@given(scored_rounds(with_conditions=True))
def test_any_scorecard_round_trips_through_its_snapshot(case):
    defn, chosen = case
    card = score(defn, chosen.values())
    assert scorecard_from_dict(json.loads(json.dumps(scorecard_to_dict(card)))) == card
