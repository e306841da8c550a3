"""The web server's whole-number settings (environment variables read by
`surveys/gunicorn_conf.py`), with their smallest allowed values: one table for gunicorn, which
refuses to start on a bad value, and for `surveys check`, which names it beforehand.

No Flask, no gunicorn: gunicorn's configuration file imports this before anything else."""

from __future__ import annotations

import os
from collections.abc import Mapping

WHOLE_NUMBER_SETTINGS: Mapping[str, int] = {
    "WEB_CONCURRENCY": 1,
    "WEB_THREADS": 1,
    "WEB_TIMEOUT": 0,  # 0: never
    "WEB_GRACEFUL_TIMEOUT": 0,
    "WEB_KEEPALIVE": 0,
    "WEB_MAX_REQUESTS": 0,  # 0: never replaced
    "WEB_REQUESTS_PER_CONNECTION": 1,
}


def whole_number_problem(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The line saying what is wrong with the setting's value, or None (unset or valid)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    minimum = WHOLE_NUMBER_SETTINGS[name]
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        return f"{name}: expected a whole number ({minimum} or more), got {raw!r}"
    return None


def web_server_problems(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Every whole-number setting of the web server that gunicorn would refuse."""
    found = (whole_number_problem(name, environ) for name in WHOLE_NUMBER_SETTINGS)
    return [problem for problem in found if problem]
