"""Every endpoint is declared with the roles that may use it, and checked for each role.

A new route that is not declared here fails ``test_every_endpoint_is_declared``.
Each declared endpoint is requested by every role; endpoints taking an object id
are also requested with another enterprise's object, which must be not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from portal.accounts.models import Membership
from portal.accounts.services import EnterpriseRegistration, invite_member
from portal.auth.models import TokenPurpose, UserSession
from portal.auth.services import issue_token, start_registration
from portal.auth.sessions import start_session
from portal.core.db import utcnow
from portal.core.identifiers import make_uscc
from portal.extensions import db
from portal.selfcheck.models import SelfCheck
from tests.conftest import World

ROLES = ("anonymous", "enterprise_admin", "enterprise_member", "enterprise_agent", "officer",
         "legal_reviewer", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
ENTERPRISE = frozenset({"enterprise_admin", "enterprise_member", "enterprise_agent"})
ADMIN = frozenset({"admin"})
OFFICERS = frozenset({"officer", "legal_reviewer"})


@dataclass(frozen=True)
class Rule:
    """How to call an endpoint, who may, and how to aim it at someone else's object."""

    method: str
    path: Callable[[World], str]
    allowed: frozenset[str]
    data: Callable[[World], dict[str, object]] = lambda world: {}
    other_path: Callable[[World], str] | None = None
    notes: str = field(default="")


def _member_membership(world: World) -> Membership:
    return world.enterprise_member_membership


def _invitation_token(world: World) -> str:
    _invitation, token = invite_member(
        db.session, world.enterprise, invited_by=world.enterprise_admin,
        email="invitee@example.com", role=world.enterprise_member_membership.role,
        mandate_expires_on=None, agent_firm=None, now=utcnow(), valid_days=7)
    db.session.commit()
    return token


def _newest_session_id(world: World) -> int:
    """The session that the role under test has just started by signing in."""
    newest = db.session.scalar(select(UserSession.id).order_by(UserSession.id.desc()).limit(1))
    return newest or 1  # anonymous: no session yet, and any id is refused


def _someone_elses_session_id(world: World) -> int:
    start_session(db.session, world.other_admin, user_agent="", ip_address="", now=utcnow())
    db.session.commit()
    return _newest_session_id(world)


def _link_token(purpose: TokenPurpose) -> Callable[[World], str]:
    def make(world: World) -> str:
        token = issue_token(db.session, world.other_admin, purpose, now=utcnow(),
                            lifetime=dt.timedelta(hours=1))
        db.session.commit()
        return token
    return make


def _registration_token(world: World) -> str:
    started = start_registration(db.session, EnterpriseRegistration(
        uscc=make_uscc("91440115", "MA5PM001"), name="矩阵测试有限公司", industry_code="62",
        town="huangge", address="黄阁镇1号", legal_representative="甲",
        contact_mobile="13900000000",
        contact_email="m@example.com", admin_name="乙", admin_email="matrix@example.com",
        admin_mobile=None, password="Matrix-Test-2026", locale=None),
        now=utcnow(), lifetime=dt.timedelta(hours=1))
    db.session.commit()
    assert started.token is not None
    return started.token


