"""Signed-in sessions: loading the user for Flask-Login, starting and ending a session.

A session cookie carries "<user id>:<session version>". Bumping the account's version ends
every session made before (signing out, a password change, deactivation): a copied cookie is
worth nothing afterwards, on any worker.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import lazyload

from surveys.accounts.models import User, UserRole, user_countries
from surveys.extensions import db
from surveys.i18n import SESSION_LANGUAGE_KEY


def load_user(session_id: str) -> User | None:
    """The id is "<user id>:<session version>": a bumped version ends every older session."""
    try:
        raw_id, raw_version = session_id.split(":", 1)
        user_id, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = _user_with_scope(user_id)
    if user is None or not user.is_enabled or user.session_version != version:
        return None
    return user


def _user_with_scope(user_id: int) -> User | None:
    """The user with their roles and countries in one statement: every signed-in request reads
    them (the route's policy, the country scope). The roles and country ids come as two
    aggregated columns beside the user's row, not as joined ORM rows: building those instances
    cost twice the whole statement."""
    row = db.session.execute(_user_with_scope_statement(), {"user_id": user_id}).one_or_none()
    if row is None:
        return None
    user, roles, country_ids = row
    user.preload_scope(
        roles=frozenset(_listed(roles)),
        country_ids=frozenset(int(country_id) for country_id in _listed(country_ids)),
    )
    return user


def _listed(aggregated: str | None) -> list[str]:
    return aggregated.split(",") if aggregated else []


@cache
def _user_with_scope_statement() -> sa.Select:
    # Built once: composing a select with its loader options costs more than running it.
    roles = (
        sa.select(sa.func.aggregate_strings(UserRole.role, ","))
        .where(UserRole.user_id == User.id)
        .scalar_subquery()
    )
    country_ids = (
        sa.select(sa.func.aggregate_strings(sa.cast(user_countries.c.country_id, sa.String), ","))
        .where(user_countries.c.user_id == User.id)
        .scalar_subquery()
    )
    return (
        sa.select(User, roles, country_ids)
        .where(User.id == sa.bindparam("user_id"))
        .options(lazyload(User.role_rows), lazyload(User.countries))
    )


def _fresh_session() -> None:
    """Empty the session but for the language chosen; a new CSRF secret comes with it."""
    language = session.get(SESSION_LANGUAGE_KEY)
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if language:
        session[SESSION_LANGUAGE_KEY] = language


def begin_session(user: User) -> None:
    """Sign `user` in on a fresh session: no token of the anonymous one (CSRF) carries over."""
    _fresh_session()
    login_user(user)


def end_session(user: User) -> None:
    """Sign out, and make every copy of this session's cookie useless (the caller commits)."""
    user.session_version += 1
    logout_user()
    _fresh_session()
