"""Read a questionnaire definition file (YAML) into a validated `Definition`.

Part of the functional core: no Flask, no database. The whole file is checked in one pass and
every problem is reported (`DefinitionError.issues`), each with its file, line and path such as
`areas[2].questions[4].options[1].score`. The YAML is composed into nodes (never constructed
into arbitrary objects) so that every value keeps its line, and so that `yes`/`no` stay text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePath
from typing import Literal, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from surveys.questionnaire import expressions
from surveys.questionnaire import rules as rule_language
from surveys.questionnaire.errors import DefinitionError, ExpressionError, Issue, MessageParam
from surveys.questionnaire.rules import SEVERITIES
from surveys.questionnaire.schema import (
    CHOICE_TYPES,
    DEFAULT_BANDS,
    NUMBER_TYPES,
    Area,
    Band,
    Definition,
    LineOfAction,
    Option,
    Question,
    QuestionType,
    Rule,
    ScoringSettings,
    StatColumn,
    StatisticsTable,
    StatRow,
    TableChecks,
    Threshold,
    TotalCheck,
    even_level_score,
)
from surveys.translatable import N_

__all__ = [
    "DefinitionError",
    "Issue",
    "load_definition",
    "parse_definition",
    "validate_file",
]

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
KEY_PATTERN = re.compile(r"[a-z0-9-]+", re.ASCII)
LINE_OF_ACTION_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*", re.ASCII)
OPTION_VALUE_PATTERN = re.compile(r"[a-z0-9_]+", re.ASCII)
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}", re.ASCII)
COLOR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}", re.ASCII)
FILE_NAME_PATTERN = re.compile(r"v([1-9][0-9]*)\.ya?ml", re.ASCII)
MAX_FILE_BYTES = 5_000_000

_YAML_NULL = "tag:yaml.org,2002:null"
_YAML_BOOL = "tag:yaml.org,2002:bool"
_YAML_INT = "tag:yaml.org,2002:int"
_YAML_FLOAT = "tag:yaml.org,2002:float"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_VERSION = 999_999  # far beyond any real questionnaire; keeps version numbers in every column
_T = TypeVar("_T")
_D = TypeVar("_D")

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
QUESTION_TYPE_KEYS: Mapping[QuestionType, tuple[str, ...]] = {
    QuestionType.YES_PARTLY_NO: ("scores", "labels", "dont_know"),
    QuestionType.SINGLE_CHOICE: ("options",),
    QuestionType.MULTIPLE_CHOICE: ("options",),
    QuestionType.MATURITY: ("levels",),
    QuestionType.INTEGER: ("min", "max", "thresholds", "plausibility"),
    QuestionType.DECIMAL: ("min", "max", "thresholds", "plausibility"),
    QuestionType.PERCENTAGE: ("min", "max", "thresholds", "plausibility"),
    QuestionType.DATE: ("answered_score",),
    QuestionType.SHORT_TEXT: ("answered_score",),
    QuestionType.LONG_TEXT: ("answered_score",),
    QuestionType.STATISTICS: ("answered_score", "statistics"),
}
QUESTION_TYPE_REQUIRED: Mapping[QuestionType, tuple[str, ...]] = {
    QuestionType.SINGLE_CHOICE: ("options",),
    QuestionType.MULTIPLE_CHOICE: ("options",),
    QuestionType.MATURITY: ("levels",),
    QuestionType.STATISTICS: ("statistics",),
}
ALL_QUESTION_KEYS = tuple(
    dict.fromkeys(COMMON_QUESTION_KEYS + sum(QUESTION_TYPE_KEYS.values(), ()))
)
OPTION_KEYS = ("value", "label", "score")
MULTIPLE_OPTION_KEYS = ("value", "label", "score", "exclusive")
LEVEL_KEYS = ("label", "score")
THRESHOLD_KEYS = ("min", "score")
STATISTICS_KEYS = ("rows", "columns", "years", "whole_numbers", "totals", "plausibility")
STATISTICS_REQUIRED = ("rows", "columns", "years")
TOTAL_KEYS = ("total", "parts", "relation", "computed")
TOTAL_RELATIONS = ("equal", "at_least")
RULE_KEYS = ("id", "check", "severity", "message")
PLAUSIBILITY_KEYS = ("factor",)
STAT_ROW_KEYS = ("id", "label", "definition")
STAT_COLUMN_KEYS = ("id", "label")

YES_PARTLY_NO_VALUES = ("yes", "partly", "no")
DEFAULT_YES_PARTLY_NO_SCORES: Mapping[str, float] = {"yes": 1.0, "partly": 0.5, "no": 0.0}
DEFAULT_YES_PARTLY_NO_LABELS: Mapping[str, Mapping[str, str]] = {
    "yes": {"en": "Yes", "fr": "Oui"},
    "partly": {"en": "Partly", "fr": "Partiellement"},
    "no": {"en": "No", "fr": "Non"},
}
DONT_KNOW = "dont_know"
"""The value of the unscored answer a yes/partly/no question may offer (`dont_know: true`)."""
DEFAULT_DONT_KNOW_LABEL: Mapping[str, str] = {"en": "Don't know", "fr": "Ne sait pas"}
MATURITY_LEVELS = (3, 7)
"""The fewest and the most levels a maturity scale may have."""
PERCENTAGE_RANGE = (0.0, 100.0)
YEAR_RANGE = (1900, 2200)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _line(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark else None


def _shown_number(value: float) -> str:
    """A number as a message shows it (2 rather than 2.0)."""
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class _PendingCondition:
    """A `show_if` checked once every question id is known."""

    question_id: str
    text: str
    path: str
    node: Node


@dataclass
class _Reader:
    """Walks the YAML nodes of one file, collecting every issue instead of stopping."""

    file: str
    earlier_ids: frozenset[str] = frozenset()
    strict_name: bool = False
    """True for files of the questionnaires folder: their name must be `v<N>.yaml`."""
    languages: tuple[str, ...] | None = None
    """None until the declared languages are known to be valid (texts are then not checked)."""
    issues: list[Issue] = field(default_factory=list)
    used_ids: dict[str, str] = field(default_factory=dict)
    """Area and question ids seen so far -> the path where each was first used."""
    line_of_action_ids: tuple[str, ...] | None = None
    question_order: list[str] = field(default_factory=list)
    """Every question id read, in file order (even when the rest of the question is invalid)."""
    questions: dict[str, Question] = field(default_factory=dict)
    """The questions read without problems, by id."""
    conditions: list[_PendingCondition] = field(default_factory=list)
    rules: list[tuple[Rule, str, Node]] = field(default_factory=list)
    """Each rule read, with its path and node, checked once every question is known."""
    replacements: list[tuple[str, str, str, Node]] = field(default_factory=list)
    """(question id, replaced id, path, node) for every `replaces`."""
    visited: set[int] = field(default_factory=set)
    constructor: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor
    )

    # --- reporting ---------------------------------------------------------------------------

    def report(self, node: Node | None, path: str, template: str, **params: MessageParam) -> None:
        self.issues.append(Issue(self.file, path, template, params, _line(node)))

    # --- structure ---------------------------------------------------------------------------

    def first_visit(self, node: Node, path: str) -> bool:
        """False (and an issue) when an alias makes a list or mapping appear twice."""
        if id(node) in self.visited:
            self.report(
                node, path, N_("a repeated alias (*) cannot be used here; write the content out")
            )
            return False
        self.visited.add(id(node))
        return True

    def entries(self, node: Node, path: str) -> dict[str, tuple[Node, Node]] | None:
        """A mapping's entries by key (with the key's node), reporting duplicate keys."""
        if not isinstance(node, MappingNode):
            template = N_("must be a mapping (key: value)")
            if not path:
                template = N_("the file must hold a mapping (key: value) at the top level")
            self.report(node, path, template)
            return None
        if not self.first_visit(node, path):
            return None
        result: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _YAML_NULL:
                self.report(key_node, path, N_("keys must be plain names"))
                continue
            key = key_node.value
            if key in result:
                self.report(key_node, _join(path, key), N_("duplicate key '%(key)s'"), key=key)
                continue
            result[key] = (key_node, value_node)
        return result

    def check_keys(
        self,
        entries: Mapping[str, tuple[Node, Node]],
        node: Node,
        path: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, Node]:
        """The allowed entries' value nodes; unknown and missing keys are reported."""
        allowed_list = ", ".join(allowed)
        for key, (key_node, _) in entries.items():
            if key not in allowed:
                self.report(
                    key_node,
                    _join(path, key),
                    N_("unknown key '%(key)s'; allowed keys: %(allowed)s"),
                    key=key,
                    allowed=allowed_list,
                )
        for key in required:
            if key not in entries:
                self.report(node, _join(path, key), N_("missing required key '%(key)s'"), key=key)
        return {key: value for key, (_, value) in entries.items() if key in allowed}

    def fields(
        self, node: Node, path: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> dict[str, Node] | None:
        entries = self.entries(node, path)
        if entries is None:
            return None
        return self.check_keys(entries, node, path, allowed, required)

    def items(self, node: Node, path: str, allow_empty: bool = False) -> list[Node] | None:
        """A list's item nodes."""
        if not isinstance(node, SequenceNode):
            self.report(node, path, N_("must be a list"))
            return None
        if not self.first_visit(node, path):
            return None
        if not node.value and not allow_empty:
            self.report(node, path, N_("the list must not be empty"))
        return list(node.value)

    # --- scalars -----------------------------------------------------------------------------

    def text(self, node: Node, path: str) -> str | None:
        """A non-empty text; unquoted numbers or yes/no are taken as written."""
        if not isinstance(node, ScalarNode) or node.tag == _YAML_NULL:
            self.report(node, path, N_("must be a text"))
            return None
        if not node.value.strip():
            self.report(node, path, N_("must not be empty"))
            return None
        return str(node.value)

    def constructed(self, node: ScalarNode) -> object:
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception:  # an explicit tag on a malformed value (`!!int ""`) fails in many ways
            return None

    def number(self, node: Node, path: str) -> float | None:
        if not isinstance(node, ScalarNode) or node.tag not in (_YAML_INT, _YAML_FLOAT):
            self.report(node, path, N_("must be a number"))
            return None
        value = self.constructed(node)
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.report(node, path, N_("must be a number"))
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.report(node, path, N_("must be a finite number"))
            return None
        try:
            return float(value)
        except OverflowError:
            self.report(node, path, N_("must be a finite number"))
            return None

    def integer(self, node: Node, path: str) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != _YAML_INT:
            self.report(node, path, N_("must be a whole number"))
            return None
        value = self.constructed(node)
        if not isinstance(value, int) or isinstance(value, bool):
            self.report(node, path, N_("must be a whole number"))
            return None
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != _YAML_BOOL:
            self.report(node, path, N_("must be true or false"))
            return None
        value = self.constructed(node)
        if not isinstance(value, bool):
            self.report(node, path, N_("must be true or false"))
            return None
        return value

    def matching(
        self, node: Node, path: str, pattern: re.Pattern[str], template: str
    ) -> str | None:
        """A text matching `pattern`; `template` explains the rule with %(value)s."""
        value = self.text(node, path)
        if value is None:
            return None
        if not pattern.fullmatch(value):
            self.report(node, path, template, value=value)
            return None
        return value

    def score(self, node: Node, path: str) -> float | None:
        value = self.number(node, path)
        if value is not None and not 0 <= value <= 1:
            self.report(
                node,
                path,
                N_("the score must be between 0 and 1, not %(value)s"),
                value=_shown_number(value),
            )
            return None
        return value

    def weight(self, node: Node | None, path: str, allow_zero: bool = False) -> float:
        """A weight: > 0 for an area, >= 0 for a question (0: collected, never scored)."""
        if node is None:
            return 1.0
        value = self.number(node, path)
        if value is not None and value < 0 and allow_zero:
            self.report(
                node,
                path,
                N_("the weight must be 0 or more, not %(value)s"),
                value=_shown_number(value),
            )
            return 1.0
        if value is not None and value <= 0 and not allow_zero:
            self.report(
                node,
                path,
                N_(
                    "an area's weight must be greater than 0, not %(value)s (to collect "
                    "questions without scoring them, give the questions weight 0)"
                ),
                value=_shown_number(value),
            )
            return 1.0
        return 1.0 if value is None else value

    def optional(
        self,
        fields: Mapping[str, Node],
        key: str,
        path: str,
        read: Callable[[Node, str], _T | None],
        default: _D,
    ) -> _T | _D:
        """The value of an optional key, or `default` when it is absent or invalid."""
        node = fields.get(key)
        if node is None:
            return default
        value = read(node, _join(path, key))
        return default if value is None else value

    # --- texts -------------------------------------------------------------------------------

    def localized(self, node: Node, path: str) -> dict[str, str] | None:
        """A text per language: every declared language, and only those."""
        entries = self.entries(node, path)
        if entries is None:
            return None
        result: dict[str, str] = {}
        for language, (key_node, value_node) in entries.items():
            if self.languages is not None and language not in self.languages:
                self.report(
                    key_node,
                    _join(path, language),
                    N_("language '%(language)s' is not declared in languages (%(declared)s)"),
                    language=language,
                    declared=", ".join(self.languages),
                )
                continue
            text = self.text(value_node, _join(path, language))
            if text is not None:
                result[language] = text
        for language in self.languages or ():
            if language not in entries:
                self.report(
                    node,
                    path,
                    N_("missing the '%(language)s' translation"),
                    language=language,
                )
        return result

    def optional_localized(self, fields: Mapping[str, Node], key: str, path: str) -> dict[str, str]:
        node = fields.get(key)
        if node is None:
            return {}
        return self.localized(node, _join(path, key)) or {}

    # --- ids ---------------------------------------------------------------------------------

    def identifier(self, node: Node, path: str) -> str | None:
        """An area or question id: well formed, not a keyword, unique in the file."""
        value = self.well_formed_id(node, path)
        if value is None:
            return None
        if value in expressions.KEYWORDS:
            self.report(
                node,
                path,
                N_("'%(value)s' is a reserved word of conditions and cannot be an id"),
                value=value,
            )
            return None
        return self.unique(node, path, value, self.used_ids)

    def local_id(self, node: Node, path: str, seen: dict[str, str]) -> str | None:
        """An id unique within one list (statistics rows or columns)."""
        value = self.well_formed_id(node, path)
        return None if value is None else self.unique(node, path, value, seen)

    def well_formed_id(self, node: Node, path: str) -> str | None:
        return self.matching(
            node,
            path,
            ID_PATTERN,
            N_(
                "'%(value)s' is not a valid id: use a lower-case letter followed by lower-case "
                "letters, digits or _"
            ),
        )

    def unique(self, node: Node, path: str, value: str, seen: dict[str, str]) -> str | None:
        """`value` if no earlier node of `seen` uses it (then remembered at `path`)."""
        if value in seen:
            self.report(
                node,
                path,
                N_("duplicate id '%(id)s': already used at %(other)s"),
                id=value,
                other=seen[value],
            )
            return None
        seen[value] = path
        return value

    def line_of_action_ref(self, node: Node, path: str) -> str | None:
        value = self.text(node, path)
        if value is None or self.line_of_action_ids is None:
            return value
        if value not in self.line_of_action_ids:
            self.report(
                node,
                path,
                N_("line of action '%(id)s' is not declared in lines_of_action (%(declared)s)"),
                id=value,
                declared=", ".join(self.line_of_action_ids),
            )
            return None
        return value


# --- The definition, top down --------------------------------------------------------------------


def _read_languages(reader: _Reader, node: Node, path: str) -> tuple[str, ...] | None:
    items = reader.items(node, path)
    if items is None:
        return None
    languages: list[str] = []
    valid = bool(items)
    for index, item in enumerate(items):
        item_path = _join(path, index)
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
    reader: _Reader, fields: Mapping[str, Node], key: str | None, version: int | None
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


def _read_definition(reader: _Reader, root: Node) -> Definition | None:
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


def _read_version(reader: _Reader, node: Node | None) -> int | None:
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


def _read_fraction(reader: _Reader, node: Node, path: str) -> float | None:
    """A share in (0, 1]."""
    value = reader.number(node, path)
    if value is not None and not 0 < value <= 1:
        reader.report(
            node,
            path,
            N_("must be greater than 0 and at most 1, not %(value)s"),
            value=_shown_number(value),
        )
        return None
    return value


def _read_scoring(reader: _Reader, node: Node) -> ScoringSettings:
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
                value=_shown_number(value),
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


def _read_bands(reader: _Reader, node: Node) -> tuple[Band, ...]:
    path = "scoring.bands"
    items = reader.items(node, path)
    if items is None:
        return DEFAULT_BANDS
    bands: list[Band] = []
    keys: dict[str, str] = {}
    previous: float | None = None
    for index, item in enumerate(items):
        item_path = _join(path, index)
        fields = reader.fields(item, item_path, BAND_KEYS, BAND_KEYS)
        if fields is None:
            continue
        band, minimum = _read_band_parts(reader, fields, item_path, keys)
        if minimum is not None:
            _check_band_order(reader, fields["min"], _join(item_path, "min"), minimum, previous)
            previous = minimum
        if band is not None:
            bands.append(band)
    return tuple(bands)


def _check_band_order(
    reader: _Reader, node: Node, path: str, minimum: float, previous: float | None
) -> None:
    """The first band starts at 0 and each next one higher."""
    if previous is None and minimum != 0:
        reader.report(
            node,
            path,
            N_("the first band must start at 0, not %(value)s"),
            value=_shown_number(minimum),
        )
    elif previous is not None and minimum <= previous:
        reader.report(
            node,
            path,
            N_(
                "bands must be in ascending order of min: %(value)s does not exceed "
                "the previous min %(previous)s"
            ),
            value=_shown_number(minimum),
            previous=_shown_number(previous),
        )


def _read_band_parts(
    reader: _Reader, fields: Mapping[str, Node], path: str, keys: dict[str, str]
) -> tuple[Band | None, float | None]:
    """The band (None when invalid) and its min (None when invalid), for the order check."""
    key = None
    if "key" in fields:
        key = reader.local_id(fields["key"], _join(path, "key"), keys)
    minimum = None
    if "min" in fields:
        minimum = reader.number(fields["min"], _join(path, "min"))
        if minimum is not None and not 0 <= minimum <= 100:
            reader.report(
                fields["min"],
                _join(path, "min"),
                N_("a band min must be between 0 and 100, not %(value)s"),
                value=_shown_number(minimum),
            )
            minimum = None
    color = None
    if "color" in fields:
        color = reader.matching(
            fields["color"],
            _join(path, "color"),
            COLOR_PATTERN,
            N_("'%(value)s' is not a colour of the form #rrggbb"),
        )
    label = reader.localized(fields["label"], _join(path, "label")) if "label" in fields else None
    if key is None or minimum is None or color is None or label is None:
        return None, minimum
    return Band(key=key, min=minimum, color=color, label=label), minimum


def _read_lines_of_action(reader: _Reader, node: Node | None) -> tuple[LineOfAction, ...]:
    if node is None:
        return ()
    items = reader.items(node, "lines_of_action")
    if items is None:
        return ()
    lines: list[LineOfAction] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        path = _join("lines_of_action", index)
        fields = reader.fields(item, path, LINE_OF_ACTION_KEYS, LINE_OF_ACTION_KEYS)
        if fields is None:
            continue
        line_id = None
        if "id" in fields:
            line_id = reader.matching(
                fields["id"],
                _join(path, "id"),
                LINE_OF_ACTION_PATTERN,
                N_("'%(value)s' is not a valid line-of-action id: use letters, digits, _ or -"),
            )
            if line_id is not None and line_id in seen:
                reader.report(
                    fields["id"],
                    _join(path, "id"),
                    N_("duplicate id '%(id)s': already used at %(other)s"),
                    id=line_id,
                    other=seen[line_id],
                )
                line_id = None
            elif line_id is not None:
                seen[line_id] = _join(path, "id")
        title = (
            reader.localized(fields["title"], _join(path, "title")) if "title" in fields else None
        )
        if line_id is not None and title is not None:
            lines.append(LineOfAction(id=line_id, title=title))
    reader.line_of_action_ids = tuple(seen)
    return tuple(lines)


def _read_areas(reader: _Reader, node: Node | None) -> tuple[Area, ...]:
    if node is None:
        return ()
    items = reader.items(node, "areas")
    if items is None:
        return ()
    areas = (_read_area(reader, item, _join("areas", index)) for index, item in enumerate(items))
    return tuple(area for area in areas if area is not None)


def _read_area(reader: _Reader, node: Node, path: str) -> Area | None:
    fields = reader.fields(node, path, AREA_KEYS, AREA_REQUIRED)
    if fields is None:
        return None
    area_id = reader.identifier(fields["id"], _join(path, "id")) if "id" in fields else None
    title = reader.localized(fields["title"], _join(path, "title")) if "title" in fields else None
    description = reader.optional_localized(fields, "description", path)
    line_of_action = None
    if "line_of_action" in fields:
        line_of_action = reader.line_of_action_ref(
            fields["line_of_action"], _join(path, "line_of_action")
        )
    weight = reader.weight(fields.get("weight"), _join(path, "weight"))
    questions: list[Question] = []
    if "questions" in fields:
        questions_path = _join(path, "questions")
        items = reader.items(fields["questions"], questions_path) or []
        for index, item in enumerate(items):
            question = _read_question(reader, item, _join(questions_path, index), line_of_action)
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


def _read_question_type(reader: _Reader, node: Node, path: str) -> QuestionType | None:
    value = reader.text(node, path)
    if value is None:
        return None
    try:
        return QuestionType(value)
    except ValueError:
        reader.report(
            node,
            path,
            N_("unknown question type '%(value)s'; allowed types: %(allowed)s"),
            value=value,
            allowed=", ".join(QuestionType),
        )
        return None


def _question_fields(
    reader: _Reader, node: Node, path: str
) -> tuple[dict[str, Node], QuestionType | None] | None:
    """A question's entries checked against the keys its type allows."""
    entries = reader.entries(node, path)
    if entries is None:
        return None
    question_type = None
    if "type" in entries:
        question_type = _read_question_type(reader, entries["type"][1], _join(path, "type"))
    if question_type is None:
        allowed, required = ALL_QUESTION_KEYS, ("id", "type", "text")
    else:
        allowed = COMMON_QUESTION_KEYS + QUESTION_TYPE_KEYS[question_type]
        required = ("id", "type", "text", *QUESTION_TYPE_REQUIRED.get(question_type, ()))
        for key, (key_node, _) in entries.items():
            if key in ALL_QUESTION_KEYS and key not in allowed:
                reader.report(
                    key_node,
                    _join(path, key),
                    N_(
                        "key '%(key)s' does not apply to a %(type)s question; "
                        "allowed keys: %(allowed)s"
                    ),
                    key=key,
                    type=question_type.value,
                    allowed=", ".join(allowed),
                )
        entries = {
            key: entry
            for key, entry in entries.items()
            if key in allowed or key not in ALL_QUESTION_KEYS
        }
    return reader.check_keys(entries, node, path, allowed, required), question_type


def _read_question(
    reader: _Reader, node: Node, path: str, area_line_of_action: str | None
) -> Question | None:
    parsed = _question_fields(reader, node, path)
    if parsed is None:
        return None
    fields, question_type = parsed
    question_id = reader.identifier(fields["id"], _join(path, "id")) if "id" in fields else None
    text = reader.localized(fields["text"], _join(path, "text")) if "text" in fields else None
    help_text = reader.optional_localized(fields, "help", path)
    required = reader.optional(fields, "required", path, reader.boolean, True)
    allow_na = reader.optional(fields, "allow_na", path, reader.boolean, False)
    show_if = reader.optional(fields, "show_if", path, reader.text, None)
    weight = reader.weight(fields.get("weight"), _join(path, "weight"), allow_zero=True)
    line_of_action = area_line_of_action
    if "line_of_action" in fields:
        line_of_action = reader.line_of_action_ref(
            fields["line_of_action"], _join(path, "line_of_action")
        )
    replaces = reader.optional(fields, "replaces", path, reader.text, None)
    if question_id is not None:
        _register_question_links(reader, question_id, fields, path, show_if, replaces)
    elif isinstance(show_if, str):  # still worth a syntax check
        reader.conditions.append(
            _PendingCondition("", show_if, _join(path, "show_if"), fields["show_if"])
        )
    details = _read_type_details(reader, question_type, fields, path) if question_type else None
    if question_id is None or question_type is None or text is None or details is None:
        return None
    question = Question(
        id=question_id,
        type=question_type,
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
    reader: _Reader,
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
            _PendingCondition(question_id, show_if, _join(path, "show_if"), fields["show_if"])
        )
    if isinstance(replaces, str):
        replaces_path = _join(path, "replaces")
        reader.replacements.append((question_id, replaces, replaces_path, fields["replaces"]))


def _read_type_details(
    reader: _Reader, question_type: QuestionType, fields: Mapping[str, Node], path: str
) -> dict[str, object] | None:
    """The type-specific Question fields, or None when they are invalid."""
    if question_type is QuestionType.YES_PARTLY_NO:
        options = _read_yes_partly_no(reader, fields, path)
        return None if options is None else {"options": options}
    if question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        options = _read_options(
            reader, question_type, fields.get("options"), _join(path, "options")
        )
        return None if options is None else {"options": options}
    if question_type is QuestionType.MATURITY:
        options = _read_levels(reader, fields.get("levels"), _join(path, "levels"))
        return None if options is None else {"options": options}
    if question_type in NUMBER_TYPES:
        settings = _read_number_settings(reader, question_type, fields, path)
        if settings is not None and "plausibility" in fields:
            factor = _read_plausibility(reader, fields["plausibility"], _join(path, "plausibility"))
            if factor is None:
                return None
            settings["plausibility"] = factor
        return settings
    details: dict[str, object] = {}
    if "answered_score" in fields:
        score = reader.score(fields["answered_score"], _join(path, "answered_score"))
        if score is None:
            return None
        details["answered_score"] = score
    if question_type is QuestionType.STATISTICS:
        statistics_path = _join(path, "statistics")
        table, table_fields = _read_statistics(reader, fields.get("statistics"), statistics_path)
        if table is None:
            return None
        details["statistics"] = table
        checks = _read_table_checks(reader, table_fields, statistics_path, table)
        if checks is False:
            return None
        details["table_checks"] = checks
    return details


def _key_node(node: Node, key: str) -> Node | None:
    """The node of `key` in a mapping, looked at without reading the mapping (no issues)."""
    if not isinstance(node, MappingNode):
        return None
    return next((k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key), None)


def _read_dont_know(reader: _Reader, fields: Mapping[str, Node], path: str) -> bool | None:
    """Whether the question offers "don't know"; None when `dont_know` is not true or false."""
    if "dont_know" not in fields:
        return False
    return reader.boolean(fields["dont_know"], _join(path, "dont_know"))


def _refuse_dont_know_key(
    reader: _Reader, node: Node, path: str, offered: bool | None, template: str
) -> bool:
    """`scores` or `labels` naming dont_know: never scored, labelled only when offered."""
    key_node = _key_node(node, DONT_KNOW)
    if key_node is None or (offered and path.endswith("labels")):
        return False
    reader.report(key_node, _join(path, DONT_KNOW), template)
    return True


def _read_yes_partly_no(
    reader: _Reader, fields: Mapping[str, Node], path: str
) -> tuple[Option, ...] | None:
    dont_know = _read_dont_know(reader, fields, path)
    valid = dont_know is not None
    values = (*YES_PARTLY_NO_VALUES, DONT_KNOW) if dont_know else YES_PARTLY_NO_VALUES
    scores = dict(DEFAULT_YES_PARTLY_NO_SCORES)
    if "scores" in fields:
        scores_path = _join(path, "scores")
        if _refuse_dont_know_key(
            reader,
            fields["scores"],
            scores_path,
            dont_know,
            N_(
                "'don't know' is never scored (it answers the question and counts against "
                "coverage): remove this score"
            ),
        ):
            return None
        given = reader.fields(fields["scores"], scores_path, YES_PARTLY_NO_VALUES)
        valid = valid and given is not None
        for value, node in (given or {}).items():
            score = reader.score(node, _join(scores_path, value))
            valid = valid and score is not None
            if score is not None:
                scores[value] = score
    labels_path = _join(path, "labels")
    given_labels: dict[str, Node] = {}
    if "labels" in fields:
        if _refuse_dont_know_key(
            reader,
            fields["labels"],
            labels_path,
            dont_know,
            N_("a label for 'don't know' needs dont_know: true on the question"),
        ):
            return None
        read_labels = reader.fields(fields["labels"], labels_path, values)
        valid = valid and read_labels is not None
        given_labels = read_labels or {}
    unlabelled = [value for value in values if value not in given_labels]
    languages = reader.languages or ("en", "fr")
    without_default = [
        lang for lang in languages if lang not in DEFAULT_YES_PARTLY_NO_LABELS["yes"]
    ]
    if unlabelled and without_default:
        reader.report(
            fields.get("labels") or fields.get("type"),
            labels_path,
            N_("no built-in labels in %(languages)s: give labels for %(values)s"),
            languages=", ".join(without_default),
            values=", ".join(unlabelled),
        )
        return None
    options: list[Option] = []
    for value in values:
        if value in given_labels:
            label = reader.localized(given_labels[value], _join(labels_path, value))
        elif value == DONT_KNOW:
            label = {lang: DEFAULT_DONT_KNOW_LABEL[lang] for lang in languages}
        else:
            label = {lang: DEFAULT_YES_PARTLY_NO_LABELS[value][lang] for lang in languages}
        if label is None:
            valid = False
        elif value == DONT_KNOW:
            options.append(Option(value=value, label=label, score=None, dont_know=True))
        else:
            options.append(Option(value=value, label=label, score=scores[value]))
    return tuple(options) if valid else None


def _read_options(
    reader: _Reader, question_type: QuestionType, node: Node | None, path: str
) -> tuple[Option, ...] | None:
    if node is None:
        return None
    items = reader.items(node, path)
    if items is None:
        return None
    valid = True
    if len(items) < 2:
        reader.report(
            node,
            path,
            N_("a %(type)s question needs at least 2 options, found %(count)s"),
            type=question_type.value,
            count=len(items),
        )
        valid = False
    options: list[Option] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        option = _read_option(reader, question_type, item, _join(path, index))
        if option is None:
            valid = False
        elif option.value in seen:
            reader.report(
                item,
                _join(_join(path, index), "value"),
                N_("duplicate option value '%(value)s'"),
                value=option.value,
            )
            valid = False
        else:
            seen.add(option.value)
            options.append(option)
    if valid and options and all(option.exclusive for option in options):
        reader.report(
            node,
            path,
            N_(
                "every option is exclusive, so only one can ever be chosen: make this a "
                "single_choice question, or leave the options that combine without exclusive"
            ),
        )
        valid = False
    return tuple(options) if valid else None


def _read_option(
    reader: _Reader, question_type: QuestionType, node: Node, path: str
) -> Option | None:
    multiple = question_type is QuestionType.MULTIPLE_CHOICE
    exclusive_node = _key_node(node, "exclusive")
    if not multiple and exclusive_node is not None:
        reader.report(
            exclusive_node,
            _join(path, "exclusive"),
            N_(
                "'exclusive' applies to options of a multiple_choice question: the options of "
                "a %(type)s question exclude each other already"
            ),
            type=question_type.value,
        )
        return None
    keys = MULTIPLE_OPTION_KEYS if multiple else OPTION_KEYS
    fields = reader.fields(node, path, keys, ("value", "label"))
    if fields is None:
        return None
    exclusive = reader.optional(fields, "exclusive", path, reader.boolean, False)
    value = None
    if "value" in fields:
        value = reader.matching(
            fields["value"],
            _join(path, "value"),
            OPTION_VALUE_PATTERN,
            N_("'%(value)s' is not a valid option value: use lower-case letters, digits or _"),
        )
    label = reader.localized(fields["label"], _join(path, "label")) if "label" in fields else None
    score = None
    if "score" in fields:
        score = reader.score(fields["score"], _join(path, "score"))
        if score is None:
            return None
    if value is None or label is None or exclusive is None:
        return None
    return Option(value=value, label=label, score=score, exclusive=exclusive)


def _read_levels(reader: _Reader, node: Node | None, path: str) -> tuple[Option, ...] | None:
    if node is None:
        return None
    items = reader.items(node, path)
    if items is None:
        return None
    valid = True
    fewest, most = MATURITY_LEVELS
    if not fewest <= len(items) <= most:
        reader.report(
            node,
            path,
            N_("a maturity question needs %(fewest)s to %(most)s levels, found %(count)s"),
            fewest=fewest,
            most=most,
            count=len(items),
        )
        valid = False
    levels: list[Option] = []
    for level, item in enumerate(items):
        item_path = _join(path, level)
        fields = reader.fields(item, item_path, LEVEL_KEYS, ("label",))
        if fields is None:
            valid = False
            continue
        label = (
            reader.localized(fields["label"], _join(item_path, "label"))
            if "label" in fields
            else None
        )
        score: float | None = even_level_score(level, len(items))
        if "score" in fields:
            score = reader.score(fields["score"], _join(item_path, "score"))
        if label is None or score is None:
            valid = False
            continue
        levels.append(Option(value=str(level), label=label, score=score))
    return tuple(levels) if valid else None


def _read_number_settings(
    reader: _Reader, question_type: QuestionType, fields: Mapping[str, Node], path: str
) -> dict[str, object] | None:
    valid = True
    bounds: dict[str, float | None] = {"min": None, "max": None}
    for key in bounds:
        if key not in fields:
            continue
        value = _read_bound(reader, question_type, fields[key], _join(path, key))
        valid = valid and value is not None
        bounds[key] = value
    minimum, maximum = bounds["min"], bounds["max"]
    if minimum is not None and maximum is not None and minimum > maximum:
        reader.report(
            fields["max"],
            _join(path, "max"),
            N_("max (%(max)s) is smaller than min (%(min)s)"),
            max=_shown_number(maximum),
            min=_shown_number(minimum),
        )
        valid = False
    if question_type is QuestionType.PERCENTAGE:
        minimum = PERCENTAGE_RANGE[0] if minimum is None else minimum
        maximum = PERCENTAGE_RANGE[1] if maximum is None else maximum
    thresholds: tuple[Threshold, ...] = ()
    if "thresholds" in fields:
        read = _read_thresholds(reader, fields["thresholds"], _join(path, "thresholds"))
        valid = valid and read is not None
        thresholds = read or ()
    if not valid:
        return None
    return {"minimum": minimum, "maximum": maximum, "thresholds": thresholds}


def _read_bound(
    reader: _Reader, question_type: QuestionType, node: Node, path: str
) -> float | None:
    value = reader.number(node, path)
    if value is None:
        return None
    if question_type is QuestionType.INTEGER and not value.is_integer():
        reader.report(node, path, N_("must be a whole number"))
        return None
    low, high = PERCENTAGE_RANGE
    if question_type is QuestionType.PERCENTAGE and not low <= value <= high:
        reader.report(
            node,
            path,
            N_("a percentage bound must be between 0 and 100, not %(value)s"),
            value=_shown_number(value),
        )
        return None
    return value


def _read_thresholds(reader: _Reader, node: Node, path: str) -> tuple[Threshold, ...] | None:
    items = reader.items(node, path)
    if items is None:
        return None
    valid = True
    thresholds: list[Threshold] = []
    for index, item in enumerate(items):
        item_path = _join(path, index)
        fields = reader.fields(item, item_path, THRESHOLD_KEYS, THRESHOLD_KEYS)
        if fields is None:
            valid = False
            continue
        minimum = reader.number(fields["min"], _join(item_path, "min")) if "min" in fields else None
        score = (
            reader.score(fields["score"], _join(item_path, "score")) if "score" in fields else None
        )
        if minimum is None or score is None:
            valid = False
            continue
        if thresholds and minimum <= thresholds[-1].min:
            reader.report(
                fields["min"],
                _join(item_path, "min"),
                N_(
                    "thresholds must be in ascending order of min: %(value)s does not exceed "
                    "the previous min %(previous)s"
                ),
                value=_shown_number(minimum),
                previous=_shown_number(thresholds[-1].min),
            )
            valid = False
        thresholds.append(Threshold(min=minimum, score=score))
    return tuple(thresholds) if valid else None


def _read_statistics(
    reader: _Reader, node: Node | None, path: str
) -> tuple[StatisticsTable | None, Mapping[str, Node]]:
    """The table and the fields of its mapping (the shorthand rules are read from them)."""
    if node is None:
        return None, {}
    fields = reader.fields(node, path, STATISTICS_KEYS, STATISTICS_REQUIRED)
    if fields is None:
        return None, {}
    rows = _read_stat_entries(reader, fields.get("rows"), _join(path, "rows"), is_row=True)
    columns = _read_stat_entries(
        reader, fields.get("columns"), _join(path, "columns"), is_row=False
    )
    years = _read_years(reader, fields.get("years"), _join(path, "years"))
    if rows is None or columns is None or years is None:
        return None, fields
    table = StatisticsTable(
        rows=tuple(r for r in rows if isinstance(r, StatRow)),
        columns=tuple(c for c in columns if isinstance(c, StatColumn)),
        years=years,
    )
    return table, fields


def _read_stat_entries(
    reader: _Reader, node: Node | None, path: str, *, is_row: bool
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
        item_path = _join(path, index)
        allowed = STAT_ROW_KEYS if is_row else STAT_COLUMN_KEYS
        fields = reader.fields(item, item_path, allowed, ("id", "label"))
        if fields is None:
            valid = False
            continue
        entry_id = (
            reader.local_id(fields["id"], _join(item_path, "id"), seen) if "id" in fields else None
        )
        label = (
            reader.localized(fields["label"], _join(item_path, "label"))
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


def _read_years(reader: _Reader, node: Node | None, path: str) -> tuple[int, ...] | None:
    if node is None:
        return None
    items = reader.items(node, path)
    if not items:
        return None
    years: list[int] = []
    valid = True
    for index, item in enumerate(items):
        item_path = _join(path, index)
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


# --- Validation rules ----------------------------------------------------------------------------


def _read_plausibility(reader: _Reader, node: Node, path: str) -> float | None:
    """`plausibility: {factor: 3}`: a change by more than the factor since the previous round."""
    fields = reader.fields(node, path, PLAUSIBILITY_KEYS, PLAUSIBILITY_KEYS)
    if fields is None or "factor" not in fields:
        return None
    factor = reader.number(fields["factor"], _join(path, "factor"))
    if factor is not None and factor <= 1:
        reader.report(
            fields["factor"],
            _join(path, "factor"),
            N_("the factor must be more than 1, not %(value)s (2 means halved or doubled)"),
            value=_shown_number(factor),
        )
        return None
    return factor


def _read_table_checks(
    reader: _Reader, fields: Mapping[str, Node], path: str, table: StatisticsTable
) -> TableChecks | Literal[False] | None:
    """The table's shorthand rules; None when it has none, False when they are invalid."""
    if not any(k in fields for k in ("whole_numbers", "totals", "plausibility")):
        return None
    column_ids = [c.id for c in table.columns]
    valid = True
    integer_columns: tuple[str, ...] = ()
    if "whole_numbers" in fields:
        read = _read_column_list(
            reader, fields["whole_numbers"], _join(path, "whole_numbers"), column_ids, True
        )
        valid = valid and read is not None
        integer_columns = read or ()
    totals: list[TotalCheck] = []
    if "totals" in fields:
        for index, item in enumerate(reader.items(fields["totals"], _join(path, "totals")) or []):
            total = _read_total(reader, item, _join(_join(path, "totals"), index), column_ids)
            valid = valid and total is not None
            if total is not None:
                totals.append(total)
        computed = [t.total for t in totals if t.computed]
        for column_id in {c for c in computed if computed.count(c) > 1}:
            reader.report(
                fields["totals"],
                _join(path, "totals"),
                N_("column '%(id)s' is computed by two totals: keep one"),
                id=column_id,
            )
            valid = False
    factor = None
    if "plausibility" in fields:
        factor = _read_plausibility(reader, fields["plausibility"], _join(path, "plausibility"))
        valid = valid and factor is not None
    if not valid:
        return False
    return TableChecks(tuple(integer_columns), tuple(totals), factor)


def _read_column_list(
    reader: _Reader, node: Node, path: str, column_ids: Sequence[str], allow_all: bool
) -> tuple[str, ...] | None:
    """A list of the table's column ids (or `true` for every column when allowed)."""
    if allow_all and isinstance(node, ScalarNode) and node.tag == _YAML_BOOL:
        return tuple(column_ids) if reader.constructed(node) else ()
    items = reader.items(node, path)
    if items is None:
        return None
    found: list[str] = []
    for index, item in enumerate(items):
        value = reader.text(item, _join(path, index))
        if value is None:
            return None
        if value not in column_ids:
            reader.report(
                item,
                _join(path, index),
                N_("'%(value)s' is not a column of this table (columns: %(columns)s)"),
                value=value,
                columns=", ".join(column_ids),
            )
            return None
        found.append(value)
    return tuple(found)


def _read_total(
    reader: _Reader, node: Node, path: str, column_ids: Sequence[str]
) -> TotalCheck | None:
    fields = reader.fields(node, path, TOTAL_KEYS, ("total", "parts"))
    if fields is None or "total" not in fields or "parts" not in fields:
        return None
    total = reader.text(fields["total"], _join(path, "total"))
    if total is not None and total not in column_ids:
        reader.report(
            fields["total"],
            _join(path, "total"),
            N_("'%(value)s' is not a column of this table (columns: %(columns)s)"),
            value=total,
            columns=", ".join(column_ids),
        )
        return None
    parts = _read_column_list(reader, fields["parts"], _join(path, "parts"), column_ids, False)
    if total is None or parts is None:
        return None
    if len(parts) < 2 or total in parts or len(set(parts)) != len(parts):
        reader.report(
            fields["parts"],
            _join(path, "parts"),
            N_("a total needs at least two different parts, other than the total '%(total)s'"),
            total=total,
        )
        return None
    relation = reader.optional(fields, "relation", path, reader.text, "equal")
    if relation not in TOTAL_RELATIONS:
        reader.report(
            fields["relation"],
            _join(path, "relation"),
            N_("relation must be one of %(allowed)s, not '%(value)s'"),
            allowed=", ".join(TOTAL_RELATIONS),
            value=relation,
        )
        return None
    computed = reader.optional(fields, "computed", path, reader.boolean, False)
    if computed and relation != "equal":
        reader.report(
            fields["computed"],
            _join(path, "computed"),
            N_("only a total with relation 'equal' can be computed from its parts"),
        )
        return None
    return TotalCheck(total, parts, relation, computed)


def _read_rules(reader: _Reader, node: Node | None) -> tuple[Rule, ...]:
    if node is None:
        return ()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(reader.items(node, "rules", allow_empty=True) or []):
        path = _join("rules", index)
        fields = reader.fields(item, path, RULE_KEYS, RULE_KEYS)
        if fields is None or any(key not in fields for key in RULE_KEYS):
            continue
        rule_id = reader.local_id(fields["id"], _join(path, "id"), seen)
        check = reader.text(fields["check"], _join(path, "check"))
        severity = reader.text(fields["severity"], _join(path, "severity"))
        if severity is not None and severity not in SEVERITIES:
            reader.report(
                fields["severity"],
                _join(path, "severity"),
                N_("severity must be one of %(allowed)s, not '%(value)s'"),
                allowed=", ".join(SEVERITIES),
                value=severity,
            )
            severity = None
        message = reader.localized(fields["message"], _join(path, "message"))
        if rule_id is None or check is None or severity is None or message is None:
            continue
        rule = Rule(rule_id, check, severity, message)
        reader.rules.append((rule, _join(path, "check"), fields["check"]))
        rules.append(rule)
    return tuple(rules)


def _check_rules(reader: _Reader) -> None:
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


def _check_conditions(reader: _Reader) -> None:
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
    reader: _Reader, condition: _PendingCondition, by_id: Mapping[str, Question]
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
    reader: _Reader,
    condition: _PendingCondition,
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
    reader: _Reader,
    condition: _PendingCondition,
    expr: expressions.Expr,
    by_id: Mapping[str, Question],
) -> None:
    """Texts compared with a choice question must be among its option values."""
    for node in expressions.walk(expr):
        if isinstance(node, expressions.Compare | expressions.InList | expressions.Contains):
            question = by_id.get(node.question_id)
            if question is None or question.type not in CHOICE_TYPES:
                continue
            if question.type is QuestionType.MULTIPLE_CHOICE and not isinstance(
                node, expressions.Contains
            ):
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
    reader: _Reader,
    condition: _PendingCondition,
    question: Question,
    literals: Iterable[expressions.Literal],
) -> None:
    values = [option.value for option in question.options]
    for literal in literals:
        if isinstance(literal, bool):
            continue
        shown = _shown_number(literal) if isinstance(literal, int | float) else literal
        if shown not in values:
            reader.report(
                condition.node,
                condition.path,
                N_("'%(value)s' is not an option of question '%(id)s' (options: %(options)s)"),
                value=shown,
                id=question.id,
                options=", ".join(values),
            )


def _check_replacements(reader: _Reader) -> None:
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


def _compose(reader: _Reader, text: str) -> Node | None:
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
    reader = _Reader(file=filename, earlier_ids=earlier_ids, strict_name=strict_name)
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
