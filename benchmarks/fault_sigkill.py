"""Workers killed with SIGKILL in the middle of uploads and decisions leave nothing partial.

    python -m benchmarks.fault_sigkill      # PostgreSQL database portal_kill, Redis db 12

Serves the portal under gunicorn (production configuration, 2 sync workers) and:

1. **Uploads**: sends rectification reports with a ~6 MB photo slowly, and kills every
   worker with SIGKILL at a different moment of each (while the body arrives, just after
   it arrived, while the request is being handled). Gunicorn's master starts new workers.
2. **Decisions**: fires 40 concurrent grants and kills every worker 0.2 s later.

Then checks what must hold: no evidence row without its stored object and no
stored-file row without it either; the case's status matches its reports; every
granted application has exactly one decision and every decision a granted application;
the decision numbers are 1…n with no gap and the counter says n; the audit chain
verifies; temporary files of killed uploads are removed by ``flask storage sweep``.
A last upload and the remaining grants succeed (the portal recovered without a
restart). Writes ``benchmarks/results/fault_sigkill.txt``; exits 1 on a failed check.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.multi_instance import Client, portal_env, rebuild_database, seed, serve

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "fault_sigkill.txt"
PORT = 8321
GRANTS = 40


def workers_of(master: subprocess.Popen[bytes]) -> list[int]:
    """Return the pids of the gunicorn master's workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master.pid:
            found.append(int(entry.name))
    return found


def kill_workers(master: subprocess.Popen[bytes]) -> int:
    """SIGKILL every worker; return how many were killed."""
    pids = workers_of(master)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


def wait_ready(master: subprocess.Popen[bytes], workers: int = 2) -> None:
    """Wait until the master has started its workers again and the portal answers."""
    for _ in range(200):
        if len(workers_of(master)) >= workers:
            try:
                status = Client().request(PORT, "GET", "/healthz")[0]
                if status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError("the portal did not recover")


