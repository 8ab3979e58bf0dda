"""Who can read a project group's channel: Slack's facts, changes and outsiders.

Slack is asked (``conversations.info``, ``conversations.members``) only after an
acknowledgement: when a setup form is opened, when a pitch card is built in the sender,
after the channel events below, and in the tick's periodic check. What Slack says is
recorded; a change of privacy is told once to the group and the admins, and each outsider
once (per time they turn up) to the project managers, all through the outbox.

Events: ``member_joined_channel``, ``member_left_channel``, ``channel_shared``,
``channel_unshared``, and the ``message`` subtype ``channel_convert_to_public`` (Slack has
no event of its own for a channel made public). Events about channels that are no
organisation's channel are ignored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.access import may_manage_team
from bot.channel_safety import (
    ChannelFacts,
    Confidentiality,
    PostDecision,
    facts_from,
    may_post,
    outsiders_among,
    unknown,
)
from bot.deps import Deps
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.programme import Organisation, Role
from bot.text import USER_ID
from bot.views.channel_safety import (
    OUTSIDER_ADD_ACTION,
    OUTSIDER_REMOVE_ACTION,
    build_outsider_notice,
    build_state_notice,
    outsider_claimed,
    outsider_settled,
)
from bot.views.help import build_notice
from bot.views.team import build_add_member_modal
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.payloads import BlockAction, parse
from storage.repositories import channel_safety as checks
from storage.repositories import organisations, outbox, people

logger = logging.getLogger(__name__)

LOOKUP_TIMEOUT = 2  # seconds: a setup form must open within the trigger's 3 s
MEMBERS_EVERY = timedelta(minutes=30)  # the periodic membership check, per channel
# People already in a channel when it is linked get this long to be added to the group
# before the periodic check names them (cards are short meanwhile all the same).
GRACE = timedelta(hours=1)
OUTSIDER = "channel_outsider"
STATE = "channel_state"
PRIVACY_EVENTS = ("channel_shared", "channel_unshared")
CONVERTED = "channel_convert_to_public"

_clients: dict[int, WebClient] = {}
_bot_ids: dict[str, str] = {}


def lookup_client(deps: Deps) -> WebClient:
    """A client for quick reads: a short timeout and no retries (failing means fail closed)."""
    client = _clients.get(id(deps))
    if client is None:
        token = deps.settings.SLACK_BOT_TOKEN
        client = WebClient(
            token=token.get_secret_value() if token else None,
            base_url=deps.settings.SLACK_API_URL,
            timeout=LOOKUP_TIMEOUT,
            retry_handlers=[],
        )
        _clients[id(deps)] = client
    return client


def _bot_user(client: WebClient) -> str:
    """The app's own bot user (it belongs in every channel it posts in)."""
    token = client.token or ""
    if token not in _bot_ids:
        _bot_ids[token] = str(client.auth_test().get("user_id") or "")
    return _bot_ids[token]


def _readers(session: Session, deps: Deps, organisation_id: int) -> tuple[set[str], set[str]]:
    group = {
        m.user_id for m in organisations.members(session=session, organisation_id=organisation_id)
    }
    admins = set(deps.settings.MATCHDAY_ADMINS) | set(people.added_admins(session=session))
    return group, admins


def channel_facts(
    deps: Deps, client: WebClient, channel_id: str, organisation_id: int | None = None
) -> ChannelFacts:
    """What Slack says about a channel now; with an organisation, who in it is an outsider.

    Any failure is an unknown (fail closed), never an exception.
    """
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except (SlackApiError, SlackClientError, OSError) as error:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        logger.warning("conversations.info %s failed: %s", channel_id, code or error)
        return unknown(channel_id, str(code or type(error).__name__))
    if organisation_id is None:
        return facts_from(channel_id, info, None)
    try:
        members: list[str] = []
        cursor = ""
        while True:
            page = client.conversations_members(channel=channel_id, limit=500, cursor=cursor)
            members.extend(str(m) for m in page.get("members") or [])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        bot = _bot_user(client)
    except (SlackApiError, SlackClientError, OSError) as error:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        logger.warning("conversations.members %s failed: %s", channel_id, code or error)
        return facts_from(channel_id, info, None)
    with deps.sessions() as session:
        group, admins = _readers(session, deps, organisation_id)
    return facts_from(channel_id, info, outsiders_among(members, group, admins, {bot}))


def confidential_decision(deps: Deps, channel_id: str, organisation_id: int) -> PostDecision:
    """May the group's confidential content be posted in this channel right now? (Asks Slack.)

    Read-only: the sender asks this while building a card, and records nothing (the events
    and the periodic check record changes and tell people).
    """
    facts = channel_facts(deps, lookup_client(deps), channel_id, organisation_id)
    return may_post(Confidentiality.CONFIDENTIAL, facts)


def record_for_setup(deps: Deps, facts: ChannelFacts) -> None:
    """Record a setup's check, so the form's submission can rely on it without Slack."""
    with deps.sessions.begin() as session:
        checks.record(session=session, facts=facts, now=deps.clock.now())


