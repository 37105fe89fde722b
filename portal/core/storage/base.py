"""What every storage backend shares: checking by content, the protocol, downloads.

A file's type is decided from its first bytes, not from its name or the
browser's word. Objects are addressed by the SHA-256 of their content (the
key), so the same content is stored once and an object is never overwritten.
Files are served only as downloads (``Content-Disposition: attachment``,
``nosniff``, ``no-store``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO, Protocol
from urllib.parse import quote

from flask import Response, request
from werkzeug.wsgi import wrap_file

from portal.core.storage.inspect import NotAcceptedKind, UnsafeContent, inspect_content

logger = logging.getLogger(__name__)

#: Kinds accepted by content, by the names content files use in ``accept``: the content
#: type and the leading bytes of each. HEIC is recognised by its ``ftyp`` box (``sniff``);
#: DOCX and XLSX are ZIP archives told apart only by opening them (``inspect``), so their
#: leading bytes alone give ``ZIP_CONTAINER`` unless ``accept`` names just one of them.
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "heic": ("image/heic", ()),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (b"PK\x03\x04",)),
}
SIGNATURES["jpeg"] = SIGNATURES["jpg"]
SIGNATURES["heif"] = SIGNATURES["heic"]
#: What the leading bytes of a DOCX or XLSX say before the archive is opened.
ZIP_CONTAINER = "application/zip"
_ZIP_KINDS = ("docx", "xlsx")
_ZIP_TYPES = frozenset({SIGNATURES["docx"][0], SIGNATURES["xlsx"][0], ZIP_CONTAINER})
#: ``ftyp`` brands of HEIF/HEIC still images (ISO/IEC 23008-12).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1",
                          b"msf1"})

#: Bytes read, hashed and written at a time: a body is never held whole in memory.
CHUNK_SIZE = 1024 * 1024
#: Enough leading bytes to recognise every kind in ``SIGNATURES``.
_HEAD_SIZE = 16
_KEY = re.compile(r"[0-9a-f]{64}")

#: Why an upload is refused: nothing in it (``empty``), over the size limit
#: (``too_large``), content of no accepted kind (``type``), a name whose extension says
#: another kind than the content (``extension``), or content that does not parse or
#: carries scripts, macros, other files or a decompression bomb (``unsafe``).
REFUSAL_REASONS = ("empty", "too_large", "type", "extension", "unsafe")


class UploadRefused(ValueError):
    """The file is refused; ``reason`` is one of ``REFUSAL_REASONS`` (stable codes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ObjectMissing(LookupError):
    """No stored object has this key (or the key is not a SHA-256 digest)."""


@dataclass(frozen=True)
class StoredObject:
    """What is known about an object once it is stored (or checked, before storing)."""

    #: Hex SHA-256 of the content; also the object's key in every backend.
    sha256: str
    size: int
    #: Content type decided by sniffing the first bytes.
    content_type: str
    #: The uploaded file's name, made safe to show (``safe_display_name``).
    name: str

    @property
    def key(self) -> str:
        """Return the key the object is stored under."""
        return self.sha256

    def as_dict(self) -> dict[str, object]:
        """Return the metadata as JSON-compatible data."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size,
                "content_type": self.content_type}


class Storage(Protocol):
    """Where uploaded files are kept: a folder, or an S3-compatible bucket."""

    def put(self, stream: IO[bytes], *, filename: str | None, accept: tuple[str, ...],
            max_bytes: int) -> StoredObject:
        """Check ``stream`` by content and store it under its SHA-256, in chunks.

        Storing content that is already there changes nothing.

        :raises UploadRefused: empty, too large, or not an accepted kind; nothing is left.
        """
        ...

    def open(self, key: str) -> IO[bytes]:
        """Return the object's content as a readable binary stream (close it).

        :raises ObjectMissing: no object has this key.
        """
        ...

    def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the object; return whether there was one."""
        ...

    def list_objects(self) -> Iterator[tuple[str, dt.datetime]]:
        """Yield the key and the (aware, UTC) time of storing of every object."""
        ...


#: Longest file name kept (characters); longer names are cut before their extension.
MAX_NAME_LENGTH = 120
#: The extensions a file of each content type may have; the first one is given to
#: downloads (a PNG named .pdf is offered as .png).
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",),
              "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
              "image/heic": (".heic", ".heif"),
              SIGNATURES["docx"][0]: (".docx",), SIGNATURES["xlsx"][0]: (".xlsx",),
              ZIP_CONTAINER: (".docx", ".xlsx")}


