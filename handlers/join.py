"""/matchday join: applications to join the programme, and the admins' decisions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.access import admin_only
from bot.deps import Deps
from bot.i18n import _, use_language
from bot.join import (
    Application,
    ApplicationStatus,
    Merge,
    already_member,
    validate_group_request,
    validate_reason,
    validate_startup_application,
)
from bot.programme import Caller
from bot.views.help import build_notice
from bot.views.join import (
    APPROVE_ACTION,
    GROUP_ACTION,
    GROUP_CALLBACK,
    REJECT_ACTION,
    REJECT_CALLBACK,
    STARTUP_ACTION,
    STARTUP_CALLBACK,
    already_decided,
    application_approved,
    application_rejected,
    application_sent,
    build_application_card,
    build_group_request_modal,
    build_join_choice,
    build_reject_modal,
    build_startup_application_modal,
    caller_notes,
    member_already,
    no_organisations,
    representative_already,
    startup_already_registered,
)
from handlers.commands import CommandRequest, OpenModal, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, post, respond
from handlers.language import language_for
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import join, organisations, people, startups

logger = logging.getLogger(__name__)
GROUP_WORDS = ("group", "team", "grupp", "projektgrupp")


@subcommand("join")
def join_command(request: CommandRequest) -> Outcome:
    """/matchday join [startup|group]."""
    word = request.args.split()[0].lower() if request.args.split() else ""
    response_url = request.command.response_url
    if word == "startup":
        return OpenModal(build_startup_application_modal(response_url))
    if word in GROUP_WORDS:
        view = _group_modal(request.deps, response_url)
        return OpenModal(view) if view else Reply(build_notice(no_organisations()))
    return Reply(_choice(request.deps, request.caller))


def _choice(deps: Deps, caller: Caller) -> dict[str, Any]:
    with deps.sessions() as session:
        names = [
            item.name for item in startups.by_ids(session=session, startup_ids=caller.startup_ids)
        ]
        groups = []
        for organisation_id, role in caller.memberships.items():
            organisation = organisations.by_id(session=session, organisation_id=organisation_id)
            if organisation:
                groups.append((organisation.name, role))
        pending = join.pending_count(session=session) if caller.is_admin else None
    return build_join_choice(caller_notes(names, groups), pending)


def _group_modal(deps: Deps, response_url: str) -> dict[str, Any] | None:
    with deps.sessions() as session:
        choices = organisations.all_organisations(session=session)
    return build_group_request_modal(choices, response_url) if choices else None


def startup_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the startup application form."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    view = build_startup_application_modal(action.response_url)
    deps_of(context).after_ack.submit(
        open_modal, client, action.trigger_id, view, action.response_url
    )


def group_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form to ask to join a project group."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    view = _group_modal(deps, action.response_url)
    if view is None:
        deps.after_ack.submit(respond, action.response_url, build_notice(no_organisations()))
        return
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def startup_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the application (or add the person to the pending one), or show field errors."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"name": _("Sorry, I could not read the form.")})
        return
    form, errors = validate_startup_application(
        name=submission.text("name"),
        org_number=submission.text("org_number"),
        website=submission.text("website"),
        sector=submission.text("sector"),
        description=submission.text("description"),
        contact=submission.text("contact"),
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    deps = deps_of(context)
    applicant = submission.user_id
    with deps.sessions.begin() as session:
        existing = startups.by_org_number(session=session, org_number=form.org_number)
        if existing is None:
            application, merge = join.apply_startup(session=session, user_id=applicant, form=form)
    if existing is not None:
        refusal = (
            representative_already(existing.name)
            if applicant in existing.representatives
            else startup_already_registered(existing.name)
        )
        ack(response_action="errors", errors={"org_number": refusal})
        return
    ack()
    _after_application(deps, client, applicant, application, merge)


def group_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the request to join a project group, or show field errors."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(
            response_action="errors",
            errors={"organisation": _("Sorry, I could not read the form.")},
        )
        return
    form, errors = validate_group_request(
        organisation=submission.text("organisation"),
        role=submission.text("role"),
        note=submission.text("note"),
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    deps = deps_of(context)
    caller = caller_of(deps, submission.user_id)
    with deps.sessions.begin() as session:
        organisation = organisations.by_id(session=session, organisation_id=form.organisation_id)
        member = organisation is not None and already_member(caller, organisation.id)
        if organisation is not None and not member:
            application, merge = join.request_group(
                session=session, user_id=caller.user_id, form=form
            )
    if organisation is None:
        ack(
            response_action="errors",
            errors={"organisation": _("This organisation no longer exists.")},
        )
        return
    if member:
        role = caller.memberships[organisation.id]
        ack(response_action="errors", errors={"organisation": member_already(organisation, role)})
        return
    ack()
    _after_application(deps, client, caller.user_id, application, merge)


def _after_application(
    deps: Deps, client: WebClient, applicant: str, application: Application, merge: Merge
) -> None:
    deps.after_ack.submit(
        post, client, applicant, build_notice(application_sent(application, merge))
    )
    if merge is Merge.NEW:
        deps.after_ack.submit(_send_cards, deps, client, application.id)
    elif merge is Merge.MERGED:
        deps.after_ack.submit(_update_cards, deps, client, application.id)


def _admins(deps: Deps) -> list[str]:
    with deps.sessions() as session:
        added = people.added_admins(session=session)
    return list(dict.fromkeys([*sorted(deps.settings.MATCHDAY_ADMINS), *added]))


def _send_cards(deps: Deps, client: WebClient, application_id: int) -> None:
    """Send every admin the application's card, each in their own language."""
    with deps.sessions() as session:
        application = join.get(session=session, application_id=application_id)
    admins = _admins(deps)
    if application is None or not admins:
        logger.warning("application %s has no admin to decide it", application_id)
        return
    for admin in admins:
        with use_language(language_for(admin)):
            card = build_application_card(application)
        try:
            response = client.chat_postMessage(channel=admin, **card)
        except SlackApiError as error:
            logger.warning("application card to %s failed: %s", admin, error.response.get("error"))
            continue
        with deps.sessions.begin() as session:
            join.add_card(
                session=session,
                application_id=application_id,
                admin=admin,
                channel=str(response["channel"]),
                ts=str(response["ts"]),
            )


