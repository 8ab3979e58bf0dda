"""Every request in its reader's language: the middleware, language_for, /matchday language.

The Slack locale comes from ``users.info`` (``include_locale``) and is cached per person
for a few minutes. Slack is never asked before an acknowledgement: the first request from
a person is answered in their own choice or their organisation's language (English when
neither is known) while the locale is fetched after the ack; a stale locale is used while
it is refreshed the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import DBAPIError

from bot.access import may_manage_team
from bot.background import AFTER_THE_ANSWER
from bot.deps import Deps
from bot.events import ignored_message
from bot.i18n import DEFAULT_LANGUAGE, _, use_language
from bot.language import (
    FAILED_TTL,
    Choice,
    LocaleCache,
    Source,
    build_language_settings,
    choose,
    language_cleared,
    language_saved,
    language_usage,
    organisation_language_saved,
    parse_language,
    set_request_language,
)
from bot.text import USER_ID
from bot.views.help import build_notice, unlinked_channel
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import remember_caller
from storage.repositories import languages, organisations, people

logger = logging.getLogger(__name__)
LOOKUP_TIMEOUT = 1  # seconds: a locale is never worth risking Slack's 3-second limit
_installed: Languages | None = None


class Languages:
    """Finds each person's language: their choice, Slack's locale, their organisation's."""

    def __init__(self, deps: Deps, client: WebClient, cache: LocaleCache | None = None) -> None:
        self.deps = deps
        self.client = client  # no retries: a lookup that fails falls back at once
        self.cache = cache or LocaleCache()
        self.app: App | None = None  # set by install(): its listeners tell what is ignored

    def fetch_locale(self, user_id: str) -> str | None:
        """Ask Slack for a person's locale and cache the answer (None when Slack won't say)."""
        try:
            response = self.client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.info("users.info %s gave no locale: %s", user_id, error)
            self.cache.put(user_id, None, FAILED_TTL)
            return None
        person = response.get("user") or {}
        locale = person.get("locale")
        locale = locale if isinstance(locale, str) and locale else None
        self.cache.put(user_id, locale)
        if locale is not None:  # for the other processes, which have caches of their own
            try:
                with self.deps.sessions.begin() as session:
                    languages.remember_locale(
                        session=session, user_id=user_id, locale=locale, now=self.deps.clock.now()
                    )
            except DBAPIError:
                logger.info("could not keep the locale of %s", user_id)
        return locale

    def locale(self, user_id: str, *, refresh_later: bool, stored: str | None = None) -> str | None:
        """The person's Slack locale from the cache.

        With ``refresh_later`` (on the way to an acknowledgement) Slack is never asked
        before the ack: an unknown or stale locale is fetched afterwards, and this request
        uses the one another process kept (``stored``), or falls back to the person's
        organisation or English. Otherwise (after the ack) an unknown locale is asked for now.
        """
        known, locale, fresh = self.cache.get(user_id)
        if fresh:
            return locale
        if refresh_later:
            if known:
                self.cache.put(user_id, locale, FAILED_TTL)  # one refresh at a time
            self.deps.after_ack.submit(self.fetch_locale, user_id)
            return locale if known else stored
        return self.fetch_locale(user_id)

    def choice(
        self, user_id: str, *, refresh_later: bool = False, remember: bool = False
    ) -> tuple[Choice, str | None]:
        """The person's language and why, with the Slack locale it may rest on.

        With ``remember`` the caller looked up on the way is kept for the rest of the
        request, so the listener does not ask the database again.
        """
        with self.deps.sessions() as session:
            found = people.identity(
                session=session,
                user_id=user_id,
                configured_admins=self.deps.settings.MATCHDAY_ADMINS,
            )
        if remember:
            remember_caller(found.caller)
        if found.chosen_language is not None:
            return Choice(found.chosen_language, Source.CHOSEN), None
        groups = found.organisation_languages
        locale = self.locale(user_id, refresh_later=refresh_later, stored=found.slack_locale)
        return choose(chosen=None, slack_locale=locale, organisation_languages=groups), locale

    def middleware(
        self,
        context: BoltContext,
        body: dict[str, Any],
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], Any],
    ) -> Any:
        """Set the language of the person behind this request for the rest of it.

        A request Matchday ignores (a message outside its threads, an event no listener
        takes) costs no database round trip: it is answered in the default language.
        """
        user_id = context.user_id
        language = DEFAULT_LANGUAGE
        remember_caller(None)
        # A click or event from the inbox is handled after its answer: the locale it may
        # need is asked for now rather than after the ack (handlers/inbox.py).
        before_the_answer = not context.get(AFTER_THE_ANSWER)
        if user_id and not self._ignored(body, req, resp) and USER_ID.match(user_id):
            try:
                language = self.choice(user_id, refresh_later=before_the_answer, remember=True)[
                    0
                ].language
            except DBAPIError:
                # The database is away or locked: answer politely now (app.error), rather
                # than wait for it a second time in the listener.
                set_request_language(language)
                raise
            except Exception:
                logger.warning("no language for %s; answering in English", user_id, exc_info=True)
        set_request_language(language)
        return next()

    def _ignored(self, body: dict[str, Any], req: BoltRequest, resp: BoltResponse) -> bool:
        if body.get("type") != "event_callback":
            return False
        if ignored_message(body):
            return True
        listeners = self.app._listeners if self.app is not None else None
        if listeners is None:
            return False
        return not any(listener.matches(req=req, resp=resp) for listener in listeners)


