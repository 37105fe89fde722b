"""``flask credit import|expire|export``: a GBK file from the shell, expiry run twice."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from portal.core.clock import local_today
from portal.credit.models import CreditRecord, PublicationStatus
from portal.extensions import db
from tests.credit.helpers import make_record
from tests.factories import DepartmentFactory, EnterpriseFactory

HEADER = ("行政处罚决定书文号,统一社会信用代码,处罚机关代码,违法行为,处罚种类,罚款金额（元）,"
          "处罚决定日期,信息类别")


def _count():
    return db.session.scalar(select(func.count()).select_from(CreditRecord))


def _file(tmp_path, department, enterprise, *, bad=False):
    rows = [f"命令〔2026〕{n}号,{enterprise.uscc},{department.code},未公示许可证,罚款,500,"
            f"2026-01-0{n},一般" for n in (1, 2, 3)]
    if bad:
        rows.append(f"命令〔2026〕4号,{enterprise.uscc},{department.code},未公示,罚款,-1,"
                    "2026-01-04,一般")
    path = tmp_path / "records.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk"))
    return path


def test_import_all_or_nothing_then_valid_rows(app, tmp_path):
    department, enterprise = DepartmentFactory(), EnterpriseFactory()
    db.session.commit()
    runner = app.test_cli_runner()
    path = _file(tmp_path, department, enterprise, bad=True)
    result = runner.invoke(args=["credit", "import", str(path), "--mode", "all"])
    assert result.exit_code == 1
    assert "row 5" in result.output and "罚款金额（元）" in result.output
    assert "罚款金额不能为负数。" in result.output
    assert _count() == 0
    result = runner.invoke(args=["credit", "import", str(path), "--mode", "valid"])
    assert result.exit_code == 0, result.output
    assert "4 rows read, 3 imported, 1 with errors" in result.output
    assert _count() == 3


def test_expire_is_idempotent(app):
    with app.app_context():
        today = local_today()
    department, enterprise = DepartmentFactory(), EnterpriseFactory()
    db.session.commit()
    with app.test_request_context():
        old = make_record(enterprise, department, decided=today - dt.timedelta(days=800),
                          record_class="minor")
        current = make_record(enterprise, department, decided=today - dt.timedelta(days=20),
                              record_class="minor")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["credit", "expire"])
    assert first.exit_code == 0 and "for 1 records" in first.output
    second = runner.invoke(args=["credit", "expire"])
    assert second.exit_code == 0 and "for 0 records" in second.output
    statuses = dict(db.session.execute(select(CreditRecord.id, CreditRecord.publication_status)
                                       .execution_options(populate_existing=True)).all())
    assert statuses == {old.id: PublicationStatus.EXPIRED,
                        current.id: PublicationStatus.PUBLISHED}


def test_export_formats(app):
    runner = app.test_cli_runner()
    document = json.loads(runner.invoke(args=["credit", "export"]).output)
    assert document == {"format": "nansha-credit-repair-results", "version": 1, "results": []}
    header = runner.invoke(args=["credit", "export", "--format", "csv"]).output.splitlines()[0]
    assert header.startswith("decision_number,uscc,enterprise_name")


def test_demo_load_adds_records_in_each_eligibility_state_once(app):
    from portal.credit.demo import DEMO_RECORDS
    from portal.credit.models import RepairApplication
    from portal.credit.rules import Unmet
    from portal.credit.services import unmet_conditions
    from tests.credit.helpers import rules

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert f"Demo credit records added: {len(DEMO_RECORDS)}." in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "Demo credit records added: 0." in second.output
    with app.app_context():
        today = local_today()
    with app.test_request_context():
        states = {}
        for record in db.session.scalars(select(CreditRecord)):
            unmet = unmet_conditions(db.session, record, today=today, credit_rules=rules())
            states[record.decision_number] = set(unmet)
    assert set() in states.values()
    for expected in (Unmet.PERIOD_NOT_ELAPSED, Unmet.NOT_PERFORMED, Unmet.NO_EARLY_REPAIR,
                     Unmet.NOT_PUBLISHED, Unmet.APPLIED_ALREADY):
        assert any(expected in state for state in states.values()), expected
    assert db.session.scalar(select(func.count()).select_from(RepairApplication)) == 1
    expired = runner.invoke(args=["credit", "expire"])
    assert "for 1 records" in expired.output
