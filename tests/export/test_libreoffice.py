"""A real spreadsheet program opens the workbooks: LibreOffice headless converts every sheet."""

from __future__ import annotations

import csv
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from surveys.export.layout import SHEET_ABOUT, SHEET_CODEBOOK, SHEET_RESPONSES, SHEET_SUMMARY
from surveys.export.scorecard import build_scorecard
from surveys.export.trends import build_trends
from surveys.i18n import make_translate
from tests.export.test_injection import PAYLOADS, injection_round

# CSV: comma, double quote, UTF-8, from line 1, ..., every sheet to its own file (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def convert_to_csv(workbook: Path, folder: Path) -> dict[str, list[list[str]]]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed here; CI installs it (.ci/run)")
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                CSV_FILTER,
                "--outdir",
                str(folder),
                str(workbook),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr
    sheets = {}
    for path in folder.glob(f"{workbook.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix(f"{workbook.stem}-")] = list(csv.reader(handle))
    assert sheets, f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    return sheets


def test_libreoffice_opens_the_scorecard(export_data, tmp_path):
    path = tmp_path / "scorecard.xlsx"
    build_scorecard(export_data.round.id, "fr", path)
    out = tmp_path / "csv"
    out.mkdir()
    sheets = convert_to_csv(path, out)
    french = make_translate("fr")
    names = [french(n) for n in (SHEET_ABOUT, SHEET_SUMMARY, SHEET_RESPONSES, SHEET_CODEBOOK)]
    assert {*names, "Niger", "Sénégal"} <= set(sheets)
    summary = {row[1]: row for row in sheets[french(SHEET_SUMMARY)][1:] if len(row) > 1 and row[1]}
    assert float(summary["NE"][5]) == pytest.approx(72.31)


def test_libreoffice_keeps_formula_like_answers_as_text(
    create_version, create_country, create_round, create_submission, db, tmp_path
):
    injection_round(create_version, create_country, create_round, create_submission, db)
    path = tmp_path / "injection.xlsx"
    build_trends("mini", "en", path, with_responses=True)
    out = tmp_path / "csv"
    out.mkdir()
    responses = convert_to_csv(path, out)["Responses"]
    header = responses[0]
    value = header.index("Answer value")
    question = header.index("Question id")
    found = {row[value] for row in responses[1:] if row[question] == "protection_focal_point"}
    # Exactly the text typed (line endings as LF): nothing was evaluated.
    assert found == {p.replace("\r", "\n") for p in PAYLOADS.values()}
