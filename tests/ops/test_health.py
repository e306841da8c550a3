"""`/health` for load balancers and probes; a clean 503 while the database is unreachable."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from surveys import create_app
from surveys.columns import utcnow
from surveys.logs import TextFormatter
from surveys.scheduling.heartbeat import LEADER, STANDBY, Heart


def test_health_needs_no_sign_in_and_reports_a_missing_scheduler(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["scheduler"] == {
        "ok": False,
        "heartbeat_age_seconds": None,
        "last_sweep_age_seconds": None,
        "max_age_seconds": 120,
        "standbys": 0,
    }
    assert client.get("/healthz").get_json()["status"] == "degraded"  # the older address


def test_health_reports_the_leaders_heartbeat_and_its_standbys(client, db):
    Heart(db.engine, "web1:100").beat(LEADER, now=utcnow() - timedelta(seconds=4))
    Heart(db.engine, "web2:200").beat(STANDBY)
    Heart(db.engine, "web3:300").beat(STANDBY, now=utcnow() - timedelta(hours=1))  # gone
    body = client.get("/health").get_json()
    assert body["status"] == "ok"
    assert body["scheduler"]["ok"] is True
    assert 4 <= body["scheduler"]["heartbeat_age_seconds"] < 30
    assert body["scheduler"]["standbys"] == 1


def test_a_stale_heartbeat_makes_health_degraded_not_unavailable(client, db):
    Heart(db.engine, "web1:100").beat(LEADER, now=utcnow() - timedelta(minutes=10))
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["scheduler"]["ok"] is False
    assert body["scheduler"]["heartbeat_age_seconds"] >= 600


@pytest.fixture
def app_without_database(tmp_path):
    """An app whose database cannot be opened (as while PostgreSQL restarts)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no-such-folder/x.db",
        }
    )
    return app


def test_health_is_503_when_the_database_is_unreachable(app_without_database):
    response = app_without_database.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False}


def test_an_unreachable_database_is_one_log_line_a_poll_not_a_traceback(
    app_without_database, caplog
):
    caplog.set_level(logging.DEBUG)
    client = app_without_database.test_client()
    for _poll in range(3):
        assert client.get("/health").status_code == 503
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "GET /health 503 " + r.getMessage().rsplit(" ", 1)[1] for r in warnings
    ]
    assert len(warnings) == 3  # the request's line, one a poll
    assert all(r.exc_info is None for r in warnings)
    line = TextFormatter().format(warnings[0])
    assert 'error="database unreachable: unable to open database file"' in line
    assert "Traceback" not in line


def test_a_request_needing_the_database_fails_cleanly_with_503(app_without_database):
    client = app_without_database.test_client()
    page = client.post(
        "/login",
        data={"email": "ana@example.org", "password": "a password"},
        headers={"Accept-Language": "fr"},
    )
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "Indisponible pour le moment" in page.get_data(as_text=True)
    autosave = client.post(
        "/login",
        data={"email": "a@example.org", "password": "a password"},
        headers={"Accept": "application/json"},
    )
    assert autosave.status_code == 503
    assert autosave.get_json()["error"] == "Temporarily unavailable"
    assert "Nothing you saved before is lost" in autosave.get_json()["message"]


def test_a_signed_in_page_whose_database_fails_midway_answers_503(
    client, db, create_user, login, monkeypatch
):
    """The user was loaded before the failure; the error page must not read them again (the
    rollback expired them, and every statement fails from now on)."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from surveys.results import views

    login(create_user("analyst"))

    def refuse(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("terminating connection"))

    def database_gone(*_args, **_kwargs):
        event.listen(db.engine, "before_cursor_execute", refuse)
        refuse()

    monkeypatch.setattr(views, "render_template", database_gone)
    try:
        page = client.get("/results/")
    finally:
        if event.contains(db.engine, "before_cursor_execute", refuse):
            event.remove(db.engine, "before_cursor_execute", refuse)
    assert page.status_code == 503
    assert "Temporarily unavailable" in page.get_data(as_text=True)
