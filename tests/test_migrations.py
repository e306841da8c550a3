"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from surveys import create_app
from surveys.extensions import db
from surveys.scheduling.alembic import include_object
from tests.conftest import postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """Settings for a brand-new, empty database (no tables at all)."""
    if request.param == "sqlite":
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrations.db'}"}
        return
    url = postgres_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
        }
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


@pytest.fixture
def fresh_app(empty_database):
    """An app on the empty database; its connections are closed afterwards."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **empty_database})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_migrations_produce_exactly_the_models_schema(fresh_app):
    with fresh_app.app_context():
        upgrade()
    assert schema_differences(fresh_app) == []


def test_migrations_downgrade_to_empty_and_upgrade_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
    assert schema_differences(fresh_app) == []


def test_country_names_move_to_names_per_language_and_back(fresh_app):
    """The names migration carries every name over, and back on a downgrade."""
    with fresh_app.app_context():
        upgrade(revision="c4f1e2a9b7d3")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO countries (iso2, iso3, name_en, name_fr, active) VALUES "
                    "('TD', 'TCD', 'Chad', 'Tchad', true), ('CI', 'CIV', 'Côte d''Ivoire', "
                    "'Côte d''Ivoire', true)"
                )
            )
        upgrade(revision="7b3d9e5f1a2c")
        from surveys.countries.models import Country

        names = {c.iso2: c.names for c in db.session.scalars(sa.select(Country))}
        db.session.remove()
        assert names == {
            "TD": {"en": "Chad", "fr": "Tchad"},
            "CI": {"en": "Côte d'Ivoire", "fr": "Côte d'Ivoire"},
        }
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE countries SET names = :names WHERE iso2 = 'CI'"),
                {"names": '{"ar": "ساحل العاج", "en": "Ivory Coast"}'},
            )
        downgrade(revision="c4f1e2a9b7d3")
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT iso2, name_en, name_fr FROM countries ORDER BY iso2")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("CI", "Ivory Coast", "Ivory Coast"),
            ("TD", "Chad", "Tchad"),
        ]


def test_unsent_round_notices_learn_their_country_and_withdrawals_survive_a_downgrade(fresh_app):
    """A queued reminder names its country once the recipient answers for one of the round's
    countries only; a downgrade keeps a withdrawn message from ever going."""
    with fresh_app.app_context():
        upgrade(revision="7b3d9e5f1a2c")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO countries (id, iso2, iso3, active, names) VALUES "
                "(1, 'NE', 'NER', true, '{\"en\": \"Niger\"}'), "
                "(2, 'ML', 'MLI', true, '{\"en\": \"Mali\"}'), "
                "(3, 'TD', 'TCD', true, '{\"en\": \"Chad\"}')",
                "INSERT INTO users (id, email, name, language, timezone, is_enabled, "
                "session_version, created_at) VALUES "
                "(1, 'ne@example.org', 'NE', 'en', 'UTC', true, 1, '2026-01-01 00:00:00'), "
                "(2, 'both@example.org', 'Both', 'en', 'UTC', true, 1, '2026-01-01 00:00:00'), "
                "(3, 'ne.td@example.org', 'NE, TD', 'en', 'UTC', true, 1, '2026-01-01 00:00:00')",
                # Person 3 answers for Chad too, which is not in the round: Niger is theirs there.
                "INSERT INTO user_countries (user_id, country_id) VALUES "
                "(1, 1), (2, 1), (2, 2), (3, 1), (3, 3)",
                "INSERT INTO questionnaires (id, key) VALUES (1, 'mini')",
                "INSERT INTO questionnaire_versions (id, questionnaire_id, version, status, "
                "definition_json, sha256, source_name, imported_at) VALUES "
                "(1, 1, 1, 'draft', '{}', 'x', 'v1.yaml', '2026-01-01 00:00:00')",
                "INSERT INTO rounds (id, questionnaire_version_id, period_label, opens_at, "
                "closes_at, reminder_offsets, created_at) VALUES (1, 1, '2026-H2', "
                "'2026-07-01 00:00:00', '2026-08-01 00:00:00', '[7]', '2026-07-01 00:00:00')",
                "INSERT INTO round_countries (round_id, country_id) VALUES (1, 1), (1, 2)",
            ):
                conn.execute(sa.text(statement))
            for message_id, user_id, kind, status in (
                (1, 1, "round.reminder", "pending"),
                (2, 1, "round.reminder", "failed"),
                (3, 1, "round.reminder", "sent"),  # history: left as it was
                (4, 2, "round.reminder", "pending"),  # Niger or Mali: cannot tell
                (5, 3, "round.reminder", "pending"),
                (6, 1, "submission.returned", "pending"),  # names no closing date
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO outbox_messages (id, recipient_email, user_id, round_id, "
                        "kind, language, subject, body, status, attempts, last_error, "
                        "created_at) VALUES (:id, 'x@example.org', :user, 1, :kind, 'en', "
                        "'s', 'b', :status, 0, '', '2026-07-20 00:00:00')"
                    ),
                    {"id": message_id, "user": user_id, "kind": kind, "status": status},
                )
        upgrade()
        with db.engine.begin() as conn:
            countries = dict(
                conn.execute(sa.text("SELECT id, country_id FROM outbox_messages")).all()
            )
            assert countries == {1: 1, 2: 1, 3: None, 4: None, 5: 1, 6: None}
            conn.execute(
                sa.text(
                    "UPDATE outbox_messages SET status = 'withdrawn', withdrawn_reason = "
                    "'closing_moved', withdrawn_at = '2026-07-21 00:00:00' WHERE id = 1"
                )
            )
            conn.execute(
                sa.text(
                    "UPDATE outbox_messages SET status = 'sending', "
                    "last_attempt_at = '2026-07-21 00:00:00' WHERE id = 4"
                )
            )
        downgrade(revision="7b3d9e5f1a2c")
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, status, next_attempt_at, last_error FROM outbox_messages "
                    "WHERE id IN (1, 4) ORDER BY id"
                )
            ).all()
        # Withdrawn: a failed message given up on (never sent); claimed: pending again.
        assert [tuple(row) for row in rows] == [
            (1, "failed", None, "withdrawn: closing_moved"),
            (4, "pending", None, ""),
        ]


def _outbox_rows(conn, *columns: str) -> dict:
    outbox = sa.table("outbox_messages", *(sa.column(name) for name in ("id", *columns)))
    query = sa.select(*outbox.columns).order_by(outbox.c.id)
    return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def test_a_withdrawal_survives_a_downgrade_and_the_upgrade_after_it(fresh_app):
    """Going back a release and forward again never makes an outdated notice go: a message
    withdrawn while a delivery was handing it to the relay is not pending after the downgrade
    (the previous version would send it), and a withdrawn message the downgrade kept as a
    failed one given up on is withdrawn again after the upgrade, not offered for a resend."""
    with fresh_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            for message_id, status, withdrawn, last_attempt in (
                (1, "withdrawn", True, None),
                (2, "sending", True, "2026-07-21 00:00:00"),  # withdrawn during the send
                (3, "sending", False, "2026-07-21 00:00:00"),  # a plain claim
                (4, "sent", True, "2026-07-21 00:00:00"),  # withdrawn too late: it went
                (5, "failed", False, "2026-07-21 00:00:00"),  # given up by the relay
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO outbox_messages (id, recipient_email, kind, language, "
                        "subject, body, status, attempts, last_error, created_at, "
                        "last_attempt_at, withdrawn_at, withdrawn_reason) VALUES (:id, "
                        "'x@example.org', 'round.reminder', 'en', 's', 'b', :status, :attempts, "
                        ":error, '2026-07-20 00:00:00', :last_attempt, :withdrawn_at, :reason)"
                    ),
                    {
                        "id": message_id,
                        "status": status,
                        "attempts": 0 if last_attempt is None else 1,
                        "error": "SMTP error: refused" if status == "failed" else "",
                        "last_attempt": last_attempt,
                        "withdrawn_at": "2026-07-21 00:00:01" if withdrawn else None,
                        "reason": "closing_moved" if withdrawn else None,
                    },
                )
        downgrade(revision="7b3d9e5f1a2c")
        with db.engine.connect() as conn:
            assert _outbox_rows(conn, "status", "next_attempt_at", "last_error") == {
                1: ("failed", None, "withdrawn: closing_moved"),
                2: ("failed", None, "withdrawn: closing_moved"),
                3: ("pending", None, ""),
                4: ("sent", None, ""),
                5: ("failed", None, "SMTP error: refused"),
            }
        upgrade()
        with db.engine.connect() as conn:
            rows = _outbox_rows(conn, "status", "withdrawn_reason", "last_error")
            withdrawn_at = _outbox_rows(conn, "withdrawn_at")
        assert rows == {
            1: ("withdrawn", "closing_moved", ""),
            2: ("withdrawn", "closing_moved", ""),
            3: ("pending", None, ""),
            4: ("sent", None, ""),
            5: ("failed", None, "SMTP error: refused"),
        }
        assert [message_id for message_id, (at,) in withdrawn_at.items() if at] == [1, 2]