def safe_display_name(filename: str | None) -> str:
    """Return a file name safe to show and to offer for download.

    Control and format characters (including the bidirectional overrides that make
    "invoice" + U+202E + "fdp.exe" look like "invoiceexe.pdf") are removed, characters
    that file systems refuse are replaced, and a long name keeps its extension.
    """
    name = unicodedata.normalize("NFC", os.path.basename((filename or "").replace("\\", "/")))
    name = "".join(character for character in name
                   if unicodedata.category(character) not in {"Cc", "Cf", "Zl", "Zp"})
    name = re.sub(r"[\"<>|:*?/]", "_", name).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, extension = os.path.splitext(name)
        if not re.fullmatch(r"\.[A-Za-z0-9]{1,10}", extension):
            stem, extension = name, ""
        name = stem[:MAX_NAME_LENGTH - len(extension)].rstrip(" .") + extension
    return name or "file"


def name_for_type(filename: str, content_type: str) -> str:
    """Return ``filename`` with the extension of ``content_type`` (what the file really is)."""
    extensions = EXTENSIONS.get(content_type)
    if not extensions:
        return filename
    stem, extension = os.path.splitext(filename)
    if extension.lower() in extensions:
        return filename
    return f"{stem or 'file'}{extensions[0]}"


def sniff(head: bytes, accept: tuple[str, ...]) -> str | None:
    """Return the content type of ``head`` if it is one of the ``accept`` kinds.

    A ZIP archive gives the type of the one DOCX/XLSX kind ``accept`` names, or
    ``ZIP_CONTAINER`` when it names both (opening the archive decides).
    """
    zip_kinds = {kind for kind in accept if kind in _ZIP_KINDS}
    for kind in accept:
        content_type, magics = SIGNATURES.get(kind, ("", ()))
        if content_type == "image/heic":
            if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
                return content_type
        elif any(head.startswith(magic) for magic in magics):
            return ZIP_CONTAINER if kind in zip_kinds and len(zip_kinds) > 1 else content_type
    return None


def extension_of(filename: str) -> str | None:
    """Return the lowercase extension of ``filename`` (".pdf"), or None if it has none.

    Only a dot followed by 1-10 letters and digits, at least one a letter, counts:
    "scan 2024.03.01" has no extension.
    """
    extension = os.path.splitext(filename)[1].lower()
    if re.fullmatch(r"\.(?=[0-9]*[a-z])[a-z0-9]{1,10}", extension):
        return extension
    return None


def name_contradicts(filename: str | None, content_type: str) -> bool:
    """Return whether the extension of ``filename`` says another kind than the content."""
    extension = extension_of(safe_display_name(filename))
    return extension is not None and extension not in EXTENSIONS.get(content_type, ())


