"""Who is calling the API: the owner of the request's personal access token, and nobody else."""

from __future__ import annotations

from flask import g, request

from surveys.access import ROLES, Policy
from surveys.api.framework import ApiError
from surveys.api.tokens import Refusal, use_token

MESSAGES = {
    "token_missing": "Send a personal access token: Authorization: Bearer <token>.",
    "token_invalid": "This token is not known.",
    "token_expired": "This token has expired; create a new one on your account page.",
    "token_revoked": "This token was revoked; create a new one on your account page.",
    "account_disabled": "The account that owns this token is deactivated.",
    "rate_limited": "Too many requests with this token; retry after the given seconds.",
}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def authenticate(policy: Policy) -> None:
    """before_request for token-only routes: sign the token's owner in for this request only,
    or refuse (401 unknown, expired or revoked token; 429 over the rate limit; 403 role)."""
    result = use_token(bearer_token())
    if isinstance(result, Refusal):
        headers = {}
        if result.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        if result.retry_after is not None:
            headers["Retry-After"] = str(result.retry_after)
        raise ApiError(result.status, result.code, MESSAGES[result.code], headers=headers)
    g._login_user = result.user  # Flask-Login's current_user, for this request alone
    g.api_token = result
    if policy.kind == ROLES and not result.user.has_role(*policy.roles):
        raise ApiError(403, "forbidden", "The token's owner does not have a role this data needs.")
    return None
