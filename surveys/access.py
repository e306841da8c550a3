"""Who may use which route: declared on every view, checked on the server for every request.

Usage on a view function (below the route decorator):

    @bp.get("/rounds/<int:round_id>")
    @allow(Role.COORDINATOR, Role.ANALYST)
    def round_page(round_id): ...

`@public` marks pages anyone may see (sign-in, password reset, static files); `@signed_in` any
signed-in user. A route without a declaration is refused (500 in production, a failing test first).
Country scope is enforced by the queries: use `visible_country_ids()` / `require_country()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

if TYPE_CHECKING:
    from surveys.roles import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"
ROLES = "roles"


@dataclass(frozen=True)
class Policy:
    kind: str
    roles: frozenset[str] = frozenset()
    # The data API: only a personal access token (Authorization: Bearer) identifies the caller;
    # a session cookie is ignored, so a page cannot make a signed-in browser call it (no CSRF).
    token_only: bool = False


# The function that identifies the caller of a token-only route (the data API registers it).
CALLER_CHECK = "surveys.api_caller_check"


def use_token_authenticator(app: Flask, authenticate: Callable[[Policy], object]) -> None:
    app.extensions[CALLER_CHECK] = authenticate


def _declare(policy: Policy) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.access_policy = policy  # type: ignore[attr-defined]
        return view

    return decorate


def allow(*roles: str | Role) -> Callable:
    """Only users holding one of these roles."""
    if not roles:
        raise ValueError("allow() needs at least one role; use @signed_in for any user")
    return _declare(Policy(ROLES, frozenset(str(r) for r in roles)))


public = _declare(Policy(PUBLIC))
signed_in = _declare(Policy(SIGNED_IN))


def policy_for(endpoint: str | None) -> Policy | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce_policy():
    """before_request hook: refuse any request the route's policy does not allow."""
    if request.endpoint is None:  # 404 / 405: nothing to protect
        return None
    if request.endpoint == "static":
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        current_app.logger.error("route %s declares no access policy", request.endpoint)
        abort(500)
    if policy.kind == PUBLIC:
        return None
    if policy.token_only:
        return current_app.extensions[CALLER_CHECK](policy)
    if not current_user.is_authenticated:
        if request.method == "GET" and request.accept_mimetypes.accept_html:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        abort(401)
    if policy.kind == ROLES and not current_user.has_role(*policy.roles):
        abort(403)
    return None


def visible_country_ids() -> frozenset[int] | None:
    """The countries whose data the current user may read; None means all of them."""
    if current_user.sees_all_countries:
        return None
    return current_user.country_ids


def can_see_country(country_id: int) -> bool:
    allowed = visible_country_ids()
    return allowed is None or country_id in allowed


def require_country(country_id: int) -> None:
    """404, not 403, for another country's data: its existence is not revealed."""
    if not can_see_country(country_id):
        abort(404)
