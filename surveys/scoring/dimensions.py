"""Indices by dimension, named gaps and evidence coverage of every index of a scorecard.

Functional core: no Flask, no database. Everything here is computed from a scorecard's
question-level results (score, reason, weight, evidence), which stored snapshots keep, so the
dimension indices of past rounds are reproducible and a new or edited framework applies to them
without changing any stored area, line-of-action or overall index. Rules: docs/scoring.md §9.

- A dimension value's index is computed from the questions tagged with it exactly like an area's
  (same weights, not applicable, coverage threshold, insufficient information, bands, rounding).
- A gap (e.g. law − practice) is the difference of the two rounded indices, only when both have a
  number.
- Evidence coverage of an index is the share of its answered weight whose answers carry evidence;
  overall, the area-weighted mean of the evidence coverage of the areas with a number.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from surveys.questionnaire.framework import Framework, value_key
from surveys.questionnaire.schema import Definition
from surveys.scoring.engine import (
    MISSING_REASONS,
    OVERALL,
    Index,
    IndexStatus,
    PreparedDefinition,
    QuestionScore,
    Scorecard,
    _group_index,
    _Sums,
    prepare,
)
from surveys.scoring.numbers import down_units, to_units, units_decimal

EVIDENCE_PLACES = 4
"""Evidence coverage is truncated to 4 decimals, like coverage."""


@dataclass(frozen=True)
class GapResult:
    """A named gap of one country: minuend index − subtrahend index (rounded values)."""

    key: str
    value: Decimal | None
    """None unless both indices have a number."""
    minuend: Index
    subtrahend: Index


@dataclass(frozen=True)
class Analysis:
    """The dimension indices, gaps and evidence coverage of one scorecard."""

    dimensions: tuple[Index, ...]
    """One per dimension value, keyed "dimension:value", in the framework's order."""
    gaps: tuple[GapResult, ...]
    evidence: Mapping[str, Decimal | None]
    """Evidence coverage by index key (areas, lines of action, "overall", dimension values);
    None when the index has no answered weight (overall: no area with a number)."""

    def dimension(self, key: str) -> Index | None:
        return next((i for i in self.dimensions if i.key == key), None)

    def gap(self, key: str) -> GapResult | None:
        return next((g for g in self.gaps if g.key == key), None)

    def evidence_of(self, key: str) -> Decimal | None:
        return self.evidence.get(key)


@dataclass(frozen=True)
class AnalysisPlan:
    """Where each question's weight is summed, built once per definition and framework."""

    prepared: PreparedDefinition
    framework: Framework | None
    group_keys: tuple[str, ...]
    """Areas, lines of action, then dimension values: the keys of the sums."""
    positions: tuple[tuple[int, ...], ...]
    """Per group (in `group_keys` order): the plan positions of its questions."""
    getters: tuple[Callable[[list[int]], tuple[int, ...]], ...]
    """Per group: picks its questions' items out of a list in plan order (always a tuple)."""
    lanes: tuple[tuple[int, int, int, int], ...]
    """Per question: its weight, and its weight already shifted into the answered lane, into
    the answered and evidenced lanes, and into the missing lane (see `_packed_questions`)."""
    weights: tuple[int, ...]
    """Per question: its weight units."""
    dimension_keys: tuple[str, ...]
    members: Mapping[str, tuple[str, ...]]
    """Dimension value key -> the ids of its questions, in definition order."""
    group_position: Mapping[str, int]
    """Index key -> its position in `group_keys`."""
    gap_positions: tuple[tuple[str, int, int], ...]
    """Per gap: its key and the positions of its two dimension values in `dimension_keys`."""
    index_memos: tuple[dict[int, Index], ...] = field(compare=False)
    """Per dimension value: its indices already published, by packed sums."""

    @property
    def first_dimension(self) -> int:
        return len(self.group_keys) - len(self.dimension_keys)


