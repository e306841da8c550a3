"""Pure workbook layout: sheet and column specifications, labels and the rows of each sheet.

Functional core: no Flask, no database, no openpyxl. The builders (scorecard.py, trends.py) feed
plain data in and append the rows this module returns. User-facing words are msgids marked with
`N_` and translated by the caller's `Translate` function (Flask-Babel under `force_locale`);
questionnaire wording comes from the definition in the chosen language.

Values are typed for the spreadsheet: numbers stay numbers (indices 0-100, scores 0-1, coverage
and percentage answers as fractions with a percent format), dates are `date`s, times are aware
`datetime`s (written as UTC).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from surveys.languages import DEFAULT_LANGUAGE, text_in
from surveys.locales import percent_of_hundred
from surveys.questionnaire.kinds.base import colon, is_number, number_text
from surveys.questionnaire.schema import Area, Definition, Question, localized
from surveys.rounds.submission_status import status_label as submission_status_label
from surveys.scoring.engine import (
    OVERALL,
    REASON_LABELS,
    STATUS_LABELS,
    Index,
    IndexStatus,
    QuestionScore,
    Reason,
    Scorecard,
)
from surveys.scoring.progress import CHANGE_STATUS_LABELS, ChangeStatus, IndexChange, Progress
from surveys.translatable import N_

Translate = Callable[[str], str]
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""msgid -> text in the workbook's language."""


def identity(message: str) -> str:
    return message


# --- Sheet names -------------------------------------------------------------------------------

SHEET_ABOUT = N_("About")
SHEET_SUMMARY = N_("Summary")
SHEET_RESPONSES = N_("Responses")
SHEET_STATISTICS = N_("Statistics")
SHEET_CODEBOOK = N_("Codebook")
SHEET_DATA_QUALITY = N_("Data quality")
SHEET_TRENDS_LONG = N_("Indices (long)")
SHEET_TRENDS_WIDE = N_("Indices (wide)")
SHEET_CHART = N_("Chart")

MAX_SHEET_TITLE = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED_SHEET_TITLES = frozenset({"history"})  # Excel keeps "History" for change tracking


class SheetNames:
    """Valid, unique sheet titles: 31 characters at most, none of []:*?/\\, no leading or
    trailing apostrophe, unique without regard to case (as Excel compares them)."""

    def __init__(self) -> None:
        self._taken: set[str] = set(_RESERVED_SHEET_TITLES)

    def unique(self, proposed: str) -> str:
        base = " ".join(_SHEET_FORBIDDEN.sub(" ", proposed).split()).strip("'").strip()
        base = base or "Sheet"
        candidate = _fit(base, "")
        number = 2
        while candidate.casefold() in self._taken:
            candidate = _fit(base, f" ({number})")
            number += 1
        self._taken.add(candidate.casefold())
        return candidate


def _fit(base: str, suffix: str) -> str:
    return base[: MAX_SHEET_TITLE - len(suffix)].rstrip(" '") + suffix


# --- Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    """A msgid, or text already in the workbook's language when `translated`."""
    width: float = 14
    style: str | None = None
    """The name of the cell style (see cells.STYLE_SPECS); None: General."""
    translated: bool = False


def headers(columns: Sequence[Column], t: Translate) -> list[str]:
    return [c.header if c.translated else t(c.header) for c in columns]


DATETIME_WIDTH = 18
"""Wide enough for "yyyy-mm-dd hh:mm" in Excel and LibreOffice (narrower prints "###")."""

RESPONSES_COLUMNS = (
    Column(N_("Round"), 8),
    Column(N_("Period"), 10),
    Column(N_("Questionnaire version"), 12),
    Column(N_("Country code"), 9),
    Column(N_("Country"), 22),
    Column(N_("Area id"), 12),
    Column(N_("Area"), 24),
    Column(N_("Line of action id"), 10),
    Column(N_("Line of action"), 24),
    Column(N_("Question id"), 22),
    Column(N_("Question"), 50),
    Column(N_("Answer value"), 18),
    Column(N_("Answer label"), 24),
    Column(N_("Score"), 8, "score"),
    Column(N_("Not applicable"), 10),
    Column(N_("Why no score"), 18),
    Column(N_("Comment"), 40),
    Column(N_("Last saved by"), 18),
    Column(N_("Last saved at"), DATETIME_WIDTH, "datetime"),
)
RESPONSES_VALUE_COLUMN = 11
"""The position of "Answer value": its style depends on the question type."""

