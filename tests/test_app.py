"""The application skeleton: configuration, database settings, health and errors."""

import re

import pytest

from surveys import create_app
from surveys.config import check_production_settings


def test_health_check_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


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
        assert gzip.decompress(packed.data) == plain_body
        assert len(packed.data) < len(plain_body)
        assert "Content-Encoding" not in plain.headers
