"""Pilot forms and builders: clear field errors for bad input; messages inside Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from bot.pilot_forms import parse_milestones, validate_answer, validate_new_pilot
from bot.pilots import (
    Cadence,
    Checkin,
    CheckinStatus,
    Consent,
    Escalation,
    Milestone,
    Outcome,
    Person,
    Pilot,
    PilotStatus,
    Schedule,
    Side,
)
from bot.programme import Organisation, OrganisationKind, Startup
from bot.views.checkins import build_checkin, build_escalation, checkin_metadata, found_checkin
from bot.views.pilots import build_case_card, build_completion, build_status, describe_schedule
from sandbox.slack_limits import check_message

TODAY = date(2027, 1, 4)
GOOD: dict[str, Any] = {
    "title": "Fall sensors at home",
    "goals": "2027-03-01 Twenty homes have sensors\n2027-05-31: Fewer falls reported",
    "start": "2027-01-11",
    "end": "2027-06-30",
    "channel": "C0PILOT",
    "channel_problem": "",
    "organisation_people": ["UPM0000001"],
    "startup": "7",
    "startup_people": ["UREP000001"],
    "startup_ids": {7},
    "cadence": "weekly",
    "weekday": "3",
    "at": "10:00",
    "timezone": "Europe/Stockholm",
    "today": TODAY,
}


def test_a_good_pilot_form() -> None:
    form, errors = validate_new_pilot(**GOOD)
    assert errors == {}
    assert form is not None
    assert form.milestones == (
        Milestone("Twenty homes have sensors", date(2027, 3, 1)),
        Milestone("Fewer falls reported", date(2027, 5, 31)),
    )
    assert form.people == (
        Person("UPM0000001", Side.ORGANISATION),
        Person("UREP000001", Side.STARTUP),
    )
    # The first check-in comes after the start day.
    assert form.schedule.anchor == date(2027, 1, 12)
    assert form.schedule.first_day() == date(2027, 1, 14)


def test_bad_pilot_forms_name_the_field() -> None:
    cases: dict[str, dict[str, Any]] = {
        "end": {"end": "2027-01-10"},  # before the start
        "channel": {"channel_problem": "I am not a member of <#C0PILOT> yet"},
        "startup_people": {"startup_people": ["UPM0000001"]},  # on both sides
        "goals": {"goals": "Twenty homes have sensors"},  # no date
        "timezone": {"timezone": "Mars/Olympus"},
        "startup": {"startup": "99"},
    }
    for field, change in cases.items():
        form, errors = validate_new_pilot(**{**GOOD, **change})
        assert form is None
        assert set(errors) == {field}, (field, errors)
    _form, errors = validate_new_pilot(**{**GOOD, "end": "2027-01-10"})
    assert errors["end"] == "The end date must be after the start date."


def test_a_check_in_time_that_does_not_exist_is_refused_with_its_date() -> None:
    change = {
        "start": "2027-04-01",
        "end": "2027-05-31",
        "goals": "2027-05-01 Done",
        "weekday": "4",
        "at": "00:30",
        "timezone": "Africa/Cairo",  # springs forward at midnight on the last Friday of April
    }
    form, errors = validate_new_pilot(**{**GOOD, **change})
    assert form is None
    assert "00:30 does not exist on 2027-04-30 in Africa/Cairo" in errors["time"]


def test_milestones_outside_the_pilot_are_refused() -> None:
    found, problem = parse_milestones("2028-01-01 Later", date(2027, 1, 1), date(2027, 6, 1))
    assert found == []
    assert "outside the pilot" in problem


def test_a_blocked_answer_needs_its_blockers() -> None:
    form, errors = validate_answer(
        status="blocked", progress="Some", next_steps="More", blockers=""
    )
    assert form is None
    assert set(errors) == {"blockers"}
    form, errors = validate_answer(
        status="at_risk", progress="Some", next_steps="More", blockers=""
    )
    assert form is not None
    assert form.status is CheckinStatus.AT_RISK


PILOT = Pilot(
    id=3,
    organisation_id=1,
    startup_id=7,
    title="Sensors <!channel> " + "x" * 200,
    channel_id="C0PILOT",
    start=date(2027, 1, 11),
    end=date(2027, 6, 30),
    schedule=Schedule(Cadence.MONTHLY, 1, time(10), "Europe/Stockholm", date(2027, 1, 12), TODAY),
    status=PilotStatus.COMPLETED,
    version=3,
    people=(Person("UPM0000001", Side.ORGANISATION), Person("UREP000001", Side.STARTUP)),
    milestones=(Milestone("Twenty homes <@U0>", date(2027, 3, 1)),),
    outcome=Outcome.PROCURE,
    results="Falls halved",
    lessons="Start with the night shift",
    showcase_channel_id="C0SHOW",
    organisation_consent=Consent.NAMED,
    startup_consent=Consent.ANONYMOUS,
    completed_by="UPM0000001",
)
CHECKIN = Checkin(
    id=11,
    pilot_id=3,
    seq=2,
    nominal=date(2026, 12, 24),
    due_at=datetime(2026, 12, 28, 9, 0, tzinfo=UTC),
    late=True,
    skipped=2,
    status=CheckinStatus.BLOCKED,
    progress="<!here> " + "p" * 3000,
    next_steps="Talk",
    blockers="No network in the basement",
    answered_by="UREP000001",
    answered_at=datetime(2026, 12, 28, 10, 0, tzinfo=UTC),
)


def text_of(message: object) -> str:
    return json.dumps(message, ensure_ascii=False)


def mrkdwn_of(message: dict[str, Any]) -> str:
    """The fallback text and every mrkdwn text: where <!channel> would ping people."""
    found = [message["text"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message["blocks"])
    return "\n".join(found)


def test_the_check_in_message_fits_slack_and_says_what_happened() -> None:
    message = build_checkin(PILOT, CHECKIN)
    assert check_message(message["text"], message["blocks"]) is None
    shown = text_of(message)
    assert "<!channel>" not in mrkdwn_of(message)
    assert "<!here>" not in shown
    assert "Moved from 2026-12-24 (Christmas Eve)" in shown
    assert "Late" in shown
    assert "2 earlier check-ins were skipped" in shown
    assert "answered by <@UREP000001>" in shown
    assert {"checkin_on_track", "checkin_at_risk", "checkin_blocked", "checkin_form"} <= {
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def test_the_metadata_names_the_check_in_and_reads_back() -> None:
    metadata = checkin_metadata(PILOT, CHECKIN)
    assert metadata["event_type"] == "matchday_checkin"
    assert metadata["event_payload"]["key"] == "pilot-3-checkin-11"
    assert found_checkin(metadata["event_payload"]) == (
        CHECKIN.nominal,
        CHECKIN.due_at,
        True,
        2,
    )
    assert found_checkin({"key": "x"}) is None


def test_status_completion_card_and_escalation_fit_slack() -> None:
    organisation = Organisation(
        1, "Södertälje kommun", OrganisationKind.MUNICIPALITY, "C0ORG", "C0OPPS", "Europe/Stockholm"
    )
    startup = Startup(7, "Acme Care", "5560160680", "https://acme.example", "health tech", "x")
    for message in (
        build_status(PILOT, [CHECKIN], can_manage=True),
        build_completion(PILOT),
        build_escalation(PILOT, CHECKIN, Escalation.BLOCKED, "https://fake.slack.test/p1"),
    ):
        assert check_message(message["text"], message["blocks"]) is None
        assert "<!channel>" not in mrkdwn_of(message)
    named = text_of(build_case_card(PILOT, organisation, startup, anonymous=False))
    anonymous = text_of(build_case_card(PILOT, organisation, startup, anonymous=True))
    assert "Södertälje kommun" in named
    assert "Acme Care" in named
    for name in ("Södertälje", "Acme", "Sensors", "UPM0000001", "UREP000001"):
        assert name not in anonymous
    assert "municipality" in anonymous
    assert "Falls halved" in anonymous


def test_schedules_are_described_in_words() -> None:
    assert describe_schedule(PILOT.schedule) == (
        "on the second Tuesday of every month at 10:00 (Europe/Stockholm)"
    )