# The Data quality sheet's titles are the analysts' page's (surveys.results.quality, which reads
# the database: the scorecard builder pairs them with these widths and styles).
DATA_QUALITY_LOOK = (
    (9, None),
    (22, None),
    (12, None),
    (28, None),
    (11, None),
    (22, None),
    (40, "wrap"),
    (24, "wrap"),
    (60, "wrap"),
    (40, "wrap"),
)

STATISTICS_COLUMNS = (
    Column(N_("Round"), 8),
    Column(N_("Period"), 10),
    Column(N_("Country code"), 9),
    Column(N_("Country"), 22),
    Column(N_("Question id"), 22),
    Column(N_("Table"), 30),
    Column(N_("Indicator id"), 16),
    Column(N_("Indicator"), 30),
    Column(N_("Year"), 8),
    Column(N_("Disaggregation id"), 12),
    Column(N_("Disaggregation"), 16),
    Column(N_("Value"), 12, "number"),
    Column(N_("Source"), 30),
    Column(N_("Definition"), 40),
    Column(N_("Period covered"), 14),
    Column(N_("Coverage"), 20),
)
STATISTICS_VALUE_COLUMN = 11
"""The position of "Value": its decimals follow the figure's."""

CODEBOOK_COLUMNS = (
    Column(N_("Question id"), 24),
    Column(N_("Area id"), 12),
    Column(N_("Area"), 24, "wrap"),
    Column(N_("Line of action"), 10),
    Column(N_("Type"), 16),
    Column(N_("Question"), 60, "wrap"),
    Column(N_("Options and scores"), 44, "wrap"),
    Column(N_("Weight"), 8, "number"),
    Column(N_("Required"), 10),
    Column(N_("Not applicable allowed"), 12),
    Column(N_("Shown if"), 30, "wrap"),
    Column(N_("Replaces"), 18),
    Column(N_("Scoring rule"), 48, "wrap"),
)
CODEBOOK_WEIGHT_COLUMN = 7
"""The position of "Weight": its decimals follow the weight's (0.125, as the pages write it)."""

COUNTRY_INDEX_COLUMNS = (
    Column(N_("Index"), 44, "wrap"),
    Column(N_("Key"), DATETIME_WIDTH),  # the status dates above the table are in this column
    Column(N_("Index (0-100)"), 12, "index"),
    Column(N_("Coverage"), 11, "share"),
    Column(N_("Band"), 12),
    Column(N_("Change since previous round"), 14, "change"),
    Column(N_("Note"), 40, "note"),
    Column(N_("Evidence coverage"), 11, "share"),
)
COUNTRY_QUESTION_COLUMNS = (
    Column(N_("Question"), 44, "wrap"),
    Column(N_("Question id"), 12),
    Column(N_("Area"), 12, "wrap"),
    Column(N_("Line of action"), 11),
    Column(N_("Answer"), 26, "wrap"),
    Column(N_("Score"), 11, "score"),
    Column(N_("Why no score"), 40, "wrap"),
    Column(N_("Comment"), 50, "wrap"),
    Column(N_("Evidence files"), 30, "wrap"),
)
"""The country sheet has two tables; their columns share widths (the wider of each pair)."""


def shared_widths(*tables: Sequence[Column]) -> tuple[float, ...]:
    """Column widths for tables stacked on one sheet: the widest of each position."""
    count = max(len(table) for table in tables)
    return tuple(max(table[i].width for table in tables if i < len(table)) for i in range(count))


COUNTRY_COLUMN_WIDTHS = shared_widths(COUNTRY_INDEX_COLUMNS, COUNTRY_QUESTION_COLUMNS)

TRENDS_LONG_COLUMNS = (
    Column(N_("Questionnaire version"), 12),
    Column(N_("Round"), 8),
    Column(N_("Period"), 10),
    Column(N_("Opens on"), 12, "date"),
    Column(N_("Country code"), 9),
    Column(N_("Country"), 22),
    Column(N_("Status"), 12),
    Column(N_("Key"), 12),
    Column(N_("Index"), 36),
    Column(N_("Index (0-100)"), 12, "index"),
    Column(N_("Coverage"), 11, "share"),
    Column(N_("Index status"), 18),
    Column(N_("Band"), 10),
    Column(N_("Change since previous round"), 14, "change"),
    Column(N_("Change status"), 18),
    Column(N_("Note"), 50),
    Column(N_("Evidence coverage"), 11, "share"),
)


