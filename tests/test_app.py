"""The application skeleton: configuration, database settings, health and errors."""

import re

import pytest

from surveys import create_app
from surveys.config import check_production_settings


def test_production_refuses_a_missing_or_weak_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        check_production_settings(
            {"SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": "postgresql://x"}
        )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        check_production_settings({"SQLALCHEMY_DATABASE_URI": "postgresql://x"})


def test_production_refuses_to_start_without_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEYS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_the_embedded_database_keeps_its_file_name_across_upgrades(monkeypatch, tmp_path):
    # `make run` and earlier installs keep their data in instance/surveys.db: a new name would
    # start an empty platform beside it.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": None})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri == "sqlite:///" + app.instance_path + "/surveys.db"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app, db, backend):
    if backend != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data


def test_every_page_names_an_icon_the_app_serves(client):
    # Regression: browsers asked for /favicon.ico on every page and got a 404.
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    with client.get(href) as icon:  # static files are streamed: close the file
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"


def test_pages_and_assets_are_gzipped_for_browsers_that_accept_it(client):
    import gzip

    for url in ("/login", "/static/app.css"):
        with client.get(url) as plain:  # a static file response holds its file until closed
            plain_body = plain.data
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        # The page's CSRF token is signed with the second it was made in: two requests
        # straddling a second differ there (seen once in CI), and nowhere else.
        assert _token_masked(gzip.decompress(packed.data)) == _token_masked(plain_body)
        assert len(packed.data) < len(plain_body)
        assert "Content-Encoding" not in plain.headers


def _token_masked(body: bytes) -> bytes:
    return re.sub(rb'(name="csrf_token" value=")[^"]*"', rb'\1-"', body)


@pytest.mark.parametrize(("trusted", "recorded"), [(1, "196.200.1.7"), (0, "10.0.0.1")])
def test_failed_sign_in_records_the_forwarded_address_only_behind_a_trusted_proxy(
    tmp_path, trusted, recorded
):
    from surveys.audit.models import AuditEvent
    from surveys.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/proxy.db",
            "TRUSTED_PROXIES": trusted,
        }
    )
    with app.app_context():
        db.create_all()
        app.test_client().post(
            "/login",
            data={"email": "nobody@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": "196.200.1.7"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        event = db.session.scalars(db.select(AuditEvent)).one()
        assert (event.action, event.ip) == ("auth.login_failed", recorded)
        db.session.remove()
        db.engine.dispose()


def test_a_missing_static_file_starts_no_session(client):
    """A stray request for an asset (an old version's file, a probe) gets its 404 page without
    a session cookie: the page's language form would otherwise put a CSRF token in one."""
    missing = client.get("/static/no-such-file.css")
    assert missing.status_code == 404
    assert missing.headers.getlist("Set-Cookie") == []
    with client.get("/static/app.css") as present:
        assert present.headers.getlist("Set-Cookie") == []
    # Pages still keep their session (the CSRF token of their forms).
    assert client.get("/login").headers.getlist("Set-Cookie")
