"""/matchday exchange: announce experience exchanges, list them, and decide registrations."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import admin_only
from bot.deps import Deps
from bot.exchanges import validate_exchange
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.views.exchanges import (
    CONFIRM_ACTION,
    DECLINE_ACTION,
    NEW_CALLBACK,
    build_exchange_list,
    build_exchange_modal,
    build_interest_card,
    build_registration_card,
    decision_notice,
    exchange_created,
)
from bot.views.help import build_notice
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import exchanges

NEW_WORDS = ("new", "ny")


@subcommand("exchange")
def exchange_command(request: CommandRequest) -> Outcome:
    """/matchday exchange [new]: the list with seats taken, or the form for a new one."""
    deps = request.deps
    now = deps.clock.now()
    if request.args.strip().lower() in NEW_WORDS:
        today = now.astimezone(deps.settings.timezone).date()
        return OpenModal(
            build_exchange_modal(
                today, deps.settings.MATCHDAY_TIMEZONE, request.command.response_url
            )
        )
    with deps.sessions() as session:
        found = exchanges.listing(session=session, now=now)
    return Reply(build_exchange_list(found))


def exchange_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the new exchange, or show the field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    allowed = admin_only(caller_of(deps, submission.user_id), _("announce experience exchanges"))
    if not allowed:
        ack(response_action="errors", errors={"title": allowed.refusal})
        return
    now = deps.clock.now()
    form, errors = validate_exchange(
        title=submission.text("title"),
        day=submission.text("day"),
        starts=submission.text("starts"),
        ends=submission.text("ends"),
        place=submission.text("place"),
        agenda=submission.text("agenda"),
        seats=submission.text("seats"),
        deadline_day=submission.text("deadline_day"),
        deadline_time=submission.text("deadline_time"),
        zone=deps.settings.timezone,
        now=now,
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    with deps.sessions.begin() as session:
        exchange = exchanges.create(session=session, form=form, actor=submission.user_id)
    ack()
    response_url = str(submission.metadata().get("response_url", ""))
    deps.after_ack.submit(respond, response_url, build_notice(exchange_created(exchange)))


def _decide(body: dict[str, Any], context: BoltContext, confirm: bool) -> None:
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    refusal = admin_only(caller_of(deps, action.user_id), _("decide on registrations")).refusal
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    registration_id = int(action.action.value)
    now = deps.clock.now()
    decide = exchanges.confirm if confirm else exchanges.decline
    with deps.sessions.begin() as session:
        state = decide(
            session=session, registration_id=registration_id, actor=action.user_id, now=now
        )
        current = exchanges.registration(session=session, registration_id=registration_id)
        if state is not None and current is not None:
            exchanges.owe_cards(
                session=session,
                kind=exchanges.REGISTRATION_CARD,
                item_id=registration_id,
                admins=[],
                now=now,
                version=f"{current.state.value}{int(now.timestamp() * 1000)}",
            )
    if current is not None:
        notice = build_notice(decision_notice(state, current))
        deps.after_ack.submit(respond, action.response_url, notice)


def confirm_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Give a registration a seat (or the waitlist when the seats are taken), once."""
    ack()
    _decide(body, context, confirm=True)


def decline_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Decline a registration, or cancel a confirmed seat, once."""
    ack()
    _decide(body, context, confirm=False)


@REGISTRY.builder(exchanges.REGISTRATION_CARD)
def build_registration(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """An admin's card of a registration as it stands when sent, in the admin's language."""
    with deps.sessions() as session:
        registration = exchanges.registration(session=session, registration_id=int(args["id"]))
        exchange = (
            exchanges.get(session=session, exchange_id=registration.exchange_id)
            if registration
            else None
        )
    if registration is None or exchange is None:
        return None
    return build_registration_card(registration, exchange)


@REGISTRY.builder(exchanges.INTEREST_CARD)
def build_interest(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """An admin's card of a 'We want to take part', in the admin's language."""
    with deps.sessions() as session:
        interest = exchanges.interest(session=session, interest_id=int(args["id"]))
    return build_interest_card(interest) if interest else None


def register(app: App) -> None:
    """Wire the new-exchange form and the registration cards' buttons."""
    app.view(NEW_CALLBACK)(exchange_submitted)
    app.action(CONFIRM_ACTION)(confirm_clicked)
    app.action(DECLINE_ACTION)(decline_clicked)
