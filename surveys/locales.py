"""The Babel locale of each language, for code with no Flask around (the workbook layout)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent, get_decimal_symbol

# One Babel locale per language, for dates, times, numbers and file sizes alike: UN and
# European readers of the English pages expect British conventions (29 Dec 2026, 18:00).
LOCALES = {"en": "en_GB", "fr": "fr_FR"}
DEFAULT_LANGUAGE = "en"


def locale_for(language: str | None) -> str:
    """The Babel locale that formats `language` (English for a language we do not know)."""
    return LOCALES.get(language or DEFAULT_LANGUAGE, LOCALES[DEFAULT_LANGUAGE])


def decimal_mark(language: str | None) -> str:
    return get_decimal_symbol(locale_for(language))


def percent_of_hundred(value: Decimal | float | int, language: str | None) -> str:
    """A figure on 0-100 with the language's percent sign and spacing (12.5% / 12,5 %)."""
    share = Decimal(str(value)) / 100
    return format_percent(share, locale=locale_for(language), decimal_quantization=False)


def number_in(value: Decimal | float | int, language: str | None) -> str:
    """A number with the language's decimal mark and grouping, all its decimals kept."""
    return format_decimal(value, locale=locale_for(language), decimal_quantization=False)
