"""The one /matchday listener: parse, find the caller, route to the subcommand, ack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.commands import BY_NAME, parse
from bot.deps import Deps
from bot.i18n import _
from bot.programme import Caller
from bot.views.help import build_help, build_notice
from handlers.common import caller_of, deps_of, open_modal
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
    """Handle every /matchday invocation."""
    command = parse_payload(SlashCommand, body)
    if command is None:
        ack(response_type="ephemeral", text=_("Sorry, I could not read that command."))
        return
    deps = deps_of(context)
    name, args = parse(command.text)
    caller = caller_of(deps, command.user_id)
    spec = BY_NAME.get(name)
    if spec is None or name not in HANDLERS:
        _ack_message(ack, build_help(caller, unknown=name))
        return
    if not spec.audience(caller):
        _ack_message(ack, build_notice(spec.refusal()))
        return
    outcome = HANDLERS[name](CommandRequest(command, caller, deps, args, client))
    if isinstance(outcome, OpenModal):
        ack()
        deps.after_ack.submit(_open, client, command.trigger_id, outcome, command.response_url)
    else:
        _ack_message(ack, outcome.message)


def _open(client: WebClient, trigger_id: str, outcome: OpenModal, response_url: str) -> None:
    view = outcome.prepare(client) if outcome.prepare else outcome.view
    open_modal(client, trigger_id, view, response_url)


def _ack_message(ack: Ack, message: dict[str, Any]) -> None:
    ack(response_type="ephemeral", text=message["text"], blocks=message["blocks"])


def register(app: App) -> None:
    """Wire the /matchday command."""
    app.command("/matchday")(matchday)
