"""/matchday questions: the questions about the caller's organisations' opportunities, paged."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.commands import BY_NAME
from bot.deps import Deps
from bot.programme import Caller
from bot.questions import OpportunityQuestion, QuestionState, state_now
from bot.views.help import build_notice
from bot.views.paging import read_page_value, window
from bot.views.questions import QUESTIONS_PAGE_ACTION, build_question_list
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import BlockAction, parse
from storage.repositories import organisations
from storage.repositories import questions as questions_repo

PAGE_SIZE = 10  # four blocks each: well inside Slack's 50


def question_page(deps: Deps, caller: Caller, page: int) -> dict[str, Any]:
    """One page of the questions this caller may see, each with its state now."""
    visible = None if caller.is_admin else list(caller.memberships)
    now = deps.clock.now()
    with deps.sessions() as session:
        total = questions_repo.count_listed(session=session, organisation_ids=visible)
        win = window(total, page, PAGE_SIZE)
        shown = questions_repo.listed(
            session=session, organisation_ids=visible, offset=win.start, limit=win.size
        )
        zones = {
            organisation.id: organisation.timezone
            for organisation in organisations.by_ids(
                session=session, organisation_ids=sorted({q.organisation_id for q in shown})
            )
        }
    items: list[tuple[OpportunityQuestion, QuestionState]] = [
        (question, state_now(question, zones.get(question.organisation_id, "UTC"), now))
        for question in shown
    ]
    return build_question_list(items, win, page)


@subcommand("questions")
def questions_command(request: CommandRequest) -> Outcome:
    """/matchday questions: questions about your organisations' opportunities (admins: all)."""
    return Reply(question_page(request.deps, request.caller, 0))


def questions_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Next or previous page of the question list."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    if not BY_NAME["questions"].audience(caller):
        refusal = build_notice(BY_NAME["questions"].refusal())
        deps.after_ack.submit(respond, action.response_url, refusal)
        return
    page, _extra = read_page_value(action.action.value)
    message = question_page(deps, caller, page)
    deps.after_ack.submit(respond, action.response_url, message, replace=True)


def register(app: App) -> None:
    """Wire the question list's paging."""
    app.action(f"{QUESTIONS_PAGE_ACTION}_previous")(questions_page_clicked)
    app.action(f"{QUESTIONS_PAGE_ACTION}_next")(questions_page_clicked)
