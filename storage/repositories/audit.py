"""The audit log: who did what, when and why."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry


def record(*, session: Session, actor: str, action: str, subject: str, detail: str = "") -> None:
    """Add one entry to the audit log."""
    session.add(AuditEntry(actor=actor, action=action, subject=subject, detail=detail))


def entries(*, session: Session, subject: str | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one subject."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return list(session.scalars(query))
