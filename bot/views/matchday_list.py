"""/matchday matchdays: upcoming matchdays with date, place or link, and your own meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import _
from bot.matchday_list import OwnMeeting, UpcomingMatchday
from bot.text import date as slack_date
from bot.text import escape, inline, safe
from bot.views.blocks import Block, context, header, message, section, sections
from bot.views.paging import pager, window

MATCHDAYS_PAGE_ACTION = "matchday_list_page"  # + _previous / _next
MATCHDAYS_PAGE = 3  # matchdays a page: even a full day of meetings each stays in 50 blocks


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
        when=when, counterpart=inline(meeting.counterpart, 200)
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
    lines = [f"*{inline(matchday.title, 150)}*", when, _where(matchday), _status(matchday)]
    if matchday.meetings:
        lines.append(_("*Your meetings*"))
        lines += [_meeting_line(matchday, meeting) for meeting in matchday.meetings]
    elif matchday.status == "published":
        lines.append(_("You have no meetings at this matchday."))
    return sections(lines)


def build_matchday_list(matchdays: list[UpcomingMatchday], page: int = 0) -> dict[str, Any]:
    """The upcoming matchdays, soonest first, with all of the caller's own meetings, a few
    matchdays a page."""
    blocks: list[Block] = [header(_("Upcoming matchdays"))]
    win = window(len(matchdays), page, MATCHDAYS_PAGE)
    if win.index != page:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    if not matchdays:
        blocks.append(
            section(
                _(
                    "No matchday is planned yet. At a matchday, organisations and startups "
                    "meet one to one; the programme admins announce the next one."
                )
            )
        )
    for matchday in win.of(matchdays):
        blocks += _matchday_blocks(matchday)
    blocks.append(context(_("Times are shown in your own time zone.")))
    blocks += pager(win, MATCHDAYS_PAGE_ACTION)
    return message(_("Upcoming matchdays"), blocks)
