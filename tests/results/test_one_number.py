"""The same number in two places is equal: the results pages against each other after the
situations that used to split them (a scoring change, 4-decimal scores)."""

from __future__ import annotations

import re

import pytest

from surveys.results.operations import snapshot_submission
from surveys.roles import Role
from tests.results.conftest import STRONG, WEAK, page_text, table_row


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

    overview = table_row(client.get(f"/results/rounds/{round_.id}").text, "Country ML")
    assert "12.86" in overview and "22.50" in overview and "33.33" not in overview
    for url in (
        f"/results/submissions/{subs['ML'].id}",
        f"/results/submissions/{subs['ML'].id}/areas/legal",
    ):
        page = page_text(client.get(url).text)
        assert "33.33" not in page, url
        assert "22.50" in page, url
        assert "scoring rules version 0" not in page, url
    page = page_text(client.get(f"/results/submissions/{subs['ML'].id}").text)
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
    page = page_text(client.get(f"/results/submissions/{subs['NE'].id}").text)
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


def _shown(cell) -> str:
    """The cell as a spreadsheet shows it under its number format (the formats written here:
    General, and #,##0 or 0% with fixed (0) or optional (#) decimals)."""
    value, number_format = cell.value, cell.number_format
    percent = number_format.endswith("%")
    fraction = number_format.rstrip("%").partition(".")[2]
    if not percent and not number_format.startswith("#,##0"):
        return str(value)
    number = value * 100 if percent else value
    text = f"{number:,.{len(fraction)}f}"
    optional = len(fraction) - len(fraction.rstrip("#"))
    for _ in range(optional):  # "#" digits show only when not zero
        if text.endswith("0"):
            text = text[:-1]
    return text.rstrip(".") + ("%" if percent else "")


def test_decimal_answers_and_figures_show_every_digit_in_the_workbook_as_on_the_page(
    client, analyst, scored_round, tmp_path
):
    """A percentage of 89.95 does not reach the threshold of 90 (score 0.5): the page says
    89.95%, the workbook's cell (0.0%) showed 90.0% beside the score 0.50; a budget of 0.125
    showed 0.13 (#,##0.##) and a figure of 12.345 read 12.35 in the workbook, 12.345 on the
    page and in the API."""
    from surveys.export.scorecard import build_scorecard
    from tests.export.helpers import openpyxl_book

    answers = {
        **STRONG,
        "protection_assisted_share": 89.95,
        "protection_budget": 0.125,
        "protection_statistics": {
            "cells": {"prosecuted|2024|female": 68, "prosecuted|2024|male": 12.345},
            "source": "Ministry of Justice",
        },
    }
    round_, countries, subs = scored_round({"NE": (answers, "validated")})
    page = page_text(client.get(f"/results/submissions/{subs['NE'].id}").text)
    share = page.split("protection_assisted_share", 1)[1].split("protection_focal_point")[0]
    assert "89.95%" in share and " 0.50 " in share
    budget = page.split("protection_budget", 1)[1].split("protection_assisted_share")[0]
    assert " 0.125 " in budget
    figures = page.split("protection_statistics", 1)[1]
    assert " 12.345 " in figures and " 68 " in figures

    path = tmp_path / "scorecard.xlsx"
    build_scorecard(round_.id, "en", path)
    book = openpyxl_book(path)
    sheet = book[countries["NE"].name("en")]
    answer = {row[1].value: _shown(row[4]) for row in sheet.iter_rows() if row[4].value is not None}
    assert answer["protection_assisted_share"] == "89.95%"
    assert answer["protection_budget"] == "0.125"
    assert answer["protection_shelters"] == "6"
    responses = book["Responses"]
    header = [c.value for c in next(responses.iter_rows())]
    column = header.index("Answer value")
    tidy = {row[9].value: _shown(row[column]) for row in list(responses.iter_rows())[1:]}
    assert tidy["protection_assisted_share"] == "89.95%"
    assert tidy["protection_budget"] == "0.125"
    statistics = book["Statistics"]
    header = [c.value for c in next(statistics.iter_rows())]
    column = header.index("Value")
    shown = sorted(_shown(row[column]) for row in list(statistics.iter_rows())[1:])
    assert shown == ["12.345", "68"]


