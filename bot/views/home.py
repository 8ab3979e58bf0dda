"""App Home: for each role, what to do now, with the button that does it.

Admins see the programme's month in figures, what needs their help and the next matchday
with *Plan* and *Publish agendas*; project-group members their focus areas with *Continue
assessment* and the pitches waiting for review with *Open pitch*; startups the open
opportunities with *Pitch*, their pitches, meetings with *Reschedule* and pilots with *Answer
check-in*; newcomers *Apply as a startup* and *Join a project group*. Every list is shown a
page at a time (:mod:`bot.views.paging`), so App Home stays inside Slack's 100 blocks
however big the programme grows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from bot.access import Competence
from bot.assessment import STEPS, State
from bot.i18n import N_, _, ngettext, number
from bot.labels import role_label
from bot.pilots import PilotStatus
from bot.pitches import Pitch, PitchStatus, status_label
from bot.programme import Caller, Organisation, Role, Startup
from bot.text import channel, inline, safe
from bot.text import date as slack_date
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    fields,
    header,
    home,
    section,
    sections,
)
from bot.views.delivery import problem_line
from bot.views.matchdays import matchday_status_label
from bot.views.paging import Window, pager, window
from bot.views.pilots import status_label as pilot_status_label

T = TypeVar("T")

# The buttons App Home reuses (each opens the same form or does the same as elsewhere).
JOIN_STARTUP_ACTION = "join_startup"
JOIN_GROUP_ACTION = "join_group"
PLAN_ACTION = "matchday_plan"
PUBLISH_ACTION = "matchday_publish"
PITCH_ACTION = "pitch_open"
OPEN_PITCH_ACTION = "pitch_view"
ASSESS_FORM_ACTION = "assess_form"
ASSESS_AREA_ACTION = "area_assess"
RESCHEDULE_ACTION = "meeting_reschedule"
CHECKIN_FORM_ACTION = "checkin_form"
# App Home's own: *Previous*/*Next* under a list re-publish App Home at that page.
PAGE_ACTION = "home_page"
PAGE_ACTIONS = (f"{PAGE_ACTION}_previous", f"{PAGE_ACTION}_next")

PAGE_SIZE = 5  # rows per list and page: every role's lists together stay inside 100 blocks
LIST_LIMIT = 8  # lines of the admins' list of undelivered messages
GROUPS_PAGE = 10  # organisations per page in the admins' "needs attention"


@dataclass(frozen=True)
class GroupSummary:
    """One organisation as App Home shows it."""

    organisation: Organisation
    member_count: int
    competence: Competence
    role: Role | None = None
    to_review: int = 0  # pitches waiting for the group's decision


@dataclass(frozen=True)
class Listed:
    """A line in one of App Home's lists, with an optional moment shown in the reader's zone."""

    text: str
    when: datetime | None = None


@dataclass(frozen=True)
class Undelivered:
    """A message Matchday could not deliver: what it was, where to, and Slack's reason."""

    kind: str
    channel: str
    error: str
    when: datetime | None = None


@dataclass(frozen=True)
class Figures:
    """The programme this month (opportunities open now; pilots as they stand)."""

    month: date
    open_opportunities: int = 0
    pitches: int = 0
    meetings: int = 0
    meetings_held: int = 0
    follow_ups: int = 0
    pilots: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class NextMatchday:
    id: int
    title: str
    day: date
    status: str
    requests: int


@dataclass(frozen=True)
class Opening:
    """An open opportunity as a startup sees it: *Pitch* (or change the pitch it sent)."""

    id: int
    title: str
    organisation: str
    deadline: date
    pitched: bool = False


@dataclass(frozen=True)
class PitchEntry:
    id: int
    opportunity: str
    organisation: str
    startup: str
    status: PitchStatus
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class AreaEntry:
    id: int
    title: str
    organisation: str
    assessment_id: int | None = None
    state: State | None = None


@dataclass(frozen=True)
class MeetingEntry:
    id: int
    organisation: str
    startup: str
    place: str
    starts_at: datetime | None = None


@dataclass(frozen=True)
class PilotEntry:
    id: int
    title: str
    organisation: str
    startup: str
    status: str
    next_due: datetime | None = None
    open_checkin: int | None = None


