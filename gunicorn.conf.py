"""Read by gunicorn from the current folder: the packaged settings (surveys/gunicorn_conf.py)."""

from surveys.gunicorn_conf import *  # noqa: F403
