"""WSGI entry point of a source checkout: `gunicorn wsgi:app` (reads ./gunicorn.conf.py)."""

from surveys.wsgi import app

__all__ = ["app"]
