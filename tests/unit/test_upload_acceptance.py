"""The one acceptance check of uploaded files (``accept_upload``), its messages and CLI."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest
from flask_babel import force_locale

from portal.config import ConfigError, load_config, validate
from portal.core.storage import (
    EVIDENCE_KINDS,
    HEIC_SUPPORTED,
    REFUSAL_MESSAGES,
    REFUSAL_REASONS,
    LocalStorage,
    UploadRefused,
    accept_upload,
    kinds_label,
    office,
    put_checked,
    refusal_message,
)
from tests import samples

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "hostile"
LIMIT = 20 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _corpus() -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS_DIR / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [(name, reason) for name, _build, reason, _why in module.CORPUS]


CORPUS = _corpus()


def _refusal(data: bytes, name: str | None, kinds: tuple[str, ...] = EVIDENCE_KINDS,
             max_bytes: int = LIMIT) -> str:
    with pytest.raises(UploadRefused) as refused:
        accept_upload(io.BytesIO(data), name, kinds=kinds, max_bytes=max_bytes)
    return refused.value.reason


def test_the_corpus_on_disk_is_the_listed_one():
    listed = {name for name, _reason in CORPUS}
    on_disk = {path.name for path in CORPUS_DIR.iterdir()} - {"README.md", "make_corpus.py"}
    assert on_disk == listed
    readme = (CORPUS_DIR / "README.md").read_text(encoding="utf-8")
    for name, reason in CORPUS:
        assert f"| `{name}` |" in readme and f"| `{reason}` |" in readme
    assert {"html_named.pdf", "svg_with_script.svg", "svg_with_script.png", "exe_named.jpg",
            "gif_js_polyglot.gif", "gif_js_polyglot.jpg", "pdf_with_javascript.pdf",
            "zip_bomb.docx", "zip_bomb.xlsx", "pixel_bomb.png", "empty.pdf",
            "macro_docm_renamed.docx", "pdf_zip_polyglot.pdf"} <= listed
    assert all((CORPUS_DIR / name).stat().st_size < 200_000 for name in listed)


@pytest.mark.parametrize(("name", "reason"), CORPUS)
def test_every_hostile_file_is_refused_for_its_reason(name, reason):
    data = (CORPUS_DIR / name).read_bytes()
    assert _refusal(data, name) == reason


@pytest.mark.parametrize(("name", "reason"), CORPUS)
def test_a_hostile_file_is_refused_from_a_stream_that_cannot_rewind(name, reason):
    class OneWay(io.BytesIO):
        def seekable(self) -> bool:
            return False

    with pytest.raises(UploadRefused) as refused:
        accept_upload(OneWay((CORPUS_DIR / name).read_bytes()), name, kinds=EVIDENCE_KINDS,
                      max_bytes=LIMIT)
    assert refused.value.reason == reason


GOOD = [
    (samples.pdf_bytes(), "整改报告.pdf", "application/pdf", "pdf"),
    (samples.png_bytes(), "现场.PNG", "image/png", "png"),
    (samples.jpeg_bytes(), "现场.jpeg", "image/jpeg", "jpg"),
    (samples.jpeg_with_exif(), "IMG_0001.JPG", "image/jpeg", "jpg"),
    (samples.docx_bytes(), "整改说明.docx", DOCX, "docx"),
    (samples.xlsx_bytes(), "台账.xlsx", XLSX, "xlsx"),
    (samples.docx_bytes(), "no extension", DOCX, "docx"),
    (samples.pdf_bytes(), "scan 2026.03.01", "application/pdf", "pdf"),
]
if HEIC_SUPPORTED:
    GOOD.append((samples.heic_bytes(), "IMG_0002.HEIC", "image/heic", "heic"))


@pytest.mark.parametrize(("data", "name", "content_type", "kind"), GOOD)
def test_plain_evidence_is_accepted_and_stored_with_its_type(tmp_path, data, name,
                                                             content_type, kind):
    upload = accept_upload(io.BytesIO(data), name, kinds=EVIDENCE_KINDS, max_bytes=LIMIT)
    assert upload.checked.content_type == content_type
    assert upload.accept == (kind,)
    assert upload.checked.size == len(data)
    stored = put_checked(LocalStorage(tmp_path), upload)
    assert stored.content_type == content_type and stored.sha256 == upload.checked.sha256
    assert (tmp_path / stored.sha256[:2] / stored.sha256).read_bytes() == data


def test_heic_is_an_evidence_kind_when_supported():
    assert HEIC_SUPPORTED  # pillow-heif is in requirements.txt
    assert "heic" in EVIDENCE_KINDS
    assert {"pdf", "png", "jpg", "jpeg", "docx", "xlsx"} <= set(EVIDENCE_KINDS)


@pytest.mark.parametrize(("data", "name", "kinds", "reason"), [
    (samples.png_bytes(), "photo.pdf", ("pdf", "png"), "extension"),
    (samples.png_bytes(), "photo.pdf", ("pdf",), "extension"),
    (samples.png_bytes(), "photo.png", ("pdf",), "type"),
    (samples.pdf_bytes(), "report.exe", EVIDENCE_KINDS, "extension"),
    (samples.docx_bytes(), "sheet.xlsx", EVIDENCE_KINDS, "extension"),
    (samples.xlsx_bytes(), "report.docx", EVIDENCE_KINDS, "extension"),
    (samples.xlsx_bytes(), "sheet.xlsx", ("docx", "pdf"), "type"),
    (samples.docx_bytes(), "report.docx", ("pdf", "jpg", "png"), "type"),
    (b"<html><script>alert(1)</script></html>", "page.html", EVIDENCE_KINDS, "type"),
    (b"<html><script>alert(1)</script></html>", "page", EVIDENCE_KINDS, "type"),
    (samples.pdf_bytes(), "invoice\u202efdp.exe", EVIDENCE_KINDS, "extension"),
    (samples.pdf_bytes(), "a.pdf", EVIDENCE_KINDS, None),
])
def test_a_name_must_not_contradict_the_content(data, name, kinds, reason):
    if reason is None:
        assert accept_upload(io.BytesIO(data), name, kinds=kinds, max_bytes=LIMIT)
    else:
        assert _refusal(data, name, kinds) == reason


@pytest.mark.parametrize(("raw", "shown"), [
    ("../../etc/整改.pdf", "整改.pdf"),
    ("C:\\Users\\王\\整改.pdf", "整改.pdf"),
    ("a\x00b\x1f\u202ec.pdf", "abc.pdf"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ("\x00\x01", "file"),
])
def test_unsafe_names_are_made_safe_not_trusted(raw, shown):
    checked = accept_upload(io.BytesIO(samples.pdf_bytes()), raw, kinds=EVIDENCE_KINDS,
                            max_bytes=LIMIT).checked
    assert checked.name == shown


def test_empty_and_too_large():
    assert _refusal(b"", "a.pdf") == "empty"
    assert _refusal(samples.pdf_bytes(), "a.pdf", max_bytes=100) == "too_large"


def test_a_zip_bomb_is_stopped_while_reading_even_past_the_directory_checks(monkeypatch):
    bomb = (CORPUS_DIR / "zip_bomb.docx").read_bytes()
    monkeypatch.setattr(office, "_checked_directory", lambda archive: archive.infolist())
    with pytest.raises(office.UnsafeContent, match="expands"):
        office.inspect_office(io.BytesIO(bomb), frozenset({DOCX}))
    monkeypatch.setattr(office, "MAX_TOTAL_BYTES", 10**12)  # only the ratio can stop it now
    with pytest.raises(office.UnsafeContent, match="expands too much"):
        office.inspect_office(io.BytesIO(bomb), frozenset({DOCX}))


def test_the_directory_limits_refuse_before_unpacking(monkeypatch):
    monkeypatch.setattr(office, "MAX_MEMBERS", 3)
    with pytest.raises(office.UnsafeContent, match="members"):
        office.inspect_office(io.BytesIO(samples.docx_bytes()), frozenset({DOCX}))


def test_every_reason_has_a_message_in_every_language(app):
    assert set(REFUSAL_MESSAGES) == set(REFUSAL_REASONS)
    kinds = ("pdf", "jpg", "jpeg", "png")
    assert kinds_label(kinds) == "PDF, JPG, PNG"
    with app.test_request_context("/"):
        for reason in REFUSAL_REASONS:
            with force_locale("en"):
                english = refusal_message(reason, kinds=kinds, max_bytes=LIMIT)
            with force_locale("zh_Hans_CN"):
                chinese = refusal_message(reason, kinds=kinds, max_bytes=LIMIT)
            with force_locale("zh_Hant"):
                traditional = refusal_message(reason, kinds=kinds, max_bytes=LIMIT)
            assert english != chinese != traditional, reason
            assert "%(" not in english + chinese + traditional
        with force_locale("en"):
            assert refusal_message("too_large", kinds=kinds, max_bytes=LIMIT) == (
                "The file must be smaller than 20 MB")
            assert refusal_message("type", kinds=kinds, max_bytes=LIMIT) == (
                "The file must be one of these kinds: PDF, JPG, PNG")
        with force_locale("zh_Hans_CN"):
            assert "PDF, JPG, PNG" in refusal_message("extension", kinds=kinds,
                                                      max_bytes=LIMIT)


def test_files_check_refuses_every_hostile_file_with_its_reason(app):
    paths = [str(CORPUS_DIR / name) for name, _reason in CORPUS]
    result = app.test_cli_runner().invoke(args=["files", "check", *paths])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for name, reason in CORPUS:
        line = next(line for line in lines if line.startswith("REFUSED") and name in line)
        assert f": {reason}: " in line
        assert str(REFUSAL_MESSAGES[reason])[:20] in line or reason in {"too_large", "type",
                                                                        "extension"}
    assert not any(line.startswith("ACCEPTED") for line in lines)


def test_files_check_accepts_plain_evidence_and_exits_0(app, tmp_path):
    paths = []
    for number, (data, name, _type, _kind) in enumerate(GOOD):
        path = tmp_path / f"{number}-{name}"
        path.write_bytes(data)
        paths.append(path)
    result = app.test_cli_runner().invoke(args=["files", "check", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert result.output.count("ACCEPTED") == len(GOOD)
    assert f"{DOCX}, {len(samples.docx_bytes())} bytes, sha256 " in result.output


def test_files_check_uses_the_evidence_file_limit(app, tmp_path, monkeypatch):
    path = tmp_path / "big.pdf"
    path.write_bytes(samples.pdf_bytes())
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_FILE_MB", 0.0001)  # about 100 bytes
    result = app.test_cli_runner().invoke(args=["files", "check", str(path)])
    assert result.exit_code == 1
    assert ": too_large: The file must be smaller than" in result.output


def test_upload_limits_must_fit_in_a_request_and_a_case():
    assert validate(load_config(environ={})) is None
    with pytest.raises(ConfigError, match="EVIDENCE_MAX_FILE_MB"):
        validate(load_config(environ={"PORTAL_EVIDENCE_MAX_FILE_MB": "200",
                                      "PORTAL_MAX_REQUEST_MB": "100"}))
    with pytest.raises(ConfigError, match="EVIDENCE_MAX_CASE_MB"):
        validate(load_config(environ={"PORTAL_EVIDENCE_MAX_FILE_MB": "50",
                                      "PORTAL_EVIDENCE_MAX_CASE_MB": "40"}))
    with pytest.raises(ConfigError, match="MAX_REQUEST_MB"):
        validate(load_config(environ={"PORTAL_MAX_REQUEST_MB": "0"}))


def test_a_request_may_carry_several_evidence_files(app):
    config = load_config(environ={})
    assert (config["EVIDENCE_MAX_FILE_MB"], config["EVIDENCE_MAX_CASE_MB"]) == (20, 200)
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_REQUEST_MB"] * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] >= 5 * app.config["EVIDENCE_MAX_FILE_MB"] * 1024 ** 2
