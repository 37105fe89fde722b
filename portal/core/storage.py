"""Uploaded files: checked by content, stored by their SHA-256, never overwritten.

A file's type is decided from its first bytes, not from its name or the
browser's word. Files are stored under ``UPLOAD_DIR/<2 hex>/<sha256>`` and
served only as downloads (``Content-Disposition: attachment``, ``nosniff``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: Kinds accepted by content, by the names content files use in ``accept``.
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
SIGNATURES["jpeg"] = SIGNATURES["jpg"]

_CHUNK = 1024 * 1024


class UploadRefused(ValueError):
    """The file is empty, too large, or not of an accepted kind."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredFile:
    """What is kept about a stored upload."""

    name: str
    sha256: str
    size: int
    content_type: str

    def as_dict(self) -> dict[str, object]:
        """Return the metadata as JSON-compatible data."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size,
                "content_type": self.content_type}


def safe_display_name(filename: str | None) -> str:
    """Return a file name safe to show and to offer for download."""
    name = unicodedata.normalize("NFC", os.path.basename((filename or "").replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?/]", "_", name).strip(" .")
    return name[:120] or "file"


def sniff(head: bytes, accept: tuple[str, ...]) -> str | None:
    """Return the content type of ``head`` if it is one of the ``accept`` kinds."""
    for kind in accept:
        content_type, magics = SIGNATURES.get(kind, ("", ()))
        if any(head.startswith(magic) for magic in magics):
            return content_type
    return None


def path_for(root: Path, sha256: str) -> Path:
    """Return where the file with this digest is stored."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256 digest")
    return root / sha256[:2] / sha256


def store_upload(stream: BinaryIO, filename: str | None, *, root: Path,
                 accept: tuple[str, ...], max_bytes: int) -> StoredFile:
    """Check an upload by content and store it under its SHA-256.

    :raises UploadRefused: empty, too large, or not an accepted kind.
    """
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.NamedTemporaryFile(dir=root, delete=False) as temporary:
        try:
            while chunk := stream.read(_CHUNK):
                if not head:
                    head = chunk[:16]
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused("too_large")
                digest.update(chunk)
                temporary.write(chunk)
            if size == 0:
                raise UploadRefused("empty")
            content_type = sniff(head, accept)
            if content_type is None:
                raise UploadRefused("type")
        except UploadRefused:
            Path(temporary.name).unlink(missing_ok=True)
            raise
    sha256 = digest.hexdigest()
    target = path_for(root, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        Path(temporary.name).unlink()  # same content already stored: never overwrite
    else:
        os.replace(temporary.name, target)
    return StoredFile(name=safe_display_name(filename), sha256=sha256, size=size,
                      content_type=content_type)
