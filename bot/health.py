"""Is this Matchday healthy? The database answers, the tick and the sender are alive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

SILENT_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Health:
    """The answer of /healthz: healthy or not, and each part's state."""

    healthy: bool
    parts: dict[str, str] = field(default_factory=dict)


def judge(
    *,
    database: bool,
    beats: dict[str, datetime],
    expected: tuple[str, ...],
    now: datetime,
) -> Health:
    """Unhealthy when the database is away or an expected part was silent too long."""
    if not database:
        return Health(False, {"database": "unreachable"})
    parts = {"database": "ok"}
    healthy = True
    for name in expected:
        beat = beats.get(name)
        if beat is None:
            parts[name] = "never seen"
            healthy = False
        elif now - beat > SILENT_AFTER:
            parts[name] = f"silent for {int((now - beat).total_seconds())} s"
            healthy = False
        else:
            parts[name] = "ok"
    return Health(healthy, parts)
