"""Repair results for the credit platforms, as CSV and JSON (the format is in the README)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from portal.credit.services import EXPORT_FIELDS

#: Version of the export format; raised when a field changes meaning or disappears.
FORMAT_VERSION = 1


def results_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Return the rows as UTF-8 CSV text with a header of the field names."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _safe(row[key]) for key in EXPORT_FIELDS})
    return out.getvalue()


def _safe(value: Any) -> Any:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def results_json(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return the rows as the JSON document: its format version and the results."""
    return {"format": "nansha-credit-repair-results", "version": FORMAT_VERSION,
            "results": [{key: row[key] for key in EXPORT_FIELDS} for row in rows]}
