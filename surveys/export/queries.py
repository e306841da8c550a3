"""Rows for the workbooks, streamed from the database in batches.

Answers are read with one ordered query per round, fetched `BATCH_SIZE` rows at a time
(`yield_per`: a server-side cursor on PostgreSQL), and grouped by country as they arrive, so a
round is never loaded whole: at most one country's answers are held at a time. Plain tuples are
selected (no ORM identity map), which keeps the per-row cost low.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.countries.models import Country
from surveys.export.layout import AnswerRow, CountryEntry, CountryInfo, RoundInfo
from surveys.extensions import db
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.questionnaire.schema import Definition
from surveys.responses.models import Answer, Evidence, Submission
from surveys.results.models import ScoreSnapshot
from surveys.rounds.models import Round, RoundCountry, earlier_than
from surveys.rounds.submission_status import COUNTED_STATUSES
from surveys.scoring import SCORING_VERSION, Scorecard, SnapshotFormatError, scorecard_from_dict

BATCH_SIZE = 2000

"""Submissions that count as the country's answer of record (previous rounds, aggregates)."""


@dataclass(frozen=True)
class LoadedRound:
    info: RoundInfo
    definition: Definition
    questionnaire_id: int


class ExportError(LookupError):
    """The round or questionnaire asked for does not exist."""


def load_round(round_id: int) -> LoadedRound:
    row = db.session.execute(
        sa.select(Round, QuestionnaireVersion, Questionnaire.key)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .join(Questionnaire, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(Round.id == round_id)
    ).first()
    if row is None:
        raise ExportError(f"no round {round_id}")
    round_, version, key = row
    return _loaded(round_, version, key)


def _loaded(round_: Round, version: QuestionnaireVersion, key: str) -> LoadedRound:
    info = RoundInfo(
        id=round_.id,
        period=round_.period_label,
        questionnaire_key=key,
        version=version.version,
        sha256=version.sha256,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
    )
    return LoadedRound(info, version.definition, version.questionnaire_id)


def questionnaire_rounds(key: str) -> list[LoadedRound]:
    """Every round (not cancelled) of every version of the questionnaire, oldest first."""
    questionnaire = db.session.scalar(sa.select(Questionnaire).where(Questionnaire.key == key))
    if questionnaire is None:
        raise ExportError(f"no questionnaire {key!r}")
    rows = db.session.execute(
        sa.select(Round, QuestionnaireVersion)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire.id)
        .where(Round.cancelled_at.is_(None))
        .order_by(Round.opens_at, Round.id)
    ).all()
    return [_loaded(round_, version, key) for round_, version in rows]


def response_counts() -> dict[int, int]:
    """Questionnaire id -> the number of answers in its rounds (not cancelled), in one query.

    The size of a trends workbook with responses: one Responses row per answer of a submitted
    or validated submission (the only ones it prints).
    """
    rows = db.session.execute(
        sa.select(QuestionnaireVersion.questionnaire_id, sa.func.count(Answer.id))
        .select_from(Answer)
        .join(Submission, Answer.submission_id == Submission.id)
        .join(Round, Submission.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Round.cancelled_at.is_(None))
        .where(Submission.status.in_(COUNTED_STATUSES))
        .group_by(QuestionnaireVersion.questionnaire_id)
    )
    return {questionnaire_id: count for questionnaire_id, count in rows}


def _country(row) -> CountryInfo:
    return CountryInfo(row.id, row.iso2, row.iso3, row.names)


def participants(round_id: int) -> list[CountryEntry]:
    """The round's countries in ISO code order, each with its submission's state (no answers)."""
    rows = db.session.execute(
        sa.select(
            Country.id,
            Country.iso2,
            Country.iso3,
            Country.names,
            Submission.id.label("submission_id"),
            Submission.status,
            Submission.submitted_at,
            Submission.validated_at,
        )
        .select_from(RoundCountry)
        .join(Country, RoundCountry.country_id == Country.id)
        .outerjoin(
            Submission,
            sa.and_(
                Submission.round_id == RoundCountry.round_id,
                Submission.country_id == RoundCountry.country_id,
            ),
        )
        .where(RoundCountry.round_id == round_id)
        .order_by(Country.iso2)
    ).all()
    return [
        CountryEntry(
            country=_country(row),
            submission_id=row.submission_id,
            status=row.status,
            submitted_at=row.submitted_at,
            validated_at=row.validated_at,
        )
        for row in rows
    ]


