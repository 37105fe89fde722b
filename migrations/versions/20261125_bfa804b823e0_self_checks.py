"""Self-checks: drafts and submitted, scored records bound to a questionnaire version.

Revision ID: bfa804b823e0
Revises: e6b5c702cf42
Create Date: 2026-11-25 21:51:36.417217
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bfa804b823e0"
down_revision = "e6b5c702cf42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                name="self_check_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("visited_sections", sa.JSON(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        sa.Column("signer_role", sa.String(length=100), nullable=True),
        sa.Column("commitment_text", sa.Text(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=20), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status != 'submitted' OR (submitted_at IS NOT NULL AND score IS NOT NULL "
            "AND reference IS NOT NULL)",
            name=op.f("ck_self_checks_submitted_complete"),
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)",
            name=op.f("ck_self_checks_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_self_checks_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["self_checks.id"], name=op.f("fk_self_checks_previous_id_self_checks")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_versions.id"],
            name=op.f("fk_self_checks_questionnaire_version_id_questionnaire_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_self_checks_started_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_self_checks_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_checks")),
        sa.UniqueConstraint("reference", name=op.f("uq_self_checks_reference")),
    )
    with op.batch_alter_table("self_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_checks_band"), ["band"], unique=False)
        batch_op.create_index(
            "ix_self_checks_enterprise_status", ["enterprise_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_self_checks_industry"), ["industry"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("self_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_checks_industry"))
        batch_op.drop_index("ix_self_checks_enterprise_status")
        batch_op.drop_index(batch_op.f("ix_self_checks_band"))

    op.drop_table("self_checks")
