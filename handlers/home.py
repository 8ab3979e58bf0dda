"""App Home: published when a person opens the Home tab, and owed after changes they see.

Opening the tab publishes at once (on the interactive pool). A change that shows on someone's
Home owes a publish through the outbox, in the change's own transaction (:func:`owe_home`):
the task builds the view when it runs, so it always shows the state as it is then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.access import competence
from bot.assessment import State
from bot.deps import Deps
from bot.i18n import use_language
from bot.outbox import REGISTRY
from bot.pitches import PitchStatus
from bot.programme import Caller
from bot.text import USER_ID
from bot.views.home import (
    LIST_LIMIT,
    PAGE_ACTIONS,
    PAGE_SIZE,
    AreaEntry,
    Figures,
    GroupSummary,
    HomeData,
    Listed,
    MeetingEntry,
    NextMatchday,
    Opening,
    Paged,
    PilotEntry,
    PitchEntry,
    Undelivered,
    build_home,
    pages_of,
)
from bot.views.paging import read_page_value, window
from handlers.common import caller_of, deps_of
from handlers.payloads import BlockAction, parse
from storage.repositories import attention, organisations, outbox, startups
from storage.repositories import home as lists
from storage.repositories.home import Page

HOME_TASK = "home_publish"


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Publish the person's App Home after the event is acknowledged (first pages)."""
    user_id = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user_id, str):
        return
    deps = deps_of(context)
    deps.after_ack.submit(publish_home, client, deps, user_id)


def page_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """*Previous*/*Next* under one of App Home's lists: publish App Home at that page (or,
    in *My Matchday*, update that modal).

    The other lists keep the page they showed (kept in the view's private metadata). A page
    that no longer exists shows the list's last page: the current list, never an error.
    """
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    page, extra = read_page_value(action.action.value)
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    pages = pages_of(str((view or {}).get("private_metadata") or ""))
    key = extra.get("list")
    if isinstance(key, str) and key:
        pages[key] = page
    deps = deps_of(context)
    if (view or {}).get("type") == "modal":  # *My Matchday*, App Home in a modal
        from handlers.external import page_menu

        deps.after_ack.submit(page_menu, client, deps, action.user_id, view, pages)
        return
    deps.after_ack.submit(publish_home, client, deps, action.user_id, pages)


def _month(now: datetime, deps: Deps) -> tuple[date, datetime, datetime]:
    local = now.astimezone(deps.settings.timezone).date().replace(day=1)
    following = (local + timedelta(days=32)).replace(day=1)
    zone = deps.settings.timezone
    return (
        local,
        datetime.combine(local, time(), tzinfo=zone).astimezone(UTC),
        datetime.combine(following, time(), tzinfo=zone).astimezone(UTC),
    )


def _paged(pages: dict[str, int], key: str, load: Any, convert: Any = None) -> tuple[Paged, int]:
    """Load the requested page of one list; a page past the end loads the last one."""
    requested = max(0, pages.get(key, 0))
    found: Page = load(offset=requested * PAGE_SIZE, limit=PAGE_SIZE)
    win = window(found.total, requested, PAGE_SIZE)
    if win.index != requested:  # the list shrank since the button was drawn
        found = load(offset=win.start, limit=PAGE_SIZE)
        win = window(found.total, win.index, PAGE_SIZE)
    rows = [convert(row) for row in found.rows] if convert else list(found.rows)
    return Paged(rows, win), win.index


