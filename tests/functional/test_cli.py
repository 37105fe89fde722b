"""The ``flask`` commands: demo data, staff accounts, audit verification, storage sweep."""

import io
import os
import time
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.accounts.models import Department, Enterprise, User, UserKind
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.storage import record_stored_file
from portal.extensions import db, limiter


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_demo_load_is_idempotent_and_every_account_signs_in(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = (_count(Enterprise), _count(User), _count(Department))
    assert counts[0] >= 3 and counts[2] >= 2
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert (_count(Enterprise), _count(User), _count(Department)) == counts
    password = app.config["DEMO_PASSWORD"]
    assert password in first.output
    emails = [line.split()[-1] for line in first.output.splitlines() if "@" in line]
    kinds = {db.session.scalar(select(User.kind).where(User.email == e)) for e in emails}
    assert kinds == set(UserKind)
    for email in emails:
        with app.app_context():
            limiter.reset()  # eleven sign-ins from one address would hit the rate limit
        client.sign_in(email, password)
        assert client.get("/account").status_code == 200
        client.submit("/sign-out", token_from="/account")


def test_demo_load_adds_cases_in_every_status_once_with_real_evidence(app, client):
    from portal.cases.models import Case, CaseStatus, EvidenceFile
    from portal.core.storage import get_storage

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    statuses = set(db.session.scalars(select(Case.status)))
    assert statuses == set(CaseStatus)
    cases = _count(Case)
    files = db.session.scalars(select(EvidenceFile)).all()
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.like("case.%")))
    # every case with a report has evidence, stored under its digest and readable
    reported = set(db.session.scalars(select(Case.id).where(Case.status != CaseStatus.OPEN)))
    assert reported and reported <= {row.case_id for row in files}
    with app.app_context(), get_storage().open(files[0].sha256) as stream:
        assert stream.read(8) in (b"\x89PNG\r\n\x1a\n", b"%PDF-1.3", b"%PDF-1.4")
    assert all(case.reference and case.reference.startswith("ZG")
               for case in db.session.scalars(select(Case)))
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "cases added: 0" in again.output
    assert _count(Case) == cases and _count(EvidenceFile) == len(files)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.like("case.%"))) == events
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    client.sign_in("officer-market@demo.nansha.invalid", app.config["DEMO_PASSWORD"])
    page = client.get("/officer/cases")
    assert page.status_code == 200
    market = db.session.scalars(select(Case).where(
        Case.department_code == "market_regulation", Case.action_due.is_not(None))).all()
    assert len(market) >= 3
    text = page.get_data(as_text=True)
    assert all(case.reference in text for case in market)


def test_demo_load_is_refused_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert _count(Enterprise) == 0


def test_create_officer_command(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=[
        "users", "create-officer", "--email", "Li.Officer@Example.gov.cn", "--name", "李执法",
        "--department", world.department.code, "--password", "Strong-Officer-2026"])
    assert result.exit_code == 0, result.output
    officer = db.session.scalar(select(User).where(User.email == "li.officer@example.gov.cn"))
    assert officer.kind == UserKind.OFFICER
    assert officer.department_id == world.department.id


def test_create_officer_refuses_unknown_department_and_weak_password(app, world):
    runner = app.test_cli_runner()
    before = _count(User)
    unknown = runner.invoke(args=["users", "create-officer", "--email", "a@example.gov.cn",
                                  "--name", "甲", "--department", "nope",
                                  "--password", "Strong-Officer-2026"])
    weak = runner.invoke(args=["users", "create-officer", "--email", "b@example.gov.cn",
                               "--name", "乙", "--department", world.department.code,
                               "--password", "weak"])
    missing = runner.invoke(args=["users", "create-officer", "--email", "c@example.gov.cn",
                                  "--name", "丙", "--password", "Strong-Officer-2026"])
    assert unknown.exit_code != 0 and "nope" in unknown.output
    assert weak.exit_code != 0 and "weak" in weak.output
    assert missing.exit_code != 0
    assert _count(User) == before


def test_audit_verify_passes_then_reports_a_changed_row(app, client, world):
    client.sign_in(world.officer.email)
    client.submit("/account/sign-out-everywhere", token_from="/account")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 2 events" in ok.output
    target = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
    db.session.execute(text("UPDATE audit_events SET details = '{\"forged\": true}' "
                            "WHERE id = :id"), {"id": target})
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"#{target}" in broken.output


def test_production_start_up_is_refused_when_demo_accounts_exist(app):
    import pytest

    from portal.accounts.services import DemoDataInProduction, refuse_demo_data

    refuse_demo_data(db.session)  # a clean database passes
    app.test_cli_runner().invoke(args=["demo", "load"])
    with pytest.raises(DemoDataInProduction):
        refuse_demo_data(db.session)


def test_a_recorded_head_proves_no_event_was_cut_from_the_end(app, client, world):
    client.sign_in(world.officer.email)
    runner = app.test_cli_runner()
    count, head = runner.invoke(args=["audit", "head"]).output.split()
    assert int(count) >= 1
    assert runner.invoke(args=["audit", "verify", "--expect", head]).exit_code == 0
    last = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last})
    db.session.commit()
    # The chain that is left is consistent, so only the recorded head shows the cut.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    cut = runner.invoke(args=["audit", "verify", "--expect", head])
    assert cut.exit_code == 1
    assert "recorded head" in cut.output


