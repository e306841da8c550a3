"""The questionnaire definition as plain, immutable data.

This module is part of the functional core: it imports nothing from Flask or the database.
A `Definition` is produced by `surveys.questionnaire.loader` from a YAML file and consumed by the
forms, the scoring engine and the workbook builders. Everything is keyed by stable ids taken from
the definition file; labels are per language (`Localized` maps a language code to text).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surveys.questionnaire.kinds import Kind

from surveys.languages import DEFAULT_LANGUAGE, typeset

Localized = Mapping[str, str]
"""Text per language code, e.g. {"en": "Yes", "fr": "Oui"}."""


KINDS: dict[str, Kind] = {}
"""Every question kind by its type name, filled by `surveys.questionnaire.kinds` (which this
module imports at its end, so a question always finds its kind)."""


class QuestionType(StrEnum):
    """The type names of the built-in kinds (a registered kind may add others)."""

    YES_PARTLY_NO = "yes_partly_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    MATURITY = "maturity"
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENTAGE = "percentage"
    DATE = "date"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    STATISTICS = "statistics"


_BUILT_IN = frozenset(QuestionType)


@dataclass(frozen=True)
class Option:
    """One choice of a choice question (yes/partly/no, single, multiple, maturity level).

    For a maturity question the value is the level as a string ("0" up to "6": a scale has 3 to
    7 levels). `score` is in [0, 1], or None when choosing it is not scored.
    """

    value: str
    label: Localized
    score: float | None = None
    exclusive: bool = False
    """Multiple choice: choosing it excludes every other option ("none of these")."""
    dont_know: bool = False
    """An answer that gives no information ("don't know"): it answers the question, is never
    scored and counts against coverage (docs/scoring.md)."""


@dataclass(frozen=True)
class Threshold:
    """Numbers at or above `min` score `score` (the highest matching threshold wins)."""

    min: float
    score: float


@dataclass(frozen=True)
class StatRow:
    """An indicator of a statistics table, e.g. persons prosecuted, with its counting rule."""

    id: str
    label: Localized
    definition: Localized = field(default_factory=dict)


@dataclass(frozen=True)
class StatColumn:
    """A disaggregation of a statistics table, e.g. female / male / total."""

    id: str
    label: Localized


@dataclass(frozen=True)
class StatisticsTable:
    rows: tuple[StatRow, ...]
    columns: tuple[StatColumn, ...]
    years: tuple[int, ...]

    def cell_keys(self) -> Iterator[tuple[str, int, str]]:
        for row in self.rows:
            for year in self.years:
                for column in self.columns:
                    yield row.id, year, column.id


@dataclass(frozen=True)
class TotalCheck:
    """`total` = (or, with relation "at_least", >=) the sum of `parts`, in every row and year."""

    total: str
    parts: tuple[str, ...]
    relation: str = "equal"
    computed: bool = False
    """The total is computed from the parts as they are typed, shown read-only."""


@dataclass(frozen=True)
class TableChecks:
    """The shorthand rules of a statistics table (see surveys.questionnaire.rules)."""

    integer_columns: tuple[str, ...] = ()
    """Columns of counts (persons, cases): whole numbers only."""
    totals: tuple[TotalCheck, ...] = ()
    plausibility_factor: float | None = None
    """A cell that changed by more than this factor since the previous round is a warning."""

    def computed_total(self, column_id: str) -> TotalCheck | None:
        return next((t for t in self.totals if t.computed and t.total == column_id), None)


@dataclass(frozen=True)
class Rule:
    """A validation rule: `check` must hold (the rule language of surveys.questionnaire.rules).

    An "error" blocks submission; a "warning" needs the respondent's explanation to submit.
    """

    id: str
    check: str
    severity: str
    message: Localized


def even_level_score(level: int, count: int) -> float:
    """The score of a level of an evenly scored maturity scale of `count` levels: level /
    (count - 1) to 4 decimals (5 levels: 0, 0.25, 0.5, 0.75, 1; 4 levels: 0, 0.3333, 0.6667, 1)."""
    return round(level / (count - 1), 4)


def stat_cell_key(row_id: str, year: int, column_id: str) -> str:
    """The key of one statistics cell in an answer's "cells" mapping."""
    return f"{row_id}|{year}|{column_id}"


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    """The kind's name (a `QuestionType` for the built-in kinds)."""
    text: Localized
    help: Localized = field(default_factory=dict)
    required: bool = True
    allow_na: bool = False
    show_if: str | None = None
    weight: float = 1.0
    """>= 0; a question of weight 0 is asked and shown but never scored."""
    line_of_action: str = ""
    replaces: str | None = None
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    thresholds: tuple[Threshold, ...] = ()
    answered_score: float | None = None
    """For text, date and statistics questions: the score of any answer (None: unscored)."""
    statistics: StatisticsTable | None = None
    table_checks: TableChecks | None = None
    plausibility: float | None = None
    """For number questions: a change by more than this factor since the previous round warns."""

    def __post_init__(self) -> None:
        if self.type not in KINDS:
            raise ValueError(f"question {self.id}: unknown question type '{self.type}'")
        if self.type in _BUILT_IN and not isinstance(self.type, QuestionType):
            object.__setattr__(self, "type", QuestionType(self.type))

    @property
    def kind(self) -> Kind:
        """What the question's type knows (see surveys.questionnaire.kinds)."""
        return KINDS[self.type]

    @property
    def is_scored(self) -> bool:
        """Some answer gives a score: a scored option, a threshold or a score for any answer.
        A question of weight 0 is collected and shown, never scored."""
        if self.weight == 0:
            return False
        return (
            any(o.score is not None for o in self.options)
            or bool(self.thresholds)
            or self.answered_score is not None
        )

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class LineOfAction:
    id: str
    title: Localized


