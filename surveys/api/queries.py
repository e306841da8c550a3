"""What the API reads, as plain rows in column order. Scope is applied here: a respondent's
token sees its owner's countries only, and only submitted or validated submissions have
answers, figures or indices (the rule the dashboards and workbooks follow)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa

from surveys.access import visible_country_ids
from surveys.api.framework import not_found
from surveys.countries.models import Country
from surveys.export.layout import answer_label
from surveys.extensions import db
from surveys.languages import text_in
from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from surveys.questionnaire.schema import Definition, Question, localized
from surveys.responses.models import Answer, Submission
from surveys.results.operations import latest_snapshots, scorecards_for
from surveys.rounds.models import Round, RoundCountry
from surveys.rounds.submission_status import COUNTED_STATUSES
from surveys.scoring import SCORING_VERSION
from surveys.scoring.progress import match_questions

# --- Scope ---------------------------------------------------------------------------------------


def country_by_code(code: str) -> Country:
    """The country of an ISO 3166 alpha-2 or alpha-3 code, if the token may see it; else 404."""
    code = code.strip().upper()
    column = Country.iso2 if len(code) == 2 else Country.iso3
    country = db.session.scalar(sa.select(Country).where(column == code))
    allowed = visible_country_ids()
    if country is None or (allowed is not None and country.id not in allowed):
        raise not_found("No such country, or not visible to this token.")
    return country


def scoped_countries(country: Country | None) -> Sequence[int] | None:
    """The country ids a query may return (None: all)."""
    if country is not None:
        return [country.id]
    allowed = visible_country_ids()
    return None if allowed is None else sorted(allowed)


def visible_round(round_id: int) -> Round:
    """The round if it exists and the token may see it (a respondent: a round of their
    countries); else 404."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise not_found("No such round, or not visible to this token.")
    allowed = visible_country_ids()
    if allowed is not None and not {p.country_id for p in round_.participants} & allowed:
        raise not_found("No such round, or not visible to this token.")
    return round_


def visible_version(key: str, version: int, can_see_drafts: bool) -> QuestionnaireVersion:
    found = db.session.scalar(
        sa.select(QuestionnaireVersion)
        .join(QuestionnaireVersion.questionnaire)
        .where(Questionnaire.key == key, QuestionnaireVersion.version == version)
    )
    if found is None or (found.status != PUBLISHED and not can_see_drafts):
        raise not_found("No such questionnaire version, or not visible to this token.")
    return found


# --- Question lineage ----------------------------------------------------------------------------


def lineage_map(questionnaire_id: int) -> dict[int, dict[str, str]]:
    """Version number -> question id -> lineage id: the id the question had in the first
    published version it descends from (through `replaces` links or an unchanged id), so a
    question renamed between versions keeps one key across rounds."""
    versions = db.session.execute(
        sa.select(QuestionnaireVersion.version, QuestionnaireVersion.sha256)
        .where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.status == PUBLISHED,
        )
        .order_by(QuestionnaireVersion.version)
    ).all()
    return _lineages(questionnaire_id, tuple((v, sha) for v, sha in versions))


@lru_cache(maxsize=32)
def _lineages(questionnaire_id: int, versions: tuple[tuple[int, str], ...]) -> dict:
    definitions = {
        v.version: v.definition
        for v in db.session.scalars(
            sa.select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire_id == questionnaire_id,
                QuestionnaireVersion.version.in_([number for number, _ in versions]),
            )
        )
    }
    found: dict[int, dict[str, str]] = {}
    previous: Definition | None = None
    for number, _ in versions:
        definition = definitions[number]
        matches = match_questions(previous, definition) if previous else {}
        before = found.get(previous.version, {}) if previous else {}
        found[number] = {
            q.id: before.get(matches.get(q.id, ""), q.id) for _, q in definition.questions()
        }
        previous = definition
    return found


