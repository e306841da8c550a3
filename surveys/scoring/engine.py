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
from typing import Literal, NamedTuple, TypeVar

from surveys.questionnaire.expressions import hidden_questions, is_answered
from surveys.questionnaire.schema import (
    Area,
    Definition,
    Question,
    Response,
    stat_cell_key,
)
from surveys.scoring.numbers import (
    Ratio,
    decimal_places,
    down_units,
    from_units,
    half_up_units,
    to_decimal,
    to_units,
    units_decimal,
)
from surveys.translatable import N_

SCORING_VERSION = "1"
"""Bump whenever a rule changes the numbers: snapshots record it to explain any difference."""

OVERALL = "overall"
"""The key of the overall index."""

_T = TypeVar("_T")


class Reason(StrEnum):
    """Why a question has no score."""

    NOT_APPLICABLE = "not_applicable"
    HIDDEN = "hidden"
    UNANSWERED = "unanswered"
    UNSCORED = "unscored"
    INVALID = "invalid"
    DONT_KNOW = "dont_know"
    """Answered "don't know": an answer without the information the score needs."""


MISSING_REASONS = frozenset({Reason.UNANSWERED, Reason.INVALID, Reason.DONT_KNOW})
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
    Reason.DONT_KNOW: N_("Don't know"),
}
STATUS_LABELS: Mapping[IndexStatus, str] = {
    IndexStatus.SCORED: N_("Scored"),
    IndexStatus.INSUFFICIENT: N_("Insufficient information"),
    IndexStatus.EMPTY: N_("Nothing to score"),
}


class _Verdict(Enum):
    INVALID = "invalid"
    DONT_KNOW = "dont_know"


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
    evidenced: bool = False
    """A scored answer backed by evidence: a file attached, or the source cited where the
    question asks for one (statistics tables)."""

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


class _FigureCell(NamedTuple):
    """One declared cell of a statistics table: its key in an answer and its place in the table."""

    key: str
    row: str
    year: int
    column: str


@dataclass(frozen=True)
class QuestionPlan:
    """What scoring needs to know about one question, precomputed once per definition."""

    question: Question
    area_position: int
    loa_position: int | None
    weight: Decimal
    weight_units: int
    scorable: bool
    option_units: Mapping[str, int | _Verdict | None]
    """Choice questions: option value -> score in score units (None: choosing it is unscored;
    _DONT_KNOW: the "don't know" answer)."""
    exclusive: frozenset[str]
    """Multiple choice: the options that must be chosen alone."""
    thresholds: tuple[tuple[Decimal, int], ...]
    """Number questions: (min, score units), highest min first."""
    bounds: tuple[Decimal | None, Decimal | None]
    """Number questions: the accepted (minimum, maximum), None where open."""
    answered_units: int | None
    full_units: int
    """The score units of a full score (1): the cap of a multiple-choice sum."""
    area_id: str
    loa_id: str
    """The line of action's key, "" when the question has none."""
    line_slot: int
    """Where its weight is summed for its line of action in a list of sums that holds the
    areas' first (at `area_position`), then the lines'; a question without a line adds to a
    spare slot after the last line, which no index reads."""
    scorer: ValueScorer
    """Scores a stored value by the question's type (looked up once, not per answer)."""
    integer_only: bool
    figure_cells: tuple[_FigureCell, ...]
    """Statistics questions: the declared cells, in table order; empty for other types."""

    @property
    def question_id(self) -> str:
        return self.question.id


class Outcome(NamedTuple):
    """One question's result for one country, as the indices read it."""

    plan: QuestionPlan
    units: int | None
    """The score in score units; None without a score."""
    missing: bool
    """Counts in its indices' scorable weight without being answered (unanswered or invalid)."""
    question: QuestionScore
    """The published form of the result."""


_MEMO_LIMIT = 256
"""Answers remembered per question and value type: every option and level, most numbers; the
bound keeps odd answers from growing the cache of a long-lived process."""


