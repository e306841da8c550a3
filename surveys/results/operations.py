"""Score snapshots: taking them, reading them back in bulk and checking them (flush only).

A snapshot stores the answers it scored (`inputs`) beside the scorecard (`result`), so that
`recompute` can rebuild every stored scorecard from the snapshot alone and compare the two
exactly, however the answers changed afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.questionnaire.frameworks import framework_for
from surveys.questionnaire.models import QuestionnaireVersion, definition_for
from surveys.questionnaire.schema import Definition, Response
from surveys.responses.models import Answer, Evidence, Submission
from surveys.results.models import ScoreSnapshot, Trigger
from surveys.rounds.models import Round
from surveys.rounds.submission_status import COUNTED_STATUSES, is_counted
from surveys.scoring import (
    SCORING_VERSION,
    Scorecard,
    SnapshotFormatError,
    score,
    scorecard_from_dict,
    scorecard_to_dict,
)
from surveys.scoring.dimensions import analyse

"""Submissions whose scores the dashboards show: the country's answer of record."""


# --- Answers as scoring sees them ----------------------------------------------------------------


def _response(
    question_id: str, value: object, not_applicable: bool, evidence: bool = False
) -> Response:
    return Response(question_id, value, bool(not_applicable), bool(evidence))


def responses_for(submission: Submission) -> list[Response]:
    """The submission's current answers as `schema.Response`s (one query)."""
    return responses_by_submission([submission.id]).get(submission.id, [])


def responses_by_submission(submission_ids: Iterable[int]) -> dict[int, list[Response]]:
    """Current answers of many submissions in two queries: submission id -> responses.

    An answer carries evidence when a file is attached to its question (not removed).
    """
    ids = sorted(set(submission_ids))
    found: dict[int, list[Response]] = defaultdict(list)
    if not ids:
        return found
    backed = _evidenced_questions(ids)
    rows = db.session.execute(
        select(Answer.submission_id, Answer.question_id, Answer.value, Answer.not_applicable)
        .where(Answer.submission_id.in_(ids))
        .order_by(Answer.submission_id, Answer.question_id)
    )
    for submission_id, question_id, value, not_applicable in rows:
        evidence = (submission_id, question_id) in backed
        found[submission_id].append(_response(question_id, value, not_applicable, evidence))
    return found


def _evidenced_questions(submission_ids: list[int]) -> set[tuple[int, str]]:
    """(submission id, question id) of every question with an evidence file attached."""
    rows = db.session.execute(
        select(Evidence.submission_id, Evidence.question_id)
        .where(Evidence.submission_id.in_(submission_ids), Evidence.removed_at.is_(None))
        .distinct()
    )
    return {(submission_id, question_id) for submission_id, question_id in rows}


def inputs_to_json(responses: Iterable[Response]) -> list[dict[str, Any]]:
    """Responses as stored in a snapshot, sorted by question id; "e" marks an attached file
    (written only when true, so answers without evidence are stored as before)."""
    return [
        {
            "q": r.question_id,
            "v": r.value,
            "na": r.not_applicable,
            **({"e": True} if r.evidence else {}),
        }
        for r in sorted(responses, key=lambda r: r.question_id)
    ]


def responses_from_inputs(inputs: Iterable[Mapping[str, Any]]) -> list[Response]:
    return [
        _response(str(i["q"]), i.get("v"), bool(i.get("na")), i.get("e") is True) for i in inputs
    ]


# --- Taking snapshots ----------------------------------------------------------------------------


def _new_snapshot(
    submission_id: int,
    trigger: Trigger,
    version: QuestionnaireVersion,
    responses: list[Response],
    now: datetime,
) -> ScoreSnapshot:
    scorecard = score(version.definition, responses)
    snapshot = ScoreSnapshot(
        submission_id=submission_id,
        trigger=trigger.value,
        definition_sha256=version.sha256,
        scoring_version=scorecard.scoring_version,
        inputs=inputs_to_json(responses),
        result=scorecard_to_dict(scorecard),
        created_at=now,
    )
    db.session.add(snapshot)
    return snapshot