def _answer_rows(round_id: int, batch_size: int) -> Iterator[tuple[int, AnswerRow]]:
    """(submission id, answer) of the whole round, in the participants' order, in batches."""
    query = (
        sa.select(
            Answer.submission_id,
            Answer.question_id,
            Answer.value,
            Answer.not_applicable,
            Answer.na_justification,
            Answer.comment,
            Answer.updated_at,
            User.name,
        )
        .join(Submission, Answer.submission_id == Submission.id)
        .join(Country, Submission.country_id == Country.id)
        .outerjoin(User, Answer.updated_by_id == User.id)
        .where(Submission.round_id == round_id)
        .order_by(Country.iso2, Answer.question_id)
        .execution_options(yield_per=batch_size)
    )
    for row in db.session.execute(query):
        yield row[0], AnswerRow(row[1], row[2], row[3], row[4], row[5], row[6], row[7])


def evidence_names(submission_ids: Iterable[int]) -> dict[int, dict[str, list[str]]]:
    """Submission id -> question id -> the names of its current (not removed) evidence files."""
    ids = sorted(set(submission_ids))
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(Evidence.submission_id, Evidence.question_id, Evidence.filename)
            .where(Evidence.submission_id.in_(ids[start : start + 500]))
            .where(Evidence.removed_at.is_(None))
            .order_by(Evidence.submission_id, Evidence.question_id, Evidence.id)
        )
        for submission_id, question_id, filename in rows:
            found[submission_id][question_id].append(filename)
    return {k: dict(v) for k, v in found.items()}


def round_entries(
    round_id: int, batch_size: int = BATCH_SIZE, with_evidence: bool = True
) -> Iterator[CountryEntry]:
    """Each participating country of the round with its answers, one country at a time."""
    entries = participants(round_id)
    evidence = (
        evidence_names(e.submission_id for e in entries if e.submission_id) if with_evidence else {}
    )
    stream = _answer_rows(round_id, batch_size)
    pending = next(stream, None)
    for entry in entries:
        if entry.submission_id is not None:
            entry.evidence = evidence.get(entry.submission_id, {})
            while pending is not None and pending[0] == entry.submission_id:
                entry.answers.append(pending[1])
                pending = next(stream, None)
        yield entry
    # Consume the rest so the cursor is closed (there is none unless data changed meanwhile).
    for _ in stream:
        pass


def previous_rounds(current: LoadedRound, country_ids: Sequence[int]) -> dict[int, int]:
    """Country id -> the latest earlier round of the same questionnaire where it submitted
    (in order of opening, then of creation: the dashboards' rule)."""
    rows = db.session.execute(
        sa.select(Submission.country_id, Round.id)
        .join(Round, Submission.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == current.questionnaire_id)
        .where(Round.cancelled_at.is_(None))
        .where(earlier_than(current.info.opens_at, current.info.id))
        .where(Submission.status.in_(COUNTED_STATUSES))
        .where(Submission.country_id.in_(list(country_ids)))
        .order_by(Round.opens_at, Round.id)
    ).all()
    latest: dict[int, int] = {}
    for country_id, round_id in rows:
        latest[country_id] = round_id  # later rows are later rounds
    return latest


def stored_scorecards(loaded: LoadedRound, submission_ids: Iterable[int]) -> dict[int, Scorecard]:
    """Submission id -> its latest stored scorecard (the results slice's snapshots), when that
    snapshot was taken against this round's definition under today's scoring rules.

    Same rule as the dashboards (the highest snapshot id wins), but only the columns needed are
    read: the stored answers (`inputs`) can be large and are not needed here.
    """
    ids = sorted(set(submission_ids))
    found: dict[int, Scorecard] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        newest = (
            sa.select(sa.func.max(ScoreSnapshot.id))
            .where(ScoreSnapshot.submission_id.in_(batch))
            .group_by(ScoreSnapshot.submission_id)
        )
        rows = db.session.execute(
            sa.select(
                ScoreSnapshot.submission_id,
                ScoreSnapshot.definition_sha256,
                ScoreSnapshot.scoring_version,
                ScoreSnapshot.result,
            ).where(ScoreSnapshot.id.in_(newest))
        )
        for submission_id, sha256, scoring_version, result in rows:
            if sha256 != loaded.info.sha256 or scoring_version != SCORING_VERSION:
                continue
            try:
                found[submission_id] = scorecard_from_dict(result)
            except SnapshotFormatError:
                continue  # unreadable: scored from the answers instead
    return found
