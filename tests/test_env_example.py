"""`.env.example` lists every setting, and the settings class reads a `.env` file itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import EXPECTED, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = {"MATCHDAY_CLOCK_FILE"}  # set by `matchday sandbox` only


def test_env_example_names_every_setting() -> None:
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert listed == set(Settings.model_fields) - INTERNAL
    assert set(EXPECTED) >= set(Settings.model_fields)


def test_a_dot_env_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("MATCHDAY_NUDGE_DAYS=9\nMATCHDAY_TIMEZONE=Europe/Oslo\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MATCHDAY_TIMEZONE", "Europe/Helsinki")
    monkeypatch.delenv("MATCHDAY_NUDGE_DAYS", raising=False)
    settings = load_settings()
    assert settings.MATCHDAY_NUDGE_DAYS == 9
    assert settings.MATCHDAY_TIMEZONE == "Europe/Helsinki"
