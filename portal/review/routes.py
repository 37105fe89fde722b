"""Officer pages: the exemption queue, verification, decisions, legal review, objections."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/officer/exemptions")
