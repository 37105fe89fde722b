"""What users are told when a file is refused, and the kinds and limits of evidence.

``accept_upload`` (in ``base``) is the one check every uploaded file goes
through: self-check answers, rectification evidence and ``flask files check``.
``refusal_message`` turns its stable reason code into a sentence in the
user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from portal.core.storage.inspect import HEIC_SUPPORTED

#: Kinds accepted as evidence of a rectification (keys of ``SIGNATURES``). HEIC/HEIF
#: photos are accepted only where pillow-heif is installed (``HEIC_SUPPORTED``).
EVIDENCE_KINDS: tuple[str, ...] = ("pdf", "png", "jpg", "jpeg",
                                   *(("heic",) if HEIC_SUPPORTED else ()), "docx", "xlsx")

#: One message per ``UploadRefused.reason`` (``REFUSAL_REASONS``); ``%(kinds)s`` and
#: ``%(megabytes)s`` are
#: filled in by ``refusal_message``.
REFUSAL_MESSAGES = {
    "empty": _l("The file is empty"),
    "too_large": _l("The file must be smaller than %(megabytes)s MB"),
    "type": _l("The file must be one of these kinds: %(kinds)s"),
    "extension": _l("The file's name does not match what it contains (for example a photo "
                    "named .pdf). Check that you chose the right file; it must be one of "
                    "these kinds: %(kinds)s"),
    "unsafe": _l("The file cannot be accepted: it is damaged, protected by a password, or "
                 "contains scripts or other files. Save it again as a plain PDF or photo "
                 "and upload that."),
}


def kinds_label(kinds: tuple[str, ...]) -> str:
    """Return the kinds as users know them: "PDF, JPG, PNG" (JPEG and JPG once)."""
    labels: list[str] = []
    for kind in kinds:
        label = {"jpeg": "JPG", "heif": "HEIC"}.get(kind, kind.upper())
        if label not in labels:
            labels.append(label)
    return ", ".join(labels)


def refusal_message(reason: str, *, kinds: tuple[str, ...], max_bytes: int) -> str:
    """Return, in the current language, why a file was refused and what to do.

    ``kinds`` and ``max_bytes`` are those given to ``accept_upload``. An unknown
    reason gets the ``unsafe`` message.
    """
    message = REFUSAL_MESSAGES.get(reason, REFUSAL_MESSAGES["unsafe"])
    return str(message) % {"kinds": kinds_label(kinds),
                           "megabytes": format_decimal(max_bytes / (1024 * 1024))}


def evidence_max_bytes(config: Mapping[str, Any] | None = None) -> int:
    """Return the largest evidence file accepted, in bytes (``EVIDENCE_MAX_FILE_MB``)."""
    config = current_app.config if config is None else config
    return int(config["EVIDENCE_MAX_FILE_MB"] * 1024 * 1024)


def evidence_case_max_bytes(config: Mapping[str, Any] | None = None) -> int:
    """Return the most evidence one case may hold, in bytes (``EVIDENCE_MAX_CASE_MB``)."""
    config = current_app.config if config is None else config
    return int(config["EVIDENCE_MAX_CASE_MB"] * 1024 * 1024)
