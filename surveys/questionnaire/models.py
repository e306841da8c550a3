from __future__ import annotations

from datetime import datetime
from functools import lru_cache

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
    definition_json: Mapped[str] = mapped_column(Text)  # canonical JSON of the Definition
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
        return definition_for(self.sha256, self.definition_json)

    @property
    def label(self) -> str:
        return f"{self.questionnaire.key} v{self.version}"


@lru_cache(maxsize=64)
def definition_for(sha256: str, definition_json: str) -> Definition:
    """Parse a stored definition once per process (published ones never change)."""
    from surveys.questionnaire.serialize import definition_from_json

    return definition_from_json(definition_json)


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
