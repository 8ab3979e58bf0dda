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
from storage.models.channel_safety import ChannelCheckRow, ChannelOutsiderRow
from storage.models.exchanges import ExchangeRow  # noqa: F401 - and its tables, for Alembic
from storage.models.matchdays import MatchdayPartyRow, MatchdayRequestRow, MatchdayRow
from storage.models.meetings import FollowUpRow, MeetingParticipantRow, MeetingRow
from storage.models.membership import (
    ApplicantRow,
    ApplicationCardRow,
    ApplicationRow,
    OrganisationLanguageRow,
    PersonLanguageRow,
    PersonLocaleRow,
    ResourceRow,
)
from storage.models.outbox import (
    HeartbeatRow,
    InboxRow,
    InteractionRow,
    OutboxRow,
    OutboxStatus,
    RunningSpanRow,
)
from storage.models.pilots import CheckinRow, MilestoneRow, PilotPersonRow, PilotRow
from storage.models.pitches import (
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    ProfileRevisionRow,
)
from storage.models.privacy import ErasureRequestRow  # noqa: F401 - for Alembic
from storage.models.programme import (
    Admin,
    AuditEntry,
    MemberRow,
    OrganisationRow,
    RepresentativeRow,
    StartupRow,
)
from storage.models.questions import OpportunityQuestionRow, PitchDraftRow
from storage.models.records import (
    PitchContentRemovalRow,
    RegisterEntryRow,
    RegisterExportRow,
)
from storage.models.sends import ScheduledSendRow

__all__ = [
    "Admin",
    "AnswerRow",
    "ApplicantRow",
    "ApplicationCardRow",
    "ApplicationRow",
    "AssessmentRow",
    "AuditEntry",
    "Base",
    "ChannelCheckRow",
    "ChannelOutsiderRow",
    "CheckinRow",
    "FocusAreaRow",
    "FollowUpRow",
    "HeartbeatRow",
    "InboxRow",
    "InteractionRow",
    "MatchdayPartyRow",
    "MatchdayRequestRow",
    "MatchdayRow",
    "MeetingParticipantRow",
    "MeetingRow",
    "MemberRow",
    "MilestoneRow",
    "OpportunityQuestionRow",
    "OpportunityRow",
    "OrganisationLanguageRow",
    "OrganisationRow",
    "OutboxRow",
    "OutboxStatus",
    "OutsiderNoticeRow",
    "PersonLanguageRow",
    "PersonLocaleRow",
    "PilotPersonRow",
    "PilotRow",
    "PitchContentRemovalRow",
    "PitchDecisionRow",
    "PitchDraftRow",
    "PitchQuestionRow",
    "PitchRow",
    "ProcessedEventRow",
    "ProfileRevisionRow",
    "RegisterEntryRow",
    "RegisterExportRow",
    "RepresentativeRow",
    "ResourceRow",
    "RunningSpanRow",
    "ScheduledSendRow",
    "StartupRow",
    "utcnow",
]
