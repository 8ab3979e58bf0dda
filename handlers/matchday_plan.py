"""Matchdays, part two: plan, publish agendas, accept or decline, re-plan, export, remind."""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.i18n import _
from bot.matchday_plan import Meeting as PlanMeeting
from bot.matchday_plan import Plan, PlanInputError, replan, solve
from bot.matchdays import Matchday, Setup
from bot.views.help import build_notice
from bot.views.matchdays import (
    ACCEPT_ACTION,
    DECLINE_ACTION,
    EXPORT_ACTION,
    PLAN_ACTION,
    PUBLISH_ACTION,
    AgendaItem,
    build_agenda,
    build_change,
)
from handlers.common import caller_of, deps_of, post, respond
from handlers.language import post_in_their_language
from handlers.matchday_people import Directory, load_setup, overview
from handlers.payloads import BlockAction, parse
from storage.repositories import matchdays, meetings

logger = logging.getLogger(__name__)
AGENDA_FROM = time(12)  # the day before, from noon


def _note(plan: Plan) -> dict[str, object]:
    return {
        "solver": plan.solver,
        "proven_optimal": plan.proven_optimal,
        "gap": plan.gap,
        "seconds": plan.seconds,
        "objective": plan.objective,
        "moved": len(plan.moved),
    }


def admin_action(
    ack: Ack, body: dict[str, Any], context: BoltContext
) -> tuple[Deps, BlockAction, Matchday] | None:
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return None
    deps = deps_of(context)
    if not caller_of(deps, action.user_id).is_admin:
        deps.after_ack.submit(
            respond,
            action.response_url,
            build_notice(_("Only programme admins can plan matchdays.")),
        )
        return None
    with deps.sessions() as session:
        matchday = matchdays.get(session=session, matchday_id=int(action.action.value))
    return (deps, action, matchday) if matchday else None


def plan_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Compute the plan (after the ack: it may take seconds) and show it to the admin."""
    found = admin_action(ack, body, context)
    if found is not None:
        deps, action, matchday = found
        deps.after_ack.submit(_plan, deps, matchday, action)


def _plan(deps: Deps, matchday: Matchday, action: BlockAction) -> None:
    loaded = load_setup(deps, matchday.id)
    assert loaded is not None
    setup, directory = loaded
    try:
        plan = solve(setup.problem(), time_limit=10.0)
    except PlanInputError as error:
        respond(
            action.response_url,
            build_notice(_("The day cannot be planned: {reason}").format(reason=str(error))),
        )
        return
    people = {request.id: directory.request_people(request) for request in setup.requests}
    with deps.sessions.begin() as session:
        matchdays.apply_plan(
            session=session, actor=action.user_id, matchday=matchday, plan=plan, people=people
        )
        matchdays.set_status(
            session=session,
            matchday_id=matchday.id,
            status="published" if matchday.status == "published" else "planned",
            note=_note(plan),
        )
        current = matchdays.get(session=session, matchday_id=matchday.id)
    if current is not None:
        respond(action.response_url, overview(deps, current), replace=True)


def publish_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Send every party its agenda to accept or decline."""
    found = admin_action(ack, body, context)
    if found is None:
        return
    deps, action, matchday = found
    if matchday.status == "collecting":
        deps.after_ack.submit(
            respond, action.response_url, build_notice(_("Plan the day before publishing it."))
        )
        return
    with deps.sessions.begin() as session:
        matchdays.set_status(session=session, matchday_id=matchday.id, status="published")
    deps.after_ack.submit(send_agendas, deps, client, matchday.id, False)
    deps.after_ack.submit(
        respond, action.response_url, build_notice(_("Agendas sent to every party."))
    )


