"""Importing penalty records: encodings, XLSX, every kind of bad row, both modes."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.credit.imports import COLUMNS, ImportMode, import_records, template_workbook
from portal.credit.models import CreditRecord, PublicationStatus
from portal.extensions import db
from tests.credit.helpers import make_record, rules
from tests.factories import DepartmentFactory, EnterpriseFactory

TODAY = dt.date(2026, 11, 20)
HEADER = [chinese for chinese, _english, _required in COLUMNS.values()]


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def setting():
    department = DepartmentFactory(code="market_regulation_test")
    enterprise = EnterpriseFactory()
    other = EnterpriseFactory()
    db.session.commit()
    return department, enterprise, other


def _row(department, enterprise, number, **changes):
    row = {"行政处罚决定书文号": number, "统一社会信用代码": enterprise.uscc,
           "处罚机关代码": department.code, "违法行为": "未按规定公示食品经营许可证",
           "处罚种类": "警告；罚款", "罚款金额（元）": "2000", "处罚决定日期": "2026-03-01",
           "信息类别": "一般", "市场监管类别": "其他", "食品药品特种设备": "是",
           "履行完毕日期": "2026/3/15"}
    row.update(changes)
    return [row[name] for name in HEADER]


def _csv(rows, encoding="utf-8", header=HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _import(data, mode=ImportMode.ALL):
    return import_records(db.session, data, mode=mode, actor=None, today=TODAY, now=utcnow(),
                          credit_rules=rules(), filename="records.csv")


def _count():
    return db.session.scalar(select(func.count()).select_from(CreditRecord))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_every_encoding_excel_writes(setting, encoding):
    department, enterprise, _other = setting
    report = _import(_csv([_row(department, enterprise, "穗南市监罚〔2026〕1号"),
                           _row(department, enterprise, "穗南市监罚〔2026〕2号",
                                **{"违法行为": "销售过期食品（鲜榨果汁）"})], encoding))
    assert (report.file_error, report.errors, report.imported) == (None, [], 2)
    record = db.session.scalar(select(CreditRecord).where(
        CreditRecord.decision_number == "穗南市监罚〔2026〕2号"))
    assert record.violation == "销售过期食品（鲜榨果汁）"
    assert record.penalty_types == ["warning", "fine"]
    assert record.record_class == "general" and record.market_category == "other"
    assert record.food_drug_special_equipment
    assert record.performed_on == dt.date(2026, 3, 15)
    assert record.publication_status == PublicationStatus.PUBLISHED
    # Market regulation, food: published 3 years, repairable after 1 year, stored.
    assert record.publication_ends_on == dt.date(2029, 3, 1)
    assert record.earliest_repair_on == dt.date(2027, 3, 1)


def test_an_xlsx_made_here(setting):
    department, enterprise, _other = setting
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    row = _row(department, enterprise, "穗南市监罚〔2026〕7号")
    row[HEADER.index("处罚决定日期")] = dt.datetime(2026, 2, 3)
    row[HEADER.index("罚款金额（元）")] = 1500.5
    sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    report = _import(out.getvalue())
    assert (report.errors, report.imported) == ([], 1)
    record = db.session.scalar(select(CreditRecord))
    assert record.decision_date == dt.date(2026, 2, 3)
    assert str(record.fine_amount) == "1500.50"


def test_merged_cells_are_a_row_error(setting):
    department, enterprise, _other = setting
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(_row(department, enterprise, "穗南市监罚〔2026〕8号"))
    sheet.append(_row(department, enterprise, "穗南市监罚〔2026〕9号"))
    sheet.merge_cells("D2:D3")
    out = io.BytesIO()
    workbook.save(out)
    report = _import(out.getvalue())
    assert {(error.row, error.column) for error in report.errors} >= {(2, None), (3, None)}
    assert "merged cells" in str(report.errors[-1].message)
    assert report.imported == 0 and _count() == 0


def _bad_file(department, enterprise, other_usccless):
    make_record(enterprise, department, decided=dt.date(2026, 1, 5), number="已有〔2026〕1号")
    return _csv([
        _row(department, enterprise, "穗南市监罚〔2026〕20号"),                      # row 2: good
        _row(department, enterprise, "穗南市监罚〔2026〕20号"),                      # 3: repeat
        _row(department, enterprise, "已有〔2026〕1号"),                             # 4: in DB
        _row(department, enterprise, "穗南市监罚〔2026〕21号",
             **{"统一社会信用代码": other_usccless}),                                 # 5: unknown
        _row(department, enterprise, "穗南市监罚〔2026〕22号",
             **{"处罚决定日期": "2026-11-21"}),                                       # 6: future
        _row(department, enterprise, "穗南市监罚〔2026〕23号",
             **{"罚款金额（元）": "-5"}),                                             # 7: negative
        _row(department, enterprise, "穗南市监罚〔2026〕24号",
             **{"统一社会信用代码": "91440115MA5PM0010X"}),                           # 8: invalid
        _row(department, enterprise, "穗南市监罚〔2026〕25号",
             **{"处罚种类": "罚款；打板子", "信息类别": "很严重"}),                      # 9: two
        _row(department, enterprise, "穗南市监罚〔2026〕26号"),                      # 10: good
    ])


def _unregistered_uscc() -> str:
    from portal.core.identifiers import make_uscc
    return make_uscc("91440115", "MA9PM901")


def test_every_bad_row_is_reported_and_all_mode_imports_nothing(setting):
    department, enterprise, _other = setting
    data = _bad_file(department, enterprise, _unregistered_uscc())
    before = _count()
    report = _import(data)
    found = [(error.row, error.column) for error in report.errors]
    assert found == [(3, "decision_number"), (4, "decision_number"), (5, "uscc"),
                     (6, "decision_date"), (7, "fine_amount"), (8, "uscc"),
                     (9, "penalty_types"), (9, "record_class")]
    words = {error.row: str(error.message) for error in report.errors}
    assert words[3] == "Repeats the decision number of row 2."
    assert words[4] == "A record with this decision number exists already."
    assert words[5] == "No enterprise with this code is registered on the portal."
    assert words[6] == "This date is in the future."
    assert words[7] == "A fine cannot be negative."
    assert report.errors[0].column_label() == "行政处罚决定书文号"
    assert (report.rows, report.imported, report.rows_with_errors) == (9, 0, 7)
    assert _count() == before


def test_valid_rows_only_mode_imports_the_rest(setting):
    department, enterprise, _other = setting
    data = _bad_file(department, enterprise, _unregistered_uscc())
    before = _count()
    report = _import(data, ImportMode.VALID)
    assert report.imported == 2 and report.rows_with_errors == 7
    assert _count() == before + 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credit.imported"))
    assert event.details["imported"] == 2


def test_a_file_without_the_required_columns_is_refused_whole(setting):
    report = _import(_csv([["x"]], header=["行政处罚决定书文号"]))
    assert "Columns missing" in str(report.file_error)
    assert report.imported == 0


def test_not_a_table():
    report = _import(b"\xff\xfe\x00\x00garbage\x81")
    assert report.file_error is not None and report.imported == 0


def test_english_headers_are_accepted(setting):
    department, enterprise, _other = setting
    english = [english for _chinese, english, _required in COLUMNS.values()]
    report = _import(_csv([_row(department, enterprise, "EN-1")], header=english))
    assert (report.errors, report.imported) == ([], 1)


def test_the_template_is_an_xlsx_with_the_header():
    workbook = load_workbook(io.BytesIO(template_workbook()))
    header = [cell.value for cell in next(workbook.worksheets[0].iter_rows(max_row=1))]
    assert header == HEADER
