"""Workbook layout of the dimension figures: Summary columns, the tidy Dimensions sheet, index lines
of the country and trends sheets, the Codebook's dimension columns and the About lines.

Pure layout (no database): the builders pass the analyses, computed with
`surveys.scoring.dimensions` from the same scorecards the dashboards show.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal

from surveys.export.layout import (
    Column,
    CountryEntry,
    IndexLine,
    RoundInfo,
    Translate,
    band_label,
    coverage_value,
    index_value,
    status_label,
)
from surveys.questionnaire.framework import Framework
from surveys.questionnaire.schema import Definition, localized
from surveys.scoring import OVERALL, STATUS_LABELS, Index
from surveys.scoring.dimensions import Analysis, AnalysisPlan
from surveys.translatable import N_

SHEET_DIMENSIONS = N_("Dimensions")
DIMENSIONS_NOTE = N_(
    "One row per country and dimension value (law, practice, capacity; each Protocol; the 4 Ps), "
    "with coverage and evidence coverage."
)
EVIDENCE_COVERAGE = N_("Evidence coverage")
ABOUT_FRAMEWORK = N_("Analysis framework")
ABOUT_FRAMEWORK_NONE = N_("None: the questionnaire's questions are not tagged with dimensions.")
ABOUT_FRAMEWORK_VALUE = N_("%(title)s, version %(version)s (sha256 %(sha)s)")
ABOUT_EVIDENCE = N_(
    "Evidence coverage is the share of an index's answered weight whose answers carry evidence "
    "(a file attached, or the source of a statistics table); overall, the area-weighted mean of "
    "the areas with a number. A dimension value's index is computed like an area's from the "
    "questions tagged with it; a gap is the difference of two such indices, only when both have "
    "a number."
)

EVIDENCE_COLUMN = Column(EVIDENCE_COVERAGE, 11, "share")

DIMENSIONS_COLUMNS = (
    Column(N_("Round"), 8),
    Column(N_("Period"), 10),
    Column(N_("Country code"), 9),
    Column(N_("Country"), 22),
    Column(N_("Status"), 12),
    Column(N_("Dimension id"), 12),
    Column(N_("Dimension"), 16),
    Column(N_("Value id"), 12),
    Column(N_("Value"), 24),
    Column(N_("Index (0-100)"), 12, "index"),
    Column(N_("Coverage"), 11, "share"),
    Column(N_("Index status"), 18),
    Column(N_("Band"), 10),
    Column(EVIDENCE_COVERAGE, 11, "share"),
    Column(N_("Questions"), 10),
)
DIMENSIONS_INDEX_COLUMN = 10
"""The position (1-based) of "Index (0-100)" in the Dimensions sheet."""


VALUE_LABEL = N_("%(dimension)s: %(value)s")


def value_label(framework: Framework, key: str, language: str, t: Translate) -> str:
    """ "Pillar: Law" for "pillar:law", in the workbook's language."""
    dimension, value = framework.label(key, language)
    return t(VALUE_LABEL) % {"dimension": dimension, "value": value}


def evidence_value(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def gap_value(analysis: Analysis | None, gap_id: str) -> float | None:
    result = analysis.gap(gap_id) if analysis else None
    return None if result is None or result.value is None else float(result.value)


# --- Summary -------------------------------------------------------------------------------------


def summary_columns(framework: Framework | None, language: str, t: Translate) -> list[Column]:
    """After the areas: overall evidence coverage, each dimension value, each gap."""
    columns = [Column(EVIDENCE_COVERAGE, 11, "share")]
    if framework is None:
        return columns
    columns += [
        Column(value_label(framework, key, language, t), 14, "index", translated=True)
        for key in framework.value_keys()
    ]
    columns += [
        Column(localized(gap.label, language), 12, "change", translated=True)
        for gap in framework.gaps
    ]
    return columns


def summary_values(
    framework: Framework | None, analysis: Analysis | None, shown, t: Translate
) -> list[object]:
    """The Summary cells of `summary_columns` for one country (`shown`: layout.index_shown)."""
    values: list[object] = [evidence_value(analysis.evidence_of(OVERALL)) if analysis else None]
    if framework is None:
        return values
    values += [
        shown(analysis.dimension(key) if analysis else None, t) for key in framework.value_keys()
    ]
    values += [gap_value(analysis, gap.id) for gap in framework.gaps]
    return values


# --- Index lines ---------------------------------------------------------------------------------


def with_dimensions(
    lines: list[IndexLine],
    framework: Framework | None,
    analysis: Analysis | None,
    language: str,
    t: Translate,
) -> list[IndexLine]:
    """The lines with their evidence coverage, then one line per dimension value."""
    if analysis is None:
        return lines
    found = [replace(line, evidence=analysis.evidence_of(line.key)) for line in lines]
    if framework is None:
        return found
    for key in framework.value_keys():
        found.append(
            IndexLine(
                key,
                value_label(framework, key, language, t),
                analysis.dimension(key),
                None,
                "dimension",
                analysis.evidence_of(key),
            )
        )
    return found


# --- The Dimensions sheet ------------------------------------------------------------------------


def dimension_rows(
    round_: RoundInfo,
    entry: CountryEntry,
    definition: Definition,
    plan: AnalysisPlan,
    analysis: Analysis,
    language: str,
    t: Translate,
) -> Iterator[list[object]]:
    """One tidy row per dimension value of one country."""
    framework = plan.framework
    if framework is None:
        return
    for dimension in framework.dimensions:
        for value in dimension.values:
            key = f"{dimension.id}:{value.id}"
            index: Index | None = analysis.dimension(key)
            yield [
                round_.id,
                round_.period,
                entry.country.iso2,
                entry.country.name(language),
                status_label(entry.status, t),
                dimension.id,
                localized(dimension.title, language),
                value.id,
                localized(value.label, language),
                index_value(index),
                coverage_value(index),
                t(STATUS_LABELS[index.status]) if index else None,
                band_label(definition, index.band, language) if index else None,
                evidence_value(analysis.evidence_of(key)),
                len(plan.members.get(key, ())),
            ]


# --- Codebook and About --------------------------------------------------------------------------


def codebook_columns(framework: Framework | None, language: str) -> list[Column]:
    if framework is None:
        return []
    return [Column(localized(d.title, language), 18, translated=True) for d in framework.dimensions]


def codebook_values(
    framework: Framework | None, definition: Definition, language: str
) -> Iterator[list[object]]:
    """Per question of the definition (in order): the label of its value in each dimension."""
    for _, question in definition.questions():
        if framework is None:
            yield []
            continue
        tags = framework.tags_for(question)
        row: list[object] = []
        for dimension in framework.dimensions:
            value = dimension.value(tags.get(dimension.id, ""))
            row.append(localized(value.label, language) if value else None)
        yield row


def about_rows(
    framework: Framework | None, language: str, t: Translate
) -> Sequence[tuple[list[object], tuple[str | None, ...]]]:
    label_value = ("label", "wrap")
    if framework is None:
        return [([t(ABOUT_FRAMEWORK), t(ABOUT_FRAMEWORK_NONE)], label_value)]
    text = t(ABOUT_FRAMEWORK_VALUE) % {
        "title": localized(framework.title, language),
        "version": framework.version,
        "sha": framework.short_sha,
    }
    return [
        ([t(ABOUT_FRAMEWORK), text], label_value),
        ([None, t(ABOUT_EVIDENCE)], (None, "wrap")),
    ]
