"""End to end: who may read a pitch, role by role and surface by surface, with 0 leaks.

One programme and one pitch whose solution holds a unique secret. Every role (admin,
project manager, another group member, the pitching startup, another startup, a
multi-channel guest, a Slack Connect user, a non-member, and a member of another
organisation's group) then tries every surface: the commands typed in the group channel and
in a DM, *Open pitch* and the other pitch buttons with the pitch's id, *My Matchday*, App
Home and every export. What the fake Slack received is sorted by who can read it:

- channel messages: every message in (and every post or update to) a channel the person is
  a member of while they are, history included (Slack shows a private channel's history to
  whoever joins it);
- DMs: the person's DM with the app;
- App Home: views published for the person;
- modals: views opened or pushed with the person's trigger ids, and updates of those views;
- exports: files shared into the person's DM;
- answers and refusals: the HTTP answers to the person's requests, their response URLs and
  ephemeral messages to them.

An outsider sits in the group channel while the pitch arrives (the short card), and after
they have left and the card shows the pitch again, a guest joins the channel for a while.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sandbox import payloads
from sandbox.slack_api import FakeSlack
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_channel_safety import _joined, _left, _pitch, _quiet
from tests.test_e2e_pitches import REP2, programme, send_pitch
from tests.test_e2e_programme import BUYER, NOBODY, OTHER, PM, REP

SECRET = "MATRIX-SECRET-7f3a9c"  # only in the pitch's solution text
GUEST, EXTERNAL = "UGUEST0001", "UCONNECT01"

ROLES = {
    "admin": ADMIN,
    "project manager": PM,
    "other group member": BUYER,
    "pitching startup": REP,
    "another startup": REP2,
    "multi-channel guest": GUEST,
    "external (Slack Connect)": EXTERNAL,
    "non-member": NOBODY,
    "another organisation's group": OTHER,
}
ALLOWED = {ADMIN, PM, BUYER, REP}
SURFACES = ("channel messages", "DMs", "App Home", "modals", "exports", "answers and refusals")
# Where each allowed role must find the pitch (the rest may or may not show it).
MUST_SEE = {
    ADMIN: {"channel messages", "modals", "exports"},
    PM: {"channel messages", "modals", "exports"},
    BUYER: {"channel messages", "modals", "exports"},
    REP: {"DMs", "modals", "exports"},
}
EXPORTS = ("pitches", "opportunities", "meetings", "pilots")


class Sightings:
    """What each person could read, by surface, from what the fake Slack received."""

    def __init__(self, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fake = fake
        self.seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.acting = ""  # whose request is being sent now
        self.triggers: dict[str, str] = {}
        self.response_urls: dict[str, str] = {}
        self.answers: dict[str, list[str]] = defaultdict(list)  # response URL id -> bodies
        self._absorbed = 0
        issue_trigger, new_url, respond = (
            fake.issue_trigger_id,
            fake.new_response_url,
            fake._response_url,
        )

        def trigger() -> str:
            value = issue_trigger()
            self.triggers[value] = self.acting
            return value

        def response_url(channel: str | None = None, message_ts: str | None = None) -> str:
            url = new_url(channel, message_ts)
            self.response_urls[url.rsplit("/", 1)[1]] = self.acting
            return url

        def answered(url_id: str, headers: dict[str, str], body: bytes) -> Any:
            self.answers[url_id].append(body.decode("utf-8", errors="replace"))
            return respond(url_id, headers, body)

        monkeypatch.setattr(fake, "issue_trigger_id", trigger)
        monkeypatch.setattr(fake, "new_response_url", response_url)
        monkeypatch.setattr(fake, "_response_url", answered)

    def add(self, person: str, surface: str, text: str) -> None:
        self.seen[person][surface].append(text)

    def absorb(self) -> None:
        """Read the channels and DMs as their members can now, and the calls since last time.

        Call it before anyone joins or leaves a channel: the calls since the last time went to
        the channels' members of that time.
        """
        fake = self.fake
        calls = fake.calls
        fresh, self._absorbed = calls[self._absorbed :], len(calls)
        channels = dict(fake.workspace.channels)
        for person in ROLES.values():
            for channel in channels.values():
                if person not in channel.members:
                    continue
                surface = "DMs" if channel.is_im else "channel messages"
                for message in fake.messages(channel.id):
                    self.add(person, surface, json.dumps(message, ensure_ascii=False))
                for call in fresh:
                    if call.method in ("chat.postMessage", "chat.update") and call.args.get(
                        "channel"
                    ) in (channel.id, person if channel.is_im else None):
                        self.add(person, surface, json.dumps(call.args, ensure_ascii=False))

    def collect(self) -> None:
        """Everything addressed to one person: views, files, answers, ephemeral messages."""
        fake = self.fake
        views: dict[str, str] = {}  # view id -> whose
        for call in fake.calls:
            args = call.args
            text = json.dumps(args, ensure_ascii=False)
            if call.method == "views.publish":
                self.add(str(args.get("user_id")), "App Home", text)
            elif call.method in ("views.open", "views.push"):
                person = self.triggers.get(str(args.get("trigger_id")), "?")
                self.add(person, "modals", text)
                view = call.response.get("view")
                if isinstance(view, dict):
                    views[str(view.get("id"))] = person
            elif call.method == "views.update":
                self.add(views.get(str(args.get("view_id")), "?"), "modals", text)
            elif call.method == "chat.postEphemeral":
                self.add(str(args.get("user")), "answers and refusals", text)
            elif call.method in ("chat.postMessage", "chat.update") and str(
                args.get("channel", "")
            ).startswith("U"):
                self.add(str(args["channel"]), "DMs", text)
        for url_id, bodies in self.answers.items():
            for body in bodies:
                self.add(self.response_urls.get(url_id, "?"), "answers and refusals", body)
        dms = {c.id: c.im_user for c in fake.workspace.channels.values() if c.is_im}
        for upload in fake.files.values():
            for channel in upload.channels:
                reader = dms.get(channel) or channel
                content = (upload.content or b"").decode("utf-8-sig", errors="replace")
                self.add(reader, "exports", f"{upload.title} {content}")

    def shows(self, person: str, surface: str) -> bool:
        return any(SECRET in text for text in self.seen[person][surface])


def _everyone_tries_everything(
    ws: Workspace, sight: Sightings, pitch: int, opportunity: int
) -> None:
    for person in ROLES.values():
        sight.acting = person
        dm = "D" + person[1:]
        answers = [
            ws.command(person, "C0ORG", "pitches"),
            ws.command(person, dm, "pitches"),
            ws.command(person, dm, "opportunities"),
            *(ws.command(person, dm, f"export {kind}") for kind in EXPORTS),
            ws.click(person, "pitch_view", str(pitch)),
            ws.click(person, "pitch_view", str(pitch), response_url=None),
            ws.click(person, "pitch_ask", str(pitch)),
            ws.click(person, "pitch_open", str(opportunity)),
            ws.click(person, "matchday_menu"),
            ws.event(payloads.app_home_opened_event(person)),
        ]
        for answer in answers:
            assert answer.status == 200
            sight.add(person, "answers and refusals", answer.body.decode("utf-8", "replace"))
        sight.acting = ""


def _files_for(ws: Workspace, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(1 for u in ws.fake.files.values() if u.completed) < count:
        assert time.monotonic() < deadline, "the exports did not all arrive"
        time.sleep(0.05)


def test_who_sees_a_pitch_role_by_role_surface_by_surface(
    workspace: Workspace,
    slack: FakeSlack,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    ws = workspace
    slack.add_user(GUEST, "multi.guest", guest="multi")
    slack.add_user(EXTERNAL, "connect.rep", team_id="T0STARTUP")
    slack.change_channel("C0OPPS", join=[GUEST, EXTERNAL])
    sight = Sightings(slack, monkeypatch)
    opportunity = programme(ws, sessions)

    # The pitch arrives while an outsider sits in the group channel: the short card.
    sight.absorb()
    _joined(ws, NOBODY)
    ws.wait_post(PM, f"<@{NOBODY}> is in <#C0ORG>")
    send_pitch(ws, REP, opportunity, SECRET)
    ws.wait_post(REP, "was sent")
    card = ws.wait_post("C0ORG", "Pitch from Acme")
    assert SECRET not in json.dumps(card.args)
    pitch = _pitch(sessions)
    _everyone_tries_everything(ws, sight, pitch, opportunity)
    _quiet(slack)

    # The outsider leaves; the next refresh of the card shows the pitch to the group again.
    sight.absorb()
    _left(ws, NOBODY)
    sight.acting = PM
    ws.click(PM, "pitch_shortlist", str(pitch))
    sight.acting = ""
    ws._wait(
        "chat.update",
        lambda c: c.args.get("channel") == "C0ORG" and SECRET in json.dumps(c.args),
        10,
    )
    _quiet(slack, 0.5)

    # A guest joins the channel for a while: what can they read there, history included?
    sight.absorb()
    _joined(ws, GUEST)
    ws.wait_post(PM, f"<@{GUEST}> is in <#C0ORG>")
    ws._wait(  # the card already in the channel's history turns short
        "chat.update",
        lambda c: (
            c.args.get("channel") == "C0ORG" and "not in the project group" in json.dumps(c.args)
        ),
        10,
    )
    _everyone_tries_everything(ws, sight, pitch, opportunity)
    _files_for(ws, 1)
    _quiet(slack)
    sight.absorb()
    _left(ws, GUEST)
    _quiet(slack, 0.5)
    sight.absorb()
    sight.collect()

    matrix = {
        (role, surface): sight.shows(person, surface)
        for role, person in ROLES.items()
        for surface in SURFACES
    }
    print(f"\n{'role':32}" + "".join(f"{s[:14]:>16}" for s in SURFACES))
    for role in ROLES:
        print(f"{role:32}" + "".join(f"{matrix[role, s]!s:>16}" for s in SURFACES))
    print(f"runtime: {time.monotonic() - started:.1f} s")
    leaks = [
        f"{role} / {surface}: {next(t for t in sight.seen[person][surface] if SECRET in t)[:300]}"
        for role, person in ROLES.items()
        if person not in ALLOWED
        for surface in SURFACES
        if matrix[role, surface]
    ]
    assert leaks == [], "\n".join(leaks)
    missing = [
        f"{role} / {surface}"
        for role, person in ROLES.items()
        for surface in MUST_SEE.get(person, set())
        if not matrix[role, surface]
    ]
    assert missing == [], missing
    # Nothing went to anyone the test did not follow.
    assert not sight.seen["?"], list(sight.seen["?"])