@dataclass(frozen=True)
class Paged:
    """One page of a list loaded from the database, and where it sits in the whole list."""

    rows: list[Any]
    window: Window

    @classmethod
    def empty(cls) -> Paged:
        return cls([], window(0, 0, PAGE_SIZE))


@dataclass(frozen=True)
class HomeData:
    """Everything App Home shows for one person, loaded by the handler."""

    caller: Caller
    groups: list[GroupSummary] = field(default_factory=list)  # the caller's own groups
    startups: list[Startup] = field(default_factory=list)  # the caller's startups
    programme: list[GroupSummary] = field(default_factory=list)  # admins: every organisation
    startup_count: int = 0
    pitches: list[Pitch] = field(default_factory=list)  # for *My Matchday*'s own list
    open_opportunities: int = 0
    meetings: list[Listed] = field(default_factory=list)  # kept for callers of the old lists
    pilots: list[Listed] = field(default_factory=list)
    attention: dict[str, list[Listed]] = field(default_factory=dict)  # admins: what needs help
    undelivered: list[Undelivered] = field(default_factory=list)  # admins: newest first
    undelivered_count: int = 0  # admins: how many could not be delivered in all
    figures: Figures | None = None  # admins
    matchday: NextMatchday | None = None  # admins: the next matchday
    openings: Paged = field(default_factory=Paged.empty)  # startups
    own_pitches: Paged = field(default_factory=Paged.empty)  # startups
    to_review: Paged = field(default_factory=Paged.empty)  # members
    areas: Paged = field(default_factory=Paged.empty)  # members
    coming: Paged = field(default_factory=Paged.empty)  # everyone: their meetings
    running: Paged = field(default_factory=Paged.empty)  # everyone: their pilots
    pages: dict[str, int] = field(default_factory=dict)  # the page each list shows


ATTENTION_TITLES = {
    "blocked": N_("Blocked pilots"),
    "missed": N_("Pilots with a missed check-in"),
    "closing": N_("Opportunities closing within three days"),
    "unanswered": N_("Meeting proposals nobody has answered"),
}


def build_home(data: HomeData) -> dict[str, Any]:
    """The App Home view for this person."""
    caller = data.caller
    blocks: list[Block] = [header(_("Matchday"))]
    if not (caller.is_admin or data.groups or data.startups):
        blocks.extend(_newcomer_blocks())
        return _home(blocks, data.pages)
    if caller.is_admin:
        blocks.extend(_admin_blocks(data))
    if data.groups:
        blocks.extend(_member_blocks(data))
    if data.startups:
        blocks.extend(_startup_blocks(data))
    blocks.extend(_meeting_blocks(data))
    blocks.extend(_pilot_blocks(data))
    return _home(blocks, data.pages)


def _newcomer_blocks() -> list[Block]:
    return [
        section(_("Welcome! You are not part of the programme yet.")),
        section(
            _(
                "*What to do first:* apply as a startup, or ask to join your organisation's "
                "project group; a programme admin will answer. Meanwhile `/matchday help` "
                "shows what you can do."
            )
        ),
        actions(
            button(_("Apply as a startup"), JOIN_STARTUP_ACTION, style="primary"),
            button(_("Join a project group"), JOIN_GROUP_ACTION),
            block_id="home_join",
        ),
    ]


# --- admins ---------------------------------------------------------------------------------


def _admin_blocks(data: HomeData) -> list[Block]:
    blocks: list[Block] = [
        section(
            _("*Programme at a glance:* {orgs}, {startups}.").format(
                orgs=ngettext(
                    "{count} organisation", "{count} organisations", len(data.programme)
                ).format(count=number(len(data.programme))),
                startups=ngettext("{count} startup", "{count} startups", data.startup_count).format(
                    count=number(data.startup_count)
                ),
            )
        )
    ]
    if not data.programme:
        blocks.append(
            section(
                _(
                    "*What to do first:* in an organisation's project-group channel, run "
                    "`/matchday setup` to link it; then add its members with `/matchday team`."
                )
            )
        )
    if data.startup_count == 0:
        blocks.append(context(_("Register startups with `/matchday startup`.")))
    if data.figures is not None:
        blocks.extend(_figure_blocks(data.figures))
    blocks.extend(_matchday_blocks(data.matchday))
    blocks.extend(_attention_blocks(data))
    blocks.extend(_undelivered_blocks(data))
    blocks.extend(_groups_needing_attention(data))
    return blocks


MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def _pilot_status(status: str) -> str:
    """A pilot's status inside a sentence: the pilots view's label, in lower case."""
    known = status in PilotStatus.__members__.values()
    return pilot_status_label(PilotStatus(status)).lower() if known else status


def _figure_blocks(figures: Figures) -> list[Block]:
    month = _("{month} {year}").format(
        month=_(MONTHS[figures.month.month - 1]), year=figures.month.year
    )
    if figures.meetings_held:
        rate = _("{percent} % ({follow_ups} of {held})").format(
            percent=round(100 * figures.follow_ups / figures.meetings_held),
            follow_ups=number(figures.follow_ups),
            held=ngettext(
                "{count} meeting held", "{count} meetings held", figures.meetings_held
            ).format(count=number(figures.meetings_held)),
        )
    else:
        rate = _("no meeting held yet")
    pilots = ", ".join(
        f"{number(figures.pilots[status])} {_pilot_status(status)}"
        for status in PilotStatus
        if figures.pilots.get(status)
    ) or _("none yet")
    return [
        divider(),
        section(_("*This month* ({month})").format(month=month)),
        fields(
            _("*Opportunities open*\n{count}").format(count=number(figures.open_opportunities)),
            _("*Pitches*\n{count}").format(count=number(figures.pitches)),
            _("*Meetings*\n{count}").format(count=number(figures.meetings)),
            _("*Follow-up rate*\n{rate}").format(rate=rate),
            _("*Pilots*\n{pilots}").format(pilots=pilots),
        ),
    ]


def _matchday_blocks(matchday: NextMatchday | None) -> list[Block]:
    if matchday is None:
        return []
    status = matchday_status_label(matchday.status)
    text = _("*Next matchday:* {title}, {day} — {status}; {requests}.").format(
        title=safe(matchday.title, 200),
        day=matchday.day.isoformat(),
        status=status,
        requests=ngettext(
            "{count} meeting requested", "{count} meetings requested", matchday.requests
        ).format(count=number(matchday.requests)),
    )
    buttons = [button(_("Plan"), PLAN_ACTION, str(matchday.id), style="primary")]
    if matchday.status != "collecting":
        buttons.append(button(_("Publish agendas"), PUBLISH_ACTION, str(matchday.id)))
    return [divider(), section(text), actions(*buttons, block_id="home_matchday")]


def _attention_blocks(data: HomeData) -> list[Block]:
    blocks: list[Block] = []
    for key, title in ATTENTION_TITLES.items():
        items = data.attention.get(key, [])
        if not items:
            continue
        win = window(len(items), data.pages.get(key, 0), LIST_LIMIT)
        blocks.append(section(f"*{_(title)}*\n{_lines(win.of(items))}"))
        blocks.extend(_pager(win, key))
    return blocks


def _lines(items: Sequence[Listed], layout: str = "{date_short_pretty} {time}") -> str:
    shown = []
    for item in items:
        line = "• " + safe(item.text, 300)
        if item.when is not None:
            line += " — " + slack_date(int(item.when.timestamp()), item.when.isoformat(), layout)
        shown.append(line)
    return "\n".join(shown)


def _undelivered_blocks(data: HomeData) -> list[Block]:
    """The admins' list of messages that could not be delivered, newest first."""
    if not data.undelivered:
        return []
    shown = data.undelivered[:LIST_LIMIT]
    lines = []
    for item in shown:
        line = "• " + problem_line(item.kind, item.channel, item.error)
        if item.when is not None:
            line += " — " + slack_date(int(item.when.timestamp()), item.when.isoformat())
        lines.append(line)
    more = max(data.undelivered_count, len(data.undelivered)) - len(shown)
    if more > 0:
        lines.append(_("…and {count} more.").format(count=number(more)))
    title = _("Messages Matchday could not deliver")
    return sections([f"*{title}*", *lines])


