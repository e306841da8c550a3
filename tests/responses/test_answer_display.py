"""Answers as text (review page, results, workbooks): French typography for label colons and
lists (a no-break space before ":", a narrow one before ";", never a line break there)."""

from __future__ import annotations

from types import SimpleNamespace

from surveys.questionnaire.loader import load_definition
from surveys.responses.fields import answer_display
from tests.conftest import MINI_V1


def statistics_question():
    definition = load_definition(MINI_V1)
    return next(
        q for area in definition.areas for q in area.questions if q.id.endswith("statistics")
    )


def test_statistics_read_with_a_space_before_each_colon_in_french(app):
    question = statistics_question()
    value = {"cells": {"prosecuted|2024|total": 12}, "source": "Police nationale"}
    french = answer_display(question, value, "fr")
    english = answer_display(question, value, "en")
    assert "Personnes poursuivies\u00a0: 2024 Total\u00a0: 12" in french
    assert "Source\u00a0: Police nationale" in french
    assert "Persons prosecuted: 2024 Total: 12" in english
    assert "Source: Police nationale" in english


def test_not_applicable_with_its_reason_in_both_languages(app):
    question = statistics_question()
    answer = SimpleNamespace(value=None, not_applicable=True, na_justification="No such court")
    assert answer_display(question, answer, "fr") == "Sans objet\u00a0: No such court"
    assert answer_display(question, answer, "en") == "Not applicable: No such court"


def test_chosen_options_joined_with_a_narrow_no_break_space_in_french(app):
    definition = load_definition(MINI_V1)
    question = next(q for _, q in definition.questions() if q.id == "legal_instruments")
    chosen = ["untoc", "som_protocol"]
    assert answer_display(question, chosen, "fr") == (
        "CTO\u202f; Protocole relatif au trafic illicite de migrants"
    )
    assert answer_display(question, chosen, "en") == "UNTOC; Smuggling of Migrants Protocol"
