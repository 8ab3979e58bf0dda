"""The scheduler's one job: every minute, ask the database what is due and send it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from bot.deps import Deps
from handlers.channel_safety import check_group_channels
from handlers.checkins import run_due_checkins
from handlers.deadlines import remind_and_close
from handlers.digest import send_weekly_digest
from handlers.matchday_plan import send_day_before
from handlers.meeting_follow_up import remind_and_ask
from handlers.nudges import nudge_stalled
from handlers.retention import remove_expired_pitch_content

logger = logging.getLogger(__name__)
DUE_WORK: tuple[Callable[[Deps, WebClient], int], ...] = (
    nudge_stalled,
    remind_and_close,
    remind_and_ask,
    run_due_checkins,
    send_day_before,
    send_weekly_digest,
    check_group_channels,
    remove_expired_pitch_content,
)


def tick(deps: Deps, client: WebClient) -> None:
    """Run every kind of due work once; one failing kind does not stop the others."""
    for work in DUE_WORK:
        try:
            work(deps, client)
        except Exception:  # logged and retried on the next tick
            logger.exception("scheduled work %s failed", work.__name__)
