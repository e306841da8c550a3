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
