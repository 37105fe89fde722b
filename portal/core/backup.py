"""Backups of the portal: the database and every stored file in one verified archive.

An archive (``tar.gz``) holds

* ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3``
  (SQLite, a consistent copy made with SQLite's backup API);
* ``files/<sha256>``: every object of the local file storage;
* ``manifest.json``: when, which dialect, the schema's Alembic revision, and the size
  and SHA-256 of every member.

The database is dumped before the files are listed: objects are stored before the rows
that reference them are committed, and never changed or removed while referenced, so
every file a dumped row names is in the archive.

``restore_backup`` checks the whole archive against its manifest and the revision
against the code's migration head before changing anything, then restores the files
(adding objects is harmless: they are content-addressed), then the database in one
transaction, then verifies the audit chain and every file's digest.

When the database URL chooses a schema (``options=-csearch_path=…``, as the tests'
per-worker schemas do), only that schema is dumped and restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, func, inspect, make_url, select, table
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from portal.core import migrations
from portal.core.audit import chain_head, verify_chain
from portal.core.db import make_engine
from portal.core.storage.base import CHUNK_SIZE, is_key
from portal.core.storage.local import TEMPORARY_PREFIX, LocalStorage

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST_NAME = "manifest.json"
DATABASE_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FILES_PREFIX = "files/"
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([A-Za-z0-9_]+)")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why (for operators)."""


@dataclass(frozen=True)
class Member:
    """One file of the archive: its size and SHA-256."""

    size: int
    sha256: str

    def as_dict(self) -> dict[str, object]:
        """Return the member as JSON-compatible data."""
        return {"size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Manifest:
    """What an archive holds, as written in its ``manifest.json``."""

    created_at: dt.datetime
    dialect: str
    revision: str
    schema: str | None
    database: Member
    files: dict[str, Member] = field(default_factory=dict)
    audit_events: int = 0
    audit_head: str = ""

    @property
    def database_name(self) -> str:
        """Return the name of the database member."""
        return DATABASE_NAMES[self.dialect]

    def dump(self) -> bytes:
        """Return the manifest as JSON."""
        return json.dumps({
            "format": FORMAT,
            "created_at": self.created_at.isoformat(),
            "dialect": self.dialect,
            "revision": self.revision,
            "schema": self.schema,
            "database": {"name": self.database_name, **self.database.as_dict()},
            "audit": {"events": self.audit_events, "head": self.audit_head},
            "file_count": len(self.files),
            "files": {key: member.as_dict() for key, member in sorted(self.files.items())},
        }, indent=2, ensure_ascii=False).encode()

    @classmethod
    def load(cls, raw: bytes) -> Manifest:
        """Read a manifest.

        :raises BackupError: it is not a manifest this code can read.
        """
        try:
            data = json.loads(raw)
            if data["format"] != FORMAT:
                raise BackupError(f"archive format {data['format']} is not {FORMAT}")
            files = {key: Member(int(m["size"]), str(m["sha256"]))
                     for key, m in data["files"].items()}
            if len(files) != data["file_count"] or not all(is_key(key) for key in files):
                raise BackupError("the manifest's file list is inconsistent")
            manifest = cls(
                created_at=dt.datetime.fromisoformat(data["created_at"]),
                dialect=str(data["dialect"]), revision=str(data["revision"]),
                schema=data.get("schema"),
                database=Member(int(data["database"]["size"]),
                                str(data["database"]["sha256"])),
                files=files, audit_events=int(data["audit"]["events"]),
                audit_head=str(data["audit"]["head"]))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"the manifest cannot be read ({type(error).__name__})"
                              ) from error
        if manifest.dialect not in DATABASE_NAMES:
            raise BackupError(f"unknown database dialect {manifest.dialect!r} in the manifest")
        return manifest


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    manifest: Manifest
    files_written: int
    files_present: int
    audit_events: int


# --- the database --------------------------------------------------------------------


def _dialect(url: URL) -> str:
    name = url.get_backend_name()
    if name not in DATABASE_NAMES:
        raise BackupError(f"backups of {name} databases are not supported")
    return name


def database_schema(url: URL) -> str | None:
    """Return the schema that ``url`` chooses with ``options=-csearch_path=…``, if any."""
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    match = _SEARCH_PATH.search(options or "")
    return match.group(1) if match else None


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """Return the libpq connection URI of ``url`` and the environment carrying its password.

    The password goes in ``PGPASSWORD``, never on a command line others can read.
    """
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    return uri, env


