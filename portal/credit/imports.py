"""Importing penalty records from CSV or XLSX: read, check every row, then insert in bulk.

Files come as Excel writes them in China: CSV in GBK/GB18030 or UTF-8 (with or
without a byte-order mark), or XLSX. Every row is checked before anything is
written; the report names the row (as numbered in the file, the header being
row 1), the column and the problem in the reader's language. In ``all`` mode a
single error imports nothing; in ``valid`` mode the valid rows are imported and
the others reported. Rows are inserted in batches with one statement each, and
one audit event records the import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import Table as SqlTable
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Enterprise, User
from portal.core.audit import record_event
from portal.core.identifiers import InvalidUscc, validate_uscc
from portal.credit import rules
from portal.credit.models import CreditRecord, MarketCategory, PenaltyType, RecordClass
from portal.credit.services import RecordValues, record_columns

logger = logging.getLogger(__name__)

#: Rows inserted per statement (and per progress step).
BATCH = 5000
#: Most rows one file may hold.
MAX_ROWS = 200_000
#: Largest fine accepted, in yuan.
MAX_FINE = Decimal("1000000000000")


class ImportMode(StrEnum):
    """What to do when some rows are invalid."""

    #: Import nothing unless every row is valid.
    ALL = "all"
    #: Import the valid rows; report the others.
    VALID = "valid"


#: The columns of the template, by key: the Chinese header and the English one
#: (either is accepted in a file), and whether a value is required.
COLUMNS: dict[str, tuple[str, str, bool]] = {
    "decision_number": ("行政处罚决定书文号", "Decision number", True),
    "uscc": ("统一社会信用代码", "USCC", True),
    "department_code": ("处罚机关代码", "Authority code", True),
    "violation": ("违法行为", "Violation", True),
    "penalty_types": ("处罚种类", "Penalty types", True),
    "fine_amount": ("罚款金额（元）", "Fine (yuan)", False),
    "decision_date": ("处罚决定日期", "Decision date", True),
    "record_class": ("信息类别", "Record class", True),
    "market_category": ("市场监管类别", "Market-regulation category", False),
    "food_drug_special_equipment": ("食品药品特种设备", "Food, drugs or special equipment",
                                    False),
    "performed_on": ("履行完毕日期", "Performed on", False),
}

#: Words accepted for coded values, besides the codes themselves.
PENALTY_WORDS = {
    "警告": PenaltyType.WARNING, "通报批评": PenaltyType.NOTICE_OF_CRITICISM,
    "罚款": PenaltyType.FINE, "没收违法所得": PenaltyType.CONFISCATION,
    "没收非法财物": PenaltyType.CONFISCATION, "没收": PenaltyType.CONFISCATION,
    "责令停产停业": PenaltyType.SUSPENSION, "停产停业": PenaltyType.SUSPENSION,
    "吊销许可证件": PenaltyType.LICENCE_REVOKED, "吊销许可证": PenaltyType.LICENCE_REVOKED,
    "吊销营业执照": PenaltyType.BUSINESS_LICENCE_REVOKED,
    "降低资质等级": PenaltyType.QUALIFICATION_LOWERED,
    "限制开展生产经营活动": PenaltyType.RESTRICT_PRODUCTION,
    "限制生产经营": PenaltyType.RESTRICT_PRODUCTION, "限制从业": PenaltyType.RESTRICT_PRACTICE,
}
CLASS_WORDS = {"轻微": RecordClass.MINOR, "一般": RecordClass.GENERAL,
               "严重": RecordClass.SERIOUS}
MARKET_WORDS = {"警告": MarketCategory.WARNING,
                "通报批评或较低数额罚款": MarketCategory.LOW_FINE_OR_CRITICISM,
                "通报批评": MarketCategory.LOW_FINE_OR_CRITICISM,
                "较低数额罚款": MarketCategory.LOW_FINE_OR_CRITICISM,
                "其他": MarketCategory.OTHER}
YES = {"是", "yes", "y", "true", "1"}
NO = {"否", "no", "n", "false", "0", ""}

_SEPARATORS = re.compile(r"[;；,，、/\s]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class RowError:
    """One problem of one row: where (row as numbered in the file, column key) and what."""

    row: int
    column: str | None
    message: Any

    def column_label(self, english: bool = False) -> str:
        """Return the column's header as in the template ("" for a whole-row problem)."""
        if self.column is None or self.column not in COLUMNS:
            return ""
        chinese, english_header, _required = COLUMNS[self.column]
        return english_header if english else chinese


@dataclass
class ImportReport:
    """What an import read, imported and refused."""

    mode: ImportMode
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: A problem with the file as a whole (unreadable, no header, missing columns).
    file_error: Any = None
    record_ids: list[int] = field(default_factory=list)

    @property
    def rows_with_errors(self) -> int:
        """Return how many rows have at least one error."""
        return len({error.row for error in self.errors})


