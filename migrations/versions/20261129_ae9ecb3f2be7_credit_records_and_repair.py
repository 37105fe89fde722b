"""Credit records (行政处罚信息), credit standings and repair applications with their files.

Revision ID: ae9ecb3f2be7
Revises: 51aa5848f3e8
Create Date: 2026-11-29 08:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ae9ecb3f2be7"
down_revision = '51aa5848f3e8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column("violation", sa.Text(), nullable=False),
        sa.Column("penalty_types", sa.JSON(), nullable=False),
        sa.Column("fine_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column(
            "record_class",
            sa.Enum(
                "minor",
                "general",
                "serious",
                name="credit_record_class",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "market_category",
            sa.Enum(
                "warning",
                "low_fine_or_criticism",
                "other",
                name="credit_market_category",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("food_drug_special_equipment", sa.Boolean(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column(
            "publication_status",
            sa.Enum(
                "published",
                "unpublished",
                "repaired",
                "expired",
                name="credit_publication_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("publication_starts_on", sa.Date(), nullable=True),
        sa.Column("publication_ends_on", sa.Date(), nullable=True),
        sa.Column("earliest_repair_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("fine_amount >= 0", name=op.f("ck_credit_records_fine_not_negative")),
        sa.CheckConstraint(
            "publication_ends_on IS NULL OR publication_ends_on >= decision_date",
            name=op.f("ck_credit_records_ends_after_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_credit_records_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_credit_records_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint("decision_number", name=op.f("uq_credit_records_decision_number")),
    )
    op.create_index(
        op.f("ix_credit_records_department_code"), "credit_records", ["department_code"]
    )
    op.create_index(
        "ix_credit_records_enterprise", "credit_records", ["enterprise_id", "decision_date"]
    )
    op.create_index(
        "ix_credit_records_expiry", "credit_records", ["publication_status", "publication_ends_on"]
    )

    op.create_table(
        "credit_standings",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("on_abnormal_list", sa.Boolean(), nullable=False),
        sa.Column("on_serious_violation_list", sa.Boolean(), nullable=False),
        sa.Column(
            "risk_override",
            sa.Enum(
                "A",
                "B",
                "C",
                "D",
                name="credit_risk_class",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("overridden_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_credit_standings_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["users.id"],
            name=op.f("fk_credit_standings_overridden_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_credit_standings")),
    )
    op.create_table(
        "credit_repair_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "supplement_requested",
                "not_accepted",
                "accepted",
                "approved",
                "refused",
                "objected",
                "refusal_upheld",
                name="credit_repair_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("commitment_text", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("by_agent", sa.Boolean(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("review_due_estimated", sa.Boolean(), nullable=False),
        sa.Column("review_stopped_on", sa.Date(), nullable=True),
        sa.Column("review_days_left", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("objection", sa.Text(), nullable=True),
        sa.Column("objection_answer", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_credit_repair_applications_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_credit_repair_applications_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_credit_repair_applications_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_credit_repair_applications_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repair_applications")),
        sa.UniqueConstraint("record_id", name="uq_credit_repair_applications_record_id"),
    )
    op.create_index(
        op.f("ix_credit_repair_applications_enterprise_id"),
        "credit_repair_applications",
        ["enterprise_id"],
    )
    op.create_index(
        "ix_credit_repairs_queue",
        "credit_repair_applications",
        ["department_code", "status", "review_due"],
    )

    op.create_table(
        "credit_repair_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "material",
            sa.Enum(
                "proof_of_performance",
                "authorisation",
                "other",
                name="credit_repair_material",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_credit_repair_files_size_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["credit_repair_applications.id"],
            name=op.f("fk_credit_repair_files_application_id_credit_repair_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_credit_repair_files_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repair_files")),
    )
    op.create_index(
        op.f("ix_credit_repair_files_application_id"), "credit_repair_files", ["application_id"]
    )
    op.create_index(op.f("ix_credit_repair_files_sha256"), "credit_repair_files", ["sha256"])


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_repair_files_sha256"), table_name="credit_repair_files")
    op.drop_index(op.f("ix_credit_repair_files_application_id"), table_name="credit_repair_files")

    op.drop_table("credit_repair_files")
    op.drop_index("ix_credit_repairs_queue", table_name="credit_repair_applications")
    op.drop_index(
        op.f("ix_credit_repair_applications_enterprise_id"), table_name="credit_repair_applications"
    )

    op.drop_table("credit_repair_applications")
    op.drop_table("credit_standings")
    op.drop_index("ix_credit_records_expiry", table_name="credit_records")
    op.drop_index("ix_credit_records_enterprise", table_name="credit_records")
    op.drop_index(op.f("ix_credit_records_department_code"), table_name="credit_records")

    op.drop_table("credit_records")
