"""The pure rules of who may read where, and the views that keep a pitch out of sight."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.channel_safety import (
    ChannelFacts,
    Confidentiality,
    Problem,
    facts_from,
    may_link,
    may_open_pitch,
    may_post,
    outsiders_among,
    unknown,
)
from bot.pitches import Pitch, PitchStatus
from bot.programme import Caller, Role
from bot.views.pitches import build_pitch_view, build_redacted_card
from sandbox.slack_limits import check_message

SAFE = ChannelFacts("C1", known=True, is_private=True)


def _pitch(**changes: object) -> Pitch:
    fields: dict[str, object] = {
        "id": 7,
        "opportunity_id": 3,
        "organisation_id": 1,
        "startup_id": 2,
        "startup_name": "Acme",
        "opportunity_title": "Fewer falls",
        "solution": "SECRET solution",
        "fit": "fit",
        "references": "",
        "pilot": "pilot",
        "link": "",
        "status": PitchStatus.SUBMITTED,
        "submitted_by": "UREP",
        "submitted_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return Pitch(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "problems"),
    [
        (SAFE, ()),
        (ChannelFacts("C1", known=True, is_private=False), (Problem.PUBLIC,)),
        (ChannelFacts("C1", known=True, is_private=True, is_ext_shared=True), (Problem.SHARED,)),
        (ChannelFacts("C1", known=True, is_private=True, is_org_shared=True), (Problem.SHARED,)),
        (
            ChannelFacts("C1", known=True, is_private=True, outsiders=frozenset({"U9"})),
            (Problem.OUTSIDERS,),
        ),
        (ChannelFacts("C1", known=True, is_private=True, outsiders=None), (Problem.UNKNOWN,)),
        (unknown("C1", "internal_error"), (Problem.UNKNOWN,)),
    ],
)
def test_confidential_content_goes_only_to_private_unshared_channels_of_the_group(
    facts: ChannelFacts, problems: tuple[Problem, ...]
) -> None:
    decision = may_post(Confidentiality.CONFIDENTIAL, facts)
    assert decision.problems == problems
    assert bool(decision) is (not problems)
    assert may_post(Confidentiality.OPEN, facts)


def test_facts_come_from_conversations_info_and_outsiders_from_the_members() -> None:
    info = {"is_private": True, "is_shared": False, "is_ext_shared": True}
    facts = facts_from(
        "C1", info, outsiders_among(["U1", "U2", "UBOT", "U3"], ["U1"], ["U2"], ["UBOT"])
    )
    assert facts.outsiders == frozenset({"U3"})
    assert facts.shared and facts.state == "shared"
    assert not may_link(facts)
    assert "shared with another organisation" in may_link(facts).refusal
    assert "public" in may_link(ChannelFacts("C1", known=True)).refusal
    assert "could not check" in may_link(unknown("C1", "channel_not_found")).refusal
    assert may_link(SAFE)


def test_open_pitch_is_for_the_group_admins_and_the_startup_and_refuses_in_one_voice() -> None:
    pitch = _pitch()
    assert may_open_pitch(Caller("UADMIN", is_admin=True), pitch)
    assert may_open_pitch(Caller("UPM", memberships={1: Role.PROJECT_MANAGER}), pitch)
    assert may_open_pitch(Caller("UREP", startup_ids=frozenset({2})), pitch)
    others = [
        may_open_pitch(Caller("UX", memberships={9: Role.BUYER}), pitch),
        may_open_pitch(Caller("UY", startup_ids=frozenset({5})), pitch),
        may_open_pitch(Caller("UZ"), None),
    ]
    assert not any(others)
    assert len({decision.refusal for decision in others}) == 1
    assert "Acme" not in others[0].refusal and "Fewer" not in others[0].refusal


def test_the_short_card_holds_no_word_of_the_pitch_and_stays_in_limits() -> None:
    card = build_redacted_card(_pitch(), ["This channel is public."], "Shortlisted by someone.")
    text = json.dumps(card)
    assert "SECRET" not in text and "pitch_view" in text and "Fewer falls" in text
    assert check_message(card["text"], card["blocks"]) is None


def test_the_full_pitch_modal_shows_every_word_without_splitting_an_escape() -> None:
    long = ("A&B <!channel> " * 400)[:3000]
    view = build_pitch_view(_pitch(solution=long, fit=long, pilot=long, references=long))
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    joined = "".join(sections)
    assert joined.count("&amp;") == 4 * long.count("&")
    assert "<!channel>" not in joined
    assert len(view["blocks"]) <= 100


def test_every_pitch_in_a_list_can_be_opened_in_full() -> None:
    from dataclasses import replace

    from bot.views.pitches import VIEW_PITCH_ACTION, build_pitch_list

    pitches = [replace(_pitch(), id=number) for number in (4, 5, 6)]
    shown = build_pitch_list(pitches, 0, 10, title="Pitches", action_id="pitches_page", value="org")
    assert check_message(shown.get("text"), shown["blocks"]) is None
    opened = [
        block["accessory"]["value"]
        for block in shown["blocks"]
        if block.get("accessory", {}).get("action_id") == VIEW_PITCH_ACTION
    ]
    assert opened == ["4", "5", "6"]
