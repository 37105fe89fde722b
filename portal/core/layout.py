"""The layout's navigation links, rendered once per language and role in each process.

The links (about twenty ``url_for`` and ``_()`` calls, and a permission check each)
are the same for every request with the same language, role and acting enterprise;
the parts that are not (the unread count, the user's name, the CSRF token) stay in
``base.html``.
"""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from portal.core.permissions import current_role

#: Combinations kept per process; past this the memo starts again (roles × languages is
#: small; an enterprise administrator's links name their enterprise).
_MAX_KEPT = 512


def nav_links() -> Markup:
    """Return the layout's navigation links for this request's language and role."""
    membership = g.get("membership")
    key = (str(get_locale()), request.script_root, current_user.is_authenticated,
           current_role(), membership.enterprise_id if membership is not None else None)
    memo: dict[tuple[object, ...], Markup] = current_app.extensions["portal_nav_links"]
    found = memo.get(key)
    if found is None:
        found = Markup(render_template("_nav_links.html").strip())  # noqa: S704 - our template
        if current_app.debug:
            return found  # templates edited while the server runs show at once
        if len(memo) >= _MAX_KEPT:
            memo.clear()
        memo[key] = found
    return found


def init_app(app: Flask) -> None:
    """Offer ``nav_links()`` to templates."""
    app.extensions["portal_nav_links"] = {}
    app.jinja_env.globals["nav_links"] = nav_links
