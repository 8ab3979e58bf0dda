"""Ad hoc meetings: propose three times, book one, send calendar files, move or cancel.

Every message that follows a change (the proposal, both sides' confirmations and calendar
files, a cancellation) is owed through the outbox in the change's own transaction, keyed by
the meeting and its version: the same form or click delivered twice owes nothing more.
Messages to others are built when sent, in the reader's language.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.calendar_files import CalendarMeeting, build_ics, meeting_uid
from bot.deps import Deps
from bot.form_text import PLACE_MAX, typed
from bot.forms import valid_website
from bot.i18n import N_, _
from bot.meetings import LENGTHS, Meeting, MeetingStatus, WorkingHours, propose_slots
from bot.outbox import REGISTRY
from bot.pitches import PitchStatus, may_review
from bot.programme import Caller, Organisation
from bot.resources import Stage
from bot.views.help import build_notice, unlinked_channel
from bot.views.meetings import (
    CANCEL_ACTION,
    MORE_ACTION,
    NEXT_MEETING_ACTION,
    PICK_ACTION,
    PROPOSE_ACTION,
    PROPOSE_CALLBACK,
    RESCHEDULE_ACTION,
    SHORTLIST_PAGE_ACTION,
    build_another_wanted,
    build_cancelled,
    build_confirmation,
    build_proposal,
    build_propose_modal,
    build_shortlist,
)
from bot.views.paging import read_page_value
from bot.views.resources import resource_blocks
from handlers import calendar_people
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, post, respond, tell_clicker
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import meetings, organisations, outbox, pitches, startups
from storage.repositories.resources import resources_for

logger = logging.getLogger(__name__)
NOT_IN_MEETING = N_("Only the people invited to this meeting can change it.")
ALREADY_CANCELLED = N_("This meeting was cancelled.")
ALREADY_BOOKED = N_("This meeting is booked. To move it, use Reschedule on its confirmation.")
BOOKED = N_("Booked. The confirmation follows.")
CHANGED = N_("The meeting changed meanwhile; please look at the newest message.")
GONE = N_("This meeting is no longer in Matchday: it was removed.")

# Outbox builders (and the kinds of their rows, bot/views/delivery.py KINDS).
PROPOSAL = "meeting_proposal"
CONFIRMATION = "meeting_confirmation"
CALENDAR_FILE = "meeting_calendar_file"
CANCELLED = "meeting_cancelled"
ANOTHER = "meeting_another_wanted"


def _names(deps: Deps, meeting: Meeting) -> tuple[Organisation | None, str]:
    with deps.sessions() as session:
        organisation = organisations.by_id(session=session, organisation_id=meeting.organisation_id)
        startup = startups.by_id(session=session, startup_id=meeting.startup_id)
    return organisation, startup.name if startup else "?"


def _zone(organisation: Organisation | None) -> ZoneInfo:
    return ZoneInfo(organisation.timezone if organisation else "Europe/Stockholm")


def _counterpart(
    meeting: Meeting, person: str, organisation: Organisation | None, startup_name: str
) -> str:
    """Who the meeting is with, as this person sees it."""
    if person in meeting.organisation_people:
        return startup_name
    return organisation.name if organisation else ""


def _load(deps: Deps, args: dict[str, Any]) -> Meeting | None:
    with deps.sessions() as session:
        return meetings.get(session=session, meeting_id=int(args["meeting"]))


def _free_times(deps: Deps, meeting: Meeting, after: datetime, zone: ZoneInfo) -> list[datetime]:
    with deps.sessions() as session:
        taken = meetings.busy(session=session, people=meeting.everyone, except_meeting=meeting.id)
    return propose_slots(
        after=after,
        zone=zone,
        length_minutes=meeting.length_minutes,
        busy=taken,
        hours=WorkingHours.parse(deps.settings.MATCHDAY_WORKING_HOURS),
    )


def _proposal(meeting: Meeting, organisation: str) -> dict[str, Any]:
    length = timedelta(minutes=meeting.length_minutes)
    return build_proposal(
        meeting.id,
        organisation,
        meeting.place,
        [(start, start + length) for start in meeting.proposed],
    )


# what is owed ---------------------------------------------------------------------------
def _owe_proposals(session: Session, meeting: Meeting, *, actor: str, now: datetime) -> None:
    """The times on offer, to each of the startup's representatives."""
    for person in meeting.startup_people:
        outbox.post(
            session=session,
            key=f"meeting:{meeting.id}:offer@{meeting.version}:{person}",
            kind=PROPOSAL,
            channel=person,
            build=PROPOSAL,
            build_args={"meeting": meeting.id},
            language={"user": person},
            now=now,
            actor=actor,
        )


