"""Canonical JSON: stable bytes, exact round trip, and a hash that changes with the content."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.questionnaire.loader import load_definition
from surveys.questionnaire.schema import (
    Area,
    Band,
    Definition,
    LineOfAction,
    Option,
    Question,
    QuestionType,
    ScoringSettings,
    StatColumn,
    StatisticsTable,
    StatRow,
    Threshold,
)
from surveys.questionnaire.serialize import (
    definition_from_json,
    definition_hash,
    to_canonical_json,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires" / "mini"


@pytest.fixture(scope="module", params=["v1.yaml", "v2.yaml"])
def mini(request: pytest.FixtureRequest) -> Definition:
    return load_definition(FIXTURES / request.param)


def test_round_trip_is_exact(mini: Definition) -> None:
    text = to_canonical_json(mini)
    assert definition_from_json(text) == mini
    assert to_canonical_json(definition_from_json(text)) == text
    assert definition_from_json(text.encode("utf-8")) == mini


def test_canonical_json_is_compact_sorted_and_keeps_accents(mini: Definition) -> None:
    text = to_canonical_json(mini)
    data = json.loads(text)
    compact = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text == compact
    assert "auto-évaluation" in text  # UTF-8 text, not \u escapes
    assert list(data) == sorted(data)
    assert data["version"] == mini.version and isinstance(data["version"], int)


def test_the_same_content_gives_the_same_hash_whatever_the_number_spelling() -> None:
    v1 = load_definition(FIXTURES / "v1.yaml")
    # weight 2 (int) and 2.0 (float) are the same definition and the same bytes.
    area = replace(v1.areas[0], weight=2)
    assert definition_hash(replace(v1, areas=(area, *v1.areas[1:]))) == definition_hash(v1)
    assert len(definition_hash(v1)) == 64 and int(definition_hash(v1), 16) >= 0


def test_the_hash_changes_with_any_content_change() -> None:
    v1 = load_definition(FIXTURES / "v1.yaml")
    reworded = replace(v1, title={**v1.title, "fr": v1.title["fr"] + "."})
    assert definition_hash(reworded) != definition_hash(v1)
    assert definition_hash(load_definition(FIXTURES / "v2.yaml")) != definition_hash(v1)


def test_default_fields_are_left_out_so_hashes_survive_new_defaulted_fields() -> None:
    v1 = load_definition(FIXTURES / "v1.yaml")
    data = json.loads(to_canonical_json(v1))
    first = data["areas"][0]["questions"][0]
    assert "show_if" not in first and "required" not in first and "statistics" not in first
    assert "scoring" not in data  # the fixture's settings are the defaults


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not json", "not JSON"),
        ("[]", "expected an object"),
        ('{"key": "k", "version": 1, "languages": [], "title": {}, "colour": 1}', "colour"),
        ('{"key": "k", "languages": [], "title": {}}', "version: missing"),
        ('{"key": "k", "version": true, "languages": [], "title": {}}', "whole number"),
        ('{"key": "k", "version": "1", "languages": [], "title": {}}', "whole number"),
        (
            '{"key": "k", "version": 1, "languages": [], "title": {},'
            ' "areas": [{"id": "a", "title": {}, "weight": "x"}]}',
            "areas[0].weight",
        ),
        (
            '{"key": "k", "version": 1, "languages": [], "title": {}, "areas": [{"id": "a",'
            ' "title": {}, "questions": [{"id": "q", "type": "boolean", "text": {}}]}]}',
            "unknown question type 'boolean'",
        ),
    ],
)
def test_anything_but_a_definition_is_refused(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        definition_from_json(text)


# --- Round trip of arbitrary definitions (shapes need not be valid questionnaires) --------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
labels = st.dictionaries(st.sampled_from(["en", "fr", "pt"]), st.text(max_size=8), max_size=3)
finite = st.floats(allow_nan=False, allow_infinity=False)
scores = st.floats(min_value=0, max_value=1)
options = st.lists(st.builds(Option, names, labels, st.none() | scores), max_size=3).map(tuple)
tables = st.builds(
    StatisticsTable,
    st.lists(st.builds(StatRow, names, labels, labels), max_size=2).map(tuple),
    st.lists(st.builds(StatColumn, names, labels), max_size=2).map(tuple),
    st.lists(st.integers(1900, 2200), max_size=3).map(tuple),
)
questions = st.builds(
    Question,
    id=names,
    type=st.sampled_from(QuestionType),
    text=labels,
    help=labels,
    required=st.booleans(),
    allow_na=st.booleans(),
    show_if=st.none() | st.text(max_size=10),
    weight=st.floats(min_value=0.01, max_value=100),
    line_of_action=st.sampled_from(["", "LA1"]),
    replaces=st.none() | names,
    options=options,
    minimum=st.none() | finite,
    maximum=st.none() | finite,
    thresholds=st.lists(st.builds(Threshold, finite, scores), max_size=2).map(tuple),
    answered_score=st.none() | scores,
    statistics=st.none() | tables,
)
definitions = st.builds(
    Definition,
    key=names,
    version=st.integers(1, 99),
    languages=st.lists(st.sampled_from(["en", "fr", "pt"]), max_size=3).map(tuple),
    title=labels,
    description=labels,
    lines_of_action=st.lists(st.builds(LineOfAction, names, labels), max_size=2).map(tuple),
    areas=st.lists(
        st.builds(
            Area,
            id=names,
            title=labels,
            description=labels,
            line_of_action=names,
            weight=finite,
            questions=st.lists(questions, max_size=3).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    scoring=st.builds(
        ScoringSettings,
        coverage_threshold=scores,
        comparability_threshold=scores,
        regression_threshold=finite,
        bands=st.lists(st.builds(Band, names, finite, st.just("#000000"), labels), max_size=3).map(
            tuple
        ),
    ),
)


@settings(max_examples=40)
@given(definitions)
def test_any_definition_round_trips(definition: Definition) -> None:
    text = to_canonical_json(definition)
    assert definition_from_json(text) == definition
    assert to_canonical_json(definition_from_json(text)) == text
