"""The help message and the guidance for people and channels Matchday does not know yet."""

from __future__ import annotations

from typing import Any

from bot.commands import available_to
from bot.i18n import _
from bot.programme import Caller
from bot.text import safe
from bot.views.blocks import context, message, section


def build_help(caller: Caller, unknown: str = "") -> dict[str, Any]:
    """The subcommands this caller may use, one line each."""
    blocks = []
    if unknown:
        blocks.append(
            section(
                _("I don't know `{name}`. Here is what you can do:").format(
                    name=safe(unknown, 50).replace("`", "'")
                )
            )
        )
    lines = "\n".join(subcommand.help_line(caller) for subcommand in available_to(caller))
    blocks.append(section(lines))
    if not (caller.is_admin or caller.is_member or caller.is_startup):
        blocks.append(context(first_steps()))
    return message(_("Matchday commands"), blocks)


def first_steps() -> str:
    """What someone outside the programme should do first."""
    return _(
        "You are not part of the programme yet. Apply with `/matchday join`, as a startup or "
        "to join your organisation's project group; a programme admin will answer."
    )


def build_notice(text: str) -> dict[str, Any]:
    """A short ephemeral answer."""
    return message(text, [section(text)])


def unlinked_channel() -> dict[str, Any]:
    """Guidance for a command that needs an organisation's channel."""
    return build_notice(
        _(
            "This channel is not linked to an organisation yet. Run this in your project "
            "group's channel, or ask a programme admin to link this one with `/matchday setup`."
        )
    )


def something_went_wrong() -> dict[str, Any]:
    """The polite answer when an unexpected error stopped a request."""
    return build_notice(
        _(
            "Sorry, something went wrong on our side and nothing was changed. "
            "Please try again in a moment; if it keeps happening, tell a programme admin."
        )
    )


def database_unreachable() -> dict[str, Any]:
    """The answer when the database is down or too slow to answer in time."""
    return build_notice(
        _(
            "Matchday can't reach its database right now, so nothing was changed. "
            "Please try again in a moment."
        )
    )
