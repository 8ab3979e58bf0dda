"""The startup registration modal."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import _
from bot.programme import Startup
from bot.text import inline, user
from bot.views.blocks import modal, text_input, user_select

STARTUP_CALLBACK = "startup_register"
NAME_MAX = 200
SECTOR_MAX = 100
WEBSITE_MAX = 500
DESCRIPTION_MAX = 150


def build_startup_modal(response_url: str) -> dict[str, Any]:
    """The form to register a startup and its representatives."""
    return modal(
        STARTUP_CALLBACK,
        _("Register startup"),
        [
            text_input("name", _("Company name"), max_length=NAME_MAX),
            text_input(
                "org_number",
                _("Organisation number"),
                max_length=13,
                placeholder="556016-0680",
                hint=_("The Swedish organisation number, ten digits."),
            ),
            text_input("website", _("Website"), max_length=WEBSITE_MAX, placeholder="https://"),
            text_input(
                "sector",
                _("Sector"),
                max_length=SECTOR_MAX,
                placeholder=_("for example health tech, mobility, energy"),
            ),
            text_input(
                "description",
                _("One-line description"),
                max_length=DESCRIPTION_MAX,
            ),
            user_select(
                "representatives",
                _("Representatives"),
                multi=True,
                hint=_("The people who speak for the startup; they can be guests."),
            ),
        ],
        submit=_("Register"),
        close=_("Cancel"),
        private_metadata=json.dumps({"response_url": response_url}),
    )


def startup_registered(startup: Startup) -> str:
    """The confirmation to the admin who registered a startup."""
    people = ", ".join(user(rep) for rep in startup.representatives)
    return _("Registered *{name}* ({number}) with representatives {people}.").format(
        name=inline(startup.name, 200), number=startup.org_number, people=people
    )


def welcome_representative(startup: Startup) -> str:
    """The DM a new representative receives."""
    return _(
        "Welcome to the programme! You now represent *{name}* in Matchday. "
        "Type `/matchday help` to see what you can do."
    ).format(name=inline(startup.name, 200))
