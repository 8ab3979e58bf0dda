"""The pilot forms: start a pilot, change its cadence, complete it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.i18n import _
from bot.pilots import Cadence, Outcome, Pilot, Schedule
from bot.programme import Organisation, Startup
from bot.text import inline
from bot.views.blocks import (
    Block,
    context,
    conversation_select,
    modal,
    option,
    static_select,
    text_input,
    user_select,
)
from bot.views.checkins import date_input, optional_channel_input, time_input
from bot.views.pickers import startup_option, startup_picker
from bot.views.pilots import TEXT_MAX, TITLE_MAX, cadence_label, outcome_label, weekday_label

NEW_PILOT_CALLBACK = "pilot_new"
CADENCE_CALLBACK = "pilot_cadence"
COMPLETE_CALLBACK = "pilot_complete"
WORKING_WEEKDAYS = range(5)


def _schedule_inputs(schedule: Schedule | None, timezone: str) -> list[Block]:
    cadences = [option(cadence_label(cadence), cadence.value) for cadence in Cadence]
    weekdays = [option(weekday_label(day), str(day)) for day in WORKING_WEEKDAYS]
    return [
        static_select(
            "cadence",
            _("Check-ins"),
            cadences,
            initial=schedule.cadence.value if schedule else Cadence.WEEKLY.value,
        ),
        static_select(
            "weekday",
            _("On"),
            weekdays,
            initial=str(schedule.weekday) if schedule else "0",
            hint=_("A check-in on a holiday moves to the next working day."),
        ),
        time_input("time", _("At"), schedule.at.strftime("%H:%M") if schedule else "10:00"),
        text_input(
            "timezone",
            _("Time zone"),
            initial=schedule.timezone if schedule else timezone,
            max_length=64,
            hint=_("An IANA time zone name, such as Europe/Stockholm."),
        ),
    ]


def build_new_pilot_modal(
    organisation: Organisation,
    *,
    starter: str,
    today: date,
    response_url: str,
    startup: Startup | None = None,
    startup_people: list[str] | None = None,
    title: str = "",
    pitch_id: int | None = None,
) -> dict[str, Any]:
    """The form that starts a pilot (prefilled from a pitch when there is one)."""
    chosen = startup_option(startup.id, startup.name, startup.org_number) if startup else None
    blocks: list[Block] = [
        context(
            _("A pilot of *{organisation}*.").format(organisation=inline(organisation.name, 200))
        ),
        text_input("title", _("Title"), initial=title, max_length=TITLE_MAX),
        text_input(
            "goals",
            _("Goals or milestones"),
            multiline=True,
            max_length=TEXT_MAX,
            hint=_("One per line, starting with its target date, for example:")
            + " 2027-03-31 "
            + _("Ten care workers use the app every day"),
        ),
        date_input("start", _("Start date"), today),
        date_input("end", _("End date"), None),
        conversation_select(
            "channel",
            _("Pilot channel"),
            hint=_("Check-ins are posted here. Invite @Matchday to it first."),
        ),
        user_select(
            "organisation_people", _("People from the organisation"), multi=True, initial=[starter]
        ),
        startup_picker("startup", _("Startup"), initial=chosen),
        user_select(
            "startup_people",
            _("People from the startup"),
            multi=True,
            initial=startup_people or None,
        ),
        *_schedule_inputs(None, organisation.timezone),
    ]
    metadata = {"organisation": organisation.id, "pitch": pitch_id, "response_url": response_url}
    return modal(
        NEW_PILOT_CALLBACK,
        _("Start a pilot"),
        blocks,
        submit=_("Start"),
        close=_("Cancel"),
        private_metadata=json.dumps(metadata),
    )


def build_cadence_modal(pilot: Pilot, response_url: str) -> dict[str, Any]:
    """The form that changes when a pilot checks in."""
    return modal(
        CADENCE_CALLBACK,
        _("Change cadence"),
        [
            context(_("Check-ins of *{title}*.").format(title=inline(pilot.title, TITLE_MAX))),
            *_schedule_inputs(pilot.schedule, pilot.schedule.timezone),
        ],
        submit=_("Save"),
        close=_("Cancel"),
        private_metadata=json.dumps({"pilot": pilot.id, "response_url": response_url}),
    )


def build_complete_modal(pilot: Pilot, response_url: str) -> dict[str, Any]:
    """The form that completes a pilot: outcome, results, lessons, where to share a card."""
    outcomes = [option(outcome_label(outcome), outcome.value) for outcome in Outcome]
    return modal(
        COMPLETE_CALLBACK,
        _("Complete the pilot"),
        [
            context(_("Completing *{title}*.").format(title=inline(pilot.title, TITLE_MAX))),
            static_select("outcome", _("Outcome"), outcomes),
            text_input(
                "results",
                _("Results against the goals"),
                multiline=True,
                max_length=TEXT_MAX,
            ),
            text_input("lessons", _("Lessons learned"), multiline=True, max_length=TEXT_MAX),
            optional_channel_input(
                "showcase",
                _("Offer a case card to this showcase channel"),
                hint=_(
                    "Optional. The card is posted only when both the organisation and the "
                    "startup agree, and anonymised if either asks."
                ),
            ),
        ],
        submit=_("Complete"),
        close=_("Cancel"),
        private_metadata=json.dumps({"pilot": pilot.id, "response_url": response_url}),
    )
