"""Read a questionnaire definition file (YAML) into a validated `Definition`.

Part of the functional core: no Flask, no database. The whole file is checked in one pass and
every problem is reported (`DefinitionError.issues`), each with its file, line and path such as
`areas[2].questions[4].options[1].score`. The YAML is composed into nodes (never constructed
into arbitrary objects) so that every value keeps its line, and so that `yes`/`no` stay text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path, PurePath

import yaml
from yaml.nodes import Node

from surveys.questionnaire import expressions
from surveys.questionnaire import rules as rule_language
from surveys.questionnaire.errors import DefinitionError, ExpressionError, Issue, MessageParam
from surveys.questionnaire.kinds import KINDS, Kind
from surveys.questionnaire.reader import (
    PendingCondition,
    Reader,
    join,
    shown_number,
)
from surveys.questionnaire.rules import SEVERITIES
from surveys.questionnaire.schema import (
    DEFAULT_BANDS,
    Area,
    Band,
    Definition,
    LineOfAction,
    Question,
    Rule,
    ScoringSettings,
)
from surveys.translatable import N_

__all__ = [
    "DefinitionError",
    "Issue",
    "load_definition",
    "parse_definition",
    "validate_file",
]

KEY_PATTERN = re.compile(r"[a-z0-9-]+", re.ASCII)
LINE_OF_ACTION_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*", re.ASCII)
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}", re.ASCII)
COLOR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}", re.ASCII)
FILE_NAME_PATTERN = re.compile(r"v([1-9][0-9]*)\.ya?ml", re.ASCII)
MAX_FILE_BYTES = 5_000_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_VERSION = 999_999  # far beyond any real questionnaire; keeps version numbers in every column

TOP_KEYS = (
    "key",
    "version",
    "languages",
    "title",
    "description",
    "scoring",
    "lines_of_action",
    "areas",
    "rules",
)
TOP_REQUIRED = ("key", "version", "languages", "title", "lines_of_action", "areas")
SCORING_KEYS = ("coverage_threshold", "comparability_threshold", "regression_threshold", "bands")
BAND_KEYS = ("key", "min", "color", "label")
LINE_OF_ACTION_KEYS = ("id", "title")
AREA_KEYS = ("id", "title", "description", "line_of_action", "weight", "questions")
AREA_REQUIRED = ("id", "title", "line_of_action", "questions")
COMMON_QUESTION_KEYS = (
    "id",
    "type",
    "text",
    "help",
    "required",
    "allow_na",
    "show_if",
    "weight",
    "line_of_action",
    "replaces",
)
RULE_KEYS = ("id", "check", "severity", "message")


# --- The definition, top down --------------------------------------------------------------------


def _read_languages(reader: Reader, node: Node, path: str) -> tuple[str, ...] | None:
    items = reader.items(node, path)
    if items is None:
        return None
    languages: list[str] = []
    valid = bool(items)
    for index, item in enumerate(items):
        item_path = join(path, index)
        language = reader.matching(
            item,
            item_path,
            LANGUAGE_PATTERN,
            N_("'%(value)s' is not a valid language code (e.g. en, fr)"),
        )
        if language is None:
            valid = False
        elif language in languages:
            reader.report(
                item, item_path, N_("language '%(language)s' is listed twice"), language=language
            )
        else:
            languages.append(language)
    return tuple(languages) if valid else None


def _check_file_name(
    reader: Reader, fields: Mapping[str, Node], key: str | None, version: int | None
) -> None:
    """The key must be the folder name and the version the N of `v<N>.yaml`."""
    path = PurePath(reader.file)
    match = FILE_NAME_PATTERN.fullmatch(path.name)
    if match is None and not reader.strict_name:
        return  # an upload or a text named otherwise: nothing to compare with
    if match is None:
        reader.report(
            None,
            "",
            N_("the file name must be v<N>.yaml, N being the version, not %(name)s"),
            name=path.name,
        )
    elif version is not None and version != int(match.group(1)):
        reader.report(
            fields.get("version"),
            "version",
            N_("version %(version)s does not match the file name %(name)s"),
            version=version,
            name=path.name,
        )
    folder = path.parent.name
    if folder and key is not None and key != folder:
        reader.report(
            fields.get("key"),
            "key",
            N_("key '%(key)s' does not match the folder name '%(folder)s'"),
            key=key,
            folder=folder,
        )


def _read_definition(reader: Reader, root: Node) -> Definition | None:
    fields = reader.fields(root, "", TOP_KEYS, TOP_REQUIRED)
    if fields is None:
        return None
    if "languages" in fields:
        reader.languages = _read_languages(reader, fields["languages"], "languages")
    key = None
    if "key" in fields:
        key = reader.matching(
            fields["key"],
            "key",
            KEY_PATTERN,
            N_("'%(value)s' is not a valid questionnaire key: use lower-case letters, digits or -"),
        )
    version = _read_version(reader, fields.get("version"))
    _check_file_name(reader, fields, key, version)
    title = reader.localized(fields["title"], "title") if "title" in fields else None
    description = reader.optional_localized(fields, "description", "")
    scoring = _read_scoring(reader, fields["scoring"]) if "scoring" in fields else ScoringSettings()
    lines = _read_lines_of_action(reader, fields.get("lines_of_action"))
    areas = _read_areas(reader, fields.get("areas"))
    rules = _read_rules(reader, fields.get("rules"))
    _check_conditions(reader)
    _check_rules(reader)
    _check_replacements(reader)
    if reader.issues or key is None or version is None or title is None:
        return None
    return Definition(
        key=key,
        version=version,
        languages=reader.languages or (),
        title=title,
        description=description,
        lines_of_action=lines,
        areas=areas,
        scoring=scoring,
        rules=rules,
    )


def _read_version(reader: Reader, node: Node | None) -> int | None:
    if node is None:
        return None
    version = reader.integer(node, "version")
    if version is not None and version < 1:
        reader.report(
            node,
            "version",
            N_("the version must be a positive whole number, not %(value)s"),
            value=version,
        )
        return None
    if version is not None and version > MAX_VERSION:
        reader.report(
            node,
            "version",
            N_("the version must be at most %(limit)s, not %(value)s"),
            limit=MAX_VERSION,
            value=version,
        )
        return None
    return version


def _read_fraction(reader: Reader, node: Node, path: str) -> float | None:
    """A share in (0, 1]."""
    value = reader.number(node, path)
    if value is not None and not 0 < value <= 1:
        reader.report(
            node,
            path,
            N_("must be greater than 0 and at most 1, not %(value)s"),
            value=shown_number(value),
        )
        return None
    return value


def _read_scoring(reader: Reader, node: Node) -> ScoringSettings:
    fields = reader.fields(node, "scoring", SCORING_KEYS)
    if fields is None:
        return ScoringSettings()
    defaults = ScoringSettings()
    coverage = reader.optional(
        fields,
        "coverage_threshold",
        "scoring",
        partial(_read_fraction, reader),
        defaults.coverage_threshold,
    )
    comparability = reader.optional(
        fields,
        "comparability_threshold",
        "scoring",
        partial(_read_fraction, reader),
        defaults.comparability_threshold,
    )
    regression = defaults.regression_threshold
    if "regression_threshold" in fields:
        path = "scoring.regression_threshold"
        value = reader.number(fields["regression_threshold"], path)
        if value is not None and value <= 0:
            reader.report(
                fields["regression_threshold"],
                path,
                N_("must be greater than 0, not %(value)s"),
                value=shown_number(value),
            )
        elif value is not None:
            regression = value
    bands = _read_bands(reader, fields["bands"]) if "bands" in fields else defaults.bands
    return ScoringSettings(
        coverage_threshold=coverage,
        comparability_threshold=comparability,
        regression_threshold=regression,
        bands=bands,
    )


def _read_bands(reader: Reader, node: Node) -> tuple[Band, ...]:
    path = "scoring.bands"
    items = reader.items(node, path)
    if items is None:
        return DEFAULT_BANDS
    bands: list[Band] = []
    keys: dict[str, str] = {}
    previous: float | None = None
    for index, item in enumerate(items):
        item_path = join(path, index)
        fields = reader.fields(item, item_path, BAND_KEYS, BAND_KEYS)
        if fields is None:
            continue
        band, minimum = _read_band_parts(reader, fields, item_path, keys)
        if minimum is not None:
            _check_band_order(reader, fields["min"], join(item_path, "min"), minimum, previous)
            previous = minimum
        if band is not None:
            bands.append(band)
    return tuple(bands)


def _check_band_order(
    reader: Reader, node: Node, path: str, minimum: float, previous: float | None
) -> None:
    """The first band starts at 0 and each next one higher."""
    if previous is None and minimum != 0:
        reader.report(
            node,
            path,
            N_("the first band must start at 0, not %(value)s"),
            value=shown_number(minimum),
        )
    elif previous is not None and minimum <= previous:
        reader.report(
            node,
            path,
            N_(
                "bands must be in ascending order of min: %(value)s does not exceed "
                "the previous min %(previous)s"
            ),
            value=shown_number(minimum),
            previous=shown_number(previous),
        )


def _read_band_parts(
    reader: Reader, fields: Mapping[str, Node], path: str, keys: dict[str, str]
) -> tuple[Band | None, float | None]:
    """The band (None when invalid) and its min (None when invalid), for the order check."""
    key = None
    if "key" in fields:
        key = reader.local_id(fields["key"], join(path, "key"), keys)
    minimum = None
    if "min" in fields:
        minimum = reader.number(fields["min"], join(path, "min"))
        if minimum is not None and not 0 <= minimum <= 100:
            reader.report(
                fields["min"],
                join(path, "min"),
                N_("a band min must be between 0 and 100, not %(value)s"),
                value=shown_number(minimum),
            )
            minimum = None
    color = None
    if "color" in fields:
        color = reader.matching(
            fields["color"],
            join(path, "color"),
            COLOR_PATTERN,
            N_("'%(value)s' is not a colour of the form #rrggbb"),
        )
    label = reader.localized(fields["label"], join(path, "label")) if "label" in fields else None
    if key is None or minimum is None or color is None or label is None:
        return None, minimum
    return Band(key=key, min=minimum, color=color, label=label), minimum


def _read_lines_of_action(reader: Reader, node: Node | None) -> tuple[LineOfAction, ...]:
    if node is None:
        return ()
    items = reader.items(node, "lines_of_action")
    if items is None:
        return ()
    lines: list[LineOfAction] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        path = join("lines_of_action", index)
        fields = reader.fields(item, path, LINE_OF_ACTION_KEYS, LINE_OF_ACTION_KEYS)
        if fields is None:
            continue
        line_id = None
        if "id" in fields:
            line_id = reader.matching(
                fields["id"],
                join(path, "id"),
                LINE_OF_ACTION_PATTERN,
                N_("'%(value)s' is not a valid line-of-action id: use letters, digits, _ or -"),
            )
            if line_id is not None and line_id in seen:
                reader.report(
                    fields["id"],
                    join(path, "id"),
                    N_("duplicate id '%(id)s': already used at %(other)s"),
                    id=line_id,
                    other=seen[line_id],
                )
                line_id = None
            elif line_id is not None:
                seen[line_id] = join(path, "id")
        title = (
            reader.localized(fields["title"], join(path, "title")) if "title" in fields else None
        )
        if line_id is not None and title is not None:
            lines.append(LineOfAction(id=line_id, title=title))
    reader.line_of_action_ids = tuple(seen)
    return tuple(lines)


def _read_areas(reader: Reader, node: Node | None) -> tuple[Area, ...]:
    if node is None:
        return ()
    items = reader.items(node, "areas")
    if items is None:
        return ()
    areas = (_read_area(reader, item, join("areas", index)) for index, item in enumerate(items))
    return tuple(area for area in areas if area is not None)


def _read_area(reader: Reader, node: Node, path: str) -> Area | None:
    fields = reader.fields(node, path, AREA_KEYS, AREA_REQUIRED)
    if fields is None:
        return None
    area_id = reader.identifier(fields["id"], join(path, "id")) if "id" in fields else None
    title = reader.localized(fields["title"], join(path, "title")) if "title" in fields else None
    description = reader.optional_localized(fields, "description", path)
    line_of_action = None
    if "line_of_action" in fields:
        line_of_action = reader.line_of_action_ref(
            fields["line_of_action"], join(path, "line_of_action")
        )
    weight = reader.weight(fields.get("weight"), join(path, "weight"))
    questions: list[Question] = []
    if "questions" in fields:
        questions_path = join(path, "questions")
        items = reader.items(fields["questions"], questions_path) or []
        for index, item in enumerate(items):
            question = _read_question(reader, item, join(questions_path, index), line_of_action)
            if question is not None:
                questions.append(question)
    if area_id is None or title is None or line_of_action is None:
        return None
    return Area(
        id=area_id,
        title=title,
        description=description,
        line_of_action=line_of_action,
        weight=weight,
        questions=tuple(questions),
    )


# --- Questions -----------------------------------------------------------------------------------


def _read_kind(reader: Reader, node: Node, path: str) -> Kind | None:
    value = reader.text(node, path)
    if value is None:
        return None
    kind = KINDS.get(value)
    if kind is None:
        reader.report(
            node,
            path,
            N_("unknown question type '%(value)s'; allowed types: %(allowed)s"),
            value=value,
            allowed=", ".join(KINDS),
        )
    return kind


def _all_question_keys() -> tuple[str, ...]:
    return tuple(dict.fromkeys(COMMON_QUESTION_KEYS + sum((k.keys for k in KINDS.values()), ())))


def _question_fields(
    reader: Reader, node: Node, path: str
) -> tuple[dict[str, Node], Kind | None] | None:
    """A question's entries checked against the keys its type allows."""
    entries = reader.entries(node, path)
    if entries is None:
        return None
    kind = _read_kind(reader, entries["type"][1], join(path, "type")) if "type" in entries else None
    all_keys = _all_question_keys()
    if kind is None:
        allowed, required = all_keys, ("id", "type", "text")
    else:
        allowed = COMMON_QUESTION_KEYS + kind.keys
        required = ("id", "type", "text", *kind.required_keys)
        for key, (key_node, _) in entries.items():
            if key in all_keys and key not in allowed:
                reader.report(
                    key_node,
                    join(path, key),
                    N_(
                        "key '%(key)s' does not apply to a %(type)s question; "
                        "allowed keys: %(allowed)s"
                    ),
                    key=key,
                    type=kind.name,
                    allowed=", ".join(allowed),
                )
        entries = {
            key: entry for key, entry in entries.items() if key in allowed or key not in all_keys
        }
    return reader.check_keys(entries, node, path, allowed, required), kind