def observe(
    deps: Deps, organisation: Organisation, facts: ChannelFacts, *, members_complete: bool
) -> None:
    """Record what Slack said about a group channel and tell who must know, once.

    ``members_complete``: ``facts.outsiders`` is everyone (the periodic check), so those not
    in it any more are settled and, after the grace, each outsider is named.
    """
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        change = checks.record(session=session, facts=facts, now=now)
        checks.mark_linked(session=session, channel_id=organisation.channel_id, now=now)
        if change is not None and (change.before is not None or change.after != "safe"):
            _tell_state(session, deps, organisation, change.after, change.revision, now)
        if facts.outsiders is None or not members_complete:
            return
        noticed = checks.unsettled(session=session, channel_id=organisation.channel_id)
        checks.settle(
            session=session,
            channel_id=organisation.channel_id,
            user_ids=[u for u in noticed if u not in facts.outsiders],
        )
        recorded = checks.get(session=session, channel_id=organisation.channel_id)
        linked = recorded.linked_at if recorded else None
        if linked is not None and now - linked < GRACE:
            return
        for person in sorted(facts.outsiders):
            _notice(session, deps, organisation, person, now)


def _notice(
    session: Session, deps: Deps, organisation: Organisation, person: str, now: datetime
) -> None:
    episode = checks.notice(
        session=session, channel_id=organisation.channel_id, user_id=person, now=now
    )
    if episode is None:
        return
    _refresh_cards(session, organisation, f"outsider:{person}:{episode}", now)
    members = organisations.members(session=session, organisation_id=organisation.id)
    managers = [m.user_id for m in members if m.role is Role.PROJECT_MANAGER]
    if not managers:  # nobody manages the group yet: the admins do
        managers = sorted(_readers(session, deps, organisation.id)[1])
    for manager in managers:
        outbox.post(
            session=session,
            key=f"channel:{organisation.channel_id}:outsider:{person}:{episode}:{manager}",
            kind="channel_outsider",
            channel=manager,
            build=OUTSIDER,
            build_args={"organisation": organisation.id, "user": person},
            language={"user": manager},
            now=now,
        )


def _refresh_cards(
    session: Session, organisation: Organisation, reason: str, now: datetime
) -> None:
    """The pitch cards already in the channel turn short: its history is readable too."""
    from handlers.pitch_cards import refresh_cards_in  # pitch_cards imports this module

    refresh_cards_in(
        session=session,
        organisation_id=organisation.id,
        channel=organisation.channel_id,
        reason=reason,
        now=now,
    )


def _tell_state(
    session: Session,
    deps: Deps,
    organisation: Organisation,
    state: str,
    revision: int,
    now: datetime,
) -> None:
    if state != "safe":
        _refresh_cards(session, organisation, f"state:{revision}", now)
    group, admins = _readers(session, deps, organisation.id)
    for person in sorted(group | admins):
        outbox.post(
            session=session,
            key=f"channel:{organisation.channel_id}:state:{revision}:{person}",
            kind="channel_state",
            channel=person,
            build=STATE,
            build_args={"organisation": organisation.id, "state": state},
            language={"user": person},
            now=now,
        )


