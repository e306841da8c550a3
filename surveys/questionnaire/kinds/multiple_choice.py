"""multiple_choice: any of the definition's options, stored in option order; the score is the
sum of the chosen options' scores, at most 1.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.languages import LIST_SEPARATOR, list_separator
from surveys.questionnaire.kinds.base import Message, ValueProblem
from surveys.questionnaire.kinds.choices import ChoiceKind, option_label, read_options
from surveys.questionnaire.reader import join
from surveys.questionnaire.schema import localized
from surveys.translatable import N_

CHOOSE_AMONG = N_("Choose among the options given.")
ALONE = N_(
    "“%(option)s” cannot be ticked together with other options: untick it, or untick the others."
)
RULE_MULTIPLE = N_("Sum of the scores of the chosen options, at most 1.")


def in_option_order(question, value) -> list[str]:
    """The chosen values in the definition's order (any unknown ones after, as stored)."""
    chosen = [str(v) for v in value]
    known = [o.value for o in question.options if o.value in chosen]
    return known + [v for v in chosen if question.option(v) is None]


def exclusive_clash(question, chosen: set[str], language: str) -> Message | None:
    """An exclusive option ("none of these") chosen with another, else None."""
    if len(chosen) < 2:
        return None
    alone = [o for o in question.options if o.exclusive and o.value in chosen]
    if not alone:
        return None
    return Message(ALONE, {"option": localized(alone[0].label, language)})


class MultipleChoice(ChoiceKind):
    name = "multiple_choice"
    label = N_("Multiple choice")
    keys = ("options",)
    required_keys = ("options",)
    widget = "checkboxes"
    value_type = "list of selections"
    scoring = "options_sum"

    def read(self, reader, fields, path):
        node, path = fields.get("options"), join(path, "options")
        options = read_options(reader, self.name, node, path, exclusive=True)
        return None if options is None else {"options": options}

    def problem(self, question, value, language):
        if isinstance(value, list) and all(
            isinstance(v, str) and question.option(v) for v in value
        ):
            return exclusive_clash(question, set(value), language)
        return Message(CHOOSE_AMONG)

    def normalise(self, question, inputs, language):
        raw = inputs.get(question.id) or []
        chosen = {raw} if isinstance(raw, str) else set(raw)
        if not chosen:
            return None
        known = [o.value for o in question.options]
        if not chosen.issubset(known):
            raise ValueProblem(Message(CHOOSE_AMONG), question.id)
        clash = exclusive_clash(question, chosen, language)
        if clash:
            raise ValueProblem(clash, question.id)
        return [value for value in known if value in chosen]  # definition order

    def input_data(self, question, value, language):
        return {question.id: list(value or [])}

    def text(self, question, value, language, t):
        if not isinstance(value, list | tuple):
            return option_label(question, value, language)
        chosen = in_option_order(question, value)
        separator = list_separator(language)  # " ; " with a narrow no-break space in French
        return separator.join(option_label(question, v, language) for v in chosen)

    def cell(self, question, value):
        if isinstance(value, list | tuple):
            return LIST_SEPARATOR.join(in_option_order(question, value))  # keys: any language
        return super().cell(question, value)

    def rule_words(self, question, t, language):
        return t(RULE_MULTIPLE) if question.is_scored else None

    def example(self, question, level, rng):
        real = [o.value for o in question.options if o.value != "none" and not o.exclusive]
        chosen = [value for value in real if rng.random() < level]
        if chosen:
            return chosen
        alone = [o.value for o in question.options if o.exclusive]  # "none of these"
        return ["none"] if question.option("none") else alone[:1] or real[:1]
