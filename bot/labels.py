"""Human names for the programme's enums, through the message catalogue."""

from __future__ import annotations

from bot.i18n import _
from bot.programme import OrganisationKind, Role


def role_label(role: Role) -> str:
    """A project-group role as people say it."""
    return {
        Role.BUYER: _("Buyer"),
        Role.PROCUREMENT_MANAGER: _("Procurement manager"),
        Role.PROJECT_MANAGER: _("Project manager"),
        Role.PRODUCT_MANAGER: _("Product manager"),
        Role.OTHER: _("Other"),
    }[role]


def kind_label(kind: OrganisationKind) -> str:
    """A kind of public organisation as people say it."""
    return {
        OrganisationKind.MUNICIPALITY: _("Municipality"),
        OrganisationKind.REGION: _("Region"),
        OrganisationKind.AGENCY: _("Government agency"),
        OrganisationKind.STATE_OWNED: _("State-owned company"),
        OrganisationKind.OTHER: _("Other public organisation"),
    }[kind]
