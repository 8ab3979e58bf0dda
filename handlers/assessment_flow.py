"""Driving an assessment: load, transition, persist in one transaction, then tell the thread.

Listeners in handlers/assessment.py parse payloads and call these; the state machine itself
is bot.assessment. Everything that talks to Slack runs after the acknowledgement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.assessment import STEPS, Event, Position, State, TransitionError, transition
from bot.deps import Deps
from bot.i18n import N_, _
from bot.needs import Assessment, FocusArea
from bot.programme import Caller, Organisation
from bot.views.assessment import build_paused, build_step, build_summary, build_thread_root
from bot.views.blocks import context as context_block
from bot.views.help import build_notice
from bot.views.setup import invite_me
from handlers.common import respond
from storage.repositories import assessments, needs, organisations

logger = logging.getLogger(__name__)


NOT_IN_GROUP = N_(
    "Only this organisation's project group and programme admins can work on its focus areas."
)


class ConflictError(Exception):
    """Someone else moved the assessment first; nothing of this attempt was saved."""


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
        if assessment is None:
            return None
        area = needs.area(session=session, area_id=assessment.focus_area_id)
        organisation = (
            organisations.by_id(session=session, organisation_id=area.organisation_id)
            if area
            else None
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
) -> tuple[Position, Position]:
    """Apply one event: answer/skip are saved with the move, atomically and version-guarded.

    Raises TransitionError when the event does not apply, ConflictError when someone was faster.
    """
    now = deps.clock.now()
    try:
        with deps.sessions.begin() as session:
            current = assessments.by_id(session=session, assessment_id=assessment_id)
            if current is None:
                raise TransitionError(_("This assessment no longer exists."))
            recorded = {
                state
                for state, answer in assessments.answers(
                    session=session, assessment_id=assessment_id
                ).items()
                if not answer.skipped
            }
            answering = event in (Event.ANSWER, Event.SKIP)
            if answering:
                if (step or current.state) is not current.state:
                    raise ConflictError
                (recorded.add if event is Event.ANSWER else recorded.discard)(current.state)
            after = transition(current.position, event, step=step, answered=recorded)
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
                )
    except IntegrityError as error:  # the same step saved concurrently: the other one won
        raise ConflictError from error
    return current.position, after


def announce(
    deps: Deps,
    client: WebClient,
    context: Context,
    position: Position,
    *,
    actor: str,
    note: str = "",
) -> None:
    """Post what comes next in the thread: the step's question, the summary, or the pause."""
    assessment = context.assessment
    if not assessment.thread_ts:
        return
    if position.state in STEPS:
        message = build_step(assessment.id, position.state, note=note)
    elif position.state is State.PAUSED:
        message = build_paused(assessment.id, position.resume or State.AREA, actor)
    else:
        with deps.sessions() as session:
            answers = assessments.answers(session=session, assessment_id=assessment.id)
        message = build_summary(
            assessment.id, context.area, answers, published=position.state is State.END
        )
        if note:
            message["blocks"].insert(0, context_block(note))
    _post(client, assessment.channel_id, message, thread_ts=assessment.thread_ts)


def _post(
    client: WebClient, channel: str, message: dict[str, Any], *, thread_ts: str | None = None
) -> str | None:
    try:
        response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)
    except SlackApiError as error:
        logger.warning("posting in %s failed: %s", channel, error.response.get("error"))
        return None
    return str(response.get("ts"))


def open_thread(
    deps: Deps, client: WebClient, context: Context, starter: str, response_url: str
) -> None:
    """Post the thread's root message and the first (or current) step in it."""
    assessment = context.assessment
    try:
        response = client.chat_postMessage(
            channel=assessment.channel_id, **build_thread_root(context.area, starter)
        )
    except SlackApiError as error:
        code = error.response.get("error")
        text = (
            invite_me(assessment.channel_id)
            if code in ("not_in_channel", "channel_not_found")
            else _("Sorry, Slack would not let me start the thread ({code}).").format(code=code)
        )
        respond(response_url, build_notice(text))
        return
    thread_ts = str(response.get("ts"))
    with deps.sessions.begin() as session:
        assessments.set_thread(session=session, assessment_id=assessment.id, thread_ts=thread_ts)
    opened = replace(context, assessment=replace(assessment, thread_ts=thread_ts))
    announce(deps, client, opened, assessment.position, actor=starter)


def tell(client: WebClient, channel: str, user: str, text: str, thread_ts: str | None) -> None:
    """An ephemeral note to one person in the thread."""
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
