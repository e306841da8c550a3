"""Analysis frameworks: dimensions across a questionnaire's questions, read from `dimensions.yaml`.

Part of the functional core: no Flask, no database. A framework file sits beside a
questionnaire's definition files (`questionnaires/<key>/dimensions.yaml`) and declares dimensions
(e.g. pillar: law | practice | capacity) with bilingual labels, the gaps to compute between two
values of one dimension (the law–practice gap), and tags questions with one value per dimension.

A tag applies to every version of the questionnaire through question lineage: a question keeps the
tags of its id, and a question that `replaces` another inherits the replaced question's tags unless
it is tagged itself. So rounds already closed on published versions get dimension indices without
republishing anything, and adding or editing the framework changes no stored area index.

Every problem is reported in one pass, each with its file, line and path (like a definition file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from types import MappingProxyType

from yaml.nodes import MappingNode, Node, ScalarNode

from surveys.questionnaire.errors import DefinitionError, Issue
from surveys.questionnaire.loader import (
    FILE_NAME_PATTERN,
    KEY_PATTERN,
    _compose,
    _read_languages,
    _read_text,
    _read_version,
    _sorted,
    parse_definition,
)
from surveys.questionnaire.reader import ID_PATTERN, Reader, join, line_of
from surveys.questionnaire.schema import Definition, Localized, Question
from surveys.translatable import N_

FRAMEWORK_FILE_NAME = "dimensions.yaml"
SEPARATOR = ":"
"""Between a dimension's id and a value's id in an index key ("pillar:law"); ids never hold it."""

TOP_KEYS = ("questionnaire", "version", "languages", "title", "dimensions", "gaps", "tags")
TOP_REQUIRED = ("questionnaire", "version", "languages", "title", "dimensions", "tags")
DIMENSION_KEYS = ("id", "title", "values")
VALUE_KEYS = ("id", "label")
GAP_KEYS = ("id", "label", "dimension", "minuend", "subtrahend")


@dataclass(frozen=True)
class DimensionValue:
    id: str
    label: Localized


@dataclass(frozen=True)
class Dimension:
    id: str
    title: Localized
    values: tuple[DimensionValue, ...]

    def value(self, value_id: str) -> DimensionValue | None:
        return next((v for v in self.values if v.id == value_id), None)


@dataclass(frozen=True)
class Gap:
    """A named indicator: index of `minuend` − index of `subtrahend`, two values of `dimension`."""

    id: str
    label: Localized
    dimension: str
    minuend: str
    subtrahend: str

    @property
    def minuend_key(self) -> str:
        return value_key(self.dimension, self.minuend)

    @property
    def subtrahend_key(self) -> str:
        return value_key(self.dimension, self.subtrahend)


def value_key(dimension_id: str, value_id: str) -> str:
    """The key of a dimension value's index, e.g. "pillar:law"."""
    return f"{dimension_id}{SEPARATOR}{value_id}"


