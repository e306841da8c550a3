"""Signing in and out: generic refusals, audit of every attempt, safe redirects, throttling."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from surveys.accounts.models import LoginAttempt
from surveys.accounts.throttle import locked_until, record_attempt
from surveys.audit.models import AuditEvent
from surveys.columns import utcnow

REFUSAL = b"Email address or password is not correct."


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def audit_actions(db) -> list[tuple[str, str, dict]]:
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    return [(e.action, e.actor_label, e.details) for e in events]


def test_sign_in_opens_a_session_and_is_audited(client, db, create_user, sign_in):
    user = create_user("analyst", email="ana@example.org")
    response = sign_in("Ana@Example.org ")
    assert response.status_code == 302
    assert is_signed_in(client)
    assert ("auth.login", "ana@example.org", {}) in audit_actions(db)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(client, db, create_user, sign_in):
    create_user("analyst", email="ana@example.org")
    wrong = sign_in("ana@example.org", "not the password")
    unknown = sign_in("nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert REFUSAL in wrong.data and REFUSAL in unknown.data
    failed = [a for a in audit_actions(db) if a[0] == "auth.login_failed"]
    assert [details["email"] for _, _, details in failed] == [
        "ana@example.org",
        "nobody@example.org",
    ]
    assert not is_signed_in(client)


def test_deactivated_account_cannot_sign_in_even_with_its_password(db, create_user, sign_in):
    user = create_user("analyst", email="ana@example.org")
    user.is_enabled = False
    db.session.commit()
    response = sign_in("ana@example.org")
    assert REFUSAL in response.data


def test_invited_person_without_password_cannot_sign_in(db, create_user, sign_in):
    user = create_user("analyst", email="ana@example.org")
    user.password_hash = None
    db.session.commit()
    assert REFUSAL in sign_in("ana@example.org", "").data + sign_in("ana@example.org", "x").data


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(create_user, sign_in, app):
    create_user("analyst", email="ana@example.org")
    response = sign_in("ana@example.org", query_string={"next": "/account"})
    assert response.headers["Location"] == "/account"
    with app.test_client() as other:
        for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
            response = sign_in("ana@example.org", on=other, query_string={"next": target})
            assert response.headers["Location"] == "/"
            other.post("/logout")


def test_sign_out_ends_the_session(client, create_user, sign_in):
    create_user("analyst", email="ana@example.org")
    sign_in("ana@example.org")
    assert client.post("/logout").status_code == 302
    assert not is_signed_in(client)


def test_signed_in_person_visiting_the_sign_in_page_goes_home(client, create_user, login):
    login(create_user("analyst"))
    assert client.get("/login").status_code == 302


def test_account_is_locked_after_too_many_failures_even_with_the_right_password(
    client, db, create_user, sign_in
):
    create_user("analyst", email="ana@example.org")
    for _ in range(5):
        assert sign_in("ana@example.org", "wrong password").status_code == 200
    response = sign_in("ana@example.org")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts. Try again in 15 minutes." in response.data
    assert not is_signed_in(client)
    reasons = [d.get("reason") for a, _, d in audit_actions(db) if a == "auth.login_failed"]
    assert reasons[-1] == "throttled"


def test_lock_applies_to_unknown_addresses_too_so_it_reveals_nothing(sign_in):
    for _ in range(5):
        sign_in("nobody@example.org", "guess")
    assert sign_in("nobody@example.org", "guess").status_code == 429


def test_lock_is_per_account_other_people_can_still_sign_in(create_user, sign_in, app):
    create_user("analyst", email="ana@example.org")
    create_user("analyst", email="bob@example.org")
    for _ in range(5):
        sign_in("ana@example.org", "wrong password")
    assert sign_in("bob@example.org", on=app.test_client()).status_code == 302


def test_an_address_with_many_failures_on_many_accounts_is_locked(
    app, create_user, sign_in, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 3)
    create_user("analyst", email="ana@example.org")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(3):
        sign_in(f"guess{n}@example.org", "x", on=attacker)
    assert sign_in("ana@example.org", on=attacker).status_code == 429
    # The same account from another address is not affected.
    assert sign_in("ana@example.org", on=app.test_client()).status_code == 302


def test_address_limit_defaults_to_four_times_the_account_limit(app):
    from surveys.accounts.throttle import current_limits

    limits = current_limits()
    assert limits.account_failures == app.config["LOGIN_MAX_FAILURES"]
    assert limits.address_failures == 4 * app.config["LOGIN_MAX_FAILURES"]


def test_lock_lifts_when_the_failures_leave_the_window(app, db):
    now = utcnow()
    for minutes in (20, 19, 18, 17, 16):  # five failures, all older than the 15-minute window
        record_attempt(
            "ana@example.org", "198.51.100.1", succeeded=False, now=now - timedelta(minutes=minutes)
        )
    assert locked_until("ana@example.org", "198.51.100.1", now) is None
    record_attempt(
        "ana@example.org", "198.51.100.1", succeeded=False, now=now - timedelta(minutes=14)
    )
    for minutes in (4, 3, 2, 1):
        record_attempt(
            "ana@example.org", "198.51.100.1", succeeded=False, now=now - timedelta(minutes=minutes)
        )
    # Five failures in the window; the oldest (14 minutes ago) leaves it in one minute.
    assert locked_until("ana@example.org", "198.51.100.1", now) == now + timedelta(minutes=1)


def test_success_wipes_the_account_count_but_not_the_address_count(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 5)
    now = utcnow()
    for minutes in (9, 8, 7, 6):
        record_attempt(
            "ana@example.org", "198.51.100.1", succeeded=False, now=now - timedelta(minutes=minutes)
        )
    record_attempt(
        "ana@example.org", "198.51.100.1", succeeded=True, now=now - timedelta(minutes=5)
    )
    record_attempt(
        "ana@example.org", "198.51.100.1", succeeded=False, now=now - timedelta(minutes=4)
    )
    assert locked_until("ana@example.org", None, now) is None
    assert locked_until("someone@example.org", "198.51.100.1", now) is not None


def test_attempts_are_stored_in_the_database_for_every_worker(db, sign_in):
    sign_in("nobody@example.org", "guess")
    attempts = db.session.scalars(sa.select(LoginAttempt)).all()
    assert [(a.email, a.ip, a.succeeded) for a in attempts] == [
        ("nobody@example.org", "127.0.0.1", False)
    ]


def test_password_boxes_say_what_browsers_may_fill_in(client, login, create_user):
    sign_in_page = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in sign_in_page
    assert 'autocomplete="current-password"' in sign_in_page
    login(create_user("analyst"))
    change = client.get("/account/password").get_data(as_text=True)
    assert change.count('autocomplete="new-password"') == 2
    assert 'autocomplete="current-password"' in change
