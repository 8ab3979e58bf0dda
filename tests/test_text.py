"""Text safety: user text can never ping, broadcast, forge a link or break a post."""

from __future__ import annotations

import pytest

from bot.form_text import typed, view_problems
from bot.orgnr import normalise
from bot.text import ELLIPSIS, cut, escape, from_slack, inline, pieces, safe, user


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


# Text as typed: in from Slack once, out to Slack once.

TYPED = "Fall & <risk> *bold* _it_ ~st~ `code` 👩‍⚕️ مرحبا שלום &amp;"


def test_message_text_is_unescaped_exactly_once() -> None:
    # Slack escapes what was typed once; a typed "&amp;" arrives as "&amp;amp;".
    assert from_slack(escape(TYPED)) == TYPED
    assert from_slack("&amp;lt;b&amp;gt;") == "&lt;b&gt;"


@pytest.mark.parametrize(
    ("raw", "typed"),
    [
        ("<@U0ABC> and <@W0XYZ|anna>", "<@U0ABC> and <@W0XYZ>"),
        ("see <#C0ABC> or <#C0DEF|general>", "see <#C0ABC> or <#C0DEF|general>"),
        ("<!channel> <!here|here> <!everyone>", "@channel @here @everyone"),
        ("<!subteam^S1|@devs> <!subteam^S1>", "@devs @group"),
        (
            "<https://evil.example|bank> <https://ok.example>",
            "bank (https://evil.example) https://ok.example",
        ),
        ("<!date^1700000000^{date}|14 Nov>", "14 Nov"),
        (
            "bell\x07 and nul\x00 go, lines\nand\ttabs stay",
            "bell and nul go, lines\nand\ttabs stay",
        ),
    ],
)
def test_mentions_stay_and_broadcasts_become_plain_words(raw: str, typed: str) -> None:
    assert from_slack(raw) == typed


def test_kept_mentions_are_mentions_again_and_everything_else_is_literal() -> None:
    stored = from_slack(escape(TYPED) + " <@U0ABC> <#C0ABC|general> <!channel>")
    shown = safe(stored, mentions=True)
    assert shown == escape(TYPED) + " <@U0ABC> <#C0ABC|general> @channel"
    # Typed literally into a form, a broadcast still shows as text, never as a broadcast.
    assert safe("<!channel> <@U0ABC>", mentions=True) == "&lt;!channel&gt; <@U0ABC>"
    assert safe("<@U0ABC>") == "&lt;@U0ABC&gt;"  # without mentions: nothing pings


def test_a_cut_never_splits_a_mention() -> None:
    text = "a" * 10 + "<@U0ABCDEF>"
    assert safe(text, 15, mentions=True) == "a" * 10 + ELLIPSIS
    assert safe(text, 21, mentions=True) == text


def test_pieces_hold_the_whole_text_within_the_limit() -> None:
    text = ("Fall & <risk> <@U0ABC> " * 400).strip()
    found = pieces(text, 3000, mentions=True)
    assert len(found) > 1
    assert all(len(piece) <= 3000 for piece in found)
    assert "".join(found) == safe(text, 10**6, mentions=True)
    assert all(piece.count("<@") == piece.count("<@U0ABC>") for piece in found)


def test_inline_text_cannot_break_the_apps_own_formatting() -> None:
    shown = inline("*bold* _it_ ~st~ `code` & <x>")
    assert not set("*_~`") & set(shown)
    assert "&amp; &lt;x&gt;" in shown
    assert len(inline("*" * 500, 150)) <= 150


def _submitted(value: str, **element: object) -> dict[str, object]:
    declared = {"type": "plain_text_input", "action_id": "value", **element}
    return {
        "blocks": [{"type": "input", "block_id": "title", "element": declared}],
        "state": {"values": {"title": {"value": {"type": "plain_text_input", "value": value}}}},
    }


def test_a_form_field_keeps_the_limit_its_view_states() -> None:
    assert view_problems(_submitted("x" * 150, max_length=150)) == {}
    refused = view_problems(_submitted("x" * 151, max_length=150))
    assert refused == {"title": "Please keep this to at most 150 characters; it has 151 now."}


def test_without_a_stated_limit_a_field_holds_what_slack_can() -> None:
    view = _submitted("x" * 10_000)
    view["blocks"] = []
    assert "3,000" in view_problems(view)["title"]


@pytest.mark.parametrize("bad", ["Care\x00", "Care\x1b[31m", "two\nlines", "tab\there", "\ud800"])
def test_control_characters_are_refused_in_a_one_line_field(bad: str) -> None:
    assert "cannot be saved" in view_problems(_submitted(bad, max_length=150))["title"]


def test_lines_and_tabs_are_fine_where_the_field_is_multi_line() -> None:
    assert view_problems(_submitted("two\nlines\tand a tab", multiline=True)) == {}
    assert "cannot be saved" in view_problems(_submitted("nul\x00", multiline=True))["title"]


def test_typed_strips_and_reports_once_per_field() -> None:
    errors: dict[str, str] = {"title": "Please fill this in."}
    assert typed(errors, "title", "  x  ", 150) == "x"
    assert typed(errors, "place", "y" * 600, 500) == "y" * 600
    assert errors["title"] == "Please fill this in."  # the first error of a field stays
    assert "500" in errors["place"]
