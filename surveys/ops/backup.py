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

The scheduler's heartbeats are left out: they tell that a scheduler is alive now, and a
restored one would look fresh to /health and `surveys check` with no scheduler running.
An archive is written readable by its owner only (0600): it holds password hashes and the
outbox, whose bodies carry live invitation and password links.

Restore checks the whole archive (every checksum, the schema revision) and that the target is
empty before it writes anything. It then creates the schema at the archive's migration, loads
the rows into the tables as they are at that migration (read from the database, not from this
version's models, which may have moved on), upgrades the schema to this version's migration
and stores the files. When anything fails after the schema was created, the tables it created
are dropped again (and the files it wrote to a directory store deleted): the target is left as
empty as it was found.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
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
# Liveness signals, not data: a restored heartbeat would look like a running scheduler. Archives
# of earlier versions hold them; restore passes them by.
LIVENESS_TABLES = ("scheduler_heartbeats",)
LEFT_OUT = (*STORE_TABLES, *LIVENESS_TABLES)
VERSION_TABLE = "alembic_version"
ARCHIVE_MODE = 0o600
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
    """Every table, parents before children, the store's own tables and the heartbeats left
    out."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in LEFT_OUT]
    jobs = job_table(connection)
    return [*tables, jobs] if jobs is not None else tables


def tables_in_database(connection: Connection) -> dict[str, sa.Table]:
    """The tables as they are in this database (at whatever migration), read from it."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    return {t.name: t for t in metadata.sorted_tables if t.name != VERSION_TABLE}


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


class Migrations:
    """This version's migrations (the app's Flask-Migrate directory), through Alembic's own
    API: Flask-Migrate's commands exit the process on an error, and restore must clean up."""

    def __init__(self, app) -> None:
        migrate = app.extensions["migrate"]
        self.config = migrate.migrate.get_config(migrate.directory)

    def head(self) -> str:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config).get_current_head()

    def knows(self, revision: str) -> bool:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        try:
            return ScriptDirectory.from_config(self.config).get_revision(revision) is not None
        except CommandError:
            return False

    def upgrade(self, revision: str) -> None:
        from alembic import command

        command.upgrade(self.config, revision)


def require_head(connection: Connection, migrations: Migrations) -> str:
    """The database's migration, when it is this version's; else why to upgrade first."""
    revision = alembic_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema (run `surveys db upgrade` first)")
    head = migrations.head()
    if revision != head:
        raise BackupError(
            f"the database is at migration {revision}, but this version of the code expects "
            f"{head}; run `surveys db upgrade` first"
        )
    return revision


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


def private_file(path: Path):
    """A new file only its owner may read, whatever the umask (an older file of the same name
    would keep its mode: it is replaced)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, ARCHIVE_MODE)
    os.fchmod(fd, ARCHIVE_MODE)
    return os.fdopen(fd, "w+b")


def write_backup(
    target: Path,
    connection: Connection,
    store,
    progress: Progress = lambda _n: None,
    tables: list[sa.Table] | None = None,
) -> Summary:
    """Write the archive from `connection` (one transaction: a consistent snapshot), readable by
    its owner only. `tables`: this version's (backed_up_tables) unless given."""
    revision = alembic_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema (run `surveys db upgrade` first)")
    tables = backed_up_tables(connection) if tables is None else tables
    summary = Summary()
    manifest: dict = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "alembic_revision": revision,
        "tables": [],
        "files": [],
    }
    with private_file(target) as handle, zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        for table in tables:
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
    """The tables of the database that hold rows (whatever their migration)."""
    names = [n for n in sa.inspect(connection).get_table_names() if n != VERSION_TABLE]
    found = []
    for name in sorted(names):
        if connection.scalar(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)):
            found.append(name)
    return found


def check_target(archive: Archive, connection: Connection, migrations: Migrations) -> None:
    """Refuse an archive this version cannot migrate, a target that holds data, or one whose
    schema is at another migration."""
    wanted = archive.manifest["alembic_revision"]
    if not migrations.knows(wanted):
        raise BackupError(
            f"{archive.path}: made at migration {wanted}, which this version of the code does "
            "not have (a newer version made it); restore it with that version or a newer one"
        )
    full = non_empty_tables(connection)
    if full:
        raise BackupError(
            f"the target database is not empty ({', '.join(full[:5])} hold rows); restore only "
            "into an empty database"
        )
    current = alembic_revision(connection)
    if current is not None and current != wanted:
        raise BackupError(
            f"{archive.path}: made at migration {wanted}, but the target database is at "
            f"{current}; restore into a new database (the schema is created at {wanted})"
        )


