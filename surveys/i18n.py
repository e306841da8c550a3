"""Language and time zone of the current request, and formatting helpers for templates."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_request_context, request, session
from flask_login import current_user

SESSION_LANGUAGE_KEY = "language"


def select_locale() -> str:
    """The user's preference, else the language chosen in this session, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, scheduler: callers force the recipient's locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get(SESSION_LANGUAGE_KEY)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of that IANA name; UTC for a name this system does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.timezone:
        # A stored name this system does not know would break formatting on every page.
        return zone_named(current_user.timezone).key
    return "UTC"


def user_zone() -> ZoneInfo:
    return zone_named(select_timezone())
