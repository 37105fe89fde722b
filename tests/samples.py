"""Real sample files for upload tests, made by the libraries that read them.

Files are checked by content (whole-file parsing), so tests need real PDFs and
images, and real examples of what must be refused.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def pdf_bytes(title: str = "整改记录") -> bytes:
    """Return a one-page PDF; a different ``title`` gives a different digest."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """Return a PDF that runs JavaScript when opened (OpenAction)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('opened');")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_attachment() -> bytes:
    """Return a PDF carrying an embedded file."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("run.exe", b"MZ not really a program")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


#: Starts like a PDF, is an HTML page.
HTML_CLAIMING_PDF = b"%PDF-1.7\n<html><script>alert(1)</script></html>\n"


def png_bytes(size: tuple[int, int] = (8, 8), colour: str = "green") -> bytes:
    """Return a small real PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    """Return a small real JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """Return a tiny PNG that declares billions of pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + _chunk(b"IEND", b""))


#: A fixed time for archive members, so that the same builder gives the same bytes.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '{}</Relationships>')
_REL = '<Relationship Id="{}" Type="{}" Target="{}"{}/>'
_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _content_types(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> str:
    defaults = {"rels": "application/vnd.openxmlformats-package.relationships+xml",
                "xml": "application/xml", **(defaults or {})}
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + "".join(f'<Default Extension="{e}" ContentType="{t}"/>'
                      for e, t in defaults.items())
            + "".join(f'<Override PartName="/{p}" ContentType="{t}"/>'
                      for p, t in overrides.items())
            + "</Types>")


def ooxml(parts: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Return a ZIP archive of ``parts`` (name to content), members in the given order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = compression
            archive.writestr(info, content)
    return out.getvalue()


def docx_parts(text: str = "整改完成", *, macro: bool = False,
               document_rels: str = "") -> dict[str, bytes | str]:
    """Return the parts of a minimal Word document (Word and LibreOffice open it)."""
    main = _DOCM_MAIN if macro else _DOCX_MAIN
    overrides = {"word/document.xml": main}
    defaults = {"bin": "application/vnd.ms-office.vbaProject"} if macro else None
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": _content_types(overrides, defaults),
        "_rels/.rels": _RELS.format(_REL.format(
            "rId1", _OFFICE_DOC + "officeDocument", "word/document.xml", "")),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'),
        "word/_rels/document.xml.rels": _RELS.format(document_rels),
    }
    if macro:
        parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return parts


def docx_bytes(text: str = "整改完成") -> bytes:
    """Return a minimal real Word document."""
    return ooxml(docx_parts(text))


def xlsx_parts(value: str = "整改完成") -> dict[str, bytes | str]:
    """Return the parts of a minimal Excel workbook of one sheet."""
    return {
        "[Content_Types].xml": _content_types({"xl/workbook.xml": _XLSX_MAIN,
                                               "xl/worksheets/sheet1.xml": _SHEET}),
        "_rels/.rels": _RELS.format(_REL.format(
            "rId1", _OFFICE_DOC + "officeDocument", "xl/workbook.xml", "")),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": _RELS.format(_REL.format(
            "rId1", _OFFICE_DOC + "worksheet", "worksheets/sheet1.xml", "")),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{value}</t></is></c></row>'
            '</sheetData></worksheet>'),
    }


def xlsx_bytes(value: str = "整改完成") -> bytes:
    """Return a minimal real Excel workbook."""
    return ooxml(xlsx_parts(value))


def heic_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a small real HEIC photo (needs pillow-heif)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format="HEIF")
    return out.getvalue()


def jpeg_with_exif(taken: str = "2026:03:14 09:26:53", *, gps: bool = True) -> bytes:
    """Return a JPEG photo whose EXIF says when (and, with ``gps``, where) it was taken."""
    exif = Image.Exif()
    exif[0x0132] = "2026:03:15 10:00:00"  # DateTime (last changed)
    exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (22.0, 47.0, 30.0), 3: "E",
                                     4: (113.0, 35.0, 10.0)})
    out = io.BytesIO()
    Image.new("RGB", (640, 320), "navy").save(out, format="JPEG", exif=exif)
    return out.getvalue()
