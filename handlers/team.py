"""The project group: show it, add members with a role, remove members."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import may_manage_team, may_view_team
from bot.deps import Deps
from bot.forms import validate_member
from bot.i18n import _
from bot.labels import role_label
from bot.outbox import REGISTRY
from bot.programme import Caller, Organisation, Role
from bot.text import USER_ID, inline, user
from bot.views.blocks import context as context_block
from bot.views.help import build_notice, unlinked_channel
from bot.views.paging import read_page_value
from bot.views.team import (
    ADD_MEMBER_ACTION,
    ADD_MEMBER_CALLBACK,
    REMOVE_MEMBER_ACTION,
    TEAM_PAGE_ACTION,
    build_add_member_modal,
    build_team,
    member_saved,
)
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import organisations, outbox

WELCOME = "member_welcome"


@subcommand("team")
def team_command(request: CommandRequest) -> Outcome:
    """/matchday team: the project group of this channel's organisation."""
    with request.deps.sessions() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
        if organisation is None:
            return Reply(unlinked_channel())
        allowed = may_view_team(request.caller, organisation)
        if not allowed:
            return Reply(build_notice(allowed.refusal))
        return Reply(_team_message(request.deps, request.caller, organisation))


def _team_message(
    deps: Deps, caller: Caller, organisation: Organisation, note: str = "", page: int = 0
) -> dict[str, Any]:
    with deps.sessions() as session:
        members = organisations.members(session=session, organisation_id=organisation.id)
    message = build_team(
        organisation, members, can_manage=bool(may_manage_team(caller, organisation)), page=page
    )
    if note:
        message["blocks"].insert(1, context_block(note))
    return message


def _organisation(deps: Deps, raw_id: str) -> Organisation | None:
    if not raw_id.isdigit():
        return None
    with deps.sessions() as session:
        return organisations.by_id(session=session, organisation_id=int(raw_id))


def add_member_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the add-member form for those who manage the group."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    organisation = _organisation(deps, action.action.value)
    if organisation is None:
        deps.after_ack.submit(respond, action.response_url, unlinked_channel())
        return
    allowed = may_manage_team(caller_of(deps, action.user_id), organisation)
    if not allowed:
        deps.after_ack.submit(respond, action.response_url, build_notice(allowed.refusal))
        return
    view = build_add_member_modal(organisation, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def add_member_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Add the member (or change their role), or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"user": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    organisation = _organisation(deps, str(metadata.get("organisation", "")))
    if organisation is None:
        ack(response_action="errors", errors={"user": _("This organisation no longer exists.")})
        return
    caller = caller_of(deps, submission.user_id)
    allowed = may_manage_team(caller, organisation)
    if not allowed:
        ack(response_action="errors", errors={"user": allowed.refusal})
        return
    form, errors = validate_member(user_id=submission.text("user"), role=submission.text("role"))
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        added = organisations.set_member(
            session=session,
            actor=caller.user_id,
            organisation_id=organisation.id,
            user_id=form.user_id,
            role=form.role,
        )
        membership = organisations.membership_id(
            session=session, organisation_id=organisation.id, user_id=form.user_id
        )
        if added and membership is not None:  # each membership is welcomed once
            outbox.post(
                session=session,
                key=f"member:{membership}:welcome",
                kind=WELCOME,
                channel=form.user_id,
                build=WELCOME,
                build_args={"organisation": organisation.id, "user": form.user_id},
                language={"user": form.user_id},
                now=now,
                actor=caller.user_id,
            )
    ack()
    note = member_saved(form.user_id, form.role, added)
    response_url = str(metadata.get("response_url", ""))
    deps.after_ack.submit(_after_member_change, deps, caller, organisation, note, response_url)


@REGISTRY.builder(WELCOME)
def build_welcome(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The welcome to a new member, in their language, with their role as it is now
    (nothing when they left the group meanwhile)."""
    person = str(args["user"])
    organisation_id = int(args["organisation"])
    with deps.sessions() as session:
        organisation = organisations.by_id(session=session, organisation_id=organisation_id)
        members = organisations.members(session=session, organisation_id=organisation_id)
    role = next((member.role for member in members if member.user_id == person), None)
    if organisation is None or role is None:
        return None
    return _welcome(organisation, role)


def _welcome(organisation: Organisation, role: Role) -> dict[str, Any]:
    text = _(
        "You have been added to the project group of *{name}* as {role}. "
        "Type `/matchday help` to see what you can do."
    ).format(name=inline(organisation.name, 200), role=role_label(role).lower())
    return build_notice(text)


def remove_member_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Remove a member after the confirmation dialog."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    raw_id, _sep, user_id = action.action.value.partition(":")
    organisation = _organisation(deps, raw_id)
    if organisation is None or not USER_ID.match(user_id):
        deps.after_ack.submit(respond, action.response_url, unlinked_channel())
        return
    caller = caller_of(deps, action.user_id)
    allowed = may_manage_team(caller, organisation)
    if not allowed:
        deps.after_ack.submit(respond, action.response_url, build_notice(allowed.refusal))
        return
    with deps.sessions.begin() as session:
        removed = organisations.remove_member(
            session=session, actor=caller.user_id, organisation_id=organisation.id, user_id=user_id
        )
    note = (
        _("Removed {person} from the project group.").format(person=user(user_id))
        if removed
        else _("{person} was not in the project group any more.").format(person=user(user_id))
    )
    deps.after_ack.submit(
        _after_member_change, deps, caller, organisation, note, action.response_url
    )


def _after_member_change(
    deps: Deps,
    caller: Caller,
    organisation: Organisation,
    note: str,
    response_url: str,
) -> None:
    respond(response_url, _team_message(deps, caller, organisation, note), replace=True)


def team_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """*Previous*/*Next* under the project group: the same message at the other page."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    page, extra = read_page_value(action.action.value)
    organisation = _organisation(deps, str(extra.get("o", "")))
    if organisation is None:
        deps.after_ack.submit(respond, action.response_url, unlinked_channel())
        return
    caller = caller_of(deps, action.user_id)
    allowed = may_view_team(caller, organisation)
    if not allowed:
        deps.after_ack.submit(respond, action.response_url, build_notice(allowed.refusal))
        return
    deps.after_ack.submit(_show_team_page, deps, caller, organisation, page, action.response_url)


def _show_team_page(
    deps: Deps, caller: Caller, organisation: Organisation, page: int, response_url: str
) -> None:
    respond(response_url, _team_message(deps, caller, organisation, page=page), replace=True)


def register(app: App) -> None:
    """Wire the team buttons, its pages and the add-member modal."""
    app.action(f"{TEAM_PAGE_ACTION}_previous")(team_page_clicked)
    app.action(f"{TEAM_PAGE_ACTION}_next")(team_page_clicked)
    app.action(ADD_MEMBER_ACTION)(add_member_clicked)
    app.action(REMOVE_MEMBER_ACTION)(remove_member_clicked)
    app.view(ADD_MEMBER_CALLBACK)(add_member_submitted)
