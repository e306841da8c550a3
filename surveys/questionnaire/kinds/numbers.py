"""What the number kinds share: bounds (min, max), thresholds that score, the plausibility
factor, typed numbers in either language's style, and numbers in words.

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from typing import ClassVar

from surveys.languages import list_separator
from surveys.questionnaire.kinds.base import (
    AmbiguousNumber,
    Kind,
    Message,
    ValueProblem,
    format_number,
    format_number_input,
    is_number,
    number_text,
    parse_number,
)
from surveys.questionnaire.reader import Reader, join, shown_number
from surveys.questionnaire.schema import Question, Threshold
from surveys.translatable import N_

NUMBER_KEYS = ("min", "max", "thresholds", "plausibility")
THRESHOLD_KEYS = ("min", "score")
PLAUSIBILITY_KEYS = ("factor",)
ENTER_NUMBER = N_("Enter a number.")
ENTER_WHOLE = N_("Enter a whole number.")
BETWEEN = N_("Enter a number between %(low)s and %(high)s.")
AT_LEAST = N_("Enter a number of at least %(low)s.")
AT_MOST = N_("Enter a number of at most %(high)s.")
RULE_THRESHOLDS = N_("Score of the highest threshold reached: %(thresholds)s.")


def read_plausibility(reader: Reader, node, path: str) -> float | None:
    """`plausibility: {factor: 3}`: a change by more than the factor since the previous round."""
    fields = reader.fields(node, path, PLAUSIBILITY_KEYS, PLAUSIBILITY_KEYS)
    if fields is None or "factor" not in fields:
        return None
    factor = reader.number(fields["factor"], join(path, "factor"))
    if factor is not None and factor <= 1:
        reader.report(
            fields["factor"],
            join(path, "factor"),
            N_("the factor must be more than 1, not %(value)s (2 means halved or doubled)"),
            value=shown_number(factor),
        )
        return None
    return factor


def read_thresholds(reader: Reader, node, path: str) -> tuple[Threshold, ...] | None:
    items = reader.items(node, path)
    if items is None:
        return None
    valid = True
    thresholds: list[Threshold] = []
    for index, item in enumerate(items):
        item_path = join(path, index)
        fields = reader.fields(item, item_path, THRESHOLD_KEYS, THRESHOLD_KEYS)
        if fields is None:
            valid = False
            continue
        minimum = reader.number(fields["min"], join(item_path, "min")) if "min" in fields else None
        score = (
            reader.score(fields["score"], join(item_path, "score")) if "score" in fields else None
        )
        if minimum is None or score is None:
            valid = False
            continue
        if thresholds and minimum <= thresholds[-1].min:
            reader.report(
                fields["min"],
                join(item_path, "min"),
                N_(
                    "thresholds must be in ascending order of min: %(value)s does not exceed "
                    "the previous min %(previous)s"
                ),
                value=shown_number(minimum),
                previous=shown_number(thresholds[-1].min),
            )
            valid = False
        thresholds.append(Threshold(min=minimum, score=score))
    return tuple(thresholds) if valid else None


class NumberKind(Kind):
    """A number typed in, within optional bounds; thresholds turn it into a score."""

    keys = NUMBER_KEYS
    widget = "number"
    value_type = "number"
    cell_format = "number"
    scoring = "thresholds"
    lower: ClassVar[float | None] = None
    upper: ClassVar[float | None] = None
    """Bounds of the type itself (a percentage: 0 and 100), within which min and max must be."""
    not_a_number: ClassVar[str] = ENTER_NUMBER

    # --- the definition ---------------------------------------------------------------------

    def read(self, reader, fields, path):
        valid = True
        bounds: dict[str, float | None] = {"min": None, "max": None}
        for key in bounds:
            if key in fields:
                bounds[key] = self.read_bound(reader, fields[key], join(path, key))
                valid = valid and bounds[key] is not None
        minimum, maximum = bounds["min"], bounds["max"]
        if minimum is not None and maximum is not None and minimum > maximum:
            reader.report(
                fields["max"],
                join(path, "max"),
                N_("max (%(max)s) is smaller than min (%(min)s)"),
                max=shown_number(maximum),
                min=shown_number(minimum),
            )
            valid = False
        minimum = self.lower if minimum is None else minimum
        maximum = self.upper if maximum is None else maximum
        thresholds: tuple[Threshold, ...] = ()
        if "thresholds" in fields:
            read = read_thresholds(reader, fields["thresholds"], join(path, "thresholds"))
            valid = valid and read is not None
            thresholds = read or ()
        if not valid:
            return None
        details: dict[str, object] = {
            "minimum": minimum,
            "maximum": maximum,
            "thresholds": thresholds,
        }
        if "plausibility" in fields:
            factor = read_plausibility(reader, fields["plausibility"], join(path, "plausibility"))
            if factor is None:
                return None
            details["plausibility"] = factor
        return details

    def read_bound(self, reader: Reader, node, path: str) -> float | None:
        value = reader.number(node, path)
        if value is not None and self.whole_numbers and not value.is_integer():
            reader.report(node, path, N_("must be a whole number"))
            return None
        return value

    def possible_scores(self, question):
        return [t.score for t in question.thresholds]

    def bounds(self, question: Question) -> tuple[float | None, float | None]:
        low = question.minimum if question.minimum is not None else self.lower
        high = question.maximum if question.maximum is not None else self.upper
        if self.lower is not None and low is not None:
            low = max(low, self.lower)
        if self.upper is not None and high is not None:
            high = min(high, self.upper)
        return low, high

    # --- values -----------------------------------------------------------------------------

    def not_a_number_problem(self, question: Question, language: str) -> Message:
        """What to say of a value that is no number at all."""
        return Message(self.not_a_number)

    def problem(self, question, value, language):
        if not is_number(value):
            return self.not_a_number_problem(question, language)
        if self.whole_numbers and not float(value).is_integer():  # type: ignore[arg-type]
            return Message(ENTER_WHOLE)
        return self.bounds_problem(question, value, language)  # type: ignore[arg-type]

    def bounds_problem(self, question: Question, number: float, language: str) -> Message | None:
        low, high = self.bounds(question)
        if low is not None and high is not None and not low <= number <= high:
            return Message(
                BETWEEN,
                {"low": format_number(low, language), "high": format_number(high, language)},
            )
        if low is not None and number < low:
            return Message(AT_LEAST, {"low": format_number(low, language)})
        if high is not None and number > high:
            return Message(AT_MOST, {"high": format_number(high, language)})
        return None

    def normalise(self, question, inputs, language):
        raw = inputs.get(question.id)
        text = raw if isinstance(raw, str) else ""
        if self.typed_unit:
            text = without_unit(text, self.typed_unit)
        try:
            number = parse_number(text, language, whole=self.whole_numbers)
        except AmbiguousNumber as ambiguous:
            raise ValueProblem(ambiguous.message(language), question.id) from None
        except ValueError:
            problem = self.not_a_number_problem(question, language)
            raise ValueProblem(problem, question.id) from None
        if number is None:
            return None
        if self.whole_numbers and not float(number).is_integer():
            raise ValueProblem(Message(ENTER_WHOLE), question.id)
        if self.whole_numbers:
            number = int(number)
        problem = self.bounds_problem(question, number, language)
        if problem:
            raise ValueProblem(problem, question.id)
        return number

    def input_data(self, question, value, language):
        return {question.id: format_number_input(value, language)}

    def text(self, question, value, language, t):
        return format_number(value, language)

    def cell(self, question, value):
        return value if is_number(value) else str(value)

    def rule_words(self, question, t, language):
        if not question.thresholds:
            return None
        steps = list_separator(language).join(
            f"≥ {number_text(th.min, language)} → {number_text(th.score, language)}"
            for th in sorted(question.thresholds, key=lambda th: th.min)
        )
        return t(RULE_THRESHOLDS) % {"thresholds": steps}

    def example(self, question, level, rng):
        low = question.minimum or 0
        high = question.maximum if question.maximum is not None else low + 100
        span = min(high - low, 60)
        return round(low + span * (1 - level) * rng.uniform(0.2, 1.0), 1)


def without_unit(text: str, unit: str) -> str:
    """`text` without one `unit` at its end (spaces around it included): "45 %" -> "45 ". A
    unit alone stays as it is (not a figure, not a blank)."""
    stripped = text.rstrip()
    figure = stripped[: -len(unit)] if stripped.endswith(unit) else text
    return figure if figure.strip() else text
