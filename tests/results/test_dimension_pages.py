"""Dimension indices on the pages, in the workbooks and in the archive: one set of numbers.

A demo-like pair of rounds of the real Niamey questionnaire (v1 closed, v2 open), with the real
framework file, evidence files on some answers, and the results demo step's snapshots.
"""

from __future__ import annotations

import html
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys.demo import DemoOutput
from surveys.demo import results as demo
from surveys.export.archive import archive_round
from surveys.export.scorecard import build_scorecard
from surveys.export.trends import build_trends
from surveys.responses.models import Evidence, Submission
from surveys.results.dimensions import dimension_overview
from surveys.results.display import change_number, coverage_text, index_number
from surveys.results.models import ScoreSnapshot
from surveys.results.operations import recompute
from surveys.storage.backends import current_store
from tests.export.helpers import calamine_sheets, openpyxl_book, table, values

from .test_demo import NIAMEY, _demo_like_rounds

EVIDENCED = ("legal_tip_criminalised", "ops_unit_operations", "prot_assistance_forms")


@pytest.fixture
def rounds(db, create_country, create_version, create_round):
    closed, current = _demo_like_rounds(db, create_country, create_version, create_round)
    for submission in db.session.scalars(sa.select(Submission).order_by(Submission.id)):
        for position, question_id in enumerate(EVIDENCED):
            if (submission.id + position) % 2:
                db.session.add(
                    Evidence(
                        submission_id=submission.id,
                        question_id=question_id,
                        filename=f"{question_id}.pdf",
                        content_type="application/pdf",
                        size_bytes=10,
                        sha256="0" * 64,
                    )
                )
    db.session.commit()
    demo.load_demo(DemoOutput())
    db.session.commit()
    return closed, current


@pytest.fixture
def analyst(create_user, login):
    return login(create_user("analyst"))


def _number(text: str) -> str:
    return html.escape(text)


def test_the_dimension_page_shows_every_countrys_indices_gap_and_evidence(rounds, analyst):
    closed, _ = rounds
    overview = dimension_overview(closed.id)
    assert overview.framework is not None and overview.framework.version == 1
    page = analyst.get(f"/results/rounds/{closed.id}/dimensions").get_data(as_text=True)
    assert "Indices by country and dimension" in page and "Law–practice gap by country" in page
    shown = 0
    for row in overview.rows:
        if row.analysis is None:
            continue
        for index in row.analysis.dimensions:
            if index.value is not None:
                assert _number(index_number(index.value)) in page
                shown += 1
        gap = row.gap("law_practice_gap")
        if gap.value is not None:
            assert _number(change_number(gap.value)) in page
    assert shown >= 30
    # Countries with a submitted or validated submission only (the demo-like statuses).
    assert sum(r.analysis is not None for r in overview.rows) == 4


def test_explain_this_number_lists_the_questions_of_a_dimension_value(rounds, analyst):
    closed, _ = rounds
    overview = dimension_overview(closed.id)
    row = next(r for r in overview.rows if r.analysis is not None)
    law = row.index("pillar:law")
    page = analyst.get(
        f"/results/submissions/{row.row.submission_id}/dimensions?value=pillar:law"
    ).get_data(as_text=True)
    members = overview.members("pillar:law")
    assert "legal_tip_criminalised" in members and "ops_unit_operations" not in members
    for question_id in members:
        assert question_id in page
    assert "ops_unit_operations" not in page
    assert _number(index_number(law.value)) in page
    unknown = analyst.get(f"/results/submissions/{row.row.submission_id}/dimensions?value=x:y")
    assert unknown.status_code == 404


def test_the_country_page_shows_evidence_beside_every_index(rounds, analyst):
    closed, _ = rounds
    overview = dimension_overview(closed.id)
    row = next(r for r in overview.rows if r.analysis is not None)
    page = analyst.get(f"/results/countries/{row.row.country.id}").get_data(as_text=True)
    evidence = row.analysis.evidence
    for area in overview.definition.areas:
        assert f"evidence {coverage_text(evidence[area.id])}" in page
    assert f"evidence {coverage_text(evidence['overall'])}" in page
    assert "Law–practice gap" in page