def lineage_of(version: QuestionnaireVersion) -> dict[str, str]:
    lineages = lineage_map(version.questionnaire_id)
    return lineages.get(version.version) or {q.id: q.id for _, q in version.definition.questions()}


# --- Tidy responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionMeta:
    """What every row of one question repeats, worked out once per definition and language."""

    position: int
    area_id: str
    area_title: str
    line_of_action: str | None
    question_key: str
    lineage_id: str
    text: str
    type: str
    question: object


_META_CACHE: dict[tuple, tuple[QuestionMeta, ...]] = {}


def _question_meta(
    definition: Definition, language: str, lineages: dict[str, str]
) -> tuple[QuestionMeta, ...]:
    metas = []
    for position, (area, question) in enumerate(definition.questions()):
        metas.append(
            QuestionMeta(
                position,
                area.id,
                localized(area.title, language),
                (question.line_of_action or area.line_of_action) or None,
                question.id,
                lineages.get(question.id, question.id),
                localized(question.text, language),
                str(question.type),
                question,
            )
        )
    return tuple(metas)


def question_meta(version: QuestionnaireVersion, language: str) -> tuple[QuestionMeta, ...]:
    lineages = lineage_of(version)
    key = (version.sha256, language, tuple(sorted(lineages.items())))
    found = _META_CACHE.get(key)
    if found is None:
        if len(_META_CACHE) > 64:
            _META_CACHE.clear()
        found = _META_CACHE[key] = _question_meta(version.definition, language, lineages)
    return found


def plain_value(question: Question, value: object) -> object:
    """An answer as one scalar: numbers stay numbers, several choices are joined with "; ",
    statistics tables are in the statistics resource (None here)."""
    if value is None or question.statistics is not None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class SubmissionRef:
    id: int
    round_id: int
    iso2: str
    country_names: Mapping[str, str]
    status: str
    lock_version: int
    version_id: int
    period: str
    questionnaire: str


