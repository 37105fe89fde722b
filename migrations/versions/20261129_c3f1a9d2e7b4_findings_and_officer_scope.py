"""Findings as rows with their stored deadlines, and each self-check's officer scope.

Backfill: existing self-checks get the departments of their industry's current
guide (lead and others: the scope officers had until now); submitted ones get
one finding row per finding of their stored ``result`` JSON, with the deadline
counted from the day of submission in Nansha (Asia/Shanghai) on the calendar
of today - the same rule the result page applied at render time until now.

Revision ID: c3f1a9d2e7b4
Revises: 01444024cced
Create Date: 2026-11-29 02:25:26.098228
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from portal.core.deadlines import add_working_days

revision = "c3f1a9d2e7b4"
down_revision = "01444024cced"
branch_labels = None
depends_on = None

#: The portal's default TIMEZONE: self-checks were submitted in Nansha.
NANSHA = ZoneInfo("Asia/Shanghai")


def _json(value: Any) -> Any:
    """Return a JSON column's value as Python (some drivers hand back text)."""
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("self_check_id", sa.Integer(), nullable=False),
        sa.Column("obligation_code", sa.String(length=40), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("exemptions", sa.JSON(), nullable=False),
        sa.Column("correction_working_days", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_estimated", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "rectifying",
                "closed",
                name="finding_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["self_check_id"],
            ["self_checks.id"],
            name=op.f("fk_findings_self_check_id_self_checks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_self_check_id"), ["self_check_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_findings_severity"), ["severity"], unique=False)

    op.create_table(
        "self_check_departments",
        sa.Column("self_check_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["self_check_id"],
            ["self_checks.id"],
            name=op.f("fk_self_check_departments_self_check_id_self_checks"),
        ),
        sa.PrimaryKeyConstraint("self_check_id", "department_code",
                                name=op.f("pk_self_check_departments")),
    )
    with op.batch_alter_table("self_check_departments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_check_departments_department_code"),
                              ["department_code"], unique=False)

    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    """Fill the new tables from the self-checks that exist."""
    guides = sa.table("industry_guides", sa.column("id"), sa.column("slug"))
    guide_versions = sa.table(
        "industry_guide_versions", sa.column("guide_id"), sa.column("is_current"),
        sa.column("lead_department"), sa.column("other_departments"))
    self_checks = sa.table(
        "self_checks", sa.column("id"), sa.column("industry"), sa.column("status"),
        sa.column("submitted_at"), sa.column("result"))
    departments = sa.table(
        "self_check_departments", sa.column("self_check_id"), sa.column("department_code"),
        sa.column("lead"))
    findings = sa.table(
        "findings", sa.column("self_check_id"), sa.column("obligation_code"),
        sa.column("question_id"), sa.column("severity"), sa.column("action", sa.JSON),
        sa.column("exemptions", sa.JSON), sa.column("correction_working_days"),
        sa.column("deadline"), sa.column("deadline_estimated"), sa.column("status"),
        sa.column("created_at"))

    scope: dict[str, list[tuple[str, bool]]] = {}
    for slug, lead, others in connection.execute(
            sa.select(guides.c.slug, guide_versions.c.lead_department,
                      guide_versions.c.other_departments)
            .join(guide_versions, guide_versions.c.guide_id == guides.c.id)
            .where(guide_versions.c.is_current.is_(True))):
        codes = [(lead, True)] + [(code, False) for code in dict.fromkeys(_json(others) or [])
                                  if code != lead]
        scope[slug] = codes

    department_rows: list[dict[str, Any]] = []
    finding_rows: list[dict[str, Any]] = []
    for self_check_id, industry, status, submitted_at, result in connection.execute(
            sa.select(self_checks.c.id, self_checks.c.industry, self_checks.c.status,
                      self_checks.c.submitted_at, self_checks.c.result)
            .order_by(self_checks.c.id)):
        department_rows += [{"self_check_id": self_check_id, "department_code": code,
                             "lead": lead} for code, lead in scope.get(industry, [])]
        if status != "submitted" or submitted_at is None:
            continue
        if isinstance(submitted_at, str):
            submitted_at = dt.datetime.fromisoformat(submitted_at)
        # Stored as naive UTC.
        submitted_on = submitted_at.replace(tzinfo=dt.UTC).astimezone(NANSHA).date()
        for finding in (_json(result) or {}).get("findings", []):
            days = finding.get("correction_working_days")
            deadline = add_working_days(submitted_on, days) if days is not None else None
            finding_rows.append({
                "self_check_id": self_check_id, "obligation_code": finding["obligation"],
                "question_id": finding["question_id"], "severity": finding["severity"],
                "action": finding.get("action") or {},
                "exemptions": list(finding.get("exemptions") or []),
                "correction_working_days": days,
                "deadline": deadline.date if deadline else None,
                "deadline_estimated": deadline.estimated if deadline else False,
                "status": "open", "created_at": submitted_at.replace(tzinfo=None)})
    if department_rows:
        connection.execute(departments.insert(), department_rows)
    if finding_rows:
        connection.execute(findings.insert(), finding_rows)


def downgrade() -> None:
    with op.batch_alter_table("self_check_departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_check_departments_department_code"))
    op.drop_table("self_check_departments")

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_severity"))
        batch_op.drop_index(batch_op.f("ix_findings_self_check_id"))
    op.drop_table("findings")
