"""The read-only data API under /api/v1: every endpoint declared once (surveys.api.framework),
which both serves it and describes it in the OpenAPI document."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from surveys.access import visible_country_ids
from surveys.api import queries
from surveys.api.framework import (
    LANG,
    Column,
    Page,
    Param,
    Table,
    bad_parameter,
    decode_cursor,
    encode_cursor,
    not_found,
    route,
)
from surveys.api.models import ApiToken
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.export.dimensions import value_label, with_dimensions
from surveys.export.layout import (
    CountryEntry,
    CountryInfo,
    IndexLine,
    RoundInfo,
    band_label,
    index_lines,
    options_text,
    scoring_rule,
    statistics_rows,
)
from surveys.extensions import db
from surveys.i18n import default_language, make_translate
from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from surveys.questionnaire.schema import localized
from surveys.responses.models import Submission
from surveys.results.dimensions import dimension_overview
from surveys.results.operations import scorecards_for
from surveys.roles import Role
from surveys.rounds.models import Round
from surveys.rounds.operations import country_state_of, state_of
from surveys.rounds.submission_status import COUNTED_STATUSES, NOT_STARTED
from surveys.translatable import N_

READERS = (Role.ANALYST, Role.COORDINATOR, Role.ADMIN)
MANAGERS = (Role.COORDINATOR, Role.ADMIN)

ROUND = Param("round", "Only this round (its id).", type="integer", minimum=1, maximum=2**31 - 1)
PERIOD = Param("period", "Only rounds of this period label, e.g. 2026-H1.", max_length=40)
COUNTRY = Param("country", "Only this country (ISO 3166 alpha-2 or alpha-3 code).", max_length=3)
QUESTIONNAIRE = Param("questionnaire", "Only this questionnaire (its key).", max_length=64)
CURSOR = Param("cursor", "Where the previous page ended (meta.next_cursor).", max_length=400)
LIMIT = Param(
    "limit",
    "Rows per page (default 1000 in JSON, 100000 in CSV).",
    type="integer",
    minimum=1,
    maximum=100_000,
)
STATE = Param(
    "state", "Only rounds in this state.", enum=("scheduled", "open", "closed", "cancelled")
)


def _language(arguments) -> str:
    return str(arguments.get("lang") or default_language())


def _country_filter(arguments) -> Country | None:
    code = arguments.get("country")
    return queries.country_by_code(str(code)) if code else None


# --- Who am I ------------------------------------------------------------------------------------

ME_SCHEMA = {
    "type": "object",
    "required": ["email", "name", "roles", "countries", "token"],
    "properties": {
        "email": {"type": "string"},
        "name": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "countries": {"type": "array", "items": {"type": "string"}},
        "token": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "expires_at": {"type": "string", "format": "date-time"},
                "rate_limit": {"type": "integer"},
                "remaining": {"type": "integer"},
            },
        },
    },
}


@route("/me", summary=N_("The token's owner: roles and countries"), schema=ME_SCHEMA, tag="meta")
def me(arguments):
    token = db.session.get(ApiToken, g.api_token.token_id)
    return {
        "email": current_user.email,
        "name": current_user.name,
        "roles": sorted(current_user.roles),
        "countries": sorted(c.iso2 for c in current_user.countries),
        "token": {
            "name": token.name,
            "expires_at": token.expires_at,
            "rate_limit": g.api_token.limit,
            "remaining": g.api_token.remaining,
        },
    }


# --- Questionnaires ------------------------------------------------------------------------------

QUESTIONNAIRES = Table(
    (
        Column("questionnaire", "string", "Questionnaire key.", nullable=False),
        Column("version", "integer", "Version number.", nullable=False),
        Column("status", "string", "published or draft (drafts: coordinators only).", False),
        Column("sha256", "string", "SHA-256 of the version's canonical JSON.", nullable=False),
        Column("title", "string", "Title in the requested language.", nullable=False),
        Column("questions", "integer", "Number of questions.", nullable=False),
        Column("published_at", "date-time", "When it was published."),
    )
)


@route(
    "/questionnaires",
    summary=N_("Questionnaires and their versions"),
    params=(QUESTIONNAIRE, LANG),
    table=QUESTIONNAIRES,
)
def questionnaires(arguments):
    language = _language(arguments)
    query = (
        sa.select(QuestionnaireVersion, Questionnaire.key)
        .join(QuestionnaireVersion.questionnaire)
        .order_by(Questionnaire.key, QuestionnaireVersion.version)
    )
    if not current_user.has_role(*MANAGERS):
        query = query.where(QuestionnaireVersion.status == PUBLISHED)
    if "questionnaire" in arguments:
        query = query.where(Questionnaire.key == arguments["questionnaire"])
    rows = [
        (
            key,
            version.version,
            version.status,
            version.sha256,
            localized(version.definition.title, language),
            sum(1 for _ in version.definition.questions()),
            version.published_at,
        )
        for version, key in db.session.execute(query)
    ]
    return Page(rows)


DEFINITION_SCHEMA = {
    "type": "object",
    "required": ["questionnaire", "version", "status", "sha256", "definition"],
    "properties": {
        "questionnaire": {"type": "string"},
        "version": {"type": "integer"},
        "status": {"type": "string"},
        "sha256": {"type": "string", "description": "SHA-256 of the canonical JSON below."},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "definition": {"type": "object", "description": "The definition, canonical JSON."},
    },
}


@route(
    "/questionnaires/<key>/versions/<int:version>",
    summary=N_("A questionnaire version's definition, with its hash"),
    schema=DEFINITION_SCHEMA,
)
def questionnaire_version(arguments, key: str, version: int):
    found = queries.visible_version(key, version, current_user.has_role(*MANAGERS))
    return {
        "questionnaire": key,
        "version": found.version,
        "status": found.status,
        "sha256": found.sha256,
        "published_at": found.published_at,
        "definition": json.loads(found.definition_json),
    }


CODEBOOK = Table(
    (
        Column("question_key", "string", "Question id in this version.", nullable=False),
        Column("lineage_id", "string", "Stable id across versions (first version's id).", False),
        Column("position", "integer", "Order in the questionnaire (from 1).", nullable=False),
        Column("area_id", "string", "Area id.", nullable=False),
        Column("area_title", "string", "Area title."),
        Column("line_of_action", "string", "Line of action id."),
        Column("type", "string", "Question type.", nullable=False),
        Column("text", "string", "Question text."),
        Column("options", "string", "Options as value=label (score), one per line."),
        Column("weight", "number", "Weight in its indices.", nullable=False),
        Column("required", "boolean", "Whether an answer is required.", nullable=False),
        Column("allow_na", "boolean", "Whether 'not applicable' is allowed.", nullable=False),
        Column("show_if", "string", "Condition under which the question is shown."),
        Column("replaces", "string", "The earlier version's question it replaces."),
        Column("scoring_rule", "string", "How it scores, in words."),
    )
)


@route(
    "/questionnaires/<key>/versions/<int:version>/codebook",
    summary=N_("Codebook: every question with its stable key, lineage, type, options and rule"),
    params=(LANG,),
    table=CODEBOOK,
)
def codebook(arguments, key: str, version: int):
    language = _language(arguments)
    found = queries.visible_version(key, version, current_user.has_role(*MANAGERS))
    lineages = queries.lineage_of(found)
    t = make_translate(language)
    rows = []
    for position, (area, question) in enumerate(found.definition.questions(), start=1):
        rows.append(
            (
                question.id,
                lineages.get(question.id, question.id),
                position,
                area.id,
                localized(area.title, language),
                (question.line_of_action or area.line_of_action) or None,
                str(question.type),
                localized(question.text, language),
                options_text(question, language),
                float(question.weight),
                bool(question.required),
                bool(question.allow_na),
                question.show_if,
                question.replaces,
                scoring_rule(question, t, language),
            )
        )
    return Page(rows)


# --- Rounds --------------------------------------------------------------------------------------

ROUNDS = Table(
    (
        Column("round_id", "integer", "Round id.", nullable=False),
        Column("questionnaire", "string", "Questionnaire key.", nullable=False),
        Column("version", "integer", "Questionnaire version the round uses.", nullable=False),
        Column("sha256", "string", "SHA-256 of that version's definition.", nullable=False),
        Column("period", "string", "Period label.", nullable=False),
        Column("state", "string", "scheduled, open, closed or cancelled.", nullable=False),
        Column("opens_at", "date-time", "Opening (UTC).", nullable=False),
        Column("closes_at", "date-time", "Closing for every country without extension.", False),
        Column("last_closes_at", "date-time", "Closing of the last country (extensions).", False),
        Column("countries", "integer", "Participating countries visible to the token.", False),
        Column("submitted", "integer", "Of them, submitted or validated.", nullable=False),
    )
)


def _scored_counts(round_ids, country_ids) -> dict[int, int]:
    if not round_ids:
        return {}
    query = (
        sa.select(Submission.round_id, sa.func.count(Submission.id))
        .where(Submission.round_id.in_(round_ids), Submission.status.in_(COUNTED_STATUSES))
        .group_by(Submission.round_id)
    )
    if country_ids is not None:
        query = query.where(Submission.country_id.in_(country_ids))
    return dict(db.session.execute(query).all())


@route(
    "/rounds",
    summary=N_("Assessment rounds: dates, state and participation"),
    params=(QUESTIONNAIRE, PERIOD, COUNTRY, STATE),
    table=ROUNDS,
)
def rounds(arguments):
    country_ids = queries.scoped_countries(_country_filter(arguments))
    query = queries.rounds_of_participation(country_ids)
    if "period" in arguments:
        query = query.where(Round.period_label == arguments["period"])
    if "questionnaire" in arguments:
        query = (
            query.join(Round.version)
            .join(QuestionnaireVersion.questionnaire)
            .where(Questionnaire.key == arguments["questionnaire"])
        )
    now = utcnow()
    found = list(db.session.scalars(query))
    counts = _scored_counts([r.id for r in found], country_ids)
    rows = []
    for round_ in found:
        state = str(state_of(round_, now))
        if "state" in arguments and state != arguments["state"]:
            continue
        participants = [
            p for p in round_.participants if country_ids is None or p.country_id in country_ids
        ]
        rows.append(
            (
                round_.id,
                round_.version.questionnaire.key,
                round_.version.version,
                round_.version.sha256,
                round_.period_label,
                state,
                round_.opens_at,
                round_.closes_at,
                round_.latest_closes_at,
                len(participants),
                counts.get(round_.id, 0),
            )
        )
    return Page(rows)


ROUND_SCHEMA = {
    "type": "object",
    "required": ["round_id", "questionnaire", "version", "period", "state", "countries"],
    "properties": {
        "round_id": {"type": "integer"},
        "questionnaire": {"type": "string"},
        "version": {"type": "integer"},
        "sha256": {"type": "string"},
        "period": {"type": "string"},
        "state": {"type": "string", "enum": ["scheduled", "open", "closed", "cancelled"]},
        "opens_at": {"type": "string", "format": "date-time"},
        "closes_at": {"type": "string", "format": "date-time"},
        "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
        "countries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["country", "name", "state", "status"],
                "properties": {
                    "country": {"type": "string"},
                    "name": {"type": "string"},
                    "state": {"type": "string"},
                    "closes_at": {"type": "string", "format": "date-time"},
                    "status": {
                        "type": "string",
                        "enum": [NOT_STARTED, "draft", "submitted", "returned", "validated"],
                    },
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "validated_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
        },
    },
}


@route(
    "/rounds/<int:round_id>",
    summary=N_("A round with each country's state and submission status"),
    params=(LANG,),
    schema=ROUND_SCHEMA,
)
def round_detail(arguments, round_id: int):
    language = _language(arguments)
    round_ = queries.visible_round(round_id)
    allowed = visible_country_ids()
    submissions = {
        s.country_id: s
        for s in db.session.scalars(sa.select(Submission).where(Submission.round_id == round_id))
    }
    now = utcnow()
    countries = []
    for participant in sorted(round_.participants, key=lambda p: p.country.iso2):
        if allowed is not None and participant.country_id not in allowed:
            continue
        submission = submissions.get(participant.country_id)
        countries.append(
            {
                "country": participant.country.iso2,
                "name": participant.country.name(language),
                "state": str(country_state_of(participant, now)),
                "closes_at": participant.closes_at,
                "status": submission.status if submission else NOT_STARTED,
                "submitted_at": submission.submitted_at if submission else None,
                "validated_at": submission.validated_at if submission else None,
            }
        )
    return {
        "round_id": round_.id,
        "questionnaire": round_.version.questionnaire.key,
        "version": round_.version.version,
        "sha256": round_.version.sha256,
        "period": round_.period_label,
        "state": str(state_of(round_, now)),
        "opens_at": round_.opens_at,
        "closes_at": round_.closes_at,
        "cancelled_at": round_.cancelled_at,
        "countries": countries,
    }


# --- Scorecards ----------------------------------------------------------------------------------

SCORECARDS = Table(
    (
        Column("round_id", "integer", "Round id.", nullable=False),
        Column("period", "string", "Period label.", nullable=False),
        Column("country", "string", "ISO 3166 alpha-2 code.", nullable=False),
        Column("country_name", "string", "Country name.", nullable=False),
        Column(
            "submission_status",
            "string",
            "not_started, draft, returned, submitted, validated.",
            False,
        ),
        Column(
            "index_key",
            "string",
            "overall, an area id, a line of action id, or a dimension value "
            "(dimension:value, e.g. pillar:law).",
            False,
        ),
        Column(
            "index_kind", "string", "overall, area, line_of_action or dimension.", nullable=False
        ),
        Column("index_label", "string", "The index's name."),
        Column("value", "number", "Index on 0-100 (null: not submitted or not scored)."),
        Column("coverage", "number", "Answered share of the scorable weight, 0-1."),
        Column("index_status", "string", "scored, insufficient or empty."),
        Column("band", "string", "Band key."),
        Column("band_label", "string", "Band name."),
        Column("change", "number", "Change since the country's previous round (points)."),
        Column("change_status", "string", "compared, not_comparable or no_number."),
        Column("regression", "boolean", "The change is a regression."),
        Column("previous_round_id", "integer", "The round the change compares with."),
    )
)


@route(
    "/rounds/<int:round_id>/scorecards",
    summary=N_("Every index of every country of a round (the dashboard's and workbook's numbers)"),
    description=(
        "Indices exist only for submitted and validated submissions. After overall, the areas "
        "and the lines of action come the dimension indices of the questionnaire's analysis "
        "framework (index_kind dimension, one per dimension value, computed like an area's "
        "from the questions tagged with it): the dimensions page's and the workbook's "
        "Dimensions sheet's numbers. They have no change (null)."
    ),
    roles=READERS,
    params=(COUNTRY, LANG),
    table=SCORECARDS,
)
def scorecards(arguments, round_id: int):
    language = _language(arguments)
    queries.visible_round(round_id)
    only = _country_filter(arguments)
    dimensions = dimension_overview(round_id)
    if dimensions is None:
        raise not_found()
    overview, framework = dimensions.overview, dimensions.framework
    definition = overview.definition
    t = make_translate(language)
    rows = []
    for dimension_row in sorted(dimensions.rows, key=lambda r: r.row.country.iso2):
        row = dimension_row.row
        if only is not None and row.country.id != only.id:
            continue
        lines = index_lines(definition, row.scorecard, row.progress, language, t)
        for line in _with_dimension_lines(lines, framework, dimension_row.analysis, language, t):
            index, change = line.index, line.change
            rows.append(
                (
                    round_id,
                    overview.round.period_label,
                    row.country.iso2,
                    row.country.name(language),
                    row.status,
                    line.key,
                    line.kind,
                    line.label,
                    index.value if index else None,
                    index.coverage if index else None,
                    str(index.status) if index else None,
                    index.band if index else None,
                    band_label(definition, index.band, language) if index else None,
                    change.change if change else None,
                    str(change.status) if change else None,
                    change.regression if change else None,
                    row.previous_round.id
                    if row.previous_round and index and line.kind != "dimension"
                    else None,
                )
            )
    return Page(rows)


def _with_dimension_lines(lines, framework, analysis, language: str, t) -> list:
    """The index lines, then one per dimension value: the dimensions page's analysis; empty
    (null) for a country without a submitted or validated submission, like its other indices."""
    if framework is None:
        return lines
    if analysis is not None:
        return with_dimensions(lines, framework, analysis, language, t)
    return lines + [
        IndexLine(key, value_label(framework, key, language, t), None, None, "dimension")
        for key in framework.value_keys()
    ]


# --- Statistics ----------------------------------------------------------------------------------

STATISTICS = Table(
    (
        Column("round_id", "integer", "Round id.", nullable=False),
        Column("period", "string", "Period label.", nullable=False),
        Column("country", "string", "ISO 3166 alpha-2 code.", nullable=False),
        Column("country_name", "string", "Country name.", nullable=False),
        Column("question_key", "string", "The statistics question's id.", nullable=False),
        Column("table", "string", "The table's title."),
        Column("indicator_id", "string", "Row id.", nullable=False),
        Column("indicator", "string", "Row label."),
        Column("year", "integer", "Year.", nullable=False),
        Column("disaggregation_id", "string", "Column id.", nullable=False),
        Column("disaggregation", "string", "Column label."),
        Column("value", "number", "The figure.", nullable=False),
        Column("source", "string", "Source given by the country."),
        Column("definition", "string", "Definition used."),
        Column("period_covered", "string", "Period the figure covers."),
        Column("coverage", "string", "Geographic or institutional coverage."),
    )
)


@route(
    "/rounds/<int:round_id>/statistics",
    summary=N_("Statistics tables of a round, one row per cell reported"),
    description="Figures of submitted and validated submissions only.",
    params=(COUNTRY, LANG),
    table=STATISTICS,
)
def statistics(arguments, round_id: int):
    language = _language(arguments)
    round_ = queries.visible_round(round_id)
    country_ids = queries.scoped_countries(_country_filter(arguments))
    query = (
        sa.select(Submission)
        .join(Country, Submission.country_id == Country.id)
        .where(Submission.round_id == round_id, Submission.status.in_(COUNTED_STATUSES))
        .order_by(Country.iso2)
    )
    if country_ids is not None:
        query = query.where(Submission.country_id.in_(country_ids))
    submissions = list(db.session.scalars(query))
    cards = scorecards_for(submissions, with_figures=True)
    info = RoundInfo(
        round_.id,
        round_.period_label,
        round_.version.questionnaire.key,
        round_.version.version,
        round_.version.sha256,
        round_.opens_at,
        round_.closes_at,
    )
    definition = round_.version.definition
    rows = []
    for submission in submissions:
        c = submission.country
        entry = CountryEntry(CountryInfo(c.id, c.iso2, c.iso3, c.names))
        card = cards[submission.id].scorecard
        rows.extend(tuple(r) for r in statistics_rows(info, entry, definition, card, language))
    return Page(rows)


# --- Tidy responses ------------------------------------------------------------------------------

RESPONSES = Table(
    (
        Column("round_id", "integer", "Round id.", nullable=False),
        Column("period", "string", "Period label.", nullable=False),
        Column("questionnaire", "string", "Questionnaire key.", nullable=False),
        Column("version", "integer", "Questionnaire version.", nullable=False),
        Column("country", "string", "ISO 3166 alpha-2 code.", nullable=False),
        Column("country_name", "string", "Country name.", nullable=False),
        Column("submission_status", "string", "submitted or validated.", nullable=False),
        Column("area_id", "string", "Area id.", nullable=False),
        Column("area_title", "string", "Area title."),
        Column("line_of_action", "string", "Line of action id."),
        Column("question_key", "string", "Question id in this version.", nullable=False),
        Column("lineage_id", "string", "Stable id across versions.", nullable=False),
        Column("question_text", "string", "Question text."),
        Column("question_type", "string", "Question type.", nullable=False),
        Column("value", "scalar", "The answer: a number, a date, option values joined by '; '."),
        Column("value_label", "string", "The chosen options' labels."),
        Column("score", "number", "The question's score, 0-1."),
        Column("no_score_reason", "string", "Why the question has no score."),
        Column("not_applicable", "boolean", "Answered 'not applicable'."),
        Column("comment", "string", "The respondent's comment."),
        Column("updated_at", "date-time", "When the answer was last saved."),
    ),
    paginated=True,
)
CURSOR_KEYS = ("r", "c", "p", "t")


@route(
    "/responses",
    summary=N_("Tidy responses: one row per country and question"),
    description=(
        "Submitted and validated submissions only. Rows are ordered by round, country code and "
        "question order. Pages are read as of the first page's moment (meta.as_of): a "
        "submission submitted while you page is left out of every page, so no row is skipped "
        "or repeated; start again without a cursor to include it."
    ),
    params=(ROUND, PERIOD, COUNTRY, QUESTIONNAIRE, LANG, LIMIT, CURSOR),
    table=RESPONSES,
)
def responses(arguments):
    language = _language(arguments)
    if "round" in arguments:
        queries.visible_round(int(arguments["round"]))
    country_ids = queries.scoped_countries(_country_filter(arguments))
    from surveys.api.framework import wants_csv

    limit = int(arguments.get("limit") or (100_000 if wants_csv(arguments) else 1000))
    after: tuple[int, str] | None = None
    position = -1
    if "cursor" in arguments:
        state = decode_cursor(str(arguments["cursor"]), CURSOR_KEYS)
        try:
            after = (int(state["r"]), str(state["c"]))
            position = int(state["p"])
            as_of = datetime.fromisoformat(str(state["t"]))
        except (TypeError, ValueError) as exc:
            raise bad_parameter("cursor", "cursor is not one this API gave out.") from exc
        if as_of.tzinfo is None:
            raise bad_parameter("cursor", "cursor is not one this API gave out.")
    else:
        as_of = utcnow()
    refs = queries.scored_submissions(
        round_id=arguments.get("round"),  # type: ignore[arg-type]
        period=arguments.get("period"),  # type: ignore[arg-type]
        questionnaire=arguments.get("questionnaire"),  # type: ignore[arg-type]
        country_ids=country_ids,
        as_of=as_of,
        after=after,
    )
    if after is not None and refs and (refs[0].round_id, refs[0].iso2) != after:
        position = -1  # the cursor's submission is gone (returned): start at the next one
    last: dict[str, object] = {}
    total_rows = {"n": 0}

    def rows():
        for ref, meta, row in queries.response_rows(refs, language, position, limit):
            last.update(r=ref.round_id, c=ref.iso2, p=meta.position)
            total_rows["n"] += 1
            yield row

    def next_cursor() -> str | None:
        if total_rows["n"] < limit or not last:
            return None
        return encode_cursor({**last, "t": as_of.isoformat()})

    source = "|".join(f"{r.id}:{r.lock_version}:{r.status}" for r in refs)
    # The ETag follows the submissions' versions (every save bumps one); the cursor, language
    # and filters are in the URL, which the ETag covers too.
    return Page(rows(), next_cursor, as_of, etag_source=source)
