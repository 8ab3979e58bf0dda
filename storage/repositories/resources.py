"""The programme's library of templates, checklists and guides."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.resources import Resource, ResourceForm, Stage
from storage.models import ResourceRow
from storage.repositories import audit

STAGE_ORDER = {stage: position for position, stage in enumerate(Stage)}


class TitleTakenError(Exception):
    """Another item of the same stage has this title (``existing``)."""

    def __init__(self, existing: Resource) -> None:
        super().__init__(existing.title)
        self.existing = existing


def title_key(title: str) -> str:
    """What must be unique per stage: the title casefolded, spaces collapsed (a digest)."""
    return hashlib.sha256(" ".join(title.casefold().split()).encode()).hexdigest()


def with_title(
    *, session: Session, stage: Stage | str, title: str, except_id: int | None = None
) -> Resource | None:
    """The item of this stage with this title (as people read it), if any."""
    query = select(ResourceRow).where(
        ResourceRow.stage == Stage(stage).value, ResourceRow.title_key == title_key(title)
    )
    if except_id is not None:
        query = query.where(ResourceRow.id != except_id)
    row = session.scalar(query)
    return _resource(row) if row else None


def _resource(row: ResourceRow) -> Resource:
    return Resource(
        id=row.id,
        stage=Stage(row.stage),
        title=row.title,
        description=row.description,
        url=row.url,
        file_id=row.file_id,
    )


def resources_for(session: Session, stage: Stage | str) -> list[Resource]:
    """The library's items for one stage of the funnel, by title (to offer where they help:
    the meeting items with a meeting confirmation, the pilot items when a pilot starts)."""
    rows = session.scalars(
        select(ResourceRow)
        .where(ResourceRow.stage == Stage(stage).value)
        .order_by(func.lower(ResourceRow.title), ResourceRow.id)
    )
    return [_resource(row) for row in rows]


def all_resources(*, session: Session) -> list[Resource]:
    """Every item, in funnel order and by title within a stage."""
    rows = session.scalars(
        select(ResourceRow).order_by(func.lower(ResourceRow.title), ResourceRow.id)
    )
    return sorted((_resource(row) for row in rows), key=lambda item: STAGE_ORDER[item.stage])


def get(*, session: Session, resource_id: int) -> Resource | None:
    """The item with this id."""
    row = session.get(ResourceRow, resource_id)
    return _resource(row) if row else None


def save(
    *, session: Session, actor: str, form: ResourceForm, resource_id: int | None = None
) -> Resource | None:
    """Add an item, or change one (None when the item to change is gone).

    Raises TitleTakenError when another item of the stage has the title (also when it was
    added a moment ago by a form submitted at the same time): nothing is saved then.
    """
    taken = with_title(session=session, stage=form.stage, title=form.title, except_id=resource_id)
    if taken is not None:
        raise TitleTakenError(taken)
    try:
        with session.begin_nested():
            if resource_id is None:
                row = ResourceRow(created_by=actor)
                session.add(row)
            else:
                found = session.get(ResourceRow, resource_id, with_for_update=True)
                if found is None:
                    return None
                row = found
            row.stage = form.stage.value
            row.title = form.title
            row.title_key = title_key(form.title)
            row.description = form.description
            row.url = form.url
            row.file_id = form.file_id
            row.updated_by = actor
            session.flush()
    except IntegrityError:
        taken = with_title(
            session=session, stage=form.stage, title=form.title, except_id=resource_id
        )
        if taken is None:
            raise
        raise TitleTakenError(taken) from None
    audit.record(
        session=session,
        actor=actor,
        action="resource.added" if resource_id is None else "resource.changed",
        subject=f"resource:{row.id}",
        detail=f"stage={form.stage.value}; title={form.title}; url={form.url}",
    )
    return _resource(row)


def remove(*, session: Session, actor: str, resource_id: int) -> Resource | None:
    """Take an item out of the library; None when it was already gone."""
    row = session.get(ResourceRow, resource_id, with_for_update=True)
    if row is None:
        return None
    removed = _resource(row)
    session.delete(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="resource.removed",
        subject=f"resource:{resource_id}",
        detail=f"title={removed.title}",
    )
    return removed
