"""When Slack can no longer receive: the app uninstalled, a channel archived or deleted.

Nothing owed is dropped: messages for an archived channel wait (held) until it is unarchived;
an uninstalled app holds everything until Slack takes its token again; a deleted channel's
messages fail and the people who acted are told. The admins hear of each change once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.outbox import REGISTRY
from bot.views.lifecycle import build_lifecycle_notice
from handlers.common import deps_of
from storage.repositories import organisations, outbox, people

logger = logging.getLogger(__name__)
NOTICE = "lifecycle_notice"


def _tell_admins(
    session: Session, deps: Deps, event_id: str, what: str, channel: str, held: int
) -> None:
    configured = sorted(deps.settings.MATCHDAY_ADMINS)
    added = [a for a in people.added_admins(session=session) if a not in configured]
    for admin in configured + added:
        outbox.post(
            session=session,
            key=f"lifecycle:{event_id}:{admin}",
            kind="notice",
            channel=admin,
            build=NOTICE,
            build_args={"what": what, "channel": channel, "held": held},
            language={"user": admin},
            now=deps.clock.now(),
        )


def _matters(session: Session, channel: str, held: int) -> bool:
    """Admins hear of channels Matchday works in, not of every channel in the workspace."""
    return held > 0 or organisations.by_channel(session=session, channel_id=channel) is not None


def app_gone(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """app_uninstalled / tokens_revoked: hold everything; the admins hear when it is back."""
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        held = outbox.hold(session=session, reason="app_uninstalled")
        _tell_admins(session, deps, str(body.get("event_id", "")), "back", "", held)
    logger.warning("Slack says the app was removed; %s messages are held", held)
    ack()


def channel_archived(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """channel_archive / group_archive: what is owed there waits."""
    deps = deps_of(context)
    channel = str((body.get("event") or {}).get("channel") or "")
    with deps.sessions.begin() as session:
        held = outbox.hold(session=session, channel=channel, reason="is_archived")
        if _matters(session, channel, held):
            _tell_admins(session, deps, str(body.get("event_id", "")), "archived", channel, held)
    ack()


def channel_unarchived(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """channel_unarchive / group_unarchive: send what waited."""
    deps = deps_of(context)
    channel = str((body.get("event") or {}).get("channel") or "")
    with deps.sessions.begin() as session:
        released = outbox.release(session=session, now=deps.clock.now(), channel=channel)
        if _matters(session, channel, released):
            _tell_admins(
                session, deps, str(body.get("event_id", "")), "unarchived", channel, released
            )
    ack()


def channel_deleted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """channel_deleted / group_deleted: what was owed there fails, and the actors are told."""
    deps = deps_of(context)
    channel = str((body.get("event") or {}).get("channel") or "")
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        ended = outbox.fail_held(
            session=session, channel=channel, reason="channel_not_found", now=now
        )
        for row in ended:
            if row.actor and row.kind != "delivery_problem":
                outbox.post(
                    session=session,
                    key=f"problem:{row.key}",
                    kind="delivery_problem",
                    channel=row.actor,
                    build="delivery_problem",
                    build_args={"kind": row.kind, "channel": channel, "error": "channel_not_found"},
                    language={"user": row.actor},
                    now=now,
                )
        if _matters(session, channel, len(ended)):
            _tell_admins(
                session, deps, str(body.get("event_id", "")), "deleted", channel, len(ended)
            )
    ack()


@REGISTRY.builder(NOTICE)
def build_notice(deps: Deps, args: dict[str, Any]) -> dict[str, Any]:
    """The admins' DM about one change."""
    return build_lifecycle_notice(
        str(args.get("what", "")), str(args.get("channel", "")), int(args.get("held", 0))
    )


def register(app: App) -> None:
    """Listen for the changes that decide whether Slack can receive Matchday's messages."""
    for event in ("app_uninstalled", "tokens_revoked"):
        app.event(event)(app_gone)
    for event in ("channel_archive", "group_archive"):
        app.event(event)(channel_archived)
    for event in ("channel_unarchive", "group_unarchive"):
        app.event(event)(channel_unarchived)
    for event in ("channel_deleted", "group_deleted"):
        app.event(event)(channel_deleted)