def _read_question(
    reader: Reader, node: Node, path: str, area_line_of_action: str | None
) -> Question | None:
    parsed = _question_fields(reader, node, path)
    if parsed is None:
        return None
    fields, kind = parsed
    question_id = reader.identifier(fields["id"], join(path, "id")) if "id" in fields else None
    text = reader.localized(fields["text"], join(path, "text")) if "text" in fields else None
    help_text = reader.optional_localized(fields, "help", path)
    required = reader.optional(fields, "required", path, reader.boolean, True)
    allow_na = reader.optional(fields, "allow_na", path, reader.boolean, False)
    show_if = reader.optional(fields, "show_if", path, reader.text, None)
    weight = reader.weight(fields.get("weight"), join(path, "weight"), allow_zero=True)
    line_of_action = area_line_of_action
    if "line_of_action" in fields:
        line_of_action = reader.line_of_action_ref(
            fields["line_of_action"], join(path, "line_of_action")
        )
    replaces = reader.optional(fields, "replaces", path, reader.text, None)
    if question_id is not None:
        _register_question_links(reader, question_id, fields, path, show_if, replaces)
    elif isinstance(show_if, str):  # still worth a syntax check
        reader.conditions.append(
            PendingCondition("", show_if, join(path, "show_if"), fields["show_if"])
        )
    details = kind.read(reader, fields, path) if kind else None
    if question_id is None or kind is None or text is None or details is None:
        return None
    question = Question(
        id=question_id,
        type=kind.name,
        text=text,
        help=help_text,
        required=required,
        allow_na=allow_na,
        show_if=show_if,
        weight=weight,
        line_of_action=line_of_action or "",
        replaces=replaces,
        **details,
    )
    reader.questions[question_id] = question
    return question


