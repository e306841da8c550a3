"""`surveys questionnaire validate|import|publish|diff|list`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from surveys.extensions import db
from surveys.i18n import language_option
from surveys.questionnaire.errors import DefinitionError
from surveys.questionnaire.framework import is_framework_file, validate_framework_file
from surveys.questionnaire.loader import validate_file
from surveys.questionnaire.operations import (
    VersionError,
    all_versions,
    find_version,
    import_file,
    publish,
)

questionnaire_cli = AppGroup("questionnaire", help="Questionnaire definitions and versions.")


def _version_or_fail(key: str, number: int):
    version = find_version(key, number)
    if version is None:
        raise click.ClickException(
            f"{key} v{number} is not stored; import it first with "
            f"`surveys questionnaire import questionnaires/{key}/v{number}.yaml`"
        )
    return version


@questionnaire_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate_command(files: tuple[str, ...]) -> None:
    """Check definition files and analysis frameworks (dimensions.yaml); print every problem
    with its file, line and path."""
    failed = False
    for file in files:
        issues = validate_framework_file(file) if is_framework_file(file) else validate_file(file)
        if issues:
            failed = True
            click.echo(f"{file}: {len(issues)} problem(s)", err=True)
            for issue in issues:
                click.echo(f"  {issue}", err=True)
        else:
            click.echo(f"{file}: valid")
    if failed:
        sys.exit(1)


@questionnaire_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--publish", "and_publish", is_flag=True, help="Publish it right away.")
def import_command(file: str, and_publish: bool) -> None:
    """Store a definition file as a draft version (a no-op when already stored unchanged)."""
    try:
        result = import_file(Path(file))
    except DefinitionError as exc:
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        raise click.ClickException(
            f"{file} has {len(exc.issues)} problem(s); nothing was stored"
        ) from exc
    except VersionError as exc:
        raise click.ClickException(str(exc)) from exc
    version = result.version
    if result.created:
        click.echo(f"Stored {version.label} as a draft (sha256 {version.sha256[:12]}).")
    elif result.replaced_draft:
        click.echo(f"Replaced the draft {version.label} (sha256 {version.sha256[:12]}).")
    else:
        click.echo(f"{version.label} is already stored with the same content; nothing changed.")
    if and_publish and publish(version):
        click.echo(f"Published {version.label}.")
    db.session.commit()


@questionnaire_cli.command("publish")
@click.argument("key")
@click.argument("version", type=int)
def publish_command(key: str, version: int) -> None:
    """Freeze a stored version so rounds can use it; it can never change afterwards."""
    stored = _version_or_fail(key, version)
    try:
        changed = publish(stored)
    except VersionError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if changed:
        click.echo(f"Published {stored.label} (sha256 {stored.sha256}).")
    else:
        click.echo(f"{stored.label} was already published; nothing changed.")


@questionnaire_cli.command("diff")
@click.argument("key")
@click.argument("old", type=int)
@click.argument("new", type=int)
@language_option("--lang")
def diff_command(key: str, old: int, new: int, lang: str) -> None:
    """List added, removed, reworded and re-scored questions between two stored versions."""
    from surveys.questionnaire.diff import diff_definitions, render_text

    before = _version_or_fail(key, old).definition
    after = _version_or_fail(key, new).definition
    click.echo(render_text(diff_definitions(before, after), language=lang))


@questionnaire_cli.command("list")
def list_command() -> None:
    """Show every stored questionnaire version with its status and hash."""
    versions = all_versions()
    if not versions:
        click.echo("No questionnaire stored yet; see `surveys questionnaire import --help`.")
        return
    for v in versions:
        when = v.published_at.strftime("%Y-%m-%d %H:%M UTC") if v.published_at else "-"
        click.echo(
            f"{v.questionnaire.key:<20} v{v.version:<3} {v.status:<10} {when:<21} {v.sha256}"
        )
