"""Thin Bolt listeners, one module per workflow; register_all wires them."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    admins,
    areas,
    assessment,
    channel_safety,
    checkins,
    commands,
    deadlines,
    delivery,  # noqa: F401 - the outbox sender's languages and notices
    digest,
    exchanges,
    external,
    form_text,
    history,
    home,
    insight,
    join,
    language,
    lifecycle,
    matchday_list,
    matchday_plan,
    matchdays,
    meeting_follow_up,
    meetings,
    nudges,
    options,
    pilot_checkins,
    pilot_manage,
    pilots,
    pitching,
    privacy,
    privacy_visitors,
    profile,
    publishing,
    question_list,
    questions,
    resources,
    review,
    setup,
    startups,
    team,
)

MODULES = (
    form_text,  # first: typed text is checked before any form's own listener
    commands,
    setup,
    channel_safety,  # before assessment: it takes the "channel made public" message
    team,
    startups,
    admins,
    home,
    areas,
    assessment,
    publishing,
    nudges,
    profile,
    pitching,
    questions,
    question_list,
    review,
    deadlines,
    meetings,
    meeting_follow_up,
    pilots,
    pilot_checkins,
    pilot_manage,
    checkins,
    matchdays,
    matchday_plan,
    insight,
    history,
    digest,
    join,
    resources,
    matchday_list,
    language,
    lifecycle,
    external,
    exchanges,
    privacy,
    privacy_visitors,
    options,
)


def register_all(app: App) -> None:
    """Register every listener of every workflow on the app."""
    for module in MODULES:
        module.register(app)
