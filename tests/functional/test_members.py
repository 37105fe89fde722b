"""Enterprise administrators invite members and mandated agents (issue 2, point 4)."""

import datetime as dt
import re

from sqlalchemy import func, select

from portal.accounts.models import Invitation, Membership, MembershipRole, MembershipStatus, User
from portal.core import mail
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.outbox import OutboxMessage, deliver_due
from portal.extensions import db
from tests.conftest import reload


def _invite(client, enterprise_id, **fields):
    path = f"/enterprise/{enterprise_id}/members/invite"
    return client.submit(path, fields)


def _queued():
    """Return the one mail queued in the outbox (the invitation)."""
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    return message


def _link_token(message):
    return re.search(r"/invitations/([A-Za-z0-9_-]+)", message.body).group(1)


def test_admin_invites_a_member_who_creates_an_account(app, client, world):
    client.sign_in(world.enterprise_admin.email)
    response = _invite(client, world.enterprise.id, email="new.person@example.com",
                       role="member")
    assert response.status_code == 302
    # Queued in the invitation's transaction; nothing leaves during the request.
    assert mail.outbox == []
    (queued,) = db.session.scalars(select(OutboxMessage)).all()
    assert queued.to_address == "new.person@example.com"
    assert world.enterprise.name in queued.subject
    with app.app_context():
        deliver_due(db.session, now=utcnow())
    assert [message.to for message in mail.outbox] == ["new.person@example.com"]
    token = _link_token(mail.outbox[0])
    assert db.session.scalar(select(Invitation.token_hash)) != token  # only a digest is kept

    newcomer = app.test_client()
    newcomer.__class__ = type(client)
    page = newcomer.get(f"/invitations/{token}").get_data(as_text=True)
    assert world.enterprise.name in page
    response = newcomer.submit(f"/invitations/{token}", {
        "display_name": "新同事", "password": "Harbour-Lights-88",
        "confirm": "Harbour-Lights-88"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.role == MembershipRole.MEMBER
    assert newcomer.get("/enterprise").status_code == 200
    # The link works once only.
    assert newcomer.get(f"/invitations/{token}").status_code == 404


def test_an_agent_needs_a_mandate_end_date(english_client, world):
    english_client.sign_in(world.enterprise_admin.email)
    before = db.session.scalar(select(func.count(Invitation.id)))
    response = _invite(english_client, world.enterprise.id, email="agent@firm.example.com",
                       role="agent", agent_firm="某会计师事务所")
    assert "last day of the agent" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == before
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # no mail queued


def test_an_expired_mandate_stops_access(client, world):
    client.sign_in(world.enterprise_agent.email)
    assert client.get("/enterprise").status_code == 200
    reload(world.agent_membership).mandate_expires_on = utcnow().date() - dt.timedelta(days=1)
    db.session.commit()
    assert client.get("/enterprise").status_code == 403


def test_agents_do_not_see_the_staff_list(client, world):
    client.sign_in(world.enterprise_agent.email)
    assert client.get(f"/enterprise/{world.enterprise.id}/members").status_code == 403


def test_members_see_the_list_but_cannot_invite(client, world):
    client.sign_in(world.enterprise_member.email)
    page = client.get(f"/enterprise/{world.enterprise.id}/members")
    assert page.status_code == 200
    assert f"/enterprise/{world.enterprise.id}/members/invite" not in page.get_data(as_text=True)
    assert client.get(f"/enterprise/{world.enterprise.id}/members/invite").status_code == 403


def test_another_enterprises_member_list_is_not_found(client, world):
    client.sign_in(world.enterprise_admin.email)
    response = client.get(f"/enterprise/{world.other_enterprise.id}/members")
    assert response.status_code == 404
    assert world.other_enterprise.name not in response.get_data(as_text=True)


def test_admin_changes_a_mandate_and_it_is_audited(client, world):
    client.sign_in(world.enterprise_admin.email)
    membership = world.agent_membership
    new_end = (utcnow().date() + dt.timedelta(days=200)).isoformat()
    path = f"/enterprise/{world.enterprise.id}/members/{membership.id}/mandate"
    response = client.submit(path, {"mandate_expires_on": new_end,
                                    "version": membership.version})
    assert response.status_code == 302
    assert reload(membership).mandate_expires_on.isoformat() == new_end
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "membership.mandate_changed")) is not None


