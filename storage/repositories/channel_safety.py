"""Channels' privacy as last checked, and the outsiders noticed in group channels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channel_safety import ChannelFacts
from storage.models import ChannelCheckRow, ChannelOutsiderRow


@dataclass(frozen=True)
class RecordedCheck:
    """A channel's privacy as Matchday recorded it."""

    channel_id: str
    state: str
    revision: int
    checked_at: datetime
    linked_at: datetime | None


@dataclass(frozen=True)
class StateChange:
    """A known state that differs from the last known one (``before`` None: first look)."""

    before: str | None
    after: str
    revision: int


def _known_state(row: ChannelCheckRow) -> str:
    if row.is_shared:
        return "shared"
    return "safe" if row.is_private else "public"


def get(*, session: Session, channel_id: str) -> RecordedCheck | None:
    """The last recorded check of a channel, if any."""
    row = session.get(ChannelCheckRow, channel_id)
    if row is None:
        return None
    return RecordedCheck(row.channel_id, row.state, row.revision, row.checked_at, row.linked_at)


def record(*, session: Session, facts: ChannelFacts, now: datetime) -> StateChange | None:
    """Record what Slack said; the change of known state, if this is one.

    Slack not answering is recorded (a setup cannot rely on an old answer) but is no change:
    the next answer is compared with the last one Slack gave.
    """
    row = session.get(ChannelCheckRow, facts.channel_id, with_for_update=True)
    if row is None:
        # revision 0: no known state yet (Slack has not answered about this channel)
        new = ChannelCheckRow(
            channel_id=facts.channel_id,
            state=facts.state,
            is_private=facts.is_private,
            is_shared=facts.shared,
            revision=1 if facts.known else 0,
            checked_at=now,
        )
        try:
            with session.begin_nested():
                session.add(new)
                session.flush()
        except IntegrityError:  # another process looked at the same moment: it recorded it
            return None
        return StateChange(None, facts.state, 1) if facts.known else None
    if not facts.known:
        row.state, row.checked_at = facts.state, now
        session.flush()
        return None
    before = _known_state(row) if row.revision > 0 else None
    row.state, row.checked_at = facts.state, now
    row.is_private, row.is_shared = facts.is_private, facts.shared
    change = None
    if before is None or before != facts.state:
        row.revision += 1
        change = StateChange(before, facts.state, row.revision)
    session.flush()
    return change


def mark_linked(*, session: Session, channel_id: str, now: datetime) -> None:
    """Remember when the channel became a group's channel (the grace before drift notices)."""
    session.execute(
        update(ChannelCheckRow)
        .where(ChannelCheckRow.channel_id == channel_id, ChannelCheckRow.linked_at.is_(None))
        .values(linked_at=now)
    )


def claim_members_check(
    *, session: Session, channel_id: str, now: datetime, every: timedelta
) -> bool:
    """Take this channel's periodic membership check (False: done recently, or by another)."""
    result = session.execute(
        update(ChannelCheckRow)
        .where(
            ChannelCheckRow.channel_id == channel_id,
            or_(
                ChannelCheckRow.members_checked_at.is_(None),
                ChannelCheckRow.members_checked_at <= now - every,
            ),
        )
        .values(members_checked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _row(session: Session, channel_id: str, user_id: str) -> ChannelOutsiderRow | None:
    return session.scalar(
        select(ChannelOutsiderRow)
        .where(ChannelOutsiderRow.channel_id == channel_id, ChannelOutsiderRow.user_id == user_id)
        .with_for_update()
    )


def notice(*, session: Session, channel_id: str, user_id: str, now: datetime) -> int | None:
    """An outsider is in the channel: the episode to tell about, or None when already told."""
    row = _row(session, channel_id, user_id)
    if row is None:
        new = ChannelOutsiderRow(
            channel_id=channel_id, user_id=user_id, status="present", episode=1, seen_at=now
        )
        try:
            with session.begin_nested():
                session.add(new)
                session.flush()
        except IntegrityError:  # noticed by another request at the same moment
            return None
        return 1
    if row.status != "settled":
        return None
    row.status, row.episode, row.seen_at, row.claimed_by = "present", row.episode + 1, now, None
    session.flush()
    return row.episode


def settle(*, session: Session, channel_id: str, user_ids: Iterable[str]) -> int:
    """These people are no outsiders any more (they left, or joined the group)."""
    people = list(user_ids)
    if not people:
        return 0
    result = session.execute(
        update(ChannelOutsiderRow)
        .where(
            ChannelOutsiderRow.channel_id == channel_id,
            ChannelOutsiderRow.user_id.in_(people),
            ChannelOutsiderRow.status != "settled",
        )
        .values(status="settled")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def unsettled(*, session: Session, channel_id: str) -> list[str]:
    """The outsiders noticed in a channel and not settled yet."""
    return list(
        session.scalars(
            select(ChannelOutsiderRow.user_id)
            .where(
                ChannelOutsiderRow.channel_id == channel_id,
                ChannelOutsiderRow.status != "settled",
            )
            .order_by(ChannelOutsiderRow.id)
        )
    )


def claim_removal(*, session: Session, channel_id: str, user_id: str, by: str) -> bool:
    """A project manager said they will remove the person; False when nothing is unsettled."""
    row = _row(session, channel_id, user_id)
    if row is None or row.status == "settled":
        return False
    row.status, row.claimed_by = "claimed", by
    session.flush()
    return True