def _build_plan(prepared: PreparedDefinition, framework: Framework | None) -> AnalysisPlan:
    area_count, loa_count = len(prepared.area_ids), len(prepared.loa_ids)
    dimension_keys = framework.value_keys() if framework is not None else ()
    dimension_slot = {key: area_count + loa_count + i for i, key in enumerate(dimension_keys)}
    members: dict[str, list[str]] = {key: [] for key in dimension_keys}
    positions: list[list[int]] = [[] for _ in range(area_count + loa_count + len(dimension_keys))]
    for position, plan in enumerate(prepared.plans):
        positions[plan.area_position].append(position)
        if plan.loa_position is not None:
            positions[area_count + plan.loa_position].append(position)
        if framework is not None:
            for dimension_id, value_id in framework.tags_for(plan.question).items():
                key = value_key(dimension_id, value_id)
                if key in dimension_slot:
                    positions[dimension_slot[key]].append(position)
                    members[key].append(plan.question_id)
    return AnalysisPlan(
        prepared=prepared,
        framework=framework,
        group_keys=(*prepared.area_ids, *prepared.loa_ids, *dimension_keys),
        positions=tuple(tuple(p) for p in positions),
        getters=tuple(_getter(p) for p in positions),
        lanes=tuple(
            (
                plan.weight_units,
                plan.weight_units << _ANSWERED,
                (plan.weight_units << _ANSWERED) | (plan.weight_units << _EVIDENCED),
                plan.weight_units << _MISSING,
            )
            for plan in prepared.plans
        ),
        weights=tuple(plan.weight_units for plan in prepared.plans),
        dimension_keys=dimension_keys,
        members={key: tuple(ids) for key, ids in members.items()},
        group_position={
            key: i for i, key in enumerate((*prepared.area_ids, *prepared.loa_ids, *dimension_keys))
        },
        gap_positions=tuple(
            (
                gap.id,
                dimension_keys.index(gap.minuend_key),
                dimension_keys.index(gap.subtrahend_key),
            )
            for gap in (framework.gaps if framework is not None else ())
            if gap.minuend_key in dimension_keys and gap.subtrahend_key in dimension_keys
        ),
        index_memos=tuple({} for _ in dimension_keys),
    )


def _getter(positions: list[int]) -> Callable[[list[int]], tuple[int, ...]]:
    if len(positions) >= 2:
        return itemgetter(*positions)
    if positions:
        only = positions[0]
        return lambda items: (items[only],)
    return lambda items: ()


_CACHE_SIZE = 64
_cache: OrderedDict[tuple[int, int], AnalysisPlan] = OrderedDict()
_cache_lock = threading.Lock()


def plan_analysis(
    definition: Definition | PreparedDefinition, framework: Framework | None
) -> AnalysisPlan:
    """The analysis plan of a definition and a framework (cached by identity, like `prepare`)."""
    prepared = prepare(definition)
    key = (id(prepared), id(framework))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached.prepared is prepared and cached.framework is framework:
            _cache.move_to_end(key)
            return cached
    plan = _build_plan(prepared, framework)
    with _cache_lock:
        _cache[key] = plan
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return plan


_UNITS: dict[int, dict[Decimal, int]] = {}
"""Per number of score places: a question score -> its score units (`to_units` builds a Fraction;
the scores a definition can give are few, so they are converted once)."""
_UNITS_LIMIT = 4096


def _score_units(places: int) -> dict[Decimal, int]:
    found = _UNITS.get(places)
    if found is None:
        found = _UNITS.setdefault(places, {})
    return found


def _remember_units(memo: dict[Decimal, int], score: Decimal, places: int) -> int:
    units = to_units(score, places)
    if len(memo) < _UNITS_LIMIT:
        memo[score] = units  # a race only converts a score twice
    return units


# A question's four sums packed in one integer, one 48-bit lane each: the answered weight, the
# missing weight, the evidenced weight and weight × score (all non-negative, and far below 2**48
# for any real questionnaire), so that one sum adds up all four for a group.
_LANE_BITS = 48
_LANE = (1 << _LANE_BITS) - 1
_EVIDENCED, _MISSING, _ANSWERED = _LANE_BITS, 2 * _LANE_BITS, 3 * _LANE_BITS


def _packed_questions(plan: AnalysisPlan, questions: tuple[QuestionScore, ...]) -> list[int]:
    places = plan.prepared.score_places
    units_of = _score_units(places)
    missing = MISSING_REASONS
    while True:
        try:
            return [
                (with_evidence if question.evidenced else answered)
                + weight * units_of[question.score]
                if question.score is not None
                else (unanswered if question.reason in missing else 0)
                for question, (weight, answered, with_evidence, unanswered) in zip(
                    questions, plan.lanes, strict=True
                )
            ]
        except KeyError as error:  # a score not converted yet: convert it, then start again
            _remember_units(units_of, error.args[0], places)


def _dimension_index(plan: AnalysisPlan, position: int, total: int) -> Index:
    """The index of the `position`-th dimension value from its packed sums (remembered: the same
    sums recur across countries)."""
    memo = plan.index_memos[position]
    found = memo.get(total)
    if found is None:
        sums = _Sums(total >> _ANSWERED, (total >> _MISSING) & _LANE, total & _LANE)
        key = plan.dimension_keys[position]
        found = _group_index(key, sums, plan.prepared.score_scale, plan.prepared)
        if len(memo) < _INDEX_MEMO_LIMIT:
            memo[total] = found  # a race only computes an index twice
    return found


