"""Results pages: who may see them, what they show, sorting, and a query count independent of
the number of countries."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from surveys.results.operations import snapshot_submission
from surveys.roles import Role
from tests.conftest import MINI_V2
from tests.results.conftest import SPARSE, STRONG, WEAK, page_text, table_row

ISO_CODES = ["NE", "ML", "BF", "SN", "TD", "CI"]


def test_respondents_may_not_see_dashboards(client, create_user, login, scored_round):
    round_, countries, subs = scored_round({"NE": (STRONG, "validated")})
    login(create_user(Role.RESPONDENT, countries=[countries["NE"]]))
    for url in (
        "/results/",
        f"/results/rounds/{round_.id}",
        f"/results/rounds/{round_.id}/areas/legal",
        f"/results/countries/{countries['NE'].id}",
        f"/results/submissions/{subs['NE'].id}/areas/legal",
    ):
        assert client.get(url).status_code == 403, url


def test_signed_out_visitors_are_sent_to_sign_in(client, scored_round):
    round_, _, _ = scored_round({"NE": (STRONG, "validated")})
    response = client.get(f"/results/rounds/{round_.id}", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_heatmap_row_of_a_country_without_scores_shows_dashes(client, analyst, scored_round):
    # Regression: the row of a country that never submitted was blank, as if drawing failed.
    round_, _, _ = scored_round({"NE": (STRONG, "validated"), "TD": ({}, None)})
    page = client.get(f"/results/rounds/{round_.id}").text
    start = page.index('class="chart"')  # the heatmap comes first, after the legend swatches
    heatmap = page[start : page.index("</svg>", start)]
    after_chad = heatmap.split(">Country TD<", 1)[1]
    assert after_chad.count(">—<") >= 2  # one per area and the overall index


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COORDINATOR, Role.ADMIN])
def test_readers_see_the_overview_and_the_menu_entry(
    client, create_user, login, scored_round, role
):
    round_, _, _ = scored_round({"NE": (STRONG, "validated")})
    login(create_user(role))
    response = client.get(f"/results/rounds/{round_.id}")
    assert response.status_code == 200
    assert 'href="/results/"' in response.text  # the "Results" menu entry


def test_overview_shows_scores_status_coverage_and_insufficient_information(
    client, analyst, scored_round
):
    round_, _, _ = scored_round(
        {
            "NE": (STRONG, "validated"),
            "ML": (WEAK, "submitted"),
            "BF": (SPARSE, "submitted"),
            "SN": (STRONG, "draft"),
            "TD": ({}, None),
        }
    )
    page = client.get(f"/results/rounds/{round_.id}").text
    assert "<svg" in page and 'role="img"' in page  # the heatmap
    niger = table_row(page, "Country NE")
    assert "Validated" in niger and "100.00%" in niger
    assert "No previous round" in niger
    assert "Insufficient information" in table_row(page, "Country BF")
    assert "Draft" in table_row(page, "Country SN")
    assert "Not started" in table_row(page, "Country TD")
    # Drafts are not scored: Senegal's strong answers give no number on the page.
    assert re.search(r"\d", table_row(page, "Country SN").removeprefix("Country SN")) is None
    assert "Regional aggregates" in page


def test_overview_sorts_by_any_column_with_links_in_headers(client, analyst, scored_round):
    round_, _, _ = scored_round(
        {"NE": (STRONG, "validated"), "ML": (WEAK, "submitted"), "BF": (SPARSE, "submitted")}
    )
    url = f"/results/rounds/{round_.id}"

    def order(query: str) -> list[str]:
        page = client.get(url + query).text
        table = page.split('class="scores"')[1]
        return re.findall(r"Country (NE|ML|BF)</a></th>", table)

    assert order("") == ["NE", "ML", "BF"]  # overall, highest first, no number last
    assert order("?sort=overall&dir=asc") == ["ML", "NE", "BF"]
    assert order("?sort=country&dir=asc") == ["BF", "ML", "NE"]
    assert order("?sort=country&dir=desc") == ["NE", "ML", "BF"]
    assert order("?sort=area:legal&dir=asc")[:2] == ["ML", "NE"]
    assert order("?sort=nonsense") == ["NE", "ML", "BF"]
    page = client.get(url + "?sort=overall&dir=desc").text
    assert 'aria-sort="descending"' in page
    assert f'href="{url}?sort=overall&amp;dir=asc"' in page  # toggles the direction


def test_overview_shows_change_since_previous_round_and_regressions(
    client, analyst, scored_round, create_version
):
    before, countries, _ = scored_round(
        {"NE": (STRONG, "validated")},
        period="2025-H2",
        opens_in=timedelta(days=-300),
        closes_in=timedelta(days=-200),
    )
    worse = dict(STRONG, legal_framework_status="none", legal_tip_offence="no")
    now, _, _ = scored_round(
        {"NE": (worse, "submitted")}, version=before.version, countries=countries
    )
    page = client.get(f"/results/rounds/{now.id}").text
    niger = table_row(page, "Country NE")
    assert "since 2025-H2" in niger
    assert re.search(r"-\d+\.\d\d", niger)
    assert "Regression" in niger


def test_change_across_versions_counts_only_questions_in_both(
    client, analyst, scored_round, create_version
):
    _, countries, _ = scored_round(
        {"NE": (STRONG, "validated")},
        period="2025-H2",
        opens_in=timedelta(days=-300),
        closes_in=timedelta(days=-200),
    )
    v2 = create_version(MINI_V2)
    # The same answers, the renamed question answered under its new id, and a new question
    # (absent from v1) answered "no": v2's own index is lower, but the change is nil.
    answers = dict(STRONG, protection_hotline="no")
    answers["legal_tip_criminalised"] = answers.pop("legal_tip_offence")
    now, _, _ = scored_round({"NE": (answers, "submitted")}, version=v2, countries=countries)
    niger = table_row(client.get(f"/results/rounds/{now.id}").text, "Country NE")
    # Beside the change, in words, what it is computed over and both figures (issue 14, point 7).
    assert (
        "85.37 High 100.00% +0.00 on the questions of both rounds: 97.62 → 97.62 since 2025-H2"
        in (niger)
    )
    assert "Regression" not in niger


def test_area_comparison_lists_countries_with_a_bar_chart(client, analyst, scored_round):
    round_, _, _ = scored_round(
        {"NE": (STRONG, "validated"), "ML": (WEAK, "submitted"), "BF": (SPARSE, "submitted")}
    )
    page = client.get(f"/results/rounds/{round_.id}/areas/protection").text
    assert "Protection of victims across countries" in page
    assert page.count("<rect") >= 2  # bars (and swatches)
    assert "Insufficient information" in table_row(page, "Country BF")
    assert client.get(f"/results/rounds/{round_.id}/areas/nope").status_code == 404
    assert client.get("/results/rounds/999/areas/legal").status_code == 404


def test_country_page_charts_every_round_and_links_to_answers(client, analyst, scored_round):
    before, countries, subs_before = scored_round(
        {"NE": (WEAK, "validated")},
        period="2025-H2",
        opens_in=timedelta(days=-300),
        closes_in=timedelta(days=-200),
    )
    _now, _, subs_now = scored_round(
        {"NE": (STRONG, "submitted")}, version=before.version, countries=countries
    )
    page = client.get(f"/results/countries/{countries['NE'].id}").text
    assert "<polyline" in page  # a line from one round to the next
    assert "2025-H2" in page and "2026-H2" in page
    # One panel per area and one for the overall index, no longer every line on one chart.
    panels = re.findall(
        r'<figure class="small-multiple"><figcaption>([^<]+)</figcaption>(<svg.*?</svg>)', page
    )
    assert [name for name, _ in panels] == ["Legal framework", "Protection of victims", "Overall"]
    for _, svg in panels:
        assert svg.count("<polyline") == 1
        assert len(re.findall(r'font-weight="bold"[^>]*>\d+\.\d\d<', svg)) == 2  # both rounds
    for submission in (subs_before["NE"], subs_now["NE"]):
        assert f"/results/submissions/{submission.id}/areas/legal" in page
    assert client.get("/results/countries/999").status_code == 404


def test_answers_page_explains_the_score(client, analyst, scored_round):
    _, _, subs = scored_round({"ML": (WEAK, "submitted")})
    snapshot_submission(subs["ML"], "submitted")
    from surveys.extensions import db

    db.session.commit()
    page = client.get(f"/results/submissions/{subs['ML'].id}/areas/protection").text
    text = page_text(page)
    assert "Scores as stored when submitted" in text
    assert "How many shelters for victims of trafficking operate in your country?" in text
    assert "Not applicable" in text  # protection_assisted_share
    assert "Unanswered" in text  # protection_focal_point
    legal = page_text(client.get(f"/results/submissions/{subs['ML'].id}/areas/legal").text)
    assert "UNTOC" in legal  # the option's label, not its value
    assert client.get(f"/results/submissions/{subs['ML'].id}/areas/nope").status_code == 404
    assert client.get("/results/submissions/999").status_code == 404


def test_answers_page_without_snapshot_scores_the_current_answers(client, analyst, scored_round):
    _, _, subs = scored_round({"NE": (STRONG, "submitted")})
    text = page_text(client.get(f"/results/submissions/{subs['NE'].id}").text)
    assert "Scores computed now from the current answers" in text
    assert "Legal framework" in text and "Protection of victims" in text  # every area
    assert "Hidden by a condition" not in text  # the strategy question is shown: offence "yes"


def test_a_draft_or_returned_submission_has_no_results_page(
    client, analyst, scored_round, tmp_path
):
    """A country's work in progress is shown to no reader of results: its answers pages are
    404 (they once showed a draft's provisional indices to whoever edited the URL), as the
    overview, the API and the scorecard's sheets leave it out."""
    from surveys.export.scorecard import build_scorecard
    from tests.export.helpers import openpyxl_book, table, values

    round_, _, subs = scored_round(
        {"NE": (STRONG, "draft"), "ML": (WEAK, "returned"), "BF": (SPARSE, "submitted")}
    )
    for iso2 in ("NE", "ML"):
        for path in ("", "/areas/legal", "/dimensions"):
            url = f"/results/submissions/{subs[iso2].id}{path}"
            assert client.get(url).status_code == 404, url
    assert client.get(f"/results/submissions/{subs['BF'].id}").status_code == 200
    path = tmp_path / "scorecard.xlsx"
    build_scorecard(round_.id, "en", path)
    book = openpyxl_book(path)
    responses = table(values(book["Responses"]), "Round")
    assert {row["Country code"] for row in responses} == {"BF"}


def test_answers_page_is_in_the_users_language(client, create_user, login, scored_round):
    _, _, subs = scored_round({"ML": (WEAK, "submitted")})
    login(create_user(Role.ANALYST, language="fr"))
    page = page_text(client.get(f"/results/submissions/{subs['ML'].id}/areas/legal").text)
    assert "La loi nationale incrimine-t-elle la traite des personnes" in page
    assert "CTO" in page  # the French label of "untoc"


def test_numbers_are_formatted_in_the_users_locale(client, create_user, login, scored_round):
    round_, _, _ = scored_round({"NE": (STRONG, "validated")})
    login(create_user(Role.ANALYST, language="fr"))
    page = client.get(f"/results/rounds/{round_.id}").text
    overall = re.search(r"Pays NE</a></th>.*?</td>\s*<td class=\"num\">(.*?)</td>", page, re.S)
    assert overall is not None
    assert re.search(r"\d+,\d\d", page_text(overall.group(1)))  # a decimal comma
    assert not re.search(r"\d+\.\d\d", page_text(overall.group(1)))


@contextmanager
def count_queries(db):
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def _overview_queries(db, client, scored_round, create_country, version, count, prefix) -> int:
    previous_countries = {code: create_country(prefix + code[1]) for code in ISO_CODES[:count]}
    plan = {
        iso2: ((STRONG, WEAK, SPARSE)[i % 3], ("validated", "submitted")[i % 2])
        for i, iso2 in enumerate(previous_countries)
    }
    before, countries, _ = scored_round(
        plan,
        version=version,
        period=f"{prefix}-old",
        countries=previous_countries,
        opens_in=timedelta(days=-300),
        closes_in=timedelta(days=-200),
    )
    now, _, subs = scored_round(
        plan, version=before.version, period=f"{prefix}-new", countries=countries
    )
    # Half the submissions have a stored snapshot; the others are scored on the fly.
    for submission in list(subs.values())[::2]:
        snapshot_submission(submission, "submitted")
    db.session.commit()
    db.session.expire_all()
    with count_queries(db) as statements:
        response = client.get(f"/results/rounds/{now.id}")
    assert response.status_code == 200
    return len(statements)


def test_overview_query_count_does_not_grow_with_countries(
    db, client, analyst, scored_round, create_country, create_version
):
    version = create_version()
    with_two = _overview_queries(db, client, scored_round, create_country, version, 2, "A")
    with_six = _overview_queries(db, client, scored_round, create_country, version, 6, "B")
    assert with_two == with_six


def test_round_page_explains_each_column_key_with_the_full_area_name(client, analyst, scored_round):
    round_, _, _ = scored_round({"NE": (STRONG, "validated"), "ML": (WEAK, "submitted")})
    page = client.get(f"/results/rounds/{round_.id}").text
    key = page.split('<dl class="area-key"', 1)[1].split("</dl>", 1)[0]
    assert re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", key) == [
        ("1", "Legal framework"),
        ("2", "Protection of victims"),
        ("All", "Overall"),
    ]
    # The table's area columns carry the same keys, with the full name for screen readers.
    assert '<span class="visually-hidden">Protection of victims</span>' in page
    assert "…" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
