"""Views at the size of a big programme: nothing cut, every action present, every row once.

Builders raise :class:`BlockKitLimit` instead of cutting, and every page is checked by the
fake Slack's own limits (``sandbox.slack_limits``), so a page Slack would refuse fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, time
from typing import Any

import pytest

from bot.i18n import use_language
from bot.matchday_list import OwnMeeting, UpcomingMatchday
from bot.matchdays import Matchday
from bot.planning.problem import Slot
from bot.programme import Member, Organisation, OrganisationKind, Role
from bot.views.blocks import (
    BlockKitLimit,
    actions,
    button,
    context,
    fields,
    message,
    modal,
    section,
    sections,
)
from bot.views.matchday_list import build_matchday_list
from bot.views.matchdays import (
    ACCEPT_ACTION,
    AGENDA_PAGE_ACTION,
    EXPORT_ACTION,
    PLAN_ACTION,
    PLAN_PAGE_ACTION,
    PUBLISH_ACTION,
    REQUEST_ACTION,
    UNPLACED_PAGE_ACTION,
    AgendaItem,
    PlanRow,
    build_agenda,
    build_availability,
    build_overview,
)
from bot.views.paging import read_page_value
from bot.views.team import ADD_MEMBER_ACTION, TEAM_PAGE_ACTION, build_team
from sandbox.slack_limits import check_message

DAY = Matchday(
    id=7,
    title="Matchday Hälsa & Omsorg <Västra Götaland> – vårens stora träffdag för alla",
    day=date(2027, 3, 9),
    starts=time(8),
    ends=time(20),
    meeting_minutes=15,
    breaks=(),
    tables=48,
    place="Stadshuset, Göteborg",
    links=(),
    timezone="Europe/Stockholm",
    availability_deadline=date(2027, 3, 1),
    status="published",
)
ORG = Organisation(
    3, "Region Västra Götaland", OrganisationKind.REGION, "C0ORG", "C0OPPS", "Europe/Stockholm"
)
# Long Swedish names with characters that grow when escaped.
ORG_NAME = "Västra Götalandsregionens förvaltning för hälso- & sjukvård <{n:05d}>"
STARTUP_NAME = "Ångströms Medicinteknik & Söner Aktiebolag (publ) P{n:05d}P"


def blocks_of(kind: str, view: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in view["blocks"] if block["type"] == kind]


def elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = [el for block in blocks_of("actions", view) for el in block["elements"]]
    found += [b["accessory"] for b in blocks_of("section", view) if b.get("accessory")]
    return found


def text_of(view: dict[str, Any]) -> str:
    parts = []
    for block in view["blocks"]:
        if block["type"] == "section":
            parts.append(block.get("text", {}).get("text", ""))
        elif block["type"] == "context":
            parts += [element["text"] for element in block["elements"]]
    return "\n".join(parts)


def accepted_by_slack(view: dict[str, Any]) -> dict[str, Any]:
    violation = check_message(view["text"], view["blocks"])
    assert violation is None, violation.problems
    return view


def next_value(view: dict[str, Any], stem: str, direction: str = "next") -> str | None:
    found = [el for el in elements(view) if el.get("action_id") == f"{stem}_{direction}"]
    assert len(found) <= 1
    return found[0]["value"] if found else None


def walk(
    first: dict[str, Any], stem: str, build: Callable[[int, dict[str, Any]], dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Every page from the first on, following the *Next* buttons as a person would."""
    page = first
    for _count in range(10_000):
        yield accepted_by_slack(page)
        value = next_value(page, stem)
        if value is None:
            return
        number, extra = read_page_value(value)
        page = build(number, extra)
    raise AssertionError("Next never ended")


# --- the constructors raise instead of cutting ------------------------------------------------


def test_constructors_raise_instead_of_cutting() -> None:
    assert section("a" * 3000)["text"]["text"] == "a" * 3000
    with pytest.raises(BlockKitLimit, match=r"section text: 3001 .* 3000 \(by 1\)"):
        section("a" * 3001)
    with pytest.raises(BlockKitLimit, match="message blocks: 51"):
        message("x", [section("b")] * 51)
    with pytest.raises(BlockKitLimit, match="modal blocks: 101"):
        modal("cb", "Title", [section("b")] * 101, close="Close")
    with pytest.raises(BlockKitLimit, match="actions block elements: 26"):
        actions(*[button("b", f"a{i}") for i in range(26)])
    with pytest.raises(BlockKitLimit, match="duplicate action_ids"):
        actions(button("b", "same"), button("c", "same"))
    with pytest.raises(BlockKitLimit, match="section fields: 11"):
        fields(*["f"] * 11)
    with pytest.raises(BlockKitLimit, match="context elements: 11"):
        context(*["c"] * 11)
    with pytest.raises(BlockKitLimit, match="button value: 2001"):
        button("b", "a", "v" * 2001)
    with pytest.raises(BlockKitLimit, match="duplicate block_ids"):
        message("x", [section("a", block_id="one"), section("b", block_id="one")])
    with pytest.raises(BlockKitLimit, match="private_metadata: 3001"):
        modal("cb", "Title", [], close="Close", private_metadata="m" * 3001)


