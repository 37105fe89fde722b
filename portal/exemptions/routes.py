"""Enterprise pages of exemption applications (免罚申请): apply, follow, answer, object."""

from __future__ import annotations

from flask import Blueprint

from portal.exemptions import notices  # noqa: F401  (registers the notification kinds)

bp = Blueprint("exemptions", __name__)