def snapshot_submission(
    submission: Submission, trigger: Trigger | str, at: datetime | None = None
) -> ScoreSnapshot:
    """Score the submission's current answers and store the scorecard (flush only).

    Called by the workflow when a submission is submitted or validated; `at` dates it (the
    demo's history), by default now.
    """
    trigger = Trigger(trigger)
    db.session.flush()  # answers saved in this transaction are part of what is scored
    version = submission.round.version
    responses = responses_for(submission)
    snapshot = _new_snapshot(submission.id, trigger, version, responses, at or utcnow())
    db.session.flush()
    return snapshot


def snapshot_round_close(round_id: int, at: datetime | None = None) -> int:
    """Store a closing snapshot of every submission in the round (flush only).

    The scheduler calls it once every participating country has closed, and again when a
    reopened country closes. Idempotent: a submission whose latest snapshot is already a
    closing one of the same answers gets no new one. Returns the number of snapshots stored.
    `at` dates the snapshots (the demo stamps them with the round's closing), by default now.
    """
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.cancelled_at is not None:
        return 0
    submissions = list(
        db.session.scalars(select(Submission).where(Submission.round_id == round_id))
    )
    ids = [s.id for s in submissions]
    latest = latest_snapshots(ids)
    answers = responses_by_submission(ids)
    now = at or utcnow()
    created = 0
    for submission in submissions:
        responses = answers.get(submission.id, [])
        previous = latest.get(submission.id)
        if previous is not None and _is_same_closing(previous, round_.version, responses):
            continue
        _new_snapshot(submission.id, Trigger.ROUND_CLOSED, round_.version, responses, now)
        created += 1
    db.session.flush()
    return created


def _is_same_closing(
    snapshot: ScoreSnapshot, version: QuestionnaireVersion, responses: list[Response]
) -> bool:
    return (
        snapshot.trigger == Trigger.ROUND_CLOSED
        and snapshot.definition_sha256 == version.sha256
        and snapshot.scoring_version == SCORING_VERSION
        and snapshot.inputs == inputs_to_json(responses)
    )


# --- Reading snapshots in bulk -------------------------------------------------------------------


def latest_snapshots(
    submission_ids: Iterable[int], with_inputs: bool = True
) -> dict[int, ScoreSnapshot]:
    """The latest snapshot of each submission that has one, in one query.

    `with_inputs=False` leaves the stored answers unloaded (dashboards read only the results).
    """
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    newest = (
        select(func.max(ScoreSnapshot.id))
        .where(ScoreSnapshot.submission_id.in_(ids))
        .group_by(ScoreSnapshot.submission_id)
    )
    query = select(ScoreSnapshot).where(ScoreSnapshot.id.in_(newest))
    if not with_inputs:
        query = query.options(defer(ScoreSnapshot.inputs))
    rows = db.session.scalars(query)
    return {s.submission_id: s for s in rows}


@dataclass(frozen=True)
class ScoredSubmission:
    """A submission's scorecard, from its latest snapshot or computed now."""

    submission_id: int
    scorecard: Scorecard
    snapshot_id: int | None
    """None when no usable snapshot existed and the scorecard was computed on the fly."""


def scorecards_for(
    submissions: Sequence[Submission], with_figures: bool = True
) -> dict[int, ScoredSubmission]:
    """Scorecards of many submissions in at most two queries.

    A submission's latest snapshot is used when it was taken against the round's definition
    under today's scoring rules (the Excel workbooks apply the same rule, so both show the same
    numbers); the others are scored from their current answers (loaded in one query).
    `with_figures=False` leaves out the statistics figures (half the work of reading a stored
    scorecard; the dashboards' indices and progress do not use them).
    """
    latest = latest_snapshots((s.id for s in submissions), with_inputs=False)
    found: dict[int, ScoredSubmission] = {}
    unscored: list[Submission] = []
    for submission in submissions:
        snapshot = latest.get(submission.id)
        if snapshot is not None and is_current(snapshot, submission.round.version):
            result = snapshot.result if with_figures else {**snapshot.result, "figures": []}
            card = scorecard_from_dict(result)
            found[submission.id] = ScoredSubmission(submission.id, card, snapshot.id)
        else:
            unscored.append(submission)
    answers = responses_by_submission(s.id for s in unscored)
    for submission in unscored:
        card = score(submission.round.version.definition, answers.get(submission.id, []))
        found[submission.id] = ScoredSubmission(submission.id, card, None)
    return found


