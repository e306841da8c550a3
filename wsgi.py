"""WSGI entry point: `gunicorn wsgi:app` (web workers never start the scheduler)."""

from surveys import create_app

app = create_app()
