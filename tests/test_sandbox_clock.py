"""Advancing the sandbox's clock moves the app's time, and the app's tick runs at once.

A needs assessment left quiet is nudged after five working days; in the sandbox that takes
one press of "advance time" and a few seconds, not a week.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.workdays import add_working_days
from sandbox.demo import PROJECT_CHANNEL, SARA
from tests.test_sandbox_process import SandboxProcess, texts, wait_until

pytestmark = pytest.mark.e2e
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _button(state: dict[str, Any], action_id: str) -> dict[str, Any]:
    """Where the newest ephemeral with this button has it."""
    for message in reversed(state["ephemerals"]):
        for index, block in enumerate(message["blocks"]):
            for number, element in enumerate(block.get("elements") or []):
                if element.get("action_id") == action_id:
                    return {"ts": message["ts"], "block": index, "element": number}
    raise AssertionError(f"no {action_id} button in {texts(state['ephemerals'])}")


def _thread(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    messages = sandbox.state(SARA.id)["messages"][PROJECT_CHANNEL]
    roots = [m for m in messages if "Needs assessment" in m["text"]]
    if not roots:
        return []
    return [m for m in messages if m.get("thread_ts") == roots[0]["ts"]]


def test_a_quiet_assessment_is_nudged_right_after_time_is_advanced(tmp_path: Path) -> None:
    sandbox = SandboxProcess(tmp_path / "data").start()
    try:
        act = sandbox.act
        assert act(SARA.id, kind="send", channel=PROJECT_CHANNEL, text="/matchday areas")["ok"]
        place = _button(sandbox.state(SARA.id), "area_add")
        assert act(SARA.id, kind="click", source="ephemeral", **place)["ok"]
        modal = wait_until(lambda: sandbox.state(SARA.id)["modal"], 10, "the add-area form")
        values = {"title": {"value": "Fewer falls"}, "why": {"value": "They hurt."}}
        assert act(SARA.id, kind="submit", view_id=modal[-1]["id"], values=values)["ok"]
        assert act(SARA.id, kind="send", channel=PROJECT_CHANNEL, text="/matchday assess")["ok"]
        wait_until(lambda: "Step 1 of 6" in texts(_thread(sandbox)), 10, "step 1")

        now = datetime.fromisoformat(sandbox.state(SARA.id)["clock"]["now"])
        due = add_working_days(now.astimezone(STOCKHOLM).date(), 6)
        assert act(SARA.id, kind="advance", to=f"{due.isoformat()}T10:00")["ok"]
        moved = datetime.fromisoformat(sandbox.state(SARA.id)["clock"]["now"])
        assert moved.astimezone(STOCKHOLM).date() == due

        nudged = wait_until(
            lambda: "has been waiting at step 1 of 6" in texts(_thread(sandbox)),
            15,
            "the nudge after advancing time",
        )
        assert nudged
        nudge = next(m for m in _thread(sandbox) if "waiting at step 1" in json.dumps(m))
        assert datetime.fromtimestamp(float(nudge["ts"]), STOCKHOLM).date() == due
    finally:
        assert sandbox.stop() == 0, sandbox.log()
