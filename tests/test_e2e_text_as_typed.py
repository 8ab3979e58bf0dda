"""End to end: whatever people type comes out as they typed it, on every surface that shows it.

Thread replies arrive escaped by Slack and are stored as typed; forms arrive as typed. Every
mrkdwn surface escapes once, every plain_text surface shows the text literally, mentions of
people and channels stay mentions, broadcasts never happen. Text that cannot be stored (too
long, control characters) gets a field error and nothing is saved.

Runs on SQLite and PostgreSQL against `matchday serve` and the fake Slack.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.text import escape
from sandbox import payloads
from storage.models import (
    AnswerRow,
    AssessmentRow,
    FocusAreaRow,
    MatchdayRow,
    OpportunityRow,
    PitchRow,
)
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_assessment import ready_group
from tests.test_e2e_matchdays import _matchday_id, _startup_id, define, form_values
from tests.test_e2e_pitches import REP2, open_pitch_form, pitch_values, programme, send_pitch
from tests.test_e2e_programme import BUYER, OTHER, PM, REP, TECH, org_id

# What a person types: markup characters, emoji (with a joiner), Arabic and Hebrew.
TYPED = "Fall & <risk> *bold* _it_ ~st~ `code` 👩‍⚕️ مرحبا بالعالم שלום"
# How Slack delivers that text in a message, followed by real mentions and broadcasts.
MENTIONS = " <@UBUYER0001> <#C0OPPS> <!channel> <!subteam^S1|@devs> <!subteam^S1>"
# ...and what Matchday keeps of those: mentions stay, broadcasts become plain words.
KEPT = " <@UBUYER0001> <#C0OPPS> @channel @devs @group"
# What a person types into a form: every hostile sequence, literally.
HOSTILE = "A & B <x> *b* _i_ ~s~ <@U0ABC> <#C0ABC> <!channel> <!subteam^S1> 👩‍⚕️ مرحبا שלום"
BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam")


def long_text(length: int) -> str:
    """``TYPED`` repeated to exactly ``length`` characters, without spaces at either end."""
    text = ((TYPED + " ") * (length // len(TYPED) + 1))[:length]
    return text[:-1] + "x" if text[-1] in " \u200d" else text


def texts(payload: Any) -> list[str]:
    """Every ``text`` string of a message or view, in order."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(texts(value))
    elif isinstance(payload, list):
        for item in payload:
            found.extend(texts(item))
    return found


