"""The same number in two places is equal: the results pages against each other after the
situations that used to split them (a scoring change, 4-decimal scores)."""

from __future__ import annotations

import re

import pytest

from surveys.results.operations import snapshot_submission
from surveys.roles import Role
from tests.results.conftest import STRONG, WEAK


@pytest.fixture
def analyst(create_user, login):
    user = create_user(Role.ANALYST)
    login(user)
    return user


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html: str, country: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S):
        text = _text(row).strip()
        if text.startswith(country):
            return text
    raise AssertionError(f"no row for {country}")


def test_after_a_scoring_change_the_answers_page_shows_the_overviews_number(
    client, analyst, scored_round, db
):
    """A snapshot taken by earlier scoring rules (`surveys scores recompute` lists it) is not
    shown by the overview, which scores the answers under today's rules; the answers page that
    each of its numbers links to showed the old snapshot's numbers instead."""
    round_, _, subs = scored_round({"NE": (STRONG, "validated"), "ML": (WEAK, "submitted")})
    older = snapshot_submission(subs["ML"], "submitted")
    # Taken by an earlier scoring code, whose rules gave other numbers.
    result = dict(older.result)
    result["scoring_version"] = "0"
    result["overall"] = {**result["overall"], "value": "33.33"}
    result["areas"] = [{**a, "value": "33.33"} for a in result["areas"]]
    older.scoring_version = "0"
    older.result = result
    db.session.commit()

    overview = _row(client.get(f"/results/rounds/{round_.id}").text, "Country ML")
    assert "12.86" in overview and "22.50" in overview and "33.33" not in overview
    for url in (
        f"/results/submissions/{subs['ML'].id}",
        f"/results/submissions/{subs['ML'].id}/areas/legal",
    ):
        page = _text(client.get(url).text)
        assert "33.33" not in page, url
        assert "22.50" in page, url
        assert "scoring rules version 0" not in page, url
    page = _text(client.get(f"/results/submissions/{subs['ML'].id}").text)
    assert "Overall index: 12.86" in page
    assert "earlier rules (version 0)" in page  # says why the stored scores are not shown
    dimensions = client.get(f"/results/submissions/{subs['ML'].id}/dimensions")
    assert dimensions.status_code == 200


FORMS_ANSWERS = {
    "plan_maturity": 1,  # 1 of 0-2: 0.5
    "unit_maturity": 2,  # 2 of 0-3: 0.6667, the score the workbook and the API give
    "training_maturity": 3,  # 3 of 0-6: 0.5
    "data_sharing": "yes",
    "support_measures": ["shelter"],  # 0.4
}


@pytest.mark.parametrize(
    ("language", "score", "formula"),
    [("en", "0.6667", "100 × 3.0667 ÷ 5"), ("fr", "0,6667", "100 × 3,0667 ÷ 5")],
)
def test_the_answers_page_shows_a_questions_score_as_the_workbook_does(
    client, create_user, login, scored_round, create_version, tmp_path, language, score, formula
):
    """A score of 2/3 is stored to 4 decimals (0.6667): the workbook's cell (0.00##) and the API
    show 0.6667, the answers page showed 0.667, and its formula "100 × 3.067 ÷ 5" gave 61.34
    for an index shown as 61.33."""
    from surveys.export.scorecard import build_scorecard
    from tests.conftest import FORMS_V1
    from tests.export.helpers import openpyxl_book

    version = create_version(FORMS_V1)
    round_, countries, subs = scored_round({"NE": (FORMS_ANSWERS, "validated")}, version=version)
    login(create_user(Role.ANALYST, language=language))
    page = _text(client.get(f"/results/submissions/{subs['NE'].id}").text)
    unit = page.split("unit_maturity", 1)[1].split("training_maturity", 1)[0]
    assert f" {score} " in unit
    half = page.split("plan_maturity", 1)[1].split("unit_maturity", 1)[0]
    assert (" 0.50 " if language == "en" else " 0,50 ") in half  # the workbook's 0.00##
    assert formula in page
    assert ("61.33" if language == "en" else "61,33") in page

    path = tmp_path / "scorecard.xlsx"
    build_scorecard(round_.id, language, path)
    sheet = openpyxl_book(path)[countries["NE"].name(language)]
    for row in sheet.iter_rows():
        if row[1].value == "unit_maturity":
            cell = next(c for c in row if c.value == 0.6667)
            assert cell.number_format == "0.00##"  # shows 0.6667
            break
    else:
        raise AssertionError("no unit_maturity row")