def _register_question_links(
    reader: Reader,
    question_id: str,
    fields: Mapping[str, Node],
    path: str,
    show_if: object,
    replaces: object,
) -> None:
    """Note the question's place, condition and predecessor for the whole-file checks."""
    reader.question_order.append(question_id)
    if isinstance(show_if, str):
        reader.conditions.append(
            PendingCondition(question_id, show_if, join(path, "show_if"), fields["show_if"])
        )
    if isinstance(replaces, str):
        replaces_path = join(path, "replaces")
        reader.replacements.append((question_id, replaces, replaces_path, fields["replaces"]))


# --- Validation rules ----------------------------------------------------------------------------


def _read_rules(reader: Reader, node: Node | None) -> tuple[Rule, ...]:
    if node is None:
        return ()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(reader.items(node, "rules", allow_empty=True) or []):
        path = join("rules", index)
        fields = reader.fields(item, path, RULE_KEYS, RULE_KEYS)
        if fields is None or any(key not in fields for key in RULE_KEYS):
            continue
        rule_id = reader.local_id(fields["id"], join(path, "id"), seen)
        check = reader.text(fields["check"], join(path, "check"))
        severity = reader.text(fields["severity"], join(path, "severity"))
        if severity is not None and severity not in SEVERITIES:
            reader.report(
                fields["severity"],
                join(path, "severity"),
                N_("severity must be one of %(allowed)s, not '%(value)s'"),
                allowed=", ".join(SEVERITIES),
                value=severity,
            )
            severity = None
        message = reader.localized(fields["message"], join(path, "message"))
        if rule_id is None or check is None or severity is None or message is None:
            continue
        rule = Rule(rule_id, check, severity, message)
        reader.rules.append((rule, join(path, "check"), fields["check"]))
        rules.append(rule)
    return tuple(rules)


