"""What a question about an opportunity sends: the group's copy, the receipt, the answer to all.

Every message is owed through the outbox in the transaction that saved the question or the
answer, and built at send time in its reader's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.outbox import REGISTRY
from bot.programme import Organisation
from bot.questions import OpportunityQuestion
from bot.views.questions import (
    build_answer_dm,
    build_asked_receipt,
    build_group_question,
    build_published,
)
from storage.models import OutboxStatus
from storage.repositories import needs, organisations, outbox
from storage.repositories import questions as questions_repo

ASKED = "opportunity_question_asked"
RECEIPT = "opportunity_question_receipt"
PUBLISHED = "opportunity_question_published"
PUBLISHED_SENT = "opportunity_question_published_sent"
ANSWER_DM = "opportunity_question_answer_dm"
WAITING = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.HELD.value)


def load(deps: Deps, question_id: int) -> tuple[OpportunityQuestion, Organisation] | None:
    """A question and the organisation it was asked of (None when either is gone)."""
    with deps.sessions() as session:
        question = questions_repo.get(session=session, question_id=question_id)
        organisation = (
            organisations.by_id(session=session, organisation_id=question.organisation_id)
            if question
            else None
        )
    return (question, organisation) if question and organisation else None


def owe_question(
    session: Session,
    question: OpportunityQuestion,
    organisation: Organisation,
    actor: str,
    now: datetime,
) -> None:
    """The group's copy with its *Answer* button, and the asker's receipt."""
    outbox.post(
        session=session,
        key=f"{ASKED}:{question.id}",
        kind=ASKED,
        channel=organisation.channel_id,
        build=ASKED,
        build_args={"question": question.id},
        language={"organisation": organisation.id},
        now=now,
        actor=actor,
    )
    outbox.post(
        session=session,
        key=f"{RECEIPT}:{question.id}",
        kind=RECEIPT,
        channel=actor,
        build=RECEIPT,
        build_args={"question": question.id},
        language={"user": actor},
        now=now,
        actor=actor,
    )


def owe_answer(
    session: Session,
    question: OpportunityQuestion,
    organisation: Organisation,
    actor: str,
    now: datetime,
) -> None:
    """The thread post, a DM to every reader concerned, and the group's copy refreshed."""
    opportunity = needs.opportunity(session=session, opportunity_id=question.opportunity_id)
    if opportunity is not None:
        outbox.post(
            session=session,
            key=f"{PUBLISHED}:{question.id}",
            kind=PUBLISHED,
            channel=opportunity.channel_id,
            build=PUBLISHED,
            build_args={"question": question.id},
            language={"organisation": organisation.id},
            now=now,
            actor=actor,
            on_sent=PUBLISHED_SENT,
            on_sent_args={"question": question.id},
        )
    readers = questions_repo.answer_readers(
        session=session,
        opportunity_id=question.opportunity_id,
        asker_startup_id=question.startup_id,
    )
    for reader in readers:
        outbox.post(
            session=session,
            key=f"{ANSWER_DM}:{question.id}:{reader}",
            kind=ANSWER_DM,
            channel=reader,
            build=ANSWER_DM,
            build_args={"question": question.id},
            language={"user": reader},
            now=now,
            actor=actor,
        )
    outbox.update_message(
        session=session,
        key=f"{ASKED}:{question.id}:answered",
        kind=ASKED,
        channel=organisation.channel_id,
        build=ASKED,
        build_args={"question": question.id},
        language={"organisation": organisation.id},
        ts_of=f"{ASKED}:{question.id}",
        now=now,
        actor=actor,
    )


def _built(deps: Deps, args: dict[str, Any]) -> tuple[OpportunityQuestion, Organisation] | None:
    return load(deps, int(args["question"]))


@REGISTRY.builder(ASKED)
def build_asked(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The question in the group's channel, as it stands when sent."""
    found = _built(deps, args)
    return build_group_question(found[0]) if found else None


@REGISTRY.builder(RECEIPT)
def build_receipt(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The asker's receipt, in their language."""
    found = _built(deps, args)
    return build_asked_receipt(found[0]) if found else None


@REGISTRY.builder(PUBLISHED)
def build_thread_answer(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """Question and answer in the opportunity card's thread (waits while the card is owed)."""
    found = _built(deps, args)
    if found is None or found[0].answer is None:
        return None
    question, organisation = found
    with deps.sessions() as session:
        opportunity = needs.opportunity(session=session, opportunity_id=question.opportunity_id)
        card = outbox.result_of(session=session, key=f"opportunity:{question.opportunity_id}:card")
    message = build_published(question, organisation.name)
    if opportunity is not None and opportunity.message_ts:
        return {**message, "thread_ts": opportunity.message_ts}
    if card is not None and card.status in WAITING:
        from worker.sender import DeferredError  # the sender tries again shortly

        raise DeferredError()
    return message  # no card to thread under: in the opportunities channel itself


@REGISTRY.hook(PUBLISHED_SENT)
def thread_answer_sent(
    session: Session, args: dict[str, Any], channel_id: str | None, ts: str | None
) -> None:
    """Remember where question and answer were published."""
    if channel_id and ts:
        questions_repo.set_published(
            session=session, question_id=int(args["question"]), channel=channel_id, ts=ts
        )


@REGISTRY.builder(ANSWER_DM)
def build_dm(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The published answer in a representative's DMs, in their language."""
    found = _built(deps, args)
    if found is None or found[0].answer is None:
        return None
    return build_answer_dm(found[0], found[1].name)
