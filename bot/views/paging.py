"""Paging long lists inside Slack's limits: a window onto the items and its *Previous*/*Next*.

Nothing is ever cut silently: a list longer than one page is shown a page at a time, with
"Showing 41–80 of 1,152" and buttons that carry the page to show next. A page number that
no longer exists (the list shrank since the button was drawn) is clamped to the last page,
so an old button always shows the current list instead of an error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.i18n import _, number
from bot.views.blocks import Block, actions, button, context

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """Which part of a list one page shows; ``index`` is 0-based and always valid."""

    index: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def start(self) -> int:
        """Offset of the first item on this page."""
        return self.index * self.size

    @property
    def stop(self) -> int:
        """Offset just past the last item on this page."""
        return min(self.start + self.size, self.total)

    @property
    def has_previous(self) -> bool:
        return self.index > 0

    @property
    def has_next(self) -> bool:
        return self.stop < self.total

    def of(self, items: Sequence[T]) -> list[T]:
        """The items on this page."""
        return list(items[self.start : self.stop])


def window(total: int, requested: int, size: int) -> Window:
    """The page ``requested`` (0-based) of ``total`` items, clamped into range."""
    if size < 1:
        raise ValueError("a page holds at least one item")
    last = max(0, -(-max(total, 0) // size) - 1)
    return Window(index=min(max(requested, 0), last), size=size, total=max(total, 0))


def page_value(page: int, **extra: Any) -> str:
    """A button value carrying the page to show and whatever the list needs to rebuild itself."""
    return json.dumps({"page": page, **extra}, separators=(",", ":"), sort_keys=True)


def read_page_value(value: str | None) -> tuple[int, dict[str, Any]]:
    """The page and extras from a button value; anything unreadable means the first page."""
    try:
        data = json.loads(value or "")
    except ValueError:
        return 0, {}
    if not isinstance(data, dict):
        return 0, {}
    page = data.pop("page", 0)
    return (page if isinstance(page, int) and page >= 0 else 0), data


def showing(win: Window) -> str:
    """ "Showing 41–80 of 1,152" (or nothing to say when everything fits on one page)."""
    if win.total == 0:
        return ""
    return _("Showing {first}–{last} of {total}").format(
        first=number(win.start + 1), last=number(win.stop), total=number(win.total)
    )


def pager(win: Window, action_id: str, block_id: str = "", **extra: Any) -> list[Block]:
    """The "Showing …" line and *Previous*/*Next* buttons; nothing when one page holds it all.

    Both buttons share ``action_id`` (with ``_previous``/``_next`` appended, as Slack wants
    action ids unique within a block); their values come from :func:`page_value`.
    """
    if win.pages <= 1:
        return []
    buttons = []
    if win.has_previous:
        buttons.append(
            button(_("Previous"), f"{action_id}_previous", page_value(win.index - 1, **extra))
        )
    if win.has_next:
        buttons.append(button(_("Next"), f"{action_id}_next", page_value(win.index + 1, **extra)))
    return [context(showing(win)), actions(*buttons, block_id=block_id)]
