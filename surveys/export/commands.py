from flask.cli import AppGroup

export_cli = AppGroup("export", help="Excel workbooks for the monitoring mechanism.")
