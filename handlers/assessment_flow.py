"""Driving an assessment: load, transition, persist in one transaction with what it owes.

Listeners in handlers/assessment.py parse payloads and call these; the state machine itself
is bot.assessment. What the thread is told after a move (the next step's question, the
summary, the pause) is an outbox row written in the move's own transaction, keyed by the
assessment's new version: a move saved is a message owed, a click delivered twice moves
(and posts) once. Thread messages are built when sent, in the organisation's language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.assessment import STEPS, Event, Position, State, TransitionError, transition
from bot.deps import Deps
from bot.i18n import N_, _
from bot.needs import Assessment, FocusArea
from bot.outbox import REGISTRY
from bot.programme import Caller, Organisation
from bot.text import channel, inline, user
from bot.views.assessment import (
    build_paused,
    build_step,
    build_summary,
    build_thread_root,
    nudge,
    recorded,
)
from bot.views.blocks import context as context_block
from bot.views.help import build_notice
from storage.models import OutboxStatus
from storage.repositories import assessments, needs, organisations, outbox

logger = logging.getLogger(__name__)


NOT_IN_GROUP = N_(
    "Only this organisation's project group and programme admins can work on its focus areas."
)
STEP = "assessment_step"  # what the thread is told after a move
ROOT = "assessment_thread"  # the channel message the thread hangs from
OPENED = "assessment_thread_opened"  # hook: the root landed, the thread can begin
NOTE = "assessment_note"  # an ephemeral note to one person, after a saved change
NUDGE = "assessment_nudge"  # the scheduler's nudge in a stalled thread
THREAD_ATTEMPTS = 20


class ConflictError(Exception):
    """Someone else moved the assessment first; nothing of this attempt was saved."""


class AlreadyHandledError(Exception):
    """Slack delivered this event before and it was handled then; nothing was done now."""


@dataclass(frozen=True)
class Context:
    """An assessment with its area and organisation."""

    assessment: Assessment
    area: FocusArea
    organisation: Organisation


def load(deps: Deps, assessment_id: int) -> Context | None:
    """The assessment, its area and its organisation."""
    with deps.sessions() as session:
        assessment = assessments.by_id(session=session, assessment_id=assessment_id)
        return _context(session, assessment)


def load_thread(deps: Deps, channel_id: str, thread_ts: str) -> Context | None:
    """The assessment whose thread this is, with its area and organisation (None: not one)."""
    with deps.sessions() as session:
        assessment = assessments.by_thread(
            session=session, channel_id=channel_id, thread_ts=thread_ts
        )
        return _context(session, assessment)


def _context(session: Session, assessment: Assessment | None) -> Context | None:
    if assessment is None:
        return None
    area = needs.area(session=session, area_id=assessment.focus_area_id)
    organisation = (
        organisations.by_id(session=session, organisation_id=area.organisation_id) if area else None
    )
    if area is None or organisation is None:
        return None
    return Context(assessment, area, organisation)


def may_answer(caller: Caller, organisation: Organisation) -> bool:
    """Project-group members (and admins) answer an organisation's assessments."""
    return caller.is_admin or organisation.id in caller.memberships


def group_members(deps: Deps, organisation_id: int) -> set[str]:
    """The user ids of a project group."""
    with deps.sessions() as session:
        return {
            member.user_id
            for member in organisations.members(session=session, organisation_id=organisation_id)
        }


