"""The audit trail refuses TRUNCATE on PostgreSQL, as it refuses UPDATE and DELETE.

Row triggers do not fire for TRUNCATE; a statement trigger does. SQLite has no
TRUNCATE (its ``DELETE FROM`` without WHERE already fires the row trigger).

Revision ID: 5a1c0e7d9b21
Revises: c3f1a9d2e7b4
Create Date: 2026-11-29 02:45:00
"""

from alembic import op

revision = "5a1c0e7d9b21"
down_revision = "c3f1a9d2e7b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
