"""Matchday views: the new-day form, availability, the admin's plan, agendas and changes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.i18n import N_, _
from bot.matchday_plan import (
    REASON_NEVER_BOTH_AVAILABLE,
    REASON_NO_ROOM,
    REASON_NOT_SCHEDULED,
    REASON_PARTY_FULL,
    REASON_REMOVED,
    Slot,
)
from bot.matchdays import Matchday
from bot.text import safe
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
    static_select,
    text_input,
)

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
        title=safe(matchday.title, 150),
        day=matchday.day.isoformat(),
        party=safe(party_name, 200),
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


def _answer(value: bool | None) -> str:
    return {True: "✓", False: "✗", None: "…"}[value]


def build_overview(
    matchday: Matchday,
    rows: list[PlanRow],
    unplaced: list[tuple[str, str, str]],
    note: dict[str, object],
    counts: tuple[int, int],
) -> dict[str, Any]:
    """The admin's view of a matchday: status, the plan as a table, what could not be placed."""
    parties, answered = counts
    blocks: list[Block] = [
        header(matchday.title),
        context(
            _(
                "{day}, {start}–{end}, {tables} tables, status: {status}. "
                "{answered} of {parties} parties have given their availability."
            ).format(
                day=matchday.day.isoformat(),
                start=f"{matchday.starts:%H:%M}",
                end=f"{matchday.ends:%H:%M}",
                tables=matchday.tables,
                status=matchday.status,
                answered=answered,
                parties=parties,
            )
        ),
    ]
    if note:
        optimal = (
            _("proven optimal")
            if note.get("proven_optimal")
            else _("gap to the bound {gap:.1%}").format(gap=float(str(note.get("gap", 0))))
        )
        blocks.append(
            context(
                _("Plan: {meetings} meetings, {optimal}, {seconds:.1f} s ({solver}).").format(
                    meetings=len(rows),
                    optimal=optimal,
                    seconds=float(str(note.get("seconds", 0))),
                    solver=note.get("solver", ""),
                )
            )
        )
    lines: list[str] = []
    for row in rows:
        lines.append(
            f"`{row.slot.start:%H:%M}` T{row.table} · {safe(row.organisation, 80)} × "
            f"{safe(row.startup, 80)} "
            f"({_answer(row.organisation_accepts)}/{_answer(row.startup_accepts)})"
        )
    for start in range(0, len(lines), 25):
        blocks.append(section("\n".join(lines[start : start + 25])))
    if unplaced:
        blocks.append(section(_("*Could not be placed*")))
        blocks.append(
            section(
                "\n".join(
                    f"• {safe(org, 80)} × {safe(startup, 80)}: {_(REASONS.get(reason, reason))}"
                    for org, startup, reason in unplaced[:40]
                )
            )
        )
    value = str(matchday.id)
    blocks.append(
        actions(
            button(_("Plan now"), PLAN_ACTION, value, style="primary"),
            button(_("Publish agendas"), PUBLISH_ACTION, value),
            button(_("Export CSV"), EXPORT_ACTION, value),
            button(_("Add request"), REQUEST_ACTION, value),
        )
    )
    return message(_("Matchday {title}").format(title=safe(matchday.title, 150)), blocks[:50])


@dataclass(frozen=True)
class AgendaItem:
    """One meeting on a party's agenda."""

    meeting_id: int
    slot: Slot
    counterpart: str
    where: str
    accepted: bool | None


def build_agenda(
    matchday: Matchday, party_name: str, items: list[AgendaItem], *, reminder: bool = False
) -> dict[str, Any]:
    """A party's agenda for the day, each meeting with Accept and Decline."""
    lead = (
        _("Tomorrow is *{title}*. Your agenda:")
        if reminder
        else _("*{title}* on {day}: the agenda of *{party}*.")
    )
    text = lead.format(
        title=safe(matchday.title, 150), day=matchday.day.isoformat(), party=safe(party_name, 200)
    )
    blocks: list[Block] = [section(text)]
    if not items:
        blocks.append(section(_("No meetings could be planned for you this time.")))
    for item in items[:23]:
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
    return message(text, blocks)


def build_change(lines: list[str]) -> dict[str, Any]:
    """The notice to the people a re-plan affected."""
    text = _("Your matchday agenda changed:") + "\n" + "\n".join(lines[:30])
    return message(_("Your matchday agenda changed"), [section(text)])


def build_request_modal(
    matchday: Matchday,
    organisations: list[tuple[int, str]],
    startups: list[tuple[int, str]],
    response_url: str,
) -> dict[str, Any]:
    """The form to request an extra meeting at a matchday, with its priority."""
    priorities = [option(_(label), value) for value, label in PRIORITY_LABELS.items()]
    return modal(
        REQUEST_CALLBACK,
        _("Request a meeting"),
        [
            section(_("An extra meeting for *{title}*.").format(title=safe(matchday.title, 150))),
            static_select(
                "organisation",
                _("Organisation"),
                [option(n, str(i)) for i, n in organisations[:100]],
            ),
            static_select("startup", _("Startup"), [option(n, str(i)) for i, n in startups[:100]]),
            static_select("priority", _("Priority"), priorities, initial="should"),
        ],
        submit=_("Add"),
        close=_("Cancel"),
        private_metadata=json.dumps({"matchday": matchday.id, "response_url": response_url}),
    )