def apply(
    deps: Deps,
    assessment_id: int,
    event: Event,
    actor: str,
    *,
    step: State | None = None,
    fields: dict[str, str] | None = None,
    source_ts: str | None = None,
    note: dict[str, Any] | None = None,
    event_id: str = "",
    read: Context | None = None,
) -> tuple[Position, Position]:
    """Apply one event: answer/skip are saved with the move, atomically and version-guarded.

    The thread's next message (with ``note`` on top, see note_text) is owed in the same
    transaction; ``event_id`` (an Events API delivery) is recorded with it, so Slack's retry
    of the same reply changes nothing. Raises TransitionError when the event does not apply,
    ConflictError when someone was faster, AlreadyHandledError for a retried event.

    ``read``: the assessment as the caller just read it. It is not read again: the move is
    guarded by the version read, so when anyone moved it since, nothing is saved
    (ConflictError), exactly as when it is read again here.
    """
    now = deps.clock.now()
    try:
        with deps.sessions.begin() as session:
            if event_id and not assessments.first_delivery(session=session, event_id=event_id):
                raise AlreadyHandledError
            current = (
                read.assessment
                if read is not None and read.assessment.id == assessment_id
                else assessments.by_id(session=session, assessment_id=assessment_id)
            )
            if current is None:
                raise TransitionError(_("This assessment no longer exists."))
            answered = assessments.answers(session=session, assessment_id=assessment_id)
            recorded_steps = {state for state, answer in answered.items() if not answer.skipped}
            answering = event in (Event.ANSWER, Event.SKIP)
            if answering:
                if (step or current.state) is not current.state:
                    raise ConflictError
                (recorded_steps.add if event is Event.ANSWER else recorded_steps.discard)(
                    current.state
                )
            after = transition(current.position, event, step=step, answered=recorded_steps)
            # The version-guarded move comes first: the slower of two answers stops here.
            if not assessments.move(session=session, assessment=current, to=after, now=now):
                raise ConflictError
            if answering:
                assessments.record_answer(
                    session=session,
                    assessment_id=assessment_id,
                    step=current.state,
                    fields=fields or {},
                    skipped=event is Event.SKIP,
                    actor=actor,
                    now=now,
                    source_ts=source_ts,
                    new=current.state not in answered,  # read in this transaction
                )
            owe_announcement(
                session=session,
                assessment=current,
                position=after,
                version=current.version + 1,
                actor=actor,
                now=now,
                note=note,
                area=read.area if read is not None and read.assessment is current else None,
            )
    except IntegrityError as error:  # the same step saved concurrently: the other one won
        raise ConflictError from error
    return current.position, after


def announcement_key(assessment_id: int, version: int) -> str:
    """The key of what the thread is told once the assessment reached this version."""
    return f"assessment:{assessment_id}:v{version}"


def owe_announcement(
    *,
    session: Session,
    assessment: Assessment,
    position: Position,
    version: int,
    actor: str,
    now: datetime,
    note: dict[str, Any] | None = None,
    key: str | None = None,
    area: FocusArea | None = None,
) -> bool:
    """Owe the thread what comes next at ``position``: a step, the summary or the pause.

    Nothing is owed while the thread has not been opened (its root message posts the
    current position once it lands). ``area``: the assessment's area, when already read.
    """
    if not assessment.thread_ts:
        return False
    if area is None or area.id != assessment.focus_area_id:
        area = needs.area(session=session, area_id=assessment.focus_area_id)
    if area is None:
        return False
    return outbox.post(
        session=session,
        key=key or announcement_key(assessment.id, version),
        kind=STEP,
        channel=assessment.channel_id,
        thread_ts=assessment.thread_ts,
        build=STEP,
        build_args={
            "assessment": assessment.id,
            "state": position.state.value,
            "resume": position.resume.value if position.resume else None,
            "actor": actor,
            "note": note or {},
        },
        language={"organisation": area.organisation_id},
        now=now,
        actor=actor,
    )


def note_text(deps: Deps, note: Any, actor: str) -> str:
    """The line on top of a thread message, from its code, in the reader's language."""
    if not isinstance(note, dict):
        return ""
    code = str(note.get("code") or "")
    raw_step = str(note.get("step") or "")
    if code in ("answered", "skipped") and raw_step in {state.value for state in STEPS}:
        return recorded(State(raw_step), actor, skipped=code == "skipped")
    if code == "back":
        return _("{person} went back a step.").format(person=user(actor))
    if code == "edit":
        return _("{person} is editing this step; the summary returns after the answer.").format(
            person=user(actor)
        )
    if code == "resumed":
        return _("Resumed by {person}.").format(person=user(actor))
    if code == "published":
        with deps.sessions() as session:
            opportunity = needs.opportunity(
                session=session, opportunity_id=int(note.get("opportunity") or 0)
            )
        if opportunity is None:
            return ""
        return _("Published *{title}* in {channel}.").format(
            title=inline(opportunity.title, 150), channel=channel(opportunity.channel_id)
        )
    return ""


