"""The startups' welcome card and *My Matchday*: App Home for people whom it cannot reach.

Guests and people from other organisations (Slack Connect) may not have `/matchday`, the
Home tab or Matchday's direct messages; a button on a message in a channel they are in
always works. The welcome card in the opportunities channel carries *Join as a startup* and
*My Matchday*; the latter opens, in a modal, what App Home would show, with a note on what
works for that kind of account.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import _
from bot.people_kinds import PersonKind, advice_for_person, advice_for_programme
from bot.pitches import Pitch, status_label
from bot.programme import Startup
from bot.text import safe
from bot.views.blocks import (
    VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    divider,
    message,
    modal,
    section,
)
from bot.views.join import STARTUP_ACTION

MENU_ACTION = "matchday_menu"
PROFILE_ACTION = "matchday_menu_profile"
MENU_CALLBACK = "matchday_menu"
PROFILES_PER_ROW = 5
PITCH_LINES = 15  # 15 lines of at most ~170 characters stay inside a section's 3000


class TooManyBlocksError(ValueError):
    """A view would pass Slack's block limit (a bug: views page their lists)."""


def build_welcome() -> dict[str, Any]:
    """The card in the opportunities channel every startup person can use."""
    text = _(
        "*Startups: Matchday works from here.* Apply to the programme, then pitch with the "
        "*Pitch* button on an opportunity. *My Matchday* shows your profile, pitches, "
        "meetings and pilots, also if you are a guest or from another organisation's Slack."
    )
    return message(
        _("Matchday for startups"),
        [
            section(text),
            actions(
                button(_("Join as a startup"), STARTUP_ACTION),
                button(_("My Matchday"), MENU_ACTION, style="primary"),
            ),
        ],
    )


def build_menu(
    home_blocks: list[Block],
    kind: PersonKind,
    startups: list[Startup],
    in_programme: bool,
    pitches: list[Pitch] | None = None,
    pages: str = "",
) -> dict[str, Any]:
    """App Home's content in a modal, with what works for this kind of account.

    ``pages`` is App Home's metadata (the page each list shows): its *Previous*/*Next* page
    the modal itself.
    """
    blocks: list[Block] = []
    advice = advice_for_person(kind)
    if advice:
        blocks.append(context(advice))
    if not in_programme:
        blocks.append(
            section(
                _(
                    "You are not part of the programme yet. Apply with *Join as a startup* "
                    "on Matchday's welcome message in the opportunities channel; a programme "
                    "admin will answer."
                )
            )
        )
        return _menu(blocks, pages)
    if startups:
        # Every startup the person represents, five buttons to a row (never cut).
        for row, start in enumerate(range(0, len(startups), PROFILES_PER_ROW)):
            blocks.append(
                actions(
                    *[
                        button(
                            _("Profile of {name}").format(name=safe(startup.name, 40)),
                            f"{PROFILE_ACTION}:{startup.id}",  # unique within the view
                            str(startup.id),
                        )
                        for startup in startups[start : start + PROFILES_PER_ROW]
                    ],
                    block_id="menu_profiles" if row == 0 else f"menu_profiles_{row}",
                )
            )
        blocks.append(divider())
    if pitches:
        blocks.append(section(_pitch_lines(pitches)))
    # App Home's own welcome header and its `/matchday` hints are for members; the rest is
    # the same list of pitches, meetings and pilots.
    blocks.extend(block for block in home_blocks if block.get("type") != "header")
    return _menu(blocks, pages)


def _pitch_lines(pitches: list[Pitch]) -> str:
    """The startup's pitches, one line each (all of them: the section holds 3000 characters,
    so a long list is shortened with a count rather than cut)."""
    lines = [
        f"• {safe(pitch.opportunity_title, 120)} — {status_label(pitch.status)}"
        for pitch in pitches[:PITCH_LINES]
    ]
    if len(pitches) > PITCH_LINES:
        lines.append(
            _("…and {count} more; each opportunity's *Pitch* button opens yours.").format(
                count=len(pitches) - PITCH_LINES
            )
        )
    return _("*Your pitches*") + "\n" + "\n".join(lines)


def _menu(blocks: list[Block], pages: str = "") -> dict[str, Any]:
    if len(blocks) > VIEW_BLOCKS:
        raise TooManyBlocksError(f"My Matchday would have {len(blocks)} blocks")
    return modal(MENU_CALLBACK, _("My Matchday"), blocks, close=_("Close"), private_metadata=pages)


def build_welcome_posted(channels: list[str]) -> dict[str, Any]:
    """The admin's answer: where the welcome goes, and how to bring startups in."""
    where = ", ".join(f"<#{channel}>" for channel in channels)
    lines = [
        _("The startups' welcome goes to {channels}.").format(channels=where)
        if channels
        else _("No organisation has an opportunities channel yet; link one with `/matchday setup`.")
    ]
    lines.append(_("*What startups need from you, by kind of Slack account:*"))
    lines.extend(
        f"• {advice_for_programme(kind)}"
        for kind in (
            PersonKind.MULTI_CHANNEL_GUEST,
            PersonKind.SINGLE_CHANNEL_GUEST,
            PersonKind.EXTERNAL,
        )
    )
    return message(lines[0], [section("\n".join(lines))])
