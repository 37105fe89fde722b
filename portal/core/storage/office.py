"""Word (DOCX) and Excel (XLSX) files: ZIP archives opened with limits, never trusted.

An Office Open XML file is a ZIP archive. Before anything is unpacked, the
central directory must be plausible: at most ``MAX_MEMBERS`` members, no two of
the same name, no absolute or ``..`` names, nothing encrypted, at most
``MAX_TOTAL_BYTES`` declared in all and no member expanding more than
``MAX_RATIO`` times. Then every member is decompressed in chunks and counted as
it comes, so a member that lies about its size is stopped at the same limits
(``zipfile`` also stops at the declared size and checks the CRC).

What it is comes from inside: ``[Content_Types].xml`` plus ``word/document.xml``
(DOCX) or ``xl/workbook.xml`` (XLSX). Macro-enabled documents (DOCM/XLSM renamed,
``vbaProject.bin``), ActiveX controls, embedded OLE packages and relationships
that fetch a template or object from elsewhere are refused.
"""

from __future__ import annotations

import re
import zipfile
from typing import IO

from portal.core.storage.inspect import NotAcceptedKind, UnsafeContent

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Members an archive may hold.
MAX_MEMBERS = 5_000
#: Bytes all members may expand to, together.
MAX_TOTAL_BYTES = 100 * 1024 * 1024
#: How many times larger than its compressed size a member may become ...
MAX_RATIO = 100
#: ... once it is larger than this (small XML parts of repeated markup compress well).
RATIO_FLOOR_BYTES = 1024 * 1024
#: Largest part read into memory to look for macros and external relationships.
MAX_SCANNED_PART = 4 * 1024 * 1024

_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}
#: Parts that hold macros, ActiveX controls or embedded OLE programs.
_ACTIVE_PART = re.compile(r"(^|/)(vbaproject\.bin|vbadata\.xml|activex/|embeddings/oleobject"
                          r"|attachedtoolbars\.bin)", re.IGNORECASE)
#: Content types of macro-enabled documents, macros and ActiveX controls.
_ACTIVE_TYPE = re.compile(rb"macroenabled|vbaproject|ms-office\.activex|vbadata",
                          re.IGNORECASE)
#: A relationship that makes Word or Excel fetch something when the file is opened
#: (a remote template, frame or OLE object); external hyperlinks are allowed.
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>", re.IGNORECASE)
_CHUNK = 64 * 1024


def inspect_office(stream: IO[bytes], accept_types: frozenset[str]) -> str:
    """Return DOCX or XLSX for a seekable ``stream`` holding a safe one of ``accept_types``.

    :raises NotAcceptedKind: a readable archive, but not an accepted Office file.
    :raises UnsafeContent: not a sound archive, a bomb, or active content.
    """
    head = stream.read(1024)
    stream.seek(0)
    if b"%PDF" in head:
        raise UnsafeContent("ZIP archive that is also a PDF")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise UnsafeContent(f"archive does not open: {error}") from error
    with archive:
        members = _checked_directory(archive)
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names:
            raise NotAcceptedKind("ZIP archive without [Content_Types].xml")
        kinds = {_MAIN_PARTS[name] for name in names if name in _MAIN_PARTS}
        if len(kinds) != 1:
            raise NotAcceptedKind("ZIP archive that is not one Word or Excel document")
        content_type = kinds.pop()
        if content_type not in accept_types:
            raise NotAcceptedKind(f"{content_type} is not accepted here")
        _read_every_member(archive, members)
    return content_type


def _checked_directory(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Check what the central directory declares, before unpacking anything."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise UnsafeContent(f"archive of {len(members)} members")
    if archive.comment:
        raise UnsafeContent("archive with a comment (data after the archive)")
    if members and min(member.header_offset for member in members) != 0:
        raise UnsafeContent("data before the archive's first member")
    seen: set[str] = set()
    total = 0
    for member in members:
        name = member.filename
        if (name.startswith(("/", "\\")) or "\\" in name or re.match(r"[A-Za-z]:", name)
                or ".." in name.split("/") or "\x00" in name):
            raise UnsafeContent(f"unsafe member name {name!r}")
        if name.lower() in seen:
            raise UnsafeContent(f"member {name!r} twice")
        seen.add(name.lower())
        if member.flag_bits & 0x1:
            raise UnsafeContent(f"encrypted member {name!r}")
        if _ACTIVE_PART.search(name):
            raise UnsafeContent(f"active content {name!r}")
        total += member.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeContent("archive expands beyond the limit")
        if (member.file_size > RATIO_FLOOR_BYTES
                and member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise UnsafeContent(f"member {name!r} expands too much")
    return members


def _read_every_member(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Decompress every member in chunks, counting what really comes out."""
    total = 0
    for member in members:
        if member.is_dir():
            continue
        scanned = member.filename == "[Content_Types].xml" or member.filename.endswith(".rels")
        kept = bytearray()
        size = 0
        try:
            with archive.open(member) as part:
                while chunk := part.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        raise UnsafeContent("archive expands beyond the limit")
                    if (size > RATIO_FLOOR_BYTES
                            and size > MAX_RATIO * max(member.compress_size, 1)):
                        raise UnsafeContent(f"member {member.filename!r} expands too much")
                    if scanned and len(kept) < MAX_SCANNED_PART:
                        kept += chunk
        except UnsafeContent:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError,
                NotImplementedError) as error:
            raise UnsafeContent(f"member {member.filename!r} does not unpack: {error}"
                                ) from error
        if scanned:
            _check_part(member.filename, bytes(kept))


def _check_part(name: str, data: bytes) -> None:
    """Refuse macro content types and relationships that fetch from elsewhere."""
    if name == "[Content_Types].xml":
        if _ACTIVE_TYPE.search(data):
            raise UnsafeContent("macro-enabled or ActiveX content type")
        return
    for relationship in _RELATIONSHIP.findall(data):
        external = re.search(rb"TargetMode\s*=\s*[\"']External[\"']", relationship)
        hyperlink = re.search(rb"Type\s*=\s*[\"'][^\"']*/hyperlink[\"']", relationship)
        if external and not hyperlink:
            raise UnsafeContent(f"external relationship in {name}")
        if re.search(rb"vbaProject|activeX|oleObject", relationship, re.IGNORECASE):
            raise UnsafeContent(f"active relationship in {name}")