def _groups_needing_attention(data: HomeData) -> list[Block]:
    lacking = [group for group in data.programme if not group.competence.complete]
    if not lacking:
        return []
    win = window(len(lacking), data.pages.get("groups", 0), GROUPS_PAGE)
    lines = []
    for group in win.of(lacking):
        gaps = "; ".join(group.competence.gaps())
        lines.append(
            "• "
            + _("*{name}* ({channel}): {members}").format(
                name=inline(group.organisation.name, 200),
                channel=channel(group.organisation.channel_id),
                members=ngettext("{count} member", "{count} members", group.member_count).format(
                    count=number(group.member_count)
                ),
            )
            + (f" — :warning: {gaps}" if gaps else "")
        )
    return [*sections([_("*Needs attention*"), *lines]), *_pager(win, "groups")]


# --- project-group members ------------------------------------------------------------------


def _member_blocks(data: HomeData) -> list[Block]:
    lines = [_("*Your project groups*")]
    for group in data.groups:
        role = role_label(group.role) if group.role else ""
        line = _("*{name}* — you are {role}. Channel: {channel}").format(
            name=inline(group.organisation.name, 200),
            role=role.lower(),
            channel=channel(group.organisation.channel_id),
        )
        gaps = group.competence.gaps()
        lines.append(line + "".join("\n:warning: " + gap for gap in gaps))
    blocks: list[Block] = [divider(), *sections(lines)]
    blocks.extend(
        _paged_list(
            data.areas,
            "areas",
            _("*Your focus areas*"),
            _area_row,
            _("No focus areas yet: add one with `/matchday areas` in your group's channel."),
        )
    )
    blocks.extend(
        _paged_list(
            data.to_review,
            "review",
            _("*Pitches to review*"),
            _review_row,
            _("No pitches wait for your group's review."),
        )
    )
    return blocks


def _step_text(row: AreaEntry) -> str:
    state = row.state
    if state is None:
        return _("not assessed yet")
    if state in STEPS:
        return _("step {number} of {total}").format(number=STEPS.index(state) + 1, total=len(STEPS))
    return {
        State.REVIEW: _("ready to review and publish"),
        State.PAUSED: _("paused"),
        State.END: _("published"),
    }.get(state, str(state))


def _area_row(row: AreaEntry) -> Block:
    text = _("*{title}* ({organisation}) — {step}").format(
        title=inline(row.title, 150), organisation=safe(row.organisation, 200), step=_step_text(row)
    )
    if row.state is State.END:
        return section(text)
    if row.assessment_id is not None and row.state in STEPS:
        accessory = button(
            _("Continue assessment"),
            ASSESS_FORM_ACTION,
            f"{row.assessment_id}:{row.state.value}",
            style="primary",
        )
    elif row.state is None:
        accessory = button(_("Start assessment"), ASSESS_AREA_ACTION, str(row.id))
    else:
        accessory = button(_("Continue assessment"), ASSESS_AREA_ACTION, str(row.id))
    return section(text, accessory=accessory)


def _review_row(row: PitchEntry) -> Block:
    text = _("*{startup}* for {opportunity} ({organisation})").format(
        startup=inline(row.startup, 200),
        opportunity=safe(row.opportunity, 150),
        organisation=safe(row.organisation, 200),
    )
    if row.submitted_at is not None:
        text += " — " + slack_date(
            int(row.submitted_at.timestamp()), row.submitted_at.date().isoformat(), "{date_short}"
        )
    return section(text, accessory=button(_("Open pitch"), OPEN_PITCH_ACTION, str(row.id)))


# --- startups -------------------------------------------------------------------------------


