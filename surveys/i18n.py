"""Language and time zone of the current request, and formatting helpers for templates."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.support import Translations
from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import force_locale, get_locale
from flask_login import current_user

from surveys.locales import DEFAULT_LANGUAGE, LOCALES, locale_for

SESSION_LANGUAGE_KEY = "language"
__all__ = ["LOCALES", "current_language", "in_language", "locale_for"]


def current_language() -> str:
    """The language ("en", "fr") of the current request or forced locale; English outside one."""
    locale = get_locale() if has_app_context() else None
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def in_language(language: str | None):
    """Translate and format in `language` for the duration of a `with` block."""
    return force_locale(locale_for(language))


def select_locale() -> str:
    """The Babel locale of the language the request is read in."""
    return locale_for(select_language())


def select_language() -> str:
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


SOURCE_LANGUAGE = "en"  # the language of the message ids: it needs no catalogue


def catalogue_directories(app) -> list[Path]:
    names = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")
    return [Path(app.root_path) / name for name in names]


def missing_catalogues(app) -> list[str]:
    """One line per configured language whose compiled catalogue is missing or empty."""
    problems = []
    directories = catalogue_directories(app)
    for language in app.config["LANGUAGES"]:
        if language == SOURCE_LANGUAGE:
            continue
        found = [
            d / language / "LC_MESSAGES" / "messages.mo"
            for d in directories
            if (d / language / "LC_MESSAGES" / "messages.mo").is_file()
        ]
        if not found:
            problems.append(
                f"language {language!r} has no compiled catalogue "
                f"({directories[0] / language / 'LC_MESSAGES' / 'messages.mo'}): run "
                "`make translations` in a source checkout, or install a wheel or sdist, "
                "which compile it"
            )
            continue
        with found[0].open("rb") as handle:
            catalogue = Translations(handle)
        if len(catalogue._catalog) <= 1:  # only the header
            problems.append(f"language {language!r}: the catalogue {found[0]} is empty")
    return problems
