"""/matchday join: applications to join the programme, and the admins' decisions."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.access import admin_only
from bot.deps import Deps
from bot.i18n import _
from bot.join import (
    Application,
    ApplicationStatus,
    Merge,
    already_member,
    validate_group_request,
    validate_reason,
    validate_startup_application,
)
from bot.outbox import REGISTRY
from bot.programme import Caller
from bot.text import cut
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
from handlers.common import caller_of, deps_of, open_modal, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import join, organisations, outbox, people, pickers, startups

logger = logging.getLogger(__name__)
GROUP_WORDS = ("group", "team", "grupp", "projektgrupp")
RECEIPT = "application_receipt"
CARD = "application_card"
CARD_POSTED = "application_card_posted"
DECISION = "application_decision"


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
        some = pickers.search_organisations(session=session, query="", limit=1).items
    return build_group_request_modal(response_url) if some else None


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
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        existing = startups.by_org_number(session=session, org_number=form.org_number)
        if existing is None:
            application, merge = join.apply_startup(session=session, user_id=applicant, form=form)
            _owe_application(deps, session, applicant, application, merge, now)
    if existing is not None:
        refusal = (
            representative_already(existing.name)
            if applicant in existing.representatives
            else startup_already_registered(existing.name)
        )
        ack(response_action="errors", errors={"org_number": refusal})
        return
    if merge is Merge.ALREADY:  # nothing changed: the form says so, and nobody is told again
        text = _("You have already applied for {name}; a programme admin will decide soon.")
        ack(
            response_action="errors",
            errors={"org_number": text.format(name=cut(application.subject, 80))},
        )
        return
    ack()


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
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        organisation = organisations.by_id(session=session, organisation_id=form.organisation_id)
        member = organisation is not None and already_member(caller, organisation.id)
        if organisation is not None and not member:
            application, merge = join.request_group(
                session=session, user_id=caller.user_id, form=form
            )
            _owe_application(deps, session, caller.user_id, application, merge, now)
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
    if merge is Merge.ALREADY:  # nothing changed: the form says so, and nobody is told again
        text = _(
            "You have already asked to join the project group of {name}; a programme admin "
            "will decide soon."
        )
        ack(
            response_action="errors",
            errors={"organisation": text.format(name=cut(application.subject, 80))},
        )
        return
    ack()


def _owe_application(
    deps: Deps,
    session: Session,
    applicant: str,
    application: Application,
    merge: Merge,
    now: datetime,
) -> None:
    """In the application's transaction: the applicant's receipt, and every admin's card
    (posted for a new application, refreshed when another applicant joined it)."""
    if merge is Merge.ALREADY:
        return
    outbox.post(
        session=session,
        key=f"application:{application.id}:receipt:{applicant}",
        kind=RECEIPT,
        channel=applicant,
        message=build_notice(application_sent(application, merge)),
        now=now,
        actor=applicant,
    )
    if merge is Merge.NEW:
        admins = _admins(deps, session)
        if not admins:
            logger.warning("application %s has no admin to decide it", application.id)
        for admin in admins:
            outbox.post(
                session=session,
                key=_card_key(application.id, admin),
                kind=CARD,
                channel=admin,
                build=CARD,
                build_args={"application": application.id},
                language={"user": admin},
                now=now,
                actor=applicant,
                on_sent=CARD_POSTED,
                on_sent_args={"application": application.id, "admin": admin},
            )
    else:
        _refresh_cards(session, application, f"applicants{len(application.applicants)}", now)


def _card_key(application_id: int, admin: str) -> str:
    return f"application:{application_id}:card:{admin}"


def _refresh_cards(session: Session, application: Application, version: str, now: datetime) -> None:
    """Owe a refresh of every admin's card, built when sent (as the application is then)."""
    outbox.refresh_posted(
        session=session,
        prefix=f"application:{application.id}:card:",
        version=version,
        build=CARD,
        build_args={"application": application.id},
        now=now,
    )


def _admins(deps: Deps, session: Session) -> list[str]:
    return people.all_admins(session=session, configured=deps.settings.MATCHDAY_ADMINS)


@REGISTRY.builder(CARD)
def build_card(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """An admin's card as the application stands now, in the admin's language."""
    with deps.sessions() as session:
        application = join.get(session=session, application_id=int(args["application"]))
    return build_application_card(application) if application else None


@REGISTRY.hook(CARD_POSTED)
def card_posted(
    session: Session, args: dict[str, Any], channel: str | None, ts: str | None
) -> None:
    """Remember where an admin's card landed."""
    if channel and ts:
        join.add_card(
            session=session,
            application_id=int(args["application"]),
            admin=str(args["admin"]),
            channel=channel,
            ts=ts,
        )


def _owe_decision(session: Session, application: Application, actor: str, now: datetime) -> None:
    """In the decision's transaction: each applicant's answer and the cards' refresh."""
    for person in application.people:
        outbox.post(
            session=session,
            key=f"application:{application.id}:decision:{person}",
            kind=DECISION,
            channel=person,
            build=DECISION,
            build_args={"application": application.id},
            language={"user": person},
            now=now,
            actor=actor,
        )
    _refresh_cards(session, application, application.status.value, now)


@REGISTRY.builder(DECISION)
def build_decision(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The decision as an applicant reads it, in their language."""
    with deps.sessions() as session:
        application = join.get(session=session, application_id=int(args["application"]))
    if application is None or application.status is ApplicationStatus.PENDING:
        return None
    text = (
        application_approved(application)
        if application.status is ApplicationStatus.APPROVED
        else application_rejected(application)
    )
    return build_notice(text)


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
    now = deps.clock.now()
    try:
        with deps.sessions.begin() as session:
            decided = join.decide(
                session=session,
                actor=action.user_id,
                application_id=application_id,
                approve=True,
                now=now,
            )
            current = decided or join.get(session=session, application_id=application_id)
            if decided is not None:
                _owe_decision(session, decided, action.user_id, now)
    except IntegrityError:  # an admin registered the same company in the same instant
        text = _("Sorry, the startup changed while you approved it. Please try again.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))
        return
    if current is None:
        return
    if decided is None:  # a second click, or another admin first: the state as it is
        deps.after_ack.submit(respond, action.response_url, build_notice(already_decided(current)))


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
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        decided = join.decide(
            session=session,
            actor=submission.user_id,
            application_id=int(raw_id),
            approve=False,
            reason=reason,
            now=now,
        )
        current = decided or join.get(session=session, application_id=int(raw_id))
        if decided is not None:
            _owe_decision(session, decided, submission.user_id, now)
    ack()
    if decided is None and current is not None:  # another admin decided while it was open
        response_url = str(submission.metadata().get("response_url", ""))
        deps.after_ack.submit(respond, response_url, build_notice(already_decided(current)))


def register(app: App) -> None:
    """Wire the join buttons, the forms and the admins' decisions."""
    app.action(STARTUP_ACTION)(startup_clicked)
    app.action(GROUP_ACTION)(group_clicked)
    app.action(APPROVE_ACTION)(approve_clicked)
    app.action(REJECT_ACTION)(reject_clicked)
    app.view(STARTUP_CALLBACK)(startup_submitted)
    app.view(GROUP_CALLBACK)(group_submitted)
    app.view(REJECT_CALLBACK)(reject_submitted)
