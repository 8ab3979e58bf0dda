"""In a real browser: the sandbox page runs Matchday's flows by clicking and typing.

Headless Chromium from Debian (scripts/test.sh installs it) is driven by Playwright for
Python; `matchday sandbox` runs as a person starts it, with the app beside it. Each step
saves a screenshot in test-artifacts/browser-sandbox/. Steps run in order on one demo
workspace; add new workflows as new steps at the end of STEPS.

The whole flow: setup, a needs assessment and its opportunity card, then a startup's pitch
in the Pitch form, the buyer shortlisting it, a meeting proposed and booked, and a pilot
started in the demo's #pilot-fall-sensors whose first check-in, posted by the scheduler
after *advance to*, is answered by the pilot's people.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from sandbox.demo import ADMIN, ANNA, LINA, OMAR, PER, SARA, Person
from sandbox.main import BOT_TOKEN
from tests.test_sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser-sandbox"
WAIT_MS = 10_000

if not Path(CHROMIUM).exists():
    pytest.fail(
        f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium (apt-get install "
        "chromium); the browser test is never skipped.",
        pytrace=False,
    )


@dataclass
class Demo:
    """A person at the sandbox page: who they are, where they look, what they type."""

    page: Page
    base_url: str
    shots: list[Path] = field(default_factory=list)

    def be(self, person: Person) -> None:
        """Use the "you are" switch."""
        self.page.get_by_test_id("you-are").select_option(person.id)
        expect(self.page.locator("#me-about")).to_have_text(f"@{person.handle}")

    def open_channel(self, name: str) -> None:
        """Open a channel from the sidebar."""
        self.page.get_by_test_id(f"channel-{name}").click()
        expect(self.page.locator("#conversation-title")).to_have_text(f"# {name}")

    def type(self, text: str) -> None:
        """Type in the channel's composer and press Enter."""
        box = self.page.get_by_test_id("composer")
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("", timeout=WAIT_MS)

    def reply(self, text: str) -> None:
        """Type in the open thread's composer and press Enter."""
        box = self.page.get_by_test_id("thread-composer")
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("", timeout=WAIT_MS)

    def modal(self, title: str) -> Locator:
        """Wait for the app's modal with this title."""
        modal = self.page.get_by_test_id("modal")
        expect(modal.get_by_test_id("modal-title")).to_have_text(title, timeout=WAIT_MS)
        return modal

    def open_dm(self) -> None:
        """Open the Messages tab of the Matchday app: the person's DM with Matchday."""
        self.page.get_by_test_id("app-matchday").click()
        self.page.get_by_test_id("tab-messages").click()
        expect(self.page.get_by_test_id("tab-messages")).to_have_class(re.compile("active"))
        expect(self.page.get_by_test_id("messages")).to_be_visible()

    def field(self, label: str, exact: bool = False) -> Locator:
        """The input of the modal field with this label (the whole label when ``exact``)."""
        text: str | re.Pattern[str] = (
            re.compile(rf"^{re.escape(label)}( \(optional\))?$") if exact else label
        )
        block = self.page.locator("#modal .block.input").filter(
            has=self.page.locator(".label", has_text=text)
        )
        return block.locator("input, textarea, select").first

    def now(self) -> datetime:
        """The sandbox clock's time, in the programme's time zone."""
        clock = self.page.evaluate("window.sandboxPage.data.clock")
        return datetime.fromisoformat(clock["now"]).astimezone(ZoneInfo(clock["timezone"]))

    def submit(self) -> None:
        """Press the modal's submit button."""
        self.page.get_by_test_id("modal-submit").click()

    def ephemeral(self, text: str) -> Locator:
        """An "only visible to you" message containing ``text``."""
        found = self.page.get_by_test_id("ephemeral").filter(has_text=text).last
        expect(found).to_be_visible(timeout=WAIT_MS)
        return found

    def message(self, text: str, where: str = "messages") -> Locator:
        """A message in the channel (or ``thread``) containing ``text``."""
        found = self.page.get_by_test_id(where).get_by_test_id("message").filter(has_text=text)
        expect(found.last).to_be_visible(timeout=WAIT_MS)
        return found.last


