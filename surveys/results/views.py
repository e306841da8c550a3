"""Results pages for analysts and coordinators: round overview, country history, area comparison,
and the answers behind each score."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select

from surveys.access import allow
from surveys.collation import sort_key
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.i18n import gettext as _
from surveys.i18n import make_translate
from surveys.inputs import parse_id
from surveys.languages import list_separator
from surveys.questionnaire.framework import Framework
from surveys.questionnaire.frameworks import framework_for
from surveys.questionnaire.schema import localized
from surveys.results import display
from surveys.results.charts import (
    Bar,
    GapBar,
    HeatCell,
    bar_chart_svg,
    gap_chart_svg,
    heatmap_svg,
    small_multiple_svg,
    swatch_svg,
)
from surveys.results.dashboards import (
    SORT_FIXED,
    CountryRow,
    RoundOverview,
    add_progress,
    band_of,
    country_history,
    round_overview,
    rounds_with_results,
    sort_rows,
    submission_scores,
)
from surveys.results.dimensions import DimensionOverview, dimension_overview
from surveys.results.quality import DATA_QUALITY_HEADERS, data_quality_values, round_quality
from surveys.roles import Role
from surveys.rounds.models import Round
from surveys.rounds.submission_status import is_counted
from surveys.scoring import OVERALL, SCORING_VERSION, Index, IndexStatus
from surveys.scoring.aggregates import EMPTY, INSUFFICIENT
from surveys.scoring.dimensions import analyse, plan_analysis

bp = Blueprint("results", __name__, template_folder="templates")

READERS = (Role.ANALYST, Role.COORDINATOR, Role.ADMIN)


@bp.context_processor
def _helpers() -> dict:
    return {
        "fmt": display,
        "swatch": swatch_svg,
        "OVERALL": OVERALL,
        "scoring_version": SCORING_VERSION,
        "loc": lambda text: localized(text, display.language()) if text else "",
    }


def _band_color(definition, index: Index | None) -> str | None:
    if index is None or index.status is not IndexStatus.SCORED:
        return None
    band = band_of(definition, index.band)
    return band.color if band else None


@bp.get("/")
@allow(*READERS)
def index():
    countries = db.session.scalars(select(Country).order_by(Country.sort_name())).all()
    lang = display.language()
    countries = sorted(countries, key=lambda c: sort_key(c.name(lang)))
    return render_template("results/index.html", rounds=rounds_with_results(), countries=countries)


# --- Round overview ------------------------------------------------------------------------------

ROWS_PER_PAGE = 50  # countries per page of the overview (a round may have 200)


@dataclass(frozen=True)
class RowPage:
    """One page of the overview's sorted rows (what templates/_pagination.html reads)."""

    items: list
    page: int
    pages: int
    total: int
    first: int  # the position of the page's first row, from 1

    @classmethod
    def of(cls, rows: list, page: int, per_page: int) -> RowPage:
        pages = max(1, -(-len(rows) // per_page))
        page = min(max(1, page), pages)
        start = (page - 1) * per_page
        return cls(rows[start : start + per_page], page, pages, len(rows), start + 1)

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _sort_choice(overview: RoundOverview) -> tuple[str, bool]:
    sort = request.args.get("sort", "overall")
    area_keys = {f"area:{a.id}" for a in overview.definition.areas}
    if sort not in SORT_FIXED and sort not in area_keys:
        sort = "overall"
    default_descending = sort not in ("country", "status")
    direction = request.args.get("dir")
    descending = default_descending if direction not in ("asc", "desc") else direction == "desc"
    return sort, descending


def _sort_link(round_id: int, column: str, current: str, descending: bool) -> dict:
    """The header link of a sortable column: toggles the direction when already sorted by it."""
    if column == current:
        next_dir = "asc" if descending else "desc"
        state = "descending" if descending else "ascending"
    else:
        next_dir = "asc" if column in ("country", "status") else "desc"
        state = None
    return {
        "url": url_for("results.round_overview", round_id=round_id, sort=column, dir=next_dir),
        "aria_sort": state,
    }


def _heatmap(overview: RoundOverview, rows: list[CountryRow], lang: str):
    definition = overview.definition
    names = [localized(a.title, lang) for a in definition.areas] + [_("Overall")]
    columns = [key for key, _name in area_keys(definition, lang)]
    keys = [a.id for a in definition.areas] + [OVERALL]
    cells = []
    for row in rows:
        line = []
        for key in keys:
            index = row.index(key)
            if row.scorecard is None:  # not submitted: a dash, as in the table, not a blank row
                line.append(HeatCell("—", "#ffffff"))
            elif index is None or index.status is not IndexStatus.SCORED:
                line.append(HeatCell(_("insufficient"), None))
            else:
                line.append(
                    HeatCell(display.index_number(index.value), _band_color(definition, index))
                )
        cells.append(line)
    return heatmap_svg(
        [row.country.name(lang) for row in rows],
        columns,
        cells,
        _("Indices by country and area"),
        _(
            "Heatmap of each country's index per area and overall, coloured by band; hatched "
            "cells have insufficient information. The same figures are in the table below."
        ),
        column_names=names,
    )


def area_keys(definition, lang: str) -> list[tuple[str, str]]:
    """(short key, full name) of each area and the overall index: the heatmap's columns and
    the table's area columns are headed by the key and explained by one key list."""
    return [
        (str(number), localized(area.title, lang))
        for number, area in enumerate(definition.areas, start=1)
    ] + [(_("All"), _("Overall"))]


@bp.get("/rounds/<int:round_id>", endpoint="round_overview")
@allow(*READERS)
def round_overview_page(round_id: int):
    overview = round_overview(round_id, indices_only=True)
    if overview is None:
        abort(404)
    lang = display.language()
    sort, descending = _sort_choice(overview)
    if sort == "change":  # every row's change is needed to order them
        add_progress(overview, overview.rows)
    ordered = sort_rows(overview.rows, sort, descending, lang)
    page = RowPage.of(ordered, parse_id(request.args.get("page")) or 1, ROWS_PER_PAGE)
    rows = page.items
    if sort != "change":
        add_progress(overview, rows)
    columns = ["country", "status", "overall", "coverage", "change"] + [
        f"area:{a.id}" for a in overview.definition.areas
    ]
    links = {c: _sort_link(round_id, c, sort, descending) for c in columns}
    return render_template(
        "results/round.html",
        overview=overview,
        definition=overview.definition,
        rows=rows,
        links=links,
        sort=sort,
        descending=descending,
        page=page,
        page_filters={"sort": sort, "dir": "desc" if descending else "asc"},
        heatmap=_heatmap(overview, rows, lang),
        area_keys=area_keys(overview.definition, lang),
        band_color=lambda index: _band_color(overview.definition, index),
        band_label=lambda key: _band_label(overview.definition, key, lang),
        band_keys=[b.key for b in overview.definition.scoring.bands],
        INSUFFICIENT=INSUFFICIENT,
        EMPTY=EMPTY,
        lang=lang,
    )


@bp.get("/rounds/<int:round_id>/data-quality", endpoint="data_quality")
@allow(*READERS)
def data_quality_page(round_id: int):
    """Every validation rule the round's answers break, per country and per rule, with the
    outliers against each country's previous round: the rows of the scorecard's Data quality
    sheet."""
    overview_round = db.session.get(Round, round_id)
    if overview_round is None:
        abort(404)
    lang = display.language()
    translate = make_translate(lang)
    quality = round_quality(round_id, lang, translate)
    return render_template(
        "results/data_quality.html",
        round=overview_round,
        quality=quality,
        headers=[translate(header) for header in DATA_QUALITY_HEADERS],
        rows=[data_quality_values(row, translate) for row in quality.rows],
        outliers=sum(1 for row in quality.rows if row.is_outlier),
        severity_label=lambda severity: _("Error") if severity == "error" else _("Warning"),
    )


def _band_label(definition, key: str | None, lang: str) -> str:
    band = band_of(definition, key)
    return localized(band.label, lang) if band else ""


# --- Area comparison -----------------------------------------------------------------------------


@bp.get("/rounds/<int:round_id>/areas/<area_id>")
@allow(*READERS)
def area_comparison(round_id: int, area_id: str):
    overview = round_overview(round_id)
    if overview is None:
        abort(404)
    definition = overview.definition
    area = definition.area(area_id)
    if area is None:
        abort(404)
    lang = display.language()
    scored = [row for row in overview.rows if row.scorecard is not None]
    rows = sort_rows(scored, f"area:{area_id}", True, lang)
    bars = [
        Bar(
            row.country.name(lang),
            float(index.value) if index and index.value is not None else None,
            display.index_text(index),
            _band_color(definition, index),
        )
        for row in rows
        for index in [row.index(area_id)]
    ]
    title = localized(area.title, lang)
    chart = bar_chart_svg(
        bars,
        _("%(area)s: index by country", area=title),
        _(
            "Bar chart of each country's index for this area on a scale of 0 to 100. "
            "The same figures are in the table below."
        ),
    )
    return render_template(
        "results/area.html",
        overview=overview,
        definition=definition,
        area=area,
        area_title=title,
        rows=rows,
        chart=chart,
        summary=overview.aggregates.index(area_id),
        band_color=lambda index: _band_color(definition, index),
        band_label=lambda key: _band_label(definition, key, lang),
        lang=lang,
    )


# --- Country page --------------------------------------------------------------------------------


@bp.get("/countries/<int:country_id>")
@allow(*READERS)
def country_page(country_id: int):
    country = db.session.get(Country, country_id)
    if country is None:
        abort(404)
    lang = display.language()
    histories = country_history(country_id)
    charts = []
    for history in histories:
        definitions = [r.round.version.definition for r in reversed(history.rounds)]
        labels = [r.round.period_label for r in history.rounds]
        lines = [
            (
                _area_title(definitions, area_id, lang),
                [r.scorecard.area(area_id) for r in history.rounds],
            )
            for area_id in history.area_ids
        ] + [(_("Overall"), [r.scorecard.overall for r in history.rounds])]
        charts.append(
            [
                (
                    name,
                    small_multiple_svg(
                        labels,
                        [_float(index) for index in indices],
                        [display.index_text(index) if index else "" for index in indices],
                        _("%(name)s across rounds", name=name),
                        _history_description(labels, indices, lang),
                    ),
                )
                for name, indices in lines
            ]
        )
    frameworks = {history.key: framework_for(history.key) for history in histories}
    analyses = {
        entry.submission.id: analyse(
            entry.round.version.definition, entry.scorecard, frameworks[history.key]
        )
        for history in histories
        for entry in history.rounds
    }
    return render_template(
        "results/country.html",
        country=country,
        histories=list(zip(histories, charts, strict=True)),
        frameworks=frameworks,
        analyses=analyses,
        value_label=lambda framework, key: _value_label(framework, key, lang),
        area_title=lambda history, area_id: _area_title(
            [r.round.version.definition for r in reversed(history.rounds)], area_id, lang
        ),
        band_color_for=lambda definition: lambda index: _band_color(definition, index),
        band_label_for=lambda definition: lambda key: _band_label(definition, key, lang),
        lang=lang,
    )


def _history_description(labels: list[str], indices: list, lang: str) -> str:
    """The panel's figures in words, for screen readers: "2025-H2: 84.21; 2026-H2: 82.50"."""
    return list_separator(lang).join(
        _("%(label)s: %(value)s", label=label, value=display.index_text(index) if index else "—")
        for label, index in zip(labels, indices, strict=True)
    )


def _float(index: Index | None) -> float | None:
    return float(index.value) if index is not None and index.value is not None else None


def _area_title(definitions, area_id: str, lang: str) -> str:
    for definition in definitions:
        area = definition.area(area_id)
        if area is not None:
            return localized(area.title, lang)
    return area_id


# --- The answers behind a score ------------------------------------------------------------------


@bp.get("/submissions/<int:submission_id>")
@allow(*READERS)
def submission_answers(submission_id: int):
    return _answers_page(submission_id, None)


@bp.get("/submissions/<int:submission_id>/areas/<area_id>")
@allow(*READERS)
def area_answers(submission_id: int, area_id: str):
    return _answers_page(submission_id, area_id)


def _published_scores(submission_id: int):
    """The submission's scores, when it is submitted or validated (else 404): a draft or a
    returned submission is the country's work in progress, which results show nowhere (the
    round's overview, the API and the workbooks leave it out alike)."""
    scores = submission_scores(submission_id)
    if scores is None or not is_counted(scores.submission.status):
        abort(404)
    return scores


def _answers_page(submission_id: int, area_id: str | None):
    scores = _published_scores(submission_id)
    definition = scores.definition
    areas = list(definition.areas)
    if area_id is not None:
        areas = [a for a in areas if a.id == area_id]
        if not areas:
            abort(404)
    lang = display.language()
    sections = [_area_section(scores, area, lang) for area in areas]
    return render_template(
        "results/answers.html",
        scores=scores,
        submission=scores.submission,
        definition=definition,
        sections=sections,
        single_area=area_id is not None,
        band_label=lambda key: _band_label(definition, key, lang),
        band_color=lambda index: _band_color(definition, index),
        lang=lang,
    )


def _area_section(scores, area, lang: str) -> dict:
    card = scores.scorecard
    rows = []
    weighted = answered = 0
    for question in area.questions:
        result = card.question(question.id)
        response = scores.responses.get(question.id)
        if result is not None and result.score is not None:
            weighted += result.weight * result.score
            answered += result.weight
        rows.append(
            {
                "question": question,
                "text": localized(question.text, lang),
                "answer": display.answer_text(question, response, lang),
                "result": result,
                "figures": [f for f in card.figures if f.question_id == question.id],
                "statistics": question.statistics,
            }
        )
    return {
        "area": area,
        "title": localized(area.title, lang),
        "index": card.area(area.id),
        "rows": rows,
        "weighted": weighted,
        "answered": answered,
    }


# --- Dimensions ----------------------------------------------------------------------------------


def _value_label(framework: Framework | None, key: str, lang: str) -> str:
    """ "Pillar: Law" for "pillar:law"."""
    if framework is None:
        return key
    dimension, value = framework.label(key, lang)
    return _("%(dimension)s: %(value)s", dimension=dimension, value=value)


def _dimension_heatmap(overview: DimensionOverview, lang: str):
    definition = overview.definition
    framework = overview.framework
    assert framework is not None
    keys = list(framework.value_keys())
    rows = overview.rows
    cells = []
    for row in rows:
        line = []
        for key in keys:
            index = row.index(key)
            if row.analysis is None:
                line.append(HeatCell("—", "#ffffff"))
            elif index is None or index.status is IndexStatus.EMPTY:
                line.append(HeatCell("—", None))
            elif index.status is not IndexStatus.SCORED:
                line.append(
                    HeatCell(_("insufficient"), None, display.coverage_text(index.coverage))
                )
            else:
                line.append(
                    HeatCell(
                        display.index_number(index.value),
                        _band_color(definition, index),
                        display.coverage_text(index.coverage),
                    )
                )
        cells.append(line)
    names = [_value_label(framework, key, lang) for key in keys]
    return heatmap_svg(
        [row.row.country.name(lang) for row in rows],
        [str(number) for number in range(1, len(keys) + 1)],
        cells,
        _("Indices by country and dimension"),
        _(
            "Heatmap of each country's index per dimension value, coloured by band, with its "
            "coverage under the number; hatched cells have insufficient information. The same "
            "figures are in the table below."
        ),
        column_names=names,
    )


def dimension_keys(overview: DimensionOverview, lang: str) -> list[tuple[str, str]]:
    """The dimension heatmap's column keys and the value each stands for."""
    keys = list(overview.framework.value_keys()) if overview.framework else []
    return [
        (str(number), _value_label(overview.framework, key, lang))
        for number, key in enumerate(keys, start=1)
    ]


def _gap_chart(overview: DimensionOverview, gap, lang: str):
    framework = overview.framework
    assert framework is not None
    minuend = framework.label(gap.minuend_key, lang)[1]
    subtrahend = framework.label(gap.subtrahend_key, lang)[1]
    bars = []
    for row in overview.gap_rows(gap):
        result = row.gap(gap.id)
        detail = _(
            "%(minuend)s %(a)s · %(subtrahend)s %(b)s",
            minuend=minuend,
            a=display.index_number(result.minuend.value),
            subtrahend=subtrahend,
            b=display.index_number(result.subtrahend.value),
        )
        bars.append(
            GapBar(
                row.row.country.name(lang),
                float(result.value),
                display.change_number(result.value),
                detail,
            )
        )
    label = localized(gap.label, lang)
    return gap_chart_svg(
        bars,
        _("%(gap)s by country", gap=label),
        _(
            "Bar chart of each country's %(gap)s in index points, largest first: bars to the "
            "right of zero where the first index is higher, to the left where it is lower. "
            "Under each country, the two indices the gap is the difference of. The same figures "
            "are in the table below.",
            gap=label,
        ),
    )


@bp.get("/rounds/<int:round_id>/dimensions", endpoint="round_dimensions")
@allow(*READERS)
def round_dimensions(round_id: int):
    overview = dimension_overview(round_id)
    if overview is None:
        abort(404)
    lang = display.language()
    framework = overview.framework
    definition = overview.definition
    gaps = []
    if framework is not None:
        gaps = [(gap, _gap_chart(overview, gap, lang)) for gap in framework.gaps]
    return render_template(
        "results/dimensions.html",
        overview=overview,
        definition=definition,
        framework=framework,
        heatmap=_dimension_heatmap(overview, lang) if framework else None,
        dimension_keys=dimension_keys(overview, lang),
        gaps=gaps,
        value_label=lambda key: _value_label(framework, key, lang),
        band_color=lambda index: _band_color(definition, index),
        band_label=lambda key: _band_label(definition, key, lang),
        lang=lang,
    )


@bp.get("/submissions/<int:submission_id>/dimensions", endpoint="dimension_answers")
@allow(*READERS)
def dimension_answers(submission_id: int):
    """ "Explain this number" for dimension indices: each value's questions and its formula."""
    scores = _published_scores(submission_id)
    definition = scores.definition
    key = scores.submission.round.version.questionnaire.key
    framework = framework_for(key)
    lang = display.language()
    plan = plan_analysis(definition, framework)
    analysis = analyse(plan, scores.scorecard)
    wanted = request.args.get("value")
    keys = [k for k in plan.dimension_keys if wanted in (None, "", k)]
    if wanted and not keys:
        abort(404)
    sections = [
        _question_section(
            scores,
            key,
            _value_label(framework, key, lang),
            analysis.dimension(key),
            lang,
            plan.members.get(key, ()),
            analysis.evidence_of(key),
        )
        for key in keys
    ]
    return render_template(
        "results/dimension_answers.html",
        scores=scores,
        submission=scores.submission,
        definition=definition,
        framework=framework,
        analysis=analysis,
        sections=sections,
        single=bool(wanted),
        band_label=lambda k: _band_label(definition, k, lang),
        band_color=lambda index: _band_color(definition, index),
        lang=lang,
    )


def _question_section(scores, key, title, index, lang, question_ids, evidence) -> dict:
    definition = scores.definition
    card = scores.scorecard
    rows = []
    weighted = answered = 0
    for question_id in question_ids:
        question = definition.question(question_id)
        result = card.question(question_id)
        response = scores.responses.get(question_id)
        if result is not None and result.score is not None:
            weighted += result.weight * result.score
            answered += result.weight
        rows.append(
            {
                "question": question,
                "text": localized(question.text, lang),
                "answer": display.answer_text(question, response, lang),
                "result": result,
                "area": definition.area(result.area_id) if result else None,
            }
        )
    return {
        "key": key,
        "title": title,
        "index": index,
        "evidence": evidence,
        "rows": rows,
        "weighted": weighted,
        "answered": answered,
    }
