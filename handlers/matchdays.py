"""Matchdays, part one: an admin defines the day, and parties give their availability."""

from __future__ import annotations

import hashlib
import json
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.form_text import PLACE_MAX, SLACK_INPUT_MAX, TITLE_MAX, typed
from bot.forms import valid_website
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.pitches import PitchStatus
from bot.planning.problem import PlanInputError, Priority, day_slots
from bot.views.help import build_notice
from bot.views.matchdays import (
    AVAILABILITY_ACTION,
    LENGTHS,
    NEW_CALLBACK,
    REQUEST_ACTION,
    REQUEST_CALLBACK,
    build_availability,
    build_new_matchday_modal,
    build_request_modal,
)
from bot.views.pickers import changed
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.matchday_people import Directory, load_setup, overview, party_people
from handlers.matchday_plan import INVITATION, action_ts, admin_action, owe_fanout, owe_replan
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import matchdays, organisations, pickers, pitches


@subcommand("matchday")
def matchday_command(request: CommandRequest) -> Outcome:
    """/matchday matchday [new]: define a day, or see the newest day's plan."""
    deps = request.deps
    if request.args.strip().lower() == "new":
        today = deps.clock.now().astimezone(ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)).date()
        return OpenModal(build_new_matchday_modal(today, request.command.response_url))
    with deps.sessions() as session:
        days = matchdays.all_matchdays(session=session)
    if not days:
        return Reply(build_notice(_("No matchdays yet. Define one with `/matchday matchday new`.")))
    return Reply(overview(deps, days[0]))


