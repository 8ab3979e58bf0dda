"""Managing a pilot: pause, resume, change cadence, complete, and share the case card."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import N_, _
from bot.pilot_forms import validate_completion, validate_schedule
from bot.pilots import (
    Action,
    Pilot,
    PilotStatus,
    TransitionError,
    case_card_consent,
    may_manage,
    next_occurrence,
    transition,
)
from bot.text import safe, user
from bot.views.checkins import moment
from bot.views.help import build_notice
from bot.views.pilot_forms import (
    CADENCE_CALLBACK,
    COMPLETE_CALLBACK,
    build_cadence_modal,
    build_complete_modal,
)
from bot.views.pilots import (
    CADENCE_ACTION,
    COMPLETE_ACTION,
    PAUSE_ACTION,
    RESUME_ACTION,
    SHARE_ACTIONS,
    build_case_card,
    build_completion,
    build_status,
    describe_schedule,
)
from bot.views.setup import invite_me
from handlers.common import bot_is_member, caller_of, deps_of, open_modal, post, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import checkins, organisations, pilots, startups

logger = logging.getLogger(__name__)
NOT_MANAGER = N_("Only the pilot's people and programme admins can manage it.")
CHANGED = N_("The pilot changed meanwhile; please try again.")


def load(deps: Deps, raw_id: object) -> Pilot | None:
    """The pilot with this id (as sent in a button value or the modal's metadata)."""
    text = str(raw_id)
    if not text.isdigit():
        return None
    with deps.sessions() as session:
        return pilots.by_id(session=session, pilot_id=int(text))


def plan_next(session: Session, pilot: Pilot, now: datetime) -> datetime | None:
    """Put the pending check-in on the pilot's schedule from now on; its due time if any.

    A check-in with an attempt behind it may already be in Slack and is left as it is.
    """
    upcoming = next_occurrence(pilot.schedule, now)
    pending = checkins.pending(session=session, pilot_id=pilot.id)
    if pending is None:
        if upcoming is not None:
            seq = checkins.next_seq(session=session, pilot_id=pilot.id)
            checkins.add_checkin(session=session, pilot_id=pilot.id, seq=seq, due=upcoming)
        return upcoming.due_at if upcoming else None
    if checkins.reschedule_pending(session=session, pilot_id=pilot.id, due=upcoming):
        return upcoming.due_at if upcoming else None
    return pending.due_at


def _refresh(deps: Deps, pilot_id: int, actor: str, note: str, response_url: str) -> None:
    """Replace the status message the buttons were on, with a note."""
    caller = caller_of(deps, actor)
    with deps.sessions() as session:
        pilot = pilots.by_id(session=session, pilot_id=pilot_id)
        history = checkins.history(session=session, pilot_id=pilot_id)
    if pilot is not None:
        message = build_status(pilot, history, can_manage=may_manage(caller, pilot), note=note)
        respond(response_url, message, replace=True)


def _tell_channel(client: WebClient, pilot: Pilot, text: str) -> None:
    post(client, pilot.channel_id, build_notice(text))


def pause_or_resume_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Pause or resume a pilot's check-ins."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    pilot = load(deps, action.action.value)
    if pilot is None:
        return
    if not may_manage(caller_of(deps, action.user_id), pilot):
        deps.after_ack.submit(respond, action.response_url, build_notice(_(NOT_MANAGER)))
        return
    pausing = action.action.action_id == PAUSE_ACTION
    now = deps.clock.now()
    try:
        after = transition(pilot.status, Action.PAUSE if pausing else Action.RESUME)
    except TransitionError as error:
        deps.after_ack.submit(respond, action.response_url, build_notice(str(error)))
        return
    with deps.sessions.begin() as session:
        moved = pilots.move(
            session=session,
            pilot=pilot,
            to=after,
            actor=action.user_id,
            action="pilot.paused" if pausing else "pilot.resumed",
        )
        # Check-ins due while paused are not owed: the next one is planned from now.
        upcoming = None if pausing or not moved else plan_next(session, pilot, now)
    if not moved:
        deps.after_ack.submit(respond, action.response_url, build_notice(_(CHANGED)))
        return
    if pausing:
        note = _("{person} paused the pilot's check-ins.").format(person=user(action.user_id))
    else:
        note = _("{person} resumed the pilot's check-ins.").format(person=user(action.user_id))
        if upcoming is not None:
            note += " " + _("The next one is {when}.").format(when=moment(upcoming))
    deps.after_ack.submit(_tell_channel, client, pilot, note)
    deps.after_ack.submit(_refresh, deps, pilot.id, action.user_id, note, action.response_url)


def form_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the change-cadence or the completion form."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    pilot = load(deps, action.action.value)
    if pilot is None:
        return
    refusal = ""
    if not may_manage(caller_of(deps, action.user_id), pilot):
        refusal = _(NOT_MANAGER)
    elif pilot.status is PilotStatus.COMPLETED:
        refusal = _("This pilot is completed; nothing about it can change now.")
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    if action.action.action_id == CADENCE_ACTION:
        view = build_cadence_modal(pilot, action.response_url)
    else:
        view = build_complete_modal(pilot, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def cadence_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Change when the pilot checks in, or show field errors and change nothing."""
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    metadata = submission.metadata() if submission else {}
    pilot = load(deps, metadata.get("pilot"))
    if submission is None or pilot is None:
        ack(response_action="errors", errors={"cadence": _("This pilot no longer exists.")})
        return
    if not may_manage(caller_of(deps, submission.user_id), pilot):
        ack(response_action="errors", errors={"cadence": _(NOT_MANAGER)})
        return
    now = deps.clock.now()
    schedule, errors = validate_schedule(
        cadence=submission.text("cadence"),
        weekday=submission.text("weekday"),
        at=submission.text("time"),
        timezone=submission.text("timezone"),
        anchor=now.astimezone(ZoneInfo(pilot.schedule.timezone)).date(),
        until=pilot.end,
    )
    if schedule is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        after = transition(pilot.status, Action.RESCHEDULE)
    except TransitionError as error:
        ack(response_action="errors", errors={"cadence": str(error)})
        return
    with deps.sessions.begin() as session:
        if not pilots.move(
            session=session,
            pilot=pilot,
            to=after,
            actor=submission.user_id,
            action="pilot.rescheduled",
            values=pilots.schedule_values(schedule),
        ):
            ack(response_action="errors", errors={"cadence": _(CHANGED)})
            return
        changed = pilots.by_id(session=session, pilot_id=pilot.id)
        assert changed is not None
        upcoming = plan_next(session, changed, now)
    ack()
    note = _("{person} changed the check-ins to {schedule}.").format(
        person=user(submission.user_id), schedule=describe_schedule(schedule)
    )
    if upcoming is not None and changed.status is PilotStatus.ACTIVE:
        note += " " + _("The next one is {when}.").format(when=moment(upcoming))
    deps.after_ack.submit(_tell_channel, client, changed, note)
    response_url = str(metadata.get("response_url", ""))
    deps.after_ack.submit(_refresh, deps, pilot.id, submission.user_id, note, response_url)


def complete_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Complete the pilot with its outcome, or show field errors and change nothing."""
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    metadata = submission.metadata() if submission else {}
    pilot = load(deps, metadata.get("pilot"))
    if submission is None or pilot is None:
        ack(response_action="errors", errors={"outcome": _("This pilot no longer exists.")})
        return
    if not may_manage(caller_of(deps, submission.user_id), pilot):
        ack(response_action="errors", errors={"outcome": _(NOT_MANAGER)})
        return
    showcase = submission.text("showcase")
    problem = invite_me(showcase) if showcase and not bot_is_member(client, showcase) else ""
    form, errors = validate_completion(
        outcome=submission.text("outcome"),
        results=submission.text("results"),
        lessons=submission.text("lessons"),
        showcase=showcase,
        showcase_problem=problem,
        pilot_channel=pilot.channel_id,
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        after = transition(pilot.status, Action.COMPLETE)
    except TransitionError as error:
        ack(response_action="errors", errors={"outcome": str(error)})
        return
    with deps.sessions.begin() as session:
        if not pilots.move(
            session=session,
            pilot=pilot,
            to=after,
            actor=submission.user_id,
            action="pilot.completed",
            values={
                "outcome": form.outcome.value,
                "results": form.results,
                "lessons": form.lessons,
                "showcase_channel_id": form.showcase_channel_id,
                "completed_by": submission.user_id,
                "completed_at": deps.clock.now(),
            },
        ):
            ack(response_action="errors", errors={"outcome": _(CHANGED)})
            return
        checkins.reschedule_pending(session=session, pilot_id=pilot.id, due=None)
        completed = pilots.by_id(session=session, pilot_id=pilot.id)
    assert completed is not None
    ack()
    response_url = str(metadata.get("response_url", ""))
    deps.after_ack.submit(_post_completion, deps, client, completed, response_url)


def _post_completion(deps: Deps, client: WebClient, pilot: Pilot, response_url: str) -> None:
    try:
        response = client.chat_postMessage(channel=pilot.channel_id, **build_completion(pilot))
    except SlackApiError as error:
        code = safe(str(error.response.get("error")), 64)
        text = _("The pilot is completed, but Slack refused the message ({code}).")
        respond(response_url, build_notice(text.format(code=code)))
        return
    with deps.sessions.begin() as session:
        pilots.set_completion_message(session=session, pilot_id=pilot.id, ts=str(response["ts"]))
    respond(response_url, build_notice(_("The pilot is completed.")), replace=True)


def share_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """One side answers whether to share the case card; when both agree it is posted once."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    pilot = load(deps, action.action.value)
    consent = next(
        (key for key, value in SHARE_ACTIONS.items() if value == action.action.action_id), None
    )
    if pilot is None or consent is None or not pilot.showcase_channel_id:
        return
    side = pilot.side_of(action.user_id)
    if side is None:
        text = _(
            "Only the pilot's people from the organisation and from the startup can answer "
            "for their side."
        )
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    with deps.sessions.begin() as session:
        recorded = pilots.record_consent(
            session=session, pilot_id=pilot.id, side=side, consent=consent
        )
        fresh = pilots.by_id(session=session, pilot_id=pilot.id)
        assert fresh is not None
        agreed, _anonymous = case_card_consent(fresh.organisation_consent, fresh.startup_consent)
        claimed = (
            recorded
            and agreed
            and pilots.claim_card(session=session, pilot_id=pilot.id, now=deps.clock.now())
        )
    deps.after_ack.submit(_after_consent, deps, client, pilot.id, claimed, action.response_url)


def _after_consent(
    deps: Deps, client: WebClient, pilot_id: int, claimed: bool, response_url: str
) -> None:
    with deps.sessions() as session:
        pilot = pilots.by_id(session=session, pilot_id=pilot_id)
        assert pilot is not None and pilot.showcase_channel_id is not None
        organisation = organisations.by_id(session=session, organisation_id=pilot.organisation_id)
        (startup,) = startups.by_ids(session=session, startup_ids=[pilot.startup_id])
    assert organisation is not None
    if claimed:
        _agreed, anonymous = case_card_consent(pilot.organisation_consent, pilot.startup_consent)
        card = build_case_card(pilot, organisation, startup, anonymous=anonymous)
        try:
            response = client.chat_postMessage(channel=pilot.showcase_channel_id, **card)
        except SlackApiError as error:
            with deps.sessions.begin() as session:
                pilots.release_card(session=session, pilot_id=pilot.id)
            code = safe(str(error.response.get("error")), 64)
            text = _("Slack refused the case card ({code}); answer again to retry.")
            respond(response_url, build_notice(text.format(code=code)))
            return
        with deps.sessions.begin() as session:
            pilots.set_card(session=session, pilot_id=pilot.id, ts=str(response["ts"]))
            pilot = pilots.by_id(session=session, pilot_id=pilot.id)
        assert pilot is not None
    if pilot.completion_ts:
        try:
            client.chat_update(
                channel=pilot.channel_id,
                ts=pilot.completion_ts,
                **build_completion(pilot),
            )
        except SlackApiError as error:
            logger.warning(
                "updating the completion message failed: %s", error.response.get("error")
            )


def register(app: App) -> None:
    """Wire the pilot's management buttons, forms and the case-card answers."""
    app.action(PAUSE_ACTION)(pause_or_resume_clicked)
    app.action(RESUME_ACTION)(pause_or_resume_clicked)
    app.action(CADENCE_ACTION)(form_clicked)
    app.action(COMPLETE_ACTION)(form_clicked)
    app.view(CADENCE_CALLBACK)(cadence_submitted)
    app.view(COMPLETE_CALLBACK)(complete_submitted)
    for action_id in SHARE_ACTIONS.values():
        app.action(action_id)(share_clicked)