def _check_rules(reader: Reader) -> None:
    """Every rule parses, reads questions and cells that exist, and compares values that fit."""
    for rule, path, node in reader.rules:
        try:
            tree = rule_language.parse(rule.check)
        except ExpressionError as error:
            reader.report(node, path, error.template, **error.params)
            continue
        known = [
            ref for ref in rule_language.references(tree) if ref.question_id in reader.questions
        ]
        unknown = sorted(
            {r.question_id for r in rule_language.references(tree)} - set(reader.questions)
        )
        for question_id in unknown:
            template = N_("the rule refers to unknown question '%(id)s'")
            if question_id in reader.used_ids and question_id not in reader.question_order:
                template = N_("the rule refers to '%(id)s', which is not a question")
            elif question_id in reader.question_order:
                continue  # the question itself has problems, reported where it is
            reader.report(node, path, template, id=question_id)
        if unknown or (not known and not _constant_rule(tree)):
            continue
        for problem in rule_language.check_types(tree, reader.questions):
            reader.report(node, path, problem.template, **problem.params)


def _constant_rule(tree: rule_language.Node) -> bool:
    return not rule_language.references(tree)


# --- Checks that need the whole file -------------------------------------------------------------


def _check_conditions(reader: Reader) -> None:
    """Every show_if parses and reads only earlier questions, with values they can take."""
    order = {question_id: index for index, question_id in enumerate(reader.question_order)}
    by_id = reader.questions
    for condition in reader.conditions:
        try:
            expr = expressions.parse(condition.text)
        except ExpressionError as error:
            reader.report(condition.node, condition.path, error.template, **error.params)
            continue
        own_position = order.get(condition.question_id)
        if own_position is None:
            continue  # the question's own id is invalid: its references cannot be judged
        for referenced in sorted(expressions.referenced_ids(expr)):
            _check_reference(reader, condition, referenced, order.get(referenced), own_position)
        _check_condition_values(reader, condition, expr, by_id)
        _check_condition_types(reader, condition, by_id)


