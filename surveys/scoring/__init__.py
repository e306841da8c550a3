"""Scoring: answers -> scorecards, progress across rounds and regional aggregates.

Functional core: imports nothing from Flask or the database. Rules: docs/scoring.md.
"""

from surveys.scoring.aggregates import EMPTY, INSUFFICIENT, IndexSummary, RoundAggregates, aggregate
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
    CHANGE_STATUS_LABELS,
    REGRESSION_LABEL,
    ChangeStatus,
    IndexChange,
    Progress,
    compare,
    compare_scorecards,
    match_questions,
)
from surveys.scoring.snapshot import SnapshotFormatError, scorecard_from_dict, scorecard_to_dict

__all__ = [
    "CHANGE_STATUS_LABELS",
    "EMPTY",
    "INSUFFICIENT",
    "MISSING_REASONS",
    "OVERALL",
    "REASON_LABELS",
    "REGRESSION_LABEL",
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
