"""Matchdays, part two: plan, publish agendas, accept or decline, re-plan, export, remind.

Planning never runs in a web request: "Plan now", a decline and a change of availability
owe an outbox task in their own transaction, and the worker runs it through
:mod:`worker.planner` (a child process capped in time and memory). A plan is stored only
on top of the plan it was computed from (the matchday's ``plan_version``, taken under a
row lock), so re-plans of one day are applied one after the other, each computed from the
state the one before left. Invitations, agendas, the day-before agenda and "your agenda
changed" notices are fan-outs: a task writes one outbox row per recipient, keyed by the
matchday, the party and person and the plan version, so a restart resumes where it stopped
and nobody gets one twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.csv_safe import csv_bytes
from bot.deps import Deps
from bot.i18n import N_, _, use_language
from bot.matchdays import Matchday, Planned, Setup
from bot.outbox import REGISTRY
from bot.planning.problem import Meeting as PlanMeeting
from bot.planning.problem import Plan, PlanInputError
from bot.text import safe
from bot.views.help import build_notice
from bot.views.matchdays import (
    ACCEPT_ACTION,
    AGENDA_PAGE_ACTION,
    DECLINE_ACTION,
    EXPORT_ACTION,
    PLAN_ACTION,
    PLAN_PAGE_ACTION,
    PUBLISH_ACTION,
    UNPLACED_PAGE_ACTION,
    AgendaItem,
    build_agenda,
    build_change,
)
from bot.views.paging import read_page_value
from handlers.common import caller_of, deps_of, respond, tell_clicker
from handlers.matchday_people import Directory, load_setup, overview, party_people, setup_in
from handlers.payloads import BlockAction, parse
from storage.models import OutboxStatus
from storage.repositories import matchdays, meetings, outbox
from worker import planner

logger = logging.getLogger(__name__)
AGENDA_FROM = time(12)  # the day before, from noon
PLAN_TASK = "matchday_plan"
REPLAN_TASK = "matchday_replan"
FANOUT_TASK = "matchday_fanout"
INVITATION = "matchday_invitation"
AGENDA = "matchday_agenda"
CHANGE = "matchday_change"
ATTEMPTS = 5  # plans computed again when another one was stored meanwhile
# What changed for a person, by code: the reader's language is known only at send time.
CHANGES = {
    "cancelled": N_("• cancelled: the meeting at {time}"),
    "moved": N_("• moved to {time} ({place})"),
    "new": N_("• new: a meeting at {time} ({place})"),
}


def _note(plan: Plan, inputs: str) -> dict[str, object]:
    return {
        "solver": plan.solver,
        "proven_optimal": plan.proven_optimal,
        "gap": plan.gap,
        "seconds": plan.seconds,
        "objective": plan.objective,
        "moved": len(plan.moved),
        "inputs": inputs,
    }


def action_ts(body: dict[str, Any]) -> str:
    """The click's own timestamp: the same when Slack delivers one click again."""
    found = (body.get("actions") or [{}])[0].get("action_ts")
    return str(found) if found else ""


def admin_action(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient | None = None
) -> tuple[Deps, BlockAction, Matchday] | None:
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return None
    deps = deps_of(context)
    if not caller_of(deps, action.user_id).is_admin:
        refusal = build_notice(_("Only programme admins can plan matchdays."))
        if client is None:
            deps.after_ack.submit(respond, action.response_url, refusal)
        else:  # also from App Home, which has no response_url
            deps.after_ack.submit(
                tell_clicker, client, action.user_id, action.response_url, refusal
            )
        return None
    with deps.sessions() as session:
        matchday = matchdays.get(session=session, matchday_id=int(action.action.value))
    return (deps, action, matchday) if matchday else None


# --- fan-outs -------------------------------------------------------------------------------


def owe_fanout(
    session: Session,
    *,
    matchday_id: int,
    what: str,
    now: datetime,
    actor: str | None,
    version: int = 0,
) -> bool:
    """Owe one message to every person of every party: "invite", "agenda" or "eve".

    One task row now; when the worker runs it, one row per recipient. False when this
    fan-out (of this plan version) was owed already.
    """
    key = f"matchday:{matchday_id}:{what}" + (f"@v{version}" if what == "agenda" else "")
    return outbox.task(
        session=session,
        key=key,
        name=FANOUT_TASK,
        args={"matchday": matchday_id, "what": what, "version": version, "actor": actor},
        now=now,
        actor=actor,
    )