def test_truncating_the_audit_trail_is_refused_on_postgresql(app, world):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only (SQLite's DELETE fires the row trigger)")
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("TRUNCATE audit_events"))


def test_an_emptied_trail_fails_against_the_recorded_count(app, client, world):
    client.sign_in(world.officer.email)
    runner = app.test_cli_runner()
    recorded = runner.invoke(args=["audit", "head"]).output.strip()
    assert runner.invoke(args=["audit", "verify", "--expect", recorded]).exit_code == 0
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
    db.session.execute(text("DELETE FROM audit_events"))
    db.session.commit()
    # An empty chain is consistent in itself: only the recorded count shows the loss.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    emptied = runner.invoke(args=["audit", "verify", "--expect", recorded])
    assert emptied.exit_code == 1
    assert "remain" in emptied.output


def test_doctor_prints_each_check_and_fails_on_demo_accounts(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["doctor"])
    lines = first.output.splitlines()
    names = [line.split(":")[0] for line in lines]
    assert "PASS  database reachable" in names
    assert "PASS  schema up to date" in names
    assert "PASS  no demo accounts" in names
    assert "PASS  audit trail intact" in names
    # The test settings are not production settings: the doctor says so and exits 1.
    assert "FAIL  production settings" in names
    assert first.exit_code == 1
    runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["doctor"])
    assert "FAIL  no demo accounts: demo accounts exist: use a fresh database" in second.output


def test_db_upgrade_works_on_an_empty_database_in_production_mode(tmp_path):
    """The demo-account check must not run before the tables exist."""
    import os
    import subprocess
    import sys

    from portal.config import PROJECT_ROOT

    env = {**os.environ, "PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40,
           "PORTAL_DATABASE_URL": os.environ.get("PORTAL_TEST_DATABASE_URL", "")
           or "postgresql+psycopg://nobody@127.0.0.1:1/none",
           "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/15"}
    # Importing wsgi under a flask command must not touch the database.
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "--help"], cwd=PROJECT_ROOT,
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "doctor" in result.stdout


def test_db_upgrade_then_doctor_on_a_fresh_postgresql_database_in_production_mode():
    import os
    import subprocess
    import sys

    from sqlalchemy import make_url

    from portal.config import PROJECT_ROOT
    from portal.core.db import make_engine

    test_url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not test_url.startswith("postgresql"):
        pytest.skip("production runs on PostgreSQL; CI runs this in its PostgreSQL pass")
    name = f"portal_fresh_{os.getpid()}"
    admin = make_engine(test_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = make_url(test_url).set(database=name).render_as_string(hide_password=False)
        env = {**os.environ, "PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40,
               "PORTAL_DATABASE_URL": url, "PORTAL_MAIL_BACKEND": "smtp",
               "PORTAL_REDIS_URL": os.environ.get("PORTAL_TEST_REDIS_URL")
               or "redis://127.0.0.1:6379/15"}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        upgrade = subprocess.run([*flask, "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                                 capture_output=True, text=True, timeout=300, check=False)
        assert upgrade.returncode == 0, upgrade.stderr[-3000:]
        doctor = subprocess.run([*flask, "doctor"], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert "PASS  schema up to date" in doctor.stdout, doctor.stdout + doctor.stderr
        assert "PASS  no demo accounts" in doctor.stdout
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_storage_sweep_removes_only_old_unreferenced_files(app, world):
    storage = app.extensions["storage"]

    def stored(label: str, hours_ago: float):  # type: ignore[no-untyped-def]
        kept = storage.put(io.BytesIO(f"%PDF-{label}-{uuid.uuid4().hex}".encode()),
                           filename=f"{label}.pdf", accept=("pdf",), max_bytes=1024)
        then = time.time() - hours_ago * 3600
        os.utime(storage.path_for(kept.key), (then, then))
        return kept

    orphan = stored("orphan", 48)
    recent = stored("recent", 2)
    uploaded_again = stored("uploaded-again", 48)  # old object, but someone just uploaded it
    record_stored_file(db.session, uploaded_again, uploaded_by=world.enterprise_admin.id,
                       now=utcnow())
    db.session.commit()
    evidence = world.submitted.answers["evidence"]["sha256"]  # a self-check answer's file
    then = time.time() - 48 * 3600
    os.utime(storage.path_for(evidence), (then, then))
    killed_upload = storage.root / ".incoming-killed"  # left by a process killed mid-write
    killed_upload.write_bytes(b"%PDF-half")
    os.utime(killed_upload, (then, then))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["storage", "sweep"])
    assert first.exit_code == 0, first.output
    assert f"removed {orphan.key}" in first.output
    assert not storage.exists(orphan.key) and not killed_upload.exists()
    assert all(storage.exists(key) for key in (recent.key, uploaded_again.key, evidence))

    again = runner.invoke(args=["storage", "sweep"])
    assert again.exit_code == 0 and "Removed 0 unreferenced file(s)" in again.output

    refused = runner.invoke(args=["storage", "sweep", "--grace-hours", "0"])
    assert refused.exit_code != 0 and storage.exists(recent.key)

    shorter = runner.invoke(args=["storage", "sweep", "--grace-hours", "1"])
    assert shorter.exit_code == 0, shorter.output
    assert f"removed {recent.key}" in shorter.output and not storage.exists(recent.key)
    assert storage.exists(uploaded_again.key) and storage.exists(evidence)
