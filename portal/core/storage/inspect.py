"""Look inside an upload, not only at its first bytes.

The first bytes say what a file claims to be; these checks open the whole
file with a parser made for its kind and refuse what a reviewer's viewer
could be made to run or unpack:

* PDF (pypdf): refused if it does not parse, is encrypted, or carries
  JavaScript, launch or other active actions, embedded files, rich media or XFA
  forms, anywhere in its object graph;
* images (Pillow, and pillow-heif for HEIC): refused if they do not decode as the
  sniffed format, or have more pixels than a phone photo could (a decompression
  bomb); JPEG and HEIC are decoded in full (a JPEG at an eighth of its size);
* Word and Excel files: see ``office``;
* a PDF or image that is also a ZIP archive (a polyglot) is refused.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

#: Largest image accepted, in pixels (a 200-megapixel photo is far beyond any phone).
MAX_IMAGE_PIXELS = 200_000_000
#: Objects a PDF's graph may hold before it is refused as too complex to check.
MAX_PDF_OBJECTS = 200_000

#: Names that make a PDF do something when opened or clicked, or carry other files.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles",
                          "/RichMedia", "/XFA", "/Launch", "/GoToE", "/ImportData",
                          "/SubmitForm"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/ImportData",
                             "/SubmitForm", "/RichMediaExecute", "/Rendition", "/Sound",
                             "/Movie"})
_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/heic": "HEIF"}
_OFFICE_TYPES = frozenset({
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})

try:  # HEIC/HEIF photos (iPhones' default) need libheif, shipped in pillow-heif's wheels
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    HEIC_SUPPORTED = False
else:
    register_heif_opener()
    HEIC_SUPPORTED = True


class UnsafeContent(ValueError):
    """The file is not what it claims, cannot be read, or carries active content."""


class NotAcceptedKind(UnsafeContent):
    """A sound archive, but not of an accepted kind (a plain ZIP, an XLSX for DOCX …)."""


def inspect_content(stream: IO[bytes], content_type: str,
                    accept_types: Iterable[str] = ()) -> str:
    """Check the whole of a seekable ``stream`` of the sniffed ``content_type``.

    Return its content type: the sniffed one, or for a ZIP archive what opening it
    showed (DOCX or XLSX, which must be among ``accept_types``).

    :raises UnsafeContent: with the reason, for logs (users see one message).
    """
    if content_type in _OFFICE_TYPES:
        from portal.core.storage.office import inspect_office

        return inspect_office(stream, frozenset(accept_types) & _OFFICE_TYPES)
    if content_type == "application/pdf":
        _inspect_pdf(stream)
    elif content_type in _PIL_FORMATS:
        if content_type == "image/heic" and not HEIC_SUPPORTED:  # pragma: no cover
            raise UnsafeContent("HEIC is not supported on this server")
        _inspect_image(stream, _PIL_FORMATS[content_type])
    stream.seek(0)
    if zipfile.is_zipfile(stream):
        raise UnsafeContent(f"{content_type} that is also a ZIP archive")
    return content_type


def _inspect_pdf(stream: IO[bytes]) -> None:
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            raise UnsafeContent("encrypted PDF")
        _walk_pdf(reader.trailer["/Root"])
        if len(reader.pages) == 0:
            raise UnsafeContent("PDF without pages")
    except UnsafeContent:
        raise
    except Exception as error:  # every parser failure means "not a readable PDF"
        raise UnsafeContent(f"PDF does not parse: {type(error).__name__}") from error


def _walk_pdf(root: Any) -> None:
    """Visit every object reachable from the catalogue, once, looking for active content."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            reader, generation, idnum = item.pdf, item.generation, item.idnum
            item = item.get_object()
            if isinstance(item, StreamObject):
                # Visited once: let the stream's data go (the reader would cache it), so a
                # PDF of many scanned pages needs memory for one page at a time.
                getattr(reader, "resolved_objects", {}).pop((generation, idnum), None)
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise UnsafeContent("PDF too complex to check")
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in _ACTIVE_KEYS:
                    raise UnsafeContent(f"PDF carries {key}")
                if key == "/S" and isinstance(value, NameObject) and value in _ACTIVE_ACTIONS:
                    raise UnsafeContent(f"PDF action {value}")
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _inspect_image(stream: IO[bytes], expected_format: str) -> None:
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) between its limit and twice it: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format != expected_format:
                    raise UnsafeContent(f"image is {image.format}, not {expected_format}")
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UnsafeContent("image has too many pixels")
                if expected_format == "PNG":
                    image.verify()  # every chunk's CRC, without decoding the pixels
                else:
                    if expected_format == "JPEG":  # decode at 1/8 scale: same data, less memory
                        image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                    image.load()
    except UnsafeContent:
        raise
    except Exception as error:  # truncated, corrupt, or a decompression bomb
        raise UnsafeContent(f"image does not decode: {type(error).__name__}") from error
