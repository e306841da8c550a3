"""The data behind the results pages, loaded in a fixed number of queries.

Nothing here depends on the request: the views pick the language, format the numbers and
render. Scores come from each submission's latest stored snapshot; a submitted or validated
submission without one is scored on the fly (see `operations.scorecards_for`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from surveys.collation import sort_key
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion
from surveys.questionnaire.schema import Band, Definition, Response
from surveys.responses.models import Submission
from surveys.results.models import ScoreSnapshot
from surveys.results.operations import (
    index_cards_for,
    is_current,
    latest_snapshots,
    responses_by_submission,
    responses_from_inputs,
    scorecards_for,
)
from surveys.rounds.models import Round, earlier_than
from surveys.rounds.submission_status import COUNTED_STATUSES, NOT_STARTED
from surveys.scoring import OVERALL, Index, Scorecard, score, scorecard_from_dict
from surveys.scoring.aggregates import RoundAggregates, aggregate
from surveys.scoring.progress import Progress, compare_scorecards

"""The status shown for a participating country without a submission."""


# --- Round overview ------------------------------------------------------------------------------


@dataclass
class CountryRow:
    country: Country
    status: str
    submission_id: int | None = None
    scorecard: Scorecard | None = None
    """Only for submitted or validated submissions."""
    progress: Progress | None = None
    """Change since the country's previous round of the same questionnaire, when it had one."""
    previous_round: Round | None = None

    def index(self, key: str) -> Index | None:
        return None if self.scorecard is None else self.scorecard.index(key)


@dataclass
class RoundOverview:
    round: Round
    definition: Definition
    rows: list[CountryRow]
    aggregates: RoundAggregates
    questionnaire_key: str = ""
    status_counts: dict[str, int] = field(default_factory=dict)


def _round_with_version(round_id: int) -> tuple[Round, str] | None:
    row = db.session.execute(
        select(Round, Questionnaire.key)
        .join(Round.version)
        .join(QuestionnaireVersion.questionnaire)
        .where(Round.id == round_id)
    ).first()
    return None if row is None else (row[0], row[1])


def _previous_submissions(
    round_: Round, questionnaire_key: str, country_ids: Sequence[int]
) -> dict[int, Submission]:
    """Each country's latest scored submission in an earlier round of the same questionnaire
    (rounds in order of opening, then of creation, as on the country page and in the trends
    workbook: of two rounds opening together, the first created is the previous one)."""
    if not country_ids:
        return {}
    query = (
        select(Submission)
        .join(Submission.round)
        .join(Round.version)
        .join(QuestionnaireVersion.questionnaire)
        .options(contains_eager(Submission.round).contains_eager(Round.version))
        .where(
            Questionnaire.key == questionnaire_key,
            earlier_than(round_.opens_at, round_.id),
            Round.cancelled_at.is_(None),
            Submission.country_id.in_(sorted(country_ids)),
            Submission.status.in_(COUNTED_STATUSES),
        )
        .order_by(Round.opens_at, Round.id)
    )
    latest: dict[int, Submission] = {}
    for submission in db.session.scalars(query).unique():
        latest[submission.country_id] = submission  # ordered by date: the last one wins
    return latest


def _progress(
    previous: Submission, before: Scorecard, now: Definition, after: Scorecard
) -> Progress:
    return compare_scorecards(previous.round.version.definition, before, now, after)


def round_overview(round_id: int, *, indices_only: bool = False) -> RoundOverview | None:
    """Every participating country's scores, status and change, and the round's aggregates.

    `indices_only`: scorecards hold indices only (no question results) and no row has its
    change yet; `add_progress` adds it to the rows a page shows (the results overview at 200
    countries shows 50 at a time).
    """
    found = _round_with_version(round_id)
    if found is None:
        return None
    round_, key = found
    definition = round_.version.definition
    submissions = list(
        db.session.scalars(select(Submission).where(Submission.round_id == round_id))
    )
    by_country = {s.country_id: s for s in submissions}
    scored = [s for s in submissions if s.status in COUNTED_STATUSES]
    reader = index_cards_for if indices_only else partial(scorecards_for, with_figures=False)
    cards = reader(scored)
    rows = []
    for participant in round_.participants:
        submission = by_country.get(participant.country_id)
        row = CountryRow(participant.country, submission.status if submission else NOT_STARTED)
        if submission is not None:
            row.submission_id = submission.id
        if submission is not None and submission.id in cards:
            row.scorecard = cards[submission.id].scorecard
        rows.append(row)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    overview = RoundOverview(
        round=round_,
        definition=definition,
        rows=rows,
        aggregates=aggregate(definition, [r.scorecard for r in rows if r.scorecard]),
        questionnaire_key=key,
        status_counts=counts,
    )
    if not indices_only:
        add_progress(overview, rows)
    return overview


