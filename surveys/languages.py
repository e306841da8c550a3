"""The languages the platform speaks, as data: code, name in itself, Babel locale, direction.

Pure (no Flask, no database): the workbook layout and the questionnaire core format with it too.
The list an application offers comes from its `LANGUAGES` setting (see `parse_languages`); every
language an application in this process has configured is remembered here, so that code without
an application around (a workbook written by the scheduler) formats in its locale as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from babel import Locale, UnknownLocaleError

DEFAULT_LANGUAGE = "en"
SOURCE_LANGUAGE = "en"  # the language of the message ids: it needs no catalogue
DIRECTIONS = ("ltr", "rtl")
LANGUAGE_CODE_LENGTH = 16  # the longest code a LANGUAGES entry may have ("zh-Hant-TW")
LIST_SEPARATOR = "; "  # between the items of a list in words, unless LIST_SEPARATORS says else
# Typography Babel's (CLDR) data does not carry, by the language of the locale: French sets a
# narrow no-break space (U+202F) before ";", as its catalogue does before ; ? ! (U+00A0 before
# ":"), so that a line never starts with the semicolon.
LIST_SEPARATORS = {"fr": "\u202f; "}
NO_BREAK_SPACE, NARROW_NO_BREAK_SPACE = "\u00a0", "\u202f"


@dataclass(frozen=True)
class Typography:
    """The space a language sets before some punctuation marks and after others (French:
    "Pourquoi ?", "« mot »"), so that a mark never starts or ends a line alone."""

    before: Mapping[str, str] = field(default_factory=dict)  # mark -> the space before it
    after: Mapping[str, str] = field(default_factory=dict)  # mark -> the space after it

    @cached_property
    def marks(self) -> tuple[str, ...]:
        return (*self.before, *self.after)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """A run of horizontal spaces holding at least one ordinary space or tab (a run of
        no-break spaces alone was chosen by its author), before or after one of the marks."""
        run = "[ \t\u00a0\u202f]*[ \t][ \t\u00a0\u202f]*"
        before = "|".join(re.escape(mark) for mark in self.before)
        after = "|".join(re.escape(mark) for mark in self.after)
        parts = [f"{run}(?=(?P<next>{before})(?!=))"] if before else []  # "!=" is an operator
        parts += [f"(?<=(?P<previous>{after})){run}"] if after else []
        return re.compile("|".join(parts))

    def space_for(self, match: re.Match[str]) -> str:
        """The space that replaces the run `pattern` matched."""
        marks = match.groupdict()
        if marks.get("next"):
            return self.before[marks["next"]]
        return self.after[marks["previous"]]


# Typography by the language of the locale, as the French catalogue writes it (U+202F before
# ; ? !, U+00A0 before : and inside « »), for texts written with ordinary spaces: the
# questionnaire definitions, whose stored content (and hash) must not change.
TYPOGRAPHY = {
    "fr": Typography(
        before={
            ";": NARROW_NO_BREAK_SPACE,
            "?": NARROW_NO_BREAK_SPACE,
            "!": NARROW_NO_BREAK_SPACE,
            ":": NO_BREAK_SPACE,
            "»": NO_BREAK_SPACE,
        },
        after={"«": NO_BREAK_SPACE},
    )
}


class LanguageSettingError(ValueError):
    """The LANGUAGES setting cannot be read; the message says which entry and why."""


@dataclass(frozen=True)
class Language:
    code: str  # as stored on users and in questionnaire texts ("en", "fr", "ar")
    name: str  # its name in itself, for the language menu ("English", "Français", "العربية")
    locale: str  # the Babel locale of its dates, times and numbers ("en_GB", "fr_FR")
    direction: str = "ltr"  # "rtl" for Arabic, Hebrew, ...

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"


# UN and European readers of the English pages expect British conventions (29 Dec 2026, 18:00).
DEFAULT_LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "en_GB"),
    Language("fr", "Français", "fr_FR"),
)

# Every language configured by an application of this process, by code (see `remember`).
_known: dict[str, Language] = {language.code: language for language in DEFAULT_LANGUAGES}


def language_from_entry(entry: object) -> Language:
    """One LANGUAGES entry: a Language, a mapping (code, locale, name, direction), or a string
    "code", "code=locale" or "code=locale=rtl"; what is left out comes from Babel's data."""
    if isinstance(entry, Language):
        return entry
    if isinstance(entry, str):
        parts = [part.strip() for part in entry.split("=")]
        if len(parts) > 3 or not parts[0]:
            raise LanguageSettingError(
                f"LANGUAGES: {entry!r} is not 'code', 'code=locale' or 'code=locale=direction'"
            )
        fields = dict(zip(("code", "locale", "direction"), parts, strict=False))
    elif isinstance(entry, Mapping):
        fields = {str(key): str(value) for key, value in entry.items() if value}
    else:
        raise LanguageSettingError(f"LANGUAGES: {entry!r} is neither a string nor a mapping")
    return _complete(fields)


