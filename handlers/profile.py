"""The company profile, kept by the startup's representatives."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.i18n import _
from bot.pitch_forms import validate_profile
from bot.text import inline
from bot.views.help import build_notice
from bot.views.profile import PROFILE_CALLBACK, build_profile_modal
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import ViewSubmission, parse
from storage.repositories import startups
from storage.repositories.startups import ProfileSave


@subcommand("profile")
def profile_command(request: CommandRequest) -> Outcome:
    """/matchday profile: open the profile of the startup the caller represents."""
    with request.deps.sessions() as session:
        mine = startups.by_ids(session=session, startup_ids=request.caller.startup_ids)
    if not mine:
        return Reply(build_notice(_("Only startup representatives have a company profile.")))
    wanted = request.args.casefold()
    chosen = next((s for s in mine if wanted and s.name.casefold().startswith(wanted)), mine[0])
    return OpenModal(build_profile_modal(chosen, request.command.response_url))


def profile_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save the profile with its revision, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"name": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    startup_id = int(metadata.get("startup", 0))
    if startup_id not in caller_of(deps, submission.user_id).startup_ids:
        ack(
            response_action="errors",
            errors={"name": _("Only the startup's own representatives can change its profile.")},
        )
        return
    keys = ("name", "org_number", "website", "sector", "stage", "about", "contacts")
    form, errors = validate_profile({key: submission.text(key) for key in keys})
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    profile = {key: str(getattr(form, key)) for key in keys}
    profile["stage"] = form.stage.value
    with deps.sessions.begin() as session:
        saved = startups.save_profile(
            session=session, actor=submission.user_id, startup_id=startup_id, profile=profile
        )
    if saved is ProfileSave.NUMBER_TAKEN:
        ack(
            response_action="errors",
            errors={"org_number": _("Another startup is registered with this number.")},
        )
        return
    ack()
    if saved is not ProfileSave.MISSING:
        text = _("Saved the profile of *{name}*.").format(name=inline(form.name, 200))
        deps.after_ack.submit(respond, str(metadata.get("response_url", "")), build_notice(text))


def register(app: App) -> None:
    """Wire the profile form."""
    app.view(PROFILE_CALLBACK)(profile_submitted)
