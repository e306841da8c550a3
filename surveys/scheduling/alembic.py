"""Alembic autogenerate hook: the APScheduler job table is APScheduler's, not ours."""

from __future__ import annotations

JOB_TABLE = "apscheduler_jobs"


def include_object(object, name, type_, reflected, compare_to) -> bool:
    """Leave APScheduler's job table (and its index) out of generated migrations."""
    if type_ == "table" and name == JOB_TABLE:
        return False
    table = getattr(object, "table", None)
    return not (
        type_ in ("index", "column", "unique_constraint")
        and getattr(table, "name", None) == JOB_TABLE
    )
