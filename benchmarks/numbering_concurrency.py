"""200 concurrent grants from two OS processes get 200 distinct, consecutive numbers.

Issue 11 (Reliability): each grant is one transaction on its own connection that takes
``next_document_number`` and commits; both processes start together and run
``--threads`` grants at a time each. Every ``--rollback-every``-th grant is rolled back
after taking its number (a refused grant): it must give the number back, so the
committed numbers are still 1…200 with no gap and no duplicate.

``--control`` replaces the locked counter by a read-then-write without a lock (what a
naive ``max + 1`` does), to show that the check can fail: it reports duplicates.

Run against PostgreSQL (a schema ``bench_numbering`` is dropped and rebuilt there)::

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench \\
        python -m benchmarks.numbering_concurrency
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, select, text, update
from sqlalchemy.orm import Session

from portal.core import migrations
from portal.core.db import make_engine
from portal.core.numbering import DocumentCounter, DocumentType, next_document_number

SCHEMA = "bench_numbering"
AUTHORITY = "穗南市监"
YEAR = 2026
RESULTS = Path(__file__).resolve().parent / "results" / "numbering_concurrency.txt"


def prepare(base_url: str) -> str:
    """Rebuild the benchmark's own schema by the migrations; return its URL."""
    engine = make_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    engine.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    rendered = url.render_as_string(hide_password=False)
    migrations.upgrade(rendered)
    return rendered


def _unlocked_number(session: Session) -> int:
    """The control: read the counter, then write it back plus one, with no lock."""
    current = session.scalar(select(DocumentCounter.last_number).where(
        DocumentCounter.authority == AUTHORITY)) or 0
    time.sleep(0.001)  # the work a grant does between reading and writing
    session.execute(update(DocumentCounter).where(DocumentCounter.authority == AUTHORITY)
                    .values(last_number=current + 1))
    return current + 1


def _attempts(grants: int, rollback_every: int) -> int:
    """Return how many grants to try so that ``grants`` of them commit."""
    attempts = grants
    while rollback_every > 1 and attempts - attempts // rollback_every < grants:
        attempts += 1
    return attempts


def run_process(url: str, grants: int, threads: int, rollback_every: int, control: bool,
                start: Any, results: Any) -> None:
    """Make ``grants`` committed grants (plus the rolled-back ones) on ``threads`` connections."""
    engine = make_engine(url, pool_size=threads)
    attempts = _attempts(grants, rollback_every)
    committed: list[tuple[int, str, float]] = []
    lock = threading.Lock()

    def grant(index: int) -> None:
        began = time.perf_counter()
        with Session(engine) as session:
            if control:
                number = _unlocked_number(session)
                written = f"{AUTHORITY}不罚〔{YEAR}〕{number}号"
            else:
                number, written = next_document_number(
                    session, authority=AUTHORITY, doc_type=DocumentType.NO_PENALTY, year=YEAR)
            if rollback_every > 1 and index % rollback_every == rollback_every - 1:
                session.rollback()
                return
            session.commit()
        with lock:
            committed.append((number, written, time.perf_counter() - began))

    start.wait()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(grant, range(attempts)))
    engine.dispose()
    results.put((os.getpid(), committed[:grants], len(committed)))


def main() -> int:
    """Run the two processes and check the numbers they committed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=200, help="committed grants in all")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=10, help="connections per process")
    parser.add_argument("--rollback-every", type=int, default=10,
                        help="every Nth grant is rolled back (0: none)")
    parser.add_argument("--record", action="store_true",
                        help="also write the result to benchmarks/results/")
    parser.add_argument("--control", action="store_true",
                        help="use an unlocked read-then-write instead (expected to fail)")
    arguments = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        print("Set BENCH_DATABASE_URL to a PostgreSQL database.", file=sys.stderr)
        return 2
    url = prepare(base_url)
    engine = make_engine(url)
    if arguments.control:
        with Session(engine) as session, session.begin():
            session.add(DocumentCounter(authority=AUTHORITY, doc_type=DocumentType.NO_PENALTY,
                                        year=YEAR, last_number=0))

    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    per_process = arguments.grants // arguments.processes
    processes = [context.Process(target=run_process, args=(
        url, per_process, arguments.threads, arguments.rollback_every, arguments.control,
        start, results)) for _ in range(arguments.processes)]
    for process in processes:
        process.start()
    time.sleep(2)  # let both processes import and connect before the start
    began = time.perf_counter()
    start.set()
    gathered = [results.get(timeout=300) for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()

    numbers = [number for _pid, committed, _n in gathered for number, _text, _s in committed]
    latencies = sorted(s for _pid, committed, _n in gathered for _number, _text, s in committed)
    with Session(engine) as session:
        counter = session.scalar(select(DocumentCounter.last_number).where(
            DocumentCounter.authority == AUTHORITY))
    engine.dispose()
    duplicates = {n: c for n, c in collections.Counter(numbers).items() if c > 1}
    expected = list(range(1, arguments.grants + 1))
    passed = sorted(numbers) == expected and counter == arguments.grants and not duplicates
    texts = sorted((number, written) for _p, committed, _n in gathered
                   for number, written, _s in committed)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    lines = [
        "mode: " + ("control (unlocked read-then-write)" if arguments.control
                    else "next_document_number"),
        f"processes: {arguments.processes} (pids {', '.join(str(p) for p, _c, _n in gathered)}),"
        f" {arguments.threads} connections each",
        (f"rolled back: every {arguments.rollback_every}th grant, after taking its number"
         if arguments.rollback_every > 1 else "rolled back: none"),
        f"committed grants: {len(numbers)} ({', '.join(str(len(c)) for _p, c, _n in gathered)}"
        " per process)",
        f"distinct numbers: {len(set(numbers))}; duplicates: {len(duplicates)}",
        f"lowest..highest: {min(numbers, default=0)}..{max(numbers, default=0)};"
        f" counter: {counter}",
        f"first and last: {texts[0][1] if texts else '-'} … {texts[-1][1] if texts else '-'}",
        f"elapsed: {elapsed:.2f} s; {len(numbers) / elapsed:.0f} grants/s;"
        f" p95 grant {p95 * 1000:.1f} ms",
        f"result: {'PASS' if passed else 'FAIL'} ({arguments.grants} distinct, consecutive"
        f" numbers expected)",
    ]
    print("\n".join(lines))
    if arguments.record:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
                           f" PostgreSQL, 2-core development machine\n"
                           + "\n".join(lines) + "\n", encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
