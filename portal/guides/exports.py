"""Exports of the exemption lists: the filtered entries as CSV or XLSX files.

Needs an application context (headers and labels are translated into the
locale passed in) but reads no request: the route passes the filters, the
locale and today's date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy.orm import Session

from portal.guides import labels
from portal.guides.queries import citation_text, departments_by_code, local_text
from portal.guides.services import EntryFilters, search_entries

#: Exports stop here; larger sets are for the API, page by page.
EXPORT_LIMIT = 10_000
#: File formats offered, with their media types.
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """A built export file."""

    body: bytes
    mimetype: str
    filename: str


def spreadsheet_safe(value: Any) -> Any:
    """Keep a text cell from being read as a formula by Excel (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_rows(session: Session, filters: EntryFilters,
                locale: str) -> tuple[list[str], list[list[Any]]]:
    """Return the header and one row per entry matching ``filters`` (at most EXPORT_LIMIT)."""
    departments = departments_by_code(session)
    page = search_entries(session, filters, page=1, per_page=EXPORT_LIMIT)
    header = [_("Key"), _("Item code"), _("List type"), _("Violation"), _("Department"),
              _("Industries"), _("Rule breached"), _("Legal ground"), _("Conditions"),
              _("Range"), _("Follow-up measures"), _("Suggested correction period (working "
                                                     "days)"),
              _("Exempt again after an exemption"), _("Effective from"), _("Effective until"),
              _("Source list"), _("Illustrative"), _("Version")]
    rows = []
    for version in page.items:
        data = version.data
        department = departments.get(version.department)
        conditions = "; ".join(
            str(labels.CONDITION_LABELS.get(c["type"], c["type"]))
            + (f" ({local_text(c['text'], locale)})" if c.get("text") else "")
            for c in data.get("conditions") or [])
        rows.append([
            data["key"], version.item_code or "",
            str(labels.LIST_TYPE_LABELS[version.list_type]),
            str(local_text(data["violation"], locale)),
            department.name(locale) if department else version.department,
            ", ".join(sorted(i.industry for i in version.industries)),
            "; ".join(citation_text(c, locale, article=not data.get("article_unsure"))
                      for c in data.get("rule_breached") or []),
            "; ".join(citation_text(c, locale, article=not data.get("article_unsure"))
                      for c in data.get("legal_ground") or []),
            conditions, str(local_text(data.get("range"), locale)),
            ", ".join(str(labels.FOLLOW_UP_LABELS.get(m, m))
                      for m in data.get("follow_up_measures") or []),
            data.get("correction_working_days") or "",
            _("Yes") if data.get("exempt_again") else _("No"),
            data.get("effective_from") or "", data.get("effective_until") or "",
            data.get("source") or "", _("Yes") if version.illustrative else _("No"),
            version.version_no,
        ])
    return header, rows


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """Return the table as UTF-8 CSV with a byte-order mark (so that Excel reads Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    """Return the table as an XLSX workbook with a frozen header row."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # the sheet a new workbook starts with
    sheet.title = "exemption-entries"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def build_export(session: Session, filters: EntryFilters, fmt: str, *, locale: str,
                 today: dt.date) -> Export:
    """Build the export of the entries matching ``filters`` in ``fmt`` (csv or xlsx).

    :raises ValueError: for a format not in ``FORMATS``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    with force_locale(locale):  # headers and labels in the same language as the texts
        header, rows = export_rows(session, filters, locale)
    rows = [[spreadsheet_safe(cell) for cell in row] for row in rows]
    body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows)
    return Export(body=body, mimetype=FORMATS[fmt],
                  filename=f"exemption-entries-{today.isoformat()}.{fmt}")
