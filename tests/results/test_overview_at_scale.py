"""The round overview at many countries (issue 18, point 4): indices read from the snapshots'
index parts alone give the figures of the whole scorecards, the table and heatmap show 50
countries a page in the order chosen, and the change column is the same either way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from surveys.results.dashboards import add_progress, round_overview
from surveys.results.operations import snapshot_submission
from surveys.roles import Role
from tests.results.conftest import SPARSE, STRONG, WEAK

COUNTRIES = 55  # more than one page of 50


def _code(n: int) -> str:
    return f"{chr(65 + n // 26)}{chr(65 + n % 26)}"


@pytest.fixture
def big_round(db, scored_round, create_country):
    """55 countries: a previous round for some, this round with stored snapshots for most."""
    countries = {_code(n): create_country(_code(n), f"Q{n:02d}") for n in range(COUNTRIES)}
    answers = (STRONG, WEAK, SPARSE)
    before, _, _ = scored_round(
        {code: (STRONG, "validated") for code in list(countries)[::3]},
        period="2025-H2",
        opens_in=timedelta(days=-300),
        closes_in=timedelta(days=-200),
        countries=dict(countries),
    )
    worse = dict(STRONG, legal_framework_status="none")
    plan = {
        code: (worse if n % 3 == 0 else answers[n % 3], "submitted" if n % 4 else "validated")
        for n, code in enumerate(countries)
    }
    plan[_code(COUNTRIES - 1)] = (WEAK, None)  # one not started
    now, _, submissions = scored_round(plan, version=before.version, countries=dict(countries))
    for submission in list(submissions.values())[::2]:
        snapshot_submission(submission, "submitted")
    db.session.commit()
    return now


def _indices(row):
    card = row.scorecard
    if card is None:
        return None
    return (card.overall, card.areas, card.lines_of_action)


def test_index_only_scorecards_give_the_whole_scorecards_figures(app, db, big_round):
    with app.test_request_context():
        whole = round_overview(big_round.id)
        light = round_overview(big_round.id, indices_only=True)
        assert [_indices(r) for r in light.rows] == [_indices(r) for r in whole.rows]
        assert light.aggregates == whole.aggregates
        assert light.status_counts == whole.status_counts
        assert all(row.progress is None for row in light.rows)
        add_progress(light, light.rows)
        assert [r.progress for r in light.rows] == [r.progress for r in whole.rows]
        assert [r.previous_round for r in light.rows] == [r.previous_round for r in whole.rows]
        assert any(r.progress is not None for r in light.rows)


def _country_rows(html: str) -> list[str]:
    table = html.split('<table class="scores">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', table)


def test_the_overview_shows_fifty_countries_a_page_in_the_order_chosen(client, analyst, big_round):
    first = client.get(f"/results/rounds/{big_round.id}?sort=country&dir=asc")
    assert first.status_code == 200
    names = _country_rows(first.text)
    assert len(names) == 50
    assert names == sorted(names, key=str.casefold)
    assert "Countries 1 to 50 of 55" in first.text
    assert f"/results/rounds/{big_round.id}?page=2" in first.text.replace("&amp;", "&")
    assert "sort=country" in re.search(r'<nav class="pagination".*?</nav>', first.text, re.S)[0]
    second = client.get(f"/results/rounds/{big_round.id}?sort=country&dir=asc&page=2")
    rest = _country_rows(second.text)
    assert len(rest) == 5
    assert set(rest).isdisjoint(names)
    # The heatmap shows the countries of the page, not all of them.
    heatmap = second.text.split('id="heatmap"', 1)[1].split('id="table"', 1)[0]
    assert all(name in heatmap for name in rest)
    assert names[0] not in heatmap
    # Past the last page: the last page.
    assert _country_rows(client.get(f"/results/rounds/{big_round.id}?page=9").text)


def test_sorting_by_change_orders_every_country_before_paging(client, analyst, big_round):
    page = client.get(f"/results/rounds/{big_round.id}?sort=change&dir=asc")
    assert page.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", page.text.split('<table class="scores">', 1)[1], re.S)
    changes = [re.search(r"since 2025-H2", row) is not None for row in rows[1:51]]
    # Countries with a change come first whichever the direction, then those without one.
    assert changes == sorted(changes, reverse=True)
    assert changes[0]


def test_an_overview_page_is_in_french_too(client, create_user, login, big_round):
    user = create_user(Role.ANALYST)
    user.language = "fr"
    login(user)
    page = client.get(f"/results/rounds/{big_round.id}?sort=country&dir=asc").text
    assert "Pays 1 à 50 sur 55" in page
    assert "Pays suivants" in page
