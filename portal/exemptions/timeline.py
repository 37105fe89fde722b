"""The timeline of an application for both sides, from the audit trail (Art. 47).

Every step of the application and of its decision is an audit event. Officers see
all of them with their notes; the enterprise sees the same steps but never an
internal one (the officers' verification record) nor an internal note (a legal
reviewer's comments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.core.audit import AuditEvent
from portal.exemptions.models import ExemptionApplication

#: Audit actions only staff see (the officers' working record).
INTERNAL_ACTIONS = frozenset({"exemption.verified"})
#: A step whose details carry this flag is shown to the enterprise without its note (a
#: legal reviewer's comments are the department's internal record, Art. 58).
INTERNAL_NOTE = "internal_note"


@dataclass(frozen=True)
class Step:
    """One step as shown: the event, and whether its note may be shown to this reader."""

    event: AuditEvent
    show_note: bool

    @property
    def action(self) -> str:
        """Return the audit action (``exemption.submitted``)."""
        return self.event.action

    @property
    def details(self) -> dict[str, Any]:
        """Return the event's facts."""
        return self.event.details or {}


def timeline(session: Session, application: ExemptionApplication, *,
             internal: bool) -> list[Step]:
    """Return the application's steps, oldest first; ``internal`` for staff readers."""
    conditions = [and_(AuditEvent.object_type == "exemption_application",
                       AuditEvent.object_id == str(application.id))]
    if application.decision is not None:
        conditions.append(and_(AuditEvent.object_type == "decision",
                               AuditEvent.object_id == str(application.decision.id)))
    events = session.scalars(select(AuditEvent).where(or_(*conditions))
                             .order_by(AuditEvent.id))
    steps = []
    for event in events:
        hidden = event.action in INTERNAL_ACTIONS or bool((event.details or {}).get("internal"))
        if hidden and not internal:
            continue
        details = event.details or {}
        steps.append(Step(event, show_note=internal or not details.get(INTERNAL_NOTE)))
    return steps
