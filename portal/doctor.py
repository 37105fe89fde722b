"""``flask doctor``: every check a production start needs, each with pass or fail.

Run it after ``flask db upgrade`` on each instance before it serves; it
exits 1 if any check fails.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from redis import Redis
from sqlalchemy import text

from portal.accounts.services import demo_accounts_present
from portal.config import PROJECT_ROOT, production_problems
from portal.core import migrations
from portal.core.audit import verify_chain
from portal.core.clock import local_today
from portal.core.deadlines import CalendarInvalid, load_calendar
from portal.core.i18n import LOCALES
from portal.core.storage import get_storage
from portal.extensions import db


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    passed: bool
    detail: str


def _configuration(app: Flask) -> CheckResult:
    problems = production_problems(app.config)
    return CheckResult("production settings", not problems,
                       "; ".join(problems) or f"PORTAL_ENV={app.config['ENV']}")


def _database(app: Flask) -> CheckResult:
    db.session.execute(text("SELECT 1"))
    assert db.engine is not None  # the factory bound it
    return CheckResult("database reachable", True, db.engine.url.render_as_string())


def _migrations(app: Flask) -> CheckResult:
    applied, heads = migrations.pending(app.config["DATABASE_URL"], db.session.connection())
    if applied == heads:
        return CheckResult("schema up to date", True, ", ".join(sorted(heads)))
    return CheckResult("schema up to date", False,
                       f"database at {sorted(applied) or 'nothing'}, code at {sorted(heads)}: "
                       "run flask --app wsgi db upgrade")


def _demo_accounts(app: Flask) -> CheckResult:
    present = demo_accounts_present(db.session)
    return CheckResult("no demo accounts", not present,
                       "demo accounts exist: use a fresh database" if present else "none")


def _redis(app: Flask) -> CheckResult:
    url = app.config["REDIS_URL"]
    if not url:
        return CheckResult("redis reachable", False, "PORTAL_REDIS_URL is not set")
    Redis.from_url(url, socket_timeout=2).ping()
    return CheckResult("redis reachable", True, url.split("@")[-1])


def _upload_dir(app: Flask) -> CheckResult:
    if app.config["STORAGE_BACKEND"] == "s3":
        # One listing request proves the bucket exists and the credentials may read it.
        next(iter(get_storage().list_objects()), None)
        return CheckResult("file storage reachable", True, f"s3://{app.config['S3_BUCKET']}")
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder):
        pass
    return CheckResult("file storage reachable", True, f"{folder} (writable)")


def _translations(app: Flask) -> CheckResult:
    missing = [locale for locale in LOCALES if not (
        PROJECT_ROOT / "translations" / locale / "LC_MESSAGES" / "messages.mo").exists()]
    return CheckResult("translations compiled", not missing,
                       f"missing for {', '.join(missing)}: run flask --app wsgi translate "
                       "compile" if missing else ", ".join(LOCALES))


def _audit(app: Flask) -> CheckResult:
    checked, broken = verify_chain(db.session)
    if broken is not None:
        return CheckResult("audit trail intact", False,
                           f"broken at event #{broken.event_id}: {broken.reason}")
    return CheckResult("audit trail intact", True, f"{checked} events")


def _calendar(app: Flask) -> CheckResult:
    folder = Path(app.config["CALENDAR_DIR"])
    try:
        calendar = load_calendar(folder)
    except CalendarInvalid as invalid:
        return CheckResult("calendar overrides valid", False,
                           f"{len(invalid.errors)} error(s): run flask --app wsgi calendar "
                           f"check; first: {invalid.errors[0]}")
    missing = calendar.first_year_without_data(local_today().year)
    return CheckResult("calendar overrides valid", True,
                       f"{folder}: {len(calendar.overrides)} year(s); deadlines reaching "
                       f"{missing} are estimated until its notice is entered")


CHECKS: tuple[Callable[[Flask], CheckResult], ...] = (
    _configuration, _database, _migrations, _demo_accounts, _redis, _upload_dir,
    _translations, _audit, _calendar)

_NAMES: dict[Callable[[Flask], CheckResult], str] = {
          _configuration: "production settings", _database: "database reachable",
          _migrations: "schema up to date", _demo_accounts: "no demo accounts",
          _redis: "redis reachable", _upload_dir: "file storage reachable",
          _translations: "translations compiled", _audit: "audit trail intact",
          _calendar: "calendar overrides valid"}

#: Checks that read tables: skipped while the schema is missing or behind.
_NEED_SCHEMA = {_demo_accounts, _audit}


def run_checks(app: Flask) -> list[CheckResult]:
    """Run every check; a check that raises is a failure, not a crash."""
    results: list[CheckResult] = []
    schema_ready = True
    for check in CHECKS:
        name = _NAMES[check]
        if check in _NEED_SCHEMA and not schema_ready:
            results.append(CheckResult(name, False, "skipped: the schema is not up to date"))
            continue
        try:
            result = check(app)
        except Exception as error:  # every failure is reported; none stops the others
            db.session.rollback()
            result = CheckResult(name, False, f"{type(error).__name__}: {error}")
        if check in (_database, _migrations) and not result.passed:
            schema_ready = False
        results.append(result)
    return results
