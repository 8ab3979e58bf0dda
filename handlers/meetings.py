"""Ad hoc meetings: propose three times, book one, send calendar files, move or cancel."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendar_files import CalendarMeeting, build_ics, meeting_uid
from bot.deps import Deps
from bot.forms import valid_website
from bot.i18n import N_, _, use_language
from bot.meetings import LENGTHS, Meeting, MeetingStatus, WorkingHours, propose_slots
from bot.pitches import PitchStatus, may_review
from bot.programme import Organisation
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
    build_cancelled,
    build_confirmation,
    build_proposal,
    build_propose_modal,
    build_shortlist,
)
from bot.views.resources import resource_blocks
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, post, respond
from handlers.language import language_for, post_in_their_language
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import meetings, organisations, pitches, startups
from storage.repositories.resources import resources_for

logger = logging.getLogger(__name__)
NOT_IN_MEETING = N_("Only the people invited to this meeting can change it.")


def _names(deps: Deps, meeting: Meeting) -> tuple[Organisation | None, str]:
    with deps.sessions() as session:
        organisation = organisations.by_id(session=session, organisation_id=meeting.organisation_id)
        startup = startups.by_id(session=session, startup_id=meeting.startup_id)
    return organisation, startup.name if startup else "?"


def _zone(organisation: Organisation | None) -> ZoneInfo:
    return ZoneInfo(organisation.timezone if organisation else "Europe/Stockholm")


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


@subcommand("meet")
def meet_command(request: CommandRequest) -> Outcome:
    """/matchday meet: the shortlisted pitches, each with Propose meeting."""
    with request.deps.sessions() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
        if organisation is None:
            return Reply(unlinked_channel())
        if not may_review(request.caller, organisation.id):
            return Reply(build_notice(_("Only the project group can propose meetings.")))
        shortlisted = [
            pitch
            for pitch in pitches.for_organisation(session=session, organisation_id=organisation.id)
            if pitch.status is PitchStatus.SHORTLISTED
        ]
    return Reply(build_shortlist(shortlisted))


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
    """Create the meeting with three free times and offer them to the startup."""
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
    place = (submission.text("place") or "").strip()
    errors: dict[str, str] = {}
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
    elif "://" in place and not valid_website(place):
        errors["place"] = _("Please give a video link starting with https://.")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    zone = ZoneInfo(organisation.timezone)
    hours = WorkingHours.parse(deps.settings.MATCHDAY_WORKING_HOURS)
    with deps.sessions.begin() as session:
        taken = meetings.busy(session=session, people=[*attendees, *startup.representatives])
        times = propose_slots(
            after=deps.clock.now(), zone=zone, length_minutes=int(length), busy=taken, hours=hours
        )
        if not times:
            ack(
                response_action="errors",
                errors={"attendees": _("Nobody is free in the coming weeks; try fewer people.")},
            )
            return
        meeting = meetings.create(
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
        )
    ack()
    for person in meeting.startup_people:
        deps.after_ack.submit(
            post_in_their_language, client, person, partial(_proposal, meeting, organisation.name)
        )
    note = _("Proposed three times to *{startup}*; you will hear when they choose.").format(
        startup=startup.name
    )
    deps.after_ack.submit(post, client, caller.user_id, build_notice(note))


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


def pick_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The startup chooses one of the offered times: book it and send calendar files."""
    ack()
    action = parse(BlockAction, body)
    deps = deps_of(context)
    found = _meeting_action(deps, action) if action else None
    if action is None or found is None:
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
    if start not in meeting.proposed or meeting.status is MeetingStatus.CANCELLED:
        deps.after_ack.submit(
            _tell, client, action, _("That time is no longer on offer; please choose another.")
        )
        return
    end = start + timedelta(minutes=meeting.length_minutes)
    with deps.sessions.begin() as session:
        clash = any(
            start < period.end and period.start < end
            for period in meetings.busy(
                session=session, people=meeting.everyone, except_meeting=meeting.id
            )
        )
        booked = not clash and meetings.book(session=session, meeting=meeting, start=start, end=end)
        current = meetings.get(session=session, meeting_id=meeting.id)
    if not booked or current is None:
        text = _("Someone was booked at that time meanwhile; please ask for other times.")
        deps.after_ack.submit(_tell, client, action, text)
        return
    deps.after_ack.submit(
        _confirm, deps, client, current, action.response_url, meeting.status is MeetingStatus.BOOKED
    )


def _confirm(
    deps: Deps, client: WebClient, meeting: Meeting, response_url: str, changed: bool
) -> None:
    """Send both sides the confirmation and the calendar file."""
    organisation, startup_name = _names(deps, meeting)
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    zone = _zone(organisation)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    ics = _ics(deps, meeting, organisation, startup_name)
    respond(response_url, build_notice(_("Booked. The confirmation follows.")), replace=True)
    with deps.sessions() as session:
        preparation = resources_for(session, Stage.MEETING)  # the library's meeting items
    for person in meeting.everyone:
        counterpart = (
            startup_name
            if person in meeting.organisation_people
            else (organisation.name if organisation else "")
        )
        with use_language(language_for(person)):  # each side reads it in their own language
            confirmation = build_confirmation(
                meeting.id, counterpart, start, end, meeting.place, changed=changed
            )
            confirmation["blocks"] = confirmation["blocks"] + resource_blocks(preparation)
        post(client, person, confirmation)
        _send_file(client, person, ics, "meeting.ics")


