"""The round scorecard workbook: About, Summary, one sheet per country, Responses, Statistics,
Codebook, in one language, written with openpyxl's write-only mode.

Answers are streamed one country at a time (queries.round_entries); each country is scored with
the scoring engine, its sheet is written and closed, and its tidy rows are appended to the
Responses and Statistics sheets before the next country is read. Only the per-country indices
are kept for the Summary, which is written last (write-only sheets each have their own stream,
so the sheet order does not depend on the writing order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from surveys.columns import utcnow
from surveys.export import dimensions, layout
from surveys.export.cells import RowWriter
from surveys.export.layout import (
    CODEBOOK_COLUMNS,
    CODEBOOK_WEIGHT_COLUMN,
    COUNTRY_COLUMN_WIDTHS,
    COUNTRY_INDEX_COLUMNS,
    COUNTRY_QUESTION_COLUMNS,
    DATA_QUALITY_LOOK,
    RESPONSES_COLUMNS,
    RESPONSES_VALUE_COLUMN,
    STATISTICS_COLUMNS,
    STATISTICS_VALUE_COLUMN,
    Column,
    CountryEntry,
    IndexLine,
    headers,
)
from surveys.export.queries import (
    LoadedRound,
    load_round,
    participants,
    previous_rounds,
    round_entries,
    stored_scorecards,
)
from surveys.export.workbook import (
    Book,
    add_band_rules,
    add_regression_rule,
    autofilter,
    column_letter,
)
from surveys.i18n import make_translate
from surveys.questionnaire.framework import Framework
from surveys.questionnaire.frameworks import framework_for
from surveys.questionnaire.schema import Definition, Response, localized
from surveys.results.quality import DATA_QUALITY_HEADERS, data_quality_values, round_quality
from surveys.rounds.submission_status import COUNTED_STATUSES
from surveys.scoring import SCORING_VERSION, Progress, Scorecard, compare_scorecards, score
from surveys.scoring.aggregates import aggregate, summarise
from surveys.scoring.dimensions import Analysis, analyse, plan_analysis

# The Data quality sheet: the analysts' data-quality table, column for column, sized for a sheet.
DATA_QUALITY_COLUMNS = tuple(
    Column(header, width, style)
    for header, (width, style) in zip(DATA_QUALITY_HEADERS, DATA_QUALITY_LOOK, strict=True)
)


def responses_of(entry: CountryEntry) -> list[Response]:
    """The entry's answers as scoring sees them; a file attached makes an answer evidenced."""
    evidence = entry.evidence
    return [
        Response(a.question_id, a.value, a.not_applicable, bool(evidence.get(a.question_id)))
        for a in entry.answers
    ]


def score_entry(definition: Definition, entry: CountryEntry) -> Scorecard | None:
    """The scorecard of the country's current answers; None when it has no submission."""
    if entry.submission_id is None:
        return None
    return score(definition, responses_of(entry))


def is_of_record(entry: CountryEntry) -> bool:
    """Whether the country's submission is submitted or validated: only those have a published
    index (a draft or a returned submission has none, in every workbook and on every page)."""
    return entry.submission_id is not None and entry.status in COUNTED_STATUSES


def published_scorecard(
    definition: Definition, entry: CountryEntry, stored: Mapping[int, Scorecard]
) -> Scorecard | None:
    """The index the mechanism publishes for the entry: its stored snapshot when usable (the
    record the dashboards show), else scored from its answers; None unless it is of record."""
    if not is_of_record(entry):
        return None
    return stored.get(entry.submission_id) or score_entry(definition, entry)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Baseline:
    """A country's scorecard in its previous round, to compute the change since."""

    definition: Definition
    scorecard: Scorecard


