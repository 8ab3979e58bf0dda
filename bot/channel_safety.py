"""Who may read where: whether confidential content may be posted in a channel.

Pure rules over facts Slack gave (``conversations.info`` and ``conversations.members``):
a channel is fit for confidential content only when it is private, shared with nobody
outside the workspace or organisation, and every member is in the project group or a
programme admin. Anything Slack could not say counts against posting (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.access import ALLOWED, Decision, refused
from bot.i18n import N_, _
from bot.pitches import Pitch, may_see
from bot.programme import Caller


class Confidentiality(StrEnum):
    """Who may read a piece of content."""

    OPEN = "open"  # anyone in the workspace (opportunity cards, notices)
    CONFIDENTIAL = "confidential"  # the project group and admins only (pitch content)


class Problem(StrEnum):
    """Why a channel is not fit for confidential content."""

    UNKNOWN = "unknown"  # Slack would not say: fail closed
    PUBLIC = "public"
    SHARED = "shared"  # Slack Connect or another workspace of an Enterprise org
    OUTSIDERS = "outsiders"  # members who are neither in the group nor admins


# What the group reads on a redacted card, by problem (the reader's language at send time).
EXPLANATIONS = {
    Problem.UNKNOWN: N_("Slack could not tell me who can read this channel right now."),
    Problem.PUBLIC: N_("This channel is public: anyone in the workspace can read it."),
    Problem.SHARED: N_("This channel is shared with people outside the organisation."),
    Problem.OUTSIDERS: N_("Someone in this channel is not in the project group."),
}


@dataclass(frozen=True)
class ChannelFacts:
    """What Slack said about a channel; ``known`` is False when it would not say."""

    channel_id: str
    known: bool
    is_private: bool = False
    is_shared: bool = False
    is_ext_shared: bool = False
    is_org_shared: bool = False
    # None: membership was not looked at (or Slack would not list it).
    outsiders: frozenset[str] | None = frozenset()
    error: str = ""

    @property
    def shared(self) -> bool:
        """Shared beyond this workspace in any way Slack reports."""
        return self.is_shared or self.is_ext_shared or self.is_org_shared

    @property
    def state(self) -> str:
        """The channel's privacy in one word, as it is recorded: safe, public, shared, unknown."""
        if not self.known:
            return Problem.UNKNOWN.value
        if self.shared:
            return Problem.SHARED.value
        if not self.is_private:
            return Problem.PUBLIC.value
        return "safe"


def unknown(channel_id: str, error: str) -> ChannelFacts:
    """The facts when Slack would not answer."""
    return ChannelFacts(channel_id, known=False, outsiders=None, error=error)


def facts_from(
    channel_id: str, info: dict[str, Any], outsiders: frozenset[str] | None
) -> ChannelFacts:
    """Facts from a ``conversations.info`` channel object (and the outsiders found)."""
    return ChannelFacts(
        channel_id,
        known=True,
        is_private=bool(info.get("is_private")),
        is_shared=bool(info.get("is_shared")),
        is_ext_shared=bool(info.get("is_ext_shared")),
        is_org_shared=bool(info.get("is_org_shared")),
        outsiders=outsiders,
    )


def outsiders_among(
    members: Iterable[str], group: Iterable[str], admins: Iterable[str], bots: Iterable[str]
) -> frozenset[str]:
    """Channel members who may not read the group's confidential content."""
    allowed = set(group) | set(admins) | set(bots)
    return frozenset(member for member in members if member not in allowed)


@dataclass(frozen=True)
class PostDecision:
    """Whether content may go to a channel, with every reason it may not."""

    allowed: bool
    problems: tuple[Problem, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    def explanations(self) -> list[str]:
        """One sentence per problem, in the current language."""
        return [_(EXPLANATIONS[problem]) for problem in self.problems]


def may_post(confidentiality: Confidentiality, facts: ChannelFacts) -> PostDecision:
    """May content of this confidentiality be posted where ``facts`` describe?"""
    if confidentiality is Confidentiality.OPEN:
        return PostDecision(True)
    if not facts.known:
        return PostDecision(False, (Problem.UNKNOWN,))
    problems: list[Problem] = []
    if not facts.is_private:
        problems.append(Problem.PUBLIC)
    if facts.shared:
        problems.append(Problem.SHARED)
    if facts.outsiders is None:
        problems.append(Problem.UNKNOWN)
    elif facts.outsiders:
        problems.append(Problem.OUTSIDERS)
    return PostDecision(not problems, tuple(problems))


def may_link(facts: ChannelFacts) -> Decision:
    """May this channel become a project group's channel? (Membership is settled later.)"""
    if not facts.known:
        return Decision(
            False,
            _(
                "I could not check who can read this channel, so I cannot link it yet. "
                "Make sure I am a member (`/invite @Matchday`) and try `/matchday setup` again."
            ),
        )
    if facts.shared:
        return Decision(
            False,
            _(
                "This channel is shared with another organisation, so people outside your "
                "organisation could read the startups' confidential pitches here. Create a "
                "private channel that is not shared, invite the project group and "
                "`/invite @Matchday`, then run `/matchday setup` there."
            ),
        )
    if not facts.is_private:
        return Decision(
            False,
            _(
                "This channel is public, so anyone in the workspace could read the startups' "
                "confidential pitches here. Create a private channel, invite the project group "
                "and `/invite @Matchday`, then run `/matchday setup` there."
            ),
        )
    return ALLOWED


def may_open_pitch(caller: Caller, pitch: Pitch | None) -> Decision:
    """The project group, admins and the startup's representatives open a pitch.

    The refusal names nothing: not the pitch, the startup, nor whether it exists.
    """
    if pitch is not None and may_see(caller, pitch):
        return ALLOWED
    return refused()
