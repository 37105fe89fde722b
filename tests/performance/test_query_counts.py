"""Each page runs the same number of queries whatever the volume of data (issue 13).

The pages are requested on the real content plus generated rows (the generators of
``benchmarks/generate.py`` and ``benchmarks/casework.py``: entries, enterprises,
self-checks, rectification cases with reports, evidence and audit events, credit records,
exemption applications and published grants), then again after ten times as many rows
were added: every page must run exactly as many queries, and list pages must show one
screen of rows.
"""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import func, insert, select

from benchmarks.casework import (
    AUDIT_COLUMNS,
    CASE_COLUMNS,
    CREDIT_COLUMNS,
    EVIDENCE_COLUMNS,
    SUBMISSION_COLUMNS,
    AuditChain,
    case_batches,
    credit_rows,
    decision_rows,
)
from benchmarks.generate import (
    Bench,
    _scopes,
    bench_references,
    enterprise_rows,
    entry_rows,
    load_demo_casework,
    self_check_rows,
)
from portal.accounts.demo import load_demo_data
from portal.accounts.models import Department, Enterprise
from portal.cases.models import Case, EvidenceFile
from portal.core import pagecache
from portal.core.audit import GENESIS_HASH, AuditEvent
from portal.core.clock import local_today
from portal.core.db import Base, utcnow
from portal.exemptions.models import Decision, DisclosureStatus
from portal.extensions import db
from portal.guides.queries import current_guides
from tests.conftest import counting_queries
from tests.factories import PASSWORD, EnterpriseFactory, MembershipFactory, UserFactory

# Each page is drawn, so that its statements can be counted (a kept page runs none).
pytestmark = pytest.mark.uncached

PUBLIC_PAGES = ("/", "/guides", "/guides/catering", "/exemptions", "/exemptions?q=价格",
                "/exemptions?page=2", "/api/v1/exemption-entries?q=价格", "/check",
                "/decisions", "/decisions/{decision}", "/api/v1/decisions",
                "/credit/public/{uscc}")
ENTERPRISE_PAGES = ("/enterprise", "/self-checks", "/cases/{case}", "/credit")
OFFICER_PAGES = ("/officer/self-checks", "/officer/cases", "/officer/exemptions")
ENTRY_VERSION_COLUMNS = (
    "id", "entry_id", "version_no", "is_current", "digest", "item_code", "list_type",
    "department", "industry", "illustrative", "effective_from", "title_search", "search_text",
    "data", "created_at")


