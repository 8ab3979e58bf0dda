"""Answering a check-in: the status buttons and the form; only the pilot's people may."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import refused
from bot.deps import Deps
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.pilot_forms import validate_answer
from bot.pilots import (
    Checkin,
    CheckinStatus,
    Escalation,
    Pilot,
    PilotStatus,
    may_answer,
)
from bot.views.checkins import (
    ANSWER_CALLBACK,
    FORM_ACTION,
    STATUS_ACTIONS,
    build_answer_modal,
    build_checkin,
    checkin_metadata,
    status_label,
)
from bot.views.help import build_notice
from handlers.checkins import owe_escalation
from handlers.common import deps_of, open_modal, respond, tell_clicker
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import checkins, outbox, pilots

logger = logging.getLogger(__name__)
ANSWERED = "checkin_answered"


def load(deps: Deps, raw_id: object) -> tuple[Pilot, Checkin] | None:
    """A posted check-in and its pilot."""
    text = str(raw_id)
    if not text.isdigit():
        return None
    with deps.sessions() as session:
        checkin = checkins.checkin(session=session, checkin_id=int(text))
        pilot = pilots.by_id(session=session, pilot_id=checkin.pilot_id) if checkin else None
    if checkin is None or pilot is None or checkin.message_ts is None:
        return None
    return pilot, checkin


def refusal(pilot: Pilot, user_id: str) -> str:
    """Why this person may not answer, or an empty string when they may.

    Someone outside the pilot learns nothing about it: not its title, people or state.
    """
    if not may_answer(user_id, pilot):
        return refused().refusal
    if pilot.status is PilotStatus.COMPLETED:
        return _("This pilot is completed; its check-ins are closed.")
    return ""


def _save(
    deps: Deps,
    checkin: Checkin,
    actor: str,
    status: CheckinStatus,
    texts: dict[str, str] | None = None,
) -> bool:
    """Record the answer, owe the message's refresh and a first "blocked"'s escalation.

    One transaction: the answer, the refresh of the check-in message (once per revision of
    the answer) and the admins' DMs. False when the answer was recorded like this already
    (a click delivered twice): nothing more is owed.
    """
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        answered, revision = checkins.answered(
            session=session,
            checkin_id=checkin.id,
            actor=actor,
            now=now,
            status=status,
            **(texts or {}),
        )
        if revision is None:
            return False
        pilot = pilots.by_id(session=session, pilot_id=answered.pilot_id, people=False)
        if pilot is not None and answered.message_ts:
            outbox.update_message(
                session=session,
                key=f"checkin:{checkin.id}:answer@{revision}",
                kind=ANSWERED,
                channel=pilot.channel_id,
                ts=answered.message_ts,
                build=ANSWERED,
                build_args={"checkin": checkin.id},
                language={"organisation": pilot.organisation_id},
                now=now,
                actor=actor,
            )
        if status is CheckinStatus.BLOCKED and checkins.escalate(
            session=session, checkin_id=checkin.id, reason=Escalation.BLOCKED, now=now
        ):
            owe_escalation(deps, session, checkin.id, now)
    return True


@REGISTRY.builder(ANSWERED)
def build_answered_checkin(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The check-in message with its answer as it stands when the refresh is sent."""
    found = load(deps, args["checkin"])
    if found is None:
        return None
    pilot, checkin = found
    return {"metadata": checkin_metadata(pilot, checkin), **build_checkin(pilot, checkin)}


def _unchanged(checkin: Checkin, status: CheckinStatus) -> str:
    return _("Check-in {number} already says {status}; nothing changed.").format(
        number=checkin.seq, status=status_label(status)
    )


def status_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """On track, at risk or blocked, straight from the check-in message."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    status = next(
        (key for key, value in STATUS_ACTIONS.items() if value == action.action.action_id), None
    )
    deps = deps_of(context)
    found = load(deps, action.action.value)
    if found is None or status is None:
        return
    pilot, checkin = found
    refused = refusal(pilot, action.user_id)
    if refused:
        deps.after_ack.submit(respond, action.response_url, build_notice(refused))
        return
    if not _save(deps, checkin, action.user_id, status):
        deps.after_ack.submit(
            respond, action.response_url, build_notice(_unchanged(checkin, status))
        )


def form_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the check-in form for the pilot's people."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    found = load(deps, action.action.value)
    if found is None:
        return
    pilot, checkin = found
    refused = refusal(pilot, action.user_id)
    if refused:
        deps.after_ack.submit(
            tell_clicker, client, action.user_id, action.response_url, build_notice(refused)
        )
        return
    view = build_answer_modal(pilot, checkin)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def answer_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Record the form's answer, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    found = load(deps, submission.metadata().get("checkin")) if submission else None
    if submission is None or found is None:
        ack(response_action="errors", errors={"status": _("This check-in no longer exists.")})
        return
    pilot, checkin = found
    refused = refusal(pilot, submission.user_id)
    if refused:
        ack(response_action="errors", errors={"status": refused})
        return
    form, errors = validate_answer(
        status=submission.text("status"),
        progress=submission.text("progress"),
        next_steps=submission.text("next_steps"),
        blockers=submission.text("blockers"),
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    texts = {"progress": form.progress, "next_steps": form.next_steps, "blockers": form.blockers}
    _save(deps, checkin, submission.user_id, form.status, texts)  # the same form twice: once
    ack()


def register(app: App) -> None:
    """Wire the check-in's buttons and form."""
    for action_id in STATUS_ACTIONS.values():
        app.action(action_id)(status_clicked)
    app.action(FORM_ACTION)(form_clicked)
    app.view(ANSWER_CALLBACK)(answer_submitted)
