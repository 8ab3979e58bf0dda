"""Which form submissions a web process may answer before they are handled."""

from __future__ import annotations

from typing import Any

import pytest

from bot import answered_first


def _submission(callback_id: str) -> dict[str, Any]:
    return {"type": "view_submission", "view": {"callback_id": callback_id}}


def test_only_a_form_whose_check_says_so_is_answered_first() -> None:
    @answered_first.form("test_form_yes")
    def yes(_payload: dict[str, Any]) -> bool:
        return True

    @answered_first.form("test_form_no")
    def no(_payload: dict[str, Any]) -> bool:
        return False

    assert answered_first.can_answer_first(_submission("test_form_yes"))
    assert not answered_first.can_answer_first(_submission("test_form_no"))
    assert not answered_first.can_answer_first(_submission("a_form_nobody_registered"))
    assert not answered_first.can_answer_first({"type": "view_submission", "view": "odd"})


def test_a_check_that_fails_lets_the_form_be_handled_before_its_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @answered_first.form("test_form_broken")
    def broken(payload: dict[str, Any]) -> bool:
        return bool(payload["view"]["state"]["values"])  # no state: KeyError

    assert not answered_first.can_answer_first(_submission("test_form_broken"))
    assert "test_form_broken" in caplog.text
