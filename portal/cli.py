"""The portal's ``flask`` commands: db, demo, users, audit, translate, guides, storage,
files, calendar, outbox, backup, credit."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from portal.accounts.demo import load_demo_data
from portal.accounts.models import Department, UserKind
from portal.accounts.services import AccountError, create_staff_user
from portal.cases.demo import load_demo_cases
from portal.config import load_config
from portal.core import i18n_tools, migrations, pagecache, personalcache
from portal.core.audit import chain_head, contains_head, verify_chain
from portal.core.backup import BackupError, create_backup, restore_backup
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.deadlines import (
    CalendarInvalid,
    WorkingCalendar,
    add_working_days,
    calendar_dir,
    load_calendar,
)
from portal.core.outbox import OutboxStatus, deliver_due, outbox_summary, purge_sent
from portal.core.security import PasswordProblem, password_problems
from portal.core.storage import (
    EVIDENCE_KINDS,
    LocalStorage,
    UploadRefused,
    accept_upload,
    evidence_case_max_bytes,
    evidence_max_bytes,
    get_storage,
    refusal_message,
    sweep_unreferenced,
)
from portal.credit.cli import credit_cli
from portal.credit.demo import load_demo_credit
from portal.credit.rules import CreditRules
from portal.doctor import run_checks
from portal.exemptions.demo import load_demo_decisions
from portal.extensions import db
from portal.guides.content import ContentInvalid, check_content, format_errors, load_content
from portal.guides.services import sync_from_directory

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Government staff accounts.")
audit_cli = AppGroup("audit", help="The audit trail.")
translate_cli = AppGroup("translate", help="Interface translations (Babel).")
guides_cli = AppGroup("guides", help="Compliance guides and exemption lists (content).")
storage_cli = AppGroup("storage", help="Stored upload files.")
files_cli = AppGroup("files", help="Files as the portal's uploads are checked.")
calendar_cli = AppGroup("calendar", help="Working days: official holiday schedules.")
outbox_cli = AppGroup("outbox", help="Queued email: send what is due, show the queue.")
backup_cli = AppGroup("backup", help="The database and stored files in one verified archive.")
cache_cli = AppGroup("cache", help="Kept pages (public and signed-in).")

#: The content folder: PORTAL_CONTENT_DIR, by default compliance_guides/.
CONTENT_ROOT = Path(load_config()["CONTENT_DIR"])


@guides_cli.command("check")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=CONTENT_ROOT, show_default=True)
def guides_check(root: Path) -> None:
    """Validate every content file; print every error and exit 1 if there is any."""
    errors = check_content(root)
    if errors:
        click.echo(format_errors(errors), err=True)
        sys.exit(1)
    content = load_content(root)
    click.echo(f"Content is valid: {len(content.guides)} guides, "
               f"{len(content.obligations)} obligations, "
               f"{len(content.exemption_entries)} exemption entries.")


@guides_cli.command("sync")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=CONTENT_ROOT, show_default=True)
def guides_sync(root: Path) -> None:
    """Load the content into the database in one transaction (idempotent)."""
    try:
        report = sync_from_directory(db.session, root, now=utcnow())
    except ContentInvalid as invalid:
        db.session.rollback()
        click.echo(format_errors(invalid.errors), err=True)
        click.echo("Nothing was changed.", err=True)
        sys.exit(1)
    db.session.commit()
    pagecache.invalidate(current_app)
    click.echo(report.describe() if report.changed_anything else
               "Content already up to date; nothing changed.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrations.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database upgraded to {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrations.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database downgraded to {revision}.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def db_revision(message: str) -> None:
    """Autogenerate a revision from the models (read and fix it before committing)."""
    migrations.revision(current_app.config["DATABASE_URL"], message)


@db_cli.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    migrations.current(current_app.config["DATABASE_URL"])


@demo_cli.command("load")
def demo_load() -> None:
    """Create demonstration enterprises, accounts, cases and exemption decisions (idempotent;
    never in production)."""
    if current_app.config["ENV"] == "production":
        click.echo("Refused: demo data is never loaded when PORTAL_ENV=production.", err=True)
        sys.exit(2)
    accounts = load_demo_data(db.session, password=current_app.config["DEMO_PASSWORD"],
                              now=utcnow())
    cases = load_demo_cases(db.session, get_storage(), today=local_today(), now=utcnow(),
                            review_working_days=current_app.config["CASE_REVIEW_WORKING_DAYS"],
                            max_case_bytes=evidence_case_max_bytes())
    credit = load_demo_credit(db.session, get_storage(), today=local_today(), now=utcnow(),
                              credit_rules=CreditRules.from_config(current_app.config),
                              review_working_days=current_app.config[
                                  "CREDIT_REVIEW_WORKING_DAYS"])
    db.session.commit()
    decisions = load_demo_decisions(
        db.session, get_storage(), today=local_today(), now=utcnow(),
        review_working_days=current_app.config["EXEMPTION_REVIEW_WORKING_DAYS"],
        defence_working_days=current_app.config["EXEMPTION_DEFENCE_WORKING_DAYS"],
        disclosure_delay_working_days=current_app.config["DISCLOSURE_DELAY_WORKING_DAYS"])
    db.session.commit()
    click.echo(f"Demo rectification cases added: {cases}.")
    click.echo(f"Demo credit records added: {credit}.")
    click.echo(f"Demo exemption applications added: {decisions} (numbered decisions are "
               "published at /decisions; run `flask guides sync` first).")
    click.echo("Demo accounts (password for all: "
               f"{current_app.config['DEMO_PASSWORD']}):")
    for label, email in accounts:
        click.echo(f"  {label:<38} {email}")


@users_cli.command("create-officer")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--department", "department_code", help="Department code (officers, reviewers).")
@click.option("--kind", type=click.Choice([k.value for k in UserKind
                                          if k != UserKind.ENTERPRISE]),
              default=UserKind.OFFICER.value, show_default=True)
@click.password_option(help="Initial password (prompted if not given).")
def create_officer(email: str, display_name: str, department_code: str | None, kind: str,
                   password: str) -> None:
    """Create an officer, legal-reviewer or administrator account."""
    problems = password_problems(password, min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                                 identities=(email,))
    if problems:
        click.echo("Refused: weak password (" + ", ".join(PasswordProblem(p).value
                                                          for p in problems) + ").", err=True)
        sys.exit(2)
    department = None
    if department_code:
        department = db.session.scalar(select(Department).where(
            Department.code == department_code))
        if department is None:
            click.echo(f"Refused: no department with code {department_code!r}.", err=True)
            sys.exit(2)
    try:
        user = create_staff_user(db.session, kind=UserKind(kind), email=email,
                                 display_name=display_name, password=password,
                                 department=department, created_by=None, now=utcnow())
    except AccountError as error:
        db.session.rollback()
        click.echo(f"Refused: {error.message}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"Created {kind} account #{user.id} for {user.email}.")


@audit_cli.command("verify")
@click.option("--expect", "expected_head", metavar="[COUNT] HASH",
              help="What `flask audit head` printed earlier; fail if those events are gone.")
def audit_verify(expected_head: str | None) -> None:
    """Check the hash chain of the audit trail; exit 1 at the first broken link."""
    checked, broken = verify_chain(db.session)
    if broken is not None:
        click.echo(f"BROKEN at audit event #{broken.event_id}: {broken.reason} "
                   f"({checked} events before it are intact).", err=True)
        sys.exit(1)
    if expected_head:
        expected_count, head_hash = _parse_recorded_head(expected_head)
        if expected_count is not None and checked < expected_count:
            click.echo(f"BROKEN: {expected_count} events were recorded, {checked} remain "
                       "(events were removed or the table was emptied).", err=True)
            sys.exit(1)
        if not contains_head(db.session, head_hash):
            click.echo("BROKEN: the recorded head is no longer in the chain (events at the "
                       "end were removed or the chain was rebuilt).", err=True)
            sys.exit(1)
    click.echo(f"Audit trail intact: {checked} events verified.")


def _parse_recorded_head(recorded: str) -> tuple[int | None, str]:
    """Split ``audit head`` output ("COUNT HASH") or a bare hash."""
    parts = recorded.split()
    if len(parts) == 2 and parts[0].isascii() and parts[0].isdigit():
        return int(parts[0]), parts[1]
    if len(parts) == 1:
        return None, parts[0]
    raise click.BadParameter("give the hash, or the count and hash that `audit head` printed",
                             param_hint="--expect")


@audit_cli.command("head")
def audit_head() -> None:
    """Print the event count and newest hash, to record outside the database."""
    count, head = chain_head(db.session)
    click.echo(f"{count} {head}")


@storage_cli.command("sweep")
@click.option("--grace-hours", type=click.IntRange(min=1), default=None,
              help="Spare files stored less than this many hours ago "
                   "(default: PORTAL_STORAGE_SWEEP_GRACE_HOURS).")
def storage_sweep(grace_hours: int | None) -> None:
    """Remove stored files that no row references and that are older than the grace period."""
    hours = grace_hours or current_app.config["STORAGE_SWEEP_GRACE_HOURS"]
    removed = sweep_unreferenced(db.session, get_storage(), now=utcnow(),
                                 grace=dt.timedelta(hours=hours))
    db.session.commit()
    for key in removed:
        click.echo(f"removed {key}")
    click.echo(f"Removed {len(removed)} unreferenced file(s) older than {hours} hours.")


@files_cli.command("check")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def files_check(paths: tuple[Path, ...]) -> None:
    """Say whether each file would be accepted as evidence; exit 1 if any is refused.

    The same check as uploads (``accept_upload``), with the evidence kinds and
    PORTAL_EVIDENCE_MAX_FILE_MB.
    """
    max_bytes = evidence_max_bytes()
    refused_any = False
    for path in paths:
        with path.open("rb") as stream:
            try:
                checked = accept_upload(stream, path.name, kinds=EVIDENCE_KINDS,
                                        max_bytes=max_bytes).checked
            except UploadRefused as refused:
                refused_any = True
                with force_locale("en"):
                    why = refusal_message(refused.reason, kinds=EVIDENCE_KINDS,
                                          max_bytes=max_bytes)
                click.echo(f"REFUSED   {path}: {refused.reason}: {why}")
                continue
        click.echo(f"ACCEPTED  {path}: {checked.content_type}, {checked.size} bytes, "
                   f"sha256 {checked.sha256}")
    if refused_any:
        sys.exit(1)


@translate_cli.command("extract")
def translate_extract() -> None:
    """Extract messages from code and templates into translations/messages.pot."""
    i18n_tools.extract()


@translate_cli.command("update")
def translate_update() -> None:
    """Merge the template into every catalogue; fill en and seed zh_Hant."""
    i18n_tools.update()


@translate_cli.command("compile")
def translate_compile() -> None:
    """Compile the catalogues to .mo files."""
    i18n_tools.compile_catalogues()


def _calendar_or_exit() -> tuple[Path, WorkingCalendar]:
    folder = calendar_dir()
    try:
        return folder, load_calendar(folder)
    except CalendarInvalid as invalid:
        click.echo("\n".join(invalid.errors), err=True)
        click.echo(f"{len(invalid.errors)} error(s) in the calendar overrides {folder}",
                   err=True)
        sys.exit(1)


@calendar_cli.command("due")
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=click.IntRange(min=0))
@with_appcontext
def calendar_due(start: dt.datetime, days: int) -> None:
    """Print the date DAYS working days after START (ISO); warn on stderr if estimated."""
    _, calendar = _calendar_or_exit()
    deadline = add_working_days(start.date(), days, calendar=calendar)
    click.echo(deadline.date.isoformat())
    if deadline.estimated:
        years = [str(year) for year in range(start.year, deadline.date.year + 1)
                 if calendar.source_of(year) is None]
        click.echo(f"warning: estimated: no official holiday schedule for {', '.join(years)}; "
                   "weekends and the statutory holidays were skipped, but 补休 and 调休 of "
                   "the State Council's notice are not known yet", err=True)


@calendar_cli.command("check")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check as on this date (default: today in the portal's time zone).")
@with_appcontext
def calendar_check(today: dt.datetime | None) -> None:
    """Validate the overrides and report the first year without an official schedule.

    Exits 1 when the overrides are invalid, when this year has no official schedule, or
    when next year has none and it is December already (the State Council usually
    publishes it in November: enter it in the overrides folder).
    """
    folder, calendar = _calendar_or_exit()
    day = today.date() if today else local_today()
    for year in range(day.year, day.year + 2):
        source = calendar.source_of(year)
        click.echo(f"{year}: {source or 'no official schedule (estimated)'}")
    missing = calendar.first_year_without_data(day.year)
    click.echo(f"First year without an official schedule: {missing}")
    late = missing == day.year or (missing == day.year + 1 and day.month == 12)
    if late:
        click.echo(f"error: enter the State Council's holiday notice for {missing} in "
                   f"{folder / f'{missing}.yaml'}; deadlines reaching {missing} are estimated",
                   err=True)
        sys.exit(1)


@outbox_cli.command("run")
@click.option("--watch", is_flag=True,
              help="Keep running: send what is due, sleep, repeat (for a worker process).")
@click.option("--interval", type=click.IntRange(min=1), default=None,
              help="Seconds to sleep between passes with --watch "
                   "(default: PORTAL_OUTBOX_POLL_SECONDS).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Most messages per pass (default: PORTAL_OUTBOX_BATCH_SIZE).")
def outbox_run(watch: bool, interval: int | None, limit: int | None) -> None:
    """Send the queued email that is due, once (or repeatedly with --watch)."""
    config = current_app.config
    interval = interval or config["OUTBOX_POLL_SECONDS"]
    limit = limit or config["OUTBOX_BATCH_SIZE"]
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    if watch:
        # systemd and docker stop with SIGTERM: finish the message being sent, then leave.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    while True:
        try:
            report = deliver_due(db.session, now=utcnow(), limit=limit,
                                 should_stop=lambda: stopping)
        except Exception:
            if not watch:
                raise
            db.session.rollback()
            current_app.logger.exception("outbox pass failed; trying again later")
            report = None
        finally:
            db.registry.remove()
        if report is not None and (report.attempted or not watch):
            click.echo(f"outbox: {report.sent} sent, {report.retried} to retry, "
                       f"{report.failed} failed.")
        if not watch:
            if report is not None and report.failed:
                sys.exit(1)
            return
        busy = report is not None and report.attempted >= limit
        deadline = time.monotonic() + (0 if busy else interval)
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0)))
        if stopping:
            return


@outbox_cli.command("status")
def outbox_status() -> None:
    """Print how many messages are pending, sent and failed, and the oldest pending age."""
    summary = outbox_summary(db.session, now=utcnow())
    for status in OutboxStatus:
        click.echo(f"{status.value}: {summary.counts[status]}")
    age = summary.oldest_pending_age
    if age is None:
        click.echo("oldest pending: none")
    else:
        minutes = int(age.total_seconds() // 60)
        click.echo(f"oldest pending: {minutes} min ({age.total_seconds():.0f} s)")


@outbox_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True,
              help="Keep messages sent in the last DAYS days.")
def outbox_purge(days: int) -> None:
    """Delete sent messages older than DAYS days (pending and failed ones stay)."""
    removed = purge_sent(db.session, before=utcnow() - dt.timedelta(days=days))
    db.session.commit()
    click.echo(f"Deleted {removed} message(s) sent more than {days} days ago.")


def _local_storage() -> LocalStorage:
    """Return the local file storage; exit 1 when files are kept in a bucket."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        click.echo("Refused: stored files are in an S3 bucket, which these archives do not "
                   "hold; back the bucket up with its own versioning or replication.",
                   err=True)
        sys.exit(1)
    return storage


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(path: Path) -> None:
    """Write the database and every stored file to a new tar.gz archive at PATH."""
    try:
        manifest = create_backup(current_app.config["DATABASE_URL"], _local_storage(), path,
                                 now=utcnow())
    except BackupError as error:
        click.echo(f"Refused: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {path}: {manifest.dialect} database at revision "
               f"{manifest.revision}, {len(manifest.files)} stored file(s), "
               f"{manifest.audit_events} audit event(s).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "overwrite", is_flag=True,
              help="Replace a database that holds data with the archive's.")