def test_rounds_opening_together_give_the_same_change_everywhere(
    client, analyst, scored_round, db, tmp_path
):
    """Two rounds of a questionnaire opening at the same moment (launched the same day): the
    country page and the trends workbook take the earlier-created one as the previous round
    (rounds in order of opening, then creation), the round overview, the scorecard workbook
    and the API found no previous round at all."""
    from surveys.export.scorecard import build_scorecard
    from surveys.export.trends import build_trends
    from tests.export.helpers import openpyxl_book, table, values

    worse = dict(STRONG, legal_framework_status="none", legal_tip_offence="no")
    first, countries, _ = scored_round({"NE": (STRONG, "validated")}, period="2026-A")
    second, _, _ = scored_round(
        {"NE": (worse, "submitted")}, version=first.version, countries=countries, period="2026-B"
    )
    second.opens_at = first.opens_at
    db.session.commit()

    country = page_text(client.get(f"/results/countries/{countries['NE'].id}").text)
    changes = re.findall(r"[-+]\d+\.\d\d", country)
    assert changes  # the country page compares 2026-B with 2026-A
    overview = table_row(client.get(f"/results/rounds/{second.id}").text, "Country NE")
    assert "since 2026-A" in overview
    assert changes[-1] in overview  # the overall change, as on the country page

    path = tmp_path / "scorecard.xlsx"
    build_scorecard(second.id, "en", path)
    summary = table(values(openpyxl_book(path)["Summary"]), "Country")
    change = summary[0]["Change since previous round"]
    assert f"{change:+.2f}" == changes[-1]
    trends = tmp_path / "trends.xlsx"
    build_trends("mini", "en", trends)
    long = table(values(openpyxl_book(trends)["Indices (long)"]), "Questionnaire version")
    overall = [r for r in long if r["Key"] == "overall" and r["Period"] == "2026-B"]
    assert [f"{r['Change since previous round']:+.2f}" for r in overall] == [changes[-1]]


def test_the_codebook_writes_a_weight_with_every_digit_as_the_answers_page_does(
    client, analyst, create_version, scored_round, tmp_path
):
    """A weight of 0.125 read 0.13 in the Codebook (#,##0.##) and 0.125 on the answers page; a
    whole weight has no decimal point (Excel writes "2." for 0.##)."""
    from surveys.export.scorecard import build_scorecard
    from tests.conftest import MINI_V1
    from tests.export.helpers import openpyxl_book

    path = tmp_path / "mini" / "v1.yaml"
    path.parent.mkdir()
    text = MINI_V1.read_text(encoding="utf-8")
    path.write_text(text.replace("        weight: 0.5\n", "        weight: 0.125\n", 1), "utf-8")
    round_, _, subs = scored_round({"NE": (STRONG, "validated")}, version=create_version(path))
    page = page_text(client.get(f"/results/submissions/{subs['NE'].id}").text)
    assert " 0.125 " in page.split("protection_assisted_share", 1)[1]

    book = tmp_path / "scorecard.xlsx"
    build_scorecard(round_.id, "en", book)
    codebook = openpyxl_book(book)["Codebook"]
    header = [c.value for c in next(codebook.iter_rows())]
    column = header.index("Weight")
    weights = {row[0].value: row[column] for row in list(codebook.iter_rows())[1:]}
    assert _shown(weights["protection_assisted_share"]) == "0.125"
    assert weights["protection_assisted_share"].number_format == "#,##0.000"
    whole = [cell for cell in weights.values() if cell.value == int(cell.value)]
    assert whole and all(cell.number_format == "#,##0" for cell in whole)
