"""What the text kinds share: a length limit and the text as typed.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from typing import ClassVar

from surveys.questionnaire.kinds.base import Kind, Message, ValueProblem, input_text
from surveys.translatable import AT_MOST_CHARACTERS, N_


class TextKind(Kind):
    keys = ("answered_score",)
    max_length: ClassVar[int] = 500

    def problem(self, question, value, language):
        if not isinstance(value, str):
            return Message(N_("Enter text."))
        if len(value) > self.max_length:
            return Message(AT_MOST_CHARACTERS, {"count": self.max_length})
        return None

    def normalise(self, question, inputs, language):
        text = input_text(inputs, question.id)
        if len(text) > self.max_length:
            raise ValueProblem(Message(AT_MOST_CHARACTERS, {"count": self.max_length}), question.id)
        return text or None
