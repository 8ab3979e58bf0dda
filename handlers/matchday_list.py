"""/matchday matchdays: the upcoming matchdays and the caller's own meetings at them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext

from bot.deps import Deps
from bot.views.matchday_list import MATCHDAYS_PAGE_ACTION, build_matchday_list
from bot.views.paging import read_page_value
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import deps_of, respond
from handlers.payloads import BlockAction, parse
from storage.repositories import matchday_list


def _list(deps: Deps, user_id: str, page: int = 0) -> dict[str, Any]:
    today = deps.clock.now().astimezone(ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)).date()
    with deps.sessions() as session:
        found = matchday_list.upcoming(session=session, user_id=user_id, today=today)
    return build_matchday_list(found, page)


@subcommand("matchdays")
def matchdays_command(request: CommandRequest) -> Outcome:
    """/matchday matchdays."""
    return Reply(_list(request.deps, request.caller.user_id))


def page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* under the list: the list as it stands now, at the other page."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    page, _extra = read_page_value(action.action.value)
    deps.after_ack.submit(_show_page, deps, action.user_id, page, action.response_url)


def _show_page(deps: Deps, user_id: str, page: int, response_url: str) -> None:
    respond(response_url, _list(deps, user_id, page), replace=True)


def register(app: App) -> None:
    """The list's page buttons (the subcommand itself is registered by its decorator)."""
    app.action(f"{MATCHDAYS_PAGE_ACTION}_previous")(page_clicked)
    app.action(f"{MATCHDAYS_PAGE_ACTION}_next")(page_clicked)
