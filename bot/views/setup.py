"""The setup modal that links a channel to an organisation."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import _
from bot.labels import kind_label
from bot.programme import Organisation, OrganisationKind
from bot.text import channel, inline
from bot.views.blocks import (
    context,
    conversation_select,
    modal,
    option,
    section,
    static_select,
    text_input,
)

SETUP_CALLBACK = "setup"
NAME_MAX = 200


def build_setup_modal(
    channel_id: str, response_url: str, organisation: Organisation | None
) -> dict[str, Any]:
    """The form to link ``channel_id`` to an organisation, prefilled when editing."""
    kinds = [option(kind_label(kind), kind.value) for kind in OrganisationKind]
    return modal(
        SETUP_CALLBACK,
        _("Organisation setup"),
        [
            text_input(
                "name",
                _("Organisation name"),
                initial=organisation.name if organisation else "",
                max_length=NAME_MAX,
                placeholder=_("for example Södertälje kommun"),
            ),
            static_select(
                "kind",
                _("Kind of organisation"),
                kinds,
                initial=organisation.kind.value if organisation else None,
            ),
            conversation_select(
                "opportunities_channel",
                _("Where opportunities are published"),
                initial=organisation.opportunities_channel_id if organisation else None,
                hint=_(
                    "The channel startups read. This channel stays the project group's "
                    "own working channel."
                ),
            ),
        ],
        submit=_("Save"),
        close=_("Cancel"),
        private_metadata=json.dumps({"channel": channel_id, "response_url": response_url}),
    )


def setup_saved(organisation: Organisation, created: bool) -> str:
    """The confirmation after setup."""
    template = (
        _("Linked this channel to *{name}*. Opportunities will be published in {channel}.")
        if created
        else _("Updated *{name}*. Opportunities will be published in {channel}.")
    )
    text = template.format(
        name=inline(organisation.name, 200),
        channel=channel(organisation.opportunities_channel_id),
    )
    return text + " " + _("Next: add the project group with `/matchday team`.")


def invite_me(channel_id: str) -> str:
    """Ask the admin to invite the bot to a channel it must post in."""
    return _(
        "I am not a member of {channel} yet, so I cannot post there. "
        "Invite me with `/invite @Matchday` in that channel."
    ).format(channel=channel(channel_id))


def build_setup_refused(refusal: str) -> dict[str, Any]:
    """The modal that says why this channel cannot be the project group's channel."""
    return modal(
        SETUP_CALLBACK + "_refused",
        _("Organisation setup"),
        [
            section(refusal),
            context(
                _(
                    "Pitches are confidential: only the project group, programme admins and "
                    "the startup itself may read them, so the group's channel must be private "
                    "and not shared."
                )
            ),
        ],
        close=_("Close"),
    )


def setup_unchecked() -> str:
    """The field error when the channel's check is missing, failed or too old."""
    return _(
        "I could not confirm that this channel is private and not shared. "
        "Close this form and run `/matchday setup` in the channel again."
    )
