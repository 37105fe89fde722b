"""``flask backup create`` / ``backup restore``: nothing lost, a damaged archive refused.

These tests commit for real, so they run on a database of their own (a SQLite file, or
the schema ``test_backup_<worker>`` on PostgreSQL, which is what gets dumped and
restored) with a storage folder of their own, and bind the portal's session to it for
their duration.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal.accounts.models import Department
from portal.core import migrations
from portal.core.audit import chain_head
from portal.core.backup import MANIFEST_NAME, table_row_counts
from portal.core.db import make_engine
from portal.core.storage import LocalStorage
from portal.extensions import db
from tests.conftest import _empty_database

pytestmark = pytest.mark.xdist_group("backup")


class Portal:
    """The backup tests' own database and storage, as the commands see them."""

    def __init__(self, app, url: str, storage: LocalStorage) -> None:
        self.app, self.url, self.storage = app, url, storage
        self.engine: Engine = make_engine(url)

    def run(self, *args: str):  # type: ignore[no-untyped-def]
        """Run a ``flask`` command against this portal."""
        return self.app.test_cli_runner().invoke(args=list(args))

    def state(self) -> tuple[dict[str, int], tuple[int, str], dict[str, bytes]]:
        """Return every table's row count, the audit chain head and every stored file."""
        db.session.remove()
        counts = table_row_counts(self.engine)
        with self.app.app_context():
            head = chain_head(db.session)
        db.session.remove()
        files = {key: self.storage.path_for(key).read_bytes()
                 for key, _at in self.storage.list_objects()}
        return counts, head, files


@pytest.fixture
def portal(app, db_session, tmp_path_factory, monkeypatch):
    """Return a migrated, populated portal whose commits are real (demo data: accounts,
    enterprises, cases in every status with evidence files, audit events)."""
    url = _empty_database("backup", tmp_path_factory)
    migrations.upgrade(url)
    storage = LocalStorage(tmp_path_factory.mktemp("backup-uploads"))
    monkeypatch.setitem(app.config, "DATABASE_URL", url)
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(storage.root))
    monkeypatch.setitem(app.extensions, "storage", storage)
    portal = Portal(app, url, storage)
    db.session.remove()
    db.session.configure(bind=portal.engine, join_transaction_mode="conditional_savepoint")
    try:
        loaded = portal.run("demo", "load")
        assert loaded.exit_code == 0, loaded.output
        yield portal
    finally:
        db.session.remove()
        portal.engine.dispose()


def _add_department() -> None:
    with db.session.begin():
        db.session.add(Department(code="after_backup", name_zh_hans="备份之后",
                                  name_en="After backup", short_name=""))
    db.session.remove()


def test_round_trip_loses_nothing(portal, tmp_path):
    before = portal.state()
    counts, (events, _head), files = before
    assert events > 0 and len(files) > 0 and counts["rectification_cases"] > 0
    archive = tmp_path / "portal.tar.gz"
    created = portal.run("backup", "create", str(archive))
    assert created.exit_code == 0, created.output
    assert f"{len(files)} stored file(s)" in created.output

    # Afterwards: a new row, a lost file.
    _add_department()
    lost = next(iter(files))
    portal.storage.path_for(lost).unlink()
    assert portal.state() != before

    refused = portal.run("backup", "restore", str(archive))
    assert refused.exit_code == 1
    assert "--yes" in refused.output
    assert portal.state()[0]["departments"] == counts["departments"] + 1

    restored = portal.run("backup", "restore", str(archive), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"audit trail intact: {events} events" in restored.output
    portal.engine.dispose()  # connections made before the restore
    assert portal.state() == before


def test_manifest_names_every_file_with_its_digest(portal, tmp_path):
    archive = tmp_path / "portal.tar.gz"
    assert portal.run("backup", "create", str(archive)).exit_code == 0
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile(MANIFEST_NAME))
        names = set(opened.getnames())
    _counts, (events, head), files = portal.state()
    assert manifest["dialect"] == portal.engine.dialect.name
    assert {manifest["revision"]} == set(migrations.code_heads())
    assert manifest["file_count"] == len(files)
    assert {key: entry["sha256"] for key, entry in manifest["files"].items()} == {
        key: key for key in files}
    assert manifest["audit"] == {"events": events, "head": head}
    assert names == {MANIFEST_NAME, manifest["database"]["name"],
                     *(f"files/{key}" for key in files)}
    # An existing archive is never overwritten.
    again = portal.run("backup", "create", str(archive))
    assert again.exit_code == 1 and "exists" in again.output


def _rewrite(archive: Path, target: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Copy ``archive`` to ``target``, passing each member's bytes through ``change``."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


def _damage_a_file(name: str, data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("files/") else data


def _other_revision(name: str, data: bytes) -> bytes:
    if name != MANIFEST_NAME:
        return data
    manifest = json.loads(data)
    manifest["revision"] = "0000000000aa"
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(("change", "message"), [
    (_damage_a_file, "does not match its SHA-256"),
    (_other_revision, "revision 0000000000aa"),
])
def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(portal, tmp_path,
                                                                     change, message):
    archive = tmp_path / "portal.tar.gz"
    assert portal.run("backup", "create", str(archive)).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    _rewrite(archive, damaged, change)
    _add_department()
    lost = next(iter(portal.state()[2]))
    portal.storage.path_for(lost).unlink()
    before = portal.state()

    result = portal.run("backup", "restore", str(damaged), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert portal.state() == before


def test_a_truncated_archive_is_refused(portal, tmp_path):
    archive = tmp_path / "portal.tar.gz"
    assert portal.run("backup", "create", str(archive)).exit_code == 0
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    before = portal.state()
    result = portal.run("backup", "restore", str(truncated), "--yes")
    assert result.exit_code == 1
    assert "cannot be read" in result.output
    assert portal.state() == before
