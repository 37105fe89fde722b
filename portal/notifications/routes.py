"""The notification centre's pages and the header's unread count."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.db import utcnow
from portal.core.forms import EmptyForm
from portal.extensions import db
from portal.notifications.services import (
    mark_all_read,
    mark_read,
    notification_path,
    notification_text,
    notifications_page,
    unread_count,
)

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def inject_unread_count() -> dict[str, Any]:
    """Give templates ``unread_notifications()``: counted once per request, when asked."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = unread_count(db.session, current_user)
        return int(g.unread_notifications)

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    """List the user's own notifications, newest first, a page at a time."""
    before = request.args.get("before", type=int)
    notifications, next_before = notifications_page(db.session, current_user, before=before)
    items = [(notification, notification_text(notification), notification_path(notification))
             for notification in notifications]
    return render_template("notifications/index.html", items=items, next_before=next_before,
                           paged=before is not None, form=EmptyForm())


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> ResponseReturnValue:
    """Mark one of the user's notifications read."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if mark_read(db.session, current_user, notification_id, now=utcnow()) is None:
        abort(404)  # someone else's notification looks the same as none
    db.session.commit()
    return redirect(url_for("notifications.index", _anchor=f"notification-{notification_id}"))


@bp.post("/notifications/read-all")
@login_required
def read_all() -> ResponseReturnValue:
    """Mark every notification of the user read."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = mark_all_read(db.session, current_user, now=utcnow())
    db.session.commit()
    if count:
        flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))
