"""The company-profile form for a startup's representatives."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import _
from bot.pitches import STAGE_LABELS, Stage
from bot.programme import Startup
from bot.views.blocks import context, modal, option, static_select, text_input

PROFILE_CALLBACK = "startup_profile"


def build_profile_modal(startup: Startup, response_url: str) -> dict[str, Any]:
    """The profile form, prefilled with what the startup has now."""
    stages = [option(_(STAGE_LABELS[stage]), stage.value) for stage in Stage]
    return modal(
        PROFILE_CALLBACK,
        _("Company profile"),
        [
            context(_("Project groups see this profile next to your pitches.")),
            text_input("name", _("Company name"), initial=startup.name, max_length=200),
            text_input(
                "org_number", _("Organisation number"), initial=startup.org_number, max_length=13
            ),
            text_input("website", _("Website"), initial=startup.website, max_length=500),
            text_input("sector", _("Sector"), initial=startup.sector, max_length=100),
            static_select("stage", _("Stage"), stages, initial=startup.stage or None),
            text_input(
                "about",
                _("About the company"),
                initial=startup.about or startup.description,
                multiline=True,
                max_length=3000,
            ),
            text_input(
                "contacts",
                _("Contact people"),
                initial=startup.contacts,
                multiline=True,
                max_length=1000,
                placeholder=_("Name, role, e-mail or phone"),
            ),
        ],
        submit=_("Save"),
        close=_("Cancel"),
        private_metadata=profile_metadata(startup, response_url),
    )


def profile_metadata(startup: Startup, response_url: str) -> str:
    """What the form carries back: the startup, where to answer, and its number as the form
    showed it (unchanged, it needs no check against other startups before the answer)."""
    return json.dumps(
        {"startup": startup.id, "number": startup.org_number, "response_url": response_url}
    )
