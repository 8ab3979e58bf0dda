"""Swedish organisation numbers (organisationsnummer), checked by their Luhn digit."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"^(?:16)?(\d{6})-?(\d{4})$")


def luhn_ok(digits: str) -> bool:
    """True when the last digit is the Luhn check digit of the others."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise(raw: str) -> str | None:
    """Return the number as NNNNNN-NNNN, or None if it is not a valid organisation number.

    Accepts ten digits with or without the hyphen, and the twelve-digit form starting 16.
    """
    match = _FORMAT.match(raw.strip().replace(" ", ""))
    if not match:
        return None
    digits = match.group(1) + match.group(2)
    if not luhn_ok(digits):
        return None
    return f"{digits[:6]}-{digits[6:]}"