class EvidenceCoverage(Mapping[str, "Decimal | None"]):
    """Evidence coverage by index key, computed when read from the packed sums of the groups."""

    __slots__ = ("_areas", "_dimension_totals", "_packed", "_plan", "_totals")

    def __init__(
        self,
        plan: AnalysisPlan,
        packed: list[int],
        dimension_totals: list[int],
        areas: tuple[Index, ...],
    ) -> None:
        self._plan = plan
        self._packed = packed
        self._dimension_totals = dimension_totals
        self._totals: list[int] | None = None
        self._areas = areas

    def _all_totals(self) -> list[int]:
        """Every group's packed sums: the areas' and lines' are summed on first use."""
        if self._totals is None:
            plan, packed = self._plan, self._packed
            first = [sum(getter(packed)) for getter in plan.getters[: plan.first_dimension]]
            self._totals = first + self._dimension_totals
        return self._totals

    def __getitem__(self, key: str) -> Decimal | None:
        if key == OVERALL:
            return self._overall()
        total = self._all_totals()[self._plan.group_position[key]]
        return _evidence_share((total >> _EVIDENCED) & _LANE, total >> _ANSWERED)

    def __iter__(self) -> Iterator[str]:
        yield from self._plan.group_keys
        yield OVERALL

    def __len__(self) -> int:
        return len(self._plan.group_keys) + 1

    def __repr__(self) -> str:
        return f"EvidenceCoverage({dict(self)!r})"

    def _overall(self) -> Decimal | None:
        """Σ area weight × area evidence coverage / Σ area weight, over the areas with a number."""
        numerator, denominator = 0, 1
        total_weight = 0
        weights = self._plan.prepared.area_weight_units
        for area, weight, total in zip(self._areas, weights, self._all_totals(), strict=False):
            answered = total >> _ANSWERED
            if area.status is not IndexStatus.SCORED or answered == 0:
                continue
            total_weight += weight
            evidenced = (total >> _EVIDENCED) & _LANE
            # numerator/denominator += weight × evidenced/answered, exactly
            numerator = numerator * answered + weight * evidenced * denominator
            denominator *= answered
        if total_weight == 0:
            return None
        shown = down_units(numerator, denominator * total_weight, EVIDENCE_PLACES)
        return units_decimal(shown, EVIDENCE_PLACES)


_INDEX_MEMO_LIMIT = 65536


@lru_cache(maxsize=65536)
def _evidence_share(evidenced: int, answered: int) -> Decimal | None:
    if answered == 0:
        return None
    return units_decimal(down_units(evidenced, answered, EVIDENCE_PLACES), EVIDENCE_PLACES)


def analyse(
    definition: Definition | PreparedDefinition | AnalysisPlan,
    scorecard: Scorecard,
    framework: Framework | None = None,
) -> Analysis:
    """The scorecard's dimension indices, gaps and evidence coverage under `framework`."""
    plan = (
        definition if isinstance(definition, AnalysisPlan) else plan_analysis(definition, framework)
    )
    prepared = plan.prepared
    questions = scorecard.questions
    if len(questions) != len(plan.weights):
        raise ValueError(
            f"a scorecard of {len(questions)} questions is not of "
            f"{prepared.definition.key} v{prepared.definition.version}"
        )
    packed = _packed_questions(plan, questions)
    # Each group's four sums at once: one sum of packed integers over its questions (in C).
    # The dimension values' sums now; the areas' and lines' only when their evidence is read.
    totals = [sum(getter(packed)) for getter in plan.getters[plan.first_dimension :]]
    dimensions = tuple(
        [
            memo.get(total) or _dimension_index(plan, position, total)
            for position, (memo, total) in enumerate(zip(plan.index_memos, totals, strict=True))
        ]
    )
    gaps = tuple(
        [
            _gap(key, dimensions[minuend], dimensions[subtrahend])
            for key, minuend, subtrahend in plan.gap_positions
        ]
    )
    return Analysis(dimensions, gaps, EvidenceCoverage(plan, packed, totals, scorecard.areas))


def _gap(key: str, minuend: Index, subtrahend: Index) -> GapResult:
    if minuend.value is None or subtrahend.value is None:
        return GapResult(key, None, minuend, subtrahend)
    return GapResult(key, minuend.value - subtrahend.value, minuend, subtrahend)


def members(plan: AnalysisPlan, key: str) -> tuple[str, ...]:
    """The ids of the questions behind a dimension value's index ("explain this number")."""
    return plan.members.get(key, ())


def analyse_all(
    definition: Definition, scorecards: Iterable[Scorecard], framework: Framework | None
) -> list[Analysis]:
    plan = plan_analysis(definition, framework)
    return [analyse(plan, card) for card in scorecards]