def _times(meeting: Meeting) -> dict[str, Any]:
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    return {
        "meeting": meeting.id,
        "start": meeting.starts_at.isoformat(),
        "end": meeting.ends_at.isoformat(),
        "sequence": meeting.sequence,
    }


def _owe_confirmations(
    session: Session, meeting: Meeting, *, changed: bool, actor: str, now: datetime
) -> None:
    """Both sides' confirmation and calendar file for the booking just made."""
    times = _times(meeting)
    for person in meeting.everyone:
        outbox.post(
            session=session,
            key=f"meeting:{meeting.id}:booked@{meeting.version}:{person}",
            kind=CONFIRMATION,
            channel=person,
            build=CONFIRMATION,
            build_args={**times, "person": person, "changed": changed},
            language={"user": person},
            now=now,
            actor=actor,
        )
        outbox.upload(
            session=session,
            key=f"meeting:{meeting.id}:ics@{meeting.version}:{person}",
            kind=CALENDAR_FILE,
            channel=person,
            build=CALENDAR_FILE,
            build_args={**times, "cancelled": False},
            language={"user": person},
            now=now,
            actor=actor,
        )


def _owe_cancellation(session: Session, meeting: Meeting, *, by: str, now: datetime) -> None:
    """Everyone is told; a booked meeting's calendar gets a CANCEL."""
    booked = meeting.starts_at is not None and meeting.ends_at is not None
    times = _times(meeting) if booked else {"meeting": meeting.id}
    for person in meeting.everyone:
        outbox.post(
            session=session,
            key=f"meeting:{meeting.id}:cancelled:{person}",
            kind=CANCELLED,
            channel=person,
            build=CANCELLED,
            build_args={**times, "person": person, "by": by},
            language={"user": person},
            now=now,
            actor=by,
        )
        if booked:
            outbox.upload(
                session=session,
                key=f"meeting:{meeting.id}:ics-cancel:{person}",
                kind=CALENDAR_FILE,
                channel=person,
                build=CALENDAR_FILE,
                build_args={**times, "cancelled": True},
                language={"user": person},
                now=now,
                actor=by,
            )


# builders (run by the sender, in the reader's language) ----------------------------------
@REGISTRY.builder(PROPOSAL)
def proposal_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The times on offer now (None once nothing is on offer any more)."""
    meeting = _load(deps, args)
    if meeting is None or meeting.status is MeetingStatus.CANCELLED or not meeting.proposed:
        return None
    organisation, _startup = _names(deps, meeting)
    return _proposal(meeting, organisation.name if organisation else "")


def _when(args: dict[str, Any], zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(str(args["start"])).astimezone(zone)
    return start, datetime.fromisoformat(str(args["end"])).astimezone(zone)


@REGISTRY.builder(CONFIRMATION)
def confirmation_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """One side's confirmation of the booking, with the library's preparation items."""
    meeting = _load(deps, args)
    if meeting is None:
        return None
    organisation, startup_name = _names(deps, meeting)
    start, end = _when(args, _zone(organisation))
    confirmation = build_confirmation(
        meeting.id,
        _counterpart(meeting, str(args["person"]), organisation, startup_name),
        start,
        end,
        meeting.place,
        changed=bool(args.get("changed")),
    )
    with deps.sessions() as session:
        preparation = resources_for(session, Stage.MEETING)  # the library's meeting items
    confirmation["blocks"] = confirmation["blocks"] + resource_blocks(preparation)
    return confirmation


@REGISTRY.builder(CALENDAR_FILE)
def calendar_file(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The calendar file (a REQUEST, or a CANCEL) for the booking as it was decided.

    The participants' e-mail addresses are asked of Slack now, at send time.
    """
    meeting = _load(deps, args)
    if meeting is None:
        return None
    organisation, startup_name = _names(deps, meeting)
    start, end = _when(args, _zone(organisation))
    cancelled = bool(args.get("cancelled"))
    ics = build_ics(
        CalendarMeeting(
            meeting_uid(meeting.id),
            int(args["sequence"]),
            start,
            end,
            f"{startup_name} × {organisation.name if organisation else ''}",
            _("A meeting in the innovation programme, booked with Matchday."),
            meeting.place,
            attendees=calendar_people.attendees(deps, meeting.everyone),
        ),
        cancelled=cancelled,
        stamp=deps.clock.now(),
    )
    filename = "meeting-cancelled.ics" if cancelled else "meeting.ics"
    return {"content": ics.decode("utf-8"), "filename": filename, "title": filename}