def _agenda_items(
    deps: Deps, setup: Setup, directory: Directory, kind: str, ref_id: int
) -> list[AgendaItem]:
    slots = setup.matchday.slots()
    by_request = {request.id: request for request in setup.requests}
    items = []
    with deps.sessions() as session:
        planned = matchdays.planned(session=session, matchday_id=setup.matchday.id)
    for meeting in planned:
        request = by_request.get(meeting.request_id)
        if request is None:
            continue
        if kind == "organisation" and request.organisation_id == ref_id:
            counterpart, accepted = (
                directory.name("startup", request.startup_id),
                meeting.organisation_accepts,
            )
        elif kind == "startup" and request.startup_id == ref_id:
            counterpart, accepted = (
                directory.name("organisation", request.organisation_id),
                meeting.startup_accepts,
            )
        else:
            continue
        items.append(
            AgendaItem(
                meeting.meeting_id,
                slots[meeting.slot],
                counterpart,
                setup.matchday.where(meeting.table),
                accepted,
            )
        )
    return items


def send_agendas(deps: Deps, client: WebClient, matchday_id: int, reminder: bool) -> None:
    """Each party's people get the party's agenda."""
    loaded = load_setup(deps, matchday_id)
    if loaded is None:
        return
    setup, directory = loaded
    for party in setup.parties:
        items = _agenda_items(deps, setup, directory, party.kind, party.ref_id)
        build = partial(
            build_agenda,
            setup.matchday,
            directory.name(party.kind, party.ref_id),
            items,
            reminder=reminder,
        )
        for person in directory.of(party.kind, party.ref_id):
            post_in_their_language(client, person, build)


def answer_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Accept or decline one meeting; a decline re-plans around it."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    with deps.sessions() as session:
        meeting = meetings.get(session=session, meeting_id=int(action.action.value))
    side = meeting.side_of(action.user_id) if meeting else None
    if meeting is None or side is None:
        deps.after_ack.submit(
            respond,
            action.response_url,
            build_notice(_("Only the meeting's participants can answer.")),
        )
        return
    accepts = action.action.action_id == ACCEPT_ACTION
    with deps.sessions.begin() as session:
        saved = matchdays.answer(session=session, meeting_id=meeting.id, side=side, accepts=accepts)
    if not saved:
        deps.after_ack.submit(
            respond, action.response_url, build_notice(_("This meeting is no longer on the plan."))
        )
        return
    text = (
        _("Accepted, thank you.")
        if accepts
        else _("Declined. The plan is being updated around it.")
    )
    deps.after_ack.submit(respond, action.response_url, build_notice(text))
    if not accepts:
        with deps.sessions() as session:
            found = matchdays.placement(session=session, meeting_id=meeting.id)
        if found is not None:
            matchday_id, planned = found
            deps.after_ack.submit(
                replan_after, deps, client, matchday_id, {planned.request_id}, action.user_id
            )


def replan_after(
    deps: Deps, client: WebClient, matchday_id: int, removed: set[int], actor: str
) -> None:
    """Re-plan after a decline or new unavailability, and tell only the people affected."""
    loaded = load_setup(deps, matchday_id)
    if loaded is None:
        return
    setup, directory = loaded
    with deps.sessions() as session:
        current = matchdays.planned(
            session=session, matchday_id=matchday_id, include_cancelled=True
        )
    live = [meeting for meeting in current if not meeting.cancelled]
    declined = {
        meeting.request_id
        for meeting in live
        if meeting.organisation_accepts is False or meeting.startup_accepts is False
    }
    previous = Plan(
        meetings=tuple(PlanMeeting(str(m.request_id), m.slot, m.table) for m in live),
        unplaced={},
        objective=0,
        bound=0.0,
        proven_optimal=False,
        gap=0.0,
        solver="stored",
        seconds=0.0,
    )
    plan = replan(
        setup.problem(),
        previous,
        confirmed={str(m.request_id) for m in live if m.confirmed},
        removed={str(r) for r in removed | declined},
        time_limit=3.0,
    )
    people = {request.id: directory.request_people(request) for request in setup.requests}
    with deps.sessions.begin() as session:
        created, moved, cancelled = matchdays.apply_plan(
            session=session, actor=actor, matchday=setup.matchday, plan=plan, people=people
        )
        matchdays.set_status(
            session=session, matchday_id=matchday_id, status="published", note=_note(plan)
        )
    _tell_changes(deps, client, setup.matchday, created, moved, cancelled)


