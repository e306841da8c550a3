"""The scoring engine: a definition and one country's answers -> a `Scorecard`.

Functional core: no Flask, no database. Every rule is written down in docs/scoring.md; the short
version: each question scores in [0, 1] or not at all (with a reason); an area's or a line of
action's index is 100 × the weighted mean of its scored questions; the overall index is the
area-weighted mean of the area indices that have a number; an index whose answered share of
scorable weight (its coverage) is below the definition's threshold is "insufficient information".

Arithmetic is exact (integers and fractions over the decimals the author wrote) and indices are
rounded once, at the end, to 0.01 with ROUND_HALF_UP, so a scorecard is reproducible bit for bit.
Per-definition work (score tables, weights, common denominators) is done once by `prepare` and
cached, which keeps scoring a large round well under a second.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Literal

from surveys.questionnaire.expressions import hidden_questions, is_answered
from surveys.questionnaire.schema import (
    NUMBER_TYPES,
    Area,
    Definition,
    Question,
    QuestionType,
    Response,
    stat_cell_key,
)
from surveys.scoring.numbers import (
    decimal_places,
    from_units,
    round_down,
    round_half_up,
    to_decimal,
    to_units,
)

SCORING_VERSION = "1"
"""Bump whenever a rule changes the numbers: snapshots record it to explain any difference."""

OVERALL = "overall"
"""The key of the overall index."""


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is displayed."""
    return message


class Reason(StrEnum):
    """Why a question has no score."""

    NOT_APPLICABLE = "not_applicable"
    HIDDEN = "hidden"
    UNANSWERED = "unanswered"
    UNSCORED = "unscored"
    INVALID = "invalid"


MISSING_REASONS = frozenset({Reason.UNANSWERED, Reason.INVALID})
"""Reasons that count against coverage; the others take the question out of the denominator."""


class IndexStatus(StrEnum):
    SCORED = "scored"
    INSUFFICIENT = "insufficient"
    """Coverage below the threshold: the index shows "insufficient information", not a number."""
    EMPTY = "empty"
    """No scorable weight at all (e.g. every question not applicable or hidden)."""


REASON_LABELS: Mapping[Reason, str] = {
    Reason.NOT_APPLICABLE: N_("Not applicable"),
    Reason.HIDDEN: N_("Hidden by a condition"),
    Reason.UNANSWERED: N_("Unanswered"),
    Reason.UNSCORED: N_("Not scored"),
    Reason.INVALID: N_("Invalid answer"),
}
STATUS_LABELS: Mapping[IndexStatus, str] = {
    IndexStatus.SCORED: N_("Scored"),
    IndexStatus.INSUFFICIENT: N_("Insufficient information"),
    IndexStatus.EMPTY: N_("Nothing to score"),
}


class DuplicateResponseError(ValueError):
    """Two different answers to one question: the score would depend on their order."""


# --- The scorecard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionScore:
    """One question's contribution: a score in [0, 1], or None and the reason why."""

    question_id: str
    area_id: str
    line_of_action: str
    weight: Decimal
    score: Decimal | None
    reason: Reason | None = None

    @property
    def is_missing(self) -> bool:
        """Counts in its indices' scorable weight without being answered."""
        return self.reason in MISSING_REASONS


@dataclass(frozen=True)
class Index:
    """An area's, a line of action's or the overall index on 0-100."""

    key: str
    value: Decimal | None
    """Rounded to 0.01 (ROUND_HALF_UP); None unless status is SCORED."""
    coverage: Decimal | None
    """Answered share of the scorable weight, in [0, 1], truncated to 4 decimals; None if EMPTY."""
    status: IndexStatus
    band: str | None = None
    """The key of the definition's band the value falls in; None without a value."""

    @property
    def insufficient(self) -> bool:
        return self.status is IndexStatus.INSUFFICIENT


@dataclass(frozen=True)
class Figure:
    """One statistics cell as the country reported it, with the metadata given beside it."""

    question_id: str
    row: str
    year: int
    column: str
    value: Decimal
    source: str = ""
    definition: str = ""
    period: str = ""
    coverage: str = ""


