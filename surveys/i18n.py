"""Language and time zone of the current request, and formatting helpers for templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from babel.dates import (
    DateTimePattern,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from babel.support import NullTranslations, Translations
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import force_locale, format_datetime, format_decimal, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from surveys.languages import (
    DEFAULT_LANGUAGE,
    DEFAULT_LANGUAGES,
    SOURCE_LANGUAGE,
    Language,
    LanguageSettingError,
    language_named,
    locale_for,
    parse_languages,
    remember,
)
from surveys.locales import number_in
from surveys.translatable import Plural

SESSION_LANGUAGE_KEY = "language"
EXTENSION_KEY = "surveys.languages"
__all__ = [
    "current_language",
    "enabled_languages",
    "gettext",
    "in_language",
    "language_codes",
    "locale_for",
    "ngettext",
]
_FOUND = "surveys_translations"  # on Flask-Babel's context: (locale, domain, catalogue)


def translations() -> NullTranslations:
    """The catalogue of the current request's language (or of the locale forced meanwhile).

    Flask-Babel's own lookup walks its request context three times and names the locale for
    every message (~7.5 us a message, a few dozen a page); this keeps the catalogue on that
    context beside the locale and domain it was found for, and looks them up by identity
    (~1 us). `force_locale` sets another locale object, so it finds its own catalogue.
    """
    try:
        found = g._flask_babel.__dict__
    except (AttributeError, RuntimeError):  # no message translated yet / outside a context
        return get_translations()
    cached = found.get(_FOUND)
    if (
        cached is not None
        and cached[0] is found.get("babel_locale")
        and cached[1] is found.get("babel_domain")
    ):
        return cached[2]
    catalogue = get_translations()
    found[_FOUND] = (found.get("babel_locale"), found.get("babel_domain"), catalogue)
    return catalogue


def gettext(message: str, **variables) -> str:
    """Flask-Babel's gettext, through `translations()`."""
    translated = translations().ugettext(message)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ngettext (`num` among the variables), through `translations()`."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def counted(message: Plural, number: int, /, **variables) -> str:
    """A `Plural` in the current language, its form chosen by `number`, which it writes as a
    number of that language ("20,000" / "20 000") as %(count)s."""
    return translations().ungettext(*message, number) % {
        **variables,
        "count": number_in(number, current_language()),
    }


def install_template_translations(app) -> None:
    """`_`, `gettext` and `ngettext` in templates through `translations()` (Flask-Babel
    installs its own, which look the catalogue up for every message)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: translations().ugettext(message),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        pgettext=lambda context, message: translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    # The extension's `_`, `gettext` and `ngettext` replaced by ours (it keeps `pgettext` and
    # `npgettext`, and the "newstyle" compiling of {% trans %}): its `_` calls its `gettext`,
    # which calls the lambda above, each through the template's context, for a few dozen
    # messages a page. Same output (tests/test_template_translations.py).
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )


@pass_context
def _template_gettext(context, message: str, /, **variables) -> str:
    translated = translations().ugettext(message)
    return _formatted(context, translated, variables)


@pass_context
def _template_ngettext(context, singular: str, plural: str, count: int, /, **variables) -> str:
    variables.setdefault("num", count)  # a template may give `num` written its own way
    translated = translations().ungettext(singular, plural, count)
    return _formatted(context, translated, variables)


def _formatted(context, translated: str, variables: dict) -> str:
    """As Jinja's newstyle gettext: markup in an autoescaped template (its variables escaped),
    and always a format string ("%%" is a percent sign), which one without "%" is unchanged."""
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - the catalogue, as Jinja trusts it
    return translated % variables if "%" in translated else translated


def configure_languages(app) -> list[str]:
    """Read the LANGUAGES setting into the application's registry of languages; the problem
    with the setting, if any (the application then offers the default languages)."""
    problems = []
    try:
        languages = parse_languages(app.config.get("LANGUAGES"))
    except LanguageSettingError as exc:
        problems.append(str(exc))
        languages = DEFAULT_LANGUAGES
    remember(languages)
    app.extensions[EXTENSION_KEY] = languages
    app.config["LANGUAGES"] = tuple(language.code for language in languages)
    return problems


def enabled_languages() -> tuple[Language, ...]:
    """The languages this application offers, the default first."""
    return current_app.extensions[EXTENSION_KEY]


def default_language() -> str:
    """The first configured language: for visitors whose browser asks for none we speak."""
    return enabled_languages()[0].code


def language_codes() -> tuple[str, ...]:
    return tuple(language.code for language in enabled_languages())


def is_enabled(code: str | None) -> bool:
    return code in language_codes()


def current_language() -> str:
    """The language code ("en", "fr", ...) of the current request or forced locale; the default
    language outside one."""
    locale = get_locale() if has_app_context() else None
    if locale is None:
        return DEFAULT_LANGUAGE
    for language in enabled_languages():
        if language.locale == str(locale):
            return language.code
    return locale.language


def current_direction() -> str:
    """ "ltr" or "rtl": how the current language is written (templates set `dir` from it)."""
    return language_named(current_language()).direction


def reading_language(definition) -> str:
    """The language a questionnaire is shown in: the one asked for (`?lang=`) when the
    definition has it, else the reader's own when it has that, else its first."""
    offered = definition.languages
    requested = request.args.get("lang")
    if requested in offered:
        return requested
    preferred = current_user.language
    return preferred if preferred in offered else offered[0]