def mrkdwn(payload: Any) -> list[str]:
    """Every text Slack formats (mrkdwn and message fallbacks); plain_text never pings."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                if payload.get("type") != "plain_text":
                    found.append(value)
            else:
                found.extend(mrkdwn(value))
    elif isinstance(payload, list):
        for item in payload:
            found.extend(mrkdwn(item))
    return found


def no_broadcast(payload: Any) -> None:
    for text in mrkdwn(payload):
        for broadcast in BROADCASTS:
            assert broadcast not in text
        assert "&amp;amp;" not in text and "&amp;lt;" not in text  # never escaped twice


def _assessment(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalars(select(AssessmentRow.id)).one())


def _answer(sessions: sessionmaker[Session], step: str) -> dict[str, Any]:
    with sessions() as session:
        row = session.scalars(select(AnswerRow).where(AnswerRow.step == step)).one()
        return dict(row.fields)


def test_answers_come_out_as_typed_in_summary_publish_form_and_card(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    organisation = ready_group(ws, sessions)
    title = "Care & <home> *safe*"
    ws.click(PM, "area_add", str(organisation))
    added = ws.submit(
        PM,
        ws.opened_modal("area_add"),
        {
            "title": {"value": payloads.plain_value(title)},
            "why": {"value": payloads.plain_value("Residents wait.")},
        },
    )
    assert added.json() == {}
    ws.command(PM, "C0ORG", "assess")
    root = ws.wait_post("C0ORG", "Needs assessment")
    thread = str(root.response["ts"])
    ws.wait_post("C0ORG", "Step 1 of 6")
    # The title inside the app's bold: escaped once, its own stars cannot end the bold.
    assert "Needs assessment: *Care &amp; &lt;home&gt; \u2217safe\u2217*" in root.args["text"]

    whole = long_text(5000)
    ws.reply(PM, "C0ORG", thread, escape(whole))  # Slack delivers it escaped
    ws.wait_post("C0ORG", "Step 2 of 6")
    ws.reply(BUYER, "C0ORG", thread, escape(TYPED) + MENTIONS)
    ws.wait_post("C0ORG", "Step 3 of 6")
    assessment = _assessment(sessions)
    ws.click(TECH, "assess_skip", f"{assessment}:today")
    ws.wait_post("C0ORG", "Step 4 of 6")
    ws.reply(PM, "C0ORG", thread, "Fewer falls &amp; fewer visits")
    ws.wait_post("C0ORG", "Step 5 of 6")
    ws.click(TECH, "assess_skip", f"{assessment}:constraints")
    ws.wait_post("C0ORG", "Step 6 of 6")
    ws.reply(PM, "C0ORG", thread, f"<@{BUYER}> owns it")
    summary = ws.wait_post("C0ORG", "Summary:")

    # Stored exactly as typed: unescaped once, mentions kept, broadcasts plain words.
    assert _answer(sessions, "area")["area"] == whole
    assert _answer(sessions, "challenge")["challenge"] == TYPED + KEPT
    assert _answer(sessions, "outcome")["outcome"] == "Fewer falls & fewer visits"

    # The summary: plain-text header literally, answers escaped once, mentions kept.
    blocks = summary.args["blocks"]
    heading = next(block["text"] for block in blocks if block["type"] == "header")
    assert (heading["type"], heading["text"]) == ("plain_text", f"Summary: {title}")
    shown = texts(blocks)
    assert any(escape(TYPED) + KEPT in text for text in shown)
    assert any("Fewer falls &amp; fewer visits" in text for text in shown)
    first = next(text for text in shown if text.startswith("*1."))
    assert escape(whole[:200]) in first
    assert "shown in full in the form" in first  # a long answer says where all of it is
    assert len(first) <= 3000
    no_broadcast(summary.args)

    # The publish form's pre-fill is plain text: the answer as typed, not escaped.
    ws.click(PM, "assess_publish", str(assessment))
    form = ws.opened_modal("opportunity_publish")
    prefill = next(
        block["element"]["initial_value"]
        for block in form["blocks"]
        if block.get("block_id") == "description"
    )
    assert f"Challenge: {TYPED + KEPT}" in prefill
    assert "Desired outcome: Fewer falls & fewer visits" in prefill
    card_title = "Falls & <homes> *safe* _now_ <!channel>"
    from datetime import UTC, datetime, timedelta

    deadline = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    published = ws.submit(
        PM,
        form,
        {
            "title": {"value": payloads.plain_value(card_title)},
            "description": {"value": payloads.plain_value(prefill)},
            "deadline": {"value": payloads.date_value(deadline)},
            "contact_role": {"value": payloads.static_value("project_manager")},
        },
    )
    assert published.json() == {}
    with sessions() as session:
        stored = session.scalars(select(OpportunityRow)).one()
        assert (stored.title, stored.description) == (card_title, prefill)

    # The public card: the title literally in a header, the description escaped once.
    card = ws.wait_post("C0OPPS", "New opportunity")
    assert card.args["blocks"][0]["text"]["text"] == card_title
    assert escape(card_title) in card.args["text"]  # the fallback is mrkdwn: escaped once
    card_texts = texts(card.args["blocks"])
    assert any(escape(TYPED) + KEPT in text for text in card_texts)
    assert any("Fewer falls &amp; fewer visits" in text for text in card_texts)
    no_broadcast(card.args)

    # The step's form shows the whole 5,000-character answer, in pieces, nothing cut.
    ws.click(PM, "assess_edit", f"{assessment}:area")
    ws.wait_post("C0ORG", "Step 1 of 6")
    ws.click(PM, "assess_form", f"{assessment}:area")
    step_form = ws.opened_modal("assess_answer")
    sections = [
        block["text"]["text"] for block in step_form["blocks"] if block["type"] == "section"
    ]
    start = next(i for i, text in enumerate(sections) if "current answer in full" in text)
    assert "".join(sections[start + 1 :]) == escape(whole)
    field = next(block for block in step_form["blocks"] if block.get("block_id") == "area")
    assert whole.startswith(field["element"]["initial_value"].rstrip("…"))


def test_pitch_text_and_reasons_come_out_as_typed(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    long_fit = long_text(3000)  # the most the form holds; escaped it is longer
    view = open_pitch_form(ws, REP, opportunity)
    values = pitch_values(HOSTILE)
    values["fit"] = {"value": payloads.plain_value(long_fit)}
    assert ws.submit(REP, view, values).json() == {}
    with sessions() as session:
        row = session.scalars(select(PitchRow)).one()
        assert (row.solution, row.fit) == (HOSTILE, long_fit)
        pitch = row.id

    card = ws.wait_post("C0ORG", "Pitch from Acme")
    assert any(escape(HOSTILE) in text for text in texts(card.args["blocks"]))
    no_broadcast(card.args)
    receipt = ws.wait_post(REP, "Your pitch for")
    assert any(escape(HOSTILE) in text for text in texts(receipt.args["blocks"]))
    no_broadcast(receipt.args)

    # The full pitch shows every character of the long field, escaped once.
    ws.click(BUYER, "pitch_view", str(pitch))
    full = ws.opened_modal("pitch_view")
    sections = [block["text"]["text"] for block in full["blocks"] if block["type"] == "section"]
    fit_start = next(i for i, text in enumerate(sections) if text.startswith("*How it meets"))
    fit_shown = sections[fit_start].split("\n", 1)[1] + "".join(
        text for text in sections[fit_start + 1 :] if not text.startswith("*")
    )
    assert fit_shown.startswith(escape(long_fit))

    # A decline reason reaches the startup escaped once, broadcasts neutralised.
    ws.click(BUYER, "pitch_decline", str(pitch))
    decline = ws.opened_modal("pitch_decline")
    reason_code = next(
        block["element"]["options"][0]["value"]
        for block in decline["blocks"]
        if block.get("block_id") == "reason_code"
    )
    answer = ws.submit(
        BUYER,
        decline,
        {
            "reason_code": {"value": payloads.static_value(reason_code)},
            "reason": {"value": payloads.plain_value(HOSTILE)},
        },
    )
    assert answer.json() == {}
    outcome = ws.wait_post(REP, "Thank you for your pitch")
    assert any(escape(HOSTILE) in text for text in texts(outcome.args["blocks"]))
    no_broadcast(outcome.args)


def test_an_admin_typed_place_never_broadcasts_in_the_agenda_changed_message(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    send_pitch(ws, REP, opportunity)
    send_pitch(ws, REP2, opportunity, solution="Beta's idea")
    ws.wait_post("C0ORG", "Pitch from Beta")
    with sessions() as session:
        ids = list(session.scalars(select(PitchRow.id).order_by(PitchRow.id)))
    for pitch in ids:
        ws.click(BUYER, "pitch_shortlist", str(pitch))
    ws.wait_post(REP2, "Good news")
    place = "Stadshuset & <aula> *B* <!channel> <!here> <@UADMIN00001> שלום"
    assert define(ws, place={"value": payloads.plain_value(place)}) == {}
    with sessions() as session:
        assert session.scalars(select(MatchdayRow.place)).one() == place
    matchday = _matchday_id(sessions)
    ws.click(ADMIN, "matchday_plan", matchday)
    ws.wait_response("Plan: 2 meetings", timeout=20)
    ws.click(ADMIN, "matchday_publish", matchday)
    agenda = ws.wait_post(REP, "the agenda of *Acme*")
    assert any(escape(place) in text for text in texts(agenda.args["blocks"]))
    no_broadcast(agenda.args)

    # One more meeting after publishing: the people it affects are told, place and all.
    ws.click(ADMIN, "matchday_request", matchday)
    request = ws.opened_modal("matchday_request")
    region = org_id(sessions, "C0REGION")
    beta = _startup_id(sessions, "Beta")
    assert (
        ws.submit(
            ADMIN,
            request,
            {
                "organisation": {"value": payloads.static_value(str(region))},
                "startup": {"value": payloads.static_value(str(beta))},
                "priority": {"value": payloads.static_value("must")},
            },
        ).json()
        == {}
    )
    ws.click(ADMIN, "matchday_plan", matchday)
    change = ws.wait_post(OTHER, "Your matchday agenda changed", timeout=20)
    assert any(escape(place) in text for text in texts(change.args["blocks"]))
    no_broadcast(change.args)


def submit_as_slack(
    ws: Workspace, user: str, view: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """Submit a modal as Slack does: with the view the app opened, its limits stated."""
    body = payloads.view_submission(user_id=user, view=view, values=values)
    answer: dict[str, Any] = ws._post(body, "application/x-www-form-urlencoded").json()
    return answer


def _refused(answer: dict[str, Any], block: str) -> str:
    errors = answer.get("errors") or {}
    assert block in errors, answer
    message = str(errors[block])
    for markup in ("<#", "<@", "`", "*"):
        assert markup not in message  # Slack shows field errors as plain text
    return message


def test_too_long_or_control_characters_get_a_field_error_and_nothing_is_saved(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    huge = "x" * 10_000

    # A pitch of 10,000 characters, or with a NUL byte: refused, nothing stored.
    view = open_pitch_form(ws, REP, opportunity)
    assert "10,000" in _refused(ws.submit(REP, view, pitch_values(huge)).json(), "solution")
    assert "characters" in _refused(
        ws.submit(REP, view, pitch_values("Sensors\x00 at home")).json(), "solution"
    )
    # The same form, as Slack returns it with the view: its stated max_length holds.
    link = pitch_values()
    link["link"] = {"value": payloads.plain_value("https://acme.example/" + "a" * 600)}
    assert "500" in _refused(submit_as_slack(ws, REP, view, link), "link")
    with sessions() as session:
        assert session.scalars(select(PitchRow)).all() == []

    # A focus area's title of 10,000 characters, and one with a NUL: refused.
    organisation = org_id(sessions)
    for bad in (huge, "Care\x00"):
        ws.click(PM, "area_add", str(organisation))
        form = ws.opened_modal("area_add")
        answer = ws.submit(
            PM,
            form,
            {
                "title": {"value": payloads.plain_value(bad)},
                "why": {"value": payloads.plain_value("Residents wait.")},
            },
        ).json()
        _refused(answer, "title")
    with sessions() as session:
        assert [row.title for row in session.scalars(select(FocusAreaRow))] == ["Falls"]

    # A matchday's title or place too long for storage: a field error, never a database error;
    # as Slack sends it (with the view and its stated limits) and as a forged payload would.
    ws.command(ADMIN, "C0ORG", "matchday new")
    new = ws.opened_modal("matchday_new")
    for block, bad, limit in (
        ("title", huge, "150"),
        ("place", huge, "500"),
        ("place", "Aula\x00", "characters"),
    ):
        values = form_values(**{block: {"value": payloads.plain_value(bad)}})
        assert limit in _refused(submit_as_slack(ws, ADMIN, new, values), block)
        assert _refused(ws.submit(ADMIN, new, values).json(), block)
    for block, limit in (("title", "150"), ("place", "500")):
        values = form_values(**{block: {"value": payloads.plain_value("y" * 600)}})
        assert limit in _refused(ws.submit(ADMIN, new, values).json(), block)
    with sessions() as session:
        assert session.scalars(select(MatchdayRow)).all() == []
    assert define(ws) == {}  # the same form, filled in properly, is accepted


def test_a_huge_pilot_time_zone_is_a_field_error(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    from datetime import date, timedelta

    from storage.models import PilotRow

    ws = workspace
    programme(ws, sessions)
    ws.fake.add_channel("C0PILOT", "pilot-fall-sensors", members=[ADMIN, PM, BUYER, REP])
    acme = _startup_id(sessions, "Acme")
    start = date.today() + timedelta(days=14)
    end = start + timedelta(days=90)
    values = {
        "title": {"value": payloads.plain_value("Fall sensors at home")},
        "goals": {"value": payloads.plain_value(f"{end.isoformat()} Twenty homes use them")},
        "start": {"value": payloads.date_value(start.isoformat())},
        "end": {"value": payloads.date_value(end.isoformat())},
        "channel": {"value": payloads.conversation_value("C0PILOT")},
        "organisation_people": {"value": payloads.users_value([PM])},
        "startup": {"value": payloads.static_value(str(acme))},
        "startup_people": {"value": payloads.users_value([REP])},
        "cadence": {"value": payloads.static_value("weekly")},
        "weekday": {"value": payloads.static_value("0")},
        "time": {"value": payloads.time_value("10:00")},
    }
    ws.command(PM, "C0ORG", "pilot new")
    form = ws.opened_modal("pilot_new")
    for zone in (
        "Europe/" + "x" * 10_000,  # once crashed the form's validation
        "Europe/" + "x" * 100,  # longer than the stored column
        "Europe/Stockholm\x00",
        "Nowhere/Atlantis",
    ):
        values["timezone"] = {"value": payloads.plain_value(zone)}
        _refused(ws.submit(PM, form, values).json(), "timezone")
    with sessions() as session:
        assert session.scalars(select(PilotRow)).all() == []
    values["timezone"] = {"value": payloads.plain_value("Europe/Stockholm")}
    assert ws.submit(PM, form, values).json() == {}