def scored_submissions(
    *,
    round_id: int | None,
    period: str | None,
    questionnaire: str | None,
    country_ids: Sequence[int] | None,
    as_of: datetime,
    after: tuple[int, str] | None = None,
) -> list[SubmissionRef]:
    """Submitted and validated submissions matching the filters, in (round, country code)
    order, as they stood at `as_of` (one submitted later is left out of every page)."""
    query = (
        sa.select(
            Submission.id,
            Submission.round_id,
            Country.iso2,
            Country.names,
            Submission.status,
            Submission.lock_version,
            Round.questionnaire_version_id,
            Round.period_label,
            Questionnaire.key,
        )
        .join(Country, Submission.country_id == Country.id)
        .join(Round, Submission.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Questionnaire, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(Submission.status.in_(COUNTED_STATUSES))
        .where(Round.cancelled_at.is_(None))
        .where(sa.or_(Submission.submitted_at.is_(None), Submission.submitted_at <= as_of))
        .order_by(Submission.round_id, Country.iso2)
    )
    if round_id is not None:
        query = query.where(Submission.round_id == round_id)
    if period is not None:
        query = query.where(Round.period_label == period)
    if questionnaire is not None:
        query = query.where(Questionnaire.key == questionnaire)
    if country_ids is not None:
        query = query.where(Submission.country_id.in_(country_ids))
    if after is not None:
        query = query.where(sa.tuple_(Submission.round_id, Country.iso2) >= sa.tuple_(*after))
    return [SubmissionRef(*row) for row in db.session.execute(query)]


def answers_of(submission_ids: Sequence[int]) -> dict[int, dict[str, tuple]]:
    found: dict[int, dict[str, tuple]] = {i: {} for i in submission_ids}
    if not submission_ids:
        return found
    rows = db.session.execute(
        sa.select(
            Answer.submission_id,
            Answer.question_id,
            Answer.value,
            Answer.not_applicable,
            Answer.comment,
            Answer.updated_at,
        ).where(Answer.submission_id.in_(submission_ids))
    )
    for submission_id, question_id, value, na, comment, updated_at in rows:
        found[submission_id][question_id] = (value, na, comment, updated_at)
    return found


def question_scores(
    refs: Sequence[SubmissionRef], sha256_of: dict[int, str]
) -> dict[int, dict[str, tuple[float | None, str | None]]]:
    """Submission id -> question id -> (score, reason why none), from each submission's latest
    snapshot when it is current (the dashboards' rule), else scored now (scorecards_for)."""
    found: dict[int, dict[str, tuple[float | None, str | None]]] = {}
    stale: list[int] = []
    latest = latest_snapshots([r.id for r in refs], with_inputs=False)
    for ref in refs:
        snapshot = latest.get(ref.id)
        if (
            snapshot is not None
            and snapshot.definition_sha256 == sha256_of[ref.version_id]
            and snapshot.scoring_version == SCORING_VERSION
        ):
            found[ref.id] = {
                q["id"]: (None if q["score"] is None else float(q["score"]), q["reason"])
                for q in snapshot.result.get("questions", [])
            }
        else:
            stale.append(ref.id)
    if stale:
        submissions = db.session.scalars(sa.select(Submission).where(Submission.id.in_(stale)))
        for submission_id, scored in scorecards_for(list(submissions), with_figures=False).items():
            found[submission_id] = {
                q.question_id: (
                    None if q.score is None else float(q.score),
                    None if q.reason is None else str(q.reason),
                )
                for q in scored.scorecard.questions
            }
    return found


def response_rows(
    refs: Sequence[SubmissionRef],
    language: str,
    start_position: int,
    limit: int,
    batch: int = 50,
) -> Iterator[tuple[SubmissionRef, QuestionMeta, tuple]]:
    """(submission, question, row) in order; the first submission starts after
    `start_position` (the cursor); stops after `limit` rows."""
    versions: dict[int, tuple[QuestionnaireVersion, tuple[QuestionMeta, ...]]] = {}
    emitted = 0
    for offset in range(0, len(refs), batch):
        chunk = refs[offset : offset + batch]
        ids = [r.id for r in chunk]
        answers = answers_of(ids)
        for ref in chunk:
            if ref.version_id not in versions:
                version = db.session.get(QuestionnaireVersion, ref.version_id)
                versions[ref.version_id] = (version, question_meta(version, language))
        shas = {version_id: found[0].sha256 for version_id, found in versions.items()}
        all_scores = question_scores(chunk, shas)
        for position_in_all, ref in enumerate(chunk, start=offset):
            version, metas = versions[ref.version_id]
            scores = all_scores.get(ref.id, {})
            given = answers[ref.id]
            name = text_in(ref.country_names, language)
            first = start_position + 1 if position_in_all == 0 else 0
            for meta in metas[first:]:
                answer = given.get(meta.question_key)
                value, na, comment, updated_at = answer or (None, False, "", None)
                score, reason = scores.get(meta.question_key, (None, None))
                shown = None if na else value
                row = (
                    ref.round_id,
                    ref.period,
                    ref.questionnaire,
                    version.version,
                    ref.iso2,
                    name,
                    ref.status,
                    meta.area_id,
                    meta.area_title,
                    meta.line_of_action,
                    meta.question_key,
                    meta.lineage_id,
                    meta.text,
                    meta.type,
                    plain_value(meta.question, shown),
                    answer_label(meta.question, shown, language) if shown is not None else None,
                    score,
                    reason,
                    bool(na) if answer is not None else None,
                    (comment or None) if answer is not None else None,
                    updated_at,
                )
                yield ref, meta, row
                emitted += 1
                if emitted >= limit:
                    return


def rounds_of_participation(country_ids: Sequence[int] | None):
    query = sa.select(Round).order_by(Round.opens_at, Round.id)
    if country_ids is not None:
        query = query.where(
            Round.id.in_(
                sa.select(RoundCountry.round_id).where(RoundCountry.country_id.in_(country_ids))
            )
        )
    return query