# The type problems a show_if can have beyond what _check_condition_values reports.
_CONDITION_TYPE_PROBLEMS = frozenset(
    {
        rule_language.COMPARES_TEMPLATE,
        rule_language.WHOLE_TABLE_TEMPLATE,
        rule_language.ORDERS_TEMPLATE,
    }
)


def _check_condition_types(
    reader: Reader, condition: PendingCondition, by_id: Mapping[str, Question]
) -> None:
    """A condition comparing values of incompatible types (a statistics table with a number, a
    text question with a number) is never true: refuse it where it is."""
    try:
        tree = rule_language.parse(condition.text)
    except ExpressionError:
        return
    for problem in rule_language.check_types(tree, by_id):
        lists = rule_language.LIST in (problem.params.get("left_kind"), problem.params.get("kind"))
        lists = lists or problem.params.get("right_kind") == rule_language.LIST
        if problem.template in _CONDITION_TYPE_PROBLEMS and not lists:  # lists: reported above
            reader.report(condition.node, condition.path, problem.template, **problem.params)


def _check_reference(
    reader: Reader,
    condition: PendingCondition,
    referenced: str,
    position: int | None,
    own_position: int,
) -> None:
    if referenced == condition.question_id:
        reader.report(
            condition.node, condition.path, N_("the condition refers to its own question")
        )
    elif position is None:
        template = N_("the condition refers to unknown question '%(id)s'")
        if referenced in reader.used_ids:  # an area id, not a question id
            template = N_("the condition refers to '%(id)s', which is not a question")
        reader.report(condition.node, condition.path, template, id=referenced)
    elif position > own_position:
        reader.report(
            condition.node,
            condition.path,
            N_(
                "the condition refers to question '%(id)s', which comes later: "
                "a condition may only use earlier questions"
            ),
            id=referenced,
        )


