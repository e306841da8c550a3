"""`surveys export scorecard|trends|archive`."""

from __future__ import annotations

from openpyxl import load_workbook

from surveys.export.layout import SHEET_SUMMARY
from surveys.export.models import ArchivedWorkbook
from surveys.i18n import make_translate


def test_scorecard_command_writes_the_workbook(export_data, runner, tmp_path):
    target = tmp_path / "out" / "scorecard.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "scorecard",
            "--round",
            str(export_data.round.id),
            "--lang",
            "fr",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(target).sheetnames[1] == make_translate("fr")(SHEET_SUMMARY)
    assert list(target.parent.iterdir()) == [target]  # no temporary file left behind


def test_trends_command_with_responses(export_data, runner, tmp_path):
    target = tmp_path / "trends.xlsx"
    result = runner.invoke(
        args=["export", "trends", "--questionnaire", "mini", "--with-responses", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "Responses" in load_workbook(target).sheetnames


def test_unknown_round_or_questionnaire_fail_cleanly(app, runner, tmp_path):
    target = tmp_path / "x.xlsx"
    result = runner.invoke(args=["export", "scorecard", "--round", "42", "-o", str(target)])
    assert result.exit_code != 0 and "no round 42" in result.output
    result = runner.invoke(args=["export", "trends", "--questionnaire", "nope", "-o", str(target)])
    assert result.exit_code != 0 and "no questionnaire" in result.output
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_archive_command_stores_both_languages(export_data, runner, db):
    result = runner.invoke(args=["export", "archive", "--round", str(export_data.round.id)])
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(db.select(ArchivedWorkbook)).all()
    assert sorted(a.language for a in stored) == ["en", "fr"]
