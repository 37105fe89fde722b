"""The user's own account, the enterprise profile and its members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from portal.accounts.access import (
    can_change_mandate,
    load_enterprise_for,
    load_membership_for,
    register_template_predicates,
)
from portal.accounts.forms import (
    IndustryClassForm,
    InviteForm,
    MandateForm,
    SwitchEnterpriseForm,
    VersionedActionForm,
)
from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import Invitation, Membership, MembershipRole
from portal.accounts.services import (
    AccountError,
    cancel_invitation,
    change_mandate,
    choose_industry_class,
    choose_membership,
    current_memberships,
    get_pending_invitation,
    invite_member,
    list_members,
    list_pending_invitations,
    memberships_current_on,
    revoke_membership,
)
from portal.auth.sessions import SESSION_KEY, is_current, list_open_sessions
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.errors import show_beside_field
from portal.core.formatting import format_day
from portal.core.forms import EmptyForm
from portal.core.outbox import enqueue_mail
from portal.core.permissions import Permission, require
from portal.core.reference import TOWNS, class_choices, industry_name, needs_industry_class
from portal.extensions import db

bp = Blueprint("accounts", __name__)


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make the membership predicates global, so that included templates see them too."""
    register_template_predicates(state.app)


def resolve_acting_role() -> None:
    """Set ``g.role`` and ``g.membership`` for the signed-in user (before each request).

    ``g.memberships`` holds every enterprise the user may act for today (for the header's
    switcher).
    """
    g.role, g.membership, g.memberships = None, None, []
    if not current_user.is_authenticated:
        return
    staff_role = current_user.staff_role
    if staff_role is not None:
        g.role = staff_role
        return
    # Loaded with the user by the sign-in check (portal.auth.sessions): no query here.
    g.memberships = memberships_current_on(current_user.memberships, local_today())
    membership = choose_membership(g.memberships, session.get("enterprise_id"))
    if membership is not None:
        g.membership, g.role = membership, membership.acting_role


@bp.get("/account")
@login_required
def profile() -> ResponseReturnValue:
    """Show the user's own account: identity, language and sessions."""
    memberships = (current_memberships(db.session, current_user, local_today())
                   if current_user.staff_role is None else [])
    sessions = list_open_sessions(
        db.session, current_user, now=utcnow(),
        max_age=dt.timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]))
    token = session.get(SESSION_KEY)
    return render_template("accounts/profile.html", memberships=memberships,
                           switch_form=SwitchEnterpriseForm(), empty_form=EmptyForm(),
                           sessions=[(record, is_current(record, token)) for record in sessions])


@bp.post("/account/enterprise")
@login_required
def switch_enterprise() -> ResponseReturnValue:
    """Choose which of the user's enterprises to act for."""
    form = SwitchEnterpriseForm()
    if not form.validate_on_submit():
        abort(400)
    memberships = current_memberships(db.session, current_user, local_today())
    chosen = next((m for m in memberships if m.enterprise_id == form.enterprise_id.data), None)
    if chosen is None:
        abort(404)
    session["enterprise_id"] = chosen.enterprise_id
    flash(_("You are now acting for %(name)s.", name=chosen.enterprise.name), "success")
    return redirect(url_for("accounts.enterprise"))


@bp.get("/enterprise")
@require(Permission.ENTERPRISE_PROFILE_VIEW)
def enterprise() -> ResponseReturnValue:
    """Show the enterprise the user acts for."""
    membership: Membership = g.membership
    return render_template("accounts/enterprise.html", enterprise=membership.enterprise,
                           membership=membership, towns=TOWNS, industry_name=industry_name,
                           needs_class=needs_industry_class(membership.enterprise.industry_code))


@bp.route("/enterprise/<int:enterprise_id>/industry-class", methods=["GET", "POST"])
@require(Permission.ENTERPRISE_PROFILE_EDIT)
def industry_class(enterprise_id: int) -> ResponseReturnValue:
    """Record the class of an enterprise registered under a whole wholesale or retail division.

    :raises NotFound: not the user's enterprise, or its class is already recorded.
    """
    found = load_enterprise_for(enterprise_id, Permission.ENTERPRISE_PROFILE_EDIT)
    if not needs_industry_class(found.industry_code):
        abort(404)
    form = IndustryClassForm()
    form.industry_class.choices = [SelectChoice("", _("Choose the class")),
                                   *class_choices(found.industry_code, str(get_locale()))]
    if form.validate_on_submit():
        try:
            choose_industry_class(db.session, found, class_code=form.industry_class.data,
                                  actor=current_user, now=utcnow())
        except AccountError as error:
            show_beside_field(form, error, default_field="industry_class")
        else:
            db.session.commit()
            flash(_("The industry class is recorded; your self-check follows it."), "success")
            return redirect(url_for("accounts.enterprise"))
    return render_template("accounts/industry_class.html", enterprise=found, form=form,
                           industry_name=industry_name)


@bp.get("/enterprise/<int:enterprise_id>/members")
@require(Permission.ENTERPRISE_MEMBERS_VIEW)
def members(enterprise_id: int) -> ResponseReturnValue:
    """List the enterprise's members, agents and open invitations."""
    found = load_enterprise_for(enterprise_id, Permission.ENTERPRISE_MEMBERS_VIEW)
    return render_template(
        "accounts/members.html", enterprise=found,
        memberships=list_members(db.session, found),
        invitations=list_pending_invitations(db.session, found, utcnow()),
        action_form=VersionedActionForm(), today=local_today(), MembershipRole=MembershipRole)


