import click


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler process (one active leader; others wait as standbys)."""
    raise click.ClickException("not built yet")
