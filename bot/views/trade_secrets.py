"""The trade-secret marking of a pitch: in its form, its receipt, its card and its full view."""

from __future__ import annotations

from bot.i18n import _
from bot.pitches import Pitch
from bot.text import safe
from bot.trade_secrets import (
    REASON_BLOCK,
    REASON_MAX,
    SECTION_LABELS,
    SECTIONS,
    SECTIONS_BLOCK,
    labels,
)
from bot.views.blocks import LABEL, Block, context, option, plain, section, text_input


def public_access_note() -> str:
    """What happens to a pitch sent to a public organisation, in plain words."""
    return _(
        "What you send to a public organisation may become an official document (allmän "
        "handling) that anyone can ask to read. The organisation decides on secrecy when "
        "someone asks. If you mark sections as trade secrets, the marking and your reason "
        "are shown to whoever decides."
    )


def marking_inputs(existing: Pitch | None) -> list[Block]:
    """The form's checkboxes (one per section) and the reason, filled in when editing."""
    options = [option(_(SECTION_LABELS[name]), name) for name in SECTIONS]
    element: dict[str, object] = {"type": "checkboxes", "action_id": "value", "options": options}
    marked = set(existing.secret_sections) if existing else set()
    initial = [item for item in options if item["value"] in marked]
    if initial:
        element["initial_options"] = initial
    boxes: Block = {
        "type": "input",
        "block_id": SECTIONS_BLOCK,
        "optional": True,
        "label": plain(_("Trade secrets in this pitch"), LABEL),
        "element": element,
        "hint": plain(_("Tick the sections you consider trade secrets, if any."), LABEL),
    }
    return [
        context(public_access_note()),
        boxes,
        text_input(
            REASON_BLOCK,
            _("Why these sections are trade secrets"),
            initial=existing.secret_reason if existing else "",
            multiline=True,
            max_length=REASON_MAX,
            optional=True,
            hint=_(
                "Required when you tick a section; at most {limit} characters. "
                "Whoever decides on secrecy reads it."
            ).format(limit=REASON_MAX),
        ),
    ]


def marking_blocks(pitch: Pitch) -> list[Block]:
    """The marking as the project group reads it (nothing when no section is marked)."""
    if not pitch.secret_sections:
        return []
    return [
        section(
            _("*Marked as trade secrets by the startup:* {sections}").format(
                sections=", ".join(labels(pitch.secret_sections))
            )
        ),
        section(_("*Why:* {reason}").format(reason=_reason(pitch))),
    ]


def _reason(pitch: Pitch) -> str:
    """The reason escaped once; REASON_MAX keeps it inside a section, so it is never cut."""
    return safe(pitch.secret_reason, REASON_MAX * len("&amp;"))


def receipt_blocks(pitch: Pitch) -> list[Block]:
    """The receipt's explanation of public access, and the marking the startup made."""
    if pitch.secret_sections:
        marked = _("You marked these sections as trade secrets: {sections}").format(
            sections=", ".join(labels(pitch.secret_sections))
        )
        why = _("*Your reason:* {reason}").format(reason=_reason(pitch))
        return [section(public_access_note()), section(marked), section(why)]
    marking = _(
        "You marked no section as a trade secret. You can edit the pitch until the "
        "deadline to mark some."
    )
    return [section(public_access_note()), section(marking)]
