"""Helpers that shape the definition for the area templates and the page script."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from surveys.questionnaire.expressions import (
    And,
    Answered,
    Compare,
    Contains,
    Expr,
    InList,
    Not,
    Or,
    parse,
)
from surveys.questionnaire.schema import Question, localized, stat_cell_key
from surveys.responses.fields import cell_field, format_number


def condition_tree(text: str | None) -> list | None:
    """A `show_if` condition as compact JSON-ready lists for the page script's evaluator."""
    if not text:
        return None
    return _tree(parse(text))


def _tree(expr: Expr) -> list:
    if isinstance(expr, Compare):
        return ["cmp", expr.question_id, expr.operator, expr.value]
    if isinstance(expr, InList):
        return ["in", expr.question_id, list(expr.values)]
    if isinstance(expr, Contains):
        return ["has", expr.value, expr.question_id]
    if isinstance(expr, Answered):
        return ["ans", expr.question_id]
    if isinstance(expr, Not):
        return ["not", _tree(expr.operand)]
    name = "and" if isinstance(expr, And) else "or"
    assert isinstance(expr, And | Or)
    return [name, *(_tree(operand) for operand in expr.operands)]


@dataclass(frozen=True)
class StatCell:
    field: str
    header_ids: str  # for aria-labelledby: row, year and column headers
    shown: str  # the stored figure, formatted (read-only pages)
    computed: bool = False  # a total computed from its parts: shown read-only
    total_of: str = ""  # for a computed total: the space-separated field names of its parts


@dataclass(frozen=True)
class StatRowView:
    id: str
    header_id: str
    label: str
    definition: str
    cells: tuple[StatCell, ...]


@dataclass(frozen=True)
class StatTableView:
    years: tuple[tuple[int, str], ...]  # (year, header id)
    columns: tuple[tuple[str, str, str], ...]  # (column id, label, header id) per year, in order
    rows: tuple[StatRowView, ...]


def stat_table(question: Question, language: str, value: object = None) -> StatTableView:
    """The statistics table laid out for a template: rows × (years × columns)."""
    table = question.statistics
    assert table is not None
    qid = question.id
    cells_stored = value.get("cells", {}) if isinstance(value, Mapping) else {}
    years = tuple((year, f"{qid}-h-{year}") for year in table.years)
    columns = tuple(
        (column.id, localized(column.label, language), f"{qid}-h-{year}-{column.id}")
        for year in table.years
        for column in table.columns
    )
    checks = question.table_checks
    rows = []
    for row in table.rows:
        row_header = f"{qid}-h-{row.id}"
        cells = []
        for year in table.years:
            for column in table.columns:
                stored = cells_stored.get(stat_cell_key(row.id, year, column.id))
                total = checks.computed_total(column.id) if checks else None
                parts = (
                    " ".join(cell_field(qid, row.id, year, part) for part in total.parts)
                    if total
                    else ""
                )
                cells.append(
                    StatCell(
                        field=cell_field(qid, row.id, year, column.id),
                        header_ids=f"{row_header} {qid}-h-{year} {qid}-h-{year}-{column.id}",
                        shown="" if stored is None else format_number(stored, language),
                        computed=total is not None,
                        total_of=parts,
                    )
                )
        rows.append(
            StatRowView(
                id=row.id,
                header_id=row_header,
                label=localized(row.label, language),
                definition=localized(row.definition, language) if row.definition else "",
                cells=tuple(cells),
            )
        )
    return StatTableView(years=years, columns=columns, rows=tuple(rows))
