"""The programme's people and organisations as plain typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OrganisationKind(StrEnum):
    """What kind of public organisation runs a project group."""

    MUNICIPALITY = "municipality"
    REGION = "region"
    AGENCY = "agency"
    STATE_OWNED = "state_owned"
    OTHER = "other"


class Role(StrEnum):
    """A project-group member's role."""

    BUYER = "buyer"
    PROCUREMENT_MANAGER = "procurement_manager"
    PROJECT_MANAGER = "project_manager"
    PRODUCT_MANAGER = "product_manager"
    OTHER = "other"


BUSINESS_ROLES = frozenset({Role.BUYER, Role.PROCUREMENT_MANAGER})
TECHNICAL_ROLES = frozenset({Role.PRODUCT_MANAGER, Role.OTHER})


@dataclass(frozen=True)
class Organisation:
    """A public organisation linked to its project group's channel."""

    id: int
    name: str
    kind: OrganisationKind
    channel_id: str
    opportunities_channel_id: str
    timezone: str


@dataclass(frozen=True)
class Member:
    """A person in an organisation's project group."""

    organisation_id: int
    user_id: str
    role: Role


@dataclass(frozen=True)
class Startup:
    """A startup registered in the programme."""

    id: int
    name: str
    org_number: str
    website: str
    sector: str
    description: str
    representatives: tuple[str, ...] = ()
    stage: str = ""
    about: str = ""
    contacts: str = ""


@dataclass(frozen=True)
class Caller:
    """Who is asking: the facts every permission check needs."""

    user_id: str
    is_admin: bool = False
    # organisation id -> role in that organisation's project group
    memberships: dict[int, Role] = field(default_factory=dict)
    startup_ids: frozenset[int] = frozenset()

    @property
    def is_member(self) -> bool:
        """True when the caller belongs to at least one project group."""
        return bool(self.memberships)

    @property
    def is_startup(self) -> bool:
        """True when the caller represents at least one startup."""
        return bool(self.startup_ids)
