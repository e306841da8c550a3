"""maturity: one of a scale's 3 to 7 levels (0 up to n - 1), stored as the level; levels are
scored evenly from 0 to 1 (level / (n - 1), to 4 decimals) unless the definition scores them.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from surveys.questionnaire.kinds.base import Message, is_number
from surveys.questionnaire.kinds.choices import ChoiceKind
from surveys.questionnaire.reader import join
from surveys.questionnaire.schema import Option, even_level_score
from surveys.translatable import N_

LEVELS = (3, 7)
"""The fewest and the most levels a maturity scale may have."""
LEVEL_KEYS = ("label", "score")
CHOOSE_LEVEL = N_("Choose one of the levels.")
RULE_MATURITY = N_("Score of the chosen level (levels evenly spaced from 0 to 1 unless stated).")


class Maturity(ChoiceKind):
    name = "maturity"
    label = N_("Maturity level")
    keys = ("levels",)
    required_keys = ("levels",)
    value_type = "number"
    scoring = "level"

    def read(self, reader, fields, path):
        node, path = fields.get("levels"), join(path, "levels")
        if node is None:
            return None
        items = reader.items(node, path)
        if items is None:
            return None
        valid = True
        fewest, most = LEVELS
        if not fewest <= len(items) <= most:
            reader.report(
                node,
                path,
                N_("a maturity question needs %(fewest)s to %(most)s levels, found %(count)s"),
                fewest=fewest,
                most=most,
                count=len(items),
            )
            valid = False
        levels: list[Option] = []
        for level, item in enumerate(items):
            option = self._read_level(reader, item, join(path, level), level, len(items))
            valid = valid and option is not None
            if option is not None:
                levels.append(option)
        return {"options": tuple(levels)} if valid else None

    @staticmethod
    def _read_level(reader, node, path, level: int, count: int) -> Option | None:
        fields = reader.fields(node, path, LEVEL_KEYS, ("label",))
        if fields is None:
            return None
        label = (
            reader.localized(fields["label"], join(path, "label")) if "label" in fields else None
        )
        score: float | None = even_level_score(level, count)
        if "score" in fields:
            score = reader.score(fields["score"], join(path, "score"))
        if label is None or score is None:
            return None
        return Option(value=str(level), label=label, score=score)

    def option_score(self, question, value):
        """A level's score; an omitted one is the evenly spaced score (the loader writes it)."""
        score = super().option_score(question, value)
        levels = len(question.options)
        if score is None and value.isdigit() and question.option(value) and levels >= 2:
            return even_level_score(int(value), levels)
        return score

    def is_scorable(self, question):
        return bool(question.options) and question.weight != 0  # levels always score

    def problem(self, question, value, language):
        is_level = isinstance(value, int) and not isinstance(value, bool)
        if is_level and question.option(str(value)) is not None:
            return None
        return Message(CHOOSE_LEVEL)

    def normalise(self, question, inputs, language):
        value = super().normalise(question, inputs, language)
        return None if value is None else int(value)  # type: ignore[arg-type]

    def input_data(self, question, value, language):
        return {question.id: None if value is None else str(value)}

    def cell(self, question, value):
        if is_number(value):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return super().cell(question, value)

    def rule_words(self, question, t, language):
        return t(RULE_MATURITY) if question.options else None

    def example(self, question, level, rng):
        top = max(len(question.options) - 1, 0)
        return max(0, min(top, round(level * top + rng.uniform(-0.6, 0.6))))
