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
from sqlalchemy.orm import joinedload

from surveys.accounts.models import User
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
    them (the route's policy, the country scope), and three round trips cost more than the few
    extra rows of the joins (a person holds a role or two and a country or two)."""
    found = db.session.scalars(_user_with_scope_statement(), {"user_id": user_id})
    return found.unique().one_or_none()


@cache
def _user_with_scope_statement() -> sa.Select:
    # Built once: composing a select with its loader options costs more than running it.
    return (
        sa.select(User)
        .where(User.id == sa.bindparam("user_id"))
        .options(joinedload(User.role_rows), joinedload(User.countries))
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
