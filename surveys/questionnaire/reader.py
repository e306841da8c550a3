"""Reading YAML nodes with located problems: the walker every definition reader shares.

Part of the functional core: no Flask, no database. A `Reader` walks the composed nodes of one
file and collects every problem as an `Issue` (file, path such as `areas[2].questions[4]`, line)
instead of stopping at the first; the questionnaire loader, the question kinds
(`surveys.questionnaire.kinds`) and the analysis-framework loader all read through it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from surveys.questionnaire.errors import Issue, MessageParam
from surveys.questionnaire.grammar import RESERVED_WORDS
from surveys.translatable import N_

if TYPE_CHECKING:  # the schema imports the kinds, which read through this module
    from surveys.questionnaire.schema import Question, Rule

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
OPTION_VALUE_PATTERN = re.compile(r"[a-z0-9_]+", re.ASCII)

YAML_NULL = "tag:yaml.org,2002:null"
YAML_BOOL = "tag:yaml.org,2002:bool"
YAML_INT = "tag:yaml.org,2002:int"
YAML_FLOAT = "tag:yaml.org,2002:float"
_T = TypeVar("_T")
_D = TypeVar("_D")


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def line_of(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark else None


def shown_number(value: float) -> str:
    """A number as a message shows it (2 rather than 2.0)."""
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class PendingCondition:
    """A `show_if` checked once every question id is known."""

    question_id: str
    text: str
    path: str
    node: Node


@dataclass
class Reader:
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
    conditions: list[PendingCondition] = field(default_factory=list)
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
        self.issues.append(Issue(self.file, path, template, params, line_of(node)))

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
            if not isinstance(key_node, ScalarNode) or key_node.tag == YAML_NULL:
                self.report(key_node, path, N_("keys must be plain names"))
                continue
            key = key_node.value
            if key in result:
                self.report(key_node, join(path, key), N_("duplicate key '%(key)s'"), key=key)
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
                    join(path, key),
                    N_("unknown key '%(key)s'; allowed keys: %(allowed)s"),
                    key=key,
                    allowed=allowed_list,
                )
        for key in required:
            if key not in entries:
                self.report(node, join(path, key), N_("missing required key '%(key)s'"), key=key)
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
        if not isinstance(node, ScalarNode) or node.tag == YAML_NULL:
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
        if not isinstance(node, ScalarNode) or node.tag not in (YAML_INT, YAML_FLOAT):
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
        if not isinstance(node, ScalarNode) or node.tag != YAML_INT:
            self.report(node, path, N_("must be a whole number"))
            return None
        value = self.constructed(node)
        if not isinstance(value, int) or isinstance(value, bool):
            self.report(node, path, N_("must be a whole number"))
            return None
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != YAML_BOOL:
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
                value=shown_number(value),
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
                value=shown_number(value),
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
                value=shown_number(value),
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
        value = read(node, join(path, key))
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
                    join(path, language),
                    N_("language '%(language)s' is not declared in languages (%(declared)s)"),
                    language=language,
                    declared=", ".join(self.languages),
                )
                continue
            text = self.text(value_node, join(path, language))
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
        return self.localized(node, join(path, key)) or {}

    # --- ids ---------------------------------------------------------------------------------

    def identifier(self, node: Node, path: str) -> str | None:
        """An area or question id: well formed, not a keyword, unique in the file."""
        value = self.well_formed_id(node, path)
        if value is None:
            return None
        if value in RESERVED_WORDS:
            self.report(
                node,
                path,
                N_("'%(value)s' is a reserved word of conditions and rules and cannot be an id"),
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
