"""One storage suite, run on the local folder and on a real S3-compatible server.

The S3 runs talk over HTTP to moto's threaded server, started once for the
session on 127.0.0.1: the same requests a bucket in production receives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.config import ConfigError, load_config, validate
from portal.core.storage import (
    CHUNK_SIZE,
    LocalStorage,
    ObjectMissing,
    S3Storage,
    Storage,
    StoredFile,
    UploadRefused,
    attachment_disposition,
    build_storage,
    check_upload,
    download_response,
    is_referenced,
    name_for_type,
    put_checked,
    record_stored_file,
    referenced_keys,
    references,
    safe_display_name,
)
from portal.extensions import db
from tests import samples

PDF = samples.pdf_bytes()
PNG = samples.png_bytes()
BUCKET = "portal-test"
LIMIT = 10 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Start a real S3-compatible server (moto) for the session; return its address."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    S3Storage.from_config(_s3_config(endpoint, "")).client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _s3_config(endpoint: str, prefix: str) -> dict[str, object]:
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": "us-east-1", "S3_PREFIX": prefix, "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing"}  # moto accepts any


@dataclass
class Backend:
    """A storage under test with two ways around it, to arrange and to inspect."""

    storage: Storage
    #: Write raw bytes under a key, bypassing ``put`` (as another writer would).
    plant: Callable[[str, bytes], None]
    #: Everything the backend holds, temporary files and odd keys included.
    leftovers: Callable[[], list[str]]


def _local_backend(root: Path) -> Backend:
    storage = LocalStorage(root)

    def plant(key: str, data: bytes) -> None:
        path = storage.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return Backend(storage, plant,
                   lambda: sorted(str(p) for p in root.rglob("*") if p.is_file()))


def _s3_backend(endpoint: str) -> Backend:
    prefix = f"test-{uuid.uuid4().hex}/"  # each test sees only its own objects
    storage = build_storage(_s3_config(endpoint, prefix))
    assert isinstance(storage, S3Storage)
    client = storage.client

    def plant(key: str, data: bytes) -> None:
        client.put_object(Bucket=BUCKET, Key=prefix + key, Body=data)

    def leftovers() -> list[str]:
        answer = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for item in answer.get("Contents", ()))

    return Backend(storage, plant, leftovers)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return _local_backend(tmp_path / "uploads")
    return _s3_backend(request.getfixturevalue("s3_endpoint"))


class _Recording(io.RawIOBase):
    """A stream that cannot be rewound and remembers how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.asked: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return self._data.read(size)


# --- the suite, on both backends ---------------------------------------------------------

def test_put_open_exists_delete(backend):
    storage = backend.storage
    stored = storage.put(io.BytesIO(PDF), filename="培训记录.pdf", accept=("pdf",),
                         max_bytes=LIMIT)
    assert stored.sha256 == stored.key == hashlib.sha256(PDF).hexdigest()
    assert (stored.size, stored.content_type, stored.name) == (
        len(PDF), "application/pdf", "培训记录.pdf")
    assert storage.exists(stored.key)
    with storage.open(stored.key) as body:
        assert body.read() == PDF
    assert [key for key, _ in storage.list_objects()] == [stored.key]
    assert storage.delete(stored.key) is True
    assert not storage.exists(stored.key)
    with pytest.raises(ObjectMissing):
        storage.open(stored.key)
    assert storage.delete(stored.key) is False
    assert backend.leftovers() == []


def test_a_large_body_is_streamed_in_chunks_and_hashed_whole(backend):
    body = b"%PDF-1.7\n" + os.urandom(CHUNK_SIZE * 2 + 123)
    stream = _Recording(body)
    stored = backend.storage.put(stream, filename="big.pdf", accept=("pdf",),  # type: ignore[arg-type]
                                 max_bytes=LIMIT)
    assert stored.sha256 == hashlib.sha256(body).hexdigest() and stored.size == len(body)
    assert len(stream.asked) > 3 and all(0 < size <= CHUNK_SIZE for size in stream.asked)
    with backend.storage.open(stored.key) as read_back:
        assert hashlib.sha256(read_back.read()).hexdigest() == stored.sha256


