"""An opportunity's history as a paged message, and the list to choose an opportunity from.

Every event is shown whole: a long reason or answer takes several sections, and a page
holds as many events as fit Slack's 50 blocks (at most ``PAGE_SIZE``), so nothing is cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from bot.history import PAGE_SIZE, Event, History, label
from bot.i18n import _, number
from bot.text import USER_ID, date, escape, inline, user
from bot.views.blocks import Block, actions, button, context, header, message, section
from bot.views.paging import page_value, pager, window

HISTORY_PAGE_ACTION = "history_page"
HISTORY_OPEN_ACTION = "history_open"
HISTORY_CSV_ACTION = "history_csv"
CHOICES_PAGE_ACTION = "history_choices_page"
PIECE = 2900  # escaped text per section
PAGE_BLOCKS = 42  # events' blocks per page: room for the header, pager and CSV button


@dataclass(frozen=True)
class Choice:
    """An opportunity whose history the caller may see."""

    opportunity_id: int
    title: str
    organisation: str


def _pieces(text: str) -> list[str]:
    """Escaped text in pieces that each fit a section, never splitting an escape."""
    escaped = escape(text)
    pieces: list[str] = []
    while escaped:
        piece = escaped[:PIECE]
        if len(escaped) > PIECE and "&" in piece[-4:]:
            piece = piece[: piece.rindex("&")]
        pieces.append(piece)
        escaped = escaped[len(piece) :]
    return pieces


def _person(actor: str) -> str:
    """A mention where the record holds a Slack user id; otherwise the record as it is."""
    if USER_ID.match(actor):
        return user(actor)
    return inline(actor, 100) if actor else _("(unknown)")


def event_blocks(event: Event) -> list[Block]:
    """One event: what, when, about which startup and by whom; then its text, whole."""
    moment = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
    when = date(int(moment.timestamp()), moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    line = f"*{label(event.kind)}* · {when}"
    if event.startup:
        line += f" · {inline(event.startup, 200)}"
    line += " · " + _("by {person}").format(person=_person(event.actor))
    if event.reason_code:
        line += f"\n`{escape(event.reason_code)}`"
    pieces = _pieces(event.detail)
    if pieces and len(line) + 2 + len(pieces[0]) <= PIECE + 100:
        return [section(f"{line}\n{pieces[0]}"), *(section(p) for p in pieces[1:])]
    return [section(line), *(section(p) for p in pieces)]


def page_starts(events: list[Event]) -> list[int]:
    """Where each page begins: at most PAGE_SIZE events and PAGE_BLOCKS blocks a page."""
    starts = [0]
    blocks = 0
    for index, event in enumerate(events):
        cost = len(event_blocks(event))
        count = index - starts[-1]
        if count and (count >= PAGE_SIZE or blocks + cost > PAGE_BLOCKS):
            starts.append(index)
            blocks = 0
        blocks += cost
    return starts


def build_history(history: History, page: int) -> dict[str, Any]:
    """One page of the opportunity's history, with *Previous*/*Next* and the CSV button."""
    starts = page_starts(history.events)
    index = min(max(page, 0), len(starts) - 1)
    stop = starts[index + 1] if index + 1 < len(starts) else len(history.events)
    title = _("History of {title}").format(title=history.title)
    blocks: list[Block] = [header(title)]
    if not history.events:
        blocks.append(section(_("Nothing has been recorded yet.")))
    for event in history.events[starts[index] : stop]:
        blocks.extend(event_blocks(event))
    if len(starts) > 1:
        blocks.append(
            context(
                _("Showing {first}–{last} of {total}").format(
                    first=number(starts[index] + 1),
                    last=number(stop),
                    total=number(len(history.events)),
                )
            )
        )
    buttons = []
    if index > 0:
        value = page_value(index - 1, o=history.opportunity_id)
        buttons.append(button(_("Previous"), f"{HISTORY_PAGE_ACTION}_previous", value))
    if index + 1 < len(starts):
        value = page_value(index + 1, o=history.opportunity_id)
        buttons.append(button(_("Next"), f"{HISTORY_PAGE_ACTION}_next", value))
    buttons.append(button(_("Send me the CSV"), HISTORY_CSV_ACTION, str(history.opportunity_id)))
    blocks.append(actions(*buttons))
    blocks.append(
        context(
            _(
                "The history is read from Matchday's records; it cannot be edited or deleted "
                "here. The CSV holds every event in full."
            )
        )
    )
    return message(title, blocks)


def build_choices(
    choices: list[Choice], page: int, words: str = "", channel: str = ""
) -> dict[str, Any]:
    """The opportunities whose history the caller may see, each with a *History* button
    (``words`` and ``channel``, the search and where it was asked, rebuild the list)."""
    title = _("Opportunities and their history")
    win = window(len(choices), page, PAGE_SIZE)
    blocks: list[Block] = [header(title)]
    if not choices:
        blocks.append(section(_("There is no opportunity here whose history you can see.")))
    for choice in win.of(choices):
        blocks.append(
            section(
                f"*{inline(choice.title, 150)}*\n{inline(choice.organisation, 200)}",
                accessory=button(_("History"), HISTORY_OPEN_ACTION, str(choice.opportunity_id)),
            )
        )
    blocks += pager(win, CHOICES_PAGE_ACTION, w=words, c=channel)
    return message(title, blocks)
