"""Starting or resuming an assessment (from /matchday assess or an area's button)."""

from __future__ import annotations

from typing import Any

from bot.assessment import Event, Position, State, TransitionError, progress
from bot.deps import Deps
from bot.i18n import _
from bot.needs import AreaOverview
from bot.programme import Caller
from bot.text import inline
from bot.views.help import build_notice
from handlers.assessment_flow import (
    NOT_IN_GROUP,
    ConflictError,
    Context,
    announcement_key,
    apply,
    load,
    may_answer,
    owe_announcement,
    owe_thread,
)
from storage.repositories import assessments, needs, organisations


def start_or_resume(deps: Deps, caller: Caller, area_id: int) -> dict[str, Any]:
    """Start the area's assessment in a new thread, or bring the existing one back.

    Returns the ephemeral answer for the person who asked. The thread's messages are owed
    in the transaction that starts (or resumes) the assessment; a second click finds the
    assessment started and its thread on its way, and owes nothing more.
    """
    now = deps.clock.now()
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
        current = assessments.for_area(session=session, focus_area_id=area.id)
        if current is None:
            current = assessments.start(
                session=session,
                actor=caller.user_id,
                focus_area_id=area.id,
                channel_id=organisation.channel_id,
                now=now,
            ) or assessments.for_area(session=session, focus_area_id=area.id)
        if current is None:
            return build_notice(_("Sorry, I could not start the assessment; please try again."))
        title = inline(area.title, 150)
        if not current.thread_ts:
            owe_thread(
                session=session,
                assessment=current,
                organisation_id=organisation.id,
                starter=caller.user_id,
                now=now,
            )
            return build_notice(
                _("Starting the assessment of *{title}* in a thread in this channel.").format(
                    title=title
                )
            )
        paused = current.state is State.PAUSED
        if not paused:
            # Bring the current step back to the bottom of the thread, once per person.
            owe_announcement(
                session=session,
                assessment=current,
                position=current.position,
                version=current.version,
                actor=caller.user_id,
                now=now,
                note={"code": "resumed"},
                key=f"{announcement_key(current.id, current.version)}:recalled:{caller.user_id}",
            )
    position = current.position
    if paused:
        position = _resume(deps, current.id, caller.user_id) or position
    return build_notice(
        _("The assessment of *{title}* is at {progress}; it continues in its thread.").format(
            title=title, progress=progress(position.state, position.resume)
        )
    )


def _resume(deps: Deps, assessment_id: int, actor: str) -> Position | None:
    """Resume a paused assessment (its step is owed in the thread); None if it moved."""
    try:
        _before, after = apply(deps, assessment_id, Event.RESUME, actor, note={"code": "resumed"})
    except (ConflictError, TransitionError):
        found = load(deps, assessment_id)
        return found.assessment.position if found else None
    return after


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
