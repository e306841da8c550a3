"""The pure layout: sheet names, typed answers, labels and rules in words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from surveys.export.layout import (
    MAX_SHEET_TITLE,
    AnswerRow,
    SheetNames,
    answer_label,
    answer_value,
    band_colour,
    change_note,
    options_text,
    scoring_rule,
    why_no_score,
)
from surveys.i18n import make_translate
from surveys.questionnaire.loader import load_definition
from surveys.scoring.engine import QuestionScore, Reason
from surveys.scoring.progress import ChangeStatus, IndexChange
from tests.conftest import FORMS_V1, MINI_V1


@pytest.fixture(scope="module")
def mini():
    return load_definition(MINI_V1)


def identity(message: str) -> str:
    return message


def test_sheet_names_are_valid_and_unique():
    names = SheetNames()
    assert names.unique("Summary") == "Summary"
    assert names.unique("summary") == "summary (2)"  # Excel compares names without case
    assert names.unique("Bosnia [and]: Herz*?/\\") == "Bosnia and Herz"
    long = "République démocratique du Congo et territoires"
    first = names.unique(long)
    second = names.unique(long)
    assert len(first) == MAX_SHEET_TITLE and len(second) <= MAX_SHEET_TITLE
    assert first != second and second.endswith(" (2)")
    assert names.unique("'quoted'") == "quoted"
    assert names.unique("") == "Sheet"
    assert names.unique("History") == "History (2)"  # reserved by Excel


def test_answer_values_are_typed(mini):
    q = {q.id: q for _, q in mini.questions()}
    assert answer_value(q["protection_shelters"], 3) == 3
    assert answer_value(q["protection_assisted_share"], 75) == 0.75
    assert answer_value(q["legal_last_review"], "2025-03-01") == date(2025, 3, 1)
    assert answer_value(q["legal_last_review"], "not a date") == "not a date"
    assert answer_value(q["legal_instruments"], ["untoc", "tip_protocol"]) == "untoc; tip_protocol"
    assert answer_value(q["legal_strategy_maturity"], "3") == 3
    assert answer_value(q["protection_statistics"], {"cells": {}}) is None
    assert answer_value(q["protection_shelters"], None) is None


def test_answer_labels_in_each_language(mini):
    q = {q.id: q for _, q in mini.questions()}
    assert answer_label(q["legal_framework_status"], "in_force", "fr") == "En vigueur"
    assert answer_label(q["legal_instruments"], ["untoc"], "fr") == "CTO"
    assert answer_label(q["legal_strategy_maturity"], 4, "en") == "Evaluated"
    assert answer_label(q["legal_tip_offence"], "partly", "en") == "Partly"
    assert answer_label(q["legal_framework_status"], "unknown", "en") == "unknown"
    assert answer_label(q["protection_focal_point"], "Mme X", "en") is None


def test_chosen_options_are_joined_as_each_language_writes_a_list(mini):
    """French sets a narrow no-break space before the semicolon (a line never starts with it);
    the cell of option values stays "; " in every language (stable keys, read by programs)."""
    q = {q.id: q for _, q in mini.questions()}
    chosen = ["tip_protocol", "untoc"]  # shown in the definition's order
    assert answer_label(q["legal_instruments"], chosen, "fr") == (
        "CTO\u202f; Protocole relatif à la traite"
    )
    assert answer_label(q["legal_instruments"], chosen, "en") == (
        "UNTOC; Trafficking in Persons Protocol"
    )
    assert answer_value(q["legal_instruments"], chosen) == "untoc; tip_protocol"


def test_options_and_rules_in_words(mini):
    q = {q.id: q for _, q in mini.questions()}
    assert "draft = Draft (0.5)" in options_text(q["legal_framework_status"], "en")
    assert "1 = Planned (0.25)" in options_text(q["legal_strategy_maturity"], "en")
    rule = scoring_rule(q["protection_assisted_share"], identity)
    assert "≥ 50 → 0.5" in rule and "Not applicable" in rule
    assert scoring_rule(q["protection_budget"], identity) == "Not scored."
    assert "hidden" in scoring_rule(q["legal_strategy_maturity"], identity)


def test_change_notes(mini):
    not_comparable = IndexChange("overall", ChangeStatus.NOT_COMPARABLE, Decimal("0.25"))
    assert "25%" in change_note(not_comparable, True, mini, identity)
    regression = IndexChange(
        "overall", ChangeStatus.COMPARED, Decimal(1), Decimal(80), Decimal(60), Decimal(-20), True
    )
    assert "10" in change_note(regression, True, mini, identity)
    assert change_note(None, False, mini, identity) == "No previous round"


def test_band_colours_are_checked():
    assert band_colour("#5cb85c") == "5CB85C"
    assert band_colour("red; =cmd") == "BFBFBF"


def test_the_codebook_describes_the_new_forms_in_words():
    """Scales of 3 to 7 levels with their even scores, "don't know", exclusive options, weight 0
    (issue 12, point 6): the same words in the workbooks' codebook and the API's."""
    forms = {q.id: q for _, q in load_definition(FORMS_V1).questions()}
    assert (
        options_text(forms["plan_maturity"], "en")
        == "0 = No plan (0)\n1 = Drafted (0.5)\n2 = Adopted (1)"
    )
    assert "1 = Planned (0.3333)" in options_text(forms["unit_maturity"], "en")
    assert "5 = Compulsory (0.8333)" in options_text(forms["training_maturity"], "en")
    assert options_text(forms["data_sharing"], "fr").endswith("dont_know = Ne sait pas")
    assert scoring_rule(forms["data_sharing"], identity) == (
        "Score of the chosen option. “Don't know” is not scored and counts against coverage."
    )
    assert scoring_rule(forms["support_measures"], identity) == (
        "Sum of the scores of the chosen options, at most 1. “None of these” is chosen on its own."
    )
    assert scoring_rule(forms["focal_point_named"], identity) == (
        "Weight 0: collected and shown, never scored."
    )
    assert "(1)" not in options_text(forms["focal_point_named"], "en")  # no score shown
    assert answer_label(forms["training_maturity"], 5, "fr") == "Obligatoire"  # as on the pages
    assert answer_label(forms["data_sharing"], "dont_know", "en") == "Don't know"


def test_french_words_keep_their_punctuation_with_the_word_before(app, mini):
    """Thresholds in words and a "not applicable" reason in a French workbook: a narrow
    no-break space before ";", a no-break space before ":" (as the French catalogue writes)."""
    q = {q.id: q for _, q in mini.questions()}
    with app.app_context():
        french, english = make_translate("fr"), make_translate("en")
        shelters = q["protection_shelters"]
        assert "≥ 0 → 0\u202f; ≥ 1 → 0,5\u202f; ≥ 5 → 1" in scoring_rule(shelters, french, "fr")
        assert "≥ 0 → 0; ≥ 1 → 0.5; ≥ 5 → 1" in scoring_rule(shelters, english, "en")
        share = q["protection_assisted_share"]
        score = QuestionScore(share.id, "protection", "", Decimal(1), None, Reason.NOT_APPLICABLE)
        answer = AnswerRow(share.id, None, not_applicable=True, na_justification="Aucun registre")
        assert why_no_score(score, answer, french).endswith("\u00a0: Aucun registre")
        assert why_no_score(score, answer, english).endswith(": Aucun registre")
