"""App Home: what this person belongs to and what waits for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.access import Competence
from bot.i18n import N_, _
from bot.labels import role_label
from bot.pitches import Pitch
from bot.programme import Caller, Organisation, Role, Startup
from bot.text import channel, date, safe
from bot.views.blocks import VIEW_BLOCKS, Block, context, divider, header, section
from bot.views.delivery import problem_line


@dataclass(frozen=True)
class GroupSummary:
    """One organisation as App Home shows it."""

    organisation: Organisation
    member_count: int
    competence: Competence
    role: Role | None = None
    to_review: int = 0  # pitches waiting for the group's decision


@dataclass(frozen=True)
class HomeData:
    """Everything App Home shows for one person, loaded by the handler."""

    caller: Caller
    groups: list[GroupSummary] = field(default_factory=list)  # the caller's own groups
    startups: list[Startup] = field(default_factory=list)  # the caller's startups
    programme: list[GroupSummary] = field(default_factory=list)  # admins: every organisation
    startup_count: int = 0
    pitches: list[Pitch] = field(default_factory=list)  # the caller's startups' pitches
    open_opportunities: int = 0
    meetings: list[Listed] = field(default_factory=list)  # the caller's coming meetings
    pilots: list[Listed] = field(default_factory=list)  # pilots of the caller's groups/startups
    attention: dict[str, list[Listed]] = field(default_factory=dict)  # admins: what needs help
    undelivered: list[Undelivered] = field(default_factory=list)  # admins: newest first
    undelivered_count: int = 0  # admins: how many could not be delivered in all


@dataclass(frozen=True)
class Undelivered:
    """A message Matchday could not deliver: what it was, where to, and Slack's reason."""

    kind: str
    channel: str
    error: str
    when: datetime | None = None


@dataclass(frozen=True)
class Listed:
    """A line in one of App Home's lists, with an optional moment shown in the reader's zone."""

    text: str
    when: datetime | None = None


ATTENTION_TITLES = {
    "blocked": N_("Blocked pilots"),
    "missed": N_("Pilots with a missed check-in"),
    "closing": N_("Opportunities closing within three days"),
    "unanswered": N_("Meeting proposals nobody has answered"),
}
LIST_LIMIT = 8  # lines per list; App Home must stay inside Slack's 100 blocks


def build_home(data: HomeData) -> dict[str, Any]:
    """The App Home view for this person."""
    caller = data.caller
    blocks: list[Block] = [header(_("Matchday"))]
    if not (caller.is_admin or data.groups or data.startups):
        blocks.append(section(_("Welcome! You are not part of the programme yet.")))
        blocks.append(
            section(
                _(
                    "*What to do first:* apply with `/matchday join`, as a startup or to "
                    "join your organisation's project group; a programme admin will answer. "
                    "Meanwhile `/matchday help` shows what you can do."
                )
            )
        )
        return _home(blocks)
    if caller.is_admin:
        blocks.extend(_admin_blocks(data))
    if data.groups:
        blocks.append(divider())
        blocks.append(section(_("*Your project groups*")))
        for group in data.groups:
            role = role_label(group.role) if group.role else ""
            blocks.append(
                section(
                    _("*{name}* — you are {role}. Channel: {channel}").format(
                        name=safe(group.organisation.name, 200),
                        role=role.lower(),
                        channel=channel(group.organisation.channel_id),
                    )
                )
            )
            if group.to_review:
                blocks.append(
                    context(
                        _(":inbox_tray: {count} pitches wait for your group's review.").format(
                            count=group.to_review
                        )
                    )
                )
            blocks.extend(_gap_blocks(group))
    if data.meetings:
        blocks.append(divider())
        blocks.append(section(_("*Your coming meetings*") + "\n" + _lines(data.meetings)))
    if data.pilots:
        blocks.append(divider())
        blocks.append(
            section(
                _("*Pilots* (next check-in)") + "\n" + _lines(data.pilots, "{date_short} {time}")
            )
        )
    if data.startups:
        blocks.append(divider())
        blocks.append(section(_("*Your startups*")))
        for startup in data.startups:
            blocks.append(
                section(
                    f"*{safe(startup.name, 200)}* — {safe(startup.description, 300)}\n"
                    f"{safe(startup.website, 500)}"
                )
            )
        blocks.append(context(_("Published opportunities you can pitch for will show up here.")))
    return _home(blocks)


def _admin_blocks(data: HomeData) -> list[Block]:
    blocks: list[Block] = [
        section(
            _("*Programme at a glance:* {orgs} organisations, {startups} startups.").format(
                orgs=len(data.programme), startups=data.startup_count
            )
        )
    ]
    if not data.programme:
        blocks.append(
            section(
                _(
                    "*What to do first:* in an organisation's project-group channel, run "
                    "`/matchday setup` to link it; then add its members with `/matchday team`."
                )
            )
        )
    if data.startup_count == 0:
        blocks.append(context(_("Register startups with `/matchday startup`.")))
    blocks.extend(_attention_blocks(data))
    blocks.extend(_undelivered_blocks(data))
    attention = [group for group in data.programme if not group.competence.complete]
    if attention:
        blocks.append(section(_("*Needs attention*")))
        for group in attention[:30]:
            blocks.append(
                section(
                    _("*{name}* ({channel}): {count} members").format(
                        name=safe(group.organisation.name, 200),
                        channel=channel(group.organisation.channel_id),
                        count=group.member_count,
                    )
                )
            )
            blocks.extend(_gap_blocks(group))
        if len(attention) > 30:
            blocks.append(context(_("…and {count} more.").format(count=len(attention) - 30)))
    return blocks


def _lines(items: list[Listed], layout: str = "{date_short_pretty} {time}") -> str:
    shown = []
    for item in items[:LIST_LIMIT]:
        line = "• " + safe(item.text, 300)
        if item.when is not None:
            line += " — " + date(int(item.when.timestamp()), item.when.isoformat(), layout)
        shown.append(line)
    if len(items) > LIST_LIMIT:
        shown.append(_("…and {count} more.").format(count=len(items) - LIST_LIMIT))
    return "\n".join(shown)


def _attention_blocks(data: HomeData) -> list[Block]:
    blocks: list[Block] = []
    for key, title in ATTENTION_TITLES.items():
        items = data.attention.get(key, [])
        if items:
            blocks.append(section(f"*{_(title)}*\n{_lines(items)}"))
    return blocks


def _undelivered_blocks(data: HomeData) -> list[Block]:
    """The admins' list of messages that could not be delivered, newest first."""
    if not data.undelivered:
        return []
    shown = data.undelivered[:LIST_LIMIT]
    lines = []
    for item in shown:
        line = "• " + problem_line(item.kind, item.channel, item.error)
        if item.when is not None:
            line += " — " + date(int(item.when.timestamp()), item.when.isoformat())
        lines.append(line)
    more = max(data.undelivered_count, len(data.undelivered)) - len(shown)
    if more > 0:
        lines.append(_("…and {count} more.").format(count=more))
    title = _("Messages Matchday could not deliver")
    return [section(f"*{title}*\n" + "\n".join(lines))]


def _gap_blocks(group: GroupSummary) -> list[Block]:
    gaps = group.competence.gaps()
    return [context(*(":warning: " + gap for gap in gaps))] if gaps else []


def _home(blocks: list[Block]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}
