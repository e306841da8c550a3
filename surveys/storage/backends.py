"""The two file stores: in the database (the default) and in a directory.

Both take a file already written to a temporary path and checksummed by the caller (the upload
check and the workbook builder need a seekable file anyway), keep one copy per content, and give
the content back as an iterator of chunks, so neither side ever holds a whole file in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.storage.models import StoredFile, StoredFileChunk

CHUNK_BYTES = 1024 * 1024
DATABASE = "database"
DIRECTORY = "directory"
BACKENDS = (DATABASE, DIRECTORY)


class StoredFileMissing(LookupError):
    """The store has no file with this checksum."""


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size: int


def digest_of(path: str | os.PathLike) -> FileDigest:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return FileDigest(digest.hexdigest(), size)


def is_checksum(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


class FileStore(Protocol):
    name: str

    def temporary_dir(self) -> str | None:
        """Where callers write a file before `put` (None: the system's temporary folder)."""

    def put(self, path: Path, digest: FileDigest) -> bool:
        """Keep the file at `path` under its checksum; False when that content was there."""

    def has(self, sha256: str) -> bool: ...

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The content, a chunk at a time (raises StoredFileMissing before the first one)."""

    def checksums(self) -> Iterator[str]:
        """Every stored file, in checksum order."""

    def delete(self, sha256: str) -> None:
        """Remove the content (callers check that nothing else refers to it)."""

    def problem(self) -> str | None:
        """Why the store cannot take files now (None when it can)."""


class DatabaseStore:
    """Files as rows of the app's database, written in the caller's transaction."""

    name = DATABASE

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine or db.engine

    def temporary_dir(self) -> str | None:
        return None

    def put(
        self, path: Path, digest: FileDigest, session: Session | Connection | None = None
    ) -> bool:
        """Insert in the caller's transaction (the session's, or a connection's)."""
        session = session or db.session
        if self._present(session, digest.sha256):
            return False
        insert = _insert_ignoring_duplicates(session, StoredFile.__table__, ["sha256"])
        count = -(-digest.size // CHUNK_BYTES)
        inserted = session.execute(
            insert.values(
                sha256=digest.sha256,
                size_bytes=digest.size,
                chunk_count=count,
                created_at=utcnow(),
            )
        ).rowcount
        if not inserted:  # a concurrent upload of the same content committed first
            return False
        with open(path, "rb") as handle:
            seq = 0
            while chunk := handle.read(CHUNK_BYTES):
                session.execute(
                    sa.insert(StoredFileChunk).values(sha256=digest.sha256, seq=seq, data=chunk)
                )
                seq += 1
        return True

    def delete(self, sha256: str, session: Session | Connection | None = None) -> None:
        """Delete in the caller's transaction."""
        session = session or db.session
        session.execute(sa.delete(StoredFileChunk).where(StoredFileChunk.sha256 == sha256))
        session.execute(sa.delete(StoredFile).where(StoredFile.sha256 == sha256))

    @staticmethod
    def _present(session: Session | Connection, sha256: str) -> bool:
        found = session.scalar(sa.select(StoredFile.sha256).where(StoredFile.sha256 == sha256))
        return found is not None

    def has(self, sha256: str) -> bool:
        return self._present(db.session, sha256)

    def chunks(self, sha256: str, connection: Connection | None = None) -> Iterator[bytes]:
        """Each chunk in its own short query: a slow download never holds a connection."""
        count = self._chunk_count(sha256, connection)
        # Bound now: the response streams after the request's app context has gone.
        return self._read_chunks(self.engine, sha256, count, connection)

    def _chunk_count(self, sha256: str, connection: Connection | None) -> int:
        query = sa.select(StoredFile.chunk_count).where(StoredFile.sha256 == sha256)
        if connection is not None:
            count = connection.scalar(query)
        else:
            with self.engine.connect() as own:
                count = own.scalar(query)
        if count is None:
            raise StoredFileMissing(sha256)
        return count

    @staticmethod
    def _read_chunks(
        engine: Engine, sha256: str, count: int, connection: Connection | None
    ) -> Iterator[bytes]:
        for seq in range(count):
            query = sa.select(StoredFileChunk.data).where(
                StoredFileChunk.sha256 == sha256, StoredFileChunk.seq == seq
            )
            if connection is not None:
                data = connection.scalar(query)
            else:
                with engine.connect() as own:
                    data = own.scalar(query)
            if data is None:
                raise StoredFileMissing(f"{sha256} (chunk {seq})")
            yield bytes(data)

    def checksums(self, connection: Connection | None = None) -> Iterator[str]:
        query = sa.select(StoredFile.sha256).order_by(StoredFile.sha256)
        if connection is not None:
            yield from connection.scalars(query)
            return
        with self.engine.connect() as own:
            yield from list(own.scalars(query))

    def problem(self) -> str | None:
        """Write a probe file's row and roll it back."""
        try:
            with self.engine.connect() as connection, connection.begin() as transaction:
                connection.execute(
                    sa.insert(StoredFile).values(
                        sha256="0" * 64, size_bytes=0, chunk_count=0, created_at=utcnow()
                    )
                )
                transaction.rollback()
        except sa.exc.SQLAlchemyError as exc:
            return f"the database file store cannot be written ({_first_line(exc)})"
        return None


class DirectoryStore:
    """Files as `<root>/<first two hex digits>/<sha256>`, written by an atomic rename."""

    name = DIRECTORY

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        if not is_checksum(sha256):
            raise StoredFileMissing(sha256)
        return self.root / sha256[:2] / sha256

    def temporary_dir(self) -> str | None:
        # Same file system as the final place, so that the rename is atomic.
        folder = self.root / ".incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    def put(
        self, path: Path, digest: FileDigest, session: Session | Connection | None = None
    ) -> bool:
        final = self.path_of(digest.sha256)
        if final.is_file():
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.temporary_dir(), prefix=".put-")
        try:
            with os.fdopen(handle, "wb") as target, open(path, "rb") as source:
                while chunk := source.read(CHUNK_BYTES):
                    target.write(chunk)
            os.replace(temporary, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        return True

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_of(sha256).unlink()

    def has(self, sha256: str) -> bool:
        try:
            return self.path_of(sha256).is_file()
        except StoredFileMissing:
            return False

    def chunks(self, sha256: str, connection: Connection | None = None) -> Iterator[bytes]:
        path = self.path_of(sha256)
        if not path.is_file():
            raise StoredFileMissing(sha256)
        handle = path.open("rb")
        return _read_and_close(handle)

    def checksums(self, connection: Connection | None = None) -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        found = (
            p.name
            for folder in self.root.iterdir()
            if folder.is_dir() and len(folder.name) == 2
            for p in folder.iterdir()
            if is_checksum(p.name) and p.name.startswith(folder.name)
        )
        return iter(sorted(found))

    def problem(self) -> str | None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.temporary_dir(), prefix=".check-"):
                pass
        except OSError as exc:
            return f"the file store directory {self.root} is not writable ({exc.strerror})"
        return None


