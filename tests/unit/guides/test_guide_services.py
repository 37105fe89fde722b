"""Guides' read rules: current guides, binds-Nansha, exports, pre-check alternatives."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal.core.db import utcnow
from portal.extensions import db
from portal.guides.exports import build_export
from portal.guides.models import SourceListRecord
from portal.guides.precheck import Answers, Corrected, FirstTime, Harm, alternative_entries
from portal.guides.queries import (
    current_guides,
    entries_for_industry,
    guide_by_slug,
    guide_for_division,
    source_list_for,
)
from portal.guides.services import EntryFilters, binds_nansha
from portal.selfcheck.services import department_industries
from tests.factories import make_entry, make_guide

DAY = dt.date(2026, 6, 1)


def test_current_guides_leave_out_retired_guides(app) -> None:
    make_guide("alive", divisions=("62",))
    retired = make_guide("retired", divisions=("63",))
    retired.retired_at = utcnow()
    db.session.flush()
    assert [v.guide.slug for v in current_guides(db.session)] == ["alive"]
    assert guide_by_slug(db.session, "retired") is None
    assert guide_for_division(db.session, "63") is None
    assert guide_for_division(db.session, "62").guide.slug == "alive"


def test_department_scope_of_officers_leaves_out_retired_guides(app) -> None:
    make_guide("alive", divisions=("62",), lead_department="market_regulation")
    retired = make_guide("retired", divisions=("63",), lead_department="market_regulation")
    retired.retired_at = utcnow()
    db.session.flush()
    assert department_industries(db.session, "market_regulation") == {"alive"}


def _source(key: str, scope: str) -> SourceListRecord:
    source = SourceListRecord(key=key, digest="3" * 64, data={"id": key, "scope": scope})
    db.session.add(source)
    db.session.flush()
    return source


@pytest.mark.parametrize(("scope", "illustrative", "expected"), [
    ("guangzhou", False, True),
    ("guangdong_province", False, True),
    ("national", False, True),
    ("shenzhen", False, False),
    ("other_province", False, False),
    ("guangzhou", True, False),
])
def test_binds_nansha(app, scope: str, illustrative: bool, expected: bool) -> None:
    version = make_entry().versions[0]
    version.illustrative = illustrative
    version.source_key = _source("list-a", scope).key
    db.session.flush()
    assert binds_nansha(version, source_list_for(db.session, version)) is expected


def test_an_entry_without_a_source_list_binds_no_one(app) -> None:
    version = make_entry().versions[0]
    assert source_list_for(db.session, version) is None
    assert binds_nansha(version, None) is False


def test_csv_export_has_a_bom_a_header_and_formula_safe_cells(app) -> None:
    version = make_entry("=cmd-01").versions[0]
    with app.test_request_context():
        export = build_export(db.session, EntryFilters(), "csv", locale="en", today=DAY)
    assert export.filename == "exemption-entries-2026-06-01.csv"
    assert export.mimetype == "text/csv"
    assert export.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Key", "Item code", "List type", "Violation"]
    assert [row[0] for row in rows[1:]] == ["'=cmd-01"]
    assert rows[1][3] == "Prices not marked"
    assert rows[1][-1] == str(version.version_no)


def test_xlsx_export_holds_the_same_rows(app) -> None:
    make_entry("test-01")
    with app.test_request_context():
        export = build_export(db.session, EntryFilters(), "xlsx", locale="en", today=DAY)
    sheet = load_workbook(io.BytesIO(export.body)).active
    values = list(sheet.values)
    assert values[0][0] == "Key"
    assert [row[0] for row in values[1:]] == ["test-01"]


def test_an_unknown_export_format_is_refused(app) -> None:
    with app.test_request_context(), pytest.raises(ValueError, match="pdf"):
        build_export(db.session, EntryFilters(), "pdf", locale="en", today=DAY)


def test_precheck_alternatives_share_a_duty_and_would_apply(app) -> None:
    # The chosen entry needs no harm at all; with slight harm it fails.
    chosen = make_entry("chosen").versions[0]
    slight = [{"type": "slight_harm"}]
    same_duty = make_entry("same-duty").versions[0]
    first = "art33_1_first_violation"  # slight harm is within its ground; Art. 33(1) minor is not
    same_duty.data = {**same_duty.data, "conditions": slight, "legal_basis_ground": first}
    other_duty = make_entry("other-duty").versions[0]
    other_duty.data = {**other_duty.data, "conditions": slight, "obligations": ["t-99"],
                       "legal_basis_ground": first}
    make_entry("same-duty-but-fails")  # needs no harm too
    db.session.flush()
    answers = Answers(first_time=FirstTime.YES, exempted_before=False, harm=Harm.SLIGHT,
                      corrected=Corrected.ON_THE_SPOT)
    found = alternative_entries(chosen, entries_for_industry(db.session, "testing"), answers,
                                today=DAY)
    assert [v.data["key"] for v in found] == ["same-duty"]
