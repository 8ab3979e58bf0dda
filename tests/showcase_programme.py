"""A programme for the showcase's tests and benchmark, written straight into the database.

Every confidential text (pitch fields, assessment answers, decline reasons, questions and
answers, check-in answers, follow-up notes) carries a unique marker, so a test can search
every public page for all of them at once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from storage.models import (
    AnswerRow,
    AssessmentRow,
    CheckinRow,
    FocusAreaRow,
    FollowUpRow,
    MeetingRow,
    OpportunityRow,
    OrganisationRow,
    PitchDecisionRow,
    PitchQuestionRow,
    PitchRow,
    StartupRow,
)
from storage.models.pilots import PilotRow

ADMIN = "UADMIN0001"


@dataclass
class Seeder:
    """Adds rows one kind at a time; ``secrets`` collects every confidential marker."""

    session: Session
    secrets: list[str] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def secret(self, what: str) -> str:
        """A unique confidential text."""
        marker = f"SECRET{next(self._serial):05d}{what.upper()}X"
        self.secrets.append(marker)
        return marker

    def organisation(self, name: str, joined: datetime, kind: str = "municipality") -> int:
        """A participating organisation."""
        serial = next(self._serial)
        row = OrganisationRow(
            name=name,
            name_key=name.casefold(),
            kind=kind,
            channel_id=f"CORG{serial:06d}",
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
            created_by=ADMIN,
            created_at=joined,
            updated_at=joined,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def opportunity(
        self,
        organisation_id: int,
        title: str,
        published: datetime,
        deadline: date,
        *,
        status: str = "published",
        assessed: bool = True,
        description: str = "A public description.",
    ) -> int:
        """An assessed focus area (answers full of secrets) and its published opportunity."""
        area = FocusAreaRow(
            organisation_id=organisation_id,
            title=self.secret("area"),
            why=self.secret("why"),
            created_by=ADMIN,
            created_at=published,
        )
        self.session.add(area)
        self.session.flush()
        assessment = AssessmentRow(
            focus_area_id=area.id,
            channel_id=f"CA{area.id:08d}",
            thread_ts=f"{area.id}.000100",
            state="end" if assessed else "challenge",
            started_by=ADMIN,
            last_activity_at=published,
        )
        self.session.add(assessment)
        self.session.flush()
        for step in ("area", "challenge", "today", "outcome", "constraints", "owner"):
            self.session.add(
                AnswerRow(
                    assessment_id=assessment.id,
                    step=step,
                    fields={"text": self.secret(f"answer{step}"), "budget": self.secret("budget")},
                    answered_by=ADMIN,
                    answered_at=published,
                )
            )
        row = OpportunityRow(
            organisation_id=organisation_id,
            focus_area_id=area.id,
            title=title,
            description=description,
            deadline=deadline,
            contact_role="buyer",
            status=status,
            channel_id="C0OPPS",
            published_by=ADMIN,
            published_at=published,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def startup(self, name: str, sector: str = "health tech") -> int:
        """A startup (its name is public only on a named case card)."""
        serial = next(self._serial)
        row = StartupRow(
            name=name,
            org_number=f"{559000 + serial // 10000:06d}-{serial % 10000:04d}",
            website="https://example.org",
            sector=sector,
            description=self.secret("profile"),
            about=self.secret("about"),
            contacts=self.secret("contacts"),
            created_by=ADMIN,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def pitch(self, opportunity_id: int, startup_id: int, at: datetime, status: str) -> int:
        """A pitch with secrets in every field, its decision, and a question answered."""
        row = PitchRow(
            opportunity_id=opportunity_id,
            startup_id=startup_id,
            solution=self.secret("solution"),
            fit=self.secret("fit"),
            references=self.secret("references"),
            pilot=self.secret("pilot"),
            link=f"https://example.org/{self.secret('link')}",
            status=status,
            submitted_by="UREP000001",
            submitted_at=at,
            updated_at=at,
        )
        self.session.add(row)
        self.session.flush()
        decision = "declined" if status == "declined" else "shortlisted"
        self.session.add(
            PitchDecisionRow(
                pitch_id=row.id,
                decision=decision,
                reason_code="other",
                reason=self.secret("reason"),
                decided_by=ADMIN,
                decided_at=at,
            )
        )
        self.session.add(
            PitchQuestionRow(
                pitch_id=row.id,
                question=self.secret("question"),
                asked_by=ADMIN,
                asked_at=at,
                answer=self.secret("answer"),
                answered_by="UREP000001",
                answered_at=at,
            )
        )
        self.session.flush()
        return row.id

    def meeting(
        self,
        organisation_id: int,
        startup_id: int,
        starts: datetime,
        answers: tuple[str, str] | None,
        status: str = "booked",
    ) -> int:
        """A meeting and each side's answer to "follow up?"."""
        row = MeetingRow(
            organisation_id=organisation_id,
            startup_id=startup_id,
            status=status,
            length_minutes=30,
            place=self.secret("place"),
            proposed=[],
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            proposed_by=ADMIN,
        )
        self.session.add(row)
        self.session.flush()
        for side, answer in zip(("organisation", "startup"), answers or (), strict=False):
            self.session.add(
                FollowUpRow(
                    meeting_id=row.id,
                    side=side,
                    answer=answer,
                    note=self.secret("note"),
                    answered_by=ADMIN,
                    answered_at=starts,
                )
            )
        self.session.flush()
        return row.id

    def pilot(
        self,
        organisation_id: int,
        startup_id: int,
        title: str,
        start: date,
        *,
        completed: datetime | None = None,
        outcome: str | None = None,
        consents: tuple[str | None, str | None] = (None, None),
        results: str = "Fewer falls at night.",
        lessons: str = "Start with one ward.",
    ) -> int:
        """A pilot with an answered check-in; completed and shared when told so."""
        agreed = None not in consents and "declined" not in consents
        row = PilotRow(
            organisation_id=organisation_id,
            startup_id=startup_id,
            title=title,
            channel_id=f"CPILOT{next(self._serial):05d}",
            start_date=start,
            end_date=start + timedelta(days=90),
            cadence="weekly",
            weekday=1,
            checkin_time=time(10),
            timezone="Europe/Stockholm",
            anchor_date=start,
            status="completed" if completed else "active",
            created_by=ADMIN,
            outcome=outcome,
            results=results,
            lessons=lessons,
            completed_by=ADMIN if completed else None,
            completed_at=completed,
            showcase_channel_id="C0SHOW" if completed else None,
            organisation_consent=consents[0],
            startup_consent=consents[1],
            card_claimed_at=completed if completed and agreed else None,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add(
            CheckinRow(
                pilot_id=row.id,
                seq=1,
                nominal_date=start,
                due_at=datetime.combine(start, time(8), tzinfo=UTC),
                status="at_risk",
                progress=self.secret("progress"),
                next_steps=self.secret("next"),
                blockers=self.secret("blockers"),
                answered_by=ADMIN,
                answered_at=datetime.combine(start, time(9), tzinfo=UTC),
            )
        )
        self.session.flush()
        return row.id


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A moment in UTC."""
    return datetime(year, month, day, hour, tzinfo=UTC)


def seed_big(session: Session, *, organisations: int, opportunities: int, now: datetime) -> Seeder:
    """A programme of this size: pitches, meetings and shared pilots in proportion."""
    seeder = Seeder(session)
    startups = [seeder.startup(f"Startup {i}") for i in range(1, 51)]
    org_ids = [
        seeder.organisation(f"Organisation {i:03d}", now - timedelta(days=400 - i))
        for i in range(organisations)
    ]
    for i in range(opportunities):
        org = org_ids[i % len(org_ids)]
        published = now - timedelta(days=300 - (i % 290))
        deadline = (now + timedelta(days=(i % 60) - 20)).date()
        opportunity = seeder.opportunity(org, f"Opportunity {i}", published, deadline)
        for j in range(3):
            seeder.pitch(opportunity, startups[(i + j) % 50], published, "submitted")
        if i % 5 == 0:
            seeder.meeting(org, startups[i % 50], published + timedelta(days=7), ("yes", "yes"))
        if i % 10 == 0:
            seeder.pilot(
                org,
                startups[i % 50],
                f"Pilot {i}",
                (published + timedelta(days=14)).date(),
                completed=published + timedelta(days=120),
                outcome="procure",
                consents=("named", "anonymous" if i % 20 else "named"),
            )
    session.flush()
    return seeder
