"""/matchday matchdays: upcoming matchdays with date, place or link, and your own meetings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import _
from bot.text import date as slack_date
from bot.text import escape, safe
from bot.views.blocks import Block, context, header, message, section

MAX_MATCHDAYS = 10
MAX_MEETINGS = 12  # per matchday in the list; a matchday rarely gives one person more


@dataclass(frozen=True)
class OwnMeeting:
    """One of the caller's meetings at a matchday."""

    starts_at: datetime | None
    ends_at: datetime | None
    counterpart: str
    table_no: int | None
    confirmed: bool


@dataclass(frozen=True)
class UpcomingMatchday:
    """A matchday as the list shows it."""

    id: int
    title: str
    day: date
    starts: time
    ends: time
    timezone: str
    place: str
    links: tuple[str, ...]
    status: str  # collecting, planned, published
    availability_deadline: date
    meetings: tuple[OwnMeeting, ...] = field(default=())


def _moment(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def _stamp(moment: datetime, layout: str, fallback: str) -> str:
    return slack_date(int(moment.timestamp()), fallback, layout)


def _link(url: str) -> str:
    return f"<{escape(url)}>" if url.startswith(("http://", "https://")) and "|" not in url else ""


def _where(matchday: UpcomingMatchday) -> str:
    if matchday.place:
        return _("Place: {place}").format(place=safe(matchday.place, 500))
    links = [link for link in (_link(url) for url in matchday.links) if link]
    if len(links) == 1:
        return _("Online: {link}").format(link=links[0])
    if links:
        return _("Online; each table has its own video link.")
    return _("The place is not set yet.")


def _status(matchday: UpcomingMatchday) -> str:
    if matchday.status == "published":
        return _("The agenda is published.")
    if matchday.status == "planned":
        return _("The schedule is being planned; agendas follow.")
    deadline = _moment(matchday.availability_deadline, time(12), matchday.timezone)
    return _("Availability is collected until {deadline}.").format(
        deadline=_stamp(deadline, "{date_long}", matchday.availability_deadline.isoformat())
    )


def _meeting_line(matchday: UpcomingMatchday, meeting: OwnMeeting) -> str:
    when = ""
    if meeting.starts_at and meeting.ends_at:
        start, end = meeting.starts_at, meeting.ends_at
        when = (
            _stamp(start, "{time}", start.astimezone(UTC).strftime("%H:%M"))
            + "–"
            + _stamp(end, "{time}", end.astimezone(UTC).strftime("%H:%M UTC"))
        )
    line = _("{when} with *{counterpart}*").format(
        when=when, counterpart=safe(meeting.counterpart, 200)
    )
    if meeting.table_no:
        line += ", " + _("table {number}").format(number=meeting.table_no)
        if 0 < meeting.table_no <= len(matchday.links) and _link(
            matchday.links[meeting.table_no - 1]
        ):
            line += " " + _link(matchday.links[meeting.table_no - 1])
    if not meeting.confirmed:
        line += " " + _("(not confirmed yet)")
    return "• " + line


def _matchday_blocks(matchday: UpcomingMatchday) -> list[Block]:
    start = _moment(matchday.day, matchday.starts, matchday.timezone)
    end = _moment(matchday.day, matchday.ends, matchday.timezone)
    when = (
        _stamp(start, "{date_long} {time}", f"{matchday.day.isoformat()} {matchday.starts:%H:%M}")
        + "–"
        + _stamp(end, "{time}", f"{matchday.ends:%H:%M}")
    )
    lines = [f"*{safe(matchday.title, 150)}*", when, _where(matchday), _status(matchday)]
    meetings = matchday.meetings[:MAX_MEETINGS]
    if meetings:
        lines.append(_("*Your meetings*"))
        lines += [_meeting_line(matchday, meeting) for meeting in meetings]
    elif matchday.status == "published":
        lines.append(_("You have no meetings at this matchday."))
    return [section("\n".join(lines))]


def build_matchday_list(matchdays: list[UpcomingMatchday]) -> dict[str, Any]:
    """The upcoming matchdays, soonest first, with the caller's own meetings."""
    blocks: list[Block] = [header(_("Upcoming matchdays"))]
    if not matchdays:
        blocks.append(
            section(
                _(
                    "No matchday is planned yet. At a matchday, organisations and startups "
                    "meet one to one; the programme admins announce the next one."
                )
            )
        )
    for matchday in matchdays[:MAX_MATCHDAYS]:
        blocks += _matchday_blocks(matchday)
    if len(matchdays) > MAX_MATCHDAYS:
        blocks.append(context(_("…and {count} more.").format(count=len(matchdays) - MAX_MATCHDAYS)))
    blocks.append(context(_("Times are shown in your own time zone.")))
    return message(_("Upcoming matchdays"), blocks)