# --- Labels ------------------------------------------------------------------------------------

OVERALL_LABEL = N_("Overall index")
YES = N_("Yes")
NO = N_("No")
REGIONAL_AVERAGE = N_("Regional average")
REGIONAL_MEDIAN = N_("Regional median")
STATISTICS_ANSWER = N_("See the Statistics sheet")
NO_PREVIOUS_ROUND = N_("No previous round")
NOT_COMPARABLE_NOTE = N_(
    "Not comparable with the previous round: only %(share)s of this index's weight is "
    "common to both questionnaire versions."
)
NO_NUMBER_NOTE = N_("No change: one of the two rounds has no number for this index.")
REGRESSION_NOTE = N_("Regression: the index fell by more than %(points)s points.")


def status_label(status: str | None, t: Translate) -> str:
    return t(submission_status_label(status))


def band_label(definition: Definition, band: str | None, language: str) -> str | None:
    if band is None:
        return None
    found = next((b for b in definition.scoring.bands if b.key == band), None)
    return localized(found.label, language) if found else band


def percent_text(share: Decimal | float, language: str) -> str:
    return percent_of_hundred(round(Decimal(str(share)) * 100, 1), language)


# --- Answers -----------------------------------------------------------------------------------


def answer_value(question: Question, value: object) -> object:
    """The answer as a typed cell value, as its kind writes it: numbers stay numbers (a
    percentage as a fraction, shown with a percent format), dates become dates, choices their
    stable option values (several joined with "; " in option order), text stays text.
    Statistics tables are written out in the Statistics sheet, not here."""
    return None if value is None else question.kind.cell(question, value)


EXACT_STYLES = ("number", "percent")
"""Cell styles that come with an exact number of decimals (surveys.export.cells)."""
MAX_DECIMALS = 10


def exact_style(name: str, decimals: int) -> str:
    """Style `name` ("number" or "percent") with exactly `decimals` decimals: "number.3"."""
    return f"{name}.{max(0, min(decimals, MAX_DECIMALS))}"


def answer_style(question: Question, value: object = None) -> str | None:
    """The number format of the answer's cell (integer, number, percent, date), if any; a
    decimal or a percentage shows exactly the decimals of `value`, as the pages write it
    (0.125 and 89.95%, not 0.13 and 90.0%)."""
    style = question.kind.cell_format
    if style in EXACT_STYLES and is_number(value):
        return exact_style(style, decimals_of(value))
    return style


def decimals_of(value: object) -> int:
    """How many decimals a number has as written (89.95: 2, 12.0: 0, 1e-7: 7)."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def figure_style(value: object) -> str:
    """The style of a statistics figure's cell: every decimal it has, as the pages show it."""
    return (
        exact_style("number", decimals_of(value))
        if is_number(value) or isinstance(value, Decimal)
        else "number"
    )


def answer_label(question: Question, value: object, language: str) -> str | None:
    """The answer in words in `language` for a choice (its kind's one rule), else None."""
    if value is None or not question.kind.choice:
        return None
    return question.kind.text(question, value, language, identity) or None


def answer_shown(question: Question, value: object, language: str, t: Translate) -> object:
    """What a country sheet shows in its Answer column: the label, else the typed value."""
    if question.statistics is not None:
        return t(STATISTICS_ANSWER) if value else None
    label = answer_label(question, value, language)
    return label if label is not None else answer_value(question, value)


# --- Plain inputs (produced by queries.py) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerRow:
    question_id: str
    value: object
    not_applicable: bool = False
    na_justification: str = ""
    comment: str = ""
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class CountryInfo:
    id: int
    iso2: str
    iso3: str
    # Its name per language code, as the countries table holds it.
    names: Mapping[str, str] = field(default_factory=dict, hash=False)

    def name(self, language: str) -> str:
        return text_in(self.names, language)


