"""What every question kind knows, and the helpers the kinds share.

Part of the functional core: no Flask, no database. A kind owns everything about one question
type that needs neither: the definition keys it reads (with located problems), whether a stored
value fits and how typed input becomes one, the answer in words (one rule for pages, e-mails,
dashboards and workbooks), its spreadsheet cell and format, and which scoring rule it follows.
Messages are `N_()` msgids with parameters, translated where they are shown; words such as
"Not applicable" come through the caller's `Translate` function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from yaml.nodes import Node

from surveys.languages import DEFAULT_LANGUAGE
from surveys.locales import decimal_mark, number_in, number_marks
from surveys.questionnaire.errors import MessageParam, format_message
from surveys.questionnaire.reader import Reader, join
from surveys.questionnaire.schema import Question
from surveys.translatable import N_, Plural

Translate = Callable[[str], str]
"""msgid -> text in the reader's language."""

Inputs = Mapping[str, object]
"""What a form (or a workbook) sent, by field name: text, or a list of texts for checkboxes."""

NUMBER_TEXT_MAX = 40


@dataclass(frozen=True)
class Message:
    """A msgid with its parameters, translated where it is shown (a `Plural` with a `count`
    parameter through ngettext)."""

    template: str | Plural
    params: Mapping[str, MessageParam] = field(default_factory=dict)

    def __str__(self) -> str:
        return format_message(self.template, self.params)


class ValueProblem(ValueError):
    """What was typed cannot be stored; `field` names the input to show `message` beside."""

    def __init__(self, message: Message, field: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    @property
    def problems(self) -> tuple[ValueProblem, ...]:
        """Every input of the answer that cannot be stored (see `ValueProblems`)."""
        return (self,)


class ValueProblems(ValueProblem):
    """Several inputs of one answer cannot be stored (figures of a table): every one of them,
    in the page's order, so that the person corrects them all at once. `message` and `field`
    are the first one's."""

    def __init__(self, problems: Sequence[ValueProblem]) -> None:
        if not problems:
            raise ValueError("ValueProblems needs at least one problem")
        super().__init__(problems[0].message, problems[0].field)
        self._problems = tuple(problems)

    @property
    def problems(self) -> tuple[ValueProblem, ...]:
        return self._problems


def identity(message: str) -> str:
    return message


LABEL_COLON = N_("%(label)s:")


def colon(t: Translate) -> str:
    """What follows a label in the reader's language (": ", French " : "), as its catalogue
    writes "%(label)s:"."""
    return t(LABEL_COLON) % {"label": ""} + " "


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_SPACES = re.compile(r"[\s\u00a0\u202f\ufeff']")
# Digits are read as a keyboard of the mechanism's countries types them: Western, and the
# Arabic-Indic digits of an Arabic keyboard or phone (Arabic is official in Chad and Mauritania),
# in their two forms. Other scripts' digits are no number here, as in the page's script
# (surveysReadNumber): the two must read every text alike.
_ARABIC_INDIC_DIGITS = str.maketrans(
    {chr(zero + digit): str(digit) for zero in (0x0660, 0x06F0) for digit in range(10)}
)
# The same keyboards' marks say what they are: "٫" is only ever a decimal mark, "٬" only ever
# groups thousands. With them a number reads one way in every language (as English reads "."
# and ","), once "٫" stands once at most, after every "٬", and beside neither "," nor ".".
ARABIC_DECIMAL, ARABIC_GROUP = "\u066b", "\u066c"
_ARABIC_MARKS = str.maketrans({ARABIC_DECIMAL: ".", ARABIC_GROUP: ","})
_NUMBER_TEXT = re.compile(r"-?[0-9]+(?:[.,][0-9]+)*")
_GROUPED = {
    mark: re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(mark)}[0-9]{{3}})+") for mark in ",."
}
AMBIGUOUS_NUMBER = N_(
    "“%(typed)s” can be read as %(whole)s or as %(decimal)s: type %(whole)s for the whole number, "
    "or %(decimal)s for the decimal one."
)


