"""`surveys users ...`: every subcommand, its help, and clear errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.audit.models import AuditEvent


def user(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.mark.parametrize(
    "command", ["create", "invite", "list", "deactivate", "reactivate", "grant", "revoke"]
)
def test_every_users_command_has_help(runner, command):
    result = runner.invoke(args=["users", command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_create_the_first_admin(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Root@Example.org",
            "--name",
            "Root",
            "--role",
            "admin",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    created = user(db, "root@example.org")
    assert created.roles == {"admin"} and created.password_hash
    assert (
        db.session.scalar(
            sa.select(AuditEvent.actor_label).where(AuditEvent.action == "user.created")
        )
        == "system"
    )


def test_create_refuses_a_duplicate_and_an_unknown_country(runner, create_user, countries):
    create_user("analyst", email="ana@example.org")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "ana@example.org",
            "--name",
            "A",
            "--role",
            "analyst",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code != 0 and "already has an account" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "new@example.org",
            "--name",
            "N",
            "--role",
            "respondent",
            "--country",
            "ZZ",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code != 0 and "unknown country code 'ZZ'" in result.output


def test_unknown_role_is_an_error(runner):
    result = runner.invoke(args=["users", "grant", "ana@example.org", "--role", "boss"])
    assert result.exit_code == 2 and "boss" in result.output


def test_invite_queues_the_email_and_prints_the_link(runner, db, countries, outbox):
    result = runner.invoke(
        args=[
            "users",
            "invite",
            "awa@example.org",
            "--name",
            "Awa",
            "--role",
            "respondent",
            "--country",
            "NE",
            "--language",
            "fr",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "http://localhost/invitation/" in result.output
    [message] = outbox("invitation")
    assert message.language == "fr"
    invited = user(db, "awa@example.org")
    assert invited.password_hash is None and invited.timezone == "Africa/Niamey"


def test_invite_explains_why_a_respondent_needs_a_country(runner, outbox):
    result = runner.invoke(
        args=["users", "invite", "awa@example.org", "--name", "Awa", "--role", "respondent"]
    )
    assert result.exit_code == 1 and "A respondent needs at least one country." in result.output
    assert outbox() == []


def test_list_filters_by_role_country_and_status(runner, db, create_user, countries):
    niger, mali = countries
    create_user("respondent", countries=[niger], email="ne@example.org")
    create_user("respondent", countries=[mali], email="ml@example.org")
    gone = create_user("analyst", email="old@example.org")
    gone.is_enabled = False
    db.session.commit()
    everyone = runner.invoke(args=["users", "list"]).output
    assert all(e in everyone for e in ("ne@example.org", "ml@example.org", "old@example.org"))
    in_niger = runner.invoke(args=["users", "list", "--country", "NE"]).output
    assert "ne@example.org" in in_niger and "ml@example.org" not in in_niger
    inactive = runner.invoke(args=["users", "list", "--inactive"]).output
    assert "old@example.org" in inactive and "deactivated" in inactive
    assert "ne@example.org" not in inactive
    assert (
        runner.invoke(args=["users", "list", "--role", "admin"]).output.strip() == "Nobody matches."
    )
    unknown = runner.invoke(args=["users", "list", "--country", "XX"])
    assert unknown.exit_code == 1 and "unknown country code 'XX'" in unknown.output


def test_deactivate_and_reactivate(runner, db, create_user):
    create_user("analyst", email="ana@example.org")
    assert runner.invoke(args=["users", "deactivate", "ana@example.org"]).exit_code == 0
    assert not user(db, "ana@example.org").is_enabled
    again = runner.invoke(args=["users", "deactivate", "ana@example.org"])
    assert again.exit_code == 1 and "already deactivated" in again.output
    assert runner.invoke(args=["users", "reactivate", "ana@example.org"]).exit_code == 0
    assert user(db, "ana@example.org").is_enabled


def test_unknown_email_is_a_clear_error(runner):
    for command in ("deactivate", "reactivate"):
        result = runner.invoke(args=["users", command, "who@example.org"])
        assert result.exit_code == 1
        assert "no account has the email address who@example.org" in result.output
    result = runner.invoke(args=["users", "grant", "who@example.org", "--role", "analyst"])
    assert "no account has the email address" in result.output


def test_grant_and_revoke_roles_and_countries(runner, db, create_user, countries):
    create_user("analyst", email="ana@example.org")
    result = runner.invoke(
        args=[
            "users",
            "grant",
            "ana@example.org",
            "--role",
            "respondent",
            "--country",
            "NE",
            "--country",
            "ML",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "roles analyst,respondent; countries ML,NE" in result.output
    result = runner.invoke(args=["users", "revoke", "ana@example.org", "--country", "ML"])
    assert result.exit_code == 0 and "countries NE" in result.output
    result = runner.invoke(args=["users", "revoke", "ana@example.org", "--role", "respondent"])
    assert result.exit_code == 0 and "roles analyst; countries -" in result.output
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "user.access_changed")
    ).all()
    assert len(events) == 3


def test_grant_needs_something_to_grant(runner, create_user):
    create_user("analyst", email="ana@example.org")
    result = runner.invoke(args=["users", "grant", "ana@example.org"])
    assert result.exit_code == 2 and "give at least one --role or --country" in result.output


def test_revoking_the_last_admin_is_refused(runner, create_user):
    create_user("admin", "analyst", email="root@example.org")
    result = runner.invoke(args=["users", "revoke", "root@example.org", "--role", "admin"])
    assert result.exit_code == 1
    assert "at least one active administrator" in result.output
