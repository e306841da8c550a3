"""Small definitions and answers built directly from the schema dataclasses (no YAML loader)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from surveys.questionnaire.schema import (
    DEFAULT_BANDS,
    Area,
    Band,
    Definition,
    LineOfAction,
    Option,
    Question,
    QuestionType,
    Response,
    ScoringSettings,
    StatColumn,
    StatisticsTable,
    StatRow,
    Threshold,
)

NA = object()
"""Pass as an answer value to mark the question "not applicable"."""

YES_PARTLY_NO = {"yes": 1.0, "partly": 0.5, "no": 0.0}


def _text(label: str) -> dict[str, str]:
    return {"en": label, "fr": label}


def _options(scores: Mapping[str, float | None]) -> tuple[Option, ...]:
    return tuple(Option(value, _text(value), score) for value, score in scores.items())


def question(qid: str, qtype: QuestionType, **fields: object) -> Question:
    return Question(id=qid, type=qtype, text=_text(qid), **fields)  # type: ignore[arg-type]


def yes_partly_no(
    qid: str, scores: Mapping[str, float] = YES_PARTLY_NO, **fields: object
) -> Question:
    return question(qid, QuestionType.YES_PARTLY_NO, options=_options(scores), **fields)


def single(qid: str, scores: Mapping[str, float | None], **fields: object) -> Question:
    return question(qid, QuestionType.SINGLE_CHOICE, options=_options(scores), **fields)


def multiple(qid: str, scores: Mapping[str, float | None], **fields: object) -> Question:
    return question(qid, QuestionType.MULTIPLE_CHOICE, options=_options(scores), **fields)


def maturity(qid: str, scores: Iterable[float | None] = (None,) * 5, **fields: object) -> Question:
    options = tuple(
        Option(str(level), _text(f"level {level}"), score) for level, score in enumerate(scores)
    )
    return question(qid, QuestionType.MATURITY, options=options, **fields)


def number(
    qid: str,
    thresholds: Iterable[tuple[float, float]] = (),
    qtype: QuestionType = QuestionType.INTEGER,
    **fields: object,
) -> Question:
    return question(qid, qtype, thresholds=tuple(Threshold(m, s) for m, s in thresholds), **fields)


def text(
    qid: str,
    answered_score: float | None = None,
    qtype: QuestionType = QuestionType.SHORT_TEXT,
    **fields: object,
) -> Question:
    return question(qid, qtype, answered_score=answered_score, **fields)


def statistics(
    qid: str,
    rows: Iterable[str] = ("prosecuted",),
    columns: Iterable[str] = ("female", "male"),
    years: Iterable[int] = (2024, 2025),
    answered_score: float | None = None,
    **fields: object,
) -> Question:
    table = StatisticsTable(
        rows=tuple(StatRow(r, _text(r), _text(f"how {r} is counted")) for r in rows),
        columns=tuple(StatColumn(c, _text(c)) for c in columns),
        years=tuple(years),
    )
    return question(
        qid, QuestionType.STATISTICS, statistics=table, answered_score=answered_score, **fields
    )


def area(aid: str, *questions: Question, weight: float = 1.0, line_of_action: str = "LA1") -> Area:
    return Area(
        id=aid,
        title=_text(aid),
        line_of_action=line_of_action,
        weight=weight,
        questions=tuple(questions),
    )


def definition(
    *areas: Area,
    key: str = "test",
    version: int = 1,
    lines_of_action: Iterable[str] = ("LA1", "LA2"),
    coverage_threshold: float = 0.5,
    comparability_threshold: float = 0.6,
    regression_threshold: float = 10.0,
    bands: tuple[Band, ...] = DEFAULT_BANDS,
) -> Definition:
    return Definition(
        key=key,
        version=version,
        languages=("en", "fr"),
        title=_text(key),
        lines_of_action=tuple(LineOfAction(i, _text(i)) for i in lines_of_action),
        areas=tuple(areas),
        scoring=ScoringSettings(
            coverage_threshold=coverage_threshold,
            comparability_threshold=comparability_threshold,
            regression_threshold=regression_threshold,
            bands=bands,
        ),
    )


def answers(**values: object) -> list[Response]:
    """Responses from keyword arguments; the value `NA` marks "not applicable"."""
    return [
        Response(qid, None, True) if value is NA else Response(qid, value)
        for qid, value in values.items()
    ]
