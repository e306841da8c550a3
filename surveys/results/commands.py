from flask.cli import AppGroup

scores_cli = AppGroup("scores", help="Score snapshots.")
