"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph …): ``<prefix><sha256>``.

The key is known only once the whole upload has been hashed, so the body is
first copied (and checked) into an anonymous temporary file on local disk —
never into memory — and then sent with one conditional PUT. S3 makes an
object visible only when its PUT completes, and ``If-None-Match: *`` keeps an
existing object from being overwritten.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any

from portal.core.storage.base import ObjectMissing, StoredObject, copy_checked, is_key

logger = logging.getLogger(__name__)

_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class _BodyReader(io.RawIOBase):
    """A botocore streaming body as a standard (buffered, closable) binary stream."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Storage:
    """Objects kept in one bucket, under a key prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Storage:
        """Build the client from ``S3_*`` settings (no network access yet).

        Empty credentials let boto3 find its own (environment, instance role …).
        """
        import boto3
        from botocore.config import Config

        endpoint = config["S3_ENDPOINT_URL"] or None
        session = boto3.session.Session(
            aws_access_key_id=config["S3_ACCESS_KEY_ID"] or None,
            aws_secret_access_key=config["S3_SECRET_ACCESS_KEY"] or None,
            region_name=config["S3_REGION"] or None)
        client = session.client("s3", endpoint_url=endpoint, config=Config(
            signature_version="s3v4",
            # Self-hosted servers rarely have a DNS name per bucket.
            s3={"addressing_style": "path" if endpoint else "auto"},
            retries={"max_attempts": 3, "mode": "standard"}))
        return cls(client, config["S3_BUCKET"], config["S3_PREFIX"])

    def _object_key(self, key: str) -> str:
        if not is_key(key):
            raise ObjectMissing(key)
        return self.prefix + key

    def put(self, stream: IO[bytes], *, filename: str | None, accept: tuple[str, ...],
            max_bytes: int) -> StoredObject:
        """Check and store ``stream`` under its SHA-256 (see ``Storage.put``)."""
        from botocore.exceptions import ClientError

        with tempfile.TemporaryFile() as spool:
            stored = copy_checked(stream, spool, filename=filename, accept=accept,
                                  max_bytes=max_bytes)
            if self.exists(stored.sha256):
                return stored  # same content already stored: never overwrite
            spool.seek(0)
            try:
                self.client.put_object(
                    Bucket=self.bucket, Key=self._object_key(stored.sha256), Body=spool,
                    ContentLength=stored.size, ContentType=stored.content_type,
                    IfNoneMatch="*")
            except ClientError as error:
                if _code(error) not in {"PreconditionFailed", "412"}:
                    raise
                return stored  # stored meanwhile by another request
        logger.info("stored %s (%d bytes) in bucket %s", stored.sha256, stored.size,
                    self.bucket)
        return stored

    def open(self, key: str) -> IO[bytes]:
        """Return the object's content (see ``Storage.open``)."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if _code(error) in _MISSING_CODES:
                raise ObjectMissing(key) from error
            raise
        return io.BufferedReader(_BodyReader(answer["Body"]))

    def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        from botocore.exceptions import ClientError

        if not is_key(key):
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if _code(error) in _MISSING_CODES:
                return False
            raise
        return True

    def delete(self, key: str) -> bool:
        """Remove the object; return whether there was one."""
        if not self.exists(key):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))
        return True

    def list_objects(self) -> Iterator[tuple[str, dt.datetime]]:
        """Yield every object's key and the time it was stored."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix):]
                if is_key(key):
                    yield key, item["LastModified"].astimezone(dt.UTC)


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))

