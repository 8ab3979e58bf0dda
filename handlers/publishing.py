"""Publishing an assessed area as a matching opportunity."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.assessment import Event, State, TransitionError, transition
from bot.deps import Deps
from bot.i18n import N_, _
from bot.needs import Opportunity
from bot.needs_forms import PublishForm, validate_publish
from bot.outbox import REGISTRY
from bot.programme import Caller, Organisation, Role
from bot.text import channel, inline
from bot.views.areas import (
    PUBLISH_CALLBACK,
    build_opportunity_card,
    build_publish_modal,
)
from bot.views.assessment import PUBLISH_ACTION
from bot.views.setup import invite_me
from handlers.assessment_flow import Context, load, owe_announcement, tell
from handlers.common import bot_is_member, caller_of, deps_of, open_modal
from handlers.payloads import BlockAction, ViewSubmission, parse
from storage.repositories import assessments, needs, organisations, outbox

CARD = "opportunity_card"
CARD_POSTED = "opportunity_card_posted"


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
    where, thread = ctx.assessment.channel_id, ctx.assessment.thread_ts
    if not may_publish(caller, ctx.organisation):
        deps.after_ack.submit(tell, client, where, caller.user_id, _(REFUSAL), thread)
        return
    if ctx.assessment.state not in (State.REVIEW, State.END):
        text = _("Answer the required steps before publishing.")
        deps.after_ack.submit(tell, client, where, caller.user_id, text, thread)
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
        current = assessments.by_id(session=session, assessment_id=ctx.assessment.id)
        answers = assessments.answers(session=session, assessment_id=ctx.assessment.id)
    if current is None:
        return
    # The form remembers which summary it publishes: submitted twice, it publishes once.
    view = build_publish_modal(
        ctx.assessment.id,
        ctx.area,
        answers,
        today_in(ctx.organisation, deps),
        version=current.version,
    )
    open_modal(client, action.trigger_id, view, action.response_url)


class AlreadyPublishedError(Exception):
    """This summary was published already (by this form a moment ago, or another one)."""

    def __init__(self, opportunity: Opportunity) -> None:
        super().__init__(opportunity.id)
        self.opportunity = opportunity


def publish_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Create the opportunity and owe its card, or show field errors and save nothing.

    The card in the opportunities channel and the summary in the thread are owed in the
    transaction that publishes. The form carries the summary's version: one opportunity
    per summary, so a second submission finds it and is answered with what happened.
    """
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"title": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    metadata = submission.metadata()
    ctx = load(deps, int(metadata.get("assessment", 0)))
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
    raw_version = metadata.get("version")
    try:
        problem = _publish(
            deps, ctx, caller.user_id, form, raw_version if isinstance(raw_version, int) else None
        )
    except AlreadyPublishedError as duplicate:
        ack()
        text = _("This summary is already published as *{title}* in {channel}.").format(
            title=inline(duplicate.opportunity.title, 150),
            channel=channel(duplicate.opportunity.channel_id),
        )
        deps.after_ack.submit(
            tell, client, ctx.assessment.channel_id, caller.user_id, text, ctx.assessment.thread_ts
        )
        return
    if problem:
        ack(response_action="errors", errors={"title": problem})
        return
    ack()


def _publish(deps: Deps, ctx: Context, actor: str, form: PublishForm, version: int | None) -> str:
    """Publish in one transaction with the card and the thread's summary; or say why not.

    Raises AlreadyPublishedError when this summary was published already.
    """
    now = deps.clock.now()
    area_id = ctx.area.id
    summary = version
    try:
        with deps.sessions.begin() as session:
            current = assessments.by_id(session=session, assessment_id=ctx.assessment.id)
            if current is None:
                return _("This assessment no longer exists.")
            summary = current.version if summary is None else summary
            existing = needs.published_from(
                session=session, focus_area_id=area_id, assessment_version=summary
            )
            if existing is not None:
                raise AlreadyPublishedError(existing)
            if current.version != summary:
                return _(
                    "The summary changed after this form was opened. Close the form and "
                    "publish from the newest summary in the thread."
                )
            answered = {
                state
                for state, answer in assessments.answers(
                    session=session, assessment_id=current.id
                ).items()
                if not answer.skipped
            }
            try:
                after = transition(current.position, Event.PUBLISH, answered=answered)
            except TransitionError as error:
                return str(error)
            if not assessments.move(session=session, assessment=current, to=after, now=now):
                # Someone was faster; PostgreSQL lets this statement see what they did.
                existing = needs.published_from(
                    session=session, focus_area_id=area_id, assessment_version=summary
                )
                if existing is not None:
                    raise AlreadyPublishedError(existing)
                return _("The assessment changed meanwhile; please try again.")
            opportunity = needs.publish(
                session=session,
                actor=actor,
                organisation_id=ctx.organisation.id,
                focus_area_id=area_id,
                title=form.title,
                description=form.description,
                deadline=form.deadline,
                contact_role=form.contact_role,
                channel_id=ctx.organisation.opportunities_channel_id,
                assessment_version=summary,
                now=now,
            )
            outbox.post(
                session=session,
                key=f"opportunity:{opportunity.id}:card",
                kind=CARD,
                channel=opportunity.channel_id,
                build=CARD,
                build_args={"opportunity": opportunity.id},
                language={"organisation": ctx.organisation.id},
                now=now,
                actor=actor,
                on_sent=CARD_POSTED,
                on_sent_args={"opportunity": opportunity.id},
            )
            owe_announcement(
                session=session,
                assessment=current,
                position=after,
                version=current.version + 1,
                actor=actor,
                now=now,
                note={"code": "published", "opportunity": opportunity.id},
            )
    except IntegrityError as error:  # the same summary published at the same moment
        existing = None
        if summary is not None:
            with deps.sessions() as session:
                existing = needs.published_from(
                    session=session, focus_area_id=area_id, assessment_version=summary
                )
        if existing is None:
            raise
        raise AlreadyPublishedError(existing) from error
    return ""


@REGISTRY.builder(CARD)
def build_card(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The opportunity's card, in its organisation's language (None when it is gone)."""
    with deps.sessions() as session:
        opportunity = needs.opportunity(session=session, opportunity_id=int(args["opportunity"]))
        organisation = (
            organisations.by_id(session=session, organisation_id=opportunity.organisation_id)
            if opportunity
            else None
        )
    if opportunity is None or organisation is None:
        return None
    return build_opportunity_card(opportunity, organisation)


@REGISTRY.hook(CARD_POSTED)
def card_posted(
    session: Session, args: dict[str, Any], channel_id: str | None, ts: str | None
) -> None:
    """Remember where the card landed."""
    if ts:
        needs.set_card(session=session, opportunity_id=int(args["opportunity"]), message_ts=ts)


def register(app: App) -> None:
    """Wire publishing."""
    app.action(PUBLISH_ACTION)(publish_clicked)
    app.view(PUBLISH_CALLBACK)(publish_submitted)
