"""year: a calendar year (when a law was adopted, a plan ended), a whole number from 1900 to
2100 that the definition may narrow with `min` and `max`; written as a year (2024, never
2,024 or 2 024); scored, when the definition gives `thresholds`, like a number.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.languages import list_separator
from surveys.questionnaire.kinds.base import Message, is_number, number_text
from surveys.questionnaire.kinds.numbers import RULE_THRESHOLDS, NumberKind
from surveys.questionnaire.reader import shown_number
from surveys.translatable import N_

FIRST, LAST = 1900, 2100


class Year(NumberKind):
    name = "year"
    label = N_("Year")
    whole_numbers = True
    cell_format = None  # a plain whole number: no thousands separator in a year
    lower = FIRST
    upper = LAST
    not_a_number = N_("Enter a year, for example 2024.")

    def read_bound(self, reader, node, path):
        value = super().read_bound(reader, node, path)
        if value is not None and not FIRST <= value <= LAST:
            reader.report(
                node,
                path,
                N_("a year bound must be between 1900 and 2100, not %(value)s"),
                value=shown_number(value),
            )
            return None
        return value

    def bounds_problem(self, question, number, language):
        low, high = self.bounds(question)
        if low is not None and high is not None and not low <= number <= high:
            years = {"low": int(low), "high": int(high)}
            return Message(N_("Enter a year between %(low)s and %(high)s."), years)
        return None

    def text(self, question, value, language, t):
        return str(int(value)) if is_number(value) else str(value)  # type: ignore[call-overload]

    def rule_words(self, question, t, language):
        if not question.thresholds:
            return None
        steps = list_separator(language).join(
            f"≥ {int(th.min)} → {number_text(th.score, language)}"
            for th in sorted(question.thresholds, key=lambda th: th.min)
        )
        return t(RULE_THRESHOLDS) % {"thresholds": steps}

    def example(self, question, level, rng):
        low, high = self.bounds(question)
        return rng.randint(int(low or FIRST), int(high or LAST))
