"""Sign-in, sign-out, registration, password change and invitation acceptance."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from portal.accounts.models import User
from portal.accounts.services import (
    AccountError,
    AccountLocked,
    EnterpriseRegistration,
    SignInFailed,
    accept_invitation,
    authenticate,
    change_password,
    find_invitation,
    register_enterprise,
    sign_out_everywhere,
)
from portal.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    RegistrationForm,
    SignInForm,
)
from portal.core.db import utcnow
from portal.core.forms import EmptyForm
from portal.core.reference import industry_choices
from portal.core.urls import safe_next_url
from portal.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)


def configure_login_manager(manager: LoginManager) -> None:
    """Load users by id and session version; send strangers to the sign-in page."""
    manager.login_view = "auth.sign_in"
    manager.login_message = _l("Sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _sep, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return user


def _start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (no fixation), keeping the language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def sign_in() -> ResponseReturnValue:
    """Sign in with email or mobile number and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = authenticate(db.session, form.identifier.data, form.password.data, now=now,
                                max_failures=current_app.config["SIGN_IN_MAX_FAILURES"],
                                lock_minutes=current_app.config["SIGN_IN_LOCK_MINUTES"])
        except (SignInFailed, AccountLocked) as error:
            db.session.commit()  # failures are counted even though sign-in fails
            form.password.errors.append(str(error.message))
        else:
            db.session.commit()
            _start_session(user)
            flash(_("You are signed in."), "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    """Sign out of this browser."""
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("You are signed out."), "success")
    return redirect(url_for("main.home"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_all() -> ResponseReturnValue:
    """End every session of the signed-in user, including this one."""
    form = EmptyForm()
    if form.validate_on_submit():
        sign_out_everywhere(db.session, current_user, now=utcnow())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out on every device."), "success")
    return redirect(url_for("auth.sign_in"))


def _form_limit() -> str:
    return current_app.config["FORM_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """Register an enterprise and its administrator."""
    if current_user.is_authenticated:
        flash(_("Sign out before registering another enterprise."), "info")
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.industry_code.choices = [SelectChoice("", _("Choose the industry")),
                                  *industry_choices(str(get_locale()))]
    if form.validate_on_submit():
        data = EnterpriseRegistration(
            uscc=form.uscc.data, name=form.name.data, industry_code=form.industry_code.data,
            town=form.town.data, address=form.address.data,
            legal_representative=form.legal_representative.data,
            contact_mobile=form.contact_mobile.data, contact_email=form.contact_email.data,
            admin_name=form.admin_name.data, admin_email=form.admin_email.data,
            admin_mobile=form.admin_mobile.data or None, password=form.password.data,
            locale=str(get_locale()),
        )
        try:
            _enterprise, user = register_enterprise(db.session, data, now=utcnow())
        except AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error.message))
        else:
            db.session.commit()
            _start_session(user)
            flash(_("Your enterprise is registered and you are signed in as its "
                    "administrator."), "success")
            return redirect(url_for("accounts.enterprise"))
    return render_template("auth/register.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_form_limit, methods=["POST"])
def password() -> ResponseReturnValue:
    """Change the signed-in user's password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(db.session, current_user,
                            current_password=form.current_password.data,
                            new_password=form.password.data, now=utcnow())
        except AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(str(error.message))
        else:
            db.session.commit()
            # Other sessions end; this one continues under the new session version.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other devices have been signed out."),
                  "success")
            return redirect(url_for("accounts.profile"))
    return render_template("auth/password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def invitation(token: str) -> ResponseReturnValue:
    """Accept an invitation to an enterprise, creating an account if needed."""
    found = find_invitation(db.session, token, utcnow())
    if found is None:
        return render_template("auth/invitation_invalid.html"), 404
    signed_in = current_user.is_authenticated
    form = EmptyForm() if signed_in else AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(
                db.session, found, user=current_user if signed_in else None,
                display_name=None if signed_in else form.display_name.data,
                password=None if signed_in else form.password.data, now=utcnow())
        except AccountError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            if not signed_in:
                _start_session(user)
            session["enterprise_id"] = found.enterprise_id
            flash(_("You have joined %(name)s.", name=found.enterprise.name), "success")
            return redirect(url_for("accounts.enterprise"))
    return render_template("auth/invitation.html", form=form, invitation=found,
                           signed_in=signed_in)
