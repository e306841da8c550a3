"""`surveys check`, `surveys backup`, `surveys restore`: the operator's commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.extensions import db
from surveys.ops import backup
from surveys.ops.checks import is_production, run_checks
from surveys.storage.backends import current_store, digest_of


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check configuration, database, migrations, catalogues, file store and scheduler.

    Prints one line per problem and exits with status 1 when there is any.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    problems = run_checks(app)
    for problem in problems:
        click.echo(problem)
    scope = "production" if is_production() else "development (production rules not applied)"
    if problems:
        count = len(problems)
        click.echo(f"{count} problem{'' if count == 1 else 's'} found ({scope}).", err=True)
        raise SystemExit(1)
    click.echo(f"Ready: every check passed ({scope}).")


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace TARGET if it exists.")
@with_appcontext
def backup_command(target: Path, force: bool) -> None:
    """Write everything the platform holds (all tables, evidence, archived workbooks) to TARGET,
    a zip archive that `surveys restore` loads into an empty SQLite or PostgreSQL database.

    The database is read in one transaction (a consistent moment) while the platform runs.
    """
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; choose another name or add --force")
    store = current_store()
    partial = target.with_name(target.name + ".part")
    try:
        with backup.snapshot(db.engine) as connection:
            total = backup.count_work(connection, store)
            with click.progressbar(length=total, label="Backing up", file=sys.stderr) as bar:
                summary = backup.write_backup(partial, connection, store, bar.update)
            revision = backup.alembic_revision(connection)
        os.replace(partial, target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        partial.unlink(missing_ok=True)
    click.echo(
        f"{target}: {summary.tables} tables, {summary.rows} rows, {summary.files} files "
        f"({_size(summary.bytes)}), migration {revision}; "
        f"sha256 {digest_of(target).sha256}"
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Load an archive made by `surveys backup` into this (empty) database.

    The archive is checked whole (every checksum) and the database found empty before anything
    is written; rows and files are then written in one transaction. A database without tables
    gets the schema at the archive's migration first.
    """
    from flask_migrate import upgrade

    store = current_store()
    try:
        archive = backup.open_archive(source)
        with db.engine.connect() as connection:
            backup.check_target(archive, connection)
            has_schema = backup.alembic_revision(connection) is not None
        if not has_schema:
            upgrade(revision=archive.manifest["alembic_revision"])
        total = sum(t["rows"] for t in archive.manifest["tables"]) + len(archive.manifest["files"])
        with (
            db.engine.begin() as connection,
            click.progressbar(length=total, label="Restoring", file=sys.stderr) as bar,
        ):
            summary = backup.restore_rows(archive, connection, store, bar.update)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{source} restored: {summary.tables} tables, {summary.rows} rows, {summary.files} "
        f"files ({_size(summary.bytes)}) into the {store.name} store."
    )
