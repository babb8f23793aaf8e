"""Backups and moves: `flask backup` / `flask restore` (one archive: the database, the uploaded
files, a manifest), `flask export-json` / `flask import-json` (the whole cooperative as JSON,
to move it between SQLite and PostgreSQL).

A backup is taken while the app runs: SQLite through its online backup API, PostgreSQL with
`pg_dump -Fc` on an exported snapshot, so the manifest's row counts describe exactly the rows
in the dump. Uploaded files (expense attachments, toolbox files) live outside the database and
go into the same archive.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.orm import Session

from .domain.knowledge.search_index import index_articles
from .extensions import db

ARCHIVE_FORMAT = 1
# Folders of instance/ that hold uploaded files.
FILE_FOLDERS = ("attachments", "toolbox")
# Written from other columns, in each database's own way: not exported, rebuilt on import.
DERIVED_COLUMNS = {("articles", "search_vector")}
MANIFEST = "manifest.json"
ROOT = Path(__file__).resolve().parent.parent


class BackupError(Exception):
    """What went wrong, said so an admin knows what to do."""


@dataclass
class Manifest:
    dialect: str
    schema_revision: str | None
    tables: dict[str, int]
    checksums: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format: int = ARCHIVE_FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()


# --- migrations and tables -------------------------------------------------------------------

def _script_directory():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def known_revisions() -> set[str]:
    return {script.revision for script in _script_directory().walk_revisions()}


def head_revision() -> str | None:
    heads = _script_directory().get_heads()
    return heads[0] if len(heads) == 1 else None


def check_revision(revision: str | None) -> None:
    """Refuse data written by a newer version of the code (a revision we do not know)."""
    if revision is not None and revision not in known_revisions():
        raise BackupError(
            f"The archive's schema revision {revision} is newer than this code knows. "
            "Install the release that made it (or a later one), then restore.")


def data_tables() -> list:
    """The app's tables, parents before children."""
    return list(db.metadata.sorted_tables)


def _count_rows(connection) -> dict[str, int]:
    return {table.name: connection.execute(text(f'SELECT count(*) FROM "{table.name}"'))
            .scalar_one() for table in data_tables()}


def _revision(connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- files -----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _uploaded_files(instance: Path) -> list[tuple[Path, str]]:
    found = []
    for folder in FILE_FOLDERS:
        base = instance / folder
        if base.is_dir():
            found += [(path, f"files/{folder}/{path.relative_to(base).as_posix()}")
                      for path in sorted(base.rglob("*")) if path.is_file()]
    return found


def _folders_empty(instance: Path) -> bool:
    return not any((instance / folder).is_dir() and any((instance / folder).iterdir())
                   for folder in FILE_FOLDERS)


# --- PostgreSQL tools ------------------------------------------------------------------------

def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: PG_BIN_DIR, then PATH, then Debian's versioned folders."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} is not installed: apt-get install postgresql-client "
                      "(or set PG_BIN_DIR).")


def _libpq(engine: Engine) -> tuple[list[str], dict]:
    """Connection arguments for the PostgreSQL tools; the password goes in the environment,
    never on the command line (where `ps` shows it)."""
    url = engine.url
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


# --- backup ----------------------------------------------------------------------------------

def create_backup(engine: Engine, instance: Path, target: Path) -> Manifest:
    """Write one archive at `target`: database, uploaded files, manifest."""
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        if engine.dialect.name == "sqlite":
            database_file, manifest = _dump_sqlite(engine, work_dir)
        else:
            database_file, manifest = _dump_postgresql(engine, work_dir)
        members = [(database_file, database_file.name), *_uploaded_files(instance)]
        manifest.checksums = {name: _sha256(path) for path, name in members}
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            for path, name in members:
                archive.add(path, arcname=name, recursive=False)
        partial.replace(target)  # never a half-written archive under the real name
    return manifest


def _dump_sqlite(engine: Engine, work_dir: Path) -> tuple[Path, Manifest]:
    copy = work_dir / "database.sqlite"
    source = sqlite3.connect(engine.url.database)
    destination = sqlite3.connect(copy)
    try:
        source.backup(destination)  # consistent even while the app writes
    finally:
        source.close()
        destination.close()
    copy_engine = create_engine(f"sqlite:///{copy}")
    try:
        with copy_engine.connect() as connection:
            manifest = Manifest("sqlite", _revision(connection), _count_rows(connection))
    finally:
        copy_engine.dispose()
    return copy, manifest


def _dump_postgresql(engine: Engine, work_dir: Path) -> tuple[Path, Manifest]:
    dump = work_dir / "database.pgdump"
    args, env = _libpq(engine)
    with engine.connect() as connection:
        # The counts and pg_dump read the same snapshot: the manifest matches the dump.
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        _run([pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
              f"--file={dump}", *args], env)
        manifest = Manifest("postgresql", _revision(connection), _count_rows(connection))
        connection.rollback()
    return dump, manifest


# --- restore ---------------------------------------------------------------------------------

def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        values = json.loads(archive.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError):
        raise BackupError("This is not a Mutualise backup (no manifest).") from None
    if values.get("format") != ARCHIVE_FORMAT:
        raise BackupError(f"Unknown backup format {values.get('format')}.")
    return Manifest(**values)


