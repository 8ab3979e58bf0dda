"""The list of open opportunities, paged, each with its Pitch button."""

from __future__ import annotations

from typing import Any

from bot.i18n import _
from bot.needs import Opportunity
from bot.programme import Organisation
from bot.text import safe
from bot.views.areas import PITCH_ACTION, deadline_epoch
from bot.views.blocks import Block, actions, button, context, divider, header, message, section

OPPORTUNITIES_PAGE_ACTION = "opportunities_page"
PAGE_SIZE = 8  # four blocks each: well inside Slack's 50


def build_opportunity_list(
    items: list[tuple[Opportunity, Organisation]], page: int, *, can_pitch: bool
) -> dict[str, Any]:
    """Published opportunities still open for pitches, soonest deadline first."""
    pages = max((len(items) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    blocks: list[Block] = [header(_("Open opportunities"))]
    if not items:
        blocks.append(
            section(
                _(
                    "No opportunities are open right now. "
                    "New ones are announced in the opportunities channel."
                )
            )
        )
    for opportunity, organisation in shown:
        epoch = deadline_epoch(opportunity.deadline, organisation.timezone)
        deadline = f"<!date^{epoch}^{{date_long}}|{opportunity.deadline.isoformat()}>"
        text = f"*{safe(opportunity.title, 150)}* — {safe(organisation.name, 200)}\n" + safe(
            opportunity.description, 400
        )
        accessory = (
            button(_("Pitch"), PITCH_ACTION, str(opportunity.id), style="primary")
            if can_pitch
            else None
        )
        blocks.append(section(text, accessory))
        blocks.append(context(_("Pitch deadline: {deadline}").format(deadline=deadline)))
        blocks.append(divider())
    if pages > 1:
        blocks.append(context(_("Page {page} of {pages}").format(page=page + 1, pages=pages)))
        controls = []
        if page > 0:
            controls.append(button(_("Previous"), OPPORTUNITIES_PAGE_ACTION, str(page - 1)))
        if page + 1 < pages:
            controls.append(button(_("Next"), OPPORTUNITIES_PAGE_ACTION, str(page + 1)))
        blocks.append(actions(*controls))
    return message(_("Open opportunities: {count}").format(count=len(items)), blocks)