def previous_scorecards(current: LoadedRound, country_ids: list[int]) -> dict[int, Baseline]:
    """Country id -> its scorecard of record in the latest earlier round where it submitted:
    the stored snapshot when there is a usable one, else scored from its answers."""
    wanted = previous_rounds(current, country_ids)
    found: dict[int, Baseline] = {}
    for round_id in sorted(set(wanted.values())):
        loaded = load_round(round_id)
        entries = [
            e
            for e in participants(round_id)
            if wanted.get(e.country.id) == round_id
            and e.submission_id is not None
            and e.status in COUNTED_STATUSES
        ]
        stored = stored_scorecards(loaded, [e.submission_id for e in entries])
        missing = set()
        for entry in entries:
            card = stored.get(entry.submission_id)
            if card is None:
                missing.add(entry.country.id)
            else:
                found[entry.country.id] = Baseline(loaded.definition, card)
        if not missing:
            continue
        for entry in round_entries(round_id):
            if entry.country.id in missing:
                card = score_entry(loaded.definition, entry)
                if card is not None:
                    found[entry.country.id] = Baseline(loaded.definition, card)
    return found


def progress_since(
    baseline: Baseline | None, definition: Definition, card: Scorecard | None
) -> Progress | None:
    if baseline is None or card is None:
        return None
    return compare_scorecards(baseline.definition, baseline.scorecard, definition, card)


@dataclass(frozen=True)
class SummaryRow:
    entry: CountryEntry
    scorecard: Scorecard | None
    progress: Progress | None
    has_previous: bool
    analysis: Analysis | None = None


# --- Sheets ------------------------------------------------------------------------------------


def write_about(
    book: Book,
    loaded: LoadedRound,
    entries: list[CountryEntry],
    generated_at: datetime,
    framework: Framework | None = None,
) -> None:
    t = book.t
    writer = book.sheet(t(layout.SHEET_ABOUT), widths=(34, 100), landscape=False)
    sheet_notes = [(t(name), t(layout.ABOUT_SHEET_NOTES[name])) for name in (layout.SHEET_SUMMARY,)]
    sheet_notes.append(("…", t(layout.COUNTRY_SHEETS_NOTE)))
    sheet_notes += [
        (t(name), t(layout.ABOUT_SHEET_NOTES[name]))
        for name in (layout.SHEET_RESPONSES, layout.SHEET_STATISTICS, layout.SHEET_DATA_QUALITY)
    ]
    if framework is not None:
        sheet_notes.append((t(dimensions.SHEET_DIMENSIONS), t(dimensions.DIMENSIONS_NOTE)))
    sheet_notes.append(
        (t(layout.SHEET_CODEBOOK), t(layout.ABOUT_SHEET_NOTES[layout.SHEET_CODEBOOK]))
    )
    for values, styles in layout.about_rows(
        loaded.definition,
        loaded.info,
        [e.country for e in entries],
        generated_at,
        book.language,
        t,
        SCORING_VERSION,
        sheet_notes=sheet_notes,
    ):
        writer.append_styled(values, styles)
    writer.blank()
    for values, styles in dimensions.about_rows(framework, book.language, t):
        writer.append_styled(values, styles)


def summary_columns(
    definition: Definition, language: str, framework: Framework | None = None
) -> list[layout.Column]:
    fixed = [
        layout.Column(layout.N_("Country"), 24),
        layout.Column(layout.N_("Country code"), 9),
        layout.Column(layout.N_("Status"), 12),
        layout.Column(layout.N_("Submitted on"), layout.DATETIME_WIDTH, "datetime"),
        layout.Column(layout.N_("Validated on"), layout.DATETIME_WIDTH, "datetime"),
        layout.Column(layout.OVERALL_LABEL, 11, "index_bold"),
        layout.Column(layout.N_("Coverage"), 10, "share"),
        layout.Column(layout.N_("Band"), 10),
        layout.Column(layout.N_("Change since previous round"), 13, "change"),
        layout.Column(layout.N_("Note"), 36, "note"),
    ]
    areas = [
        layout.Column(localized(area.title, language), 14, "index", translated=True)
        for area in definition.areas
    ]
    return fixed + areas + dimensions.summary_columns(framework, language, make_translate(language))