ENDPOINTS: dict[str, Rule] = {
    "static": Rule("GET", lambda w: "/static/css/portal.css", EVERYONE),
    "main.home": Rule("GET", lambda w: "/", EVERYONE),
    "main.healthz": Rule("GET", lambda w: "/healthz", EVERYONE),
    "main.robots": Rule("GET", lambda w: "/robots.txt", EVERYONE),
    "main.set_language": Rule("POST", lambda w: "/language", EVERYONE,
                              data=lambda w: {"locale": "en"}),
    "auth.sign_in": Rule("GET", lambda w: "/sign-in", EVERYONE),
    "auth.register": Rule("GET", lambda w: "/register", EVERYONE),
    "auth.sign_out": Rule("POST", lambda w: "/sign-out", SIGNED_IN),
    "auth.sign_out_all": Rule("POST", lambda w: "/account/sign-out-everywhere", SIGNED_IN),
    "auth.password": Rule("GET", lambda w: "/account/password", SIGNED_IN),
    "auth.invitation": Rule("GET", lambda w: f"/invitations/{_invitation_token(w)}", EVERYONE),
    "auth.forgot_password": Rule("GET", lambda w: "/password-reset", EVERYONE),
    "auth.reset_password_with_link": Rule(
        "GET", lambda w: f"/password-reset/{_link_token(TokenPurpose.PASSWORD_RESET)(w)}",
        EVERYONE),
    "auth.unlock": Rule(
        "GET", lambda w: f"/account/unlock/{_link_token(TokenPurpose.UNLOCK)(w)}", EVERYONE),
    "auth.confirm_registration_with_link": Rule(
        "GET", lambda w: f"/register/confirm/{_registration_token(w)}", EVERYONE),
    "auth.end_other_session": Rule(
        "POST", lambda w: f"/account/sessions/{_newest_session_id(w)}/end", SIGNED_IN,
        other_path=lambda w: f"/account/sessions/{_someone_elses_session_id(w)}/end"),
    "accounts.profile": Rule("GET", lambda w: "/account", SIGNED_IN),
    "accounts.switch_enterprise": Rule(
        "POST", lambda w: "/account/enterprise", ENTERPRISE,
        data=lambda w: {"enterprise_id": w.enterprise.id}),
    "accounts.enterprise": Rule("GET", lambda w: "/enterprise", ENTERPRISE),
    "accounts.members": Rule(
        "GET", lambda w: f"/enterprise/{w.enterprise.id}/members",
        frozenset({"enterprise_admin", "enterprise_member"}),
        other_path=lambda w: f"/enterprise/{w.other_enterprise.id}/members"),
    "accounts.invite": Rule(
        "GET", lambda w: f"/enterprise/{w.enterprise.id}/members/invite",
        frozenset({"enterprise_admin"}),
        other_path=lambda w: f"/enterprise/{w.other_enterprise.id}/members/invite"),
    "accounts.revoke": Rule(
        "POST",
        lambda w: f"/enterprise/{w.enterprise.id}/members/{_member_membership(w).id}/revoke",
        frozenset({"enterprise_admin"}),
        data=lambda w: {"version": _member_membership(w).version},
        other_path=lambda w: (f"/enterprise/{w.enterprise.id}/members/"
                              f"{w.other_member_membership.id}/revoke")),
    "accounts.mandate": Rule(
        "GET",
        lambda w: f"/enterprise/{w.enterprise.id}/members/{w.agent_membership.id}/mandate",
        frozenset({"enterprise_admin"}),
        other_path=lambda w: (f"/enterprise/{w.other_enterprise.id}/members/"
                              f"{w.agent_membership.id}/mandate")),
    "admin.index": Rule("GET", lambda w: "/admin/", ADMIN),
    "admin.users": Rule("GET", lambda w: "/admin/users", ADMIN),
    "admin.create_user": Rule("GET", lambda w: "/admin/users/new", ADMIN),
    "admin.toggle_user": Rule("POST", lambda w: f"/admin/users/{w.officer.id}/active", ADMIN,
                              other_path=lambda w: (f"/admin/users/{w.enterprise_admin.id}"
                                                    "/active")),
    "admin.departments": Rule("GET", lambda w: "/admin/departments", ADMIN),
    "admin.audit": Rule("GET", lambda w: "/admin/audit", ADMIN),
    "admin.content": Rule("GET", lambda w: "/admin/content", ADMIN),
    "guides.index": Rule("GET", lambda w: "/guides", EVERYONE),
    "guides.guide": Rule("GET", lambda w: f"/guides/{w.guide.slug}", EVERYONE),
    "guides.entries": Rule("GET", lambda w: "/exemptions", EVERYONE),
    "guides.entry": Rule("GET", lambda w: f"/exemptions/{w.entry.key}", EVERYONE),
    "guides.export": Rule("GET", lambda w: "/exemptions/export.csv", EVERYONE),
    "guides.precheck": Rule("GET", lambda w: "/check", EVERYONE),
    "guides.precheck_question": Rule("GET", lambda w: f"/check/{w.entry.key}", EVERYONE),
    "api.exemption_entries": Rule("GET", lambda w: "/api/v1/exemption-entries", EVERYONE),
    "api.openapi": Rule("GET", lambda w: "/api/v1/openapi.json", EVERYONE),
    "selfcheck.index": Rule("GET", lambda w: "/self-checks", ENTERPRISE),
    "selfcheck.start": Rule("POST", lambda w: "/self-checks/new", ENTERPRISE),
    "selfcheck.tasks": Rule("GET", lambda w: f"/self-checks/{w.draft.id}", ENTERPRISE,
                            other_path=lambda w: f"/self-checks/{w.other_draft.id}"),
    "selfcheck.section": Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}/sections/s1", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/sections/s1"),
    "selfcheck.check_answers": Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}/check-answers", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/check-answers"),
    "selfcheck.declaration": Rule(
        "GET", lambda w: f"/self-checks/{w.draft.id}/declaration", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_draft.id}/declaration"),
    "selfcheck.confirmation": Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/confirmation", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/confirmation"),
    "selfcheck.result": Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/result", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/result"),
    "selfcheck.result_pdf": Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/result.pdf", ENTERPRISE,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/result.pdf"),
    "selfcheck.attachment": Rule(
        "GET", lambda w: f"/self-checks/{w.submitted.id}/files/evidence", ENTERPRISE | OFFICERS,
        other_path=lambda w: f"/self-checks/{w.other_submitted.id}/files/evidence"),
    "selfcheck.officer_list": Rule("GET", lambda w: "/officer/self-checks", OFFICERS),
    "selfcheck.officer_view": Rule(
        "GET", lambda w: f"/officer/self-checks/{w.submitted.id}", OFFICERS,
        other_path=lambda w: f"/officer/self-checks/{w.other_submitted.id}"),
}


