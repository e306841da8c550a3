"""A question type added as one class: `year` (surveys/questionnaire/kinds/year.py), used by the
fixture questionnaire tests/fixtures/questionnaires/years/v1.yaml. The loader reads and checks
its keys with located problems, the page asks and checks it, the score, the words and the
workbook cell come from the same class; nothing else in the application names the type."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from surveys.accounts.models import Role
from surveys.export.layout import answer_label, answer_style, answer_value, scoring_rule
from surveys.questionnaire.errors import DefinitionError
from surveys.questionnaire.loader import load_definition, parse_definition
from surveys.questionnaire.schema import Response
from surveys.responses.fields import answer_display
from surveys.responses.operations import answers_by_question, start_submission
from surveys.scoring import Reason, score
from tests.responses.conftest import form_state

YEARS_V1 = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires" / "years" / "v1.yaml"
DEFINITION = load_definition(YEARS_V1)
LAW_YEAR = DEFINITION.question("law_year")


def _with_law_year(extra: str) -> str:
    """The fixture with more keys on the law_year question (indented as its keys)."""
    text = YEARS_V1.read_text(encoding="utf-8")
    return text.replace("        min: 1990\n", f"        min: 1990\n{extra}", 1)


@pytest.mark.parametrize(
    ("extra", "path", "message"),
    [
        ("        max: 2200\n", "areas[0].questions[0].max", "a year bound must be between 1900"),
        ("        max: 2020.5\n", "areas[0].questions[0].max", "must be a whole number"),
        ("        options: []\n", "areas[0].questions[0].options", "does not apply to a year"),
    ],
)
def test_the_loader_locates_a_wrong_year_key(extra, path, message):
    with pytest.raises(DefinitionError) as error:
        parse_definition(_with_law_year(extra), "years/v1.yaml")
    found = [issue for issue in error.value.issues if issue.path == path]
    assert found and message in found[0].message
    lines = YEARS_V1.read_text(encoding="utf-8").splitlines()
    assert found[0].line == lines.index("        min: 1990") + 2  # the key's line, below min


def test_a_year_is_written_as_a_year_in_every_language_and_cell():
    for language in ("en", "fr"):
        assert LAW_YEAR.kind.text(LAW_YEAR, 2019, language, str) == "2019"  # never 2,019 / 2 019
        assert answer_display(LAW_YEAR, 2019, language) == "2019"
    assert answer_value(LAW_YEAR, 2019) == 2019
    assert answer_style(LAW_YEAR) is None and answer_label(LAW_YEAR, 2019, "en") is None


def test_a_year_scores_by_its_thresholds_within_its_bounds():
    card = score(DEFINITION, [Response("law_year", 2012), Response("plan_end_year", 2030)])
    assert card.question("law_year").score == Decimal("1")
    assert card.question("plan_end_year").reason is Reason.UNSCORED
    early = score(DEFINITION, [Response("law_year", 1995)])
    assert early.question("law_year").score == Decimal("0.5")
    for impossible in (1985, 2019.5, "MMXIX"):
        card = score(DEFINITION, [Response("law_year", impossible)])
        assert card.question("law_year").reason is Reason.INVALID
    rule = scoring_rule(LAW_YEAR, str)
    assert "≥ 1990 → 0.5; ≥ 2010 → 1" in rule


@pytest.fixture
def years_round(db, create_country, create_user, create_version, create_round):
    niger = create_country("NE", "NER", "Niger", "Niger")
    round_ = create_round(create_version(YEARS_V1), [niger])
    respondent = create_user(Role.RESPONDENT, countries=[niger], name="Aïcha", language="fr")
    submission = start_submission(round_, niger, actor=respondent)
    db.session.commit()
    return submission, respondent


def _post(client, submission, answers):
    data = {**form_state(client, submission.id, "legal"), **answers}
    return client.post(f"/submissions/{submission.id}/areas/legal", data=data)


def test_the_page_asks_for_a_year_refuses_others_in_words_and_keeps_what_was_typed(
    client, login, years_round
):
    submission, respondent = years_round
    login(respondent)
    html = client.get(f"/submissions/{submission.id}/areas/legal").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="law_year"[^>]*>', html).group(0)
    assert 'inputmode="numeric"' in field
    refused = _post(client, submission, {"law_year": "1985", "plan_end_year": "2030"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Saisissez une année comprise entre 1990 et 2100." in page
    assert 'value="1985"' in page  # what was typed stays in the field
    fraction = _post(client, submission, {"law_year": "2019,5"}).get_data(as_text=True)
    assert "Saisissez un nombre entier." in fraction
    assert "law_year" not in answers_by_question(submission)
    saved = _post(client, submission, {"law_year": "2 019", "plan_end_year": "2030"})
    assert saved.status_code == 302
    stored = answers_by_question(submission)
    assert stored["law_year"].value == 2019 and stored["plan_end_year"].value == 2030