def restore_backup(engine: Engine, instance: Path, source: Path) -> Manifest:
    """Restore an archive into an empty database and empty file folders, checking every
    file's checksum first and the row counts after."""
    if not source.is_file():
        raise BackupError(f"No archive at {source}.")
    with tarfile.open(source, "r:*") as archive, tempfile.TemporaryDirectory() as work:
        manifest = read_manifest(archive)
        check_revision(manifest.schema_revision)
        if manifest.dialect != engine.dialect.name:
            raise BackupError(
                f"This archive holds a {manifest.dialect} database and the target is "
                f"{engine.dialect.name}: move data between them with export-json/import-json.")
        _refuse_non_empty(engine, instance)
        work_dir = Path(work)
        archive.extractall(work_dir, filter="data")
        for name, checksum in manifest.checksums.items():
            if not (work_dir / name).is_file() or _sha256(work_dir / name) != checksum:
                raise BackupError(f"{name} is damaged or missing in the archive: not restored.")
        if engine.dialect.name == "sqlite":
            _restore_sqlite(engine, work_dir / "database.sqlite")
        else:
            args, env = _libpq(engine)
            _run([pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
                  "--single-transaction", *args, str(work_dir / "database.pgdump")], env)
        files_root = work_dir / "files"
        if files_root.is_dir():
            for folder in files_root.iterdir():
                shutil.copytree(folder, instance / folder.name, dirs_exist_ok=True)
    engine.dispose()
    with engine.connect() as connection:
        counts = _count_rows(connection)
    if counts != manifest.tables:
        raise BackupError("The restored row counts differ from the manifest: "
                          + ", ".join(f"{t} {counts.get(t)} != {n}"
                                      for t, n in manifest.tables.items()
                                      if counts.get(t) != n))
    return manifest


def _refuse_non_empty(engine: Engine, instance: Path) -> None:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        raise BackupError(f"The target database is not empty ({len(tables)} tables): restore "
                          "only into a new, empty database.")
    if not _folders_empty(instance):
        raise BackupError(f"{instance} already holds uploaded files: restore only into empty "
                          + " and ".join(f"{f}/" for f in FILE_FOLDERS) + " folders.")


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    engine.dispose()
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(engine.url.database)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


# --- JSON export and import ------------------------------------------------------------------

def _to_json(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    return value


def _from_json(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sqltypes.TypeDecorator):
        kind = getattr(kind, "impl_instance", kind.impl)
    if isinstance(kind, sqltypes.JSON):
        return value
    if isinstance(kind, sqltypes.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sqltypes.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sqltypes.Time):
        return time.fromisoformat(value)
    if isinstance(kind, sqltypes.Numeric) and not isinstance(kind, sqltypes.Float):
        return Decimal(value)
    if isinstance(kind, sqltypes.LargeBinary):
        return base64.b64decode(value["base64"])
    return value


def _exported_columns(table) -> list:
    return [column for column in table.columns
            if (table.name, column.name) not in DERIVED_COLUMNS]


def export_json(connection) -> dict:
    """Every row of every table, parents first, ordered by primary key (derived columns, such
    as the search index, left out: the import rebuilds them)."""
    tables = {}
    for table in data_tables():
        rows = connection.execute(select(*_exported_columns(table))
                                  .order_by(*table.primary_key.columns)).mappings()
        tables[table.name] = [{key: _to_json(value) for key, value in row.items()}
                              for row in rows]
    return {"format": ARCHIVE_FORMAT, "schema_revision": _revision(connection),
            "exported_at": datetime.now(UTC).isoformat(), "tables": tables}


def import_json(connection, document: dict) -> dict[str, int]:
    """Insert an export into a migrated, empty database, then rebuild the toolbox's search
    index (an FTS5 table on SQLite, the search vectors on PostgreSQL: no table of the export);
    PostgreSQL's id sequences are moved past the imported ids so new rows do not collide with
    them."""
    if document.get("format") != ARCHIVE_FORMAT:
        raise BackupError("This is not a Mutualise JSON export.")
    check_revision(document.get("schema_revision"))
    revision = _revision(connection)
    if revision is None:
        raise BackupError("The target database has no schema: run `flask db upgrade` first.")
    if revision != document.get("schema_revision"):
        raise BackupError(f"The export is at schema revision {document.get('schema_revision')} "
                          f"and the target at {revision}: bring both to the same release "
                          "(`flask db upgrade`) first.")
    if any(_count_rows(connection).values()):
        raise BackupError("The target database already holds data: import only into a new, "
                          "migrated database.")
    counts = {}
    for table in data_tables():
        rows = [{name: _from_json(table.c[name], value) for name, value in row.items()
                 if (table.name, name) not in DERIVED_COLUMNS}
                for row in document["tables"].get(table.name, [])]
        for start in range(0, len(rows), 500):
            connection.execute(table.insert(), rows[start:start + 500])
        counts[table.name] = len(rows)
    with Session(bind=connection) as session:  # joins the import's transaction
        index_articles(session)
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection)
    return counts


def _reset_sequences(connection) -> None:
    for table in data_tables():
        for column in table.primary_key.columns:
            sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                          {"t": table.name, "c": column.name}).scalar()
            if sequence:
                connection.execute(text(
                    f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") '
                    f'FROM "{table.name}"), 0) + 1, false)'), {"s": sequence})
