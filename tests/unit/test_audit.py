"""The audit trail is a hash chain; any change to a stored event is detected."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from portal.core.audit import GENESIS_HASH, AuditEvent, record_event, verify_chain


def _record(session, n):
    return [record_event(session, action="test.step", object_type="thing", object_id=i,
                         actor_label="tester", details={"n": i, "text": "审核"})
            for i in range(n)]


def _disable_protection(session):
    """Simulate someone with direct database access removing the append-only guard."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_events_link_to_their_predecessor(db_session):
    first, second, third = _record(db_session, 3)
    assert first.prev_hash in {GENESIS_HASH} | {e.hash for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.id < first.id))}
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    checked, broken = verify_chain(db_session)
    assert broken is None
    assert checked >= 3


def test_the_database_refuses_updates_and_deletes(db_session):
    event = _record(db_session, 1)[0]
    db_session.commit()
    with pytest.raises(DatabaseError), db_session.begin_nested():
        db_session.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :id"),
                           {"id": event.id})
    with pytest.raises(DatabaseError), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})


def test_a_changed_event_is_reported_at_its_id(db_session):
    events = _record(db_session, 4)
    db_session.flush()
    _disable_protection(db_session)
    db_session.execute(text("UPDATE audit_events SET actor_label = 'someone else' WHERE id = :id"),
                       {"id": events[2].id})
    db_session.expire_all()
    _checked, broken = verify_chain(db_session)
    assert broken is not None
    assert broken.event_id == events[2].id
    assert "changed" in broken.reason


def test_a_deleted_event_breaks_the_link_of_the_next(db_session):
    events = _record(db_session, 4)
    _disable_protection(db_session)
    db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    db_session.expire_all()
    _checked, broken = verify_chain(db_session)
    assert broken is not None
    assert broken.event_id == events[2].id


def test_a_rehashed_forgery_is_still_caught_by_the_next_link(db_session):
    events = _record(db_session, 3)
    _disable_protection(db_session)
    forged = db_session.get(AuditEvent, events[1].id)
    forged.note = "inserted later"
    forged.hash = forged.compute_hash()  # the forger recomputes this event's own hash
    db_session.flush()
    db_session.expire_all()
    _checked, broken = verify_chain(db_session)
    assert broken is not None
    assert broken.event_id == events[2].id
