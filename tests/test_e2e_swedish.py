"""End to end in Swedish: a full needs assessment, joining, pitching and review, with no
English sentence left; and notifications in each recipient's language. On SQLite and
PostgreSQL.

Each person gets Swedish a different way: a Slack locale of sv-SE, the organisation's
default (Slack speaks German to them, which Matchday does not), or `/matchday language sv`.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import translations
from bot.catalogue import TEMPLATE
from bot.translations import forms
from sandbox import payloads
from sandbox.slack_api import FakeSlack
from storage.models import ApplicationRow, AssessmentRow, PitchRow
from tests.e2e import ADMIN, Response, Workspace
from tests.test_e2e_programme import add_member, org_id, setup_org

SV_PM = "USVPM00001"  # Slack locale sv-SE
SV_BUYER = "USVBUY0001"  # Slack speaks German: the organisation's Swedish applies
SV_TECH = "USVTECH001"  # Slack in English, but chose Swedish with /matchday language sv
SV_REP = "USVREP0001"  # a startup's representative, Slack locale sv-SE
SURFACES = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "views.open",
    "views.update",
    "views.push",
    "views.publish",
    "response_url",
)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_COMMAND = re.compile(r"`/matchday[^`]*`")


def swedish_people(fake: FakeSlack) -> None:
    fake.add_user(SV_PM, "projektledare", locale="sv-SE")
    fake.add_user(SV_BUYER, "bestallare", locale="de-DE")
    fake.add_user(SV_TECH, "produktansvarig", locale="en-US")
    fake.add_user(SV_REP, "startup.sv", locale="sv-SE")
    # The Swedish project group sits in the organisation's private channel (instead of the
    # English one), so that the group's pitches are shown there in full.
    fake.change_channel(
        "C0ORG", join=[SV_PM, SV_BUYER, SV_TECH], leave=["UPM0000001", "UBUYER0001"]
    )


class Recording:
    """Keeps every answer the app gave in its acknowledgements."""

    def __init__(self, ws: Workspace) -> None:
        self.acks: list[Any] = []
        original = ws._post

        def post(*args: Any, **kwargs: Any) -> Response:
            response = original(*args, **kwargs)
            self.acks.append(response.json() if response.body.strip() else {})
            return response

        ws._post = post  # type: ignore[method-assign]


@cache
def english_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """A pattern for every English message that differs from its Swedish translation and
    could not be mistaken for Swedish text."""
    swedish = translations.read(translations.PO, "sv")
    swedish_texts = []
    for message in swedish:
        if message.id:
            swedish_texts += [_PLACEHOLDER.sub(" ", text) for text in forms(message.string)]
    patterns = []
    for message in translations.read(TEMPLATE):
        if not message.id:
            continue
        ids = forms(message.id)
        translated = swedish.get(ids[0])
        assert translated is not None, f"no Swedish for {ids[0]!r}"
        same = forms(translated.string)
        for english in ids:
            literal = _PLACEHOLDER.sub("", english)
            if english in same or not re.search(r"[A-Za-z]{2,}", literal):
                continue  # the same in both languages, or nothing English in it
            body = ".*?".join(re.escape(part) for part in _PLACEHOLDER.split(english))
            pattern = re.compile(rf"(?<![\w]){body}(?![\w])", re.S)
            if any(pattern.search(text) for text in swedish_texts):
                continue  # a word Swedish uses too ("Pitch", in "Pitch från ...")
            patterns.append((english, pattern))
    return tuple(patterns)


def texts_in(payload: Any) -> list[str]:
    """Every text a person reads in a payload: text objects, fallbacks and field errors."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif key == "errors" and isinstance(value, dict):
                found += [text for text in value.values() if isinstance(text, str)]
            else:
                found += texts_in(value)
    elif isinstance(payload, list):
        for item in payload:
            found += texts_in(item)
    return found


def sent_texts(fake: FakeSlack, acks: list[Any]) -> set[str]:
    """Every text the app showed: in its acknowledgements and through the Web API."""
    texts = [text for ack in acks for text in texts_in(ack)]
    for method in SURFACES:
        for call in fake.calls_to(method):
            texts += texts_in(call.args)
    return set(texts)


def english_left(texts: set[str]) -> list[tuple[str, str]]:
    """(message, text) for every English catalogue message found in these texts."""
    left = []
    for text in texts:
        # Commands are code, the same in every language (`/matchday questions`).
        text = _COMMAND.sub("", text)
        for english, pattern in english_patterns():
            if pattern.search(text):
                left.append((english, text[:200]))
    return left


