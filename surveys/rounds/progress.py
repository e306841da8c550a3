"""How far a submission is: the share of required, visible questions answered (pure).

Functional core: no Flask, no database. A question hidden by its `show_if` for these answers
does not count; "not applicable" counts as answered (it is an answer, not a gap). An answer
carried over from the previous round and not yet confirmed is its own state, "to confirm":
it is not this round's answer yet, so it does not count as answered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from surveys.questionnaire.expressions import hidden_questions
from surveys.questionnaire.schema import Definition


@dataclass(frozen=True)
class Completion:
    answered: int
    required: int
    to_confirm: int = 0  # carried over, waiting for the country's confirmation

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
    carried_over: Collection[str] = (),
) -> Completion:
    """Answered / required over the required questions shown for these answers; the required
    answers in `carried_over` (not confirmed yet) are counted apart, as to confirm."""
    na = frozenset(not_applicable)
    seen = {qid: (None if qid in na else value) for qid, value in values.items()}
    hidden = hidden_questions(definition, seen)
    carried = frozenset(carried_over)
    required = answered = to_confirm = 0
    for _area, question in definition.questions():
        if not question.required or question.id in hidden:
            continue
        required += 1
        if question.id in na or is_answered(values.get(question.id)):
            if question.id in carried:
                to_confirm += 1
            else:
                answered += 1
    return Completion(answered=answered, required=required, to_confirm=to_confirm)


def country_completion(definition: Definition, answers: Any, country_id: int) -> Completion | None:
    """The completion of one country from a round's answers (responses.operations.round_answers:
    `submissions` by country id, then `values`, `not_applicable`, `carried_over` by submission
    id); None when the country has not started."""
    submission = answers.submissions.get(country_id)
    if submission is None:
        return None
    return required_completion(
        definition,
        answers.values[submission.id],
        answers.not_applicable[submission.id],
        answers.carried_over[submission.id],
    )
