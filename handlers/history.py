"""`/matchday history [opportunity]`: an opportunity's full history, paged, and as a CSV.

Only programme admins and the organisation's project managers may read it; anyone else
gets the refusal that reveals nothing (not even whether the opportunity exists).
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.csv_safe import csv_bytes
from bot.deps import Deps
from bot.history import CSV_HEADER, History, csv_rows, may_view_history
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.programme import Caller
from bot.text import safe
from bot.views.help import build_notice
from bot.views.history import (
    CHOICES_PAGE_ACTION,
    HISTORY_CSV_ACTION,
    HISTORY_OPEN_ACTION,
    HISTORY_PAGE_ACTION,
    Choice,
    build_choices,
    build_history,
)
from bot.views.paging import read_page_value
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import BlockAction, parse
from storage.repositories import history, organisations, outbox, people

logger = logging.getLogger(__name__)
HISTORY_FILE = "history_file"


def _readable(deps: Deps, caller: Caller, opportunity_id: int) -> History | None:
    """The history, when the caller may read it (None otherwise, or when there is none)."""
    with deps.sessions() as session:
        found = history.of_opportunity(session=session, opportunity_id=opportunity_id)
    if found is None or not may_view_history(caller, found.organisation_id):
        return None
    return found


def _clicked_history(deps: Deps, caller: Caller, action: BlockAction) -> History | None:
    """The history a button names, or None after owing the refusal that reveals nothing."""
    value = action.action.value
    readable = _readable(deps, caller, int(value)) if value.isdigit() else None
    if readable is None:
        refusal = build_notice(may_view_history(caller, -1).refusal)
        deps.after_ack.submit(respond, action.response_url, refusal)
    return readable


def _scope(deps: Deps, caller: Caller, channel_id: str) -> list[int] | None:
    """The organisations to choose among: this channel's, or all the caller manages."""
    with deps.sessions() as session:
        here = organisations.by_channel(session=session, channel_id=channel_id)
    if here is not None and may_view_history(caller, here.id):
        return [here.id]
    if caller.is_admin:
        return None
    return sorted(org for org in caller.memberships if may_view_history(caller, org))


def _choices(deps: Deps, caller: Caller, channel_id: str, words: str) -> list[Choice]:
    scope = _scope(deps, caller, channel_id)
    with deps.sessions() as session:
        found = history.find_opportunities(session=session, words=words, organisation_ids=scope)
        names = {
            org.id: org.name
            for org in organisations.by_ids(
                session=session, organisation_ids=sorted({item[2] for item in found})
            )
        }
    return [Choice(item[0], item[1], names.get(item[2], "")) for item in found]


def history_page(deps: Deps, caller: Caller, channel_id: str, args: str) -> dict[str, Any]:
    """The answer to `/matchday history <args>`: a history, a list to choose from, or why not."""
    wanted = args.strip()
    if wanted.isdigit():
        found = _readable(deps, caller, int(wanted))
        if found is None:
            return build_notice(may_view_history(caller, -1).refusal)
        return build_history(found, 0)
    choices = _choices(deps, caller, channel_id, wanted)
    if wanted and len(choices) == 1:
        found = _readable(deps, caller, choices[0].opportunity_id)
        if found is not None:
            return build_history(found, 0)
    if wanted and not choices:
        return build_notice(
            _(
                "I found no opportunity called *{words}* whose history you can see. "
                "Try `/matchday history` to choose from a list."
            ).format(words=safe(wanted, 150))
        )
    return build_choices(choices, 0, wanted, channel_id)


@subcommand("history")
def history_command(request: CommandRequest) -> Outcome:
    """/matchday history [opportunity]: an opportunity's full history, for those who answer."""
    return Reply(
        history_page(request.deps, request.caller, request.command.channel_id, request.args)
    )


