"""Real sample files for upload tests, made by the libraries that read them.

Files are checked by content (whole-file parsing), so tests need real PDFs and
images, and real examples of what must be refused.
"""

from __future__ import annotations

import io
import struct
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
