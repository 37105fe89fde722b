"""Files in a folder: ``<root>/<first 2 hex>/<sha256>``, written atomically.

An object is first written to a temporary file directly under the root (on
the same file system as every object, so that the final rename is atomic),
flushed to disk, then renamed into place. A crash before the rename leaves no
visible object; temporary names start with a dot and are never listed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from portal.core.storage.base import ObjectMissing, StoredObject, copy_checked, is_key

logger = logging.getLogger(__name__)

TEMPORARY_PREFIX = ".incoming-"


class LocalStorage:
    """Objects kept in a folder (a volume shared by every instance in production)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        """Return where the object with this key is (or would be) stored.

        :raises ObjectMissing: ``key`` is not a SHA-256 digest (it can name no file).
        """
        if not is_key(key):
            raise ObjectMissing(key)
        return self.root / key[:2] / key

    def put(self, stream: IO[bytes], *, filename: str | None, accept: tuple[str, ...],
            max_bytes: int) -> StoredObject:
        """Check and store ``stream`` under its SHA-256 (see ``Storage.put``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary_name = tempfile.mkstemp(dir=self.root, prefix=TEMPORARY_PREFIX)
        temporary = Path(temporary_name)
        try:
            with os.fdopen(handle, "wb") as sink:
                stored = copy_checked(stream, sink, filename=filename, accept=accept,
                                      max_bytes=max_bytes)
                sink.flush()
                os.fsync(sink.fileno())
            target = self.path_for(stored.sha256)
            if target.exists():
                temporary.unlink()  # same content already stored: never overwrite
                return stored
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)
            _fsync_directory(target.parent)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        logger.info("stored %s (%d bytes)", stored.sha256, stored.size)
        return stored

    def open(self, key: str) -> IO[bytes]:
        """Return the object's content (see ``Storage.open``)."""
        try:
            return self.path_for(key).open("rb")
        except FileNotFoundError as missing:
            raise ObjectMissing(key) from missing

    def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        return is_key(key) and self.path_for(key).is_file()

    def delete(self, key: str) -> bool:
        """Remove the object; return whether there was one."""
        if not self.exists(key):
            return False
        self.path_for(key).unlink(missing_ok=True)
        return True

    def list_objects(self) -> Iterator[tuple[str, dt.datetime]]:
        """Yield every object's key and the time it was stored."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/*")):
            if is_key(path.name) and path.parent.name == path.name[:2] and path.is_file():
                yield path.name, dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)

    def discard_stale_temporaries(self, older_than: dt.datetime) -> list[str]:
        """Remove temporary files that a killed process left before ``older_than``."""
        removed = []
        for path in sorted(self.root.glob(TEMPORARY_PREFIX + "*")):
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            if path.is_file() and modified < older_than:
                path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows it)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
