"""Text safety: user text can never ping, broadcast, forge a link or break a post."""

from __future__ import annotations

import pytest

from bot.orgnr import normalise
from bot.text import ELLIPSIS, cut, escape, safe, user


@pytest.mark.parametrize(
    "attack",
    [
        "<!channel> lunch!",
        "<!here>",
        "<!everyone>",
        "<@U0ADMIN> look",
        "<https://evil.example|bank>",
        "<!subteam^S123>",
        "&lt;!channel&gt;",
    ],
)
def test_escaped_user_text_has_no_control_sequences(attack: str) -> None:
    escaped = safe(attack)
    assert "<" not in escaped
    assert ">" not in escaped
    assert escaped.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "").count("&") == 0


def test_escape_keeps_emoji_and_non_latin_scripts() -> None:
    assert escape("Åsa 👋 — Ωμέγα 東京 & co") == "Åsa 👋 — Ωμέγα 東京 &amp; co"


def test_long_text_is_cut_with_an_ellipsis_within_the_limit() -> None:
    text = "x" * 10_000
    assert len(safe(text, 3000)) == 3000
    assert safe(text, 3000).endswith(ELLIPSIS)
    assert cut(text, 24) == "x" * 23 + ELLIPSIS


def test_cut_never_splits_an_escape_sequence() -> None:
    escaped = safe("&" * 100, 12)
    assert len(escaped) <= 12
    assert escaped.endswith(ELLIPSIS)
    assert escaped[:-1] == "&amp;&amp;"


def test_short_text_is_unchanged() -> None:
    assert safe("Hej Södertälje", 3000) == "Hej Södertälje"


def test_mentions_only_from_real_user_ids() -> None:
    assert user("U012ABC") == "<@U012ABC>"
    with pytest.raises(ValueError, match="not a Slack user id"):
        user("!channel")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("556016-0680", "556016-0680"),
        ("5560160680", "556016-0680"),
        ("16556016-0680", "556016-0680"),
        (" 556016 0680 ", "556016-0680"),
    ],
)
def test_valid_organisation_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["556016-0681", "55601606", "abcdefghij", "", "556016-06800"])
def test_invalid_organisation_numbers_are_refused(raw: str) -> None:
    assert normalise(raw) is None
