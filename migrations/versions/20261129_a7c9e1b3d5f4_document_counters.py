"""Document counters (one per authority short name, document type and year) and the
administrator's confirmation of a department's short name.

Revision ID: a7c9e1b3d5f4
Revises: e3a5c7e9f1b2
Create Date: 2026-11-29 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c9e1b3d5f4"
down_revision = "e3a5c7e9f1b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("doc_type", sa.Enum("不罚", "减罚", "从轻", "免强", name="document_type",
                                      native_enum=False, create_constraint=True, length=10),
                  nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("year BETWEEN 2000 AND 2999",
                           name=op.f("ck_document_counters_year_range")),
        sa.CheckConstraint("last_number >= 0",
                           name=op.f("ck_document_counters_last_number_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_counters")),
        sa.UniqueConstraint("authority", "doc_type", "year",
                            name=op.f("uq_document_counters_authority_doc_type_year")),
    )
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_name_confirmed", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("short_name_confirmed")
    op.drop_table("document_counters")
