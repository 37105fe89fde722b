"""The generic state machine: table, permission, guard, row version, audit event."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from portal.accounts.models import Department, Membership, MembershipStatus
from portal.accounts.workflow import MEMBERSHIP_WORKFLOW
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.permissions import Permission
from portal.core.workflow import (
    ConcurrentUpdate,
    InvalidTransition,
    StaleObject,
    Transition,
    TransitionForbidden,
    Workflow,
    allowed_transitions,
    transition,
    workflow_for,
)
from portal.extensions import db
from portal.selfcheck.models import SelfCheckStatus
from portal.selfcheck.workflow import SELF_CHECK_WORKFLOW


def _events(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)))


def _own_membership(world) -> Membership:
    return db.session.scalar(select(Membership).where(
        Membership.user_id == world.enterprise_admin.id))


def test_an_allowed_transition_moves_bumps_the_version_and_is_audited(world):
    membership = world.enterprise_member_membership
    version = membership.version
    event = transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin,
                       now=utcnow(), reason="left the company", expected_version=version,
                       details={"enterprise_id": membership.enterprise_id})
    db.session.expire_all()
    stored = db.session.get(Membership, membership.id)
    assert stored.status == MembershipStatus.REVOKED
    assert stored.version == version + 1
    assert _events("membership", membership.id) == [event]
    assert (event.action, event.from_state, event.to_state) == (
        "membership.revoked", "active", "revoked")
    assert event.actor_id == world.enterprise_admin.id
    assert event.note == "left the company"
    assert event.details == {"enterprise_id": membership.enterprise_id}


def test_a_target_may_be_given_as_its_value_from_a_form(world):
    membership = world.enterprise_member_membership
    MEMBERSHIP_WORKFLOW.transition(membership, "revoked", actor=world.enterprise_admin,
                                   now=utcnow())
    assert membership.status == MembershipStatus.REVOKED


@pytest.mark.parametrize("who", ["enterprise_member", "enterprise_agent", "other_admin",
                                 "officer", "admin"])
def test_a_role_without_the_permission_is_forbidden_and_nothing_changes(world, who):
    membership = world.enterprise_member_membership
    version = membership.version
    with pytest.raises(TransitionForbidden) as refused:
        transition(membership, MembershipStatus.REVOKED, actor=world.user(who), now=utcnow(),
                   expected_version=version)
    assert refused.value.status_code == 403
    assert str(refused.value.message) == "You are not allowed to take this action."
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).status == MembershipStatus.ACTIVE
    assert db.session.get(Membership, membership.id).version == version
    assert _events("membership", membership.id) == []


def test_a_transition_from_a_state_not_in_the_table_is_invalid(world):
    membership = world.enterprise_member_membership
    transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin, now=utcnow())
    with pytest.raises(InvalidTransition) as refused:
        transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin,
                   now=utcnow(), expected_version=membership.version)
    assert refused.value.status_code == 409
    # The workflow's own words for a refused state, not the generic message.
    assert str(refused.value.message) == "This person no longer has access."
    assert len(_events("membership", membership.id)) == 1


def test_an_undeclared_pair_or_an_unknown_state_is_invalid(world):
    membership = world.enterprise_member_membership
    with pytest.raises(InvalidTransition):
        transition(membership, MembershipStatus.ACTIVE, actor=world.enterprise_admin,
                   now=utcnow())
    with pytest.raises(InvalidTransition):
        transition(membership, "deleted", actor=world.enterprise_admin, now=utcnow())
    assert membership.status == MembershipStatus.ACTIVE


def test_a_guard_refuses_with_its_reason(world):
    own = _own_membership(world)
    with pytest.raises(InvalidTransition) as refused:
        transition(own, MembershipStatus.REVOKED, actor=world.enterprise_admin, now=utcnow())
    assert str(refused.value.message) == "The enterprise must keep at least one administrator."
    assert own.status == MembershipStatus.ACTIVE
    assert _events("membership", own.id) == []


def test_an_old_form_version_is_stale_and_changes_nothing(world):
    membership = world.enterprise_member_membership
    version = membership.version
    with pytest.raises(StaleObject) as refused:
        transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin,
                   now=utcnow(), expected_version=version - 1)
    assert refused.value.status_code == 409
    assert "Someone else changed this record" in str(refused.value.message)
    assert not isinstance(refused.value, ConcurrentUpdate)
    assert membership.status == MembershipStatus.ACTIVE
    assert _events("membership", membership.id) == []


def test_the_version_is_checked_before_the_state(world):
    """A stale form is told the object changed, even if its action is now impossible."""
    membership = world.enterprise_member_membership
    version = membership.version
    transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin, now=utcnow())
    with pytest.raises(StaleObject):
        transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin,
                   now=utcnow(), expected_version=version)


def test_a_concurrent_update_is_detected_at_flush(world):
    membership = world.enterprise_member_membership
    version = membership.version
    # Another transaction changes the row after this one loaded it.
    db.session.execute(update(Membership).where(Membership.id == membership.id)
                       .values(version=version + 1).execution_options(synchronize_session=False))
    with pytest.raises(ConcurrentUpdate) as refused:
        transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin,
                   now=utcnow(), expected_version=version)
    assert isinstance(refused.value, StaleObject)
    assert refused.value.status_code == 409
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "membership.revoked")) is None


def test_allowed_transitions_follow_state_permission_and_guard(world):
    member = world.enterprise_member_membership
    assert [t.action for t in allowed_transitions(member, world.enterprise_admin)] == ["revoke"]
    assert allowed_transitions(member, world.enterprise_member) == []
    assert allowed_transitions(member, world.other_admin) == []
    assert allowed_transitions(member, world.officer) == []
    # The last administrator's own membership: the guard hides the action.
    assert allowed_transitions(_own_membership(world), world.enterprise_admin) == []
    transition(member, MembershipStatus.REVOKED, actor=world.enterprise_admin, now=utcnow())
    assert allowed_transitions(member, world.enterprise_admin) == []


def test_self_check_submission_is_open_to_its_enterprise_only_while_a_draft(world):
    draft, submitted = world.draft, world.submitted
    assert workflow_for(draft) is SELF_CHECK_WORKFLOW
    for who in ("enterprise_admin", "enterprise_member", "enterprise_agent"):
        assert [t.target for t in allowed_transitions(draft, world.user(who))] == [
            SelfCheckStatus.SUBMITTED]
    for who in ("other_admin", "officer", "legal_reviewer", "admin"):
        assert allowed_transitions(draft, world.user(who)) == []
    assert allowed_transitions(submitted, world.enterprise_admin) == []
    with pytest.raises(TransitionForbidden):
        SELF_CHECK_WORKFLOW.check(draft, SelfCheckStatus.SUBMITTED, actor=world.other_admin)
    with pytest.raises(InvalidTransition):
        SELF_CHECK_WORKFLOW.check(submitted, SelfCheckStatus.SUBMITTED,
                                  actor=world.enterprise_admin)


def test_a_revoked_member_loses_the_role_the_workflow_checks(world):
    membership = world.enterprise_member_membership
    transition(membership, MembershipStatus.REVOKED, actor=world.enterprise_admin, now=utcnow())
    assert allowed_transitions(world.draft, world.enterprise_member) == []


def test_a_table_is_checked_when_declared():
    revoke = Transition(MembershipStatus.ACTIVE, MembershipStatus.REVOKED,
                        permission=Permission.ENTERPRISE_MEMBERS_MANAGE)
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(Membership, states=MembershipStatus, transitions=[revoke, revoke],
                 role_of=lambda obj, actor: None, audit_area="t", object_type="t",
                 register=False)
    with pytest.raises(ValueError, match="is not a"):
        Workflow(Membership, states=MembershipStatus, role_of=lambda obj, actor: None,
                 audit_area="t", object_type="t", register=False,
                 transitions=[Transition(SelfCheckStatus.DRAFT, MembershipStatus.REVOKED,
                                         permission=Permission.ENTERPRISE_MEMBERS_MANAGE)])
    with pytest.raises(ValueError, match="version_id_col"):
        Workflow(Department, states=MembershipStatus, transitions=[],
                 role_of=lambda obj, actor: None, audit_area="t", object_type="t",
                 register=False)
    with pytest.raises(ValueError, match="already has a workflow"):
        Workflow(Membership, states=MembershipStatus, transitions=[revoke],
                 role_of=lambda obj, actor: None, audit_area="t", object_type="t")


def test_several_source_states_share_one_row():
    both = Transition([MembershipStatus.ACTIVE, MembershipStatus.REVOKED],
                      MembershipStatus.REVOKED, permission=Permission.ENTERPRISE_MEMBERS_MANAGE,
                      name="remove")
    flow = Workflow(Membership, states=MembershipStatus, transitions=[both],
                    role_of=lambda obj, actor: None, audit_area="t", object_type="t",
                    register=False)
    assert both.sources == {MembershipStatus.ACTIVE, MembershipStatus.REVOKED}
    assert flow.transitions == [both]
    assert both.audit_verb == "revoked"


def test_an_object_without_a_workflow_is_refused(world):
    with pytest.raises(LookupError):
        workflow_for(world.department)


def _submit(world, **overrides):
    from portal.selfcheck.services import submit_self_check

    arguments = {"user": world.enterprise_admin, "signer_role": "管理员",
                 "expected_version": world.draft.version, "commitment_text": "承诺",
                 "now": utcnow(), "timezone": ZoneInfo("Asia/Shanghai")} | overrides
    return submit_self_check(db.session, world.draft, **arguments)


def test_self_check_submission_is_a_workflow_transition(world):
    version = world.draft.version
    _submit(world)
    db.session.expire_all()
    assert world.draft.status == SelfCheckStatus.SUBMITTED
    assert world.draft.version == version + 1
    [event] = [e for e in _events("self_check", world.draft.id)
               if e.action == "selfcheck.submitted"]
    assert (event.from_state, event.to_state, event.actor_id) == (
        "draft", "submitted", world.enterprise_admin.id)
    assert event.details["reference"] == world.draft.reference


def test_self_check_submission_refuses_a_stale_form_and_another_enterprise(world):
    with pytest.raises(StaleObject):
        _submit(world, expected_version=world.draft.version - 1)
    with pytest.raises(TransitionForbidden):
        _submit(world, user=world.other_admin)
    assert world.draft.status == SelfCheckStatus.DRAFT
    assert world.draft.submitted_at is None


def test_self_check_submission_detects_a_concurrent_submission_at_flush(world):
    from portal.selfcheck.models import SelfCheck

    version = world.draft.version
    db.session.execute(update(SelfCheck).where(SelfCheck.id == world.draft.id)
                       .values(version=version + 1).execution_options(synchronize_session=False))
    with pytest.raises(ConcurrentUpdate):
        _submit(world, expected_version=version)
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "selfcheck.submitted",
        AuditEvent.object_id == str(world.draft.id))) is None
