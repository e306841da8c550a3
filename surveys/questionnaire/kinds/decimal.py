"""decimal: any number, within the definition's optional bounds.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.numbers import NumberKind
from surveys.translatable import N_


class DecimalNumber(NumberKind):
    name = "decimal"
    label = N_("Decimal number")
