"""What every listener needs besides the payload: settings, sessions, the after-ack pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.background import AfterAck
from bot.clock import Clock
from bot.config import Settings
from bot.outbox import Signal

if TYPE_CHECKING:  # bot/ stays free of a runtime SQLAlchemy import
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Deps:
    """The app's shared parts, handed to listeners through Bolt's context."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    after_ack: AfterAck
    clock: Clock
    # Set when a transaction that enqueued outbox rows commits: wakes this process's sender.
    outbox_signal: Signal = field(default_factory=Signal)
