"""Thin Bolt listeners, one module per workflow; register_all wires them."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    admins,
    areas,
    assessment,
    commands,
    deadlines,
    home,
    meeting_follow_up,
    meetings,
    nudges,
    pitching,
    profile,
    publishing,
    review,
    setup,
    startups,
    team,
)

MODULES = (
    commands,
    setup,
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
    review,
    deadlines,
    meetings,
    meeting_follow_up,
)


def register_all(app: App) -> None:
    """Register every listener of every workflow on the app."""
    for module in MODULES:
        module.register(app)
