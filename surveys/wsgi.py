"""WSGI entry point: `gunicorn surveys.wsgi:app` (web workers never start the scheduler, and are
built without the command line's migrations: see `create_app`).

From an installed wheel, with the packaged settings:
    gunicorn -c python:surveys.gunicorn_conf surveys.wsgi:app

Settings that stop the app are printed one line each, and the process exits with status 4,
which gunicorn reads as "App failed to load" and stops (no traceback, no restart loop of
workers).
"""

import sys

from surveys import create_app
from surveys.config import StartupError

APP_LOAD_ERROR = 4  # gunicorn's own status for an application that cannot be loaded

try:
    app = create_app(commands=False)
except StartupError as refused:
    print(refused.report(), file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR) from None
