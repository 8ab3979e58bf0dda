"""Slack's form bodies decode as urllib would decode them (bot/urlencoded.py)."""

from __future__ import annotations

import random
from urllib.parse import parse_qs, urlencode

from bot.urlencoded import form_fields

ALPHABET = "abcXYZ019 +%&=\\\"'{}[]:,.-_~/?#<>!*åäöÅÄÖé€😀\n\t"


def _expected(body: bytes) -> dict[str, str]:
    text = body.decode("utf-8", errors="replace")
    return {name: values[0] for name, values in parse_qs(text, True).items()}


def test_whatever_is_typed_decodes_as_urllib_decodes_it() -> None:
    chance = random.Random(15)  # noqa: S311 - seeded test data, not a secret
    for _ in range(2000):
        fields = {
            "".join(chance.choices(ALPHABET, k=chance.randint(1, 8))): "".join(
                chance.choices(ALPHABET, k=chance.randint(0, 40))
            )
            for _ in range(chance.randint(1, 4))
        }
        body = urlencode(fields).encode()
        assert form_fields(body) == _expected(body) == fields


def test_a_body_that_is_not_slacks_encoding_still_decodes_as_urllib_would() -> None:
    odd = [
        b"payload=%7B%22a%22%3A1%7D&x=%",  # a stray % at the end
        b"text=100%25+sure&t=%zz",  # an escape that is not hex
        b"text=back\\slash",  # a raw backslash
        b"text=%C3%A5%FF",  # bytes that are not UTF-8
        "text=r\u00e5".encode(),  # a raw non-ASCII character
        b"a=1&a=2&&b=",  # repeated, empty and blank fields
        b"",
    ]
    for body in odd:
        assert form_fields(body) == _expected(body), body
