"""Languages: the rule, the locale cache, the Swedish catalogue, and the language surviving
the trip to the after-ack pool."""

from __future__ import annotations

import contextvars
import gettext
import time
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import translations
from bot.background import AfterAck
from bot.catalogue import TEMPLATE
from bot.clock import SystemClock
from bot.config import load_settings
from bot.deps import Deps
from bot.i18n import _, use_language
from bot.language import (
    Choice,
    LocaleCache,
    Source,
    choose,
    language_of_locale,
    parse_language,
    set_request_language,
)
from bot.programme import OrganisationKind, Role
from handlers.language import Languages
from storage.repositories import languages, organisations


def test_the_rule_prefers_the_choice_then_slack_then_the_organisation() -> None:
    assert choose(chosen="en", slack_locale="sv-SE", organisation_languages=["sv"]) == Choice(
        "en", Source.CHOSEN
    )
    assert choose(chosen=None, slack_locale="sv-SE", organisation_languages=["en"]) == Choice(
        "sv", Source.SLACK
    )
    # Slack speaks German to this person; Matchday does not, so the organisation decides.
    assert choose(chosen=None, slack_locale="de-DE", organisation_languages=["sv"]) == Choice(
        "sv", Source.ORGANISATION
    )
    assert choose(chosen=None, slack_locale=None, organisation_languages=[]) == Choice(
        "en", Source.DEFAULT
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("sv-SE", "sv"),
        ("sv_SE", "sv"),
        ("en-GB", "en"),
        ("EN-us", "en"),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_slack_locales_map_to_the_languages_matchday_speaks(locale: str, language: str) -> None:
    assert language_of_locale(locale) == language


def test_people_name_languages_their_own_way() -> None:
    assert [parse_language(word) for word in ("sv", "Svenska", "english", "EN", "de")] == [
        "sv",
        "sv",
        "en",
        "en",
        None,
    ]


def test_the_locale_cache_trusts_an_answer_for_its_time_to_live() -> None:
    now = [1000.0]
    cache = LocaleCache(clock=lambda: now[0])
    assert cache.get("U1") == (False, None, False)
    cache.put("U1", "sv-SE", ttl=600)
    assert cache.get("U1") == (True, "sv-SE", True)
    now[0] += 601
    assert cache.get("U1") == (True, "sv-SE", False)  # stale, still known


def test_the_swedish_catalogue_has_every_message_of_the_template() -> None:
    gaps = translations.missing()
    assert gaps == [], (
        f"{len(gaps)} messages lack Swedish (first: {gaps[:3]}); list them with "
        "`python -m bot.translations --missing`, translate them in "
        "bot/locale/sv/LC_MESSAGES/matchday.po, then run `python -m bot.translations --compile`"
    )


def test_missing_lists_what_a_catalogue_lacks_and_the_cli_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    template = Catalog()
    template.add("Hello")
    template.add("Two\nlines")
    template.add("Fuzzy")
    swedish = Catalog(locale="sv")
    swedish.add("Hello", "Hej")
    swedish.add("Fuzzy", "Luddig", flags=["fuzzy"])
    assert translations.missing(template, swedish) == ["Two\nlines", "Fuzzy"]
    assert translations.main(["--missing"]) == 0  # the real catalogue is complete
    assert capsys.readouterr().out == ""


def test_translations_keep_every_placeholder() -> None:
    assert translations.placeholder_mismatches() == []


def test_the_compiled_catalogue_says_what_the_po_says() -> None:
    with translations.MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for message in translations.read(translations.PO, "sv"):
        if not message.id or message.fuzzy:
            continue
        ids, strings = translations.forms(message.id), translations.forms(message.string)
        if len(ids) == 2:
            got, expected = compiled.ngettext(ids[0], ids[1], 2), strings[1]
        else:
            got, expected = compiled.gettext(ids[0]), strings[0]
        if got != expected:
            stale.append(message.id)
    assert stale == [], "run `python -m bot.translations --compile`"


def test_the_template_is_what_the_swedish_catalogue_is_checked_against() -> None:
    assert TEMPLATE.exists()
    assert translations.PO.exists()


def test_messages_read_in_the_current_language() -> None:
    assert _("Matchday commands") == "Matchday commands"
    with use_language("sv"):
        assert _("Matchday commands") == "Matchdays kommandon"
        assert _("Step {n} of {total}").format(n=1, total=6) == "Steg 1 av 6"
    assert _("Matchday commands") == "Matchday commands"


def test_the_request_language_stays_set_for_the_rest_of_the_request() -> None:
    def request() -> str:
        set_request_language("sv")
        return _("Matchday commands")

    assert contextvars.copy_context().run(request) == "Matchdays kommandon"
    assert _("Matchday commands") == "Matchday commands"


def test_work_after_the_ack_keeps_the_language_of_its_request() -> None:
    pool = AfterAck(workers=2)
    try:
        with use_language("sv"):
            swedish = pool.submit(_, "Matchday commands")
        english = pool.submit(_, "Matchday commands")
        assert swedish.result(timeout=5) == "Matchdays kommandon"
        assert english.result(timeout=5) == "Matchday commands"
    finally:
        pool.shutdown()


def test_work_held_back_by_a_command_starts_after_its_reply() -> None:
    # A command handled after its answer replies at the end of its listener; what its
    # handler started ("the report follows in a moment") must not overtake that reply.
    pool = AfterAck(workers=2)
    shown: list[str] = []
    try:
        with pool.held():
            report = pool.submit(shown.append, "the report")
            time.sleep(0.05)  # time enough for the report to overtake, were it running
            shown.append("counting the funnel")
        report.result(timeout=5)
        assert shown == ["counting the funnel", "the report"]
        assert pool.submit(len, "no longer held").result(timeout=5) == 14
        # Held work that starts more work of its own: that work runs too, at once.
        with pool.held():
            chart = pool.submit(lambda: pool.submit(shown.append, "the chart").result(5))
        chart.result(timeout=5)
        assert shown[-1] == "the chart"
    finally:
        pool.shutdown()


class FakeUsersInfo:
    """Answers users.info like Slack, counting the calls."""

    def __init__(self, locales: dict[str, str]) -> None:
        self.locales = locales
        self.calls = 0

    def users_info(self, user: str, include_locale: bool) -> dict[str, Any]:
        self.calls += 1
        assert include_locale
        return {"ok": True, "user": {"id": user, "locale": self.locales.get(user)}}


def _languages(
    engine: Engine, sessions: sessionmaker[Session], locales: dict[str, str]
) -> Languages:
    settings = load_settings(DATABASE_URL="sqlite://", SLACK_BOT_TOKEN="xoxb-test")
    deps = Deps(settings, engine, sessions, AfterAck(workers=1), SystemClock())
    return Languages(deps, FakeUsersInfo(locales))  # type: ignore[arg-type]


def test_people_read_their_choice_their_slack_locale_or_their_organisations_language(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        municipality, _new = organisations.save(
            session=session,
            actor="UADMIN0001",
            channel_id="C0ORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
        for person in ("UGERMAN001", "UCHOOSER01"):
            organisations.set_member(
                session=session,
                actor="UADMIN0001",
                organisation_id=municipality.id,
                user_id=person,
                role=Role.BUYER,
            )
        languages.choose(session=session, user_id="UCHOOSER01", language="en")
    found = _languages(
        engine, sessions, {"UGERMAN001": "de-DE", "USWEDE0001": "sv-SE", "UOUT000001": ""}
    )
    client = found.client
    assert isinstance(client, FakeUsersInfo)

    assert found.choice("UGERMAN001")[0] == Choice("sv", Source.ORGANISATION)
    assert found.choice("USWEDE0001")[0] == Choice("sv", Source.SLACK)
    assert found.choice("UOUT000001")[0] == Choice("en", Source.DEFAULT)
    assert found.choice("UCHOOSER01")[0] == Choice("en", Source.CHOSEN)
    asked = client.calls
    found.choice("USWEDE0001")
    assert client.calls == asked  # cached: Slack is not asked again within minutes

    with sessions.begin() as session:
        languages.set_organisation_language(
            session=session, actor="UADMIN0001", organisation_id=municipality.id, language="en"
        )
    assert found.choice("UGERMAN001")[0] == Choice("en", Source.ORGANISATION)
    found.deps.after_ack.shutdown()


def test_a_locale_one_process_learned_answers_the_first_request_in_another(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Startup people have no organisation language: before the ack a process whose cache
    does not know them yet reads the locale another process learned from Slack."""
    worker = _languages(engine, sessions, {"USWEDE0002": "sv-SE"})
    web = _languages(engine, sessions, {"USWEDE0002": "sv-SE"})
    assert worker.choice("USWEDE0002")[0] == Choice("sv", Source.SLACK)  # asks Slack now
    web_client = web.client
    assert isinstance(web_client, FakeUsersInfo)
    choice, _locale = web.choice("USWEDE0002", refresh_later=True)
    assert choice == Choice("sv", Source.SLACK)
    web.deps.after_ack.shutdown()  # the refresh after the ack asks Slack, as before
    worker.deps.after_ack.shutdown()
    assert web_client.calls == 1
    stranger = _languages(engine, sessions, {})
    assert stranger.choice("UNEVERSEEN", refresh_later=True)[0] == Choice("en", Source.DEFAULT)
    stranger.deps.after_ack.shutdown()


def test_an_english_slack_locale_does_not_outrank_the_organisations_swedish() -> None:
    from bot.language import Source, choose

    assert choose(chosen=None, slack_locale="en-US", organisation_languages=["sv"]).language == "sv"
    assert choose(chosen=None, slack_locale="sv-SE", organisation_languages=["en"]).language == "sv"
    startup = choose(chosen=None, slack_locale="en-GB", organisation_languages=[])
    assert (startup.language, startup.source) == ("en", Source.SLACK)
    assert choose(chosen=None, slack_locale="de-DE", organisation_languages=[]).language == "en"
    assert choose(chosen="en", slack_locale="sv-SE", organisation_languages=["sv"]).language == "en"
