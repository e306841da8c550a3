"""`surveys scores ...`: rebuild the stored score snapshots and report any difference."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from surveys.results.operations import recompute

scores_cli = AppGroup("scores", help="Score snapshots.")


@scores_cli.command("recompute")
@click.option("--round", "round_id", type=int, default=None, help="Only this round's snapshots.")
def recompute_command(round_id: int | None) -> None:
    """Rebuild every stored scorecard and list those that differ (exit status 1 if any)."""
    report = recompute(round_id)
    for difference in report.differences:
        click.echo(difference.describe())
    if report.differences:
        click.echo(
            f"{len(report.differences)} difference(s) found in {report.checked} snapshot(s).",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"{report.checked} snapshot(s) checked ({report.dimension_indices} dimension indices): "
        "all reproduced exactly."
    )