def _check_condition_values(
    reader: Reader,
    condition: PendingCondition,
    expr: expressions.Expr,
    by_id: Mapping[str, Question],
) -> None:
    """Texts compared with a choice question must be among its option values."""
    for node in expressions.walk(expr):
        if isinstance(node, expressions.Compare | expressions.InList | expressions.Contains):
            question = by_id.get(node.question_id)
            if question is None or not question.kind.choice:
                continue
            selections = question.kind.value_type == rule_language.LIST
            if selections and not isinstance(node, expressions.Contains):
                reader.report(
                    condition.node,
                    condition.path,
                    N_(
                        "question '%(id)s' is multiple-choice: test a selection with "
                        "'value' in %(id)s"
                    ),
                    id=question.id,
                )
                continue
            _check_option_literals(reader, condition, question, _literals(node))


def _literals(node: expressions.Expr) -> Iterable[expressions.Literal]:
    if isinstance(node, expressions.Compare):
        return (node.value,)
    if isinstance(node, expressions.InList):
        return node.values
    if isinstance(node, expressions.Contains):
        return (node.value,)
    return ()


def _check_option_literals(
    reader: Reader,
    condition: PendingCondition,
    question: Question,
    literals: Iterable[expressions.Literal],
) -> None:
    values = [option.value for option in question.options]
    for literal in literals:
        if isinstance(literal, bool):
            continue
        shown = shown_number(literal) if isinstance(literal, int | float) else literal
        if shown not in values:
            reader.report(
                condition.node,
                condition.path,
                N_("'%(value)s' is not an option of question '%(id)s' (options: %(options)s)"),
                value=shown,
                id=question.id,
                options=", ".join(values),
            )


def _check_replacements(reader: Reader) -> None:
    """`replaces` names a question of an earlier version, once, that this version dropped."""
    current_ids = set(reader.question_order)
    replaced_by: dict[str, str] = {}
    for question_id, old_id, path, node in reader.replacements:
        if old_id not in reader.earlier_ids:
            reader.report(
                node,
                path,
                N_(
                    "replaces '%(id)s', which is not a question of an earlier version "
                    "of this questionnaire"
                ),
                id=old_id,
            )
        elif old_id != question_id and old_id in current_ids:
            reader.report(
                node,
                path,
                N_("replaces '%(id)s', which is still a question of this version"),
                id=old_id,
            )
        elif old_id in replaced_by:
            reader.report(
                node,
                path,
                N_("'%(id)s' is already replaced by question '%(other)s'"),
                id=old_id,
                other=replaced_by[old_id],
            )
        else:
            replaced_by[old_id] = question_id


