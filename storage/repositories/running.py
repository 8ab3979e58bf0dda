"""When the app was running: spans of the app's time through which the scheduler ticked.

Late is a fact about the app, not about arithmetic: a check-in posted long after its due time
says "Matchday was not running" only when no span covers that time. A jump of the sandbox's
clock while the app runs is covered by the span (the tick stretches it over the jump).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from storage.models import RunningSpanRow


def ran(*, session: Session, since: datetime | None, now: datetime) -> None:
    """Record that the tick ran at ``now``, without a break since ``since`` (None: it starts).

    The span that holds ``since`` is stretched to ``now`` (several processes share it);
    otherwise a new span begins.
    """
    start = now if since is None or since > now else since
    if since is not None and since <= now:
        stretched = session.execute(
            update(RunningSpanRow)
            .where(
                RunningSpanRow.started_at <= since,
                RunningSpanRow.ended_at >= since,
                RunningSpanRow.ended_at < now,
            )
            .values(ended_at=now)
        )
        if stretched.rowcount:  # type: ignore[attr-defined]
            return
    if not _covered(session, start, now):
        session.add(RunningSpanRow(started_at=start, ended_at=now))


def was_running(*, session: Session, at: datetime) -> bool:
    """True when a recorded span covers ``at``: the app's tick was running then."""
    return _covered(session, at, at)


def _covered(session: Session, start: datetime, end: datetime) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(RunningSpanRow.started_at <= start, RunningSpanRow.ended_at >= end)
            )
        )
    )