def in_language(language: str | None):
    """Translate and format in `language` for the duration of a `with` block."""
    return force_locale(locale_for(language))


def make_translate(language: str) -> Callable[..., str]:
    """gettext in `language`, each message looked up once (identity outside an application
    context): what workbooks, the data API and the offline workbook write their words with.
    A `Plural` is given with its count: `t(message, count)` is the form for that count, its
    parameters still to fill in."""
    cache: dict[object, str] = {}

    def translate(message: str | Plural, count: int = 1) -> str:
        key = (message, count) if isinstance(message, Plural) else message
        found = cache.get(key)
        if found is None:
            found = cache[key] = _translated(message, count, language)
        return found

    return translate


def _translated(message: str | Plural, count: int, language: str) -> str:
    if not has_app_context():
        return message.english(count) if isinstance(message, Plural) else message
    with in_language(language):
        if isinstance(message, Plural):
            return translations().ungettext(message.singular, message.plural, count)
        return gettext(message)


def select_locale() -> str:
    """The Babel locale of the language the request is read in."""
    return locale_for(select_language())


def select_language() -> str:
    """The user's preference, else the language chosen in this session, else the browser's."""
    languages = language_codes()
    if not has_request_context():  # CLI, scheduler: callers force the recipient's locale
        return default_language()
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get(SESSION_LANGUAGE_KEY)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or default_language()


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


def catalogue_directories(app) -> list[Path]:
    names = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")
    return [Path(app.root_path) / name for name in names]


def missing_catalogues(app) -> list[str]:
    """One line per configured language whose compiled catalogue is missing or empty."""
    problems = []
    directories = catalogue_directories(app)
    for language in app.extensions[EXTENSION_KEY]:
        language = language.code
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


class LanguageParam(click.ParamType):
    """A command-line language: one of the languages the application is configured with."""

    name = "language"

    def convert(self, value, param, ctx):
        code = str(value).strip().lower()
        codes = _command_app(ctx).config["LANGUAGES"]
        if code not in codes:
            self.fail(f"{value!r} is not one of the configured languages: {', '.join(codes)}")
        return code


def _command_app(ctx):
    if has_app_context():
        return current_app
    from flask.cli import ScriptInfo

    return ctx.ensure_object(ScriptInfo).load_app()


def language_option(*names: str, **settings):
    """`--lang`/`--language`: a configured language, the first one unless given."""
    return click.option(
        *names,
        type=LanguageParam(),
        default=lambda: _command_app(click.get_current_context()).config["LANGUAGES"][0],
        show_default="the first configured language",
        **settings,
    )


def label_colon(language: str | None) -> str:
    """What follows a label in `language` (": ", French " : "), as its catalogue writes
    "%(label)s:"; remembered per application and language."""
    if not has_app_context():
        return ": "
    colons = current_app.extensions.setdefault("surveys.colons", {})
    if language not in colons:
        with in_language(language):
            colons[language] = gettext("%(label)s:", label="") + " "
    return colons[language]


def file_size(size: int) -> str:
    """A file size with the locale's number format and unit (KB / Ko)."""
    if size < 1024:
        return gettext("%(num)s B", num=format_decimal(size))
    if size < 1024 * 1024:
        return gettext("%(num)s KB", num=format_decimal(round(size / 1024)))
    return gettext("%(num)s MB", num=format_decimal(round(size / (1024 * 1024), 1)))


def moment_in_words(value: datetime, width: str = "medium") -> str:
    """A moment as the pages write it (their `dt` filter): in the reader's zone and language,
    to the minute ("31 Dec 2026, 18:00", « 31 déc. 2026, 18:00 »)."""
    return format_datetime(value, _minutes_pattern(width))


def _minutes_pattern(width: str) -> str:
    """The locale's date of that width with a short time: seconds are noise on these pages.

    A short date is written as a medium one: "04/12/2026" reads as 12 April to half the world.
    """
    if width == "short":
        width = "medium"
    if width not in ("medium", "long"):
        return width
    return _locale_minutes_pattern(str(get_locale()), width)


@cache
def _locale_minutes_pattern(locale: str, width: str) -> str:
    # Once per locale and width: a round's page writes some 35 dates (CLDR's data is read-only).
    return (
        str(get_datetime_format(width, locale))
        .replace("{1}", get_date_format(width, locale).pattern)
        .replace("{0}", get_time_format("short", locale).pattern)
    )


def short_time(moment: datetime) -> str:
    """The time of `moment` as Flask-Babel's `format_time(moment, "short")` writes it (in the
    reader's zone and language: 14:05, or 2:05 PM where a language says so), its pattern read
    once a language: every autosave's answer says when it was saved. A naive moment is UTC, as
    Flask-Babel takes it."""
    locale = get_locale()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _short_time_pattern(str(locale)).apply(moment.astimezone(user_zone()), locale)


@cache
def _short_time_pattern(locale: str) -> DateTimePattern:
    return parse_pattern(get_time_format("short", locale))
