"""Starting or resuming an assessment (from /matchday assess or an area's button)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.assessment import Event, State, progress
from bot.deps import Deps
from bot.i18n import _
from bot.needs import AreaOverview
from bot.programme import Caller
from bot.text import safe, user
from bot.views.help import build_notice
from handlers.assessment_flow import (
    NOT_IN_GROUP,
    Context,
    announce,
    apply,
    load,
    may_answer,
    open_thread,
)
from storage.repositories import assessments, needs, organisations


def start_or_resume(
    deps: Deps, client: WebClient, caller: Caller, area_id: int, response_url: str
) -> dict[str, Any]:
    """Start the area's assessment in a new thread, or bring the existing one back.

    Returns the ephemeral answer for the person who asked; Slack calls run after the ack.
    """
    with deps.sessions.begin() as session:
        area = needs.area(session=session, area_id=area_id)
        organisation = (
            organisations.by_id(session=session, organisation_id=area.organisation_id)
            if area
            else None
        )
        if area is None or organisation is None or area.archived:
            return build_notice(_("That focus area is not active any more."))
        if not may_answer(caller, organisation):
            return build_notice(_(NOT_IN_GROUP))
        existing = assessments.for_area(session=session, focus_area_id=area.id)
        created = existing is None and (
            assessments.start(
                session=session,
                actor=caller.user_id,
                focus_area_id=area.id,
                channel_id=organisation.channel_id,
                now=deps.clock.now(),
            )
            is not None
        )
    current = assessments_for(deps, area.id)
    if current is None:
        return build_notice(_("Sorry, I could not start the assessment; please try again."))
    title = safe(area.title, 150)
    if created or not current.assessment.thread_ts:
        deps.after_ack.submit(open_thread, deps, client, current, caller.user_id, response_url)
        return build_notice(
            _("Starting the assessment of *{title}* in a thread in this channel.").format(
                title=title
            )
        )
    position = current.assessment.position
    if position.state is State.PAUSED:
        _before, position = apply(deps, current.assessment.id, Event.RESUME, caller.user_id)
    note = _("Resumed by {person}.").format(person=user(caller.user_id))
    deps.after_ack.submit(
        announce, deps, client, current, position, actor=caller.user_id, note=note
    )
    return build_notice(
        _("The assessment of *{title}* is at {progress}; it continues in its thread.").format(
            title=title, progress=progress(position.state, position.resume)
        )
    )


def assessments_for(deps: Deps, area_id: int) -> Context | None:
    """The assessment context of an area, if it has one."""
    with deps.sessions() as session:
        assessment = assessments.for_area(session=session, focus_area_id=area_id)
    return load(deps, assessment.id) if assessment else None


def pick_area(items: list[AreaOverview], wanted: str) -> AreaOverview | list[AreaOverview] | None:
    """Find the area someone named: its number in the list, or the start of its title."""
    text = wanted.strip().casefold()
    if text.isdigit() and 1 <= int(text) <= len(items):
        return items[int(text) - 1]
    matches = [item for item in items if item.area.title.casefold().startswith(text)]
    if len(matches) == 1:
        return matches[0]
    return matches or None