@dataclass(frozen=True)
class Scorecard:
    definition_key: str
    definition_version: int
    scoring_version: str
    questions: tuple[QuestionScore, ...]
    """In definition order."""
    areas: tuple[Index, ...]
    """In definition order."""
    lines_of_action: tuple[Index, ...]
    """Declared lines of action in definition order, then any other referenced by a question."""
    overall: Index
    figures: tuple[Figure, ...] = ()

    def question(self, question_id: str) -> QuestionScore | None:
        return next((q for q in self.questions if q.question_id == question_id), None)

    def area(self, area_id: str) -> Index | None:
        return next((a for a in self.areas if a.key == area_id), None)

    def line_of_action(self, key: str) -> Index | None:
        return next((i for i in self.lines_of_action if i.key == key), None)

    def index(self, key: str) -> Index | None:
        """The overall index, an area's or a line of action's, by key."""
        if key == OVERALL:
            return self.overall
        return self.area(key) or self.line_of_action(key)


# --- Per-definition preparation ----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionPlan:
    """What scoring needs to know about one question, precomputed once per definition."""

    question: Question
    area_position: int
    loa_position: int | None
    weight: Decimal
    weight_units: int
    scorable: bool
    option_units: Mapping[str, int | None]
    """Choice questions: option value -> score in score units (None: choosing it is unscored)."""
    thresholds: tuple[tuple[Decimal, int], ...]
    """Number questions: (min, score units), highest min first."""
    bounds: tuple[Decimal | None, Decimal | None]
    """Number questions: the accepted (minimum, maximum), None where open."""
    answered_units: int | None
    full_units: int
    """The score units of a full score (1): the cap of a multiple-choice sum."""


@dataclass(frozen=True)
class PreparedDefinition:
    """A definition's scoring tables. Build with `prepare`; reuse across countries."""

    definition: Definition
    plans: tuple[QuestionPlan, ...]
    plan_by_id: Mapping[str, QuestionPlan]
    area_ids: tuple[str, ...]
    area_weights: tuple[Fraction, ...]
    loa_ids: tuple[str, ...]
    score_places: int
    """Scores are integers in units of 10**-score_places."""
    has_conditions: bool
    coverage_threshold: Fraction
    bands: tuple[tuple[Decimal, str], ...]
    """(min, key), ascending."""

    @property
    def score_scale(self) -> int:
        return 10**self.score_places


def _maturity_score(option_value: str, score: float | None) -> float | None:
    """A maturity level's score; an omitted score defaults to level / 4."""
    if score is not None:
        return score
    return int(option_value) / 4 if option_value.isdigit() else None


def _raw_scores(question: Question) -> list[float]:
    """Every score this question can give (before capping), as written in the definition."""
    if question.type is QuestionType.MATURITY:
        found = [_maturity_score(o.value, o.score) for o in question.options]
    elif question.type in NUMBER_TYPES:
        found = [t.score for t in question.thresholds]
    elif question.options:
        found = [o.score for o in question.options]
    else:
        found = [question.answered_score]
    return [s for s in found if s is not None]


def _is_scorable(question: Question) -> bool:
    if question.type is QuestionType.MATURITY:
        return bool(question.options)  # levels always score (default level / 4)
    return question.is_scored


def _plan(
    question: Question,
    area_position: int,
    loa_position: int | None,
    weight_places: int,
    score_places: int,
) -> QuestionPlan:
    def units(score: float | None) -> int | None:
        return None if score is None else to_units(to_decimal(score), score_places)

    if question.type is QuestionType.MATURITY:
        option_units = {o.value: units(_maturity_score(o.value, o.score)) for o in question.options}
    else:
        option_units = {o.value: units(o.score) for o in question.options}
    thresholds = sorted(question.thresholds, key=lambda t: t.min, reverse=True)
    weight = to_decimal(question.weight)
    return QuestionPlan(
        question=question,
        area_position=area_position,
        loa_position=loa_position,
        weight=weight,
        weight_units=to_units(weight, weight_places),
        scorable=_is_scorable(question),
        option_units=option_units,
        thresholds=tuple(
            (to_decimal(t.min), to_units(to_decimal(t.score), score_places)) for t in thresholds
        ),
        bounds=_bounds(question),
        answered_units=units(question.answered_score),
        full_units=10**score_places,
    )


