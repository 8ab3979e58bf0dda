"""Every user-facing sentence is in the message catalogue template."""

from __future__ import annotations

from bot.catalogue import TEMPLATE, extract, render


def test_the_committed_template_lists_every_message_in_the_code() -> None:
    current = render(extract())
    assert TEMPLATE.read_text(encoding="utf-8") == current, (
        "bot/locale/matchday.pot is out of date: run `.venv/bin/python -m bot.catalogue`"
    )


def test_the_catalogue_is_not_empty() -> None:
    assert len(extract()) > 50
