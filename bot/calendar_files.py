"""Calendar files (iCalendar) for booked, moved and cancelled meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Matchday//Innovation programme meetings//EN"


@dataclass(frozen=True)
class CalendarMeeting:
    """What a calendar file says about a meeting."""

    uid: str
    sequence: int
    start: datetime  # aware, in the organisation's zone
    end: datetime
    summary: str
    description: str
    location: str
    organiser_email: str = "noreply@matchday.invalid"


def meeting_uid(meeting_id: int, domain: str = "matchday") -> str:
    """A UID that stays the same for the life of the meeting, across changes."""
    return f"meeting-{meeting_id}@{domain}"


def build_ics(meeting: CalendarMeeting, *, cancelled: bool = False, stamp: datetime) -> bytes:
    """A REQUEST (new or changed meeting) or a CANCEL, with the zone's VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    event.add("summary", meeting.summary)
    event.add("description", meeting.description)
    if meeting.location:
        event.add("location", meeting.location)
    organizer = vCalAddress(f"mailto:{meeting.organiser_email}")
    organizer.params["cn"] = vText("Matchday")
    event["organizer"] = organizer
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
