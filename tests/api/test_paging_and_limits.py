"""Cursor pagination neither skips nor repeats a row while others submit; the rate limit counts
parallel requests exactly; ETags answer 304 until the data changes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from surveys.api.models import ApiToken
from surveys.columns import utcnow

CODES = ("BF", "CI", "GH", "ML", "NE", "SN", "TD", "TG")
ANSWERS = {"legal_tip_offence": "yes", "protection_shelters": 3}


@pytest.fixture
def paging_world(
    create_country, create_version, create_round, create_submission, create_user, issue_token
):
    countries = {code: create_country(code) for code in CODES}
    round_ = create_round(create_version(), list(countries.values()))
    # Every other country has submitted; the others submit while the analyst pages.
    for code in CODES[::2]:
        create_submission(round_, countries[code], ANSWERS, "submitted", submitted_at=utcnow())
    token = issue_token(create_user("analyst"))
    return round_, countries, token


def key(row) -> tuple:
    return (row["round_id"], row["country"], row["question_key"])


def test_concurrent_submissions_while_paging_neither_skip_nor_repeat(
    paging_world, api, create_submission
):
    round_, countries, token = paging_world
    url = f"/api/v1/responses?round={round_.id}&limit=7"
    expected = [key(r) for r in api(token, url.replace("limit=7", "limit=1000")).get_json()["data"]]
    seen, pages, late = [], 0, list(CODES[1::2])
    while url:
        body = api(token, url).get_json()
        seen += [key(r) for r in body["data"]]
        pages += 1
        if late:  # someone submits between two pages, before and after the cursor
            code = late.pop(0)
            create_submission(round_, countries[code], ANSWERS, "submitted", submitted_at=utcnow())
        url = body["links"]["next"]
    assert pages > 5
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert seen == expected, "a row was skipped or the order changed"
    # Starting again (no cursor) includes what was submitted meanwhile.
    fresh = api(token, f"/api/v1/responses?round={round_.id}&limit=100000").get_json()["data"]
    assert {r["country"] for r in fresh} == set(CODES)


def test_csv_pages_follow_the_link_header(paging_world, api):
    round_, _, token = paging_world
    url = f"/api/v1/responses?round={round_.id}&limit=10&format=csv"
    lines = []
    while url:
        response = api(token, url)
        text = response.get_data(as_text=True).splitlines()
        assert text[0].startswith("round_id,period,questionnaire")
        lines += text[1:]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    whole = api(token, f"/api/v1/responses?round={round_.id}&format=csv").get_data(as_text=True)
    assert lines == whole.splitlines()[1:]


def test_etag_answers_304_until_a_submission_changes(paging_world, api, db):
    round_, countries, token = paging_world
    url = f"/api/v1/responses?round={round_.id}"
    first = api(token, url)
    etag = first.headers["ETag"]
    assert api(token, url, headers={"If-None-Match": etag}).status_code == 304
    from surveys.responses.models import Submission

    submission = db.session.scalar(
        sa.select(Submission).where(Submission.country_id == countries["NE"].id)
    )
    submission.status = "validated"
    db.session.commit()
    changed = api(token, url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_rate_limit_counts_parallel_requests_exactly(app, db, create_user, issue_token):
    token = issue_token(create_user("analyst"))
    saved = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = 10
    db.session.commit()
    db.session.close()  # the worker threads write the token's row; hold no transaction here

    def call(_):
        response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.headers.get("Retry-After")

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(call, range(30)))
    finally:
        app.config["API_RATE_LIMIT"] = saved
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 10 + [429] * 20
    waits = [int(wait) for status, wait in results if status == 429]
    assert all(1 <= wait <= 60 for wait in waits)
    assert db.session.scalar(sa.select(ApiToken.window_count)) == 30


def test_links_given_out_name_the_platform_not_the_host_asked_for(
    app, paging_world, api, monkeypatch
):
    """A client (or a proxy or cache that passes its Host header on) cannot make the API hand
    out links to another site: the next page and the OpenAPI server come from BASE_URL."""
    round_, _, token = paging_world
    monkeypatch.setitem(app.config, "BASE_URL", "https://monitoring.example.org")
    evil = {"Host": "evil.example"}
    body = api(token, f"/api/v1/responses?round={round_.id}&limit=2", headers=evil).get_json()
    assert body["links"]["next"].startswith("https://monitoring.example.org/api/v1/responses?")
    document = api(None, "/api/v1/openapi.json", headers=evil).get_json()
    assert document["servers"][0]["url"] == "https://monitoring.example.org/api/v1"
    docs = api(None, "/api/docs", headers=evil).get_data(as_text=True)
    assert "evil.example" not in docs and "https://monitoring.example.org/api/v1" in docs
