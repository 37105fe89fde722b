"""Evidence files posted with a case form: checked by content before anything is stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal.cases.services import EvidenceUpload
from portal.core.storage import (
    EVIDENCE_KINDS,
    CheckedUpload,
    UploadRefused,
    accept_upload,
    evidence_case_max_bytes,
    evidence_max_bytes,
    refusal_message,
    safe_display_name,
)
from portal.core.storage.images import capture_time

#: Most files accepted in one form.
MAX_FILES = 20


def max_file_bytes() -> int:
    """Return the per-file limit in bytes (``EVIDENCE_MAX_FILE_MB``)."""
    return evidence_max_bytes()


def max_case_bytes() -> int:
    """Return the limit of all files of one case in bytes (``EVIDENCE_MAX_CASE_MB``)."""
    return evidence_case_max_bytes()


def check_files(files: Iterable[FileStorage]) -> tuple[list[EvidenceUpload], list[str]]:
    """Check every posted file by content; return the accepted ones and messages for the rest.

    Nothing is stored here. A form with any refused file is refused as a whole
    (the caller closes the accepted ones), so the user never wonders which went in.
    """
    posted = [item for item in files if item is not None and item.filename]
    uploads: list[EvidenceUpload] = []
    problems: list[str] = []
    if len(posted) > MAX_FILES:
        return [], [str(_too_many())]
    limit = max_file_bytes()
    for item in posted:
        try:
            checked: CheckedUpload = accept_upload(item.stream, item.filename, kinds=EVIDENCE_KINDS,
                                                   max_bytes=limit)
        except UploadRefused as refused:
            problems.append(_named(item.filename, refusal_message(
                refused.reason, kinds=EVIDENCE_KINDS, max_bytes=limit)))
            continue
        captured = None
        if checked.checked.content_type.startswith("image/"):
            moment = capture_time(checked.stream)
            checked.stream.seek(0)
            captured = moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None
        uploads.append(EvidenceUpload(checked, captured_at=captured))
    return uploads, problems


def close_all(uploads: Iterable[EvidenceUpload]) -> None:
    """Close the checked streams (their temporary copies disappear)."""
    for item in uploads:
        item.upload.close()


def _named(filename: str | None, message: Any) -> str:
    return _("%(name)s: %(problem)s", name=safe_display_name(filename), problem=str(message))


def _too_many() -> Any:
    return _l("Send at most %(count)d files at a time.", count=MAX_FILES)