# --- Entry points --------------------------------------------------------------------------------


def _compose(reader: Reader, text: str) -> Node | None:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(part for part in (error.context, error.problem) if part)
        reader.issues.append(
            Issue(
                reader.file,
                "",
                N_("invalid YAML: %(problem)s"),
                {"problem": problem or "syntax error"},
                mark.line + 1 if mark else None,
            )
        )
        return None
    except yaml.YAMLError as error:
        reader.report(None, "", N_("invalid YAML: %(problem)s"), problem=str(error))
        return None
    if root is None:
        reader.report(None, "", N_("the file is empty"))
    return root


def _sorted(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in file order (unknown lines first), stable otherwise."""
    return sorted(issues, key=lambda issue: issue.line or 0)


def parse_definition(
    text: str, filename: str, earlier: Sequence[Definition] = (), *, strict_name: bool = False
) -> Definition:
    """The definition in `text`, or `DefinitionError` listing every problem.

    `filename` is used in messages. When it is named `v<N>.yaml` the version must be N, and the
    key must equal its folder's name (when it has one); with `strict_name` (files loaded from
    disk) any other name is itself an issue. `earlier` are the previous versions, to resolve
    `replaces`.
    """
    earlier_ids = frozenset(q.id for definition in earlier for _, q in definition.questions())
    reader = Reader(file=filename, earlier_ids=earlier_ids, strict_name=strict_name)
    root = _compose(reader, text)
    definition = _read_definition(reader, root) if root is not None else None
    if definition is None and not reader.issues:  # defensive: never fail silently
        reader.report(root, "", N_("the definition is incomplete"))
    if reader.issues:
        raise DefinitionError(_sorted(reader.issues))
    assert definition is not None
    return definition


def _read_text(path: Path) -> str:
    def fail(template: str, **params: MessageParam) -> DefinitionError:
        return DefinitionError([Issue(str(path), "", template, params)])

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise fail(N_("the file is larger than %(limit)s bytes"), limit=MAX_FILE_BYTES)
        data = path.read_bytes()
    except OSError as error:
        raise fail(
            N_("cannot read the file: %(error)s"), error=error.strerror or str(error)
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail(N_("the file is not valid UTF-8 text")) from None


def earlier_version_paths(path: Path) -> list[Path]:
    """The sibling files v1..v<N-1> that exist, in version order."""
    match = FILE_NAME_PATTERN.fullmatch(path.name)
    if match is None:
        return []
    candidates = (
        path.with_name(f"v{number}{suffix}")
        for number in range(1, int(match.group(1)))
        for suffix in (".yaml", ".yml")
    )
    return [candidate for candidate in candidates if candidate.is_file()]


def _load_earlier(path: Path) -> list[Definition]:
    """The earlier versions, each loaded with the ones before it (never recursively)."""
    loaded: list[Definition] = []
    for earlier_path in earlier_version_paths(path):
        text = _read_text(earlier_path)
        loaded.append(parse_definition(text, str(earlier_path), loaded, strict_name=True))
    return loaded


def load_definition(path: str | Path, earlier: Sequence[Definition] | None = None) -> Definition:
    """The definition in a file; `earlier` defaults to the sibling files v1..v<N-1>."""
    path = Path(path)
    text = _read_text(path)
    if earlier is None:
        earlier = _load_earlier(path)
    return parse_definition(text, str(path), earlier, strict_name=True)


def validate_file(path: str | Path) -> list[Issue]:
    """Every problem in a definition file (and in the earlier versions it builds on)."""
    path = Path(path)
    issues: list[Issue] = []
    earlier: list[Definition] = []
    for earlier_path in earlier_version_paths(path):
        try:
            text = _read_text(earlier_path)
            earlier.append(parse_definition(text, str(earlier_path), earlier, strict_name=True))
        except DefinitionError as error:
            issues.extend(error.issues)
    try:
        load_definition(path, earlier)
    except DefinitionError as error:
        issues.extend(error.issues)
    return issues
