"""Outbox queries: enqueue in the caller's transaction; claim, finish and report for the sender.

The caller owns the transaction. A row is written next to the state change it follows, so a
change that commits always leads to its messages and one that rolls back leads to none. The
key makes every enqueue idempotent: a second form submission or a retried delivery that
derives the same key adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import HeartbeatRow, OutboxRow, OutboxStatus

JsonDict = dict[str, Any]
MAX_ERROR = 300


@dataclass(frozen=True)
class Claimed:
    """One outbox row a sender holds until its lease ends."""

    id: int
    key: str
    kind: str
    method: str
    channel: str
    payload: str
    actor: str | None
    attempts: int
    uncertain: bool
    created_at: datetime
    on_sent: str | None
    on_sent_args: str | None


@dataclass(frozen=True)
class Result:
    """What became of one key."""

    status: str
    channel: str | None
    ts: str | None
    error: str | None


@dataclass(frozen=True)
class Problem:
    """A message Matchday could not deliver, for the admins' attention list."""

    id: int
    kind: str
    channel: str
    actor: str | None
    error: str
    when: datetime


@dataclass(frozen=True)
class Depth:
    """How much is owed, for /metrics and /healthz."""

    due: int
    oldest_due: datetime | None
    failed: int
    held: int


def enqueue(
    *,
    session: Session,
    key: str,
    kind: str,
    method: str,
    channel: str,
    args: JsonDict,
    now: datetime,
    actor: str | None = None,
    fanout: bool = False,
    due_at: datetime | None = None,
    on_sent: str | None = None,
    on_sent_args: JsonDict | None = None,
) -> bool:
    """Owe Slack one call; False when a row with this key exists already (nothing added)."""
    values = {
        "key": key[:200],
        "kind": kind,
        "method": method,
        "channel": channel,
        "payload": json.dumps(args, ensure_ascii=False, sort_keys=True),
        "actor": actor,
        "fanout": fanout,
        "status": OutboxStatus.PENDING.value,
        "created_at": now,
        "due_at": due_at or now,
        "attempts": 0,
        "uncertain": False,
        "reported": False,
        "on_sent": on_sent,
        "on_sent_args": json.dumps(on_sent_args, sort_keys=True) if on_sent_args else None,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxRow.id)
    )
    added = session.execute(statement).first() is not None
    if added:
        session.info["outbox_enqueued"] = True  # the after-commit hook wakes the sender
    return added


def _body(
    message: JsonDict | None, build: str | None, build_args: JsonDict | None, language: Any
) -> JsonDict:
    """A literal message, or the builder that makes it at send time."""
    if (message is None) == (build is None):
        raise ValueError("give either the message or the name of its builder")
    if build is not None:
        return {"__build__": {"name": build, "args": build_args or {}, "language": language}}
    return dict(message or {})


def post(
    *,
    session: Session,
    key: str,
    kind: str,
    channel: str,
    now: datetime,
    message: JsonDict | None = None,
    build: str | None = None,
    build_args: JsonDict | None = None,
    language: JsonDict | None = None,
    actor: str | None = None,
    thread_ts: str | None = None,
    fanout: bool = False,
    due_at: datetime | None = None,
    on_sent: str | None = None,
    on_sent_args: JsonDict | None = None,
) -> bool:
    """Owe one chat.postMessage (a DM when ``channel`` is a user id).

    Either the ``message`` itself, or the name of a registered builder (``build``) with its
    arguments, run at send time in the reader's ``language`` ({"user": id} or
    {"organisation": id}): a DM's language may need Slack, which is never asked before an ack.
    """
    args = {**_body(message, build, build_args, language), "channel": channel}
    if thread_ts:
        args["thread_ts"] = thread_ts
    return enqueue(
        session=session,
        key=key,
        kind=kind,
        method="chat.postMessage",
        channel=channel,
        args=args,
        now=now,
        actor=actor,
        fanout=fanout,
        due_at=due_at,
        on_sent=on_sent,
        on_sent_args=on_sent_args,
    )


def update_message(
    *,
    session: Session,
    key: str,
    kind: str,
    channel: str,
    now: datetime,
    message: JsonDict | None = None,
    build: str | None = None,
    build_args: JsonDict | None = None,
    language: JsonDict | None = None,
    ts: str | None = None,
    ts_of: str | None = None,
    actor: str | None = None,
) -> bool:
    """Owe one chat.update of a message known by its ts, or by the key that posted it.

    A refresh built at send time (``build``) shows the state as it is then. Give the key a
    version when each change must show (``card:7:v3``); a key without one refreshes once.
    """
    if not ts and not ts_of:
        raise ValueError("an update needs the message's ts or the key that posted it")
    args = {**_body(message, build, build_args, language), "channel": channel}
    if ts:
        args["ts"] = ts
    else:
        args["ts_of"] = ts_of
    return enqueue(
        session=session,
        key=key,
        kind=kind,
        method="chat.update",
        channel=channel,
        args=args,
        now=now,
        actor=actor,
    )


