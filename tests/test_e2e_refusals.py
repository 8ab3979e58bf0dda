"""End to end: a refusal reveals nothing, on SQLite and PostgreSQL.

An outsider crafts every click and every form submission the app listens for, carrying the
ids of another organisation's pitch, pilot, check-in, meeting and opportunity. Whatever the
app answers them (response_url, ephemeral message, opened modal, direct message, the form's
errors) names no title, person, channel or confidential text of the target.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.pitch_forms import validate_pitch
from bot.programme import Role
from sandbox import payloads
from storage.repositories import meetings, needs, pitches
from tests.test_e2e_pilots import (  # noqa: F401 - the pilot fixtures
    PM,
    REP,
    Pilots,
    p,
    pilot_server,
    start_pilot,
    startup_id,
    stockholm,
)

OUTSIDERS = ("UNOBODY001", "UREP000002")  # nobody at all, and another startup's person
SECRET = "SECRET-ACME-SOLUTION"
# What an outsider may never read about the target (the organisation's name and the
# opportunity are public: the opportunity card in the startups' channel shows them).
FORBIDDEN = (
    SECRET,
    "Fall sensors at home",  # the pilot's title
    "Twenty homes",  # its goals
    "Acme",  # the pitching startup
    PM,
    REP,
    "C0PILOT",
    "C0ORG",
    "sodertalje-projekt",
    "pilot-fall-sensors",
)


@pytest.fixture
def pl(p: Pilots) -> Pilots:  # noqa: F811 - test_e2e_pilots' fixture, by another name
    """The pilots' workspace (test_e2e_pilots' ``p``)."""
    return p


class _Recorder:
    """Stands in for the Bolt app to learn every action id and view callback registered."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.views: list[str] = []

    def action(self, constraint: Any) -> Any:
        if isinstance(constraint, str):
            self.actions.append(constraint)
        return lambda listener: listener

    def view(self, constraint: Any) -> Any:
        if isinstance(constraint, str):
            self.views.append(constraint)
        return lambda listener: listener

    def __getattr__(self, _name: str) -> Any:
        return lambda *args, **kwargs: lambda listener: listener


def listened_for() -> tuple[list[str], list[str]]:
    """Every action id and view callback id the app registers."""
    from handlers import register_all

    recorder = _Recorder()
    register_all(recorder)  # type: ignore[arg-type]
    return sorted(set(recorder.actions)), sorted(set(recorder.views))


def _target(pl: Pilots) -> dict[str, int]:
    """A pilot with a posted check-in, a pitch, a meeting and a question, all of Acme's."""
    start = stockholm(date(datetime.now(UTC).year + 1, 2, 2))
    pl.travel(start)
    start_pilot(pl, start.date(), start.date() + timedelta(days=90))
    checkin = pl.fire()
    pilot = pl.pilot()
    now = pl.clock.now()
    form, errors = validate_pitch(
        {"solution": SECRET, "fit": "Acme sensors", "references": "", "pilot": "Ten homes"}
    )
    assert form is not None, errors
    with pl.sessions.begin() as session:
        area = needs.add_area(
            session=session,
            actor=PM,
            organisation_id=pilot.organisation_id,
            title="Falls",
            why="w",
        )
        opportunity = needs.publish(
            session=session,
            actor=PM,
            organisation_id=pilot.organisation_id,
            focus_area_id=area.id,
            title="Fewer falls at home",
            description="Prevent falls.",
            deadline=now.date() + timedelta(days=14),
            contact_role=Role.PROJECT_MANAGER,
            channel_id="C0OPPS",
        )
        pitch, _created = pitches.save(
            session=session,
            actor=REP,
            opportunity_id=opportunity.id,
            startup_id=startup_id(pl),
            form=form,
            now=now,
        )
        question = pitches.ask(
            session=session, pitch_id=pitch.id, question="Acme: how?", actor=PM, now=now
        )
        meeting, _new = meetings.create(
            session=session,
            actor=PM,
            organisation_id=pilot.organisation_id,
            startup_id=startup_id(pl),
            pitch_id=pitch.id,
            length_minutes=30,
            place="Acme office",
            organisation_people=[PM],
            startup_people=[REP],
            proposed=[now + timedelta(days=3)],
        )
    return {
        "checkin": checkin.id,
        "pilot": pilot.id,
        "pitch": pitch.id,
        "opportunity": opportunity.id,
        "startup": startup_id(pl),
        "organisation": pilot.organisation_id,
        "meeting": meeting.id,
        "question": question.id,
    }


def _leaks(text: str) -> list[str]:
    return [word for word in FORBIDDEN if word in text]


def _answers_to(pl: Pilots, outsider: str, since: int) -> list[str]:
    """Everything the fake received after ``since`` that the outsider could read."""
    seen = []
    for call in pl.fake.calls[since:]:
        args = call.args
        text = json.dumps(args, ensure_ascii=False)
        if call.method == "response_url":
            seen.append(text)  # every response_url of this test belongs to the outsider
        elif call.method == "chat.postEphemeral" and args.get("user") == outsider:
            seen.append(text)
        elif call.method in ("views.open", "views.push", "views.update"):
            seen.append(text)  # only the outsider clicked: any modal is theirs
        elif (call.method == "views.publish" and args.get("user_id") == outsider) or (
            call.method == "chat.postMessage"
            and args.get("channel") in (outsider, pl.fake.dm_channel_id(outsider))
        ):
            seen.append(text)
    return seen


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_crafted_clicks_and_submissions_reveal_nothing(pl: Pilots, outsider: str) -> None:
    ids = _target(pl)
    actions, views = listened_for()
    assert "checkin_on_track" in actions and "checkin_answer" in views
    values = [*sorted({str(value) for value in ids.values()}), json.dumps(ids)]
    metadata = json.dumps({**ids, "response_url": pl.fake.new_response_url()})
    since = len(pl.fake.calls)
    bodies: list[str] = []
    for action_id in actions:
        for value in values:
            response = pl.ws.click(outsider, action_id, value)
            assert response.status == 200, (action_id, value)
            bodies.append(response.body.decode())
    for callback_id in views:
        response = pl.ws.submit(
            outsider, {"callback_id": callback_id, "private_metadata": metadata}, {}
        )
        assert response.status == 200, callback_id
        bodies.append(response.body.decode())
    _settle(pl)
    answers = bodies + _answers_to(pl, outsider, since)
    assert sum("You can't do this here" in text for text in answers) >= 3  # they were heard
    leaks = {text[:300]: _leaks(text) for text in answers if _leaks(text)}
    assert leaks == {}
    # The outsider changed nothing: the check-in is unanswered, the pitch still submitted.
    assert pl.checkins()[0].status is None


def _settle(pl: Pilots) -> None:
    """Wait until the server's after-ack work has stopped calling the fake Slack."""
    import time

    last, quiet_since = len(pl.fake.calls), time.monotonic()
    while time.monotonic() - quiet_since < 0.5:
        time.sleep(0.05)
        if len(pl.fake.calls) != last:
            last, quiet_since = len(pl.fake.calls), time.monotonic()


def test_a_stranger_clicking_a_check_in_hears_the_same_as_for_a_made_up_one(pl: Pilots) -> None:
    ids = _target(pl)
    pl.ws.click("UNOBODY001", "checkin_on_track", str(ids["checkin"]))
    answer = pl.ws.wait_response("You can't do this here")
    assert _leaks(json.dumps(answer)) == []
    assert payloads  # the payload helpers are what the Workspace driver sends
