"""Experience exchanges: the admin's form, the public forms, and a registration's states.

A registration's life (only these moves; ``MAY_BECOME`` is the table every change checks):

```mermaid
stateDiagram-v2
    [*] --> requested: registered while seats are left and the deadline has not passed
    [*] --> waitlisted: registered when full or after the deadline
    requested --> confirmed: an admin confirms (a seat is left)
    requested --> waitlisted: an admin confirms, but the seats are taken
    waitlisted --> confirmed: an admin confirms (a seat came free)
    requested --> declined
    waitlisted --> declined
    confirmed --> declined: an admin cancels the seat (it comes free)
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import _

TITLE_MAX = 150
PLACE_MAX = 500
AGENDA_MAX = 3000
SEATS_MAX = 10_000
NAME_MAX = 200
EMAIL_MAX = 254
LEARN_MAX = 2000
MESSAGE_MAX = 2000
BODY_MAX = 16 * 1024  # a whole public form, every field at its longest, fits well inside
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RegistrationState(StrEnum):
    """Where a registration stands."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"


MAY_BECOME: dict[RegistrationState, frozenset[RegistrationState]] = {
    RegistrationState.REQUESTED: frozenset(
        {RegistrationState.CONFIRMED, RegistrationState.WAITLISTED, RegistrationState.DECLINED}
    ),
    RegistrationState.WAITLISTED: frozenset(
        {RegistrationState.CONFIRMED, RegistrationState.DECLINED}
    ),
    RegistrationState.CONFIRMED: frozenset({RegistrationState.DECLINED}),
    RegistrationState.DECLINED: frozenset(),
}


class InterestKind(StrEnum):
    """Who wants to take part."""

    PUBLIC = "public"
    STARTUP = "startup"


@dataclass(frozen=True)
class Exchange:
    """An experience exchange with its seats as they stand."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    agenda: str
    seats: int
    confirmed: int
    registration_deadline: datetime
    status: str = "open"
    requested: int = 0
    waitlisted: int = 0

    @property
    def full(self) -> bool:
        """Every seat is taken by a confirmed registration."""
        return self.confirmed >= self.seats

    def closed(self, now: datetime) -> bool:
        """The registration deadline has passed (or the exchange was cancelled)."""
        return self.status != "open" or now >= self.registration_deadline

    def over(self, now: datetime) -> bool:
        """The exchange has started or was cancelled: nobody can register any more."""
        return self.status != "open" or now >= self.starts_at

    def arriving_state(self, now: datetime) -> RegistrationState:
        """A new registration's state: asked for a seat, or on the waitlist."""
        if self.closed(now) or self.full:
            return RegistrationState.WAITLISTED
        return RegistrationState.REQUESTED

    @property
    def video(self) -> bool:
        """The place is a video link."""
        return self.place.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Registration:
    """One person's registration, as admins and the person themself see it."""

    id: int
    exchange_id: int
    name: str
    organisation: str
    role: str
    email: str
    wants_to_learn: str
    state: RegistrationState
    token: str
    created_at: datetime
    language: str = "sv"
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Interest:
    """'We want to take part', as admins read it."""

    id: int
    kind: InterestKind
    organisation: str
    contact_name: str
    email: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class ExchangeForm:
    """A valid new exchange from the admin's modal."""

    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    agenda: str
    seats: int
    registration_deadline: datetime


@dataclass(frozen=True)
class RegistrationForm:
    """A valid registration from the public form."""

    name: str
    organisation: str
    role: str
    email: str
    wants_to_learn: str


@dataclass(frozen=True)
class InterestForm:
    """A valid 'We want to take part' from the public form."""

    kind: InterestKind
    organisation: str
    contact_name: str
    email: str
    message: str