def _complete(fields: dict[str, str]) -> Language:
    code = fields.get("code", "").strip()
    if not code or not code.replace("-", "").isalnum() or len(code) > LANGUAGE_CODE_LENGTH:
        raise LanguageSettingError(f"LANGUAGES: {code!r} is not a language code like 'en' or 'ar'")
    known = _known.get(code)
    locale_name = fields.get("locale") or (known.locale if known else code)
    try:
        locale = Locale.parse(locale_name.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise LanguageSettingError(
            f"LANGUAGES: language {code!r}: Babel knows no locale {locale_name!r}"
        ) from exc
    name = fields.get("name") or (known.name if known and not fields.get("locale") else None)
    name = name or (locale.languages.get(locale.language) or code)
    direction = fields.get("direction") or locale.text_direction
    if direction not in DIRECTIONS:
        raise LanguageSettingError(
            f"LANGUAGES: language {code!r}: direction {direction!r} is not 'ltr' or 'rtl'"
        )
    return Language(code, name[:1].upper() + name[1:], str(locale), direction)


def parse_languages(setting: str | Iterable[object] | None) -> tuple[Language, ...]:
    """The LANGUAGES setting as languages: a comma-separated string (the environment variable,
    e.g. "en=en_GB,fr=fr_FR,ar") or a sequence of entries; the first is the default."""
    if setting is None or setting == "":
        return DEFAULT_LANGUAGES
    entries = setting.split(",") if isinstance(setting, str) else list(setting)
    languages = tuple(language_from_entry(entry) for entry in entries if entry != "")
    codes = [language.code for language in languages]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise LanguageSettingError(f"LANGUAGES: {', '.join(repeated)} listed more than once")
    if not languages:
        raise LanguageSettingError("LANGUAGES: no language listed")
    return languages


def remember(languages: Iterable[Language]) -> None:
    """Make these languages' locales and directions known to code without an application."""
    for language in languages:
        _known[language.code] = language


def language_named(code: str | None) -> Language:
    """The language of that code (the default language for an unknown or empty code)."""
    return _known.get(code or DEFAULT_LANGUAGE) or _known[DEFAULT_LANGUAGE]


def locale_for(code: str | None) -> str:
    """The Babel locale that formats `code` (the default language's for a code we do not know)."""
    return language_named(code).locale


def list_separator(code: str | None) -> str:
    """What separates the items of a list written in words in language `code` (the chosen
    options of a multiple choice): "; " in English, a narrow no-break space then "; " in French.
    Lists of stable keys (option values in a cell) keep `LIST_SEPARATOR` in every language."""
    return LIST_SEPARATORS.get(locale_for(code).partition("_")[0], LIST_SEPARATOR)


def typeset(text: str, code: str | None) -> str:
    """`text`, a text in language `code`, with the spaces its typography sets around punctuation
    in place of ordinary ones ("Pourquoi ?" -> "Pourquoi\u202f?" in French). A mark with no space
    before it stays as it is ("18:00", "https://"); typesetting twice changes nothing. For
    display only: a stored or hashed text keeps the spaces it was written with."""
    typography = TYPOGRAPHY.get(locale_for(code).partition("_")[0])
    if typography is None or not any(mark in text for mark in typography.marks):
        return text
    return typography.pattern.sub(typography.space_for, text)


def direction_of(code: str | None) -> str:
    return language_named(code).direction


def language_name_in(code: str, reader: str | None) -> str:
    """The name of language `code` in the language of the reader ("French", "français"),
    from Babel's data; the code itself for a language Babel does not name."""
    names = Locale.parse(locale_for(reader)).languages
    return names.get(code.replace("-", "_")) or names.get(code.split("-")[0]) or code


def text_in(texts: Mapping[str, str] | None, code: str | None) -> str:
    """A text given per language ({"en": "Chad", "fr": "Tchad"}) in `code`, else in the default
    language, else in any language it has ("" for none)."""
    if not texts:
        return ""
    for wanted in (code, DEFAULT_LANGUAGE):
        if texts.get(wanted):
            return texts[wanted]
    return next((text for text in texts.values() if text), "")
