"""Starting pilots (`/matchday pilot new` or a shortlisted pitch's button) and their status."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import N_, _
from bot.outbox import REGISTRY
from bot.pilot_forms import NewPilotForm, validate_new_pilot
from bot.pilots import Pilot, may_manage, may_start, may_view, next_occurrence
from bot.programme import Caller, Organisation
from bot.resources import Stage
from bot.text import channel, cut, inline
from bot.views.blocks import message
from bot.views.checkins import moment
from bot.views.help import build_notice
from bot.views.paging import read_page_value
from bot.views.pilot_forms import NEW_PILOT_CALLBACK, build_new_pilot_modal
from bot.views.pilots import (
    PILOT_FROM_PITCH_ACTION,
    PILOTS_PAGE_ACTION,
    build_announcement,
    build_pilot_list,
    build_status,
)
from bot.views.resources import resource_blocks
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.home import owe_home
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import checkins, organisations, outbox, pickers, pilots, startups
from storage.repositories.resources import resources_for

ANNOUNCEMENT = "pilot_announcement"
NOT_STARTER = N_(
    "Only this organisation's project group and programme admins can start its pilots."
)
NOT_VIEWER = N_(
    "Only the pilot's people, its organisation's project group and programme admins can see it."
)


def today_in(deps: Deps, timezone: str) -> date:
    """Today's date in a time zone."""
    return deps.clock.now().astimezone(ZoneInfo(timezone)).date()


@subcommand("pilot")
def pilot_command(request: CommandRequest) -> Outcome:
    """/matchday pilot [new]: this channel's pilot, your pilots, or the start form."""
    action = request.args.split()[0].lower() if request.args.split() else ""
    if action == "new":
        return _new_pilot(request)
    if action:
        return Reply(
            build_notice(
                _(
                    "Use `/matchday pilot` to see this channel's pilot, or `/matchday pilot new` "
                    "to start one."
                )
            )
        )
    caller = request.caller
    with request.deps.sessions() as session:
        pilot = pilots.in_channel(session=session, channel_id=request.command.channel_id)
        if pilot is None:
            return Reply(_pilot_list(session, caller))
        history = checkins.history(session=session, pilot_id=pilot.id)
    if not may_view(caller, pilot):
        return Reply(build_notice(_(NOT_VIEWER)))
    return Reply(build_status(pilot, history, can_manage=may_manage(caller, pilot)))


def _organisation_for(request: CommandRequest) -> Organisation | None:
    """The organisation of this channel, else the caller's only project group."""
    with request.deps.sessions() as session:
        found = organisations.by_channel(session=session, channel_id=request.command.channel_id)
        if found is None and len(request.caller.memberships) == 1:
            (only,) = request.caller.memberships
            found = organisations.by_id(session=session, organisation_id=only)
    return found


def _new_pilot(request: CommandRequest) -> Outcome:
    organisation = _organisation_for(request)
    if organisation is None:
        return Reply(
            build_notice(
                _(
                    "Run `/matchday pilot new` in the channel of the project group whose "
                    "organisation runs the pilot."
                )
            )
        )
    refusal = _refuse_start(request.deps, request.caller, organisation)
    if refusal:
        return Reply(build_notice(refusal))
    return OpenModal(
        build_new_pilot_modal(
            organisation,
            starter=request.caller.user_id,
            today=today_in(request.deps, organisation.timezone),
            response_url=request.command.response_url,
        )
    )


def _refuse_start(deps: Deps, caller: Caller, organisation: Organisation) -> str:
    if not may_start(caller, organisation.id):
        return _(NOT_STARTER)
    with deps.sessions() as session:
        if startups.count(session=session) == 0:
            return _(
                "No startup is registered yet. A programme admin registers startups with "
                "`/matchday startup`."
            )
    return ""


