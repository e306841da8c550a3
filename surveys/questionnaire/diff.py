"""What changed between two versions of a questionnaire definition.

Part of the functional core: no Flask, no database. Questions are matched by `replaces` first
(a question that replaces an old id is compared with it, not listed as removed and added), then
by identical id. A matched question can be reworded, rescored, retyped and changed at once; each
list holds only the changes of its kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from surveys.languages import DEFAULT_LANGUAGE
from surveys.questionnaire.errors import ExpressionError
from surveys.questionnaire.expressions import parse, rename_ids, to_text
from surveys.questionnaire.schema import (
    Area,
    Definition,
    Localized,
    Option,
    Question,
    ScoringSettings,
    StatisticsTable,
    TableChecks,
    localized,
)

__all__ = [
    "AreaChange",
    "Change",
    "DefinitionDiff",
    "QuestionChange",
    "QuestionRef",
    "RuleChange",
    "diff_definitions",
    "render_text",
]


@dataclass(frozen=True)
class Change:
    """One field that differs; `field` is a dotted path such as `options.draft.score`."""

    field: str
    old: object = None
    new: object = None


@dataclass(frozen=True)
class QuestionRef:
    """A question present in only one of the two versions."""

    question_id: str
    area_id: str
    text: Localized

    def describe(self, language: str = DEFAULT_LANGUAGE) -> str:
        """One line: id, area and the question text in `language`."""
        return f"{self.question_id} [{self.area_id}]: {localized(self.text, language)}"


@dataclass(frozen=True)
class QuestionChange:
    """A question present in both versions (under `old_id` and `new_id`) and how it differs."""

    old_id: str
    new_id: str
    area_id: str
    text: Localized
    changes: tuple[Change, ...]

    @property
    def name(self) -> str:
        """`old_id -> new_id` for a replaced question, else its id."""
        return self.new_id if self.old_id == self.new_id else f"{self.old_id} -> {self.new_id}"

    def describe(self, language: str = DEFAULT_LANGUAGE) -> str:
        """One line: the question, its text in `language` and the fields that changed."""
        fields = ", ".join(change.field for change in self.changes)
        return f"{self.name} [{self.area_id}]: {localized(self.text, language)} ({fields})"


@dataclass(frozen=True)
class AreaChange:
    area_id: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class RuleChange:
    """A validation rule present in both versions (same id) and how it differs."""

    rule_id: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class DefinitionDiff:
    key: str
    old_version: int
    new_version: int
    added: tuple[QuestionRef, ...] = ()
    removed: tuple[QuestionRef, ...] = ()
    renamed: tuple[QuestionChange, ...] = ()
    """Matched through `replaces`: the id changed."""
    reworded: tuple[QuestionChange, ...] = ()
    """Question text, help, option or statistics labels changed in some language."""
    rescored: tuple[QuestionChange, ...] = ()
    """Option or level scores, thresholds, answered_score or weight changed."""
    retyped: tuple[QuestionChange, ...] = ()
    changed: tuple[QuestionChange, ...] = ()
    """Anything else: condition, required, allow_na, options offered, bounds, area, table shape."""
    areas_added: tuple[str, ...] = ()
    areas_removed: tuple[str, ...] = ()
    area_changes: tuple[AreaChange, ...] = ()
    settings: tuple[Change, ...] = ()
    """Scoring settings (thresholds, bands) that changed."""
    rules_added: tuple[str, ...] = ()
    """Ids of the validation rules (top-level `rules`) only the new version has."""
    rules_removed: tuple[str, ...] = ()
    rules_changed: tuple[RuleChange, ...] = ()
    """Rules whose check, severity or message changed."""
    links: Mapping[str, str] = field(default_factory=dict)
    """New question id -> the old question id it was compared with."""

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.renamed,
                self.reworded,
                self.rescored,
                self.retyped,
                self.changed,
                self.areas_added,
                self.areas_removed,
                self.area_changes,
                self.settings,
                self.rules_added,
                self.rules_removed,
                self.rules_changed,
            )
        )


# --- Comparing fields ----------------------------------------------------------------------------


def _text_changes(name: str, old: Localized, new: Localized) -> Iterator[Change]:
    """One change per language whose text differs (added or dropped languages included)."""
    for language in sorted(set(old) | set(new)):
        if old.get(language) != new.get(language):
            yield Change(f"{name}.{language}", old.get(language), new.get(language))


def _value_change(name: str, old: object, new: object) -> Iterator[Change]:
    if old != new:
        yield Change(name, old, new)


def _options_by_value(question: Question) -> dict[str, Option]:
    return {option.value: option for option in question.options}


def _reworded(old: Question, new: Question) -> Iterator[Change]:
    yield from _text_changes("text", old.text, new.text)
    yield from _text_changes("help", old.help, new.help)
    old_options = _options_by_value(old)
    for option in new.options:
        if option.value in old_options:
            old_label = old_options[option.value].label
            yield from _text_changes(f"options.{option.value}.label", old_label, option.label)
    if old.statistics and new.statistics:
        yield from _statistics_label_changes(old.statistics, new.statistics)


def _statistics_label_changes(old: StatisticsTable, new: StatisticsTable) -> Iterator[Change]:
    old_rows = {row.id: row for row in old.rows}
    for row in new.rows:
        if row.id in old_rows:
            yield from _text_changes(
                f"statistics.rows.{row.id}.label", old_rows[row.id].label, row.label
            )
            yield from _text_changes(
                f"statistics.rows.{row.id}.definition", old_rows[row.id].definition, row.definition
            )
    old_columns = {column.id: column for column in old.columns}
    for column in new.columns:
        if column.id in old_columns:
            yield from _text_changes(
                f"statistics.columns.{column.id}.label", old_columns[column.id].label, column.label
            )


def _rescored(old: Question, new: Question) -> Iterator[Change]:
    yield from _value_change("weight", old.weight, new.weight)
    if old.type != new.type:
        return  # scores of different types cannot be compared one by one
    old_options = _options_by_value(old)
    for option in new.options:
        if option.value in old_options:
            old_score = old_options[option.value].score
            yield from _value_change(f"options.{option.value}.score", old_score, option.score)
    yield from _value_change(
        "thresholds",
        [(t.min, t.score) for t in old.thresholds],
        [(t.min, t.score) for t in new.thresholds],
    )
    yield from _value_change("answered_score", old.answered_score, new.answered_score)


def _condition_in_new_ids(old: Question, links: Mapping[str, str]) -> str | None:
    """The old condition with its question ids renamed as the new version renamed them."""
    if old.show_if is None:
        return None
    renames = {old_id: new_id for new_id, old_id in links.items()}
    try:
        return to_text(rename_ids(parse(old.show_if), renames))
    except ExpressionError:
        return old.show_if


def _normalised_condition(text: str | None) -> str | None:
    try:
        return None if text is None else to_text(parse(text))
    except ExpressionError:
        return text


def _other_changes(
    old: Question, new: Question, areas: tuple[str, str], links: Mapping[str, str]
) -> Iterator[Change]:
    yield from _value_change("area", *areas)
    # A condition that only follows renamed questions has not changed.
    if _condition_in_new_ids(old, links) != _normalised_condition(new.show_if):
        yield Change("show_if", old.show_if, new.show_if)
    for name in ("required", "allow_na", "line_of_action", "minimum", "maximum"):
        yield from _value_change(name, getattr(old, name), getattr(new, name))
    if old.type == new.type:
        old_values = [option.value for option in old.options]
        new_values = [option.value for option in new.options]
        yield from _value_change("options", old_values, new_values)
        old_options = _options_by_value(old)
        for option in new.options:
            if option.value in old_options:
                was = old_options[option.value].exclusive
                yield from _value_change(f"options.{option.value}.exclusive", was, option.exclusive)
    if old.statistics and new.statistics:
        yield from _statistics_shape_changes(old.statistics, new.statistics)
    yield from _table_check_changes(old.table_checks, new.table_checks)
    yield from _value_change("plausibility", old.plausibility, new.plausibility)


def _table_check_changes(old: TableChecks | None, new: TableChecks | None) -> Iterator[Change]:
    """The shorthand rules of a statistics table: whole-number columns, totals, plausibility."""
    before, after = old or TableChecks(), new or TableChecks()
    yield from _value_change(
        "whole_numbers", list(before.integer_columns), list(after.integer_columns)
    )
    yield from _value_change("totals", _totals(before), _totals(after))
    yield from _value_change(
        "table_plausibility", before.plausibility_factor, after.plausibility_factor
    )


def _totals(checks: TableChecks) -> list[tuple[str, tuple[str, ...], str, bool]]:
    return [(t.total, t.parts, t.relation, t.computed) for t in checks.totals]


def _rule_changes(
    old: Definition, new: Definition
) -> tuple[list[str], list[str], list[RuleChange]]:
    """Validation rules added, removed (by id) and changed between two versions."""
    old_rules = {rule.id: rule for rule in old.rules}
    new_rules = {rule.id: rule for rule in new.rules}
    added = [rule.id for rule in new.rules if rule.id not in old_rules]
    removed = [rule.id for rule in old.rules if rule.id not in new_rules]
    changed = []
    for rule in new.rules:
        before = old_rules.get(rule.id)
        if before is None:
            continue
        changes = [
            *_value_change("check", _normalised_rule(before.check), _normalised_rule(rule.check)),
            *_value_change("severity", before.severity, rule.severity),
            *_text_changes("message", before.message, rule.message),
        ]
        if changes:
            if changes[0].field == "check":  # show them as written, not normalised
                changes[0] = Change("check", before.check, rule.check)
            changed.append(RuleChange(rule.id, tuple(changes)))
    return added, removed, changed


def _normalised_rule(check: str) -> str:
    """A rule's check without insignificant spacing (the same rule written differently)."""
    return " ".join(check.split())


