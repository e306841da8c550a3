"""Numbers in a language's Babel locale, for code with no Flask around (the workbook layout)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

from surveys.languages import DEFAULT_LANGUAGE, locale_for

__all__ = [
    "DEFAULT_LANGUAGE",
    "decimal_mark",
    "locale_for",
    "number_in",
    "number_marks",
    "percent_of_hundred",
]


def decimal_mark(language: str | None) -> str:
    return number_marks(language)[0]


def number_marks(language: str | None) -> tuple[str, str]:
    """The language's decimal mark and thousands separator: (".", ",") in English, (",", a narrow
    no-break space) in French."""
    return _marks_of(locale_for(language))


@cache
def _marks_of(locale: str) -> tuple[str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale)


def percent_of_hundred(value: Decimal | float | int, language: str | None) -> str:
    """A figure on 0-100 with the language's percent sign and spacing (12.5% / 12,5 %)."""
    share = Decimal(str(value)) / 100
    return format_percent(share, locale=locale_for(language), decimal_quantization=False)


def number_in(value: Decimal | float | int, language: str | None) -> str:
    """A number with the language's decimal mark and grouping, all its decimals kept."""
    return format_decimal(value, locale=locale_for(language), decimal_quantization=False)
