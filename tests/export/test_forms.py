"""The forms of issue 12, point 6 in the scorecard workbook (fixture questionnaire forms/v1),
read back with openpyxl and calamine in both languages: levels and "don't know" in words, "don't
know" and weight 0 without a score and with their reason, the same index as the scoring engine
and the country's dashboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from surveys.export.scorecard import build_scorecard
from surveys.i18n import make_translate
from tests.conftest import FORMS_V1
from tests.export.helpers import (
    calamine_sheets,
    engine_scorecard,
    number,
    openpyxl_book,
    table,
    values,
)

ANSWERS = {
    "plan_maturity": 1,
    "unit_maturity": 2,
    "training_maturity": 5,
    "data_sharing": "dont_know",
    "support_measures": ["none"],
    "focal_point_named": "yes",
}
LABELS = {
    "en": {"dont_know": "Don't know", "levels": "Compulsory", "none": "None of these"},
    "fr": {"dont_know": "Ne sait pas", "levels": "Obligatoire", "none": "Aucun de ceux-ci"},
}


@pytest.fixture
def forms_submission(create_version, create_country, create_round, create_submission):
    niger = create_country("NE", "NER", "Niger", "Niger")
    round_ = create_round(create_version(FORMS_V1), [niger])
    return create_submission(round_, niger, ANSWERS, "submitted")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_scorecard_shows_the_new_forms_as_the_engine_scores_them(
    forms_submission, tmp_path, language
):
    t = make_translate(language)
    labels = LABELS[language]
    question, label, score, why = (
        t(w) for w in ("Question id", "Answer label", "Score", "Why no score")
    )
    path = tmp_path / f"scorecard-{language}.xlsx"
    build_scorecard(forms_submission.round.id, language, path)
    card = engine_scorecard(forms_submission)
    # Five scored questions of weight 1: four scored, "don't know" against coverage (4/5); the
    # question of weight 0 is in neither.
    assert card.overall.coverage == Decimal("0.8000")
    sheet = t("Responses")
    for rows in (values(openpyxl_book(path)[sheet]), calamine_sheets(path)[sheet]):
        tidy = {r[question]: r for r in table(rows, t("Round"))}
        assert tidy["data_sharing"][label] == labels["dont_know"]
        assert tidy["data_sharing"][score] in (None, "")
        assert tidy["data_sharing"][why] == t("Don't know")
        assert tidy["focal_point_named"][score] in (None, "")
        assert tidy["focal_point_named"][why] == t("Not scored")
        assert tidy["training_maturity"][label] == labels["levels"]
        assert number(tidy["training_maturity"][score]) == 0.8333
        assert tidy["support_measures"][label] == labels["none"]
        assert number(tidy["support_measures"][score]) == 0
    summary = table(values(openpyxl_book(path)[t("Summary")]), t("Country"))
    assert number(summary[0][t("Overall index")]) == float(card.overall.value)
    codebook = {r[question]: r for r in table(values(openpyxl_book(path)[t("Codebook")]), question)}
    assert codebook["focal_point_named"][t("Weight")] == 0


def test_the_dashboard_shows_the_same_index_and_the_reasons(
    forms_submission, client, login, create_user
):
    from flask import url_for

    card = engine_scorecard(forms_submission)
    login(create_user("analyst"))
    with client.application.test_request_context():
        overview = url_for("results.round_overview", round_id=forms_submission.round.id)
        answers = url_for(
            "results.area_answers", submission_id=forms_submission.id, area_id="capacity"
        )
    html = client.get(overview).get_data(as_text=True)
    assert f"{card.overall.value}" in html.replace(",", ".")
    html = client.get(answers).get_data(as_text=True)
    assert "Don&#39;t know" in html and "Not scored" in html and "Compulsory" in html
