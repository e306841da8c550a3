"""WSGI entry point: `gunicorn surveys.wsgi:app` (web workers never start the scheduler, and are
built without the command line's migrations: see `create_app`).

From an installed wheel, with the packaged settings:
    gunicorn -c python:surveys.gunicorn_conf surveys.wsgi:app
"""

from surveys import create_app

app = create_app(commands=False)
