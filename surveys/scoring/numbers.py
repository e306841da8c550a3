"""Exact arithmetic helpers shared by the scoring modules.

Scores and weights come from the definition as floats written in decimal (0.5, 1.5, 0.1); we read
each one back as the decimal its author wrote (`Decimal(str(x))`) and compute with integers and
fractions, so results never depend on binary rounding, summation order or platform. Rounding
happens once, at the end, in the functions below.
"""

from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction
from functools import lru_cache

_EXACT = Context(prec=1000)
"""A context wide enough that normalising our decimals never rounds them."""


def to_decimal(number: float | int | Decimal) -> Decimal:
    """The decimal an author wrote for `number` (0.1 -> Decimal('0.1'), not the binary value)."""
    if isinstance(number, Decimal):
        return canonical(number)
    return canonical(Decimal(str(number)))


def canonical(number: Decimal) -> Decimal:
    """One spelling per value: no trailing zeros, no exponent ('1.50' -> '1.5', '1E+1' -> '10')."""
    number = number.normalize(_EXACT)
    if number.as_tuple().exponent > 0:  # type: ignore[operator]
        number = number.quantize(Decimal(1), context=_EXACT)
    return number + 0 if number.is_zero() else number  # drops a negative zero's sign


def decimal_places(number: Decimal) -> int:
    exponent = canonical(number).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


@lru_cache(maxsize=4096)
def to_units(number: Decimal, places: int) -> int:
    """`number` × 10**places as an exact integer (places must cover its decimals)."""
    scaled = Fraction(number) * 10**places
    if scaled.denominator != 1:
        raise ValueError(f"{number} has more than {places} decimal places")
    return scaled.numerator


@lru_cache(maxsize=4096)
def from_units(units: int, places: int) -> Decimal:
    """The canonical decimal units / 10**places (exact; cached: scores repeat across countries)."""
    return canonical(Decimal(units).scaleb(-places, _EXACT))


Ratio = tuple[int, int]
"""An exact fraction as (numerator, denominator > 0), not reduced.

The hot paths use it instead of `Fraction`, which reduces by a gcd after every operation: the
rounding below gives the same digits whether or not a ratio is reduced.
"""


def half_up_units(numerator: int, denominator: int, places: int) -> int:
    """numerator / denominator (denominator > 0) in units of 10**-places, halves away from zero."""
    whole, remainder = divmod(abs(numerator) * 10**places, denominator)
    if 2 * remainder >= denominator:
        whole += 1
    return -whole if numerator < 0 else whole


def down_units(numerator: int, denominator: int, places: int) -> int:
    """numerator / denominator (denominator > 0) in units of 10**-places, rounded down."""
    return numerator * 10**places // denominator


@lru_cache(maxsize=16384)
def units_decimal(units: int, places: int) -> Decimal:
    """units × 10**-places with exactly `places` decimals (1250, 2 -> Decimal('12.50')).

    Cached: published indices and coverages repeat across countries.
    """
    return Decimal(units).scaleb(-places, _EXACT)


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero (Decimal's ROUND_HALF_UP)."""
    return units_decimal(half_up_units(value.numerator, value.denominator, places), places)


def round_down(value: Fraction, places: int = 4) -> Decimal:
    """`value` (>= 0) truncated to `places` decimals, so it never shows more than it is."""
    return units_decimal(down_units(value.numerator, value.denominator, places), places)