@dataclass
class CountryEntry:
    """A participating country in a round, with its submission (if any) and answers."""

    country: CountryInfo
    submission_id: int | None = None
    status: str | None = None
    submitted_at: datetime | None = None
    validated_at: datetime | None = None
    answers: list[AnswerRow] = field(default_factory=list)
    evidence: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Question id -> evidence file names."""


@dataclass(frozen=True)
class RoundInfo:
    id: int
    period: str
    questionnaire_key: str
    version: int
    sha256: str
    opens_at: datetime
    closes_at: datetime


# --- Indices -----------------------------------------------------------------------------------


def index_value(index: Index | None) -> float | None:
    return None if index is None or index.value is None else float(index.value)


def index_shown(index: Index | None, t: Translate) -> object:
    """The index as a number, or the words for why it has none."""
    if index is None:
        return None
    if index.value is not None:
        return float(index.value)
    return t(STATUS_LABELS[index.status])


def coverage_value(index: Index | None) -> float | None:
    return None if index is None or index.coverage is None else float(index.coverage)


def change_value(change: IndexChange | None) -> float | None:
    if change is None or change.change is None:
        return None
    return float(change.change)


NOT_OF_RECORD = N_("No published index: not submitted")
"""The note of a country whose submission is not submitted or validated (or not started)."""


def change_note(
    change: IndexChange | None,
    has_previous: bool,
    definition: Definition,
    t: Translate,
    language: str = DEFAULT_LANGUAGE,
) -> str | None:
    """Why a change has no number, or that it is a regression; None when nothing to say."""
    if not has_previous:
        return t(NO_PREVIOUS_ROUND)
    if change is None:
        return None
    if change.status is ChangeStatus.NOT_COMPARABLE:
        share = change.comparable_share or Decimal(0)
        return t(NOT_COMPARABLE_NOTE) % {"share": percent_of_hundred(round(share * 100), language)}
    if change.status is ChangeStatus.NO_NUMBER:
        return t(NO_NUMBER_NOTE)
    if change.regression:
        points = number_text(definition.scoring.regression_threshold, language)
        return t(REGRESSION_NOTE) % {"points": points}
    return None


def change_status_label(change: IndexChange | None, t: Translate) -> str | None:
    return None if change is None else t(CHANGE_STATUS_LABELS[change.status])


@dataclass(frozen=True)
class IndexLine:
    """One index of a scorecard with its label, for the country and trends sheets."""

    key: str
    label: str
    index: Index | None
    change: IndexChange | None
    kind: str
    """"overall", "area", "line_of_action" or "dimension"."""
    evidence: Decimal | None = None
    """Evidence coverage of the index, when known (see surveys.scoring.dimensions)."""


def index_lines(
    definition: Definition,
    scorecard: Scorecard | None,
    progress: Progress | None,
    language: str,
    t: Translate,
) -> list[IndexLine]:
    """Overall, then each area, then each line of action, in definition order."""
    titles = {loa.id: localized(loa.title, language) for loa in definition.lines_of_action}
    lines = [
        IndexLine(
            OVERALL,
            t(OVERALL_LABEL),
            scorecard.overall if scorecard else None,
            progress.overall if progress else None,
            "overall",
        )
    ]
    for area in definition.areas:
        lines.append(
            IndexLine(
                area.id,
                localized(area.title, language),
                scorecard.area(area.id) if scorecard else None,
                progress.index(area.id) if progress else None,
                "area",
            )
        )
    loa_ids = [i.key for i in scorecard.lines_of_action] if scorecard else list(titles)
    for key in loa_ids:
        lines.append(
            IndexLine(
                key,
                f"{key} – {titles[key]}" if key in titles else key,
                scorecard.line_of_action(key) if scorecard else None,
                progress.index(key) if progress else None,
                "line_of_action",
            )
        )
    return lines


# --- Sheet rows --------------------------------------------------------------------------------


def reason_label(score: QuestionScore | None, t: Translate) -> str | None:
    if score is None or score.reason is None:
        return None
    return t(REASON_LABELS[score.reason])


def score_value(score: QuestionScore | None) -> float | None:
    return None if score is None or score.score is None else float(score.score)


def why_no_score(score: QuestionScore | None, answer: AnswerRow | None, t: Translate) -> str | None:
    """The reason a question has no score, with the respondent's "not applicable" justification."""
    text = reason_label(score, t)
    if (
        text is not None
        and score is not None
        and score.reason is Reason.NOT_APPLICABLE
        and answer is not None
        and answer.na_justification
    ):
        return f"{text}{colon(t)}{answer.na_justification}"
    return text