def _ics(
    deps: Deps,
    meeting: Meeting,
    organisation: Organisation | None,
    startup_name: str,
    *,
    cancelled: bool = False,
) -> bytes:
    assert meeting.starts_at is not None
    assert meeting.ends_at is not None
    zone = _zone(organisation)
    summary = f"{startup_name} × {organisation.name if organisation else ''}"
    return build_ics(
        CalendarMeeting(
            meeting_uid(meeting.id),
            meeting.sequence,
            meeting.starts_at.astimezone(zone),
            meeting.ends_at.astimezone(zone),
            summary,
            _("A meeting in the innovation programme, booked with Matchday."),
            meeting.place,
        ),
        cancelled=cancelled,
        stamp=deps.clock.now(),
    )


def _send_file(client: WebClient, user_id: str, data: bytes, filename: str) -> None:
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=channel, content=data, filename=filename, title=filename)
    except SlackApiError as error:
        logger.warning("calendar file to %s failed: %s", user_id, error.response.get("error"))


def _participant_action(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> tuple[Deps, BlockAction, Meeting] | None:
    """Acknowledge a click on a meeting's button and check the clicker is invited."""
    ack()
    action = parse(BlockAction, body)
    deps = deps_of(context)
    found = _meeting_action(deps, action) if action else None
    if action is None or found is None:
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
    deps.after_ack.submit(_offer_more, deps, client, meeting, action)


def _offer_more(deps: Deps, client: WebClient, meeting: Meeting, action: BlockAction) -> None:
    organisation, _startup = _names(deps, meeting)
    after = max(meeting.proposed) if meeting.proposed else deps.clock.now()
    times = _free_times(deps, meeting, after, _zone(organisation))
    with deps.sessions.begin() as session:
        saved = meetings.offer(session=session, meeting=meeting, proposed=times)
        current = meetings.get(session=session, meeting_id=meeting.id)
    if not saved or current is None:
        _tell(
            client, action, _("The meeting changed meanwhile; please look at the newest message.")
        )
        return
    message = _proposal(current, organisation.name if organisation else "")
    if action.user_id in meeting.startup_people:
        respond(action.response_url, message, replace=True)
    else:
        for person in meeting.startup_people:
            post(client, person, message)


def reschedule_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Either side asks to move a booked meeting: new times go to the startup."""
    found = _participant_action(ack, body, client, context)
    if found is None:
        return
    deps, action, meeting = found
    if meeting.status is not MeetingStatus.BOOKED:
        deps.after_ack.submit(_tell, client, action, _("Only a booked meeting can be moved."))
        return
    deps.after_ack.submit(_offer_more, deps, client, meeting, action)
    if action.user_id in meeting.organisation_people:
        deps.after_ack.submit(_tell, client, action, _("New times were offered to the startup."))


def cancel_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Cancel a meeting: everyone is told and gets a calendar CANCEL."""
    found = _participant_action(ack, body, client, context)
    if found is None:
        return
    deps, action, meeting = found
    with deps.sessions.begin() as session:
        cancelled = meetings.cancel(session=session, meeting=meeting)
        current = meetings.get(session=session, meeting_id=meeting.id)
    if cancelled and current is not None:
        deps.after_ack.submit(_announce_cancel, deps, client, current, action.user_id)


def _announce_cancel(deps: Deps, client: WebClient, meeting: Meeting, by: str) -> None:
    organisation, startup_name = _names(deps, meeting)
    if meeting.starts_at is None or meeting.ends_at is None:
        for person in meeting.everyone:
            post(client, person, build_notice(_("The meeting proposal was withdrawn.")))
        return
    zone = _zone(organisation)
    ics = _ics(deps, meeting, organisation, startup_name, cancelled=True)
    for person in meeting.everyone:
        counterpart = (
            startup_name
            if person in meeting.organisation_people
            else (organisation.name if organisation else "")
        )
        post(
            client,
            person,
            build_cancelled(
                counterpart,
                meeting.starts_at.astimezone(zone),
                meeting.ends_at.astimezone(zone),
                by,
            ),
        )
        _send_file(client, person, ics, "meeting-cancelled.ics")


def register(app: App) -> None:
    """Wire the meeting buttons and the propose form."""
    app.action(PROPOSE_ACTION)(propose_clicked)
    app.action(NEXT_MEETING_ACTION)(next_meeting_clicked)
    app.view(PROPOSE_CALLBACK)(propose_submitted)
    app.action(PICK_ACTION)(pick_clicked)
    app.action(MORE_ACTION)(more_clicked)
    app.action(RESCHEDULE_ACTION)(reschedule_clicked)
    app.action(CANCEL_ACTION)(cancel_clicked)


def next_meeting_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """After a good meeting: propose another one for the same pitch."""
    ack()
    action = parse(BlockAction, body)
    deps = deps_of(context)
    found = _meeting_action(deps, action) if action else None
    if action is None or found is None:
        return
    meeting = found[0]
    pitch_id = meeting.pitch_id
    if pitch_id is None:
        return
    caller = caller_of(deps, action.user_id)
    if not may_review(caller, meeting.organisation_id):
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
