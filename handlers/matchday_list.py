"""/matchday matchdays: the upcoming matchdays and the caller's own meetings at them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_bolt import App

from bot.views.matchday_list import MAX_MATCHDAYS, build_matchday_list
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from storage.repositories import matchday_list


@subcommand("matchdays")
def matchdays_command(request: CommandRequest) -> Outcome:
    """/matchday matchdays."""
    deps = request.deps
    today = deps.clock.now().astimezone(ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)).date()
    with deps.sessions() as session:
        found = matchday_list.upcoming(
            session=session,
            user_id=request.caller.user_id,
            today=today,
            limit=MAX_MATCHDAYS * 5,
        )
    return Reply(build_matchday_list(found))


def register(app: App) -> None:
    """The matchdays subcommand needs no listener of its own."""
