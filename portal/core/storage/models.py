"""The ledger of stored files: one row per upload kept, never changed or removed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base


class StoredFile(Base):
    """One upload the portal stored: what, from whom, when.

    Append-only (the database refuses UPDATE and DELETE): removing an
    unreferenced object from storage leaves its row as the record that it was
    once uploaded.
    """

    __tablename__ = "stored_files"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    #: Hex SHA-256 of the content: the object's key in storage.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: Size in bytes.
    size: Mapped[int] = mapped_column(BigInteger)
    #: Content type decided from the first bytes (never the browser's word).
    content_type: Mapped[str] = mapped_column(String(100))
    #: The file's name as uploaded, made safe to show.
    original_name: Mapped[str] = mapped_column(String(255))
    #: Who uploaded it; null for the system.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: When it was stored (UTC).
    created_at: Mapped[dt.datetime]