def ordered_answers(
    definition: Definition, answers: Iterable[AnswerRow]
) -> Iterator[tuple[Area, Question, AnswerRow | None]]:
    """Every question in definition order with its answer (None when there is none)."""
    by_id = {a.question_id: a for a in answers}
    for area, question in definition.questions():
        yield area, question, by_id.get(question.id)


def line_of_action_of(area: Area, question: Question) -> str:
    return question.line_of_action or area.line_of_action


def responses_rows(
    round_: RoundInfo,
    entry: CountryEntry,
    definition: Definition,
    scorecard: Scorecard | None,
    language: str,
    t: Translate,
) -> Iterator[tuple[list[object], str | None]]:
    """The tidy rows of one country: (values, style of the answer-value cell)."""
    country = entry.country
    name = country.name(language)
    yes, no = t(YES), t(NO)
    loa_titles = {loa.id: localized(loa.title, language) for loa in definition.lines_of_action}
    scores = {q.question_id: q for q in scorecard.questions} if scorecard else {}
    area_titles: dict[str, str] = {}
    for area, question, answer in ordered_answers(definition, entry.answers):
        area_title = area_titles.get(area.id)
        if area_title is None:
            area_title = area_titles[area.id] = localized(area.title, language)
        loa = line_of_action_of(area, question)
        score = scores.get(question.id)
        value = None if answer is None or answer.not_applicable else answer.value
        yield (
            [
                round_.id,
                round_.period,
                round_.version,
                country.iso2,
                name,
                area.id,
                area_title,
                loa or None,
                loa_titles.get(loa) if loa else None,
                question.id,
                localized(question.text, language),
                answer_value(question, value),
                t(STATISTICS_ANSWER)
                if question.statistics is not None and value
                else answer_label(question, value, language),
                score_value(score),
                (yes if answer.not_applicable else no) if answer is not None else None,
                why_no_score(score, answer, t),
                (answer.comment or None) if answer is not None else None,
                answer.updated_by if answer is not None else None,
                answer.updated_at if answer is not None else None,
            ],
            answer_style(question, value),
        )


def statistics_rows(
    round_: RoundInfo,
    entry: CountryEntry,
    definition: Definition,
    scorecard: Scorecard | None,
    language: str,
) -> Iterator[list[object]]:
    """The figures of one country's statistics tables, one row per cell reported."""
    if scorecard is None:
        return
    country = entry.country
    name = country.name(language)
    tables: dict[str, tuple[str, dict, dict, dict]] = {}
    for figure in scorecard.figures:
        found = tables.get(figure.question_id)
        if found is None:
            question = definition.question(figure.question_id)
            table = question.statistics if question else None
            rows = {r.id: r for r in table.rows} if table else {}
            columns = {c.id: c for c in table.columns} if table else {}
            title = localized(question.text, language) if question else figure.question_id
            found = tables[figure.question_id] = (title, rows, columns, {})
        title, rows, columns, _ = found
        row = rows.get(figure.row)
        column = columns.get(figure.column)
        yield [
            round_.id,
            round_.period,
            country.iso2,
            name,
            figure.question_id,
            title,
            figure.row,
            localized(row.label, language) if row else figure.row,
            figure.year,
            figure.column,
            localized(column.label, language) if column else figure.column,
            figure.value,
            figure.source or None,
            figure.definition
            or (localized(row.definition, language) if row and row.definition else None),
            figure.period or None,
            figure.coverage or None,
        ]


def options_text(question: Question, language: str) -> str | None:
    """What can be answered: one line per option (value = label (score)), or a table's rows,
    columns and years."""
    return question.kind.options_text(question, language)


RULE_UNSCORED = N_("Not scored.")
RULE_NA = N_("“Not applicable” takes the question out of the index.")
RULE_HIDDEN = N_("Not scored when hidden by its condition.")
RULE_WEIGHT_ZERO = N_("Weight 0: collected and shown, never scored.")
RULE_DONT_KNOW = N_("“%(option)s” is not scored and counts against coverage.")
RULE_EXCLUSIVE = N_("“%(option)s” is chosen on its own.")


