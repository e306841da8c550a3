"""`surveys offline template` and `surveys offline import`."""

from __future__ import annotations

from openpyxl import load_workbook

from surveys.responses.models import AnswerRevision
from surveys.responses.operations import answers_by_question
from tests.offline.conftest import fill


def test_template_then_import_from_the_shell(
    app, db, runner, world, started, tmp_path, monkeypatch
):
    # As in production: CSRF on (the shell has no request, so no form may need a token).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    path = tmp_path / "ne.xlsx"
    result = runner.invoke(
        args=[
            "offline",
            "template",
            "--round",
            str(world.round.id),
            "--country",
            "NE",
            "--lang",
            "fr",
            "--area",
            "protection",
            "--timezone",
            "Africa/Niamey",
            "-o",
            str(path),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "bytes, written in" in result.output
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Instructions", "Lists", "2 Protection des victimes", "Identity"]
    instructions = [c.value for c in workbook["Instructions"]["B"] if c.value]
    assert "Niger" in instructions and any("(Africa/Niamey)" in str(v) for v in instructions)
    assert workbook["Identity"].sheet_state == "veryHidden"

    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(path.read_bytes(), {"protection_shelters": 8}))
    dry = runner.invoke(
        args=["offline", "import", str(filled), "--as", world.respondent.email, "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "changed   2.1 protection_shelters" in dry.output
    assert answers_by_question(started) == {}
    done = runner.invoke(args=["offline", "import", str(filled), "--as", world.respondent.email])
    assert done.exit_code == 0, done.output
    assert "saved 1" in done.output
    db.session.expire_all()
    assert answers_by_question(started)["protection_shelters"].value == 8
    revision = db.session.query(AnswerRevision).one()
    assert revision.saved_by_id == world.respondent.id


def test_import_refuses_a_bad_file_with_the_message_in_the_persons_language(
    db, runner, world, started, tmp_path
):
    world.respondent.language = "fr"
    db.session.commit()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    result = runner.invoke(args=["offline", "import", str(bad), "--as", world.respondent.email])
    assert result.exit_code == 1
    assert "Ce fichier n'est pas un classeur Excel (.xlsx)." in result.output


def test_template_refuses_an_unknown_country_or_area(runner, world, tmp_path):
    out = str(tmp_path / "x.xlsx")
    result = runner.invoke(
        args=["offline", "template", "--round", str(world.round.id), "--country", "FR", "-o", out]
    )
    assert result.exit_code == 1 and "does not take part" in result.output
    result = runner.invoke(
        args=[
            "offline",
            "template",
            "--round",
            str(world.round.id),
            "--country",
            "NE",
            "--area",
            "nope",
            "-o",
            out,
        ]
    )
    assert result.exit_code == 1 and "unknown area: nope" in result.output