def add_progress(overview: RoundOverview, rows: Sequence[CountryRow]) -> None:
    """Each scored row's change since the country's previous round (when it had one)."""
    scored = [row for row in rows if row.scorecard is not None and row.submission_id]
    previous = _previous_submissions(
        overview.round, overview.questionnaire_key, [row.country.id for row in scored]
    )
    wanted = [row for row in scored if row.country.id in previous]
    if not wanted:
        return
    # Change is computed on the questions of both rounds: index-only scorecards are read whole.
    partial_ids = [row.submission_id for row in wanted if not row.scorecard.questions]
    whole = scorecards_for(
        list(db.session.scalars(select(Submission).where(Submission.id.in_(partial_ids))))
        if partial_ids
        else [],
        with_figures=False,
    )
    previous_cards = scorecards_for(
        [previous[row.country.id] for row in wanted], with_figures=False
    )
    for row in wanted:
        before = previous[row.country.id]
        current = (
            whole[row.submission_id].scorecard if row.submission_id in whole else row.scorecard
        )
        row.previous_round = before.round
        row.progress = _progress(
            before, previous_cards[before.id].scorecard, overview.definition, current
        )


# --- Sorting -------------------------------------------------------------------------------------

SORT_FIXED = ("country", "status", "overall", "coverage", "change")
STATUS_ORDER = (NOT_STARTED, "draft", "returned", "submitted", "validated")


def sort_key_for(sort: str, language: str) -> Callable[[CountryRow], tuple] | None:
    """The key function of a sort column ("country", "overall", "area:<id>"...), or None."""

    def by_value(value_of: Callable[[CountryRow], Decimal | None]) -> Callable[[CountryRow], tuple]:
        # Rows without a number sort after every number, whichever the direction (see sort_rows).
        return lambda row: (value_of(row) is None, value_of(row) or Decimal(0))

    def index_value(key: str) -> Callable[[CountryRow], Decimal | None]:
        def value(row: CountryRow) -> Decimal | None:
            index = row.index(key)
            return None if index is None else index.value

        return value

    if sort == "country":
        return lambda row: (False, sort_key(row.country.name(language)))
    if sort == "status":
        return lambda row: (
            False,
            STATUS_ORDER.index(row.status) if row.status in STATUS_ORDER else 0,
        )
    if sort == "overall":
        return by_value(index_value(OVERALL))
    if sort == "coverage":
        return by_value(lambda row: row.scorecard.overall.coverage if row.scorecard else None)
    if sort == "change":
        return by_value(
            lambda row: row.progress.overall.change if row.progress is not None else None
        )
    if sort.startswith("area:"):
        return by_value(index_value(sort.removeprefix("area:")))
    return None


def sort_rows(
    rows: list[CountryRow], sort: str, descending: bool, language: str
) -> list[CountryRow]:
    """Rows ordered by the column; rows without a value stay last; ties by country name."""
    key = sort_key_for(sort, language) or sort_key_for("country", language)
    assert key is not None
    by_name = sorted(rows, key=lambda row: sort_key(row.country.name(language)))
    with_value = [r for r in by_name if not key(r)[0]]
    without = [r for r in by_name if key(r)[0]]
    return sorted(with_value, key=key, reverse=descending) + without


# --- Country history -----------------------------------------------------------------------------


@dataclass
class RoundScores:
    round: Round
    submission: Submission
    scorecard: Scorecard
    progress: Progress | None = None


@dataclass
class QuestionnaireHistory:
    """A country's scores in every round of one questionnaire, oldest first."""

    key: str
    definition: Definition
    """The latest version's definition: its areas name the chart's lines."""
    rounds: list[RoundScores]
    area_ids: list[str] = field(default_factory=list)