def step_first_page(demo: Demo) -> None:
    """A newcomer lands in the project group's channel, with a short guide on what to try."""
    expect(demo.page.locator("#conversation-title")).to_have_text(
        "# sodertalje-projektgrupp", timeout=WAIT_MS
    )
    guide = demo.message("Try this first")
    expect(guide).to_contain_text("/matchday help")
    expect(guide).to_contain_text("App Home")


def step_setup(demo: Demo) -> None:
    """The admin links #telge-energi to a new organisation, after a required-field error."""
    demo.be(ADMIN)
    demo.open_channel("telge-energi")
    demo.type("/matchday setup")
    demo.modal("Organisation setup")
    demo.submit()  # nothing filled in: Slack's client refuses before the app hears of it
    expect(demo.page.get_by_test_id("error-name")).to_have_text(
        "Please complete this required field."
    )
    demo.field("Organisation name").fill("Telge Energi")
    demo.field("Kind of organisation").select_option(label="State-owned company")
    demo.field("Where opportunities are published").select_option(label="#opportunities")
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    demo.ephemeral("Linked this channel to Telge Energi")


def step_public_refused(demo: Demo) -> None:
    """Linking the public #general as a project group's channel is refused, with what to do."""
    demo.open_channel("general")
    demo.type("/matchday setup")
    refusal = demo.page.get_by_test_id("modal")
    expect(refusal).to_be_visible(timeout=WAIT_MS)
    expect(refusal).to_contain_text("This channel is public")
    expect(refusal).to_contain_text("Create a private channel")
    expect(demo.page.get_by_test_id("modal-submit")).to_be_hidden()
    demo.shots.append(_shot(demo, "public-channel-refused"))
    demo.page.get_by_test_id("modal-close").click()
    expect(refusal).to_be_hidden(timeout=WAIT_MS)
    demo.open_channel("telge-energi")


def step_team(demo: Demo) -> None:
    """The admin adds Per to Telge Energi's project group."""
    demo.type("/matchday team")
    team = demo.ephemeral("Project group of Telge Energi")
    team.get_by_role("button", name="Add member").click()
    demo.modal("Add member")
    demo.field("Person").select_option(label=PER.real_name)
    demo.field("Role").select_option(label="Project manager")
    demo.submit()
    demo.ephemeral(f"Added @{PER.real_name} as Project manager")


def step_focus_area(demo: Demo) -> None:
    """Sara, Södertälje's project manager, adds a focus area."""
    demo.be(SARA)
    demo.open_channel("sodertalje-projektgrupp")
    demo.type("/matchday areas")
    demo.ephemeral("Focus areas of Södertälje kommun").get_by_role(
        "button", name="Add focus area"
    ).click()
    demo.modal("Add focus area")
    demo.field("Title").fill("Fewer falls at home")
    demo.field("Why it matters").fill("Falls are the most common reason older people need care.")
    demo.submit()
    demo.ephemeral("Added Fewer falls at home")


def step_assessment(demo: Demo) -> None:
    """The needs assessment in a thread: replies, a skip, the form, then the summary."""
    demo.type("/matchday assess")
    demo.ephemeral("Starting the assessment")
    demo.message("Needs assessment: Fewer falls at home").get_by_test_id("open-thread").click()
    demo.message("Step 1 of 6", "thread")
    demo.reply("Elderly care at home: the over-80s double by 2040.")
    demo.message("Step 2 of 6", "thread")
    demo.reply("Falls at home; residents and the home-care staff who find them.")
    demo.message("Step 3 of 6", "thread")
    demo.message("Step 3 of 6", "thread").get_by_role("button", name="Skip").click()
    demo.message("Step 4 of 6", "thread")
    demo.reply("20 % fewer falls that need an ambulance, measured monthly.")
    demo.message("Step 5 of 6", "thread").get_by_role("button", name="Answer in a form").click()
    demo.modal("Step 5 of 6")
    demo.field("Constraints in your own words").fill("Data stays in the EU.")
    demo.field("Budget range").fill("200–500 kSEK")
    demo.field("Procurement route").select_option(index=1)
    demo.submit()
    demo.message("Step 6 of 6", "thread")
    demo.reply(f"@{ANNA.handle} owns it.")
    summary = demo.message("Summary: Fewer falls at home", "thread")
    expect(summary).to_contain_text("@Anna Berg")


