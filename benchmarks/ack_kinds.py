"""The seven kinds of request of the ack benchmark, the data they need, and their bodies.

Shared by benchmarks/ack_latency.py (over HTTP, against `matchday serve`), by
``python -m benchmarks.ack_latency --profile`` (in-process, under cProfile) and by
tests/test_request_cost.py (in-process, counting SQL statements).

The kinds, each a request Slack sends many times a day:

* ``help``: ``/matchday help`` from a person outside the programme;
* ``team``: ``/matchday team`` from a project manager in their group's channel;
* ``areas``: ``/matchday areas`` from the same person in the same channel;
* ``button``: the "Answer in a form" button of an assessment step (opens the form after
  the ack);
* ``modal``: a startup representative saves their company profile unchanged;
* ``thread``: a project-group member answers the current step by replying in the
  assessment's thread (each reply answers a step);
* ``ignored``: a reply in a thread a person started, which Matchday does not own.

A web process without a worker keeps the commands, the click and the thread reply in the
inbox and answers them empty (handlers/inbox.py); a command's reply then comes through its
response URL, which ``Kind.answered_right`` is given to check.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from sqlalchemy.orm import Session, sessionmaker

from benchmarks.slack_process import SlackStandIn
from bot.assessment import State
from bot.views.assessment import FORM_ACTION
from bot.views.profile import PROFILE_CALLBACK
from sandbox import payloads
from sandbox.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, signed_headers
from storage.models import (
    AssessmentRow,
    FocusAreaRow,
    MemberRow,
    OrganisationRow,
    RepresentativeRow,
    StartupRow,
)

ADMIN = "UBENCHADMIN1"
OUTSIDER = "UBENCHUSER01"  # in the workspace, not in the programme
MANAGER = "UBENCHPM0001"  # project manager of the bench organisation
REPRESENTATIVE = "UBENCHREP001"
HELP_CHANNEL = "CBENCHHELP"
ORG_CHANNEL = "CBENCHORG"
THREAD_CHANNEL = "CBENCHTHREADS"  # every seeded assessment thread is here
OTHER_CHANNEL = "CBENCHTALK"  # people's own threads
BUTTON_THREAD = "1700000000.000100"
PROFILE = {
    "name": "Bench Robotics AB",
    "org_number": "556016-0680",
    "website": "https://bench.example",
    "sector": "Robotics",
    "stage": "prototype",
    "about": "Robots that count benches.",
    "contacts": "bench@example.org",
}
REPLIES_PER_THREAD = 5  # steps 1-5 take free text; the sixth wants an @-mention


@dataclass(frozen=True)
class Seeded:
    """What the requests refer to."""

    button_assessment: int
    startup_id: int
    threads: tuple[str, ...]  # thread ts of the assessments that take replies


def seed(sessions: sessionmaker[Session], threads: int = 150) -> Seeded:
    """An organisation with its group and five areas, a startup, and assessment threads.

    ``threads`` assessments wait at their first step, each in its own thread of
    THREAD_CHANNEL (one organisation per five of them, as an organisation works on five
    areas at most), so that ``threads * REPLIES_PER_THREAD`` replies each answer a step.
    """
    now = datetime.now(UTC)
    with sessions.begin() as session:
        organisation = _organisation(session, "Bench kommun", ORG_CHANNEL)
        session.add(
            MemberRow(
                organisation_id=organisation.id,
                user_id=MANAGER,
                role="project_manager",
                added_by=ADMIN,
            )
        )
        areas = []
        for n in range(5):
            area = FocusAreaRow(
                organisation_id=organisation.id,
                title=f"Area {n + 1}",
                why="Because.",
                created_by=ADMIN,
            )
            session.add(area)
            areas.append(area)
        session.flush()
        button = AssessmentRow(
            focus_area_id=areas[0].id,
            channel_id=ORG_CHANNEL,
            thread_ts=BUTTON_THREAD,
            state=State.AREA.value,
            started_by=MANAGER,
            last_activity_at=now,
        )
        session.add(button)
        startup = StartupRow(
            name=PROFILE["name"],
            org_number=PROFILE["org_number"],  # as stored: normalised
            website=PROFILE["website"],
            sector=PROFILE["sector"],
            description="",
            stage=PROFILE["stage"],
            about=PROFILE["about"],
            contacts=PROFILE["contacts"],
            created_by=ADMIN,
        )
        session.add(startup)
        session.flush()
        session.add(
            RepresentativeRow(startup_id=startup.id, user_id=REPRESENTATIVE, added_by=ADMIN)
        )
        thread_ts = []
        host: OrganisationRow | None = None
        for n in range(threads):
            if n % 5 == 0:
                host = _organisation(session, f"Bench region {n // 5}", f"CBENCHR{n // 5:04d}")
                session.add(
                    MemberRow(
                        organisation_id=host.id, user_id=MANAGER, role="buyer", added_by=ADMIN
                    )
                )
            assert host is not None
            area = FocusAreaRow(
                organisation_id=host.id, title=f"Thread area {n}", why="Because.", created_by=ADMIN
            )
            session.add(area)
            session.flush()
            ts = f"1700000001.{n:06d}"
            session.add(
                AssessmentRow(
                    focus_area_id=area.id,
                    channel_id=THREAD_CHANNEL,
                    thread_ts=ts,
                    state=State.AREA.value,
                    started_by=MANAGER,
                    last_activity_at=now,
                )
            )
            thread_ts.append(ts)
        session.flush()
        return Seeded(button.id, startup.id, tuple(thread_ts))


def _organisation(session: Session, name: str, channel: str) -> OrganisationRow:
    row = OrganisationRow(
        name=name,
        name_key=name.casefold(),
        kind="municipality",
        channel_id=channel,
        opportunities_channel_id="CBENCHOPPS",
        timezone="Europe/Stockholm",
        created_by=ADMIN,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Request:
    """A signed request as Slack sends it."""

    body: bytes
    headers: dict[str, str]
    response_url: str = ""  # a command's: where its reply comes when it is answered empty


def replied(fake: SlackStandIn, response_url: str) -> bytes:
    """What the app sent through one response URL, one JSON line per reply (b"": none)."""
    return b"\n".join(json.dumps(call.args).encode() for call in fake.replies_to(response_url))


Issue = Callable[[], str]  # a fresh trigger id or response URL (the fake's, or made up)


@dataclass(frozen=True)
class Kind:
    """One kind of request: how to make one, and how to tell its answer is right."""

    key: str
    label: str
    make: Callable[[RequestMaker], tuple[str, str]]  # (body, content type)
    needle: bytes  # what the answer (or a command's reply) must contain; b"": it is empty

    def answered_right(self, body: bytes, reply: bytes = b"") -> bool:
        """Whether an answer's body is the one this kind should get.

        A command kept in the inbox is answered empty and replies through its response URL
        a moment later (``reply``); Slack shows either the same way.
        """
        if not self.needle:
            return body.strip() == b""
        return self.needle in body or (body.strip() == b"" and self.needle in reply)


class RequestMaker:
    """Makes fresh, signed requests of every kind (thread-safe)."""

    def __init__(
        self,
        secret: str,
        seeded: Seeded,
        trigger_id: Issue = payloads.new_trigger_id,
        response_url: Issue | None = None,
    ) -> None:
        self.secret = secret
        self.seeded = seeded
        self.trigger_id = trigger_id
        self.response_url = response_url or (lambda: f"https://hooks.invalid/{uuid.uuid4().hex}")
        self._replies = itertools.count()
        self._lock = threading.Lock()

    def request(self, kind: Kind) -> Request:
        """A freshly signed request of this kind."""
        body, content_type = kind.make(self)
        data = body.encode()
        headers = signed_headers(self.secret, data, content_type=content_type)
        fields = parse_qs(body) if content_type == FORM_CONTENT_TYPE else {}
        return Request(data, headers, (fields.get("response_url") or [""])[0])

    def command(self, text: str, user: str, channel: str) -> tuple[str, str]:
        """A /matchday command."""
        body = payloads.slash_command(
            text=text,
            user_id=user,
            channel_id=channel,
            trigger_id=self.trigger_id(),
            response_url=self.response_url(),
        )
        return body, FORM_CONTENT_TYPE

    def button(self) -> tuple[str, str]:
        """The "Answer in a form" button of the first step."""
        body = payloads.block_actions(
            user_id=MANAGER,
            action_id=FORM_ACTION,
            value=f"{self.seeded.button_assessment}:{State.AREA.value}",
            channel_id=ORG_CHANNEL,
            message_ts=BUTTON_THREAD,
            trigger_id=self.trigger_id(),
            response_url=self.response_url(),
        )
        return body, FORM_CONTENT_TYPE

    def modal(self) -> tuple[str, str]:
        """The company profile, saved as it is."""
        values = {
            key: {key: payloads.static_value(value)}
            if key == "stage"
            else {key: payloads.plain_value(value)}
            for key, value in PROFILE.items()
        }
        body = payloads.view_submission(
            user_id=REPRESENTATIVE,
            callback_id=PROFILE_CALLBACK,
            values=values,
            # As bot.views.profile.profile_metadata writes it: the number the form showed.
            private_metadata=json.dumps(
                {
                    "startup": self.seeded.startup_id,
                    "number": PROFILE["org_number"],
                    "response_url": self.response_url(),
                }
            ),
            trigger_id=self.trigger_id(),
        )
        return body, FORM_CONTENT_TYPE

    def reply(self) -> tuple[str, str]:
        """The next answer in the seeded threads, round robin (each thread gets 5)."""
        with self._lock:
            n = next(self._replies)
        threads = self.seeded.threads
        thread = threads[n % len(threads)]
        event = payloads.message_event(
            MANAGER,
            THREAD_CHANNEL,
            f"Answer {n}: the need as the group sees it.",
            ts=f"{time.time():.6f}",
            thread_ts=thread,
        )
        return payloads.event_callback(event), JSON_CONTENT_TYPE

    def ignored(self) -> tuple[str, str]:
        """A reply in a thread a person started."""
        event = payloads.message_event(
            OUTSIDER,
            OTHER_CHANNEL,
            "Lunch at twelve?",
            thread_ts="1700000002.000001",
            parent_user_id=MANAGER,
        )
        return payloads.event_callback(event), JSON_CONTENT_TYPE


KINDS = (
    Kind(
        "help",
        "/matchday help",
        lambda m: m.command("help", OUTSIDER, HELP_CHANNEL),
        b"Matchday commands",
    ),
    Kind("team", "/matchday team", lambda m: m.command("team", MANAGER, ORG_CHANNEL), b"blocks"),
    Kind("areas", "/matchday areas", lambda m: m.command("areas", MANAGER, ORG_CHANNEL), b"Area 1"),
    Kind("button", "button click (answer form)", RequestMaker.button, b""),
    Kind("modal", "modal submission (profile unchanged)", RequestMaker.modal, b""),
    Kind("thread", "message in an assessment thread", RequestMaker.reply, b""),
    Kind("ignored", "message in a thread not Matchday's", RequestMaker.ignored, b""),
)
KIND_KEYS = tuple(kind.key for kind in KINDS)


def kind(key: str) -> Kind:
    """The kind of this key."""
    return next(found for found in KINDS if found.key == key)