def test_a_stale_version_changes_nothing(english_client, world):
    english_client.sign_in(world.enterprise_admin.email)
    membership = world.enterprise_member_membership
    path = f"/enterprise/{world.enterprise.id}/members/{membership.id}/revoke"
    response = english_client.submit(path, {"version": membership.version + 1},
                                     token_from=f"/enterprise/{world.enterprise.id}/members",
                                     follow_redirects=True)
    assert "Someone else changed this record" in response.get_data(as_text=True)
    assert reload(membership).status == MembershipStatus.ACTIVE


def test_revoking_removes_access(app, client, world):
    member_client = app.test_client()
    member_client.__class__ = type(client)
    member_client.sign_in(world.enterprise_member.email)
    client.sign_in(world.enterprise_admin.email)
    membership = world.enterprise_member_membership
    path = f"/enterprise/{world.enterprise.id}/members/{membership.id}/revoke"
    client.submit(path, {"version": membership.version},
                  token_from=f"/enterprise/{world.enterprise.id}/members")
    assert reload(membership).status == MembershipStatus.REVOKED
    assert member_client.get("/enterprise").status_code == 403


def test_revoking_twice_says_the_person_no_longer_has_access(english_client, world):
    english_client.sign_in(world.enterprise_admin.email)
    membership = world.enterprise_member_membership
    path = f"/enterprise/{world.enterprise.id}/members/{membership.id}/revoke"
    english_client.submit(path, {"version": membership.version},
                          token_from=f"/enterprise/{world.enterprise.id}/members")
    revoked = reload(membership)
    response = english_client.submit(path, {"version": revoked.version},
                                     token_from=f"/enterprise/{world.enterprise.id}/members",
                                     follow_redirects=True)
    assert "This person no longer has access." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "membership.revoked",
        AuditEvent.object_id == str(membership.id))) == 1


def test_the_last_administrator_cannot_be_removed(english_client, world):
    english_client.sign_in(world.enterprise_admin.email)
    own = db.session.scalar(select(Membership).where(
        Membership.user_id == world.enterprise_admin.id))
    # The form hides the button for oneself; a hand-made post is refused by the service.
    path = f"/enterprise/{world.enterprise.id}/members/{own.id}/revoke"
    response = english_client.submit(path, {"version": own.version},
                                     token_from=f"/enterprise/{world.enterprise.id}/members",
                                     follow_redirects=True)
    assert "at least one administrator" in response.get_data(as_text=True)
    assert reload(own).status == MembershipStatus.ACTIVE


def test_a_membership_of_another_enterprise_cannot_be_revoked(client, world):
    client.sign_in(world.enterprise_admin.email)
    target = world.other_member_membership
    path = f"/enterprise/{world.enterprise.id}/members/{target.id}/revoke"
    response = client.submit(path, {"version": target.version},
                             token_from=f"/enterprise/{world.enterprise.id}/members")
    assert response.status_code == 404
    assert reload(target).status == MembershipStatus.ACTIVE


def test_an_agent_acting_for_two_enterprises_switches_between_them(client, world):
    from tests.factories import MembershipFactory

    MembershipFactory(user=reload(world.enterprise_agent), enterprise=reload(
        world.other_enterprise), agent=True)
    db.session.commit()
    client.sign_in(world.enterprise_agent.email)
    assert world.enterprise.name in client.get("/enterprise").get_data(as_text=True)
    client.submit("/account/enterprise", {"enterprise_id": world.other_enterprise.id},
                  token_from="/account")
    assert world.other_enterprise.name in client.get("/enterprise").get_data(as_text=True)
    # An enterprise the agent has no mandate for cannot be chosen.
    from tests.factories import EnterpriseFactory

    stranger = EnterpriseFactory()
    db.session.commit()
    response = client.submit("/account/enterprise", {"enterprise_id": stranger.id},
                             token_from="/account")
    assert response.status_code == 404


def test_the_header_names_the_active_enterprise_and_switches_it(client, world):
    from markupsafe import escape

    from tests.factories import MembershipFactory

    MembershipFactory(user=reload(world.enterprise_agent), enterprise=reload(
        world.other_enterprise), agent=True)
    db.session.commit()
    client.sign_in(world.enterprise_agent.email)
    home = client.get("/").get_data(as_text=True)
    header = home.split("<main", 1)[0]
    assert "当前代表企业" in header
    assert re.search(r'id="acting-enterprise">\s*' + re.escape(str(escape(world.enterprise.name))),
                     header)
    assert 'action="/account/enterprise"' in header
    assert f'<option value="{world.other_enterprise.id}"' in header
    client.submit("/account/enterprise", {"enterprise_id": world.other_enterprise.id},
                  token_from="/")
    header = client.get("/").get_data(as_text=True).split("<main", 1)[0]
    assert re.search(r'id="acting-enterprise">\s*'
                     + re.escape(str(escape(world.other_enterprise.name))), header)


