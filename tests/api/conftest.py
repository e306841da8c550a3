"""Fixtures of the data API tests: tokens for users, and a client that sends them."""

from __future__ import annotations

import pytest


@pytest.fixture
def issue_token(db):
    """A working personal access token for `user` (the raw token)."""
    from surveys.api.tokens import issue_api_token

    def issue(user, name: str = "tests", days: int | None = None) -> str:
        _, raw = issue_api_token(user, name, days)
        db.session.commit()
        return raw

    return issue


@pytest.fixture
def api(app):
    """api(token, path, **kwargs): a GET with the token, on a fresh client (no session)."""

    def get(token: str | None, path: str, headers: dict | None = None, **kwargs):
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return app.test_client().get(path, headers=sent, **kwargs)

    return get