@dataclass
class Restored(Summary):
    revision: str = ""  # the archive's migration
    upgraded_to: str | None = None  # this version's, when the archive's was older


def restore(
    archive: Archive,
    engine,
    store,
    migrations: Migrations,
    progress: Progress = lambda _n: None,
) -> Restored:
    """Load the archive into the empty database of `engine` and bring it to this version's
    migration; on any failure, leave the database (and a directory store) as found."""
    wanted = archive.manifest["alembic_revision"]
    with engine.connect() as connection:
        check_target(archive, connection, migrations)
        tables_before = set(sa.inspect(connection).get_table_names())
        had_schema = alembic_revision(connection) is not None
    written: list[str] = []
    try:
        if not had_schema:
            migrations.upgrade(wanted)
        with engine.begin() as connection:
            summary = restore_rows(archive, connection, progress)
        head = migrations.head()
        if wanted != head:
            migrations.upgrade(head)
            summary.upgraded_to = head
        with engine.begin() as connection:
            for entry in archive.manifest["files"]:
                if _restore_file(archive, connection, store, entry):
                    written.append(entry["sha256"])
                summary.files += 1
                summary.bytes += entry["size"]
                progress(1)
    except BaseException as exc:
        try:
            _leave_as_found(engine, tables_before if not had_schema else None, store, written)
            outcome = "what it had written was removed: the target database is empty again"
        except Exception as cleanup:  # the database went away meanwhile, say
            outcome = (
                f"and what it had written could not all be removed ({_first_line(cleanup)}): "
                "empty the target database before trying again"
            )
        if not isinstance(exc, Exception):
            raise  # Ctrl-C: stopped, after the cleanup
        if isinstance(exc, BackupError):
            raise BackupError(f"{exc}; {outcome}") from exc
        raise BackupError(
            f"{archive.path}: cannot be restored ({exc.__class__.__name__}: "
            f"{_first_line(exc)}); {outcome}"
        ) from exc
    summary.revision = wanted
    return summary


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _leave_as_found(engine, tables_before: set[str] | None, store, written: list[str]) -> None:
    """Drop the tables restore created (`tables_before`: those there already) or, when the
    schema was there before, empty its tables again; delete the files written to a directory
    store (a database store's went with their tables or their transaction)."""
    engine.dispose()  # connections opened by the migrations may hold an old view of the schema
    with engine.begin() as connection:
        found = sa.MetaData()
        found.reflect(connection)
        if tables_before is not None:
            created = [t for t in found.sorted_tables if t.name not in tables_before]
            found.drop_all(connection, tables=created)
        else:
            for table in reversed(found.sorted_tables):
                if table.name != VERSION_TABLE:
                    connection.execute(table.delete())
    if store.name != "database":
        for sha256 in written:
            store.delete(sha256)


def restore_rows(
    archive: Archive, connection: Connection, progress: Progress = lambda _n: None
) -> Restored:
    """Insert every row into the tables as the database has them (the caller holds the
    transaction; the schema is at the archive's migration)."""
    summary = Restored()
    tables = tables_in_database(connection)
    for entry in archive.manifest["tables"]:
        if entry["name"] in LIVENESS_TABLES:
            progress(entry["rows"])
            continue
        table = tables.get(entry["name"])
        if table is None and entry["name"] == JOB_TABLE:
            table = create_job_table(connection)
        if table is None:
            raise BackupError(
                f"{archive.path}: table {entry['name']} is not in the schema of migration "
                f"{archive.manifest['alembic_revision']}"
            )
        summary.rows += _restore_table(archive, connection, table, entry, progress)
        summary.tables += 1
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


def _restore_file(archive: Archive, connection: Connection, store, entry: dict) -> bool:
    """Store one file; True when it was not in the store already."""
    with incoming_file(store) as (path, handle):
        with archive.zip.open(entry["entry"]) as source:
            while chunk := source.read(COPY_BYTES):
                handle.write(chunk)
        handle.flush()
        return store.put(path, FileDigest(entry["sha256"], entry["size"]), session=connection)


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
