"""Slack views of experience exchanges: the admin's form, the list, and the admins' cards."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.exchanges import (
    AGENDA_MAX,
    PLACE_MAX,
    TITLE_MAX,
    Exchange,
    Interest,
    InterestKind,
    Registration,
    RegistrationState,
    seats_line,
)
from bot.i18n import _
from bot.text import date as slack_date
from bot.text import inline, pieces, safe, user
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    fields,
    header,
    message,
    modal,
    section,
    sections,
    text_input,
)

NEW_CALLBACK = "exchange_new"
CONFIRM_ACTION = "exchange_confirm"
DECLINE_ACTION = "exchange_decline"


def _picker(block_id: str, label: str, kind: str, initial: str, optional: bool = False) -> Block:
    key = "initial_date" if kind == "datepicker" else "initial_time"
    element: dict[str, Any] = {"type": kind, "action_id": "value", key: initial}
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def build_exchange_modal(today: date, zone: str, response_url: str) -> dict[str, Any]:
    """The form an admin fills in to announce an experience exchange."""
    return modal(
        NEW_CALLBACK,
        _("New exchange"),
        [
            section(
                _("Dates and times are in the programme's time zone, {zone}.").format(zone=zone)
            ),
            text_input("title", _("Title"), max_length=TITLE_MAX),
            _picker("day", _("Date"), "datepicker", (today + timedelta(days=30)).isoformat()),
            _picker("starts", _("Starts"), "timepicker", "13:00"),
            _picker("ends", _("Ends"), "timepicker", "15:00"),
            text_input(
                "place",
                _("Place or video link"),
                max_length=PLACE_MAX,
                placeholder=_("an address, or a link starting with https://"),
            ),
            text_input("agenda", _("Agenda"), multiline=True, max_length=AGENDA_MAX, optional=True),
            text_input("seats", _("Seats"), initial="20", max_length=5),
            _picker(
                "deadline_day",
                _("Registration deadline"),
                "datepicker",
                (today + timedelta(days=23)).isoformat(),
            ),
            _picker("deadline_time", _("Deadline time"), "timepicker", "23:59", optional=True),
        ],
        submit=_("Create"),
        close=_("Cancel"),
        private_metadata=json.dumps({"response_url": response_url}),
    )


def _when(moment: datetime) -> str:
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return slack_date(int(moment.timestamp()), fallback)


def exchange_line(exchange: Exchange) -> str:
    """One exchange in the admins' list and report."""
    state = "" if exchange.status == "open" else " " + _("(cancelled)")
    return _("*{title}*{state}, {when}: {seats}").format(
        title=inline(exchange.title, 200),
        state=state,
        when=_when(exchange.starts_at),
        seats=seats_line(exchange),
    )


def build_exchange_list(exchanges: list[Exchange]) -> dict[str, Any]:
    """/matchday exchange: upcoming exchanges and those of the last 90 days, with seats."""
    title = _("Experience exchanges")
    if not exchanges:
        text = _("No experience exchange yet. Announce one with `/matchday exchange new`.")
        return message(text, [section(text)])
    blocks: list[Block] = [header(title), *sections([exchange_line(e) for e in exchanges])]
    blocks.append(
        context(
            _(
                "Upcoming exchanges and those of the last 90 days. Every registration is in "
                "`/matchday export exchanges`."
            )
        )
    )
    return message(title, blocks)


def report_lines(exchanges: list[Exchange]) -> list[Block]:
    """The report's part about experience exchanges."""
    if not exchanges:
        return []
    return [
        section("*" + _("Experience exchanges") + "*"),
        *sections([exchange_line(e) for e in exchanges]),
    ]


def exchange_created(exchange: Exchange) -> str:
    """The answer to the admin who announced an exchange."""
    return _(
        "*{title}* is announced on the showcase, {when}. Registrations come to the admins here."
    ).format(title=inline(exchange.title, 200), when=_when(exchange.starts_at))