def load_home(deps: Deps, user_id: str, pages: dict[str, int] | None = None) -> HomeData:
    """Everything App Home shows for this person: one query (and a count) per list."""
    pages = dict(pages or {})
    caller = caller_of(deps, user_id)
    now = deps.clock.now()
    today = now.astimezone(deps.settings.timezone).date()
    shown: dict[str, int] = {}

    def paged(key: str, load: Any, convert: Any = None) -> Paged:
        result, index = _paged(pages, key, load, convert)
        shown[key] = index
        return result

    with deps.sessions() as session:
        groups, programme = _groups(session, caller)
        mine = startups.by_ids(session=session, startup_ids=caller.startup_ids)
        data: dict[str, Any] = {}
        if caller.is_admin:
            data.update(_admin_data(deps, session, now, today))
        if caller.memberships:
            orgs = list(caller.memberships)
            data["areas"] = paged(
                "areas",
                lambda **page: lists.areas(session=session, organisation_ids=orgs, **page),
                _area,
            )
            data["to_review"] = paged(
                "review",
                lambda **page: lists.pitches_to_review(
                    session=session, organisation_ids=orgs, **page
                ),
                _pitch,
            )
        if caller.startup_ids:
            data["openings"] = paged(
                "openings",
                lambda **page: lists.open_opportunities(
                    session=session, today=today, startup_ids=caller.startup_ids, **page
                ),
                lambda row: Opening(
                    row.id, row.title, row.organisation, row.deadline, row.pitch_id is not None
                ),
            )
            data["own_pitches"] = paged(
                "pitches",
                lambda **page: lists.startup_pitches(
                    session=session, startup_ids=caller.startup_ids, **page
                ),
                _pitch,
            )
        data["coming"] = paged(
            "meetings",
            lambda **page: lists.meetings(session=session, user_id=user_id, now=now, **page),
            lambda row: MeetingEntry(
                row.id, row.organisation, row.startup, row.place, row.starts_at
            ),
        )
        data["running"] = paged(
            "pilots",
            lambda **page: lists.pilots(
                session=session,
                user_id=user_id,
                organisation_ids=list(caller.memberships),
                startup_ids=caller.startup_ids,
                **page,
            ),
            lambda row: PilotEntry(
                row.id,
                row.title,
                row.organisation,
                row.startup,
                row.status,
                row.next_due,
                row.open_checkin,
            ),
        )
    for key in ("blocked", "missed", "closing", "unanswered", "groups"):
        if pages.get(key):
            shown[key] = pages[key]
    return HomeData(
        caller,
        groups,
        mine,
        programme,
        pages={key: index for key, index in shown.items() if index},
        **data,
    )


def _groups(session: Session, caller: Caller) -> tuple[list[GroupSummary], list[GroupSummary]]:
    """The caller's own groups and (admins) every organisation, with members and reviews."""
    if not (caller.is_admin or caller.memberships):
        return [], []
    scope = None if caller.is_admin else list(caller.memberships)
    members = lists.members_by_organisation(session=session, organisation_ids=scope)
    waiting = lists.waiting_reviews(session=session, organisation_ids=scope)
    own: list[GroupSummary] = []
    programme: list[GroupSummary] = []
    for organisation in organisations.all_organisations(session=session):
        if not (caller.is_admin or organisation.id in caller.memberships):
            continue
        group = members.get(organisation.id, [])
        summary = GroupSummary(
            organisation,
            len(group),
            competence(group),
            caller.memberships.get(organisation.id),
            waiting.get(organisation.id, 0),
        )
        if organisation.id in caller.memberships:
            own.append(summary)
        if caller.is_admin:
            programme.append(summary)
    return own, programme


def _admin_data(deps: Deps, session: Session, now: datetime, today: date) -> dict[str, Any]:
    month, start, end = _month(now, deps)
    counted = lists.figures(session=session, start=start, end=end, now=now, today=today)
    upcoming = lists.next_matchday(session=session, today=today)
    blocked, missed = attention.pilots_needing_help(session)
    return {
        "startup_count": startups.count(session=session),
        "figures": Figures(
            month,
            counted.open_opportunities,
            counted.pitches,
            counted.meetings,
            counted.meetings_held,
            counted.follow_ups,
            counted.pilots,
        ),
        "matchday": NextMatchday(
            upcoming.id, upcoming.title, upcoming.day, upcoming.status, upcoming.requests
        )
        if upcoming
        else None,
        "attention": {
            "blocked": _listed(blocked),
            "missed": _listed(missed),
            "closing": _listed(
                attention.closing_opportunities(session, today, today + timedelta(days=3))
            ),
            "unanswered": _listed(attention.unanswered_proposals(session, now - timedelta(days=2))),
        },
        "undelivered": [
            Undelivered(problem.kind, problem.channel, problem.error, problem.when)
            for problem in outbox.problems(session=session, limit=LIST_LIMIT)
        ],
        "undelivered_count": attention.undelivered_count(session),
    }


def _area(row: lists.AreaLine) -> AreaEntry:
    state = State(row.state) if row.state in {s.value for s in State} else None
    return AreaEntry(row.id, row.title, row.organisation, row.assessment_id, state)


def _pitch(row: lists.PitchLine) -> PitchEntry:
    return PitchEntry(
        row.id,
        row.opportunity,
        row.organisation,
        row.startup,
        PitchStatus(row.status),
        row.submitted_at,
    )


def _listed(items: list[attention.Item]) -> list[Listed]:
    return [Listed(item.text, item.when) for item in items]


def publish_home(
    client: WebClient, deps: Deps, user_id: str, pages: dict[str, int] | None = None
) -> None:
    """Build and publish App Home for one person, in their language (asking Slack if need be)."""
    from handlers.language import language_for

    with use_language(language_for(user_id, deps)):
        view = build_home(load_home(deps, user_id, pages))
        client.views_publish(user_id=user_id, view=view)


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
    for action_id in PAGE_ACTIONS:
        app.action(action_id)(page_clicked)
