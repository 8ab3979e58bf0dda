"""SQLAlchemy models: the schema Alembic migrates and the repositories query."""

from storage.models.assessment import (
    AnswerRow,
    AssessmentRow,
    FocusAreaRow,
    OpportunityRow,
    OutsiderNoticeRow,
    ProcessedEventRow,
)
from storage.models.base import Base, utcnow
from storage.models.pitches import (
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    ProfileRevisionRow,
)
from storage.models.programme import (
    Admin,
    AuditEntry,
    MemberRow,
    OrganisationRow,
    RepresentativeRow,
    StartupRow,
)

__all__ = [
    "Admin",
    "AnswerRow",
    "AssessmentRow",
    "AuditEntry",
    "Base",
    "FocusAreaRow",
    "MemberRow",
    "OpportunityRow",
    "OrganisationRow",
    "OutsiderNoticeRow",
    "PitchDecisionRow",
    "PitchQuestionRow",
    "PitchRow",
    "ProcessedEventRow",
    "ProfileRevisionRow",
    "RepresentativeRow",
    "StartupRow",
    "utcnow",
]