class _Outcomes:
    """Every outcome one question can have, built once per definition.

    There are few of them (one per reason, one per reachable score) and they repeat across
    countries, so scoring a country picks shared immutable objects instead of building a
    `QuestionScore` (about 1 µs each) for every question. Plain answers repeat too (options,
    levels, round numbers): their outcomes are remembered, up to `_MEMO_LIMIT` per value type,
    for the question types whose answers come from a short list or cost a decimal conversion.
    """

    __slots__ = (
        "_evidenced",
        "_memos",
        "_places",
        "_scored",
        "allow_na",
        "default",
        "dont_know",
        "hidden",
        "invalid",
        "not_applicable",
        "plan",
        "position",
        "question_id",
        "scorable",
        "unanswered",
        "unscored",
    )

    def __init__(self, plan: QuestionPlan, position: int, score_places: int) -> None:
        self.plan = plan
        self.position = position
        """The question's position in plan order."""
        self.question_id = plan.question.id
        self.scorable = plan.scorable
        self.allow_na = plan.question.allow_na
        self._places = score_places
        self._scored: dict[int, Outcome] = {}
        self._evidenced: dict[int, Outcome] = {}
        # One memo per exact type: 1, 1.0 and True are equal keys but do not score alike.
        self._memos: dict[type, dict[object, Outcome]] = (
            {str: {}, int: {}, float: {}, list: {}} if plan.scorer in _REMEMBERED else {}
        )
        self.hidden = self._without_score(Reason.HIDDEN)
        self.not_applicable = self._without_score(Reason.NOT_APPLICABLE)
        self.unscored = self._without_score(Reason.UNSCORED)
        self.unanswered = self._without_score(Reason.UNANSWERED)
        self.invalid = self._without_score(Reason.INVALID)
        self.dont_know = self._without_score(Reason.DONT_KNOW)
        self.default = self.unanswered if plan.scorable else self.unscored
        """The outcome without an answer."""

    def _question_score(self, score: Decimal | None, reason: Reason | None) -> QuestionScore:
        plan = self.plan
        return QuestionScore(
            plan.question_id, plan.area_id, plan.loa_id, plan.weight, score, reason
        )

    def _without_score(self, reason: Reason) -> Outcome:
        missing = reason in MISSING_REASONS
        return Outcome(self.plan, None, missing, self._question_score(None, reason))

    def of_value(self, value: object) -> Outcome:
        """The outcome of an answer that is given and not "not applicable"."""
        kind = type(value)
        memo = self._memos.get(kind)
        if memo is None:
            return self._score(value)
        # A list (multiple choice) is remembered by its items: equal items score alike, except
        # numbers (1 == True), which no list question accepts (they make the answer invalid).
        key = tuple(value) if kind is list else value  # type: ignore[call-overload]
        try:
            outcome = memo.get(key)
        except TypeError:  # an unhashable item: not remembered
            return self._score(value)
        if outcome is None:
            outcome = self._score(value)
            if len(memo) < _MEMO_LIMIT:
                memo[key] = outcome  # atomic; a race only computes an outcome twice
        return outcome

    def _score(self, value: object) -> Outcome:
        plan = self.plan
        units = plan.scorer(plan, value)
        if units is _INVALID:
            return self.invalid
        if units is _DONT_KNOW:
            return self.dont_know
        if units is None:
            return self.unscored  # an option chosen that the definition does not score
        return self.scored(units)

    def with_evidence(self, outcome: Outcome) -> Outcome:
        """The same outcome, marked as backed by evidence (only a score can be)."""
        units = outcome.units
        if units is None:
            return outcome
        found = self._evidenced.get(units)
        if found is None:
            plan = self.plan
            question = QuestionScore(
                plan.question_id,
                plan.area_id,
                plan.loa_id,
                plan.weight,
                outcome.question.score,
                None,
                True,
            )
            found = Outcome(plan, units, False, question)
            self._evidenced[units] = found
        return found

    def scored(self, units: int) -> Outcome:
        """The outcome of a score of `units` score units (cached: a question has few scores)."""
        outcome = self._scored.get(units)
        if outcome is None:
            score = from_units(units, self._places)
            outcome = Outcome(self.plan, units, False, self._question_score(score, None))
            # A race only builds an equal outcome twice: dict assignment is atomic.
            self._scored[units] = outcome
        return outcome