class FileUnreadable(ValueError):
    """The file cannot be read as a table; ``message`` says why, for the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# -- Reading ------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """Return the text of a CSV file in UTF-8 (with or without BOM) or GBK/GB18030.

    :raises FileUnreadable: neither encoding reads it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: what Excel writes for "CSV" in China.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileUnreadable(_l("The file is neither UTF-8 nor GBK text. Save it again as "
                                "CSV or XLSX.")) from None


def is_xlsx(data: bytes) -> bool:
    """Return whether ``data`` looks like an XLSX file (a ZIP archive)."""
    return data[:4] == b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """A file's header and rows, each row with its number in the file."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    #: Rows that hold merged cells (XLSX), which the import refuses.
    merged_rows: frozenset[int] = frozenset()


def read_table(data: bytes) -> Table:
    """Read a CSV or XLSX file into a table of text cells.

    :raises FileUnreadable: not a table the import can read.
    """
    if is_xlsx(data):
        return _read_xlsx(data)
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error:
        raise FileUnreadable(_l("The file is not valid CSV.")) from None
    if not lines:
        raise FileUnreadable(_l("The file is empty."))
    rows = [(number, line) for number, line in enumerate(lines[1:], start=2)
            if any(cell.strip() for cell in line)]
    return Table([cell.strip() for cell in lines[0]], rows)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise FileUnreadable(_l("The file is not a readable XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    merged: set[int] = set()
    for cells in sheet.merged_cells.ranges:
        merged.update(range(cells.min_row, cells.max_row + 1))
    lines = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    if not lines:
        raise FileUnreadable(_l("The file is empty."))
    rows = [(number, line) for number, line in enumerate(lines[1:], start=2)
            if any(cell.strip() for cell in line) or number in merged]
    return Table([cell.strip() for cell in lines[0]], rows, frozenset(merged))


def _columns(header: Sequence[str]) -> dict[str, int]:
    """Map each column key to its index in ``header`` (Chinese or English headers).

    :raises FileUnreadable: a required column is missing.
    """
    by_name = {name.strip().lower(): index for index, name in enumerate(header)}
    found: dict[str, int] = {}
    for key, (chinese, english, _required) in COLUMNS.items():
        for name in (chinese.lower(), english.lower(), key):
            if name in by_name:
                found[key] = by_name[name]
                break
    missing = [COLUMNS[key][0] for key, (_c, _e, required) in COLUMNS.items()
               if required and key not in found]
    if missing:
        raise FileUnreadable(_l("Columns missing from the header row: %(columns)s. Use the "
                                "template.", columns="、".join(missing)))
    return found


# -- Checking -----------------------------------------------------------------------------


def parse_date(text: str) -> dt.date | None:
    """Return the date written as 2026-03-01, 2026/3/1 or 2026年3月1日 (None if not a date)."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _coded(text: str, words: dict[str, Any], enum: type[StrEnum]) -> str | None:
    value = text.strip()
    if value in words:
        return str(words[value].value)
    try:
        return str(enum(value.lower()).value)
    except ValueError:
        return None


@dataclass
class _Checked:
    values: RecordValues | None
    errors: list[RowError]


