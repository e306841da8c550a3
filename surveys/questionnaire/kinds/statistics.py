"""statistics: a table of figures of at least 0 per row (indicator), year and column
(disaggregation), with where they come from (source, definition, period, coverage), and its
shorthand rules (whole numbers, totals, plausibility).

Part of the functional core: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from yaml.nodes import Node, ScalarNode

from surveys.questionnaire.kinds.base import (
    AmbiguousNumber,
    Kind,
    Message,
    ValueProblem,
    ValueProblems,
    colon,
    format_number,
    format_number_input,
    input_text,
    is_number,
    parse_number,
)
from surveys.questionnaire.kinds.numbers import AT_LEAST, ENTER_NUMBER, read_plausibility
from surveys.questionnaire.reader import YAML_BOOL, Reader, join
from surveys.questionnaire.schema import (
    StatColumn,
    StatisticsTable,
    StatRow,
    TableChecks,
    TotalCheck,
    localized,
    stat_cell_key,
)
from surveys.translatable import AT_MOST_CHARACTERS, N_

STATISTICS_KEYS = ("rows", "columns", "years", "whole_numbers", "totals", "plausibility")
STATISTICS_REQUIRED = ("rows", "columns", "years")
STAT_ROW_KEYS = ("id", "label", "definition")
STAT_COLUMN_KEYS = ("id", "label")
TOTAL_KEYS = ("total", "parts", "relation", "computed")
TOTAL_RELATIONS = ("equal", "at_least")
YEAR_RANGE = (1900, 2200)
META_FIELDS = ("source", "definition", "period", "coverage")
META_LABELS = {
    "source": N_("Source"),
    "definition": N_("Definition used"),
    "period": N_("Period covered"),
    "coverage": N_("Coverage"),
}
META_TEXT_MAX = 2_000
NOT_A_COLUMN = N_("'%(value)s' is not a column of this table (columns: %(columns)s)")


def cell_field(question_id: str, row_id: str, year: int, column_id: str) -> str:
    """The input of one cell: `<qid>-<row>-<year>-<column>`."""
    return f"{question_id}-{row_id}-{year}-{column_id}"


def computed_totals(table, checks, cells: Mapping[str, object]) -> dict[str, int | float]:
    """The computed totals of every row and year whose parts are all given."""
    found: dict[str, int | float] = {}
    for total in checks.totals:
        if not total.computed:
            continue
        for row in table.rows:
            for year in table.years:
                parts = [cells.get(stat_cell_key(row.id, year, part)) for part in total.parts]
                if all(is_number(p) for p in parts):
                    found[stat_cell_key(row.id, year, total.total)] = sum(parts)  # type: ignore[arg-type]
    return found


class Statistics(Kind):
    name = "statistics"
    label = N_("Statistics table")
    keys = ("answered_score", "statistics")
    required_keys = ("statistics",)
    widget = "statistics"
    grouped = True
    value_type = "statistics table"
    scoring = "answered_table"

    # --- the definition ---------------------------------------------------------------------

    def read(self, reader, fields, path):
        details = super().read(reader, fields, path)
        if details is None:
            return None
        statistics_path = join(path, "statistics")
        table, table_fields = read_table(reader, fields.get("statistics"), statistics_path)
        if table is None:
            return None
        details["statistics"] = table
        checks = read_table_checks(reader, table_fields, statistics_path, table)
        if checks is False:
            return None
        details["table_checks"] = checks
        return details

    # --- values -----------------------------------------------------------------------------

    def problem(self, question, value, language):
        table = question.statistics
        if not isinstance(value, Mapping) or not isinstance(value.get("cells", {}), Mapping):
            return Message(ENTER_NUMBER)
        keys = {stat_cell_key(*k) for k in table.cell_keys()} if table else set()
        for key, number in value.get("cells", {}).items():
            if key not in keys or not is_number(number):
                return Message(ENTER_NUMBER)
            if number < 0:
                return Message(AT_LEAST, {"low": 0})
        return None

    def normalise(self, question, inputs, language):
        table = question.statistics
        assert table is not None
        checks = question.table_checks
        whole = set(checks.integer_columns) if checks else set()
        cells: dict[str, int | float] = {}
        problems: list[ValueProblem] = []  # every figure and text refused, not only the first
        for row_id, year, column_id in table.cell_keys():
            if checks and checks.computed_total(column_id):
                continue  # computed below from its parts: a typed value is ignored
            name = cell_field(question.id, row_id, year, column_id)
            try:
                number = self._figure(inputs, name, column_id in whole, language)
            except ValueProblem as problem:
                problems.append(problem)
                continue
            if number is not None:
                cells[stat_cell_key(row_id, year, column_id)] = number
        value: dict[str, object] = {"cells": cells}
        for meta in META_FIELDS:
            name = f"{question.id}-{meta}"
            text = input_text(inputs, name)
            if len(text) > META_TEXT_MAX:
                problems.append(
                    ValueProblem(Message(AT_MOST_CHARACTERS, {"count": META_TEXT_MAX}), name)
                )
            value[meta] = text
        if problems:
            raise ValueProblems(problems)
        if checks:
            cells.update(computed_totals(table, checks, cells))
        if not cells and not any(value[meta] for meta in META_FIELDS):
            return None
        return value

    @staticmethod
    def _figure(inputs, name: str, whole: bool, language: str) -> int | float | None:
        raw = inputs.get(name)
        try:
            number = parse_number(raw if isinstance(raw, str) else "", language, whole=whole)
        except AmbiguousNumber as ambiguous:
            raise ValueProblem(ambiguous.message(language), name) from None
        except ValueError:
            raise ValueProblem(Message(ENTER_NUMBER), name) from None
        if number is None:
            return None
        if number < 0:
            raise ValueProblem(Message(AT_LEAST, {"low": 0}), name)
        if whole and not float(number).is_integer():
            message = N_("Enter a whole number: persons and cases are counted, not measured.")
            raise ValueProblem(Message(message), name)
        return int(number) if whole else number

    def input_data(self, question, value, language):
        table = question.statistics
        assert table is not None
        stored = value if isinstance(value, Mapping) else {}
        cells = stored.get("cells") or {}
        data: dict[str, object] = {}
        for row_id, year, column_id in table.cell_keys():
            number = cells.get(stat_cell_key(row_id, year, column_id))
            data[cell_field(question.id, row_id, year, column_id)] = format_number_input(
                number, language
            )
        for meta in META_FIELDS:
            data[f"{question.id}-{meta}"] = stored.get(meta, "")
        return data

    def text(self, question, value, language, t):
        """A plain-text summary: one line per row with figures, then the metadata."""
        table = question.statistics
        if not isinstance(value, Mapping) or table is None:
            return ""
        cells = value.get("cells") or {}
        after_label = colon(t)
        lines = []
        for row in table.rows:
            figures = []
            for year in table.years:
                for column in table.columns:
                    number = cells.get(stat_cell_key(row.id, year, column.id))
                    if number is not None:
                        figures.append(
                            f"{year} {localized(column.label, language)}{after_label}"
                            f"{format_number(number, language)}"
                        )
            if figures:
                lines.append(f"{localized(row.label, language)}{after_label}{', '.join(figures)}")
        for meta in META_FIELDS:
            if value.get(meta):
                lines.append(f"{t(META_LABELS[meta])}{after_label}{value[meta]}")
        return "\n".join(lines)

    def cell(self, question, value):
        return None  # the figures have a sheet of their own

    def options_text(self, question, language):
        table = question.statistics
        if table is None:
            return None
        rows = ", ".join(localized(r.label, language) for r in table.rows)
        columns = ", ".join(localized(c.label, language) for c in table.columns)
        years = ", ".join(str(y) for y in table.years)
        return f"{rows}\n{columns}\n{years}"


# --- Reading the table ---------------------------------------------------------------------------


def read_table(
    reader: Reader, node: Node | None, path: str
) -> tuple[StatisticsTable | None, Mapping[str, Node]]:
    """The table and the fields of its mapping (the shorthand rules are read from them)."""
    if node is None:
        return None, {}
    fields = reader.fields(node, path, STATISTICS_KEYS, STATISTICS_REQUIRED)
    if fields is None:
        return None, {}
    rows = _read_entries(reader, fields.get("rows"), join(path, "rows"), is_row=True)
    columns = _read_entries(reader, fields.get("columns"), join(path, "columns"), is_row=False)
    years = _read_years(reader, fields.get("years"), join(path, "years"))
    if rows is None or columns is None or years is None:
        return None, fields
    table = StatisticsTable(
        rows=tuple(r for r in rows if isinstance(r, StatRow)),
        columns=tuple(c for c in columns if isinstance(c, StatColumn)),
        years=years,
    )
    return table, fields


def _read_entries(
    reader: Reader, node: Node | None, path: str, *, is_row: bool
) -> list[StatRow | StatColumn] | None:
    if node is None:
        return None
    items = reader.items(node, path)
    if not items:
        return None
    valid = True
    seen: dict[str, str] = {}
    entries: list[StatRow | StatColumn] = []
    for index, item in enumerate(items):
        item_path = join(path, index)
        allowed = STAT_ROW_KEYS if is_row else STAT_COLUMN_KEYS
        fields = reader.fields(item, item_path, allowed, ("id", "label"))
        if fields is None:
            valid = False
            continue
        entry_id = (
            reader.local_id(fields["id"], join(item_path, "id"), seen) if "id" in fields else None
        )
        label = (
            reader.localized(fields["label"], join(item_path, "label"))
            if "label" in fields
            else None
        )
        definition = reader.optional_localized(fields, "definition", item_path) if is_row else {}
        if entry_id is None or label is None:
            valid = False
            continue
        entries.append(
            StatRow(entry_id, label, definition) if is_row else StatColumn(entry_id, label)
        )
    return entries if valid else None


def _read_years(reader: Reader, node: Node | None, path: str) -> tuple[int, ...] | None:
    if node is None:
        return None
    items = reader.items(node, path)
    if not items:
        return None
    years: list[int] = []
    valid = True
    for index, item in enumerate(items):
        item_path = join(path, index)
        year = reader.integer(item, item_path)
        if year is None:
            valid = False
        elif not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            reader.report(item, item_path, N_("%(value)s is not a plausible year"), value=year)
            valid = False
        elif years and year <= years[-1]:
            reader.report(
                item,
                item_path,
                N_(
                    "years must be in ascending order without repeats: "
                    "%(value)s follows %(previous)s"
                ),
                value=year,
                previous=years[-1],
            )
            valid = False
        else:
            years.append(year)
    return tuple(years) if valid else None


def read_table_checks(
    reader: Reader, fields: Mapping[str, Node], path: str, table: StatisticsTable
) -> TableChecks | Literal[False] | None:
    """The table's shorthand rules; None when it has none, False when they are invalid."""
    if not any(k in fields for k in ("whole_numbers", "totals", "plausibility")):
        return None
    column_ids = [c.id for c in table.columns]
    valid = True
    integer_columns: tuple[str, ...] = ()
    if "whole_numbers" in fields:
        read = _read_column_list(
            reader, fields["whole_numbers"], join(path, "whole_numbers"), column_ids, True
        )
        valid = valid and read is not None
        integer_columns = read or ()
    totals: list[TotalCheck] = []
    if "totals" in fields:
        for index, item in enumerate(reader.items(fields["totals"], join(path, "totals")) or []):
            total = _read_total(reader, item, join(join(path, "totals"), index), column_ids)
            valid = valid and total is not None
            if total is not None:
                totals.append(total)
        computed = [t.total for t in totals if t.computed]
        for column_id in {c for c in computed if computed.count(c) > 1}:
            reader.report(
                fields["totals"],
                join(path, "totals"),
                N_("column '%(id)s' is computed by two totals: keep one"),
                id=column_id,
            )
            valid = False
    factor = None
    if "plausibility" in fields:
        factor = read_plausibility(reader, fields["plausibility"], join(path, "plausibility"))
        valid = valid and factor is not None
    if not valid:
        return False
    return TableChecks(tuple(integer_columns), tuple(totals), factor)