def _statistics_shape_changes(old: StatisticsTable, new: StatisticsTable) -> Iterator[Change]:
    yield from _value_change(
        "statistics.rows", [row.id for row in old.rows], [row.id for row in new.rows]
    )
    yield from _value_change(
        "statistics.columns", [c.id for c in old.columns], [c.id for c in new.columns]
    )
    yield from _value_change("statistics.years", list(old.years), list(new.years))


# --- Matching questions --------------------------------------------------------------------------


def _match_questions(old: Definition, new: Definition) -> dict[str, str]:
    """New question id -> old question id: `replaces` links first, then unchanged ids."""
    old_ids = {question.id for _, question in old.questions()}
    links: dict[str, str] = {}
    claimed: set[str] = set()
    for _, question in new.questions():
        if question.replaces in old_ids and question.replaces not in claimed:
            links[question.id] = question.replaces
            claimed.add(question.replaces)
    for _, question in new.questions():
        if question.id not in links and question.id in old_ids and question.id not in claimed:
            links[question.id] = question.id
            claimed.add(question.id)
    return links


def _question_change(
    old: tuple[Area, Question], new: tuple[Area, Question], changes: Iterable[Change]
) -> QuestionChange | None:
    found = tuple(changes)
    if not found:
        return None
    return QuestionChange(old[1].id, new[1].id, new[0].id, new[1].text, found)