def ephemeral(
    *,
    session: Session,
    key: str,
    kind: str,
    channel: str,
    user: str,
    now: datetime,
    message: JsonDict | None = None,
    build: str | None = None,
    build_args: JsonDict | None = None,
    thread_ts: str | None = None,
) -> bool:
    """Owe one chat.postEphemeral (at most once: an uncertain attempt is not repeated)."""
    body = _body(message, build, build_args, {"user": user})
    args = {**body, "channel": channel, "user": user}
    if thread_ts:
        args["thread_ts"] = thread_ts
    return enqueue(
        session=session,
        key=key,
        kind=kind,
        method="chat.postEphemeral",
        channel=channel,
        args=args,
        now=now,
        actor=user,
    )


def upload(
    *,
    session: Session,
    key: str,
    kind: str,
    channel: str,
    now: datetime,
    content: str | None = None,
    filename: str | None = None,
    title: str | None = None,
    initial_comment: str | None = None,
    build: str | None = None,
    build_args: JsonDict | None = None,
    language: JsonDict | None = None,
    actor: str | None = None,
    fanout: bool = False,
    due_at: datetime | None = None,
) -> bool:
    """Owe one file shared in a conversation (files_upload_v2; a user id means their DM).

    Either the file itself (``content``, ``filename``, ``title``, ``initial_comment``), or a
    registered builder run at send time that returns those fields, in the reader's language.
    """
    message: JsonDict | None = None
    if build is None:
        if content is None or not filename:
            raise ValueError("a file needs its content and a filename")
        message = {"content": content, "filename": filename, "title": title or filename}
        if initial_comment:
            message["initial_comment"] = initial_comment
    args = {**_body(message, build, build_args, language), "channel": channel}
    return enqueue(
        session=session,
        key=key,
        kind=kind,
        method="files.upload",
        channel=channel,
        args=args,
        now=now,
        actor=actor,
        fanout=fanout,
        due_at=due_at,
    )


def respond(
    *,
    session: Session,
    key: str,
    kind: str,
    response_url: str,
    user: str,
    issued_at: datetime,
    now: datetime,
    message: JsonDict | None = None,
    build: str | None = None,
    build_args: JsonDict | None = None,
    replace_original: bool = False,
) -> bool:
    """Owe an ephemeral answer through a response_url, or a DM once the URL is too old.

    Slack honours a response_url for 30 minutes (and five uses); an answer that comes
    later (after a long plan, after downtime) goes to the person as a DM instead.
    """
    args = {
        **_body(message, build, build_args, {"user": user}),
        "response_url": response_url,
        "user": user,
        "issued_at": issued_at.isoformat(),
        "replace_original": replace_original,
    }
    return enqueue(
        session=session,
        key=key,
        kind=kind,
        method="response_url",
        channel=user,
        args=args,
        now=now,
        actor=user,
    )


def task(
    *,
    session: Session,
    key: str,
    name: str,
    args: JsonDict,
    now: datetime,
    channel: str = "-",
    actor: str | None = None,
    fanout: bool = False,
    due_at: datetime | None = None,
) -> bool:
    """Owe one run of a registered, idempotent task (App Home publish, a re-plan, a fan-out)."""
    return enqueue(
        session=session,
        key=key,
        kind=name,
        method="task",
        channel=channel,
        args=args,
        now=now,
        actor=actor,
        fanout=fanout,
        due_at=due_at,
    )


def _claimable(now: datetime) -> Any:
    return or_(
        and_(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.due_at <= now),
        and_(OutboxRow.status == OutboxStatus.SENDING.value, OutboxRow.lease_until < now),
    )


def candidates(
    *, session: Session, now: datetime, limit: int, tasks: bool | None = None
) -> list[tuple[int, str, bool]]:
    """Due rows (id, channel, fan-out?), people's own actions before fan-outs, oldest first.

    ``tasks``: only tasks (True), only Web API calls (False), or both (None).
    """
    query = (
        select(OutboxRow.id, OutboxRow.channel, OutboxRow.fanout)
        .where(_claimable(now))
        .order_by(OutboxRow.fanout, OutboxRow.due_at, OutboxRow.id)
        .limit(limit)
    )
    if tasks is not None:
        query = query.where((OutboxRow.method == "task") == tasks)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [(row_id, channel, bool(fanout)) for row_id, channel, fanout in session.execute(query)]


