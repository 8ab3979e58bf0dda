"""The demo workspace: its people and channels, and the app's side set up as people would.

Slack's side (people, channels) is written into the sandbox's workspace. The app's side is
never written into the app's tables: the admin types ``/matchday setup``, ``/matchday team``
and ``/matchday startup`` and fills in the forms, through the same requests the page sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.actions import Interactions, Outcome
from sandbox.blockkit import Raw
from sandbox.slack_state import JsonDict
from sandbox.workspace import SandboxSlack

MODAL_WAIT = 10.0  # seconds to wait for the app to open a form after its acknowledgement
SETTLE_LIMIT = 5.0  # seconds to wait at most for the app's last confirmations


@dataclass(frozen=True)
class Person:
    """A demo person."""

    id: str
    handle: str
    real_name: str
    about: str


ADMIN = Person("U01MARIA", "maria.lindqvist", "Maria Lindqvist", "programme admin")
SARA = Person("U02SARA", "sara.nystrom", "Sara Nyström", "project manager, Södertälje")
ANNA = Person("U03ANNA", "anna.berg", "Anna Berg", "buyer, Södertälje")
JOHAN = Person("U04JOHAN", "johan.ek", "Johan Ek", "procurement manager, Södertälje")
ERIK = Person("U05ERIK", "erik.holm", "Erik Holm", "product manager, Södertälje")
LINA = Person("U06LINA", "lina.sjoberg", "Lina Sjöberg", "CareSense AB")
OMAR = Person("U07OMAR", "omar.haddad", "Omar Haddad", "Ruttplan AB")
KARIN = Person("U08KARIN", "karin.wu", "Karin Wu", "Energikoll AB")
PER = Person("U09PER", "per.andersson", "Per Andersson", "Telge Energi, not set up yet")
PEOPLE = (ADMIN, SARA, ANNA, JOHAN, ERIK, LINA, OMAR, KARIN, PER)
GROUP = (
    (SARA, "project_manager"),
    (ANNA, "buyer"),
    (JOHAN, "procurement_manager"),
    (ERIK, "product_manager"),
)

PROJECT_CHANNEL = "C01PROJEKT"
OPPORTUNITIES_CHANNEL = "C02OPPS"
TELGE_CHANNEL = "C03TELGE"
GENERAL_CHANNEL = "C04GENERAL"
PILOT_CHANNEL = "C05PILOT"
ORGANISATION = "Södertälje kommun"
EVERYONE = tuple(p.id for p in PEOPLE)
CHANNELS = (
    # id, name, members, whether the app's bot is in it
    (PROJECT_CHANNEL, "sodertalje-projektgrupp", (ADMIN.id, *(p.id for p, _r in GROUP)), True),
    (OPPORTUNITIES_CHANNEL, "opportunities", EVERYONE, True),
    (TELGE_CHANNEL, "telge-energi", (ADMIN.id, PER.id), True),
    (GENERAL_CHANNEL, "general", EVERYONE, False),
    # A channel for a pilot with CareSense (the project group, Lina and @Matchday), ready for
    # `/matchday pilot new`: the page cannot create channels or invite the app.
    (PILOT_CHANNEL, "pilot-fall-sensors", (ADMIN.id, *(p.id for p, _r in GROUP), LINA.id), True),
)
# Group and pilot channels are private: Matchday posts confidential pitches only there.
PRIVATE_CHANNELS = (PROJECT_CHANNEL, TELGE_CHANNEL, PILOT_CHANNEL)
STARTUPS = (
    ("CareSense AB", "559123-4561", "https://caresense.example", "health tech",
     "Fall-detection sensors for people who live at home", (LINA,)),
    ("Ruttplan AB", "559234-5671", "https://ruttplan.example", "mobility",
     "Route planning for home-care staff", (OMAR,)),
    ("Energikoll AB", "559345-6782", "https://energikoll.example", "energy",
     "Energy monitoring for public buildings", (KARIN,)),
)  # fmt: skip


WELCOME = (
    "Welcome to the Matchday sandbox! Everything here is local: switch who you are at the "
    "top left. Try `/matchday help` anywhere; as Sara Nyström in #sodertalje-projektgrupp, "
    "`/matchday areas` and `/matchday assess` run a needs assessment in a thread; as me, "
    "`/matchday setup` in #telge-energi links a new organisation."
)

# The first thing a newcomer sees: the project group's channel, with this at its bottom.
GUIDE = (
    ":wave: *Try this first* — you are Maria Lindqvist, the programme admin; switch person "
    "at the top left.\n"
    "1. Type `/matchday help` here: it lists what this person may do.\n"
    "2. As *Sara Nyström*, run `/matchday areas` here, add a focus area and press *Assess*: "
    "the needs assessment runs in a thread and ends with an opportunity to publish.\n"
    "3. As *Lina Sjöberg* (CareSense AB), open *Matchday* under Apps: App Home lists the "
    "open opportunities with a *Pitch* button.\n"
    "4. As Maria, open *Matchday* again: the month in figures, what needs attention and the "
    "next matchday. `/matchday report` posts the funnel chart; *+1 week* moves time."
)


def seed_slack(slack: SandboxSlack) -> None:
    """Add the demo people and channels to Slack's side."""
    for person in PEOPLE:
        slack.add_user(person.id, person.handle, person.real_name)
    for channel_id, name, members, bot in CHANNELS:
        private = channel_id in PRIVATE_CHANNELS
        slack.add_channel(channel_id, name, members=members, bot_member=bot, is_private=private)
    for person in PEOPLE:
        slack.dm_channel_id(person.id)
    slack.add_message(GENERAL_CHANNEL, ADMIN.id, WELCOME)
    slack.changed()


