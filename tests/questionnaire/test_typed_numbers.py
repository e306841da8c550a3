"""Typed numbers are read as people of the form's language write them, and a number that can be
read two ways is asked again, never guessed: English "1,234" is one thousand two hundred and
thirty-four (it was read as 1.234 in every language), French "1.234" names both readings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.locales import number_in
from surveys.questionnaire.kinds import kind_named
from surveys.questionnaire.kinds.base import (
    AmbiguousNumber,
    ValueProblem,
    format_number_input,
    parse_number,
)
from surveys.questionnaire.schema import Question

READINGS = [
    # text, language, whole-number input, value
    ("1,234", "en", False, 1234),
    ("1,234", "fr", False, 1.234),
    ("1.234", "en", False, 1.234),
    ("1.234", "fr", True, 1234),
    ("12,345", "en", False, 12345),
    ("12,345", "fr", False, 12.345),
    ("12,5", "en", False, 12.5),
    ("12.5", "fr", False, 12.5),
    ("0,125", "en", False, 0.125),
    ("1234,567", "en", False, 1234.567),
    ("1,2345", "en", False, 1.2345),
    ("1,234.5", "fr", False, 1234.5),
    ("1.234,5", "en", False, 1234.5),
    ("1,234,567", "fr", False, 1234567),
    ("1.234.567", "en", False, 1234567),
    ("1 234,5", "en", False, 1234.5),
    ("1\u202f234,5", "fr", False, 1234.5),
    ("1'234.5", "en", False, 1234.5),
    ("-1,234", "en", False, -1234),
    (" 42 ", "fr", True, 42),
    ("12,0", "fr", False, 12.0),
    # An Arabic keyboard's digits (Chad, Mauritania), in both their forms:
    ("\u0661\u0662\u0663\u0664", "fr", True, 1234),
    ("\u0661,\u0662\u0663\u0664", "en", False, 1234),
    ("\u06f1\u06f2,\u06f5", "fr", False, 12.5),
    ("\ufeff42", "en", True, 42),
    # Its marks: "٫" only ever decimal, "٬" only ever grouping, whatever the form's language.
    ("\u0661\u066c\u0662\u0663\u0664\u066b\u0665", "fr", False, 1234.5),
    ("\u0661\u066c\u0662\u0663\u0664", "fr", False, 1234),
    ("\u0661\u0662\u066b\u0665", "en", False, 12.5),
    ("-12\u066b5", "fr", False, -12.5),
]


@pytest.mark.parametrize(("text", "language", "whole", "value"), READINGS)
def test_a_typed_number_is_read_as_its_language_writes_it(text, language, whole, value):
    read = parse_number(text, language, whole=whole)
    assert read == value
    assert type(read) is type(value)  # "12,0" stays a decimal; the integer kind makes it 12


@pytest.mark.parametrize("text", ["", "   ", "\u00a0"])
def test_a_blank_is_no_number(text):
    assert parse_number(text, "en") is None


@pytest.mark.parametrize(
    "text",
    [
        *("1,23,4", "1.234,567.8", "1,234.5.6", "12,34,567", "0,123,456", "1,,234", "1.", ",5"),
        *("abc", "\uff11\uff12", "\u0967\u0968"),  # fullwidth and Devanagari digits: no number
        # Arabic marks where they cannot stand: grouping two digits, twice decimal, grouping
        # after the decimal mark, beside a Western mark.
        *("\u0661\u066c\u0662\u0663", "1\u066b2\u066b3", "1\u066b234\u066c5", "1,2\u066b5"),
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_misplaced_marks_are_not_a_number(text, language):
    with pytest.raises(ValueError) as refused:
        parse_number(text, language)
    assert not isinstance(refused.value, AmbiguousNumber)


def test_a_mark_the_language_uses_for_neither_names_both_readings():
    with pytest.raises(AmbiguousNumber) as asked:
        parse_number(" 1.234 ", "fr")
    assert (asked.value.whole, asked.value.decimal) == (1234, 1.234)
    message = asked.value.message("fr")
    assert message.params == {"typed": "1.234", "whole": "1234", "decimal": "1,234"}
    assert str(asked.value.message("en")) == (
        "“1.234” can be read as 1234 or as 1.234: type 1234 for the whole number, or 1.234 for "
        "the decimal one."
    )


NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False).map(float),
)


@given(number=NUMBERS, language=st.sampled_from(["en", "fr"]))
def test_a_number_written_by_the_platform_reads_back_as_itself(number, language):
    """What the pages, e-mails and workbooks write (grouped: 1,234.5 / 1 234,5) and what a form
    shows in its input (1234.5 / 1234,5), typed back, is the same number."""
    for written in (
        number_in(Decimal(str(number)), language),
        format_number_input(number, language),
    ):
        assert parse_number(written, language) == number, written


@given(whole=st.integers(min_value=1, max_value=999), thousandths=st.integers(0, 999))
def test_both_readings_offered_are_read_without_asking_again(whole, thousandths):
    typed = f"{whole}.{thousandths:03d}"
    with pytest.raises(AmbiguousNumber) as asked:
        parse_number(typed, "fr")
    params = asked.value.message("fr").params
    assert parse_number(str(params["whole"]), "fr") == asked.value.whole
    assert parse_number(str(params["decimal"]), "fr") == asked.value.decimal


def _question(kind: str) -> Question:
    return Question(id="q", type=kind, text={"en": "Q"})


@pytest.mark.parametrize(
    ("typed", "language", "value"),
    [("45%", "en", 45), ("45 %", "fr", 45), ("12,5\u202f%", "fr", 12.5), (" 7.5 % ", "en", 7.5)],
)
def test_a_percentage_may_be_typed_with_its_sign(typed, language, value):
    assert kind_named("percentage").normalise(_question("percentage"), {"q": typed}, language) == (
        value
    )


@pytest.mark.parametrize(
    ("kind", "typed"), [("percentage", "%"), ("percentage", "45%%"), ("integer", "45%")]
)
def test_a_sign_alone_or_where_no_percentage_is_asked_is_refused(kind, typed):
    with pytest.raises(ValueProblem):
        kind_named(kind).normalise(_question(kind), {"q": typed}, "en")


@pytest.mark.parametrize("typed", ["abc", "150", "-3", "100,5 %"])
def test_a_percentage_refused_says_percentage_whatever_was_typed(typed):
    # Regression: "abc" gave "Enter a percentage between 0 and 100." but "150" gave "Enter a
    # number between 0 and 100.".
    kind = kind_named("percentage")
    with pytest.raises(ValueProblem) as refused:
        kind.normalise(_question("percentage"), {"q": typed}, "en")
    assert str(refused.value.message) == "Enter a percentage between 0 and 100."
    narrowed = Question(id="q", type="percentage", text={"en": "Q"}, minimum=10, maximum=90.5)
    with pytest.raises(ValueProblem) as refused:
        kind.normalise(narrowed, {"q": typed}, "fr")
    assert str(refused.value.message) == "Enter a percentage between 10 and 90,5."
    assert str(kind.problem(narrowed, 95, "en")) == "Enter a percentage between 10 and 90.5."
