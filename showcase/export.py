"""`matchday showcase export DIR`: the same pages as static files, with relative links only.

Nothing of the run goes into the files (no time of export): exporting twice with nothing
changed writes byte-identical files. A file written only by an earlier export (an
organisation that left) is removed; anything else in DIR is left alone.
"""

from __future__ import annotations

from pathlib import Path

from bot.showcase import Showcase
from showcase.pages import DEFAULT_LANGUAGE, LANGUAGES, not_found, page_names, render, stylesheet

MANIFEST = ".matchday-showcase"


def export(data: Showcase, directory: Path, join_url: str | None) -> list[Path]:
    """Write every page of both languages under ``directory``; returns the files written."""
    files: dict[str, bytes] = {"style.css": stylesheet().body}
    for language in LANGUAGES:
        folder = "" if language == DEFAULT_LANGUAGE else f"{language}/"
        for name in page_names(data):
            rendered = render(data, name, language, join_url)
            assert rendered is not None, name
            files[folder + name] = rendered.body
        files[folder + "404.html"] = not_found(language, 0).body
    directory.mkdir(parents=True, exist_ok=True)
    manifest = directory / MANIFEST
    earlier = manifest.read_text(encoding="utf-8").split() if manifest.is_file() else []
    for old in earlier:
        if old not in files and ".." not in old.split("/"):
            (directory / old).unlink(missing_ok=True)
    written = []
    for name, body in sorted(files.items()):
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != body:
            path.write_bytes(body)
        written.append(path)
    manifest.write_text("".join(f"{name}\n" for name in sorted(files)), encoding="utf-8")
    return written
