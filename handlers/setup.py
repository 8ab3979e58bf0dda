"""Programme setup: link a channel to an organisation (admins)."""

from __future__ import annotations

from typing import Any, Literal

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.access import admin_only
from bot.deps import Deps
from bot.forms import SetupForm, validate_setup
from bot.i18n import _
from bot.programme import Organisation
from bot.views.help import build_notice
from bot.views.setup import SETUP_CALLBACK, build_setup_modal, invite_me, setup_saved
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import bot_is_member, caller_of, deps_of, respond
from handlers.payloads import ViewSubmission, parse
from storage.repositories import organisations


@subcommand("setup")
def setup_command(request: CommandRequest) -> Outcome:
    """/matchday setup: open the setup form for this channel."""
    channel_id = request.command.channel_id
    if channel_id.startswith("D"):
        return Reply(
            build_notice(_("Run `/matchday setup` in the project group's channel, not here."))
        )
    with request.deps.sessions() as session:
        organisation = organisations.by_channel(session=session, channel_id=channel_id)
    return OpenModal(build_setup_modal(channel_id, request.command.response_url, organisation))


def setup_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the organisation, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"name": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    channel_id = str(metadata.get("channel", ""))
    refusal = admin_only(caller_of(deps, submission.user_id), _("link channels to organisations"))
    if not refusal or not channel_id:
        ack(response_action="errors", errors={"name": refusal.refusal or _("Please try again.")})
        return
    form, errors = validate_setup(
        name=submission.text("name"),
        kind=submission.text("kind"),
        opportunities_channel=submission.text("opportunities_channel"),
        own_channel=channel_id,
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    name_taken = _("Another organisation already has this name.")
    saved: tuple[Organisation, bool] | Literal[False] = False
    for _attempt in range(2):  # a second form saved at the same moment: read it, edit it
        try:
            saved = _save(deps, submission.user_id, channel_id, form)
            break
        except IntegrityError:
            continue
    if not saved:
        ack(response_action="errors", errors={"name": name_taken})
        return
    organisation, created = saved
    ack()
    deps.after_ack.submit(
        _confirm_setup, client, deps, organisation, created, str(metadata.get("response_url", ""))
    )


def _save(
    deps: Deps, actor: str, channel_id: str, form: SetupForm
) -> tuple[Organisation, bool] | Literal[False]:
    """Create or edit the channel's organisation; False when another one has the name."""
    with deps.sessions.begin() as session:
        existing = organisations.by_channel(session=session, channel_id=channel_id)
        if organisations.name_taken(
            session=session, name=form.name, except_id=existing.id if existing else None
        ):
            return False
        return organisations.save(
            session=session,
            actor=actor,
            channel_id=channel_id,
            name=form.name,
            kind=form.kind,
            opportunities_channel_id=form.opportunities_channel_id,
            timezone=existing.timezone if existing else deps.settings.MATCHDAY_TIMEZONE,
        )


def _confirm_setup(
    client: WebClient, deps: Deps, organisation: Organisation, created: bool, response_url: str
) -> None:
    notes = [setup_saved(organisation, created)]
    for channel in (organisation.channel_id, organisation.opportunities_channel_id):
        if bot_is_member(client, channel) is False:
            notes.append(invite_me(channel))
    respond(response_url, build_notice("\n\n".join(notes)))


def register(app: App) -> None:
    """Wire the setup modal's submission."""
    app.view(SETUP_CALLBACK)(setup_submitted)