def _moment(day: str | None, clock: str | None, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.combine(
            date.fromisoformat(day or ""), time.fromisoformat(clock or ""), zone
        )
    except ValueError:
        return None


def validate_exchange(
    *,
    title: str | None,
    day: str | None,
    starts: str | None,
    ends: str | None,
    place: str | None,
    agenda: str | None,
    seats: str | None,
    deadline_day: str | None,
    deadline_time: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[ExchangeForm | None, dict[str, str]]:
    """The admin's new exchange, or an error per field (times in the programme's zone)."""
    errors: dict[str, str] = {}
    clean_title = (title or "").strip()
    if not clean_title:
        errors["title"] = _("Give the exchange a title.")
    elif len(clean_title) > TITLE_MAX:
        errors["title"] = _("Keep the title within {limit} characters.").format(limit=TITLE_MAX)
    start = _moment(day, starts, zone)
    end = _moment(day, ends, zone)
    if start is None:
        errors["day"] = _("Choose the date and the start time.")
    elif start <= now:
        errors["day"] = _("The exchange must start in the future.")
    if start is not None and (end is None or end <= start):
        errors["ends"] = _("The exchange must end after it starts.")
    clean_place = (place or "").strip()
    if not clean_place:
        errors["place"] = _("Give the place or the video link.")
    elif len(clean_place) > PLACE_MAX:
        errors["place"] = _("Keep the place within {limit} characters.").format(limit=PLACE_MAX)
    clean_agenda = (agenda or "").strip()
    if len(clean_agenda) > AGENDA_MAX:
        errors["agenda"] = _("Keep the agenda within {limit} characters.").format(limit=AGENDA_MAX)
    raw_seats = (seats or "").strip()
    count = int(raw_seats) if raw_seats.isdigit() else 0
    if count < 1 or count > SEATS_MAX:
        errors["seats"] = _("Give the number of seats as a whole number from 1 to {most}.").format(
            most=SEATS_MAX
        )
    deadline = _moment(deadline_day, deadline_time or "23:59", zone)
    if deadline is None:
        errors["deadline_day"] = _("Choose the registration deadline.")
    elif deadline <= now:
        errors["deadline_day"] = _("The registration deadline must be in the future.")
    elif start is not None and deadline > start:
        errors["deadline_day"] = _("The registration deadline must be before the exchange starts.")
    if errors or start is None or end is None or deadline is None:
        return None, errors
    return (
        ExchangeForm(clean_title, start, end, clean_place, clean_agenda, count, deadline),
        {},
    )


def _text(
    errors: dict[str, str],
    name: str,
    value: str | None,
    limit: int,
    *,
    required: str = "",
    multiline: bool = False,
) -> str:
    """One public field: trimmed, within its limit, without control characters."""
    text = (value or "").replace("\r\n", "\n").strip()
    if not text and required:
        errors[name] = required
    elif len(text) > limit:
        errors[name] = _("Keep this within {limit} characters (now {count}).").format(
            limit=limit, count=len(text)
        )
    elif _CONTROL.search(text) or (not multiline and "\n" in text):
        errors[name] = _("This field holds characters that cannot be saved.")
    return text


def _email(errors: dict[str, str], value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        errors["email"] = _("Give your e-mail address.")
    elif len(text) > EMAIL_MAX or not _EMAIL.match(text):
        errors["email"] = _("Give an e-mail address such as name@example.se.")
    return text


def validate_registration(fields: dict[str, str]) -> tuple[RegistrationForm | None, dict[str, str]]:
    """The public registration form, or an error per field."""
    errors: dict[str, str] = {}
    name = _text(errors, "name", fields.get("name"), NAME_MAX, required=_("Give your name."))
    organisation = _text(
        errors,
        "organisation",
        fields.get("organisation"),
        NAME_MAX,
        required=_("Give your organisation."),
    )
    role = _text(errors, "role", fields.get("role"), NAME_MAX)
    email = _email(errors, fields.get("email"))
    learn = _text(errors, "learn", fields.get("learn"), LEARN_MAX, multiline=True)
    if errors:
        return None, errors
    return RegistrationForm(name, organisation, role, email, learn), {}


def validate_interest(fields: dict[str, str]) -> tuple[InterestForm | None, dict[str, str]]:
    """The public 'We want to take part' form, or an error per field."""
    errors: dict[str, str] = {}
    raw_kind = fields.get("kind", "")
    kind = InterestKind(raw_kind) if raw_kind in ("public", "startup") else None
    if kind is None:
        errors["kind"] = _("Choose whether you are a public organisation or a startup.")
    organisation = _text(
        errors,
        "organisation",
        fields.get("organisation"),
        NAME_MAX,
        required=_("Give the name of your organisation or startup."),
    )
    name = _text(errors, "name", fields.get("name"), NAME_MAX, required=_("Give your name."))
    email = _email(errors, fields.get("email"))
    message = _text(errors, "message", fields.get("message"), MESSAGE_MAX, multiline=True)
    if errors or kind is None:
        return None, errors
    return InterestForm(kind, organisation, name, email, message), {}


def seats_line(exchange: Exchange) -> str:
    """Seats, confirmed and waitlisted, as the admins' list and report show them."""
    return _(
        "{seats} seats, {confirmed} confirmed, {requested} asking, {waitlisted} waitlisted"
    ).format(
        seats=exchange.seats,
        confirmed=exchange.confirmed,
        requested=exchange.requested,
        waitlisted=exchange.waitlisted,
    )