@dataclass(frozen=True)
class Framework:
    questionnaire: str
    version: int
    languages: tuple[str, ...]
    title: Localized
    dimensions: tuple[Dimension, ...]
    gaps: tuple[Gap, ...] = ()
    tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """As written: question id -> {dimension id: value id}."""
    lineage: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Every question id of the versions known when loading -> the tags it carries (its own, or
    inherited through `replaces`)."""
    sha256: str = ""
    """Of the file's text: names the exact framework behind published dimension figures."""

    def dimension(self, dimension_id: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    def value_keys(self) -> tuple[str, ...]:
        """Every dimension value's index key, in file order."""
        return tuple(value_key(d.id, v.id) for d in self.dimensions for v in d.values)

    def tags_for(self, question: Question) -> Mapping[str, str]:
        """The question's dimension values; a version not known when loading is resolved through
        its question's own `replaces`."""
        found = self.lineage.get(question.id)
        if found is None and question.replaces:
            found = self.lineage.get(question.replaces)
        return found or {}

    def label(self, key: str, language: str) -> tuple[str, str]:
        """(dimension title, value label) of an index key, in `language`."""
        from surveys.questionnaire.schema import localized

        dimension_id, _, value_id = key.partition(SEPARATOR)
        dimension = self.dimension(dimension_id)
        value = dimension.value(value_id) if dimension else None
        if dimension is None or value is None:
            return dimension_id, value_id
        return localized(dimension.title, language), localized(value.label, language)

    @property
    def short_sha(self) -> str:
        return self.sha256[:12]


def resolve_lineage(
    tags: Mapping[str, Mapping[str, str]], definitions: Sequence[Definition]
) -> dict[str, Mapping[str, str]]:
    """The tags of every question of `definitions` (oldest first), inherited through `replaces`.

    A question's own tags win; otherwise it takes the tags its replaced question carries, itself
    resolved in an earlier version (so a chain v1 -> v2 -> v3 of rewordings keeps one tag).
    """
    resolved: dict[str, Mapping[str, str]] = {}
    for definition in sorted(definitions, key=lambda d: d.version):
        for _, question in definition.questions():
            own = tags.get(question.id)
            if own is not None:
                resolved[question.id] = own
            elif question.replaces and question.replaces in resolved:
                resolved[question.id] = resolved[question.replaces]
    return resolved


# --- Reading a framework file ------------------------------------------------------------------


@dataclass
class _Known:
    """What the file is checked against: the questionnaire's versions."""

    question_ids: frozenset[str]
    key: str | None


def _read_dimensions(reader: Reader, node: Node | None) -> tuple[Dimension, ...]:
    if node is None:
        return ()
    items = reader.items(node, "dimensions")
    dimensions: list[Dimension] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items or ()):
        path = join("dimensions", index)
        fields = reader.fields(item, path, DIMENSION_KEYS, DIMENSION_KEYS)
        if fields is None:
            continue
        dimension_id = None
        if "id" in fields:
            dimension_id = reader.local_id(fields["id"], join(path, "id"), seen)
        title = (
            reader.localized(fields["title"], join(path, "title")) if "title" in fields else None
        )
        values = _read_values(reader, fields.get("values"), join(path, "values"))
        if dimension_id and title is not None and values:
            dimensions.append(Dimension(dimension_id, MappingProxyType(title), values))
    return tuple(dimensions)


def _read_values(reader: Reader, node: Node | None, path: str) -> tuple[DimensionValue, ...]:
    if node is None:
        return ()
    items = reader.items(node, path)
    values: list[DimensionValue] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items or ()):
        item_path = join(path, index)
        fields = reader.fields(item, item_path, VALUE_KEYS, VALUE_KEYS)
        if fields is None:
            continue
        value_id = None
        if "id" in fields:
            value_id = reader.local_id(fields["id"], join(item_path, "id"), seen)
        label = None
        if "label" in fields:
            label = reader.localized(fields["label"], join(item_path, "label"))
        if value_id and label is not None:
            values.append(DimensionValue(value_id, MappingProxyType(label)))
    return tuple(values)


def _read_gaps(
    reader: Reader, node: Node | None, dimensions: Mapping[str, Dimension]
) -> tuple[Gap, ...]:
    if node is None:
        return ()
    items = reader.items(node, "gaps", allow_empty=True)
    gaps: list[Gap] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items or ()):
        path = join("gaps", index)
        fields = reader.fields(item, path, GAP_KEYS, GAP_KEYS)
        if fields is None or len(fields) < len(GAP_KEYS):
            continue
        gap_id = reader.local_id(fields["id"], join(path, "id"), seen)
        label = reader.localized(fields["label"], join(path, "label"))
        dimension_id = reader.text(fields["dimension"], join(path, "dimension"))
        dimension = dimensions.get(dimension_id or "")
        if dimension_id is not None and dimension is None:
            reader.report(
                fields["dimension"],
                join(path, "dimension"),
                N_("dimension '%(id)s' is not declared in dimensions (%(declared)s)"),
                id=dimension_id,
                declared=", ".join(dimensions),
            )
        sides = []
        for side in ("minuend", "subtrahend"):
            value = reader.text(fields[side], join(path, side))
            if value is not None and dimension is not None and dimension.value(value) is None:
                _unknown_value(reader, fields[side], join(path, side), dimension, value)
                value = None
            sides.append(value)
        if sides[0] is not None and sides[0] == sides[1]:
            reader.report(
                fields["subtrahend"],
                join(path, "subtrahend"),
                N_("a gap needs two different values, not '%(value)s' twice"),
                value=sides[0],
            )
            continue
        if gap_id and label is not None and dimension is not None and all(sides):
            gaps.append(Gap(gap_id, MappingProxyType(label), dimension.id, sides[0], sides[1]))
    return tuple(gaps)


