"""Absolute links for e-mails and the scheduler: BASE_URL plus the route's path.

Never built from the request's Host header (which an attacker can choose, and would then
receive a password-reset link), and usable outside a request.
"""

from __future__ import annotations

from flask import current_app


def absolute_url(endpoint: str, **values: object) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config.get("BASE_URL", "").rstrip("/") + path
