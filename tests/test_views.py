"""Builders: help per role, team and home views, modals inside Slack's limits."""

from __future__ import annotations

import json

from bot.access import competence, may_manage_team, may_view_team
from bot.forms import validate_member, validate_setup, validate_startup
from bot.programme import Caller, Member, Organisation, OrganisationKind, Role, Startup
from bot.views.help import build_help
from bot.views.home import GroupSummary, HomeData, build_home
from bot.views.setup import build_setup_modal
from bot.views.startup import build_startup_modal
from bot.views.team import build_team

ORG = Organisation(
    1, "Södertälje <!channel>", OrganisationKind.MUNICIPALITY, "C0ORG", "C0OPPS", "Europe/Stockholm"
)
OTHER = Organisation(2, "Region Y", OrganisationKind.REGION, "C0REG", "C0OPPS", "Europe/Stockholm")
ADMIN = Caller("UADMIN", is_admin=True)
PM = Caller("UPM", memberships={1: Role.PROJECT_MANAGER})
BUYER = Caller("UBUY", memberships={1: Role.BUYER})
STARTUP = Caller("USTART", startup_ids=frozenset({7}))
STRANGER = Caller("UNOBODY")


def text_of(message: object) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_help_lists_only_what_each_role_may_use() -> None:
    assert "/matchday setup" in text_of(build_help(ADMIN))
    assert "/matchday startup" in text_of(build_help(ADMIN))
    for caller in (PM, BUYER):
        shown = text_of(build_help(caller))
        assert "/matchday team" in shown
        assert "/matchday setup" not in shown
        assert "/matchday admins" not in shown
    for caller in (STARTUP, STRANGER):
        shown = text_of(build_help(caller))
        assert "/matchday help" in shown
        assert "/matchday team" not in shown


def test_help_for_an_unknown_subcommand_says_so_and_escapes_it() -> None:
    shown = text_of(build_help(STRANGER, unknown="<!channel>"))
    assert "I don't know" in shown
    assert "<!channel>" not in shown
    assert "not part of the programme yet" in shown


def test_team_view_escapes_the_name_and_shows_controls_only_to_managers() -> None:
    members = [Member(1, "UPM", Role.PROJECT_MANAGER), Member(1, "UBUY", Role.BUYER)]
    managed = text_of(build_team(ORG, members, can_manage=True))
    assert "team_add_member" in managed
    assert "team_remove_member" in managed
    assert "<!channel>" not in text_of(build_team(ORG, members, can_manage=True)["text"])
    read_only = text_of(build_team(ORG, members, can_manage=False))
    assert "team_add_member" not in read_only
    assert "team_remove_member" not in read_only


def test_team_view_points_out_missing_competence() -> None:
    only_business = [Member(1, "UBUY", Role.BUYER)]
    shown = text_of(build_team(ORG, only_business, can_manage=False))
    assert "No technical competence" in shown
    assert "No business competence" not in shown
    only_technical = [Member(1, "UPM", Role.PRODUCT_MANAGER)]
    assert "No business competence" in text_of(build_team(ORG, only_technical, can_manage=False))
    both = [Member(1, "A1B", Role.PROCUREMENT_MANAGER), Member(1, "A2B", Role.OTHER)]
    assert competence(both).complete


def test_large_team_stays_inside_fifty_blocks() -> None:
    members = [Member(1, f"U{index:05d}", Role.OTHER) for index in range(120)]
    message = build_team(ORG, members, can_manage=True)
    assert len(message["blocks"]) <= 50
    assert "Showing 1–30 of 120" in text_of(message)


def test_team_permissions() -> None:
    assert may_view_team(ADMIN, ORG)
    assert may_view_team(BUYER, ORG)
    assert not may_view_team(BUYER, OTHER)
    assert not may_view_team(STARTUP, ORG)
    assert may_manage_team(PM, ORG)
    refusal = may_manage_team(BUYER, ORG)
    assert not refusal
    assert "project managers" in refusal.refusal


def test_modals_fit_slack_limits() -> None:
    for view in (build_setup_modal("C0ORG", "https://x", ORG), build_startup_modal("https://x")):
        assert len(view["title"]["text"]) <= 24
        assert len(view["private_metadata"]) <= 3000
        assert len(view["blocks"]) <= 100


def test_setup_modal_is_prefilled_when_editing() -> None:
    view = build_setup_modal("C0ORG", "https://x", ORG)
    assert view["blocks"][0]["element"]["initial_value"] == ORG.name
    assert view["blocks"][2]["element"]["initial_conversation"] == "C0OPPS"


def test_home_for_a_stranger_says_what_to_do_first() -> None:
    shown = text_of(build_home(HomeData(STRANGER)))
    assert "What to do first" in shown


def test_home_for_an_admin_shows_the_programme_and_gaps() -> None:
    group = GroupSummary(ORG, 1, competence([Member(1, "UBUY", Role.BUYER)]))
    shown = text_of(build_home(HomeData(ADMIN, programme=[group], startup_count=3)))
    assert "2 organisations" not in shown
    assert "1 organisation, 3 startups" in shown  # each count in its own number
    assert "No technical competence" in shown


def test_home_for_a_startup_lists_its_company() -> None:
    startup = Startup(7, "Acme <b>", "556016-0680", "https://acme.example", "health", "We fix it")
    shown = text_of(build_home(HomeData(STARTUP, startups=[startup])))
    assert "Acme &lt;b&gt;" in shown


def test_setup_form_refuses_the_groups_own_channel_for_opportunities() -> None:
    form, errors = validate_setup(
        name="X", kind="municipality", opportunities_channel="C0ORG", own_channel="C0ORG"
    )
    assert form is None
    assert "opportunities_channel" in errors
    form, errors = validate_setup(
        name=" ", kind=None, opportunities_channel=None, own_channel="C0ORG"
    )
    assert set(errors) == {"name", "kind", "opportunities_channel"}


def test_member_form_needs_person_and_role() -> None:
    assert set(validate_member(user_id=None, role="chef")[1]) == {"user", "role"}
    form, _ = validate_member(user_id="U1X", role="buyer")
    assert form is not None
    assert form.role is Role.BUYER


def test_startup_form_field_errors() -> None:
    form, errors = validate_startup(
        name="",
        org_number="556016-0681",
        website="javascript:alert(1)",
        sector="x" * 101,
        description="ok",
        representatives=[],
    )
    assert form is None
    assert set(errors) == {"name", "org_number", "website", "sector", "representatives"}
    form, errors = validate_startup(
        name="Acme",
        org_number="5560160680",
        website="https://acme.example",
        sector="health",
        description="We fix it",
        representatives=["U1X"],
    )
    assert errors == {}
    assert form is not None
    assert form.org_number == "556016-0680"


def test_an_opportunity_card_shows_a_long_description_whole_however_it_escapes() -> None:
    from datetime import date

    from bot.needs import Opportunity
    from bot.views.areas import build_opportunity_card
    from sandbox.slack_limits import check_message

    typed = "R&D <b> " * 375  # 3,000 characters as typed; 5,250 once escaped for Slack
    opportunity = Opportunity(
        1, 1, 1, "Fewer falls", typed, date(2027, 2, 1), Role.BUYER, "published", "C0OPPS", None
    )
    card = build_opportunity_card(opportunity, ORG)
    assert check_message(card["text"], card["blocks"]) is None
    shown = "".join(
        block["text"]["text"]
        for block in card["blocks"]
        if block["type"] == "section" and "text" in block
    )
    assert shown == typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