COUNTRY_ANSWER_COLUMN = 4
"""The position of "Answer" in the country sheet's question table."""
SUMMARY_OVERALL_COLUMN = 6
SUMMARY_AREA_COLUMN = 11


def write_summary(
    book: Book,
    writer: RowWriter,
    definition: Definition,
    rows: list[SummaryRow],
    framework: Framework | None = None,
) -> None:
    t, language = book.t, book.language
    columns = summary_columns(definition, language, framework)
    writer.append_styled(headers(columns, t), ["header"] * len(columns))
    for row in rows:
        card = row.scorecard
        entry = row.entry
        overall_change = row.progress.overall if row.progress else None
        writer.append(
            [
                entry.country.name(language),
                entry.country.iso2,
                layout.status_label(entry.status, t),
                entry.submitted_at,
                entry.validated_at,
                layout.index_shown(card.overall if card else None, t),
                layout.coverage_value(card.overall if card else None),
                layout.band_label(definition, card.overall.band, language) if card else None,
                layout.change_value(overall_change),
                layout.change_note(overall_change, row.has_previous, definition, t, language)
                if card
                else t(layout.NOT_OF_RECORD),
                *[
                    layout.index_shown(card.area(a.id) if card else None, t)
                    for a in definition.areas
                ],
                *dimensions.summary_values(framework, row.analysis, layout.index_shown, t),
            ]
        )
    last_country_row = writer.rows_written
    write_aggregates(book, writer, definition, rows, len(columns), framework)
    _summary_formatting(writer, definition, len(columns), last_country_row, framework)


def write_aggregates(
    book: Book,
    writer: RowWriter,
    definition: Definition,
    rows: list[SummaryRow],
    width: int,
    framework: Framework | None = None,
) -> None:
    """Regional average and median over the countries whose submission is of record."""
    counted_rows = [r for r in rows if r.scorecard and r.entry.status in COUNTED_STATUSES]
    summary = aggregate(definition, [r.scorecard for r in counted_rows])
    areas = [summary.index(a.id) for a in definition.areas]
    band_keys = tuple(b.key for b in definition.scoring.bands)
    value_keys = framework.value_keys() if framework else ()
    by_value = [
        summarise(
            key,
            [r.analysis.dimension(key) for r in counted_rows if r.analysis is not None],
            band_keys,
        )
        for key in value_keys
    ]
    # No average of evidence coverage or of gaps: one blank under each.
    blanks = [None] * (1 + (len(framework.gaps) if framework else 0))
    t = book.t
    writer.blank()
    styles = ["aggregate_label", None, None, None, None, "aggregate"] + [None] * 4
    styles += ["aggregate"] * len(areas)
    styles += [None] + ["aggregate"] * len(by_value) + [None] * (len(blanks) - 1)
    for label, pick in ((layout.REGIONAL_AVERAGE, "mean"), (layout.REGIONAL_MEDIAN, "median")):
        values: list[object] = [t(label), None, None, None, None]
        values.append(getattr(summary.overall, pick))
        values += [None] * 4
        values += [getattr(a, pick) if a else None for a in areas]
        values += [None] + [getattr(v, pick) for v in by_value] + blanks[1:]
        writer.append_styled(values, styles)
    counted = [t(layout.N_("Countries with a number")), None, None, None, None]
    counted.append(summary.overall.count)
    counted += [None] * 4
    counted += [a.count if a else None for a in areas]
    counted += [None] + [v.count for v in by_value] + blanks[1:]
    writer.append_styled(counted, ["aggregate_label"] + [None] * (width - 1))


