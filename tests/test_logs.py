"""One structured line per request, and nothing a person typed in it."""

from __future__ import annotations

import json
import logging

from surveys.accounts.models import TokenPurpose
from surveys.accounts.tokens import issue_token
from surveys.logs import JsonFormatter, TextFormatter

PASSWORD = "correct horse battery"


def request_lines(caplog) -> list[dict]:
    return [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "surveys.request"
    ]


def test_each_request_gives_one_line_with_route_status_user_and_duration(
    client, create_user, caplog
):
    person = create_user("analyst", email="ana@example.org", password=PASSWORD)
    caplog.set_level(logging.INFO, logger="surveys.request")
    client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    response = client.get("/results/", headers={"X-Request-ID": "lb-4f2a"})
    lines = request_lines(caplog)
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("POST", "/login", 302),
        ("GET", "/results/", 200),
    ]
    assert lines[0]["user_id"] == lines[1]["user_id"] == person.id  # who signed in, then who read
    assert lines[1]["request_id"] == "lb-4f2a" == response.headers["X-Request-ID"]
    assert all(isinstance(x["duration_ms"], float) for x in lines)
    assert len(lines[0]["request_id"]) == 32  # made up when the proxy sends none


def test_passwords_tokens_and_answers_never_reach_the_log(app, client, create_user, caplog):
    person = create_user("respondent", email="resp@example.org", password=PASSWORD)
    token = issue_token(person, TokenPurpose.PASSWORD_RESET)
    caplog.set_level(logging.DEBUG)
    client.post("/login", data={"email": "resp@example.org", "password": PASSWORD + "x"})
    client.get(f"/password/reset/{token}?next=secret-next")
    client.post(
        f"/password/reset/{token}",
        data={"password": "a brand new secret phrase", "confirm": "a brand new secret phrase"},
    )
    client.post("/submissions/1/areas/legal", data={"legal_notes": "Confidential answer text"})
    text = "\n".join(TextFormatter().format(r) for r in caplog.records)
    text += "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "/password/reset/<reset_token>" in text
    for secret in (PASSWORD, token, "a brand new secret phrase", "Confidential", "secret-next"):
        assert secret not in text


def test_text_lines_are_key_value_pairs(client, caplog):
    caplog.set_level(logging.INFO, logger="surveys.request")
    client.get("/login")
    [record] = [r for r in caplog.records if r.name == "surveys.request"]
    line = TextFormatter().format(record)
    assert "GET /login 200" in line
    assert "user_id=- ip=127.0.0.1" in line and "route=" not in line


def test_requests_refused_by_the_csrf_check_leave_their_line_too(
    app, client, create_user, caplog, monkeypatch
):
    """The CSRF check runs before the view and reads the form: a post without its token (400)
    or over the size limit (413) is refused there, and used to leave no line at all."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    caplog.set_level(logging.INFO, logger="surveys.request")
    client.post("/login", data={"email": "x@example.org", "password": "x"})
    client.post("/login", data={"email": "x@example.org", "password": "x" * 4096})
    lines = request_lines(caplog)
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("POST", "/login", 400),
        ("POST", "/login", 413),
    ]
    assert all(isinstance(x["duration_ms"], float) for x in lines)


def test_an_address_no_route_matches_is_logged_without_its_path(client, create_user, caplog):
    """A password link copied with a trailing slash, or cut, matches no route: its token must
    not reach the log through the path."""
    person = create_user("respondent", email="resp@example.org", password=PASSWORD)
    token = issue_token(person, TokenPurpose.INVITATION)
    caplog.set_level(logging.DEBUG)
    assert client.get(f"/invitation/{token}/").status_code == 404
    assert client.get(f"/password/reset/{token}/extra").status_code == 404
    assert client.get(f"/{token}").status_code == 404
    assert client.delete(f"/invitation/{token}").status_code == 405
    lines = request_lines(caplog)
    assert [(x["route"], x["status"]) for x in lines] == [
        ("/invitation/<unmatched>", 404),
        ("/password/<unmatched>", 404),
        ("/<unmatched>", 404),
        ("/invitation/<unmatched>", 405),
    ]
    text = "\n".join(TextFormatter().format(r) for r in caplog.records)
    text += "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert token not in text
