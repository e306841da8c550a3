from flask.cli import AppGroup

questionnaire_cli = AppGroup("questionnaire", help="Questionnaire definitions and versions.")
