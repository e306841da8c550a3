"""Scoring: answers -> scorecards, progress across rounds and regional aggregates.

Functional core: imports nothing from Flask or the database. Rules: docs/scoring.md.
"""

from surveys.scoring.aggregates import IndexSummary, RoundAggregates, aggregate
from surveys.scoring.engine import (
    MISSING_REASONS,
    OVERALL,
    REASON_LABELS,
    SCORING_VERSION,
    STATUS_LABELS,
    DuplicateResponseError,
    Figure,
    Index,
    IndexStatus,
    PreparedDefinition,
    QuestionScore,
    Reason,
    Scorecard,
    prepare,
    score,
)
from surveys.scoring.progress import (
    ChangeStatus,
    IndexChange,
    Progress,
    compare,
    compare_scorecards,
    match_questions,
)
from surveys.scoring.snapshot import SnapshotFormatError, scorecard_from_dict, scorecard_to_dict

__all__ = [
    "MISSING_REASONS",
    "OVERALL",
    "REASON_LABELS",
    "SCORING_VERSION",
    "STATUS_LABELS",
    "ChangeStatus",
    "DuplicateResponseError",
    "Figure",
    "Index",
    "IndexChange",
    "IndexStatus",
    "IndexSummary",
    "PreparedDefinition",
    "Progress",
    "QuestionScore",
    "Reason",
    "RoundAggregates",
    "Scorecard",
    "SnapshotFormatError",
    "aggregate",
    "compare",
    "compare_scorecards",
    "match_questions",
    "prepare",
    "score",
    "scorecard_from_dict",
    "scorecard_to_dict",
]
