"""Build the message catalogue template (matchday.pot) from the source, with Babel.

Run ``python -m bot.catalogue`` after adding or changing user-facing sentences; a test
fails while the committed template is out of date.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("locale") / "matchday.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
SOURCES = ("bot", "handlers")


def extract() -> Catalog:
    """Every marked message in bot/ and handlers/."""
    catalog = Catalog(project="Matchday", fuzzy=False)
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def render(catalog: Catalog) -> str:
    """The .pot text, without dates or line numbers so it only changes when messages do."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=True, no_location=True, sort_output=True)
    return buffer.getvalue().decode("utf-8")


def main() -> None:
    """Write bot/locale/matchday.pot."""
    TEMPLATE.write_text(render(extract()), encoding="utf-8")
    print(f"wrote {TEMPLATE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
