"""Load test: every page's throughput as a ratio to a bare Flask + Jinja ceiling page.

    make bench-load          # generates the medium preset into portal_bench, writes REPORT.md

Serves the portal with the production configuration and the ceiling app
(``benchmarks/ceiling.py``) side by side under gunicorn (2 sync workers each), then, for
every page, runs wrk against the ceiling and the page in turn (interleaved, so that other
load on the machine affects both alike) at 16 and 32 connections. Reports requests per
second, p50/p95/p99 latency, errors and the ratio to the ceiling → ``benchmarks/REPORT.md``.

Paths with ``{placeholders}`` (a published decision, the bench enterprise's case, its
USCC) are filled from the generated database. The journey step "save a self-check page"
POSTs one section of the bench enterprise's generated drafts in turn
(``benchmarks/wrk_post.lua``), with the CSRF token of the signed-in session read once
from the page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "benchmarks" / "wrk_report.lua"
POST_LUA = ROOT / "benchmarks" / "wrk_post.lua"
CEILING_PORT = 8190
PORTAL_PORT = 8191
PUBLIC_TARGET = 0.50
SIGNED_IN_TARGET = 0.25
P99_TARGET_MS = 150.0


@dataclass(frozen=True)
class Page:
    """A page under load: its path, and who asks for it (None: the public)."""

    name: str
    path: str
    account: str | None = None
    #: POST pages are sent by ``wrk_post.lua`` to every path of ``Targets.posts``.
    method: str = "GET"

    @property
    def target(self) -> float:
        """Return the ratio to the ceiling this page must reach."""
        return SIGNED_IN_TARGET if self.account else PUBLIC_TARGET


PAGES: tuple[Page, ...] = (
    Page("home", "/"),
    Page("guides index", "/guides"),
    Page("guide", "/guides/catering"),
    Page("exemption list", "/exemptions"),
    Page("exemption search", "/exemptions?q=%E4%BB%B7%E6%A0%BC"),
    Page("exemption list, page 20", "/exemptions?page=20"),
    Page("entry", "/exemptions/bench-001000"),
    Page("API search", "/api/v1/exemption-entries?q=%E4%BB%B7%E6%A0%BC"),
    Page("decisions", "/decisions"),
    Page("decision", "/decisions/{decision}"),
    Page("API decisions", "/api/v1/decisions"),
    Page("public credit record", "/credit/public/{uscc}"),
    Page("enterprise home", "/enterprise", "catering-admin"),
    Page("self-checks (enterprise)", "/self-checks", "catering-admin"),
    Page("save a self-check page", "/self-checks/{draft}/sections/{section}",
         "catering-admin", method="POST"),
    Page("case page (enterprise)", "/cases/{case}", "catering-admin"),
    Page("credit (enterprise)", "/credit", "catering-admin"),
    Page("officer self-check list", "/officer/self-checks", "officer-market"),
    Page("officer case queue", "/officer/cases", "officer-market"),
    Page("officer exemption queue", "/officer/exemptions", "officer-market"),
)


@dataclass
class Run:
    """One wrk run's figures."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int


@dataclass
class Result:
    """A page's runs and those of the ceiling around them."""

    page: Page
    runs: dict[int, Run] = field(default_factory=dict)
    ceiling: dict[int, Run] = field(default_factory=dict)

    def ratio(self, connections: int) -> float:
        """Return the page's throughput divided by the ceiling's, at ``connections``."""
        return self.runs[connections].rps / self.ceiling[connections].rps


def wrk(url: str, *, connections: int, seconds: int, headers: Sequence[str] = (),
        post: Sequence[str] = ()) -> Run:
    """Run wrk against ``url`` and return its figures.

    ``post`` (a body, then paths) makes wrk POST the body to the paths in turn.
    """
    threads = 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "-s", str(POST_LUA if post else LUA)]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    if post:
        command += ["--", str(threads), *post]
    output = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603 - wrk, our arguments
                            cwd=ROOT).stdout
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    data = json.loads(line[5:])
    # A run that completed nothing timed out throughout: count that as an error.
    errors = data["errors"] or (0 if data["requests"] else 1)
    return Run(rps=data["requests"] / (data["duration_us"] / 1e6), p50_ms=data["p50_ms"],
               p95_ms=data["p95_ms"], p99_ms=data["p99_ms"], errors=errors,
               requests=data["requests"])


