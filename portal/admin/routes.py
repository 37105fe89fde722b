"""Administration pages: staff accounts, departments and the audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from portal.accounts.models import Department, User, UserKind
from portal.accounts.services import (
    AccountError,
    create_department,
    create_staff_user,
    list_departments,
    set_department_short_name,
    set_user_active,
)
from portal.admin.forms import DepartmentForm, DepartmentShortNameForm, StaffUserForm
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.errors import show_beside_field
from portal.core.forms import EmptyForm
from portal.core.input import parse_positive_int
from portal.core.permissions import Permission, require
from portal.extensions import db
from portal.guides.models import (
    ContentSync,
    ExemptionEntryRecord,
    IndustryGuide,
    ObligationRecord,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
#: Beyond this page the audit trail is searched, not paged (and offsets stay small).
MAX_AUDIT_PAGE = 100_000


@bp.get("/")
@require(Permission.ADMIN_USERS_MANAGE)
def index() -> ResponseReturnValue:
    """Show what an administrator can manage."""
    counts = {kind: db.session.scalar(select(func.count(User.id)).where(User.kind == kind))
              for kind in UserKind}
    return render_template("admin/index.html", counts=counts, UserKind=UserKind)


@bp.get("/users")
@require(Permission.ADMIN_USERS_MANAGE)
def users() -> ResponseReturnValue:
    """List government staff accounts."""
    staff = db.session.scalars(
        select(User).where(User.kind != UserKind.ENTERPRISE)
        .order_by(User.kind, User.display_name)).all()
    return render_template("admin/users.html", users=staff, form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.ADMIN_USERS_MANAGE)
def create_user() -> ResponseReturnValue:
    """Create an officer, legal-reviewer or administrator account."""
    form = StaffUserForm()
    departments = list_departments(db.session)
    locale = str(get_locale())
    form.department.choices = [SelectChoice("", _("No department (administrators)")),
                               *(SelectChoice(str(d.id), d.name(locale)) for d in departments)]
    if form.validate_on_submit():
        department = (db.session.get(Department, int(form.department.data))
                      if form.department.data else None)
        try:
            user = create_staff_user(
                db.session, kind=UserKind(form.kind.data), email=form.email.data,
                display_name=form.display_name.data, password=form.password.data,
                department=department, created_by=current_user, now=utcnow(),
                mobile=form.mobile.data or None)
        except AccountError as error:
            show_beside_field(form, error, default_field="email")
        else:
            db.session.commit()
            flash(_("Account created for %(name)s.", name=user.display_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.post("/users/<int:user_id>/active")
@require(Permission.ADMIN_USERS_MANAGE)
def toggle_user(user_id: int) -> ResponseReturnValue:
    """Enable or disable a staff account."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None or user.kind == UserKind.ENTERPRISE:
        abort(404)
    set_user_active(db.session, user, active=not user.is_active, actor=current_user,
                    now=utcnow())
    db.session.commit()
    flash(_("Account of %(name)s updated.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/departments", methods=["GET", "POST"])
@require(Permission.ADMIN_DEPARTMENTS_MANAGE)
def departments() -> ResponseReturnValue:
    """List departments and add one."""
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            create_department(db.session, code=form.code.data,
                              name_zh_hans=form.name_zh_hans.data, name_en=form.name_en.data,
                              short_name=form.short_name.data, actor=current_user,
                              now=utcnow())
        except AccountError as error:
            show_beside_field(form, error, default_field="code")
        else:
            db.session.commit()
            flash(_("Department added."), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/departments.html", form=form,
                           departments=list_departments(db.session))


@bp.route("/departments/<int:department_id>/short-name", methods=["GET", "POST"])
@require(Permission.ADMIN_DEPARTMENTS_MANAGE)
def department_short_name(department_id: int) -> ResponseReturnValue:
    """Set and confirm the short name of a department's document numbers."""
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    form = DepartmentShortNameForm(
        data=None if request.method == "POST" else {
            "short_name": department.short_name, "confirmed": department.short_name_confirmed})
    if form.validate_on_submit():
        try:
            set_department_short_name(db.session, department, short_name=form.short_name.data,
                                      confirmed=form.confirmed.data, actor=current_user,
                                      now=utcnow())
        except AccountError as error:
            show_beside_field(form, error, default_field="short_name")
        else:
            db.session.commit()
            flash(_("Short name of %(name)s saved.", name=department.name(str(get_locale()))),
                  "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_short_name.html", form=form,
                           department=department)


@bp.get("/content")
@require(Permission.ADMIN_CONTENT_VIEW)
def content() -> ResponseReturnValue:
    """Show when the compliance content was synced and what each sync changed."""
    syncs = db.session.scalars(select(ContentSync).order_by(ContentSync.id.desc()).limit(50))
    counts = {
        "guides": db.session.scalar(select(func.count(IndustryGuide.id)).where(
            IndustryGuide.retired_at.is_(None))),
        "obligations": db.session.scalar(select(func.count(ObligationRecord.id)).where(
            ObligationRecord.retired_at.is_(None))),
        "exemption_entries": db.session.scalar(select(func.count(ExemptionEntryRecord.id)).where(
            ExemptionEntryRecord.retired_at.is_(None))),
    }
    return render_template("admin/content.html", syncs=list(syncs), counts=counts)


@bp.get("/audit")
@require(Permission.ADMIN_AUDIT_VIEW)
def audit() -> ResponseReturnValue:
    """Show the audit trail, newest first, one page at a time."""
    page = parse_positive_int(request.args.get("page", "1"), maximum=MAX_AUDIT_PAGE)
    if page is None:
        abort(404)
    events = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("admin/audit.html", events=events[:PAGE_SIZE], page=page,
                           has_next=len(events) > PAGE_SIZE)