class AmbiguousNumber(ValueError):
    """Digits grouped by three after a mark the language uses neither as its decimal mark nor as
    its thousands separator ("1.234" in French): `whole` and `decimal` are the two readings."""

    def __init__(self, typed: str, whole: int, decimal: float) -> None:
        super().__init__(typed)
        self.typed = typed
        self.whole = whole
        self.decimal = decimal

    def message(self, language: str) -> Message:
        return Message(
            AMBIGUOUS_NUMBER,
            {
                "typed": self.typed,
                "whole": format_number_input(self.whole, language),
                "decimal": format_number_input(self.decimal, language),
            },
        )


def parse_number(
    text: str, language: str = DEFAULT_LANGUAGE, *, whole: bool = False
) -> float | int | None:
    """A number typed as people write it in `language`; None when blank.

    Spaces and apostrophes group digits in every language. With both "," and "." the last one is
    the decimal mark ("1,234.5", "1.234,5"); a mark repeated groups thousands ("1,234,567"); a
    lone mark before anything but three digits is a decimal mark ("12,5", "0.125"). A lone mark
    before three digits ("1,234") is read as the language writes: its decimal mark is a decimal
    (French "1,234" is 1.234), its thousands separator groups (English "1,234" is 1234). A mark
    the language uses for neither (French "1.234") groups thousands where only whole numbers are
    asked (`whole`), and raises AmbiguousNumber elsewhere: the number is asked again, never
    guessed. Raises ValueError when the text is not a number.
    """
    compact = _SPACES.sub("", text or "").translate(_ARABIC_INDIC_DIGITS)
    if not compact:
        return None
    if ARABIC_DECIMAL in compact or ARABIC_GROUP in compact:
        compact, language = _with_arabic_marks(compact, text), "en"
    if len(compact) > NUMBER_TEXT_MAX or not _NUMBER_TEXT.fullmatch(compact):
        raise ValueError(text)
    sign, digits = ("-", compact[1:]) if compact[0] == "-" else ("", compact)
    canonical = sign + _with_decimal_point(digits, text.strip(), language, whole)
    number = float(canonical)
    if not math.isfinite(number):
        raise ValueError(text)
    return number if "." in canonical else int(number)


def _with_arabic_marks(compact: str, text: str) -> str:
    """`compact` with "٫" and "٬" as English writes them ("." and ","), when they stand where
    they can: ValueError otherwise."""
    if "," in compact or "." in compact or compact.count(ARABIC_DECIMAL) > 1:
        raise ValueError(text)
    whole_part, _, fraction = compact.translate(_ARABIC_MARKS).removeprefix("-").partition(".")
    if "," in fraction or ("," in whole_part and not _GROUPED[","].fullmatch(whole_part)):
        raise ValueError(text)  # "٬" after "٫", or not grouping by three ("١٬٢٣")
    return compact.translate(_ARABIC_MARKS)


def _with_decimal_point(digits: str, typed: str, language: str, whole: bool) -> str:
    """`digits` (with "," and "." as typed, no sign) with no grouping and "." as decimal mark."""
    marks = [char for char in digits if char in ",."]
    if not marks:
        return digits
    last = marks[-1]
    head, _, tail = digits.rpartition(last)
    if len(set(marks)) == 2:
        group = "," if last == "." else "."
        if last in head or not _GROUPED[group].fullmatch(head):
            raise ValueError(typed)
        return head.replace(group, "") + "." + tail
    if len(marks) > 1:
        if not _GROUPED[last].fullmatch(digits):
            raise ValueError(typed)
        return digits.replace(last, "")
    if not _GROUPED[last].fullmatch(digits):  # "12,5", "0.125", "1234,567"
        return head + "." + tail
    decimal, group = number_marks(language)
    if last == decimal:
        return head + "." + tail
    if last == group or whole:
        return head + tail
    raise AmbiguousNumber(typed, int(head + tail), float(head + "." + tail))


def format_number(value: object, language: str) -> str:
    """A number in words: the language's decimal mark and grouping, every decimal kept."""
    if not is_number(value):
        return str(value)
    return number_in(value, language)  # type: ignore[arg-type]