def _summary_formatting(
    writer: RowWriter,
    definition: Definition,
    width: int,
    last_country_row: int,
    framework: Framework | None = None,
) -> None:
    bands = definition.scoring.bands
    last = writer.rows_written
    overall = column_letter(SUMMARY_OVERALL_COLUMN)
    add_band_rules(writer, f"{overall}2:{overall}{last}", f"{overall}2", bands)
    band_column = column_letter(SUMMARY_OVERALL_COLUMN + 2)
    add_band_rules(writer, f"{band_column}2:{band_column}{last_country_row}", f"${overall}2", bands)
    area_count = len(definition.areas)
    if area_count:
        first = column_letter(SUMMARY_AREA_COLUMN)
        final = column_letter(SUMMARY_AREA_COLUMN + area_count - 1)
        add_band_rules(writer, f"{first}2:{final}{last}", f"{first}2", bands)
    if framework is not None and framework.value_keys():
        # After the areas: evidence coverage (no band), the dimension values, then the gaps.
        start = SUMMARY_AREA_COLUMN + area_count + 1
        first = column_letter(start)
        final = column_letter(start + len(framework.value_keys()) - 1)
        add_band_rules(writer, f"{first}2:{final}{last}", f"{first}2", bands)
    change = column_letter(SUMMARY_OVERALL_COLUMN + 3)
    add_regression_rule(writer, f"{change}2:{change}{last_country_row}", definition)
    autofilter(writer, width, 1, last_country_row)


def country_sheet(book: Book, entry: CountryEntry) -> RowWriter:
    """The country's sheet, created (empty) in its place among the sheets."""
    return book.sheet(entry.country.name(book.language), widths=COUNTRY_COLUMN_WIDTHS, freeze="B1")


def write_country_sheet(
    book: Book,
    writer: RowWriter,
    definition: Definition,
    entry: CountryEntry,
    card: Scorecard | None,
    progress: Progress | None,
    has_previous: bool,
    framework: Framework | None = None,
    analysis: Analysis | None = None,
) -> None:
    t, language = book.t, book.language
    writer.append_styled([f"{entry.country.name(language)} ({entry.country.iso2})"], ["title"])
    writer.append_styled(
        [t(layout.N_("Status")), layout.status_label(entry.status, t)], ["label", None]
    )
    writer.append_styled([t(layout.N_("Submitted on")), entry.submitted_at], ["label", "datetime"])
    writer.append_styled([t(layout.N_("Validated on")), entry.validated_at], ["label", "datetime"])
    writer.blank()
    writer.append_styled(headers(COUNTRY_INDEX_COLUMNS, t), ["header"] * len(COUNTRY_INDEX_COLUMNS))
    first_index_row = writer.rows_written + 1
    index_layout = writer.style_row([c.style for c in COUNTRY_INDEX_COLUMNS])
    overall_layout = writer.style_row(
        ["label", None, "index_bold", "share", None, "change", "note", "share"]
    )
    lines = layout.index_lines(definition, card, progress, language, t)
    for line in dimensions.with_dimensions(lines, framework, analysis, language, t):
        writer.append(
            _index_line_values(line, definition, has_previous and card is not None, language, t),
            overall_layout if line.kind == "overall" else index_layout,
        )
    last_index_row = writer.rows_written
    add_band_rules(
        writer,
        f"C{first_index_row}:C{last_index_row}",
        f"C{first_index_row}",
        definition.scoring.bands,
    )
    add_regression_rule(writer, f"F{first_index_row}:F{last_index_row}", definition)
    writer.blank()
    writer.append_styled(
        headers(COUNTRY_QUESTION_COLUMNS, t), ["header"] * len(COUNTRY_QUESTION_COLUMNS)
    )
    base_styles = [c.style for c in COUNTRY_QUESTION_COLUMNS]
    layouts = {}
    scores = {q.question_id: q for q in card.questions} if card else {}
    for area, question, answer in layout.ordered_answers(definition, entry.answers):
        value = None if answer is None or answer.not_applicable else answer.value
        score = scores.get(question.id)
        answer_style = layout.answer_style(question, value) or "wrap"
        question_layout = layouts.get(answer_style)
        if question_layout is None:
            names = list(base_styles)
            names[COUNTRY_ANSWER_COLUMN] = answer_style
            question_layout = layouts[answer_style] = writer.style_row(names)
        writer.append(
            [
                localized(question.text, language),
                question.id,
                area.id,
                layout.line_of_action_of(area, question) or None,
                layout.answer_shown(question, value, language, t),
                layout.score_value(score),
                layout.why_no_score(score, answer, t),
                (answer.comment or None) if answer else None,
                "\n".join(entry.evidence.get(question.id, ())) or None,
            ],
            question_layout,
        )
    writer.worksheet.close()  # frees the sheet's stream now rather than at save time


