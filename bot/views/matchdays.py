"""Matchday views: the new-day form, availability, the admin's plan, agendas and changes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.i18n import N_, _, ngettext, number
from bot.matchdays import Matchday
from bot.planning.problem import (
    REASON_NEVER_BOTH_AVAILABLE,
    REASON_NO_ROOM,
    REASON_NOT_SCHEDULED,
    REASON_PARTY_FULL,
    REASON_REMOVED,
    Slot,
)
from bot.text import inline, safe
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    header,
    message,
    modal,
    option,
    section,
    sections,
    static_select,
    text_input,
)
from bot.views.paging import pager, window
from bot.views.pickers import organisation_picker, startup_picker

NEW_CALLBACK = "matchday_new"
AVAILABILITY_ACTION = "matchday_availability"
PLAN_ACTION = "matchday_plan"
PUBLISH_ACTION = "matchday_publish"
EXPORT_ACTION = "matchday_export"
REQUEST_ACTION = "matchday_request"
REQUEST_CALLBACK = "matchday_request"
PRIORITY_LABELS = {
    "must": N_("Must meet"),
    "should": N_("Should meet"),
    "could": N_("Could meet"),
}
PLAN_PAGE_ACTION = "matchday_plan_page"  # + _previous / _next
UNPLACED_PAGE_ACTION = "matchday_unplaced_page"
AGENDA_PAGE_ACTION = "matchday_agenda_page"
PLAN_PAGE = 40  # rows of the plan per page
UNPLACED_PAGE = 20
AGENDA_PAGE = 20  # two blocks a meeting: far inside a message's 50
ACCEPT_ACTION = "matchday_accept"
DECLINE_ACTION = "matchday_decline"
LENGTHS = (15, 20, 30, 45, 60)
PER_GROUP = 10  # Slack allows ten options in a checkbox group
REASONS = {
    REASON_NEVER_BOTH_AVAILABLE: N_("the two parties are never available at the same time"),
    REASON_PARTY_FULL: N_("one of them already meets someone in every slot they can make"),
    REASON_NO_ROOM: N_("no table was free in a slot both can make"),
    REASON_REMOVED: N_("declined or removed"),
    REASON_NOT_SCHEDULED: N_("the planner ran out of time before placing it"),
}


def _picker(block_id: str, label: str, kind: str, initial: str, optional: bool = False) -> Block:
    key = "initial_date" if kind == "datepicker" else "initial_time"
    element: dict[str, Any] = {"type": kind, "action_id": "value"}
    if initial:
        element[key] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def build_new_matchday_modal(today: date, response_url: str) -> dict[str, Any]:
    """The form an admin fills in to define a matchday."""
    lengths = [option(_("{minutes} minutes").format(minutes=m), str(m)) for m in LENGTHS]
    return modal(
        NEW_CALLBACK,
        _("New matchday"),
        [
            text_input(
                "title",
                _("Title"),
                max_length=150,
                placeholder=_("for example Matchday Health, spring"),
            ),
            _picker("day", _("Date"), "datepicker", (today + timedelta(days=30)).isoformat()),
            _picker("starts", _("Starts"), "timepicker", "09:00"),
            _picker("ends", _("Ends"), "timepicker", "16:00"),
            static_select("length", _("Meeting length"), lengths, initial="30"),
            _picker("break_starts", _("Lunch starts"), "timepicker", "12:00", optional=True),
            _picker("break_ends", _("Lunch ends"), "timepicker", "13:00", optional=True),
            text_input(
                "tables", _("Tables (meetings at the same time)"), initial="10", max_length=3
            ),
            text_input("place", _("Place"), max_length=500, optional=True),
            text_input(
                "links",
                _("Video links, one per table (online days)"),
                multiline=True,
                max_length=3000,
                optional=True,
            ),
            _picker(
                "deadline",
                _("Availability deadline"),
                "datepicker",
                (today + timedelta(days=20)).isoformat(),
            ),
        ],
        submit=_("Create"),
        close=_("Cancel"),
        private_metadata=json.dumps({"response_url": response_url}),
    )


def build_availability(
    matchday: Matchday,
    party_name: str,
    kind: str,
    ref_id: int,
    slots: list[Slot],
    unavailable: frozenset[int],
) -> dict[str, Any]:
    """The DM listing the day's slots; unticking one says the party is busy then."""
    text = _(
        "*{title}* on {day}: which times can *{party}* make? Everything is ticked; untick the "
        "times you are busy. Changes are saved as you click, until {deadline}."
    ).format(
        title=inline(matchday.title, 150),
        day=matchday.day.isoformat(),
        party=inline(party_name, 200),
        deadline=matchday.availability_deadline.isoformat(),
    )
    blocks: list[Block] = [section(text)]
    for offset in range(0, len(slots), PER_GROUP):
        group = slots[offset : offset + PER_GROUP]
        options = [
            option(f"{slot.start:%H:%M}–{slot.end:%H:%M}", str(slot.index)) for slot in group
        ]
        element: dict[str, Any] = {
            "type": "checkboxes",
            "action_id": AVAILABILITY_ACTION,
            "options": options,
        }
        chosen = [item for item in options if int(item["value"]) not in unavailable]
        if chosen:
            element["initial_options"] = chosen
        blocks.append(
            {
                "type": "actions",
                "block_id": f"avail:{matchday.id}:{kind}:{ref_id}:{offset}",
                "elements": [element],
            }
        )
    return message(
        _("Your availability for {title}").format(title=safe(matchday.title, 150)), blocks
    )


