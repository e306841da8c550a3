"""integer: a whole number (a count, a number of days), within optional bounds.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.numbers import ENTER_WHOLE, NumberKind
from surveys.translatable import N_


class WholeNumber(NumberKind):
    name = "integer"
    label = N_("Whole number")
    whole_numbers = True
    cell_format = "integer"
    not_a_number = ENTER_WHOLE

    def example(self, question, level, rng):
        # Days or counts: better systems take less time, so lower is better for durations.
        low = question.minimum or 0
        high = question.maximum if question.maximum is not None else low + 100
        span = min(high - low, 400)
        return int(low + span * (1 - level) * rng.uniform(0.3, 1.0))