def _line_of_action_ids(definition: Definition) -> tuple[str, ...]:
    ids = [loa.id for loa in definition.lines_of_action]
    for area, question in definition.questions():
        loa = question.line_of_action or area.line_of_action
        if loa and loa not in ids:
            ids.append(loa)
    return tuple(ids)


def _build(definition: Definition) -> PreparedDefinition:
    pairs: list[tuple[Area, Question]] = list(definition.questions())
    weight_places = max((decimal_places(to_decimal(q.weight)) for _, q in pairs), default=0)
    score_places = max(
        (decimal_places(to_decimal(s)) for _, q in pairs for s in _raw_scores(q)), default=0
    )
    loa_ids = _line_of_action_ids(definition)
    loa_position = {loa: i for i, loa in enumerate(loa_ids)}
    area_position = {area.id: i for i, area in enumerate(definition.areas)}
    plans = tuple(
        _plan(
            question,
            area_position[area.id],
            loa_position.get(question.line_of_action or area.line_of_action),
            weight_places,
            score_places,
        )
        for area, question in pairs
    )
    settings = definition.scoring
    return PreparedDefinition(
        definition=definition,
        plans=plans,
        plan_by_id={p.question.id: p for p in plans},
        area_ids=tuple(a.id for a in definition.areas),
        area_weights=tuple(Fraction(to_decimal(a.weight)) for a in definition.areas),
        loa_ids=loa_ids,
        score_places=score_places,
        has_conditions=any(q.show_if for _, q in pairs),
        coverage_threshold=Fraction(to_decimal(settings.coverage_threshold)),
        bands=tuple(sorted((to_decimal(b.min), b.key) for b in settings.bands)),
    )


_CACHE_SIZE = 64
_cache: OrderedDict[int, PreparedDefinition] = OrderedDict()
_cache_lock = threading.Lock()


def prepare(definition: Definition | PreparedDefinition) -> PreparedDefinition:
    """The definition's scoring tables, built once and cached.

    The cache is keyed by `id(definition)` and holds the definition itself (the prepared tables
    reference it), so an id cannot be reused by another object while its entry lives.
    """
    if isinstance(definition, PreparedDefinition):
        return definition
    key = id(definition)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached.definition is definition:
            _cache.move_to_end(key)
            return cached
    prepared = _build(definition)
    with _cache_lock:
        _cache[key] = prepared
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return prepared


# --- Scoring one answer ------------------------------------------------------------------------


class _Verdict(Enum):
    INVALID = "invalid"


_INVALID = _Verdict.INVALID
"""Returned by a value scorer for an answer the question cannot hold."""

Outcome = int | None | Literal[_Verdict.INVALID]
"""Score units, None (the answer is not scored) or _INVALID."""
ValueScorer = Callable[["QuestionPlan", object], Outcome]


def _score_option(plan: QuestionPlan, value: object) -> Outcome:
    if not isinstance(value, str) or value not in plan.option_units:
        return _INVALID
    return plan.option_units[value]


def _score_maturity(plan: QuestionPlan, value: object) -> Outcome:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return _INVALID
    return _score_option(plan, str(value).strip())