def start_pilot_from_pitch(
    deps: Deps,
    client: WebClient,
    *,
    pitch_id: int,
    user_id: str,
    trigger_id: str,
    response_url: str,
) -> None:
    """Open the start-a-pilot form prefilled from a shortlisted pitch (for the pitch card)."""
    with deps.sessions() as session:
        prefill = pilots.pitch_prefill(session=session, pitch_id=pitch_id)
        organisation = (
            organisations.by_id(session=session, organisation_id=prefill.organisation_id)
            if prefill
            else None
        )
        people = (
            pilots.startup_representatives(session=session, startup_id=prefill.startup_id)
            if prefill
            else []
        )
        chosen = startups.by_id(session=session, startup_id=prefill.startup_id) if prefill else None
    if prefill is None or organisation is None:
        respond(response_url, build_notice(_("This pitch no longer exists.")))
        return
    refusal = _refuse_start(deps, caller_of(deps, user_id), organisation)
    if not refusal and prefill.status != "shortlisted":
        refusal = _("Only a shortlisted pitch can become a pilot.")
    if refusal:
        respond(response_url, build_notice(refusal))
        return
    view = build_new_pilot_modal(
        organisation,
        starter=user_id,
        today=today_in(deps, organisation.timezone),
        response_url=response_url,
        startup=chosen,
        startup_people=people,
        title=prefill.opportunity_title,
        pitch_id=prefill.pitch_id,
    )
    open_modal(client, trigger_id, view, response_url)


def pilot_from_pitch_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The "Start a pilot" button on a shortlisted pitch's card (value: the pitch id)."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps_of(context).after_ack.submit(
        start_pilot_from_pitch,
        deps_of(context),
        client,
        pitch_id=int(action.action.value),
        user_id=action.user_id,
        trigger_id=action.trigger_id,
        response_url=action.response_url,
    )


def new_pilot_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Start the pilot and plan its first check-in, or show field errors and save nothing.

    Slack is not asked before the ack: a channel the bot is not in gets the pilot all the
    same, and the announcement that cannot be delivered is reported to the person who
    started it (by DM) and on the admins' App Home. A channel holds one running pilot, so
    the form submitted twice starts one pilot and owes one announcement.
    """
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    raw_organisation = metadata.get("organisation")
    with deps.sessions() as session:
        organisation = (
            organisations.by_id(session=session, organisation_id=raw_organisation)
            if isinstance(raw_organisation, int)
            else None
        )
        raw_startup = submission.text("startup") or ""
        startup_ids = (
            {int(raw_startup)}
            if raw_startup.isdigit()
            and pickers.startup_exists(session=session, startup_id=int(raw_startup))
            else set()
        )
    if organisation is None:
        ack(response_action="errors", errors={"title": _("This organisation no longer exists.")})
        return
    caller = caller_of(deps, submission.user_id)
    if not may_start(caller, organisation.id):
        ack(response_action="errors", errors={"title": _(NOT_STARTER)})
        return
    form, errors = validate_new_pilot(
        title=submission.text("title"),
        goals=submission.text("goals"),
        start=submission.text("start"),
        end=submission.text("end"),
        channel=submission.text("channel"),
        organisation_people=submission.many("organisation_people"),
        startup=submission.text("startup"),
        startup_people=submission.many("startup_people"),
        startup_ids=startup_ids,
        cadence=submission.text("cadence"),
        weekday=submission.text("weekday"),
        at=submission.text("time"),
        timezone=submission.text("timezone"),
        today=today_in(deps, organisation.timezone),
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    pitch = metadata.get("pitch")
    try:
        started, running = _start(
            deps, caller, organisation, form, pitch if isinstance(pitch, int) else None
        )
    except IntegrityError:  # a submission of the same form won the race for the channel
        with deps.sessions() as session:
            started = _same_form(session, caller, form)
            running = pilots.running_in_channel(session=session, channel_id=form.channel_id)
    if started is None:
        title = cut(running.title, 80) if running else ""
        ack(  # field errors are plain text: no channel link, the title as typed
            response_action="errors",
            errors={
                "channel": _(
                    "The channel you chose already has a running pilot, {title}. Choose "
                    "another channel, or complete that pilot first."
                ).format(title=title)
            },
        )
        return
    ack()
    if running is None:  # this submission started it (a repeat has been answered already)
        response_url = str(metadata.get("response_url", ""))
        deps.after_ack.submit(_started, deps, started.id, response_url)


def _same_form(session: Session, caller: Caller, form: NewPilotForm) -> Pilot | None:
    return pilots.open_in_channel_by(
        session=session,
        channel_id=form.channel_id,
        actor=caller.user_id,
        title=form.title,
        start=form.start,
        end=form.end,
    )


def _start(
    deps: Deps, caller: Caller, organisation: Organisation, form: NewPilotForm, pitch: int | None
) -> tuple[Pilot | None, Pilot | None]:
    """(the pilot started, None) or, when the channel has a running pilot already, (that
    pilot if this very form started it else None, the running pilot)."""
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        running = pilots.running_in_channel(session=session, channel_id=form.channel_id)
        if running is not None:
            return _same_form(session, caller, form), running
        pilot = pilots.create(
            session=session,
            actor=caller.user_id,
            organisation_id=organisation.id,
            startup_id=form.startup_id,
            title=form.title,
            channel_id=form.channel_id,
            start=form.start,
            end=form.end,
            schedule=form.schedule,
            people=list(form.people),
            milestones=list(form.milestones),
            first=next_occurrence(form.schedule, now),
            pitch_id=pitch,
        )
        first = checkins.pending(session=session, pilot_id=pilot.id)
        outbox.post(
            session=session,
            key=f"pilot:{pilot.id}:announcement",
            kind=ANNOUNCEMENT,
            channel=pilot.channel_id,
            build=ANNOUNCEMENT,
            build_args={"pilot": pilot.id, "first": first.id if first else None},
            language={"organisation": organisation.id},
            now=now,
            actor=caller.user_id,
        )
        owe_home(
            session=session,
            user_ids=[caller.user_id, *pilot.user_ids],
            change=f"pilot:{pilot.id}@v{pilot.version}",
            now=now,
        )
    return pilot, None


@REGISTRY.builder(ANNOUNCEMENT)
def build_pilot_announcement(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The pilot's announcement in its channel, in the organisation's language."""
    with deps.sessions() as session:
        pilot = pilots.by_id(session=session, pilot_id=int(args["pilot"]))
        if pilot is None:
            return None
        organisation = organisations.by_id(session=session, organisation_id=pilot.organisation_id)
        found = startups.by_ids(session=session, startup_ids=[pilot.startup_id])
        first = (
            checkins.checkin(session=session, checkin_id=int(args["first"]))
            if args.get("first")
            else None
        )
        agreements = resources_for(session, Stage.PILOT)
    if organisation is None or not found:
        return None
    announcement = build_announcement(pilot, organisation, found[0], first)
    return message(announcement["text"], announcement["blocks"] + resource_blocks(agreements))