def recipient_key(matchday_id: int, what: str, version: int, kind: str, ref: int, who: str) -> str:
    """The outbox key of one person's invitation, agenda or day-before agenda."""
    stem = f"matchday:{matchday_id}:{what}" + (f"@v{version}" if what == "agenda" else "")
    return f"{stem}:{kind}:{ref}:{who}"


@REGISTRY.task(FANOUT_TASK)
def fan_out(deps: Deps, client: WebClient, args: dict[str, Any]) -> None:
    """Write one row per recipient (idempotent: a row already owed is not owed again)."""
    matchday_id, what = int(args["matchday"]), str(args["what"])
    version = int(args.get("version") or 0)
    actor = str(args["actor"]) if args.get("actor") else None
    kind_of = {"invite": INVITATION, "agenda": AGENDA, "eve": AGENDA}[what]
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        loaded = setup_in(session, matchday_id)
        if loaded is None:
            return
        setup, directory = loaded
        for party in setup.parties:
            build_args = {"matchday": matchday_id, "kind": party.kind, "ref": party.ref_id}
            if what == "eve":
                build_args["reminder"] = True
            for person in dict.fromkeys(directory.of(party.kind, party.ref_id)):
                outbox.post(
                    session=session,
                    key=recipient_key(matchday_id, what, version, party.kind, party.ref_id, person),
                    kind=kind_of,
                    channel=person,
                    build=kind_of,
                    build_args=build_args,
                    language={"user": person},
                    now=now,
                    actor=actor,
                    fanout=True,
                )


@REGISTRY.builder(AGENDA)
def agenda_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """A party's agenda as the plan stands when it is sent (None: the day is gone)."""
    matchday_id, kind, ref_id = int(args["matchday"]), str(args["kind"]), int(args["ref"])
    with deps.sessions() as session:
        matchday = matchdays.get(session=session, matchday_id=matchday_id)
        if matchday is None:
            return None
        name, _people = party_people(session, kind, ref_id)
        items = _agenda_items(session, matchday, kind, ref_id)
    page = args.get("page")
    return build_agenda(
        matchday,
        name,
        items,
        reminder=bool(args.get("reminder")),
        page=page if isinstance(page, int) else 0,
        party=(kind, ref_id),
    )


def _agenda_items(session: Session, matchday: Matchday, kind: str, ref_id: int) -> list[AgendaItem]:
    slots = matchday.slots()
    other = "startup" if kind == "organisation" else "organisation"
    names: dict[int, str] = {}
    items = []
    for meeting, counterpart in matchdays.planned_of_party(
        session=session, matchday_id=matchday.id, kind=kind, ref_id=ref_id
    ):
        if meeting.slot >= len(slots):
            continue
        if counterpart not in names:
            names[counterpart] = party_people(session, other, counterpart)[0]
        accepted = (
            meeting.organisation_accepts if kind == "organisation" else meeting.startup_accepts
        )
        items.append(
            AgendaItem(
                meeting.meeting_id,
                slots[meeting.slot],
                names[counterpart],
                matchday.where(meeting.table),
                accepted,
            )
        )
    return items


@REGISTRY.builder(CHANGE)
def change_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """ "Your matchday agenda changed", in the reader's language."""
    lines = [
        _(CHANGES[str(line["what"])]).format(
            time=safe(str(line.get("time", "")), 50), place=safe(str(line.get("place", "")), 600)
        )
        for line in args.get("lines") or []
        if isinstance(line, dict) and line.get("what") in CHANGES
    ]
    return build_change(lines) if lines else None


def _owe_changes(
    session: Session,
    *,
    matchday: Matchday,
    version: int,
    created: set[int],
    moved: set[int],
    cancelled: set[int],
    now: datetime,
    actor: str | None,
) -> int:
    """Tell only the people a stored plan affected, one notice each (keyed by the version)."""
    slots = matchday.slots()
    lines: dict[str, list[dict[str, str]]] = {}
    for meeting_id in sorted(created | moved | cancelled):
        meeting = meetings.get(session=session, meeting_id=meeting_id)
        found = matchdays.placement(session=session, meeting_id=meeting_id)
        if meeting is None or found is None or found[1].slot >= len(slots):
            continue
        what = "cancelled" if meeting_id in cancelled else "moved" if meeting_id in moved else "new"
        line = {"what": what, "time": f"{slots[found[1].slot].start:%H:%M}", "place": meeting.place}
        for person in dict.fromkeys(meeting.everyone):
            lines.setdefault(person, []).append(line)
    for person, changes in lines.items():
        outbox.post(
            session=session,
            key=f"matchday:{matchday.id}:change@v{version}:{person}",
            kind=CHANGE,
            channel=person,
            build=CHANGE,
            build_args={"matchday": matchday.id, "lines": changes},
            language={"user": person},
            now=now,
            actor=actor,
            fanout=True,
        )
    return len(lines)


