"""A scorecard as plain JSON-able data, for snapshot storage, and back, exactly.

Every number is written as a decimal string ("62.50", "0.5"): JSON floats would be read back as
binary floats, and a snapshot must compare equal to a recomputed scorecard years later. Keys are
fixed and lists keep the scorecard's order, so `json.dumps(..., sort_keys=True)` of the same
scorecard is always the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from surveys.scoring.engine import (
    Figure,
    Index,
    IndexStatus,
    QuestionScore,
    Reason,
    Scorecard,
)

FORMAT = 1
"""The version of this dictionary layout (not of the scoring rules: see SCORING_VERSION)."""


class SnapshotFormatError(ValueError):
    """A stored dictionary that is not a scorecard this code can read."""


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _index_to_dict(index: Index) -> dict[str, Any]:
    return {
        "key": index.key,
        "value": _number(index.value),
        "coverage": _number(index.coverage),
        "status": index.status.value,
        "band": index.band,
    }


def _question_to_dict(question: QuestionScore) -> dict[str, Any]:
    data = {
        "id": question.question_id,
        "area": question.area_id,
        "line_of_action": question.line_of_action,
        "weight": _number(question.weight),
        "score": _number(question.score),
        "reason": None if question.reason is None else question.reason.value,
    }
    # Written only when true: snapshots stored before evidence was recorded read back unchanged.
    if question.evidenced:
        data["evidence"] = True
    return data


def _figure_to_dict(figure: Figure) -> dict[str, Any]:
    return {
        "question": figure.question_id,
        "row": figure.row,
        "year": figure.year,
        "column": figure.column,
        "value": _number(figure.value),
        "source": figure.source,
        "definition": figure.definition,
        "period": figure.period,
        "coverage": figure.coverage,
    }


def scorecard_to_dict(scorecard: Scorecard) -> dict[str, Any]:
    """The scorecard as JSON-able data (strings, ints, None, lists and dicts only)."""
    return {
        "format": FORMAT,
        "scoring_version": scorecard.scoring_version,
        "definition": {"key": scorecard.definition_key, "version": scorecard.definition_version},
        "questions": [_question_to_dict(q) for q in scorecard.questions],
        "areas": [_index_to_dict(a) for a in scorecard.areas],
        "lines_of_action": [_index_to_dict(i) for i in scorecard.lines_of_action],
        "overall": _index_to_dict(scorecard.overall),
        "figures": [_figure_to_dict(f) for f in scorecard.figures],
    }


def _decimal(value: object, optional: bool = False) -> Decimal | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise SnapshotFormatError(f"expected a decimal string, found {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation as error:
        raise SnapshotFormatError(f"not a decimal: {value!r}") from error
    if not number.is_finite():
        raise SnapshotFormatError(f"not a finite decimal: {value!r}")
    return number


def _required_decimal(value: object) -> Decimal:
    number = _decimal(value)
    assert number is not None
    return number


def _index_from_dict(data: Mapping[str, Any]) -> Index:
    return Index(
        key=str(data["key"]),
        value=_decimal(data["value"], optional=True),
        coverage=_decimal(data["coverage"], optional=True),
        status=IndexStatus(data["status"]),
        band=data["band"],
    )


def _question_from_dict(data: Mapping[str, Any]) -> QuestionScore:
    reason = data["reason"]
    return QuestionScore(
        question_id=str(data["id"]),
        area_id=str(data["area"]),
        line_of_action=str(data["line_of_action"]),
        weight=_required_decimal(data["weight"]),
        score=_decimal(data["score"], optional=True),
        reason=None if reason is None else Reason(reason),
        evidenced=data.get("evidence", False) is True,
    )


def _figure_from_dict(data: Mapping[str, Any]) -> Figure:
    return Figure(
        question_id=str(data["question"]),
        row=str(data["row"]),
        year=int(data["year"]),
        column=str(data["column"]),
        value=_required_decimal(data["value"]),
        source=str(data["source"]),
        definition=str(data["definition"]),
        period=str(data["period"]),
        coverage=str(data["coverage"]),
    )


def scorecard_from_dict(data: Mapping[str, Any]) -> Scorecard:
    """The scorecard `scorecard_to_dict` wrote (`from_dict(to_dict(s)) == s`)."""
    try:
        if data["format"] != FORMAT:
            raise SnapshotFormatError(f"unknown snapshot format {data['format']!r}")
        return Scorecard(
            definition_key=str(data["definition"]["key"]),
            definition_version=int(data["definition"]["version"]),
            scoring_version=str(data["scoring_version"]),
            questions=tuple(_question_from_dict(q) for q in data["questions"]),
            areas=tuple(_index_from_dict(a) for a in data["areas"]),
            lines_of_action=tuple(_index_from_dict(i) for i in data["lines_of_action"]),
            overall=_index_from_dict(data["overall"]),
            figures=tuple(_figure_from_dict(f) for f in data["figures"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, SnapshotFormatError):
            raise
        raise SnapshotFormatError(f"not a stored scorecard: {error!r}") from error
