"""short_text: a line of text (a name, a reference), at most 500 characters.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.texts import TextKind
from surveys.translatable import N_


class ShortText(TextKind):
    name = "short_text"
    label = N_("Short text")
