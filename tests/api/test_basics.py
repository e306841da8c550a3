"""Tokens open the API as their owner; the API answers JSON or CSV, with ETags and JSON errors."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from surveys.api.models import ApiToken
from surveys.audit.models import AuditEvent
from surveys.columns import utcnow


def test_me_answers_the_owner_with_roles_and_countries(
    app, db, create_user, create_country, issue_token, api
):
    niger = create_country("NE")
    user = create_user("respondent", countries=[niger])
    response = api(issue_token(user), "/api/v1/me")
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["email"] == user.email
    assert body["roles"] == ["respondent"]
    assert body["countries"] == ["NE"]
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert response.headers["ETag"].startswith('W/"')


def test_without_a_token_the_api_answers_401_json(app, db, create_user, api, login, client):
    response = api(None, "/api/v1/me", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "token_missing"
    # A signed-in browser session is not enough: the API takes tokens only (no CSRF surface).
    login(create_user("analyst"))
    response = client.get("/api/v1/rounds")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_missing"


def test_expired_revoked_and_unknown_tokens_are_refused_and_audited(
    app, db, create_user, issue_token, api
):
    user = create_user("analyst")
    expired = issue_token(user, "old")
    revoked = issue_token(user, "gone")
    rows = {t.name: t for t in db.session.scalars(sa.select(ApiToken))}
    rows["old"].created_at = utcnow() - timedelta(days=100)
    rows["old"].expires_at = utcnow() - timedelta(seconds=1)
    rows["gone"].revoked_at = utcnow()
    db.session.commit()
    codes = {
        name: api(raw, "/api/v1/rounds").get_json()["error"]["code"]
        for name, raw in (
            ("old", expired),
            ("gone", revoked),
            ("bad", "nmy_" + "x" * 43),
            ("odd", "abc"),
        )
    }
    assert codes == {
        "old": "token_expired",
        "gone": "token_revoked",
        "bad": "token_invalid",
        "odd": "token_invalid",
    }
    reasons = sorted(
        e.details["reason"]
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "api_token.refused")
        )
    )
    # The two unknown tokens came from one address within a minute: audited once.
    assert reasons == ["token_expired", "token_invalid", "token_revoked"]


def test_unknown_tokens_are_audited_once_a_minute_per_address(app, db, api, monkeypatch):
    """A script trying tokens (or a stale one in a loop) gets 401 every time, but adds one line
    a minute to the audit log per address, not one per request."""
    from datetime import timedelta

    from surveys.api import tokens

    def refusals() -> list[str | None]:
        return list(
            db.session.scalars(
                sa.select(AuditEvent.ip).where(AuditEvent.action == "api_token.refused")
            )
        )

    for n in range(20):
        response = api(f"nmy_guess{n:040d}", "/api/v1/rounds")
        assert response.status_code == 401
    assert refusals() == ["127.0.0.1"]
    other = {"REMOTE_ADDR": "10.0.0.7"}
    assert api("nmy_" + "y" * 43, "/api/v1/rounds", environ_base=other).status_code == 401
    assert sorted(refusals()) == ["10.0.0.7", "127.0.0.1"]
    monkeypatch.setattr(tokens, "UNKNOWN_TOKEN_AUDIT_WINDOW", timedelta(0))
    assert api("nmy_" + "z" * 43, "/api/v1/rounds").status_code == 401
    assert len(refusals()) == 3


def test_a_role_the_endpoint_does_not_allow_gets_403_json(
    app, db, create_user, create_version, create_round, create_country, issue_token, api
):
    round_ = create_round(create_version(), [create_country("NE")])
    respondent = create_user("respondent", countries=[round_.participants[0].country])
    response = api(issue_token(respondent), f"/api/v1/rounds/{round_.id}/scorecards")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_tables_come_as_csv_by_accept_or_format(
    app, db, create_user, create_version, issue_token, api
):
    create_version()
    token = issue_token(create_user("analyst"))
    by_format = api(token, "/api/v1/questionnaires?format=csv")
    by_accept = api(token, "/api/v1/questionnaires", headers={"Accept": "text/csv"})
    assert by_format.mimetype == by_accept.mimetype == "text/csv"
    assert by_format.data == by_accept.data
    rows = list(csv.DictReader(io.StringIO(by_format.get_data(as_text=True))))
    assert [r["questionnaire"] for r in rows] == ["mini"]
    as_json = api(token, "/api/v1/questionnaires").get_json()
    assert as_json["data"][0]["sha256"] == rows[0]["sha256"]


def test_if_none_match_answers_304(app, db, create_user, create_version, issue_token, api):
    create_version()
    token = issue_token(create_user("analyst"))
    first = api(token, "/api/v1/questionnaires")
    etag = first.headers["ETag"]
    again = api(token, "/api/v1/questionnaires", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_bad_parameters_get_400_naming_the_parameter(app, db, create_user, issue_token, api):
    token = issue_token(create_user("analyst"))
    for query, name in (
        ("round=abc", "round"),
        ("nope=1", "nope"),
        ("format=xml", "format"),
        ("cursor=%%%", "cursor"),
    ):
        response = api(token, f"/api/v1/responses?{query}")
        assert response.status_code == 400, query
        error = response.get_json()["error"]
        assert (error["code"], error["parameter"]) == ("invalid_parameter", name)


def test_unknown_paths_and_methods_answer_json(app, db, create_user, issue_token, api, client):
    token = issue_token(create_user("analyst"))
    missing = api(token, "/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    posted = client.post("/api/v1/rounds", headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 405
    assert posted.get_json()["error"]["code"] == "method_not_allowed"
