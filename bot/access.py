"""Who may do what: every permission check, with a refusal that reveals nothing.

A refusal may say which *role* may do something (public knowledge), but never names what
the caller may not see: no pitch, pilot, meeting, organisation, channel or person of the
thing they tried to reach. A click or submission that carries ids the caller has no part in
gets :func:`refused`, the same words whatever the ids point at (or whether they exist).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from bot.programme import BUSINESS_ROLES, TECHNICAL_ROLES, Caller, Member, Organisation, Role


@dataclass(frozen=True)
class Decision:
    """The answer to "may this caller do this?", with the reason when not."""

    allowed: bool
    refusal: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def refusal_text() -> str:
    """The one answer to an action on something the caller has no part in."""
    return _("You can't do this here. If you think you should be able to, ask a programme admin.")


def refused() -> Decision:
    """A refusal that says nothing about what was asked for (or whether it exists)."""
    return Decision(False, refusal_text())


def check(allowed: bool) -> Decision:
    """ALLOWED, or the refusal that reveals nothing."""
    return ALLOWED if allowed else refused()


def admin_only(caller: Caller, action: str) -> Decision:
    """Only programme admins may do ``action``."""
    if caller.is_admin:
        return ALLOWED
    return Decision(False, _("Only programme admins can {action}.").format(action=action))


def may_view_team(caller: Caller, organisation: Organisation) -> Decision:
    """Admins and the organisation's own project group see the group."""
    if caller.is_admin or organisation.id in caller.memberships:
        return ALLOWED
    return Decision(
        False,
        _("Only this organisation's project group and programme admins can see its team."),
    )


def may_manage_team(caller: Caller, organisation: Organisation) -> Decision:
    """Admins and the group's project managers add and remove members."""
    if caller.is_admin or caller.memberships.get(organisation.id) == Role.PROJECT_MANAGER:
        return ALLOWED
    return Decision(
        False,
        _("Only programme admins and this group's project managers can add or remove members."),
    )


@dataclass(frozen=True)
class Competence:
    """Whether a project group holds both business and technical competence."""

    business: bool
    technical: bool

    @property
    def complete(self) -> bool:
        """True when neither kind of competence is missing."""
        return self.business and self.technical

    def gaps(self) -> list[str]:
        """One sentence per missing competence, for the team view and App Home."""
        missing = []
        if not self.business:
            missing.append(
                _(
                    "No business competence yet: add a buyer or a procurement manager, "
                    "so the group can actually buy what it pilots."
                )
            )
        if not self.technical:
            missing.append(
                _(
                    "No technical competence yet: add a product manager or another "
                    "technical role, so the group can judge the solutions."
                )
            )
        return missing


def competence(members: list[Member]) -> Competence:
    """Assess a project group's mix of roles."""
    roles = {member.role for member in members}
    return Competence(
        business=bool(roles & BUSINESS_ROLES), technical=bool(roles & TECHNICAL_ROLES)
    )
