"""A form that nothing in the database can refuse closes at once (bot/answered_first.py).

In production's shape (`serve --no-worker` beside `matchday worker`) a company profile
whose fields are all valid, with the organisation number the form showed, is kept in the
inbox and answered empty, which closes the modal; the worker saves it and confirms. What
the fields alone can tell is still a field error in the open form, and what only the
database can tell after the answer (the person no longer represents the startup, the
listener failed) reaches the person as a message: nothing saved, never silence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.ack_inprocess import InProcessApp
from benchmarks.ack_kinds import MANAGER, PROFILE, REPRESENTATIVE, Request, Seeded, seed
from benchmarks.ack_latency import populate
from bot.assessment import State
from bot.urlencoded import form_fields
from bot.views.assessment import ANSWER_CALLBACK as STEP_CALLBACK
from bot.views.profile import PROFILE_CALLBACK
from handlers.assessment import step_needs_no_database
from sandbox import payloads
from sandbox.signing import FORM_CONTENT_TYPE, post_to_app, signed_headers
from sandbox.slack_api import FakeSlack
from storage.models import (
    AnswerRow,
    AssessmentRow,
    FocusAreaRow,
    MemberRow,
    ProfileRevisionRow,
    RepresentativeRow,
    StartupRow,
)
from storage.repositories import inbox, languages, outbox, startups
from tests.e2e import SIGNING_SECRET, start_worker, until, web_without_worker

HOSTILE = "Snö & is <på> *Robotik* <!channel>"
BUYER = "UBENCHBUY001"  # a second member of the bench organisation's group


def _form(seeded: Seeded, response_url: str, *, view_id: str = "VFIRST0001", **changed: str) -> str:
    """The profile form as Slack sends it when saved, with some fields changed."""
    fields = {**PROFILE, **changed}
    values = {
        key: {key: payloads.static_value(value)}
        if key == "stage"
        else {key: payloads.plain_value(value)}
        for key, value in fields.items()
    }
    metadata = {
        "startup": seeded.startup_id,
        "number": PROFILE["org_number"],  # as the form showed it
        "response_url": response_url,
    }
    return payloads.view_submission(
        user_id=REPRESENTATIVE,
        callback_id=PROFILE_CALLBACK,
        values=values,
        private_metadata=json.dumps(metadata),
        view_id=view_id,
        hash=f"{view_id}.hash",
    )


def _revisions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        rows = session.scalars(select(ProfileRevisionRow).order_by(ProfileRevisionRow.id))
        return [str(row.snapshot["name"]) for row in rows]


def _name(sessions: sessionmaker[Session], seeded: Seeded) -> str:
    with sessions() as session:
        return str(session.get_one(StartupRow, seeded.startup_id).name)


def _waiting(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return inbox.waiting(session=session)


def _no_longer_representative(sessions: sessionmaker[Session]) -> None:
    """An admin removes the representative while their form is open."""
    with sessions.begin() as session:
        mine = RepresentativeRow.user_id == REPRESENTATIVE
        session.execute(delete(RepresentativeRow).where(mine))


def _in_swedish(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        languages.choose(session=session, user_id=REPRESENTATIVE, language="sv")
        outbox.beat(session=session, name="sender", now=datetime.now(UTC))  # healthy


def test_a_valid_profile_closes_at_once_and_a_worker_saves_it_once(
    own_database: str,
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    populate(slack)
    seeded = seed(own_sessions, threads=1)
    _in_swedish(own_sessions)
    response_url = slack.new_response_url()
    body = _form(seeded, response_url, name=HOSTILE)
    web = web_without_worker(own_database, slack, tmp_path)
    try:
        status, _headers, data = post_to_app(
            web.url + "/slack/events", SIGNING_SECRET, body, FORM_CONTENT_TYPE
        )
        assert (status, data) == (200, b"")  # the modal closes
    finally:
        web.kill()  # SIGKILL: nothing after the answer was done
    assert _waiting(own_sessions) == 1
    assert _name(own_sessions, seeded) == PROFILE["name"]  # not saved yet

    worker = start_worker(own_database, slack.api_url, tmp_path / "worker.log")
    try:
        until(lambda: _waiting(own_sessions) == 0, 30, "the worker did not take the inbox")
        until(lambda: slack.replies_to(response_url), 10, "no confirmation")
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    assert _name(own_sessions, seeded) == HOSTILE  # as typed
    assert _revisions(own_sessions) == [HOSTILE]
    [confirmed] = [call.args for call in slack.replies_to(response_url)]
    shown = json.dumps(confirmed, ensure_ascii=False)
    assert "Profilen för" in shown and "har sparats" in shown  # the representative's Swedish
    assert "Snö &amp; is &lt;på&gt;" in shown and "&amp;amp;" not in shown  # escaped once
    assert "<!channel>" not in shown

    # Slack sends the same submission again: answered, and neither saved nor confirmed twice.
    again = web_without_worker(own_database, slack, tmp_path)
    worker = start_worker(own_database, slack.api_url, tmp_path / "worker2.log")
    try:
        status, _headers, data = post_to_app(
            again.url + "/slack/events", SIGNING_SECRET, body, FORM_CONTENT_TYPE
        )
        assert (status, data) == (200, b"")
        until(lambda: _waiting(own_sessions) == 0, 30, "the retry was kept")
    finally:
        again.stop()
        worker.terminate()
        worker.wait(timeout=15)
    assert _revisions(own_sessions) == [HOSTILE]
    assert len(slack.replies_to(response_url)) == 1


@pytest.fixture
def running(
    own_database: str, own_sessions: sessionmaker[Session], slack: FakeSlack
) -> Iterator[tuple[InProcessApp, Seeded]]:
    """The WSGI app with an inbox it hands on in its own threads, the representative Swedish."""
    populate(slack)
    seeded = seed(own_sessions, threads=1)
    _in_swedish(own_sessions)
    app = InProcessApp(own_database, slack.api_url, SIGNING_SECRET, slack.bot_token)
    try:
        yield app, seeded
    finally:
        app.close()


def _send(app: InProcessApp, body: str, response_url: str) -> tuple[str, Any]:
    data = body.encode()
    headers = signed_headers(SIGNING_SECRET, data, content_type=FORM_CONTENT_TYPE)
    answer = app.send(Request(data, headers, response_url))
    app.settle()
    return answer.status[:3], json.loads(answer.body) if answer.body else {}


def test_what_the_fields_alone_tell_is_a_field_error_in_the_open_form(
    running: tuple[InProcessApp, Seeded],
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
) -> None:
    app, seeded = running
    with own_sessions.begin() as session:
        other = StartupRow(
            name="Other AB",
            org_number="212000-0142",
            website="https://other.example",
            sector="Health",
            description="",
            created_by="UADMIN0001",
        )
        session.add(other)
    url = slack.new_response_url()
    status, answer = _send(app, _form(seeded, url, website="not a web address"), url)
    assert status == "200"
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "website": "Ange en webbadress som börjar med http:// eller https://."
    }
    # A number the form did not show is checked against the other startups before the answer.
    status, answer = _send(app, _form(seeded, url, org_number="212000-0142"), url)
    assert answer["errors"] == {"org_number": "En annan startup är registrerad med det här numret."}
    assert _revisions(own_sessions) == [] and _waiting(own_sessions) == 0
    assert slack.replies_to(url) == []  # nothing said besides the field errors
    # Corrected, it counts: the same form sent again is saved (its claim was let go).
    status, answer = _send(app, _form(seeded, url, name="Bench Robotik AB"), url)
    assert (status, answer) == ("200", {})
    assert _revisions(own_sessions) == ["Bench Robotik AB"]


def test_a_representative_removed_while_the_form_was_open_reads_that_nothing_was_saved(
    running: tuple[InProcessApp, Seeded],
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
) -> None:
    app, seeded = running
    _no_longer_representative(own_sessions)
    url = slack.new_response_url()
    status, answer = _send(app, _form(seeded, url, name=HOSTILE), url)
    assert (status, answer) == ("200", {})  # closed: nothing the form showed was refused
    [told] = [call.args for call in slack.replies_to(url)]
    shown = json.dumps(told, ensure_ascii=False)
    assert "Inget sparades" in shown
    assert "Bara startupens egna representanter kan ändra dess profil." in shown
    assert _name(own_sessions, seeded) == PROFILE["name"] and _revisions(own_sessions) == []


def test_a_form_that_fails_after_its_answer_says_so_and_saves_nothing(
    running: tuple[InProcessApp, Seeded],
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, seeded = running
    runs: list[int] = []

    def broken(**kwargs: Any) -> startups.ProfileSave:
        runs.append(kwargs["startup_id"])
        raise RuntimeError("a bug in the save")

    monkeypatch.setattr(startups, "save_profile", broken)
    url = slack.new_response_url()
    status, answer = _send(app, _form(seeded, url, name="Never Saved AB"), url)
    assert (status, answer) == ("200", {})
    [told] = [call.args for call in slack.replies_to(url)]
    assert "Tyvärr gick något fel hos oss och ingenting ändrades" in told["text"]
    assert runs == [seeded.startup_id]  # handled once, not tried again
    assert _waiting(own_sessions) == 0
    with own_sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProfileRevisionRow)) == 0


def test_a_refusal_whose_response_url_slack_no_longer_takes_comes_as_a_direct_message(
    running: tuple[InProcessApp, Seeded],
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
) -> None:
    app, seeded = running
    _no_longer_representative(own_sessions)
    slack.fail_next("response_url", "expired_url", status=404)  # the form was open too long
    url = slack.new_response_url()
    status, answer = _send(app, _form(seeded, url, name="Late AB"), url)
    assert (status, answer) == ("200", {})
    [refused] = slack.replies_to(url)
    assert refused.status == 404
    [dm] = [c.args for c in slack.calls_to("chat.postMessage") if c.succeeded]
    assert dm["channel"] == REPRESENTATIVE and "Inget sparades" in json.dumps(
        dm, ensure_ascii=False
    )


def _step_form(
    seeded: Seeded, response_url: str, view_id: str, area: str, user_id: str = MANAGER
) -> str:
    """The assessment's first step answered in its form, as Slack sends it when saved; the
    form opened when the assessment was seeded (at version 1, its first step)."""
    metadata = {
        "assessment": seeded.button_assessment,
        "step": State.AREA.value,
        "version": 1,
        "response_url": response_url,
    }
    return payloads.view_submission(
        user_id=user_id,
        callback_id=STEP_CALLBACK,
        values={"area": {"area": payloads.plain_value(area)}},
        private_metadata=json.dumps(metadata),
        view_id=view_id,
        hash=f"{view_id}.hash",
    )


def _step_answers(sessions: sessionmaker[Session], seeded: Seeded) -> list[str]:
    with sessions() as session:
        rows = session.scalars(
            select(AnswerRow).where(AnswerRow.assessment_id == seeded.button_assessment)
        )
        return [str(row.fields.get("area")) for row in rows]


def test_a_step_form_closes_at_once_and_a_second_one_for_the_same_step_reads_nothing_saved(
    running: tuple[InProcessApp, Seeded],
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
) -> None:
    app, seeded = running
    with own_sessions.begin() as session:
        assessment = session.get_one(AssessmentRow, seeded.button_assessment)
        assert assessment.version == 1
        organisation_id = session.get_one(FocusAreaRow, assessment.focus_area_id).organisation_id
        session.add(
            MemberRow(organisation_id=organisation_id, user_id=BUYER, role="buyer", added_by=BUYER)
        )
    first_url, second_url = slack.new_response_url(), slack.new_response_url()
    # Two members opened the same step's form; both save. The first closes and is recorded.
    status, answer = _send(app, _step_form(seeded, first_url, "VSTEP00001", HOSTILE), first_url)
    assert (status, answer) == ("200", {})
    assert _step_answers(own_sessions, seeded) == [HOSTILE]
    assert slack.replies_to(first_url) == []  # the thread is told, not the person alone
    # The second closes too (nothing its fields could be refused for), then reads that the
    # step had moved on and nothing of it was saved.
    later = _step_form(seeded, second_url, "VSTEP00002", "Later", user_id=BUYER)
    status, answer = _send(app, later, second_url)
    assert (status, answer) == ("200", {})
    [told] = [call.args for call in slack.replies_to(second_url)]
    assert told["text"].startswith("Inget sparades: Någon annan svarade på steg 1 av 6")
    assert _step_answers(own_sessions, seeded) == [HOSTILE]
    assert _waiting(own_sessions) == 0


def test_a_step_form_with_its_first_field_empty_stays_open_with_the_error(
    running: tuple[InProcessApp, Seeded],
    own_sessions: sessionmaker[Session],
    slack: FakeSlack,
) -> None:
    app, seeded = running
    url = slack.new_response_url()
    status, answer = _send(app, _step_form(seeded, url, "VSTEP00003", "   "), url)
    assert status == "200" and answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["area"]
    assert _step_answers(own_sessions, seeded) == [] and _waiting(own_sessions) == 0


def test_only_step_forms_the_fields_alone_can_judge_are_answered_first() -> None:
    def payload(step: State, values: dict[str, Any]) -> dict[str, Any]:
        body = payloads.view_submission(
            user_id=MANAGER,
            callback_id=STEP_CALLBACK,
            values=values,
            private_metadata=json.dumps({"assessment": 1, "step": step.value, "version": 3}),
        )
        loaded: dict[str, Any] = json.loads(form_fields(body.encode())["payload"])
        return loaded

    answered = {"area": {"area": payloads.plain_value("Elderly care at home")}}
    assert step_needs_no_database(payload(State.AREA, answered))
    assert not step_needs_no_database(payload(State.AREA, {}))  # its error shows in the form
    # Whether the owner is in the project group, only the database can tell.
    owner = {"owner": {"owner": {"type": "users_select", "selected_user": MANAGER}}}
    assert not step_needs_no_database(payload(State.OWNER, owner))
