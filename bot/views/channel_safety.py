"""Messages about who can read a project group's channel."""

from __future__ import annotations

from typing import Any

from bot.i18n import _
from bot.text import channel, inline, user
from bot.views.blocks import actions, button, context, message, section

OUTSIDER_ADD_ACTION = "channel_outsider_add"
OUTSIDER_REMOVE_ACTION = "channel_outsider_remove"


def outsider_value(organisation_id: int, user_id: str) -> str:
    """The value both outsider buttons carry: ``<organisation id>:<user id>``."""
    return f"{organisation_id}:{user_id}"


def build_outsider_notice(
    organisation_id: int, organisation_name: str, channel_id: str, user_id: str
) -> dict[str, Any]:
    """The project managers' DM about someone in the channel who is not in the group."""
    text = _(
        "{person} is in {channel}, the project group channel of *{name}*, but is not in the "
        "project group. Until that is settled, pitch cards there show only the startup's "
        "name, the opportunity and the status."
    ).format(person=user(user_id), channel=channel(channel_id), name=inline(organisation_name, 200))
    value = outsider_value(organisation_id, user_id)
    return message(
        text,
        [
            section(text),
            actions(
                button(_("Add to the group"), OUTSIDER_ADD_ACTION, value, style="primary"),
                button(_("I'll remove them"), OUTSIDER_REMOVE_ACTION, value),
            ),
            context(_("To remove someone, use /remove in the channel or its member list.")),
        ],
    )


def outsider_claimed(user_id: str, channel_id: str) -> str:
    """The answer to "I'll remove them"."""
    return _(
        "Thank you. Pitch cards in {channel} stay short until {person} has left the channel."
    ).format(person=user(user_id), channel=channel(channel_id))


def outsider_settled(user_id: str) -> str:
    """The answer when the person is no outsider any more."""
    return _("{person} is not an outsider in the channel any more: nothing to do.").format(
        person=user(user_id)
    )


def build_state_notice(state: str, channel_id: str, organisation_name: str) -> dict[str, Any]:
    """The group's and admins' DM when the channel's privacy changed."""
    templates = {
        "public": _(
            "{channel}, the project group channel of *{name}*, is now public. Pitch cards "
            "there show only the startup's name, the opportunity and the status; make the "
            "channel private again, or link a private channel with `/matchday setup`."
        ),
        "shared": _(
            "{channel}, the project group channel of *{name}*, is now shared with another "
            "organisation. Pitch cards there show only the startup's name, the opportunity "
            "and the status until it is no longer shared."
        ),
        "safe": _(
            "{channel}, the project group channel of *{name}*, is private and not shared any "
            "more. New pitch cards there show the full pitch again."
        ),
    }
    text = templates.get(state, templates["public"]).format(
        channel=channel(channel_id), name=inline(organisation_name, 200)
    )
    return message(text, [section(text)])
