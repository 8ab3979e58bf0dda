"""The pitch's review card in the group's channel, owed through the outbox.

The card is posted once (key ``pitch:<id>:card``) and refreshed once per recorded decision
(``pitch:<id>:card@<decision>``), each built when it is sent so it shows the pitch as it
is then, in the organisation's language. Slack's ts is kept on the pitch when it lands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.i18n import N_, _
from bot.outbox import REGISTRY
from bot.text import user
from bot.views.pitches import build_redacted_card, build_review_card
from handlers.channel_safety import confidential_decision
from storage.repositories import organisations, outbox, pitches

CARD = "pitch_card"
POSTED = "pitch_card_posted"
# Notes on a refreshed card, by code: the reader's language is known only when it is sent.
NOTES = {
    "edited": N_("Edited by the startup."),
    "withdrawn": N_("Withdrawn by the startup."),
    "shortlisted": N_("Shortlisted by {person}."),
    "declined": N_("Declined by {person}."),
}


def card_key(pitch_id: int) -> str:
    """The key of the message that posted the pitch's card."""
    return f"pitch:{pitch_id}:card"


def owe_card(
    *,
    session: Session,
    pitch_id: int,
    organisation_id: int,
    channel: str,
    now: datetime,
    actor: str,
    note: str = "",
    note_text: str = "",
) -> None:
    """Post the pitch's card, or refresh it for the pitch's newest decision.

    ``note`` is a code from NOTES; ``note_text`` a sentence already in the group's language.
    """
    pitch = pitches.get(session=session, pitch_id=pitch_id)
    if pitch is None:
        return
    args: dict[str, Any] = {
        "pitch": pitch_id,
        "note": note,
        "note_text": note_text,
        "person": actor,
    }
    language = {"organisation": organisation_id}
    if pitch.card_ts is None and outbox.post(
        session=session,
        key=card_key(pitch_id),
        kind=CARD,
        channel=channel,
        build=CARD,
        build_args=args,
        language=language,
        now=now,
        actor=actor,
        on_sent=POSTED,
        on_sent_args={"pitch": pitch_id},
    ):
        return
    decision = pitches.latest_decision(session=session, pitch_id=pitch_id)
    outbox.update_message(
        session=session,
        key=f"{card_key(pitch_id)}@{decision}",
        kind=CARD,
        channel=pitch.card_channel or channel,
        ts=pitch.card_ts,
        ts_of=None if pitch.card_ts else card_key(pitch_id),
        build=CARD,
        build_args=args,
        language=language,
        now=now,
        actor=actor,
    )


def refresh_cards_in(
    *, session: Session, organisation_id: int, channel: str, reason: str, now: datetime
) -> None:
    """Refresh every pitch card already in a group channel, once per ``reason``.

    Whoever joins a private channel (or reads it once it is public or shared) reads its
    history too: the cards are built again when sent, so they turn short where outsiders can
    read them (the note of the latest decision is left off; the status stays).
    """
    for pitch in pitches.for_organisation(session=session, organisation_id=organisation_id):
        if not pitch.card_ts or (pitch.card_channel or channel) != channel:
            continue
        outbox.update_message(
            session=session,
            key=f"{card_key(pitch.id)}@{reason}",
            kind=CARD,
            channel=channel,
            ts=pitch.card_ts,
            build=CARD,
            build_args={"pitch": pitch.id, "note": "", "note_text": "", "person": ""},
            language={"organisation": organisation_id},
            now=now,
        )


@REGISTRY.builder(CARD)
def build_card(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The card as the pitch stands now (None when the pitch is gone).

    Who can read the channel is asked of Slack now, at send time: where anyone but the
    group and admins could read it, or Slack cannot say, the card shows only the startup's
    name, the opportunity and the status, with *Open pitch*.
    """
    with deps.sessions() as session:
        pitch = pitches.get(session=session, pitch_id=int(args["pitch"]))
        organisation = (
            organisations.by_id(session=session, organisation_id=pitch.organisation_id)
            if pitch
            else None
        )
    if pitch is None or organisation is None:
        return None
    note = str(args.get("note_text") or "")
    if not note and args.get("note") in NOTES:
        person = str(args.get("person") or "")
        note = _(NOTES[str(args["note"])]).format(person=user(person) if person else "")
    channel = pitch.card_channel or organisation.channel_id
    decision = confidential_decision(deps, channel, organisation.id)
    if not decision:
        return build_redacted_card(pitch, decision.explanations(), note)
    return build_review_card(pitch, note)


@REGISTRY.hook(POSTED)
def card_posted(
    session: Session, args: dict[str, Any], channel: str | None, ts: str | None
) -> None:
    """Remember where the card landed, so later refreshes update it."""
    if channel and ts:
        pitches.set_card(session=session, pitch_id=int(args["pitch"]), channel=channel, ts=ts)
