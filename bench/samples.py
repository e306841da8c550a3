"""Generated definitions and answers, for the benchmarks and for tests of realistic rounds.

Pure data (no Flask, no database). A random generator is passed in, so a seed gives the same
round every time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from surveys.questionnaire.schema import (
    Area,
    Definition,
    LineOfAction,
    Option,
    Question,
    QuestionType,
    ScoringSettings,
    StatColumn,
    StatisticsTable,
    StatRow,
    Threshold,
    stat_cell_key,
)

YES_PARTLY_NO = (("yes", 1.0), ("partly", 0.5), ("no", 0.0))
# The mix of question types of a generated definition, one entry per question in turn.
TYPE_CYCLE = (
    QuestionType.YES_PARTLY_NO,
    QuestionType.YES_PARTLY_NO,
    QuestionType.MATURITY,
    QuestionType.SINGLE_CHOICE,
    QuestionType.MULTIPLE_CHOICE,
    QuestionType.YES_PARTLY_NO,
    QuestionType.INTEGER,
    QuestionType.PERCENTAGE,
    QuestionType.DECIMAL,
    QuestionType.MATURITY,
    QuestionType.DATE,
    QuestionType.SHORT_TEXT,
    QuestionType.LONG_TEXT,
    QuestionType.YES_PARTLY_NO,
    QuestionType.STATISTICS,
)


def _text(label: str) -> dict[str, str]:
    return {"en": label, "fr": f"{label} (fr)"}


def _question(qid: str, qtype: QuestionType, position: int) -> Question:
    """A question of the type, scored the way the Niamey questionnaire scores it."""
    common = {
        "id": qid,
        "type": qtype,
        "text": _text(f"Question {qid}"),
        "weight": (1.0, 2.0, 0.5, 3.0)[position % 4],
        "allow_na": position % 5 == 0,
    }
    if qtype is QuestionType.YES_PARTLY_NO:
        options = tuple(Option(v, _text(v), s) for v, s in YES_PARTLY_NO)
        return Question(**common, options=options)
    if qtype is QuestionType.MATURITY:
        return Question(**common, options=tuple(Option(str(i), _text(f"L{i}")) for i in range(5)))
    if qtype is QuestionType.SINGLE_CHOICE:
        scores = (("none", 0.0), ("draft", 0.5), ("in_force", 1.0), ("unknown", None))
        return Question(**common, options=tuple(Option(v, _text(v), s) for v, s in scores))
    if qtype is QuestionType.MULTIPLE_CHOICE:
        scores = (("a", 0.4), ("b", 0.3), ("c", 0.3), ("other", None))
        return Question(**common, options=tuple(Option(v, _text(v), s) for v, s in scores))
    if qtype in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENTAGE):
        thresholds = (Threshold(0, 0.0), Threshold(10, 0.5), Threshold(50, 1.0))
        return Question(**common, minimum=0, maximum=100, thresholds=thresholds)
    if qtype is QuestionType.STATISTICS:
        table = StatisticsTable(
            rows=(StatRow("prosecuted", _text("prosecuted")), StatRow("convicted", _text("c"))),
            columns=(StatColumn("female", _text("female")), StatColumn("male", _text("male"))),
            years=(2024, 2025),
        )
        return Question(**common, statistics=table, answered_score=1.0)
    # Dates and texts: unscored, as in the Niamey questionnaire.
    return Question(**common)


def generated_definition(
    questions: int = 150, areas: int = 10, key: str = "bench", version: int = 1
) -> Definition:
    """A definition of `questions` questions of mixed types spread over `areas` areas."""
    per_area = -(-questions // areas)
    built: list[Area] = []
    for a in range(areas):
        ids = range(a * per_area, min((a + 1) * per_area, questions))
        built.append(
            Area(
                id=f"area{a + 1}",
                title=_text(f"Area {a + 1}"),
                line_of_action=f"LA{a % 8 + 1}",
                weight=(1.0, 1.5, 2.0)[a % 3],
                questions=tuple(
                    _question(f"q{n + 1:03d}", TYPE_CYCLE[n % len(TYPE_CYCLE)], n) for n in ids
                ),
            )
        )
    return Definition(
        key=key,
        version=version,
        languages=("en", "fr"),
        title=_text(f"Generated questionnaire {key}"),
        lines_of_action=tuple(LineOfAction(f"LA{i}", _text(f"LA{i}")) for i in range(1, 9)),
        areas=tuple(built),
        scoring=ScoringSettings(),
    )


def _value(question: Question, rng: random.Random) -> object:
    """A plausible answer: the kind's example, a table of figures, or a line of text."""
    if question.statistics is not None:
        cells = {
            stat_cell_key(*key): rng.randrange(0, 500) for key in question.statistics.cell_keys()
        }
        return {
            "cells": cells,
            "source": "Ministry",
            "definition": "",
            "period": "",
            "coverage": "",
        }
    example = question.kind.example(question, rng.random(), rng)
    return f"Answer to {question.id}" if example is None else example


def generated_answers(
    definition: Definition, rng: random.Random, answered: float = 0.9, not_applicable: float = 0.05
) -> Iterator[tuple[str, object, bool]]:
    """(question id, value, not applicable) for a share of the questions, like a real country."""
    for _, question in definition.questions():
        draw = rng.random()
        if question.allow_na and draw < not_applicable:
            yield question.id, None, True
        elif draw < answered:
            yield question.id, _value(question, rng), False
