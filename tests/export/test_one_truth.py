"""One truth: for every country of the demo's closed round, the dashboard, the scorecard workbook
(English and French), the trends workbook and the archive publish the same index; a draft or a
returned submission has none anywhere. The archive is made exactly once."""

from __future__ import annotations

import sqlalchemy as sa

from surveys.demo import load_demo
from surveys.demo.rounds import closed_demo_round
from surveys.export.archive import archive_round
from surveys.export.models import ArchivedWorkbook
from surveys.export.scorecard import build_scorecard
from surveys.export.trends import build_trends
from surveys.results.dashboards import round_overview
from surveys.scheduling.jobs import snapshot_round
from surveys.storage.backends import current_store
from tests.export.helpers import calamine_sheets, openpyxl_book, table, values

SUMMARY_INDEX = {"en": "Overall index", "fr": "Indice global"}
SUMMARY_CODE = {"en": "Country code", "fr": "Code pays"}


def _summary(path, language: str) -> dict[str, dict]:
    rows = calamine_sheets(path)[openpyxl_book(path).sheetnames[1]]
    first = rows[0][0]
    return {r[SUMMARY_CODE[language]]: r for r in table(rows, first) if r[SUMMARY_CODE[language]]}


def _number(value) -> float | None:
    return None if value in (None, "") or isinstance(value, str) else round(float(value), 2)


def test_every_place_publishes_the_same_index(app, db, tmp_path):
    load_demo()
    closed = closed_demo_round()
    # The scheduler's closing job runs after the demo archived the round: no second archive.
    snapshot_round(closed.id)
    db.session.commit()
    assert archive_round(closed.id) == []
    archives = db.session.scalars(
        sa.select(ArchivedWorkbook).where(ArchivedWorkbook.round_id == closed.id)
    ).all()
    assert sorted(a.language for a in archives) == ["en", "fr"]

    overview = round_overview(closed.id)
    dashboard = {
        row.country.iso2: (
            _number(row.scorecard.overall.value) if row.scorecard else None,
            row.status,
        )
        for row in overview.rows
    }
    unpublished = {
        code for code, (_, status) in dashboard.items() if status not in ("submitted", "validated")
    }
    assert dashboard["GN"][1] == "draft" and dashboard["MR"][1] == "returned"
    assert {"GN", "MR"} <= unpublished
    assert len(dashboard) - len(unpublished) >= 10  # most countries have a published index

    published: dict[str, dict[str, float | None]] = {}
    for language in ("en", "fr"):
        path = tmp_path / f"scorecard-{language}.xlsx"
        build_scorecard(closed.id, language, path)
        summary = _summary(path, language)
        published[f"scorecard-{language}"] = {
            code: _number(summary[code][SUMMARY_INDEX[language]]) for code in dashboard
        }
    store = current_store()
    for record in archives:
        path = tmp_path / f"archive-{record.language}.xlsx"
        path.write_bytes(b"".join(store.chunks(record.sha256)))
        summary = _summary(path, record.language)
        published[f"archive-{record.language}"] = {
            code: _number(summary[code][SUMMARY_INDEX[record.language]]) for code in dashboard
        }
    trends_path = tmp_path / "trends.xlsx"
    build_trends("niamey-2018", "en", trends_path)
    long_rows = table(values(openpyxl_book(trends_path)["Indices (long)"]), "Questionnaire version")
    published["trends"] = {code: None for code in dashboard}
    for row in long_rows:
        if row["Period"] == closed.period_label and row["Key"] == "overall":
            published["trends"][row["Country code"]] = _number(row["Index (0-100)"])

    for code, (index, status) in dashboard.items():
        for place, indices in published.items():
            assert indices[code] == index, (code, place, status)
        if code in unpublished:
            assert index is None
        else:
            assert index is not None