def _unknown_value(reader: Reader, node: Node, path: str, dimension: Dimension, value: str) -> None:
    reader.report(
        node,
        path,
        N_("'%(value)s' is not a value of dimension '%(dimension)s' (%(declared)s)"),
        value=value,
        dimension=dimension.id,
        declared=", ".join(v.id for v in dimension.values),
    )


def _read_tags(
    reader: Reader, node: Node | None, dimensions: Mapping[str, Dimension], known: _Known
) -> dict[str, Mapping[str, str]]:
    """Question id -> {dimension: value}; each question once, one value per dimension."""
    if node is None:
        return {}
    if not isinstance(node, MappingNode):
        reader.report(node, "tags", N_("must be a mapping (key: value)"))
        return {}
    tags: dict[str, Mapping[str, str]] = {}
    first_line: dict[str, int | None] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            reader.report(key_node, "tags", N_("keys must be plain names"))
            continue
        question_id = key_node.value
        path = join("tags", question_id)
        if question_id in first_line:
            reader.report(
                key_node,
                path,
                N_(
                    "question '%(id)s' is tagged twice (first at line %(line)s): give each "
                    "question one entry with one value per dimension"
                ),
                id=question_id,
                line=first_line[question_id] or "?",
            )
            continue
        first_line[question_id] = line_of(key_node)
        if not ID_PATTERN.fullmatch(question_id) or question_id not in known.question_ids:
            reader.report(
                key_node,
                path,
                N_("unknown question '%(id)s': no version of %(questionnaire)s has it"),
                id=question_id,
                questionnaire=known.key or "the questionnaire",
            )
            continue
        values = _read_question_tags(reader, value_node, path, dimensions)
        if values is not None:
            tags[question_id] = MappingProxyType(values)
    return tags


def _read_question_tags(
    reader: Reader, node: Node, path: str, dimensions: Mapping[str, Dimension]
) -> dict[str, str] | None:
    if not isinstance(node, MappingNode):
        reader.report(node, path, N_("must be a mapping of dimension: value"))
        return None
    if not node.value:
        reader.report(node, path, N_("tag the question with at least one dimension"))
        return None
    values: dict[str, str] = {}
    valid = True
    for key_node, value_node in node.value:
        dimension_id = key_node.value if isinstance(key_node, ScalarNode) else ""
        tag_path = join(path, dimension_id)
        dimension = dimensions.get(dimension_id)
        if dimension is None:
            reader.report(
                key_node,
                tag_path,
                N_("dimension '%(id)s' is not declared in dimensions (%(declared)s)"),
                id=dimension_id,
                declared=", ".join(dimensions),
            )
            valid = False
            continue
        if dimension_id in values:
            reader.report(
                key_node,
                tag_path,
                N_(
                    "the question is tagged twice in dimension '%(dimension)s': a question "
                    "takes one value per dimension"
                ),
                dimension=dimension_id,
            )
            valid = False
            continue
        if not isinstance(value_node, ScalarNode):
            reader.report(
                value_node,
                tag_path,
                N_(
                    "give one value of dimension '%(dimension)s' (%(declared)s): a question "
                    "takes one value per dimension"
                ),
                dimension=dimension_id,
                declared=", ".join(v.id for v in dimension.values),
            )
            valid = False
            continue
        value = value_node.value
        if dimension.value(value) is None:
            _unknown_value(reader, value_node, tag_path, dimension, value)
            valid = False
            continue
        values[dimension_id] = value
    return values if valid else None