class SeedError(RuntimeError):
    """The app refused or failed a step of the demo's setup."""


class Seeder:
    """Sets up the app's side of the demo by acting as the admin would."""

    def __init__(self, interactions: Interactions, progress: Callable[[str], None]) -> None:
        self.do = interactions
        self.slack = interactions.slack
        self.progress = progress
        self._seen: set[str] = set()  # modals open before the latest request

    def run(self) -> None:
        """Link the channel, add the group, register the startups."""
        self.progress(f"linking #sodertalje-projektgrupp to {ORGANISATION}")
        self._command(PROJECT_CHANNEL, "setup")
        self._fill(
            "setup",
            {
                "name": ORGANISATION,
                "kind": "municipality",
                "opportunities_channel": OPPORTUNITIES_CHANNEL,
            },
        )
        # The demo reads English like the README; `/matchday language organisation sv`
        # in the channel switches the group to Swedish, the default for a municipality.
        self._command(PROJECT_CHANNEL, "language organisation en")
        self.progress("adding the project group")
        self._command(PROJECT_CHANNEL, "team")
        for person, role in GROUP:
            place = self._button(PROJECT_CHANNEL, "team_add_member")
            self._check(self.do.click(ADMIN.id, source="ephemeral", **place), "Add member")
            self._fill("team_add_member", {"user": person.id, "role": role})
        for name, number, website, sector, description, reps in STARTUPS:
            self.progress(f"registering {name}")
            self._command(PROJECT_CHANNEL, "startup")
            values: dict[str, Raw] = {
                "name": name,
                "org_number": number,
                "website": website,
                "sector": sector,
                "description": description,
                "representatives": [p.id for p in reps],
            }
            self._fill("startup_register", values, tolerate="already registered")
        self._settle()
        with self.slack.lock:  # the admin's confirmations were for the set-up, not the demo
            self.slack.workspace.ephemerals.clear()
        self.slack.add_message(PROJECT_CHANNEL, ADMIN.id, GUIDE)
        self.slack.changed()

    def _settle(self, quiet: float = 0.5, limit: float = SETTLE_LIMIT) -> None:
        """Wait until the app has made no Web API call for ``quiet`` s (its after-ack work)."""
        deadline = time.monotonic() + limit
        seen, since = len(self.slack.calls), time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - since < quiet:
            time.sleep(0.05)
            count = len(self.slack.calls)
            if count != seen:
                seen, since = count, time.monotonic()

    def _check(self, outcome: Outcome, what: str, tolerate: str = "") -> None:
        if outcome.ok:
            return
        problems = [outcome.error, *outcome.errors.values()]
        if tolerate and any(tolerate in p for p in problems):
            return
        raise SeedError(f"{what}: {'; '.join(p for p in problems if p)}")

    def _command(self, channel: str, text: str) -> None:
        self._seen = {v["id"] for v in self.slack.open_views.values()}
        self._check(self.do.command(ADMIN.id, channel, f"/matchday {text}"), f"/matchday {text}")

    def _button(self, channel: str, action_id: str) -> JsonDict:
        """Where the admin's newest ephemeral in ``channel`` has this button.

        Waits a moment for it: an app whose worker runs apart from its web process answers
        a command empty and replies through the response URL a moment later.
        """
        self._seen = {v["id"] for v in self.slack.open_views.values()}
        deadline = time.monotonic() + MODAL_WAIT
        while True:
            with self.slack.lock:
                mine = [
                    e
                    for e in self.slack.workspace.ephemerals
                    if e["user"] == ADMIN.id and e["channel"] == channel
                ]
            for message in reversed(mine):
                for index, block in enumerate(message["blocks"]):
                    for number, element in enumerate(block.get("elements") or []):
                        if element.get("action_id") == action_id:
                            return {"ts": message["ts"], "block": index, "element": number}
            if time.monotonic() > deadline:
                raise SeedError(f"no {action_id} button in the admin's messages")
            time.sleep(0.05)

    def _fill(self, callback_id: str, fields: dict[str, Raw], tolerate: str = "") -> None:
        """Wait for the app's form, fill it in and submit it."""
        deadline = time.monotonic() + MODAL_WAIT
        view: JsonDict | None = None
        while view is None:
            with self.slack.lock:
                view = next(
                    (
                        v
                        for v in self.slack.views_of(ADMIN.id)
                        if v.get("callback_id") == callback_id and v["id"] not in self._seen
                    ),
                    None,
                )
            if view is None:
                if time.monotonic() > deadline:
                    raise SeedError(f"the app did not open the {callback_id} form")
                time.sleep(0.05)
        raw: dict[str, dict[str, Raw]] = {}
        for block in view.get("blocks") or []:
            if block.get("type") == "input" and block.get("block_id") in fields:
                raw[block["block_id"]] = {block["element"]["action_id"]: fields[block["block_id"]]}
        outcome = self.do.submit(ADMIN.id, view["id"], raw)
        if not outcome.ok:
            self.do.close(ADMIN.id, view["id"])
        self._check(outcome, f"the {callback_id} form", tolerate)
