"""Fault test: PostgreSQL goes away under load; the portal answers 200 or 503, then recovers.

    python -m benchmarks.fault_pg_restart --terminate-backends   # disturbs one database only
    python -m benchmarks.fault_pg_restart --restart              # restarts the whole cluster

Prepares a database (the small preset of ``benchmarks/generate.py``),
serves the portal with the production configuration under gunicorn (2 sync workers,
``pool_pre_ping``), and sends requests from several threads in a loop: a public page
that queries the database (the page cache is off), a signed-in page and ``/readyz``.
A few seconds in, the database goes away:

* ``--restart`` restarts the PostgreSQL cluster (``pg_ctlcluster … main restart``),
  which every other user of the cluster notices too;
* ``--terminate-backends`` refuses new connections to the portal's database
  (``ALTER DATABASE … ALLOW_CONNECTIONS false``), terminates its backends with
  ``pg_terminate_backend``, waits ``--downtime`` seconds and allows connections again:
  the same failure as a restart, for that one database.

Every status seen is counted; only 200 and 503 are allowed (a 500, a connection error or
a timeout fails the run). Reports when the first failure was seen, when the database came
back, and how long after that the last 503 was answered (the recovery time, without
restarting the portal), checks the audit trail afterwards, and writes the figures under
"## Faults" in ``benchmarks/REPORT.md`` (replacing that section, keeping the rest).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from benchmarks.generate import BENCH_EMAIL_DOMAIN, BENCH_PASSWORD
from benchmarks.load import cookie_header, load_average, machine, portal_env, serve, sign_in

ROOT = Path(__file__).resolve().parent.parent
PORT = 8193
HEADING = "## Faults"
PATHS = ("/exemptions", "/enterprise", "/readyz")
ALLOWED = frozenset({200, 503})


@dataclass
class Observations:
    """Every answer seen, with the time it came back (seconds since the loop started)."""

    answers: list[tuple[float, str, int | str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, at: float, path: str, status: int | str) -> None:
        """Record one answer."""
        with self.lock:
            self.answers.append((at, path, status))

    def counts(self) -> dict[int | str, int]:
        """Return how many answers had each status."""
        return dict(collections.Counter(status for _at, _path, status in self.answers))

    def failures(self) -> list[tuple[float, str, int | str]]:
        """Return the answers other than 200."""
        return [answer for answer in self.answers if answer[2] != 200]


def _maintenance_url(url: URL) -> URL:
    return url.set(database="postgres")


def prepare(database_url: str) -> None:
    """Create the database if needed and fill it with the small benchmark preset."""
    from benchmarks.generate import PRESETS, generate

    url = make_url(database_url)
    admin = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                             {"name": url.database}) is None:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    generate(database_url, PRESETS["small"], log=lambda _line: None)


def client_loop(port: int, cookie: str, observations: Observations, started: float,
                stop: threading.Event) -> None:
    """Request the paths in turn until ``stop`` is set; record every answer."""
    index = 0
    while not stop.is_set():
        path = PATHS[index % len(PATHS)]
        index += 1
        headers = {"Cookie": cookie} if path == "/enterprise" else {}
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status: int | str = response.status
            connection.close()
        except OSError as error:
            status = type(error).__name__
        observations.add(time.monotonic() - started, path, status)


def terminate_backends(database_url: str, downtime: float) -> tuple[float, int]:
    """Take the portal's database away for ``downtime`` seconds; return (seconds, killed).

    New connections are refused meanwhile, and every existing one is terminated, as
    when PostgreSQL restarts; other databases of the cluster are not touched.
    """
    url = make_url(database_url)
    admin = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT")
    name = url.database
    began = time.monotonic()
    killed = 0
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        try:
            until = began + downtime
            while time.monotonic() < until:
                killed += len(connection.scalars(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all())
                time.sleep(0.2)
        finally:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    admin.dispose()
    return time.monotonic() - began, killed


def restart_cluster() -> tuple[float, int]:
    """Restart the local PostgreSQL cluster; return (seconds it took, 0)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    began = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",  # noqa: S603,S607 - the system tool
                    "restart"], check=True)
    return time.monotonic() - began, 0