def _time(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def new_submitted(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Create the matchday, request the shortlisted pairs and ask everyone's availability."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    if not caller_of(deps, submission.user_id).is_admin:
        ack(
            response_action="errors",
            errors={"title": _("Only programme admins can define matchdays.")},
        )
        return
    zone = ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)
    today = deps.clock.now().astimezone(zone).date()
    errors: dict[str, str] = {}
    title = typed(errors, "title", submission.text("title"), TITLE_MAX)
    place = typed(errors, "place", submission.text("place"), PLACE_MAX)
    links_text = typed(errors, "links", submission.text("links"), SLACK_INPUT_MAX, multiline=True)
    day, deadline = _date(submission.text("day")), _date(submission.text("deadline"))
    starts, ends = _time(submission.text("starts")), _time(submission.text("ends"))
    lunch = (_time(submission.text("break_starts")), _time(submission.text("break_ends")))
    length_text, tables_text = (
        submission.text("length") or "",
        (submission.text("tables") or "").strip(),
    )
    links = [line.strip() for line in links_text.splitlines() if line.strip()]
    if not title:
        errors["title"] = _("Please give the matchday a title.")
    if day is None or day <= today:
        errors["day"] = _("Please choose a date after today.")
    if deadline is None or (day is not None and deadline >= day):
        errors["deadline"] = _("The availability deadline must be before the matchday.")
    if not tables_text.isdigit() or int(tables_text) < 1:
        errors["tables"] = _("Please give the number of tables: at least 1.")
    if any(not valid_website(link) for link in links):
        errors["links"] = _("Each line must be a link starting with https://.")
    if (lunch[0] is None) != (lunch[1] is None):
        errors["break_ends"] = _("Give both the start and the end of lunch, or neither.")
    if (
        starts is None
        or ends is None
        or not length_text.isdigit()
        or int(length_text) not in LENGTHS
    ):
        errors["length"] = _("Please choose the start, the end and the meeting length.")
    elif "break_ends" not in errors:
        breaks = [(lunch[0], lunch[1])] if lunch[0] and lunch[1] else []
        try:
            day_slots(starts, ends, int(length_text), breaks)
        except PlanInputError as error:
            errors["length"] = str(error).capitalize()[:150]
    if errors:
        ack(response_action="errors", errors=errors)
        return
    assert day is not None and deadline is not None and starts is not None and ends is not None
    breaks = [(lunch[0], lunch[1])] if lunch[0] and lunch[1] else []
    response_url = str(submission.metadata().get("response_url", ""))
    # The form's identity: the same form submitted twice (or delivered twice) is one day.
    form = response_url or submission.view.id or json.dumps(submission.view.state.values)
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        matchday, created = matchdays.create_once(
            session=session,
            form_key=hashlib.sha256(form.encode()).hexdigest()[:64],
            actor=submission.user_id,
            title=title,
            day=day,
            starts=starts,
            ends=ends,
            meeting_minutes=int(length_text),
            breaks=breaks,
            tables=int(tables_text),
            place=place,
            links=links,
            timezone=deps.settings.MATCHDAY_TIMEZONE,
            availability_deadline=deadline,
        )
        if created:
            for organisation in organisations.all_organisations(session=session):
                for pitch in pitches.for_organisation(
                    session=session, organisation_id=organisation.id
                ):
                    if pitch.status is PitchStatus.SHORTLISTED:
                        matchdays.add_request(
                            session=session,
                            actor=submission.user_id,
                            matchday_id=matchday.id,
                            organisation_id=organisation.id,
                            startup_id=pitch.startup_id,
                            priority=Priority.SHOULD,
                            pitch_id=pitch.id,
                        )
            owe_fanout(
                session, matchday_id=matchday.id, what="invite", now=now, actor=submission.user_id
            )
    ack()
    deps.after_ack.submit(_show, deps, matchday.id, response_url)


def _show(deps: Deps, matchday_id: int, response_url: str) -> None:
    """Show the admin the day they defined (the invitations are on their way)."""
    with deps.sessions() as session:
        matchday = matchdays.get(session=session, matchday_id=matchday_id)
    if matchday is not None:
        respond(response_url, overview(deps, matchday))


@REGISTRY.builder(INVITATION)
def invitation(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """A party's availability question, as it stands when it is sent."""
    matchday_id, kind, ref_id = int(args["matchday"]), str(args["kind"]), int(args["ref"])
    with deps.sessions() as session:
        matchday = matchdays.get(session=session, matchday_id=matchday_id)
        party = matchdays.party(session=session, matchday_id=matchday_id, kind=kind, ref_id=ref_id)
        if matchday is None or party is None:
            return None
        name, _people = party_people(session, kind, ref_id)
    return build_availability(matchday, name, kind, ref_id, matchday.slots(), party.unavailable)


def availability_changed(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A person ticked or unticked slots for their party; saved at once."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    parts = action.action.block_id.split(":")
    if len(parts) != 5 or not all(part.isdigit() for part in (parts[1], parts[3], parts[4])):
        return
    _prefix, raw_matchday, kind, raw_ref, raw_offset = parts
    deps = deps_of(context)
    loaded = load_setup(deps, int(raw_matchday))
    if loaded is None:
        return
    setup, directory = loaded
    ref_id, offset = int(raw_ref), int(raw_offset)
    if action.user_id not in directory.of(kind, ref_id):
        deps.after_ack.submit(
            respond,
            action.response_url,
            build_notice(_("Only the party's own people can change its availability.")),
        )
        return
    today = deps.clock.now().astimezone(ZoneInfo(setup.matchday.timezone)).date()
    if today > setup.matchday.availability_deadline:
        text = _(
            "The availability deadline has passed; ask a programme admin if something changed."
        )
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    slots = setup.matchday.slots()
    group = {slot.index for slot in slots[offset : offset + 10]}
    ticked = {int(item.value) for item in action.action.selected_options if item.value.isdigit()}
    party = next((p for p in setup.parties if p.kind == kind and p.ref_id == ref_id), None)
    if party is None:
        return
    unavailable = (set(party.unavailable) - group) | (group - ticked)
    with deps.sessions.begin() as session:
        matchdays.set_unavailable(
            session=session,
            matchday_id=setup.matchday.id,
            kind=kind,
            ref_id=ref_id,
            slots=unavailable,
        )
        if setup.matchday.status == "published" and unavailable != set(party.unavailable):
            # One re-plan per change (a change delivered twice has the same click time).
            change = action_ts(body) or ",".join(map(str, sorted(unavailable)))
            owe_replan(
                session,
                matchday_id=setup.matchday.id,
                because=f"availability:{kind}:{ref_id}:{change}",
                now=deps.clock.now(),
                actor=action.user_id,
            )


def request_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the form for an extra requested meeting (admins)."""
    found = admin_action(ack, body, context)
    if found is None:
        return
    deps, action, matchday = found
    view = build_request_modal(matchday, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def request_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Add the requested meeting; it is placed at the next plan or re-plan."""
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    if submission is None or not caller_of(deps, submission.user_id).is_admin:
        ack(
            response_action="errors",
            errors={"organisation": _("Only programme admins can plan matchdays.")},
        )
        return
    metadata = submission.metadata()
    values = {key: submission.text(key) or "" for key in ("organisation", "startup", "priority")}
    errors = {key: _("Please choose one.") for key, value in values.items() if not value}
    if values["priority"] and values["priority"] not in {p.value for p in Priority}:
        errors["priority"] = _("Please choose one.")
    for key in ("organisation", "startup"):
        if values[key] and not values[key].isdigit():
            errors[key] = changed()
    if errors:
        ack(response_action="errors", errors=errors)
        return
    with deps.sessions.begin() as session:
        matchday = matchdays.get(session=session, matchday_id=int(metadata.get("matchday", 0)))
        if matchday is None:
            ack(
                response_action="errors",
                errors={"organisation": _("This matchday no longer exists.")},
            )
            return
        # The picked ids are checked again: either may have gone since the form opened.
        if not pickers.organisation_exists(
            session=session, organisation_id=int(values["organisation"])
        ):
            errors["organisation"] = changed()
        if not pickers.startup_exists(session=session, startup_id=int(values["startup"])):
            errors["startup"] = changed()
        if errors:
            ack(response_action="errors", errors=errors)
            return
        matchdays.add_request(
            session=session,
            actor=submission.user_id,
            matchday_id=matchday.id,
            organisation_id=int(values["organisation"]),
            startup_id=int(values["startup"]),
            priority=Priority(values["priority"]),
        )
    ack()
    deps.after_ack.submit(
        respond, str(metadata.get("response_url", "")), overview(deps, matchday), replace=True
    )


def register(app: App) -> None:
    """Wire the new-matchday form and the availability checkboxes."""
    app.view(NEW_CALLBACK)(new_submitted)
    app.action(AVAILABILITY_ACTION)(availability_changed)
    app.action(REQUEST_ACTION)(request_clicked)
    app.view(REQUEST_CALLBACK)(request_submitted)


__all__ = ["Directory"]
