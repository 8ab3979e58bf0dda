"""Which language a person reads Matchday in, and the /matchday language answers.

The rule, first match wins:

1. the language the person chose with ``/matchday language sv|en``;
2. Swedish, when their Slack locale is Swedish;
3. the language of the organisation whose project group they belong to (public
   organisations read Swedish unless the organisation chose English);
4. their Slack locale, when Matchday speaks it;
5. English.

Slack has no Swedish interface, so nearly every Slack locale says English whatever the
person reads best: an English locale therefore does not outrank the organisation's
language, while a Swedish one always counts. For project-group members the answer never
waits on Slack's locale, which Matchday only learns after an acknowledgement.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot import i18n
from bot.i18n import _
from bot.programme import OrganisationKind
from bot.text import inline, safe
from bot.views.blocks import context, message, section

SWEDISH = "sv"
ENGLISH = "en"
LANGUAGES = (SWEDISH, ENGLISH)
# Every kind Matchday knows is a public body: they read Swedish unless they choose English.
PUBLIC_KINDS = frozenset(OrganisationKind)
LOCALE_TTL = 10 * 60.0  # seconds a Slack locale is trusted before it is asked for again
FAILED_TTL = 60.0  # after Slack would not say, wait this long before asking again
# Names of the languages in themselves, so everyone finds their own.
NAMES = {SWEDISH: "svenska", ENGLISH: "English"}
ALIASES = {
    "sv": SWEDISH,
    "svenska": SWEDISH,
    "swedish": SWEDISH,
    "en": ENGLISH,
    "english": ENGLISH,
    "engelska": ENGLISH,
}


class Source(StrEnum):
    """Where a person's language came from."""

    CHOSEN = "chosen"
    SLACK = "slack"
    ORGANISATION = "organisation"
    DEFAULT = "default"


@dataclass(frozen=True)
class Choice:
    """The language a person reads and why."""

    language: str
    source: Source


def language_of_locale(locale: str | None) -> str | None:
    """The language Matchday speaks for a Slack locale ("sv-SE" -> "sv"), or None."""
    if not locale:
        return None
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else None


def parse_language(word: str) -> str | None:
    """A language named the way people type it ("sv", "svenska", "English"), or None."""
    return ALIASES.get(word.strip().lower())


def organisation_language(kind: OrganisationKind, chosen: str | None = None) -> str:
    """An organisation's language: its own choice, else Swedish for public bodies."""
    if chosen in LANGUAGES:
        assert chosen is not None
        return chosen
    return SWEDISH if kind in PUBLIC_KINDS else ENGLISH


def choose(
    *, chosen: str | None, slack_locale: str | None, organisation_languages: Iterable[str]
) -> Choice:
    """Apply the rule (see the module docstring) to what is known about a person."""
    if chosen in LANGUAGES:
        assert chosen is not None
        return Choice(chosen, Source.CHOSEN)
    from_slack = language_of_locale(slack_locale)
    if from_slack == SWEDISH:
        return Choice(SWEDISH, Source.SLACK)
    for language in organisation_languages:
        if language in LANGUAGES:
            return Choice(language, Source.ORGANISATION)
    if from_slack is not None:
        return Choice(from_slack, Source.SLACK)
    return Choice(ENGLISH, Source.DEFAULT)


def set_request_language(language: str) -> None:
    """Answer in this language for the rest of the current request.

    Bolt runs global middleware before the listener rather than around it, so a ``with
    use_language(...)`` block in the middleware would end before the listener starts.
    Every request passes the middleware, which sets the language afresh, so nothing
    leaks from one request to the next on a reused thread.
    """
    i18n._language.set(language if language in LANGUAGES else i18n.DEFAULT_LANGUAGE)


@dataclass
class _Entry:
    locale: str | None
    expires: float


class LocaleCache:
    """Slack locales by person, trusted for a few minutes (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> tuple[bool, str | None, bool]:
        """(known, locale, fresh): whether anything is cached, the locale, and whether it is
        still within its time to live."""
        with self._lock:
            entry = self._entries.get(user_id)
        if entry is None:
            return False, None, False
        return True, entry.locale, entry.expires > self._clock()

    def put(self, user_id: str, locale: str | None, ttl: float = LOCALE_TTL) -> None:
        """Remember a person's locale (None: Slack would not say) for ``ttl`` seconds."""
        with self._lock:
            self._entries[user_id] = _Entry(locale, self._clock() + ttl)


def language_name(language: str) -> str:
    """The language's name in itself ("svenska", "English"), for choosing one's own."""
    return NAMES.get(language, language)


def language_in_words(language: str) -> str:
    """The language's name in the reader's language, for use inside a sentence."""
    words = {SWEDISH: _("Swedish"), ENGLISH: _("English")}
    return words.get(language, language)


def _reason(choice: Choice, locale: str | None) -> str:
    if choice.source is Source.CHOSEN:
        return _("You chose it with `/matchday language`.")
    if choice.source is Source.SLACK:
        return _("It follows your Slack language ({locale}).").format(locale=safe(locale or "", 20))
    if choice.source is Source.ORGANISATION:
        return _("It follows the language of your organisation.")
    return _("It is Matchday's default language.")


def build_language_settings(
    choice: Choice, locale: str | None, *, organisation: tuple[str, str] | None = None
) -> dict[str, Any]:
    """What /matchday language shows: the current language, why, and how to change it."""
    text = _("Matchday speaks {language} with you.").format(
        language=f"*{language_in_words(choice.language)}*"
    )
    blocks = [
        section(f"{text} {_reason(choice, locale)}"),
        section(
            _(
                "Change it with `/matchday language sv` (svenska) or `/matchday language en` "
                "(English); `/matchday language auto` follows Slack and your organisation again."
            )
        ),
    ]
    if organisation is not None:
        name, language = organisation
        blocks.append(
            context(
                _(
                    "*{name}* uses {language} by default. Programme admins and the group's "
                    "project managers change it in its channel with "
                    "`/matchday language organisation sv` or `... en`."
                ).format(name=inline(name, 200), language=language_in_words(language))
            )
        )
    return message(text, blocks)


def language_saved(language: str) -> str:
    """The confirmation after choosing a language (built in the new language)."""
    return _("Done: Matchday now speaks {language} with you.").format(
        language=language_in_words(language)
    )


def language_cleared(choice: Choice) -> str:
    """The confirmation after going back to the automatic choice."""
    return _(
        "Done: Matchday follows Slack and your organisation again, and speaks {language} with you."
    ).format(language=language_in_words(choice.language))


def organisation_language_saved(name: str, language: str) -> str:
    """The confirmation after setting an organisation's language."""
    return _("Done: *{name}* now uses {language} by default.").format(
        name=inline(name, 200), language=language_in_words(language)
    )


def language_usage() -> str:
    """How to use /matchday language."""
    return _(
        "Use `/matchday language sv`, `/matchday language en` or `/matchday language auto`; "
        "in a project group's channel, `/matchday language organisation sv` or `... en`."
    )
