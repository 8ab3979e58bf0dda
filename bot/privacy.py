"""What Matchday holds about a person, and erasing it (GDPR): the pure rules.

A request to be erased moves through a small state machine::

    stateDiagram-v2
        [*] --> pending: the person asks
        pending --> approved: another admin approves (erasure runs)
        pending --> rejected: an admin rejects
        rejected --> [*]: the person may ask again

The erasure replaces the person's Slack user id by a pseudonym that is never mapped back
("erased-3f9a1c"): no table links the two, the request itself keeps only the pseudonym.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ERASED = "[erased]"
ANOTHER_PERSON = "another person"
PSEUDONYM_PREFIX = "erased-"
MIN_NAME = 4  # shorter "names" (initials, "Bo") would erase ordinary words
# A Slack user id as it appears in text: U or W, then capitals and digits with a digit.
SLACK_ID = re.compile(r"(?<![A-Za-z0-9])[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{8,}(?![A-Za-z0-9])")
MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class RequestState(StrEnum):
    """Where a request to be erased stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


MAY_BECOME: dict[RequestState, frozenset[RequestState]] = {
    RequestState.PENDING: frozenset({RequestState.APPROVED, RequestState.REJECTED}),
    RequestState.APPROVED: frozenset(),
    RequestState.REJECTED: frozenset(),
}


def may_become(current: RequestState, new: RequestState) -> bool:
    """Whether a request in ``current`` may move to ``new``."""
    return new in MAY_BECOME[current]


@dataclass(frozen=True)
class Person:
    """Who a request is about: their Slack user id, and the names and addresses Slack knows."""

    user_id: str
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()

    @property
    def findable_names(self) -> tuple[str, ...]:
        """The names long enough to look for in text without erasing ordinary words."""
        return tuple(name for name in self.names if len(name.strip()) >= MIN_NAME)

    def terms(self) -> tuple[str, ...]:
        """Everything to look for in a column: the id, the e-mail addresses, the names."""
        return (self.user_id, *self.emails, *self.findable_names)


def person_from_profile(user_id: str, profile: dict[str, Any]) -> Person:
    """A person from Slack's users.info answer (``user`` object); missing parts stay empty."""
    details = profile.get("profile") or {}
    names = [
        profile.get("real_name"),
        details.get("real_name"),
        details.get("display_name"),
        profile.get("name"),
    ]
    emails = [details.get("email")]
    return Person(
        user_id,
        tuple(dict.fromkeys(str(n).strip() for n in names if isinstance(n, str) and n.strip())),
        tuple(dict.fromkeys(str(e).strip() for e in emails if isinstance(e, str) and e.strip())),
    )


def new_pseudonym(taken: Iterable[str] = ()) -> str:
    """A fresh pseudonym such as "erased-3f9a1c", random, so it can never be turned back."""
    used = set(taken)
    while True:
        candidate = PSEUDONYM_PREFIX + secrets.token_hex(3)
        if candidate not in used:
            return candidate


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


def scrub(text: str, person: Person, pseudonym: str, erased: str = ERASED) -> str:
    """Text with the person taken out: their id and mentions become the pseudonym, their
    e-mail addresses and names become ``erased``."""
    result = re.sub(rf"<@{re.escape(person.user_id)}(?:\|[^>]*)?>", pseudonym, text).replace(
        person.user_id, pseudonym
    )
    for email in person.emails:
        result = re.sub(re.escape(email), erased, result, flags=re.IGNORECASE)
    for name in sorted(person.findable_names, key=len, reverse=True):
        result = _name_pattern(name).sub(erased, result)
    return result


def scrub_value(value: Any, person: Person, pseudonym: str, erased: str = ERASED) -> Any:
    """A value with the person taken out (text, or JSON of any shape, key by key)."""
    if isinstance(value, str):
        return scrub(value, person, pseudonym, erased)
    if isinstance(value, dict):
        return {
            scrub(str(key), person, pseudonym, erased): scrub_value(item, person, pseudonym, erased)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub_value(item, person, pseudonym, erased) for item in value]
    return value


def names_person(value: Any, person: Person) -> bool:
    """Whether a value mentions the person (id, e-mail or name), at any depth."""
    if value is None:
        return False
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if person.user_id in text:
        return True
    lowered = text.lower()
    if any(email.lower() in lowered for email in person.emails):
        return True
    return any(_name_pattern(name).search(text) for name in person.findable_names)


def _others_out(text: str, person: Person) -> str:
    """Text with every other person's mention, id and e-mail address replaced."""

    def mention(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) == person.user_id else ANOTHER_PERSON

    def slack_id(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0) == person.user_id else ANOTHER_PERSON

    def email(match: re.Match[str]) -> str:
        own = {address.lower() for address in person.emails}
        return match.group(0) if match.group(0).lower() in own else ANOTHER_PERSON

    return EMAIL.sub(email, SLACK_ID.sub(slack_id, MENTION.sub(mention, text)))


def only_about(value: Any, person: Person) -> Any:
    """A value as the person's own export shows it: nobody else's id, mention or address."""
    if isinstance(value, str):
        return _others_out(value, person)
    if isinstance(value, dict):
        return {key: only_about(item, person) for key, item in value.items()}
    if isinstance(value, list):
        return [only_about(item, person) for item in value]
    return value


@dataclass
class Plan:
    """What an erasure would do, in rows per table (no personal data in it)."""

    deleted: dict[str, int] = field(default_factory=dict)
    pseudonymised: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    def as_summary(self) -> dict[str, dict[str, int]]:
        """The plan as the request's stored summary."""
        return {
            "deleted": dict(sorted(self.deleted.items())),
            "pseudonymised": dict(sorted(self.pseudonymised.items())),
            "kept": dict(sorted(self.kept.items())),
        }

    @property
    def empty(self) -> bool:
        """True when Matchday holds nothing about the person."""
        return not (self.deleted or self.pseudonymised or self.kept)
