from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db
from surveys.questionnaire.schema import Definition

DRAFT = "draft"
PUBLISHED = "published"
FROZEN_FIELDS = ("definition_json", "sha256", "version", "questionnaire_id", "published_at")


class Questionnaire(db.Model):
    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # folder name, e.g. niamey-2018
    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.version"
    )

    def latest_published(self) -> QuestionnaireVersion | None:
        published = [v for v in self.versions if v.status == PUBLISHED]
        return published[-1] if published else None


class QuestionnaireVersion(db.Model):
    """One version of a questionnaire; once published its definition never changes."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "version"),
        CheckConstraint("version > 0", name="positive_version"),
        CheckConstraint(f"status IN ('{DRAFT}', '{PUBLISHED}')", name="known_status"),
        CheckConstraint(
            f"(status = '{PUBLISHED}') = (published_at IS NOT NULL)", name="published_has_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    # Canonical JSON of the Definition, ~90 KB: read only when asked for (`definition` finds a
    # version this process has parsed by its hash), not with every round that joins its version.
    definition_json: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of definition_json
    source_name: Mapped[str] = mapped_column(String(255), default="")  # file it was imported from
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def definition(self) -> Definition:
        # The hash alone finds a parsed definition: the ~90 KB JSON (a deferred column) is read
        # only when this process has not parsed it.
        return cached_definition(self.sha256) or definition_for(self.sha256, self.definition_json)

    @property
    def label(self) -> str:
        return f"{self.questionnaire.key} v{self.version}"


MAX_CACHED_DEFINITIONS = 64
_DEFINITIONS: OrderedDict[str, Definition] = OrderedDict()
_DEFINITIONS_LOCK = threading.Lock()  # gthread workers share the cache


def cached_definition(sha256: str) -> Definition | None:
    """The definition of this hash if this process has parsed it already, else None.

    The hash is of the canonical JSON, so one hash is one definition whatever the version row
    (a published version never changes; a draft replaced gets a new hash)."""
    with _DEFINITIONS_LOCK:
        found = _DEFINITIONS.get(sha256)
        if found is not None:
            _DEFINITIONS.move_to_end(sha256)
        return found


def definition_for(sha256: str, definition_json: str) -> Definition:
    """Parse a stored definition once per process, kept by its hash (least used dropped)."""
    found = cached_definition(sha256)
    if found is not None:
        return found
    from surveys.questionnaire.serialize import definition_from_json

    parsed = definition_from_json(definition_json)
    with _DEFINITIONS_LOCK:
        found = _DEFINITIONS.setdefault(sha256, parsed)  # a parallel parse may have won
        _DEFINITIONS.move_to_end(sha256)
        while len(_DEFINITIONS) > MAX_CACHED_DEFINITIONS:
            _DEFINITIONS.popitem(last=False)
    return found


class FrozenVersionError(Exception):
    """A published questionnaire version was about to change."""


@event.listens_for(QuestionnaireVersion, "before_update")
def _refuse_changes_to_published(mapper, connection, target: QuestionnaireVersion) -> None:
    state = inspect(target)
    was_published = state.attrs.status.history.deleted == [PUBLISHED] or (
        target.status == PUBLISHED and not state.attrs.status.history.has_changes()
    )
    if not was_published:
        return
    changed = [
        name for name in (*FROZEN_FIELDS, "status") if state.attrs[name].history.has_changes()
    ]
    if changed:
        raise FrozenVersionError(
            f"{target.label} is published and frozen; cannot change {', '.join(changed)}. "
            "Import the changes as a new version instead."
        )


@event.listens_for(QuestionnaireVersion, "before_delete")
def _refuse_deleting_published(mapper, connection, target: QuestionnaireVersion) -> None:
    if target.status == PUBLISHED:
        raise FrozenVersionError(f"{target.label} is published and cannot be deleted.")
