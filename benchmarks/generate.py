"""Load realistic volumes of data for load tests, by bulk loading (COPY on PostgreSQL).

    python -m benchmarks.generate --preset medium --database-url postgresql+psycopg://…/portal_bench

Presets (entries, enterprises, submitted self-checks):

* ``small``  —   500 /     200 /       500 (SQLite is fine; seconds)
* ``medium`` — 5,000 /   2,000 /     5,000 (the issue's table)
* ``large``  — 5,000 / 100,000 / 1,000,000 (PostgreSQL; bulk COPY, minutes)

The database is emptied and migrated, the real compliance content is synced, the demo
departments and accounts are created and then moved off the demo e-mail domain (so that
the production configuration agrees to serve them: the load harness signs in with
them). Everything else is generated with a fixed seed, so two runs load the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text, update

from benchmarks.datagen import ACTS, CONTEXTS, DEPARTMENTS, ENGLISH, LAWS, SUBJECTS
from portal import create_app
from portal.accounts.demo import load_demo_data
from portal.accounts.models import Enterprise, Membership, User
from portal.accounts.services import DEMO_EMAIL_DOMAIN
from portal.core import migrations
from portal.core.db import Base, make_engine
from portal.extensions import db
from portal.guides.content import LIST_TYPES, to_zh_hant
from portal.guides.models import ObligationRecord, QuestionnaireVersion
from portal.guides.queries import current_guides
from portal.guides.services import normalise_for_search, sync_from_directory

ROOT = Path(__file__).resolve().parent.parent
#: Where the benchmark accounts live once moved off the demo domain.
BENCH_EMAIL_DOMAIN = "bench.example"
BENCH_PASSWORD = "Nansha-Bench-2026"
SEED = 4401
TOWN_KEYS = ("nansha", "zhujiang", "longxue", "wanqingsha", "hengli", "dagang", "huangge",
             "dongchong", "lanhe", "nanshajie")
BANDS = ("low", "medium", "high")
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Preset:
    """How many rows of each kind to generate."""

    entries: int
    enterprises: int
    self_checks: int


PRESETS = {
    "small": Preset(entries=500, enterprises=200, self_checks=500),
    "medium": Preset(entries=5_000, enterprises=2_000, self_checks=5_000),
    "large": Preset(entries=5_000, enterprises=100_000, self_checks=1_000_000),
}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def bulk_load(engine: Engine, table: Table, columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` into ``table``: COPY on PostgreSQL, batched INSERTs elsewhere."""
    count = 0
    if engine.dialect.name == "postgresql":
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        positions = [i for i, name in enumerate(columns) if name in json_columns]
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    values = list(row)
                    for i in positions:
                        values[i] = json.dumps(values[i], ensure_ascii=False)
                    copy.write_row(values)
                    count += 1
            if "id" in columns:
                sequence = (f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                            f"(SELECT max(id) FROM {table.name}))")
                cursor.execute(sequence)
            raw.commit()
        finally:
            raw.close()
        return count
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            count += 1
            if len(batch) >= 5_000:
                connection.execute(insert(table), batch)
                batch = []
        if batch:
            connection.execute(insert(table), batch)
    return count