def state_label(state: RegistrationState) -> str:
    """A registration's state in words."""
    return {
        RegistrationState.REQUESTED: _("waiting for a decision"),
        RegistrationState.CONFIRMED: _("confirmed"),
        RegistrationState.DECLINED: _("declined"),
        RegistrationState.WAITLISTED: _("on the waitlist"),
    }[state]


def build_registration_card(registration: Registration, exchange: Exchange) -> dict[str, Any]:
    """The card each admin receives, with Confirm and Decline while undecided."""
    summary = _("Registration for {title}: {name}").format(
        title=safe(exchange.title, 200), name=safe(registration.name, 200)
    )
    blocks: list[Block] = [
        section(
            _("*Registration for {title}*").format(title=inline(exchange.title, 200))
            + "\n"
            + seats_line(exchange)
        ),
        fields(
            "*" + _("Name") + "*\n" + safe(registration.name, 400),
            "*" + _("Organisation") + "*\n" + safe(registration.organisation, 400),
            "*" + _("Role") + "*\n" + (safe(registration.role, 400) or "–"),
            "*" + _("E-mail") + "*\n" + safe(registration.email, 400),
        ),
    ]
    if registration.wants_to_learn:
        learned = pieces(registration.wants_to_learn, 2900)
        blocks.append(section("*" + _("Wants to learn") + "*\n" + learned[0]))
        blocks.extend(section(piece) for piece in learned[1:])
    notes = [
        _("Registered {when}. State: {state}.").format(
            when=_when(registration.created_at), state=state_label(registration.state)
        )
    ]
    if registration.decided_by and registration.decided_at:
        notes.append(
            _("Decided by {person} {when}.").format(
                person=user(registration.decided_by), when=_when(registration.decided_at)
            )
        )
    blocks.append(context(*notes))
    if registration.state in (RegistrationState.REQUESTED, RegistrationState.WAITLISTED):
        blocks.append(
            actions(
                button(_("Confirm"), CONFIRM_ACTION, str(registration.id), style="primary"),
                button(_("Decline"), DECLINE_ACTION, str(registration.id), style="danger"),
            )
        )
    elif registration.state is RegistrationState.CONFIRMED:
        blocks.append(actions(button(_("Cancel the seat"), DECLINE_ACTION, str(registration.id))))
    return message(summary, blocks)


def build_interest_card(interest: Interest) -> dict[str, Any]:
    """The card each admin receives when someone wants to take part."""
    kind = _("a public organisation") if interest.kind is InterestKind.PUBLIC else _("a startup")
    summary = _("{organisation} wants to take part in the programme").format(
        organisation=safe(interest.organisation, 200)
    )
    blocks: list[Block] = [
        section(
            _("*{organisation}* ({kind}) wants to take part in the programme.").format(
                organisation=inline(interest.organisation, 200), kind=kind
            )
        ),
        fields(
            "*" + _("Contact") + "*\n" + safe(interest.contact_name, 400),
            "*" + _("E-mail") + "*\n" + safe(interest.email, 400),
        ),
    ]
    if interest.message:
        parts = pieces(interest.message, 2900)
        blocks.append(section("*" + _("Message") + "*\n" + parts[0]))
        blocks.extend(section(piece) for piece in parts[1:])
    blocks.append(
        context(_("Sent {when} from the showcase.").format(when=_when(interest.created_at)))
    )
    return message(summary, blocks)


def decision_notice(state: RegistrationState | None, registration: Registration) -> str:
    """The answer to the admin who clicked Confirm or Decline."""
    name = inline(registration.name, 200)
    if state is None:
        return _("{name}'s registration was already decided: {state}.").format(
            name=name, state=state_label(registration.state)
        )
    if state is RegistrationState.WAITLISTED:
        return _("Every seat is taken: {name} is on the waitlist.").format(name=name)
    if state is RegistrationState.CONFIRMED:
        return _("{name} has a seat.").format(name=name)
    return _("{name}'s registration is declined.").format(name=name)