def _score_multiple(plan: QuestionPlan, value: object) -> Outcome:
    """min(1, sum of the selected options' scores); unscored if no selected option scores."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        return _INVALID
    if not all(isinstance(v, str) and v in plan.option_units for v in value):
        return _INVALID
    scores = [plan.option_units[v] for v in set(value)]
    scored = [s for s in scores if s is not None]
    if not scored:
        return None
    return min(plan.full_units, sum(scored))


def _as_number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _score_number(plan: QuestionPlan, value: object) -> Outcome:
    """The score of the highest threshold whose min <= value; 0 below every threshold."""
    number = _as_number(value)
    if number is None or not _within_bounds(plan, number):
        return _INVALID
    for minimum, units in plan.thresholds:
        if number >= minimum:
            return units
    return 0


def _within_bounds(plan: QuestionPlan, number: Decimal) -> bool:
    if plan.question.type is QuestionType.INTEGER and number != number.to_integral_value():
        return False
    low, high = plan.bounds
    return (low is None or number >= low) and (high is None or number <= high)


def _bounds(question: Question) -> tuple[Decimal | None, Decimal | None]:
    low, high = question.minimum, question.maximum
    if question.type is QuestionType.PERCENTAGE:
        low = 0 if low is None else max(low, 0)
        high = 100 if high is None else min(high, 100)
    return (
        None if low is None else to_decimal(low),
        None if high is None else to_decimal(high),
    )


def _score_date(plan: QuestionPlan, value: object) -> Outcome:
    if isinstance(value, date):
        return plan.answered_units
    if not isinstance(value, str):
        return _INVALID
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return _INVALID
    return plan.answered_units


def _score_text(plan: QuestionPlan, value: object) -> Outcome:
    return plan.answered_units if isinstance(value, str) else _INVALID


def _score_statistics(plan: QuestionPlan, value: object) -> Outcome:
    return plan.answered_units if isinstance(value, Mapping) else _INVALID


_SCORERS: Mapping[QuestionType, ValueScorer] = {
    QuestionType.YES_PARTLY_NO: _score_option,
    QuestionType.SINGLE_CHOICE: _score_option,
    QuestionType.MULTIPLE_CHOICE: _score_multiple,
    QuestionType.MATURITY: _score_maturity,
    QuestionType.INTEGER: _score_number,
    QuestionType.DECIMAL: _score_number,
    QuestionType.PERCENTAGE: _score_number,
    QuestionType.DATE: _score_date,
    QuestionType.SHORT_TEXT: _score_text,
    QuestionType.LONG_TEXT: _score_text,
    QuestionType.STATISTICS: _score_statistics,
}


# --- Reading the answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Answers:
    values: Mapping[str, object]
    """Question id -> value, for answered questions that are not "not applicable"."""
    not_applicable: frozenset[str]


def _read_answers(prepared: PreparedDefinition, responses: Iterable[Response]) -> _Answers:
    """The answers by question id; unknown ids are ignored, conflicting duplicates refused.

    "Not applicable" is honoured only where the question allows it; elsewhere the flag is
    ignored and the value (usually none: unanswered) is what counts.
    """
    seen: dict[str, Response] = {}
    for response in responses:
        plan = prepared.plan_by_id.get(response.question_id)
        if plan is None:
            continue
        earlier = seen.get(response.question_id)
        if earlier is not None and earlier != response:
            raise DuplicateResponseError(
                f"two different answers to question {response.question_id!r}"
            )
        seen[response.question_id] = response
    not_applicable = frozenset(
        qid
        for qid, r in seen.items()
        if r.not_applicable and prepared.plan_by_id[qid].question.allow_na
    )
    values = {
        qid: r.value
        for qid, r in seen.items()
        if qid not in not_applicable and is_answered(r.value)
    }
    return _Answers(values, not_applicable)


def _question_result(
    plan: QuestionPlan, answers: _Answers, hidden: frozenset[str]
) -> tuple[int | None, Reason | None]:
    """(score units, None) for a scored question, else (None, the reason it has no score)."""
    qid = plan.question.id
    if qid in hidden:
        return None, Reason.HIDDEN
    if qid in answers.not_applicable:
        return None, Reason.NOT_APPLICABLE
    if not plan.scorable:
        return None, Reason.UNSCORED
    value = answers.values.get(qid)
    if value is None:
        return None, Reason.UNANSWERED
    units = _SCORERS[plan.question.type](plan, value)
    if units is _INVALID:
        return None, Reason.INVALID
    if units is None:
        return None, Reason.UNSCORED  # an option chosen that the definition does not score
    return units, None


# --- Indices -----------------------------------------------------------------------------------


class _Totals:
    """Running sums for one index, in weight units and weight × score units."""

    __slots__ = ("answered", "scorable", "weighted")

    def __init__(self) -> None:
        self.answered = 0
        self.scorable = 0
        self.weighted = 0

    def add(self, weight_units: int, score_units: int | None, missing: bool) -> None:
        if score_units is not None:
            self.answered += weight_units
            self.scorable += weight_units
            self.weighted += weight_units * score_units
        elif missing:
            self.scorable += weight_units


@dataclass(frozen=True)
class ExactIndex:
    """An index before rounding: value on 0-100 and coverage in [0, 1], as exact fractions."""

    value: Fraction | None
    coverage: Fraction | None
    status: IndexStatus


def _exact_group(totals: _Totals, score_scale: int, threshold: Fraction) -> ExactIndex:
    if totals.scorable == 0:
        return ExactIndex(None, None, IndexStatus.EMPTY)
    coverage = Fraction(totals.answered, totals.scorable)
    if totals.answered == 0 or coverage < threshold:
        return ExactIndex(None, coverage, IndexStatus.INSUFFICIENT)
    value = Fraction(100 * totals.weighted, totals.answered * score_scale)
    return ExactIndex(value, coverage, IndexStatus.SCORED)


def _exact_overall(
    areas: Iterable[ExactIndex], weights: Iterable[Fraction], threshold: Fraction
) -> ExactIndex:
    """Area-weighted mean of the areas with a number; coverage as defined in docs/scoring.md.

    Overall coverage = Σ weight × coverage over areas with a number / Σ weight over areas with
    scorable weight: answers in an area without a number do not back the overall index.
    """
    weighted_value = weighted_coverage = numbered_weight = scorable_weight = Fraction(0)
    for area, weight in zip(areas, weights, strict=True):
        if area.status is IndexStatus.EMPTY:
            continue
        scorable_weight += weight
        if area.status is IndexStatus.SCORED:
            assert area.value is not None and area.coverage is not None
            numbered_weight += weight
            weighted_value += weight * area.value
            weighted_coverage += weight * area.coverage
    if scorable_weight == 0:
        return ExactIndex(None, None, IndexStatus.EMPTY)
    coverage = weighted_coverage / scorable_weight
    if numbered_weight == 0 or coverage < threshold:
        return ExactIndex(None, coverage, IndexStatus.INSUFFICIENT)
    return ExactIndex(weighted_value / numbered_weight, coverage, IndexStatus.SCORED)


def band_for(bands: Iterable[tuple[Decimal, str]], value: Decimal | None) -> str | None:
    """The key of the last band (ascending) whose min <= value."""
    if value is None:
        return None
    found = None
    for minimum, key in bands:
        if value >= minimum:
            found = key
    return found


def rounded_index(key: str, exact: ExactIndex, prepared: PreparedDefinition) -> Index:
    """The published form of an exact index: value to 0.01 half up, coverage truncated."""
    value = None if exact.value is None else round_half_up(exact.value, 2)
    coverage = None if exact.coverage is None else round_down(exact.coverage, 4)
    return Index(key, value, coverage, exact.status, band_for(prepared.bands, value))


@dataclass(frozen=True)
class ExactIndices:
    areas: tuple[ExactIndex, ...]
    lines_of_action: tuple[ExactIndex, ...]
    overall: ExactIndex


def exact_indices(
    prepared: PreparedDefinition,
    results: Iterable[tuple[QuestionPlan, int | None, bool]],
    score_scale: int,
) -> ExactIndices:
    """Indices over (plan, score units or None, counts as missing) triples.

    Only the plans given take part: progress passes the questions common to two versions.
    """
    area_totals = [_Totals() for _ in prepared.area_ids]
    loa_totals = [_Totals() for _ in prepared.loa_ids]
    for plan, units, missing in results:
        area_totals[plan.area_position].add(plan.weight_units, units, missing)
        if plan.loa_position is not None:
            loa_totals[plan.loa_position].add(plan.weight_units, units, missing)
    threshold = prepared.coverage_threshold
    areas = tuple(_exact_group(t, score_scale, threshold) for t in area_totals)
    return ExactIndices(
        areas=areas,
        lines_of_action=tuple(_exact_group(t, score_scale, threshold) for t in loa_totals),
        overall=_exact_overall(areas, prepared.area_weights, threshold),
    )


def rounded_indices(
    prepared: PreparedDefinition, exact: ExactIndices
) -> tuple[tuple[Index, ...], tuple[Index, ...], Index]:
    areas = tuple(
        rounded_index(key, index, prepared)
        for key, index in zip(prepared.area_ids, exact.areas, strict=True)
    )
    loas = tuple(
        rounded_index(key, index, prepared)
        for key, index in zip(prepared.loa_ids, exact.lines_of_action, strict=True)
    )
    return areas, loas, rounded_index(OVERALL, exact.overall, prepared)


# --- Figures -----------------------------------------------------------------------------------


def _figure_value(value: object) -> Decimal | None:
    number = _as_number(value) if not isinstance(value, str) or value.strip() else None
    return None if number is None else to_decimal(number)


_FIGURE_METADATA = ("source", "definition", "period", "coverage")


def _figures(plan: QuestionPlan, value: object) -> list[Figure]:
    """The filled cells of a statistics answer, in table order, with their metadata."""
    table = plan.question.statistics
    if table is None or not isinstance(value, Mapping):
        return []
    cells = value.get("cells")
    if not isinstance(cells, Mapping):
        return []
    meta = {name: str(value.get(name) or "") for name in _FIGURE_METADATA}
    figures = []
    for row, year, column in table.cell_keys():
        number = _figure_value(cells.get(stat_cell_key(row, year, column)))
        if number is not None:
            figures.append(Figure(plan.question.id, row, year, column, number, **meta))
    return figures


# --- Scoring -----------------------------------------------------------------------------------


def score(definition: Definition | PreparedDefinition, responses: Iterable[Response]) -> Scorecard:
    """The scorecard of one country's answers (order-independent; see docs/scoring.md)."""
    prepared = prepare(definition)
    answers = _read_answers(prepared, responses)
    hidden = (
        hidden_questions(prepared.definition, answers.values)
        if prepared.has_conditions
        else frozenset()
    )
    results: list[tuple[QuestionPlan, int | None, bool]] = []
    question_scores: list[QuestionScore] = []
    figures: list[Figure] = []
    places = prepared.score_places
    for plan in prepared.plans:
        units, reason = _question_result(plan, answers, hidden)
        results.append((plan, units, reason in MISSING_REASONS))
        question = plan.question
        question_scores.append(
            QuestionScore(
                question.id,
                prepared.area_ids[plan.area_position],
                "" if plan.loa_position is None else prepared.loa_ids[plan.loa_position],
                plan.weight,
                None if units is None else from_units(units, places),
                reason,
            )
        )
        if question.type is QuestionType.STATISTICS and reason not in _NO_FIGURES:
            figures.extend(_figures(plan, answers.values.get(question.id)))
    areas, loas, overall = rounded_indices(
        prepared, exact_indices(prepared, results, prepared.score_scale)
    )
    return Scorecard(
        definition_key=prepared.definition.key,
        definition_version=prepared.definition.version,
        scoring_version=SCORING_VERSION,
        questions=tuple(question_scores),
        areas=areas,
        lines_of_action=loas,
        overall=overall,
        figures=tuple(figures),
    )


_NO_FIGURES = frozenset({Reason.HIDDEN, Reason.NOT_APPLICABLE, Reason.INVALID})
"""Figures of hidden or "not applicable" statistics are not carried: the form did not show them."""