def _read_column_list(
    reader: Reader, node: Node, path: str, column_ids: Sequence[str], allow_all: bool
) -> tuple[str, ...] | None:
    """A list of the table's column ids (or `true` for every column when allowed)."""
    if allow_all and isinstance(node, ScalarNode) and node.tag == YAML_BOOL:
        return tuple(column_ids) if reader.constructed(node) else ()
    items = reader.items(node, path)
    if items is None:
        return None
    found: list[str] = []
    for index, item in enumerate(items):
        value = reader.text(item, join(path, index))
        if value is None:
            return None
        if value not in column_ids:
            reader.report(
                item,
                join(path, index),
                NOT_A_COLUMN,
                value=value,
                columns=", ".join(column_ids),
            )
            return None
        found.append(value)
    return tuple(found)


def _read_total(
    reader: Reader, node: Node, path: str, column_ids: Sequence[str]
) -> TotalCheck | None:
    fields = reader.fields(node, path, TOTAL_KEYS, ("total", "parts"))
    if fields is None or "total" not in fields or "parts" not in fields:
        return None
    total = reader.text(fields["total"], join(path, "total"))
    if total is not None and total not in column_ids:
        reader.report(
            fields["total"],
            join(path, "total"),
            NOT_A_COLUMN,
            value=total,
            columns=", ".join(column_ids),
        )
        return None
    parts = _read_column_list(reader, fields["parts"], join(path, "parts"), column_ids, False)
    if total is None or parts is None:
        return None
    if len(parts) < 2 or total in parts or len(set(parts)) != len(parts):
        reader.report(
            fields["parts"],
            join(path, "parts"),
            N_("a total needs at least two different parts, other than the total '%(total)s'"),
            total=total,
        )
        return None
    relation = reader.optional(fields, "relation", path, reader.text, "equal")
    if relation not in TOTAL_RELATIONS:
        reader.report(
            fields["relation"],
            join(path, "relation"),
            N_("relation must be one of %(allowed)s, not '%(value)s'"),
            allowed=", ".join(TOTAL_RELATIONS),
            value=relation,
        )
        return None
    computed = reader.optional(fields, "computed", path, reader.boolean, False)
    if computed and relation != "equal":
        reader.report(
            fields["computed"],
            join(path, "computed"),
            N_("only a total with relation 'equal' can be computed from its parts"),
        )
        return None
    return TotalCheck(total, parts, relation, computed)