def _action(body: dict[str, Any], context: BoltContext) -> tuple[Deps, Caller, BlockAction] | None:
    action = parse(BlockAction, body)
    if action is None:
        return None
    deps = deps_of(context)
    return deps, caller_of(deps, action.user_id), action


def page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* on a history: the page asked for, after the permission check."""
    ack()
    found = _action(body, context)
    if found is None:
        return
    deps, caller, action = found
    page, extra = read_page_value(action.action.value)
    opportunity = extra.get("o")
    readable = _readable(deps, caller, opportunity) if isinstance(opportunity, int) else None
    if readable is None:
        refusal = build_notice(may_view_history(caller, -1).refusal)
        deps.after_ack.submit(respond, action.response_url, refusal)
        return
    deps.after_ack.submit(respond, action.response_url, build_history(readable, page), replace=True)


def open_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*History* beside an opportunity in the list: its history, first page."""
    ack()
    found = _action(body, context)
    if found is None:
        return
    deps, caller, action = found
    readable = _clicked_history(deps, caller, action)
    if readable is None:
        return
    deps.after_ack.submit(respond, action.response_url, build_history(readable, 0), replace=True)


def choices_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* on the list of opportunities."""
    ack()
    found = _action(body, context)
    if found is None:
        return
    deps, caller, action = found
    page, extra = read_page_value(action.action.value)
    words, channel_id = str(extra.get("w") or ""), str(extra.get("c") or "")
    message = build_choices(_choices(deps, caller, channel_id, words), page, words, channel_id)
    deps.after_ack.submit(respond, action.response_url, message, replace=True)


def csv_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Send me the CSV*: the whole history as a file in the person's DM, owed through the
    outbox (one per click: a click delivered twice carries the same trigger)."""
    ack()
    found = _action(body, context)
    if found is None:
        return
    deps, caller, action = found
    readable = _clicked_history(deps, caller, action)
    if readable is None:
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        outbox.upload(
            session=session,
            key=f"history:{readable.opportunity_id}:{caller.user_id}:{action.trigger_id}",
            kind=HISTORY_FILE,
            channel=caller.user_id,
            build=HISTORY_FILE,
            build_args={"opportunity": readable.opportunity_id, "user": caller.user_id},
            language={"user": caller.user_id},
            now=now,
            actor=caller.user_id,
        )
    logger.info("history CSV of opportunity %s for %s", readable.opportunity_id, caller.user_id)
    notice = build_notice(
        _("The history arrives as a CSV file in your messages with Matchday in a moment.")
    )
    deps.after_ack.submit(respond, action.response_url, notice)


@REGISTRY.builder(HISTORY_FILE)
def build_history_file(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The whole history as CSV, if the requester may still read it when it is sent."""
    with deps.sessions() as session:
        caller = people.load_caller(
            session=session,
            user_id=str(args["user"]),
            configured_admins=deps.settings.MATCHDAY_ADMINS,
        )
    found = _readable(deps, caller, int(args["opportunity"]))
    if found is None:
        return None
    stamp = deps.clock.now().astimezone(UTC).strftime("%Y%m%d-%H%M")
    return {
        "content": csv_bytes(CSV_HEADER, csv_rows(found)),
        "filename": f"matchday-history-{found.opportunity_id}-{stamp}.csv",
        "title": _("History of {title}").format(title=found.title),
    }


def register(app: App) -> None:
    """Wire the history's paging, the list's *History* buttons and the CSV button."""
    app.action(f"{HISTORY_PAGE_ACTION}_previous")(page_clicked)
    app.action(f"{HISTORY_PAGE_ACTION}_next")(page_clicked)
    app.action(HISTORY_OPEN_ACTION)(open_clicked)
    app.action(f"{CHOICES_PAGE_ACTION}_previous")(choices_page_clicked)
    app.action(f"{CHOICES_PAGE_ACTION}_next")(choices_page_clicked)
    app.action(HISTORY_CSV_ACTION)(csv_clicked)
