"""The round scorecard workbook, read back with openpyxl and python-calamine."""

from __future__ import annotations

from datetime import datetime

import pytest

from surveys.export.layout import RESPONSES_COLUMNS, STATISTICS_COLUMNS, headers
from surveys.export.scorecard import build_scorecard
from surveys.scoring import OVERALL, compare_scorecards
from surveys.scoring.aggregates import aggregate
from tests.export.helpers import (
    calamine_sheets,
    engine_scorecard,
    formulas_in,
    number,
    openpyxl_book,
    table,
    values,
)

SHEETS = [
    "About",
    "Summary",
    "Côte d'Ivoire",
    "Mali",
    "Niger",
    "Senegal",
    "Responses",
    "Statistics",
    "Data quality",
    "Codebook",
]


def identity(message: str) -> str:
    return message


@pytest.fixture
def workbook_path(export_data, tmp_path):
    path = tmp_path / "scorecard.xlsx"
    build_scorecard(export_data.round.id, "en", path)
    return path


def test_sheets_and_headers_in_both_readers(workbook_path):
    book = openpyxl_book(workbook_path)
    sheets = calamine_sheets(workbook_path)
    assert book.sheetnames == SHEETS
    assert list(sheets) == SHEETS
    assert sheets["Responses"][0] == headers(RESPONSES_COLUMNS, identity)
    assert values(book["Statistics"])[0] == headers(STATISTICS_COLUMNS, identity)
    assert sheets["Summary"][0][:6] == [
        "Country",
        "Country code",
        "Status",
        "Submitted on",
        "Validated on",
        "Overall index",
    ]
    # The areas, then the overall evidence coverage (this questionnaire has no framework).
    assert sheets["Summary"][0][10:] == [
        "Legal framework",
        "Protection of victims",
        "Evidence coverage",
    ]
    assert formulas_in(workbook_path) == []


def test_every_index_equals_the_scoring_engine(export_data, workbook_path):
    book = openpyxl_book(workbook_path)
    summary_openpyxl = {r["Country code"]: r for r in table(values(book["Summary"]), "Country")}
    summary_calamine = {
        r["Country code"]: r for r in table(calamine_sheets(workbook_path)["Summary"], "Country")
    }
    responses = table(values(book["Responses"]), "Round")
    for code, submission in export_data.submissions.items():
        card = engine_scorecard(submission)
        if submission.status not in ("submitted", "validated"):
            # A draft has no published index: none in the Summary, none on its sheet.
            for summary in (summary_openpyxl[code], summary_calamine[code]):
                assert summary["Overall index"] in (None, "")
                assert summary["Coverage"] in (None, "")
                assert summary["Band"] in (None, "")
            country = submission.country.name("en")
            indices = {r["Key"]: r for r in table(values(book[country]), "Index")}
            assert {r["Index (0-100)"] for r in indices.values()} == {None}
            continue
        for summary in (summary_openpyxl[code], summary_calamine[code]):
            if card.overall.value is None:
                assert summary["Overall index"] == "Insufficient information"
            else:
                assert number(summary["Overall index"]) == float(card.overall.value)
            assert number(summary["Coverage"]) == number(card.overall.coverage)
            for area, title in (
                ("legal", "Legal framework"),
                ("protection", "Protection of victims"),
            ):
                expected = card.area(area).value
                shown = summary[title]
                assert (number(shown) if expected is not None else shown) == (
                    float(expected) if expected is not None else "Insufficient information"
                )
        country = submission.country.name("en")
        indices = {r["Key"]: r for r in table(values(book[country]), "Index")}
        for key in (OVERALL, "legal", "protection", "LA1", "LA6"):
            index = card.index(key)
            shown = indices[key]["Index (0-100)"]
            if index.value is None:
                assert shown == "Insufficient information"
            else:
                assert shown == float(index.value)
            assert indices[key]["Coverage"] == number(index.coverage)
        questions = {r["Question id"]: r for r in table(values(book[country]), "Question")}
        tidy = {r["Question id"]: r for r in responses if r["Country code"] == code}
        for question in card.questions:
            assert questions[question.question_id]["Score"] == number(question.score)
            assert tidy[question.question_id]["Score"] == number(question.score)


def test_change_since_previous_round_and_regional_aggregates(export_data, workbook_path):
    book = openpyxl_book(workbook_path)
    summary = {r["Country code"]: r for r in table(values(book["Summary"]), "Country")}
    niger = export_data.submissions["NE"]
    previous = next(s for s in export_data.previous_submissions if s.country_id == niger.country_id)
    progress = compare_scorecards(
        previous.round.version.definition,
        engine_scorecard(previous),
        niger.round.version.definition,
        engine_scorecard(niger),
    )
    assert summary["NE"]["Change since previous round"] == pytest.approx(
        float(progress.overall.change)
    )
    assert summary["SN"]["Note"] == "No published index: not submitted"
    assert summary["CI"]["Status"] == "Not started" and summary["CI"]["Overall index"] is None

    rows = values(book["Summary"])
    average = next(r for r in rows if r[0] == "Regional average")
    median = next(r for r in rows if r[0] == "Regional median")
    of_record = [engine_scorecard(export_data.submissions[c]) for c in ("NE", "ML")]
    expected = aggregate(niger.round.version.definition, of_record)
    assert average[5] == float(expected.overall.mean)
    assert median[5] == float(expected.overall.median)
    assert average[10] == float(expected.index("legal").mean)


