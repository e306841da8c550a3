"""What the kinds answered by choosing options share: reading options, checking a choice, the
choice in words (its label) and in a cell (its stable value).

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode

from surveys.questionnaire.kinds.base import Inputs, Kind, Message, Translate, ValueProblem
from surveys.questionnaire.kinds.base import number_text as number_text
from surveys.questionnaire.reader import OPTION_VALUE_PATTERN, Reader, join
from surveys.questionnaire.schema import Option, Question, localized
from surveys.translatable import N_

OPTION_KEYS = ("value", "label", "score")
MULTIPLE_OPTION_KEYS = ("value", "label", "score", "exclusive")
CHOOSE_ONE = N_("Choose one of the options.")
RULE_CHOICE = N_("Score of the chosen option.")


def option_label(question: Question, value: object, language: str) -> str:
    """The option's label in `language`, or the value itself when it is not an option."""
    option = question.option(str(value).strip()) if value is not None else None
    return localized(option.label, language) if option else str(value)


def key_node(node: Node, key: str) -> Node | None:
    """The node of `key` in a mapping, looked at without reading the mapping (no issues)."""
    if not isinstance(node, MappingNode):
        return None
    return next((k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key), None)


def read_options(
    reader: Reader, type_name: str, node: Node | None, path: str, exclusive: bool = False
) -> tuple[Option, ...] | None:
    """A list of at least two options with unique values (`exclusive` ones when allowed)."""
    if node is None:
        return None
    items = reader.items(node, path)
    if items is None:
        return None
    valid = True
    if len(items) < 2:
        reader.report(
            node,
            path,
            N_("a %(type)s question needs at least 2 options, found %(count)s"),
            type=type_name,
            count=len(items),
        )
        valid = False
    options: list[Option] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        option = read_option(reader, type_name, item, join(path, index), exclusive)
        if option is None:
            valid = False
        elif option.value in seen:
            reader.report(
                item,
                join(join(path, index), "value"),
                N_("duplicate option value '%(value)s'"),
                value=option.value,
            )
            valid = False
        else:
            seen.add(option.value)
            options.append(option)
    if valid and options and all(option.exclusive for option in options):
        reader.report(
            node,
            path,
            N_(
                "every option is exclusive, so only one can ever be chosen: make this a "
                "single_choice question, or leave the options that combine without exclusive"
            ),
        )
        valid = False
    return tuple(options) if valid else None


def read_option(
    reader: Reader, type_name: str, node: Node, path: str, allow_exclusive: bool
) -> Option | None:
    exclusive_node = key_node(node, "exclusive")
    if not allow_exclusive and exclusive_node is not None:
        reader.report(
            exclusive_node,
            join(path, "exclusive"),
            N_(
                "'exclusive' applies to options of a multiple_choice question: the options of "
                "a %(type)s question exclude each other already"
            ),
            type=type_name,
        )
        return None
    keys = MULTIPLE_OPTION_KEYS if allow_exclusive else OPTION_KEYS
    fields = reader.fields(node, path, keys, ("value", "label"))
    if fields is None:
        return None
    exclusive = reader.optional(fields, "exclusive", path, reader.boolean, False)
    value = None
    if "value" in fields:
        value = reader.matching(
            fields["value"],
            join(path, "value"),
            OPTION_VALUE_PATTERN,
            N_("'%(value)s' is not a valid option value: use lower-case letters, digits or _"),
        )
    label = reader.localized(fields["label"], join(path, "label")) if "label" in fields else None
    score = None
    if "score" in fields:
        score = reader.score(fields["score"], join(path, "score"))
        if score is None:
            return None
    if value is None or label is None or exclusive is None:
        return None
    return Option(value=value, label=label, score=score, exclusive=exclusive)


class ChoiceKind(Kind):
    """One option chosen among the definition's, stored as its value (a text)."""

    widget = "radios"
    grouped = True
    choice = True
    scoring = "option"
    wrong_choice = CHOOSE_ONE

    def read(self, reader: Reader, fields: Mapping[str, Node], path: str):
        options = read_options(reader, self.name, fields.get("options"), join(path, "options"))
        return None if options is None else {"options": options}

    def possible_scores(self, question):
        found = (self.option_score(question, o.value) for o in question.options)
        return [s for s in found if s is not None]

    def problem(self, question, value, language):
        if isinstance(value, str) and question.option(value) is not None:
            return None
        return Message(self.wrong_choice)

    def normalise(self, question: Question, inputs: Inputs, language: str) -> object:
        raw = inputs.get(question.id)
        if raw in (None, "", "None"):
            return None
        if question.option(str(raw)) is None:
            raise ValueProblem(Message(self.wrong_choice), question.id)
        return str(raw)

    def text(self, question, value, language, t: Translate) -> str:
        return option_label(question, value, language)

    def options_text(self, question, language):
        lines = []
        for option in question.options:
            score = self.option_score(question, option.value)
            unscored = score is None or question.weight == 0
            shown = "" if unscored else f" ({number_text(score, language)})"
            lines.append(f"{option.value} = {localized(option.label, language)}{shown}")
        return "\n".join(lines) or None

    def rule_words(self, question, t, language):
        return t(RULE_CHOICE) if question.is_scored else None

    def example(self, question, level, rng):
        return rng.choice(question.options).value if question.options else None
