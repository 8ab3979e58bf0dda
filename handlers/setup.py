"""Programme setup: link a channel to an organisation (admins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.access import admin_only
from bot.channel_safety import may_link
from bot.deps import Deps
from bot.forms import SetupForm, validate_setup
from bot.i18n import _
from bot.programme import Organisation
from bot.views.help import build_notice
from bot.views.setup import (
    SETUP_CALLBACK,
    build_setup_modal,
    build_setup_refused,
    invite_me,
    setup_saved,
    setup_unchecked,
)
from handlers.channel_safety import channel_facts, lookup_client, record_for_setup
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import bot_is_member, caller_of, deps_of, respond
from handlers.payloads import ViewSubmission, parse
from storage.repositories import channel_safety, organisations

# How long the channel check made when the form opened stays good for its submission.
CHECK_FRESH = timedelta(minutes=30)


@subcommand("setup")
def setup_command(request: CommandRequest) -> Outcome:
    """/matchday setup: check the channel, then open the setup form (or say why not).

    The check (``conversations.info``) runs after the acknowledgement, before the form
    opens: the admin learns at once that a public or shared channel cannot hold the
    group's confidential pitches, and the submission relies on the recorded answer
    (it must not ask Slack before its own acknowledgement).
    """
    channel_id = request.command.channel_id
    if channel_id.startswith("D"):
        return Reply(
            build_notice(_("Run `/matchday setup` in the project group's channel, not here."))
        )
    deps = request.deps
    with deps.sessions() as session:
        organisation = organisations.by_channel(session=session, channel_id=channel_id)
    form = build_setup_modal(channel_id, request.command.response_url, organisation)

    def checked(client: WebClient) -> dict[str, Any]:
        facts = channel_facts(deps, lookup_client(deps), channel_id)
        record_for_setup(deps, facts)
        allowed = may_link(facts)
        return form if allowed else build_setup_refused(allowed.refusal)

    return OpenModal(form, prepare=checked)


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
    with deps.sessions() as session:
        check = channel_safety.get(session=session, channel_id=channel_id)
    if check is None or check.state != "safe" or deps.clock.now() - check.checked_at > CHECK_FRESH:
        ack(response_action="errors", errors={"name": setup_unchecked()})
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
        saved = organisations.save(
            session=session,
            actor=actor,
            channel_id=channel_id,
            name=form.name,
            kind=form.kind,
            opportunities_channel_id=form.opportunities_channel_id,
            timezone=existing.timezone if existing else deps.settings.MATCHDAY_TIMEZONE,
        )
        channel_safety.mark_linked(session=session, channel_id=channel_id, now=deps.clock.now())
        return saved


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
