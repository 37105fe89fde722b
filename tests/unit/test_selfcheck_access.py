"""Who may see and edit which self-check: the predicates routes and templates share."""

from __future__ import annotations

import pytest

from portal.accounts.models import Department, Membership, User
from portal.core.permissions import Role
from portal.selfcheck.access import can_edit_self_check, can_view_self_check, is_in_scope
from portal.selfcheck.models import SelfCheck, SelfCheckDepartment, SelfCheckStatus

OWN, OTHER = 1, 2


def _self_check(*, status=SelfCheckStatus.SUBMITTED, enterprise_id=OWN,
                departments=("market_regulation", "ecology_environment")) -> SelfCheck:
    return SelfCheck(enterprise_id=enterprise_id, status=status, departments=[
        SelfCheckDepartment(department_code=code, lead=index == 0)
        for index, code in enumerate(departments)])


def _enterprise_user() -> tuple[User, Membership]:
    return User(), Membership(enterprise_id=OWN)


def _officer(code: str) -> User:
    return User(department=Department(code=code))


@pytest.mark.parametrize("role", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER,
                                  Role.ENTERPRISE_AGENT])
def test_enterprise_roles_view_and_edit_their_own_enterprises_drafts(role):
    user, membership = _enterprise_user()
    draft = _self_check(status=SelfCheckStatus.DRAFT)
    submitted = _self_check()
    assert can_view_self_check(user, draft, role=role, membership=membership)
    assert can_edit_self_check(user, draft, role=role, membership=membership)
    assert can_view_self_check(user, submitted, role=role, membership=membership)
    assert not can_edit_self_check(user, submitted, role=role, membership=membership)


@pytest.mark.parametrize("role", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER,
                                  Role.ENTERPRISE_AGENT])
def test_nobody_sees_another_enterprises_self_check(role):
    user, membership = _enterprise_user()
    other = _self_check(enterprise_id=OTHER, status=SelfCheckStatus.DRAFT)
    assert not is_in_scope(user, other, membership=membership)
    assert not can_view_self_check(user, other, role=role, membership=membership)
    assert not can_edit_self_check(user, other, role=role, membership=membership)


def test_a_member_without_a_self_check_role_is_in_scope_but_not_allowed():
    user, membership = _enterprise_user()
    draft = _self_check(status=SelfCheckStatus.DRAFT)
    # In scope (a 403, not a 404, in routes) but the role holds no self-check permission.
    assert is_in_scope(user, draft, membership=membership)
    assert not can_view_self_check(user, draft, role=None, membership=membership)
    assert not can_edit_self_check(user, draft, role=Role.OFFICER, membership=membership)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.LEGAL_REVIEWER])
@pytest.mark.parametrize("code", ["market_regulation", "ecology_environment"])
def test_officers_of_a_stored_department_view_submitted_self_checks_only(role, code):
    officer = _officer(code)
    assert can_view_self_check(officer, _self_check(), role=role, membership=None)
    assert not can_edit_self_check(officer, _self_check(), role=role, membership=None)
    draft = _self_check(status=SelfCheckStatus.DRAFT)
    assert not can_view_self_check(officer, draft, role=role, membership=None)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.LEGAL_REVIEWER])
def test_officers_of_another_department_see_nothing(role):
    officer = _officer("transport")
    assert not is_in_scope(officer, _self_check(), membership=None)
    assert not can_view_self_check(officer, _self_check(), role=role, membership=None)


def test_officer_scope_is_what_was_stored_not_todays_guide():
    # Stored with only market regulation: another department never sees it, whatever
    # today's guide names (the predicate does not read guide content at all).
    only_market = _self_check(departments=("market_regulation",))
    assert can_view_self_check(_officer("market_regulation"), only_market,
                               role=Role.OFFICER, membership=None)
    assert not can_view_self_check(_officer("ecology_environment"), only_market,
                                   role=Role.OFFICER, membership=None)


def test_administrators_see_no_self_check():
    admin = User()
    assert not can_view_self_check(admin, _self_check(), role=Role.ADMIN, membership=None)
    assert not can_edit_self_check(admin, _self_check(status=SelfCheckStatus.DRAFT),
                                   role=Role.ADMIN, membership=None)
