"""What each token sees: a respondent only their countries' submitted answers, nobody a draft;
every table row of every endpoint is checked, in JSON and CSV."""

from __future__ import annotations

import csv
import io

import pytest

from tests.export.conftest import STATISTICS_ANSWER

ANSWERS = {
    "legal_tip_offence": "yes",
    "legal_instruments": ["palermo", "smuggling"],
    "protection_shelters": 4,
    "protection_statistics": STATISTICS_ANSWER,
}


@pytest.fixture
def world(
    create_country, create_version, create_round, create_submission, create_user, issue_token
):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    burkina = create_country("BF", "BFA", "Burkina Faso", "Burkina Faso")
    chad = create_country("TD", "TCD", "Chad", "Tchad")
    version = create_version()
    shared = create_round(version, [niger, mali, burkina])
    elsewhere = create_round(version, [chad], period="2026-CH")
    create_submission(shared, niger, ANSWERS, "submitted")
    create_submission(shared, mali, ANSWERS, "validated")
    create_submission(shared, burkina, ANSWERS, "draft")  # never in any answer
    create_submission(elsewhere, chad, ANSWERS, "validated")
    tokens = {
        "analyst": issue_token(create_user("analyst")),
        "niger": issue_token(create_user("respondent", countries=[niger])),
        "burkina": issue_token(create_user("respondent", countries=[burkina])),
    }
    return {"shared": shared, "elsewhere": elsewhere, "tokens": tokens}


def table_urls(world) -> list[str]:
    shared = world["shared"].id
    return [
        "/api/v1/rounds",
        "/api/v1/responses",
        f"/api/v1/responses?round={shared}",
        f"/api/v1/rounds/{shared}/statistics",
    ]


def countries_in(api, token, url) -> set[str]:
    found = set()
    body = api(token, url)
    assert body.status_code == 200, (url, body.data)
    rows = body.get_json()["data"]
    text = api(token, url + ("&" if "?" in url else "?") + "format=csv").get_data(as_text=True)
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    assert len(csv_rows) == len(rows)
    for row in rows + csv_rows:
        if "country" in row:
            found.add(row["country"])
    return found


def test_a_respondent_sees_only_their_countries_rows(world, api):
    niger = world["tokens"]["niger"]
    for url in table_urls(world):
        if url == "/api/v1/rounds":
            continue  # rounds have no country column; checked below
        assert countries_in(api, niger, url) <= {"NE"}, url
    rounds = api(niger, "/api/v1/rounds").get_json()["data"]
    assert [r["round_id"] for r in rounds] == [world["shared"].id]
    assert rounds[0]["countries"] == 1
    detail = api(niger, f"/api/v1/rounds/{world['shared'].id}").get_json()
    assert [c["country"] for c in detail["countries"]] == ["NE"]


def test_another_countrys_data_is_404_as_on_the_web(world, api):
    niger = world["tokens"]["niger"]
    for url in (
        f"/api/v1/rounds/{world['elsewhere'].id}",
        f"/api/v1/rounds/{world['elsewhere'].id}/statistics",
        f"/api/v1/responses?round={world['elsewhere'].id}",
        "/api/v1/responses?country=TD",
        "/api/v1/responses?country=ML",
        "/api/v1/rounds?country=MLI",
        "/api/v1/responses?country=ZZ",
    ):
        response = api(niger, url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"


def test_drafts_are_never_exposed(world, api):
    analyst = world["tokens"]["analyst"]
    for url in table_urls(world):
        assert "BF" not in countries_in(api, analyst, url), url
    burkina = world["tokens"]["burkina"]  # even to the draft's own country: not published
    assert api(burkina, "/api/v1/responses").get_json()["data"] == []
    assert api(burkina, f"/api/v1/rounds/{world['shared'].id}/statistics").get_json()["data"] == []


def test_tidy_responses_have_stable_keys_labels_and_scores(world, api):
    analyst = world["tokens"]["analyst"]
    rows = api(analyst, f"/api/v1/responses?round={world['shared'].id}&country=NE").get_json()[
        "data"
    ]
    by_key = {r["question_key"]: r for r in rows}
    assert by_key["legal_tip_offence"]["value"] == "yes"
    assert by_key["legal_tip_offence"]["value_label"] == "Yes"
    assert by_key["legal_tip_offence"]["score"] == 1.0
    assert by_key["legal_tip_offence"]["lineage_id"] == "legal_tip_offence"
    assert by_key["legal_instruments"]["value"] == "palermo; smuggling"
    assert by_key["protection_shelters"]["value"] == 4
    assert by_key["legal_notes"]["value"] is None  # unanswered: a row all the same
    french = api(
        analyst, f"/api/v1/responses?round={world['shared'].id}&country=NE&lang=fr"
    ).get_json()["data"]
    assert {r["question_key"] for r in french} == set(by_key)
    assert {r["country_name"] for r in french} == {"Niger"}
    assert (
        next(r for r in french if r["question_key"] == "legal_tip_offence")["value_label"] == "Oui"
    )


def test_statistics_one_row_per_cell(world, api):
    analyst = world["tokens"]["analyst"]
    rows = api(analyst, f"/api/v1/rounds/{world['shared'].id}/statistics?country=NE").get_json()[
        "data"
    ]
    cells = {(r["indicator_id"], r["year"], r["disaggregation_id"]): r["value"] for r in rows}
    assert cells == {
        ("prosecuted", 2024, "female"): 3,
        ("prosecuted", 2024, "male"): 9,
        ("prosecuted", 2024, "total"): 12,
        ("victims_identified", 2025, "total"): 40,
    }
