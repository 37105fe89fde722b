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
from dataclasses import dataclass
from typing import IO, Protocol
from urllib.parse import quote

from flask import Response, request
from werkzeug.wsgi import wrap_file

from portal.core.storage.inspect import UnsafeContent, inspect_content

logger = logging.getLogger(__name__)

#: Kinds accepted by content, by the names content files use in ``accept``.
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
SIGNATURES["jpeg"] = SIGNATURES["jpg"]

#: Bytes read, hashed and written at a time: a body is never held whole in memory.
CHUNK_SIZE = 1024 * 1024
#: Enough leading bytes to recognise every kind in ``SIGNATURES``.
_HEAD_SIZE = 16
_KEY = re.compile(r"[0-9a-f]{64}")


class UploadRefused(ValueError):
    """The file is empty, too large, or not of an accepted kind."""

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
#: The extension a download gets for each sniffed type (a PNG named .pdf is offered as .png).
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",),
              "image/jpeg": (".jpg", ".jpeg")}


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
    """Return the content type of ``head`` if it is one of the ``accept`` kinds."""
    for kind in accept:
        content_type, magics = SIGNATURES.get(kind, ("", ()))
        if any(head.startswith(magic) for magic in magics):
            return content_type
    return None


def is_key(key: str) -> bool:
    """Return whether ``key`` can name a stored object (a lowercase hex SHA-256)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


class _Discard:
    """A sink that forgets what is written to it (for checking without storing)."""

    def write(self, data: bytes) -> int:
        return len(data)


def copy_checked(stream: IO[bytes], sink: IO[bytes] | _Discard, *, filename: str | None,
                 accept: tuple[str, ...], max_bytes: int) -> StoredObject:
    """Copy ``stream`` into ``sink`` chunk by chunk, hashing and checking it.

    :raises UploadRefused: empty, too large, or not an accepted kind.
    """
    digest = hashlib.sha256()
    size = 0
    head = b""
    content_type: str | None = None
    while chunk := stream.read(CHUNK_SIZE):
        if content_type is None and len(head) < _HEAD_SIZE:
            head += chunk[:_HEAD_SIZE - len(head)]
            if len(head) >= _HEAD_SIZE:
                content_type = _sniffed(head, accept)  # refuse early, before reading on
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused("too_large")
        digest.update(chunk)
        sink.write(chunk)
    if size == 0:
        raise UploadRefused("empty")
    if content_type is None:
        content_type = _sniffed(head, accept)
    return StoredObject(sha256=digest.hexdigest(), size=size, content_type=content_type,
                        name=safe_display_name(filename))


def _sniffed(head: bytes, accept: tuple[str, ...]) -> str:
    content_type = sniff(head, accept)
    if content_type is None:
        raise UploadRefused("type")
    return content_type


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


def check_upload(stream: IO[bytes], filename: str | None, *, accept: tuple[str, ...],
                 max_bytes: int) -> CheckedUpload:
    """Check an upload by content without storing it, so that a refused form stores nothing.

    A stream that cannot be rewound is first copied to an anonymous temporary
    file (removed when closed), never kept in memory.

    :raises UploadRefused: empty, too large, or not an accepted kind.
    """
    if stream.seekable():
        start = stream.tell()
        checked = copy_checked(stream, _Discard(), filename=filename, accept=accept,
                               max_bytes=max_bytes)
        _inspect_whole(stream, start, checked.content_type)
        return CheckedUpload(stream, checked, accept, max_bytes)
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # handed to the caller, open
    try:
        checked = copy_checked(stream, spool, filename=filename, accept=accept,
                               max_bytes=max_bytes)
        _inspect_whole(spool, 0, checked.content_type)
    except BaseException:
        spool.close()
        raise
    return CheckedUpload(spool, checked, accept, max_bytes)


def _inspect_whole(stream: IO[bytes], start: int, content_type: str) -> None:
    """Open the whole file with its kind's parser; leave ``stream`` at ``start``.

    :raises UploadRefused: ("unsafe") it does not parse or carries active content.
    """
    stream.seek(start)
    try:
        inspect_content(stream, content_type)
    except UnsafeContent as unsafe:
        logger.warning("upload refused: %s", unsafe)
        raise UploadRefused("unsafe") from unsafe
    finally:
        stream.seek(start)


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
