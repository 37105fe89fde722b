"""One notification for one user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base


class Notification(Base):
    """Something that happened which a user should know about, read or not yet."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: A kind registered with ``register_kind``: its templates give the text.
    kind: Mapped[str] = mapped_column(String(60))
    #: The values the kind's templates take, in every language (numbers, names, codes).
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Endpoint and arguments of the page the notification is about (built on display,
    #: so a changed URL rule still leads there); null for none.
    link_endpoint: Mapped[str | None] = mapped_column(String(100))
    link_args: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    read_at: Mapped[dt.datetime | None]