def _tell_changes(
    deps: Deps,
    client: WebClient,
    matchday: Matchday,
    created: set[int],
    moved: set[int],
    cancelled: set[int],
) -> None:
    slots = matchday.slots()
    lines: dict[str, list[str]] = {}
    for meeting_id in created | moved | cancelled:
        with deps.sessions() as session:
            meeting = meetings.get(session=session, meeting_id=meeting_id)
            found = matchdays.placement(session=session, meeting_id=meeting_id)
        if meeting is None or found is None:
            continue
        slot = slots[found[1].slot]
        when = f"{slot.start:%H:%M}"
        if meeting_id in cancelled:
            line = _("• cancelled: the meeting at {time}").format(time=when)
        elif meeting_id in moved:
            line = _("• moved to {time} ({place})").format(time=when, place=meeting.place)
        else:
            line = _("• new: a meeting at {time} ({place})").format(time=when, place=meeting.place)
        for person in meeting.everyone:
            lines.setdefault(person, []).append(line)
    for person, changes in lines.items():
        post(client, person, build_change(changes))


def export_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Send the admin the plan as a CSV file."""
    found = admin_action(ack, body, context)
    if found is not None:
        deps, action, matchday = found
        deps.after_ack.submit(_export, deps, client, matchday, action.user_id)


def plan_csv(deps: Deps, matchday: Matchday) -> str:
    """The plan as CSV: time, table, place, organisation, startup, priority, answers."""
    loaded = load_setup(deps, matchday.id)
    assert loaded is not None
    setup, directory = loaded
    slots = matchday.slots()
    by_request = {request.id: request for request in setup.requests}
    with deps.sessions() as session:
        planned = matchdays.planned(session=session, matchday_id=matchday.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "start",
            "end",
            "table",
            "place",
            "organisation",
            "startup",
            "priority",
            "organisation_accepts",
            "startup_accepts",
        ]
    )
    for meeting in planned:
        request = by_request[meeting.request_id]
        slot = slots[meeting.slot]
        writer.writerow(
            [
                f"{slot.start:%H:%M}",
                f"{slot.end:%H:%M}",
                meeting.table,
                matchday.where(meeting.table),
                directory.name("organisation", request.organisation_id),
                directory.name("startup", request.startup_id),
                request.priority.value,
                meeting.organisation_accepts,
                meeting.startup_accepts,
            ]
        )
    return buffer.getvalue()


def _export(deps: Deps, client: WebClient, matchday: Matchday, admin: str) -> None:
    try:
        channel = client.conversations_open(users=admin)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=plan_csv(deps, matchday).encode(),
            filename=f"matchday-{matchday.id}.csv",
            title=matchday.title,
        )
    except SlackApiError as error:
        logger.warning("CSV export failed: %s", error.response.get("error"))


def send_day_before(deps: Deps, client: WebClient) -> int:
    """The agenda the day before each published matchday, once (claimed first)."""
    now = deps.clock.now()
    sent = 0
    with deps.sessions() as session:
        days = [m for m in matchdays.all_matchdays(session=session) if m.status == "published"]
    for matchday in days:
        eve = datetime.combine(
            matchday.day - timedelta(days=1), AGENDA_FROM, tzinfo=matchday.moment(time()).tzinfo
        )
        if not (eve <= now < matchday.moment(matchday.starts)):
            continue
        with deps.sessions.begin() as session:
            if not matchdays.claim_agenda(session=session, matchday_id=matchday.id, now=now):
                continue
        send_agendas(deps, client, matchday.id, True)
        sent += 1
    return sent


def register(app: App) -> None:
    """Wire planning, publishing, answers and export."""
    app.action(PLAN_ACTION)(plan_clicked)
    app.action(PUBLISH_ACTION)(publish_clicked)
    app.action(ACCEPT_ACTION)(answer_clicked)
    app.action(DECLINE_ACTION)(answer_clicked)
    app.action(EXPORT_ACTION)(export_clicked)
