"""Indexes of the officers' list (submitted self-checks, newest first) and of entry
search (trigrams of the search text on PostgreSQL, with the pg_trgm extension).

Revision ID: e3a5c7e9f1b2
Revises: c5e7a9b1d3f2
Create Date: 2026-11-29 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e3a5c7e9f1b2"
down_revision = "c5e7a9b1d3f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_self_checks_status_submitted_at", "self_checks",
                    ["status", "submitted_at", "id"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_index("ix_exemption_entry_versions_search_text_trgm",
                        "exemption_entry_versions", ["search_text"])
        return
    # pg_trgm is a trusted extension: the database's owner may create it. It lives in one
    # schema per database (public unless a DBA put it elsewhere), so the operator class
    # is named with its schema: the portal's own schema need not be that one. Migrations
    # of several schemas may run at once (one per test worker, or two instances starting):
    # an advisory lock, held to the end of this transaction, lets one create it and the
    # others see it, instead of all checking first and all creating it.
    bind.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('portal:create pg_trgm'))"))
    schema = bind.scalar(sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                                 "WHERE extname = 'pg_trgm'"))
    if schema is None:
        op.execute("CREATE EXTENSION pg_trgm SCHEMA public")
        schema = "public"
    op.execute("CREATE INDEX ix_exemption_entry_versions_search_text_trgm ON "
               f"exemption_entry_versions USING gin (search_text {schema}.gin_trgm_ops)")


def downgrade() -> None:
    op.drop_index("ix_exemption_entry_versions_search_text_trgm",
                  table_name="exemption_entry_versions")
    op.drop_index("ix_self_checks_status_submitted_at", table_name="self_checks")
