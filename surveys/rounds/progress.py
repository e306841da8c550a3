"""How far a submission is: the share of required, visible questions answered (pure).

Functional core: no Flask, no database. A question hidden by its `show_if` for these answers
does not count; "not applicable" counts as answered (it is an answer, not a gap).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from surveys.questionnaire.expressions import hidden_questions
from surveys.questionnaire.schema import Definition


@dataclass(frozen=True)
class Completion:
    answered: int
    required: int

    @property
    def percent(self) -> int:
        """Whole percent, rounded down so that 100 means truly complete."""
        if self.required == 0:
            return 100
        return self.answered * 100 // self.required


def is_answered(value: object) -> bool:
    """None, "", [] and a statistics table without any figure are unanswered."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | set):
        return len(value) > 0
    if isinstance(value, Mapping):
        cells = value.get("cells", value)
        return any(v is not None and v != "" for v in cells.values())
    return True


def required_completion(
    definition: Definition,
    values: Mapping[str, object],
    not_applicable: Collection[str] = (),
) -> Completion:
    """Answered / required over the required questions shown for these answers."""
    na = frozenset(not_applicable)
    seen = {qid: (None if qid in na else value) for qid, value in values.items()}
    hidden = hidden_questions(definition, seen)
    required = answered = 0
    for _area, question in definition.questions():
        if not question.required or question.id in hidden:
            continue
        required += 1
        if question.id in na or is_answered(values.get(question.id)):
            answered += 1
    return Completion(answered=answered, required=required)