def _read_and_close(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _insert_ignoring_duplicates(session: Session | Connection, table: sa.Table, keys: list[str]):
    bind = session if isinstance(session, Connection) else session.get_bind()
    dialect = bind.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=keys)


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def store_for(config) -> FileStore:
    """The store the configuration chooses."""
    if config["FILE_STORAGE"] == DIRECTORY:
        return DirectoryStore(config["FILE_STORAGE_DIR"])
    return DatabaseStore()


def current_store() -> FileStore:
    return store_for(current_app.config)


def verify(store: FileStore, sha256: str, size: int | None = None) -> bool:
    """Whether the stored content still has this checksum (and size)."""
    digest = hashlib.sha256()
    total = 0
    try:
        for chunk in store.chunks(sha256):
            digest.update(chunk)
            total += len(chunk)
    except StoredFileMissing:
        return False
    return digest.hexdigest() == sha256 and (size is None or size == total)


@contextlib.contextmanager
def incoming_file(store: FileStore) -> Iterator[tuple[Path, object]]:
    """A temporary file (path, open binary handle) that is removed afterwards, kept or not."""
    handle, name = tempfile.mkstemp(dir=store.temporary_dir(), prefix=".upload-")
    path = Path(name)
    try:
        with os.fdopen(handle, "w+b") as stream:
            yield path, stream
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
