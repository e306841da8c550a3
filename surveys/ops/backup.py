"""`surveys backup FILE` / `surveys restore FILE`: everything the platform holds, in one portable
archive that restores into SQLite or PostgreSQL.

The archive is a zip file:
- `tables/<table>.jsonl`: every row of every table (APScheduler's job store and the job claims
  included), in foreign-key order, each row a JSON array in the manifest's column order, rows in
  primary-key order. Values are written the same way whatever the engine (times in UTC ISO 8601,
  JSON columns as canonical JSON text, bytes in base64), so equal content gives equal bytes;
- `files/<sha256>`: each stored file (evidence, archived workbooks), whatever the file store;
- `manifest.json`: the format, the Alembic revision of the schema, and for every entry its
  size and sha256.
It carries no creation time, so that two backups of the same content are byte-identical (the
file's own date tells when it was made).

Restore checks the whole archive (every checksum, the schema revision) and that the target is
empty before it writes anything, then writes everything in one transaction.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from surveys.extensions import db
from surveys.storage.backends import FileDigest, incoming_file

FORMAT = "surveys-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
JOB_TABLE = "apscheduler_jobs"
# The database file store's own tables: their content travels as files/<sha256> instead, so an
# archive restores into a directory store as well.
STORE_TABLES = ("stored_files", "stored_file_chunks")
BATCH_ROWS = 500
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries' dates: identical content, identical bytes
COPY_BYTES = 1024 * 1024

Progress = Callable[[int], None]


class BackupError(RuntimeError):
    """The archive cannot be used (or made); the message names the file and the reason."""


# ---------------------------------------------------------------- values


def _kind(column: sa.Column) -> str:
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.JSON):
        return "json"
    if isinstance(column_type, sa.DateTime):
        return "datetime"
    if isinstance(column_type, sa.Date):
        return "date"
    if isinstance(column_type, sa.Time):
        return "time"
    if isinstance(column_type, sa.LargeBinary):
        return "bytes"
    if isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float):
        return "decimal"
    return "plain"


def encode(kind: str, value):
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if kind == "datetime":
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    return value


def decode(kind: str, value):
    if value is None:
        return sa.null() if kind == "json" else None
    if kind == "json":
        loaded = json.loads(value)
        return sa.JSON.NULL if loaded is None else loaded
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "decimal":
        return Decimal(value)
    return value


# ---------------------------------------------------------------- what is backed up


def job_table(connection: Connection) -> sa.Table | None:
    """APScheduler's job store table, as it exists in this database (None before first use)."""
    if not sa.inspect(connection).has_table(JOB_TABLE):
        return None
    return sa.Table(JOB_TABLE, sa.MetaData(), autoload_with=connection)


