"""The officer queue with 1,000,000 rectification cases in PostgreSQL: p95 budget 50 ms.

Creates the database ``portal_bench_cases`` (dropped first, and again at the end
unless ``--keep``), migrates it with the project's runner, bulk-loads 3,000
enterprises and 1,000,000 cases with ``INSERT ... SELECT generate_series``
(nine departments of uneven size, a realistic spread of statuses and dates:
most cases closed, the open ones due around today, some overdue), then times
``department_queue`` for the largest department: the first page, three filtered
pages (overdue; industry + town; due within 5 working days), a status page,
a deep keyset page and a deep page of closed cases. Each is run 200 times; the
table gives p50/p95, and ``EXPLAIN (ANALYZE, BUFFERS)`` of each query is saved
to ``benchmarks/results/case_queue-explain.txt`` to show the indexes used.

Run: ``make bench-cases`` (or ``python -m benchmarks.case_queue``; the server is
``BENCH_ADMIN_URL``, by default postgres on 127.0.0.1). Exit 1 if a p95 is over budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import create_app
from portal.accounts.models import Enterprise, User, UserKind
from portal.cases.models import CaseStatus
from portal.cases.queries import PAGE_SIZE, QueueFilters, department_queue
from portal.core import migrations
from portal.core.clock import local_today
from portal.core.db import make_engine, utcnow
from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 50.0
CASES = 1_000_000
ENTERPRISES = 3_000
RUNS = 200
DATABASE = "portal_bench_cases"
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
#: Departments and their share of the cases (the largest is measured).
DEPARTMENTS = (("market_regulation", 30), ("ecology_environment", 15),
               ("emergency_management", 15), ("housing_construction", 10),
               ("culture_tourism_sports", 10), ("tax", 8), ("transport", 5),
               ("development_reform", 4), ("comprehensive_enforcement", 3))
INDUSTRIES = ("62", "59", "47", "51", "52", "13", "14", "44", "72", "80", "61", "54")
TOWNS = ("nansha", "zhujiang", "longxue", "wanqingsha", "hengli", "huangge", "dongchong",
         "dagang", "lanhe")


def _recreate_database() -> str:
    """Drop and create the benchmark database; return its URL."""
    admin = make_engine(ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)


def _drop_database() -> None:
    admin = make_engine(ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


def _department_case(buckets: list[tuple[str, int]]) -> str:
    """Return a SQL CASE choosing a department from ``r`` (uniform in [0, 1))."""
    total, upper, parts = sum(share for _code, share in buckets), 0, []
    for code, share in buckets:
        upper += share
        parts.append(f"WHEN r < {upper / total:.4f} THEN '{code}'")
    return "CASE " + " ".join(parts[:-1]) + f" ELSE '{buckets[-1][0]}' END"


def load(session: Session, today: dt.date) -> float:
    """Load the enterprises and cases; return the seconds it took."""
    started = time.perf_counter()
    now = utcnow()
    officer = User(email="bench-officer@bench.invalid", display_name="基准测试执法员",
                   password_hash="!", kind=UserKind.ENTERPRISE, created_at=now)
    session.add(officer)
    session.flush()
    session.execute(insert(Enterprise), [
        {"uscc": f"91440115BENCH{number:05d}", "name": f"南沙基准测试企业{number}",
         "industry_code": INDUSTRIES[number % len(INDUSTRIES)],
         "town": TOWNS[(number * 7) % len(TOWNS)], "address": "南沙区基准路1号",
         "legal_representative": "测试", "contact_mobile": "13800138000",
         "contact_email": f"e{number}@bench.invalid", "created_at": now}
        for number in range(1, ENTERPRISES + 1)])
    first = session.scalar(text("SELECT min(id) FROM enterprises"))
    session.execute(text("SELECT setseed(0.115)"))
    # s: status draw; a: age in days; w: working days given. Closed cases are old,
    # open ones were issued in the last 120 days and are due 10 to 40 days after.
    session.execute(text(f"""
        INSERT INTO rectification_cases (
            reference, enterprise_id, department_code, origin, industry_code, town, problem,
            requirement, status, issued_on, working_days, due_date, due_estimated, review_due,
            action_due, opened_by_id, created_at, updated_at, closed_at, version)
        SELECT 'ZG' || extract(year FROM issued)::int || lpad(g::text, 7, '0'),
               e.id, dept, 'order', e.industry_code, e.town, '基准测试问题 ' || g, '按要求整改',
               status, issued, w, issued + (w * 7 / 5), false,
               CASE WHEN status = 'submitted' THEN issued + (w * 7 / 5) + 3 END,
               CASE WHEN status IN ('open', 'supplement_requested') THEN issued + (w * 7 / 5)
                    WHEN status = 'submitted' THEN issued + (w * 7 / 5) + 3 END,
               :officer, issued, issued,
               CASE WHEN status IN ('rectified', 'not_rectified') THEN issued + 20 END, 1
        FROM (
            SELECT g, {_department_case(list(DEPARTMENTS))} AS dept,
                   CASE WHEN s < 0.55 THEN 'rectified' WHEN s < 0.70 THEN 'not_rectified'
                        WHEN s < 0.85 THEN 'open' WHEN s < 0.95 THEN 'submitted'
                        ELSE 'supplement_requested' END AS status,
                   CASE WHEN s < 0.70 THEN CAST(:today AS date) - 120 - (a * 1400)::int
                        ELSE CAST(:today AS date) - (a * 120)::int END AS issued,
                   (5 + floor(w * 6) * 5)::int AS w,
                   :first + ((g::bigint * 7919) % {ENTERPRISES})::int AS enterprise_id
            FROM (SELECT g, random() AS r, random() AS s, random() AS a, random() AS w
                  FROM generate_series(1, {CASES}) AS g) AS draws
        ) AS c JOIN enterprises e ON e.id = c.enterprise_id
    """), {"officer": officer.id, "today": today, "first": first})  # noqa: S608 (constants)
    session.execute(text("SELECT setval(pg_get_serial_sequence('rectification_cases', 'id'), "
                         "(SELECT max(id) FROM rectification_cases))"))
    session.commit()
    bind = session.get_bind()
    with bind.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM ANALYZE rectification_cases"))
        connection.execute(text("VACUUM ANALYZE enterprises"))
    return time.perf_counter() - started


def scenarios(session: Session, department: str, today: dt.date) -> dict[str, QueueFilters]:
    """Return the queue pages to time, the deep ones with a real cursor."""
    deep = session.execute(text(
        "SELECT action_due, id FROM rectification_cases WHERE department_code = :d "
        "AND action_due IS NOT NULL ORDER BY action_due, id OFFSET 40000 LIMIT 1"),
        {"d": department}).one()
    closed = session.execute(text(
        "SELECT id FROM rectification_cases WHERE department_code = :d "
        "AND status = 'rectified' ORDER BY id DESC OFFSET 100000 LIMIT 1"),
        {"d": department}).one()
    return {
        "first page": QueueFilters(),
        "overdue": QueueFilters(overdue=True),
        "industry + town": QueueFilters(industry="62", town="nansha"),
        "industry + town, none match": QueueFilters(industry="62", town="longxue"),
        "due within 5 working days": QueueFilters(due_within=5),
        "status submitted": QueueFilters(status=CaseStatus.SUBMITTED),
        "deep keyset page (40,000 in)": QueueFilters(after_due=deep.action_due,
                                                    after_id=deep.id),
        "closed, deep page (100,000 in)": QueueFilters(status=CaseStatus.RECTIFIED,
                                                      after_id=closed.id),
    }


def measure(session: Session, department: str, filters: QueueFilters,
            today: dt.date) -> dict[str, Any]:
    """Time ``department_queue`` RUNS times (after a few warm-up calls)."""
    for _ in range(5):
        page = department_queue(session, department, filters, today=today)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        page = department_queue(session, department, filters, today=today)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "rows": len(page.rows), "has_next": page.next_filters is not None}


def explain(session: Session, department: str, filters: QueueFilters, today: dt.date) -> str:
    """Return EXPLAIN (ANALYZE, BUFFERS) of the statement the queue runs."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        captured.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        department_queue(session, department, filters, today=today)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    return f"{statement}\n-- parameters: {parameters}\n{plan}"