def step_publish(demo: Demo) -> None:
    """Publishing: a past deadline is refused by the app as a field error, then fixed."""
    demo.message("Summary: Fewer falls at home", "thread").get_by_role(
        "button", name="Publish opportunity"
    ).click()
    demo.modal("Publish opportunity")
    demo.field("Pitch deadline").fill("2020-01-01")
    demo.submit()
    expect(demo.page.get_by_test_id("error-deadline")).to_be_visible(timeout=WAIT_MS)
    demo.shots.append(_shot(demo, "publish-refused"))
    later = demo.page.evaluate("window.sandboxPage.data.clock.now")[:10]
    deadline = (date.fromisoformat(later) + timedelta(days=21)).isoformat()
    demo.field("Pitch deadline").fill(deadline)
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    demo.message("Published Fewer falls at home", "thread")


def step_card(demo: Demo) -> None:
    """A startup representative sees the card in #opportunities with its Pitch button."""
    demo.page.locator("#thread-close").click()
    demo.be(LINA)
    demo.open_channel("opportunities")
    card = demo.message("Fewer falls at home")
    expect(card).to_contain_text("Södertälje kommun")
    expect(card.get_by_role("button", name=re.compile("Pitch"))).to_be_visible()


def step_home(demo: Demo) -> None:
    """App Home for Sara (her group) and for the admin (the programme)."""
    demo.be(SARA)
    demo.page.get_by_test_id("app-matchday").click()
    home = demo.page.get_by_test_id("home")
    expect(home).to_contain_text("Your project groups", timeout=WAIT_MS)
    expect(home).to_contain_text("Södertälje kommun")
    demo.be(ADMIN)
    expect(home).to_contain_text("Programme at a glance", timeout=WAIT_MS)


def step_time(demo: Demo) -> None:
    """The clock moves a week ahead for the app and the page alike."""
    before = demo.page.get_by_test_id("clock").inner_text()
    demo.page.get_by_test_id("advance-week").click()
    expect(demo.page.get_by_test_id("clock")).not_to_have_text(before, timeout=WAIT_MS)
    expect(demo.page.get_by_test_id("clock")).to_contain_text("(+7 d")


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


GALLERY: list[dict[str, Any]] = [
    {"type": "header", "text": _plain("Block Kit gallery")},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Bold*, _italic_, `code`, <https://example.org|a link>, <@U03ANNA>, &lt;b&gt;",
        },
        "accessory": {
            "type": "static_select",
            "action_id": "g_static",
            "placeholder": _plain("Pick one"),
            "options": [_option("one"), _option("two")],
        },
    },
    {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Deadline*\n<!date^1767258000^{date_short}|1 Jan>"},
            {"type": "mrkdwn", "text": "*Budget*\n200 kSEK"},
        ],
        "accessory": {
            "type": "overflow",
            "action_id": "g_more",
            "options": [_option("edit"), _option("withdraw")],
        },
    },
    {"type": "divider"},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": ":warning: some context"}]},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "g_go", "text": _plain("Primary"), "style": "primary"},
            {"type": "users_select", "action_id": "g_user", "placeholder": _plain("Someone")},
            {"type": "conversations_select", "action_id": "g_channel"},
            {"type": "datepicker", "action_id": "g_date", "initial_date": "2026-03-02"},
            {"type": "timepicker", "action_id": "g_time", "initial_time": "10:00"},
        ],
    },
]


