"""The officers' list and entry search can use their indexes (PostgreSQL only).

Sequential scans are turned off for the statement (``enable_seqscan``), as is usual
for such checks on a small test database: the plan then shows whether an index
*can* serve the query, which is what matters once the tables are large.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from benchmarks.generate import entry_rows
from portal.core.db import utcnow
from portal.extensions import db
from portal.guides.services import EntryFilters, _entry_conditions
from portal.selfcheck.officer import Cursor, officer_page
from portal.selfcheck.services import OfficerFilters
from tests.performance.test_query_counts import ENTRY_VERSION_COLUMNS, _insert


@pytest.fixture(autouse=True)
def _postgresql_only(db_session):  # type: ignore[no-untyped-def]
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL (CI's PostgreSQL pass)")


def _plan(statement) -> str:  # type: ignore[no-untyped-def]
    sql = str(statement.compile(dialect=postgresql.dialect(),
                                compile_kwargs={"literal_binds": True}))
    sql = sql.replace("%%", "%")  # literal binds escape % for the driver; EXPLAIN sees text
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = db.session.execute(text("EXPLAIN " + sql)).scalars()
    return "\n".join(rows)


def test_the_officers_list_reads_submitted_self_checks_through_its_index(monkeypatch):
    captured = []
    original = db.session.execute

    def capture(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        captured.append(statement)
        return original(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", capture)
    officer_page(db.session, "market_regulation", OfficerFilters(),
                 obligations={"x"}, after=Cursor(utcnow(), 10))
    monkeypatch.undo()
    plan = _plan(captured[-1])
    assert "ix_self_checks_status_submitted_at" in plan, plan
    assert "self_check_departments" in plan


def test_entry_search_reads_the_search_text_through_trigrams():
    from sqlalchemy import select

    from portal.guides.models import ExemptionEntryRecord, ExemptionEntryVersion

    # Enough generated entries, analysed, for the planner to weigh the indexes.
    rng = random.Random(3)
    records, versions, _links = entry_rows(2000, 1, utcnow(), rng, ["catering"])
    _insert("exemption_entries", ("id", "key"), records)
    _insert("exemption_entry_versions", ENTRY_VERSION_COLUMNS, versions)
    # Rows inserted a moment ago wait in the GIN index's pending list: merge them.
    db.session.execute(text("SELECT gin_clean_pending_list("
                            "'ix_exemption_entry_versions_search_text_trgm'::regclass)"))
    db.session.execute(text("ANALYZE exemption_entries"))
    db.session.execute(text("ANALYZE exemption_entry_versions"))
    statement = (select(ExemptionEntryVersion.id)
                 .join(ExemptionEntryRecord,
                       ExemptionEntryRecord.id == ExemptionEntryVersion.entry_id)
                 .where(*_entry_conditions(EntryFilters(q="440100001234"))))
    plan = _plan(statement)
    assert "ix_exemption_entry_versions_search_text_trgm" in plan, plan