def backed_up_tables(connection: Connection) -> list[sa.Table]:
    """Every table, parents before children, the store's own tables left out."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in STORE_TABLES]
    jobs = job_table(connection)
    return [*tables, jobs] if jobs is not None else tables


def _ordered(table: sa.Table, connection: Connection) -> list:
    """Primary-key order, with text compared byte by byte on every engine."""
    order = []
    for column in table.primary_key.columns or table.columns:
        expression = column
        if connection.dialect.name == "postgresql" and isinstance(column.type, sa.String):
            expression = column.collate("C")
        order.append(expression)
    return order


def alembic_revision(connection: Connection) -> str | None:
    # Alembic is imported here, not by web workers (which register this command, never run it).
    from alembic.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    if len(heads) > 1:
        raise BackupError(f"the database has several migration heads: {', '.join(heads)}")
    return heads[0] if heads else None


# ---------------------------------------------------------------- backup


@dataclass
class Summary:
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)


def _entry(archive: zipfile.ZipFile, name: str):
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return archive.open(info, "w", force_zip64=True)


class _HashingWriter:
    def __init__(self, target) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)


def count_work(connection: Connection, store) -> int:
    rows = sum(
        connection.scalar(sa.select(sa.func.count()).select_from(t))
        for t in backed_up_tables(connection)
    )
    return rows + len(list(store.checksums(connection)))


def write_backup(
    target: Path, connection: Connection, store, progress: Progress = lambda _n: None
) -> Summary:
    """Write the archive from `connection` (one transaction: a consistent snapshot)."""
    revision = alembic_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema (run `surveys db upgrade` first)")
    summary = Summary()
    manifest: dict = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "alembic_revision": revision,
        "tables": [],
        "files": [],
    }
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for table in backed_up_tables(connection):
            manifest["tables"].append(_write_table(archive, connection, table, progress))
            summary.tables += 1
            summary.rows += manifest["tables"][-1]["rows"]
        for sha256 in list(store.checksums(connection)):
            entry = _write_file(archive, connection, store, sha256)
            manifest["files"].append(entry)
            summary.files += 1
            summary.bytes += entry["size"]
            progress(1)
        with _entry(archive, MANIFEST) as handle:
            handle.write(json.dumps(manifest, indent=1, sort_keys=True).encode())
    return summary


def _write_table(archive, connection: Connection, table: sa.Table, progress: Progress) -> dict:
    columns = list(table.columns)
    kinds = [_kind(c) for c in columns]
    name = f"tables/{table.name}.jsonl"
    rows = 0
    with _entry(archive, name) as raw:
        out = _HashingWriter(raw)
        result = connection.execution_options(yield_per=1000).execute(
            sa.select(*columns).order_by(*_ordered(table, connection))
        )
        for row in result:
            values = [encode(k, v) for k, v in zip(kinds, row, strict=True)]
            out.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
            out.write(b"\n")
            rows += 1
            if rows % 200 == 0:
                progress(200)
        progress(rows % 200)
    return {
        "name": table.name,
        "columns": [c.name for c in columns],
        "rows": rows,
        "entry": name,
        "size": out.size,
        "sha256": out.digest.hexdigest(),
    }


def _write_file(archive, connection: Connection, store, sha256: str) -> dict:
    name = f"files/{sha256}"
    with _entry(archive, name) as raw:
        out = _HashingWriter(raw)
        for chunk in store.chunks(sha256, connection=connection):
            out.write(chunk)
    if out.digest.hexdigest() != sha256:
        raise BackupError(f"the stored file {sha256} does not match its checksum")
    return {"entry": name, "sha256": sha256, "size": out.size}


# ---------------------------------------------------------------- reading an archive


@dataclass
class Archive:
    path: Path
    zip: zipfile.ZipFile
    manifest: dict


def open_archive(path: Path, progress: Progress = lambda _n: None) -> Archive:
    """Open and check the whole archive: format, entries, sizes, checksums. Writes nothing."""
    where = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{where}: not a readable backup archive ({exc})") from exc
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as exc:
        raise BackupError(f"{where}: no {MANIFEST}; not a backup of this platform") from exc
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{where}: {MANIFEST} is damaged ({exc})") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{where}: format {manifest.get('format')!r} version "
            f"{manifest.get('format_version')!r} is not {FORMAT} {FORMAT_VERSION}"
        )
    for entry in [*manifest["tables"], *manifest["files"]]:
        _check_entry(archive, where, entry)
        progress(entry.get("rows", 1))
    return Archive(path, archive, manifest)


def _check_entry(archive: zipfile.ZipFile, where: str, entry: dict) -> None:
    name = entry["entry"]
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(COPY_BYTES):
                digest.update(chunk)
                size += len(chunk)
    except KeyError as exc:
        raise BackupError(f"{where}: {name} is missing from the archive") from exc
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BackupError(f"{where}: {name} is damaged ({exc})") from exc
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"{where}: {name} does not match its checksum in {MANIFEST}")


# ---------------------------------------------------------------- restore


def non_empty_tables(connection: Connection) -> list[str]:
    inspector = sa.inspect(connection)
    names = [t.name for t in db.metadata.sorted_tables if inspector.has_table(t.name)]
    if inspector.has_table(JOB_TABLE):
        names.append(JOB_TABLE)
    found = []
    for name in names:
        if connection.scalar(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)):
            found.append(name)
    return found


def check_target(archive: Archive, connection: Connection) -> None:
    """Refuse a target that holds data, or whose schema is at another revision."""
    full = non_empty_tables(connection)
    if full:
        raise BackupError(
            f"the target database is not empty ({', '.join(full[:5])} hold rows); restore only "
            "into an empty database"
        )
    current = alembic_revision(connection)
    wanted = archive.manifest["alembic_revision"]
    if current is not None and current != wanted:
        raise BackupError(
            f"{archive.path}: made at migration {wanted}, but the target database is at "
            f"{current}; restore into a new database (the schema is created at {wanted}), "
            "then run `surveys db upgrade`"
        )


def restore_rows(
    archive: Archive, connection: Connection, store, progress: Progress = lambda _n: None
) -> Summary:
    """Insert every row and file (the caller holds the transaction)."""
    summary = Summary()
    tables = {t.name: t for t in backed_up_tables(connection)}
    for entry in archive.manifest["tables"]:
        table = tables.get(entry["name"])
        if table is None and entry["name"] == JOB_TABLE:
            table = create_job_table(connection)
        if table is None:
            raise BackupError(f"{archive.path}: table {entry['name']} is unknown to this version")
        summary.rows += _restore_table(archive, connection, table, entry, progress)
        summary.tables += 1
    for entry in archive.manifest["files"]:
        _restore_file(archive, connection, store, entry)
        summary.files += 1
        summary.bytes += entry["size"]
        progress(1)
    if connection.dialect.name == "postgresql":
        reset_sequences(connection, tables.values())
    return summary


def _restore_table(archive, connection, table: sa.Table, entry: dict, progress) -> int:
    missing = [c for c in entry["columns"] if c not in table.columns]
    if missing:
        raise BackupError(f"{archive.path}: {table.name} has unknown columns {missing}")
    columns = [table.columns[c] for c in entry["columns"]]
    kinds = [_kind(c) for c in columns]
    names = [c.key for c in columns]
    batch: list[dict] = []
    rows = 0
    with archive.zip.open(entry["entry"]) as handle:
        for line in io.TextIOWrapper(handle, encoding="utf-8"):
            values = json.loads(line)
            batch.append({n: decode(k, v) for n, k, v in zip(names, kinds, values, strict=True)})
            if len(batch) >= BATCH_ROWS:
                connection.execute(sa.insert(table), batch)
                rows += len(batch)
                progress(len(batch))
                batch = []
    if batch:
        connection.execute(sa.insert(table), batch)
        rows += len(batch)
        progress(len(batch))
    return rows


def _restore_file(archive: Archive, connection: Connection, store, entry: dict) -> None:
    with incoming_file(store) as (path, handle):
        with archive.zip.open(entry["entry"]) as source:
            while chunk := source.read(COPY_BYTES):
                handle.write(chunk)
        handle.flush()
        store.put(path, FileDigest(entry["sha256"], entry["size"]), session=connection)


def create_job_table(connection: Connection) -> sa.Table:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=connection.engine, tablename=JOB_TABLE)
    store.jobs_t.create(connection, checkfirst=True)
    return store.jobs_t


def reset_sequences(connection: Connection, tables) -> None:
    """After explicit ids were inserted, the next id of each table follows the largest one."""
    for table in tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, sa.Integer):
            continue
        sequence = connection.scalar(
            sa.select(sa.func.pg_get_serial_sequence(table.name, columns[0].name))
        )
        if sequence is None:
            continue
        largest = sa.select(sa.func.max(columns[0])).scalar_subquery()
        connection.execute(
            sa.select(sa.func.setval(sequence, sa.func.coalesce(largest, 0) + 1, False))
        )


@contextlib.contextmanager
def snapshot(engine) -> Iterator[Connection]:
    """One read transaction that sees a single moment of the database."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if connection.dialect.name == "sqlite":
                # pysqlite opens no transaction for reads: begin one so WAL keeps one snapshot.
                connection.exec_driver_sql("BEGIN")
            yield connection
