"""Two portal instances, one PostgreSQL, one Redis: what must hold across processes does.

    make bench-multi        # or: python -m benchmarks.multi_instance

Starts two gunicorn instances of the portal (production configuration, 2 sync workers
each, ports 8311 and 8312) on a database of their own (``portal_multi``, rebuilt by the
migrations) and checks, through HTTP only:

1. **Sessions and sign-out**: a session opened on A works on B; signing out on B ends it
   on A.
2. **Rate limits**: sign-in attempts from one address count together on both
   instances (the ``PORTAL_SIGN_IN_RATE_LIMIT`` counter lives in Redis).
3. **Lock-outs**: failed sign-ins for one account from many addresses, spread over both
   instances, lock it on both (``PORTAL_SIGN_IN_ACCOUNT_MAX_FAILURES``).
4. **Optimistic locking**: two officers decide the same rectification report at once,
   one on each instance, from the same version: one decision stands, the other is told
   the case changed meanwhile.
5. **Numbering** (issue 11, Reliability): 200 verified exemption applications are granted
   by 200 concurrent requests spread over both instances → 200 decisions numbered
   1…200 with no gap and no duplicate; 200 repeated grants afterwards change nothing
   (a decision can never be granted twice).

Writes the result to ``benchmarks/results/multi_instance.txt`` and exits 1 when a check
fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "multi_instance.txt"
PORTS = (8311, 8312)
PASSWORD = "Multi-Instance-Check-2026"
AUTHORITY = "穗南市监"
GRANTS = 200


@dataclass
class Client:
    """A browser of one person: its own cookie jar, any instance."""

    jar: dict[str, str] = field(default_factory=dict)
    forwarded_for: str | None = None

    def request(self, port: int, method: str, path: str,
                form: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items()),
                   "Accept-Language": "zh-CN"}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.jar[name.strip()] = value
            else:
                self.jar.pop(name.strip(), None)
        content = response.read().decode("utf-8", "replace")
        return response.status, content, dict(response.headers)

    def csrf(self, port: int, path: str = "/") -> str:
        _status, page, _headers = self.request(port, "GET", path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}")
        return match[1]

    def sign_in(self, port: int, identifier: str, password: str = PASSWORD) -> int:
        token = self.csrf(port, "/sign-in")
        status, _page, _headers = self.request(port, "POST", "/sign-in", {
            "csrf_token": token, "identifier": identifier, "password": password})
        return status


def portal_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PORTAL_ENV": "production", "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "multi-instance-secret-key-0123456789abcdef0123456789",
        "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_REDIS_URL": redis_url,
        "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_DATABASE_POOL_SIZE": "5",
        # Addresses come from X-Forwarded-For (one trusted proxy), as behind nginx.
        "PORTAL_PROXY_COUNT": "1",
        "PORTAL_SIGN_IN_RATE_LIMIT": "12 per minute",
        "PORTAL_UPLOAD_DIR": str(ROOT / "instance" / "multi_uploads"),
    })
    return env


def serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(  # noqa: S603 - gunicorn, our arguments
        [gunicorn, "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the portal did not start on port {port}")


def rebuild_database(url: str) -> None:
    database = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    from portal.core import migrations
    migrations.upgrade(url)


def seed(url: str, env: dict[str, str], *, grants: int = GRANTS,
         report: bool = True, orders_count: int = 1) -> dict[str, Any]:
    """Create the people, a rectification case (its report submitted when ``report``) and
    ``grants`` verified applications."""
    from portal import create_app
    from portal.accounts.models import (
        Department,
        Enterprise,
        Membership,
        MembershipRole,
        User,
        UserKind,
    )
    from portal.cases import services as cases
    from portal.core.clock import local_today
    from portal.core.db import utcnow
    from portal.core.identifiers import make_uscc
    from portal.core.security import hash_password
    from portal.exemptions import rules, services
    from portal.exemptions.models import EducationForm
    from portal.extensions import db
    from portal.guides.conditions import Corrected, Harm
    from portal.guides.models import (
        ExemptionEntryIndustry,
        ExemptionEntryRecord,
        ExemptionEntryVersion,
    )

    app = create_app({"DATABASE_URL": url, "ENV": "development",
                      "UPLOAD_DIR": env["PORTAL_UPLOAD_DIR"]})
    with app.test_request_context():
        session = db.session
        now, today = utcnow(), local_today()
        department = Department(code="market_regulation",
                                name_zh_hans="广州市南沙区市场监督管理局",
                                name_en="Nansha District Administration for Market Regulation",
                                short_name=AUTHORITY, short_name_confirmed=True)
        session.add(department)
        password = hash_password(PASSWORD)

        def person(name: str, kind: UserKind, **values: object) -> User:
            user = User(email=f"{name}@multi.invalid", display_name=name, password_hash=password,
                        kind=kind, **values)
            session.add(user)
            return user

        officer = person("officer", UserKind.OFFICER, department=department)
        person("colleague", UserKind.OFFICER, department=department)
        person("locked", UserKind.OFFICER, department=department)
        enterprise = Enterprise(uscc=make_uscc("91440115", "MB000001"),
                                name="广州南沙多实例测试有限公司",
                                industry_code="52", town="nansha", address="南沙街道测试路1号",
                                legal_representative="李四", contact_mobile="13800138000",
                                contact_email="contact@multi.invalid")
        session.add(enterprise)
        owner = person("owner", UserKind.ENTERPRISE)
        session.add(Membership(user=owner, enterprise=enterprise, role=MembershipRole.ADMIN))
        session.flush()
        record = ExemptionEntryRecord(key="multi-01")
        session.add(record)
        session.flush()
        version = ExemptionEntryVersion(
            entry_id=record.id, version_no=1, digest="0" * 64, list_type="no_penalty",
            department=department.code, industry="common", title_search="未明码标价",
            search_text="未明码标价", data={
                "key": "multi-01", "list_type": "no_penalty",
                "legal_basis_ground": "art33_1_minor",
                "violation": {"zh_Hans": "经营者未明码标价", "en": "Prices not marked"},
                "conditions": [{"type": "no_harm"}, {"type": "corrected_on_the_spot"}],
                "obligations": ["multi-01"], "rule_breached": [], "legal_ground": []})
        version.industries = [ExemptionEntryIndustry(industry="common")]
        session.add(version)
        orders = [cases.issue_order(session, enterprise, actor=officer, problem="未公示许可证",
                                    requirement="公示许可证", legal_basis=None,
                                    working_days=10, today=today, now=now)
                  for _ in range(orders_count)]
        case = orders[0]
        session.flush()
        storage = app.extensions["storage"]
        if report:
            cases.submit_report(session, storage, case, actor=owner, description="已公示",
                                completed_on=today, commitment_text="承诺", uploads=[],
                                supersedes=[], expected_version=case.version, today=today,
                                now=now, review_working_days=5, max_case_bytes=2**28)
        ids = []
        for day in range(grants):
            application = services.open_application(
                session, storage, enterprise, actor=owner, entry_key="multi-01",
                statement=services.ApplicationInput(
                    facts=f"第{day + 1}次检查发现价签缺失",
                    violation_on=today - dt.timedelta(days=day),
                    harm=Harm.NONE, harm_statement="无", first_violation=True,
                    exempted_before=False, corrected=Corrected.ON_THE_SPOT,
                    commitment_text="承诺"),
                today=today, now=now, review_working_days=10)
            services.record_verification(
                session, application, actor=officer, verification=services.Verification(
                    checks={c.key: (True, None) for c in rules.conditions_of(application)},
                    education_form=EducationForm.TALK, education_on=today,
                    education_content="讲解明码标价规定"),
                expected_version=application.version, today=today, now=now)
            ids.append(application.id)
        session.commit()
        return {"applications": ids, "case": case.id, "cases": [c.id for c in orders]}


def check_sessions(report: list[str]) -> bool:
    a, b = PORTS
    officer = Client(forwarded_for="10.1.0.1")
    ok = officer.sign_in(a, "officer@multi.invalid") == 302
    officer.request(a, "GET", "/")  # the "signed in" message
    # A keeps the signed-in page for this session: its second answer is a kept copy.
    officer.request(a, "GET", "/officer/cases")
    _status, _page, kept_headers = officer.request(a, "GET", "/officer/cases")
    kept = kept_headers.get("X-Cache") == "hit"
    status_b, _page, _ = officer.request(b, "GET", "/officer/cases")
    token = officer.csrf(b, "/officer/cases")
    officer.request(b, "POST", "/sign-out", {"csrf_token": token})
    status_a, _page, headers = officer.request(a, "GET", "/officer/cases")
    ended = status_a in (302, 401) and "sign-in" in headers.get("Location", "sign-in")
    passed = ok and kept and status_b == 200 and ended
    report.append(f"sessions: signed in on A, A answered a kept page ({kept}), B answered "
                  f"{status_b}; signed out on B, A answered {status_a} "
                  f"→ {'PASS' if passed else 'FAIL'}")
    return passed


def check_rate_limit(report: list[str]) -> bool:
    a, b = PORTS
    statuses = []
    for attempt in range(14):
        client = Client(forwarded_for="10.2.0.1")
        statuses.append(client.sign_in((a, b)[attempt % 2], f"nobody{attempt}@multi.invalid",
                                       "wrong-password"))
    # 12 per minute from one address, counted across both instances: the 13th is refused
    # (each attempt is a GET of the form and a POST; only POSTs are limited).
    limited = statuses.index(429) if 429 in statuses else None
    passed = limited is not None and limited <= 12 and all(s == 429 for s in statuses[limited:])
    first = None if limited is None else limited + 1
    report.append(f"rate limit: 14 failed sign-ins from one address alternating A/B → "
                  f"statuses {statuses} → first 429 at attempt {first}"
                  f" → {'PASS' if passed else 'FAIL'}")
    return passed


def check_lockout(report: list[str], failures: int) -> bool:
    a, b = PORTS
    for attempt in range(failures):
        Client(forwarded_for=f"10.3.{attempt}.1").sign_in(
            (a, b)[attempt % 2], "locked@multi.invalid", "wrong-password")
    statuses = [Client(forwarded_for=f"10.4.0.{n}").sign_in(port, "locked@multi.invalid")
                for n, port in enumerate(PORTS)]
    passed = all(status != 302 for status in statuses)
    report.append(f"lock-out: {failures} failures from {failures} addresses alternating A/B; "
                  f"the right password then answered {statuses} on A/B (no 302) → "
                  f"{'PASS' if passed else 'FAIL'}")
    return passed


def check_optimistic_locking(report: list[str], case_id: int) -> bool:
    a, b = PORTS
    first, second = Client(forwarded_for="10.5.0.1"), Client(forwarded_for="10.5.0.2")
    first.sign_in(a, "officer@multi.invalid")
    second.sign_in(b, "colleague@multi.invalid")
    pages = [first.request(a, "GET", f"/cases/{case_id}")[1],
             second.request(b, "GET", f"/cases/{case_id}")[1]]
    versions = [re.search(r'name="version"[^>]*value="(\d+)"', page) for page in pages]
    tokens = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) for page in pages]
    if not all(versions) or not all(tokens):
        report.append("optimistic locking: no version on the case page → FAIL")
        return False
    results: list[tuple[int, str]] = []

    def decide(client: Client, port: int, token: str, version: str) -> None:
        status, page, headers = client.request(port, "POST", f"/cases/{case_id}/review", {
            "csrf_token": token, "decision": "accept", "reasons": "", "version": version})
        if status == 302:
            page = client.request(port, "GET", headers.get("Location", f"/cases/{case_id}"))[1]
        results.append((status, page))

    threads = [threading.Thread(target=decide, args=(first, a, tokens[0][1], versions[0][1])),
               threading.Thread(target=decide, args=(second, b, tokens[1][1], versions[1][1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    told = sum("其他人已修改此记录" in page for _status, page in results)
    report.append(f"optimistic locking: two officers accept one report at once on A and B "
                  f"from version {versions[0][1]} → statuses {[s for s, _p in results]}, "
                  f"{told} told it changed meanwhile → {'PASS' if told == 1 else 'FAIL'}")
    return told == 1


def check_grants(report: list[str], url: str, ids: list[int]) -> bool:
    a, b = PORTS
    officers = [Client(forwarded_for="10.6.0.1"), Client(forwarded_for="10.6.0.2")]
    officers[0].sign_in(a, "officer@multi.invalid")
    officers[1].sign_in(b, "colleague@multi.invalid")
    token = [officers[0].csrf(a, f"/officer/exemptions/{ids[0]}"),
             officers[1].csrf(b, f"/officer/exemptions/{ids[0]}")]
    engine = create_engine(url)
    with engine.connect() as connection:
        versions = dict(connection.execute(text(
            "SELECT id, version FROM exemption_applications")).all())
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def post(index: int, application_id: int) -> None:
        side = index % 2
        status, _page, _headers = officers[side].request(
            PORTS[side], "POST", f"/officer/exemptions/{application_id}/grant",
            {"csrf_token": token[side], "version": str(versions[application_id])})
        with lock:
            statuses[status] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(post, range(len(ids)), ids))
    elapsed = time.perf_counter() - started
    with ThreadPoolExecutor(max_workers=32) as pool:  # every one again: nothing may change
        list(pool.map(post, range(len(ids)), ids))
    with engine.connect() as connection:
        numbers = sorted(n for (n,) in connection.execute(text(
            "SELECT number FROM exemption_decisions WHERE authority = :a"), {"a": AUTHORITY}))
        decisions = connection.scalar(text("SELECT count(*) FROM exemption_decisions"))
        per_application = connection.scalar(text(
            "SELECT max(c) FROM (SELECT count(*) AS c FROM exemption_decisions "
            "GROUP BY application_id) AS x"))
    engine.dispose()
    passed = numbers == list(range(1, len(ids) + 1)) and decisions == len(ids) \
        and per_application == 1
    report.append(f"numbering: {len(ids)} concurrent grants (32 at a time, alternating A/B) "
                  f"in {elapsed:.1f} s, then {len(ids)} repeated grants; statuses "
                  f"{dict(statuses)}; {decisions} decisions, numbers "
                  f"{numbers[0] if numbers else None}…{numbers[-1] if numbers else None}, "
                  f"distinct {len(set(numbers))}, consecutive "
                  f"{numbers == list(range(1, len(ids) + 1))}, at most {per_application} per "
                  f"application → {'PASS' if passed else 'FAIL'}")
    return passed


def main(argv: list[str] | None = None) -> int:
    """Rebuild the database, start both instances, run every check, write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "MULTI_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_multi"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "MULTI_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--only", help="comma-separated checks: sessions, rate_limit, lockout, "
                        "locking, numbering")
    args = parser.parse_args(argv)
    import redis
    redis.Redis.from_url(args.redis_url).flushdb()
    env = portal_env(args.database_url, args.redis_url)
    rebuild_database(args.database_url)
    seeded = seed(args.database_url, env)
    from portal.config import load_config
    failures = load_config()["SIGN_IN_ACCOUNT_MAX_FAILURES"]
    processes = [serve(port, env) for port in PORTS]
    report = [f"# Two instances (gunicorn, 2 sync workers each) on ports {PORTS}, "
              f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"]
    try:
        checks = {
            "sessions": lambda: check_sessions(report),
            "rate_limit": lambda: check_rate_limit(report),
            "lockout": lambda: check_lockout(report, failures),
            "locking": lambda: check_optimistic_locking(report, seeded["case"]),
            "numbering": lambda: check_grants(report, args.database_url,
                                              seeded["applications"]),
        }
        wanted = args.only.split(",") if args.only else list(checks)
        results = [checks[name]() for name in wanted]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    text_report = "\n".join(report) + "\n"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text_report, encoding="utf-8")
    print(text_report)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
