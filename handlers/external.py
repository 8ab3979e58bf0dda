"""Guests and people from other organisations: what kind of account, and a path that works.

The kind of a person's account comes from ``users.info`` (:mod:`bot.people_kinds`), asked
only after an acknowledgement and trusted for an hour. *My Matchday* (a button on the
startups' welcome card) opens App Home's content in a modal, for people whom the Home tab,
DMs or `/matchday` do not reach; ``/matchday welcome`` lets an admin post that card.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import refused
from bot.deps import Deps
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.people_kinds import PersonKind, classify
from bot.views.help import build_notice
from bot.views.menu import (
    MENU_ACTION,
    PROFILE_ACTION,
    build_menu,
    build_welcome,
    build_welcome_posted,
)
from bot.views.profile import build_profile_modal
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import BlockAction, parse
from storage.repositories import organisations, outbox, startups

logger = logging.getLogger(__name__)
KIND_TTL = 3600.0  # seconds: an account's kind rarely changes
FAILED_TTL = 60.0  # seconds: ask again soon when Slack would not say
LOOKUP_TIMEOUT = 1  # seconds: the answer must still open a modal within the trigger's 3 s
WELCOME = "startups_welcome_card"


class KindCache:
    """Account kinds by person, trusted for a while (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[PersonKind, float]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> PersonKind | None:
        """The kind if known and fresh."""
        with self._lock:
            entry = self._entries.get(user_id)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    def put(self, user_id: str, kind: PersonKind, ttl: float = KIND_TTL) -> None:
        """Remember a person's kind for ``ttl`` seconds."""
        with self._lock:
            self._entries[user_id] = (kind, self._clock() + ttl)


class Kinds:
    """Finds what kind of Slack account a person has (call after the ack only)."""

    def __init__(self, client: WebClient, cache: KindCache | None = None) -> None:
        self.client = client
        self.cache = cache or KindCache()
        self._team: str | None = None

    def home_team(self) -> str | None:
        """The team the app is installed in (asked once)."""
        if self._team is None:
            try:
                self._team = str(self.client.auth_test().get("team_id") or "") or None
            except (SlackApiError, SlackClientError, OSError) as error:
                logger.info("auth.test gave no team: %s", error)
        return self._team

    def kind_of(self, user_id: str) -> PersonKind:
        """The person's kind, from the cache or ``users.info``."""
        known = self.cache.get(user_id)
        if known is not None:
            return known
        try:
            person = self.client.users_info(user=user_id).get("user")
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.info("users.info %s gave no kind: %s", user_id, error)
            self.cache.put(user_id, PersonKind.UNKNOWN, FAILED_TTL)
            return PersonKind.UNKNOWN
        kind = classify(person if isinstance(person, dict) else None, self.home_team())
        self.cache.put(user_id, kind)
        return kind


_finders: list[tuple[Deps, Kinds]] = []
_finders_lock = threading.Lock()


def kinds_for(deps: Deps) -> Kinds:
    """The kind finder of this Deps (one per process and database)."""
    with _finders_lock:
        for known, finder in _finders:
            if known is deps:
                return finder
        token = deps.settings.SLACK_BOT_TOKEN
        client = WebClient(
            token=token.get_secret_value() if token else None,
            base_url=deps.settings.SLACK_API_URL,
            timeout=LOOKUP_TIMEOUT,
            retry_handlers=[],
        )
        made = Kinds(client)
        _finders.append((deps, made))
        del _finders[:-8]
        return made


def menu_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open *My Matchday* for whoever clicked (after the ack: it asks Slack who they are)."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    deps.after_ack.submit(_open_menu, client, deps, action)


def menu_view(deps: Deps, user_id: str, pages: dict[str, int] | None = None) -> dict[str, Any]:
    """*My Matchday* for this person, its lists at these pages (kept in its metadata)."""
    from bot.views.home import build_home
    from handlers.home import load_home  # the same facts App Home shows

    kind = kinds_for(deps).kind_of(user_id)
    data = load_home(deps, user_id, pages)
    caller = data.caller
    in_programme = caller.is_admin or caller.is_member or caller.is_startup
    home = build_home(data)
    return build_menu(
        home["blocks"],
        kind,
        list(data.startups),
        in_programme,
        list(data.pitches),
        pages=str(home.get("private_metadata") or ""),
    )


def page_menu(
    client: WebClient, deps: Deps, user_id: str, shown: dict[str, Any], pages: dict[str, int]
) -> None:
    """*Previous*/*Next* inside *My Matchday*: the modal itself moves to that page."""
    view = menu_view(deps, user_id, pages)
    try:
        client.views_update(view_id=str(shown.get("id")), hash=shown.get("hash"), view=view)
    except SlackApiError as error:  # closed meanwhile, or changed by another click
        logger.info("views.update (My Matchday) failed: %s", error.response.get("error"))


def _open_menu(client: WebClient, deps: Deps, action: BlockAction) -> None:
    view = menu_view(deps, action.user_id)
    try:
        client.views_open(trigger_id=action.trigger_id, view=view)
    except SlackApiError as error:
        logger.warning("views.open (My Matchday) failed: %s", error.response.get("error"))
        respond(
            action.response_url,
            build_notice(_("Sorry, Slack did not let me open My Matchday in time. Try again.")),
        )


def profile_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the company profile over *My Matchday*, for the startup's own people only."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    value = action.action.value
    startup_id = int(value) if value.isdigit() else 0
    if startup_id not in caller_of(deps, action.user_id).startup_ids:
        deps.after_ack.submit(respond, action.response_url, build_notice(refused().refusal))
        return
    with deps.sessions() as session:
        found = startups.by_ids(session=session, startup_ids=[startup_id])
    if not found:
        return
    view = build_profile_modal(found[0], action.response_url)
    deps.after_ack.submit(_push, client, action.trigger_id, view)


def _push(client: WebClient, trigger_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_push(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        logger.warning("views.push (profile) failed: %s", error.response.get("error"))


@subcommand("welcome")
def welcome_command(request: CommandRequest) -> Outcome:
    """/matchday welcome: post the startups' welcome card in every opportunities channel."""
    deps = request.deps
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        channels: dict[str, int] = {}
        for organisation in organisations.all_organisations(session=session):
            channels.setdefault(organisation.opportunities_channel_id, organisation.id)
        for channel, organisation_id in channels.items():
            outbox.post(
                session=session,
                key=f"welcome:{channel}:{request.command.trigger_id}",
                kind=WELCOME,
                channel=channel,
                build=WELCOME,
                build_args={},
                language={"organisation": organisation_id},
                now=now,
                actor=request.caller.user_id,
            )
    return Reply(build_welcome_posted(list(channels)))


@REGISTRY.builder(WELCOME)
def build_welcome_message(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The welcome card, in the channel's organisation's language."""
    return build_welcome()


def register(app: App) -> None:
    """Wire *My Matchday* and its profile button."""
    app.action(MENU_ACTION)(menu_clicked)
    app.action(re.compile(rf"^{PROFILE_ACTION}(:\d+)?$"))(profile_clicked)