def country_history(country_id: int) -> list[QuestionnaireHistory]:
    """The country's scored submissions, grouped by questionnaire, with round-to-round change."""
    rows = db.session.execute(
        select(Submission, Questionnaire.key)
        .join(Submission.round)
        .join(Round.version)
        .join(QuestionnaireVersion.questionnaire)
        .options(contains_eager(Submission.round).contains_eager(Round.version))
        .where(
            Submission.country_id == country_id,
            Submission.status.in_(COUNTED_STATUSES),
            Round.cancelled_at.is_(None),
        )
        .order_by(Questionnaire.key, Round.opens_at, Round.id)
    ).all()
    cards = scorecards_for([s for s, _ in rows], with_figures=False)
    groups: dict[str, list[Submission]] = {}
    for submission, key in rows:
        groups.setdefault(key, []).append(submission)
    histories = []
    for key, submissions in groups.items():
        rounds: list[RoundScores] = []
        for submission in submissions:
            entry = RoundScores(submission.round, submission, cards[submission.id].scorecard)
            if rounds:
                before = rounds[-1]
                entry.progress = compare_scorecards(
                    before.round.version.definition,
                    before.scorecard,
                    submission.round.version.definition,
                    entry.scorecard,
                )
            rounds.append(entry)
        latest = rounds[-1].round.version.definition
        histories.append(QuestionnaireHistory(key, latest, rounds, _area_ids(rounds)))
    return histories


def _area_ids(rounds: list[RoundScores]) -> list[str]:
    """Area ids of the latest version first, then any older area no longer present."""
    ids = [a.key for a in rounds[-1].scorecard.areas]
    for entry in reversed(rounds):
        ids.extend(a.key for a in entry.scorecard.areas if a.key not in ids)
    return ids


# --- The answers behind a score ------------------------------------------------------------------


@dataclass
class SubmissionScores:
    submission: Submission
    definition: Definition
    scorecard: Scorecard
    responses: dict[str, Response]
    snapshot: ScoreSnapshot | None
    """The snapshot shown; None when scored on the fly from the current answers."""
    outdated: ScoreSnapshot | None = None
    """The latest snapshot when it was not shown: taken by earlier scoring rules."""


def submission_scores(submission_id: int) -> SubmissionScores | None:
    """A submission's scorecard and the very answers it was computed from.

    The overview's rule (`operations.scorecards_for`): the latest snapshot when it scored the
    round's definition under today's scoring rules, else the current answers scored now, so
    that the page each overview number links to shows that number.
    """
    submission = db.session.scalar(
        select(Submission)
        .options(joinedload(Submission.round))
        .where(Submission.id == submission_id)
    )
    if submission is None:
        return None
    definition = submission.round.version.definition
    snapshot = latest_snapshots([submission.id]).get(submission.id)
    outdated = None
    if snapshot is not None and is_current(snapshot, submission.round.version):
        responses = responses_from_inputs(snapshot.inputs)
        card = scorecard_from_dict(snapshot.result)
    else:
        if snapshot is not None and snapshot.definition_sha256 == submission.round.version.sha256:
            outdated = snapshot
        snapshot = None
        responses = responses_by_submission([submission.id]).get(submission.id, [])
        card = score(definition, responses)
    return SubmissionScores(
        submission, definition, card, {r.question_id: r for r in responses}, snapshot, outdated
    )


# --- Lists ---------------------------------------------------------------------------------------


@dataclass
class RoundSummary:
    round: Round
    questionnaire_key: str
    participants: int
    scored: int


def rounds_with_results() -> list[RoundSummary]:
    """Every round that is not cancelled, newest first, with its count of scored submissions."""
    rounds = db.session.execute(
        select(Round, Questionnaire.key)
        .join(Round.version)
        .join(QuestionnaireVersion.questionnaire)
        .where(Round.cancelled_at.is_(None))
        .order_by(Round.opens_at.desc(), Round.id.desc())
    ).all()
    scored = dict(
        db.session.execute(
            select(Submission.round_id, func.count(Submission.id))
            .where(Submission.status.in_(COUNTED_STATUSES))
            .group_by(Submission.round_id)
        ).all()
    )
    return [
        RoundSummary(round_, key, len(round_.participants), scored.get(round_.id, 0))
        for round_, key in rounds
    ]


def band_of(definition: Definition, key: str | None) -> Band | None:
    return next((b for b in definition.scoring.bands if b.key == key), None)