def assessment_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalars(select(AssessmentRow.id)).one())


def test_a_full_assessment_and_pitch_in_swedish_leave_no_english(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    swedish_people(ws.fake)
    seen = Recording(ws)
    # First contact: opening the app's Home lets Matchday learn each person's Slack locale
    # after the acknowledgement (it never asks Slack before answering).
    for person in (SV_PM, SV_REP):
        ws.event(payloads.app_home_opened_event(person))
        home = ws._wait("views.publish", lambda c, p=person: c.args["user_id"] == p, 5)
        assert "Välkommen" in json.dumps(home.args, ensure_ascii=False)

    assert "Matchday talar nu svenska" in json.dumps(
        ws.command(ADMIN, "C0ORG", "language sv").json(), ensure_ascii=False
    )
    ws.command(SV_TECH, "C0ORG", "language sv")
    setup_org(ws, language=None)
    ws.wait_response("Den här kanalen är nu kopplad till *Södertälje kommun*")
    organisation = org_id(sessions)
    for person, role in ((SV_PM, "project_manager"), (SV_BUYER, "buyer"), (SV_TECH, "other")):
        assert add_member(ws, organisation, person, role).json() == {}
    ws.wait_response(f"<@{SV_TECH}> har lagts till som Annan")
    help_text = json.dumps(ws.command(SV_BUYER, "C0ORG", "help").json(), ensure_ascii=False)
    assert "lista vad du kan göra" in help_text
    assert "Det följer din organisations språk" in json.dumps(
        ws.command(SV_BUYER, "C0ORG", "language").json(), ensure_ascii=False
    )

    # The needs assessment, by replies and a form.
    ws.click(SV_PM, "area_add", str(organisation))
    area = ws.opened_modal("area_add")
    assert area["title"]["text"] == "Lägg till fokusområde"
    answer = ws.submit(
        SV_PM,
        area,
        {
            "title": {"value": payloads.plain_value("Äldreomsorg i hemmet")},
            "why": {"value": payloads.plain_value("Invånarna väntar för länge.")},
        },
    )
    assert answer.json() == {}
    ws.wait_response("*Äldreomsorg i hemmet* har lagts till")
    assert "i en tråd" in json.dumps(
        ws.command(SV_PM, "C0ORG", "assess").json(), ensure_ascii=False
    )
    root = ws.wait_post("C0ORG", "Behovsanalys: *Äldreomsorg i hemmet*")
    thread = str(root.response["ts"])
    ws.wait_post("C0ORG", "Steg 1 av 6")
    ws.reply(SV_PM, "C0ORG", thread, "Äldreomsorg i hemmet, antalet över 80 fördubblas")
    ws.wait_post("C0ORG", "Steg 2 av 6")
    ws.reply(SV_BUYER, "C0ORG", thread, "Fallolyckor i hemmet drabbar invånare och personal")
    ws.wait_post("C0ORG", "Steg 3 av 6")
    ws.click(SV_TECH, "assess_skip", f"{assessment_id(sessions)}:today")
    ws.wait_post("C0ORG", "hoppade över steg 3 av 6")
    ws.reply(SV_TECH, "C0ORG", thread, "Tjugo procent färre akutbesök, mätt varje månad")
    ws.wait_post("C0ORG", "Steg 5 av 6")
    ws.click(SV_BUYER, "assess_form", f"{assessment_id(sessions)}:constraints")
    form = ws.opened_modal("assess_answer")
    assert form["title"]["text"] == "Steg 5 av 6"
    constraints = {
        "constraints": {"value": payloads.plain_value("LOU gäller; data stannar inom EU")},
        "budget": {"value": payloads.plain_value("200–500 tkr")},
        "timeline": {"value": payloads.plain_value("Pilot under våren")},
        "data": {"value": payloads.plain_value("Hälsodata: konsekvensbedömning krävs")},
        "route": {"value": payloads.static_value("innovation_partnership")},
    }
    assert ws.submit(SV_BUYER, form, constraints).json() == {}
    ws.wait_post("C0ORG", "Steg 6 av 6")
    ws.reply(SV_PM, "C0ORG", thread, "Ingen nämnd här")
    ws.wait_ephemeral(SV_PM, "Nämn den ansvariga")
    ws.reply(SV_PM, "C0ORG", thread, f"<@{SV_BUYER}> ansvarar")
    summary = ws.wait_post("C0ORG", "Sammanfattning: Äldreomsorg i hemmet")
    assert "Innovationspartnerskap" in json.dumps(summary.args, ensure_ascii=False)

    ws.click(SV_PM, "assess_publish", str(assessment_id(sessions)))
    publish = ws.opened_modal("opportunity_publish")
    deadline = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    published = {
        "title": {"value": payloads.plain_value("Färre fallolyckor i hemmet")},
        "description": {"value": payloads.plain_value("Vi söker sätt att förebygga fall.")},
        "deadline": {"value": payloads.date_value(deadline)},
        "contact_role": {"value": payloads.static_value("project_manager")},
    }
    assert ws.submit(SV_PM, publish, published).json() == {}
    card = ws.wait_post("C0OPPS", "Färre fallolyckor i hemmet")
    assert "Pitcha" in json.dumps(card.args, ensure_ascii=False)
    ws.wait_post("C0ORG", "*Färre fallolyckor i hemmet* har publicerats")

    # The startup joins, approved by the admin, and pitches.
    ws.command(SV_REP, "D0SVREP", "join startup")
    application = ws.opened_modal("join_startup")
    company = {
        "name": "Fallskydd AB",
        "org_number": "556016-0680",
        "website": "https://fallskydd.example",
        "sector": "Hälsoteknik",
        "description": "Sensorer som förebygger fall",
        "contact": "Sara Svensson, sara@fallskydd.example",
    }
    values = {key: {"value": payloads.plain_value(value)} for key, value in company.items()}
    wrong = ws.submit(
        SV_REP, application, {**values, "website": {"value": payloads.plain_value("x")}}
    )
    assert "Ange en webbadress" in wrong.json()["errors"]["website"]
    assert ws.submit(SV_REP, application, values).json() == {}
    ws.wait_post(SV_REP, "har skickats till programadministratörerna")
    ws.wait_post(ADMIN, "Ansökan från startup: Fallskydd AB")
    with sessions() as session:
        application_id = session.scalars(select(ApplicationRow.id)).one()
    ws.click(ADMIN, "join_approve", str(application_id))
    ws.wait_post(SV_REP, "Goda nyheter")

    listing = json.dumps(ws.command(SV_REP, "D0SVREP", "opportunities").json(), ensure_ascii=False)
    assert "Färre fallolyckor i hemmet" in listing
    opportunity_id = next(
        element["value"]
        for block in card.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "pitch_open"
    )
    ws.click(SV_REP, "pitch_open", opportunity_id)
    pitch_form = ws.opened_modal("pitch_submit")
    pitch = {
        "solution": {"value": payloads.plain_value("Golvsensorer som larmar vid fall")},
        "fit": {"value": payloads.plain_value("Färre fall och snabbare hjälp")},
        "references": {"value": payloads.plain_value("")},
        "pilot": {"value": payloads.plain_value("Tio hem, tre månader, 150 tkr")},
        "link": {"value": payloads.plain_value("https://fallskydd.example/pilot")},
    }
    assert ws.submit(SV_REP, pitch_form, pitch).json() == {}
    ws.wait_post(SV_REP, "Er pitch för *Färre fallolyckor i hemmet* har skickats")
    ws.wait_post("C0ORG", "Pitch från Fallskydd AB")
    with sessions() as session:
        pitch_id = str(session.scalars(select(PitchRow.id)).one())

    # The project group reviews: shortlist, ask, and the answer comes back.
    ws.click(SV_BUYER, "pitch_shortlist", pitch_id)
    ws.wait_post(SV_REP, "Goda nyheter: er pitch")
    ws.click(SV_PM, "pitch_ask", pitch_id)
    ask = ws.opened_modal("pitch_ask")
    question_text = "Lagras datan i Sverige?"
    assert (
        ws.submit(SV_PM, ask, {"question": {"value": payloads.plain_value(question_text)}}).json()
        == {}
    )
    question = ws.wait_post(SV_REP, "Projektgruppen har en fråga")
    question_id = next(
        element["value"]
        for block in question.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    )
    ws.click(SV_REP, "pitch_answer", question_id)
    reply = ws.opened_modal("pitch_answer")
    answer_values = {"answer": {"value": payloads.plain_value("Ja, i Stockholm.")}}
    assert ws.submit(SV_REP, reply, answer_values).json() == {}
    ws.wait_post("C0ORG", "Ja, i Stockholm.")

    for person, channel, command in (
        (SV_PM, "C0ORG", "pitches"),
        (SV_PM, "C0ORG", "areas"),
        (SV_TECH, "C0ORG", "team"),
        (SV_REP, "D0SVREP", "pitches"),
        (SV_REP, "D0SVREP", "help"),
        (SV_REP, "D0SVREP", "resources"),
        (SV_REP, "D0SVREP", "matchdays"),
        (SV_REP, "D0SVREP", "join"),
    ):
        assert ws.command(person, channel, command).status == 200
    ws.event(payloads.app_home_opened_event(SV_PM))
    ws.fake.wait_for("views.publish", lambda c: c.args["user_id"] == SV_PM)

    texts = sent_texts(ws.fake, seen.acks)
    assert len(texts) > 150  # the whole flow was seen, not a corner of it
    assert english_left({"Step 1 of 6"}) == [("Step {n} of {total}", "Step 1 of 6")]
    left = english_left(texts)
    assert left == [], "\n".join(f"{english!r} in {text!r}" for english, text in left[:20])


def test_notifications_are_written_in_each_recipients_language(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    swedish_people(ws.fake)
    ws.command(SV_REP, "D0SVREP", "join startup")
    view = ws.opened_modal("join_startup")
    company = {
        "name": "Fallskydd AB",
        "org_number": "556016-0680",
        "website": "https://fallskydd.example",
        "sector": "Hälsoteknik",
        "description": "Sensorer som förebygger fall",
        "contact": "Sara Svensson",
    }
    values = {key: {"value": payloads.plain_value(value)} for key, value in company.items()}
    assert ws.submit(SV_REP, view, values).json() == {}
    ws.wait_post(SV_REP, "har skickats till programadministratörerna")  # Swedish applicant
    card = ws.wait_post(ADMIN, "Startup application: Fallskydd AB")  # English admin
    assert "Approve" in json.dumps(card.args)
    with sessions() as session:
        application_id = session.scalars(select(ApplicationRow.id)).one()
    ws.click(ADMIN, "join_reject", str(application_id))
    form = ws.opened_modal("join_reject")
    assert form["title"]["text"] == "Reject application"
    reason = {"reason": {"value": payloads.plain_value("Programmet gäller vårdföretag.")}}
    assert ws.submit(ADMIN, form, reason).json() == {}
    told = ws.wait_post(
        SV_REP, "har inte godkänts den här gången"
    )  # Swedish, from an English admin
    assert "Programadministratörernas skäl: Programmet gäller vårdföretag." in told.args["text"]


def test_people_and_organisations_change_their_language(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    swedish_people(ws.fake)
    setup_org(ws, language=None)
    organisation = org_id(sessions)
    add_member(ws, organisation, SV_PM, "project_manager")
    add_member(ws, organisation, SV_BUYER, "buyer")
    ws.wait_response(f"<@{SV_BUYER}>")

    def said(person: str, text: str) -> str:
        return json.dumps(ws.command(person, "C0ORG", text).json(), ensure_ascii=False)

    # Slack is never asked before an acknowledgement: a person's first request is answered
    # in their organisation's language while their Slack locale is fetched after the ack.
    deadline = time.monotonic() + 10
    while "följer ditt språk i Slack (sv-SE)" not in said(SV_PM, "language"):
        assert time.monotonic() < deadline, "the Slack locale was never used"
        time.sleep(0.2)
    assert "Matchday now speaks English with you" in said(SV_PM, "language en")
    assert "list what you can do" in said(SV_PM, "help")
    assert "talar svenska med dig" in said(SV_PM, "language auto")
    assert "Använd `/matchday language sv`" in said(SV_PM, "language klingon")

    # The organisation's default: the buyer's Slack speaks German, so it applies.
    assert "lista vad du kan göra" in said(SV_BUYER, "help")
    assert "Bara programadministratörer och gruppens projektledare" in said(
        SV_BUYER, "language organisation en"
    )
    assert "Klart: *Södertälje kommun* använder nu engelska som standard" in said(
        SV_PM, "language organisation en"
    )
    assert "list what you can do" in said(SV_BUYER, "help")
    unlinked = json.dumps(ws.command(ADMIN, "C0REGION", "language organisation sv").json())
    assert "not linked to an organisation" in unlinked