def test_one_enterprise_is_named_in_the_header_without_a_switcher(client, world):
    client.sign_in(world.enterprise_admin.email)
    header = client.get("/").get_data(as_text=True).split("<main", 1)[0]
    assert 'id="acting-enterprise"' in header
    assert 'action="/account/enterprise"' not in header


def test_staff_see_no_enterprise_in_the_header(client, world):
    client.sign_in(world.officer.email)
    header = client.get("/").get_data(as_text=True).split("<main", 1)[0]
    assert 'id="acting-enterprise"' not in header


def test_an_agent_invitation_needs_the_firm_name(english_client, world):
    english_client.sign_in(world.enterprise_admin.email)
    before = db.session.scalar(select(func.count(Invitation.id)))
    response = _invite(english_client, world.enterprise.id, email="agent@firm.example.com",
                       role="agent", agent_firm="  ", mandate_expires_on="2027-06-30")
    assert response.status_code == 200
    assert "Enter the name of the agent&#39;s firm" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == before
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # no mail queued


def test_the_agent_invitation_email_names_the_role_firm_and_mandate_end(client, world):
    client.sign_in(world.enterprise_admin.email)
    response = _invite(client, world.enterprise.id, email="agent@firm.example.com",
                       role="agent", agent_firm="广州某会计师事务所",
                       mandate_expires_on="2027-06-30")
    assert response.status_code == 302
    body = _queued().body
    assert "授予的权限：委托代理人" in body
    assert "广州某会计师事务所" in body
    assert "委托期限至 2027年6月30日" in body


def test_a_member_invitation_email_names_the_role_and_no_mandate(client, world):
    client.sign_in(world.enterprise_admin.email)
    _invite(client, world.enterprise.id, email="staff@example.com", role="member")
    body = _queued().body
    assert "授予的权限：企业员工" in body
    assert "委托期限" not in body


def test_the_invited_users_language_is_kept_on_the_new_account(app, client, english_client,
                                                                world):
    client.sign_in(world.enterprise_admin.email)
    _invite(client, world.enterprise.id, email="new.person@example.com", role="member")
    token = _link_token(_queued())
    response = english_client.submit(f"/invitations/{token}", {
        "display_name": "New colleague", "password": "Harbour-Lights-88",
        "confirm": "Harbour-Lights-88"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.locale == "en"


def test_the_administrator_cancels_a_pending_invitation(app, client, world):
    client.sign_in(world.enterprise_admin.email)
    _invite(client, world.enterprise.id, email="new.person@example.com", role="member")
    token = _link_token(_queued())
    invitation = db.session.scalar(select(Invitation))
    members_path = f"/enterprise/{world.enterprise.id}/members"
    page = client.get(members_path).get_data(as_text=True)
    assert "尚未接受的邀请" in page
    cancel_path = f"/enterprise/{world.enterprise.id}/invitations/{invitation.id}/cancel"
    assert f'action="{cancel_path}"' in page
    response = client.submit(cancel_path, token_from=members_path)
    assert response.status_code == 302
    assert reload(invitation).revoked_at is not None
    shown = client.get(members_path).get_data(as_text=True)
    assert "发给 new.person@example.com 的邀请已撤销" in shown  # the flash says so
    assert "尚未接受的邀请" not in shown  # no pending invitation is listed any more
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "membership.invitation_cancelled"))
    assert event.details["invitation_id"] == invitation.id
    # The link no longer works, and cancelling again finds nothing.
    assert client.get(f"/invitations/{token}").status_code == 404
    assert client.submit(cancel_path, token_from=members_path).status_code == 404


def test_members_see_no_cancel_button(client, world):
    from portal.accounts.services import invite_member

    invite_member(db.session, reload(world.enterprise), invited_by=reload(world.enterprise_admin),
                  email="pending@example.com", role=MembershipRole.MEMBER,
                  mandate_expires_on=None, agent_firm=None, now=utcnow(), valid_days=7)
    db.session.commit()
    client.sign_in(world.enterprise_member.email)
    page = client.get(f"/enterprise/{world.enterprise.id}/members").get_data(as_text=True)
    assert "pending@example.com" in page
    assert "/cancel" not in page