def _started(deps: Deps, pilot_id: int, response_url: str) -> None:
    """Tell the person who started the pilot (their own request's answer)."""
    with deps.sessions() as session:
        pilot = pilots.by_id(session=session, pilot_id=pilot_id, people=False)
        first = checkins.pending(session=session, pilot_id=pilot_id)
    if pilot is None:
        return
    text = _("Started the pilot *{title}* in {channel}.").format(
        title=inline(pilot.title, 150), channel=channel(pilot.channel_id)
    )
    if first is not None:
        text += " " + _("First check-in: {when}.").format(when=moment(first.due_at))
    respond(response_url, build_notice(text))


def _pilot_list(session: Session, caller: Caller, page: int = 0) -> dict[str, Any]:
    listed = pilots.of_person(
        session=session,
        user_id=caller.user_id,
        organisation_ids=list(caller.memberships),
        everything=caller.is_admin,
    )
    return build_pilot_list(listed, page)


def pilot_list_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* under the pilot list: the caller's pilots now, at the other page."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    page, _extra = read_page_value(action.action.value)
    caller = caller_of(deps, action.user_id)
    with deps.sessions() as session:
        shown = _pilot_list(session, caller, page)
    deps.after_ack.submit(respond, action.response_url, shown, replace=True)


def register(app: App) -> None:
    """Wire the start-a-pilot form, the pitch card's button and the pilot list's pages."""
    app.action(f"{PILOTS_PAGE_ACTION}_previous")(pilot_list_page_clicked)
    app.action(f"{PILOTS_PAGE_ACTION}_next")(pilot_list_page_clicked)
    app.view(NEW_PILOT_CALLBACK)(new_pilot_submitted)
    app.action(PILOT_FROM_PITCH_ACTION)(pilot_from_pitch_clicked)