def test_the_same_content_is_stored_once_and_never_overwritten(backend):
    storage = backend.storage
    key = hashlib.sha256(PDF).hexdigest()
    first = storage.put(io.BytesIO(PDF), filename="a.pdf", accept=("pdf",), max_bytes=LIMIT)
    second = storage.put(io.BytesIO(PDF), filename="b.pdf", accept=("pdf",), max_bytes=LIMIT)
    assert first.key == second.key == key and second.name == "b.pdf"
    assert len(backend.leftovers()) == 1
    # What is under the key stays as it is, even if it were (wrongly) something else.
    backend.plant(key, b"%PDF-planted")
    storage.put(io.BytesIO(PDF), filename="c.pdf", accept=("pdf",), max_bytes=LIMIT)
    with storage.open(key) as body:
        assert body.read() == b"%PDF-planted"


@pytest.mark.parametrize(("data", "accept", "max_bytes", "reason"), [
    (b"", ("pdf",), LIMIT, "empty"),
    (PDF, ("pdf",), 10, "too_large"),
    (b"<html><script>alert(1)</script></html>", ("pdf", "png"), LIMIT, "type"),
    (PNG, ("pdf",), LIMIT, "type"),
])
def test_a_refused_upload_leaves_nothing_behind(backend, data, accept, max_bytes, reason):
    with pytest.raises(UploadRefused) as refused:
        backend.storage.put(io.BytesIO(data), filename="record.pdf", accept=accept,
                            max_bytes=max_bytes)
    assert refused.value.reason == reason
    assert backend.leftovers() == []
    assert list(backend.storage.list_objects()) == []


def test_the_type_comes_from_the_content_not_the_name(backend):
    stored = backend.storage.put(io.BytesIO(PNG), filename="photo.pdf", accept=("pdf", "png"),
                                 max_bytes=LIMIT)
    assert stored.content_type == "image/png"


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "", "0" * 63])
def test_only_digests_name_objects(backend, key):
    assert backend.storage.exists(key) is False
    assert backend.storage.delete(key) is False
    with pytest.raises(ObjectMissing):
        backend.storage.open(key)


def test_a_download_is_an_attachment_never_sniffed_nor_cached(app, backend):
    stored = backend.storage.put(io.BytesIO(PDF), filename="x.pdf", accept=("pdf",),
                                 max_bytes=LIMIT)
    with app.test_request_context("/"):
        response = download_response(backend.storage, stored.key, filename="培训 记录.pdf",
                                     content_type=stored.content_type)
        body = b"".join(response.response)
        response.close()
    assert body == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"download.pdf\"; "
        "filename*=UTF-8''%E5%9F%B9%E8%AE%AD%20%E8%AE%B0%E5%BD%95.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    with app.test_request_context("/"), pytest.raises(ObjectMissing):
        download_response(backend.storage, "0" * 64, filename="x.pdf",
                          content_type="application/pdf")


def test_a_checked_upload_is_stored_only_when_put(backend):
    stream = _Recording(PDF)  # not seekable: spooled to an anonymous temporary file
    upload = check_upload(stream, "记录.pdf", accept=("pdf",), max_bytes=LIMIT)  # type: ignore[arg-type]
    assert upload.as_dict() == {"name": "记录.pdf", "sha256": hashlib.sha256(PDF).hexdigest(),
                                "size": len(PDF), "content_type": "application/pdf"}
    assert backend.leftovers() == []
    stored = put_checked(backend.storage, upload)
    upload.close()
    assert stored.as_dict() == upload.as_dict()
    assert backend.storage.exists(stored.key)


# --- what only one backend can show -------------------------------------------------------