def is_key(key: str) -> bool:
    """Return whether ``key`` can name a stored object (a lowercase hex SHA-256)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


class _Discard:
    """A sink that forgets what is written to it (for checking without storing)."""

    def write(self, data: bytes) -> int:
        return len(data)


def copy_checked(stream: IO[bytes], sink: IO[bytes] | _Discard, *, filename: str | None,
                 accept: tuple[str, ...], max_bytes: int,
                 check_name: bool = False) -> StoredObject:
    """Copy ``stream`` into ``sink`` chunk by chunk, hashing and checking it.

    With ``check_name``, a name whose extension says another kind than the content
    is refused too (backends check content only; ``accept_upload`` checks names).

    :raises UploadRefused: empty, too large, not an accepted kind, or misnamed.
    """
    digest = hashlib.sha256()
    size = 0
    head = b""
    content_type: str | None = None
    while chunk := stream.read(CHUNK_SIZE):
        if content_type is None and len(head) < _HEAD_SIZE:
            head += chunk[:_HEAD_SIZE - len(head)]
            if len(head) >= _HEAD_SIZE:  # refuse early, before reading on
                content_type = _sniffed(head, accept, filename if check_name else None)
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused("too_large")
        digest.update(chunk)
        sink.write(chunk)
    if size == 0:
        raise UploadRefused("empty")
    if content_type is None:
        content_type = _sniffed(head, accept, filename if check_name else None)
    return StoredObject(sha256=digest.hexdigest(), size=size, content_type=content_type,
                        name=safe_display_name(filename))


def _sniffed(head: bytes, accept: tuple[str, ...], filename: str | None) -> str:
    """Return the accepted content type of ``head``, checking ``filename`` if given.

    A refused file whose name claims a kind it is not (an HTML page or a PNG named
    .pdf, a program named .jpg) is refused for its ``extension``, any other for ``type``.
    """
    content_type = sniff(head, accept)
    if filename is None:
        if content_type is None:
            raise UploadRefused("type")
        return content_type
    if content_type is not None:
        zipped = content_type in _ZIP_TYPES  # which OOXML kind: decided once opened
        if name_contradicts(filename, ZIP_CONTAINER if zipped else content_type):
            raise UploadRefused("extension")
        return content_type
    actual = sniff(head, tuple(SIGNATURES))
    misnamed = (name_contradicts(filename, actual) if actual is not None
                else _claims_known_kind(filename))
    raise UploadRefused("extension" if misnamed else "type")


def _claims_known_kind(filename: str) -> bool:
    extension = extension_of(safe_display_name(filename))
    return any(extension in extensions for extensions in EXTENSIONS.values())


@dataclass(frozen=True)
class CheckedUpload:
    """An upload checked by content but not stored yet; ``stream`` is at its start."""

    stream: IO[bytes]
    checked: StoredObject
    accept: tuple[str, ...]
    max_bytes: int

    def as_dict(self) -> dict[str, object]:
        """Return the metadata the file will have once stored."""
        return self.checked.as_dict()

    def close(self) -> None:
        """Close the stream (a temporary copy, if one was made, disappears)."""
        self.stream.close()


def accept_upload(stream: IO[bytes], filename: str | None, *, kinds: tuple[str, ...],
                  max_bytes: int) -> CheckedUpload:
    """THE acceptance check of every uploaded file; stores nothing.

    The file must be non-empty, at most ``max_bytes``, of one of ``kinds`` (keys of
    ``SIGNATURES``, e.g. ``EVIDENCE_KINDS``) by its content, named with an extension
    of that kind or none, and open cleanly with its kind's parser (``inspect``). A
    stream that cannot be rewound is first copied to an anonymous temporary file
    (removed when closed), never kept in memory. Store the result with ``put_checked``.

    :raises UploadRefused: with ``reason`` one of ``REFUSAL_REASONS``.
    """
    if stream.seekable():
        start = stream.tell()
        checked = copy_checked(stream, _Discard(), filename=filename, accept=kinds,
                               max_bytes=max_bytes, check_name=True)
        return _inspected(stream, start, checked, filename, kinds, max_bytes)
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # handed to the caller, open
    try:
        checked = copy_checked(stream, spool, filename=filename, accept=kinds,
                               max_bytes=max_bytes, check_name=True)
        return _inspected(spool, 0, checked, filename, kinds, max_bytes)
    except BaseException:
        spool.close()
        raise


def check_upload(stream: IO[bytes], filename: str | None, *, accept: tuple[str, ...],
                 max_bytes: int) -> CheckedUpload:
    """Same as ``accept_upload`` (its earlier name)."""
    return accept_upload(stream, filename, kinds=accept, max_bytes=max_bytes)


def _inspected(stream: IO[bytes], start: int, checked: StoredObject, filename: str | None,
               kinds: tuple[str, ...], max_bytes: int) -> CheckedUpload:
    """Open the whole file with its kind's parser; leave ``stream`` at ``start``.

    :raises UploadRefused: ("unsafe") it does not parse or carries active content;
        ("type"/"extension") an archive is not of an accepted kind or is misnamed.
    """
    stream.seek(start)
    try:
        accept_types = {SIGNATURES[kind][0] for kind in kinds if kind in SIGNATURES}
        content_type = inspect_content(stream, checked.content_type, accept_types)
    except NotAcceptedKind as other:
        logger.info("upload refused: %s", other)
        raise UploadRefused("type") from other
    except UnsafeContent as unsafe:
        logger.warning("upload refused: %s", unsafe)
        raise UploadRefused("unsafe") from unsafe
    finally:
        stream.seek(start)
    if name_contradicts(filename, content_type):
        raise UploadRefused("extension")
    kind = next(kind for kind in kinds if SIGNATURES.get(kind, ("",))[0] == content_type)
    return CheckedUpload(stream, replace(checked, content_type=content_type), (kind,),
                         max_bytes)


def put_checked(storage: Storage, upload: CheckedUpload) -> StoredObject:
    """Store an upload checked earlier; its content must not have changed since.

    :raises UploadRefused: the content no longer passes the checks.
    :raises RuntimeError: the content changed between checking and storing.
    """
    stored = storage.put(upload.stream, filename=upload.checked.name, accept=upload.accept,
                         max_bytes=upload.max_bytes)
    if stored.sha256 != upload.checked.sha256:
        raise RuntimeError("an upload changed between checking and storing")
    return stored


def attachment_disposition(filename: str) -> str:
    """Return a ``Content-Disposition`` offering ``filename`` as a download (RFC 6266/5987).

    ``filename`` is an ASCII fallback for old clients; ``filename*`` carries the
    real (UTF-8) name.
    """
    name = safe_display_name(filename)
    stem, suffix = os.path.splitext(name)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._ -]+", "_", ascii_stem).strip(" ._-") or "download"
    if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix):
        fallback += suffix
    encoded = quote(name, safe="!#$&+^`|")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def download_response(storage: Storage, key: str, *, filename: str,
                      content_type: str) -> Response:
    """Return a response that streams the object as a download, never shown inline.

    :raises ObjectMissing: no object has this key.
    """
    body = storage.open(key)
    response = Response(wrap_file(request.environ, body, buffer_size=CHUNK_SIZE),
                        mimetype=content_type, direct_passthrough=True)
    response.headers["Content-Disposition"] = attachment_disposition(
        name_for_type(safe_display_name(filename), content_type))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
