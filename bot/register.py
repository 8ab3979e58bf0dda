"""The registrar's export: the documents an organisation received through Matchday.

Under Sweden's principle of public access, what a public organisation receives is usually
an official document ("allmän handling") the moment it arrives, and its registrar records
it. Matchday hands the registrar one entry per document: a stable id that never changes
between exports, the date received, the sender (the startup and its organisation number),
a subject, the opportunity, and the startup's trade-secret marking. The entries carry no
pitch text and no person: the registrar asks the project group for the document itself.

An edited pitch is a new document (a supplement, "komplettering") received when it was
edited, with an id of its own; the first version keeps the pitch's id. So an edit after an
export is new to the registrar, and nothing already exported changes its id.

Everything here is pure: the repositories collect, this module names, filters and renders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.access import ALLOWED, Decision
from bot.i18n import N_, _
from bot.programme import Caller, Role


class DocumentKind(StrEnum):
    """What kind of document an organisation received."""

    PITCH = "pitch"
    PITCH_EDIT = "pitch_edit"
    ANSWER = "answer"
    CHECKIN = "checkin"
    QUESTION = "question"


# Subjects, formatted with the entry's fields; new kinds add a line here.
SUBJECTS: dict[str, str] = {
    DocumentKind.PITCH: N_("Pitch from {sender} for the opportunity {opportunity}"),
    DocumentKind.PITCH_EDIT: N_("Changed pitch from {sender} for the opportunity {opportunity}"),
    DocumentKind.ANSWER: N_(
        "Answer from {sender} to a question from the project group about its pitch for "
        "{opportunity}"
    ),
    DocumentKind.CHECKIN: N_("Check-in {number} of the pilot {pilot} from {sender}"),
    DocumentKind.QUESTION: N_("Question from {sender} about the opportunity {opportunity}"),
}
SECTIONS: dict[str, str] = {
    "solution": N_("Solution"),
    "fit": N_("How it meets the challenge"),
    "references": N_("References"),
    "pilot": N_("Pilot"),
    "link": N_("Link"),
}


def pitch_id(pitch: int) -> str:
    """The document id of a pitch as first sent."""
    return f"MD-PITCH-{pitch}"


def pitch_edit_id(pitch: int, decision: int) -> str:
    """The document id of one edit of a pitch (its "edited" decision's id)."""
    return f"MD-PITCH-{pitch}-EDIT-{decision}"


def answer_id(question: int) -> str:
    """The document id of a startup's answer to a project group's question."""
    return f"MD-ANSWER-{question}"


def question_id(question: int) -> str:
    """The document id of a question a startup asked about an opportunity."""
    return f"MD-QUESTION-{question}"


def checkin_id(checkin: int) -> str:
    """The document id of a check-in answered by the startup's side of a pilot."""
    return f"MD-CHECKIN-{checkin}"


@dataclass(frozen=True)
class Document:
    """One document received, as its register entry (no content, no person)."""

    id: str
    kind: str
    received_at: datetime
    sender: str
    sender_org_number: str
    opportunity: str
    secret_sections: tuple[str, ...] = ()
    secret_reason: str = ""
    # What the subject names besides sender and opportunity (a pilot's title, a number).
    details: dict[str, str] = field(default_factory=dict)

    def subject(self) -> str:
        """The subject in the reader's language."""
        template = SUBJECTS.get(self.kind, N_("Document from {sender}"))
        values = {**self.details, "sender": self.sender, "opportunity": self.opportunity}
        try:
            return _(template).format(**values)
        except (KeyError, IndexError):
            return _(template)

    def marking(self) -> str:
        """The trade-secret marking in words, or empty when nothing is marked."""
        if not self.secret_sections and not self.secret_reason:
            return ""
        names = ", ".join(_(SECTIONS.get(name, name)) for name in self.secret_sections)
        text = _("Marked as trade secret: {sections}.").format(sections=names or "-")
        if self.secret_reason:
            text += " " + _("Reason given: {reason}").format(reason=self.secret_reason)
        return text

    def snapshot(self) -> dict[str, Any]:
        """The entry as stored with its export (JSON-safe)."""
        stored = asdict(self)
        stored["received_at"] = self.received_at.isoformat()
        stored["secret_sections"] = list(self.secret_sections)
        return stored

    @classmethod
    def from_snapshot(cls, stored: dict[str, Any]) -> Document:
        """The entry as it was exported."""
        return cls(
            id=str(stored["id"]),
            kind=str(stored["kind"]),
            received_at=datetime.fromisoformat(str(stored["received_at"])),
            sender=str(stored.get("sender", "")),
            sender_org_number=str(stored.get("sender_org_number", "")),
            opportunity=str(stored.get("opportunity", "")),
            secret_sections=tuple(str(s) for s in stored.get("secret_sections") or ()),
            secret_reason=str(stored.get("secret_reason", "")),
            details={str(k): str(v) for k, v in (stored.get("details") or {}).items()},
        )


def in_order(documents: Iterable[Document]) -> list[Document]:
    """Documents as the register lists them: oldest first, ties by id."""
    return sorted(documents, key=lambda d: (d.received_at, d.id))


def not_yet_exported(documents: Iterable[Document], exported: set[str]) -> list[Document]:
    """The documents whose id no earlier export to this organisation carried."""
    return in_order(d for d in documents if d.id not in exported)


def table(documents: Sequence[Document]) -> tuple[list[str], list[list[str]]]:
    """The CSV's header and rows in the reader's language (csv_safe neutralises cells)."""
    header = [
        _("Document id"),
        _("Date received"),
        _("Sender"),
        _("Organisation number"),
        _("Subject"),
        _("Opportunity"),
        _("Secrecy marking"),
    ]
    rows = [
        [
            d.id,
            d.received_at.isoformat(),
            d.sender,
            d.sender_org_number,
            d.subject(),
            d.opportunity,
            d.marking(),
        ]
        for d in documents
    ]
    return header, rows


def json_text(organisation: str, exported_at: datetime, documents: Sequence[Document]) -> str:
    """The JSON file: the same entries, with the marking as data too."""
    return json.dumps(
        {
            "organisation": organisation,
            "exported_at": exported_at.isoformat(),
            "documents": [
                {
                    "id": d.id,
                    "kind": d.kind,
                    "received_at": d.received_at.isoformat(),
                    "sender": d.sender,
                    "sender_org_number": d.sender_org_number,
                    "subject": d.subject(),
                    "opportunity": d.opportunity,
                    "secrecy": {
                        "sections": list(d.secret_sections),
                        "reason": d.secret_reason,
                    },
                }
                for d in documents
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


@dataclass(frozen=True)
class RegisterRequest:
    """`/matchday export register [organisation] [all]`, parsed."""

    organisation: str
    everything: bool


def parse_request(args: str) -> RegisterRequest:
    """The organisation named (may be empty) and whether `all` was asked for."""
    words = args.split()
    everything = bool(words) and words[-1].casefold() == "all"
    if everything:
        words = words[:-1]
    return RegisterRequest(" ".join(words), everything)


def may_export(caller: Caller, organisation_id: int) -> Decision:
    """The organisation's project managers and programme admins export its register."""
    if caller.is_admin or caller.memberships.get(organisation_id) == Role.PROJECT_MANAGER:
        return ALLOWED
    return Decision(
        False,
        _(
            "Only the organisation's project managers and programme admins can export "
            "its documents for the registrar."
        ),
    )


def managed(caller: Caller) -> list[int]:
    """The organisations whose project manager the caller is."""
    return sorted(o for o, role in caller.memberships.items() if role == Role.PROJECT_MANAGER)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def closed_long_enough(deadline: date, today: date, months: int) -> bool:
    """True when an opportunity with this deadline closed more than ``months`` ago.

    The deadline is the last day to pitch: it closed when that day ended.
    """
    return add_months(deadline, months) < today
