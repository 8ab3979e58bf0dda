"""The /matchday subcommands: names, help lines and who sees them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n import N_, _
from bot.programme import Caller, Role


@dataclass(frozen=True)
class Subcommand:
    """One /matchday subcommand as listed in the help."""

    name: str
    usage: str
    summary: str
    audience: Callable[[Caller], bool]
    who: str  # who may use it, for the refusal
    # A fuller usage and summary for callers who may do more with it (first that applies).
    more: tuple[tuple[Callable[[Caller], bool], str, str], ...] = ()

    def refusal(self) -> str:
        """The answer to someone who may not use this subcommand."""
        return _("Only {who} can use `/matchday {name}`.").format(who=_(self.who), name=self.name)

    def help_line(self, caller: Caller) -> str:
        """The line /matchday help shows this caller: only what they may do with it."""
        usage, summary = self.usage, self.summary
        for applies, fuller_usage, fuller_summary in self.more:
            if applies(caller):
                usage, summary = fuller_usage, fuller_summary
                break
        return f"`/matchday {usage}` — {_(summary)}"


def _everyone(_caller: Caller) -> bool:
    return True


def _admins(caller: Caller) -> bool:
    return caller.is_admin


def _groups(caller: Caller) -> bool:
    return caller.is_admin or caller.is_member


def _startups(caller: Caller) -> bool:
    return caller.is_startup


def _pitch_readers(caller: Caller) -> bool:
    return caller.is_admin or caller.is_member or caller.is_startup


def _pilot_people(caller: Caller) -> bool:
    return caller.is_admin or caller.is_member or caller.is_startup


def _newcomers(caller: Caller) -> bool:
    return not (caller.is_admin or caller.is_member)


def _organisation_language_setters(caller: Caller) -> bool:
    return caller.is_admin or Role.PROJECT_MANAGER in caller.memberships.values()


def _history_readers(caller: Caller) -> bool:
    return caller.is_admin or Role.PROJECT_MANAGER in caller.memberships.values()


ADMINS = N_("programme admins")
GROUPS = N_("project-group members and programme admins")

SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("help", "help", N_("list what you can do"), _everyone, N_("everyone")),
    Subcommand(
        "join",
        "join [startup|group]",
        N_("apply to join the programme as a startup, or ask to join a project group"),
        _newcomers,
        N_("people who are not yet in a project group"),
    ),
    Subcommand(
        "setup",
        "setup",
        N_("link this channel to an organisation and name its opportunities channel"),
        _admins,
        ADMINS,
    ),
    Subcommand(
        "team",
        "team",
        N_("show this organisation's project group; add or remove members"),
        _groups,
        GROUPS,
    ),
    Subcommand(
        "areas",
        "areas",
        N_("list this organisation's focus areas and their progress; add or archive one"),
        _groups,
        GROUPS,
    ),
    Subcommand(
        "assess",
        "assess [area]",
        N_("start or resume the needs assessment of a focus area, in a thread"),
        _groups,
        GROUPS,
    ),
    Subcommand(
        "opportunities",
        "opportunities",
        N_("list the open opportunities you can pitch for"),
        _everyone,
        N_("everyone"),
    ),
    Subcommand(
        "pitches",
        "pitches [opportunity]",
        N_("pitches to this organisation's opportunities, or your own pitches"),
        _pitch_readers,
        N_("project groups, startups and programme admins"),
    ),
    Subcommand(
        "questions",
        "questions",
        N_("startups' questions about your organisations' opportunities: open, answered, closed"),
        _groups,
        GROUPS,
    ),
    Subcommand(
        "meet",
        "meet",
        N_("propose a meeting to a shortlisted startup"),
        _groups,
        GROUPS,
    ),
    Subcommand(
        "matchdays",
        "matchdays",
        N_("upcoming matchdays, with your own meetings on each"),
        _everyone,
        N_("everyone"),
    ),
    Subcommand(
        "resources",
        "resources",
        N_("the programme's templates and checklists for each stage"),
        _everyone,
        N_("everyone"),
    ),
    Subcommand(
        "profile",
        "profile",
        N_("keep your startup's company profile"),
        _startups,
        N_("startup representatives"),
    ),
    Subcommand(
        "pilot",
        "pilot",
        N_("this channel's pilot: its status and check-ins"),
        _pilot_people,
        N_("project groups, startup representatives and programme admins"),
        more=(
            (
                _groups,
                "pilot [new]",
                N_(
                    "this channel's pilot: status, check-ins, pause, resume, complete; or start one"
                ),
            ),
        ),
    ),
    Subcommand(
        "startup", "startup", N_("register a startup and its representatives"), _admins, ADMINS
    ),
    Subcommand(
        "matchday",
        "matchday [new]",
        N_("define a matchday, or plan and publish the newest one"),
        _admins,
        ADMINS,
    ),
    Subcommand(
        "exchange",
        "exchange [new]",
        N_("experience exchanges on the showcase, with seats taken; or announce a new one"),
        _admins,
        ADMINS,
    ),
    Subcommand(
        "report",
        "report [period]",
        N_("the programme's funnel and follow-up rate, with a chart"),
        _groups,
        GROUPS,
    ),
    Subcommand(
        "export",
        "export opportunities|pitches|meetings|pilots",
        N_("a CSV file of what you may see, sent to you only"),
        _pitch_readers,
        N_("project groups, startups and programme admins"),
        more=(
            (
                _organisation_language_setters,  # admins and project managers
                "export opportunities|pitches|meetings|pilots"
                " | export register [organisation] [all]",
                N_(
                    "a CSV file of what you may see, sent to you only; or, for the registrar, "
                    "the documents your organisation received (new since the last export, or all)"
                ),
            ),
        ),
    ),
    Subcommand(
        "history",
        "history [opportunity]",
        N_("an opportunity's full history: pitches, decisions, questions; also as a CSV file"),
        _history_readers,
        N_("programme admins and project managers"),
    ),
    Subcommand(
        "admins",
        "admins [add|remove @person]",
        N_("list, add or remove programme admins"),
        _admins,
        ADMINS,
    ),
    Subcommand(
        "language",
        "language [sv|en|auto]",
        N_("choose Swedish or English (svenska eller engelska)"),
        _everyone,
        N_("everyone"),
        more=(
            (
                _organisation_language_setters,
                "language [sv|en|auto] | language organisation sv|en",
                N_(
                    "choose Swedish or English (svenska eller engelska) for yourself, or in a "
                    "project group's channel for the whole organisation"
                ),
            ),
        ),
    ),
    Subcommand(
        "privacy",
        "privacy",
        N_("see what Matchday holds about you, or ask to be erased"),
        _everyone,
        N_("everyone"),
        more=(
            (
                _admins,
                "privacy [e-mail address]",
                N_(
                    "see what Matchday holds about you, or ask to be erased; with an address, "
                    "the data of someone outside Slack (showcase registrations)"
                ),
            ),
        ),
    ),
    Subcommand(
        "welcome",
        "welcome",
        N_(
            "post the startups' welcome (Join, My Matchday) in the opportunities channels, "
            "for guests and people from other organisations"
        ),
        _admins,
        ADMINS,
    ),
)

BY_NAME = {subcommand.name: subcommand for subcommand in SUBCOMMANDS}


def parse(text: str) -> tuple[str, str]:
    """Split "/matchday <name> <rest>" text into the subcommand name and the rest."""
    name, _sep, rest = text.strip().partition(" ")
    return name.lower(), rest.strip()


def available_to(caller: Caller) -> list[Subcommand]:
    """The subcommands this caller may use, in help order."""
    return [subcommand for subcommand in SUBCOMMANDS if subcommand.audience(caller)]