def _startup_blocks(data: HomeData) -> list[Block]:
    lines = [_("*Your startups*")]
    lines.extend(
        f"*{inline(startup.name, 200)}* — {safe(startup.description, 300)}\n"
        f"{safe(startup.website, 500)}"
        for startup in data.startups
    )
    blocks: list[Block] = [divider(), *sections(lines)]
    blocks.extend(
        _paged_list(
            data.openings,
            "openings",
            _("*Open opportunities* ({count})").format(count=number(data.openings.window.total)),
            _opening_row,
            _("No opportunity is open just now; new ones are announced in the channel."),
        )
    )
    blocks.extend(
        _paged_list(
            data.own_pitches,
            "pitches",
            _("*Your pitches*"),
            _own_pitch_row,
            _("You have not pitched yet."),
        )
    )
    return blocks


def _opening_row(row: Opening) -> Block:
    text = _("*{title}* — {organisation}, deadline {deadline}").format(
        title=inline(row.title, 150),
        organisation=safe(row.organisation, 200),
        deadline=row.deadline.isoformat(),
    )
    if row.pitched:
        return section(
            text + "\n" + _(":white_check_mark: You have pitched."),
            accessory=button(_("Edit pitch"), PITCH_ACTION, str(row.id)),
        )
    return section(text, accessory=button(_("Pitch"), PITCH_ACTION, str(row.id), style="primary"))


def _own_pitch_row(row: PitchEntry) -> Block:
    text = _("*{opportunity}* ({organisation}) — {status}").format(
        opportunity=inline(row.opportunity, 150),
        organisation=safe(row.organisation, 200),
        status=status_label(row.status),
    )
    return section(text, accessory=button(_("Open pitch"), OPEN_PITCH_ACTION, str(row.id)))


# --- everyone: meetings and pilots ----------------------------------------------------------


def _meeting_blocks(data: HomeData) -> list[Block]:
    if not data.coming.window.total:
        return []
    return _paged_list(data.coming, "meetings", _("*Your coming meetings*"), _meeting_row, "")


def _meeting_row(row: MeetingEntry) -> Block:
    text = (
        f"*{inline(row.organisation, 200)} × {inline(row.startup, 200)}* — {safe(row.place, 500)}"
    )
    if row.starts_at is not None:
        text += "\n" + slack_date(int(row.starts_at.timestamp()), row.starts_at.isoformat())
    return section(text, accessory=button(_("Reschedule"), RESCHEDULE_ACTION, str(row.id)))


def _pilot_blocks(data: HomeData) -> list[Block]:
    if not data.running.window.total:
        return []
    return _paged_list(data.running, "pilots", _("*Pilots* (next check-in)"), _pilot_row, "")


def _pilot_row(row: PilotEntry) -> Block:
    status = _pilot_status(row.status)
    text = f"*{inline(row.title, 150)}* ({safe(row.organisation, 200)} × {safe(row.startup, 200)})"
    text += ", " + status
    if row.next_due is not None:
        text += "\n" + _("Next check-in: {when}").format(
            when=slack_date(
                int(row.next_due.timestamp()), row.next_due.isoformat(), "{date_short} {time}"
            )
        )
    if row.open_checkin is None:
        return section(text)
    return section(
        text + "\n" + _(":hourglass: A check-in waits for your answer."),
        accessory=button(
            _("Answer check-in"), CHECKIN_FORM_ACTION, str(row.open_checkin), style="primary"
        ),
    )


# --- shared ---------------------------------------------------------------------------------


def _paged_list(
    page: Paged, key: str, title: str, row: Callable[[Any], Block], empty: str
) -> list[Block]:
    """A titled list, one block per row, with its pager; or a line saying it is empty."""
    if not page.window.total:
        return [section(title), context(empty)] if empty else []
    return [
        divider(),
        section(title),
        *[row(item) for item in page.rows],
        *_pager(page.window, key),
    ]


def _pager(win: Window, key: str) -> list[Block]:
    return pager(win, PAGE_ACTION, block_id=f"home_page_{key}", list=key)


def pages_of(private_metadata: str) -> dict[str, int]:
    """The page each list showed, from App Home's private metadata (anything odd: first pages)."""
    try:
        data = json.loads(private_metadata or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, int) and 0 <= v < 100_000}


def _home(blocks: list[Block], pages: dict[str, int]) -> dict[str, Any]:
    shown = {key: page for key, page in sorted(pages.items()) if page}
    return home(blocks, json.dumps(shown, separators=(",", ":")) if shown else "")
