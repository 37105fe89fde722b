"""Index the officer queue by industry and town (a rare pair scanned the whole department).

Revision ID: f1a3c5e7b9d2
Revises: a7c9e1b3d5f4
Create Date: 2026-11-29 06:15:00
"""

from __future__ import annotations

from alembic import op

revision = "f1a3c5e7b9d2"
down_revision = "a7c9e1b3d5f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rectification_cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_queue_place",
                              ["department_code", "industry_code", "town", "action_due", "id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rectification_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_queue_place")