class RowChecker:
    """Checks rows against the database facts it loaded once for the whole file."""

    def __init__(self, session: Session, table: Table, *, today: dt.date) -> None:
        self.today = today
        self.columns = _columns(table.header)
        usccs: set[str] = set()
        numbers: set[str] = set()
        for _number, line in table.rows:
            usccs.add(self._cell(line, "uscc").strip().upper())
            numbers.add(self._cell(line, "decision_number").strip())
        self.enterprises = _lookup(session, Enterprise.uscc, Enterprise.id, usccs)
        self.taken = set(_lookup(session, CreditRecord.decision_number, CreditRecord.id,
                                 numbers))
        self.departments = set(session.scalars(select(Department.code)))
        self.seen: dict[str, int] = {}
        self.merged_rows = table.merged_rows

    def _cell(self, line: Sequence[str], key: str) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(line):
            return ""
        return line[index]

    def check(self, number: int, line: Sequence[str]) -> _Checked:
        """Return the row's values, or its errors (every one found)."""
        errors: list[RowError] = []

        def error(column: str | None, message: Any) -> None:
            errors.append(RowError(number, column, message))

        cell = {key: self._cell(line, key).strip() for key in COLUMNS}
        for key, (_c, _e, required) in COLUMNS.items():
            if required and not cell[key]:
                error(key, _l("This value is required."))
        decision_number = cell["decision_number"]
        if len(decision_number) > 100:
            error("decision_number", _l("At most 100 characters."))
        elif decision_number:
            if decision_number in self.seen:
                error("decision_number", _l("Repeats the decision number of row %(row)s.",
                                            row=self.seen[decision_number]))
            else:
                self.seen[decision_number] = number
            if decision_number in self.taken:
                error("decision_number", _l("A record with this decision number exists "
                                            "already."))
        enterprise_id = None
        if cell["uscc"]:
            try:
                code = validate_uscc(cell["uscc"])
            except InvalidUscc:
                error("uscc", _l("Not a valid unified social credit code."))
            else:
                enterprise_id = self.enterprises.get(code)
                if enterprise_id is None:
                    error("uscc", _l("No enterprise with this code is registered on the "
                                     "portal."))
        department = cell["department_code"]
        if department and department not in self.departments:
            error("department_code", _l("Unknown authority code."))
        penalties: list[str] = []
        for word in _SEPARATORS.split(cell["penalty_types"]):
            if not word:
                continue
            penalty = _coded(word, PENALTY_WORDS, PenaltyType)
            if penalty is None:
                error("penalty_types", _l("Unknown penalty type: %(value)s.", value=word[:40]))
            elif penalty not in penalties:
                penalties.append(penalty)
        fine = Decimal("0")
        if cell["fine_amount"]:
            try:
                fine = Decimal(cell["fine_amount"].replace(",", "").replace("，", ""))
                if not fine.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                error("fine_amount", _l("Not an amount: write it in yuan, like 2000 or "
                                        "2000.50."))
            else:
                if fine < 0:
                    error("fine_amount", _l("A fine cannot be negative."))
                elif fine > MAX_FINE or fine != fine.quantize(Decimal("0.01")):
                    error("fine_amount", _l("Not an amount: write it in yuan, like 2000 or "
                                            "2000.50."))
        decided = self._date(cell, "decision_date", error)
        performed = self._date(cell, "performed_on", error)
        if decided and performed and performed < decided:
            error("performed_on", _l("Performed before the decision date."))
        record_class = None
        if cell["record_class"]:
            record_class = _coded(cell["record_class"], CLASS_WORDS, RecordClass)
            if record_class is None:
                error("record_class", _l("Write minor, general or serious (轻微、一般、严重)."))
        market = None
        if cell["market_category"]:
            market = _coded(cell["market_category"], MARKET_WORDS, MarketCategory)
            if market is None:
                error("market_category", _l("Write warning, low_fine_or_criticism or other, "
                                            "or leave it empty."))
        special_text = cell["food_drug_special_equipment"].lower()
        if special_text not in YES | NO:
            error("food_drug_special_equipment", _l("Write 是 or 否 (yes or no)."))
        if number in self.merged_rows:
            error(None, _l("The row has merged cells: unmerge them so each value is in its "
                           "own cell."))
        if errors or enterprise_id is None or decided is None or record_class is None:
            return _Checked(None, errors)
        return _Checked(RecordValues(
            decision_number=decision_number, enterprise_id=enterprise_id,
            department_code=department, violation=cell["violation"][:4000],
            penalty_types=tuple(penalties), fine_amount=fine, decision_date=decided,
            record_class=record_class, market_category=market,
            food_drug_special_equipment=special_text in YES, performed_on=performed), [])

    def _date(self, cell: dict[str, str], key: str,
              error: Callable[[str | None, Any], None]) -> dt.date | None:
        if not cell[key]:
            return None
        day = parse_date(cell[key])
        if day is None:
            error(key, _l("Not a date: write it like 2026-03-01."))
            return None
        if day > self.today:
            error(key, _l("This date is in the future."))
            return None
        return day


def _lookup(session: Session, key_column: Any, value_column: Any,
            keys: set[str]) -> dict[str, int]:
    wanted = sorted(key for key in keys if key)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 1000):
        found.update(session.execute(select(key_column, value_column).where(
            key_column.in_(wanted[start:start + 1000]))).all())
    return found


# -- Importing ----------------------------------------------------------------------------


Progress = Callable[[int], None]


