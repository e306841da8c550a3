"""long_text: paragraphs of text, at most 20,000 characters.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.texts import TextKind
from surveys.translatable import N_


class LongText(TextKind):
    name = "long_text"
    label = N_("Long text")
    widget = "textarea"
    max_length = 20_000