def test_every_endpoint_is_declared(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = endpoints - set(ENDPOINTS)
    assert not undeclared, f"declare these endpoints in the permission matrix: {undeclared}"
    assert not set(ENDPOINTS) - endpoints, "the matrix names endpoints that no longer exist"


def _signed_in_client(client, world: World, role: str):  # type: ignore[no-untyped-def]
    if role != "anonymous":
        client.sign_in(world.user(role).email)
    return client


def _call(client, rule: Rule, world: World, path: str):  # type: ignore[no-untyped-def]
    if rule.method == "GET":
        return client.get(path, buffered=True)
    return client.submit(path, rule.data(world), token_from="/")


def _is_denied(response, role: str) -> bool:  # type: ignore[no-untyped-def]
    if role == "anonymous":
        location = response.headers.get("Location", "")
        return response.status_code == 302 and "/sign-in" in location
    return response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_role_access(client, world, endpoint, role):
    rule = ENDPOINTS[endpoint]
    _signed_in_client(client, world, role)
    response = _call(client, rule, world, rule.path(world))
    if role in rule.allowed:
        assert not _is_denied(response, role), (endpoint, role, response.status_code)
        assert response.status_code < 400, (endpoint, role, response.status_code)
    else:
        assert _is_denied(response, role), (endpoint, role, response.status_code)


OBJECT_ENDPOINTS = sorted(name for name, rule in ENDPOINTS.items() if rule.other_path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS)
def test_someone_elses_object_is_not_found(client, world, endpoint, role):
    rule = ENDPOINTS[endpoint]
    _signed_in_client(client, world, role)
    response = _call(client, rule, world, rule.other_path(world))  # type: ignore[misc]
    if role == "anonymous":
        assert _is_denied(response, role)
    elif role in rule.allowed:
        assert response.status_code == 404, (endpoint, role, response.status_code)
    else:
        assert response.status_code in (403, 404), (endpoint, role, response.status_code)
    memberships = db.session.scalars(select(Membership.status)).all()
    assert all(status == "active" for status in memberships)
    assert db.session.get(SelfCheck, world.other_draft.id).answers == {"licensed": False}


NAV_LINKS = {
    "/admin/": ADMIN,
    "/admin/audit": ADMIN,
    "/enterprise": ENTERPRISE,
    "/self-checks": ENTERPRISE,
    "/officer/self-checks": OFFICERS,
}


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_use(client, world, role):
    _signed_in_client(client, world, role)
    page = client.get("/").get_data(as_text=True)
    for link, roles in NAV_LINKS.items():
        assert (f'href="{link}"' in page) == (role in roles), (link, role)
    members_link = f'href="/enterprise/{world.enterprise.id}/members"'
    assert (members_link in page) == (role in {"enterprise_admin", "enterprise_member"})