def claim(
    *, session: Session, ids: Collection[int], now: datetime, lease: timedelta, token: str
) -> list[Claimed]:
    """Take these rows for one sender; a row another sender took first is left out."""
    if not ids:
        return []
    # A row still "sending" after its lease: its sender died, maybe after Slack took it.
    statement = (
        update(OutboxRow)
        .where(OutboxRow.id.in_(list(ids)), _claimable(now))
        .values(
            status=OutboxStatus.SENDING.value,
            claim_token=token,
            lease_until=now + lease,
            attempts=OutboxRow.attempts + 1,
            uncertain=or_(OutboxRow.uncertain, OutboxRow.status == OutboxStatus.SENDING.value),
        )
        .returning(
            OutboxRow.id,
            OutboxRow.key,
            OutboxRow.kind,
            OutboxRow.method,
            OutboxRow.channel,
            OutboxRow.payload,
            OutboxRow.actor,
            OutboxRow.attempts,
            OutboxRow.uncertain,
            OutboxRow.created_at,
            OutboxRow.on_sent,
            OutboxRow.on_sent_args,
        )
        .execution_options(synchronize_session=False)
    )
    rows = [Claimed(*tuple(row)) for row in session.execute(statement)]
    return sorted(rows, key=lambda row: row.id)


def _count(result: Any) -> int:
    """Rows an UPDATE or INSERT touched (CursorResult.rowcount)."""
    return int(result.rowcount or 0)


def _mine(row_id: int, token: str) -> Any:
    return and_(
        OutboxRow.id == row_id,
        OutboxRow.claim_token == token,
        OutboxRow.status == OutboxStatus.SENDING.value,
    )


