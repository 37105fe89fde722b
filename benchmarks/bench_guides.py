"""Exemption-list browser and search with 5,000 entries: p95 against a 30 ms budget.

Run: ``make bench`` (SQLite), or with ``BENCH_DATABASE_URL=postgresql+psycopg://…`` for
PostgreSQL. Single user, warm caches, the portal's own WSGI stack via the test client.
Results are printed as a table and written to benchmarks/results/ as JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from benchmarks.datagen import generate_entries
from portal import create_app
from portal.core import migrations
from portal.core.db import make_engine, utcnow
from portal.extensions import db
from portal.guides.services import sync_from_directory

ENTRIES = 5_000
REQUESTS = 200
BUDGET_MS = 30.0
ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "list page 1": "/exemptions",
    "list page 50, filtered": "/exemptions?list_type=first_violation&valid=today&page=50",
    "search 价格 (2 chars)": "/exemptions?q=价格",
    "search 食 (1 char)": "/exemptions?q=食",
    "search English word": "/exemptions?q=signboard",
    "search item code": "/exemptions?q=440100001234",
    "API search": "/api/v1/exemption-entries?q=招牌&per_page=50",
}


def _database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.sqlite3"


def main() -> int:
    """Load the data, time every case and report p95 as a ratio to the budget."""
    url = _database_url()
    migrations.upgrade(url)
    app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                      "SECRET_KEY": "benchmark-secret-key-not-for-production"})
    with app.app_context():
        content_root = Path(os.environ.get("BENCH_CONTENT_ROOT", ROOT / "compliance_guides"))
        sync_from_directory(db.session, content_root, now=utcnow())
        generate_entries(db.session, ENTRIES)
        db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    client = app.test_client()
    results = {}
    for name, path in CASES.items():
        for _ in range(10):  # warm-up
            assert client.get(path).status_code == 200, path
        timings = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        results[name] = {"p50_ms": round(statistics.median(timings), 2),
                         "p95_ms": round(p95, 2), "ratio_to_budget": round(p95 / BUDGET_MS, 3)}
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"\nExemption lists, {ENTRIES} generated entries + real content, {dialect}, "
          f"{REQUESTS} requests per case; budget p95 <= {BUDGET_MS:.0f} ms\n")
    print(f"{'case':<32} {'p50 ms':>8} {'p95 ms':>8} {'p95/budget':>11}")
    for name, row in results.items():
        print(f"{name:<32} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['ratio_to_budget']:>11}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"guides-{dialect}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    worst = max(row["ratio_to_budget"] for row in results.values())
    print(f"\nworst p95/budget ratio: {worst} ({'within' if worst <= 1 else 'OVER'} budget)")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
