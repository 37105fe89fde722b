"""Uploads are checked by content and stored by digest, never overwritten."""

import hashlib
import io

import pytest

from portal.core.storage import UploadRefused, path_for, safe_display_name, store_upload

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_pdf_is_stored_under_its_digest(tmp_path):
    stored = store_upload(io.BytesIO(PDF), "培训记录.pdf", root=tmp_path, accept=("pdf",),
                          max_bytes=1000)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.content_type == "application/pdf"
    assert path_for(tmp_path, stored.sha256).read_bytes() == PDF
    assert stored.name == "培训记录.pdf"


def test_the_name_does_not_decide_the_type(tmp_path):
    with pytest.raises(UploadRefused) as refused:
        store_upload(io.BytesIO(b"<html><script>alert(1)</script>"), "record.pdf",
                     root=tmp_path, accept=("pdf", "png"), max_bytes=1000)
    assert refused.value.reason == "type"
    renamed = store_upload(io.BytesIO(PNG), "photo.pdf", root=tmp_path, accept=("pdf", "png"),
                           max_bytes=1000)
    assert renamed.content_type == "image/png"


def test_a_kind_not_accepted_is_refused(tmp_path):
    with pytest.raises(UploadRefused):
        store_upload(io.BytesIO(PNG), "x.png", root=tmp_path, accept=("pdf",), max_bytes=1000)


def test_empty_and_too_large_files_are_refused_and_leave_nothing(tmp_path):
    with pytest.raises(UploadRefused) as empty:
        store_upload(io.BytesIO(b""), "x.pdf", root=tmp_path, accept=("pdf",), max_bytes=10)
    assert empty.value.reason == "empty"
    with pytest.raises(UploadRefused) as large:
        store_upload(io.BytesIO(PDF), "x.pdf", root=tmp_path, accept=("pdf",), max_bytes=10)
    assert large.value.reason == "too_large"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_same_content_is_stored_once_and_never_overwritten(tmp_path):
    first = store_upload(io.BytesIO(PDF), "a.pdf", root=tmp_path, accept=("pdf",),
                         max_bytes=1000)
    path = path_for(tmp_path, first.sha256)
    modified = path.stat().st_mtime_ns
    second = store_upload(io.BytesIO(PDF), "b.pdf", root=tmp_path, accept=("pdf",),
                          max_bytes=1000)
    assert second.sha256 == first.sha256
    assert path.stat().st_mtime_ns == modified
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


@pytest.mark.parametrize(("raw", "safe"), [("../../etc/passwd", "passwd"),
                                           ("C:\\Users\\a\\报告.pdf", "报告.pdf"),
                                           ('a"b<c>.pdf', "a_b_c_.pdf"), ("", "file"),
                                           ("...", "file")])
def test_display_names_are_made_safe(raw, safe):
    assert safe_display_name(raw) == safe


def test_only_digests_make_paths(tmp_path):
    with pytest.raises(ValueError, match="SHA-256"):
        path_for(tmp_path, "../../secret")