@dataclass(frozen=True)
class Area:
    id: str
    title: Localized
    description: Localized = field(default_factory=dict)
    line_of_action: str = ""
    weight: float = 1.0
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Band:
    """Indices at or above `min` (0-100) fall in this band, up to the next band's min."""

    key: str
    min: float
    color: str
    label: Localized


DEFAULT_BANDS = (
    Band("low", 0, "#d9534f", MappingProxyType({"en": "Low", "fr": "Faible"})),
    Band("medium", 40, "#f0ad4e", MappingProxyType({"en": "Medium", "fr": "Moyen"})),
    Band("high", 70, "#5cb85c", MappingProxyType({"en": "High", "fr": "Élevé"})),
)


@dataclass(frozen=True)
class ScoringSettings:
    coverage_threshold: float = 0.5
    """Below this answered share of scorable weight an index is "insufficient information"."""
    comparability_threshold: float = 0.6
    """Below this share of common questions a change across rounds is "not comparable"."""
    regression_threshold: float = 10.0
    """An index that drops by more than this many points is flagged as a regression."""
    bands: tuple[Band, ...] = DEFAULT_BANDS


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    languages: tuple[str, ...]
    title: Localized
    description: Localized = field(default_factory=dict)
    lines_of_action: tuple[LineOfAction, ...] = ()
    areas: tuple[Area, ...] = ()
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    rules: tuple[Rule, ...] = ()

    def questions(self) -> Iterator[tuple[Area, Question]]:
        """Every question in definition order, with its area."""
        for area in self.areas:
            for question in area.questions:
                yield area, question

    def question(self, question_id: str) -> Question | None:
        return self._questions_by_id.get(question_id)

    @cached_property
    def _questions_by_id(self) -> Mapping[str, Question]:
        # Built on the first lookup: a review page looks up some 170 questions. (A frozen
        # dataclass takes it: cached_property writes the instance's dict, not its fields.)
        by_id: dict[str, Question] = {}
        for _, question in self.questions():
            by_id.setdefault(question.id, question)  # the first, as a scan would find
        return by_id

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)


def localized(text: Localized, language: str, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The text in `language`, else in `fallback`, else in any language it has, as a reader
    sees it: typeset by the rules of the language it is in (French: "Pourquoi\u202f?"; an
    English fallback on a French page stays English). For display only: what stores, hashes
    or compares texts (serialize, diff) reads the definition's own mappings, as written."""
    for code in (language, fallback):
        if code in text:
            return typeset(text[code], code)
    code, chosen = next(iter(text.items()), (language, ""))
    return typeset(chosen, code)


@dataclass(frozen=True)
class Response:
    """A country's answer to one question, as scoring, forms and exports see it.

    `value` by question type:
    - yes_partly_no, single_choice: the option value (str)
    - multiple_choice: a list of option values (list[str]); an exclusive option comes alone
    - maturity: the level (int, 0 up to the number of levels - 1)
    - integer: int; decimal: float; percentage: float in [0, 100]
    - date: ISO date string "YYYY-MM-DD"
    - short_text, long_text: str
    - statistics: {"cells": {stat_cell_key(row, year, column): number}, "source": str,
      "definition": str, "period": str, "coverage": str}
    None (or an empty string, list or table) means unanswered.
    `evidence`: the country attached a file to this answer (a cited source of a statistics table
    is read from its value).
    """

    question_id: str
    value: object = None
    not_applicable: bool = False
    evidence: bool = False


from surveys.questionnaire import kinds as _kinds  # noqa: E402, F401  fills KINDS