def test_dimension_figures_are_equal_on_the_page_in_the_workbooks_and_in_the_archive(
    rounds, tmp_path, db
):
    closed, _ = rounds
    overview = dimension_overview(closed.id)
    expected = {}
    for row in overview.rows:
        if row.analysis is None:
            continue
        for index in row.analysis.dimensions:
            expected[(row.row.country.iso2, index.key)] = (
                None if index.value is None else float(index.value),
                float(row.analysis.evidence_of(index.key) or 0),
            )
    assert len(expected) == 4 * 10

    scorecard = tmp_path / "scorecard.xlsx"
    build_scorecard(closed.id, "en", scorecard)
    trends = tmp_path / "trends.xlsx"
    build_trends("niamey-2018", "en", trends)
    archived = archive_round(closed.id)
    db.session.commit()  # the closing job commits the files with their rows
    english = next(a for a in archived if a.language == "en")
    archive = tmp_path / "archive.xlsx"
    archive.write_bytes(b"".join(current_store().chunks(english.sha256)))

    for path in (scorecard, archive):
        for rows in (
            values(openpyxl_book(path)["Dimensions"]),
            calamine_sheets(path)["Dimensions"],
        ):
            found = {
                (r["Country code"], f"{r['Dimension id']}:{r['Value id']}"): (
                    r["Index (0-100)"] if r["Index (0-100)"] != "" else None,
                    r["Evidence coverage"],
                )
                for r in table(rows, "Round")
            }
            assert found == expected
        summary = table(calamine_sheets(path)["Summary"], "Country")
        for row in overview.rows:
            if row.analysis is None:
                continue
            line = next(r for r in summary if r["Country code"] == row.row.country.iso2)
            gap = row.gap("law_practice_gap").value
            assert line["Law–practice gap"] == (float(gap) if gap is not None else "")
            assert line["Pillar: Law"] == expected[(row.row.country.iso2, "pillar:law")][0]
            assert line["Evidence coverage"] == float(row.analysis.evidence_of("overall"))

    long = table(calamine_sheets(trends)["Indices (long)"], "Questionnaire version")
    for (iso2, key), (value, evidence) in expected.items():
        line = next(
            r
            for r in long
            if r["Country code"] == iso2 and r["Key"] == key and r["Round"] == closed.id
        )
        assert (line["Index (0-100)"], line["Evidence coverage"]) == (value, evidence)


def test_evidence_and_coverage_read_alike_on_the_page_and_in_the_workbook(
    rounds, tmp_path, analyst
):
    """What a reader sees, not only the stored value: the page's text of each share is what the
    workbook's cell shows with its number format (two decimals of a percent, exact: shares are
    stored truncated to four decimals, so neither side rounds). The pages once cut the decimals
    (58%) while the workbook showed 58.8%."""
    closed, _ = rounds
    path = tmp_path / "scorecard.xlsx"
    build_scorecard(closed.id, "en", path)
    sheet = openpyxl_book(path)["Dimensions"]
    header_row = next(row for row in sheet.iter_rows() if [c.value for c in row][:1] == ["Round"])
    names = [c.value for c in header_row]
    page = html.unescape(
        analyst.get(f"/results/rounds/{closed.id}/dimensions").get_data(as_text=True)
    )
    shown, fractional = 0, 0
    for row in sheet.iter_rows(min_row=header_row[0].row + 1):
        cells = dict(zip(names, row, strict=False))
        for column in ("Coverage", "Evidence coverage"):
            cell = cells[column]
            if not isinstance(cell.value, float):
                continue
            assert cell.number_format == "0.00%", column
            as_shown = f"{cell.value * 100:,.2f}%"
            assert as_shown == coverage_text(Decimal(str(cell.value))), (column, cell.value)
            assert as_shown in page, as_shown
            shown += 1
            fractional += round(cell.value * 100, 6) % 1 != 0
    assert shown > 40 and fractional > 0  # some shares are not whole percents