def _run(command: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL client program; raise with its own message when it fails."""
    program = command[0]
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (apt-get install postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603 - fixed programs, our arguments
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()[-2000:]}")


def _dump_database(url: URL, target: Path) -> None:
    if _dialect(url) == "postgresql":
        uri, env = _libpq(url)
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                   f"--file={target}", f"--dbname={uri}"]
        schema = database_schema(url)
        if schema:
            command.append(f"--schema={schema}")
        _run(command, env)
        return
    source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()


def _restore_database(url: URL, dump: Path) -> None:
    if _dialect(url) == "postgresql":
        uri, env = _libpq(url)
        # One transaction: a failure leaves the database as it was.
        _run(["pg_restore", "--clean", "--if-exists", "--single-transaction",
              "--exit-on-error", "--no-owner", "--no-privileges", f"--dbname={uri}",
              str(dump)], env)
        return
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("the archived SQLite database fails its integrity check")
        live = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            # The backup API replaces every page of the live database at once, under its
            # write lock, while other connections stay valid.
            source.backup(live)
        finally:
            live.close()
    finally:
        source.close()


def _sqlite_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        applied = migrations.applied_heads(connection)
    if len(applied) != 1:
        raise BackupError(f"the database is at revisions {sorted(applied) or 'none'}; "
                          "run flask db upgrade first")
    return applied.pop()


def table_row_counts(engine: Engine) -> dict[str, int]:
    """Return the number of rows of every table of the database (its schema, if chosen)."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in sorted(names)}


def holds_data(engine: Engine) -> bool:
    """Return whether any table other than Alembic's own holds a row."""
    return any(count for name, count in table_row_counts(engine).items()
               if name != "alembic_version")


# --- archives ------------------------------------------------------------------------


class _HashingReader:
    """A file read once: its bytes go to the archive and into a SHA-256 on the way."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.digest.update(chunk)
        return chunk


def _digest(path: Path) -> Member:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
    return Member(path.stat().st_size, digest.hexdigest())


def _add(archive: tarfile.TarFile, name: str, path: Path) -> Member:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with path.open("rb") as stream:
        reader = _HashingReader(stream)
        archive.addfile(info, reader)
    return Member(info.size, reader.digest.hexdigest())


def create_backup(url: str, storage: LocalStorage, destination: Path, *,
                  now: dt.datetime) -> Manifest:
    """Write the database and every stored file to a new archive at ``destination``.

    The archive is written beside ``destination`` under a temporary name and renamed
    into place once complete, so a failed backup leaves no archive.

    :raises BackupError: the archive exists, or the database cannot be dumped.
    """
    parsed = make_url(url)
    dialect = _dialect(parsed)
    if destination.exists():
        raise BackupError(f"{destination} exists; choose a new name")
    engine = make_engine(url)
    try:
        revision = _revision(engine)
        with Session(bind=engine) as session:
            audit_events, audit_head = chain_head(session)
    finally:
        engine.dispose()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        dump = Path(work) / DATABASE_NAMES[dialect]
        _dump_database(parsed, dump)
        handle, partial_name = tempfile.mkstemp(dir=destination.parent,
                                                prefix=f".{destination.name}.")
        os.close(handle)
        partial = Path(partial_name)
        try:
            with tarfile.open(partial, "w:gz") as archive:
                database = _add(archive, DATABASE_NAMES[dialect], dump)
                files = {key: _add(archive, FILES_PREFIX + key, storage.path_for(key))
                         for key, _stored_at in storage.list_objects()}
                manifest = Manifest(created_at=now, dialect=dialect, revision=revision,
                                    schema=database_schema(parsed), database=database,
                                    files=files, audit_events=audit_events,
                                    audit_head=audit_head)
                raw = manifest.dump()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime, info.mode = len(raw), int(now.timestamp()), 0o600
                archive.addfile(info, io.BytesIO(raw))
            with partial.open("rb") as written:
                os.fsync(written.fileno())
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    mismatched = [key for key, member in files.items() if member.sha256 != key]
    for key in mismatched:
        logger.error("stored file %s does not match its digest (archived as it is)", key)
    logger.info("backup %s: %s at %s, %d files", destination, dialect, revision, len(files))
    return manifest


def _member_path(work: Path, name: str) -> Path:
    """Return where member ``name`` is unpacked; refuse any name the portal never writes."""
    if name == MANIFEST_NAME or name in DATABASE_NAMES.values():
        return work / name
    if name.startswith(FILES_PREFIX) and is_key(name.removeprefix(FILES_PREFIX)):
        return work / "files" / name.removeprefix(FILES_PREFIX)
    raise BackupError(f"unexpected member {name!r} in the archive")


def _unpack(archive_path: Path, work: Path) -> Iterator[Path]:
    """Unpack every member into ``work`` (by our own names only); yield each path."""
    (work / "files").mkdir()
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive:
                if not member.isfile():
                    raise BackupError(f"unexpected member {member.name!r} in the archive")
                target = _member_path(work, member.name)
                if target.exists():
                    raise BackupError(f"member {member.name!r} appears twice in the archive")
                source = archive.extractfile(member)
                assert source is not None  # a regular file
                with source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, CHUNK_SIZE)
                yield target
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise BackupError(f"the archive cannot be read ({type(error).__name__}: {error})"
                          ) from error


def verify_archive(archive_path: Path, work: Path) -> Manifest:
    """Unpack ``archive_path`` into ``work`` and check every member against the manifest.

    :raises BackupError: a member is missing, extra, or differs from its manifest entry.
    """
    for _path in _unpack(archive_path, work):
        pass
    manifest_path = work / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError("the archive has no manifest.json")
    manifest = Manifest.load(manifest_path.read_bytes())
    expected = {manifest.database_name: manifest.database,
                **{f"files/{key}": member for key, member in manifest.files.items()}}
    present = {path.relative_to(work).as_posix() for path in work.rglob("*")
               if path.is_file() and path.name != MANIFEST_NAME}
    if present != set(expected):
        missing, extra = set(expected) - present, present - set(expected)
        raise BackupError(f"the archive does not match its manifest (missing: "
                          f"{sorted(missing)[:5]}, not listed: {sorted(extra)[:5]})")
    for name, member in expected.items():
        if _digest(work / name) != member:
            raise BackupError(f"{name} in the archive does not match its SHA-256 in the "
                              "manifest (the archive is damaged or was changed)")
    return manifest


def check_restorable(manifest: Manifest, url: str) -> None:
    """Refuse an archive of another dialect or another schema revision than the code's.

    :raises BackupError: the archive cannot be restored by this code into ``url``.
    """
    dialect = _dialect(make_url(url))
    if manifest.dialect != dialect:
        raise BackupError(f"the archive holds a {manifest.dialect} database; "
                          f"the configured database is {dialect}")
    heads = migrations.code_heads()
    if {manifest.revision} != set(heads):
        raise BackupError(f"the archive is at revision {manifest.revision}, the code at "
                          f"{', '.join(sorted(heads))}: restore it with the code of its "
                          "revision, then run flask db upgrade")


def _restore_files(manifest: Manifest, work: Path, storage: LocalStorage) -> tuple[int, int]:
    """Put every archived file into storage (atomically); return (written, already there)."""
    written = present = 0
    storage.root.mkdir(parents=True, exist_ok=True)
    for key, member in sorted(manifest.files.items()):
        target = storage.path_for(key)
        if target.is_file() and _digest(target) == member:
            present += 1
            continue
        target.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=storage.root, prefix=TEMPORARY_PREFIX)
        try:
            with os.fdopen(handle, "wb") as sink, (work / "files" / key).open("rb") as source:
                shutil.copyfileobj(source, sink, CHUNK_SIZE)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written += 1
    return written, present


def _verify_restored(url: str, manifest: Manifest, storage: LocalStorage) -> int:
    """Check the restored audit chain and every restored file; return the events checked.

    :raises BackupError: the chain is broken or differs from the archive's, or a file
        differs from its digest.
    """
    engine = make_engine(url)
    try:
        revision = _revision(engine)
        with Session(bind=engine) as session:
            checked, broken = verify_chain(session)
            count, head = chain_head(session)
    finally:
        engine.dispose()
    if revision != manifest.revision:
        raise BackupError(f"the restored database is at {revision}, not {manifest.revision}")
    if broken is not None:
        raise BackupError(f"the restored audit trail is broken at event #{broken.event_id}: "
                          f"{broken.reason}")
    if (count, head) != (manifest.audit_events, manifest.audit_head):
        raise BackupError("the restored audit trail does not end where the archived one did")
    for key, member in manifest.files.items():
        if _digest(storage.path_for(key)) != member:
            raise BackupError(f"stored file {key} differs from the archive after restoring")
    return checked


def restore_backup(url: str, storage: LocalStorage, archive_path: Path, *,
                   overwrite: bool) -> RestoreReport:
    """Restore the database and the stored files from ``archive_path``, then verify them.

    Nothing is changed unless the archive verifies against its manifest, its revision
    is the code's head, and the database is empty or ``overwrite`` is given.

    :raises BackupError: the archive is refused, or the restore or its verification failed.
    """
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work_name:
        work = Path(work_name)
        manifest = verify_archive(archive_path, work)
        check_restorable(manifest, url)
        engine = make_engine(url)
        try:
            occupied = holds_data(engine)
        finally:
            engine.dispose()
        if occupied and not overwrite:
            raise BackupError("the database holds data; give --yes to replace it with the "
                              "archive's")
        written, present = _restore_files(manifest, work, storage)
        _restore_database(make_url(url), work / manifest.database_name)
    checked = _verify_restored(url, manifest, storage)
    logger.info("restored %s: %s at %s, %d files written, %d already present",
                archive_path, manifest.dialect, manifest.revision, written, present)
    return RestoreReport(manifest=manifest, files_written=written, files_present=present,
                         audit_events=checked)
