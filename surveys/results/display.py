"""How scores, changes and answers are written on the results pages, in the user's locale."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from surveys.i18n import current_language
from surveys.i18n import gettext as _
from surveys.questionnaire.expressions import is_answered
from surveys.questionnaire.schema import Question, Response
from surveys.rounds.submission_status import status_label
from surveys.scoring import REASON_LABELS, STATUS_LABELS, Index, IndexStatus, Reason
from surveys.scoring.progress import CHANGE_STATUS_LABELS, ChangeStatus, IndexChange

TRIGGER_NAMES = {
    "submitted": _l("when submitted"),
    "validated": _l("when validated"),
    "round_closed": _l("when the round closed"),
}


@lru_cache(maxsize=32)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def format_decimal(value: Decimal | float | int, pattern: str) -> str:
    """Like flask_babel.format_decimal with a pattern, parsed once: a results page formats
    thousands of numbers and parsing the pattern each time dominated its rendering."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    locale = get_locale()
    return (
        _formatted(number, pattern, str(locale))
        if locale
        else _pattern(pattern).apply(number, locale)
    )


@lru_cache(maxsize=8192)
def _formatted(number: Decimal, pattern: str, locale: str) -> str:
    """A number written once per locale: an overview repeats the same few hundred values."""
    return _pattern(pattern).apply(number, Locale.parse(locale))


def language() -> str:
    return current_language()


def status_name(status: str) -> str:
    return _(status_label(status))


def index_number(value: Decimal | None) -> str:
    """An index on 0-100 as stored (two decimals), in the user's locale."""
    return "" if value is None else format_decimal(value, "#,##0.00")


def index_text(index: Index | None) -> str:
    """The number, or why there is none ("Insufficient information", "Nothing to score")."""
    if index is None:
        return "—"
    if index.status is IndexStatus.SCORED:
        return index_number(index.value)
    return _(STATUS_LABELS[index.status])


def coverage_text(coverage: Decimal | None) -> str:
    """A coverage or evidence share as the workbooks show it: the stored value (truncated to
    four decimals, so that 49.99% never reads as 50%) as a percentage with two decimals."""
    if coverage is None:
        return "—"
    return _("%(percent)s%%", percent=format_decimal(coverage * 100, "#,##0.00"))


def change_number(change: Decimal | None) -> str:
    return "" if change is None else format_decimal(change, "+#,##0.00;-#,##0.00")


def change_text(change: IndexChange | None) -> str:
    """The change since the previous round, "Not comparable", or a dash without a previous round."""
    if change is None:
        return "—"
    if change.status is ChangeStatus.COMPARED:
        return change_number(change.change)
    return _(CHANGE_STATUS_LABELS[change.status])


def reason_text(reason: Reason | None) -> str:
    return "" if reason is None else _(REASON_LABELS[reason])


SCORE_PATTERN = "0.00##"
"""The workbooks' number format of a score (surveys.export.cells, "score")."""


def score_text(score: Decimal | None) -> str:
    """A question's score in [0, 1] as the scorecard stores it (up to 4 decimals: a maturity
    level of 2 on 0-3 is 0.6667) and as the workbooks show it: 0.50, 0.6667, never rounded."""
    return "—" if score is None else format_decimal(score, SCORE_PATTERN)


def weight_text(weight: Decimal) -> str:
    return format_decimal(weight, "#,##0.###")


def exact_text(value: Decimal | int) -> str:
    """A decimal with every digit it has (a sum of weight × score in a formula), so that the
    formula shown gives the index shown when worked out by hand."""
    number = Decimal(value).normalize()
    decimals = max(0, -int(number.as_tuple().exponent))
    return format_decimal(number, "#,##0." + "#" * decimals if decimals else "#,##0")


def answer_text(question: Question, response: Response | None, lang: str) -> str:
    """The answer in words, in the user's language: its kind's one rule (option labels in
    option order, numbers, percentages and dates in the locale); a table is shown apart."""
    if response is None:
        return ""
    if response.not_applicable:
        return _("Not applicable")
    value = response.value
    if not is_answered(value) or question.statistics is not None:
        return ""
    return question.kind.text(question, value, lang, _)