def test_recompute_checks_the_dimension_indices_of_every_snapshot(rounds, runner):
    report = recompute()
    assert report.ok, [d.describe() for d in report.differences]
    assert report.dimension_indices == 10 * report.checked
    result = runner.invoke(args=["scores", "recompute"])
    assert result.exit_code == 0
    assert f"({report.dimension_indices} dimension indices)" in result.output


def test_adding_or_editing_a_framework_changes_no_stored_index(rounds, app, tmp_path, analyst):
    closed, current = rounds
    stored = {s.id: s.result for s in sa_snapshots()}
    folder = tmp_path / "questionnaires" / "niamey-2018"
    folder.mkdir(parents=True)
    for name in ("v1.yaml", "v2.yaml"):
        shutil.copy(NIAMEY / name, folder / name)
    original = app.config["QUESTIONNAIRES_DIR"]
    app.config["QUESTIONNAIRES_DIR"] = str(folder.parent)
    try:
        without = _published_indices(closed.id, current.id)
        assert dimension_overview(closed.id).framework is None
        page = analyst.get(f"/results/rounds/{closed.id}/dimensions").get_data(as_text=True)
        assert "has no analysis framework" in page

        shutil.copy(NIAMEY / "dimensions.yaml", folder / "dimensions.yaml")
        added = dimension_overview(closed.id)
        assert added.framework is not None
        law_before = {r.row.country.iso2: r.index("pillar:law") for r in added.rows if r.analysis}
        assert _published_indices(closed.id, current.id) == without

        # Edit: every legal question becomes "practice"; law indices move, nothing else does.
        text = (folder / "dimensions.yaml").read_text()
        edited = text.replace("version: 1", "version: 2").replace(
            "legal_tip_criminalised: {pillar: law", "legal_tip_criminalised: {pillar: practice"
        )
        (folder / "dimensions.yaml").write_text(edited)
        _touch_later(folder / "dimensions.yaml")
        changed = dimension_overview(closed.id)
        assert changed.framework.version == 2
        law_after = {r.row.country.iso2: r.index("pillar:law") for r in changed.rows if r.analysis}
        assert law_after != law_before
        assert _published_indices(closed.id, current.id) == without
        assert recompute().ok
    finally:
        app.config["QUESTIONNAIRES_DIR"] = original
    assert {s.id: s.result for s in sa_snapshots()} == stored


def test_a_broken_framework_file_is_not_used_and_the_pages_say_so(rounds, app, tmp_path, analyst):
    closed, _ = rounds
    folder = tmp_path / "questionnaires" / "niamey-2018"
    shutil.copytree(NIAMEY, folder)
    (folder / "dimensions.yaml").write_text(
        (NIAMEY / "dimensions.yaml").read_text().replace("prot_residence:", "prot_residency:")
    )
    original = app.config["QUESTIONNAIRES_DIR"]
    app.config["QUESTIONNAIRES_DIR"] = str(folder.parent)
    try:
        page = analyst.get(f"/results/rounds/{closed.id}/dimensions")
        assert page.status_code == 200
        assert "has no analysis framework" in page.get_data(as_text=True)
    finally:
        app.config["QUESTIONNAIRES_DIR"] = original


def sa_snapshots():
    from surveys.extensions import db

    return db.session.scalars(sa.select(ScoreSnapshot).order_by(ScoreSnapshot.id)).all()


def _published_indices(*round_ids: int) -> dict:
    """Every area, line-of-action and overall index the dashboards show for the rounds."""
    from surveys.results.dashboards import round_overview

    found = {}
    for round_id in round_ids:
        for row in round_overview(round_id).rows:
            card = row.scorecard
            if card is None:
                continue
            for index in (*card.areas, *card.lines_of_action, card.overall):
                found[(round_id, row.country.iso2, index.key)] = (
                    index.value,
                    index.coverage,
                    index.status,
                )
    assert found
    return found


def _touch_later(path: Path) -> None:
    """Make sure the modification time moves (some file systems have coarse timestamps)."""
    import os

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))


def test_evidence_coverage_counts_the_files_attached(rounds):
    closed, _ = rounds
    overview = dimension_overview(closed.id)
    covered = [r.analysis.evidence_of("overall") for r in overview.rows if r.analysis]
    assert all(Decimal(0) < value < Decimal(1) for value in covered), covered