def format_number_input(value: object, language: str) -> str:
    """A stored number as typed back into an input (no grouping, the language's decimal mark)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", decimal_mark(language))


def input_text(inputs: Inputs, name: str) -> str:
    value = inputs.get(name)
    return value.strip() if isinstance(value, str) else ""


class Kind:
    """One question type. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    """The `type:` of the definition file."""
    label: ClassVar[str]
    """The type in words (a msgid), e.g. "Whole number"."""
    keys: ClassVar[tuple[str, ...]] = ()
    """The definition keys this type adds to the common ones."""
    required_keys: ClassVar[tuple[str, ...]] = ()
    widget: ClassVar[str] = "text"
    """How it is answered: radios, checkboxes, number, date, text, textarea or statistics."""
    grouped: ClassVar[bool] = False
    """Several inputs (a fieldset with a legend) rather than one (a label)."""
    whole_numbers: ClassVar[bool] = False
    typed_unit: ClassVar[str] = ""
    """A sign that may follow a typed figure ("45 %"), read as the figure alone."""
    choice: ClassVar[bool] = False
    """Answered by choosing among the definition's options (shown in words by their labels)."""
    value_type: ClassVar[str] = "text"
    """The answer's type in conditions and rules (see surveys.questionnaire.rules)."""
    cell_format: ClassVar[str | None] = None
    """The spreadsheet number format of its value: integer, number, percent, date or None."""
    scoring: ClassVar[str] = "answered_text"
    """The scoring engine's rule: option, level, options_sum, thresholds, answered_text,
    answered_date or answered_table (see surveys.scoring.engine)."""

    # --- the definition ---------------------------------------------------------------------

    def read(
        self, reader: Reader, fields: Mapping[str, Node], path: str
    ) -> dict[str, object] | None:
        """The type's `Question` fields read from its keys; None when they are invalid."""
        details: dict[str, object] = {}
        if "answered_score" in fields:
            score = reader.score(fields["answered_score"], join(path, "answered_score"))
            if score is None:
                return None
            details["answered_score"] = score
        return details

    def option_score(self, question: Question, value: str) -> float | None:
        """The score of choosing an option, as the engine and the codebook count it."""
        option = question.option(value)
        return None if option is None else option.score

    def possible_scores(self, question: Question) -> list[float]:
        """Every score an answer can give (before capping), as written in the definition."""
        score = question.answered_score
        return [] if score is None else [score]

    def is_scorable(self, question: Question) -> bool:
        return question.is_scored

    def bounds(self, question: Question) -> tuple[float | None, float | None]:
        return question.minimum, question.maximum

    # --- values -----------------------------------------------------------------------------

    def problem(self, question: Question, value: object, language: str) -> Message | None:
        """None when a stored (answered) value fits the question, else what is wrong."""
        return None

    def normalise(self, question: Question, inputs: Inputs, language: str) -> object:
        """The value to store from what was typed, None when blank; raises ValueProblem."""
        text = input_text(inputs, question.id)
        return text or None

    def input_data(self, question: Question, value: object, language: str) -> dict[str, object]:
        """What the inputs show for a stored value, by field name."""
        return {question.id: value}

    def text(self, question: Question, value: object, language: str, t: Translate) -> str:
        """The answered value in words, in `language`: the one rule every page and file uses."""
        return "" if value is None else str(value)

    def cell(self, question: Question, value: object) -> object:
        """The value as a typed spreadsheet cell (numbers stay numbers, dates dates)."""
        return value if isinstance(value, str) else str(value)

    def options_text(self, question: Question, language: str) -> str | None:
        """What can be answered, for a codebook: None when the type has nothing to list."""
        return None

    def example(self, question: Question, level: float, rng) -> object:
        """A plausible answer for generated data; `level` in [0, 1] is how strong it is."""
        return None

    def rule_words(self, question: Question, t: Translate, language: str) -> str | None:
        """How an answer scores, in words; None when it is not scored."""
        if question.answered_score is None:
            return None
        return t(RULE_ANSWERED) % {"score": number_text(question.answered_score, language)}


RULE_ANSWERED = N_("Any answer scores %(score)s.")


def number_text(value: float | Decimal, language: str = DEFAULT_LANGUAGE) -> str:
    """A number as the author wrote it (1, 0.5 / 0,5), for labels and rules in words."""
    return number_in(Decimal(str(value)).normalize(), language)