@REGISTRY.builder(CANCELLED)
def cancelled_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """Who cancelled the meeting (or withdrew the proposal)."""
    meeting = _load(deps, args)
    if meeting is None:
        return None
    if "start" not in args:
        return build_notice(_("The meeting proposal was withdrawn."))
    organisation, startup_name = _names(deps, meeting)
    start, end = _when(args, _zone(organisation))
    counterpart = _counterpart(meeting, str(args["person"]), organisation, startup_name)
    return build_cancelled(counterpart, start, end, str(args["by"]))


@REGISTRY.builder(ANOTHER)
def another_wanted_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """To the group's attendees: the startup would like another meeting."""
    meeting = _load(deps, args)
    if meeting is None:
        return None
    _organisation, startup_name = _names(deps, meeting)
    return build_another_wanted(meeting.id, str(args["person"]), startup_name)


# listeners ------------------------------------------------------------------------------
@subcommand("meet")
def meet_command(request: CommandRequest) -> Outcome:
    """/matchday meet: the shortlisted pitches, each with Propose meeting."""
    with request.deps.sessions() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
    if organisation is None:
        return Reply(unlinked_channel())
    return Reply(_shortlist(request.deps, request.caller, organisation.id))


def _shortlist(deps: Deps, caller: Caller, organisation_id: int, page: int = 0) -> dict[str, Any]:
    """The group's shortlist at a page (or why this person may not see it)."""
    if not may_review(caller, organisation_id):
        return build_notice(_("Only the project group can propose meetings."))
    with deps.sessions() as session:
        shortlisted = [
            pitch
            for pitch in pitches.for_organisation(session=session, organisation_id=organisation_id)
            if pitch.status is PitchStatus.SHORTLISTED
        ]
    return build_shortlist(shortlisted, page, organisation_id)


def shortlist_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* under the shortlist: the shortlist as it stands, at the other page."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    page, extra = read_page_value(action.action.value)
    organisation_id = extra.get("o")
    if not isinstance(organisation_id, int):
        deps.after_ack.submit(respond, action.response_url, unlinked_channel())
        return
    caller = caller_of(deps, action.user_id)
    deps.after_ack.submit(_show_shortlist, deps, caller, organisation_id, page, action.response_url)


def _show_shortlist(
    deps: Deps, caller: Caller, organisation_id: int, page: int, response_url: str
) -> None:
    respond(response_url, _shortlist(deps, caller, organisation_id, page), replace=True)