@dataclass(frozen=True)
class PreparedDefinition:
    """A definition's scoring tables. Build with `prepare`; reuse across countries."""

    definition: Definition
    plans: tuple[QuestionPlan, ...]
    plan_by_id: Mapping[str, QuestionPlan]
    outcomes_by_id: Mapping[str, _Outcomes]
    """The possible outcomes of each question."""
    default_outcomes: tuple[Outcome, ...]
    """Each question's outcome without an answer, in plan order."""
    statistics_positions: tuple[int, ...]
    """Positions (in plan order) of the questions that can carry figures."""
    area_ids: tuple[str, ...]
    area_weights: tuple[Fraction, ...]
    area_weight_units: tuple[int, ...]
    """The area weights as integers on one common scale (only their ratios matter)."""
    loa_ids: tuple[str, ...]
    score_places: int
    """Scores are integers in units of 10**-score_places."""
    has_conditions: bool
    coverage_threshold: Ratio
    """As (numerator, denominator): `Fraction`'s attributes are slow properties."""
    bands: tuple[tuple[Decimal, str], ...]
    """(min, key), ascending."""
    band_floors: tuple[tuple[int, str], ...]
    """(min in hundredths, rounded up, key), ascending: a rounded value of `v` hundredths is in
    the last band whose floor <= v exactly when it is >= that band's min."""

    @property
    def score_scale(self) -> int:
        return 10**self.score_places


def _raw_scores(question: Question) -> list[float]:
    """Every score this question can give (before capping), as written in the definition."""
    return question.kind.possible_scores(question)


def _is_scorable(question: Question) -> bool:
    return question.kind.is_scorable(question)


def _figure_cells(question: Question) -> tuple[_FigureCell, ...]:
    table = question.statistics
    if table is None:
        return ()
    return tuple(
        _FigureCell(stat_cell_key(row, year, column), row, year, column)
        for row, year, column in table.cell_keys()
    )


@dataclass(frozen=True)
class _Place:
    """Where a question's weight counts: its area and its line of action."""

    area_position: int
    area_id: str
    loa_position: int | None
    loa_id: str
    area_count: int
    loa_count: int

    @property
    def line_slot(self) -> int:
        """See `QuestionPlan.line_slot`."""
        position = self.loa_count if self.loa_position is None else self.loa_position
        return self.area_count + position


def _plan(question: Question, place: _Place, weight_places: int, score_places: int) -> QuestionPlan:
    def units(score: float | None) -> int | None:
        return None if score is None else to_units(to_decimal(score), score_places)

    kind = question.kind
    option_units: dict[str, int | _Verdict | None] = {
        o.value: _DONT_KNOW if o.dont_know else units(kind.option_score(question, o.value))
        for o in question.options
    }
    thresholds = sorted(question.thresholds, key=lambda t: t.min, reverse=True)
    weight = to_decimal(question.weight)
    return QuestionPlan(
        question=question,
        area_position=place.area_position,
        loa_position=place.loa_position,
        weight=weight,
        weight_units=to_units(weight, weight_places),
        scorable=_is_scorable(question),
        option_units=option_units,
        exclusive=frozenset(o.value for o in question.options if o.exclusive),
        thresholds=tuple(
            (to_decimal(t.min), to_units(to_decimal(t.score), score_places)) for t in thresholds
        ),
        bounds=_bounds(question),
        answered_units=units(question.answered_score),
        full_units=10**score_places,
        area_id=place.area_id,
        loa_id=place.loa_id,
        line_slot=place.line_slot,
        scorer=_SCORERS[kind.scoring],
        integer_only=kind.whole_numbers,
        figure_cells=_figure_cells(question),
    )


def _line_of_action_ids(definition: Definition) -> tuple[str, ...]:
    ids = [loa.id for loa in definition.lines_of_action]
    for area, question in definition.questions():
        loa = question.line_of_action or area.line_of_action
        if loa and loa not in ids:
            ids.append(loa)
    return tuple(ids)


def _places(definition: Definition, pairs: list[tuple[Area, Question]]) -> list[_Place]:
    loa_ids = _line_of_action_ids(definition)
    loa_position = {loa: i for i, loa in enumerate(loa_ids)}
    area_position = {area.id: i for i, area in enumerate(definition.areas)}
    places = []
    for area, question in pairs:
        loa = loa_position.get(question.line_of_action or area.line_of_action)
        places.append(
            _Place(
                area_position=area_position[area.id],
                area_id=area.id,
                loa_position=loa,
                loa_id="" if loa is None else loa_ids[loa],
                area_count=len(definition.areas),
                loa_count=len(loa_ids),
            )
        )
    return places


def _weight_units(weights: Iterable[float]) -> tuple[int, ...]:
    """Weights as integers on their common decimal scale (0.5, 1.5 -> 5, 15)."""
    decimals = [to_decimal(w) for w in weights]
    places = max((decimal_places(d) for d in decimals), default=0)
    return tuple(to_units(d, places) for d in decimals)


