"""Progress across rounds: the change of each index since a country's previous round.

Functional core: no Flask, no database. A change is computed only over the questions that exist,
and are scored, in both questionnaire versions (a current question matches the previous question
it `replaces`, else the previous question with its own id), with the current version's areas,
lines of action, weights and settings on both sides: the two numbers compared are
like-for-like, which is why they may differ from the two scorecards' own indices. The rules are
in docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from surveys.questionnaire.schema import Definition, Response
from surveys.scoring.engine import (
    OVERALL,
    Index,
    Outcome,
    PreparedDefinition,
    QuestionPlan,
    Scorecard,
    indices,
    prepare,
    score,
)
from surveys.scoring.numbers import decimal_places, round_down, to_decimal, to_units
from surveys.translatable import N_


class ChangeStatus(StrEnum):
    COMPARED = "compared"
    NOT_COMPARABLE = "not_comparable"
    """Too little of the index's scorable weight exists in both versions."""
    NO_NUMBER = "no_number"
    """One of the two rounds has no number for the index over the common questions."""


CHANGE_STATUS_LABELS: Mapping[ChangeStatus, str] = {
    ChangeStatus.COMPARED: N_("Compared"),
    ChangeStatus.NOT_COMPARABLE: N_("Not comparable"),
    ChangeStatus.NO_NUMBER: N_("No number in one of the rounds"),
}
REGRESSION_LABEL = N_("Regression")


@dataclass(frozen=True)
class IndexChange:
    key: str
    status: ChangeStatus
    comparable_share: Decimal | None
    """Share of the current index's scorable weight present in both versions (4 decimals,
    truncated); None when the current index has no scorable question."""
    previous: Decimal | None = None
    """The previous round's index over the common questions (0.01, ROUND_HALF_UP)."""
    current: Decimal | None = None
    """The current round's index over the common questions."""
    change: Decimal | None = None
    """current - previous (the two rounded numbers), when status is COMPARED."""
    regression: bool = False
    """The change is below minus the definition's regression threshold."""


@dataclass(frozen=True)
class Progress:
    previous_key: str
    previous_version: int
    current_key: str
    current_version: int
    matches: tuple[tuple[str, str], ...]
    """(current question id, previous question id) for every question compared."""
    areas: tuple[IndexChange, ...]
    lines_of_action: tuple[IndexChange, ...]
    overall: IndexChange

    def index(self, key: str) -> IndexChange | None:
        """The change of the overall index, an area's or a line of action's, by key."""
        if key == OVERALL:
            return self.overall
        return self.area(key) or self.line_of_action(key)

    def area(self, area_id: str) -> IndexChange | None:
        return next((c for c in self.areas if c.key == area_id), None)

    def line_of_action(self, key: str) -> IndexChange | None:
        return next((c for c in self.lines_of_action if c.key == key), None)

    @property
    def regressions(self) -> tuple[IndexChange, ...]:
        return tuple(c for c in (*self.areas, *self.lines_of_action, self.overall) if c.regression)


def match_questions(previous: Definition, current: Definition) -> dict[str, str]:
    """Current question id -> the previous question it continues.

    An explicit `replaces` link wins; otherwise a question matches the previous question with its
    own id. Each previous question is matched at most once (links first, in definition order).
    """
    previous_ids = {q.id for _, q in previous.questions()}
    matches: dict[str, str] = {}
    claimed: set[str] = set()
    for _, question in current.questions():
        target = question.replaces
        if target and target in previous_ids and target not in claimed:
            matches[question.id] = target
            claimed.add(target)
    for _, question in current.questions():
        unclaimed = question.id in previous_ids and question.id not in claimed
        if question.id not in matches and unclaimed:
            matches[question.id] = question.id
            claimed.add(question.id)
    return matches


def _common_plans(
    previous: PreparedDefinition, current: PreparedDefinition
) -> list[tuple[QuestionPlan, str]]:
    """(current plan, previous id) for questions scorable in both versions, in current order."""
    matches = match_questions(previous.definition, current.definition)
    common = []
    for plan in current.plans:
        previous_id = matches.get(plan.question.id)
        if plan.scorable and previous_id and previous.plan_by_id[previous_id].scorable:
            common.append((plan, previous_id))
    return common


def _shares(
    current: PreparedDefinition, common_ids: set[str]
) -> tuple[list[Fraction | None], list[Fraction | None], Fraction | None]:
    """Common scorable weight / scorable weight, per area, per line of action and overall."""
    area_common = [0] * len(current.area_ids)
    area_all = [0] * len(current.area_ids)
    loa_common = [0] * len(current.loa_ids)
    loa_all = [0] * len(current.loa_ids)
    for plan in current.plans:
        if not plan.scorable:
            continue
        shared = plan.question.id in common_ids
        area_all[plan.area_position] += plan.weight_units
        area_common[plan.area_position] += plan.weight_units if shared else 0
        if plan.loa_position is not None:
            loa_all[plan.loa_position] += plan.weight_units
            loa_common[plan.loa_position] += plan.weight_units if shared else 0

    def share(common: int, total: int) -> Fraction | None:
        return Fraction(common, total) if total else None

    areas = [share(c, t) for c, t in zip(area_common, area_all, strict=True)]
    loas = [share(c, t) for c, t in zip(loa_common, loa_all, strict=True)]
    # The overall share weights each area's share by the area's weight, like the overall index.
    weighted = [(w, s) for w, s in zip(current.area_weights, areas, strict=True) if s is not None]
    total_weight = sum((w for w, _ in weighted), Fraction(0))
    overall = sum((w * s for w, s in weighted), Fraction(0)) / total_weight if weighted else None
    return areas, loas, overall


