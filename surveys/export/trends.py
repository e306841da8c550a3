"""The trends workbook: every country's indices across all rounds of a questionnaire.

Sheets: About, Indices (long: one row per round, country and index), Indices (wide: one row per
country and index, one column per round, a comment where a change is not comparable), Chart (the
overall index of each country across rounds), and with `with_responses` the tidy Responses and
Statistics rows of every round. Rounds are read one at a time and each round's answers are
streamed one country at a time; only the indices are kept between rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.comments import Comment
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import quote_sheetname

from surveys.columns import utcnow
from surveys.export import dimensions, layout
from surveys.export.cells import RowWriter
from surveys.export.layout import (
    RESPONSES_COLUMNS,
    STATISTICS_COLUMNS,
    TRENDS_LONG_COLUMNS,
    CountryInfo,
    IndexLine,
    headers,
)
from surveys.export.queries import (
    LoadedRound,
    participants,
    questionnaire_rounds,
    round_entries,
    stored_scorecards,
)
from surveys.export.scorecard import (
    Baseline,
    is_of_record,
    progress_since,
    published_scorecard,
    score_entry,
    write_responses,
    write_statistics,
)
from surveys.export.workbook import Book, add_band_rules, autofilter, column_letter
from surveys.i18n import make_translate
from surveys.questionnaire.frameworks import framework_for
from surveys.scoring import SCORING_VERSION
from surveys.scoring.dimensions import analyse, plan_analysis
from surveys.scoring.progress import ChangeStatus

WIDE_FIXED_COLUMNS = 4
"""Country code, Country, Key, Index; then one column per round."""


@dataclass
class WideData:
    """Index values by (country, index key) and round position, gathered during the pass."""

    countries: dict[int, CountryInfo] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """Index key -> label (the latest round's wording), in order of first appearance."""
    values: dict[tuple[int, str], dict[int, float | None]] = field(default_factory=dict)
    notes: dict[tuple[int, str, int], str] = field(default_factory=dict)


def _long_row(
    loaded: LoadedRound,
    entry,
    line: IndexLine,
    has_previous: bool,
    language: str,
    t,
) -> list[object]:
    index = line.index
    return [
        loaded.info.version,
        loaded.info.id,
        loaded.info.period,
        loaded.info.opens_at.date(),
        entry.country.iso2,
        entry.country.name(language),
        layout.status_label(entry.status, t),
        line.key,
        line.label,
        layout.index_value(index),
        layout.coverage_value(index),
        t(layout.STATUS_LABELS[index.status]) if index else None,
        layout.band_label(loaded.definition, index.band, language) if index else None,
        layout.change_value(line.change),
        layout.change_status_label(line.change, t),
        layout.change_note(line.change, has_previous, loaded.definition, t, language)
        if index and line.kind != "dimension"
        else None,
        dimensions.evidence_value(line.evidence),
    ]


def write_about(book: Book, rounds: list[LoadedRound], generated_at: datetime, countries) -> None:
    t = book.t
    writer = book.sheet(t(layout.SHEET_ABOUT), widths=(34, 100), landscape=False)
    names = [layout.SHEET_TRENDS_LONG, layout.SHEET_TRENDS_WIDE, layout.SHEET_CHART]
    definition = rounds[-1].definition
    for values, styles in layout.about_rows(
        definition,
        None,
        countries,
        generated_at,
        book.language,
        t,
        SCORING_VERSION,
        rounds=[r.info for r in rounds],
        sheet_notes=[(t(n), t(layout.ABOUT_SHEET_NOTES[n])) for n in names],
    ):
        writer.append_styled(values, styles)


def _country_list(rounds: Iterable[LoadedRound]) -> list[CountryInfo]:
    seen: dict[int, CountryInfo] = {}
    for loaded in rounds:
        for entry in participants(loaded.info.id):
            seen.setdefault(entry.country.id, entry.country)
    return sorted(seen.values(), key=lambda c: c.iso2)


def build_trends(
    key: str,
    language: str,
    target,
    *,
    with_responses: bool = False,
    generated_at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the questionnaire's trends workbook in `language` to `target`.

    `progress(done, total)` is told after each submission written (background exports).
    """
    generated_at = generated_at or utcnow()
    rounds = questionnaire_rounds(key)
    latest = rounds[-1].definition if rounds else None
    book = Book(language, make_translate(language), latest)
    t = book.t
    countries = _country_list(rounds)
    if rounds:
        write_about(book, rounds, generated_at, countries)
    long_sheet = book.table_sheet(t(layout.SHEET_TRENDS_LONG), TRENDS_LONG_COLUMNS)
    wide_columns = [
        layout.Column(layout.N_("Country code"), 9),
        layout.Column(layout.N_("Country"), 22),
        layout.Column(layout.N_("Key"), 12),
        layout.Column(layout.N_("Index"), 36),
        *[layout.Column(r.info.period, 11, "index", translated=True) for r in rounds],
    ]
    wide_sheet = book.sheet(
        t(layout.SHEET_TRENDS_WIDE),
        widths=[c.width for c in wide_columns],
        column_styles=[c.style for c in wide_columns],
        freeze="E2",
    )
    chart_sheet = book.sheet(t(layout.SHEET_CHART)) if rounds else None
    responses = statistics = None
    if with_responses:
        responses = book.table_sheet(t(layout.SHEET_RESPONSES), RESPONSES_COLUMNS)
        statistics = book.table_sheet(t(layout.SHEET_STATISTICS), STATISTICS_COLUMNS)

    wide = WideData()
    baselines: dict[int, Baseline] = {}
    steps = Steps(progress, sum(len(participants(r.info.id)) for r in rounds) if progress else 0)
    for position, loaded in enumerate(rounds):
        _write_round(
            book, loaded, position, long_sheet, wide, baselines, responses, statistics, steps
        )

    autofilter(long_sheet, len(TRENDS_LONG_COLUMNS))
    if responses is not None and statistics is not None:
        autofilter(responses, len(RESPONSES_COLUMNS))
        autofilter(statistics, len(STATISTICS_COLUMNS))
    overall_rows = _write_wide(book, wide_sheet, wide_columns, wide, len(rounds))
    if chart_sheet is not None and overall_rows:
        _add_chart(book, chart_sheet, wide_sheet, overall_rows, len(rounds))
    book.save(target)
    steps.finish()


class Steps:
    """Counts the submissions written for a `progress` callback (nothing without one)."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress is not None:
            progress(0, total)

    def advance(self) -> None:
        if self.progress is not None:
            self.done += 1
            # Saving the file is the last step: never report all done before it.
            self.progress(min(self.done, max(self.total - 1, 0)), self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


def _write_round(
    book: Book,
    loaded: LoadedRound,
    position: int,
    long_sheet: RowWriter,
    wide: WideData,
    baselines: dict[int, Baseline],
    responses: RowWriter | None,
    statistics: RowWriter | None,
    steps: Steps | None = None,
) -> None:
    """One round's rows. Indices come from the stored snapshots where usable (the record the
    dashboards show), else from the answers; the answers are read only when needed."""
    t, language = book.t, book.language
    definition = loaded.definition
    framework = framework_for(loaded.info.questionnaire_key)
    plan = plan_analysis(definition, framework)
    entries = participants(loaded.info.id)
    stored = stored_scorecards(loaded, [e.submission_id for e in entries if is_of_record(e)])
    needs_answers = responses is not None or any(
        is_of_record(e) and e.submission_id not in stored for e in entries
    )
    source = round_entries(loaded.info.id) if needs_answers else entries
    for entry in source:
        if steps is not None:
            steps.advance()
        wide.countries.setdefault(entry.country.id, entry.country)
        card = published_scorecard(definition, entry, stored)
        if card is None:
            # A draft or a returned submission is the country's work in progress: its answers
            # and figures are printed nowhere, as in the scorecard workbook and the API.
            continue
        baseline = baselines.get(entry.country.id)
        progress = progress_since(baseline, definition, card)
        lines = layout.index_lines(definition, card, progress, language, t)
        # Dimension figures are published for the submissions of record only, as on the pages.
        analysis = analyse(plan, card)  # card is None unless the submission is of record
        for line in dimensions.with_dimensions(lines, framework, analysis, language, t):
            long_sheet.append(_long_row(loaded, entry, line, baseline is not None, language, t))
            wide.keys[line.key] = line.label
            cell_key = (entry.country.id, line.key)
            wide.values.setdefault(cell_key, {})[position] = layout.index_value(line.index)
            if line.change is not None and line.change.status is ChangeStatus.NOT_COMPARABLE:
                note = layout.change_note(line.change, True, definition, t, language)
                if note:
                    wide.notes[(entry.country.id, line.key, position)] = note
        if responses is not None and statistics is not None:
            # The answers shown are scored as they are now (the same unless edited since).
            live = score_entry(definition, entry) if entry.submission_id in stored else card
            write_responses(responses, loaded, entry, live, language, t)
            write_statistics(statistics, loaded, entry, live, language)
        baselines[entry.country.id] = Baseline(definition, card)


def _write_wide(
    book: Book, writer: RowWriter, columns: list[layout.Column], wide: WideData, round_count: int
) -> list[int]:
    """The wide table, overall index first; returns the sheet rows of the overall block."""
    t = book.t
    writer.append_styled(headers(columns, t), ["header"] * len(columns))
    writer.worksheet.print_title_rows = "1:1"
    countries = sorted(wide.countries.values(), key=lambda c: c.iso2)
    overall_rows: list[int] = []
    keys = list(wide.keys)
    if layout.OVERALL in keys:
        keys.remove(layout.OVERALL)
        keys.insert(0, layout.OVERALL)
    note_style = writer.styles.array("index")
    for key in keys:
        for country in countries:
            values = wide.values.get((country.id, key))
            if values is None:
                continue
            row: list[object] = [
                country.iso2,
                country.name(book.language),
                key,
                wide.keys[key],
            ]
            for position in range(round_count):
                value = values.get(position)
                note = wide.notes.get((country.id, key, position))
                if note is None:
                    row.append(value)
                else:
                    row.append(_commented(writer, value, note, note_style))
            writer.append(row)
            if key == layout.OVERALL:
                overall_rows.append(writer.rows_written)
    if round_count and writer.rows_written > 1 and book.definition is not None:
        first = column_letter(WIDE_FIXED_COLUMNS + 1)
        last = column_letter(WIDE_FIXED_COLUMNS + round_count)
        add_band_rules(
            writer,
            f"{first}2:{last}{writer.rows_written}",
            f"{first}2",
            book.definition.scoring.bands,
        )
    autofilter(writer, len(columns))
    return overall_rows


def _commented(writer: RowWriter, value: float | None, note: str, style: object) -> object:
    """A cell carrying a comment that explains why its change is not comparable."""
    cell = WriteOnlyCell(writer.worksheet, value)
    if isinstance(style, StyleArray):
        cell._style = copy(style)
    comment = Comment(note, "Niamey monitoring")
    comment.width, comment.height = 300, 90
    cell.comment = comment
    return cell


def _add_chart(
    book: Book, chart_sheet: RowWriter, wide_sheet: RowWriter, overall_rows: list[int], rounds: int
) -> None:
    chart = LineChart()
    chart.title = book.t(layout.OVERALL_LABEL)
    chart.y_axis.title = book.t(layout.N_("Index (0-100)"))
    chart.x_axis.title = book.t(layout.N_("Period"))
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.display_blanks = "gap"
    chart.width, chart.height = 32, 16
    first, last = WIDE_FIXED_COLUMNS + 1, WIDE_FIXED_COLUMNS + rounds
    worksheet = wide_sheet.worksheet
    for row in overall_rows:
        values = Reference(worksheet, min_col=first, max_col=last, min_row=row, max_row=row)
        series = Series(values, title=None)
        series.tx = _series_title(worksheet.title, row)
        chart.series.append(series)
    chart.set_categories(Reference(worksheet, min_col=first, max_col=last, min_row=1, max_row=1))
    chart_sheet.worksheet.add_chart(chart, "A1")


def _series_title(sheet_title: str, row: int) -> SeriesLabel:
    """The series is named by the country-name cell of its row (a reference, not text)."""
    return SeriesLabel(strRef=StrRef(f"{quote_sheetname(sheet_title)}!$B${row}"))
