"""The layers import downwards only.

``bot/`` is the application core: below the composition root (the modules that assemble
the running app from its parts) it imports nothing from ``storage/`` or ``sandbox/``, so
the core can be read and tested without a database or the fake Slack. ``storage/`` fills
the core's records and never needs the Block Kit views of ``bot/views/``.

Every import counts, including those inside functions (a late import is still a
dependency); ``if TYPE_CHECKING:`` imports count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Where the running app is put together from bot/, storage/ and sandbox/.
COMPOSITION_ROOT = frozenset({"bot/app.py", "bot/cli.py", "bot/server.py", "bot/web.py"})


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from storage import models` names a submodule as an alias
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def violations(folder: str, forbidden: tuple[str, ...], exempt: frozenset[str]) -> list[str]:
    """Imports of a forbidden package from the files of a folder, as 'file:line module'."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in exempt:
            continue
        for line, module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in forbidden):
                found.append(f"{name}:{line} imports {module}")
    return sorted(set(found))


def test_the_core_does_not_import_storage_or_the_sandbox() -> None:
    assert violations("bot", ("storage", "sandbox"), COMPOSITION_ROOT) == []


def test_storage_does_not_import_the_views() -> None:
    assert violations("storage", ("bot.views",), frozenset()) == []


@pytest.mark.parametrize(
    ("source", "forbidden", "expected"),
    [
        ("from storage.repositories import people\n", ("storage",), True),
        ("def f():\n    import sandbox.slack_api\n", ("sandbox",), True),
        ("from bot import views\n", ("bot.views",), True),
        ("from ..views.blocks import section\n", ("bot.views",), True),
        ("from bot.viewsy import x\n", ("bot.views",), False),
        ("from bot.text import escape\n", ("storage", "sandbox", "bot.views"), False),
    ],
)
def test_the_check_sees_every_form_of_import(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    forbidden: tuple[str, ...],
    expected: bool,
) -> None:
    """The scan finds late, aliased and relative imports (and nothing that only looks alike)."""
    folder = tmp_path / "bot" / "sub"
    folder.mkdir(parents=True)
    (folder / "module.py").write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert bool(violations("bot", forbidden, frozenset())) is expected
