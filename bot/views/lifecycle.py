"""What the admins read when Slack can no longer receive Matchday's messages somewhere."""

from __future__ import annotations

from typing import Any

from bot.i18n import _, ngettext
from bot.views.blocks import message, section
from bot.views.delivery import where


def build_lifecycle_notice(what: str, channel: str, held: int) -> dict[str, Any]:
    """One DM to each admin per change: archived, unarchived, deleted, or the app was back."""
    place = where(channel) if channel else ""
    waiting = ngettext(
        "{count} message waits for it.", "{count} messages wait for it.", held
    ).format(count=held)
    if what == "archived":
        text = _(
            "{place} was archived. Matchday sends nothing there until it is unarchived; "
            "nothing owed is lost."
        ).format(place=place)
        if held:
            text += " " + waiting
    elif what == "unarchived":
        text = ngettext(
            "{place} is open again: {count} held message is sent now.",
            "{place} is open again: {count} held messages are sent now.",
            held,
        ).format(place=place, count=held)
    elif what == "deleted":
        text = ngettext(
            "{place} was deleted. {count} message for it could not be delivered; the people "
            "who acted were told. Link another channel with `/matchday setup` if needed.",
            "{place} was deleted. {count} messages for it could not be delivered; the people "
            "who acted were told. Link another channel with `/matchday setup` if needed.",
            held,
        ).format(place=place, count=held)
    else:
        text = _(
            "Matchday was removed from the workspace or lost its token, and is back now. "
            "Everything it owed while it was away is being sent."
        )
    return message(text, [section(text)])
