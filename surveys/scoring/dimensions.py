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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from surveys.questionnaire.framework import Framework, value_key
from surveys.questionnaire.schema import Definition
from surveys.scoring.engine import (
    MISSING_REASONS,
    OVERALL,
    Index,
    IndexStatus,
    PreparedDefinition,
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
    slots: tuple[tuple[int, ...], ...]
    """Per question (plan order): the groups it adds to."""
    weights: tuple[int, ...]
    """Per question: its weight units."""
    dimension_keys: tuple[str, ...]
    members: Mapping[str, tuple[str, ...]]
    """Dimension value key -> the ids of its questions, in definition order."""

    @property
    def first_dimension(self) -> int:
        return len(self.group_keys) - len(self.dimension_keys)


def _build_plan(prepared: PreparedDefinition, framework: Framework | None) -> AnalysisPlan:
    area_count, loa_count = len(prepared.area_ids), len(prepared.loa_ids)
    dimension_keys = framework.value_keys() if framework is not None else ()
    dimension_slot = {key: area_count + loa_count + i for i, key in enumerate(dimension_keys)}
    members: dict[str, list[str]] = {key: [] for key in dimension_keys}
    slots = []
    for plan in prepared.plans:
        own = [plan.area_position]
        if plan.loa_position is not None:
            own.append(area_count + plan.loa_position)
        if framework is not None:
            for dimension_id, value_id in framework.tags_for(plan.question).items():
                key = value_key(dimension_id, value_id)
                if key in dimension_slot:
                    own.append(dimension_slot[key])
                    members[key].append(plan.question_id)
        slots.append(tuple(own))
    return AnalysisPlan(
        prepared=prepared,
        framework=framework,
        group_keys=(*prepared.area_ids, *prepared.loa_ids, *dimension_keys),
        slots=tuple(slots),
        weights=tuple(plan.weight_units for plan in prepared.plans),
        dimension_keys=dimension_keys,
        members={key: tuple(ids) for key, ids in members.items()},
    )


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
    if len(scorecard.questions) != len(plan.slots):
        raise ValueError(
            f"a scorecard of {len(scorecard.questions)} questions is not of "
            f"{prepared.definition.key} v{prepared.definition.version}"
        )
    size = len(plan.group_keys)
    answered, missing, weighted, evidenced = [0] * size, [0] * size, [0] * size, [0] * size
    places = prepared.score_places
    for question, weight, slots in zip(scorecard.questions, plan.weights, plan.slots, strict=True):
        score = question.score
        if score is not None:
            product = weight * to_units(score, places)
            backed = question.evidenced
            for slot in slots:
                answered[slot] += weight
                weighted[slot] += product
                if backed:
                    evidenced[slot] += weight
        elif question.reason in MISSING_REASONS:
            for slot in slots:
                missing[slot] += weight
    scale = prepared.score_scale
    first = plan.first_dimension
    dimensions = tuple(
        _group_index(key, _Sums(answered[i], missing[i], weighted[i]), scale, prepared)
        for i, key in enumerate(plan.group_keys[first:], start=first)
    )
    evidence = {
        key: _evidence_share(evidenced[i], answered[i]) for i, key in enumerate(plan.group_keys)
    }
    evidence[OVERALL] = _overall_evidence(prepared, scorecard, answered, evidenced)
    by_key = {index.key: index for index in dimensions}
    gaps = tuple(
        _gap(gap.id, by_key[gap.minuend_key], by_key[gap.subtrahend_key])
        for gap in (plan.framework.gaps if plan.framework is not None else ())
        if gap.minuend_key in by_key and gap.subtrahend_key in by_key
    )
    return Analysis(dimensions, gaps, evidence)


def _overall_evidence(
    prepared: PreparedDefinition, scorecard: Scorecard, answered: list[int], evidenced: list[int]
) -> Decimal | None:
    """Σ area weight × area evidence coverage / Σ area weight, over the areas with a number."""
    numerator, denominator = 0, 1
    total_weight = 0
    for position, (area, weight) in enumerate(
        zip(scorecard.areas, prepared.area_weight_units, strict=True)
    ):
        if area.status is not IndexStatus.SCORED or answered[position] == 0:
            continue
        total_weight += weight
        # numerator/denominator += weight × evidenced/answered, exactly
        numerator = numerator * answered[position] + weight * evidenced[position] * denominator
        denominator *= answered[position]
    if total_weight == 0:
        return None
    shown = down_units(numerator, denominator * total_weight, EVIDENCE_PLACES)
    return units_decimal(shown, EVIDENCE_PLACES)


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
