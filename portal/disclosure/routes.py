"""Public pages: /decisions (list, filters, each decision) and /verify/<code>."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("disclosure", __name__)