def _index_line_values(
    line: IndexLine, definition: Definition, has_previous: bool, language: str, t
) -> list[object]:
    return [
        line.label,
        line.key,
        layout.index_shown(line.index, t),
        layout.coverage_value(line.index),
        layout.band_label(definition, line.index.band, language) if line.index else None,
        layout.change_value(line.change),
        layout.change_note(line.change, has_previous, definition, t, language)
        if line.index and line.kind != "dimension"
        else None,
        dimensions.evidence_value(line.evidence),
    ]


def write_responses(
    writer: RowWriter,
    loaded: LoadedRound,
    entry: CountryEntry,
    card: Scorecard | None,
    language: str,
    t: layout.Translate,
) -> None:
    """The tidy rows of one country; the answer-value cell takes its question type's format."""
    layouts: dict[str | None, object] = {}
    base = [c.style for c in RESPONSES_COLUMNS]
    for values, value_style in layout.responses_rows(
        loaded.info, entry, loaded.definition, card, language, t
    ):
        row_layout = layouts.get(value_style)
        if row_layout is None:
            names = list(base)
            names[RESPONSES_VALUE_COLUMN] = value_style
            row_layout = layouts[value_style] = writer.style_row(names)
        writer.append(values, row_layout)


def write_statistics(
    writer: RowWriter,
    loaded: LoadedRound,
    entry: CountryEntry,
    card: Scorecard | None,
    language: str,
) -> None:
    base = [c.style for c in STATISTICS_COLUMNS]
    for values in layout.statistics_rows(loaded.info, entry, loaded.definition, card, language):
        names = list(base)
        names[STATISTICS_VALUE_COLUMN] = layout.figure_style(values[STATISTICS_VALUE_COLUMN])
        writer.append(values, writer.style_row(names))


def write_data_quality(book: Book, round_id: int) -> None:
    writer = book.table_sheet(book.t(layout.SHEET_DATA_QUALITY), DATA_QUALITY_COLUMNS)
    for row in round_quality(round_id, book.language, book.t).rows:
        writer.append(data_quality_values(row, book.t))
    autofilter(writer, len(DATA_QUALITY_COLUMNS))


def write_codebook(book: Book, definition: Definition, framework: Framework | None = None) -> None:
    columns = (*CODEBOOK_COLUMNS, *dimensions.codebook_columns(framework, book.language))
    writer = book.table_sheet(book.t(layout.SHEET_CODEBOOK), columns)
    rows = layout.codebook_rows(definition, book.language, book.t)
    tags = dimensions.codebook_values(framework, definition, book.language)
    names = [c.style for c in columns]
    for values, tagged in zip(rows, tags, strict=True):
        names[CODEBOOK_WEIGHT_COLUMN] = layout.figure_style(values[CODEBOOK_WEIGHT_COLUMN])
        writer.append([*values, *tagged], writer.style_row(names))
    autofilter(writer, len(columns))


# --- The workbook ------------------------------------------------------------------------------


