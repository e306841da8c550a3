"""The round's data quality: the analysts' page and the scorecard's "Data quality" sheet show the
same rows (read back with openpyxl and calamine), on the demo's open round (niamey-2018 v3)."""

from __future__ import annotations

import html
import re

from surveys.demo import load_demo
from surveys.demo.rounds import closed_demo_round, open_demo_round
from surveys.export.scorecard import build_scorecard
from surveys.roles import Role
from tests.export.helpers import calamine_sheets, openpyxl_book, table, values


def _page_rows(text: str) -> list[list[str]]:
    body = text.split('class="data data-quality"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        rows.append([html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)])
    return rows


def _cells(row: list) -> list[str]:
    return ["" if value is None else str(value) for value in row]


def test_the_sheet_and_the_page_show_the_same_rows(app, db, client, login, create_user, tmp_path):
    load_demo()
    open_round = open_demo_round()
    analyst = create_user(Role.ANALYST, name="Analyst")
    login(analyst)
    page = client.get(f"/results/rounds/{open_round.id}/data-quality")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    web = _page_rows(text)
    assert web, "the demo's Niger draft has at least its plausibility warning"
    assert any(
        r[3] == "plausibility" and r[0] == "NE" and "tip_arrested 2025 total" in r[7] for r in web
    )

    path = tmp_path / "scorecard.xlsx"
    build_scorecard(open_round.id, "en", path)
    sheet = table(values(openpyxl_book(path)["Data quality"]), "Country code")
    from_openpyxl = [_cells(list(r.values())) for r in sheet]
    from_calamine = [
        _cells(list(r.values()))
        for r in table(calamine_sheets(path)["Data quality"], "Country code")
    ]
    assert from_openpyxl == from_calamine == web
    # The per-country summary counts the same rows.
    niger = next(r for r in web if r[0] == "NE")
    assert niger[2] == "Draft"
    assert re.search(r'href="#country-NE">Niger</a></th><td class="num">\d+</td>', text)


def test_a_round_without_a_failed_check_says_so_and_links_nowhere(db, client, login, create_user):
    load_demo()
    closed_round = closed_demo_round()
    login(create_user(Role.ANALYST, name="Analyst"))
    text = client.get(f"/results/rounds/{closed_round.id}/data-quality").get_data(as_text=True)
    assert "No answer of this round breaks a validation rule." in text
    # The link to the table of failures went to an anchor the page did not have.
    assert 'href="#all-failures"' not in text and "checks failed" not in text
