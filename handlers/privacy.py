"""/matchday privacy: a person's own data as a file, and requests to be erased (GDPR)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.access import admin_only, refusal_text
from bot.deps import Deps
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.privacy import Person, RequestState, may_become, new_pseudonym, person_from_profile
from bot.text import user
from bot.views.help import build_notice
from bot.views.privacy import (
    APPROVE_ACTION,
    ERASE_ACTION,
    EXPORT_ACTION,
    REJECT_ACTION,
    admin_cannot_be_erased,
    already_asked,
    already_decided,
    approved_answer,
    build_decided_card,
    build_erasure_card,
    build_privacy_choice,
    erased_notice,
    export_comment,
    export_on_its_way,
    no_self_approval,
    rejected_answer,
    rejected_notice,
    request_recorded,
)
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import BlockAction, parse
from handlers.privacy_visitors import looks_like_address, lookup
from storage.models import OutboxRow
from storage.repositories import audit, outbox, people, privacy

logger = logging.getLogger(__name__)
EXPORT_FILE = "privacy_export"
CARD = "privacy_erasure_card"
NOTICE = "privacy_notice"
DECIDED = "privacy_decided_card"
ERASE = "privacy_erase"
FORGET = "privacy_forget_sent"
LOOKUP_TIMEOUT = 10
# Slack's answers that mean "no such person to ask about": erase by the id alone.
GONE = ("user_not_found", "user_not_visible", "account_inactive")
NOTICES = {"erased": erased_notice, "rejected": rejected_notice}


@subcommand("privacy")
def privacy_command(request: CommandRequest) -> Outcome:
    """/matchday privacy [e-mail address (admins)]."""
    if request.args.strip():
        if looks_like_address(request.args):
            return lookup(request)
        text = _(
            "Use `/matchday privacy` for your own data; admins add an e-mail address to "
            "look up someone outside Slack."
        )
        return Reply(build_notice(text))
    return Reply(build_privacy_choice())


def _client(deps: Deps) -> WebClient:
    token = deps.settings.SLACK_BOT_TOKEN
    return WebClient(
        token=token.get_secret_value() if token else None,
        base_url=deps.settings.SLACK_API_URL,
        timeout=LOOKUP_TIMEOUT,
    )


def _person(client: WebClient, user_id: str, *, strict: bool) -> Person:
    """The person as Slack knows them (names, address); strict: Slack's trouble propagates,
    so the erasure is tried again rather than run without the name and address."""
    try:
        found = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        if strict and str(error.response.get("error", "")) not in GONE:
            raise
        return Person(user_id)
    except OSError:
        if strict:
            raise
        return Person(user_id)
    return person_from_profile(user_id, found if isinstance(found, dict) else {})


def _admins(deps: Deps, session: Session) -> list[str]:
    return people.all_admins(session=session, configured=deps.settings.MATCHDAY_ADMINS)


def _is_admin(deps: Deps, user_id: str) -> bool:
    with deps.sessions() as session:
        return people.load_caller(
            session=session, user_id=user_id, configured_admins=deps.settings.MATCHDAY_ADMINS
        ).is_admin


# the person's own choices ----------------------------------------------------------------
def export_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Send the person a file of every row that names them, by DM through the outbox."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    now = deps.clock.now()
    person = action.user_id
    with deps.sessions.begin() as session:
        outbox.upload(
            session=session,
            key=f"privacy:export:{person}:{now.isoformat()}",
            kind=EXPORT_FILE,
            channel=person,
            build=EXPORT_FILE,
            build_args={"user": person},
            language={"user": person},
            now=now,
            actor=person,
        )
    deps.after_ack.submit(respond, action.response_url, build_notice(export_on_its_way()))


@REGISTRY.builder(EXPORT_FILE)
def build_export(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The person's export, gathered when it is sent: every row naming them, by table."""
    user_id = str(args.get("user", ""))
    client = _client(deps)
    person = _person(client, user_id, strict=False)

    def others(ids: set[str]) -> list[Person]:
        return [_person(client, other, strict=False) for other in sorted(ids)]

    with deps.sessions() as session:
        held = privacy.holdings(session=session, person=person, others=others)
    content = {
        "person": user_id,
        "gathered_at": deps.clock.now().isoformat(),
        "about": export_comment(),
        "tables": held,
    }
    return {
        "content": json.dumps(content, ensure_ascii=False, indent=2, default=str),
        "filename": "matchday-personal-data.json",
        "title": _("What Matchday holds about you"),
        "initial_comment": export_comment(),
    }