@bp.route("/enterprise/<int:enterprise_id>/members/invite", methods=["GET", "POST"])
@require(Permission.ENTERPRISE_MEMBERS_MANAGE)
def invite(enterprise_id: int) -> ResponseReturnValue:
    """Invite a member or an agent by email."""
    found = load_enterprise_for(enterprise_id, Permission.ENTERPRISE_MEMBERS_MANAGE)
    form = InviteForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            invitation, token = invite_member(
                db.session, found, invited_by=current_user, email=form.email.data,
                role=MembershipRole(form.role.data),
                mandate_expires_on=form.mandate_expires_on.data,
                agent_firm=form.agent_firm.data, now=now,
                valid_days=current_app.config["INVITATION_DAYS"])
        except AccountError as error:
            show_beside_field(form, error, default_field="email")
        else:
            link = current_app.config["BASE_URL"].rstrip("/") + url_for(
                "auth.invitation", token=token)
            # Queued with the invitation, in its transaction: sent by the outbox worker
            # even if the mail server is down now, never for an invitation not saved.
            enqueue_mail(db.session, to=invitation.email,
                         subject=_("Invitation to %(name)s on the Nansha compliance portal",
                                   name=found.name),
                         body=_invitation_body(invitation, link=link), now=now)
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("accounts.members", enterprise_id=found.id))
    return render_template("accounts/invite.html", form=form, enterprise=found)


def _invitation_body(invitation: Invitation, *, link: str) -> str:
    """Return the invitation email: who invites, to what access, until when, and the link."""
    parts = [_("%(person)s invites you to act for %(name)s on the Nansha compliance "
               "self-service portal.", person=current_user.display_name,
               name=invitation.enterprise.name),
             _("Access given: %(role)s.", role=ROLE_LABELS[invitation.role])]
    if invitation.role == MembershipRole.AGENT and invitation.mandate_expires_on is not None:
        parts.append(_("You would act for it as an agent of %(firm)s, under a mandate that "
                       "ends on %(date)s; after that day you no longer have access.",
                       firm=invitation.agent_firm or "",
                       date=format_date(invitation.mandate_expires_on, "medium")))
    parts.append(_("Open this link within %(days)s days to accept:\n%(link)s",
                   days=current_app.config["INVITATION_DAYS"], link=link))
    parts.append(_("If you did not expect this, ignore this message."))
    return "\n\n".join(parts)


@bp.post("/enterprise/<int:enterprise_id>/invitations/<int:invitation_id>/cancel",
         endpoint="cancel_invitation")
@require(Permission.ENTERPRISE_MEMBERS_MANAGE)
def cancel_pending_invitation(enterprise_id: int, invitation_id: int) -> ResponseReturnValue:
    """Cancel an invitation not yet accepted; its link stops working."""
    found = load_enterprise_for(enterprise_id, Permission.ENTERPRISE_MEMBERS_MANAGE)
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation = get_pending_invitation(db.session, found, invitation_id, utcnow())
    if invitation is None:
        abort(404)
    cancel_invitation(db.session, invitation, actor=current_user, now=utcnow())
    db.session.commit()
    flash(_("The invitation to %(email)s is cancelled; its link no longer works.",
            email=invitation.email), "success")
    return redirect(url_for("accounts.members", enterprise_id=found.id))


@bp.post("/enterprise/<int:enterprise_id>/members/<int:membership_id>/revoke")
@require(Permission.ENTERPRISE_MEMBERS_MANAGE)
def revoke(enterprise_id: int, membership_id: int) -> ResponseReturnValue:
    """Remove a member's or agent's access."""
    found = load_enterprise_for(enterprise_id, Permission.ENTERPRISE_MEMBERS_MANAGE)
    membership = load_membership_for(found, membership_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    revoke_membership(db.session, membership, actor=current_user,
                      expected_version=form.version.data, now=utcnow())
    db.session.commit()
    flash(_("%(name)s no longer has access.", name=membership.user.display_name), "success")
    return redirect(url_for("accounts.members", enterprise_id=found.id))


@bp.route("/enterprise/<int:enterprise_id>/members/<int:membership_id>/mandate",
          methods=["GET", "POST"])
@require(Permission.ENTERPRISE_MEMBERS_MANAGE)
def mandate(enterprise_id: int, membership_id: int) -> ResponseReturnValue:
    """Change the last day of an agent's mandate."""
    found = load_enterprise_for(enterprise_id, Permission.ENTERPRISE_MEMBERS_MANAGE)
    membership = load_membership_for(found, membership_id)
    if not can_change_mandate(membership, role=g.get("role"), acting=g.get("membership")):
        abort(404)
    form = MandateForm(data={"mandate_expires_on": membership.mandate_expires_on,
                             "version": membership.version})
    if form.validate_on_submit():
        try:
            change_mandate(db.session, membership, actor=current_user,
                           mandate_expires_on=form.mandate_expires_on.data,
                           expected_version=form.version.data, now=utcnow())
        except AccountError as error:
            show_beside_field(form, error, default_field="mandate_expires_on")
        else:
            db.session.commit()
            flash(_("The mandate now ends on %(date)s.",
                    date=format_day(form.mandate_expires_on.data)), "success")
            return redirect(url_for("accounts.members", enterprise_id=found.id))
    return render_template("accounts/mandate.html", form=form, enterprise=found,
                           membership=membership)

