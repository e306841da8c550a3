"""Absolute links for e-mails and the scheduler: BASE_URL plus the route's path.

Never built from the request's Host header (which an attacker can choose, and would then
receive a password-reset link), and usable outside a request.
"""

from __future__ import annotations

from flask import current_app, url_for


def absolute_url(endpoint: str, **values: object) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config.get("BASE_URL", "").rstrip("/") + path


def public_url(endpoint: str, **values: object) -> str:
    """An absolute link given in a response (the data API's next page, its server address):
    from BASE_URL when set, so that a Host header chosen by the client (through a proxy or a
    cache that keeps it) never puts another site in a link others follow; from the request
    otherwise (a development server)."""
    if current_app.config.get("BASE_URL"):
        return absolute_url(endpoint, **values)
    return url_for(endpoint, **values, _external=True)