def step_block_kit(demo: Demo) -> None:
    """Every kind of block and element the app may send is shown as Slack shows it."""
    body = json.dumps({"channel": "C02OPPS", "text": "gallery", "blocks": GALLERY}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {BOT_TOKEN}"}
    request = urllib.request.Request(demo.base_url + "/api/chat.postMessage", body, headers)
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["ok"]
    demo.open_channel("opportunities")
    shown = demo.message("Block Kit gallery")
    expect(shown.locator(".block.header")).to_have_text("Block Kit gallery")
    expect(shown.locator("b", has_text="Bold")).to_be_visible()
    expect(shown.locator("i", has_text="italic")).to_be_visible()
    expect(shown.locator("a", has_text="a link")).to_have_attribute("href", "https://example.org")
    expect(shown).to_contain_text("@Anna Berg")
    expect(shown).to_contain_text("<b>")  # escaped text stays text
    expect(shown.locator(".fields .field")).to_have_count(2)
    expect(shown.locator(".fields")).to_contain_text("Jan 1, 2026")
    expect(shown.locator("select.overflow option", has_text="Withdraw")).to_have_count(1)
    expect(shown.locator("hr.divider")).to_have_count(1)
    expect(shown.locator(".block.context")).to_contain_text("⚠️ some context")
    expect(shown.get_by_role("button", name="Primary")).to_have_class(re.compile("primary"))
    expect(shown.locator("[data-action-id=g_static] option", has_text="Two")).to_have_count(1)
    expect(shown.locator("[data-action-id=g_user] option", has_text=ANNA.real_name)).to_have_count(
        1
    )
    expect(shown.locator("[data-action-id=g_channel] option", has_text="#general")).to_have_count(1)
    expect(shown.locator("input[type=date]")).to_have_value("2026-03-02")
    expect(shown.locator("input[type=time]")).to_have_value("10:00")


def step_pitch(demo: Demo) -> None:
    """Lina pitches CareSense from the card's Pitch button and gets the receipt by DM."""
    demo.be(LINA)
    demo.open_channel("opportunities")
    demo.message("Fewer falls at home").get_by_role("button", name=re.compile("Pitch")).click()
    modal = demo.modal("Pitch")
    expect(modal).to_contain_text("Pitching CareSense AB for Fewer falls at home.")
    demo.field("Your solution in short").fill(
        "Discreet fall sensors in the home that alert the home-care team within a minute."
    )
    demo.field("How it meets the challenge").fill(
        "Falls are found at once instead of hours later, so fewer need an ambulance."
    )
    demo.field("What a pilot could look like").fill(
        "Ten homes for four months, 250 kSEK including installation and training."
    )
    demo.field("Link").fill("https://caresense.example/pilot")
    # The solution is marked as a trade secret: first without a reason (a field error).
    secrets = demo.page.locator("#modal .block.input").filter(
        has=demo.page.locator(".label", has_text="Trade secrets in this pitch")
    )
    secrets.get_by_text("Solution", exact=True).click()
    demo.submit()
    expect(demo.page.get_by_test_id("error-secret_reason")).to_be_visible(timeout=WAIT_MS)
    demo.field("Why these sections are trade secrets").fill(
        "The sensor's detection method is patent pending."
    )
    demo.shots.append(_shot(demo, "pitch-form"))
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    demo.open_dm()
    receipt = demo.message("Your pitch for Fewer falls at home was sent")
    expect(receipt).to_contain_text("Ten homes for four months")
    expect(receipt).to_contain_text("official document")
    expect(receipt).to_contain_text("patent pending")
    expect(receipt.get_by_role("button", name="Withdraw pitch")).to_be_visible()
    demo.shots.append(_shot(demo, "pitch-receipt"))


def step_question(demo: Demo) -> None:
    """Lina asks about the opportunity; Sara answers; the answer reaches the card's thread
    and Lina's messages, without naming her startup."""
    demo.open_channel("opportunities")
    demo.message("Fewer falls at home").get_by_role(
        "button", name="Ask about this opportunity"
    ).click()
    demo.modal("Ask a question")
    demo.field("Your question").fill("Is the data from the sensors <stored> in Sweden & the EU?")
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    demo.be(SARA)
    demo.open_channel("sodertalje-projektgrupp")
    asked = demo.message("A startup asks about")
    expect(asked).to_contain_text("Is the data from the sensors <stored> in Sweden & the EU?")
    expect(asked).not_to_contain_text("CareSense")
    asked.get_by_role("button", name="Answer").click()
    demo.modal("Answer a question")
    demo.field("Your answer").fill("Yes: in Sweden, and never outside the EU.")
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    expect(demo.message("A startup asks about")).to_contain_text(
        "Answered and published to every startup", timeout=WAIT_MS
    )
    demo.be(LINA)
    demo.open_dm()
    told = demo.message("never outside the EU")
    expect(told).to_contain_text("Is the data from the sensors <stored>")
    expect(told).not_to_contain_text("CareSense")
    demo.shots.append(_shot(demo, "question-answered"))


def step_shortlist(demo: Demo) -> None:
    """Anna, the buyer, shortlists the pitch from its card in the group's channel."""
    demo.be(ANNA)
    demo.open_channel("sodertalje-projektgrupp")
    card = demo.message("Pitch from CareSense AB")
    expect(card).to_contain_text("Discreet fall sensors")
    expect(card).to_contain_text("Marked as trade secrets by the startup")
    card.get_by_role("button", name="Shortlist").click()
    expect(card).to_contain_text(f"Shortlisted by @{ANNA.real_name}.", timeout=WAIT_MS)
    expect(card.get_by_role("button", name="Propose meeting")).to_be_visible()
    expect(card.get_by_role("button", name="Shortlist")).to_have_count(0)


def step_meeting(demo: Demo) -> None:
    """Sara proposes a meeting from the card; Lina chooses a time; both see it booked."""
    demo.be(SARA)
    demo.open_channel("sodertalje-projektgrupp")
    demo.message("Pitch from CareSense AB").get_by_role("button", name="Propose meeting").click()
    demo.modal("Propose meeting")
    demo.field("Who from the group attends").select_option(label=[SARA.real_name, ANNA.real_name])
    demo.field("Length").select_option(label="45 minutes")
    demo.field("Place or video link").fill("https://meet.example/caresense")
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    demo.be(LINA)
    demo.open_dm()
    proposal = demo.message("Södertälje kommun would like to meet you")
    choose = proposal.get_by_role("button", name="Choose")
    expect(choose).to_have_count(3)
    demo.shots.append(_shot(demo, "meeting-times"))
    choose.first.click()
    demo.message("Booked. The confirmation follows.")  # in place of the times offered
    expect(demo.page.get_by_role("button", name="Choose")).to_have_count(0)
    booked = demo.message("Meeting booked: Södertälje kommun")
    expect(booked).to_contain_text("https://meet.example/caresense")
    expect(booked.get_by_role("button", name="Reschedule")).to_be_visible()
    # The calendar file is a download link, served by the sandbox as Slack serves files.
    ics = demo.message("meeting.ics").get_by_test_id("file-download")
    expect(ics).to_have_text("📎 meeting.ics")
    answer = demo.page.request.get(demo.base_url + str(ics.get_attribute("href")))
    assert answer.ok and answer.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in answer.body()
    demo.be(SARA)
    demo.open_dm()
    expect(demo.message("Meeting booked: CareSense AB")).to_contain_text(
        "https://meet.example/caresense"
    )


def _shown_time(text: str, today: date) -> datetime:
    """A time as the page shows it ("Tomorrow 09:30", "Dec 10, 2026 09:30"), as wall time."""
    day, _space, clock = text.strip().rpartition(" ")
    relative = {"Today": today, "Tomorrow": today + timedelta(days=1)}
    on = relative.get(day) or datetime.strptime(day.replace("Sept", "Sep"), "%b %d, %Y").date()
    return datetime.combine(on, datetime.strptime(clock, "%H:%M").time())


def step_meeting_on_home(demo: Demo) -> None:
    """Right after booking, Lina's App Home lists the meeting with *Reschedule* (later steps
    move the clock past it, depending on the time of day the test runs)."""
    home = _home(demo, LINA)
    expect(home).to_contain_text("Your coming meetings", timeout=WAIT_MS)
    expect(home.get_by_role("button", name="Reschedule")).to_be_visible()
    demo.be(SARA)


def step_pilot_check_in(demo: Demo) -> None:
    """Sara starts a pilot; time moves to its first check-in; its people answer it."""
    demo.open_channel("sodertalje-projektgrupp")
    demo.type("/matchday pilot new")
    demo.modal("Start a pilot")
    today = demo.now().date()
    demo.field("Title").fill("Fall sensors in ten homes")
    demo.field("Goals or milestones").fill(
        f"{today + timedelta(days=30)} Ten homes use the sensors\n"
        f"{today + timedelta(days=110)} 20 % fewer falls that need an ambulance"
    )
    expect(demo.field("Start date")).to_have_value(today.isoformat())
    demo.field("End date").fill((today + timedelta(days=120)).isoformat())
    demo.field("Pilot channel").select_option(label="#pilot-fall-sensors")
    demo.field("People from the organisation").select_option(label=[SARA.real_name, ANNA.real_name])
    # An external select: typing asks the app, which answers with name and number.
    demo.page.get_by_test_id("search-startup").fill("caresense")
    demo.field("Startup", exact=True).select_option(label="CareSense AB (559123-4561)")
    demo.field("People from the startup").select_option(label=LINA.real_name)
    demo.field("Check-ins").select_option(label="Every week")
    demo.field("On", exact=True).select_option(label="Thursday")
    demo.field("At", exact=True).fill("09:30")
    demo.shots.append(_shot(demo, "pilot-form"))
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    started = demo.ephemeral("Started the pilot Fall sensors in ten homes in #pilot-fall-sensors")
    first = _shown_time(started.locator("time").inner_text(), today)
    demo.open_channel("pilot-fall-sensors")
    expect(demo.message("Fall sensors in ten homes")).to_contain_text("Ten homes use the sensors")

    # Like a person: read when the first check-in is due and advance the clock just past it.
    demo.page.get_by_label("advance to").fill(f"{first + timedelta(minutes=1):%Y-%m-%dT%H:%M}")
    demo.page.locator("#advance-to").get_by_role("button", name="Go").click()
    checkin = demo.message("Check-in 1: Fall sensors in ten homes")
    expect(checkin).to_contain_text("How is the pilot going?")
    expect(checkin).not_to_contain_text("Late:")
    demo.shots.append(_shot(demo, "check-in-posted"))
    checkin.get_by_role("button", name=re.compile("On track")).click()
    expect(checkin).to_contain_text(f"On track — answered by @{SARA.real_name}", timeout=WAIT_MS)

    # Lina, on the startup's side, adds progress and next steps in the form.
    demo.be(LINA)
    demo.open_channel("pilot-fall-sensors")
    checkin = demo.message("Check-in 1: Fall sensors in ten homes")
    checkin.get_by_role("button", name="Progress and next steps").click()
    demo.modal("Check-in 1")
    expect(demo.field("Status")).to_have_value("on_track")
    demo.field("Progress since the last check-in").fill("Sensors are in six of the ten homes.")
    demo.field("Next steps").fill("Install the last four and train the night shift.")
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    expect(checkin).to_contain_text(f"On track — answered by @{LINA.real_name}", timeout=WAIT_MS)
    expect(checkin).to_contain_text("Sensors are in six of the ten homes.")


def _home(demo: Demo, person: Person) -> Locator:
    """The person's App Home (the Home tab of Matchday)."""
    demo.be(person)
    demo.page.get_by_test_id("app-matchday").click()
    demo.page.get_by_test_id("tab-home").click()
    home = demo.page.get_by_test_id("home")
    expect(home).to_be_visible()
    return home


def step_startup_home(demo: Demo) -> None:
    """Lina's App Home: what she can pitch for, her pitch, her meeting and pilot, with buttons."""
    home = _home(demo, LINA)
    expect(home).to_contain_text("Open opportunities (1)", timeout=WAIT_MS)
    expect(home).not_to_contain_text("will show up here")
    expect(home).to_contain_text("Fewer falls at home (Södertälje kommun) — shortlisted")
    expect(home).to_contain_text("Fall sensors in ten homes")
    demo.shots.append(_shot(demo, "startup-home"))
    home.get_by_role("button", name="Edit pitch").click()  # she pitched: the form, filled in
    modal = demo.modal("Edit pitch")
    expect(demo.field("Your solution in short")).to_have_value(re.compile("Discreet fall sensors"))
    modal.get_by_test_id("modal-close").click()
    expect(modal).to_be_hidden(timeout=WAIT_MS)


def step_admin_home(demo: Demo) -> None:
    """Maria's App Home: the month in figures and the next matchday with *Plan*."""
    demo.be(ADMIN)
    demo.open_channel("sodertalje-projektgrupp")
    demo.type("/matchday matchday new")
    demo.modal("New matchday")
    demo.field("Title").fill("Matchday Health, spring")
    demo.field("Place").fill("Södertälje stadshus")
    demo.submit()
    expect(demo.page.get_by_test_id("modal")).to_be_hidden(timeout=WAIT_MS)
    home = _home(demo, ADMIN)
    expect(home).to_contain_text("This month", timeout=WAIT_MS)
    expect(home).to_contain_text("Opportunities open")
    expect(home).to_contain_text("Follow-up rate")
    expect(home).to_contain_text("Next matchday: Matchday Health, spring")
    demo.shots.append(_shot(demo, "admin-home"))
    home.get_by_role("button", name="Plan", exact=True).click()
    demo.page.get_by_test_id("tab-messages").click()
    demo.message("Planning the day")


def step_uploaded_chart(demo: Demo) -> None:
    """The funnel chart the app uploads shows inline in the DM, as Slack shows images."""
    demo.open_channel("sodertalje-projektgrupp")
    demo.type("/matchday report")
    demo.open_dm()
    image = demo.page.get_by_test_id("messages").get_by_test_id("file-image").last
    expect(image).to_be_visible(timeout=WAIT_MS)
    picture = image.locator("img")
    expect(picture).to_have_attribute("src", re.compile("^/sandbox/files/"))
    loaded = picture.evaluate("img => img.complete && img.naturalWidth")
    assert loaded and loaded > 100, loaded
    picture.scroll_into_view_if_needed()


def step_history(demo: Demo) -> None:
    """Sara, the project manager, reads the opportunity's history, then in Swedish."""
    demo.be(SARA)
    demo.open_channel("sodertalje-projektgrupp")
    demo.type("/matchday history Fewer falls")
    history = demo.ephemeral("History of Fewer falls at home")
    expect(history).to_contain_text("Pitch received")
    expect(history).to_contain_text(f"by @{ANNA.real_name}")
    demo.shots.append(_shot(demo, "history"))
    demo.type("/matchday language sv")
    demo.type("/matchday questions")
    listed = demo.ephemeral("Frågor om möjligheter")
    expect(listed).to_contain_text("besvarad")
    demo.shots.append(_shot(demo, "questions-in-swedish"))
    demo.type("/matchday language en")


def step_registrar(demo: Demo) -> None:
    """Sara sends the registrar what Södertälje received: two files in her messages."""
    demo.type("/matchday export register")
    demo.ephemeral("documents received by Södertälje kommun for the registrar")
    demo.open_dm()
    for kind in ("CSV", "JSON"):
        file = demo.page.get_by_test_id("messages").get_by_text(f"for the registrar ({kind})")
        expect(file.last).to_be_visible(timeout=WAIT_MS)
    demo.shots.append(_shot(demo, "registrar-export"))


def step_privacy(demo: Demo) -> None:
    """Omar gets his data, then asks to be erased; Maria, an admin, approves; he is told."""
    demo.be(OMAR)
    demo.open_channel("opportunities")
    demo.type("/matchday privacy")
    choice = demo.ephemeral("Your personal data in Matchday")
    choice.get_by_role("button", name="Send me what Matchday holds about me").click()
    demo.open_dm()
    data = demo.page.get_by_test_id("messages").get_by_text("What Matchday holds about you")
    expect(data.last).to_be_visible(timeout=WAIT_MS)
    demo.open_channel("opportunities")
    demo.type("/matchday privacy")
    demo.ephemeral("Your personal data in Matchday").get_by_role(
        "button", name="Ask to be erased"
    ).last.click()
    demo.page.get_by_test_id("confirm-yes").click()  # Slack's confirmation dialog
    demo.ephemeral("Your request to be erased was sent to the programme admins")
    demo.be(ADMIN)
    demo.open_dm()
    card = demo.message("asked on")
    expect(card).to_contain_text(f"@{OMAR.real_name}")
    demo.shots.append(_shot(demo, "erasure-card"))
    card.get_by_role("button", name="Approve erasure").click()
    demo.page.get_by_test_id("confirm-yes").click()
    decided = demo.message("request to be erased was approved by")
    expect(decided).to_contain_text("erased-")
    expect(decided).not_to_contain_text(OMAR.real_name)
    demo.shots.append(_shot(demo, "erasure-approved"))
    demo.be(OMAR)
    demo.open_dm()
    demo.message("Matchday has erased what it held about you")


STEPS: list[tuple[str, Callable[[Demo], None]]] = [
    ("first-page", step_first_page),
    ("setup", step_setup),
    ("back-in-the-private-channel", step_public_refused),
    ("team", step_team),
    ("focus-area", step_focus_area),
    ("assessment", step_assessment),
    ("publish", step_publish),
    ("opportunity-card", step_card),
    ("app-home", step_home),
    ("advance-time", step_time),
    ("block-kit", step_block_kit),
    ("pitch", step_pitch),
    ("question", step_question),
    ("shortlist", step_shortlist),
    ("meeting", step_meeting),
    ("meeting-on-home", step_meeting_on_home),
    ("pilot-check-in", step_pilot_check_in),
    ("startup-home", step_startup_home),
    ("admin-home", step_admin_home),
    ("uploaded-chart", step_uploaded_chart),
    ("history", step_history),
    ("registrar", step_registrar),
    ("privacy", step_privacy),
]


def _shot(demo: Demo, name: str) -> Path:
    path = ARTIFACTS / f"{len(demo.shots) + 1:02d}-{name}.png"
    demo.page.screenshot(path=str(path))
    return path


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """A headless Chromium page (Debian's Chromium, never a downloaded one)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def test_a_whole_programme_flow_by_clicking_and_typing(tmp_path: Path, browser_page: Page) -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    sandbox = SandboxProcess(tmp_path / "data").start()
    errors: list[str] = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        browser_page.goto(sandbox.url)
        demo = Demo(browser_page, sandbox.url)
        for name, step in STEPS:
            try:
                step(demo)
            finally:
                demo.shots.append(_shot(demo, name))
        assert errors == []
    finally:
        assert sandbox.stop() == 0, sandbox.log()