def photo() -> bytes:
    """Return a real PNG of about 6 MB (noise does not compress)."""
    from PIL import Image
    image = Image.frombytes("RGB", (1500, 1400), os.urandom(1500 * 1400 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = "----portalkill" + os.urandom(8).hex()
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
                 f'filename="photo.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
                 + file + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), boundary


def upload_and_kill(owner: Client, master: subprocess.Popen[bytes], case_id: int,
                    body_file: bytes, *, kill_at: float | None) -> int | None:
    """Post a report with ``body_file``; SIGKILL the workers when ``kill_at`` of the body
    was sent (above 1: that many tenths of a second after all of it). Return the status,
    or None when the connection died."""
    page = owner.request(PORT, "GET", f"/cases/{case_id}/report")[1]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page)
    if token is None or version is None:
        raise RuntimeError("no report form")
    body, boundary = multipart({"csrf_token": token[1], "version": version[1],
                                "description": "已整改并拍照", "completed_on":
                                dt.date.today().isoformat(), "commitment": "y"}, body_file)
    head = (f"POST /cases/{case_id}/report HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: {'; '.join(f'{k}={v}' for k, v in owner.jar.items())}\r\n"
            f"X-Forwarded-For: {owner.forwarded_for}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=60)
    killed = False
    try:
        sock.sendall(head)
        chunk = 256 * 1024
        for start in range(0, len(body), chunk):
            if kill_at is not None and kill_at <= 1 and start >= kill_at * len(body):
                kill_workers(master)
                killed = True
                break
            sock.sendall(body[start:start + chunk])
            time.sleep(0.01)
        if kill_at is not None and kill_at > 1 and not killed:
            time.sleep((kill_at - 1) / 10)
            kill_workers(master)
        answer = sock.recv(64)
        return int(answer.split()[1]) if answer.startswith(b"HTTP/") else None
    except OSError:
        return None
    finally:
        sock.close()


def invariants(url: str, upload_dir: Path) -> list[str]:
    """Return every violated invariant (empty when all hold)."""
    problems = []
    engine = create_engine(url)
    with engine.connect() as connection:
        for table, query in (("case_files", "SELECT DISTINCT sha256 FROM case_files"),
                             ("stored_files", "SELECT DISTINCT sha256 FROM stored_files")):
            for (digest,) in connection.execute(text(query)):
                if not (upload_dir / digest[:2] / digest).is_file():
                    problems.append(f"{table} row without its object {digest}")
        orphan_files = connection.scalar(text(
            "SELECT count(*) FROM case_files f LEFT JOIN case_submissions s "
            "ON s.id = f.submission_id WHERE f.submission_id IS NOT NULL AND s.id IS NULL"))
        if orphan_files:
            problems.append(f"{orphan_files} evidence rows of a missing report")
        mismatched = connection.scalar(text(
            "SELECT count(*) FROM rectification_cases c WHERE c.status = 'submitted' AND NOT "
            "EXISTS (SELECT 1 FROM case_submissions s WHERE s.case_id = c.id "
            "AND s.withdrawn_at IS NULL)"))
        if mismatched:
            problems.append(f"{mismatched} submitted cases without a report")
        granted = connection.scalar(text(
            "SELECT count(*) FROM exemption_applications WHERE status = 'granted'"))
        decisions = connection.scalar(text(
            "SELECT count(*) FROM exemption_decisions WHERE kind = 'grant'"))
        if granted != decisions:
            problems.append(f"{granted} granted applications but {decisions} decisions")
        numbers = [n for (n,) in connection.execute(text(
            "SELECT number FROM exemption_decisions WHERE kind = 'grant' ORDER BY number"))]
        counter = connection.scalar(text(
            "SELECT coalesce(max(last_number), 0) FROM document_counters")) or 0
        if numbers != list(range(1, len(numbers) + 1)) or counter != len(numbers):
            problems.append(f"numbers not 1…n: {numbers[:5]}… counter {counter}")
    engine.dispose()
    return problems


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],  # noqa: S603
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    """Rebuild the database, serve, kill workers mid-request, check, write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "KILL_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_kill"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args(argv)
    env = portal_env(args.database_url, args.redis_url)
    upload_dir = ROOT / "instance" / "kill_uploads"
    env["PORTAL_UPLOAD_DIR"] = str(upload_dir)
    rebuild_database(args.database_url)
    moments = [0.1, 0.5, 0.9, 1.1, 1.5, 2.5, 4.0, 6.0]
    seeded = seed(args.database_url, env, grants=GRANTS, report=False,
                  orders_count=len(moments) + 1)
    master = serve(PORT, env)
    lines = [f"# SIGKILL during uploads and decisions, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} "
             "UTC (gunicorn, 2 sync workers, PostgreSQL)"]
    ok = True
    try:
        owner = Client(forwarded_for="10.7.0.1")
        if owner.sign_in(PORT, "owner@multi.invalid") != 302:
            raise RuntimeError("the owner could not sign in")
        image = photo()
        statuses = []
        for case_id, moment in zip(seeded["cases"], moments, strict=False):
            statuses.append(upload_and_kill(owner, master, case_id, image, kill_at=moment))
            wait_ready(master)
        lines.append(f"uploads: {len(moments)} reports of {len(image) / 2**20:.1f} MB, workers "
                     f"killed at {moments} (fractions of the body, then tenths of a second "
                     f"after it) → answers {statuses}")
        officer = Client(forwarded_for="10.7.0.2")
        officer.sign_in(PORT, "officer@multi.invalid")
        token = officer.csrf(PORT, f"/officer/exemptions/{seeded['applications'][0]}")
        engine = create_engine(args.database_url)
        with engine.connect() as connection:
            versions = dict(connection.execute(text(
                "SELECT id, version FROM exemption_applications")).all())
        engine.dispose()

        def grant(application_id: int) -> int | None:
            try:
                return officer.request(PORT, "POST", f"/officer/exemptions/{application_id}/grant",
                                       {"csrf_token": token,
                                        "version": str(versions[application_id])})[0]
            except OSError:
                return None

        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(grant, i) for i in seeded["applications"]]
            time.sleep(0.2)
            killed = kill_workers(master)
            answers = [f.result() for f in futures]
        wait_ready(master)
        lines.append(f"decisions: {GRANTS} concurrent grants, {killed} workers killed 0.2 s "
                     f"later → {sum(a in (302, 303) for a in answers)} answered, "
                     f"{sum(a is None for a in answers)} cut off")
        problems = invariants(args.database_url, upload_dir)
        temporaries = len(list(upload_dir.glob(".incoming-*")))
        sweep_env = dict(env, PORTAL_STORAGE_SWEEP_GRACE_HOURS="1")
        # The sweep spares anything younger than its grace: age the temporaries first.
        old = time.time() - 7200
        for path in upload_dir.glob(".incoming-*"):
            os.utime(path, (old, old))
        swept = flask(sweep_env, "storage", "sweep")
        left = len(list(upload_dir.glob(".incoming-*")))
        lines.append(f"temporary files of killed uploads: {temporaries} before the sweep, "
                     f"{left} after (`flask storage sweep`: exit {swept.returncode})")
        if left:
            problems.append(f"{left} temporary files left after the sweep")
        # Recovery: a last report and every remaining grant go through.
        last_case = seeded["cases"][-1]
        last = upload_and_kill(owner, master, last_case, image, kill_at=None)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(grant, seeded["applications"]))
        problems += invariants(args.database_url, upload_dir)
        engine = create_engine(args.database_url)
        with engine.connect() as connection:
            granted = connection.scalar(text(
                "SELECT count(*) FROM exemption_applications WHERE status = 'granted'"))
            submitted = connection.scalar(text(
                "SELECT status FROM rectification_cases WHERE id = :id"),
                {"id": last_case})
        engine.dispose()
        audit = flask(env, "audit", "verify")
        lines.append(f"after recovery: the last report answered {last}, the case is "
                     f"{submitted}; {granted} of {GRANTS} applications granted; audit verify: "
                     f"exit {audit.returncode} ({audit.stdout.strip().splitlines()[-1:]})")
        if last not in (302, 303) or submitted != "submitted" or granted != GRANTS:
            problems.append("the portal did not recover fully")
        if audit.returncode != 0:
            problems.append("the audit chain does not verify")
        lines.append("invariants: " + ("all hold" if not problems else "; ".join(problems)))
        ok = not problems
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=30)
    text_report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text_report, encoding="utf-8")
    print(text_report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