def _area_changes(old: Definition, new: Definition) -> list[AreaChange]:
    result: list[AreaChange] = []
    for area in new.areas:
        before = old.area(area.id)
        if before is None:
            continue
        changes = [
            *_text_changes("title", before.title, area.title),
            *_text_changes("description", before.description, area.description),
            *_value_change("weight", before.weight, area.weight),
            *_value_change("line_of_action", before.line_of_action, area.line_of_action),
        ]
        if changes:
            result.append(AreaChange(area.id, tuple(changes)))
    return result


def _settings_changes(old: ScoringSettings, new: ScoringSettings) -> list[Change]:
    changes: list[Change] = []
    for name in ("coverage_threshold", "comparability_threshold", "regression_threshold"):
        changes.extend(_value_change(name, getattr(old, name), getattr(new, name)))
    old_bands = [(b.key, b.min, b.color, dict(b.label)) for b in old.bands]
    new_bands = [(b.key, b.min, b.color, dict(b.label)) for b in new.bands]
    changes.extend(_value_change("bands", old_bands, new_bands))
    return changes


def diff_definitions(old: Definition, new: Definition) -> DefinitionDiff:
    """Every difference from `old` to `new` (normally two versions of one questionnaire)."""
    old_questions = {question.id: (area, question) for area, question in old.questions()}
    new_questions = {question.id: (area, question) for area, question in new.questions()}
    links = _match_questions(old, new)
    linked_old = set(links.values())
    kinds: dict[str, list[QuestionChange]] = {
        "renamed": [],
        "reworded": [],
        "rescored": [],
        "retyped": [],
        "changed": [],
    }
    rules_added, rules_removed, rules_changed = _rule_changes(old, new)
    for new_id, old_id in links.items():
        before, after = old_questions[old_id], new_questions[new_id]
        old_q, new_q = before[1], after[1]
        candidates = {
            "renamed": _value_change("id", old_id, new_id),
            "reworded": _reworded(old_q, new_q),
            "rescored": _rescored(old_q, new_q),
            "retyped": _value_change("type", old_q.type.value, new_q.type.value),
            "changed": _other_changes(old_q, new_q, (before[0].id, after[0].id), links),
        }
        for kind, changes in candidates.items():
            question_change = _question_change(before, after, changes)
            if question_change is not None:
                kinds[kind].append(question_change)
    return DefinitionDiff(
        key=new.key,
        old_version=old.version,
        new_version=new.version,
        added=tuple(
            QuestionRef(q.id, area.id, q.text) for area, q in new.questions() if q.id not in links
        ),
        removed=tuple(
            QuestionRef(q.id, area.id, q.text)
            for area, q in old.questions()
            if q.id not in linked_old
        ),
        renamed=tuple(kinds["renamed"]),
        reworded=tuple(kinds["reworded"]),
        rescored=tuple(kinds["rescored"]),
        retyped=tuple(kinds["retyped"]),
        changed=tuple(kinds["changed"]),
        areas_added=tuple(a.id for a in new.areas if old.area(a.id) is None),
        areas_removed=tuple(a.id for a in old.areas if new.area(a.id) is None),
        area_changes=tuple(_area_changes(old, new)),
        settings=tuple(_settings_changes(old.scoring, new.scoring)),
        rules_added=tuple(rules_added),
        rules_removed=tuple(rules_removed),
        rules_changed=tuple(rules_changed),
        links=links,
    )


