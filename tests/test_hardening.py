"""Sessions and headers under attack (issue 10, points 4 and 7): a copied session cookie dies
with sign-out, sign-in gives a new CSRF secret, HSTS in production over https, signed-in pages
are never cached, the sign-in throttle holds under parallel guesses, and a reset request takes
as long whether or not the address has an account."""

from __future__ import annotations

import re
import statistics
import threading
import time

import pytest
import sqlalchemy as sa

from surveys import create_app
from surveys.accounts import operations as account_operations
from tests.conftest import STRONG_SECRET

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


def signed_in(client) -> bool:
    return client.get("/account", headers=HTML).status_code == 200


def csrf_token_from(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def sign_in(client, email: str, token: str | None = None):
    data = {"email": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    return client.post("/login", data=data)


# ---------------------------------------------------------------- point 4: sign-out


def test_a_copied_session_cookie_is_worthless_after_signing_out(app, create_user):
    create_user("analyst", email="ana@example.org")
    browser = app.test_client()
    assert sign_in(browser, "ana@example.org").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert signed_in(thief)  # the copy works while the session lives

    assert browser.post("/logout").status_code == 302
    assert not signed_in(browser)
    assert not signed_in(thief)  # replayed after sign-out: refused on the server
    response = thief.post("/account", data={"name": "Hijacked"})
    assert response.status_code == 401
    assert sign_in(browser, "ana@example.org").status_code == 302  # signing in again works
    assert not signed_in(thief)


# ---------------------------------------------------------------- point 7: CSRF at sign-in


def test_signing_in_gives_a_new_csrf_secret(app, client, create_user, csrf_on):
    create_user("analyst", email="ana@example.org")
    before = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert sign_in(client, "ana@example.org", before).status_code == 302
    after = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert after != before
    # A token handed out before sign-in (e.g. planted by someone else) no longer works.
    stale = client.post("/account", data={"csrf_token": before, "name": "Changed"})
    assert stale.status_code == 400
    fresh = client.post(
        "/account",
        data={"csrf_token": after, "name": "Ana", "language": "en", "timezone": "UTC"},
    )
    assert fresh.status_code == 302


def test_signing_in_keeps_the_language_chosen_before(app, client, create_user):
    create_user("analyst", email="ana@example.org", language="fr")
    client.post("/language", data={"language": "fr"})
    sign_in(client, "ana@example.org")
    assert 'lang="fr"' in client.get("/account").get_data(as_text=True)


# ---------------------------------------------------------------- point 7: HSTS


def production_app(monkeypatch, tmp_path, **settings):
    monkeypatch.setenv("SURVEYS_ENV", "production")
    return create_app(
        {
            "SECRET_KEY": STRONG_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            **settings,
        }
    )


def test_hsts_is_sent_in_production_over_https_only(monkeypatch, tmp_path):
    app = production_app(monkeypatch, tmp_path)
    secure = app.test_client().get("/login", base_url="https://surveys.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = app.test_client().get("/login", base_url="http://surveys.example")
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_follows_the_proxy_and_the_setting(monkeypatch, tmp_path):
    proxied = production_app(monkeypatch, tmp_path, TRUSTED_PROXIES=1)
    behind = proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert behind.headers["Strict-Transport-Security"] == "max-age=31536000"
    off = production_app(monkeypatch, tmp_path, HSTS_SECONDS=0)
    assert (
        "Strict-Transport-Security"
        not in off.test_client().get("/login", base_url="https://surveys.example").headers
    )


def test_no_hsts_outside_production(app, client):
    response = client.get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers


# ---------------------------------------------------------------- point 7: no-store


def test_signed_in_pages_are_never_stored(app, client, login, create_user):
    login(create_user("analyst"))
    for path in ("/results/", "/account", "/questionnaires/", "/no-such-page"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    static = client.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


# ---------------------------------------------------------------- point 7: throttle


def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(
    app, db, create_user, monkeypatch
):
    create_user("analyst", email="ana@example.org")
    checks, lock = [], threading.Lock()
    real_verify = account_operations.verify_password

    def counting_verify(password_hash, password):
        with lock:
            checks.append(password)
        time.sleep(0.02)  # a real hash is slow: the window parallel guesses slip through
        return real_verify(password_hash, password)

    monkeypatch.setattr(account_operations, "verify_password", counting_verify)
    statuses = []

    def guess(number: int) -> None:
        response = app.test_client().post(
            "/login", data={"email": "ana@example.org", "password": f"guess {number}"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(checks) == limit, f"{len(checks)} password checks for a limit of {limit}"
    assert sorted(statuses) == [200] * limit + [429] * (30 - limit)
    from surveys.accounts.models import LoginAttempt

    attempts = db.session.scalar(sa.select(sa.func.count(LoginAttempt.id)))
    assert attempts == 30  # every guess counted


# ---------------------------------------------------------------- point 7: reset timing


def test_a_reset_request_takes_as_long_whether_or_not_the_address_exists(
    app, create_user, monkeypatch
):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MIN_SECONDS", 0.08)
    create_user("analyst", email="ana@example.org")

    def duration(email: str) -> float:
        started = time.perf_counter()
        response = app.test_client().post("/password/forgot", data={"email": email})
        assert response.status_code == 302
        return time.perf_counter() - started

    known, unknown = [], []
    for number in range(6):
        known.append(duration("ana@example.org"))
        unknown.append(duration(f"nobody{number}@example.org"))
    assert min(known + unknown) >= 0.08
    difference = abs(statistics.median(known) - statistics.median(unknown))
    assert difference < 0.02, (known, unknown)


def test_no_store_is_decided_without_asking_the_database(app, monkeypatch):
    """After the view, a database that went away (PostgreSQL restarting) must not turn the
    page's clean 503 into a 500: signed in or not is read from the session alone."""
    import flask
    from sqlalchemy.exc import OperationalError

    from surveys.web import no_store_when_signed_in

    def database_down(_user_id):
        raise OperationalError("SELECT users", {}, Exception("server closed the connection"))

    monkeypatch.setattr(app.login_manager, "_user_callback", database_down)
    with app.test_request_context("/my-questionnaires"):
        flask.session["_user_id"] = "1:1"
        response = no_store_when_signed_in(app.response_class("page", mimetype="text/html"))
    assert response.headers["Cache-Control"] == "no-store"
    with app.test_request_context("/login"):
        response = no_store_when_signed_in(app.response_class("page", mimetype="text/html"))
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_connection_lost_when_the_request_ends_is_not_a_500(app, monkeypatch):
    """PostgreSQL restarting between the view and the end of the request: the session's last
    rollback fails on the dead connection; the answer already made stands (the app context's
    teardown does not raise) and the next request gets a new session."""
    from sqlalchemy.exc import OperationalError

    from surveys.extensions import db
    from surveys.web import release_session

    def remove_on_a_dead_connection():
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))

    with app.app_context():
        session = db.session()
        monkeypatch.setattr(db.session, "remove", remove_on_a_dead_connection)
        release_session(None)  # raised before: a 500 after the answer was made
        monkeypatch.undo()
        assert db.session() is not session
