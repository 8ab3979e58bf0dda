"""App Home: published when a person opens the Home tab, and owed after changes they see.

Opening the tab publishes at once (on the interactive pool). A change that shows on someone's
Home owes a publish through the outbox, in the change's own transaction (:func:`owe_home`):
the task builds the view when it runs, so it always shows the state as it is then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.access import competence
from bot.deps import Deps
from bot.i18n import use_language
from bot.outbox import REGISTRY
from bot.pitches import PitchStatus
from bot.text import USER_ID
from bot.views.home import LIST_LIMIT, GroupSummary, HomeData, Listed, Undelivered, build_home
from handlers.common import caller_of, deps_of
from storage.repositories import attention, needs, organisations, outbox, pitches, startups

HOME_TASK = "home_publish"


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Publish the person's App Home after the event is acknowledged."""
    user_id = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user_id, str):
        return
    deps = deps_of(context)
    deps.after_ack.submit(publish_home, client, deps, user_id)


def load_home(deps: Deps, user_id: str) -> HomeData:
    """Everything App Home shows for this person."""
    caller = caller_of(deps, user_id)
    with deps.sessions() as session:
        own: list[GroupSummary] = []
        programme: list[GroupSummary] = []
        everyone = organisations.all_organisations(session=session)
        for organisation in everyone:
            if not (caller.is_admin or organisation.id in caller.memberships):
                continue
            members = organisations.members(session=session, organisation_id=organisation.id)
            waiting = [
                pitch
                for pitch in pitches.for_organisation(
                    session=session, organisation_id=organisation.id
                )
                if pitch.status is PitchStatus.SUBMITTED
            ]
            summary = GroupSummary(
                organisation,
                len(members),
                competence(members),
                caller.memberships.get(organisation.id),
                len(waiting),
            )
            if organisation.id in caller.memberships:
                own.append(summary)
            if caller.is_admin:
                programme.append(summary)
        mine = startups.by_ids(session=session, startup_ids=caller.startup_ids)
        count = startups.count(session=session) if caller.is_admin else 0
        own_pitches = pitches.for_startups(session=session, startup_ids=caller.startup_ids)
        now = deps.clock.now()
        today = now.date()
        open_count = len(needs.open_opportunities(session=session, on_or_after=today))
        coming = _listed(attention.upcoming_meetings(session, user_id, now))
        pilots = _listed(attention.pilots_of(session, caller.memberships, caller.startup_ids))
        needing: dict[str, list[Listed]] = {}
        if caller.is_admin:
            blocked, missed = attention.pilots_needing_help(session)
            needing = {
                "blocked": _listed(blocked),
                "missed": _listed(missed),
                "closing": _listed(
                    attention.closing_opportunities(session, today, today + timedelta(days=3))
                ),
                "unanswered": _listed(
                    attention.unanswered_proposals(session, now - timedelta(days=2))
                ),
            }
        undelivered: list[Undelivered] = []
        undelivered_count = 0
        if caller.is_admin:
            undelivered = [
                Undelivered(problem.kind, problem.channel, problem.error, problem.when)
                for problem in outbox.problems(session=session, limit=LIST_LIMIT)
            ]
            undelivered_count = attention.undelivered_count(session)
    return HomeData(
        caller,
        own,
        mine,
        programme,
        count,
        own_pitches,
        open_count,
        coming,
        pilots,
        needing,
        undelivered=undelivered,
        undelivered_count=undelivered_count,
    )


def _listed(items: list[attention.Item]) -> list[Listed]:
    return [Listed(item.text, item.when) for item in items]


def publish_home(client: WebClient, deps: Deps, user_id: str) -> None:
    """Build and publish App Home for one person, in their language (asking Slack if need be)."""
    from handlers.language import language_for

    with use_language(language_for(user_id, deps)):
        client.views_publish(user_id=user_id, view=build_home(load_home(deps, user_id)))


def owe_home(*, session: Session, user_ids: Iterable[str], change: str, now: datetime) -> None:
    """Owe a fresh App Home to each person after a change they see there.

    ``change`` names the change (``pilot:7@v3``): the same change owes one publish per person,
    however often it is recorded; the publish shows the state as it is when it runs.
    """
    for user_id in dict.fromkeys(user_ids):
        if USER_ID.match(user_id):
            outbox.task(
                session=session,
                key=f"home:{user_id}:{change}",
                name=HOME_TASK,
                args={"user": user_id},
                now=now,
                fanout=True,
            )


@REGISTRY.task(HOME_TASK)
def publish_home_task(deps: Deps, client: WebClient, args: dict[str, Any]) -> None:
    """The outbox's App Home publish (idempotent: it publishes what is true when it runs)."""
    publish_home(client, deps, str(args["user"]))


def register(app: App) -> None:
    """Wire the app_home_opened event."""
    app.event("app_home_opened")(home_opened)