def _check_questionnaire(reader: Reader, node: Node | None, known: _Known) -> str | None:
    if node is None:
        return None
    key = reader.matching(
        node,
        "questionnaire",
        KEY_PATTERN,
        N_("'%(value)s' is not a valid questionnaire key: use lower-case letters, digits or -"),
    )
    if key is not None and known.key is not None and key != known.key:
        reader.report(
            node,
            "questionnaire",
            N_("questionnaire '%(key)s' does not match the folder name '%(folder)s'"),
            key=key,
            folder=known.key,
        )
    return key


def parse_framework(
    text: str, filename: str, definitions: Sequence[Definition], *, key: str | None = None
) -> Framework:
    """The framework in `text`, checked against the questionnaire's `definitions` (every version).

    Raises `DefinitionError` listing every problem, each with its file, line and path.
    """
    if key is None:
        key = definitions[0].key if definitions else (PurePath(filename).parent.name or None)
    known = _Known(frozenset(q.id for d in definitions for _, q in d.questions()), key)
    reader = Reader(file=filename)
    root = _compose(reader, text)
    framework = _read_framework(reader, root, known, definitions) if root is not None else None
    if framework is None and not reader.issues:
        reader.report(root, "", N_("the framework is incomplete"))
    if reader.issues:
        raise DefinitionError(_sorted(reader.issues))
    assert framework is not None
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Framework(**{**framework.__dict__, "sha256": sha})


def _read_framework(
    reader: Reader, root: Node, known: _Known, definitions: Sequence[Definition]
) -> Framework | None:
    fields = reader.fields(root, "", TOP_KEYS, TOP_REQUIRED)
    if fields is None:
        return None
    if "languages" in fields:
        reader.languages = _read_languages(reader, fields["languages"], "languages")
    questionnaire = _check_questionnaire(reader, fields.get("questionnaire"), known)
    version = _read_version(reader, fields.get("version"))
    title = reader.localized(fields["title"], "title") if "title" in fields else None
    dimensions = _read_dimensions(reader, fields.get("dimensions"))
    by_id = {d.id: d for d in dimensions}
    gaps = _read_gaps(reader, fields.get("gaps"), by_id)
    tags = _read_tags(reader, fields.get("tags"), by_id, known)
    if reader.issues or questionnaire is None or version is None or title is None:
        return None
    return Framework(
        questionnaire=questionnaire,
        version=version,
        languages=reader.languages or (),
        title=MappingProxyType(title),
        dimensions=dimensions,
        gaps=gaps,
        tags=MappingProxyType(tags),
        lineage=MappingProxyType(resolve_lineage(tags, definitions)),
    )


# --- Files -------------------------------------------------------------------------------------


def is_framework_file(path: str | Path) -> bool:
    return PurePath(path).name == FRAMEWORK_FILE_NAME


def sibling_definitions(path: Path) -> list[Definition]:
    """The questionnaire's definition files v1..vN in the framework file's folder, each loaded with
    the ones before it."""
    found = [p for p in path.parent.glob("v*.y*ml") if FILE_NAME_PATTERN.fullmatch(p.name)]
    found.sort(key=lambda p: int(FILE_NAME_PATTERN.fullmatch(p.name)[1]))  # type: ignore[index]
    loaded: list[Definition] = []
    for definition_path in found:
        text = _read_text(definition_path)
        loaded.append(parse_definition(text, str(definition_path), loaded, strict_name=True))
    return loaded


def load_framework(path: str | Path, definitions: Iterable[Definition] | None = None) -> Framework:
    """The framework in a file, checked against `definitions` (default: the sibling v<N>.yaml)."""
    path = Path(path)
    text = _read_text(path)
    listed = sibling_definitions(path) if definitions is None else list(definitions)
    return parse_framework(text, str(path), listed, key=path.parent.name or None)


def validate_framework_file(path: str | Path) -> list[Issue]:
    """Every problem of a framework file (and of the definition files it is checked against)."""
    try:
        load_framework(path)
    except DefinitionError as error:
        return list(error.issues)
    return []
