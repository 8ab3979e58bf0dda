"""Focus areas: list them with progress, add, archive, and start or resume an assessment."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import _
from bot.needs import MAX_AREAS
from bot.needs_forms import validate_area
from bot.programme import Caller, Organisation
from bot.text import inline
from bot.views.areas import (
    ADD_AREA_ACTION,
    ADD_AREA_CALLBACK,
    ARCHIVE_AREA_ACTION,
    ASSESS_AREA_ACTION,
    build_add_area_modal,
    build_areas,
    too_many_areas,
)
from bot.views.blocks import section
from bot.views.help import build_notice, unlinked_channel
from handlers.assessment_flow import NOT_IN_GROUP
from handlers.assessment_start import start_or_resume
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, respond, tell_clicker
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import needs, organisations


def may_work(caller: Caller, organisation: Organisation) -> bool:
    """Project-group members and admins work on an organisation's areas."""
    return caller.is_admin or organisation.id in caller.memberships


def refusal() -> dict[str, Any]:
    """Who may work on focus areas."""
    return build_notice(_(NOT_IN_GROUP))


def areas_message(deps: Deps, organisation: Organisation, note: str = "") -> dict[str, Any]:
    """The list of areas, with an optional note on top."""
    with deps.sessions() as session:
        items = needs.overview(session=session, organisation_id=organisation.id)
    message = build_areas(organisation, items, can_work=True)
    if note:
        message["blocks"].insert(1, section(note))
    return message


@subcommand("areas")
def areas_command(request: CommandRequest) -> Outcome:
    """/matchday areas: the organisation's focus areas with their progress."""
    with request.deps.sessions() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
    if organisation is None:
        return Reply(unlinked_channel())
    if not may_work(request.caller, organisation):
        return Reply(refusal())
    return Reply(areas_message(request.deps, organisation))


def _organisation_of(deps: Deps, raw: str) -> Organisation | None:
    if not raw.isdigit():
        return None
    with deps.sessions() as session:
        return organisations.by_id(session=session, organisation_id=int(raw))


def add_area_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the add-area form, unless five areas are already active."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    organisation = _organisation_of(deps, action.action.value)
    if organisation is None or not may_work(caller_of(deps, action.user_id), organisation):
        deps.after_ack.submit(respond, action.response_url, refusal())
        return
    with deps.sessions() as session:
        full = needs.active_count(session=session, organisation_id=organisation.id) >= MAX_AREAS
    if full:
        deps.after_ack.submit(respond, action.response_url, build_notice(too_many_areas()))
        return
    view = build_add_area_modal(organisation, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def add_area_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Add the area, or show field errors and save nothing.

    An organisation has one active area of a title: the same form submitted twice adds
    one area, and the second submission is answered with the list as it is.
    """
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    organisation = _organisation_of(deps, str(metadata.get("organisation", "")))
    if organisation is None or not may_work(caller_of(deps, submission.user_id), organisation):
        ack(response_action="errors", errors={"title": refusal()["text"]})
        return
    form, errors = validate_area(title=submission.text("title"), why=submission.text("why"))
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    with deps.sessions.begin() as session:
        # One change to the organisation's areas at a time: the checks below stay true.
        needs.lock_organisation(session=session, organisation_id=organisation.id)
        existing = needs.active_area_titled(
            session=session, organisation_id=organisation.id, title=form.title
        )
        if existing is None:
            if needs.active_count(session=session, organisation_id=organisation.id) >= MAX_AREAS:
                ack(response_action="errors", errors={"title": too_many_areas()})
                return
            area = needs.add_area(
                session=session,
                actor=submission.user_id,
                organisation_id=organisation.id,
                title=form.title,
                why=form.why,
            )
    ack()
    if existing is None:
        note = _("Added *{title}*. Start its assessment when the group is ready.").format(
            title=inline(area.title, 150)
        )
    else:  # the same form submitted twice, or the same area added by two people
        note = _("*{title}* is already on the list.").format(title=inline(existing.title, 150))
    response_url = str(metadata.get("response_url", ""))
    deps.after_ack.submit(
        lambda: respond(response_url, areas_message(deps, organisation, note), replace=True)
    )


def archive_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Archive an area after the confirmation."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    with deps.sessions.begin() as session:
        area = needs.area(session=session, area_id=int(action.action.value))
        organisation = (
            organisations.by_id(session=session, organisation_id=area.organisation_id)
            if area
            else None
        )
        if area is None or organisation is None or not may_work(caller, organisation):
            deps.after_ack.submit(respond, action.response_url, refusal())
            return
        needs.archive_area(session=session, actor=caller.user_id, area_id=area.id)
    note = _("Archived *{title}*.").format(title=inline(area.title, 150))
    deps.after_ack.submit(
        lambda: respond(action.response_url, areas_message(deps, organisation, note), replace=True)
    )


def assess_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Start or resume the assessment of the area whose button was clicked."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    reply = start_or_resume(deps, caller_of(deps, action.user_id), int(action.action.value))
    deps.after_ack.submit(tell_clicker, client, action.user_id, action.response_url, reply)


def register(app: App) -> None:
    """Wire the focus-area buttons and form."""
    app.action(ADD_AREA_ACTION)(add_area_clicked)
    app.view(ADD_AREA_CALLBACK)(add_area_submitted)
    app.action(ARCHIVE_AREA_ACTION)(archive_clicked)
    app.action(ASSESS_AREA_ACTION)(assess_clicked)