def scoring_rule(question: Question, t: Translate, language: str = DEFAULT_LANGUAGE) -> str:
    """How the question scores, in words."""
    if question.weight == 0:
        return " ".join([t(RULE_WEIGHT_ZERO), *_option_notes(question, t, language, False)])
    rule = question.kind.rule_words(question, t, language)
    if rule is None:
        return " ".join([t(RULE_UNSCORED), *_option_notes(question, t, language, False)])
    extras = [rule, *_option_notes(question, t, language, True)]
    if question.allow_na:
        extras.append(t(RULE_NA))
    if question.show_if:
        extras.append(t(RULE_HIDDEN))
    return " ".join(extras)


def _option_notes(question: Question, t: Translate, language: str, scored: bool) -> list[str]:
    """What the exclusive and "don't know" options of a question do, in words."""
    notes = []
    for option in question.options:
        label = localized(option.label, language)
        if option.dont_know and scored:
            notes.append(t(RULE_DONT_KNOW) % {"option": label})
        if option.exclusive:
            notes.append(t(RULE_EXCLUSIVE) % {"option": label})
    return notes


def codebook_rows(definition: Definition, language: str, t: Translate) -> Iterator[list[object]]:
    yes, no = t(YES), t(NO)
    for area, question in definition.questions():
        yield [
            question.id,
            area.id,
            localized(area.title, language),
            line_of_action_of(area, question) or None,
            t(question.kind.label),
            localized(question.text, language),
            options_text(question, language),
            question.weight,
            yes if question.required else no,
            yes if question.allow_na else no,
            question.show_if,
            question.replaces,
            scoring_rule(question, t, language),
        ]


# --- About sheet -------------------------------------------------------------------------------

ABOUT_TITLE = N_("Scorecard of the Niamey monitoring mechanism")
TRENDS_TITLE = N_("Trends of the Niamey monitoring mechanism")
ABOUT_KEY = N_("Questionnaire key")
ABOUT_VERSION = N_("Version")
ABOUT_HASH = N_("Definition hash (SHA-256)")
ABOUT_ROUND = N_("Round")
ABOUT_PERIOD = N_("Period")
ABOUT_OPENS = N_("Opens")
ABOUT_CLOSES = N_("Closes")
ABOUT_GENERATED = N_("Generated at (UTC)")
ABOUT_SCORING_VERSION = N_("Scoring rules version")
ABOUT_COUNTRIES = N_("Countries included")
ABOUT_LANGUAGE = N_("Language")
ABOUT_HOW = N_("How to read the scores")
ABOUT_BANDS = N_("Bands")
ABOUT_BAND_RANGE = N_("%(low)s to below %(high)s")
ABOUT_BAND_FROM = N_("%(low)s and above")
ABOUT_TIMES = N_("All times are in UTC.")
ABOUT_NOTES = (
    N_(
        "Each question scores between 0 and 1. An index (0-100) is 100 times the weighted "
        "mean of the scores of its questions; the overall index is the weighted mean of the "
        "area indices."
    ),
    N_(
        "Coverage is the answered share of the weight that can be scored. “Not applicable” "
        "and questions hidden by a condition leave the denominator; they are not zero."
    ),
    N_(
        "An index whose coverage is below %(threshold)s shows “Insufficient information” "
        "instead of a number."
    ),
    N_(
        "The change since the previous round is computed over the questions common to both "
        "rounds; it is “Not comparable” when less than %(share)s of the weight is common."
    ),
    N_(
        "Indices of submissions that are not yet validated are provisional. Regional average "
        "and median are over the submitted and validated countries with a number."
    ),
)
ABOUT_SCORECARD_SOURCE = N_(
    "Indices are computed from the answers in this workbook; the change since the previous "
    "round compares with that round's stored scorecard."
)
ABOUT_TRENDS_SOURCE = N_(
    "Indices are the scorecards stored when each submission was submitted, validated or its "
    "round closed; a submission without one is scored from its answers."
)
ABOUT_SHEETS = N_("Sheets")
ABOUT_SHEET_NOTES: Mapping[str, str] = {
    SHEET_SUMMARY: N_("One row per country: status, indices, coverage, band and change."),
    SHEET_RESPONSES: N_("Every answer, one row per country and question, ready for pivot tables."),
    SHEET_STATISTICS: N_("Every figure of the statistics tables, one row per cell."),
    SHEET_CODEBOOK: N_("Every question with its type, options, weight, condition and rule."),
    SHEET_DATA_QUALITY: N_(
        "Every validation rule each country's answers break, with the country's explanation; "
        "plausibility rows are figures far from the country's previous round."
    ),
    SHEET_TRENDS_LONG: N_("Every index of every country in every round, one row each."),
    SHEET_TRENDS_WIDE: N_("One row per country and index, one column per round."),
    SHEET_CHART: N_("The overall index of each country across rounds."),
}
COUNTRY_SHEETS_NOTE = N_("One sheet per country: indices, then every question with its answer.")