def backup_restore(path: Path, overwrite: bool) -> None:
    """Restore the database and stored files from the archive at PATH, then verify them.

    Stop every instance first. The archive must verify against its manifest and be at
    the code's migration head; a database holding data is replaced only with --yes.
    """
    try:
        report = restore_backup(current_app.config["DATABASE_URL"], _local_storage(), path,
                                overwrite=overwrite)
    except BackupError as error:
        click.echo(f"Refused: {error}", err=True)
        sys.exit(1)
    pagecache.invalidate(current_app)
    personalcache.clear(current_app)
    manifest = report.manifest
    click.echo(f"Restored {path} (made {manifest.created_at.isoformat()}): "
               f"{manifest.dialect} database at revision {manifest.revision}; "
               f"{report.files_written} file(s) written, {report.files_present} already "
               f"present, all {len(manifest.files)} verified; audit trail intact: "
               f"{report.audit_events} events.")


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Print every production check with pass or fail; exit 1 if any fails."""
    results = run_checks(current_app._get_current_object())  # type: ignore[attr-defined]
    for result in results:
        click.echo(f"{'PASS' if result.passed else 'FAIL'}  {result.name}: {result.detail}")
    if not all(result.passed for result in results):
        sys.exit(1)


@cache_cli.command("clear")
@with_appcontext
def cache_clear() -> None:
    """Forget every kept page, after a change made outside the portal (psql, a script)."""
    pagecache.invalidate(current_app)
    personalcache.clear(current_app)
    click.echo("Every kept page is forgotten.")


def register(app: Flask) -> None:
    """Add the command groups to ``app``."""
    app.cli.add_command(doctor)
    for group in (db_cli, demo_cli, users_cli, audit_cli, translate_cli, guides_cli,
                  storage_cli, files_cli, calendar_cli, outbox_cli, backup_cli, credit_cli,
                  cache_cli):
        app.cli.add_command(group)