def _next_id(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def entry_rows(count: int, first_id: int, now: dt.datetime, rng: random.Random,
               industries: Sequence[str]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Return rows of exemption_entries, exemption_entry_versions and their industries."""
    records, versions, links = [], [], []
    for n in range(count):
        entry_id = first_id + n
        violation_zh = f"{rng.choice(SUBJECTS)}{rng.choice(ACTS)}"
        violation_en = f"{rng.choice(ENGLISH).capitalize()} ({n})"
        conditions = rng.sample(CONTEXTS, 3)
        law = rng.choice(LAWS)
        list_type = LIST_TYPES[n % len(LIST_TYPES)]
        industry = industries[n % len(industries)]
        key = f"bench-{entry_id:06d}"
        item_code = f"4401{entry_id:08d}"
        data = {
            "key": key, "industry": industry, "list_type": list_type, "item_code": item_code,
            "violation": {"zh_Hans": violation_zh, "en": violation_en},
            "rule_breached": [{"law": "x", "law_name": {"zh_Hans": law}, "article": None,
                               "note": None}],
            "legal_ground": [], "conditions": [{"type": "no_harm"}],
            "conditions_text": {"zh_Hans": "；".join(conditions)},
            "follow_up_measures": ["education"], "exempt_again": False, "obligations": ["x"],
            "effective_from": "2024-01-01", "effective_until": None,
        }
        title = normalise_for_search(f"{violation_zh} {violation_en} {to_zh_hant(violation_zh)}")
        records.append((entry_id, key))
        versions.append((
            entry_id, entry_id, 1, True, f"{n:064d}", item_code, list_type,
            rng.choice(DEPARTMENTS), industry, False, dt.date(2024, 1, 1), title,
            normalise_for_search(f"{key} {item_code} {title} {' '.join(conditions)} {law}"),
            data, now))
        links.append((entry_id, industry))
    return records, versions, links


def _uscc(n: int) -> str:
    return f"91440115GN{n:08d}"  # not a real code: no check digit


def enterprise_rows(count: int, first_id: int, now: dt.datetime, rng: random.Random,
                    divisions: Sequence[str]) -> Iterator[tuple]:
    """Yield rows of generated enterprises."""
    for n in range(count):
        number = first_id + n
        yield (number, _uscc(number), f"广州南沙测试企业{number:06d}有限公司",
               rng.choice(divisions), rng.choice(TOWN_KEYS), f"南沙区测试路{number}号", "张测试",
               f"138{number:08d}",
               f"contact{number}@{BENCH_EMAIL_DOMAIN}", now, 1)


@dataclass(frozen=True)
class Scope:
    """What a generated self-check of one industry refers to."""

    industry: str
    questionnaire_id: int
    departments: tuple[tuple[str, bool], ...]
    obligations: tuple[str, ...]


def self_check_rows(count: int, first_id: int, enterprise_ids: Sequence[int], user_id: int,
                    scopes: Sequence[Scope], now: dt.datetime, rng: random.Random,
                    departments_out: list[tuple], findings_out: list[tuple] | None,
                    first_finding_id: int = 1) -> Iterator[tuple]:
    """Yield submitted self-checks; collect their department and finding rows."""
    finding_id = first_finding_id
    for n in range(count):
        check_id = first_id + n
        scope = scopes[n % len(scopes)]
        submitted = now - dt.timedelta(minutes=7 * n + rng.randint(0, 6))
        score = rng.randint(40, 100)
        band = BANDS[0] if score >= 85 else BANDS[1] if score >= 65 else BANDS[2]
        for code, lead in scope.departments:
            departments_out.append((check_id, code, lead))
        if findings_out is not None and scope.obligations:
            for _ in range(rng.randint(0, 3)):
                findings_out.append((
                    finding_id, check_id, rng.choice(scope.obligations), "q1",
                    rng.choice(SEVERITIES), {"zh_Hans": "整改"}, [], 5,
                    (submitted + dt.timedelta(days=10)).date(), False, "open", submitted))
                finding_id += 1
        yield (check_id, rng.choice(enterprise_ids), scope.questionnaire_id, scope.industry,
               "submitted", {}, [], user_id, f"ZC{submitted.year}{check_id:09d}", submitted,
               user_id, "张测试", "法定代表人", "承诺", score, band,
               {"findings": [], "band": band}, submitted, submitted, 1)


def _scopes(session: Any) -> list[Scope]:
    scopes = []
    obligations: dict[str, list[str]] = {}
    for record in session.scalars(select(ObligationRecord)):
        obligations.setdefault(record.industry, []).append(record.code)
    questionnaires = {q.industry: q.id for q in session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.is_current.is_(True)))}
    for guide in current_guides(session):
        slug = guide.guide.slug
        if slug not in questionnaires:
            continue
        departments = ((guide.lead_department, True), *(
            (code, False) for code in guide.other_departments if code != guide.lead_department))
        scopes.append(Scope(slug, questionnaires[slug], departments,
                            tuple(obligations.get(slug, ()))))
    return scopes


def generate(url: str, preset: Preset, *, content_root: Path = ROOT / "compliance_guides",
             log: Any = print) -> dict[str, float]:
    """Empty the database at ``url``, migrate it and load ``preset``; return timings."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        timings[name] = round(time.perf_counter() - started, 2)
        log(f"  {name}: {timings[name]} s")
        started = time.perf_counter()

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(url)
    lap("migrate")
    app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                      "SECRET_KEY": "benchmark-secret-key-not-for-production",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8192})
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(SEED)
    with app.app_context():
        session = db.session
        sync_from_directory(session, content_root, now=now)
        load_demo_data(session, password=BENCH_PASSWORD, now=now)
        session.execute(update(User).where(User.email.like(f"%@{DEMO_EMAIL_DOMAIN}")).values(
            email=func.replace(User.email, DEMO_EMAIL_DOMAIN, BENCH_EMAIL_DOMAIN)))
        session.commit()
        lap("content and accounts")
        scopes = _scopes(session)
        industries = [guide.guide.slug for guide in current_guides(session)]
        divisions = sorted({d for guide in current_guides(session) for d in guide.divisions})
        owner = session.scalar(select(Membership.user_id).order_by(Membership.id))
        first_enterprise = session.scalar(select(func.min(Enterprise.id)))
        session.remove()
    records, versions, links = entry_rows(
        preset.entries, _next_id(engine, _table("exemption_entries")), now, rng, industries)
    bulk_load(engine, _table("exemption_entries"), ("id", "key"), records)
    bulk_load(engine, _table("exemption_entry_versions"), (
        "id", "entry_id", "version_no", "is_current", "digest", "item_code", "list_type",
        "department", "industry", "illustrative", "effective_from", "title_search",
        "search_text", "data", "created_at"), versions)
    bulk_load(engine, _table("exemption_entry_industries"), ("version_id", "industry"), links)
    lap(f"{preset.entries} entries")
    first = _next_id(engine, _table("enterprises"))
    bulk_load(engine, _table("enterprises"), (
        "id", "uscc", "name", "industry_code", "town", "address", "legal_representative",
        "contact_mobile", "contact_email", "created_at", "version"),
        enterprise_rows(preset.enterprises, first, now, rng, divisions or ["62"]))
    lap(f"{preset.enterprises} enterprises")
    enterprise_ids = [first_enterprise or first, *range(first, first + preset.enterprises)]
    departments: list[tuple] = []
    findings: list[tuple] = []
    bulk_load(engine, _table("self_checks"), (
        "id", "enterprise_id", "questionnaire_version_id", "industry", "status", "answers",
        "visited_sections", "started_by_id", "reference", "submitted_at", "submitted_by_id",
        "signer_name", "signer_role", "commitment_text", "score", "band", "result",
        "created_at", "updated_at", "version"),
        self_check_rows(preset.self_checks, _next_id(engine, _table("self_checks")),
                        enterprise_ids, owner, scopes, now, rng, departments, findings,
                        _next_id(engine, _table("findings"))))
    bulk_load(engine, _table("self_check_departments"),
              ("self_check_id", "department_code", "lead"), departments)
    bulk_load(engine, _table("findings"), (
        "id", "self_check_id", "obligation_code", "question_id", "severity", "action",
        "exemptions", "correction_working_days", "deadline", "deadline_estimated", "status",
        "created_at"), findings)
    lap(f"{preset.self_checks} self-checks, {len(findings)} findings")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        lap("vacuum analyze")
    engine.dispose()
    return timings


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and load the chosen preset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="medium")
    parser.add_argument("--database-url", required=True,
                        help="SQLAlchemy URL of a database that may be emptied")
    args = parser.parse_args(argv)
    print(f"Generating preset {args.preset} into {args.database_url.rsplit('@', 1)[-1]}")
    start = time.perf_counter()
    generate(args.database_url, PRESETS[args.preset])
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