@REGISTRY.builder(STEP)
def build_announcement(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The step's question, the pause, or the summary as its answers are when sent."""
    assessment_id = int(args["assessment"])
    state = State(str(args["state"]))
    actor = str(args.get("actor") or "")
    note = note_text(deps, args.get("note"), actor)
    if state in STEPS:
        return build_step(assessment_id, state, note=note)
    if state is State.PAUSED:
        resume = str(args.get("resume") or State.AREA.value)
        return build_paused(assessment_id, State(resume), actor)
    with deps.sessions() as session:
        assessment = assessments.by_id(session=session, assessment_id=assessment_id)
        area = needs.area(session=session, area_id=assessment.focus_area_id) if assessment else None
        answers = assessments.answers(session=session, assessment_id=assessment_id)
    if area is None:
        return None
    message = build_summary(assessment_id, area, answers, published=state is State.END)
    if note:
        message["blocks"].insert(0, context_block(note))
    return message


def owe_thread(
    *, session: Session, assessment: Assessment, organisation_id: int, starter: str, now: datetime
) -> None:
    """Owe the thread's root message; once it lands, the current step follows in it.

    A root that Slack refused for good (Matchday not in the channel, say) is owed again
    under a new key when someone starts the assessment again; one still on its way is not.
    """
    for attempt in range(THREAD_ATTEMPTS):
        key = f"assessment:{assessment.id}:thread" + (f"#{attempt}" if attempt else "")
        found = outbox.result_of(session=session, key=key)
        if found is None:
            outbox.post(
                session=session,
                key=key,
                kind=ROOT,
                channel=assessment.channel_id,
                build=ROOT,
                build_args={"assessment": assessment.id, "starter": starter},
                language={"organisation": organisation_id},
                now=now,
                actor=starter,
                on_sent=OPENED,
                on_sent_args={
                    "assessment": assessment.id,
                    "starter": starter,
                    "key": key,
                    "at": now.isoformat(),
                },
            )
            return
        gone = found.status in (OutboxStatus.FAILED.value, OutboxStatus.QUARANTINED.value)
        if not gone and not (found.status == OutboxStatus.SENT.value and not found.ts):
            return  # on its way, or it landed


@REGISTRY.builder(ROOT)
def build_root(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The thread's root message (None when the area is gone)."""
    with deps.sessions() as session:
        assessment = assessments.by_id(session=session, assessment_id=int(args["assessment"]))
        area = needs.area(session=session, area_id=assessment.focus_area_id) if assessment else None
    if assessment is None or area is None or assessment.thread_ts:
        return None
    return build_thread_root(area, str(args.get("starter") or ""))


@REGISTRY.hook(OPENED)
def thread_opened(
    session: Session, args: dict[str, Any], channel_id: str | None, ts: str | None
) -> None:
    """Keep the thread's ts and owe its first message (the position the assessment is at)."""
    if not ts:
        return
    assessment_id = int(args["assessment"])
    if not assessments.open_thread(session=session, assessment_id=assessment_id, thread_ts=ts):
        return
    current = assessments.by_id(session=session, assessment_id=assessment_id)
    if current is None:
        return
    rows = outbox.by_key_prefix(session=session, prefix=str(args["key"]))
    when = next((row.sent_at for row in rows if row.key == args["key"] and row.sent_at), None)
    owe_announcement(
        session=session,
        assessment=current,
        position=current.position,
        version=current.version,
        actor=str(args.get("starter") or ""),
        now=when or datetime.fromisoformat(str(args["at"])),
    )


def owe_note(
    *, session: Session, key: str, assessment: Assessment, person: str, text: str, now: datetime
) -> None:
    """Owe an ephemeral note in the thread to the person whose change it follows."""
    outbox.ephemeral(
        session=session,
        key=key,
        kind=NOTE,
        channel=assessment.channel_id,
        user=person,
        message=build_notice(text),
        thread_ts=assessment.thread_ts,
        now=now,
    )


def owe_nudge(
    *, session: Session, assessment: Assessment, organisation_id: int, now: datetime
) -> bool:
    """Owe the nudge of this stall (the caller claimed it in the same transaction)."""
    stall = int(assessment.last_activity_at.timestamp())
    return outbox.post(
        session=session,
        key=f"assessment:{assessment.id}:nudge@{stall}",
        kind=NUDGE,
        channel=assessment.channel_id,
        thread_ts=assessment.thread_ts,
        build=NUDGE,
        build_args={
            "assessment": assessment.id,
            "state": assessment.state.value,
            "version": assessment.version,
        },
        language={"organisation": organisation_id},
        now=now,
    )


@REGISTRY.builder(NUDGE)
def build_nudge(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The nudge, unless the assessment moved on before it could be sent."""
    with deps.sessions() as session:
        current = assessments.by_id(session=session, assessment_id=int(args["assessment"]))
    if current is None or current.version != int(args.get("version") or 0):
        return None
    return nudge(State(str(args["state"])))


def tell(client: WebClient, channel: str, user: str, text: str, thread_ts: str | None) -> None:
    """An ephemeral note to one person in the thread (after the ack; nothing was saved)."""
    try:
        client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=text,
            thread_ts=thread_ts,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        )
    except SlackApiError as error:
        logger.warning("ephemeral note failed: %s", error.response.get("error"))