def install(app: App, deps: Deps) -> Languages:
    """Answer every request in its sender's language (called by the app factory)."""
    global _installed
    _installed = Languages(deps, _lookup_client(deps))
    _installed.app = app
    app.middleware(_installed.middleware)
    return _installed


_others: list[Languages] = []  # for the worker's own Deps (and tests'), one per Deps


def languages_for(deps: Deps) -> Languages:
    """The language finder reading this Deps' database (the worker has its own engine)."""
    if _installed is not None and _installed.deps is deps:
        return _installed
    for found in _others:
        if found.deps is deps:
            return found
    made = Languages(deps, _lookup_client(deps))
    _others.append(made)
    del _others[:-8]
    return made


def _lookup_client(deps: Deps) -> WebClient:
    token = deps.settings.SLACK_BOT_TOKEN
    return WebClient(
        token=token.get_secret_value() if token else None,
        base_url=deps.settings.SLACK_API_URL,
        timeout=LOOKUP_TIMEOUT,
        retry_handlers=[],
    )


def language_for(user_id: str, deps: Deps | None = None) -> str:
    """The language to write to this person in (may ask Slack: call it after the ack)."""
    finder = languages_for(deps) if deps is not None else _installed
    if finder is None or not USER_ID.match(user_id):
        return DEFAULT_LANGUAGE
    return finder.choice(user_id)[0].language


def language_for_organisation(organisation_id: int, deps: Deps | None = None) -> str:
    """The language of an organisation's channel posts and its people's default."""
    finder = languages_for(deps) if deps is not None else _installed
    if finder is None:
        return DEFAULT_LANGUAGE
    with finder.deps.sessions() as session:
        return (
            languages.of_organisation(session=session, organisation_id=organisation_id)
            or DEFAULT_LANGUAGE
        )


@subcommand("language")
def language_command(request: CommandRequest) -> Outcome:
    """/matchday language [sv|en|auto | organisation sv|en]."""
    word, _sep, rest = request.args.partition(" ")
    word = word.strip().lower()
    user_id = request.caller.user_id
    if not word:
        return Reply(_settings(request))
    if word in ("organisation", "organization", "org", "organisationen"):
        return Reply(_organisation_language(request, rest))
    if word in ("auto", "reset", "automatic", "automatiskt"):
        with request.deps.sessions.begin() as session:
            languages.choose(session=session, user_id=user_id, language=None)
        choice = _choice(request)
        with use_language(choice.language):
            return Reply(build_notice(language_cleared(choice)))
    language = parse_language(word)
    if language is None or rest.strip():
        return Reply(build_notice(language_usage()))
    with request.deps.sessions.begin() as session:
        languages.choose(session=session, user_id=user_id, language=language)
    with use_language(language):
        return Reply(build_notice(language_saved(language)))


def _choice(request: CommandRequest) -> Choice:
    if _installed is None:
        return Choice(DEFAULT_LANGUAGE, Source.DEFAULT)
    return _installed.choice(request.caller.user_id, refresh_later=True)[0]


def _settings(request: CommandRequest) -> dict[str, Any]:
    choice, locale = (
        _installed.choice(request.caller.user_id, refresh_later=True)
        if _installed is not None
        else (Choice(DEFAULT_LANGUAGE, Source.DEFAULT), None)
    )
    with request.deps.sessions() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
        language = (
            languages.of_organisation(session=session, organisation_id=organisation.id)
            if organisation
            else None
        )
    about = (organisation.name, language) if organisation and language else None
    return build_language_settings(choice, locale, organisation=about)


def _organisation_language(request: CommandRequest, rest: str) -> dict[str, Any]:
    language = parse_language(rest)
    if language is None:
        return build_notice(language_usage())
    with request.deps.sessions.begin() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
        if organisation is None:
            return unlinked_channel()
        if not may_manage_team(request.caller, organisation):
            return build_notice(
                _(
                    "Only programme admins and this group's project managers can change "
                    "the organisation's language."
                )
            )
        languages.set_organisation_language(
            session=session,
            actor=request.caller.user_id,
            organisation_id=organisation.id,
            language=language,
        )
    return build_notice(organisation_language_saved(organisation.name, language))


def register(app: App) -> None:
    """The language subcommand needs no listener of its own (the middleware is installed
    by the app factory, before every listener)."""


@contextmanager
def in_organisation_language(organisation_id: int, deps: Deps | None = None) -> Iterator[None]:
    """Build messages for an organisation's channel in its language."""
    with use_language(language_for_organisation(organisation_id, deps)):
        yield
