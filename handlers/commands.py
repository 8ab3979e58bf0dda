"""The one /matchday listener: parse, find the caller, route to the subcommand, ack."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.background import AFTER_THE_ANSWER
from bot.commands import BY_NAME, parse
from bot.deps import Deps
from bot.i18n import _
from bot.programme import Caller
from bot.views.help import build_help, build_notice
from handlers.common import caller_of, deps_of, open_modal, tell_clicker
from handlers.payloads import SlashCommand
from handlers.payloads import parse as parse_payload


@dataclass(frozen=True)
class CommandRequest:
    """A /matchday invocation as a subcommand handler sees it."""

    command: SlashCommand
    caller: Caller
    deps: Deps
    args: str
    client: WebClient


@dataclass(frozen=True)
class Reply:
    """Answer in the acknowledgement itself (ephemeral)."""

    message: dict[str, Any]


@dataclass(frozen=True)
class OpenModal:
    """Acknowledge at once, then open this modal.

    ``prepare``, when given, runs after the acknowledgement (it may ask Slack) and returns
    the view to open instead of ``view``.
    """

    view: dict[str, Any]
    prepare: Callable[[WebClient], dict[str, Any]] | None = None


Outcome = Reply | OpenModal
SubcommandHandler = Callable[[CommandRequest], Outcome]
HANDLERS: dict[str, SubcommandHandler] = {}


def subcommand(name: str) -> Callable[[SubcommandHandler], SubcommandHandler]:
    """Register the handler of a subcommand named in bot.commands.SUBCOMMANDS."""
    if name not in BY_NAME:
        raise KeyError(f"/matchday {name} is not in bot.commands.SUBCOMMANDS")

    def decorate(handler: SubcommandHandler) -> SubcommandHandler:
        HANDLERS[name] = handler
        return handler

    return decorate


@subcommand("help")
def show_help(request: CommandRequest) -> Outcome:
    """/matchday help."""
    return Reply(build_help(request.caller))


def matchday(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Handle every /matchday invocation.

    Before the answer (a `serve` with its worker inside) the reply rides on the
    acknowledgement; after it (kept in the inbox, handlers/inbox.py) Slack already has its
    empty 200 and the reply goes through the command's response_url, which Slack shows
    the same way: an ephemeral message to the person who typed the command.
    """
    later = bool(context.get(AFTER_THE_ANSWER))
    user, response_url = str(body.get("user_id") or ""), str(body.get("response_url") or "")
    reply = partial(_reply, ack, later, client, user, response_url)
    command = parse_payload(SlashCommand, body)
    if command is None:
        reply({"text": _("Sorry, I could not read that command.")})
        return
    deps = deps_of(context)
    name, args = parse(command.text)
    caller = caller_of(deps, command.user_id)
    spec = BY_NAME.get(name)
    if spec is None or name not in HANDLERS:
        reply(build_help(caller, unknown=name))
        return
    if not spec.audience(caller):
        reply(build_notice(spec.refusal()))
        return
    # After the answer, what the handler starts in the background (a report after
    # "counting...") waits for the reply, as it waits for the acknowledgement otherwise.
    with deps.after_ack.held() if later else nullcontext():
        outcome = HANDLERS[name](CommandRequest(command, caller, deps, args, client))
        if isinstance(outcome, Reply):
            reply(outcome.message)
            return
        ack()
        if later:  # opened before the delivery counts as handled
            _open(client, command.trigger_id, outcome, command.response_url)
        else:
            deps.after_ack.submit(_open, client, command.trigger_id, outcome, command.response_url)


def _open(client: WebClient, trigger_id: str, outcome: OpenModal, response_url: str) -> None:
    view = outcome.prepare(client) if outcome.prepare else outcome.view
    open_modal(client, trigger_id, view, response_url)


def _reply(
    ack: Ack,
    later: bool,
    client: WebClient,
    user: str,
    response_url: str,
    message: dict[str, Any],
) -> None:
    """The ephemeral reply: in the acknowledgement, or through the response_url after it.

    A response_url Slack no longer takes (the worker was away for more than 30 minutes)
    gets the reply as a direct message instead, so that no command goes unanswered.
    """
    if later:
        ack()  # Slack had its answer; Bolt wants the listener's too
        tell_clicker(client, user, response_url, message)
    else:
        ack(response_type="ephemeral", text=message["text"], blocks=message.get("blocks"))


def register(app: App) -> None:
    """Wire the /matchday command."""
    app.command("/matchday")(matchday)
