"""Trade secrets in a pitch: which sections the startup marks, and why.

What a startup sends a public organisation is usually an official document ("allmän
handling") that anyone may ask to read. The organisation decides on secrecy when someone
asks; the startup's marking of its trade secrets ("företagshemligheter") and its reason
are what that decider sees. Matchday records the marking; it never decides on secrecy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.form_text import FieldErrors, typed
from bot.i18n import N_, _

# The pitch's sections a startup can mark (the names of the pitch's fields), in form order.
SECTIONS = ("solution", "fit", "references", "pilot", "link")
SECTION_LABELS = {
    "solution": N_("Solution"),
    "fit": N_("How it meets the challenge"),
    "references": N_("References"),
    "pilot": N_("Pilot"),
    "link": N_("Link"),
}
# Stated in the form: a paragraph a decider reads. Escaped (at most five characters for one)
# it still fits one Block Kit section whole, so it is never cut where it is shown.
REASON_MAX = 500

SECTIONS_BLOCK = "secret_sections"
REASON_BLOCK = "secret_reason"


@dataclass(frozen=True)
class Marking:
    """The sections marked as trade secrets (in form order) and the startup's reason."""

    sections: tuple[str, ...] = ()
    reason: str = ""

    @property
    def marked(self) -> bool:
        """True when at least one section is marked."""
        return bool(self.sections)


def in_order(sections: Iterable[str]) -> tuple[str, ...]:
    """Known section names, once each, in the form's order (unknown names are dropped)."""
    chosen = set(sections)
    return tuple(name for name in SECTIONS if name in chosen)


def labels(sections: Iterable[str]) -> list[str]:
    """The marked sections as people say them, in the form's order."""
    return [_(SECTION_LABELS[name]) for name in in_order(sections)]


def validate_marking(sections: Iterable[str], reason: str | None) -> tuple[Marking, FieldErrors]:
    """Check the marking: a reason is required as soon as one section is ticked."""
    errors: FieldErrors = {}
    given = list(sections)
    chosen = in_order(given)
    if len(chosen) != len(set(given)):
        errors[SECTIONS_BLOCK] = _("Please tick only the sections listed.")
    text = typed(errors, REASON_BLOCK, reason, REASON_MAX, multiline=True)
    if chosen and not text and REASON_BLOCK not in errors:
        errors[REASON_BLOCK] = _(
            "Please say why these sections are trade secrets: whoever decides on secrecy "
            "will read your reason."
        )
    if text and not chosen and SECTIONS_BLOCK not in errors:
        errors[SECTIONS_BLOCK] = _(
            "Tick the sections your reason is about, or leave the reason empty."
        )
    return Marking(chosen, text if chosen else ""), errors


def as_text(sections: Iterable[str]) -> str:
    """The marked section names for a file, e.g. "solution; pilot" (empty when none)."""
    return "; ".join(in_order(sections))
