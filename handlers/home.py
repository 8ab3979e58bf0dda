"""App Home: published when a person opens the Home tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.access import competence
from bot.deps import Deps
from bot.i18n import use_language
from bot.pitches import PitchStatus
from bot.views.home import GroupSummary, HomeData, Listed, build_home
from handlers.common import caller_of, deps_of
from storage.repositories import attention, needs, organisations, pitches, startups


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
    return HomeData(
        caller, own, mine, programme, count, own_pitches, open_count, coming, pilots, needing
    )


def _listed(items: list[attention.Item]) -> list[Listed]:
    return [Listed(item.text, item.when) for item in items]


def publish_home(client: WebClient, deps: Deps, user_id: str) -> None:
    """Build and publish App Home for one person, in their language (asking Slack if need be)."""
    from handlers.language import language_for

    with use_language(language_for(user_id)):
        client.views_publish(user_id=user_id, view=build_home(load_home(deps, user_id)))


def register(app: App) -> None:
    """Wire the app_home_opened event."""
    app.event("app_home_opened")(home_opened)
