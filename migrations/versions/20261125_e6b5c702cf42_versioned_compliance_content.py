"""Versioned compliance content: guides, obligations, exemption entries, questionnaires.

Revision ID: e6b5c702cf42
Revises: d6a07113dcd2
Create Date: 2026-11-25 21:34:21.257528
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e6b5c702cf42"
down_revision = "d6a07113dcd2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_syncs")),
    )
    op.create_table(
        "exemption_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption_entries")),
        sa.UniqueConstraint("key", name=op.f("uq_exemption_entries_key")),
    )
    op.create_table(
        "industry_guides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_guides")),
        sa.UniqueConstraint("slug", name=op.f("uq_industry_guides_slug")),
    )
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint("code", name=op.f("uq_obligations_code")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obligations_industry"), ["industry"], unique=False)

    op.create_table(
        "questionnaire_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_versions")),
        sa.UniqueConstraint(
            "industry", "version_no", name=op.f("uq_questionnaire_versions_industry_version_no")
        ),
    )
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_versions_industry"), ["industry"], unique=False
        )

    op.create_table(
        "source_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_lists")),
        sa.UniqueConstraint("key", name=op.f("uq_source_lists_key")),
    )
    op.create_table(
        "exemption_entry_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=12), nullable=True),
        sa.Column("list_type", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("source_key", sa.String(length=30), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("title_search", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "list_type IN ('no_penalty', 'first_violation', 'mitigated', 'lenient', "
            "'no_compulsion')",
            name=op.f("ck_exemption_entry_versions_list_type"),
        ),
        sa.CheckConstraint(
            "effective_until IS NULL OR effective_from IS NULL "
            "OR effective_from <= effective_until",
            name=op.f("ck_exemption_entry_versions_dates_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["exemption_entries.id"],
            name=op.f("fk_exemption_entry_versions_entry_id_exemption_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption_entry_versions")),
        sa.UniqueConstraint(
            "entry_id", "version_no", name=op.f("uq_exemption_entry_versions_entry_id_version_no")
        ),
    )
    with op.batch_alter_table("exemption_entry_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exemption_entry_versions_current_list", ["is_current", "list_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exemption_entry_versions_department"), ["department"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exemption_entry_versions_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exemption_entry_versions_item_code"), ["item_code"], unique=False
        )

    op.create_table(
        "industry_guide_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("zh_hant_generated", sa.Boolean(), nullable=False),
        sa.Column("divisions", sa.JSON(), nullable=False),
        sa.Column("lead_department", sa.String(length=40), nullable=False),
        sa.Column("other_departments", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["industry_guides.id"],
            name=op.f("fk_industry_guide_versions_guide_id_industry_guides"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_guide_versions")),
        sa.UniqueConstraint(
            "guide_id", "version_no", name=op.f("uq_industry_guide_versions_guide_id_version_no")
        ),
    )
    with op.batch_alter_table("industry_guide_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_industry_guide_versions_guide_id"), ["guide_id"], unique=False
        )

    op.create_table(
        "obligation_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("verify", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high')", name=op.f("ck_obligation_versions_severity")
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_obligation_versions_obligation_id_obligations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_versions")),
        sa.UniqueConstraint(
            "obligation_id",
            "version_no",
            name=op.f("uq_obligation_versions_obligation_id_version_no"),
        ),
    )
    with op.batch_alter_table("obligation_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_obligation_versions_obligation_id"), ["obligation_id"], unique=False
        )

    op.create_table(
        "exemption_entry_industries",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["exemption_entry_versions.id"],
            name=op.f("fk_exemption_entry_industries_version_id_exemption_entry_versions"),
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "industry", name=op.f("pk_exemption_entry_industries")
        ),
    )
    with op.batch_alter_table("exemption_entry_industries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exemption_entry_industries_industry"), ["industry"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exemption_entry_industries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemption_entry_industries_industry"))

    op.drop_table("exemption_entry_industries")
    with op.batch_alter_table("obligation_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligation_versions_obligation_id"))

    op.drop_table("obligation_versions")
    with op.batch_alter_table("industry_guide_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_industry_guide_versions_guide_id"))

    op.drop_table("industry_guide_versions")
    with op.batch_alter_table("exemption_entry_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemption_entry_versions_item_code"))
        batch_op.drop_index(batch_op.f("ix_exemption_entry_versions_entry_id"))
        batch_op.drop_index(batch_op.f("ix_exemption_entry_versions_department"))
        batch_op.drop_index("ix_exemption_entry_versions_current_list")

    op.drop_table("exemption_entry_versions")
    op.drop_table("source_lists")
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_versions_industry"))

    op.drop_table("questionnaire_versions")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligations_industry"))

    op.drop_table("obligations")
    op.drop_table("industry_guides")
    op.drop_table("exemption_entries")
    op.drop_table("content_syncs")
