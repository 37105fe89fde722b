"""``flask demo load`` publishes numbered decisions at /decisions, without personal data."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.exemptions.models import Decision, DecisionKind, DisclosureStatus
from portal.exemptions.redaction import MOBILE, RESIDENT_ID
from portal.extensions import db


def test_demo_load_publishes_numbered_decisions_without_personal_data(
        app, client, real_content):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    decisions = db.session.scalars(select(Decision)).all()
    kinds = {decision.kind for decision in decisions}
    assert kinds == {DecisionKind.GRANT, DecisionKind.REFUSAL}
    assert any(d.disclosure == DisclosureStatus.WITHDRAWN for d in decisions)
    assert all(d.document_number.startswith("穗南市监不罚〔") for d in decisions
               if d.kind == DecisionKind.GRANT)
    listing = client.get("/decisions")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    with app.app_context():
        from portal.core.clock import local_today
        today = local_today()
    published = [d for d in decisions if d.is_public(today=today)]
    assert len(published) >= 3
    assert all(d.document_number in page for d in published)
    assert "经复查" in page  # the withdrawn one, with its reason
    pages = [page, client.get("/api/v1/decisions").get_data(as_text=True)]
    pages += [client.get(f"/decisions/{d.id}").get_data(as_text=True) for d in published]
    for text in pages:
        assert not RESIDENT_ID.search(text) and not MOBILE.search(text)
        assert "13800138000" not in text
        assert "陈演示" not in text and "李演示" not in text and "黄演示" not in text
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "applications added: 0" in again.output
    assert db.session.scalar(select(func.count()).select_from(Decision)) == len(decisions)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_the_demo_enterprise_reads_its_decision_documents(app, client, real_content):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    catering = db.session.scalars(select(Decision).join(Decision.enterprise).where(
        Decision.enterprise.has(name="南沙湾海鲜酒家（演示）"))).all()
    assert {d.kind for d in catering} == {DecisionKind.GRANT, DecisionKind.REFUSAL}
    client.sign_in("catering-admin@demo.nansha.invalid", app.config["DEMO_PASSWORD"])
    for decision in catering:
        page = client.get(f"/decisions/document/{decision.id}").get_data(as_text=True)
        assert decision.verification_code in page and "<svg" in page
        assert client.get(f"/decisions/document/{decision.id}.pdf").data.startswith(b"%PDF")
