"""Reading review data: queries of a submission, submissions to review, the previous round."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from surveys.collation import sort_key
from surveys.extensions import db
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.questionnaire.schema import Area, Question
from surveys.responses.evidence import evidence_by_question
from surveys.responses.models import Answer, Submission
from surveys.responses.operations import (
    answers_by_question,
    hidden_ids,
    question_mapping,
)
from surveys.review.models import ReviewQuery
from surveys.rounds.models import Round
from surveys.rounds.submission_status import Status


def queries_for(submission: Submission) -> list[ReviewQuery]:
    """Every query of the submission, oldest first."""
    return list(db.session.scalars(_queries_statement(), {"submission_id": submission.id}))


def may_have_queries(submission: Submission) -> bool:
    """False for a draft never submitted: queries are asked only of a submitted or returned
    submission, and submitting stamps `submitted_at`, which nothing clears. The area pages of
    a round's drafts (most of its pages) skip the read."""
    return submission.status != Status.DRAFT or submission.submitted_at is not None


@cache
def _queries_statement() -> sa.Select:
    # Built once: every area page runs it, and composing it costs more than running it.
    # The authors come joined for their names; their roles and countries are not read (a
    # user's own relationships would otherwise cost two more statements).
    return (
        sa.select(ReviewQuery)
        .where(ReviewQuery.submission_id == sa.bindparam("submission_id"))
        .order_by(ReviewQuery.created_at, ReviewQuery.id)
        .options(
            joinedload(ReviewQuery.author).lazyload("*"),
            joinedload(ReviewQuery.responded_by).lazyload("*"),
        )
    )


def queries_by_question(
    submission: Submission, queries: list[ReviewQuery] | None = None
) -> dict[str | None, list[ReviewQuery]]:
    """Queries grouped by question id; the key None holds notes about the whole submission.
    `queries`: the submission's `queries_for`, when the caller has read them already."""
    grouped: dict[str | None, list[ReviewQuery]] = defaultdict(list)
    for query in queries_for(submission) if queries is None else queries:
        grouped[query.question_id].append(query)
    return dict(grouped)


@dataclass(frozen=True)
class QueryCounts:
    """A submission's open queries: how many, and how many the country has answered."""

    open: int = 0
    answered: int = 0

    @property
    def unanswered(self) -> int:
        return self.open - self.answered


def query_counts(submission_ids: list[int]) -> dict[int, QueryCounts]:
    """Open and answered-open queries per submission (one query for all rows)."""
    if not submission_ids:
        return {}
    answered = sa.func.count(ReviewQuery.responded_at)
    rows = db.session.execute(
        sa.select(ReviewQuery.submission_id, sa.func.count(ReviewQuery.id), answered)
        .where(ReviewQuery.submission_id.in_(submission_ids), ReviewQuery.resolved.is_(False))
        .group_by(ReviewQuery.submission_id)
    )
    return {sid: QueryCounts(open=total, answered=done) for sid, total, done in rows}


def unanswered_queries(submission: Submission) -> list[ReviewQuery]:
    """Open queries the country has neither answered nor closed with "no change"."""
    return [q for q in queries_for(submission) if q.awaits_country]


@dataclass(frozen=True)
class OpenQuery:
    """An open query as the respondent's overview lists it: where it is and its state."""

    query: ReviewQuery
    area: Area | None  # None: a note about the whole submission
    question: Question | None


def open_queries(
    submission: Submission, queries: list[ReviewQuery] | None = None
) -> list[OpenQuery]:
    """The submission's open queries in questionnaire order, notes about the whole first.
    `queries`: the submission's `queries_for`, when the caller has read them already."""
    definition = submission.round.version.definition
    place = {q.id: (index, area, q) for index, (area, q) in enumerate(definition.questions())}
    items = []
    for query in queries_for(submission) if queries is None else queries:
        if query.resolved:
            continue
        index, area, question = place.get(query.question_id or "", (-1, None, None))
        items.append((index, query.id, OpenQuery(query, area, question)))
    return [item for _index, _id, item in sorted(items, key=lambda t: (t[0], t[1]))]


