"""A workbook filled in and saved by LibreOffice still imports, its drop-downs intact."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveys.responses.operations import answers_by_question
from tests.offline.conftest import confirm, download, fill, upload


def resave_with_libreoffice(data: bytes, folder: Path) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed here; CI installs it (.ci/run)")
    source = folder / "in" / "filled.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)
    out = folder / "out"
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr
    return (out / "filled.xlsx").read_bytes()


def validations(data: bytes) -> dict[str, set[str]]:
    """Per area sheet: the kinds of data validation it holds."""
    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: {v.type for v in sheet.data_validations.dataValidation}
        for sheet in workbook.worksheets
        if sheet.sheet_state == "visible" and sheet.title[0].isdigit()
    }


def test_a_workbook_saved_by_libreoffice_imports_with_its_validation_intact(
    db, client, login, world, started, tmp_path
):
    login(world.respondent)
    book = download(client, world.round.id, world.country.id, lang="fr")
    filled = fill(
        book,
        {
            "legal_tip_offence": "Partiellement",
            "legal_instruments:untoc": "Oui",
            "protection_shelters": 12,
            "protection_budget": 3.75,
            "protection_focal_point": "Mme Awa",
            "protection_statistics:prosecuted/7": 21,
            "protection_statistics:source": "Police nationale",
        },
    )
    saved = resave_with_libreoffice(filled, tmp_path)
    assert saved != filled
    before = validations(filled)
    after = validations(saved)
    assert after == before
    assert after["1 Cadre juridique"] >= {"list", "date", "textLength"}
    assert after["2 Protection des victimes"] >= {"list", "whole", "decimal"}

    html = upload(client, world.round.id, world.country.id, saved).get_data(as_text=True)
    assert "/import/confirm" in html, html[html.find("<main") :][:3000]
    assert confirm(client, world.round.id, world.country.id, html).status_code == 302
    db.session.expire_all()
    values = {q: a.value for q, a in answers_by_question(started).items()}
    assert values == {
        "legal_tip_offence": "partly",
        "legal_instruments": ["untoc"],
        "protection_shelters": 12,
        "protection_budget": 3.75,
        "protection_focal_point": "Mme Awa",
        "protection_statistics": {
            "cells": {"prosecuted|2024|total": 21},
            "source": "Police nationale",
            "definition": "",
            "period": "",
            "coverage": "",
        },
    }