def _update_cards(deps: Deps, client: WebClient, application_id: int) -> None:
    """Show every admin's card as it stands now (merged applicants, the decision)."""
    with deps.sessions() as session:
        application = join.get(session=session, application_id=application_id)
        cards = join.cards(session=session, application_id=application_id)
    if application is None:
        return
    for admin, channel, ts in cards:
        with use_language(language_for(admin)):
            card = build_application_card(application)
        try:
            client.chat_update(channel=channel, ts=ts, **card)
        except SlackApiError as error:
            logger.warning("application card %s failed: %s", ts, error.response.get("error"))


def _tell_applicants(client: WebClient, application: Application) -> None:
    """Tell every applicant the decision, each in their own language."""
    for person in application.people:
        with use_language(language_for(person)):
            text = (
                application_approved(application)
                if application.status is ApplicationStatus.APPROVED
                else application_rejected(application)
            )
            notice = build_notice(text)
        post(client, person, notice)


def _application_id(action: BlockAction) -> int | None:
    value = action.action.value
    return int(value) if value.isdigit() else None


def _may_decide(deps: Deps, user_id: str) -> str:
    """The refusal for someone who may not decide (empty when they may)."""
    return admin_only(caller_of(deps, user_id), _("decide on applications")).refusal


def approve_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Approve an application (after the button's confirmation), once."""
    ack()
    action = parse(BlockAction, body)
    if action is None or (application_id := _application_id(action)) is None:
        return
    deps = deps_of(context)
    refusal = _may_decide(deps, action.user_id)
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    try:
        with deps.sessions.begin() as session:
            decided = join.decide(
                session=session, actor=action.user_id, application_id=application_id, approve=True
            )
            current = decided or join.get(session=session, application_id=application_id)
    except IntegrityError:  # an admin registered the same company in the same instant
        text = _("Sorry, the startup changed while you approved it. Please try again.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    if current is None:
        return
    if decided is None:
        deps.after_ack.submit(respond, action.response_url, build_notice(already_decided(current)))
    else:
        deps.after_ack.submit(_tell_applicants, client, decided)
    deps.after_ack.submit(_update_cards, deps, client, application_id)


def reject_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the form for the reason of a rejection."""
    ack()
    action = parse(BlockAction, body)
    if action is None or (application_id := _application_id(action)) is None:
        return
    deps = deps_of(context)
    refusal = _may_decide(deps, action.user_id)
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return
    with deps.sessions() as session:
        application = join.get(session=session, application_id=application_id)
    if application is None:
        return
    if application.status is not ApplicationStatus.PENDING:
        notice = build_notice(already_decided(application))
        deps.after_ack.submit(respond, action.response_url, notice)
        return
    view = build_reject_modal(application, action.response_url)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def reject_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Reject with the reason, once; the applicants are told."""
    submission = parse(ViewSubmission, body)
    raw_id = str(submission.metadata().get("application", "")) if submission else ""
    if submission is None or not raw_id.isdigit():
        ack(response_action="errors", errors={"reason": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    refusal = _may_decide(deps, submission.user_id)
    if refusal:
        ack(response_action="errors", errors={"reason": refusal})
        return
    reason, errors = validate_reason(submission.text("reason"))
    if reason is None:
        ack(response_action="errors", errors=errors)
        return
    with deps.sessions.begin() as session:
        decided = join.decide(
            session=session,
            actor=submission.user_id,
            application_id=int(raw_id),
            approve=False,
            reason=reason,
        )
        current = decided or join.get(session=session, application_id=int(raw_id))
    ack()
    if decided is None:  # another admin decided while this form was open
        if current is not None:
            response_url = str(submission.metadata().get("response_url", ""))
            deps.after_ack.submit(respond, response_url, build_notice(already_decided(current)))
        return
    deps.after_ack.submit(_tell_applicants, client, decided)
    deps.after_ack.submit(_update_cards, deps, client, decided.id)


def register(app: App) -> None:
    """Wire the join buttons, the forms and the admins' decisions."""
    app.action(STARTUP_ACTION)(startup_clicked)
    app.action(GROUP_ACTION)(group_clicked)
    app.action(APPROVE_ACTION)(approve_clicked)
    app.action(REJECT_ACTION)(reject_clicked)
    app.view(STARTUP_CALLBACK)(startup_submitted)
    app.view(GROUP_CALLBACK)(group_submitted)
    app.view(REJECT_CALLBACK)(reject_submitted)