def main() -> int:
    """Load, measure, report; exit 1 if any p95 is over budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a --keep run left (no reload)")
    options = parser.parse_args()
    url = (make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)
           if options.reuse else _recreate_database())
    try:
        migrations.upgrade(url)
        app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                          "SECRET_KEY": "benchmark-secret-key-not-for-production"})
        with app.app_context():
            today = local_today()
            if not options.reuse:
                seconds = load(db.session, today)
                print(f"Loaded {CASES:,} cases for {ENTERPRISES:,} enterprises "
                      f"in {seconds:.0f} s.")
            department = DEPARTMENTS[0][0]
            cases = db.session.scalar(text(
                "SELECT count(*) FROM rectification_cases WHERE department_code = :d"),
                {"d": department})
            pages = scenarios(db.session, department, today)
            results = {name: measure(db.session, department, filters, today)
                       for name, filters in pages.items()}
            plans = {name: explain(db.session, department, filters, today)
                     for name, filters in pages.items()}
    finally:
        if not (options.keep or options.reuse):
            _drop_database()
    print(f"\nOfficer queue of `{department}` ({cases:,} of {CASES:,} cases), "
          f"{PAGE_SIZE} per page, {RUNS} runs each; budget p95 {BUDGET_MS:.0f} ms\n")
    print(f"| {'page':<32} | p50 ms | p95 ms | p95/budget | rows |")
    print(f"|{'-' * 34}|--------|--------|------------|------|")
    for name, row in results.items():
        print(f"| {name:<32} | {row['p50_ms']:>6} | {row['p95_ms']:>6} | "
              f"{row['p95_ms'] / BUDGET_MS:>10.2f} | {row['rows']:>4} |")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "case_queue-postgresql.json").write_text(json.dumps(
        {"cases": CASES, "department_cases": cases, "runs": RUNS, "budget_ms": BUDGET_MS,
         "results": results}, indent=2, ensure_ascii=False))
    (out / "case_queue-explain.txt").write_text("\n\n".join(
        f"== {name} ==\n{plan}" for name, plan in plans.items()), encoding="utf-8")
    print(f"\nPlans: {out / 'case_queue-explain.txt'}")
    worst = max(row["p95_ms"] for row in results.values())
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
