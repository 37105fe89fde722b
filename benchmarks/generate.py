"""Load realistic volumes of data for load tests, by bulk loading (COPY on PostgreSQL).

    python -m benchmarks.generate --preset medium --database-url postgresql+psycopg://…/portal_bench

Presets (entries, enterprises, submitted self-checks, rectification cases, credit
records, exemption applications):

* ``small``  —   500 /     200 /       500 /       500 /     400 /   100 (SQLite; seconds)
* ``medium`` — 5,000 /   2,000 /     5,000 /     5,000 /   4,000 /   500 (the issue's table)
* ``large``  — 5,000 / 100,000 / 1,000,000 / 1,000,000 / 200,000 / 3,000 (PostgreSQL, COPY)

The database is emptied and migrated, the real compliance content is synced, the demo
departments, accounts, cases, credit records and decisions are created (with their
stored files) and the accounts then moved off the demo e-mail domain (so that the
production configuration agrees to serve them: the load harness signs in with them).
Everything else is generated with a fixed seed, so two runs load the same rows: every
case but an open one has a report and an evidence row pointing at the demo's stored
file, and its audit events continue the hash chain (``flask audit verify`` passes);
applications and their published grants are copies of a demo grant; a few of each belong
to the bench accounts' enterprise (the demo caterer) and department (market regulation),
which also gets draft self-checks for the load harness to save pages of.
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
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text, update

from benchmarks.casework import (
    AUDIT_COLUMNS,
    CASE_COLUMNS,
    CREDIT_COLUMNS,
    EVIDENCE_COLUMNS,
    SUBMISSION_COLUMNS,
    Actors,
    AuditChain,
    DecisionTemplate,
    Evidence,
    case_batches,
    credit_rows,
    decision_rows,
)
from benchmarks.datagen import ACTS, CONTEXTS, DEPARTMENTS, ENGLISH, LAWS, SUBJECTS
from portal import create_app
from portal.accounts.demo import load_demo_data
from portal.accounts.models import Enterprise, Membership, User
from portal.accounts.services import DEMO_EMAIL_DOMAIN
from portal.cases.demo import load_demo_cases
from portal.cases.models import EvidenceFile
from portal.core import migrations
from portal.core.audit import AuditEvent
from portal.core.clock import local_today
from portal.core.db import Base, make_engine
from portal.core.identifiers import make_uscc
from portal.core.storage import evidence_case_max_bytes, get_storage
from portal.credit.demo import load_demo_credit
from portal.credit.rules import CreditRules
from portal.exemptions.demo import load_demo_decisions
from portal.exemptions.models import Decision, DecisionKind, DisclosureStatus
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
    cases: int
    credit_records: int
    applications: int


PRESETS = {
    "small": Preset(entries=500, enterprises=200, self_checks=500, cases=500,
                    credit_records=400, applications=100),
    "medium": Preset(entries=5_000, enterprises=2_000, self_checks=5_000, cases=5_000,
                     credit_records=4_000, applications=500),
    "large": Preset(entries=5_000, enterprises=100_000, self_checks=1_000_000,
                    cases=1_000_000, credit_records=200_000, applications=3_000),
}
#: Cases, credit records and applications of the bench enterprise (its pages have rows).
OWN_ROWS = 20
#: Draft self-checks of the bench enterprise, saved in turn by the load harness.
DRAFTS = 64
#: Share of generated applications still waiting for the officer (the queue's rows).
OPEN_APPLICATIONS = 0.1


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
    """Return a valid USCC (check characters included: ``/credit/public/<uscc>`` checks)."""
    return make_uscc("91440115", f"GN{n:06d}")


def _enterprise_name(n: int) -> str:
    return f"广州南沙测试企业{n:06d}有限公司"


def enterprise_rows(count: int, first_id: int, now: dt.datetime, rng: random.Random,
                    divisions: Sequence[str]) -> Iterator[tuple]:
    """Yield rows of generated enterprises."""
    for n in range(count):
        number = first_id + n
        yield (number, _uscc(number), _enterprise_name(number),
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


def draft_rows(count: int, first_id: int, enterprise_id: int, user_id: int, scope: Scope,
               now: dt.datetime) -> Iterator[tuple]:
    """Yield empty draft self-checks (the load harness saves their pages)."""
    for n in range(count):
        yield (first_id + n, enterprise_id, scope.questionnaire_id, scope.industry, "draft",
               {}, [], user_id, None, None, None, None, None, None, None, None, None, now,
               now, 1)


SELF_CHECK_COLUMNS = (
    "id", "enterprise_id", "questionnaire_version_id", "industry", "status", "answers",
    "visited_sections", "started_by_id", "reference", "submitted_at", "submitted_by_id",
    "signer_name", "signer_role", "commitment_text", "score", "band", "result",
    "created_at", "updated_at", "version")


@dataclass(frozen=True)
class Bench:
    """What the demo loaders left that generated rows refer to."""

    enterprise_id: int
    place: tuple[str, str]
    actors: Actors
    evidence: Evidence
    template: DecisionTemplate
    chain: AuditChain
    credit_rules: CreditRules


def _plain(row: Any) -> dict[str, Any]:
    return {key: value.value if isinstance(value, Enum) else value
            for key, value in row.items()}


def load_demo_casework(session: Any, config: Any, *, today: dt.date, now: dt.datetime) -> None:
    """Load the demo cases, credit records and decisions as ``flask demo load`` does."""
    storage = get_storage()
    load_demo_cases(session, storage, today=today, now=now,
                    review_working_days=config["CASE_REVIEW_WORKING_DAYS"],
                    max_case_bytes=evidence_case_max_bytes())
    load_demo_credit(session, storage, today=today, now=now,
                     credit_rules=CreditRules.from_config(config),
                     review_working_days=config["CREDIT_REVIEW_WORKING_DAYS"])
    session.commit()
    load_demo_decisions(
        session, storage, today=today, now=now,
        review_working_days=config["EXEMPTION_REVIEW_WORKING_DAYS"],
        defence_working_days=config["EXEMPTION_DEFENCE_WORKING_DAYS"],
        disclosure_delay_working_days=config["DISCLOSURE_DELAY_WORKING_DAYS"])
    session.commit()


def bench_references(session: Any, config: Any, *, today: dt.date, enterprise: Enterprise,
                     owner: User | None, officer: User | None) -> Bench:
    """Return what generated rows refer to: the bench enterprise and its people (given),
    the demo's stored evidence file and published grant, and the audit chain's end."""
    stored = session.scalar(select(EvidenceFile).order_by(EvidenceFile.id).limit(1))
    grant = session.scalar(select(Decision).where(
        Decision.kind == DecisionKind.GRANT, Decision.disclosure == DisclosureStatus.PUBLISHED,
        Decision.publish_on <= today).order_by(Decision.id).limit(1))
    if officer is None or owner is None or stored is None or grant is None:
        raise RuntimeError("the demo loaders made no officer, case file or published grant")
    applications = _table("exemption_applications")
    decisions = _table("exemption_decisions")
    template = DecisionTemplate(
        application=_plain(session.execute(select(applications).where(
            applications.c.id == grant.application_id)).mappings().one()),
        decision=_plain(session.execute(select(decisions).where(
            decisions.c.id == grant.id)).mappings().one()))
    last = session.execute(select(AuditEvent.id, AuditEvent.hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).one()
    return Bench(
        enterprise_id=enterprise.id, place=(enterprise.industry_code, enterprise.town),
        actors=Actors(officer_id=officer.id, officer_label=officer.audit_label,
                      owner_id=owner.id, owner_label=owner.audit_label),
        evidence=Evidence(stored.sha256, stored.name, stored.size, stored.content_type),
        template=template, chain=AuditChain(next_id=last.id + 1, last_hash=last.hash),
        credit_rules=CreditRules.from_config(config))


def _rows_of(dicts: Sequence[dict[str, Any]], columns: Sequence[str]) -> Iterator[tuple]:
    for row in dicts:
        yield tuple(row[name] for name in columns)


def generate_casework(engine: Engine, preset: Preset, bench: Bench, *,
                      enterprise_ids: Sequence[int], places: dict[int, tuple[str, str]],
                      today: dt.date, now: dt.datetime, rng: random.Random,
                      lap: Any) -> None:
    """Load cases (reports, evidence, audit events), credit records and decisions."""
    others = [e for e in enterprise_ids if e != bench.enterprise_id]
    first_ids = (_next_id(engine, _table("rectification_cases")),
                 _next_id(engine, _table("case_submissions")),
                 _next_id(engine, _table("case_files")))
    counts = [0, 0, 0]
    for batch in case_batches(
            preset.cases, first_ids=first_ids, owner_enterprise=bench.enterprise_id,
            own_cases=OWN_ROWS, enterprise_ids=others, places=places, actors=bench.actors,
            evidence=bench.evidence, chain=bench.chain, today=today, now=now, rng=rng):
        bulk_load(engine, _table("rectification_cases"), CASE_COLUMNS, batch.cases)
        bulk_load(engine, _table("case_submissions"), SUBMISSION_COLUMNS, batch.submissions)
        bulk_load(engine, _table("case_files"), EVIDENCE_COLUMNS, batch.evidence)
        bulk_load(engine, _table("audit_events"), AUDIT_COLUMNS, batch.events)
        counts = [counts[0] + len(batch.cases), counts[1] + len(batch.evidence),
                  counts[2] + len(batch.events)]
    lap(f"{counts[0]} cases, {counts[1]} evidence rows, {counts[2]} audit events")
    records = bulk_load(engine, _table("credit_records"), CREDIT_COLUMNS, credit_rows(
        preset.credit_records, _next_id(engine, _table("credit_records")),
        owner_enterprise=bench.enterprise_id, own_records=OWN_ROWS // 2,
        enterprise_ids=others, officer_id=bench.actors.officer_id,
        credit=bench.credit_rules, today=today, now=now, rng=rng))
    lap(f"{records} credit records")
    applications, decisions = decision_rows(
        preset.applications, (_next_id(engine, _table("exemption_applications")),
                              _next_id(engine, _table("exemption_decisions"))),
        bench.template, owner_enterprise=bench.enterprise_id, own=OWN_ROWS,
        enterprise_ids=others, open_share=OPEN_APPLICATIONS, today=today, now=now, rng=rng,
        party=lambda number: {"name": _enterprise_name(number), "uscc": _uscc(number)})
    columns = tuple(bench.template.application)
    bulk_load(engine, _table("exemption_applications"), columns, _rows_of(applications, columns))
    columns = tuple(bench.template.decision)
    bulk_load(engine, _table("exemption_decisions"), columns, _rows_of(decisions, columns))
    lap(f"{len(applications)} exemption applications, {len(decisions)} published grants")


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
        today = local_today()
        sync_from_directory(session, content_root, now=now)
        load_demo_data(session, password=BENCH_PASSWORD, now=now)
        load_demo_casework(session, app.config, today=today, now=now)
        session.execute(update(User).where(User.email.like(f"%@{DEMO_EMAIL_DOMAIN}")).values(
            email=func.replace(User.email, DEMO_EMAIL_DOMAIN, BENCH_EMAIL_DOMAIN)))
        session.commit()
        lap("content, accounts and demo casework")
        scopes = _scopes(session)
        industries = [guide.guide.slug for guide in current_guides(session)]
        divisions = sorted({d for guide in current_guides(session) for d in guide.divisions})
        enterprise = session.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
        bench = bench_references(
            session, app.config, today=today, enterprise=enterprise,
            owner=session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.enterprise_id == enterprise.id)
                                 .order_by(Membership.id).limit(1)),
            officer=session.scalar(select(User).where(
                User.email == f"officer-market@{BENCH_EMAIL_DOMAIN}")))
        db.session.remove()
    owner = bench.actors.owner_id
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
    places: dict[int, tuple[str, str]] = {bench.enterprise_id: bench.place}

    def noted(rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            places[row[0]] = (row[3], row[4])
            yield row

    bulk_load(engine, _table("enterprises"), (
        "id", "uscc", "name", "industry_code", "town", "address", "legal_representative",
        "contact_mobile", "contact_email", "created_at", "version"),
        noted(enterprise_rows(preset.enterprises, first, now, rng, divisions or ["62"])))
    lap(f"{preset.enterprises} enterprises")
    enterprise_ids = [bench.enterprise_id, *range(first, first + preset.enterprises)]
    departments: list[tuple] = []
    findings: list[tuple] = []
    bulk_load(engine, _table("self_checks"), SELF_CHECK_COLUMNS,
              self_check_rows(preset.self_checks, _next_id(engine, _table("self_checks")),
                              enterprise_ids, owner, scopes, now, rng, departments, findings,
                              _next_id(engine, _table("findings"))))
    bulk_load(engine, _table("self_check_departments"),
              ("self_check_id", "department_code", "lead"), departments)
    bulk_load(engine, _table("findings"), (
        "id", "self_check_id", "obligation_code", "question_id", "severity", "action",
        "exemptions", "correction_working_days", "deadline", "deadline_estimated", "status",
        "created_at"), findings)
    catering = next(scope for scope in scopes if scope.industry == "catering")
    bulk_load(engine, _table("self_checks"), SELF_CHECK_COLUMNS, draft_rows(
        DRAFTS, _next_id(engine, _table("self_checks")), bench.enterprise_id, owner, catering,
        now))
    lap(f"{preset.self_checks} self-checks, {len(findings)} findings, {DRAFTS} drafts")
    generate_casework(engine, preset, bench, enterprise_ids=enterprise_ids, places=places,
                      today=today, now=now, rng=rng, lap=lap)
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
