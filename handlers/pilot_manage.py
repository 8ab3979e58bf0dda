"""Managing a pilot: pause, resume, change cadence, complete, and share the case card."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import N_, _
from bot.outbox import REGISTRY
from bot.pilot_forms import validate_completion, validate_schedule
from bot.pilots import (
    Action,
    Cadence,
    Pilot,
    PilotStatus,
    Schedule,
    TransitionError,
    case_card_consent,
    may_manage,
    next_occurrence,
    transition,
)
from bot.text import channel, user
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
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.home import owe_home
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import checkins, organisations, outbox, pilots, startups

logger = logging.getLogger(__name__)
NOT_MANAGER = N_("Only the pilot's people and programme admins can manage it.")
CHANGED = N_("The pilot changed meanwhile; please try again.")
# What is owed in the pilot's channel after a change, each built when it is sent, in the
# organisation's language; the keys carry the pilot's version, so each change owes once.
NOTE = "pilot_note"
COMPLETION = "pilot_completion"
COMPLETION_POSTED = "pilot_completion_posted"
CASE_CARD = "pilot_case_card"
CASE_CARD_POSTED = "pilot_case_card_posted"


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


def _schedule_args(schedule: Schedule) -> dict[str, Any]:
    return {
        "cadence": schedule.cadence.value,
        "weekday": schedule.weekday,
        "at": schedule.at.strftime("%H:%M"),
        "timezone": schedule.timezone,
        "anchor": schedule.anchor.isoformat(),
        "until": schedule.until.isoformat(),
    }


def _schedule_of(args: dict[str, Any]) -> Schedule:
    return Schedule(
        Cadence(str(args["cadence"])),
        int(args["weekday"]),
        time.fromisoformat(str(args["at"])),
        str(args["timezone"]),
        date.fromisoformat(str(args["anchor"])),
        date.fromisoformat(str(args["until"])),
    )


def note_text(args: dict[str, Any]) -> str:
    """The sentence telling the pilot's channel what changed, in the current language."""
    person = user(str(args["person"]))
    kind = args.get("note")
    if kind == "paused":
        return _("{person} paused the pilot's check-ins.").format(person=person)
    if kind == "resumed":
        text = _("{person} resumed the pilot's check-ins.").format(person=person)
    else:
        text = _("{person} changed the check-ins to {schedule}.").format(
            person=person, schedule=describe_schedule(_schedule_of(args["schedule"]))
        )
    if args.get("upcoming"):
        upcoming = datetime.fromisoformat(str(args["upcoming"]))
        text += " " + _("Next check-in: {when}.").format(when=moment(upcoming))
    return text


def _owe_note(
    session: Session, pilot: Pilot, version: int, args: dict[str, Any], now: datetime
) -> None:
    """The note in the pilot's channel and its people's fresh App Home, for one change."""
    outbox.post(
        session=session,
        key=f"pilot:{pilot.id}:note@v{version}",
        kind=NOTE,
        channel=pilot.channel_id,
        build=NOTE,
        build_args={"pilot": pilot.id, **args},
        language={"organisation": pilot.organisation_id},
        now=now,
        actor=str(args["person"]),
    )
    owe_home(
        session=session, user_ids=pilot.user_ids, change=f"pilot:{pilot.id}@v{version}", now=now
    )


@REGISTRY.builder(NOTE)
def build_note(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """A pilot's change, told in its channel."""
    return build_notice(note_text(args))


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
    args: dict[str, Any] = {"note": "paused" if pausing else "resumed", "person": action.user_id}
    with deps.sessions.begin() as session:
        moved = pilots.move(
            session=session,
            pilot=pilot,
            to=after,
            actor=action.user_id,
            action="pilot.paused" if pausing else "pilot.resumed",
        )
        if moved:
            # Check-ins due while paused are not owed: the next one is planned from now.
            upcoming = None if pausing else plan_next(session, pilot, now)
            args["upcoming"] = upcoming.isoformat() if upcoming else None
            _owe_note(session, pilot, pilot.version + 1, args, now)
    if not moved:
        deps.after_ack.submit(respond, action.response_url, build_notice(_(CHANGED)))
        return
    note = note_text(args)
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
    if _schedule_args(schedule) == _schedule_args(pilot.schedule):
        ack()  # nothing changes (the same form again, say): nothing is owed
        return
    try:
        after = transition(pilot.status, Action.RESCHEDULE)
    except TransitionError as error:
        ack(response_action="errors", errors={"cadence": str(error)})
        return
    args: dict[str, Any] = {
        "note": "cadence",
        "person": submission.user_id,
        "schedule": _schedule_args(schedule),
    }
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
        if upcoming is not None and changed.status is PilotStatus.ACTIVE:
            args["upcoming"] = upcoming.isoformat()
        _owe_note(session, changed, changed.version, args, now)
    ack()
    response_url = str(metadata.get("response_url", ""))
    deps.after_ack.submit(
        _refresh, deps, pilot.id, submission.user_id, note_text(args), response_url
    )


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
    form, errors = validate_completion(
        outcome=submission.text("outcome"),
        results=submission.text("results"),
        lessons=submission.text("lessons"),
        showcase=showcase,
        pilot_channel=pilot.channel_id,
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    if (pilot.status, pilot.completed_by, pilot.outcome) == (
        PilotStatus.COMPLETED,
        submission.user_id,
        form.outcome,
    ):
        ack()  # the same form again: it completed the pilot already
        return
    try:
        after = transition(pilot.status, Action.COMPLETE)
    except TransitionError as error:
        ack(response_action="errors", errors={"outcome": str(error)})
        return
    now = deps.clock.now()
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
                "completed_at": now,
            },
        ):
            ack(response_action="errors", errors={"outcome": _(CHANGED)})
            return
        checkins.reschedule_pending(session=session, pilot_id=pilot.id, due=None)
        # Posted once; Slack's ts is kept, so the case-card answers update this message.
        outbox.post(
            session=session,
            key=completion_key(pilot.id),
            kind=COMPLETION,
            channel=pilot.channel_id,
            build=COMPLETION,
            build_args={"pilot": pilot.id},
            language={"organisation": pilot.organisation_id},
            now=now,
            actor=submission.user_id,
            on_sent=COMPLETION_POSTED,
            on_sent_args={"pilot": pilot.id},
        )
        owe_home(
            session=session,
            user_ids=pilot.user_ids,
            change=f"pilot:{pilot.id}@v{pilot.version + 1}",
            now=now,
        )
    ack()
    response_url = str(metadata.get("response_url", ""))
    deps.after_ack.submit(
        respond, response_url, build_notice(_("The pilot is completed.")), replace=True
    )