def mark_sent(
    *,
    session: Session,
    row_id: int,
    token: str,
    now: datetime,
    channel: str | None,
    ts: str | None,
) -> bool:
    """Record that Slack took the call; False when the claim was lost meanwhile."""
    result = session.execute(
        update(OutboxRow)
        .where(_mine(row_id, token))
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=now,
            result_channel=channel,
            result_ts=ts,
            lease_until=None,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


def retry_later(
    *,
    session: Session,
    row_id: int,
    token: str,
    due_at: datetime,
    error: str,
    uncertain: bool,
) -> bool:
    """Put the row back for a later attempt (``uncertain``: Slack may have taken it)."""
    values: JsonDict = {
        "status": OutboxStatus.PENDING.value,
        "due_at": due_at,
        "error": error[:MAX_ERROR],
        "lease_until": None,
        "claim_token": None,
    }
    if uncertain:
        values["uncertain"] = True
    result = session.execute(
        update(OutboxRow)
        .where(_mine(row_id, token))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


def finish(
    *, session: Session, row_id: int, token: str, status: OutboxStatus, error: str, now: datetime
) -> bool:
    """End the row as failed, quarantined or held, with its reason."""
    result = session.execute(
        update(OutboxRow)
        .where(_mine(row_id, token))
        .values(
            status=status.value,
            error=error[:MAX_ERROR],
            lease_until=None,
            claim_token=None,
            sent_at=now if status is OutboxStatus.FAILED else None,
        )
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


def result_of(*, session: Session, key: str) -> Result | None:
    """What became of the row with this key (None: no such row)."""
    row = session.scalar(select(OutboxRow).where(OutboxRow.key == key))
    if row is None:
        return None
    return Result(row.status, row.result_channel or row.channel, row.result_ts, row.error)


def hold(*, session: Session, channel: str | None = None, reason: str = "") -> int:
    """Stop sending to one conversation (or, with None, anywhere); rows wait as held."""
    statement = update(OutboxRow).where(OutboxRow.status == OutboxStatus.PENDING.value)
    if channel is not None:
        statement = statement.where(OutboxRow.channel == channel)
    values: JsonDict = {"status": OutboxStatus.HELD.value}
    if reason:
        values["error"] = reason
    result = session.execute(
        statement.values(**values).execution_options(synchronize_session=False)
    )
    return _count(result)


def held_for(*, session: Session, reasons: Collection[str]) -> int:
    """How many rows wait, held for one of these reasons."""
    return int(
        session.scalar(
            select(func.count(OutboxRow.id)).where(
                OutboxRow.status == OutboxStatus.HELD.value, OutboxRow.error.in_(list(reasons))
            )
        )
        or 0
    )


def fail_held(*, session: Session, channel: str, reason: str, now: datetime) -> list[Claimed]:
    """End what waits for a conversation that is gone for good; returns the rows ended."""
    rows = list(
        session.scalars(
            select(OutboxRow).where(
                OutboxRow.channel == channel,
                OutboxRow.status.in_([OutboxStatus.HELD.value, OutboxStatus.PENDING.value]),
            )
        )
    )
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_([row.id for row in rows]))
        .values(status=OutboxStatus.FAILED.value, error=reason, sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return [
        Claimed(
            row.id,
            row.key,
            row.kind,
            row.method,
            row.channel,
            row.payload,
            row.actor,
            row.attempts,
            row.uncertain,
            row.created_at,
            row.on_sent,
            row.on_sent_args,
        )
        for row in rows
    ]


def release(
    *,
    session: Session,
    now: datetime,
    channel: str | None = None,
    reasons: Collection[str] | None = None,
) -> int:
    """Send what was held for one conversation (or everywhere, or for these reasons) again."""
    statement = update(OutboxRow).where(OutboxRow.status == OutboxStatus.HELD.value)
    if channel is not None:
        statement = statement.where(OutboxRow.channel == channel)
    if reasons is not None:
        statement = statement.where(OutboxRow.error.in_(list(reasons)))
    result = session.execute(
        statement.values(
            status=OutboxStatus.PENDING.value, due_at=now, error=None
        ).execution_options(synchronize_session=False)
    )
    return _count(result)


def depth(*, session: Session, now: datetime) -> Depth:
    """How many rows are due now, the oldest due time, and how many failed or wait held."""
    due, oldest = session.execute(
        select(func.count(OutboxRow.id), func.min(OutboxRow.due_at)).where(
            OutboxRow.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
            OutboxRow.due_at <= now,
        )
    ).one()
    counts = dict(
        session.execute(
            select(OutboxRow.status, func.count(OutboxRow.id))
            .where(
                OutboxRow.status.in_(
                    [
                        OutboxStatus.FAILED.value,
                        OutboxStatus.QUARANTINED.value,
                        OutboxStatus.HELD.value,
                    ]
                )
            )
            .group_by(OutboxRow.status)
        ).all()
    )
    failed = counts.get(OutboxStatus.FAILED.value, 0) + counts.get(
        OutboxStatus.QUARANTINED.value, 0
    )
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return Depth(int(due), oldest, int(failed), int(counts.get(OutboxStatus.HELD.value, 0)))


def problems(*, session: Session, limit: int) -> list[Problem]:
    """Messages that could not be delivered, newest first (the admins' attention list)."""
    rows = session.scalars(
        select(OutboxRow)
        .where(
            OutboxRow.status.in_([OutboxStatus.FAILED.value, OutboxStatus.QUARANTINED.value]),
            OutboxRow.kind != "delivery_problem",
        )
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    )
    return [
        Problem(
            row.id, row.kind, row.channel, row.actor, row.error or "", row.sent_at or row.due_at
        )
        for row in rows
    ]


def refresh_posted(
    *,
    session: Session,
    prefix: str,
    version: str,
    build: str,
    build_args: JsonDict,
    now: datetime,
) -> None:
    """Owe a refresh of every message posted under keys with this prefix (each person's
    card), built when sent; ``version`` makes each change its own refresh."""
    for row in by_key_prefix(session=session, prefix=prefix):
        if row.method != "chat.postMessage":
            continue
        update_message(
            session=session,
            key=f"{row.key}@{version}",
            kind=build,
            channel=row.channel,
            ts_of=row.key,
            build=build,
            build_args=build_args,
            language={"user": row.channel},
            now=now,
        )


def by_key_prefix(*, session: Session, prefix: str) -> list[OutboxRow]:
    """Rows whose key starts with this prefix (for tests and the sandbox's inspection)."""
    return list(
        session.scalars(
            select(OutboxRow).where(OutboxRow.key.startswith(prefix)).order_by(OutboxRow.id)
        )
    )


def beat(*, session: Session, name: str, now: datetime) -> None:
    """Record that the tick or a sender is alive."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(HeartbeatRow).values(name=name, beat_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now}))


def heartbeats(*, session: Session) -> dict[str, datetime]:
    """The last beat of each part of the worker."""
    return {row.name: row.beat_at for row in session.scalars(select(HeartbeatRow))}
