"""single_choice: one option among those the definition lists, each with its own score.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.choices import ChoiceKind
from surveys.translatable import N_


class SingleChoice(ChoiceKind):
    name = "single_choice"
    label = N_("Single choice")
    keys = ("options",)
    required_keys = ("options",)
