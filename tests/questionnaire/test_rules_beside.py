"""A save checks only the rules shown on its page (issue 18): `check_answers(..., beside=...)`
gives exactly the failures of the whole check that are shown beside those questions, in the same
order, and needs the previous round only when `reads_previous` says so."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.questionnaire import rules
from surveys.questionnaire.loader import parse_definition
from surveys.questionnaire.schema import Definition, Question, stat_cell_key
from tests.conftest import ROOT
from tests.questionnaire.test_rules import _load, _rule, _with

NIAMEY = ROOT / "questionnaires" / "niamey-2018"


def _published(version: int) -> Definition:
    earlier: list[Definition] = []
    for n in range(1, version + 1):
        path = NIAMEY / f"v{n}.yaml"
        earlier.append(parse_definition(path.read_text(encoding="utf-8"), str(path), earlier))
    return earlier[-1]


NIAMEY_V3 = _published(3)


def _own(definition: Definition, area_id: str) -> set[str]:
    return {q.id for q in definition.area(area_id).questions}


def _assert_beside_is_the_whole_check_filtered(definition, values, previous, hidden) -> None:
    whole = rules.check_answers(definition, values, previous, hidden=hidden)
    for area in definition.areas:
        own = _own(definition, area.id)
        beside = rules.check_answers(definition, values, previous, hidden=hidden, beside=own)
        assert beside == [f for f in whole if f.question_id in own]
        if not rules.reads_previous(definition, own):
            assert rules.check_answers(definition, values, {}, hidden=hidden, beside=own) == beside


# --------------------------------------------------------------------------- a table of cases

MINI = _load(
    _with(
        statistics_extra=(
            "          whole_numbers: true\n"
            "          totals:\n"
            "            - {total: total, parts: [female, male]}\n"
            "          plausibility: {factor: 3}\n"
        ),
        shelters_extra="        plausibility: {factor: 2}\n",
        rules_text=(
            _rule("protection_statistics.prosecuted[2025].total >= protection_shelters")
            + _rule("protection_shelters <= 50", "warning", "r2")
            + _rule("protection_shelters - previous(protection_shelters) <= 10", "warning", "r3")
            + _rule("legal_tip_offence == 'yes' or protection_shelters < 5", "error", "r4")
        ),
    )
)
TABLE = {
    "cells": {
        "prosecuted|2025|female": 12,
        "prosecuted|2025|male": 5,
        "prosecuted|2025|total": 3,
        "prosecuted|2024|female": 12.5,
    }
}
CASES = {
    "nothing answered": ({}, {}, ()),
    "every check broken": (
        {"protection_shelters": 80, "protection_statistics": TABLE, "legal_tip_offence": "no"},
        {
            "protection_shelters": 3,
            "protection_statistics": {"cells": {"prosecuted|2025|total": 40}},
        },
        (),
    ),
    "broken, with a question hidden": (
        {"protection_shelters": 80, "protection_statistics": TABLE, "legal_tip_offence": "no"},
        {"protection_shelters": 3},
        ("protection_statistics",),
    ),
    "a rule of one area reading another": (
        {"protection_shelters": 9, "legal_tip_offence": "no"},
        {},
        (),
    ),
    "no previous round": ({"protection_shelters": 80, "protection_statistics": TABLE}, {}, ()),
}


@pytest.mark.parametrize(("values", "previous", "hidden"), CASES.values(), ids=CASES.keys())
def test_checking_an_area_gives_the_failures_the_whole_check_shows_there(values, previous, hidden):
    _assert_beside_is_the_whole_check_filtered(MINI, values, previous, hidden)


def test_the_cases_cover_failures_in_both_areas_and_the_previous_round():
    values, previous, _hidden = CASES["every check broken"]
    whole = rules.check_answers(MINI, values, previous)
    assert {f.key for f in whole} >= {"r1", "r2", "r3", "r4", "plausible:protection_shelters"}
    assert {f.question_id for f in whole} == {
        "protection_statistics",
        "protection_shelters",
        "legal_tip_offence",  # r4: shown beside the first question it reads, in another area
    }
    assert rules.reads_previous(MINI, _own(MINI, "protection"))
    assert not rules.reads_previous(MINI, _own(MINI, "legal"))
    legal = rules.check_answers(MINI, values, {}, beside=_own(MINI, "legal"))
    assert [f.key for f in legal] == ["r4"]


def test_reading_the_previous_round_is_known_per_area_of_the_published_questionnaire():
    reading = {
        area.id
        for area in NIAMEY_V3.areas
        if rules.reads_previous(NIAMEY_V3, _own(NIAMEY_V3, area.id))
    }
    assert reading  # previous(...) rules and plausibility factors exist in v3
    assert reading != {a.id for a in NIAMEY_V3.areas}  # and some areas have none
    assert rules.has_checks(NIAMEY_V3)


# --------------------------------------------------------------------------- generated answers


def _value(question: Question) -> st.SearchStrategy:
    number = st.one_of(
        st.none(), st.integers(0, 300), st.floats(0, 300, allow_nan=False), st.just(0)
    )
    if question.statistics is not None:
        keys = [stat_cell_key(*key) for key in question.statistics.cell_keys()]
        return st.one_of(
            st.none(),
            st.fixed_dictionaries({"cells": st.dictionaries(st.sampled_from(keys), number)}),
        )
    if question.options:
        return st.one_of(st.none(), st.sampled_from([o.value for o in question.options]))
    return number


def _answers(definition: Definition) -> st.SearchStrategy:
    questions = [q for _, q in definition.questions()]
    return st.fixed_dictionaries({}, optional={q.id: _value(q) for q in questions})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=_answers(NIAMEY_V3),
    previous=_answers(NIAMEY_V3),
    hidden=st.sets(st.sampled_from([q.id for _, q in NIAMEY_V3.questions()]), max_size=8),
)
def test_checking_an_area_equals_the_whole_check_on_generated_answers(values, previous, hidden):
    _assert_beside_is_the_whole_check_filtered(NIAMEY_V3, values, previous, hidden)
