"""Loading the signed-in user for Flask-Login."""

from __future__ import annotations

from surveys.accounts.models import User
from surveys.extensions import db


def load_user(session_id: str) -> User | None:
    """The id is "<user id>:<session version>": a bumped version ends every older session."""
    try:
        raw_id, raw_version = session_id.split(":", 1)
        user_id, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_enabled or user.session_version != version:
        return None
    return user
