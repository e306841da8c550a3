"""`surveys export scorecard|trends|archive`: the monitoring mechanism's Excel workbooks."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from surveys.export.queries import ExportError
from surveys.i18n import language_option

export_cli = AppGroup("export", help="Excel workbooks for the monitoring mechanism.")


def _write_atomically(output: str, build) -> None:
    """Build into a temporary file beside OUTPUT, then rename: no half-written workbook."""
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(handle)
    try:
        build(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@export_cli.command("scorecard")
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@language_option("--lang", "language")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def scorecard_command(round_id: int, language: str, output: str) -> None:
    """Write a round's scorecard workbook."""
    from surveys.export.scorecard import build_scorecard

    started = time.perf_counter()
    try:
        _write_atomically(output, lambda path: build_scorecard(round_id, language, path))
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{output}: written in {time.perf_counter() - started:.1f} s")


@export_cli.command("trends")
@click.option("--questionnaire", "key", required=True, help="The questionnaire key.")
@click.option("--with-responses", is_flag=True, help="Add the answers of every round.")
@language_option("--lang", "language")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def trends_command(key: str, with_responses: bool, language: str, output: str) -> None:
    """Write a questionnaire's trends workbook (indices across all its rounds)."""
    from surveys.export.trends import build_trends

    started = time.perf_counter()
    try:
        _write_atomically(
            output,
            lambda path: build_trends(key, language, path, with_responses=with_responses),
        )
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{output}: written in {time.perf_counter() - started:.1f} s")


@export_cli.command("archive")
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
def archive_command(round_id: int) -> None:
    """Archive a round's scorecard now, in English and French (as its closing job does)."""
    from surveys.export.archive import archive_round
    from surveys.extensions import db

    try:
        records = archive_round(round_id)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if not records:
        click.echo("The round is already archived since it last closed; nothing made.")
    for record in records:
        click.echo(f"{record.filename} ({record.size_bytes} bytes, sha256 {record.sha256[:12]})")
