"""End to end: a startup marks trade secrets in its pitch (SQLite and PostgreSQL).

The marking (which sections, and why) shows on the group's card, in the startup's receipt
with what public access means, and in the pitches export; a tick without a reason is a field
error and nothing is saved; editing the pitch shows and keeps the marking.
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from sqlalchemy import select

from sandbox import payloads
from storage.models import PitchRow
from tests.e2e import Workspace
from tests.test_e2e_pitches import open_pitch_form, pitch_values, programme
from tests.test_e2e_programme import PM, REP

REASON = "Our <fall model> & price list are not public"
SHOWN_REASON = "Our &lt;fall model&gt; &amp; price list are not public"  # escaped once


def marked(sections: list[str], reason: str | None, solution: str = "Sensors") -> dict[str, Any]:
    """The pitch form's values with these sections ticked and this reason."""
    return {
        **pitch_values(solution),
        "secret_sections": {"value": payloads.checkboxes_value(sections)},
        "secret_reason": {"value": payloads.plain_value(reason)},
    }


def _export(ws: Workspace, user: str) -> list[dict[str, str]]:
    before = {key for key, upload in ws.fake.files.items() if upload.content}
    ws.command(user, f"D{user[1:]}", "export pitches")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fresh = [u for key, u in ws.fake.files.items() if u.content and key not in before]
        if fresh:
            text = (fresh[0].content or b"").decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))
        time.sleep(0.05)
    raise AssertionError("no export arrived")


def test_marked_sections_show_on_card_receipt_and_export(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    shown_form = json.dumps(view)
    assert "may become an official document" in shown_form
    assert "secret_sections" in shown_form

    # Ticked without a reason: a field error under the reason, and nothing saved.
    missing = ws.submit(REP, view, marked(["solution", "pilot"], "")).json()
    assert set(missing["errors"]) == {"secret_reason"}
    assert "whoever decides on secrecy" in missing["errors"]["secret_reason"]
    too_long = ws.submit(REP, view, marked(["solution"], "x" * 501)).json()
    assert "at most 500 characters" in too_long["errors"]["secret_reason"]
    with sessions() as session:
        assert session.scalars(select(PitchRow)).all() == []

    assert ws.submit(REP, view, marked(["pilot", "solution"], REASON)).json() == {}
    with sessions() as session:
        row = session.scalars(select(PitchRow)).one()
        assert (row.secret_sections, row.secret_reason) == (["solution", "pilot"], REASON)

    receipt = json.dumps(ws.wait_post(REP, "was sent").args, ensure_ascii=False)
    assert "may become an official document (allmän handling) that anyone can ask" in receipt
    assert "The organisation decides on secrecy when someone asks" in receipt
    assert "the marking and your reason are shown to whoever decides" in receipt
    assert "You marked these sections as trade secrets: Solution, Pilot" in receipt
    assert SHOWN_REASON in receipt
    assert "&amp;lt;" not in receipt

    card = json.dumps(ws.wait_post("C0ORG", "Pitch from Acme").args, ensure_ascii=False)
    assert "*Marked as trade secrets by the startup:* Solution, Pilot" in card
    assert f"*Why:* {SHOWN_REASON}" in card
    assert "&amp;lt;" not in card and "<fall model>" not in card

    exported = _export(ws, PM)
    assert [(r["secret_sections"], r["secret_reason"]) for r in exported] == [
        ("solution; pilot", REASON)
    ]


def test_editing_shows_and_keeps_the_marking(workspace: Workspace, sessions) -> None:
    ws = workspace
    opportunity = programme(ws, sessions)
    view = open_pitch_form(ws, REP, opportunity)
    assert ws.submit(REP, view, marked(["fit", "references"], REASON)).json() == {}
    ws.wait_post("C0ORG", "Pitch from Acme")

    edit = open_pitch_form(ws, REP, opportunity)
    blocks = {block.get("block_id"): block for block in edit["blocks"]}
    ticked = blocks["secret_sections"]["element"]["initial_options"]
    assert [option["value"] for option in ticked] == ["fit", "references"]
    assert blocks["secret_reason"]["element"]["initial_value"] == REASON

    # Slack sends the ticks and reason as shown; only the solution changed.
    kept = marked(["fit", "references"], REASON, solution="A better solution")
    assert ws.submit(REP, edit, kept).json() == {}
    ws.wait_post(REP, "was updated")
    refreshed = ws._wait("chat.update", lambda c: "A better solution" in json.dumps(c.args), 5)
    shown = json.dumps(refreshed.args, ensure_ascii=False)
    assert "*Marked as trade secrets by the startup:* How it meets the challenge, References" in (
        shown
    )
    with sessions() as session:
        row = session.scalars(select(PitchRow)).one()
        assert (row.solution, row.secret_sections, row.secret_reason) == (
            "A better solution",
            ["fit", "references"],
            REASON,
        )

    # A reason with nothing ticked is a field error too; unticking everything clears it.
    again = open_pitch_form(ws, REP, opportunity)
    assert set(ws.submit(REP, again, marked([], REASON)).json()["errors"]) == {"secret_sections"}
    assert ws.submit(REP, again, marked([], "")).json() == {}
    receipt = ws.wait_post(REP, "You marked no section as a trade secret")
    assert "may become an official document" in json.dumps(receipt.args, ensure_ascii=False)
    with sessions() as session:
        row = session.scalars(select(PitchRow)).one()
        assert (row.secret_sections, row.secret_reason) == ([], "")