def _side_results(
    common: list[tuple[QuestionPlan, str]],
    scorecard: Scorecard,
    use_previous_id: bool,
    places: int,
) -> list[Outcome]:
    """One round's outcomes over the common questions, keyed by the current plans."""
    by_id = {q.question_id: q for q in scorecard.questions}
    results = []
    for plan, previous_id in common:
        qid = previous_id if use_previous_id else plan.question.id
        question = by_id.get(qid)
        if question is None:
            raise ValueError(f"the scorecard has no question {qid!r}")
        units = None if question.score is None else to_units(question.score, places)
        results.append(Outcome(plan, units, question.is_missing, question))
    return results


def _score_places(scorecards: Iterable[Scorecard]) -> int:
    scores = [q.score for card in scorecards for q in card.questions if q.score is not None]
    return max(map(decimal_places, scores), default=0)


@dataclass(frozen=True)
class _Thresholds:
    comparability: Fraction
    regression: Decimal

    @classmethod
    def of(cls, definition: Definition) -> _Thresholds:
        settings = definition.scoring
        return cls(
            Fraction(to_decimal(settings.comparability_threshold)),
            to_decimal(settings.regression_threshold),
        )


def _change(
    key: str,
    share: Fraction | None,
    before: Index,
    after: Index,
    thresholds: _Thresholds,
) -> IndexChange:
    """One index's change from `before` to `after` (both over the common questions)."""
    if share is None:
        return IndexChange(key, ChangeStatus.NO_NUMBER, None)
    shown_share = round_down(share, 4)
    if share < thresholds.comparability:
        return IndexChange(key, ChangeStatus.NOT_COMPARABLE, shown_share)
    if before.value is None or after.value is None:
        return IndexChange(key, ChangeStatus.NO_NUMBER, shown_share, before.value, after.value)
    change = after.value - before.value
    return IndexChange(
        key,
        ChangeStatus.COMPARED,
        shown_share,
        before.value,
        after.value,
        change,
        regression=change < -thresholds.regression,
    )


def _check(definition: Definition, scorecard: Scorecard, side: str) -> None:
    if (scorecard.definition_key, scorecard.definition_version) != (
        definition.key,
        definition.version,
    ):
        raise ValueError(
            f"the {side} scorecard is for {scorecard.definition_key} "
            f"v{scorecard.definition_version}, not {definition.key} v{definition.version}"
        )


def compare_scorecards(
    previous_definition: Definition,
    previous: Scorecard,
    current_definition: Definition,
    current: Scorecard,
) -> Progress:
    """Progress between two scorecards (e.g. stored snapshots) of one country."""
    _check(previous_definition, previous, "previous")
    _check(current_definition, current, "current")
    before_prepared = prepare(previous_definition)
    prepared = prepare(current_definition)
    common = _common_plans(before_prepared, prepared)
    places = _score_places((previous, current))

    def side_indices(card: Scorecard, use_previous_id: bool) -> list[Index]:
        outcomes = _side_results(common, card, use_previous_id, places)
        areas, loas, overall = indices(prepared, outcomes, 10**places)
        return [*areas, *loas, overall]

    area_shares, loa_shares, overall_share = _shares(prepared, {p.question.id for p, _ in common})
    thresholds = _Thresholds.of(current_definition)
    shares = [*area_shares, *loa_shares, overall_share]
    changes = [
        _change(before.key, share, before, after, thresholds)
        for share, before, after in zip(
            shares, side_indices(previous, True), side_indices(current, False), strict=True
        )
    ]
    area_count, loa_count = len(prepared.area_ids), len(prepared.loa_ids)
    return Progress(
        previous_key=previous_definition.key,
        previous_version=previous_definition.version,
        current_key=current_definition.key,
        current_version=current_definition.version,
        matches=tuple((plan.question.id, previous_id) for plan, previous_id in common),
        areas=tuple(changes[:area_count]),
        lines_of_action=tuple(changes[area_count : area_count + loa_count]),
        overall=changes[-1],
    )


def compare(
    previous_definition: Definition,
    previous_responses: Iterable[Response],
    current_definition: Definition,
    current_responses: Iterable[Response],
) -> Progress:
    """Progress of one country from its previous round's answers to its current ones."""
    return compare_scorecards(
        previous_definition,
        score(previous_definition, previous_responses),
        current_definition,
        score(current_definition, current_responses),
    )
