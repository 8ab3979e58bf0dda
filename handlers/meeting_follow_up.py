"""Before and after meetings: the 10-minute reminder and the "Follow up?" question."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import _
from bot.meetings import FollowUp, Meeting
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
from handlers.common import deps_of, open_modal, post, respond
from handlers.language import in_language_of
from handlers.meetings import _names, _zone
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import meetings

logger = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(minutes=10)


def remind_and_ask(deps: Deps, client: WebClient) -> int:
    """Send due meeting reminders and follow-up questions, each claimed first; returns how many."""
    now = deps.clock.now()
    sent = 0
    with deps.sessions() as session:
        soon = meetings.starting_between(session=session, start=now, end=now + REMINDER_BEFORE)
        over = meetings.ended_before(session=session, moment=now)
    for meeting in soon:
        if _claim(deps, meeting, "reminder"):
            sent += _remind(deps, client, meeting)
    for meeting in over:
        if _claim(deps, meeting, "follow_up"):
            sent += _ask(deps, client, meeting)
    return sent


def _claim(deps: Deps, meeting: Meeting, which: str) -> bool:
    with deps.sessions.begin() as session:
        return meetings.claim(session=session, meeting=meeting, which=which, now=deps.clock.now())


def _counterpart(deps: Deps, meeting: Meeting, person: str) -> str:
    organisation, startup_name = _names(deps, meeting)
    if person in meeting.organisation_people:
        return startup_name
    return organisation.name if organisation else ""


def _remind(deps: Deps, client: WebClient, meeting: Meeting) -> int:
    organisation, _startup = _names(deps, meeting)
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    zone = _zone(organisation)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    for person in meeting.everyone:
        with in_language_of(person):
            reminder = build_reminder(
                _counterpart(deps, meeting, person), start, end, meeting.place
            )
        post(client, person, reminder)
    return 1


def _ask(deps: Deps, client: WebClient, meeting: Meeting) -> int:
    for person in meeting.everyone:
        with in_language_of(person):
            question = build_follow_up(meeting.id, _counterpart(deps, meeting, person))
        post(client, person, question)
    return 1


def follow_up_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Record a side's answer; when both say yes, offer the next step."""
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
    with deps.sessions.begin() as session:
        meetings.answer(
            session=session,
            meeting_id=meeting.id,
            side=side,
            answer=FollowUp(answer),
            actor=action.user_id,
            now=deps.clock.now(),
        )
        both = meetings.answers(session=session, meeting_id=meeting.id)
    deps.after_ack.submit(
        respond,
        action.response_url,
        build_follow_up_recorded(meeting.id, FollowUp(answer)),
        replace=True,
    )
    if both.get("organisation") is FollowUp.YES and both.get("startup") is FollowUp.YES:
        for person in meeting.everyone:
            offer = build_next_step(
                meeting.id, meeting.pitch_id, _counterpart(deps, meeting, person)
            )
            deps.after_ack.submit(post, client, person, offer)


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
    app.action(FOLLOW_UP_ACTION)(follow_up_clicked)
    app.action(NOTE_ACTION)(note_clicked)
    app.view(NOTE_CALLBACK)(note_submitted)
