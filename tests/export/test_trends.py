"""The trends workbook: indices across rounds, long and wide, a chart, "not comparable" notes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from surveys.export.trends import build_trends
from surveys.scoring import OVERALL, compare_scorecards
from tests.export.conftest import NIGER_ANSWERS
from tests.export.helpers import (
    calamine_sheets,
    engine_scorecard,
    formulas_in,
    openpyxl_book,
    table,
    values,
)

MINI_V3 = Path(__file__).resolve().parent / "fixtures" / "mini" / "v3.yaml"


@pytest.fixture
def three_rounds(export_data, create_version, create_round, create_submission):
    """The export data plus a v3 round where almost every question is new (not comparable)."""
    v3 = create_version(MINI_V3)
    niger = export_data.countries["NE"]
    round_ = create_round(v3, [niger], period="2027", opens_in=timedelta(days=10))
    answers = {
        f"{qid}_new" if qid != "protection_shelters" else qid: value
        for qid, value in NIGER_ANSWERS.items()
        if qid not in ("legal_tip_offence", "legal_notes")
    }
    answers["legal_tip_criminalised_new"] = "yes"
    submission = create_submission(round_, niger, answers, "validated")
    return export_data, round_, submission


def test_long_and_wide_indices_equal_the_scoring_engine(three_rounds, tmp_path):
    data, _latest_round, latest = three_rounds
    path = tmp_path / "trends.xlsx"
    build_trends("mini", "en", path)
    book = openpyxl_book(path)
    assert book.sheetnames == ["About", "Indices (long)", "Indices (wide)", "Chart"]
    assert formulas_in(path) == []
    long_rows = table(values(book["Indices (long)"]), "Questionnaire version")
    by_key = {(r["Period"], r["Country code"], r["Key"]): r for r in long_rows}
    submissions = [*data.previous_submissions, *data.submissions.values(), latest]
    for submission in submissions:
        card = engine_scorecard(submission)
        period = submission.round.period_label
        if submission.status not in ("submitted", "validated"):
            # A draft has no published index: no row at all.
            assert (period, submission.country.iso2, OVERALL) not in by_key
            continue
        for key in (OVERALL, "legal", "protection", "LA1", "LA6"):
            row = by_key[(period, submission.country.iso2, key)]
            index = card.index(key)
            assert row["Index (0-100)"] == (None if index.value is None else float(index.value))
            assert row["Coverage"] == (None if index.coverage is None else float(index.coverage))
    wide = {
        (r["Country code"], r["Key"]): r
        for r in table(calamine_sheets(path)["Indices (wide)"], "Country code")
    }
    niger_cards = {
        s.round.period_label: engine_scorecard(s) for s in submissions if s.country.iso2 == "NE"
    }
    for period, card in niger_cards.items():
        assert wide[("NE", OVERALL)][period] == float(card.overall.value)


def test_changes_and_not_comparable_notes(three_rounds, tmp_path):
    data, _latest_round, _latest = three_rounds
    path = tmp_path / "trends.xlsx"
    build_trends("mini", "en", path)
    book = openpyxl_book(path)
    rows = table(values(book["Indices (long)"]), "Questionnaire version")
    niger = {(r["Period"], r["Key"]): r for r in rows if r["Country code"] == "NE"}
    current = data.submissions["NE"]
    previous = next(s for s in data.previous_submissions if s.country_id == current.country_id)
    progress = compare_scorecards(
        previous.round.version.definition,
        engine_scorecard(previous),
        current.round.version.definition,
        engine_scorecard(current),
    )
    assert niger[("2026", OVERALL)]["Change since previous round"] == pytest.approx(
        float(progress.overall.change)
    )
    assert niger[("2025", OVERALL)]["Note"] == "No previous round"
    not_comparable = niger[("2027", OVERALL)]
    assert not_comparable["Change status"] == "Not comparable"
    assert not_comparable["Change since previous round"] is None
    assert not_comparable["Note"].startswith("Not comparable with the previous round")
    wide = book["Indices (wide)"]
    header = [c.value for c in wide[1]]
    column = header.index("2027") + 1
    niger_overall = next(
        row
        for row in range(2, wide.max_row + 1)
        if wide.cell(row, 1).value == "NE" and wide.cell(row, 3).value == OVERALL
    )
    comment = wide.cell(niger_overall, column).comment
    assert comment is not None and comment.text.startswith("Not comparable")
    assert wide.cell(niger_overall, header.index("2026") + 1).comment is None


def test_line_chart_of_the_overall_index(three_rounds, tmp_path):
    path = tmp_path / "trends.xlsx"
    build_trends("mini", "fr", path)
    book = openpyxl_book(path)
    chart_sheet = book.worksheets[3]
    assert len(chart_sheet._charts) == 1
    chart = chart_sheet._charts[0]
    assert chart.tagname == "lineChart"
    assert len(chart.series) == 2  # Mali and Niger have an overall row (Senegal is a draft)
    wide_title = book.worksheets[2].title
    assert all(wide_title in s.val.numRef.f for s in chart.series)


def test_with_responses_adds_the_tidy_sheets_of_every_round(three_rounds, tmp_path):
    path = tmp_path / "trends.xlsx"
    build_trends("mini", "en", path, with_responses=True)
    sheets = calamine_sheets(path)
    assert list(sheets)[-2:] == ["Responses", "Statistics"]
    tidy = table(sheets["Responses"], "Round")
    assert {r["Period"] for r in tidy} == {"2025", "2026", "2027"}
    assert len([r for r in tidy if r["Period"] == "2025"]) == 2 * 11  # 2 countries × 11 questions
    figures = table(sheets["Statistics"], "Round")
    assert {r["Period"] for r in figures} == {"2025", "2026", "2027"}


def test_an_unknown_questionnaire_is_refused(app, tmp_path):
    from surveys.export.queries import ExportError

    with pytest.raises(ExportError):
        build_trends("nope", "en", tmp_path / "none.xlsx")


def test_a_questionnaire_without_rounds_gives_an_empty_table(create_version, tmp_path):
    from tests.conftest import MINI_V1

    create_version(MINI_V1)
    path = tmp_path / "empty.xlsx"
    build_trends("mini", "en", path)
    book = openpyxl_book(path)
    assert book.sheetnames == ["Indices (long)", "Indices (wide)"]
    assert values(book["Indices (long)"])[0][0] == "Questionnaire version"
