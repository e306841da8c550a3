"""Numbers in a language's Babel locale, for code with no Flask around (the workbook layout)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent, get_decimal_symbol

from surveys.languages import DEFAULT_LANGUAGE, locale_for

__all__ = ["DEFAULT_LANGUAGE", "decimal_mark", "locale_for", "number_in", "percent_of_hundred"]


def decimal_mark(language: str | None) -> str:
    return get_decimal_symbol(locale_for(language))


def percent_of_hundred(value: Decimal | float | int, language: str | None) -> str:
    """A figure on 0-100 with the language's percent sign and spacing (12.5% / 12,5 %)."""
    share = Decimal(str(value)) / 100
    return format_percent(share, locale=locale_for(language), decimal_quantization=False)


def number_in(value: Decimal | float | int, language: str | None) -> str:
    """A number with the language's decimal mark and grouping, all its decimals kept."""
    return format_decimal(value, locale=locale_for(language), decimal_quantization=False)