def import_records(session: Session, data: bytes, *, mode: ImportMode, actor: User | None,
                   today: dt.date, now: dt.datetime, credit_rules: rules.CreditRules,
                   filename: str = "", progress: Progress | None = None,
                   started: Progress | None = None) -> ImportReport:
    """Check every row of the file, then insert the valid ones as ``mode`` allows.

    ``started(total)`` is called once the file is read, with the steps to come (each
    row counts once when checked and once when inserted); ``progress(n)`` as steps
    are done. Never commits; the caller commits the
    report's rows (or rolls back).
    """
    report = ImportReport(mode=mode)
    try:
        table = read_table(data)
        if len(table.rows) > MAX_ROWS:
            raise FileUnreadable(_l("The file has more than %(count)s rows; split it.",
                                    count=MAX_ROWS))
        checker = RowChecker(session, table, today=today)
    except FileUnreadable as unreadable:
        report.file_error = unreadable.message
        return report
    report.rows = len(table.rows)
    if started:
        started(2 * report.rows)
    valid: list[RecordValues] = []
    for index, (number, line) in enumerate(table.rows, start=1):
        checked = checker.check(number, line)
        report.errors.extend(checked.errors)
        if checked.values is not None:
            valid.append(checked.values)
        if progress and index % BATCH == 0:
            progress(BATCH)
    if progress and report.rows % BATCH:
        progress(report.rows % BATCH)
    if report.errors and mode == ImportMode.ALL:
        return report
    for batch in _batches(valid):
        rows = [{**record_columns(values, credit_rules=credit_rules), "version": 1,
                 "created_by_id": actor.id if actor else None, "created_at": now}
                for values in batch]
        report.record_ids.extend(_insert(session, rows))
        if progress:
            progress(len(batch))
    report.imported = len(report.record_ids)
    if report.imported:
        record_event(session, action="credit.imported", object_type="credit_record",
                     actor=actor, now=now,
                     details={"file": filename[:200], "mode": mode.value, "rows": report.rows,
                              "imported": report.imported,
                              "rows_with_errors": report.rows_with_errors})
    logger.info("credit import of %s: %d rows, %d imported, %d with errors, by %s", filename,
                report.rows, report.imported, report.rows_with_errors,
                getattr(actor, "id", "cli"))
    return report


_TABLE: SqlTable = CreditRecord.__table__  # type: ignore[assignment]
_COPY_COLUMNS = ("id", "decision_number", "enterprise_id", "department_code", "violation",
                 "penalty_types", "fine_amount", "decision_date", "record_class",
                 "market_category", "food_drug_special_equipment", "performed_on",
                 "publication_status", "publication_starts_on", "publication_ends_on",
                 "earliest_repair_on", "created_by_id", "created_at", "version")


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of ``credit_records``; return their ids.

    PostgreSQL gets ``COPY`` with ids drawn from the sequence first (the fastest way
    in; 100,000 rows well inside the benchmark's minute); other databases a Core
    multi-row insert.
    """
    if session.get_bind().dialect.name != "postgresql":
        return list(session.execute(insert(_TABLE).returning(_TABLE.c.id), rows).scalars())
    ids = list(session.scalars(text(
        "SELECT nextval(pg_get_serial_sequence('credit_records', 'id')) "
        "FROM generate_series(1, :count)"), {"count": len(rows)}))
    raw = session.connection().connection.driver_connection
    columns = ", ".join(_COPY_COLUMNS)
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f"COPY credit_records ({columns}) FROM STDIN") as copy:
        for record_id, row in zip(ids, rows, strict=True):
            values = {**row, "id": record_id,
                      "penalty_types": json.dumps(row["penalty_types"]),
                      "created_at": row["created_at"].astimezone(dt.UTC).replace(tzinfo=None)}
            copy.write_row([values[name] for name in _COPY_COLUMNS])
    return ids


def _batches(values: list[RecordValues]) -> Iterator[list[RecordValues]]:
    for start in range(0, len(values), BATCH):
        yield values[start:start + BATCH]


# -- The template -------------------------------------------------------------------------


EXAMPLE_ROW = ("穗南市监罚〔2026〕12号", "91440115MA5XXXXXXX", "market_regulation",
               "未按规定公示食品经营许可证", "警告；罚款", "2000", "2026-03-01", "一般",
               "其他", "是", "2026-03-15")


def template_workbook() -> bytes:
    """Return the XLSX import template: the header row (Chinese) and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "行政处罚信息"
    sheet.append([chinese for chinese, _english, _required in COLUMNS.values()])
    sheet.append(list(EXAMPLE_ROW))
    for letter in "ABCDEFGHIJK":
        sheet.column_dimensions[letter].width = 22
    notes = workbook.create_sheet("说明 Notes")
    notes.append(["列 Column", "必填 Required", "说明 Notes"])
    notes.append(["处罚种类", "是",
                  "警告、通报批评、罚款、没收违法所得、责令停产停业、吊销许可证件、"
                  "吊销营业执照、降低资质等级、限制开展生产经营活动、限制从业；多个用分号分隔"])
    notes.append(["信息类别", "是", "轻微、一般、严重 (minor, general, serious)"])
    notes.append(["市场监管类别", "否", "警告、通报批评或较低数额罚款、其他；非市场监管部门留空"])
    notes.append(["日期", "—", "2026-03-01 或 2026/3/1 或 2026年3月1日"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