def completion_key(pilot_id: int) -> str:
    """The key of the message that completed the pilot."""
    return f"pilot:{pilot_id}:completion"


@REGISTRY.builder(COMPLETION)
def build_pilot_completion(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The completion message as the pilot stands now (its case-card answers included)."""
    with deps.sessions() as session:
        pilot = pilots.by_id(session=session, pilot_id=int(args["pilot"]), people=False)
    if pilot is None or pilot.status is not PilotStatus.COMPLETED:
        return None
    return build_completion(pilot)


@REGISTRY.hook(COMPLETION_POSTED)
def completion_posted(
    session: Session, args: dict[str, Any], channel_id: str | None, ts: str | None
) -> None:
    """Remember the completion message: the case-card answers update it."""
    if ts:
        pilots.set_completion_message(session=session, pilot_id=int(args["pilot"]), ts=ts)


def _owe_completion_refresh(session: Session, pilot: Pilot, change: str, now: datetime) -> None:
    """Refresh the completion message once for this change (built when it is sent)."""
    outbox.update_message(
        session=session,
        key=f"{completion_key(pilot.id)}@{change}",
        kind=COMPLETION,
        channel=pilot.channel_id,
        ts=pilot.completion_ts,
        ts_of=None if pilot.completion_ts else completion_key(pilot.id),
        build=COMPLETION,
        build_args={"pilot": pilot.id},
        language={"organisation": pilot.organisation_id},
        now=now,
    )


def share_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """One side answers whether to share the case card; when both agree it is posted once.

    The answer, the claim of the card, the card itself and the completion message's refresh
    are one transaction: a click delivered twice changes nothing the second time.
    """
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
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        recorded = pilots.record_consent(
            session=session, pilot_id=pilot.id, side=side, consent=consent
        )
        fresh = pilots.by_id(session=session, pilot_id=pilot.id)
        assert fresh is not None and fresh.showcase_channel_id is not None
        if recorded:
            agreed, _anonymous = case_card_consent(
                fresh.organisation_consent, fresh.startup_consent
            )
            if agreed and pilots.claim_card(session=session, pilot_id=pilot.id, now=now):
                outbox.post(
                    session=session,
                    key=f"pilot:{pilot.id}:case_card",
                    kind=CASE_CARD,
                    channel=fresh.showcase_channel_id,
                    build=CASE_CARD,
                    build_args={"pilot": pilot.id},
                    language={"organisation": pilot.organisation_id},
                    now=now,
                    actor=action.user_id,
                    on_sent=CASE_CARD_POSTED,
                    on_sent_args={"pilot": pilot.id, "at": now.isoformat()},
                )
            _owe_completion_refresh(session, fresh, f"v{fresh.version}", now)
    if recorded:
        return
    if fresh.card_ts or case_card_consent(fresh.organisation_consent, fresh.startup_consent)[0]:
        text = _("A case card is shared in {channel}.").format(
            channel=channel(fresh.showcase_channel_id)
        )
    else:
        text = _("Nothing changed: your side's answer was already recorded.")
    deps.after_ack.submit(respond, action.response_url, build_notice(text))


@REGISTRY.builder(CASE_CARD)
def build_pilot_case_card(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The case card, named or anonymised as the two sides agreed."""
    with deps.sessions() as session:
        pilot = pilots.by_id(session=session, pilot_id=int(args["pilot"]))
        if pilot is None:
            return None
        organisation = organisations.by_id(session=session, organisation_id=pilot.organisation_id)
        found = startups.by_ids(session=session, startup_ids=[pilot.startup_id])
    agreed, anonymous = case_card_consent(pilot.organisation_consent, pilot.startup_consent)
    if organisation is None or not found or not agreed:
        return None
    return build_case_card(pilot, organisation, found[0], anonymous=anonymous)


@REGISTRY.hook(CASE_CARD_POSTED)
def case_card_posted(
    session: Session, args: dict[str, Any], channel_id: str | None, ts: str | None
) -> None:
    """Remember the card, and say on the completion message that it is shared."""
    if not ts:
        return
    pilot_id = int(args["pilot"])
    pilots.set_card(session=session, pilot_id=pilot_id, ts=ts)
    pilot = pilots.by_id(session=session, pilot_id=pilot_id, people=False)
    if pilot is not None:
        _owe_completion_refresh(session, pilot, "card", datetime.fromisoformat(str(args["at"])))


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
