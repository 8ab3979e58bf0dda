"""The list of open opportunities, paged, each with its Pitch button."""

from __future__ import annotations

from typing import Any

from bot.i18n import _, ngettext
from bot.needs import Opportunity
from bot.programme import Organisation
from bot.text import inline, safe
from bot.views.areas import PITCH_ACTION, deadline_epoch
from bot.views.blocks import Block, actions, button, context, divider, header, message, section
from bot.views.paging import pager, window
from bot.views.questions import ask_button

OPPORTUNITIES_PAGE_ACTION = "opportunities_page"  # + _previous / _next
PAGE_SIZE = 8  # five blocks each: well inside Slack's 50


def build_opportunity_list(
    items: list[tuple[Opportunity, Organisation]], page: int, *, can_pitch: bool
) -> dict[str, Any]:
    """Published opportunities still open for pitches, soonest deadline first."""
    win = window(len(items), page, PAGE_SIZE)
    blocks: list[Block] = [header(_("Open opportunities"))]
    if win.index != page:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    if not items:
        blocks.append(
            section(
                _(
                    "No opportunities are open right now. "
                    "New ones are announced in the opportunities channel."
                )
            )
        )
    for opportunity, organisation in win.of(items):
        epoch = deadline_epoch(opportunity.deadline, organisation.timezone)
        deadline = f"<!date^{epoch}^{{date_long}}|{opportunity.deadline.isoformat()}>"
        text = f"*{inline(opportunity.title, 150)}* — {safe(organisation.name, 200)}\n" + safe(
            opportunity.description, 400, mentions=True
        )
        accessory = (
            button(_("Pitch"), PITCH_ACTION, str(opportunity.id), style="primary")
            if can_pitch
            else None
        )
        blocks.append(section(text, accessory))
        if can_pitch:
            blocks.append(actions(ask_button(opportunity.id)))
        blocks.append(context(_("Pitch deadline: {deadline}").format(deadline=deadline)))
        blocks.append(divider())
    blocks += pager(win, OPPORTUNITIES_PAGE_ACTION)
    summary = ngettext("{count} open opportunity", "{count} open opportunities", len(items))
    return message(summary.format(count=len(items)), blocks)