@dataclass(frozen=True)
class PlanRow:
    """One planned meeting as the admin's table shows it."""

    slot: Slot
    table: int
    organisation: str
    startup: str
    organisation_accepts: bool | None
    startup_accepts: bool | None


MATCHDAY_STATUS_LABELS = {
    "collecting": N_("collecting availability"),
    "planned": N_("planned, agendas not yet published"),
    "published": N_("agendas published"),
}


def matchday_status_label(status: str) -> str:
    """A matchday's status in the reader's words."""
    return _(MATCHDAY_STATUS_LABELS[status]) if status in MATCHDAY_STATUS_LABELS else status


def _answer(value: bool | None) -> str:
    return {True: "✓", False: "✗", None: "…"}[value]


def build_overview(
    matchday: Matchday,
    rows: list[PlanRow],
    unplaced: list[tuple[str, str, str]],
    note: dict[str, object],
    counts: tuple[int, int],
    *,
    page: int = 0,
    unplaced_page: int = 0,
) -> dict[str, Any]:
    """The admin's view of a matchday: its buttons, a summary, what could not be placed and
    the plan as a table, the last two a page at a time (the full plan is in the CSV).

    A page that no longer exists (the plan changed since the button was drawn) shows the
    nearest page that does, saying the list changed.
    """
    parties, answered = counts
    plan_win = window(len(rows), page, PLAN_PAGE)
    unplaced_win = window(len(unplaced), unplaced_page, UNPLACED_PAGE)
    value = str(matchday.id)
    blocks: list[Block] = [
        header(matchday.title),
        actions(
            button(_("Plan now"), PLAN_ACTION, value, style="primary"),
            button(_("Publish agendas"), PUBLISH_ACTION, value),
            button(_("Export CSV"), EXPORT_ACTION, value),
            button(_("Add request"), REQUEST_ACTION, value),
        ),
    ]
    if (plan_win.index, unplaced_win.index) != (page, unplaced_page):
        blocks.append(context(changed_notice()))
    blocks.append(
        context(
            _(
                "{day}, {start}–{end}, {tables} tables, status: {status}. "
                "{answered} of {parties} parties have given their availability."
            ).format(
                day=matchday.day.isoformat(),
                start=f"{matchday.starts:%H:%M}",
                end=f"{matchday.ends:%H:%M}",
                tables=number(matchday.tables),
                status=matchday.status,
                answered=number(answered),
                parties=number(parties),
            )
        )
    )
    if note:
        optimal = (
            _("proven optimal")
            if note.get("proven_optimal")
            else _("gap to the bound {gap:.1%}").format(gap=float(str(note.get("gap", 0))))
        )
        blocks.append(
            context(
                _("Plan: {meetings} meetings, {optimal}, {seconds:.1f} s ({solver}).").format(
                    meetings=number(len(rows)),
                    optimal=optimal,
                    seconds=float(str(note.get("seconds", 0))),
                    solver=note.get("solver", ""),
                )
            )
        )
        blocks.append(
            section(
                ngettext(
                    "*{count}* meeting planned",
                    "*{count}* meetings planned",
                    len(rows),
                ).format(count=number(len(rows)))
                + " · "
                + ngettext(
                    "*{count}* request could not be placed",
                    "*{count}* requests could not be placed",
                    len(unplaced),
                ).format(count=number(len(unplaced)))
                + "\n"
                + _("The whole plan is in the CSV export.")
            )
        )
    if unplaced:
        blocks.append(section(_("*Could not be placed*")))
        blocks += sections(
            [
                f"• {safe(org, 80)} × {safe(startup, 80)}: {_(REASONS.get(reason, reason))}"
                for org, startup, reason in unplaced_win.of(unplaced)
            ]
        )
        blocks += pager(unplaced_win, UNPLACED_PAGE_ACTION, m=matchday.id, p=plan_win.index)
    if rows:
        blocks.append(section(_("*Plan*")))
        blocks += sections(
            [
                f"`{row.slot.start:%H:%M}` T{row.table} · {safe(row.organisation, 80)} × "
                f"{safe(row.startup, 80)} "
                f"({_answer(row.organisation_accepts)}/{_answer(row.startup_accepts)})"
                for row in plan_win.of(rows)
            ]
        )
        blocks += pager(plan_win, PLAN_PAGE_ACTION, m=matchday.id, u=unplaced_win.index)
    return message(_("Matchday {title}").format(title=safe(matchday.title, 150)), blocks)


