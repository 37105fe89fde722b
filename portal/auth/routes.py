"""Sign-in, sign-out, registration, password change and invitation acceptance."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
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
    change_password,
    find_invitation,
    sign_out_everywhere,
)
from portal.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    RegistrationForm,
    SignInForm,
)
from portal.auth.models import TokenPurpose
from portal.auth.services import (
    AccountLockedNow,
    RegistrationStarted,
    SignInLimits,
    authenticate,
    confirm_registration,
    find_pending_registration,
    find_token,
    request_password_reset,
    reset_password,
    start_registration,
    unlock_account,
)
from portal.auth.sessions import (
    SESSION_KEY,
    end_all_sessions,
    end_session,
    end_session_by_id,
    find_signed_in_user,
    start_session,
)
from portal.core.db import utcnow
from portal.core.errors import show_beside_field
from portal.core.forms import EmptyForm
from portal.core.mail import send_mail_after_response
from portal.core.reference import industry_choices
from portal.core.urls import safe_next_url
from portal.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

#: Where a user who must choose their own password may still go.
_ALLOWED_BEFORE_OWN_PASSWORD = frozenset({"static", "auth.password", "auth.sign_out",
                                          "auth.sign_out_all", "main.set_language"})


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
        # The cookie must also name an open server-side session: sign-out ends it at once.
        found = find_signed_in_user(db.session, int(user_id), session.get(SESSION_KEY),
                                    now=utcnow(), max_age=_absolute_lifetime())
        if found is None:
            return None
        user = found.user
        if not user.is_active or user.session_version != int(version):
            return None
        g.session_expires_at = found.expires_at
        if request.method in ("GET", "HEAD"):
            # The header's unread count, read with the user: the notifications' context
            # processor counts only when this is absent. A POST counts when its page is
            # drawn, after it may have marked notifications read.
            g.unread_notifications = found.unread_notifications
        return user


def _absolute_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


def _start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (no fixation), keeping the language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[SESSION_KEY] = start_session(
        db.session, user, user_agent=request.headers.get("User-Agent", ""),
        ip_address=request.remote_addr or "", now=utcnow())
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
            user = authenticate(db.session, form.identifier.data, form.password.data,
                                ip_address=request.remote_addr or "", now=now,
                                limits=_sign_in_limits())
        except (SignInFailed, AccountLocked) as error:
            db.session.commit()  # failures are counted even though sign-in fails
            form.password.errors.append(str(error.message))
            response = make_response(render_template("auth/sign_in.html", form=form))
            if isinstance(error, AccountLockedNow):
                _send_unlock_link(response, error.user, error.token)
            return response
        else:
            _start_session(user)
            db.session.commit()
            if user.must_change_password:
                flash(_("Your password was set by an administrator. Choose your own "
                        "password to continue."), "info")
                return redirect(url_for("auth.password"))
            flash(_("You are signed in."), "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/sign_in.html", form=form)


def _sign_in_limits() -> SignInLimits:
    config = current_app.config
    return SignInLimits(address_max_failures=config["SIGN_IN_MAX_FAILURES"],
                        address_lock_minutes=config["SIGN_IN_LOCK_MINUTES"],
                        account_max_failures=config["SIGN_IN_ACCOUNT_MAX_FAILURES"],
                        unlock_link_hours=config["UNLOCK_LINK_HOURS"])


def _absolute_link(endpoint: str, **values: Any) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _send_unlock_link(response: Response, user: User, token: str) -> None:
    if not user.email:
        return
    send_mail_after_response(
        response, user.email, _("Your account on the Nansha compliance portal is locked"),
        _("There were many failed attempts to sign in to your account, so it is locked."
          "\n\nIf they were yours, open this link within %(hours)s hours to unlock it:"
          "\n%(link)s\n\nIf they were not yours, someone may know your email address; "
          "unlock the account and change your password.",
          hours=current_app.config["UNLOCK_LINK_HOURS"],
          link=_absolute_link("auth.unlock", token=token)))


@bp.before_app_request
def require_own_password() -> ResponseReturnValue | None:
    """Keep a user whose password an administrator chose on the password page until changed."""
    if (request.endpoint in _ALLOWED_BEFORE_OWN_PASSWORD or request.endpoint is None
            or not current_user.is_authenticated or not current_user.must_change_password):
        return None
    flash(_("Your password was set by an administrator. Choose your own password to "
            "continue."), "info")
    return redirect(url_for("auth.password"))


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    """Sign out of this browser."""
    form = EmptyForm()
    if form.validate_on_submit():
        end_session(db.session, session.get(SESSION_KEY), now=utcnow())
        db.session.commit()
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
        now = utcnow()
        sign_out_everywhere(db.session, current_user, now=now)
        end_all_sessions(db.session, current_user, now=now)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out on every device."), "success")
    return redirect(url_for("auth.sign_in"))


def _form_limit() -> str:
    return current_app.config["FORM_RATE_LIMIT"]


def _send_registration_mail(response: Response, started: RegistrationStarted) -> None:
    """Send the confirmation link, or tell the address's owner they have an account."""
    if started.token is None:
        send_mail_after_response(
            response, started.email, _("Registration on the Nansha compliance portal"),
            _("Someone tried to register an enterprise on the Nansha compliance portal "
              "with this email address, which already has an account.\n\nIf it was "
              "you, sign in: %(sign_in)s\nForgot your password? %(reset)s\n\nIf it "
              "was not you, ignore this message.",
              sign_in=_absolute_link("auth.sign_in"),
              reset=_absolute_link("auth.forgot_password")))
        return
    send_mail_after_response(
        response, started.email,
        _("Confirm your registration on the Nansha compliance portal"),
        _("Open this link within %(hours)s hours to confirm your email address and "
          "finish registering your enterprise:\n%(link)s\n\nIf you did not register, "
          "ignore this message: nothing is created without this step.",
          hours=current_app.config["REGISTRATION_LINK_HOURS"],
          link=_absolute_link("auth.confirm_registration_with_link", token=started.token)))


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def confirm_registration_with_link(token: str) -> ResponseReturnValue:
    """Finish registering once the email is confirmed (a button: links get prefetched)."""
    pending = find_pending_registration(db.session, token, now=utcnow())
    if pending is None:
        return render_template("auth/link_invalid.html"), 404
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            _enterprise, user = confirm_registration(db.session, token, now=utcnow())
        except AccountError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("auth.register"))
        _start_session(user)
        db.session.commit()
        flash(_("Your enterprise is registered and you are signed in as its "
                "administrator."), "success")
        return redirect(url_for("accounts.enterprise"))
    return render_template("auth/register_confirm.html", form=form, pending=pending)


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a password-reset link; the answer is the same whether an account exists."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        now = utcnow()
        found = request_password_reset(
            db.session, form.identifier.data, now=now,
            lifetime=dt.timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]))
        db.session.commit()
        # The same page either way; a message, if any, leaves after the page has.
        response = make_response(render_template("auth/reset_sent.html"))
        if found is not None:
            user, token = found
            send_mail_after_response(
                response, user.email or "",
                _("Reset your password on the Nansha compliance portal"),
                _("Someone asked to reset the password of your account.\n\nOpen this "
                  "link within %(minutes)s minutes to choose a new password:\n%(link)s"
                  "\n\nIf it was not you, ignore this message: your password stays as "
                  "it is.",
                  minutes=current_app.config["PASSWORD_RESET_MINUTES"],
                  link=_absolute_link("auth.reset_password_with_link", token=token)))
        return response
    return render_template("auth/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def reset_password_with_link(token: str) -> ResponseReturnValue:
    """Choose a new password through the link sent by email."""
    if find_token(db.session, token, TokenPurpose.PASSWORD_RESET, now=utcnow()) is None:
        return render_template("auth/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(db.session, token, form.password.data, now=utcnow())
        except AccountError:  # used a moment ago in another tab
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 404
        db.session.commit()
        logout_user()
        session.pop(SESSION_KEY, None)
        flash(_("Your password is changed. Sign in with the new password."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account/unlock/<token>", methods=["GET", "POST"])
@limiter.limit(_form_limit, methods=["POST"])
def unlock(token: str) -> ResponseReturnValue:
    """Unlock one's account through the link sent by email (a button: links get prefetched)."""
    if find_token(db.session, token, TokenPurpose.UNLOCK, now=utcnow()) is None:
        return render_template("auth/link_invalid.html"), 404
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            unlock_account(db.session, token, now=utcnow())
        except AccountError:
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 404
        db.session.commit()
        flash(_("Your account is unlocked. You can sign in again."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/unlock.html", form=form)


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
            started = start_registration(
                db.session, data, now=utcnow(),
                lifetime=dt.timedelta(hours=current_app.config["REGISTRATION_LINK_HOURS"]))
        except AccountError as error:
            show_beside_field(form, error, default_field="admin_email")
        else:
            db.session.commit()
            response = make_response(render_template("auth/register_check_email.html",
                                                     email=started.email))
            _send_registration_mail(response, started)
            return response
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
            show_beside_field(form, error, default_field="current_password")
        else:
            # Other sessions end; this one continues under the new session version.
            end_all_sessions(db.session, current_user, now=utcnow(),
                             keep_token=session.get(SESSION_KEY))
            db.session.commit()
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
        user = accept_invitation(
            db.session, found, user=current_user if signed_in else None,
            display_name=None if signed_in else form.display_name.data,
            password=None if signed_in else form.password.data, now=utcnow(),
            locale=str(get_locale()))
        if not signed_in:
            _start_session(user)
        db.session.commit()
        session["enterprise_id"] = found.enterprise_id
        flash(_("You have joined %(name)s.", name=found.enterprise.name), "success")
        return redirect(url_for("accounts.enterprise"))
    return render_template("auth/invitation.html", form=form, invitation=found,
                           signed_in=signed_in)


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_other_session(session_id: int) -> ResponseReturnValue:
    """End one of the signed-in user's sessions (another device, or this one)."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if not end_session_by_id(db.session, current_user, session_id, now=utcnow()):
        abort(404)  # not an open session of this user: someone else's looks the same
    db.session.commit()
    flash(_("The session has ended. That device must sign in again."), "success")
    return redirect(url_for("accounts.profile"))