def serve(app: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    """Start gunicorn for ``app`` on ``port`` and wait until it answers."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(  # noqa: S603 - gunicorn, our arguments
        [gunicorn, "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{app} did not start on port {port}")


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def fetch(port: int, jar: dict[str, str], method: str, path: str,
          body: str | None = None) -> tuple[int, str]:
    """Send one request with the cookies of ``jar`` (updated from the answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    _cookies(response, jar)
    return response.status, response.read().decode()


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match[1]


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Sign in through the sign-in form; return the session's cookies."""
    jar: dict[str, str] = {}
    _, page = fetch(port, jar, "GET", "/sign-in")
    status, _ = fetch(port, jar, "POST", "/sign-in", urllib.parse.urlencode(
        {"csrf_token": _csrf(page), "identifier": email, "password": password}))
    if status != 302:
        raise RuntimeError(f"sign-in of {email} failed ({status})")
    fetch(port, jar, "GET", "/")  # consume the "signed in" message
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    """Return the Cookie header of ``jar``."""
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@dataclass
class Targets:
    """What the paths' placeholders stand for, and the self-check saves to POST."""

    values: dict[str, str]
    drafts: list[int]
    #: The form body (CSRF token of the enterprise's session, answers) and the paths.
    post: list[str] = field(default_factory=list)


def find_targets(database_url: str) -> Targets:
    """Read from the generated database the rows the pages show.

    The bench enterprise is the first (the demo caterer of ``catering-admin``): its
    latest case with evidence, its USCC (it has published credit records), its drafts;
    and the latest published decision.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        enterprise = connection.scalar(text("SELECT min(id) FROM enterprises"))
        found = {
            "decision": connection.scalar(text(
                "SELECT max(id) FROM exemption_decisions WHERE kind = 'grant' "
                "AND disclosure = 'published' AND publish_on <= CURRENT_DATE")),
            "case": connection.scalar(text(
                "SELECT max(f.case_id) FROM case_files f JOIN rectification_cases c "
                "ON c.id = f.case_id WHERE c.enterprise_id = :e"), {"e": enterprise}),
            "uscc": connection.scalar(text("SELECT uscc FROM enterprises WHERE id = :e"),
                                      {"e": enterprise}),
        }
        drafts = list(connection.scalars(text(
            "SELECT id FROM self_checks WHERE enterprise_id = :e AND status = 'draft' "
            "ORDER BY id"), {"e": enterprise}))
    engine.dispose()
    missing = [name for name, value in found.items() if value is None]
    if missing or not drafts:
        raise RuntimeError(f"the generated data has no {', '.join(missing) or 'drafts'}")
    return Targets({name: str(value) for name, value in found.items()}, drafts)


def prepare_post(port: int, jar: dict[str, str], targets: Targets) -> None:
    """Find the first section of the drafts and the body that saves it.

    The body carries the session's CSRF token (valid for every request of the session)
    and the first option of every choice question on the page.
    """
    first = targets.drafts[0]
    _, tasks = fetch(port, jar, "GET", f"/self-checks/{first}")
    match = re.search(rf'/self-checks/{first}/sections/([\w-]+)', tasks)
    if match is None:
        raise RuntimeError("no section link on the draft's task list")
    section = match[1]
    targets.values.update(draft=str(first), section=section)
    _, page = fetch(port, jar, "GET", f"/self-checks/{first}/sections/{section}")
    fields = {"csrf_token": _csrf(page)}
    for name, value in re.findall(r'<input[^>]*type="radio"[^>]*name="(q-[^"]+)"[^>]*'
                                  r'value="([^"]*)"', page):
        fields.setdefault(name, value)
    body = urllib.parse.urlencode(fields)
    status, _ = fetch(port, jar, "POST", f"/self-checks/{first}/sections/{section}", body)
    if status not in (200, 302, 303):
        raise RuntimeError(f"saving a self-check page answered {status}")
    targets.post = [body, *(f"/self-checks/{draft}/sections/{section}"
                            for draft in targets.drafts)]


def portal_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Return the environment of the portal under the production configuration."""
    env = dict(os.environ)
    env.update({
        "PORTAL_ENV": "production", "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "load-test-secret-key-0123456789abcdef0123456789",
        "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_REDIS_URL": redis_url,
        "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_DATABASE_POOL_SIZE": "5",
        # Many requests share one address here: let sign-in through.
        "PORTAL_SIGN_IN_RATE_LIMIT": "1000 per minute",
    })
    return env


def machine() -> str:
    """Describe the machine and its load."""
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in
                     Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return (f"{os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _combine(runs: Sequence[Run]) -> Run:
    """Return the runs of several rounds as one: total throughput, worst percentiles."""
    seconds = sum(run.requests / run.rps for run in runs if run.rps)
    requests = sum(run.requests for run in runs)
    return Run(rps=requests / seconds if seconds else 0.0,
               p50_ms=sorted(run.p50_ms for run in runs)[len(runs) // 2],
               p95_ms=max(run.p95_ms for run in runs), p99_ms=max(run.p99_ms for run in runs),
               errors=sum(run.errors for run in runs), requests=requests)


def measure(pages: Sequence[Page], cookies: dict[str, str], targets: Targets, *,
            seconds: int, rounds: int, connections: Sequence[int],
            log: Any = print) -> list[Result]:
    """Alternate ceiling and page runs (``rounds`` each); return every page's result."""
    ceiling_url = f"http://127.0.0.1:{CEILING_PORT}/"
    results = []
    for page in pages:
        result = Result(page)
        headers = [f"Cookie: {cookies[page.account]}"] if page.account else []
        url = f"http://127.0.0.1:{PORTAL_PORT}{page.path.format(**targets.values)}"
        post = targets.post if page.method == "POST" else []
        wrk(url, connections=4, seconds=1, headers=headers, post=post)  # warm up
        for count in connections:
            ceiling_runs, page_runs = [], []
            for _ in range(rounds):
                ceiling_runs.append(wrk(ceiling_url, connections=count, seconds=seconds))
                page_runs.append(wrk(url, connections=count, seconds=seconds,
                                     headers=headers, post=post))
            result.ceiling[count] = _combine(ceiling_runs)
            result.runs[count] = _combine(page_runs)
            log(f"{page.name:<28} c={count:<3} {result.runs[count].rps:8.0f} req/s "
                f"(ceiling {result.ceiling[count].rps:6.0f}) ratio {result.ratio(count):.3f} "
                f"p99 {result.runs[count].p99_ms:.0f} ms errors {result.runs[count].errors}")
        results.append(result)
    return results


def report(results: Sequence[Result], *, preset: str, connections: Sequence[int],
           seconds: int, rounds: int, load_before: str, load_after: str,
           rows: dict[str, str] | None = None, notes: str = "") -> str:
    """Return the Markdown report."""
    low, high = min(connections), max(connections)
    lines = [
        "# Load test report",
        "",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {machine()}  ",
        f"Load average (1/5/15 min) before: {load_before}; after: {load_after}  ",
        f"Data: preset `{preset}` of `benchmarks/generate.py` on PostgreSQL; the portal in "
        "its production configuration (Redis for rate limits and the page cache)  ",
        f"Method: gunicorn, 2 sync workers for each app; wrk, 2 threads; for each page and "
        f"connection count, {rounds} rounds of ceiling then page, {seconds} s each (the "
        "throughput of the rounds together; the worst p95/p99 of any round). "
        f"Ratio = page req/s ÷ ceiling req/s at {low} connections; p99 at {high}.",
        "",
        "Targets: public pages ≥ 0.50, signed-in pages ≥ 0.25 of the ceiling; p99 ≤ 150 ms "
        "at 32 connections; no errors.",
        "",
        *([("Rows in the paths: " + ", ".join(f"`{{{k}}}` = {v}" for k, v in rows.items())
            + ". The POST step saves the first section of 64 drafts in turn (answers: "
            "the first option of each choice; a save answers 302 to the next section)."),
           ""] if rows else []),
        f"| page | path | req/s c={low} | ceiling c={low} | ratio c={low} | ratio c={high} "
        f"| p50 ms c={high} | p95 ms c={high} | p99 ms c={high} | errors | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        page, hi = result.page, result.runs[high]
        errors = sum(run.errors for run in result.runs.values())
        met = (result.ratio(low) >= page.target and hi.p99_ms <= P99_TARGET_MS
               and errors == 0)
        who = (f" ({page.account}{', POST' if page.method == 'POST' else ''})"
               if page.account else "")
        lines.append(
            f"| {page.name}{who} | `{page.path}` | {result.runs[low].rps:.0f} | "
            f"{result.ceiling[low].rps:.0f} | {result.ratio(low):.2f} | "
            f"{result.ratio(high):.2f} | {hi.p50_ms:.1f} | {hi.p95_ms:.1f} | {hi.p99_ms:.1f} | "
            f"{errors} | ≥ {page.target:.2f} | {'yes' if met else 'NO'} |")
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Generate data (unless told not to), serve both apps, measure and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--no-generate", action="store_true",
                        help="use the data already in the database")
    parser.add_argument("--seconds", type=int, default=2, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="ceiling/page alternations per page and connection count")
    parser.add_argument("--connections", default="16,32")
    parser.add_argument("--only", help="comma-separated page names to measure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draw-signed-in-pages", action="store_true",
                        help="PORTAL_KEEP_SIGNED_IN_PAGES=false: every signed-in page drawn")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "REPORT.md"))
    parser.add_argument("--notes", default=str(ROOT / "benchmarks" / "report_notes.md"),
                        help="Markdown file appended to the report (empty: none)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk (or brew install wrk)", file=sys.stderr)
        return 2
    if not args.no_generate:
        from benchmarks.generate import PRESETS, generate
        generate(args.database_url, PRESETS[args.preset])
    from benchmarks.generate import BENCH_EMAIL_DOMAIN, BENCH_PASSWORD
    connections = [int(c) for c in args.connections.split(",")]
    pages = [p for p in PAGES if not args.only or p.name in args.only.split(",")]
    env = portal_env(args.database_url, args.redis_url)
    if args.draw_signed_in_pages:
        env["PORTAL_KEEP_SIGNED_IN_PAGES"] = "false"
    processes = [serve("benchmarks.ceiling:app", CEILING_PORT, dict(os.environ), args.workers),
                 serve("wsgi:app", PORTAL_PORT, env, args.workers)]
    try:
        jars = {account: sign_in(PORTAL_PORT, f"{account}@{BENCH_EMAIL_DOMAIN}",
                                 BENCH_PASSWORD)
                for account in {p.account for p in pages if p.account}}
        targets = find_targets(args.database_url)
        for page in pages:
            if page.method == "POST" and page.account:
                prepare_post(PORTAL_PORT, jars[page.account], targets)
        targets.values.setdefault("draft", str(targets.drafts[0]))
        cookies = {account: cookie_header(jar) for account, jar in jars.items()}
        load_before = load_average()
        results = measure(pages, cookies, targets, seconds=args.seconds, rounds=args.rounds,
                          connections=connections)
        load_after = load_average()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    notes = Path(args.notes).read_text() if args.notes else ""
    text = report(results, preset=args.preset, connections=connections, seconds=args.seconds,
                  rounds=args.rounds, load_before=load_before, load_after=load_after,
                  rows=targets.values, notes=notes)
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
