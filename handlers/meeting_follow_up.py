"""Before and after meetings: the 10-minute reminder and the "Follow up?" question.

The tick claims a meeting's reminder (or question) and owes the messages in one
transaction: a kill after the claim cannot lose them, and a second tick finds it claimed.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import _
from bot.meetings import FollowUp, Meeting, MeetingStatus
from bot.outbox import REGISTRY
from bot.pitch_forms import validate_text
from bot.views.help import build_notice
from bot.views.meetings import (
    FOLLOW_UP_ACTION,
    NOTE_ACTION,
    NOTE_CALLBACK,
    build_follow_up,
    build_follow_up_recorded,
    build_next_step,
    build_note_modal,
    build_reminder,
)
from handlers.common import deps_of, open_modal, respond
from handlers.meetings import _counterpart, _load, _names, _zone
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import meetings, outbox

logger = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(minutes=10)
REMINDER = "meeting_reminder"
QUESTION = "meeting_follow_up"
NEXT_STEP = "meeting_next_step"


def remind_and_ask(deps: Deps, client: WebClient) -> int:
    """Owe due meeting reminders and follow-up questions, each claimed with its messages;
    returns how many meetings were claimed."""
    now = deps.clock.now()
    with deps.sessions() as session:
        soon = meetings.starting_between(session=session, start=now, end=now + REMINDER_BEFORE)
        over = meetings.ended_before(session=session, moment=now)
    claimed = 0
    for meeting in soon:
        claimed += _claim_and_owe(deps, meeting, "reminder", REMINDER)
    for meeting in over:
        claimed += _claim_and_owe(deps, meeting, "follow_up", QUESTION)
    return claimed


def _claim_and_owe(deps: Deps, meeting: Meeting, which: str, builder: str) -> int:
    """Claim one meeting's reminder or question and owe it to everyone, in one transaction."""
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        if not meetings.claim(session=session, meeting=meeting, which=which, now=now):
            return 0
        for person in meeting.everyone:
            outbox.post(
                session=session,
                key=f"meeting:{meeting.id}:{which}@{meeting.sequence}:{person}",
                kind=builder,
                channel=person,
                build=builder,
                build_args={
                    "meeting": meeting.id,
                    "person": person,
                    "start": meeting.starts_at.isoformat(),
                    "end": meeting.ends_at.isoformat(),
                },
                language={"user": person},
                now=now,
            )
    return 1


def _still_on(meeting: Meeting | None, args: dict[str, Any]) -> bool:
    """Whether the meeting is still booked at the time the message was owed for."""
    return (
        meeting is not None
        and meeting.status is MeetingStatus.BOOKED
        and meeting.starts_at == datetime.fromisoformat(str(args["start"]))
    )


@REGISTRY.builder(REMINDER)
def reminder_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The reminder (None when the meeting was cancelled or moved meanwhile)."""
    meeting = _load(deps, args)
    if meeting is None or not _still_on(meeting, args):
        return None
    organisation, startup_name = _names(deps, meeting)
    zone = _zone(organisation)
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    return build_reminder(
        _counterpart(meeting, str(args["person"]), organisation, startup_name),
        meeting.starts_at.astimezone(zone),
        meeting.ends_at.astimezone(zone),
        meeting.place,
    )


@REGISTRY.builder(QUESTION)
def question_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The one "Follow up?" question (None when the meeting was cancelled or moved)."""
    meeting = _load(deps, args)
    if meeting is None or not _still_on(meeting, args):
        return None
    organisation, startup_name = _names(deps, meeting)
    counterpart = _counterpart(meeting, str(args["person"]), organisation, startup_name)
    return build_follow_up(meeting.id, counterpart)


@REGISTRY.builder(NEXT_STEP)
def next_step_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """When both sides said yes: another meeting, or a pilot."""
    meeting = _load(deps, args)
    if meeting is None:
        return None
    organisation, startup_name = _names(deps, meeting)
    counterpart = _counterpart(meeting, str(args["person"]), organisation, startup_name)
    return build_next_step(meeting.id, meeting.pitch_id, counterpart)


def follow_up_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Record a side's answer; when both say yes, offer the next step (once)."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    raw, _sep, answer = action.action.value.partition(":")
    if not raw.isdigit() or answer not in {item.value for item in FollowUp}:
        return
    deps = deps_of(context)
    with deps.sessions() as session:
        meeting = meetings.get(session=session, meeting_id=int(raw))
    side = meeting.side_of(action.user_id) if meeting else None
    if meeting is None or side is None:
        deps.after_ack.submit(
            respond,
            action.response_url,
            build_notice(_("Only the meeting's participants answer this.")),
        )
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        meetings.answer(
            session=session,
            meeting_id=meeting.id,
            side=side,
            answer=FollowUp(answer),
            actor=action.user_id,
            now=now,
        )
        both = meetings.answers(session=session, meeting_id=meeting.id)
        if both.get("organisation") is FollowUp.YES and both.get("startup") is FollowUp.YES:
            for person in meeting.everyone:
                outbox.post(
                    session=session,
                    key=f"meeting:{meeting.id}:next_step:{person}",
                    kind="notice",
                    channel=person,
                    build=NEXT_STEP,
                    build_args={"meeting": meeting.id, "person": person},
                    language={"user": person},
                    now=now,
                    actor=action.user_id,
                )
    deps.after_ack.submit(
        respond,
        action.response_url,
        build_follow_up_recorded(meeting.id, FollowUp(answer)),
        replace=True,
    )


def note_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the optional note to a follow-up answer."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    view = build_note_modal(int(action.action.value))
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def note_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save the note on the side's answer."""
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    raw = str(submission.metadata().get("meeting", "")) if submission else ""
    with deps.sessions() as session:
        meeting = meetings.get(session=session, meeting_id=int(raw)) if raw.isdigit() else None
    side = meeting.side_of(submission.user_id) if meeting and submission else None
    if submission is None or meeting is None or side is None:
        ack(
            response_action="errors",
            errors={"note": _("Only the meeting's participants answer this.")},
        )
        return
    note, errors = validate_text("note", submission.text("note"))
    if note is None:
        ack(response_action="errors", errors=errors)
        return
    with deps.sessions.begin() as session:
        saved = meetings.add_note(session=session, meeting_id=meeting.id, side=side, note=note)
    if not saved:
        ack(response_action="errors", errors={"note": _("Please answer the question first.")})
        return
    ack()


def register(app: App) -> None:
    """Wire the follow-up buttons and the note form."""
    # "meeting_follow_up:yes" and so on (and the single id of questions sent before).
    app.action(re.compile(rf"^{FOLLOW_UP_ACTION}(:\w+)?$"))(follow_up_clicked)
    app.action(NOTE_ACTION)(note_clicked)
    app.view(NOTE_CALLBACK)(note_submitted)
