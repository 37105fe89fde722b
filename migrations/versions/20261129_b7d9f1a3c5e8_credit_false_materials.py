"""Credit repair applications refused for false materials bar later repair.

Revision ID: b7d9f1a3c5e8
Revises: ae9ecb3f2be7
Create Date: 2026-11-29 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b7d9f1a3c5e8"
down_revision = "ae9ecb3f2be7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default: existing applications were not refused for it.
    op.add_column("credit_repair_applications",
                  sa.Column("false_materials", sa.Boolean(), nullable=False,
                            server_default=sa.false()))


def downgrade() -> None:
    op.execute("ALTER TABLE credit_repair_applications DROP COLUMN false_materials")