def _band_floors(bands: Iterable[tuple[Decimal, str]]) -> tuple[tuple[int, str], ...]:
    return tuple((math.ceil(Fraction(minimum) * 100), key) for minimum, key in bands)


def _ratio(value: Fraction) -> Ratio:
    return value.numerator, value.denominator


def _build(definition: Definition) -> PreparedDefinition:
    pairs: list[tuple[Area, Question]] = list(definition.questions())
    weight_places = max((decimal_places(to_decimal(q.weight)) for _, q in pairs), default=0)
    score_places = max(
        (decimal_places(to_decimal(s)) for _, q in pairs for s in _raw_scores(q)), default=0
    )
    plans = tuple(
        _plan(question, place, weight_places, score_places)
        for (_, question), place in zip(pairs, _places(definition, pairs), strict=True)
    )
    possible = [_Outcomes(plan, position, score_places) for position, plan in enumerate(plans)]
    settings = definition.scoring
    bands = tuple(sorted((to_decimal(b.min), b.key) for b in settings.bands))
    return PreparedDefinition(
        definition=definition,
        plans=plans,
        plan_by_id={p.question.id: p for p in plans},
        outcomes_by_id={p.question_id: p for p in possible},
        default_outcomes=tuple(p.default for p in possible),
        statistics_positions=tuple(i for i, p in enumerate(plans) if p.figure_cells),
        area_ids=tuple(a.id for a in definition.areas),
        area_weights=tuple(Fraction(to_decimal(a.weight)) for a in definition.areas),
        area_weight_units=_weight_units(a.weight for a in definition.areas),
        loa_ids=_line_of_action_ids(definition),
        score_places=score_places,
        has_conditions=any(q.show_if for _, q in pairs),
        coverage_threshold=_ratio(Fraction(to_decimal(settings.coverage_threshold))),
        bands=bands,
        band_floors=_band_floors(bands),
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


_INVALID = _Verdict.INVALID
"""Returned by a value scorer for an answer the question cannot hold."""
_DONT_KNOW = _Verdict.DONT_KNOW
"""Returned by a value scorer for the "don't know" answer."""

Score = int | None | Literal[_Verdict.INVALID, _Verdict.DONT_KNOW]
"""Score units, None (the answer is not scored), _INVALID or _DONT_KNOW."""
ValueScorer = Callable[["QuestionPlan", object], Score]


def _score_option(plan: QuestionPlan, value: object) -> Score:
    if not isinstance(value, str) or value not in plan.option_units:
        return _INVALID
    return plan.option_units[value]


def _score_maturity(plan: QuestionPlan, value: object) -> Score:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return _INVALID
    return _score_option(plan, str(value).strip())


def _score_multiple(plan: QuestionPlan, value: object) -> Score:
    """min(1, sum of the selected options' scores); unscored if no selected option scores."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        return _INVALID
    if not all(isinstance(v, str) and v in plan.option_units for v in value):
        return _INVALID
    chosen = set(value)
    if len(chosen) > 1 and plan.exclusive & chosen:
        return _INVALID  # "none of these" ticked beside another option
    scores = [plan.option_units[v] for v in chosen]
    scored = [s for s in scores if isinstance(s, int)]
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


def _score_number(plan: QuestionPlan, value: object) -> Score:
    """The score of the highest threshold whose min <= value; 0 below every threshold."""
    number = _as_number(value)
    if number is None or not _within_bounds(plan, number):
        return _INVALID
    for minimum, units in plan.thresholds:
        if number >= minimum:
            return units
    return 0


def _within_bounds(plan: QuestionPlan, number: Decimal) -> bool:
    if plan.integer_only and number != number.to_integral_value():
        return False
    low, high = plan.bounds
    return (low is None or number >= low) and (high is None or number <= high)


def _bounds(question: Question) -> tuple[Decimal | None, Decimal | None]:
    low, high = question.kind.bounds(question)
    return (
        None if low is None else to_decimal(low),
        None if high is None else to_decimal(high),
    )


def _score_date(plan: QuestionPlan, value: object) -> Score:
    if isinstance(value, date):
        return plan.answered_units
    if not isinstance(value, str):
        return _INVALID
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return _INVALID
    return plan.answered_units


def _score_text(plan: QuestionPlan, value: object) -> Score:
    return plan.answered_units if isinstance(value, str) else _INVALID


def _score_statistics(plan: QuestionPlan, value: object) -> Score:
    return plan.answered_units if isinstance(value, Mapping) else _INVALID


_SCORERS: Mapping[str, ValueScorer] = {
    "option": _score_option,
    "level": _score_maturity,
    "options_sum": _score_multiple,
    "thresholds": _score_number,
    "answered_date": _score_date,
    "answered_text": _score_text,
    "answered_table": _score_statistics,
}
"""The scoring rules a question kind chooses from (`Kind.scoring`)."""


_REMEMBERED = frozenset({_score_option, _score_maturity, _score_multiple, _score_number})
"""Scorers whose outcomes `_Outcomes` remembers (texts and dates are many and cheap to score)."""


# --- Reading the answers -----------------------------------------------------------------------


def _is_answered(value: object) -> bool:
    """`expressions.is_answered`, deciding the types JSON gives without its slower checks.

    It runs for every answer and, for a statistics table, every cell; the general function
    reaches a dict or a number only after abstract-class checks.
    """
    kind = type(value)
    if kind is int or kind is float:
        return True
    if kind is str:
        return bool(value.strip())  # type: ignore[union-attr]
    if kind is list:
        return bool(value)
    if kind is dict:
        cells = value.get("cells")  # type: ignore[union-attr]
        if type(cells) is dict:
            return any(_is_answered(cell) for cell in cells.values())
    return is_answered(value)


def _first_responses(
    prepared: PreparedDefinition, responses: Iterable[Response]
) -> dict[str, Response]:
    """Each question's response by id; two different responses to a known question are refused.

    Identical duplicates are harmless, and the first of equal responses is kept (1 == True, but
    they do not score alike). Duplicates are rare, so they are looked for only when counting
    shows some.
    """
    listed = responses if isinstance(responses, list | tuple) else list(responses)
    by_id = {response.question_id: response for response in listed}
    if len(by_id) == len(listed):
        return by_id
    by_id = {}
    for response in listed:
        qid = response.question_id
        earlier = by_id.setdefault(qid, response)
        if earlier != response and qid in prepared.plan_by_id:
            raise DuplicateResponseError(f"two different answers to question {qid!r}")
    return by_id


def _read_answers(
    prepared: PreparedDefinition, responses: Iterable[Response]
) -> tuple[dict[str, object], list[Outcome]]:
    """The answers given (not "not applicable") by question id, and each question's outcome.

    Conflicting duplicates are refused and answers to questions the definition does not have
    ignored. "Not applicable" is honoured only where the question allows it; elsewhere the flag
    is ignored and the value (usually none: unanswered) is what counts.

    The outcomes (in plan order) start from each question's outcome without an answer
    (unanswered, or unscored), which its answer's own outcome (scorable questions only) or
    "not applicable" replaces: the documented order of reasons, except hidden, which the
    conditions decide afterwards from the answers (see `_hide`).
    """
    outcomes = list(prepared.default_outcomes)
    by_id = prepared.outcomes_by_id
    values: dict[str, object] = {}
    for qid, response in _first_responses(prepared, responses).items():
        possible = by_id.get(qid)
        if possible is None:
            continue
        if response.not_applicable and possible.allow_na:
            outcomes[possible.position] = possible.not_applicable
            continue
        value = response.value
        kind = type(value)  # the commonest types decided here, without a call
        if kind is str:
            answered = bool(value.strip())  # type: ignore[attr-defined]
        else:
            answered = kind is int or kind is float or _is_answered(value)
        if answered:
            values[qid] = value
            if possible.scorable:
                outcome = possible.of_value(value)
                if response.evidence or (kind is dict and _cites_source(possible, value)):
                    outcome = possible.with_evidence(outcome)
                outcomes[possible.position] = outcome
    return values, outcomes


def _cites_source(possible: _Outcomes, value: object) -> bool:
    """A statistics table answered with its source named: the question asks for one."""
    if not possible.plan.figure_cells:
        return False
    source = value.get("source")  # type: ignore[attr-defined]
    return isinstance(source, str) and bool(source.strip())


def _hide(prepared: PreparedDefinition, outcomes: list[Outcome], hidden: Iterable[str]) -> None:
    """Mark the hidden questions' outcomes: hidden comes first among the reasons."""
    for qid in hidden:
        possible = prepared.outcomes_by_id[qid]
        outcomes[possible.position] = possible.hidden


# --- Indices -----------------------------------------------------------------------------------

# Enum members looked up once: attribute access on an enum class is slow in hot loops.
_SCORED, _INSUFFICIENT, _EMPTY = IndexStatus.SCORED, IndexStatus.INSUFFICIENT, IndexStatus.EMPTY


class _Sums(NamedTuple):
    """One area's or line's running sums, in weight units and weight × score units."""

    answered: int
    missing: int
    weighted: int


def _sums(prepared: PreparedDefinition, outcomes: Iterable[Outcome]) -> list[_Sums]:
    """The sums of every area, then every line of action (see `QuestionPlan.line_slot`)."""
    size = len(prepared.area_ids) + len(prepared.loa_ids)
    # One spare slot for the questions without a line of action.
    answered, missing, weighted = [0] * (size + 1), [0] * (size + 1), [0] * (size + 1)
    for plan, units, is_missing, _ in outcomes:
        area, line = plan.area_position, plan.line_slot
        if units is not None:
            weight = plan.weight_units
            product = weight * units
            answered[area] += weight
            answered[line] += weight
            weighted[area] += product
            weighted[line] += product
        elif is_missing:
            missing[area] += plan.weight_units
            missing[line] += plan.weight_units
    return list(map(_Sums, answered[:size], missing[:size], weighted[:size]))


def _below(ratio: Ratio, threshold: Ratio) -> bool:
    return ratio[0] * threshold[1] < threshold[0] * ratio[1]


def _band_of_hundredths(floors: Iterable[tuple[int, str]], hundredths: int) -> str | None:
    """The key of the last band whose min <= hundredths / 100 (see `band_floors`)."""
    found = None
    for floor, key in floors:
        if hundredths >= floor:
            found = key
    return found


def _published(
    key: str, coverage: Ratio, value: Ratio | None, prepared: PreparedDefinition
) -> Index:
    """The published index: coverage truncated to 4 decimals, the value (None: insufficient
    information) rounded to 0.01 half up, and its band."""
    answered, scorable = coverage
    shown_coverage = units_decimal(down_units(answered, scorable, 4), 4)
    if value is None:
        return Index(key, None, shown_coverage, _INSUFFICIENT)
    hundredths = half_up_units(value[0], value[1], 2)
    band = _band_of_hundredths(prepared.band_floors, hundredths)
    return Index(key, units_decimal(hundredths, 2), shown_coverage, _SCORED, band)


def _group_index(key: str, sums: _Sums, score_scale: int, prepared: PreparedDefinition) -> Index:
    """An area's or a line of action's index: 100 × the weighted mean of its scores."""
    answered, missing, weighted = sums
    scorable = answered + missing
    if scorable == 0:
        return Index(key, None, None, _EMPTY)
    coverage = (answered, scorable)
    if answered == 0 or _below(coverage, prepared.coverage_threshold):
        return _published(key, coverage, None, prepared)
    return _published(key, coverage, (100 * weighted, answered * score_scale), prepared)


def _plus_weighted(total: Ratio, weight: int, ratio: Ratio) -> Ratio:
    """total + weight × ratio, exactly (not reduced: see `Ratio`)."""
    return (total[0] * ratio[1] + weight * ratio[0] * total[1], total[1] * ratio[1])


def _overall_index(
    prepared: PreparedDefinition,
    area_sums: Iterable[_Sums],
    areas: Iterable[Index],
    score_scale: int,
) -> Index:
    """Area-weighted mean of the (unrounded) areas with a number; coverage per docs/scoring.md.

    Overall coverage = Σ weight × coverage over areas with a number / Σ weight over areas with
    scorable weight: answers in an area without a number do not back the overall index.
    """
    weighted_value: Ratio = (0, 1)
    weighted_coverage: Ratio = (0, 1)
    numbered_weight = scorable_weight = 0
    for (answered, missing, weighted), area, weight in zip(
        area_sums, areas, prepared.area_weight_units, strict=True
    ):
        if area.status is _EMPTY:
            continue
        scorable_weight += weight
        if area.status is _SCORED:
            numbered_weight += weight
            area_value = (100 * weighted, answered * score_scale)
            weighted_value = _plus_weighted(weighted_value, weight, area_value)
            area_coverage = (answered, answered + missing)
            weighted_coverage = _plus_weighted(weighted_coverage, weight, area_coverage)
    if scorable_weight == 0:
        return Index(OVERALL, None, None, _EMPTY)
    coverage = (weighted_coverage[0], weighted_coverage[1] * scorable_weight)
    if numbered_weight == 0 or _below(coverage, prepared.coverage_threshold):
        return _published(OVERALL, coverage, None, prepared)
    value = (weighted_value[0], weighted_value[1] * numbered_weight)
    return _published(OVERALL, coverage, value, prepared)


def indices(
    prepared: PreparedDefinition, outcomes: Iterable[Outcome], score_scale: int
) -> tuple[tuple[Index, ...], tuple[Index, ...], Index]:
    """The areas', lines of action's and overall indices over the outcomes given.

    Only the outcomes given take part: progress passes the questions common to two versions.
    """
    sums = _sums(prepared, outcomes)
    area_count = len(prepared.area_ids)
    keys = (*prepared.area_ids, *prepared.loa_ids)
    groups = [
        _group_index(key, group_sums, score_scale, prepared)
        for key, group_sums in zip(keys, sums, strict=True)
    ]
    areas = tuple(groups[:area_count])
    overall = _overall_index(prepared, sums[:area_count], areas, score_scale)
    return areas, tuple(groups[area_count:]), overall


# --- Figures -----------------------------------------------------------------------------------

_EXACT_INT_LIMIT = 10**100
"""Below this size `Decimal(an int)` is already canonical (see numbers.canonical)."""


def _figure_value(value: object) -> Decimal | None:
    number = _as_number(value) if not isinstance(value, str) or value.strip() else None
    return None if number is None else to_decimal(number)


def _new_frozen(cls: type[_T], fields: dict[str, object]) -> _T:
    """An instance of a plain frozen dataclass from all its fields, without its __init__.

    The generated __init__ of a frozen dataclass sets every field through object.__setattr__
    (over 1 µs for a figure); a round carries tens of thousands of figures. The instance is the
    same as the constructor's: it compares, hashes, prints and pickles alike. Only for classes
    without __post_init__, slots or default factories.
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def _figures(plan: QuestionPlan, value: object) -> list[Figure]:
    """The filled cells of a statistics answer, in table order, with their metadata."""
    if type(value) is not dict and not isinstance(value, Mapping):  # dict first: cheaper
        return []
    cells = value.get("cells")
    if type(cells) is not dict and not isinstance(cells, Mapping):
        return []
    source = str(value.get("source") or "")
    definition = str(value.get("definition") or "")
    period = str(value.get("period") or "")
    coverage = str(value.get("coverage") or "")
    qid = plan.question.id
    figures = []
    for key, row, year, column in plan.figure_cells:
        raw = cells.get(key)
        if type(raw) is int and -_EXACT_INT_LIMIT < raw < _EXACT_INT_LIMIT:
            number: Decimal | None = Decimal(raw)  # the common case (counts): already canonical
        else:
            number = _figure_value(raw)
        if number is None:
            continue
        fields = {
            "question_id": qid,
            "row": row,
            "year": year,
            "column": column,
            "value": number,
            "source": source,
            "definition": definition,
            "period": period,
            "coverage": coverage,
        }
        figures.append(_new_frozen(Figure, fields))
    return figures


# --- Scoring -----------------------------------------------------------------------------------


def score(definition: Definition | PreparedDefinition, responses: Iterable[Response]) -> Scorecard:
    """The scorecard of one country's answers (order-independent; see docs/scoring.md)."""
    prepared = prepare(definition)
    values, outcomes = _read_answers(prepared, responses)
    if prepared.has_conditions:
        _hide(prepared, outcomes, hidden_questions(prepared.definition, values))
    figures: list[Figure] = []
    for position in prepared.statistics_positions:
        outcome = outcomes[position]
        if outcome.question.reason not in _NO_FIGURES:
            figures.extend(_figures(outcome.plan, values.get(outcome.plan.question.id)))
    areas, loas, overall = indices(prepared, outcomes, prepared.score_scale)
    return Scorecard(
        definition_key=prepared.definition.key,
        definition_version=prepared.definition.version,
        scoring_version=SCORING_VERSION,
        questions=tuple([outcome.question for outcome in outcomes]),
        areas=areas,
        lines_of_action=loas,
        overall=overall,
        figures=tuple(figures),
    )


_NO_FIGURES = frozenset({Reason.HIDDEN, Reason.NOT_APPLICABLE, Reason.INVALID})
"""Figures of hidden or "not applicable" statistics are not carried: the form did not show them."""
