from flask.cli import AppGroup

rounds_cli = AppGroup("rounds", help="Assessment rounds and cadences.")
