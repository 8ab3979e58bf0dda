"""/matchday resources: the programme's library; admins add, change and remove items."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import admin_only
from bot.deps import Deps
from bot.i18n import _
from bot.resources import ResourceForm, UploadedFile, stage_label, validate_resource
from bot.text import cut
from bot.views.help import build_notice
from bot.views.resources import (
    ADD_ACTION,
    EDIT_ACTION,
    PAGE_ACTION,
    SAVE_CALLBACK,
    build_library,
    build_resource_modal,
    resource_removed,
    resource_saved,
)
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import resources


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    permalink: str = ""


class _FileInput(BaseModel):
    """A file_input element's value in view.state (Slack sends the uploaded files)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    files: list[_File] = []


def uploaded_files(submission: ViewSubmission, block_id: str = "file") -> list[UploadedFile]:
    """The files uploaded in a file_input block of a submitted modal."""
    for element in submission.view.state.values.get(block_id, {}).values():
        try:
            value = _FileInput.model_validate(element)
        except ValidationError:
            return []
        return [UploadedFile(item.id, item.permalink) for item in value.files]
    return []


def _library(deps: Deps, can_edit: bool, page: int = 0, note: str = "") -> dict[str, Any]:
    with deps.sessions() as session:
        items = resources.all_resources(session=session)
    return build_library(items, can_edit=can_edit, page=page, note=note)


@subcommand("resources")
def resources_command(request: CommandRequest) -> Outcome:
    """/matchday resources: the library by stage."""
    return Reply(_library(request.deps, request.caller.is_admin))


def page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Show another page of the library."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    can_edit = caller_of(deps, action.user_id).is_admin
    page = _library(deps, can_edit, int(action.action.value))
    deps.after_ack.submit(respond, action.response_url, page, replace=True)


def _editor_refusal(deps: Deps, user_id: str) -> str:
    return admin_only(caller_of(deps, user_id), _("change the resource library")).refusal


def add_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form for a new item (admins)."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    refusal = _editor_refusal(deps, action.user_id)
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    view = build_resource_modal(None, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def edit_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form to change or remove an item (admins)."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    refusal = _editor_refusal(deps, action.user_id)
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    with deps.sessions() as session:
        item = resources.get(session=session, resource_id=int(action.action.value))
    if item is None:
        gone = _library(deps, True, note=_("That item is no longer in the library."))
        deps.after_ack.submit(respond, action.response_url, gone, replace=True)
        return
    view = build_resource_modal(item, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def save_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save, change or remove an item, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    refusal = _editor_refusal(deps, submission.user_id)
    if refusal:
        ack(response_action="errors", errors={"title": refusal})
        return
    metadata = submission.metadata()
    raw_id = metadata.get("resource")
    resource_id = raw_id if isinstance(raw_id, int) else None
    response_url = str(metadata.get("response_url", ""))
    form: ResourceForm | None = None
    if resource_id is not None and "remove" in submission.many("remove"):
        with deps.sessions.begin() as session:
            removed = resources.remove(
                session=session, actor=submission.user_id, resource_id=resource_id
            )
        ack()
        note = resource_removed(removed) if removed else _("That item was already removed.")
        deps.after_ack.submit(respond, response_url, _library(deps, True, note=note), replace=True)
        return
    try:
        with deps.sessions.begin() as session:
            current = (
                resources.get(session=session, resource_id=resource_id) if resource_id else None
            )
            if resource_id is not None and current is None:
                ack(
                    response_action="errors",
                    errors={"title": _("That item was removed meanwhile.")},
                )
                return
            form, errors = validate_resource(
                stage=submission.text("stage"),
                title=submission.text("title"),
                description=submission.text("description"),
                link=submission.text("link"),
                files=uploaded_files(submission),
                keep=current,
            )
            if form is None:
                ack(response_action="errors", errors=errors)
                return
            saved = resources.save(
                session=session, actor=submission.user_id, form=form, resource_id=resource_id
            )
    except resources.TitleTakenError as taken:
        existing = taken.existing
        if resource_id is None and form is not None and existing.url == form.url:
            saved = existing  # the same item added twice: it is in the library once
        else:
            ack(
                response_action="errors",
                errors={
                    "title": _(
                        "The library already has an item called {title} under {stage}. Change "
                        "that item, or give this one another title."
                    ).format(title=cut(existing.title, 80), stage=stage_label(existing.stage))
                },
            )
            return
    ack()
    note = resource_saved(saved) if saved else ""
    deps.after_ack.submit(respond, response_url, _library(deps, True, note=note), replace=True)


def register(app: App) -> None:
    """Wire the library's buttons and the admins' form."""
    app.action(PAGE_ACTION)(page_clicked)
    app.action(ADD_ACTION)(add_clicked)
    app.action(EDIT_ACTION)(edit_clicked)
    app.view(SAVE_CALLBACK)(save_submitted)