# --- planning (in the worker) ------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A matchday as one plan is computed from it."""

    version: int
    setup: Setup
    directory: Directory
    planned: list[Planned]  # cancelled meetings included
    inputs: str  # a digest of what the plan depends on
    planned_from: str  # the digest the stored plan was computed from

    @property
    def live(self) -> list[Planned]:
        """The meetings on the plan now."""
        return [meeting for meeting in self.planned if not meeting.cancelled]

    @property
    def declined(self) -> set[int]:
        """Requests someone declined: never planned again."""
        return {
            meeting.request_id
            for meeting in self.planned
            if meeting.organisation_accepts is False or meeting.startup_accepts is False
        }


def snapshot(deps: Deps, matchday_id: int) -> Snapshot | None:
    """The day as it is now (its plan version read first: a plan stored meanwhile shows)."""
    with deps.sessions() as session:
        version = matchdays.plan_version(session=session, matchday_id=matchday_id)
        loaded = setup_in(session, matchday_id)
        if loaded is None:
            return None
        planned = matchdays.planned(
            session=session, matchday_id=matchday_id, include_cancelled=True
        )
        note = matchdays.plan_note(session=session, matchday_id=matchday_id)
    setup, directory = loaded
    declined = sorted(
        m.request_id
        for m in planned
        if m.organisation_accepts is False or m.startup_accepts is False
    )
    basis = {
        "slots": len(setup.matchday.slots()),
        "tables": setup.matchday.tables,
        "parties": sorted([p.kind, p.ref_id, sorted(p.unavailable)] for p in setup.parties),
        "requests": [
            [r.id, r.organisation_id, r.startup_id, r.priority.value] for r in setup.requests
        ],
        "declined": declined,
    }
    inputs = hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:32]
    return Snapshot(version, setup, directory, planned, inputs, str(note.get("inputs", "")))


def store_plan(deps: Deps, snap: Snapshot, plan: Plan, actor: str) -> bool:
    """Store ``plan`` if no other plan was stored since ``snap``; tell whom it affects.

    False when another plan came first: the caller computes again from the newer state.
    """
    now = deps.clock.now()
    matchday_id = snap.setup.matchday.id
    people = {request.id: snap.directory.request_people(request) for request in snap.setup.requests}
    with deps.sessions.begin() as session:
        if not matchdays.take_plan_version(
            session=session, matchday_id=matchday_id, expected=snap.version
        ):
            return False
        current = matchdays.get(session=session, matchday_id=matchday_id)
        if current is None:
            return True
        created, moved, cancelled = matchdays.apply_plan(
            session=session, actor=actor, matchday=current, plan=plan, people=people
        )
        published = current.status == "published"
        matchdays.set_status(
            session=session,
            matchday_id=matchday_id,
            status="published" if published else "planned",
            note=_note(plan, snap.inputs),
        )
        if published:
            _owe_changes(
                session,
                matchday=current,
                version=snap.version + 1,
                created=created,
                moved=moved,
                cancelled=cancelled,
                now=now,
                actor=actor,
            )
    return True


@contextmanager
def _in_language_of(deps: Deps, client: WebClient, user_id: str) -> Iterator[None]:
    language_of = REGISTRY.language_of
    if language_of is None or not user_id:
        with nullcontext():
            yield
        return
    with use_language(language_of(deps, client, {"user": user_id})):
        yield


@REGISTRY.task(PLAN_TASK)
def plan_task(deps: Deps, client: WebClient, args: dict[str, Any]) -> None:
    """Plan the day from scratch (the admin's "Plan now") and show the admin the plan.

    ``after`` is the plan version the admin saw: when a plan was stored since (this task
    ran before a crash, or a re-plan came first) the admin is shown that plan.
    """
    matchday_id, after = int(args["matchday"]), int(args.get("after") or 0)
    actor, response_url = str(args.get("actor") or ""), str(args.get("response_url") or "")
    for _attempt in range(ATTEMPTS):
        snap = snapshot(deps, matchday_id)
        if snap is None:
            return
        if snap.version > after:
            break
        try:
            plan = planner.plan(snap.setup.problem())
        except PlanInputError as error:
            with _in_language_of(deps, client, actor):
                text = _("The day cannot be planned: {reason}").format(reason=str(error))
                tell_clicker(client, actor, response_url, build_notice(text))
            return
        if store_plan(deps, snap, plan, actor):
            break
    with deps.sessions() as session:
        current = matchdays.get(session=session, matchday_id=matchday_id)
    if current is not None:
        with _in_language_of(deps, client, actor):
            tell_clicker(client, actor, response_url, overview(deps, current), replace=True)


