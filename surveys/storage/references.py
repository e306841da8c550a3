"""Which rows point at files of the store: each slice that keeps files there says so.

The store stands at the bottom of the ladder (evidence and archived workbooks both write to it),
so it does not import the tables that refer to its files: the slice owning such a table registers
its `FileReferences` from its own `init_app` (responses: evidence; export: archived workbooks),
and `surveys storage migrate|verify` and `surveys check` go through every one registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

REFERENCES = "surveys.file_references"


@dataclass(frozen=True)
class ReferencedFile:
    sha256: str
    size: int
    label: str  # what an operator recognises: "evidence 12 (decree.pdf)"
    legacy_paths: tuple[Path, ...]  # where versions before the file store kept it


@dataclass(frozen=True)
class FileReferences:
    """The rows of one table that point at stored files."""

    sha256: sa.ColumnElement[str]
    """The table's checksum column: one statement counts the files missing from the store."""
    files: Callable[[], Iterator[ReferencedFile]]
    """Each row's file, in a stable order (inside an application context)."""


def refer_to_files(app: Flask, references: FileReferences) -> None:
    """Count these rows' files among those the store must hold."""
    app.extensions.setdefault(REFERENCES, []).append(references)


def file_references() -> list[FileReferences]:
    """Every table registered, in the order of the slices' registration."""
    return list(current_app.extensions.get(REFERENCES, ()))
