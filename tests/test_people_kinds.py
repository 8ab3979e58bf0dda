"""Kinds of Slack accounts (users.info) and what reaches each of them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.people_kinds import (
    PersonKind,
    advice_for_person,
    advice_for_programme,
    classify,
    reach,
)
from bot.views.menu import build_menu, build_welcome, build_welcome_posted
from sandbox.slack_state import TEAM_ID, User

HOME = "T0HOME"


def user(**fields: Any) -> dict[str, Any]:
    return {"id": "U1", "team_id": HOME, **fields}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({}, PersonKind.MEMBER),
        ({"is_restricted": True}, PersonKind.MULTI_CHANNEL_GUEST),
        ({"is_restricted": True, "is_ultra_restricted": True}, PersonKind.SINGLE_CHANNEL_GUEST),
        ({"team_id": "T0OTHER"}, PersonKind.EXTERNAL),
        ({"is_stranger": True}, PersonKind.EXTERNAL),
        # A guest of another organisation is from another organisation first.
        ({"team_id": "T0OTHER", "is_restricted": True}, PersonKind.EXTERNAL),
        # Enterprise Grid: a sibling workspace of the same organisation is no outsider.
        (
            {"team_id": "T0SIBLING", "enterprise_user": {"teams": [HOME, "T0SIBLING"]}},
            PersonKind.MEMBER,
        ),
    ],
)
def test_classify(fields: dict[str, Any], kind: PersonKind) -> None:
    assert classify(user(**fields), HOME) is kind


def test_nothing_known_is_unknown_and_assumed_least() -> None:
    assert classify(None, HOME) is PersonKind.UNKNOWN
    assert classify({}, HOME) is PersonKind.UNKNOWN
    least = reach(PersonKind.UNKNOWN)
    assert least.buttons and least.limited and not least.direct_messages


def test_every_kind_has_buttons_and_a_clear_word_unless_a_member() -> None:
    for kind in PersonKind:
        assert reach(kind).buttons  # the path every kind has
        assert bool(advice_for_person(kind)) is (kind is not PersonKind.MEMBER)
        assert bool(advice_for_programme(kind)) is (kind is not PersonKind.MEMBER)
    assert not reach(PersonKind.MEMBER).limited
    assert "multi-channel guest" in advice_for_person(PersonKind.SINGLE_CHANNEL_GUEST)


def test_the_fake_describes_guests_and_outsiders_as_slack_does() -> None:
    single = User("U2", "g", "G", is_restricted=True, is_ultra_restricted=True).to_api()
    assert single["is_restricted"] and single["is_ultra_restricted"]
    assert classify(single, TEAM_ID) is PersonKind.SINGLE_CHANNEL_GUEST
    outsider = User("U3", "x", "X", team_id="T0ELSE", is_stranger=True).to_api()
    assert outsider["team_id"] == "T0ELSE" and outsider["is_stranger"]
    assert classify(outsider, TEAM_ID) is PersonKind.EXTERNAL
    assert classify(User("U4", "m", "M").to_api(), TEAM_ID) is PersonKind.MEMBER


def test_views() -> None:
    welcome = build_welcome()
    ids = [
        e["action_id"] for b in welcome["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert ids == ["join_startup", "matchday_menu"]
    outside = build_menu([], PersonKind.EXTERNAL, [], in_programme=False)
    assert "Slack Connect" in str(outside) and "Join as a startup" in str(outside)
    member = build_menu([{"type": "header"}, {"type": "divider"}], PersonKind.MEMBER, [], True)
    assert member["blocks"] == [{"type": "divider"}]
    posted = build_welcome_posted(["C0OPPS"])
    assert "<#C0OPPS>" in posted["text"] and "Single-channel guest" in str(posted)


def test_my_matchday_offers_the_profile_of_every_startup_one_represents() -> None:
    from bot.programme import Startup

    startups = [Startup(n, f"Startup {n}", "556016-0680", "", "", "") for n in range(1, 13)]
    menu = build_menu([], PersonKind.SINGLE_CHANNEL_GUEST, startups, in_programme=True)
    offered = [e["value"] for b in menu["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert offered == [str(n) for n in range(1, 13)]
