"""Column types shared by every slice's models (UTC timestamps, JSON) and `utcnow`, the time they
store. The database handle is `surveys.extensions.db`; the engine's tuning and locks are in
`surveys.engine`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use surveys.columns.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def json_from_postgresql(data: bytes) -> object:
    """A JSON or JSONB value as psycopg receives it (create_app sets it on PostgreSQL's engine).

    psycopg's default, json.loads of the bytes, first guesses their encoding (UTF-8, 16 or 32)
    in Python, for every value; decoding them as UTF-8 first gives the same values (UTF-8 is
    the only one of those a server sends) for less: 1.6 % of the heaviest area page's
    instructions, which reads some 70 values, and 2.2 % of an autosave's (callgrind).
    """
    return json.loads(data.decode())


class json_rows(FunctionElement):  # lower case, as SQL functions (func.*) are
    """An aggregate: its columns' values, row by row, as one JSON array of arrays, read back as
    lists (None for no row on PostgreSQL, [] on SQLite). For the many small rows a parent's
    page reads with it, in the parent's statement: one value to decode in place of a row each,
    and one statement fewer. JSON columns come back as their values, booleans as true/false on
    PostgreSQL and 1/0 on SQLite."""

    type = JSON()
    inherit_cache = True
    name = "json_rows"


@compiles(json_rows, "postgresql")
def _json_rows_on_postgresql(element: json_rows, compiler, **kw) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "sqlite")
def _json_rows_on_sqlite(element: json_rows, compiler, **kw) -> str:
    # SQLite keeps JSON as text: json() embeds it as the value it holds, not as a string.
    values = ", ".join(
        f"json({compiler.process(column, **kw)})"
        if isinstance(column.type, JSON)
        else compiler.process(column, **kw)
        for column in element.clauses
    )
    return f"json_group_array(json_array({values}))"