@REGISTRY.builder(OUTSIDER)
def build_outsider(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The project manager's DM, unless the person joined the group meanwhile."""
    person = str(args["user"])
    with deps.sessions() as session:
        organisation = organisations.by_id(
            session=session, organisation_id=int(args["organisation"])
        )
        if organisation is None:
            return None
        group, admins = _readers(session, deps, organisation.id)
        settled = person not in checks.unsettled(
            session=session, channel_id=organisation.channel_id
        )
    if person in group or person in admins or settled:
        return None
    return build_outsider_notice(
        organisation.id, organisation.name, organisation.channel_id, person
    )


@REGISTRY.builder(STATE)
def build_state(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The DM about a change of the channel's privacy."""
    with deps.sessions() as session:
        organisation = organisations.by_id(
            session=session, organisation_id=int(args["organisation"])
        )
    if organisation is None:
        return None
    return build_state_notice(str(args["state"]), organisation.channel_id, organisation.name)


def check_group_channels(deps: Deps, client: WebClient) -> int:
    """The tick's look at every group channel (each at most every MEMBERS_EVERY).

    Catches what no event reported: a channel made public or shared, people who joined
    while Matchday was away.
    """
    now = deps.clock.now()
    with deps.sessions() as session:
        linked = organisations.all_organisations(session=session)
    checked = 0
    for organisation in linked:
        with deps.sessions.begin() as session:
            known = checks.get(session=session, channel_id=organisation.channel_id)
            if known is not None and not checks.claim_members_check(
                session=session, channel_id=organisation.channel_id, now=now, every=MEMBERS_EVERY
            ):
                continue
        facts = channel_facts(deps, lookup_client(deps), organisation.channel_id, organisation.id)
        observe(deps, organisation, facts, members_complete=True)
        if known is None:  # the first look: from now on the claim spaces the checks
            with deps.sessions.begin() as session:
                checks.claim_members_check(
                    session=session,
                    channel_id=organisation.channel_id,
                    now=now,
                    every=MEMBERS_EVERY,
                )
        checked += 1
    return checked


# events ---------------------------------------------------------------------------------
def _event(body: dict[str, Any]) -> dict[str, Any]:
    event = body.get("event")
    return event if isinstance(event, dict) else {}


def _organisation_of(deps: Deps, channel_id: str) -> Organisation | None:
    if not channel_id:
        return None
    with deps.sessions() as session:
        return organisations.by_channel(session=session, channel_id=channel_id)


def member_joined(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Someone joined a group channel: an outsider is named to the project managers, once."""
    event = _event(body)
    deps = deps_of(context)
    person = str(event.get("user") or "")
    organisation = _organisation_of(deps, str(event.get("channel") or ""))
    if organisation is None or not USER_ID.match(person) or person == context.bot_user_id:
        ack()  # not a channel Matchday knows: nothing to do
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        group, admins = _readers(session, deps, organisation.id)
        if person not in group and person not in admins:
            _notice(session, deps, organisation, person, now)
    ack()


def member_left(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Someone left a group channel: if they were an outsider, that is settled."""
    event = _event(body)
    deps = deps_of(context)
    channel_id = str(event.get("channel") or "")
    if _organisation_of(deps, channel_id) is not None:
        with deps.sessions.begin() as session:
            checks.settle(session=session, channel_id=channel_id, user_ids=[str(event.get("user"))])
    ack()


def privacy_changed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """channel_shared, channel_unshared or a channel made public: look again after the ack."""
    ack()
    event = _event(body)
    deps = deps_of(context)
    organisation = _organisation_of(deps, str(event.get("channel") or ""))
    if organisation is None:
        return
    deps.after_ack.submit(_look_again, deps, organisation, str(event.get("type") or ""), event)


def _look_again(deps: Deps, organisation: Organisation, kind: str, event: dict[str, Any]) -> None:
    facts = channel_facts(deps, lookup_client(deps), organisation.channel_id)
    if not facts.known:
        # Slack said what happened in the event itself; the rest is as last recorded.
        with deps.sessions() as session:
            last = checks.get(session=session, channel_id=organisation.channel_id)
        private = last is not None and last.state == "safe"
        if kind == "channel_shared":
            facts = ChannelFacts(facts.channel_id, known=True, is_private=private, is_shared=True)
        elif kind == "message":
            facts = ChannelFacts(facts.channel_id, known=True, is_private=False)
        elif kind == "channel_unshared" and not event.get("is_ext_shared"):
            facts = ChannelFacts(facts.channel_id, known=True, is_private=private)
    observe(deps, organisation, facts, members_complete=False)


def _converted_to_public(event: dict[str, Any]) -> bool:
    return event.get("subtype") == CONVERTED


# the project managers' buttons ----------------------------------------------------------
def _outsider_action(deps: Deps, action: BlockAction) -> tuple[Organisation, str] | None:
    raw_id, _sep, person = action.action.value.partition(":")
    if not raw_id.isdigit() or not USER_ID.match(person):
        return None
    with deps.sessions() as session:
        organisation = organisations.by_id(session=session, organisation_id=int(raw_id))
    if organisation is None or not may_manage_team(caller_of(deps, action.user_id), organisation):
        return None
    return organisation, person


def _refuse(deps: Deps, action: BlockAction) -> None:
    text = _("Only programme admins and this group's project managers can add or remove members.")
    deps.after_ack.submit(respond, action.response_url, build_notice(text))


def add_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """*Add to the group*: the add-member form with the person already chosen."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    found = _outsider_action(deps, action)
    if found is None:
        _refuse(deps, action)
        return
    organisation, person = found
    view = build_add_member_modal(organisation, action.response_url, person)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def remove_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*I'll remove them*: recorded; cards stay short until the person has left."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    found = _outsider_action(deps, action)
    if found is None:
        _refuse(deps, action)
        return
    organisation, person = found
    with deps.sessions.begin() as session:
        claimed = checks.claim_removal(
            session=session, channel_id=organisation.channel_id, user_id=person, by=action.user_id
        )
    text = (
        outsider_claimed(person, organisation.channel_id) if claimed else outsider_settled(person)
    )
    deps.after_ack.submit(respond, action.response_url, build_notice(text), replace=True)


def register(app: App) -> None:
    """Listen for changes of who can read group channels, and the managers' buttons."""
    app.event("member_joined_channel")(member_joined)
    app.event("member_left_channel")(member_left)
    for event in PRIVACY_EVENTS:
        app.event(event)(privacy_changed)
    # Registered before the assessment's message listener, which would take it otherwise.
    app.event("message", matchers=[lambda event: _converted_to_public(event)])(privacy_changed)
    app.action(OUTSIDER_ADD_ACTION)(add_clicked)
    app.action(OUTSIDER_REMOVE_ACTION)(remove_clicked)