def test_values_are_typed_and_formatted(export_data, workbook_path):
    book = openpyxl_book(workbook_path)
    responses = {
        (r["Country code"], r["Question id"]): r for r in table(values(book["Responses"]), "Round")
    }
    niger = {qid: row for (code, qid), row in responses.items() if code == "NE"}
    assert isinstance(niger["legal_last_review"]["Answer value"], datetime)
    assert niger["protection_assisted_share"]["Answer value"] == 0.75
    assert niger["protection_shelters"]["Answer value"] == 3
    assert niger["legal_instruments"]["Answer label"] == "UNTOC; Trafficking in Persons Protocol"
    assert isinstance(niger["protection_shelters"]["Last saved at"], datetime)
    assert responses[("ML", "protection_assisted_share")]["Not applicable"] == "Yes"
    assert responses[("ML", "protection_assisted_share")]["Why no score"] == "Not applicable"
    sheet = book["Responses"]
    header = [c.value for c in sheet[1]]
    value_column = header.index("Answer value") + 1
    formats = {
        sheet.cell(row, header.index("Question id") + 1).value: sheet.cell(row, value_column)
        for row in range(2, sheet.max_row + 1)
        if sheet.cell(row, header.index("Country code") + 1).value == "NE"
    }
    # 75%: the answer's own decimals (none), as the pages write it; 1.5 keeps its one decimal.
    assert formats["protection_assisted_share"].number_format == "0%"
    assert formats["protection_budget"].number_format == "#,##0.0"
    assert formats["legal_last_review"].number_format == "yyyy-mm-dd"
    statistics = table(values(book["Statistics"]), "Round")
    assert {
        (r["Indicator id"], r["Year"], r["Disaggregation id"], r["Value"]) for r in statistics
    } == {
        ("prosecuted", 2024, "female", 3),
        ("prosecuted", 2024, "male", 9),
        ("prosecuted", 2024, "total", 12),
        ("victims_identified", 2025, "total", 40),
    }
    assert statistics[0]["Source"] == "Ministry of Justice"


def test_summary_is_ready_for_analysis(workbook_path):
    summary = openpyxl_book(workbook_path)["Summary"]
    assert summary.freeze_panes == "B2"
    assert summary.auto_filter.ref == "A1:M5"  # the four countries, not the aggregate rows
    rules = [rule for rng in summary.conditional_formatting for rule in rng.rules]
    bands = [rule for rule in rules if rule.type == "expression"]
    assert len(bands) == 9  # three bands on the overall, band and area columns
    assert all("ISNUMBER" in rule.formula[0] for rule in bands)
    regression = [rule for rule in rules if rule.type == "cellIs"]
    assert [(r.operator, r.formula) for r in regression] == [("lessThan", ["-10.0"])]
    codebook = openpyxl_book(workbook_path)["Codebook"]
    assert codebook.freeze_panes == "A2"
    assert codebook.column_dimensions["F"].width == 60


def test_evidence_file_names_on_the_country_sheet(export_data, tmp_path, db):
    from surveys.columns import utcnow
    from surveys.responses.models import Evidence

    niger = export_data.submissions["NE"]
    for name, removed in (("law-2015-36.pdf", None), ("old-draft.docx", utcnow())):
        db.session.add(
            Evidence(
                submission_id=niger.id,
                question_id="legal_framework_status",
                filename=name,
                content_type="application/pdf",
                size_bytes=10,
                sha256="a" * 64,
                removed_at=removed,
            )
        )
    db.session.commit()
    path = tmp_path / "with-evidence.xlsx"
    build_scorecard(export_data.round.id, "en", path)
    questions = {
        r["Question id"]: r for r in table(values(openpyxl_book(path)["Niger"]), "Question")
    }
    assert questions["legal_framework_status"]["Evidence files"] == "law-2015-36.pdf"


def test_an_unknown_round_is_refused(app, tmp_path):
    from surveys.export.queries import ExportError

    with pytest.raises(ExportError):
        build_scorecard(999, "en", tmp_path / "none.xlsx")


def test_country_sheet_names_never_clash(
    create_version, create_country, create_round, create_submission, tmp_path
):
    from tests.conftest import MINI_V1

    version = create_version(MINI_V1)
    countries = [
        create_country("AA", "AAA", "Summary", "Synthèse"),
        create_country("AB", "AAB", "Responses: [draft]", "Réponses"),
        create_country("AC", "AAC", "A country with a name far longer than thirty-one", "Pays"),
        create_country("AD", "AAD", "A country with a name far longer than thirty-one!", "Pays 2"),
    ]
    round_ = create_round(version, countries)
    path = tmp_path / "names.xlsx"
    build_scorecard(round_.id, "en", path)
    names = openpyxl_book(path).sheetnames
    assert names == [
        "About",
        "Summary",
        "Summary (2)",
        "Responses draft",
        "A country with a name far longe",
        "A country with a name far l (2)",
        "Responses",
        "Statistics",
        "Data quality",
        "Codebook",
    ]
    assert len({n.casefold() for n in names}) == len(names)


def test_dates_fit_their_columns_and_coverage_is_a_percentage(export_data, workbook_path):
    book = openpyxl_book(workbook_path)
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    coverage = header.index("Coverage") + 1
    niger_row = next(r for r in range(2, summary.max_row + 1) if summary.cell(r, 2).value == "NE")
    assert summary.cell(niger_row, coverage).number_format == "0.00%"
    for title in ("Submitted on", "Validated on"):
        letter = summary.cell(1, header.index(title) + 1).column_letter
        assert summary.column_dimensions[letter].width >= 18  # "yyyy-mm-dd hh:mm" and margins
    country = book["Niger"]
    assert country["B4"].is_date and country.column_dimensions["B"].width >= 18