# The parts of a stored scorecard that hold indices (not the question results and figures).
INDEX_PARTS = ("format", "definition", "scoring_version", "areas", "lines_of_action", "overall")


def index_cards_for(submissions: Sequence[Submission]) -> dict[int, ScoredSubmission]:
    """Like `scorecards_for`, but scorecards holding only indices (no question results, no
    figures), read from each snapshot's index parts alone: a 200-country overview shows and
    aggregates indices, and decoding every question result of every snapshot dominated it."""
    ids = sorted({s.id for s in submissions})
    if not ids:
        return {}
    newest = (
        select(func.max(ScoreSnapshot.id))
        .where(ScoreSnapshot.submission_id.in_(ids))
        .group_by(ScoreSnapshot.submission_id)
    )
    rows = db.session.execute(
        select(
            ScoreSnapshot.id,
            ScoreSnapshot.submission_id,
            ScoreSnapshot.definition_sha256,
            ScoreSnapshot.scoring_version,
            *(ScoreSnapshot.result[part] for part in INDEX_PARTS),
        ).where(ScoreSnapshot.id.in_(newest))
    ).all()
    latest = {row[1]: row for row in rows}
    found: dict[int, ScoredSubmission] = {}
    others: list[Submission] = []
    for submission in submissions:
        row = latest.get(submission.id)
        version = submission.round.version
        if row is None or row[2] != version.sha256 or row[3] != SCORING_VERSION:
            others.append(submission)
            continue
        parts = dict(zip(INDEX_PARTS, row[4:], strict=True))
        card = scorecard_from_dict({**parts, "questions": [], "figures": []})
        found[submission.id] = ScoredSubmission(submission.id, card, row[0])
    found.update(scorecards_for(others, with_figures=False))
    return found


def is_current(snapshot: ScoreSnapshot, version: QuestionnaireVersion) -> bool:
    """Whether the snapshot scored this definition with today's scoring code."""
    return (
        snapshot.definition_sha256 == version.sha256 and snapshot.scoring_version == SCORING_VERSION
    )


# --- Recompute -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A stored snapshot that recomputing does not reproduce."""

    snapshot_id: int
    submission_id: int
    country: str
    round_label: str
    kind: str
    """"result": rebuilding from the stored answers gives another scorecard;
    "answers": a submitted or validated submission's answers no longer match its snapshot;
    "dimensions": the dimension indices or evidence coverage read from the stored question
    results differ from those of the rebuilt scorecard;
    "definition": the definition the snapshot names is not stored."""
    details: tuple[str, ...] = ()

    def describe(self) -> str:
        head = (
            f"snapshot {self.snapshot_id} ({self.country}, {self.round_label}, "
            f"submission {self.submission_id}): {self.kind}"
        )
        return "\n".join([head, *(f"    {line}" for line in self.details)])


@dataclass
class RecomputeReport:
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    dimension_indices: int = 0
    """Dimension indices compared (stored question results against recomputed ones)."""

    @property
    def ok(self) -> bool:
        return not self.differences


