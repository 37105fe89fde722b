"""Stored files: an append-only ledger of every upload kept in storage.

Revision ID: 01444024cced
Revises: bfa804b823e0
Create Date: 2026-11-29 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "01444024cced"
down_revision = "bfa804b823e0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_stored_files_size_positive")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_stored_files_sha256_length")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_stored_files_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_files_sha256"), ["sha256"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stored_files_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )
    _protect_stored_files()


# Like the audit trail, the ledger is append-only: the database refuses UPDATE and DELETE.
_PG_TRIGGER = """
CREATE FUNCTION stored_files_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stored_files is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stored_files_no_update BEFORE UPDATE OR DELETE ON stored_files
    FOR EACH ROW EXECUTE FUNCTION stored_files_append_only();
"""

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER stored_files_no_update BEFORE UPDATE ON stored_files "
    "BEGIN SELECT RAISE(ABORT, 'stored_files is append-only'); END",
    "CREATE TRIGGER stored_files_no_delete BEFORE DELETE ON stored_files "
    "BEGIN SELECT RAISE(ABORT, 'stored_files is append-only'); END",
)


def _protect_stored_files() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER stored_files_no_update ON stored_files")
        op.execute("DROP FUNCTION stored_files_append_only()")
    else:
        op.execute("DROP TRIGGER stored_files_no_update")
        op.execute("DROP TRIGGER stored_files_no_delete")
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_files_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_stored_files_sha256"))
    op.drop_table("stored_files")
