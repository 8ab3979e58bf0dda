"""Repositories on SQLite and PostgreSQL, on a schema built by the Alembic migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.programme import OrganisationKind, Role
from storage.migrate import downgrade, upgrade
from storage.models import Base
from storage.repositories import audit, organisations, people, startups


def make_org(session: Session, channel: str = "C0ORG", name: str = "Södertälje kommun"):
    organisation, _created = organisations.save(
        session=session,
        actor="UADMIN",
        channel_id=channel,
        name=name,
        kind=OrganisationKind.MUNICIPALITY,
        opportunities_channel_id="C0OPPS",
        timezone="Europe/Stockholm",
    )
    return organisation


def test_migrations_create_exactly_the_models_tables(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)


def test_setup_again_edits_the_same_organisation(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first, created = organisations.save(
            session=session,
            actor="UADMIN",
            channel_id="C0ORG",
            name="Old name",
            kind=OrganisationKind.AGENCY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
    with sessions.begin() as session:
        second, created_again = organisations.save(
            session=session,
            actor="UADMIN",
            channel_id="C0ORG",
            name="New name",
            kind=OrganisationKind.REGION,
            opportunities_channel_id="C0OTHER",
            timezone="Europe/Stockholm",
        )
    assert created
    assert not created_again
    assert second.id == first.id
    with sessions() as session:
        found = organisations.by_channel(session=session, channel_id="C0ORG")
        assert found is not None
        assert (found.name, found.kind, found.opportunities_channel_id) == (
            "New name",
            OrganisationKind.REGION,
            "C0OTHER",
        )
        actions = [entry.action for entry in audit.entries(session=session)]
    assert actions == ["organisation.created", "organisation.updated"]


def test_organisation_names_are_unique_case_insensitively(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        make_org(session)
    with sessions() as session:
        assert organisations.name_taken(session=session, name="SÖDERTÄLJE  KOMMUN")
        assert not organisations.name_taken(session=session, name="Region Stockholm")


def test_members_roles_and_caller(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        org = make_org(session)
        assert organisations.set_member(
            session=session, actor="UADMIN", organisation_id=org.id, user_id="U1A", role=Role.BUYER
        )
        assert not organisations.set_member(
            session=session,
            actor="UADMIN",
            organisation_id=org.id,
            user_id="U1A",
            role=Role.PROJECT_MANAGER,
        )
    with sessions() as session:
        members = organisations.members(session=session, organisation_id=org.id)
        caller = people.load_caller(session=session, user_id="U1A", configured_admins=set())
    assert [(m.user_id, m.role) for m in members] == [("U1A", Role.PROJECT_MANAGER)]
    assert caller.memberships == {org.id: Role.PROJECT_MANAGER}
    assert not caller.is_admin
    with sessions.begin() as session:
        assert organisations.remove_member(
            session=session, actor="UADMIN", organisation_id=org.id, user_id="U1A"
        )
        assert not organisations.remove_member(
            session=session, actor="UADMIN", organisation_id=org.id, user_id="U1A"
        )
    with sessions() as session:
        assert organisations.members(session=session, organisation_id=org.id) == []


def test_the_schema_refuses_an_unknown_role(sessions: sessionmaker[Session]) -> None:
    from storage.models import MemberRow

    with sessions.begin() as session:
        org = make_org(session)
    session = sessions()
    session.add(MemberRow(organisation_id=org.id, user_id="U1A", role="king", added_by="UADMIN"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.close()


def test_admins_from_configuration_and_from_slack(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert people.load_caller(
            session=session, user_id="UCONF", configured_admins={"UCONF"}
        ).is_admin
        assert not people.load_caller(
            session=session, user_id="UNEW", configured_admins={"UCONF"}
        ).is_admin
    with sessions.begin() as session:
        assert people.add_admin(session=session, actor="UCONF", user_id="UNEW")
        assert not people.add_admin(session=session, actor="UCONF", user_id="UNEW")
    with sessions() as session:
        assert people.load_caller(
            session=session, user_id="UNEW", configured_admins={"UCONF"}
        ).is_admin
        assert people.added_admins(session=session) == ["UNEW"]
    with sessions.begin() as session:
        assert people.remove_admin(session=session, actor="UCONF", user_id="UNEW")
    with sessions() as session:
        assert not people.load_caller(
            session=session, user_id="UNEW", configured_admins={"UCONF"}
        ).is_admin


def test_startups_are_unique_by_organisation_number(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        acme = startups.register(
            session=session,
            actor="UADMIN",
            name="Acme",
            org_number="556016-0680",
            website="https://acme.example",
            sector="health",
            description="We fix it",
            representatives=["UREP1", "UREP2", "UREP1"],
        )
    assert acme.representatives == ("UREP1", "UREP2")
    with sessions() as session:
        assert startups.by_org_number(session=session, org_number="556016-0680") == acme
        assert people.load_caller(
            session=session, user_id="UREP2", configured_admins=()
        ).startup_ids == {acme.id}
        assert startups.count(session=session) == 1
    session = sessions()
    with pytest.raises(IntegrityError):
        startups.register(
            session=session,
            actor="UADMIN",
            name="Copycat",
            org_number="556016-0680",
            website="https://copy.example",
            sector="x",
            description="y",
            representatives=["UREP3"],
        )
    session.rollback()
    session.close()


def test_migrations_go_down_and_up_again(database_url: str, engine: Engine) -> None:
    downgrade(database_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set(Base.metadata.tables)


def test_models_and_migrations_agree(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