def test_sections_keep_every_line_whole_and_in_order() -> None:
    lines = [f"line {index:04d} " + "x" * (index % 300) for index in range(800)]
    packed = sections(lines)
    assert all(len(block["text"]["text"]) <= 3000 for block in packed)
    assert "\n".join(block["text"]["text"] for block in packed) == "\n".join(lines)
    assert sections([]) == []
    with pytest.raises(BlockKitLimit):
        sections(["y" * 3001])


# --- the matchday overview --------------------------------------------------------------------


def plan_rows(count: int) -> list[PlanRow]:
    slots = DAY.slots()
    return [
        PlanRow(
            slots[index // 48 % len(slots)],
            index % 48 + 1,
            ORG_NAME.format(n=index),
            STARTUP_NAME.format(n=index),
            None if index % 3 else True,
            None,
        )
        for index in range(count)
    ]


def unplaced_of(count: int) -> list[tuple[str, str, str]]:
    return [
        (ORG_NAME.format(n=index), f"Olösta fallet U{index:05d}U", "no_room")
        for index in range(count)
    ]


NOTE = {"solver": "cp-sat", "proven_optimal": False, "gap": 0.02, "seconds": 59.4}


@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize(("meetings", "unplaced"), [(1152, 0), (1152, 37), (3000, 400)])
def test_overview_pages_reach_every_meeting_once(
    language: str, meetings: int, unplaced: int
) -> None:
    rows, missing = plan_rows(meetings), unplaced_of(unplaced)
    with use_language(language):

        def build(page: int = 0, unplaced_page: int = 0) -> dict[str, Any]:
            return build_overview(
                DAY, rows, missing, NOTE, (480, 455), page=page, unplaced_page=unplaced_page
            )

        seen: Counter[str] = Counter()
        pages = list(walk(build(), PLAN_PAGE_ACTION, lambda n, extra: build(n, extra["u"])))
        for page in pages:
            # The day's four actions on every page, above the lists.
            first = page["blocks"].index(blocks_of("actions", page)[0])
            assert [el["action_id"] for el in page["blocks"][first]["elements"]] == [
                PLAN_ACTION,
                PUBLISH_ACTION,
                EXPORT_ACTION,
                REQUEST_ACTION,
            ]
            assert first < 3
            seen.update(re.findall(r"P(\d{5})P", text_of(page)))
        assert seen == Counter(f"{n:05d}" for n in range(meetings))
        assert len(pages) == -(-meetings // 40)
        if language == "en":
            assert f"Showing 1–40 of {meetings:,}" in text_of(pages[0])
            first_of_last = (len(pages) - 1) * 40 + 1
            assert f"Showing {first_of_last:,}–{meetings:,} of {meetings:,}" in text_of(pages[-1])

        # Previous walks back from the last page to the first.
        last = pages[-1]
        back = 0
        while (value := next_value(last, PLAN_PAGE_ACTION, "previous")) is not None:
            number, extra = read_page_value(value)
            last = accepted_by_slack(build(number, extra["u"]))
            back += 1
        assert back == len(pages) - 1

        missed: Counter[str] = Counter()
        for page in walk(build(), UNPLACED_PAGE_ACTION, lambda n, extra: build(extra["p"], n)):
            missed.update(re.findall(r"U(\d{5})U", text_of(page)))
        assert missed == Counter(f"{n:05d}" for n in range(unplaced))


def test_overview_summary_and_page_position_kept_across_lists() -> None:
    rows, missing = plan_rows(1152), unplaced_of(45)
    page = build_overview(DAY, rows, missing, NOTE, (480, 455), page=5, unplaced_page=1)
    text = text_of(page)
    assert "*1,152* meetings planned" in text and "*45* requests could not be placed" in text
    assert "CSV" in text
    assert "Showing 201–240 of 1,152" in text and "Showing 21–40 of 45" in text
    number, extra = read_page_value(next_value(page, UNPLACED_PAGE_ACTION))
    assert (number, extra) == (2, {"m": DAY.id, "p": 5})
    number, extra = read_page_value(next_value(page, PLAN_PAGE_ACTION))
    assert (number, extra) == (6, {"m": DAY.id, "u": 1})


def test_a_page_that_no_longer_exists_shows_the_current_list() -> None:
    rows = plan_rows(100)
    stale = accepted_by_slack(build_overview(DAY, rows, [], NOTE, (2, 2), page=28))
    assert "This list has changed" in text_of(stale)
    assert "Showing 81–100 of 100" in text_of(stale)
    fresh = build_overview(DAY, rows, [], NOTE, (2, 2), page=2)
    assert "This list has changed" not in text_of(fresh)
    empty = accepted_by_slack(build_overview(DAY, [], [], {}, (2, 0), page=3))
    assert [el["action_id"] for el in elements(empty)] == [
        PLAN_ACTION,
        PUBLISH_ACTION,
        EXPORT_ACTION,
        REQUEST_ACTION,
    ]


# --- agendas, the team, the matchday list, availability --------------------------------------


def test_agenda_of_a_full_day_pages_every_meeting_with_its_answers() -> None:
    slots = [Slot(index, time(index // 4, index % 4 * 15), time(23, 59)) for index in range(96)]
    items = [
        AgendaItem(1000 + index, slot, STARTUP_NAME.format(n=index), "Stadshuset, bord 12", None)
        for index, slot in enumerate(slots)
    ]
    with use_language("sv"):

        def build(page: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
            reminder = bool((extra or {}).get("e"))
            return build_agenda(
                DAY, ORG_NAME, items, reminder=reminder, page=page, party=("organisation", 3)
            )

        answered: Counter[str] = Counter()
        pages = list(walk(build(0), AGENDA_PAGE_ACTION, build))
    for page in pages:
        answered.update(el["value"] for el in elements(page) if el["action_id"] == ACCEPT_ACTION)
    assert answered == Counter(str(1000 + index) for index in range(96))
    assert len(pages) == 5
    _number, extra = read_page_value(next_value(pages[0], AGENDA_PAGE_ACTION))
    assert extra == {"m": DAY.id, "k": "organisation", "r": 3}
    # Without a party (nothing to rebuild it from) a short agenda has no pager at all.
    short = build_agenda(DAY, ORG_NAME, items[:3])
    assert next_value(short, AGENDA_PAGE_ACTION) is None


def test_team_of_four_hundred_pages_with_add_member_on_every_page() -> None:
    members = [Member(ORG.id, f"U{index:06d}", Role.OTHER) for index in range(400)]
    listed: Counter[str] = Counter()

    def build(page: int, extra: dict[str, Any]) -> dict[str, Any]:
        assert extra == {"o": ORG.id}
        return build_team(ORG, members, can_manage=True, page=page)

    for page in walk(build_team(ORG, members, can_manage=True), TEAM_PAGE_ACTION, build):
        assert elements(page)[0]["action_id"] == ADD_MEMBER_ACTION
        listed.update(re.findall(r"<@(U\d{6})>", text_of(page)))
    assert listed == Counter(member.user_id for member in members)


def test_matchday_list_pages_every_matchday_and_meeting() -> None:
    meetings = tuple(
        OwnMeeting(None, None, STARTUP_NAME.format(n=index) * 2, index % 48 + 1, False)
        for index in range(48)
    )
    days = [
        UpcomingMatchday(
            id=index,
            title=f"Matchday D{index:03d}D " + "lång titel " * 10,
            day=date(2027, 3, 1 + index),
            starts=time(8),
            ends=time(20),
            timezone="Europe/Stockholm",
            place="Stadshuset",
            links=(),
            status="published",
            availability_deadline=date(2027, 2, 1),
            meetings=meetings,
        )
        for index in range(14)
    ]
    shown: Counter[str] = Counter()
    with use_language("sv"):
        for page in walk(
            build_matchday_list(days),
            "matchday_list_page",
            lambda n, _e: build_matchday_list(days, n),
        ):
            text = text_of(page)
            shown.update(re.findall(r"D(\d{3})D", text))
            assert len(re.findall(r"P(\d{5})P", text)) % 96 == 0
    assert shown == Counter(f"{index:03d}" for index in range(14))


@pytest.mark.parametrize(("starts", "ends"), [(time(8), time(20)), (time(0), time(23, 45))])
def test_availability_offers_every_slot_of_a_long_day(starts: time, ends: time) -> None:
    day = Matchday(**{**DAY.__dict__, "starts": starts, "ends": ends})
    slots = day.slots()
    assert len(slots) > 10
    shown = accepted_by_slack(
        build_availability(day, ORG_NAME, "organisation", 3, slots, frozenset({1, 2}))
    )
    offered = [
        option["value"]
        for block in blocks_of("actions", shown)
        for element in block["elements"]
        for option in element["options"]
    ]
    ticked = [
        option["value"]
        for block in blocks_of("actions", shown)
        for element in block["elements"]
        for option in element.get("initial_options", [])
    ]
    assert offered == [str(slot.index) for slot in slots]
    assert set(offered) - set(ticked) == {"1", "2"}


def test_shortlist_of_four_hundred_pitches_pages_each_once() -> None:
    from datetime import UTC, datetime

    from bot.pitches import Pitch, PitchStatus
    from bot.views.meetings import PROPOSE_ACTION, SHORTLIST_PAGE_ACTION, build_shortlist

    shortlisted = [
        Pitch(
            100 + index,
            1,
            ORG.id,
            index,
            STARTUP_NAME.format(n=index),
            "Digital tillsyn i hemtjänsten & nattpatrull <Västra>",
            "",
            "",
            "",
            "",
            "",
            PitchStatus.SHORTLISTED,
            "U1",
            datetime(2027, 1, 1, tzinfo=UTC),
        )
        for index in range(400)
    ]
    proposed: Counter[str] = Counter()

    def build(page: int, extra: dict[str, Any]) -> dict[str, Any]:
        assert extra == {"o": ORG.id}
        return build_shortlist(shortlisted, page, ORG.id)

    for page in walk(build_shortlist(shortlisted, 0, ORG.id), SHORTLIST_PAGE_ACTION, build):
        proposed.update(el["value"] for el in elements(page) if el["action_id"] == PROPOSE_ACTION)
    assert proposed == Counter(str(100 + index) for index in range(400))


def test_opportunity_and_pitch_lists_page_with_distinct_buttons() -> None:
    from datetime import UTC, datetime

    from bot.needs import Opportunity
    from bot.pitches import Pitch, PitchStatus
    from bot.views.areas import PITCH_ACTION
    from bot.views.opportunities import OPPORTUNITIES_PAGE_ACTION, build_opportunity_list
    from bot.views.pitches import VIEW_PITCH_ACTION, build_pitch_list

    items = [
        (
            Opportunity(
                index,
                ORG.id,
                1,
                f"Digital tillsyn nattetid & <hemtjänst> O{index:05d}O",
                "Beskrivning " * 40,
                date(2027, 4, 1),
                Role.PROCUREMENT_MANAGER,
                "published",
                "C0OPPS",
                None,
            ),
            ORG,
        )
        for index in range(400)
    ]
    offered: Counter[str] = Counter()
    for page in walk(
        build_opportunity_list(items, 0, can_pitch=True),
        OPPORTUNITIES_PAGE_ACTION,
        lambda n, _extra: build_opportunity_list(items, n, can_pitch=True),
    ):
        offered.update(el["value"] for el in elements(page) if el["action_id"] == PITCH_ACTION)
    assert offered == Counter(str(index) for index in range(400))

    pitches = [
        Pitch(
            index,
            1,
            ORG.id,
            index,
            STARTUP_NAME.format(n=index),
            "Digital tillsyn",
            "Lösning " * 60,
            "",
            "",
            "",
            "",
            list(PitchStatus)[index % len(PitchStatus)],
            "U1",
            datetime(2027, 1, 1, tzinfo=UTC),
        )
        for index in range(400)
    ]

    def pitch_page(page: int, extra: dict[str, Any]) -> dict[str, Any]:
        assert extra == {"c": "C0ORG"}
        return build_pitch_list(
            pitches, page, 10, title="Pitches", action_id="pitches_page", value="C0ORG"
        )

    opened: Counter[str] = Counter()
    for page in walk(pitch_page(0, {"c": "C0ORG"}), "pitches_page", pitch_page):
        opened.update(el["value"] for el in elements(page) if el["action_id"] == VIEW_PITCH_ACTION)
    assert opened == Counter(str(index) for index in range(400))
    stale = pitch_page(99, {"c": "C0ORG"})
    assert "This list has changed" in text_of(stale)


def test_agenda_change_lists_every_change() -> None:
    from bot.views.matchdays import build_change

    lines = [
        f"• moved to {index // 4:02d}:{index % 4 * 15:02d} (Stadshuset, bord {index})"
        for index in range(96)
    ]
    shown = accepted_by_slack(build_change(lines))
    assert all(line in text_of(shown) for line in lines)