def changed_notice() -> str:
    """What a stale page button shows above the current list."""
    return _("This list has changed since; here is the current one.")


@dataclass(frozen=True)
class AgendaItem:
    """One meeting on a party's agenda."""

    meeting_id: int
    slot: Slot
    counterpart: str
    where: str
    accepted: bool | None


def build_agenda(
    matchday: Matchday,
    party_name: str,
    items: list[AgendaItem],
    *,
    reminder: bool = False,
    page: int = 0,
    party: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """A party's agenda for the day, each meeting with Accept and Decline, a page at a time.

    ``party`` (kind and id) lets the page buttons rebuild this agenda; a page that no
    longer exists shows the nearest one, saying the agenda changed.
    """
    lead = (
        _("Tomorrow is *{title}*. Your agenda:")
        if reminder
        else _("*{title}* on {day}: the agenda of *{party}*.")
    )
    text = lead.format(
        title=inline(matchday.title, 150),
        day=matchday.day.isoformat(),
        party=inline(party_name, 200),
    )
    win = window(len(items), page, AGENDA_PAGE)
    blocks: list[Block] = [section(text)]
    if win.index != page:
        blocks.append(context(changed_notice()))
    if not items:
        blocks.append(section(_("No meetings could be planned for you this time.")))
    for item in win.of(items):
        line = (
            f"*{item.slot.start:%H:%M}–{item.slot.end:%H:%M}* "
            f"{safe(item.counterpart, 200)} — {safe(item.where, 500)}"
        )
        if item.accepted is None:
            blocks.append(section(line))
            blocks.append(
                actions(
                    button(_("Accept"), ACCEPT_ACTION, str(item.meeting_id), style="primary"),
                    button(_("Decline"), DECLINE_ACTION, str(item.meeting_id), style="danger"),
                )
            )
        else:
            state = _("accepted") if item.accepted else _("declined")
            blocks.append(section(f"{line} ({state})"))
    if party is not None:
        extra: dict[str, Any] = {"m": matchday.id, "k": party[0], "r": party[1]}
        if reminder:
            extra["e"] = 1
        blocks += pager(win, AGENDA_PAGE_ACTION, **extra)
    return message(text, blocks)


def build_change(lines: list[str]) -> dict[str, Any]:
    """The notice to the people a re-plan affected (every change listed)."""
    blocks = sections([_("Your matchday agenda changed:"), *lines])
    return message(_("Your matchday agenda changed"), blocks)


def build_request_modal(matchday: Matchday, response_url: str) -> dict[str, Any]:
    """The form to request an extra meeting at a matchday, with its priority (the
    organisation and the startup are searched as the admin types)."""
    priorities = [option(_(label), value) for value, label in PRIORITY_LABELS.items()]
    return modal(
        REQUEST_CALLBACK,
        _("Request a meeting"),
        [
            section(_("An extra meeting for *{title}*.").format(title=inline(matchday.title, 150))),
            organisation_picker("organisation", _("Organisation")),
            startup_picker("startup", _("Startup")),
            static_select("priority", _("Priority"), priorities, initial="should"),
        ],
        submit=_("Add"),
        close=_("Cancel"),
        private_metadata=json.dumps({"matchday": matchday.id, "response_url": response_url}),
    )
