"""Uploaded files: checked by content, stored by their SHA-256, never overwritten.

The backend (a local folder or an S3-compatible bucket) is chosen by
``PORTAL_STORAGE_BACKEND``; code asks ``get_storage()`` for it and never
builds paths itself. Every upload is checked by ``accept_upload``
(the one acceptance check: kind by content, name, size, whole-file parsing) while
a form is parsed, and stored only once the whole form is valid (``put_checked``),
so a refused form leaves nothing behind. ``refusal_message`` says why, in the
user's language; ``EVIDENCE_KINDS`` are the kinds rectification evidence may be.

Accepting evidence in a form::

    max_bytes = evidence_max_bytes()            # PORTAL_EVIDENCE_MAX_FILE_MB
    try:
        upload = accept_upload(file.stream, file.filename, kinds=EVIDENCE_KINDS,
                               max_bytes=max_bytes)
    except UploadRefused as refused:            # refused.reason in REFUSAL_REASONS
        error = refusal_message(refused.reason, kinds=EVIDENCE_KINDS, max_bytes=max_bytes)
    ...                                         # the case's total: evidence_case_max_bytes()
    stored = put_checked(get_storage(), upload)  # once the whole form is valid
    record_stored_file(session, stored, uploaded_by=user_id, now=now)

``upload.checked`` (a ``StoredObject``: sha256, size, content_type, safe name)
is known before storing. For photos, ``capture_time`` and ``thumbnail`` (no
metadata, no GPS) work on the stored or checked stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app

from portal.core.storage.acceptance import (
    EVIDENCE_KINDS,
    REFUSAL_MESSAGES,
    evidence_case_max_bytes,
    evidence_max_bytes,
    kinds_label,
    refusal_message,
)
from portal.core.storage.base import (
    CHUNK_SIZE,
    EXTENSIONS,
    REFUSAL_REASONS,
    SIGNATURES,
    ZIP_CONTAINER,
    CheckedUpload,
    ObjectMissing,
    Storage,
    StoredObject,
    UploadRefused,
    accept_upload,
    attachment_disposition,
    check_upload,
    download_response,
    extension_of,
    is_key,
    name_contradicts,
    name_for_type,
    put_checked,
    safe_display_name,
    sniff,
)
from portal.core.storage.images import capture_time, thumbnail
from portal.core.storage.inspect import HEIC_SUPPORTED
from portal.core.storage.local import LocalStorage
from portal.core.storage.models import StoredFile
from portal.core.storage.references import (
    ReferenceFinder,
    is_referenced,
    record_stored_file,
    reference_finders,
    referenced_keys,
    register_reference,
    sweep_unreferenced,
)
from portal.core.storage.s3 import S3Storage

__all__ = [
    "CHUNK_SIZE",
    "EVIDENCE_KINDS",
    "EXTENSIONS",
    "HEIC_SUPPORTED",
    "REFUSAL_MESSAGES",
    "REFUSAL_REASONS",
    "SIGNATURES",
    "ZIP_CONTAINER",
    "CheckedUpload",
    "LocalStorage",
    "ObjectMissing",
    "ReferenceFinder",
    "S3Storage",
    "Storage",
    "StoredFile",
    "StoredObject",
    "UploadRefused",
    "accept_upload",
    "attachment_disposition",
    "build_storage",
    "capture_time",
    "check_upload",
    "download_response",
    "evidence_case_max_bytes",
    "evidence_max_bytes",
    "extension_of",
    "get_storage",
    "init_storage",
    "is_key",
    "is_referenced",
    "kinds_label",
    "name_contradicts",
    "name_for_type",
    "put_checked",
    "record_stored_file",
    "reference_finders",
    "referenced_keys",
    "refusal_message",
    "register_reference",
    "safe_display_name",
    "sniff",
    "sweep_unreferenced",
    "thumbnail",
]

#: Values of ``PORTAL_STORAGE_BACKEND``.
BACKENDS = ("local", "s3")


def build_storage(config: Mapping[str, Any]) -> Storage:
    """Return the backend the settings choose (builds clients; touches no network)."""
    if config["STORAGE_BACKEND"] == "s3":
        return S3Storage.from_config(config)
    return LocalStorage(Path(config["UPLOAD_DIR"]))


def init_storage(app: Flask) -> None:
    """Make the configured backend available as ``app.extensions["storage"]``."""
    app.extensions["storage"] = build_storage(app.config)


def get_storage() -> Storage:
    """Return the current application's storage backend."""
    return cast(Storage, current_app.extensions["storage"])
