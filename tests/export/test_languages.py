"""The French and English scorecards differ only in language."""

from __future__ import annotations

from datetime import date, datetime

from surveys.export.layout import RESPONSES_COLUMNS, STATISTICS_COLUMNS
from surveys.export.scorecard import build_scorecard
from tests.export.helpers import calamine_sheets

# Columns of the tidy sheets that hold codes, ids, numbers or what a user typed: the same text
# in every language.
NEUTRAL = {
    "Responses": [
        "Round",
        "Period",
        "Questionnaire version",
        "Country code",
        "Area id",
        "Line of action id",
        "Question id",
        "Answer value",
        "Score",
        "Comment",
        "Last saved by",
        "Last saved at",
    ],
    "Statistics": [
        "Round",
        "Country code",
        "Question id",
        "Indicator id",
        "Year",
        "Disaggregation id",
        "Value",
        "Source",
        "Period covered",
        "Coverage",
    ],
}


def build_both(round_id, tmp_path):
    from surveys.columns import utcnow

    moment = utcnow().replace(year=2026, month=12, day=31, hour=18, minute=0, second=0)
    paths = {}
    for language in ("en", "fr"):
        paths[language] = tmp_path / f"{language}.xlsx"
        build_scorecard(round_id, language, paths[language], generated_at=moment)
    return calamine_sheets(paths["en"]), calamine_sheets(paths["fr"])


def test_same_structure_and_numbers_cell_by_cell(export_data, tmp_path):
    english, french = build_both(export_data.round.id, tmp_path)
    assert len(english) == len(french)
    assert list(french)[2:6] == ["Côte d'Ivoire", "Mali", "Niger", "Sénégal"]
    for (en_name, en_rows), (_fr_name, fr_rows) in zip(
        english.items(), french.items(), strict=True
    ):
        assert len(en_rows) == len(fr_rows), en_name
        for en_row, fr_row in zip(en_rows, fr_rows, strict=True):
            assert len(en_row) == len(fr_row), en_name
            for en_value, fr_value in zip(en_row, fr_row, strict=True):
                if isinstance(en_value, str) and isinstance(fr_value, str):
                    assert (en_value == "") == (fr_value == ""), (en_name, en_value, fr_value)
                else:
                    # Numbers, dates and times are identical; a number never becomes text.
                    assert type(en_value) is type(fr_value), (en_name, en_value, fr_value)
                    assert en_value == fr_value, (en_name, en_value, fr_value)
                    assert isinstance(en_value, int | float | date | datetime | bool)


def test_codes_ids_and_user_text_are_the_same_in_both(export_data, tmp_path):
    english, french = build_both(export_data.round.id, tmp_path)
    for sheet, neutral in NEUTRAL.items():
        columns = RESPONSES_COLUMNS if sheet == "Responses" else STATISTICS_COLUMNS
        positions = [i for i, c in enumerate(columns) if c.header in neutral]
        en_rows, fr_rows = english[sheet], french[list(french)[list(english).index(sheet)]]
        for en_row, fr_row in zip(en_rows[1:], fr_rows[1:], strict=True):
            assert [en_row[i] for i in positions] == [fr_row[i] for i in positions]


def test_questionnaire_wording_follows_the_language(export_data, tmp_path):
    english, french = build_both(export_data.round.id, tmp_path)
    fr_responses = french[list(french)[6]]
    en_responses = english["Responses"]
    question = [c.header for c in RESPONSES_COLUMNS].index("Question")
    label = [c.header for c in RESPONSES_COLUMNS].index("Answer label")
    assert any(r[question].startswith("La loi nationale") for r in fr_responses[1:])
    assert any(r[question].startswith("Does national law") for r in en_responses[1:])
    assert "En vigueur" in {r[label] for r in fr_responses[1:]}
    assert "In force" in {r[label] for r in en_responses[1:]}


def test_interface_words_follow_the_language(export_data, tmp_path):
    from surveys.export.layout import SHEET_SUMMARY
    from surveys.i18n import make_translate

    english, french = build_both(export_data.round.id, tmp_path)
    to_french = make_translate("fr")
    assert list(french)[1] == to_french(SHEET_SUMMARY)
    assert french[to_french(SHEET_SUMMARY)][0][:3] == [
        to_french("Country"),
        to_french("Country code"),
        to_french("Status"),
    ]
    assert english["Summary"][0][:3] == ["Country", "Country code", "Status"]
