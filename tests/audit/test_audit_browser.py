"""The audit log browser: admins only, filters, pages, and no way to change an entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from surveys.audit.models import AuditEvent


@pytest.fixture
def events(db, create_user):
    """Three events on different days and by different people."""
    admin = create_user("admin", email="root@example.org", timezone="Africa/Niamey")
    rows = [
        AuditEvent(
            at=datetime(2026, 3, 1, 10, tzinfo=UTC),
            actor_id=admin.id,
            actor_label="root@example.org",
            action="user.invited",
            target_type="user",
            target_id=41,
            details={"roles": [[], ["respondent"]]},
        ),
        AuditEvent(
            at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
            actor_label="someone@example.org",
            action="auth.login_failed",
            details={"email": "someone@example.org"},
        ),
        AuditEvent(
            at=datetime(2026, 3, 5, 8, tzinfo=UTC),
            actor_label="system",
            action="submission.returned",
            target_type="submission",
            target_id=7,
            details={"closes_at": ["2026-03-31T18:00:00+00:00", "2026-04-15T17:30:00+00:00"]},
        ),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return admin


def listed(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [
        a
        for a in ("user.invited", "auth.login_failed", "submission.returned")
        if f"<code>{a}</code>" in body
    ]


def test_admin_sees_every_entry_newest_first(client, login, events):
    login(events)
    response = client.get("/audit/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.index("submission.returned</code>") < body.index("user.invited</code>")
    assert "respondent" in body  # the details: old → new
    # Moments in the reader's zone (Niamey, UTC+1) and words, as the log's own times.
    assert "31 Mar 2026, 19:00 → 15 Apr 2026, 18:30" in body
    assert "2026-03-31T18:00" not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=auth.login_failed", ["auth.login_failed"]),
        ("actor=ROOT@", ["user.invited"]),
        ("target_type=submission", ["submission.returned"]),
        ("target_type=user&target_id=41", ["user.invited"]),
        ("target_id=42", []),
        (
            "date_from=2026-03-02&date_to=2026-03-02",
            [],
        ),  # 23:30 UTC on 2 March is 3 March in Niamey
        ("date_from=2026-03-03&date_to=2026-03-03", ["auth.login_failed"]),
        ("date_to=2026-03-01", ["user.invited"]),
    ],
)
def test_filters(client, login, events, query, expected):
    login(events)
    assert listed(client.get(f"/audit/?{query}")) == expected


def test_an_end_date_before_the_start_date_is_explained(client, login, events):
    login(events)
    response = client.get("/audit/?date_from=2026-03-05&date_to=2026-03-01")
    assert b"The end date is before the start date." in response.data
    assert listed(response) == []


def test_entries_are_paginated(client, db, login, events, monkeypatch):
    from surveys.audit import views

    monkeypatch.setattr(views, "EVENTS_PER_PAGE", 2)
    login(events)
    first = client.get("/audit/")
    assert b"Page 1 of 2" in first.data and len(listed(first)) == 2
    assert listed(client.get("/audit/?page=2")) == ["user.invited"]


@pytest.mark.parametrize("role", ["coordinator", "analyst"])
def test_only_admins_may_read_the_log(client, login, create_user, role):
    login(create_user(role))
    assert client.get("/audit/").status_code == 403


def test_the_log_cannot_be_changed_through_the_app(app, client, db, login, events):
    login(events)
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/audit/").status_code == 405
    audit_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)
    entry = db.session.scalars(db.select(AuditEvent)).first()
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(db.select(AuditEvent)).first())
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


def test_two_things_listed_are_not_shown_as_a_change(db, client, login, create_user):
    """Two messages withdrawn (or a round's two countries, its two reminder days) are listed,
    not "12 → 13"; a change of a list (a person's countries) is still "before → after"."""
    admin = create_user("admin", email="root@example.org")
    db.session.add_all(
        [
            AuditEvent(
                at=datetime(2026, 3, 1, 10, tzinfo=UTC),
                actor_label="ne@example.org",
                action="round.notices_withdrawn",
                target_type="round",
                target_id=2,
                details={
                    "countries": ["NE", "ML"],
                    "reason": "country_submitted",
                    "messages": [12, 13],
                    "being_sent": [],
                },
            ),
            AuditEvent(
                at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                actor_label="root@example.org",
                action="round.created",
                target_type="round",
                target_id=2,
                details={"reminder_offsets": [14, 7]},
            ),
            AuditEvent(
                at=datetime(2026, 3, 3, 10, tzinfo=UTC),
                actor_label="root@example.org",
                action="user.updated",
                target_type="user",
                target_id=5,
                details={"countries": [["NE"], ["NE", "ML"]]},
            ),
        ]
    )
    db.session.commit()
    login(admin)
    body = " ".join(client.get("/audit/").get_data(as_text=True).split())
    assert "12 → 13" not in body and "NE → ML" not in body and "14 → 7" not in body
    assert "12, 13" in body and "NE, ML" in body and "14, 7" in body
    assert "NE → NE, ML" in body
    # Withdrawn because the country submitted: the label names no closing date.
    assert "Unsent messages withdrawn" in body
    assert "old closing date" not in body
