"""Startups find opportunities and pitch: the list, the pitch form, edits and withdrawal."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import _
from bot.needs import Opportunity
from bot.pitch_forms import validate_pitch
from bot.pitches import PitchStatus, is_open
from bot.programme import Caller, Organisation
from bot.text import inline
from bot.trade_secrets import REASON_BLOCK, SECTIONS_BLOCK
from bot.views.areas import PITCH_ACTION
from bot.views.help import build_notice
from bot.views.opportunities import OPPORTUNITIES_PAGE_ACTION, build_opportunity_list
from bot.views.paging import read_page_value
from bot.views.pitches import (
    PITCH_CALLBACK,
    WITHDRAW_ACTION,
    build_pitch_modal,
    build_receipt,
)
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, post, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from handlers.pitch_cards import owe_card
from storage.repositories import needs, organisations, outbox, pitches, questions, startups

logger = logging.getLogger(__name__)


def _open_items(deps: Deps) -> list[tuple[Opportunity, Organisation]]:
    now = deps.clock.now()
    items = []
    with deps.sessions() as session:
        for opportunity in needs.open_opportunities(
            session=session, on_or_after=now.date() - timedelta(days=1)
        ):
            organisation = organisations.by_id(
                session=session, organisation_id=opportunity.organisation_id
            )
            if organisation and is_open(opportunity.deadline, organisation.timezone, now):
                items.append((opportunity, organisation))
    return items


@subcommand("opportunities")
def opportunities_command(request: CommandRequest) -> Outcome:
    """/matchday opportunities: the open opportunities, paged."""
    return Reply(
        build_opportunity_list(_open_items(request.deps), 0, can_pitch=request.caller.is_startup)
    )


def opportunities_page(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Next or previous page of the opportunity list."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    number, _extra = read_page_value(action.action.value)
    page = build_opportunity_list(_open_items(deps), number, can_pitch=caller.is_startup)
    deps.after_ack.submit(respond, action.response_url, page, replace=True)


def opportunity_and_organisation(
    deps: Deps, opportunity_id: int
) -> tuple[Opportunity, Organisation] | None:
    """The opportunity and the organisation that published it (None when either is gone)."""
    with deps.sessions() as session:
        opportunity = needs.opportunity(session=session, opportunity_id=opportunity_id)
        organisation = (
            organisations.by_id(session=session, organisation_id=opportunity.organisation_id)
            if opportunity
            else None
        )
    return (opportunity, organisation) if opportunity and organisation else None


def _refusal(deps: Deps, caller: Caller, found: tuple[Opportunity, Organisation] | None) -> str:
    if found is None or found[0].status != "published":
        return _("This opportunity is no longer open for pitches.")
    opportunity, organisation = found
    if not caller.is_startup:
        return _(
            "Only startup representatives can pitch. If you represent a startup, ask a "
            "programme admin to register it with you as its representative."
        )
    if not is_open(opportunity.deadline, organisation.timezone, deps.clock.now()):
        return _(
            "The deadline for *{title}* has passed, so pitches can no longer be sent or "
            "changed. Keep an eye out for new opportunities!"
        ).format(title=inline(opportunity.title, 150))
    return ""


def pitch_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the pitch form (the existing pitch, for editing, if there is one)."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    found = opportunity_and_organisation(deps, int(action.action.value))
    problem = _refusal(deps, caller, found)
    if problem or found is None:
        deps.after_ack.submit(_tell, client, action, problem)
        return
    opportunity, _organisation = found
    with deps.sessions.begin() as session:
        startup = startups.by_ids(session=session, startup_ids=caller.startup_ids)[0]
        existing = pitches.find(
            session=session, opportunity_id=opportunity.id, startup_id=startup.id
        )
        # Opening the form is the only sign of a draft: answers to questions reach it too.
        questions.mark_drafting(
            session=session,
            opportunity_id=opportunity.id,
            startup_id=startup.id,
            actor=caller.user_id,
            now=deps.clock.now(),
        )
    view = build_pitch_modal(opportunity, startup, existing)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def _tell(client: WebClient, action: BlockAction, text: str) -> None:
    """Answer a click ephemerally (by response_url, or by DM when there is none)."""
    if action.response_url:
        respond(action.response_url, build_notice(text))
    else:
        post(client, action.user_id, build_notice(text))


def pitch_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save the pitch (one per startup and opportunity), or show field errors."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"solution": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    caller = caller_of(deps, submission.user_id)
    startup_id = int(metadata.get("startup", 0))
    found = opportunity_and_organisation(deps, int(metadata.get("opportunity", 0)))
    problem = _refusal(deps, caller, found)
    if not problem and startup_id not in caller.startup_ids:
        problem = _("You can only pitch for a startup you represent.")
    if problem or found is None:
        ack(response_action="errors", errors={"solution": problem})
        return
    keys = ("solution", "fit", "references", "pilot", "link", REASON_BLOCK)
    form, errors = validate_pitch(
        {key: submission.text(key) for key in keys}, submission.many(SECTIONS_BLOCK)
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    opportunity, organisation = found
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        pitch, created = pitches.save(
            session=session,
            actor=caller.user_id,
            opportunity_id=opportunity.id,
            startup_id=startup_id,
            form=form,
            now=now,
        )
        decision = pitches.latest_decision(session=session, pitch_id=pitch.id)
        # The receipt is for the person submitting: built now, in this request's language.
        outbox.post(
            session=session,
            key=f"pitch:{pitch.id}:receipt@{decision}",
            kind="pitch_receipt",
            channel=caller.user_id,
            message=build_receipt(pitch, created),
            now=now,
            actor=caller.user_id,
        )
        owe_card(
            session=session,
            pitch_id=pitch.id,
            organisation_id=organisation.id,
            channel=organisation.channel_id,
            now=now,
            actor=caller.user_id,
            note="" if created else "edited",
        )
    ack()


def withdraw_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Withdraw a pitch before the deadline."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    with deps.sessions() as session:
        pitch = pitches.get(session=session, pitch_id=int(action.action.value))
    if pitch is None or pitch.startup_id not in caller.startup_ids:
        deps.after_ack.submit(
            _tell,
            client,
            action,
            _("Only the startup's own representatives can withdraw its pitch."),
        )
        return
    found = opportunity_and_organisation(deps, pitch.opportunity_id)
    problem = _refusal(deps, caller, found)
    if problem or found is None:
        deps.after_ack.submit(_tell, client, action, problem)
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        changed = pitches.set_status(
            session=session,
            pitch_id=pitch.id,
            status=PitchStatus.WITHDRAWN,
            allowed_from=(PitchStatus.SUBMITTED, PitchStatus.SHORTLISTED),
            actor=caller.user_id,
            now=now,
        )
        if changed:
            owe_card(
                session=session,
                pitch_id=pitch.id,
                organisation_id=found[1].id,
                channel=found[1].channel_id,
                now=now,
                actor=caller.user_id,
                note="withdrawn",
            )
    if not changed:
        deps.after_ack.submit(
            _tell, client, action, _("This pitch was already withdrawn or decided.")
        )
        return
    text = _(
        "Your pitch for *{title}* is withdrawn. You can pitch again until the deadline."
    ).format(title=inline(pitch.opportunity_title, 150))
    deps.after_ack.submit(_tell, client, action, text)


def register(app: App) -> None:
    """Wire the opportunity list, the Pitch button, the pitch form and withdrawal."""
    app.action(f"{OPPORTUNITIES_PAGE_ACTION}_previous")(opportunities_page)
    app.action(f"{OPPORTUNITIES_PAGE_ACTION}_next")(opportunities_page)
    app.action(PITCH_ACTION)(pitch_clicked)
    app.view(PITCH_CALLBACK)(pitch_submitted)
    app.action(WITHDRAW_ACTION)(withdraw_clicked)