def about_rows(
    definition: Definition,
    round_: RoundInfo | None,
    countries: Sequence[CountryInfo],
    generated_at: datetime,
    language: str,
    t: Translate,
    scoring_version: str,
    rounds: Sequence[RoundInfo] = (),
    sheet_notes: Sequence[tuple[str, str]] = (),
) -> Iterator[tuple[list[object], tuple[str | None, ...]]]:
    """(values, styles) of the About sheet, top to bottom."""
    label_value = ("label", "wrap")
    title = t(ABOUT_TITLE if round_ else TRENDS_TITLE)
    yield [title], ("title",)
    yield [localized(definition.title, language)], ("subtitle",)
    yield [], ()
    yield [t(ABOUT_KEY), definition.key], label_value
    if round_ is not None:
        yield [t(ABOUT_VERSION), round_.version], ("label", None)
        yield [t(ABOUT_HASH), round_.sha256], label_value
        yield [t(ABOUT_ROUND), round_.id], ("label", None)
        yield [t(ABOUT_PERIOD), round_.period], label_value
        yield [t(ABOUT_OPENS), round_.opens_at], ("label", "datetime")
        yield [t(ABOUT_CLOSES), round_.closes_at], ("label", "datetime")
    for other in rounds:
        yield (
            [
                t(ABOUT_ROUND),
                f"{other.period} (#{other.id}, v{other.version}, {other.sha256[:12]})",
            ],
            label_value,
        )
    yield [t(ABOUT_GENERATED), generated_at], ("label", "datetime")
    yield [t(ABOUT_SCORING_VERSION), scoring_version], label_value
    yield [t(ABOUT_LANGUAGE), language], label_value
    names = ", ".join(f"{c.name(language)} ({c.iso2})" for c in countries)
    yield [t(ABOUT_COUNTRIES), len(countries)], ("label", None)
    yield [None, names], (None, "wrap")
    yield [], ()
    yield [t(ABOUT_HOW)], ("subtitle",)
    settings = definition.scoring
    params = {
        "threshold": percent_text(settings.coverage_threshold, language),
        "share": percent_text(settings.comparability_threshold, language),
    }
    for note in ABOUT_NOTES:
        text = t(note)
        yield [None, text % params if "%(" in note else text], (None, "wrap")
    source = ABOUT_SCORECARD_SOURCE if round_ is not None else ABOUT_TRENDS_SOURCE
    yield [None, t(source)], (None, "wrap")
    yield [], ()
    yield [t(ABOUT_BANDS)], ("subtitle",)
    bands = sorted(settings.bands, key=lambda b: b.min)
    for position, band in enumerate(bands):
        if position + 1 < len(bands):
            text = t(ABOUT_BAND_RANGE) % {
                "low": number_text(band.min, language),
                "high": number_text(bands[position + 1].min, language),
            }
        else:
            text = t(ABOUT_BAND_FROM) % {"low": number_text(band.min, language)}
        yield [localized(band.label, language), text], (f"band:{band.key}", "wrap")
    yield [], ()
    yield [None, t(ABOUT_TIMES)], (None, "note")
    if sheet_notes:
        yield [], ()
        yield [t(ABOUT_SHEETS)], ("subtitle",)
        for name, note in sheet_notes:
            yield [name, note], ("label", "wrap")


HEX_COLOUR = re.compile(r"^#?([0-9A-Fa-f]{6})$")


def band_colour(colour: str, default: str = "BFBFBF") -> str:
    """The band's colour as Excel's RRGGBB, or a neutral grey for anything that is not one."""
    found = HEX_COLOUR.match(colour or "")
    return found.group(1).upper() if found else default


def is_scored_index(index: Index | None) -> bool:
    return index is not None and index.status is IndexStatus.SCORED