# --- Text for the command line -------------------------------------------------------------------


def shown(value: object) -> str:
    """A changed value as one short line (also on the web diff page)."""
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value) if len(value) <= 300 else repr(value[:297] + "...")
    return str(value)


def _change_text(change: Change) -> str:
    return f"{change.field}: {shown(change.old)} -> {shown(change.new)}"


def _question_lines(item: QuestionChange, language: str) -> list[str]:
    lines = [f"  ~ {item.name} [{item.area_id}]: {localized(item.text, language)}"]
    lines.extend(f"      {_change_text(change)}" for change in item.changes)
    return lines


def render_text(diff: DefinitionDiff, language: str = DEFAULT_LANGUAGE) -> str:
    """The diff as plain text for a terminal; question texts in `language`."""
    lines = [f"Questionnaire {diff.key}: v{diff.old_version} -> v{diff.new_version}"]
    if diff.is_empty:
        return "\n".join([*lines, "No differences."])
    for title, refs, sign in (("Added", diff.added, "+"), ("Removed", diff.removed, "-")):
        if refs:
            lines.append(f"{title} questions ({len(refs)}):")
            lines.extend(f"  {sign} {ref.describe(language)}" for ref in refs)
    sections = (
        ("Renamed (replaces)", diff.renamed),
        ("Reworded", diff.reworded),
        ("Rescored", diff.rescored),
        ("Retyped", diff.retyped),
        ("Other changes", diff.changed),
    )
    for title, items in sections:
        if items:
            lines.append(f"{title} ({len(items)}):")
            for item in items:
                lines.extend(_question_lines(item, language))
    if diff.areas_added or diff.areas_removed or diff.area_changes:
        lines.append("Areas:")
        lines.extend(f"  + {area_id}" for area_id in diff.areas_added)
        lines.extend(f"  - {area_id}" for area_id in diff.areas_removed)
        for area in diff.area_changes:
            lines.append(f"  ~ {area.area_id}")
            lines.extend(f"      {_change_text(change)}" for change in area.changes)
    if diff.settings:
        lines.append("Scoring settings:")
        lines.extend(f"  ~ {_change_text(change)}" for change in diff.settings)
    if diff.rules_added or diff.rules_removed or diff.rules_changed:
        lines.append("Validation rules:")
        lines.extend(f"  + {rule_id}" for rule_id in diff.rules_added)
        lines.extend(f"  - {rule_id}" for rule_id in diff.rules_removed)
        for rule in diff.rules_changed:
            lines.append(f"  ~ {rule.rule_id}")
            lines.extend(f"      {_change_text(change)}" for change in rule.changes)
    return "\n".join(lines)
