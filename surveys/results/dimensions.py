"""Dimension indices, gaps and evidence coverage of a round's countries, for the results pages.

Computed from the very scorecards the round overview shows (latest usable snapshot, else the
current answers) under the questionnaire's framework in force, with the pure functions of
`surveys.scoring.dimensions`; the workbooks use the same functions on the same scorecards, so
both show the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from surveys.questionnaire.framework import Framework, Gap
from surveys.questionnaire.frameworks import framework_for
from surveys.questionnaire.schema import Definition
from surveys.results.dashboards import CountryRow, RoundOverview, round_overview
from surveys.scoring import Index, Scorecard
from surveys.scoring.aggregates import IndexSummary, summarise
from surveys.scoring.dimensions import (
    Analysis,
    AnalysisPlan,
    GapResult,
    analyse,
    members,
    plan_analysis,
)


@dataclass
class DimensionRow:
    row: CountryRow
    analysis: Analysis | None
    """None for a country without a submitted or validated submission."""

    def index(self, key: str) -> Index | None:
        return None if self.analysis is None else self.analysis.dimension(key)

    def gap(self, key: str) -> GapResult | None:
        return None if self.analysis is None else self.analysis.gap(key)


@dataclass
class DimensionOverview:
    overview: RoundOverview
    framework: Framework | None
    plan: AnalysisPlan | None
    rows: list[DimensionRow]
    summaries: dict[str, IndexSummary] = field(default_factory=dict)
    """Regional mean, median and band counts per dimension value (submitted and validated)."""

    @property
    def definition(self) -> Definition:
        return self.overview.definition

    def members(self, key: str) -> tuple[str, ...]:
        return () if self.plan is None else members(self.plan, key)

    def gap_rows(self, gap: Gap) -> list[DimensionRow]:
        """Countries with both indices, largest gap first, then those without a gap."""
        with_gap = [r for r in self.rows if r.gap(gap.id) and r.gap(gap.id).value is not None]
        with_gap.sort(key=lambda r: (-r.gap(gap.id).value, r.row.country.iso2))
        return with_gap


def analyses_for(
    definition: Definition, framework: Framework | None, cards: Sequence[Scorecard | None]
) -> list[Analysis | None]:
    plan = plan_analysis(definition, framework)
    return [None if card is None else analyse(plan, card) for card in cards]


def dimension_overview(round_id: int) -> DimensionOverview | None:
    """The round's countries with their dimension indices, gaps and evidence coverage."""
    overview = round_overview(round_id)
    if overview is None:
        return None
    definition = overview.definition
    framework = framework_for(overview.questionnaire_key)
    plan = plan_analysis(definition, framework)
    rows = [
        DimensionRow(row, None if row.scorecard is None else analyse(plan, row.scorecard))
        for row in overview.rows
    ]
    band_keys = tuple(b.key for b in definition.scoring.bands)
    summaries = {
        key: summarise(key, [r.index(key) for r in rows if r.index(key) is not None], band_keys)
        for key in plan.dimension_keys
    }
    return DimensionOverview(overview, framework, plan, rows, summaries)