def dict_differences(stored: Any, rebuilt: Any, path: str = "") -> list[str]:
    """Where two JSON-like values differ, as "path: stored -> rebuilt" lines."""
    if isinstance(stored, Mapping) and isinstance(rebuilt, Mapping):
        lines = []
        for key in sorted(set(stored) | set(rebuilt), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in stored or key not in rebuilt:
                lines.append(f"{sub}: {stored.get(key)!r} -> {rebuilt.get(key)!r}")
            else:
                lines.extend(dict_differences(stored[key], rebuilt[key], sub))
        return lines
    if isinstance(stored, list) and isinstance(rebuilt, list):
        if len(stored) != len(rebuilt):
            return [f"{path}: {len(stored)} items -> {len(rebuilt)} items"]
        lines = []
        for position, (old, new) in enumerate(zip(stored, rebuilt, strict=True)):
            label = old.get("id") or old.get("key") if isinstance(old, Mapping) else None
            lines.extend(dict_differences(old, new, f"{path}[{label or position}]"))
        return lines
    if stored != rebuilt or type(stored) is not type(rebuilt):
        return [f"{path}: {stored!r} -> {rebuilt!r}"]
    return []


def recompute(round_id: int | None = None) -> RecomputeReport:
    """Rebuild every stored snapshot (of one round, or all) and report those that differ.

    Each scorecard is rebuilt from the answers stored in its snapshot and compared with the
    stored JSON exactly. The latest snapshot of a submitted or validated submission must also
    match the submission's current answers, which can no longer change.
    """
    query = select(ScoreSnapshot, Submission).join(Submission)
    if round_id is not None:
        query = query.where(Submission.round_id == round_id)
    rows = db.session.execute(query.order_by(ScoreSnapshot.id)).all()
    definitions = _definitions_by_sha({s.definition_sha256 for s, _ in rows})
    latest_ids = {max(ids) for ids in _snapshot_ids_by_submission(rows).values()}
    settled = [sub for snap, sub in rows if snap.id in latest_ids and is_counted(sub.status)]
    current_answers = responses_by_submission(s.id for s in settled)
    report = RecomputeReport()
    for snapshot, submission in rows:
        report.checked += 1
        definition = definitions.get(snapshot.definition_sha256)
        report.differences.extend(
            _check_snapshot(
                snapshot,
                submission,
                definition,
                current_answers.get(submission.id, [])
                if snapshot.id in latest_ids and submission.status in COUNTED_STATUSES
                else None,
                report,
            )
        )
    return report


def _snapshot_ids_by_submission(rows) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = defaultdict(list)
    for snapshot, _ in rows:
        ids[snapshot.submission_id].append(snapshot.id)
    return ids


def _definitions_by_sha(hashes: set[str]) -> dict[str, Definition]:
    if not hashes:
        return {}
    versions = db.session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.sha256.in_(sorted(hashes)))
    )
    return {v.sha256: definition_for(v.sha256, v.definition_json) for v in versions}


def _check_snapshot(
    snapshot: ScoreSnapshot,
    submission: Submission,
    definition: Definition | None,
    current: list[Response] | None,
    report: RecomputeReport | None = None,
) -> list[Difference]:
    def difference(kind: str, details: Iterable[str] = ()) -> Difference:
        return Difference(
            snapshot.id,
            submission.id,
            submission.country.iso2,
            submission.round.period_label,
            kind,
            tuple(details),
        )

    if definition is None:
        return [
            difference("definition", [f"no stored version has sha256 {snapshot.definition_sha256}"])
        ]
    found = []
    card = score(definition, responses_from_inputs(snapshot.inputs))
    rebuilt = scorecard_to_dict(card)
    if rebuilt != snapshot.result:
        found.append(difference("result", dict_differences(snapshot.result, rebuilt)))
    changed = _dimension_differences(definition, snapshot.result, card, report)
    if changed:
        found.append(difference("dimensions", changed))
    if current is not None and inputs_to_json(current) != snapshot.inputs:
        changed = _changed_questions(snapshot.inputs, inputs_to_json(current))
        found.append(
            difference("answers", [f"answers changed since the snapshot: {', '.join(changed)}"])
        )
    return found


def _dimension_differences(
    definition: Definition,
    stored: Mapping[str, Any],
    card: Scorecard,
    report: RecomputeReport | None,
) -> list[str]:
    """Dimension indices and evidence coverage under the framework in force, from the stored
    question results and from the rebuilt scorecard: they must be equal."""
    framework = framework_for(definition.key)
    try:
        from_stored = analyse(definition, scorecard_from_dict(stored), framework)
    except (SnapshotFormatError, ValueError) as error:
        return [f"stored question results unreadable: {error}"]
    rebuilt = analyse(definition, card, framework)
    if report is not None:
        report.dimension_indices += len(rebuilt.dimensions)
    lines = [
        f"{old.key}: {old.value} -> {new.value}"
        for old, new in zip(from_stored.dimensions, rebuilt.dimensions, strict=True)
        if old != new
    ]
    lines += [
        f"evidence {key}: {value} -> {rebuilt.evidence.get(key)}"
        for key, value in from_stored.evidence.items()
        if rebuilt.evidence.get(key) != value
    ]
    return lines


def _changed_questions(stored: list[dict], current: list[dict]) -> list[str]:
    before = {i["q"]: i for i in stored}
    after = {i["q"]: i for i in current}
    return sorted(q for q in set(before) | set(after) if before.get(q) != after.get(q))
