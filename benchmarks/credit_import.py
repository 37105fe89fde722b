"""Importing 100,000 penalty records from a GBK CSV with the CLI, on PostgreSQL: budget 60 s.

Creates the database ``portal_bench_credit`` (dropped first, and again at the end
unless ``--keep``), migrates it, adds one department and 2,000 enterprises (20 of
them with a member, so that repair notices and their emails are part of the
work), writes a 100,000-row CSV in GBK as Excel saves it, and times
``flask --app wsgi credit import FILE --mode all`` in a subprocess: reading,
checking every row, inserting in batches, the audit event and the notices.

Run: ``python -m benchmarks.credit_import`` (the server is ``BENCH_ADMIN_URL``, by
default postgres on 127.0.0.1). ``--report`` appends the result to
``benchmarks/REPORT.md``. Exit 1 if the import fails or takes longer than the budget.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.accounts.models import (
    Department,
    Enterprise,
    Membership,
    MembershipRole,
    User,
    UserKind,
)
from portal.core import migrations
from portal.core.db import make_engine, utcnow
from portal.core.identifiers import make_uscc
from portal.credit.imports import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 60.0
ROWS = 100_000
ENTERPRISES = 2_000
WITH_MEMBERS = 20
DATABASE = "portal_bench_credit"
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEPARTMENT = "market_regulation"


def _admin_execute(statement: str) -> None:
    admin = make_engine(ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(statement))
    admin.dispose()


def _recreate_database() -> str:
    """Drop and create the benchmark database; return its URL."""
    _admin_execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin_execute(f"CREATE DATABASE {DATABASE}")
    return make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)


def _usccs() -> list[str]:
    return [make_uscc("91440115", f"MB{number:06d}") for number in range(1, ENTERPRISES + 1)]


def seed(url: str) -> None:
    """Add the department, the enterprises and a few members."""
    engine = make_engine(url)
    now = utcnow()
    with Session(engine) as session:
        session.add(Department(code=DEPARTMENT, name_zh_hans="区市场监督管理局",
                               name_en="District Market Regulation Bureau", short_name="穗南市监",
                               created_at=now))
        session.execute(insert(Enterprise), [
            {"uscc": uscc, "name": f"南沙基准测试企业{number}", "industry_code": "62",
             "town": "nansha", "address": "南沙区基准路1号", "legal_representative": "测试",
             "contact_mobile": "13800138000", "contact_email": f"e{number}@bench.invalid",
             "created_at": now, "version": 1}
            for number, uscc in enumerate(_usccs(), start=1)])
        ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)
                                   .limit(WITH_MEMBERS)))
        for number, enterprise_id in enumerate(ids):
            user = User(email=f"member{number}@bench.invalid", display_name=f"成员{number}",
                        password_hash="!", kind=UserKind.ENTERPRISE, created_at=now)
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, enterprise_id=enterprise_id,
                                   role=MembershipRole.ADMIN, created_at=now))
        session.commit()
    engine.dispose()


def write_csv(path: Path) -> None:
    """Write ``ROWS`` valid records in GBK with the template's Chinese headers."""
    usccs = _usccs()
    penalties = ("警告；罚款", "罚款", "通报批评", "罚款；没收违法所得", "责令停产停业")
    classes = ("轻微", "一般", "一般", "严重")
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([chinese for chinese, _english, _required in COLUMNS.values()])
    start = dt.date(2023, 1, 1)
    for number in range(1, ROWS + 1):
        decided = start + dt.timedelta(days=number % 1000)
        writer.writerow([
            f"穗南市监罚〔{decided.year}〕{number}号", usccs[number % ENTERPRISES], DEPARTMENT,
            f"未按规定公示食品经营许可证（第{number % 50}类）", penalties[number % 5],
            str(500 + number % 20000), decided.isoformat(), classes[number % 4],
            "其他" if number % 3 == 0 else "", "是" if number % 7 == 0 else "否",
            (decided + dt.timedelta(days=10)).isoformat() if number % 2 else ""])
    path.write_bytes(out.getvalue().encode("gbk"))


def run_import(url: str, path: Path) -> tuple[float, str]:
    """Run the CLI import; return the seconds it took and its output."""
    environment = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_MAIL_BACKEND": "console",
                   "PORTAL_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "flask", "--app", "wsgi", "credit", "import", str(path),
         "--mode", "all"], cwd=ROOT, env=environment, capture_output=True, text=True,
        check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import failed ({result.returncode}):\n{result.stdout}\n"
                         f"{result.stderr[-3000:]}")
    return elapsed, result.stdout.strip()


def count(url: str) -> tuple[int, int, int]:
    """Return the records, notifications and queued emails in the database."""
    engine = make_engine(url)
    with engine.connect() as connection:
        values = tuple(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608 (constants)
                       for table in ("credit_records", "notifications", "outbox_messages"))
    engine.dispose()
    return values


def main() -> int:
    """Build, import, time and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--report", action="store_true",
                        help="append the result to benchmarks/REPORT.md")
    arguments = parser.parse_args()
    url = _recreate_database()
    try:
        migrations.upgrade(url)
        seed(url)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "records.csv"
            write_csv(path)
            size = path.stat().st_size
            elapsed, output = run_import(url, path)
        records, notifications, emails = count(url)
    finally:
        if not arguments.keep:
            _admin_execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    load = os.getloadavg()[0]
    verdict = "within" if elapsed <= BUDGET_SECONDS else "OVER"
    summary = (f"{ROWS:,} rows ({size / 2**20:.1f} MB GBK CSV) imported in {elapsed:.1f} s "
               f"({ROWS / elapsed:,.0f} rows/s), {verdict} the {BUDGET_SECONDS:.0f} s budget; "
               f"{records:,} records, {notifications:,} repair notices, {emails:,} emails "
               f"queued; load average {load:.1f}.")
    print(output)
    print(summary)
    if arguments.report:
        with (ROOT / "benchmarks" / "REPORT.md").open("a", encoding="utf-8") as report:
            report.write(
                "\n## Credit import\n\n"
                f"`python -m benchmarks.credit_import --report`, {utcnow():%Y-%m-%d %H:%M} UTC, "
                "PostgreSQL on this machine (2 cores shared with other suites). The whole CLI "
                "command in a subprocess — start-up, decoding, checking every row against the "
                "database (USCCs, decision numbers, authorities), inserts by COPY in "
                "batches of 5,000 with ids drawn from the sequence, the audit event, and a "
                "repair notice (notification + queued email) for each record of the "
                f"{WITH_MEMBERS} enterprises with members:\n\n"
                f"* {summary}\n")
    return 0 if records == ROWS and elapsed <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
