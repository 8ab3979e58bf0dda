"""Startup registration (admins)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.access import admin_only
from bot.deps import Deps
from bot.forms import validate_startup
from bot.i18n import _
from bot.outbox import REGISTRY
from bot.text import cut
from bot.views.help import build_notice
from bot.views.startup import (
    STARTUP_CALLBACK,
    build_startup_modal,
    startup_registered,
    welcome_representative,
)
from handlers.commands import CommandRequest, OpenModal, Outcome, subcommand
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import ViewSubmission, parse
from storage.repositories import outbox, startups

WELCOME = "startup_welcome"


@subcommand("startup")
def startup_command(request: CommandRequest) -> Outcome:
    """/matchday startup: open the registration form."""
    return OpenModal(build_startup_modal(request.command.response_url))


def startup_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Register the startup, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"name": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    allowed = admin_only(caller_of(deps, submission.user_id), _("register startups"))
    if not allowed:
        ack(response_action="errors", errors={"name": allowed.refusal})
        return
    form, errors = validate_startup(
        name=submission.text("name"),
        org_number=submission.text("org_number"),
        website=submission.text("website"),
        sector=submission.text("sector"),
        description=submission.text("description"),
        representatives=submission.many("representatives"),
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    duplicate = _("{name} is already registered with this number.")
    try:
        with deps.sessions.begin() as session:
            existing = startups.by_org_number(session=session, org_number=form.org_number)
            if existing is not None:
                ack(
                    response_action="errors",
                    errors={"org_number": duplicate.format(name=cut(existing.name, 80))},
                )
                return
            startup = startups.register(
                session=session,
                actor=submission.user_id,
                name=form.name,
                org_number=form.org_number,
                website=form.website,
                sector=form.sector,
                description=form.description,
                representatives=form.representatives,
            )
            now = deps.clock.now()
            for representative in startup.representatives:
                outbox.post(
                    session=session,
                    key=f"startup:{startup.id}:welcome:{representative}",
                    kind=WELCOME,
                    channel=representative,
                    build=WELCOME,
                    build_args={"startup": startup.id},
                    language={"user": representative},
                    now=now,
                    actor=submission.user_id,
                )
    except IntegrityError:  # another admin registered the same number a moment ago
        ack(
            response_action="errors",
            errors={"org_number": duplicate.format(name=_("Another startup"))},
        )
        return
    ack()
    response_url = str(submission.metadata().get("response_url", ""))
    deps.after_ack.submit(respond, response_url, build_notice(startup_registered(startup)))


@REGISTRY.builder(WELCOME)
def build_welcome(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The welcome to a new representative, in their language."""
    with deps.sessions() as session:
        startup = startups.by_id(session=session, startup_id=int(args["startup"]))
    return build_notice(welcome_representative(startup)) if startup else None


def register(app: App) -> None:
    """Wire the registration modal's submission."""
    app.view(STARTUP_CALLBACK)(startup_submitted)
