"""The `surveys` command: Flask's CLI for this app (`surveys run`, `surveys db upgrade`, ...)."""

from flask.cli import FlaskGroup

from surveys import create_app


def main() -> None:
    cli = FlaskGroup(create_app=create_app, help="The Niamey monitoring platform.")
    cli.main(prog_name="surveys")
