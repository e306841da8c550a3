"""Scoring: answers -> scorecards, progress across rounds and regional aggregates.

Functional core: imports nothing from Flask or the database. Rules: docs/scoring.md.
"""

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
from surveys.scoring.snapshot import SnapshotFormatError, scorecard_from_dict, scorecard_to_dict

__all__ = [
    "MISSING_REASONS",
    "OVERALL",
    "REASON_LABELS",
    "SCORING_VERSION",
    "STATUS_LABELS",
    "DuplicateResponseError",
    "Figure",
    "Index",
    "IndexStatus",
    "PreparedDefinition",
    "QuestionScore",
    "Reason",
    "Scorecard",
    "SnapshotFormatError",
    "prepare",
    "score",
    "scorecard_from_dict",
    "scorecard_to_dict",
]
