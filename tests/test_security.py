"""Security properties a person (or an attacker) would notice: CSRF, headers, cookies, password
links that expire and work once, sign-in throttling, and deactivation ending live sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from surveys import create_app
from surveys.accounts.models import TokenPurpose, User
from surveys.accounts.passwords import verify_password
from surveys.accounts.tokens import consume_token, find_token, issue_token
from surveys.columns import utcnow
from surveys.web import CONTENT_SECURITY_POLICY
from tests.conftest import STRONG_SECRET

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


def signed_in(client) -> bool:
    return client.get("/account", headers=HTML).status_code == 200


def csrf_token_from(page) -> str:
    return (
        re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1).decode()
    )


# ---------------------------------------------------------------- CSRF


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_a_form_posted_without_its_csrf_token_is_refused(app, client, create_user, csrf_on):
    create_user("analyst", email="ana@example.org")
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)


def test_the_same_form_with_its_token_is_accepted(app, client, create_user, csrf_on):
    create_user("analyst", email="ana@example.org")
    token = csrf_token_from(client.get("/login"))
    response = client.post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert signed_in(client)


def test_state_changing_buttons_need_the_token_too(app, client, db, login, create_user, csrf_on):
    admin = create_user("admin")
    person = create_user("analyst")
    login(admin)
    assert client.post(f"/people/{person.id}/deactivate").status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.post("/language", data={"language": "fr"}).status_code == 400
    db.session.refresh(person)
    assert person.is_enabled
    assert signed_in(client)


# ---------------------------------------------------------------- headers and cookies


def assert_security_headers(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if response.mimetype == "text/html":
        policy = response.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy


def test_headers_on_pages_and_error_pages(client, login, create_user):
    assert_security_headers(client.get("/login"))
    assert_security_headers(client.get("/no-such-page"))
    assert_security_headers(client.get("/healthz"))  # JSON: no CSP needed, nosniff still
    login(create_user("respondent"))
    forbidden = client.get("/people")
    assert forbidden.status_code == 403
    assert_security_headers(forbidden)
    assert_security_headers(client.get("/account"))


def test_session_cookie_is_http_only_and_same_site_lax(client, create_user):
    create_user("analyst", email="ana@example.org")
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEYS_ENV", "production")
    app = create_app(
        {
            "SECRET_KEY": STRONG_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/login")  # the CSRF token goes into the session
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["WTF_CSRF_ENABLED"] is not False


def test_pages_with_password_forms_are_not_cached(client):
    for path in ("/login", "/password/forgot"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- password links


@pytest.fixture
def invited(db, create_user):
    person = create_user("respondent", email="awa@example.org")
    person.password_hash = None
    db.session.commit()
    return person


def choose(client, path: str, password: str):
    return client.post(path, data={"password": password, "confirm": password})


def test_invitation_link_expires_after_the_configured_days(app, db, client, invited):
    fresh = issue_token(invited, TokenPurpose.INVITATION, now=utcnow() - timedelta(days=6))
    db.session.commit()
    assert client.get(f"/invitation/{fresh}").status_code == 200
    old = issue_token(invited, TokenPurpose.INVITATION, now=utcnow() - timedelta(days=7, hours=1))
    db.session.commit()
    response = client.get(f"/invitation/{old}")
    assert response.status_code == 410 and b"This link no longer works" in response.data
    assert choose(client, f"/invitation/{old}", "a long new password").status_code == 410
    db.session.refresh(invited)
    assert invited.password_hash is None


def test_token_lifetime_follows_the_setting(app, db, client, invited, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE_DAYS", 1)
    raw = issue_token(invited, TokenPurpose.INVITATION, now=utcnow() - timedelta(hours=25))
    db.session.commit()
    assert client.get(f"/invitation/{raw}").status_code == 410


def test_invitation_link_works_only_once(app, db, invited):
    raw = issue_token(invited, TokenPurpose.INVITATION)
    db.session.commit()
    first = app.test_client()
    assert choose(first, f"/invitation/{raw}", "the first password").status_code == 302
    second = app.test_client()
    assert choose(second, f"/invitation/{raw}", "a second password").status_code == 410
    assert not signed_in(second)
    db.session.refresh(invited)
    assert verify_password(invited.password_hash, "the first password")


def test_reset_link_cannot_be_reused(app, db, client, create_user, monkeypatch):
    person = create_user("analyst", email="ana@example.org")
    raw = issue_token(person, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    assert choose(client, f"/password/reset/{raw}", "first new password").status_code == 302
    again = app.test_client()
    assert again.get(f"/password/reset/{raw}").status_code == 410
    assert choose(again, f"/password/reset/{raw}", "second new password").status_code == 410
    db.session.refresh(person)
    assert verify_password(person.password_hash, "first new password")


def test_a_newer_reset_link_replaces_the_older_one(app, db, client, create_user):
    person = create_user("analyst")
    older = issue_token(person, TokenPurpose.PASSWORD_RESET)
    newer = issue_token(person, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    assert client.get(f"/password/reset/{older}").status_code == 410
    assert client.get(f"/password/reset/{newer}").status_code == 200


def test_two_simultaneous_uses_of_a_link_cannot_both_succeed(app, db, create_user):
    person = create_user("analyst")
    raw = issue_token(person, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    token = find_token(raw, TokenPurpose.PASSWORD_RESET)
    assert consume_token(token) is True
    assert consume_token(token) is False


def test_reset_links_point_at_the_configured_site_not_the_request_host(client, create_user, db):
    from surveys.notifications.models import OutboxMessage

    create_user("analyst", email="ana@example.org")
    client.post(
        "/password/forgot", data={"email": "ana@example.org"}, headers={"Host": "evil.example"}
    )
    body = db.session.scalar(sa.select(OutboxMessage.body))
    assert "http://localhost/password/reset/" in body and "evil.example" not in body


def test_unknown_and_garbage_tokens_are_refused(client):
    for raw in ("nope", "x" * 500, "%00"):
        assert client.get(f"/password/reset/{raw}").status_code in (404, 410)
        assert client.get(f"/invitation/{raw}").status_code in (404, 410)


# ---------------------------------------------------------------- throttling


def test_sign_in_is_throttled_with_a_clear_message(app, client, create_user):
    create_user("analyst", email="ana@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": "ana@example.org", "password": "guess"})
    locked = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Try again in 15 minutes" in locked.data
    assert not signed_in(client)


def test_throttling_is_shared_by_all_workers(app, db, create_user):
    """Counts live in the database: a second worker process (here: a second app with its own
    engine and sessions on the same database) sees the lock the first one recorded."""
    create_user("analyst", email="ana@example.org")
    for _ in range(5):
        app.test_client().post("/login", data={"email": "ana@example.org", "password": "guess"})
    shared = (
        "TESTING",
        "SECRET_KEY",
        "WTF_CSRF_ENABLED",
        "PASSWORD_HASH_METHOD",
        "SQLALCHEMY_DATABASE_URI",
        "SQLALCHEMY_ENGINE_OPTIONS",
        "UPLOAD_DIR",
    )
    second_worker = create_app({key: app.config[key] for key in shared})
    with second_worker.app_context():
        try:
            response = second_worker.test_client().post(
                "/login", data={"email": "ana@example.org", "password": PASSWORD}
            )
            assert response.status_code == 429
        finally:
            db.session.remove()
            db.engine.dispose()


# ---------------------------------------------------------------- deactivation


def test_deactivation_ends_a_live_session_at_once(app, db, client, login, create_user):
    person = create_user("analyst", email="ana@example.org")
    their_browser = app.test_client()
    their_browser.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert signed_in(their_browser)
    login(create_user("admin"))
    assert client.post(f"/people/{person.id}/deactivate").status_code == 302
    response = their_browser.get("/account", headers=HTML)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # Reactivating does not bring the old session back: the person signs in again.
    client.post(f"/people/{person.id}/reactivate")
    assert not signed_in(their_browser)
    their_browser.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert signed_in(their_browser)


def test_deactivation_from_the_command_line_ends_sessions_too(app, db, runner, create_user):
    create_user("analyst", email="ana@example.org")
    browser = app.test_client()
    browser.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert signed_in(browser)
    assert runner.invoke(args=["users", "deactivate", "ana@example.org"]).exit_code == 0
    assert not signed_in(browser)


def test_deactivation_kills_open_password_links(app, db, client, login, create_user):
    person = create_user("analyst")
    raw = issue_token(person, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    login(create_user("admin"))
    client.post(f"/people/{person.id}/deactivate")
    assert app.test_client().get(f"/password/reset/{raw}").status_code == 410
    assert db.session.get(User, person.id).is_enabled is False


def test_a_post_after_the_session_ended_asks_to_sign_in_again(
    app, client, login, create_user, csrf_on
):
    """The session (and its CSRF secret) is gone: 401 and a sign-in page, not a bare 400."""
    response = client.post("/logout", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "Please sign in"
    page = client.post("/logout")
    assert page.status_code == 401 and "Sign in to continue." in page.get_data(as_text=True)


def test_a_signed_in_post_with_a_stale_token_says_the_page_expired(
    app, client, login, create_user, csrf_on
):
    login(create_user("admin"))
    response = client.post("/logout", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert "This page has expired. Reload it and try again." in response.get_data(as_text=True)
    assert signed_in(client)
