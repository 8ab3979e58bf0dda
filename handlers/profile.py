"""The company profile, kept by the startup's representatives."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import answered_first
from bot.i18n import _
from bot.pitch_forms import validate_profile
from bot.text import inline
from bot.views.help import build_notice
from bot.views.profile import PROFILE_CALLBACK, build_profile_modal
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, refuse, respond
from handlers.payloads import ViewSubmission, parse
from storage.repositories import startups
from storage.repositories.startups import PROFILE_FIELDS, ProfileSave


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


@answered_first.form(PROFILE_CALLBACK)
def profile_needs_no_database(payload: dict[str, Any]) -> bool:
    """Every field valid, and the number the one the form showed: nothing for the database
    to refuse, so the form may close before the profile is saved (bot/answered_first.py)."""
    submission = parse(ViewSubmission, payload)
    if submission is None:
        return False
    form = validate_profile({key: submission.text(key) for key in PROFILE_FIELDS})[0]
    return form is not None and form.org_number == submission.metadata().get("number")


def profile_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save the profile with its revision, or show field errors and save nothing.

    Answered before it was handled (the form closed already), what is wrong is told in a
    message instead (handlers.common.refuse)."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"name": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    user_id = submission.user_id
    response_url = str(metadata.get("response_url", ""))
    startup_id = int(metadata.get("startup", 0))
    if startup_id not in caller_of(deps, user_id).startup_ids:
        only = _("Only the startup's own representatives can change its profile.")
        refuse(ack, context, user_id, response_url, {"name": only})
        return
    form, errors = validate_profile({key: submission.text(key) for key in PROFILE_FIELDS})
    if form is None:
        refuse(ack, context, user_id, response_url, errors)
        return
    profile = {key: str(getattr(form, key)) for key in PROFILE_FIELDS}
    profile["stage"] = form.stage.value
    with deps.sessions.begin() as session:
        saved = startups.save_profile(
            session=session, actor=user_id, startup_id=startup_id, profile=profile
        )
    if saved is ProfileSave.NUMBER_TAKEN:
        taken = _("Another startup is registered with this number.")
        refuse(ack, context, user_id, response_url, {"org_number": taken})
        return
    if saved is ProfileSave.MISSING:
        gone = _("This startup is no longer registered in the programme.")
        refuse(ack, context, user_id, response_url, {"name": gone})
        return
    ack()
    text = _("Saved the profile of *{name}*.").format(name=inline(form.name, 200))
    deps.after_ack.submit(respond, response_url, build_notice(text))


def register(app: App) -> None:
    """Wire the profile form."""
    app.view(PROFILE_CALLBACK)(profile_submitted)