def open_queries_by_area(
    submission: Submission, queries: list[ReviewQuery] | None = None
) -> dict[str, QueryCounts]:
    """Per area id, its open queries and how many the country has answered."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in open_queries(submission, queries):
        if item.area is not None:
            counts[item.area.id][0] += 1
            counts[item.area.id][1] += int(item.query.is_answered)
    return {area_id: QueryCounts(*pair) for area_id, pair in counts.items()}


# ---------------------------------------------------------------- lists for coordinators


def review_rounds() -> list[Round]:
    """Rounds that are not cancelled, newest first."""
    return list(
        db.session.scalars(
            sa.select(Round)
            .where(Round.cancelled_at.is_(None))
            .order_by(Round.opens_at.desc(), Round.id.desc())
        )
    )


def awaiting_review() -> list[Submission]:
    """Submitted submissions of every round, oldest submission first (first come, first served)."""
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.status == Status.SUBMITTED.value)
            .order_by(Submission.submitted_at, Submission.id)
        )
    )


@dataclass(frozen=True)
class ReviewRow:
    """One participating country of a round, with its submission when it has started one."""

    country_name: str
    country_id: int
    submission: Submission | None
    queries: QueryCounts

    @property
    def open_queries(self) -> int:
        return self.queries.open

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else "not_started"


def review_rows(round_: Round, language: str) -> list[ReviewRow]:
    submissions = {
        s.country_id: s
        for s in db.session.scalars(sa.select(Submission).where(Submission.round_id == round_.id))
    }
    counts = query_counts([s.id for s in submissions.values()])
    rows = []
    for participant in round_.participants:
        submission = submissions.get(participant.country_id)
        count = counts.get(submission.id, QueryCounts()) if submission else QueryCounts()
        rows.append(
            ReviewRow(
                country_name=participant.country.name(language),
                country_id=participant.country_id,
                submission=submission,
                queries=count,
            )
        )
    return sorted(rows, key=lambda row: sort_key(row.country_name))


# ---------------------------------------------------------------- the previous round


@dataclass(frozen=True)
class PreviousAnswer:
    """A question of the previous round's version and the country's answer to it then."""

    question: Question
    answer: Answer


def previous_answers(
    previous: Submission | None, current_version: QuestionnaireVersion
) -> dict[str, PreviousAnswer]:
    """For each current question id, the previous answer to it, following `replaces` links
    through every version in between."""
    if previous is None:
        return {}
    old_version = previous.round.version
    old_answers = answers_by_question(previous)
    matched: dict[str, PreviousAnswer] = {}
    for question_id, old_id in question_mapping(old_version, current_version).items():
        old_question = old_version.definition.question(old_id)
        answer = old_answers.get(old_id)
        if old_question is not None and answer is not None:
            matched[question_id] = PreviousAnswer(old_question, answer)
    return matched


@dataclass(frozen=True)
class ReviewItem:
    """One question on the review page: the answer now, the answer last round, the queries."""

    area: Area
    question: Question
    answer: Answer | None
    previous: PreviousAnswer | None
    queries: list[ReviewQuery]
    evidence: list = field(default_factory=list)
    hidden: bool = False  # not asked: its show_if condition is false for these answers


def review_items(submission: Submission, previous: Submission | None) -> list[ReviewItem]:
    """Every question of the submission's version; `previous`: the country's last validated
    submission (`previous_validated_submission`), read once by the caller."""
    definition = submission.round.version.definition
    answers = answers_by_question(submission)
    hidden = hidden_ids(definition, answers)
    evidence = evidence_by_question(submission)
    previous_by_question = previous_answers(previous, submission.round.version)
    queries = queries_by_question(submission)
    return [
        ReviewItem(
            area=area,
            question=question,
            answer=answers.get(question.id),
            previous=previous_by_question.get(question.id),
            queries=queries.get(question.id, []),
            evidence=evidence.get(question.id, []),
            hidden=question.id in hidden,
        )
        for area, question in definition.questions()
    ]
