"""The pure rules of erasure and of a person's own export (bot/privacy.py)."""

from __future__ import annotations

from bot.privacy import (
    ANOTHER_PERSON,
    ERASED,
    Person,
    RequestState,
    may_become,
    names_person,
    new_pseudonym,
    only_about,
    person_from_profile,
    scrub_value,
)
from bot.text import user

ASTRID = Person("UREP000001", ("Astrid Lindqvist", "astrid", "Bo"), ("astrid@acme.example",))


def test_scrub_takes_the_person_out_of_text_and_json_alike() -> None:
    value = {
        "by": "UREP000001",
        "UREP000001": ["<@UREP000001|astrid> wrote to ASTRID@acme.example"],
        "note": "Astrid Lindqvist met <@UBUYER0001>; Bob stays",
    }
    scrubbed = scrub_value(value, ASTRID, "erased-3f9a1c")
    assert scrubbed == {
        "by": "erased-3f9a1c",
        "erased-3f9a1c": [f"erased-3f9a1c wrote to {ERASED}"],
        "note": f"{ERASED} met <@UBUYER0001>; Bob stays",  # "Bo" is too short to look for
    }
    assert not names_person(scrubbed, ASTRID)


def test_the_export_shows_nobody_else() -> None:
    row = {"text": "<@UBUYER0001> and U0123ABCDE9 and bo@x.se met <@UREP000001>", "n": 3}
    assert only_about(row, ASTRID) == {
        "text": f"{ANOTHER_PERSON} and {ANOTHER_PERSON} and {ANOTHER_PERSON} met <@UREP000001>",
        "n": 3,
    }
    assert only_about("STATUS UPDATE", ASTRID) == "STATUS UPDATE"  # not an id: no digit


def test_pseudonyms_are_fresh_and_render_without_a_mention() -> None:
    first = new_pseudonym()
    assert first.startswith("erased-") and len(first) == len("erased-3f9a1c")
    assert new_pseudonym([first]) != first
    assert user(first) == first


def test_a_profile_gives_names_and_address() -> None:
    person = person_from_profile(
        "U1",
        {
            "name": "astrid.l",
            "real_name": "Astrid Lindqvist",
            "profile": {"display_name": "", "email": "a@x.se"},
        },
    )
    assert person.names == ("Astrid Lindqvist", "astrid.l")
    assert person.emails == ("a@x.se",)


def test_a_request_is_decided_once() -> None:
    assert may_become(RequestState.PENDING, RequestState.APPROVED)
    assert may_become(RequestState.PENDING, RequestState.REJECTED)
    assert not may_become(RequestState.REJECTED, RequestState.APPROVED)
    assert not may_become(RequestState.APPROVED, RequestState.REJECTED)