def propose_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the propose-meeting form for a shortlisted pitch."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    with deps.sessions() as session:
        pitch = pitches.get(session=session, pitch_id=int(action.action.value))
    caller = caller_of(deps, action.user_id)
    if pitch is None or not may_review(caller, pitch.organisation_id):
        text = _("Only the organisation's project group and programme admins can propose meetings.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    if pitch.status is not PitchStatus.SHORTLISTED:
        text = _("Meetings are proposed for shortlisted pitches.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    view = build_propose_modal(pitch.id, pitch.startup_name, caller.user_id)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def propose_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Create the meeting with three free times and offer them to the startup.

    The form's view id is kept on the meeting: the same form submitted twice proposes once.
    """
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    raw = str(submission.metadata().get("pitch", "")) if submission else ""
    with deps.sessions() as session:
        pitch = pitches.get(session=session, pitch_id=int(raw)) if raw.isdigit() else None
        group = (
            {
                m.user_id
                for m in organisations.members(
                    session=session, organisation_id=pitch.organisation_id
                )
            }
            if pitch
            else set()
        )
        startup = startups.by_id(session=session, startup_id=pitch.startup_id) if pitch else None
        organisation = (
            organisations.by_id(session=session, organisation_id=pitch.organisation_id)
            if pitch
            else None
        )
    if submission is None or pitch is None or startup is None or organisation is None:
        ack(response_action="errors", errors={"attendees": _("This pitch no longer exists.")})
        return
    caller = caller_of(deps, submission.user_id)
    if not may_review(caller, pitch.organisation_id):
        ack(
            response_action="errors",
            errors={"attendees": _("Only the project group can propose meetings.")},
        )
        return
    attendees = submission.many("attendees")
    length = submission.text("length") or ""
    errors: dict[str, str] = {}
    place = typed(errors, "place", submission.text("place"), PLACE_MAX)
    outsiders = [person for person in attendees if person not in group and not caller.is_admin]
    if not attendees:
        errors["attendees"] = _("Please choose who attends.")
    elif outsiders:
        errors["attendees"] = _(
            "Only members of the project group can attend for the organisation."
        )
    if not length.isdigit() or int(length) not in LENGTHS:
        errors["length"] = _("Please choose a length.")
    if not place:
        errors["place"] = _("Please say where the meeting is, or give a video link.")
    elif "place" not in errors and "://" in place and not valid_website(place):
        errors["place"] = _("Please give a video link starting with https://.")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    zone = ZoneInfo(organisation.timezone)
    hours = WorkingHours.parse(deps.settings.MATCHDAY_WORKING_HOURS)
    form = f"view:{submission.view.id}" if submission.view.id else None
    now = deps.clock.now()
    note = _("Proposed three times to *{startup}*; you will hear when they choose.").format(
        startup=startup.name
    )
    with deps.sessions.begin() as session:
        if form and meetings.by_proposal_key(session=session, key=form) is not None:
            ack()  # the same form again: it was proposed already
            return
        taken = meetings.busy(session=session, people=[*attendees, *startup.representatives])
        times = propose_slots(
            after=now, zone=zone, length_minutes=int(length), busy=taken, hours=hours
        )
        if not times:
            ack(
                response_action="errors",
                errors={"attendees": _("Nobody is free in the coming weeks; try fewer people.")},
            )
            return
        meeting, created = meetings.create(
            session=session,
            actor=caller.user_id,
            organisation_id=organisation.id,
            startup_id=startup.id,
            pitch_id=pitch.id,
            length_minutes=int(length),
            place=place,
            organisation_people=attendees,
            startup_people=startup.representatives,
            proposed=times,
            key=form,
            now=now,
        )
        if created:
            _owe_proposals(session, meeting, actor=caller.user_id, now=now)
            outbox.post(  # to the person proposing: built now, in this request's language
                session=session,
                key=f"meeting:{meeting.id}:proposed",
                kind="notice",
                channel=caller.user_id,
                message=build_notice(note),
                now=now,
                actor=caller.user_id,
            )
    ack()


def _meeting_action(deps: Deps, action: BlockAction) -> tuple[Meeting, str] | None:
    raw, _sep, rest = action.action.value.partition(":")
    if not raw.isdigit():
        return None
    with deps.sessions() as session:
        meeting = meetings.get(session=session, meeting_id=int(raw))
    return (meeting, rest) if meeting else None


def _tell(client: WebClient, action: BlockAction, text: str) -> None:
    if action.response_url:
        respond(action.response_url, build_notice(text))
    else:
        post(client, action.user_id, build_notice(text))


def _booked_at(meeting: Meeting, start: datetime) -> bool:
    """Whether the meeting stands booked at this time, with no move on offer."""
    return (
        meeting.status is MeetingStatus.BOOKED
        and meeting.starts_at == start
        and start not in meeting.proposed
    )


def _answer_booked(deps: Deps, action: BlockAction) -> None:
    """The chooser's answer: the proposal gives way to "Booked"."""
    if action.response_url:
        deps.after_ack.submit(respond, action.response_url, build_notice(_(BOOKED)), replace=True)


def pick_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The startup chooses one of the offered times: book it and send calendar files.

    A second click on the same time (or one a moment later) books nothing more and owes no
    second set of messages: it is answered with the booking as it stands.
    """
    ack()
    action = parse(BlockAction, body)
    deps = deps_of(context)
    if action is None:
        return
    found = _meeting_action(deps, action)
    if found is None:
        deps.after_ack.submit(_tell, client, action, _(GONE))
        return
    meeting, chosen = found
    if action.user_id not in meeting.startup_people:
        deps.after_ack.submit(
            _tell, client, action, _("Only the startup's representatives choose the time.")
        )
        return
    try:
        start = datetime.fromisoformat(chosen)
    except ValueError:
        return
    if start.tzinfo is None:
        return
    if _booked_at(meeting, start):
        _answer_booked(deps, action)
        return
    if meeting.status is MeetingStatus.CANCELLED:
        deps.after_ack.submit(_tell, client, action, _(ALREADY_CANCELLED))
        return
    if start not in meeting.proposed:
        deps.after_ack.submit(
            _tell, client, action, _("That time is no longer on offer; please choose another.")
        )
        return
    end = start + timedelta(minutes=meeting.length_minutes)
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        clash = any(
            start < period.end and period.start < end
            for period in meetings.busy(
                session=session, people=meeting.everyone, except_meeting=meeting.id
            )
        )
        booked = not clash and meetings.book(session=session, meeting=meeting, start=start, end=end)
        current = meetings.get(session=session, meeting_id=meeting.id)
        if booked and current is not None:
            _owe_confirmations(
                session,
                current,
                changed=meeting.status is MeetingStatus.BOOKED,
                actor=action.user_id,
                now=now,
            )
    if booked or (current is not None and _booked_at(current, start)):
        _answer_booked(deps, action)
    elif clash:
        text = _("Someone was booked at that time meanwhile; please ask for other times.")
        deps.after_ack.submit(_tell, client, action, text)
    elif current is not None and current.status is MeetingStatus.CANCELLED:
        deps.after_ack.submit(_tell, client, action, _(ALREADY_CANCELLED))
    else:
        deps.after_ack.submit(_tell, client, action, _(CHANGED))


def _participant_action(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> tuple[Deps, BlockAction, Meeting] | None:
    """Acknowledge a click on a meeting's button and check the clicker is invited."""
    ack()
    action = parse(BlockAction, body)
    deps = deps_of(context)
    if action is None:
        return None
    found = _meeting_action(deps, action)
    if found is None:  # removed meanwhile (with its matchday): never leave the click unanswered
        deps.after_ack.submit(_tell, client, action, _(GONE))
        return None
    meeting, _rest = found
    if action.user_id not in meeting.everyone:
        deps.after_ack.submit(_tell, client, action, _(NOT_IN_MEETING))
        return None
    return deps, action, meeting


def more_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Offer the next three free times."""
    found = _participant_action(ack, body, client, context)
    if found is None:
        return
    deps, action, meeting = found
    if meeting.status is MeetingStatus.CANCELLED:
        deps.after_ack.submit(_tell, client, action, _(ALREADY_CANCELLED))
        return
    if meeting.status is MeetingStatus.BOOKED and not meeting.proposed:
        deps.after_ack.submit(_tell, client, action, _(ALREADY_BOOKED))
        return
    _offer_more(deps, client, meeting, action)


def _offer_more(deps: Deps, client: WebClient, meeting: Meeting, action: BlockAction) -> bool:
    """Save the next free times; the startup's people are owed them (or see them, if they
    asked). False when the meeting changed meanwhile (the clicker is told)."""
    organisation, _startup = _names(deps, meeting)
    after = max(meeting.proposed) if meeting.proposed else deps.clock.now()
    times = _free_times(deps, meeting, after, _zone(organisation))
    asked_by_startup = action.user_id in meeting.startup_people
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        saved = meetings.offer(session=session, meeting=meeting, proposed=times)
        current = meetings.get(session=session, meeting_id=meeting.id)
        if saved and current is not None and not asked_by_startup:
            _owe_proposals(session, current, actor=action.user_id, now=now)
    if not saved or current is None:
        deps.after_ack.submit(_tell, client, action, _(CHANGED))
        return False
    if asked_by_startup:  # the answer to their own click
        message = _proposal(current, organisation.name if organisation else "")
        deps.after_ack.submit(
            tell_clicker, client, action.user_id, action.response_url, message, replace=True
        )
    return True


def reschedule_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Either side asks to move a booked meeting: new times go to the startup (once)."""
    found = _participant_action(ack, body, client, context)
    if found is None:
        return
    deps, action, meeting = found
    if meeting.status is not MeetingStatus.BOOKED:
        deps.after_ack.submit(_tell, client, action, _("Only a booked meeting can be moved."))
        return
    asked_by_startup = action.user_id in meeting.startup_people
    if meeting.proposed:  # a move is on offer already: answer with it
        if asked_by_startup:
            organisation, _startup = _names(deps, meeting)
            message = _proposal(meeting, organisation.name if organisation else "")
            deps.after_ack.submit(
                tell_clicker, client, action.user_id, action.response_url, message, replace=True
            )
        else:
            text = _("New times were offered to the startup.")
            deps.after_ack.submit(_tell, client, action, text)
        return
    if _offer_more(deps, client, meeting, action) and not asked_by_startup:
        deps.after_ack.submit(_tell, client, action, _("New times were offered to the startup."))


def cancel_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Cancel a meeting: everyone is told and gets a calendar CANCEL (once)."""
    found = _participant_action(ack, body, client, context)
    if found is None:
        return
    deps, action, meeting = found
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        cancelled = meetings.cancel(session=session, meeting=meeting)
        current = meetings.get(session=session, meeting_id=meeting.id)
        if cancelled and current is not None:
            _owe_cancellation(session, current, by=action.user_id, now=now)
    if not cancelled:
        deps.after_ack.submit(_tell, client, action, _(ALREADY_CANCELLED))


def register(app: App) -> None:
    """Wire the meeting buttons and the propose form."""
    app.action(PROPOSE_ACTION)(propose_clicked)
    app.action(NEXT_MEETING_ACTION)(next_meeting_clicked)
    app.view(PROPOSE_CALLBACK)(propose_submitted)
    app.action(PICK_ACTION)(pick_clicked)
    app.action(MORE_ACTION)(more_clicked)
    app.action(f"{SHORTLIST_PAGE_ACTION}_previous")(shortlist_page_clicked)
    app.action(f"{SHORTLIST_PAGE_ACTION}_next")(shortlist_page_clicked)
    app.action(RESCHEDULE_ACTION)(reschedule_clicked)
    app.action(CANCEL_ACTION)(cancel_clicked)


def next_meeting_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After a good meeting: propose another one for the same pitch."""
    ack()
    action = parse(BlockAction, body)
    deps = deps_of(context)
    if action is None:
        return
    found = _meeting_action(deps, action)
    if found is None:
        deps.after_ack.submit(_tell, client, action, _(GONE))
        return
    meeting = found[0]
    pitch_id = meeting.pitch_id
    if pitch_id is None:
        return
    caller = caller_of(deps, action.user_id)
    if not may_review(caller, meeting.organisation_id):
        if action.user_id not in meeting.startup_people:
            deps.after_ack.submit(_tell, client, action, _(NOT_IN_MEETING))
            return
        now = deps.clock.now()
        with deps.sessions.begin() as session:
            for person in meeting.organisation_people:  # told once, however often it is asked
                outbox.post(
                    session=session,
                    key=f"meeting:{meeting.id}:another:{action.user_id}:{person}",
                    kind="notice",
                    channel=person,
                    build=ANOTHER,
                    build_args={"meeting": meeting.id, "person": action.user_id},
                    language={"user": person},
                    now=now,
                    actor=action.user_id,
                )
        deps.after_ack.submit(
            _tell,
            client,
            action,
            _("The project group proposes meetings; they have been told you would like one."),
        )
        return
    with deps.sessions() as session:
        pitch = pitches.get(session=session, pitch_id=pitch_id)
    if pitch is not None:
        view = build_propose_modal(pitch.id, pitch.startup_name, caller.user_id)
        deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)
