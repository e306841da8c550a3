"""The demo's closed round: for every country, the API's indices equal the dashboard's and the
workbook's (value, coverage, band and change of every index)."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.export.scorecard import build_scorecard
from surveys.results.dashboards import round_overview
from surveys.rounds.models import Round
from surveys.scoring import OVERALL
from tests.export.helpers import openpyxl_book, table, values


@pytest.fixture
def demo(app, db):
    from surveys.demo import load_demo

    load_demo()
    db.session.commit()
    closed = [
        r
        for r in db.session.scalars(sa.select(Round).order_by(Round.id))
        if r.cancelled_at is None and r.latest_closes_at < utcnow()
    ]
    assert closed, "the demo has a closed round"
    return closed


def _number(value) -> float | None:
    return None if value in (None, "") else round(float(value), 4)


def test_api_indices_equal_dashboard_and_workbook_for_every_country(
    demo, db, create_user, issue_token, api, tmp_path
):
    token = issue_token(create_user("analyst", email="numbers@example.org"))
    compared = 0
    for round_ in demo:
        overview = round_overview(round_.id)
        response = api(token, f"/api/v1/rounds/{round_.id}/scorecards")
        assert response.status_code == 200
        rows = response.get_json()["data"]
        as_csv = list(
            csv.DictReader(
                io.StringIO(api(token, f"/api/v1/rounds/{round_.id}/scorecards?format=csv").text)
            )
        )
        assert len(as_csv) == len(rows)
        api_index = {(r["country"], r["index_key"]): r for r in rows}
        csv_index = {(r["country"], r["index_key"]): r for r in as_csv}
        path = tmp_path / f"round-{round_.id}.xlsx"
        build_scorecard(round_.id, "en", path)
        book = openpyxl_book(path)
        assert {row.country.iso2 for row in overview.rows} == {key[0] for key in api_index}
        for row in overview.rows:
            code = row.country.iso2
            if row.scorecard is None:  # not submitted: no published index anywhere
                assert all(r["value"] is None for (c, _), r in api_index.items() if c == code), code
                continue
            sheet = {r["Key"]: r for r in table(values(book[row.country.name("en")]), "Index")}
            keys = (
                [OVERALL]
                + [a.key for a in row.scorecard.areas]
                + [i.key for i in row.scorecard.lines_of_action]
            )
            for key in keys:
                index = row.scorecard.index(key)
                mine, text, cell = api_index[(code, key)], csv_index[(code, key)], sheet[key]
                dashboard_value = None if index.value is None else float(index.value)
                assert mine["value"] == dashboard_value, (code, key)
                assert _number(text["value"]) == _number(dashboard_value), (code, key)
                workbook_value = cell["Index (0-100)"]
                if dashboard_value is None:
                    assert isinstance(workbook_value, str), (code, key)
                else:
                    assert workbook_value == dashboard_value, (code, key)
                assert (
                    _number(mine["coverage"])
                    == _number(index.coverage)
                    == _number(cell["Coverage"])
                ), (code, key)
                assert mine["band"] == index.band, (code, key)
                change = row.progress.index(key) if row.progress else None
                expected_change = (
                    None if change is None or change.change is None else float(change.change)
                )
                assert mine["change"] == expected_change, (code, key)
                assert _number(cell["Change since previous round"]) == _number(expected_change), (
                    code,
                    key,
                )
                compared += 1
    assert compared > 0
    print(f"compared {compared} indices")


def test_api_dimension_indices_equal_dashboard_and_workbook_for_every_country(
    demo, db, create_user, issue_token, api, tmp_path
):
    """Issue 16's dimension indices (law, practice, capacity; each Protocol; the 4 Ps) in the
    scorecards endpoint, JSON and CSV: equal to the dimensions page's and to the workbook's
    Dimensions sheet, for every country of the closed round; null for a country not submitted."""
    from surveys.results.dimensions import dimension_overview

    token = issue_token(create_user("analyst", email="dimensions@example.org"))
    compared = 0
    for round_ in demo:
        dashboard = dimension_overview(round_.id)
        assert dashboard.framework is not None, "the demo's questionnaire has a framework"
        keys = dashboard.framework.value_keys()
        rows = api(token, f"/api/v1/rounds/{round_.id}/scorecards").get_json()["data"]
        as_csv = csv.DictReader(
            io.StringIO(api(token, f"/api/v1/rounds/{round_.id}/scorecards?format=csv").text)
        )
        api_index = {(r["country"], r["index_key"]): r for r in rows}
        csv_index = {(r["country"], r["index_key"]): r for r in as_csv}
        path = tmp_path / f"dimensions-{round_.id}.xlsx"
        build_scorecard(round_.id, "en", path)
        sheet = table(values(openpyxl_book(path)["Dimensions"]), "Round")
        workbook = {(r["Country code"], f"{r['Dimension id']}:{r['Value id']}"): r for r in sheet}
        for row in dashboard.rows:
            code = row.row.country.iso2
            for key in keys:
                mine, text = api_index[(code, key)], csv_index[(code, key)]
                assert mine["index_kind"] == text["index_kind"] == "dimension", (code, key)
                assert mine["change"] is None and mine["previous_round_id"] is None
                index = row.index(key)
                if index is None:  # not submitted: no dimension index anywhere
                    assert mine["value"] is None and (code, key) not in workbook, (code, key)
                    continue
                cell = workbook[(code, key)]
                expected = None if index.value is None else float(index.value)
                assert mine["value"] == expected, (code, key)
                assert _number(text["value"]) == _number(expected), (code, key)
                if expected is None:
                    assert isinstance(cell["Index (0-100)"], str), (code, key)
                else:
                    assert cell["Index (0-100)"] == expected, (code, key)
                assert (
                    _number(mine["coverage"])
                    == _number(index.coverage)
                    == _number(text["coverage"])
                    == _number(cell["Coverage"])
                ), (code, key)
                assert mine["band"] == index.band and mine["index_status"] == str(index.status)
                compared += 1
    assert compared > 0
    print(f"compared {compared} dimension indices")
