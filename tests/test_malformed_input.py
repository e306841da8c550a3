"""Each malformed input of issue 10, point 6 answers 4xx (or its page) with a clear message, on
SQLite and PostgreSQL, never 500: ids beyond what a database holds, non-numeric or non-ASCII
numbers, huge integers, CR/LF in return addresses and ids, and unreadable questionnaire files."""

from __future__ import annotations

import io

import pytest

from surveys.inputs import MAX_ID, parse_id, parse_ids, same_site_path
from tests.crawl import build_world, client_as

HUGE_IDS = [str(2**31), str(2**63), "9" * 30, "9" * 5000, "١٢", "²", "-1", "0"]


@pytest.fixture
def world(db, factories):
    return build_world(db, factories, wanted={"submission_id", "round_id", "query_id"})


def test_an_id_no_database_holds_is_not_found(app, login, world):
    for raw in HUGE_IDS:
        assert_not_found(app, login, world, raw)


def assert_not_found(app, login, world, raw: str) -> None:
    for identity, path in [
        ("respondent", f"/submissions/{raw}"),
        ("respondent", f"/submissions/{raw}/areas/legal"),
        ("respondent", f"/evidence/{raw}"),
        ("coordinator", f"/rounds/{raw}"),
        ("coordinator", f"/review/submissions/{raw}"),
        ("admin", f"/people/{raw}"),
        ("coordinator", f"/questionnaires/mini/v{raw}"),
    ]:
        response = client_as(app, login, world, identity).get(path)
        assert response.status_code == 404, (path, response.status_code)
    posted = client_as(app, login, world, "respondent").post(f"/review/queries/{raw}/answer")
    assert posted.status_code == 404


def test_the_largest_id_a_database_holds_is_looked_up(app, login, world):
    client = client_as(app, login, world, "respondent")
    assert client.get(f"/submissions/{MAX_ID}").status_code == 404  # not there, but asked


def area_url(world) -> str:
    return f"/submissions/{world.submission.id}/areas/legal"


def test_odd_revision_ids_on_the_conflict_page(app, login, world):
    client = client_as(app, login, world, "respondent")
    for raw in [*HUGE_IDS, "abc", "1.5", ""]:
        page = client.get(area_url(world) + "/conflicts", query_string={"r": raw})
        assert page.status_code == 200
        assert "There is nothing left to choose." in page.get_data(as_text=True)
        posted = client.post(
            area_url(world) + "/conflicts",
            data={"r": raw, "lock_version": raw, "choice-legal_notes": "mine"},
        )
        assert posted.status_code == 302


def test_odd_evidence_ids_and_versions_in_an_area_post(app, login, world):
    client = client_as(app, login, world, "respondent")
    for raw in [*HUGE_IDS, "abc"]:
        response = client.post(
            area_url(world),
            data={"lock_version": raw, "legal_notes-remove_evidence": raw, "legal_notes": raw},
            headers={"Accept": "application/json"},
        )
        # Without a usable version or base, a field someone saved before is a conflict.
        assert response.status_code in (200, 409), raw
        assert response.is_json


def test_huge_or_foreign_numbers_in_the_cadence_form_are_explained(app, login, world):
    client = client_as(app, login, world, "coordinator")
    for raw in ["9" * 400, "9" * 5000, "١٢", "1e3", "2147483648"]:
        assert_cadence_refused(client, world, raw)


def assert_cadence_refused(client, world, raw: str) -> None:
    response = client.post(
        "/rounds/cadences",
        data={
            "questionnaire_id": world.version.questionnaire_id,
            "every_months": raw,
            "open_weeks": "8",
            "lead_days": "14",
            "first_opens_at": "2030-01-01T08:00",
            "reminder_offsets": "7, 1",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a whole number." in page or "between 1 and 36" in page


def test_a_query_on_a_question_id_with_line_breaks_is_refused_briefly(app, db, login, world):
    world.submission.status = "submitted"
    db.session.commit()
    client = client_as(app, login, world, "coordinator")
    for question_id in ("legal_notes\r\nSet-Cookie: x=1", "x" * 1_000_000):
        response = client.post(
            f"/review/submissions/{world.submission.id}/queries",
            data={"question_id": question_id, "text": "Which article?"},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location == f"/review/submissions/{world.submission.id}"
    page = client.get(location).get_data(as_text=True)
    assert "This question is not part of the questionnaire." in page


@pytest.mark.parametrize(
    "target",
    [
        "/ok\r\nLocation: https://evil.example/",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/" + "x" * 5000,
    ],
)
def test_return_addresses_with_line_breaks_or_other_sites_go_home(app, create_user, target):
    create_user("analyst", email="ana@example.org")
    client = app.test_client()
    switched = client.post("/language", data={"language": "fr", "next": target})
    assert switched.status_code == 302 and switched.headers["Location"] == "/"
    signed = client.post(
        "/login",
        data={"email": "ana@example.org", "password": "correct horse battery"},
        query_string={"next": target},
    )
    assert signed.status_code == 302 and signed.headers["Location"] == "/"


def test_a_same_site_return_address_is_kept(app, create_user):
    create_user("analyst", email="ana@example.org")
    response = app.test_client().post(
        "/login",
        data={"email": "ana@example.org", "password": "correct horse battery"},
        query_string={"next": "/results/?round=2"},
    )
    assert response.headers["Location"] == "/results/?round=2"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: " + b"[" * 1500 + b"]" * 1500 + b"\n", "invalid YAML"),
        (b"key: mini\nversion: " + b"9" * 5000 + b"\n", "must be a whole number"),
        (b"key: mini\nversion: 2147483648\n", "the version must be at most"),
        (b"key: mini\x00\n", "invalid YAML"),
    ],
)
def test_unreadable_questionnaire_uploads_are_reported(app, login, world, content, message):
    client = client_as(app, login, world, "coordinator")
    response = client.post(
        "/questionnaires/upload",
        data={"definition": (io.BytesIO(content), "mini.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("١٢", None),
        ("²", None),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 5000, None),
        (None, None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected


def test_parse_ids_keeps_the_valid_ones_once():
    assert parse_ids(["3", "x", "3", "٣", "4"]) == [3, 4]


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/a/b?c=1#d", True),
        ("/", True),
        ("", False),
        ("a/b", False),
        ("//x", False),
        ("/\\x", False),
        ("https://x/", False),
        ("/a\nb", False),
        ("/a\rb", False),
    ],
)
def test_same_site_path(target, kept):
    assert same_site_path(target) == (target if kept else None)