def erase_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Record a request to be erased (once) and ask every admin to decide on it."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    person = action.user_id
    if caller_of(deps, person).is_admin:
        text = admin_cannot_be_erased(
            user(person), configured=person in deps.settings.MATCHDAY_ADMINS, yourself=True
        )
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        request, created = privacy.ask(session=session, user_id=person, now=now)
        asked_at = request.asked_at
        if created:
            audit.record(
                session=session,
                actor=person,
                action="privacy.erasure_requested",
                subject=f"erasure:{request.id}",
            )
            admins = _admins(deps, session)
            if not admins:
                logger.warning("erasure request %s has no admin to decide it", request.id)
            for admin in admins:
                outbox.post(
                    session=session,
                    key=f"privacy:{request.id}:card:{admin}",
                    kind=CARD,
                    channel=admin,
                    build=CARD,
                    build_args={"request": request.id},
                    language={"user": admin},
                    now=now,
                    actor=person,
                )
    text = request_recorded() if created else already_asked(asked_at)
    deps.after_ack.submit(respond, action.response_url, build_notice(text))


@REGISTRY.builder(CARD)
def build_card(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """An admin's card for a waiting request, with what erasure would do as things are now."""
    with deps.sessions() as session:
        request = privacy.get(session=session, request_id=int(args["request"]))
        if request is None or request.state != RequestState.PENDING.value:
            return None
        requester, asked_at = request.requester, request.asked_at
    person = _person(_client(deps), requester, strict=False)
    with deps.sessions() as session:
        plan = privacy.plan(session=session, person=person)
    return build_erasure_card(int(args["request"]), requester, asked_at, plan)


def _owe_decided_cards(session: Session, request_id: int, now: datetime) -> None:
    """Refresh every admin's card for a decided request (built when sent: after an
    erasure, the card shows the pseudonym instead of a mention of the person)."""
    outbox.refresh_posted(
        session=session,
        prefix=f"privacy:{request_id}:card:",
        version="decided",
        build=DECIDED,
        build_args={"request": request_id},
        now=now,
    )


@REGISTRY.builder(DECIDED)
def build_decided(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """An admin's card for a decided request, as it stands when sent."""
    with deps.sessions() as session:
        request = privacy.get(session=session, request_id=int(args["request"]))
        if request is None or request.decided_by is None:
            return None
        return build_decided_card(request.requester, request.state, request.decided_by)


@REGISTRY.builder(NOTICE)
def build_person_notice(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The requester's message about their request, in their language."""
    text = NOTICES.get(str(args.get("notice")))
    return build_notice(text()) if text else None


# the admins' decisions -------------------------------------------------------------------
def _decision_refusal(deps: Deps, clicker: str, request_id: int, approve: bool) -> str:
    """Why this click changes nothing (empty when it may go ahead)."""
    may = admin_only(caller_of(deps, clicker), _("decide on requests to be erased"))
    if not may:
        return may.refusal
    with deps.sessions() as session:
        request = privacy.get(session=session, request_id=request_id)
        if request is None:
            return refusal_text()
        state, requester = request.state, request.requester
    target = RequestState.APPROVED if approve else RequestState.REJECTED
    if not may_become(RequestState(state), target):
        return already_decided(state)
    if approve and requester == clicker:
        return no_self_approval()
    if approve and _is_admin(deps, requester):
        configured = requester in deps.settings.MATCHDAY_ADMINS
        return admin_cannot_be_erased(user(requester), configured=configured, yourself=False)
    return ""


def _request_id(action: BlockAction) -> int | None:
    value = action.action.value
    return int(value) if value.isdigit() else None


def _decide(ack: Ack, body: dict[str, Any], context: BoltContext, approve: bool) -> None:
    ack()
    action = parse(BlockAction, body)
    if action is None or (request_id := _request_id(action)) is None:
        return
    deps = deps_of(context)
    clicker = action.user_id
    refusal = _decision_refusal(deps, clicker, request_id, approve)
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    now = deps.clock.now()
    state = RequestState.APPROVED if approve else RequestState.REJECTED
    with deps.sessions.begin() as session:
        decided = privacy.decide(
            session=session, request_id=request_id, actor=clicker, state=state, now=now
        )
        request = privacy.get(session=session, request_id=request_id)
        if decided and request is not None:
            audit.record(
                session=session,
                actor=clicker,
                action=f"privacy.erasure_{state.value}",
                subject=f"erasure:{request_id}",
            )
            if approve:
                outbox.task(
                    session=session,
                    key=f"privacy:{request_id}:erase",
                    name=ERASE,
                    args={"request": request_id},
                    now=now,
                    actor=clicker,
                )
            else:
                _owe_decided_cards(session, request_id, now)
                outbox.post(
                    session=session,
                    key=f"privacy:{request_id}:rejected",
                    kind=NOTICE,
                    channel=request.requester,
                    build=NOTICE,
                    build_args={"notice": "rejected"},
                    language={"user": request.requester},
                    now=now,
                    actor=clicker,
                )
    if not decided:  # another admin in the same instant
        text = already_decided(request.state if request else "rejected")
    else:
        text = approved_answer() if approve else rejected_answer()
    deps.after_ack.submit(respond, action.response_url, build_notice(text))


def approve_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Approve a request to be erased (another admin than the person, who is no admin)."""
    _decide(ack, body, context, approve=True)


def reject_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Reject a request to be erased; the person is told."""
    _decide(ack, body, context, approve=False)


@REGISTRY.task(ERASE)
def erase_task(deps: Deps, client: WebClient, args: dict[str, Any]) -> None:
    """Erase an approved request's person from every table in one transaction, then tell them.

    Idempotent: a request already erased is left alone. Slack is asked for the person's
    names and address first; its trouble makes the sender try again later.
    """
    request_id = int(args["request"])
    with deps.sessions() as session:
        request = privacy.get(session=session, request_id=request_id)
        if request is None or request.state != RequestState.APPROVED.value or request.erased_at:
            return
        requester = request.requester
    person = _person(client, requester, strict=True)
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        request = privacy.get(session=session, request_id=request_id)
        if request is None or request.erased_at is not None:
            return
        pseudonym = new_pseudonym(privacy.pseudonyms(session=session))
        done = privacy.erase(session=session, person=person, pseudonym=pseudonym)
        privacy.finish(
            session=session, request_id=request_id, pseudonym=pseudonym, done=done, now=now
        )
        audit.record(
            session=session,
            actor=request.decided_by or "-",
            action="privacy.erased",
            subject=f"erasure:{request_id}",
            detail=pseudonym,
        )
        _owe_decided_cards(session, request_id, now)
        key = f"privacy:{request_id}:erased"
        # The only row left with the person's id: it removes itself once Slack took it.
        outbox.post(
            session=session,
            key=key,
            kind=NOTICE,
            channel=requester,
            build=NOTICE,
            build_args={"notice": "erased"},
            language={"user": requester},
            now=now,
            on_sent=FORGET,
            on_sent_args={"key": key},
        )


@REGISTRY.hook(FORGET)
def forget_sent(
    session: Session, args: dict[str, Any], channel: str | None, ts: str | None
) -> None:
    """Delete the message to an erased person once it was sent: it named them."""
    session.execute(delete(OutboxRow).where(OutboxRow.key == str(args.get("key", ""))))


def register(app: App) -> None:
    """Wire the privacy buttons."""
    app.action(EXPORT_ACTION)(export_clicked)
    app.action(ERASE_ACTION)(erase_clicked)
    app.action(APPROVE_ACTION)(approve_clicked)
    app.action(REJECT_ACTION)(reject_clicked)
