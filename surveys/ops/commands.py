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

    The database is read in one transaction (a consistent moment) while the platform runs. The
    archive is readable by its owner only (mode 0600): it holds password hashes and e-mails
    with live invitation and password links. The database must be at this version's migration.
    """
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; choose another name or add --force")
    store = current_store()
    migrations = backup.Migrations(current_app)
    partial = target.with_name(target.name + ".part")
    try:
        with backup.snapshot(db.engine) as connection:
            revision = backup.require_head(connection, migrations)
            total = backup.count_work(connection, store)
            with click.progressbar(length=total, label="Backing up", file=sys.stderr) as bar:
                summary = backup.write_backup(partial, connection, store, bar.update)
        os.replace(partial, target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"{target}: cannot be written ({exc.strerror})") from exc
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
    is written. The schema is created at the archive's migration, the rows are loaded in one
    transaction, the schema is upgraded to this version's migration and the files are stored.
    If any step fails, what restore created is removed again: the database is left empty.
    """
    store = current_store()
    migrations = backup.Migrations(current_app)
    try:
        archive = backup.open_archive(source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    total = sum(t["rows"] for t in archive.manifest["tables"]) + len(archive.manifest["files"])
    try:
        with click.progressbar(length=total, label="Restoring", file=sys.stderr) as bar:
            summary = backup.restore(archive, db.engine, store, migrations, bar.update)
    except backup.BackupError as exc:  # also a row refused, a migration failed, a full disk
        raise click.ClickException(str(exc)) from exc
    upgraded = (
        f"; schema upgraded from migration {summary.revision} to {summary.upgraded_to}"
        if summary.upgraded_to
        else f"; migration {summary.revision}"
    )
    click.echo(
        f"{source} restored: {summary.tables} tables, {summary.rows} rows, {summary.files} "
        f"files ({_size(summary.bytes)}) into the {store.name} store{upgraded}."
    )
