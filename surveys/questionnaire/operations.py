"""Storing and publishing questionnaire versions (flush only; callers commit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select

from surveys.audit.operations import record
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.questionnaire.errors import Issue, format_message
from surveys.questionnaire.loader import parse_definition
from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from surveys.questionnaire.schema import Definition
from surveys.questionnaire.serialize import definition_hash, to_canonical_json
from surveys.translatable import N_


class VersionError(Exception):
    """A version cannot be stored or published; the message says why and what to do."""

    def __init__(self, template: str, **params) -> None:
        self.template = template
        self.params = params
        super().__init__(format_message(template, params))


@dataclass(frozen=True)
class ImportResult:
    version: QuestionnaireVersion
    created: bool  # False: the same file was already stored (a no-op)
    replaced_draft: bool = False


def questionnaire_by_key(key: str) -> Questionnaire | None:
    return db.session.scalar(select(Questionnaire).where(Questionnaire.key == key))


def find_version(key: str, number: int) -> QuestionnaireVersion | None:
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(Questionnaire.key == key, QuestionnaireVersion.version == number)
    )


# The C reader when available: it refuses nesting deeper than 1,000 levels instead of recursing.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_STR, YAML_INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
VERSION_TEXT = re.compile(r"[0-9]{1,9}")


def _peek_identity(text: str) -> tuple[str | None, int | None]:
    """Key and version if the file's top level names them; the loader reports everything else.

    Only the top-level node is read (through the loader's nesting-limited YAML reader), so a
    file nested thousands of levels deep or with a 5,000-digit version is reported, not fatal.
    """
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)
    except (yaml.YAMLError, RecursionError):
        return None, None
    if not isinstance(root, yaml.MappingNode):
        return None, None
    found = {
        key.value: value
        for key, value in root.value
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode)
    }
    key, version = found.get("key"), found.get("version")
    return (
        key.value if key is not None and key.tag == YAML_STR else None,
        int(version.value)
        if version is not None and version.tag == YAML_INT and VERSION_TEXT.fullmatch(version.value)
        else None,
    )


def stored_earlier_definitions(key: str | None, before: int | None) -> list[Definition]:
    """Stored versions before `before`, to resolve `replaces` in an uploaded file."""
    questionnaire = questionnaire_by_key(key) if key else None
    if questionnaire is None:
        return []
    return [v.definition for v in questionnaire.versions if before is None or v.version < before]


def parse_uploaded_definition(text: str, filename: str) -> Definition:
    """Parse an uploaded file, resolving `replaces` against the stored earlier versions."""
    key, version = _peek_identity(text)
    return parse_definition(text, filename, stored_earlier_definitions(key, version))


def store_definition(definition: Definition, *, source_name: str, actor=None) -> ImportResult:
    """Store a definition as a draft version (or recognise an identical published one)."""
    canonical = to_canonical_json(definition)
    digest = definition_hash(definition)
    existing = find_version(definition.key, definition.version)
    if existing is not None:
        if existing.sha256 == digest:
            return ImportResult(existing, created=False)
        if existing.is_published:
            raise VersionError(
                N_(
                    "%(key)s v%(version)s is published and frozen, and this file differs from it. "
                    "Give the changed file a new version number (v%(next)s) and import that."
                ),
                key=definition.key,
                version=definition.version,
                next=_next_version_number(definition.key),
            )
        existing.definition_json = canonical
        existing.sha256 = digest
        existing.source_name = source_name
        existing.imported_at = utcnow()
        existing.imported_by_id = getattr(actor, "id", None)
        record(
            "questionnaire.draft_replaced",
            target_type="questionnaire_version",
            target_id=existing.id,
            details={"sha256": digest},
            actor=actor,
        )
        db.session.flush()
        return ImportResult(existing, created=False, replaced_draft=True)
    questionnaire = questionnaire_by_key(definition.key)
    if questionnaire is None:
        questionnaire = Questionnaire(key=definition.key)
        db.session.add(questionnaire)
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        version=definition.version,
        definition_json=canonical,
        sha256=digest,
        source_name=source_name,
        imported_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    record(
        "questionnaire.imported",
        target_type="questionnaire_version",
        target_id=version.id,
        details={"key": definition.key, "version": definition.version, "sha256": digest},
        actor=actor,
    )
    return ImportResult(version, created=True)


def import_file(path: str | Path, *, actor=None) -> ImportResult:
    """Validate a definition file and store it as a draft (DefinitionError lists every problem)."""
    from surveys.questionnaire.loader import load_definition

    path = Path(path)
    definition = load_definition(path)
    return store_definition(definition, source_name=path.name, actor=actor)


def _next_version_number(key: str) -> int:
    questionnaire = questionnaire_by_key(key)
    if questionnaire is None or not questionnaire.versions:
        return 1
    return max(v.version for v in questionnaire.versions) + 1


def publish(version: QuestionnaireVersion, *, actor=None, at: datetime | None = None) -> bool:
    """Freeze a version; returns False when it already was published.

    `at` dates the publication (the demo's history); by default it is now."""
    if version.is_published:
        return False
    earlier_drafts = [
        v.version
        for v in version.questionnaire.versions
        if v.version < version.version and not v.is_published
    ]
    if earlier_drafts:
        raise VersionError(
            N_("publish v%(earlier)s first: versions are published in order"),
            earlier=earlier_drafts[0],
        )
    version.status = PUBLISHED
    version.published_at = at or utcnow()
    version.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(
        "questionnaire.published",
        target_type="questionnaire_version",
        target_id=version.id,
        details={
            "key": version.questionnaire.key,
            "version": version.version,
            "sha256": version.sha256,
        },
        actor=actor,
    )
    return True


def all_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .join(Questionnaire)
            .order_by(Questionnaire.key, QuestionnaireVersion.version)
        )
    )


def issue_lines(issues: tuple[Issue, ...] | list[Issue]) -> list[str]:
    return [str(issue) for issue in issues]
