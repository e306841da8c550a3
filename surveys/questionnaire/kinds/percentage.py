"""percentage: a figure between 0 and 100 (the definition may narrow the range), written with
the language's percent sign and stored in a cell as a fraction with a percent format.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.locales import percent_of_hundred
from surveys.questionnaire.kinds.base import Message, format_number, is_number
from surveys.questionnaire.kinds.numbers import NumberKind
from surveys.questionnaire.reader import shown_number
from surveys.translatable import N_


class Percentage(NumberKind):
    name = "percentage"
    label = N_("Percentage")
    cell_format = "percent"
    lower = 0.0
    upper = 100.0
    not_a_number = N_("Enter a percentage between %(low)s and %(high)s.")
    typed_unit = "%"

    # Whatever was typed ("abc", "150"), one message, of a percentage and the question's range.
    def not_a_number_problem(self, question, language):
        low, high = self.bounds(question)
        return Message(
            self.not_a_number,
            {"low": format_number(low, language), "high": format_number(high, language)},
        )

    def bounds_problem(self, question, number, language):
        low, high = self.bounds(question)
        if low is not None and high is not None and not low <= number <= high:
            return self.not_a_number_problem(question, language)
        return None

    def read_bound(self, reader, node, path):
        value = super().read_bound(reader, node, path)
        if value is not None and not self.lower <= value <= self.upper:
            reader.report(
                node,
                path,
                N_("a percentage bound must be between 0 and 100, not %(value)s"),
                value=shown_number(value),
            )
            return None
        return value

    def text(self, question, value, language, t):
        return percent_of_hundred(value, language) if is_number(value) else str(value)  # type: ignore[arg-type]

    def cell(self, question, value):
        return value / 100 if is_number(value) else str(value)  # type: ignore[operator]

    def example(self, question, level, rng):
        return round(min(100.0, max(0.0, level * 100 + rng.uniform(-15, 10))), 1)
