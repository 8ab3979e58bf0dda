"""Pickers: what people type finds the startup or organisation, within Slack's limits."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import use_language
from bot.programme import OrganisationKind
from bot.views.pickers import MAX_OPTIONS, options_answer, startup_option
from sandbox.slack_limits import check_options
from storage.repositories import organisations, pickers, startups


def _register(session: Session, name: str, number: str) -> int:
    return startups.register(
        session=session,
        actor="UADMIN0001",
        name=name,
        org_number=number,
        website="https://example.org",
        sector="health",
        description="x",
        representatives=[],
    ).id


def test_startups_are_found_by_any_part_of_the_name_in_any_case_and_by_number(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        angstrom = _register(session, "Ångström Vård AB", "556016-0680")
        percent = _register(session, "100% Omsorg AB", "559123-4561")
        plain = _register(session, "Acme Care AB", "556677-8899")
    with sessions() as session:

        def found(query: str) -> list[int]:
            return [
                item.id
                for item in pickers.search_startups(session=session, query=query, limit=10).items
            ]

        assert found("ångström") == found("ÅNGSTRÖM") == found("ström v") == [angstrom]
        assert found("5560160680") == found("556016-0680") == found("16556016-0680") == [angstrom]
        assert found("556016") == [angstrom]
        assert found("%") == [percent]  # LIKE's wildcards are taken as typed
        assert found("_") == []
        assert found("acme") == [plain]
        assert found("  ") == found("")
        assert sorted(found("")) == sorted([angstrom, percent, plain])
        assert found("nothing like this") == []


def test_a_search_says_when_more_match_than_it_returns(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for index in range(5):
            organisations.save(
                session=session,
                actor="UADMIN0001",
                channel_id=f"C0PICK{index}",
                name=f"Östra Göinge kommun {index}",
                kind=OrganisationKind.MUNICIPALITY,
                opportunities_channel_id="C0OPPS",
                timezone="Europe/Stockholm",
            )
    with sessions() as session:
        some = pickers.search_organisations(session=session, query="ÖSTRA", limit=3)
        every = pickers.search_organisations(session=session, query="göinge", limit=5)
    assert (len(some.items), some.more) == (3, True)
    assert (len(every.items), every.more) == (5, False)
    assert [item.name for item in every.items] == sorted(item.name for item in every.items)


def test_an_answer_stays_within_slacks_limits_and_asks_for_more_typing() -> None:
    options = [startup_option(i, "Ö" * 200, "556016-0680") for i in range(MAX_OPTIONS)]
    assert all(o["text"]["text"].endswith("(556016-0680)") for o in options)
    with use_language("en"):
        more = options_answer(options, more=True)
    assert check_options(more) is None
    (group,) = more["option_groups"]
    assert len(group["options"]) == MAX_OPTIONS
    assert "type more" in group["label"]["text"]
    assert options_answer(options[:3], more=False) == {"options": options[:3]}
    # The fake rejects what Slack rejects: 101 options, or a text over 75 characters.
    too_many = {"options": [*options, startup_option(999, "x", "556016-0680")]}
    assert check_options(too_many) is not None
    too_long = {"options": [{"text": {"type": "plain_text", "text": "x" * 76}, "value": "1"}]}
    assert check_options(too_long) is not None