def _next_id(table: str) -> int:
    column = Base.metadata.tables[table].c.id
    return int(db.session.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def _insert(table: str, columns: tuple[str, ...], rows) -> None:  # type: ignore[no-untyped-def]
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        db.session.execute(insert(Base.metadata.tables[table]), batch)


def add_generated_data(*, entries: int, enterprises: int, self_checks: int,
                       owner_enterprise: Enterprise, owner_id: int, bench: Bench,
                       today: dt.date, seed: int) -> None:
    """Add generated entries, enterprises, submitted self-checks, cases (with reports,
    evidence and audit events), credit records, applications and published grants: a
    tenth of the self-checks, cases, records and applications are the signed-in
    enterprise's own, and the cases and applications are before its officer's department."""
    rng = random.Random(seed)
    now = utcnow()
    industries = [guide.guide.slug for guide in current_guides(db.session)]
    records, versions, links = entry_rows(entries, _next_id("exemption_entries"), now, rng,
                                          industries)
    _insert("exemption_entries", ("id", "key"), records)
    _insert("exemption_entry_versions", ENTRY_VERSION_COLUMNS, versions)
    _insert("exemption_entry_industries", ("version_id", "industry"), links)
    first = _next_id("enterprises")
    generated = list(enterprise_rows(enterprises, first, now, rng, ["62"]))
    _insert("enterprises", (
        "id", "uscc", "name", "industry_code", "town", "address", "legal_representative",
        "contact_mobile", "contact_email", "created_at", "version"), generated)
    places = {row[0]: (row[3], row[4]) for row in generated}
    places[owner_enterprise.id] = (owner_enterprise.industry_code, owner_enterprise.town)
    others = [row[0] for row in generated]
    enterprise_ids = [owner_enterprise.id, *range(first, first + 9)]
    departments: list[tuple] = []
    findings: list[tuple] = []
    checks = list(self_check_rows(self_checks, _next_id("self_checks"), enterprise_ids,
                                  owner_id, _scopes(db.session), now, rng, departments,
                                  findings, _next_id("findings")))
    _insert("self_checks", (
        "id", "enterprise_id", "questionnaire_version_id", "industry", "status", "answers",
        "visited_sections", "started_by_id", "reference", "submitted_at", "submitted_by_id",
        "signer_name", "signer_role", "commitment_text", "score", "band", "result",
        "created_at", "updated_at", "version"), checks)
    _insert("self_check_departments", ("self_check_id", "department_code", "lead"),
            departments)
    _insert("findings", (
        "id", "self_check_id", "obligation_code", "question_id", "severity", "action",
        "exemptions", "correction_working_days", "deadline", "deadline_estimated", "status",
        "created_at"), findings)
    chain = AuditChain(next_id=_next_id("audit_events"), last_hash=db.session.scalar(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS_HASH)
    for batch in case_batches(
            self_checks, first_ids=(_next_id("rectification_cases"),
                                    _next_id("case_submissions"), _next_id("case_files")),
            owner_enterprise=owner_enterprise.id, own_cases=self_checks // 10,
            enterprise_ids=others, places=places, actors=bench.actors,
            evidence=bench.evidence, chain=chain, today=today, now=now, rng=rng):
        _insert("rectification_cases", CASE_COLUMNS, batch.cases)
        _insert("case_submissions", SUBMISSION_COLUMNS, batch.submissions)
        _insert("case_files", EVIDENCE_COLUMNS, batch.evidence)
        _insert("audit_events", AUDIT_COLUMNS, batch.events)
    _insert("credit_records", CREDIT_COLUMNS, credit_rows(
        self_checks, _next_id("credit_records"), owner_enterprise=owner_enterprise.id,
        own_records=self_checks // 10, enterprise_ids=others,
        officer_id=bench.actors.officer_id, credit=bench.credit_rules, today=today, now=now,
        rng=rng))
    applications, decisions = decision_rows(
        self_checks, (_next_id("exemption_applications"), _next_id("exemption_decisions")),
        bench.template, owner_enterprise=owner_enterprise.id, own=self_checks // 10,
        enterprise_ids=others, open_share=0.2, today=today, now=now, rng=rng)
    _insert("exemption_applications", tuple(bench.template.application),
            [tuple(row.values()) for row in applications])
    _insert("exemption_decisions", tuple(bench.template.decision),
            [tuple(row.values()) for row in decisions])
    db.session.commit()


def _counts(clients: dict[str, object], rows: dict[str, object]) -> dict[str, int]:
    result = {}
    for who, pages in (("public", PUBLIC_PAGES), ("enterprise", ENTERPRISE_PAGES),
                       ("officer", OFFICER_PAGES)):
        client = clients[who]
        for page in pages:
            path = page.format(**rows)
            assert client.get(path).status_code == 200, path  # type: ignore[attr-defined]
            with counting_queries() as statements:
                response = client.get(path)  # type: ignore[attr-defined]
            assert response.status_code == 200, path
            result[page] = len(statements)
    return result


@pytest.mark.xdist_group("volume")
def test_every_page_runs_as_many_queries_with_ten_times_the_data(app, client, real_content,
                                                                 monkeypatch):
    # Read the content version on every request, not at most once a second.
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 0)
    enterprise = EnterpriseFactory(industry_code="62")
    owner = MembershipFactory(enterprise=enterprise, admin=True).user
    market = db.session.scalar(select(Department).where(Department.code == "market_regulation"))
    officer = UserFactory(officer=True, department=market)
    db.session.commit()
    # The demo's cases, credit records and grants give the stored evidence file and the
    # decision copied by the generator, as in benchmarks/generate.py.
    with app.app_context():
        now = utcnow()
        load_demo_data(db.session, password=PASSWORD, now=now)
        load_demo_casework(db.session, app.config, today=local_today(), now=now)
        today = local_today()
        bench = bench_references(db.session, app.config, today=today,
                                 enterprise=enterprise, owner=owner, officer=officer)
    client.sign_in(owner.email)
    officer_client = app.test_client()
    officer_client.__class__ = type(client)
    officer_client.sign_in(officer.email)
    public = app.test_client()
    clients = {"public": public, "enterprise": client, "officer": officer_client}

    add_generated_data(entries=30, enterprises=10, self_checks=30,
                       owner_enterprise=enterprise, owner_id=owner.id, bench=bench, today=today,
                       seed=1)
    rows = {
        "decision": db.session.scalar(select(func.max(Decision.id)).where(
            Decision.disclosure == DisclosureStatus.PUBLISHED)),
        "uscc": enterprise.uscc,
        "case": db.session.scalar(select(func.max(EvidenceFile.case_id)).join(Case).where(
            Case.enterprise_id == enterprise.id)),
    }
    small = _counts(clients, rows)
    add_generated_data(entries=300, enterprises=100, self_checks=300,
                       owner_enterprise=enterprise, owner_id=owner.id, bench=bench, today=today,
                       seed=2)
    larger = _counts(clients, rows)

    assert larger == small
    # Lists show one screen, not everything: the guide links to the filtered list.
    guide = public.get("/guides/catering").get_data(as_text=True)
    assert guide.count('class="result"') <= 20
    assert "/exemptions?industry=catering" in guide
    officer_list = officer_client.get("/officer/self-checks").get_data(as_text=True)
    assert officer_list.count("/officer/self-checks/") == 25
    assert 'rel="next"' in officer_list
    # The generated rows are on the new pages (so that their counts mean something).
    assert public.get(f"/decisions/{rows['decision']}").status_code == 200
    # The new pages show generated rows, so that their counts cover rows, not empty pages.
    assert "穗南基准罚" in public.get(f"/credit/public/{rows['uscc']}").get_data(as_text=True)
    assert "穗南基准罚" in client.get("/credit").get_data(as_text=True)
    assert "ZG" in officer_client.get("/officer/cases").get_data(as_text=True)
    assert "MF" in officer_client.get("/officer/exemptions").get_data(as_text=True)
    assert re.search(r"〕100\d{3}号", public.get("/decisions").get_data(as_text=True))


def test_a_signed_in_request_checks_its_session_in_one_statement(app, client):
    # The session check, the user's department or memberships (the acting role and the
    # header's enterprise) and the header's unread count: one round trip, every page.
    enterprise = EnterpriseFactory(name="一条语句餐饮有限公司")
    owner = MembershipFactory(enterprise=enterprise, admin=True).user
    MembershipFactory(user=owner, enterprise=EnterpriseFactory(name="第二家企业有限公司"))
    officer = UserFactory(officer=True)
    db.session.commit()
    client.sign_in(owner.email)
    officer_client = app.test_client()
    officer_client.__class__ = type(client)
    officer_client.sign_in(officer.email)
    for who, path, shown in ((client, "/enterprise", "一条语句餐饮有限公司"),
                             (client, "/", "第二家企业有限公司"),
                             (officer_client, "/", officer.display_name)):
        with counting_queries() as statements:
            response = who.get(path)  # type: ignore[attr-defined]
        assert response.status_code == 200, path
        assert shown in response.get_data(as_text=True)
        assert len(statements) == 1, (path, statements)