@REGISTRY.task(REPLAN_TASK)
def replan_task(deps: Deps, client: WebClient, args: dict[str, Any]) -> None:
    """Re-plan a published day around declines and new unavailability.

    Nothing happens when the stored plan was computed from this very state (another
    re-plan got here first); a plan stored while this one was computed makes it compute
    again from the newer state.
    """
    matchday_id, actor = int(args["matchday"]), str(args.get("actor") or "")
    for _attempt in range(ATTEMPTS):
        snap = snapshot(deps, matchday_id)
        if snap is None or snap.setup.matchday.status != "published":
            return
        if snap.inputs == snap.planned_from:
            return
        live = snap.live
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
        try:
            plan = planner.replan(
                snap.setup.problem(),
                previous,
                confirmed={str(m.request_id) for m in live if m.confirmed},
                removed={str(request) for request in snap.declined},
            )
        except PlanInputError as error:
            logger.warning("matchday %s cannot be re-planned: %s", matchday_id, error)
            return
        if store_plan(deps, snap, plan, actor):
            return
    raise RuntimeError(f"matchday {matchday_id}: other plans kept coming first; trying later")


def owe_replan(
    session: Session, *, matchday_id: int, because: str, now: datetime, actor: str
) -> bool:
    """Owe a re-plan of a published day (``because`` names the change: one re-plan each)."""
    return outbox.task(
        session=session,
        key=f"matchday:{matchday_id}:replan:{because}",
        name=REPLAN_TASK,
        args={"matchday": matchday_id, "actor": actor},
        now=now,
        actor=actor,
    )


# --- the admin's buttons and people's answers --------------------------------------------------


def plan_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Owe the plan to the worker (it may take seconds); the admin sees it when it is done."""
    found = admin_action(ack, body, context, client)
    if found is None:
        return
    deps, action, matchday = found
    click = action_ts(body) or action.trigger_id  # the same when Slack delivers it again
    with deps.sessions.begin() as session:
        version = matchdays.plan_version(session=session, matchday_id=matchday.id)
        stem = f"matchday:{matchday.id}:plan@v{version}:"
        waiting = any(
            row.status in (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
            for row in outbox.by_key_prefix(session=session, prefix=stem)
        )
        # A second click while this plan is being made adds nothing; after it, a click
        # plans again (the day may have changed, or it could not be planned before).
        added = not waiting and outbox.task(
            session=session,
            key=stem + click,
            name=PLAN_TASK,
            args={
                "matchday": matchday.id,
                "after": version,
                "actor": action.user_id,
                "response_url": action.response_url,
            },
            now=deps.clock.now(),
            actor=action.user_id,
        )
    text = (
        _("Planning the day… the plan appears here in a moment.")
        if added
        else _("The day is being planned already; the plan appears here in a moment.")
    )
    deps.after_ack.submit(
        tell_clicker, client, action.user_id, action.response_url, build_notice(text)
    )


def publish_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Send every party its agenda to accept or decline (once per plan)."""
    found = admin_action(ack, body, context, client)
    if found is None:
        return
    deps, action, matchday = found
    with deps.sessions.begin() as session:
        current = matchdays.get(session=session, matchday_id=matchday.id)
        if current is None or current.status == "collecting":
            added = None
        else:
            matchdays.set_status(session=session, matchday_id=matchday.id, status="published")
            added = owe_fanout(
                session,
                matchday_id=matchday.id,
                what="agenda",
                version=matchdays.plan_version(session=session, matchday_id=matchday.id),
                now=deps.clock.now(),
                actor=action.user_id,
            )
    if added is None:
        text = _("Plan the day before publishing it.")
    elif added:
        text = _("Agendas sent to every party.")
    else:
        text = _("The agendas of this plan were sent already.")
    deps.after_ack.submit(
        tell_clicker, client, action.user_id, action.response_url, build_notice(text)
    )


def answer_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Accept or decline one meeting; a decline re-plans around it (in the worker)."""
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
        found = matchdays.placement(session=session, meeting_id=meeting.id) if saved else None
        if found is not None and not accepts:
            owe_replan(
                session,
                matchday_id=found[0],
                because=f"decline:{meeting.id}:{side}",
                now=deps.clock.now(),
                actor=action.user_id,
            )
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


def export_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Send the admin the plan as a CSV file."""
    found = admin_action(ack, body, context)
    if found is not None:
        deps, action, matchday = found
        deps.after_ack.submit(_export, deps, client, matchday, action.user_id)


