"""What kind of Slack account a person has, and what Matchday can do with each kind.

Startups are other companies: many of their people are not full members of the programme's
workspace. ``users.info`` says which kind of account someone has:

| kind | marked by | /matchday | App Home, DMs | buttons, modals |
|---|---|---|---|---|
| member | none of these | yes | yes | yes |
| multi-channel guest | ``is_restricted`` | if the owners allow it | yes | in their channels |
| single-channel guest | ``is_ultra_restricted`` | no | no | in their one channel |
| external (Slack Connect) | ``is_stranger``; other ``team_id`` | no | no | in shared channels |

Sources (Slack's documentation): "Manage app settings and permissions" (help article
1500009181142: multi-channel guests may use apps' slash commands and shortcuts only when the
workspace owners allow it), "Understand guest roles in Slack" (202518103: a single-channel
guest reaches one channel only), "Understanding Slack Connect" (docs.slack.dev/apis/
slack-connect: external people use apps in shared channels; their user objects come from
another team). A button on a message a person can see always reaches the app with a
trigger that opens a modal, whatever their kind; that is the path every kind has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.i18n import _


class PersonKind(StrEnum):
    """The kind of Slack account behind a user id."""

    MEMBER = "member"
    MULTI_CHANNEL_GUEST = "multi_channel_guest"
    SINGLE_CHANNEL_GUEST = "single_channel_guest"
    EXTERNAL = "external"
    UNKNOWN = "unknown"  # Slack would not say (for example user_not_found for an outsider)


def classify(user: Mapping[str, Any] | None, home_team: str | None) -> PersonKind:
    """The kind of account a ``users.info`` user object describes.

    ``home_team`` is the team the app is installed in. In an Enterprise Grid organisation a
    member of a sibling workspace has another ``team_id`` but lists the home team among
    ``enterprise_user.teams``; that person is a member, not external.
    """
    if not user:
        return PersonKind.UNKNOWN
    if user.get("is_stranger"):
        return PersonKind.EXTERNAL
    team = user.get("team_id")
    if home_team and isinstance(team, str) and team and team != home_team:
        enterprise = user.get("enterprise_user") or {}
        teams = enterprise.get("teams") if isinstance(enterprise, Mapping) else None
        if not (isinstance(teams, list) and home_team in teams):
            return PersonKind.EXTERNAL
    if user.get("is_ultra_restricted"):
        return PersonKind.SINGLE_CHANNEL_GUEST
    if user.get("is_restricted"):
        return PersonKind.MULTI_CHANNEL_GUEST
    return PersonKind.MEMBER


@dataclass(frozen=True)
class Reach:
    """Which of Slack's surfaces reach a person of one kind."""

    slash_command: bool  # /matchday is delivered (for guests: only if the owners allow it)
    app_home: bool  # the Home tab and the app's Messages tab
    direct_messages: bool  # Matchday's DMs arrive
    buttons: bool  # buttons on messages they can see, and the modals those open

    @property
    def limited(self) -> bool:
        """True when the person misses a surface a full member has."""
        return not (self.slash_command and self.app_home and self.direct_messages)


REACH: dict[PersonKind, Reach] = {
    PersonKind.MEMBER: Reach(True, True, True, True),
    # The owners' setting decides commands; DMs and App Home work for guests with channels.
    PersonKind.MULTI_CHANNEL_GUEST: Reach(False, True, True, True),
    PersonKind.SINGLE_CHANNEL_GUEST: Reach(False, False, False, True),
    PersonKind.EXTERNAL: Reach(False, False, False, True),
    PersonKind.UNKNOWN: Reach(False, False, False, True),
}


def reach(kind: PersonKind) -> Reach:
    """What reaches a person of this kind (assume the least when unsure)."""
    return REACH[kind]


def advice_for_person(kind: PersonKind) -> str:
    """What works for this person, in their words; empty for a full member."""
    if kind is PersonKind.MEMBER:
        return ""
    if kind is PersonKind.MULTI_CHANNEL_GUEST:
        return _(
            "You are a guest in this workspace, so `/matchday` may not work for you. "
            "Everything a startup does works from the buttons: *Pitch* on an opportunity, "
            "*My Matchday* for your profile, pitches, meetings and pilots, and the buttons "
            "on check-ins and meeting proposals."
        )
    if kind is PersonKind.SINGLE_CHANNEL_GUEST:
        return _(
            "You are a single-channel guest: you see one channel, and Matchday cannot send "
            "you direct messages. Use the buttons here (*Pitch*, *My Matchday*). To take part "
            "in meetings and pilots, ask a programme admin to make you a multi-channel guest."
        )
    return _(
        "You are in this channel from your own organisation's Slack (Slack Connect), so "
        "`/matchday`, the Home tab and Matchday's direct messages do not reach you. Use the "
        "buttons here: *Pitch* on an opportunity, and *My Matchday* for your profile, "
        "pitches, meetings and pilots. Meeting proposals and check-ins you take part in are "
        "posted where you can see them only if a programme admin adds you to those channels."
    )


def advice_for_programme(kind: PersonKind) -> str:
    """What the programme must do for a startup representative of this kind."""
    if kind is PersonKind.MEMBER:
        return ""
    if kind is PersonKind.MULTI_CHANNEL_GUEST:
        return _(
            "Multi-channel guest: add them to the opportunities channel and to their pilots' "
            "channels. For `/matchday` to work for them, a workspace owner must allow "
            "multi-channel guests to use apps' slash commands."
        )
    if kind is PersonKind.SINGLE_CHANNEL_GUEST:
        return _(
            "Single-channel guest: they see one channel only and get no direct messages from "
            "Matchday. Make them a multi-channel guest (or a member) and add them to the "
            "opportunities channel and their pilots' channels."
        )
    if kind is PersonKind.EXTERNAL:
        return _(
            "From another organisation (Slack Connect): no `/matchday`, Home tab or direct "
            "messages. Share the opportunities channel with their organisation and use "
            "buttons; or invite them as a multi-channel guest for the full experience."
        )
    return _(
        "Slack would not tell Matchday who this is (perhaps from another organisation). "
        "Check that they are in the opportunities channel."
    )