def audit_intact(database_url: str) -> str:
    """Return what ``flask audit verify`` says of the database after the fault."""
    env = dict(os.environ, PORTAL_DATABASE_URL=database_url, PORTAL_ENV="development",
               PORTAL_LOG_LEVEL="WARNING")
    flask = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run([flask, "--app", "wsgi", "audit", "verify"], cwd=ROOT, env=env,  # noqa: S603 - our own command
                            capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip()


def write_section(report: Path, section: str) -> None:
    """Put ``section`` under the Faults heading of ``report``, keeping everything else."""
    existing = report.read_text() if report.exists() else ""
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(existing):
        updated = pattern.sub(lambda _match: section, existing, count=1)
    else:
        updated = existing.rstrip("\n") + "\n\n" + section
    report.write_text(updated)


def main(argv: list[str] | None = None) -> int:
    """Prepare, serve, load, break the database, measure and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fault = parser.add_mutually_exclusive_group(required=True)
    fault.add_argument("--restart", action="store_const", dest="fault", const="restart",
                       help="restart the PostgreSQL cluster (affects every database)")
    fault.add_argument("--terminate-backends", action="store_const", dest="fault",
                       const="terminate-backends",
                       help="refuse and terminate the connections of the portal's database")
    parser.add_argument("--database-url", default=os.environ.get(
        "FAULT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_fault"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "FAULT_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the loop")
    parser.add_argument("--fault-at", type=float, default=5.0,
                        help="seconds into the loop when the database goes away")
    parser.add_argument("--downtime", type=float, default=3.0,
                        help="seconds without the database (--terminate-backends)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", default=str(ROOT / "benchmarks" / "REPORT.md"),
                        help="Markdown report to write the Faults section into (empty: none)")
    args = parser.parse_args(argv)

    prepare(args.database_url)
    env = portal_env(args.database_url, args.redis_url)
    env["PORTAL_PAGE_CACHE_SECONDS"] = "0"  # every page must reach the database
    process = serve("wsgi:app", PORT, env, args.workers)
    observations = Observations()
    stop = threading.Event()
    try:
        cookie = cookie_header(
            sign_in(PORT, f"catering-admin@{BENCH_EMAIL_DOMAIN}", BENCH_PASSWORD))
        started = time.monotonic()
        threads = [threading.Thread(target=client_loop, daemon=True,
                                    args=(PORT, cookie, observations, started, stop))
                   for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.fault_at)
        fault_began = time.monotonic() - started
        if args.fault == "restart":
            downtime, killed = restart_cluster()
        else:
            downtime, killed = terminate_backends(args.database_url, args.downtime)
        back_at = time.monotonic() - started
        time.sleep(max(0.0, args.seconds - back_at))
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    counts = observations.counts()
    failures = observations.failures()
    bad = {status: count for status, count in counts.items() if status not in ALLOWED}
    last_failure = max((at for at, _path, _status in failures), default=None)
    first_failure = min((at for at, _path, _status in failures), default=None)
    recovery = (last_failure - back_at) if last_failure is not None else 0.0
    after_back = [status for at, _path, status in observations.answers
                  if at > back_at + max(recovery, 0.0)]
    recovered = bool(after_back) and all(status == 200 for status in after_back)
    audit = audit_intact(args.database_url)
    passed = not bad and recovered and audit.startswith("Audit trail intact")

    first = f"{first_failure:.2f} s" if first_failure is not None else "none"
    last = f"{last_failure:.2f} s" if last_failure is not None else "none"
    lines = [
        HEADING, "",
        f"`python -m benchmarks.fault_pg_restart --{args.fault}` "
        f"({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}; load average "
        f"{load_average()}).", "",
        f"gunicorn, {args.workers} sync workers, production configuration, page cache off; "
        f"{args.clients} client threads requesting {', '.join(f'`{p}`' for p in PATHS)} in "
        f"turn for {args.seconds:.0f} s. The database went away at {fault_began:.2f} s "
        f"for {downtime:.2f} s ({killed} backends terminated)"
        + (", by refusing connections to the portal's database and terminating its "
           "backends (`--terminate-backends`: other databases of the cluster were in use "
           "by other test runs, so the cluster itself was not restarted)"
           if args.fault == "terminate-backends" else ", by restarting the cluster") + ".",
        "",
        "| figure | value |", "|---|---|",
        f"| requests | {len(observations.answers)} |",
        *(f"| status {status} | {count} |" for status, count in
          sorted(counts.items(), key=lambda item: str(item[0]))),
        f"| statuses other than 200 and 503 | {sum(bad.values())} |",
        f"| first non-200 answer | {first} |",
        f"| last non-200 answer | {last} |",
        f"| database back at | {back_at:.2f} s |",
        f"| recovery (last 503 after the database was back) | {max(recovery, 0.0):.2f} s |",
        f"| every answer after recovery 200 | {'yes' if recovered else 'no'} |",
        f"| audit trail afterwards | {audit} |",
        f"| result | {'PASS' if passed else 'FAIL'} |", "",
        "Without a restart of the portal: `pool_pre_ping` replaces a terminated "
        "connection at checkout; while no connection can be made, every request that "
        "needs the database answers the 503 page (JSON under `/api/`, `/readyz` "
        "names the check) with `Retry-After`, its session rolled back.", "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.report:
        write_section(Path(args.report), section)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
