"""Publishing an assessed area as a matching opportunity."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assessment import Event, Position, State, TransitionError, transition
from bot.deps import Deps
from bot.i18n import N_, _
from bot.needs import Opportunity
from bot.needs_forms import validate_publish
from bot.programme import Caller, Organisation, Role
from bot.text import channel, safe
from bot.views.areas import (
    PUBLISH_CALLBACK,
    build_opportunity_card,
    build_publish_modal,
)
from bot.views.assessment import PUBLISH_ACTION
from bot.views.setup import invite_me
from handlers.assessment_flow import Context, announce, load, tell
from handlers.common import bot_is_member, caller_of, deps_of, open_modal
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import assessments, needs


def may_publish(caller: Caller, organisation: Organisation) -> bool:
    """Project managers of the group, and admins, publish opportunities."""
    return caller.is_admin or caller.memberships.get(organisation.id) == Role.PROJECT_MANAGER


REFUSAL = N_("Only this group's project managers and programme admins can publish opportunities.")


def today_in(organisation: Organisation, deps: Deps) -> date:
    """Today's date where the organisation is."""
    return deps.clock.now().astimezone(ZoneInfo(organisation.timezone)).date()


def publish_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the publish form for project managers and admins."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    ctx = load(deps, int(action.action.value))
    if ctx is None:
        return
    caller = caller_of(deps, action.user_id)
    channel, thread = ctx.assessment.channel_id, ctx.assessment.thread_ts
    if not may_publish(caller, ctx.organisation):
        deps.after_ack.submit(tell, client, channel, caller.user_id, _(REFUSAL), thread)
        return
    if ctx.assessment.state not in (State.REVIEW, State.END):
        text = _("Answer the required steps before publishing.")
        deps.after_ack.submit(tell, client, channel, caller.user_id, text, thread)
        return
    deps.after_ack.submit(_open_publish_form, deps, client, ctx, caller.user_id, action)


def _open_publish_form(
    deps: Deps, client: WebClient, ctx: Context, actor: str, action: BlockAction
) -> None:
    opportunities_channel = ctx.organisation.opportunities_channel_id
    if bot_is_member(client, opportunities_channel) is False:
        tell(
            client,
            ctx.assessment.channel_id,
            actor,
            invite_me(opportunities_channel),
            ctx.assessment.thread_ts,
        )
        return
    with deps.sessions() as session:
        answers = assessments.answers(session=session, assessment_id=ctx.assessment.id)
    view = build_publish_modal(
        ctx.assessment.id, ctx.area, answers, today_in(ctx.organisation, deps)
    )
    open_modal(client, action.trigger_id, view, action.response_url)


def publish_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Create the opportunity and post its card, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    ctx = load(deps, int(submission.metadata().get("assessment", 0)))
    if ctx is None:
        ack(response_action="errors", errors={"title": _("This assessment no longer exists.")})
        return
    caller = caller_of(deps, submission.user_id)
    if not may_publish(caller, ctx.organisation):
        ack(response_action="errors", errors={"title": _(REFUSAL)})
        return
    form, errors = validate_publish(
        title=submission.text("title"),
        description=submission.text("description"),
        deadline=submission.text("deadline"),
        contact_role=submission.text("contact_role"),
        today=today_in(ctx.organisation, deps),
    )
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    with deps.sessions.begin() as session:
        current = assessments.by_id(session=session, assessment_id=ctx.assessment.id)
        answered = {
            state
            for state, answer in assessments.answers(
                session=session, assessment_id=ctx.assessment.id
            ).items()
            if not answer.skipped
        }
        try:
            assert current is not None
            after = transition(current.position, Event.PUBLISH, answered=answered)
        except TransitionError as error:
            ack(response_action="errors", errors={"title": str(error)})
            return
        if not assessments.move(
            session=session, assessment=current, to=after, now=deps.clock.now()
        ):
            ack(
                response_action="errors",
                errors={"title": _("The assessment changed meanwhile; please try again.")},
            )
            return
        opportunity = needs.publish(
            session=session,
            actor=caller.user_id,
            organisation_id=ctx.organisation.id,
            focus_area_id=ctx.area.id,
            title=form.title,
            description=form.description,
            deadline=form.deadline,
            contact_role=form.contact_role,
            channel_id=ctx.organisation.opportunities_channel_id,
        )
    ack()
    deps.after_ack.submit(_post_card, deps, client, ctx, opportunity, caller.user_id)


def _post_card(
    deps: Deps, client: WebClient, ctx: Context, opportunity: Opportunity, actor: str
) -> None:
    try:
        response = client.chat_postMessage(
            channel=opportunity.channel_id, **build_opportunity_card(opportunity, ctx.organisation)
        )
    except SlackApiError as error:
        code = str(error.response.get("error"))
        text = (
            invite_me(opportunity.channel_id)
            if code in ("not_in_channel", "channel_not_found", "is_archived")
            else _("Slack refused the opportunity's card ({code}).").format(code=code)
        )
        tell(client, ctx.assessment.channel_id, actor, text, ctx.assessment.thread_ts)
        return
    with deps.sessions.begin() as session:
        needs.set_card(
            session=session, opportunity_id=opportunity.id, message_ts=str(response["ts"])
        )
    note = _("Published *{title}* in {channel}.").format(
        title=safe(opportunity.title, 150), channel=channel(opportunity.channel_id)
    )
    announce(deps, client, ctx, Position(State.END), actor=actor, note=note)


def register(app: App) -> None:
    """Wire publishing."""
    app.action(PUBLISH_ACTION)(publish_clicked)
    app.view(PUBLISH_CALLBACK)(publish_submitted)