def plan_csv(deps: Deps, matchday: Matchday) -> bytes:
    """The plan as a CSV file: time, table, place, organisation, startup, priority, answers
    (bot/csv_safe.py: neutralised cells, UTF-8 with a byte order mark)."""
    loaded = load_setup(deps, matchday.id)
    assert loaded is not None
    setup, directory = loaded
    slots = matchday.slots()
    by_request = {request.id: request for request in setup.requests}
    with deps.sessions() as session:
        planned = matchdays.planned(session=session, matchday_id=matchday.id)
    header = [
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
    rows = []
    for meeting in planned:
        request = by_request[meeting.request_id]
        slot = slots[meeting.slot]
        rows.append(
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
    return csv_bytes(header, rows)


def _export(deps: Deps, client: WebClient, matchday: Matchday, admin: str) -> None:
    try:
        channel = client.conversations_open(users=admin)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=plan_csv(deps, matchday),
            filename=f"matchday-{matchday.id}.csv",
            title=matchday.title,
        )
    except SlackApiError as error:
        logger.warning("CSV export failed: %s", error.response.get("error"))


def send_day_before(deps: Deps, client: WebClient) -> int:
    """Owe the agenda the day before each published matchday, once: the claim and the
    fan-out are one transaction, so a kill after the claim cannot lose the agendas."""
    now = deps.clock.now()
    owed = 0
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
            owe_fanout(session, matchday_id=matchday.id, what="eve", now=now, actor=None)
        owed += 1
    return owed


def overview_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* on the admin's overview: the same message at the other page."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    page, extra = read_page_value(action.action.value)
    other = extra.get("u" if action.action.action_id.startswith(PLAN_PAGE_ACTION) else "p")
    other_page = other if isinstance(other, int) and other >= 0 else 0
    if action.action.action_id.startswith(PLAN_PAGE_ACTION):
        pages = {"page": page, "unplaced_page": other_page}
    else:
        pages = {"page": other_page, "unplaced_page": page}
    if not caller_of(deps, action.user_id).is_admin:
        text = _("Only programme admins can plan matchdays.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    matchday_id = extra.get("m")
    with deps.sessions() as session:
        matchday = (
            matchdays.get(session=session, matchday_id=matchday_id)
            if isinstance(matchday_id, int)
            else None
        )
    if matchday is None:
        text = _("This matchday no longer exists; `/matchday matchdays` lists the current ones.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    deps.after_ack.submit(_show_page, deps, matchday, action.response_url, pages)


def _show_page(deps: Deps, matchday: Matchday, response_url: str, pages: dict[str, int]) -> None:
    respond(response_url, overview(deps, matchday, **pages), replace=True)


def agenda_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* on a party's agenda: the agenda as it stands, at the other page."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    page, extra = read_page_value(action.action.value)
    matchday_id, kind, ref_id = extra.get("m"), extra.get("k"), extra.get("r")
    args = {"matchday": matchday_id, "kind": kind, "ref": ref_id, "reminder": bool(extra.get("e"))}
    valid = isinstance(matchday_id, int) and kind in ("organisation", "startup")
    if not valid or not isinstance(ref_id, int):
        return
    with deps.sessions() as session:
        _name, people = party_people(session, str(kind), ref_id)
    if action.user_id not in people:
        text = _("Only the party's own people can see its agenda.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    found = agenda_message(deps, {**args, "page": page})
    if found is None:
        found = build_notice(
            _("This matchday no longer exists; `/matchday matchdays` lists the current ones.")
        )
    deps.after_ack.submit(respond, action.response_url, found, replace=True)


def register(app: App) -> None:
    """Wire planning, publishing, answers, export and the pages of long lists."""
    for stem in (PLAN_PAGE_ACTION, UNPLACED_PAGE_ACTION):
        app.action(f"{stem}_previous")(overview_page_clicked)
        app.action(f"{stem}_next")(overview_page_clicked)
    app.action(f"{AGENDA_PAGE_ACTION}_previous")(agenda_page_clicked)
    app.action(f"{AGENDA_PAGE_ACTION}_next")(agenda_page_clicked)
    app.action(PLAN_ACTION)(plan_clicked)
    app.action(PUBLISH_ACTION)(publish_clicked)
    app.action(ACCEPT_ACTION)(answer_clicked)
    app.action(DECLINE_ACTION)(answer_clicked)
    app.action(EXPORT_ACTION)(export_clicked)