def test_a_crash_before_the_rename_leaves_no_object_and_no_temporary_file(tmp_path,
                                                                           monkeypatch):
    root = tmp_path / "uploads"
    storage = LocalStorage(root)
    steps: list[str] = []
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        steps.append("fsync")
        real_fsync(handle)

    def crash(source: object, target: object) -> None:
        steps.append("replace")
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        storage.put(io.BytesIO(PDF), filename="a.pdf", accept=("pdf",), max_bytes=LIMIT)
    assert steps == ["fsync", "replace"]  # the data reached the disk before the rename
    key = hashlib.sha256(PDF).hexdigest()
    assert not storage.exists(key)
    assert list(storage.list_objects()) == []
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_local_objects_sit_under_their_digest(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = storage.put(io.BytesIO(PDF), filename="a.pdf", accept=("pdf",), max_bytes=LIMIT)
    assert (tmp_path / stored.key[:2] / stored.key).read_bytes() == PDF


def test_a_failed_s3_upload_leaves_no_object(s3_endpoint, monkeypatch):
    backend = _s3_backend(s3_endpoint)
    storage = backend.storage
    assert isinstance(storage, S3Storage)

    def cut(**_arguments: object) -> None:
        raise ConnectionError("connection reset")

    monkeypatch.setattr(storage.client, "put_object", cut)
    with pytest.raises(ConnectionError):
        storage.put(io.BytesIO(PDF), filename="a.pdf", accept=("pdf",), max_bytes=LIMIT)
    assert backend.leftovers() == []
    assert not storage.exists(hashlib.sha256(PDF).hexdigest())


def test_a_concurrent_s3_writer_is_not_overwritten(s3_endpoint, monkeypatch):
    backend = _s3_backend(s3_endpoint)
    storage = backend.storage
    key = hashlib.sha256(PDF).hexdigest()
    backend.plant(key, b"%PDF-first-writer")
    # The other writer's object appears between our look and our PUT.
    monkeypatch.setattr(storage, "exists", lambda _key: False)
    stored = storage.put(io.BytesIO(PDF), filename="a.pdf", accept=("pdf",), max_bytes=LIMIT)
    assert stored.key == key
    with storage.open(key) as body:
        assert body.read() == b"%PDF-first-writer"


def test_s3_objects_sit_under_the_prefix(s3_endpoint):
    backend = _s3_backend(s3_endpoint)
    stored = backend.storage.put(io.BytesIO(PDF), filename="a.pdf", accept=("pdf",),
                                 max_bytes=LIMIT)
    assert backend.leftovers() == [backend.storage.prefix + stored.key]  # type: ignore[attr-defined]


# --- configuration, names, the ledger and references --------------------------------------

def test_the_backend_is_chosen_by_configuration(tmp_path):
    local = build_storage(load_config({"UPLOAD_DIR": str(tmp_path)}, environ={}))
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    s3 = build_storage(load_config(environ={"PORTAL_STORAGE_BACKEND": "s3",
                                            "PORTAL_S3_BUCKET": "evidence",
                                            "PORTAL_S3_PREFIX": "portal/"}))
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("evidence", "portal/")


@pytest.mark.parametrize(("environ", "message"), [
    ({"PORTAL_STORAGE_BACKEND": "ftp"}, "PORTAL_STORAGE_BACKEND"),
    ({"PORTAL_STORAGE_BACKEND": "s3"}, "PORTAL_S3_BUCKET"),
    ({"PORTAL_STORAGE_SWEEP_GRACE_HOURS": "0"}, "GRACE_HOURS"),
])
def test_storage_settings_are_validated(environ, message):
    with pytest.raises(ConfigError, match=message):
        validate(load_config(environ=environ))


def test_the_app_exposes_its_storage(app):
    assert isinstance(app.extensions["storage"], LocalStorage)
    assert app.extensions["storage"].root == Path(app.config["UPLOAD_DIR"])


@pytest.mark.parametrize(("raw", "safe"), [("../../etc/passwd", "passwd"),
                                           ("C:\\Users\\a\\报告.pdf", "报告.pdf"),
                                           ('a"b<c>.pdf', "a_b_c_.pdf"), ("", "file"),
                                           ("...", "file")])
def test_display_names_are_made_safe(raw, safe):
    assert safe_display_name(raw) == safe


@pytest.mark.parametrize(("name", "header"), [
    ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
    ("Café menu.png", "attachment; filename=\"Cafe menu.png\"; "
                      "filename*=UTF-8''Caf%C3%A9%20menu.png"),
    ('a";b.pdf', "attachment; filename=\"a__b.pdf\"; filename*=UTF-8''a_%3Bb.pdf"),
    ("许可证", "attachment; filename=\"download\"; filename*=UTF-8''%E8%AE%B8%E5%8F%AF%E8%AF%81"),
])
def test_download_names_have_an_ascii_fallback_and_the_real_name(name, header):
    assert attachment_disposition(name) == header


def test_the_ledger_is_append_only(db_session):
    stored = check_upload(io.BytesIO(PDF), "a.pdf", accept=("pdf",), max_bytes=LIMIT).checked
    now = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
    row = record_stored_file(db.session, stored, uploaded_by=None, now=now)
    assert db.session.get(StoredFile, row.id).original_name == "a.pdf"
    for statement in ("UPDATE stored_files SET size = 1", "DELETE FROM stored_files"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


def test_references_come_from_the_registered_finders(db_session, monkeypatch):
    referenced, loose = "a" * 64, "b" * 64
    monkeypatch.setattr(references, "_FINDERS", {})
    assert not is_referenced(db.session, referenced)
    references.register_reference("test rows", lambda _session, keys: {referenced} & set(keys))
    assert is_referenced(db.session, referenced)
    assert not is_referenced(db.session, loose)
    assert referenced_keys(db.session, {referenced, loose}) == {referenced}


def test_content_changed_after_checking_is_not_taken_for_the_checked_file(tmp_path):
    stream = io.BytesIO(PDF)
    upload = check_upload(stream, "a.pdf", accept=("pdf",), max_bytes=LIMIT)
    stream.write(b"%PDF-2.0")  # overwrites the start: another content, another digest
    stream.seek(0)
    with pytest.raises(RuntimeError, match="changed"):
        put_checked(LocalStorage(tmp_path), upload)



@pytest.mark.parametrize(("data", "accept"), [
    (samples.pdf_with_javascript(), ("pdf",)),
    (samples.pdf_with_attachment(), ("pdf",)),
    (samples.HTML_CLAIMING_PDF, ("pdf",)),
    (samples.png_bomb(), ("png",)),
    (samples.png_bytes()[:40], ("png",)),  # truncated
])
def test_whole_file_checks_refuse_active_broken_and_bomb_files(data, accept):
    with pytest.raises(UploadRefused) as refused:
        check_upload(io.BytesIO(data), "file", accept=accept, max_bytes=LIMIT)
    assert refused.value.reason == "unsafe"


@pytest.mark.parametrize(("data", "accept", "content_type"), [
    (samples.pdf_bytes(), ("pdf",), "application/pdf"),
    (samples.png_bytes(), ("pdf", "png"), "image/png"),
    (samples.jpeg_bytes(), ("jpg",), "image/jpeg"),
])
def test_whole_file_checks_accept_plain_files(data, accept, content_type):
    upload = check_upload(io.BytesIO(data), "file", accept=accept, max_bytes=LIMIT)
    assert upload.checked.content_type == content_type
    assert upload.stream.read() == data  # left at its start for storing


@pytest.mark.parametrize(("raw", "expected"), [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("a\u2066b\u200fc.pdf", "abc.pdf"),
    ("报告" * 100 + ".pdf", "报告" * 58 + ".pdf"),
    ("x" * 300 + ".jpeg", "x" * 115 + ".jpeg"),
    ("../../etc/passwd", "passwd"),
    ("\x00", "file"),
])
def test_names_lose_control_and_bidi_characters_and_keep_their_extension(raw, expected):
    assert safe_display_name(raw) == expected
    assert len(safe_display_name(raw)) <= 120


@pytest.mark.parametrize(("name", "content_type", "expected"), [
    ("photo.pdf", "image/png", "photo.png"),
    ("photo.PNG", "image/png", "photo.PNG"),
    ("scan.jpeg", "image/jpeg", "scan.jpeg"),
    ("record", "application/pdf", "record.pdf"),
])
def test_downloads_carry_the_extension_of_what_the_file_is(name, content_type, expected):
    assert name_for_type(name, content_type) == expected