def build_scorecard(
    round_id: int,
    language: str,
    target,
    *,
    generated_at: datetime | None = None,
    batch_size: int | None = None,
) -> None:
    """Write the round's scorecard workbook in `language` (a configured language's code) to `target`
    (a path or a binary file object)."""
    generated_at = generated_at or utcnow()
    loaded = load_round(round_id)
    definition = loaded.definition
    book = Book(language, make_translate(language), definition)
    t = book.t
    entries_meta = participants(round_id)
    baselines = previous_scorecards(loaded, [e.country.id for e in entries_meta])
    framework = framework_for(loaded.info.questionnaire_key)
    plan = plan_analysis(definition, framework)

    # Reserve the fixed sheet names first so that a country called "Summary" gets a suffix.
    write_about(book, loaded, entries_meta, generated_at, framework)
    columns = summary_columns(definition, language, framework)
    summary = book.sheet(
        t(layout.SHEET_SUMMARY),
        widths=[c.width for c in columns],
        column_styles=[c.style for c in columns],
        freeze="B2",
    )
    summary.worksheet.print_title_rows = "1:1"
    country_sheets = {e.country.id: country_sheet(book, e) for e in entries_meta}
    responses = book.table_sheet(t(layout.SHEET_RESPONSES), RESPONSES_COLUMNS)
    statistics = book.table_sheet(t(layout.SHEET_STATISTICS), STATISTICS_COLUMNS)
    dimension_sheet = None
    if framework is not None:
        dimension_sheet = book.table_sheet(
            t(dimensions.SHEET_DIMENSIONS), dimensions.DIMENSIONS_COLUMNS
        )
    write_data_quality(book, round_id)
    write_codebook(book, definition, framework)

    rows: list[SummaryRow] = []
    kwargs = {"batch_size": batch_size} if batch_size else {}
    for entry in round_entries(round_id, **kwargs):
        # Scored from the answers the sheets print (the same as the snapshot unless corrected);
        # only a submission of record has a published index, and dimension figures.
        card = published_scorecard(definition, entry, {})
        analysis = analyse(plan, card) if card is not None else None
        baseline = baselines.get(entry.country.id)
        progress = progress_since(baseline, definition, card)
        write_country_sheet(
            book,
            country_sheets.pop(entry.country.id),
            definition,
            entry,
            card,
            progress,
            baseline is not None,
            framework,
            analysis,
        )
        if dimension_sheet is not None and analysis is not None:
            for values in dimensions.dimension_rows(
                loaded.info, entry, definition, plan, analysis, language, t
            ):
                dimension_sheet.append(values)
        if is_of_record(entry):
            # The tidy sheets show the answers of the submitted and validated submissions,
            # scored question by question: a draft or a returned submission is the country's
            # work in progress, shown nowhere to readers of results (pages, API, workbooks).
            live = card if card is not None else score_entry(definition, entry)
            write_responses(responses, loaded, entry, live, language, t)
            write_statistics(statistics, loaded, entry, live, language)
        rows.append(
            SummaryRow(_light(entry), _light_card(card), progress, baseline is not None, analysis)
        )
    autofilter(responses, len(RESPONSES_COLUMNS))
    autofilter(statistics, len(STATISTICS_COLUMNS))
    if dimension_sheet is not None:
        _dimension_formatting(dimension_sheet, definition)
    write_summary(book, summary, definition, rows, framework)
    book.save(target)


def _dimension_formatting(writer: RowWriter, definition: Definition) -> None:
    last = writer.rows_written
    if last > 1:
        column = column_letter(dimensions.DIMENSIONS_INDEX_COLUMN)
        add_band_rules(writer, f"{column}2:{column}{last}", f"{column}2", definition.scoring.bands)
    autofilter(writer, len(dimensions.DIMENSIONS_COLUMNS))


def _light(entry: CountryEntry) -> CountryEntry:
    """The entry without its answers: the Summary needs only the country and its status."""
    return CountryEntry(
        entry.country, entry.submission_id, entry.status, entry.submitted_at, entry.validated_at
    )


def _light_card(card: Scorecard | None) -> Scorecard | None:
    """The scorecard without per-question scores and figures (only indices are summarised)."""
    if card is None:
        return None
    return Scorecard(
        card.definition_key,
        card.definition_version,
        card.scoring_version,
        (),
        card.areas,
        card.lines_of_action,
        card.overall,
        (),
    )
