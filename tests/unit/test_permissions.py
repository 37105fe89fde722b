"""The permission table denies by default."""

from portal.core.permissions import ROLE_PERMISSIONS, Permission, Role, role_has


def test_every_role_has_a_row():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_permission_values_are_scoped_and_alphabetised():
    values = [permission.value for permission in Permission]
    assert values == sorted(values)
    assert all(value.count(":") == 2 for value in values)


def test_no_role_means_no_permission():
    assert not any(role_has(None, permission) for permission in Permission)


def test_enterprise_roles_never_hold_administration_permissions():
    for role in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER, Role.ENTERPRISE_AGENT):
        assert not any(p.value.startswith("admin:") for p in ROLE_PERMISSIONS[role])


def test_only_enterprise_admins_manage_members():
    holders = {role for role in Role if role_has(role, Permission.ENTERPRISE_MEMBERS_MANAGE)}
    assert holders == {Role.ENTERPRISE_ADMIN}
