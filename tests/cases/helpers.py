"""Cases for tests, opened by the same services as the portal's pages."""

from __future__ import annotations

import io

from portal.cases import services
from portal.cases.models import Case, CaseStatus
from portal.cases.services import EvidenceUpload
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.storage import EVIDENCE_KINDS, accept_upload
from portal.extensions import db
from tests.samples import pdf_bytes, png_bytes


def order(world, **overrides) -> Case:
    """Return an order to correct served on ``world.enterprise`` by ``world.officer``."""
    values = {"problem": "未按规定公示食品经营许可证",
              "requirement": "在经营场所显著位置公示许可证",
              "legal_basis": "《食品经营许可和备案管理办法》", "working_days": 10}
    values.update(overrides)
    case = services.issue_order(db.session, world.enterprise, actor=world.officer,
                                today=local_today(), now=utcnow(), **values)
    db.session.commit()
    return case


def upload(data: bytes | None = None, name: str = "photo.png") -> EvidenceUpload:
    """Return a checked upload of a real PNG (or ``data``)."""
    content = png_bytes() if data is None else data
    return EvidenceUpload(accept_upload(io.BytesIO(content), name, kinds=EVIDENCE_KINDS,
                                        max_bytes=2**24))


def pdf_upload(name: str = "report.pdf") -> EvidenceUpload:
    return upload(pdf_bytes(), name)


def submit(world, case: Case, storage, *, actor=None, uploads=None, supersedes=()) -> None:
    """Submit a report for ``case`` (by the enterprise's administrator by default)."""
    services.submit_report(
        db.session, storage, case, actor=actor or world.enterprise_admin,
        description="已在门店入口处张贴许可证", completed_on=local_today(),
        commitment_text="承诺", uploads=[upload()] if uploads is None else uploads,
        supersedes=list(supersedes), expected_version=case.version, today=local_today(),
        now=utcnow(), review_working_days=5, max_case_bytes=2**28)
    db.session.commit()
    assert case.status == CaseStatus.SUBMITTED
