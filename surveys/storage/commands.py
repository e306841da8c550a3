"""`surveys storage ...`: bring files of older installations into the file store, check it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from surveys.extensions import db
from surveys.storage.backends import (
    DATABASE,
    DatabaseStore,
    DirectoryStore,
    FileStore,
    current_store,
    digest_of,
    incoming_file,
    verify,
)
from surveys.storage.references import ReferencedFile, file_references

storage_cli = AppGroup("storage", help="The file store of evidence and archived workbooks.")


def referenced_files() -> Iterator[ReferencedFile]:
    """Every file a row of the database points at (evidence, archived workbooks: see
    surveys.storage.references for who registers them)."""
    for references in file_references():
        yield from references.files()


def other_store(store: FileStore) -> FileStore:
    """The store the configuration does not choose (files may sit there after a switch)."""
    if store.name == DATABASE:
        return DirectoryStore(current_app.config["FILE_STORAGE_DIR"])
    return DatabaseStore()


def missing_count(store: FileStore) -> int:
    """How many distinct files the database refers to are not in the store."""
    if isinstance(store, DatabaseStore):  # one query instead of one per file
        from surveys.storage.models import StoredFile

        tables = file_references()
        if not tables:
            return 0
        referenced = sa.union(*(sa.select(t.sha256.label("sha256")) for t in tables)).subquery()
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(referenced)
            .where(referenced.c.sha256.not_in(sa.select(StoredFile.sha256)))
        )
    return sum(1 for f in _unique(referenced_files()) if not store.has(f.sha256))


def _unique(files: Iterator[ReferencedFile]) -> Iterator[ReferencedFile]:
    seen: set[str] = set()
    for item in files:
        if item.sha256 not in seen:
            seen.add(item.sha256)
            yield item


def _copy_from_other_store(source: FileStore, target: FileStore, item: ReferencedFile) -> bool:
    if not source.has(item.sha256):
        return False
    with incoming_file(target) as (path, handle):
        for chunk in source.chunks(item.sha256):
            handle.write(chunk)
        handle.flush()
        return _put_checked(target, path, item)


def _put_checked(target: FileStore, path: Path, item: ReferencedFile) -> bool:
    digest = digest_of(path)
    if digest.sha256 != item.sha256 or digest.size != item.size:
        raise click.ClickException(
            f"{item.label}: {path} does not match its checksum; nothing copied for it"
        )
    target.put(path, digest)
    return True


@storage_cli.command("migrate")
def migrate_command() -> None:
    """Copy every file the database refers to into the configured file store.

    Files are looked for in UPLOAD_DIR and ARCHIVE_DIR (where versions before the file store kept
    them) and in the other store (after changing FILE_STORAGE). Each is checked against its
    checksum before it is stored; running it again copies nothing twice.
    """
    store = current_store()
    source = other_store(store)
    copied = present = 0
    missing: list[ReferencedFile] = []
    for item in _unique(referenced_files()):
        if store.has(item.sha256):
            present += 1
            continue
        legacy = next((p for p in item.legacy_paths if p.is_file()), None)
        if legacy is not None:
            _put_checked(store, legacy, item)
        elif not _copy_from_other_store(source, store, item):
            missing.append(item)
            continue
        db.session.commit()  # one file at a time: an interrupted run keeps what it did
        copied += 1
    click.echo(f"File store ({store.name}): {copied} copied, {present} already there.")
    for item in missing:
        click.echo(f"missing: {item.label}, sha256 {item.sha256}", err=True)
    if missing:
        raise SystemExit(1)


@storage_cli.command("verify")
def verify_command() -> None:
    """Check that every file the database refers to is in the store, with its checksum."""
    store = current_store()
    problems = 0
    checked = 0
    for item in _unique(referenced_files()):
        checked += 1
        if not store.has(item.sha256):
            click.echo(f"missing: {item.label}, sha256 {item.sha256}")
            problems += 1
        elif not verify(store, item.sha256, item.size):
            click.echo(f"damaged: {item.label} does not match its checksum {item.sha256}")
            problems += 1
    click.echo(f"{checked} files checked in the {store.name} store, {problems} problems.")
    if problems:
        raise SystemExit(1)
