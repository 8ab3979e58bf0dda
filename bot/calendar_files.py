"""Calendar files (iCalendar, RFC 5545 with iTIP methods, RFC 5546) for meetings.

What makes a move replace the event and a cancellation remove it when the recipient opens
the newer file:

- ``UID`` is the meeting's, the same for the life of the meeting;
- ``SEQUENCE`` starts at 0 and rises with every move and with the cancellation (the
  repository raises it in the same transaction as the change), so a calendar keeps the
  newest revision and ignores an older file opened late;
- ``METHOD:REQUEST`` for a new or moved meeting, ``METHOD:CANCEL`` with
  ``STATUS:CANCELLED`` for a cancellation;
- ``DTSTAMP`` is the app's clock at the time the file is made.

``ORGANIZER`` is Matchday itself, the same in every file of a meeting: clients match
updates and cancellations to the organiser, and Outlook treats a request whose organiser
is the reader as the reader's own meeting (and may file the message away), so no
participant is made the organiser. Replies go nowhere (``RSVP=FALSE``): the meeting is
accepted and moved in Slack.

``ATTENDEE`` lists each participant whose e-mail address Slack gives, as ``mailto:`` with
their name as ``CN``. A participant without an address is left out: the value of
``ATTENDEE`` must be a URI (RFC 5545 3.3.3), and the name-only form Outlook understands
(``invalid:nomail``, MS-OXCICAL 2.1.3.1.1.20.2) is Outlook's own convention, which other
clients such as Google Calendar do not document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Matchday//Innovation programme meetings//EN"
ORGANISER_NAME = "Matchday"
ORGANISER_EMAIL = "noreply@matchday.invalid"  # RFC 2606: never a real mailbox


@dataclass(frozen=True)
class Attendee:
    """A participant as a calendar file names them."""

    name: str
    email: str | None = None  # None: Slack gives no address, so not listed


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
    organiser_email: str = ORGANISER_EMAIL
    attendees: Sequence[Attendee] = field(default_factory=tuple)


def meeting_uid(meeting_id: int, domain: str = "matchday") -> str:
    """A UID that stays the same for the life of the meeting, across changes."""
    return f"meeting-{meeting_id}@{domain}"


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    return address


def build_ics(meeting: CalendarMeeting, *, cancelled: bool = False, stamp: datetime) -> bytes:
    """A REQUEST (new or moved meeting) or a CANCEL, with the zone's VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
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
    event.add("organizer", _address(meeting.organiser_email, ORGANISER_NAME))
    seen: set[str] = set()
    for attendee in meeting.attendees:
        email = (attendee.email or "").strip()
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        address = _address(email, attendee.name)
        address.params["role"] = "REQ-PARTICIPANT"
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["rsvp"] = "FALSE"
        event.add("attendee", address)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
