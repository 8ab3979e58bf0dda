"""The Swedish translation: what is missing, taking in new messages, compiling the .mo.

    python -m bot.translations --missing   list the template's messages with no Swedish yet
    python -m bot.translations --update    add new template messages to the .po, drop old ones
    python -m bot.translations --compile   write matchday.mo from matchday.po

The app reads only the compiled ``matchday.mo`` (standard gettext), so Babel stays a
development tool; a test checks that the .mo says what the .po says. After translating,
run ``--compile`` (``--update`` first when the template gained messages).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.catalogue import TEMPLATE
from bot.i18n import DOMAIN, LOCALE_DIR

LANGUAGE = "sv"
PO = LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# A fixed header, so that --update changes the file only when messages change.
HEADER = """\
# Swedish translation of Matchday (svenska).
# Plain Swedish as Swedish public organisations write it (klarspråk, du-tilltal).
# Terms: needs assessment = behovsanalys, project group = projektgrupp, matchday = matchdag,
# check-in = avstämning, shortlist = välja ut, procurement = upphandling.
# Update with `python -m bot.translations --update`, translate, then `--compile`.
msgid ""
msgstr ""
"Project-Id-Version: Matchday 0.1.0\\n"
"Language: sv\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Generated-By: Babel\\n"

"""


def read(path: Path, locale: str | None = None) -> Catalog:
    """A .po or .pot file as a Babel catalogue."""
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def forms(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple: one item, or singular and plural."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return ("",)


def _translated(message: Message | None) -> bool:
    if message is None or message.fuzzy:
        return False
    return all(forms(message.string))


def _singular(message: Message) -> str:
    return forms(message.id)[0]


def missing(template: Catalog | None = None, translation: Catalog | None = None) -> list[str]:
    """The template's messages that the Swedish catalogue lacks (or has only fuzzy)."""
    template = template or read(TEMPLATE)
    translation = translation or read(PO, LANGUAGE)
    return [
        _singular(message)
        for message in template
        if message.id and not _translated(translation.get(_singular(message)))
    ]


def placeholder_mismatches(translation: Catalog | None = None) -> list[str]:
    """Messages whose translation names other {placeholders} than the English (those would
    fail when formatted)."""
    translation = translation or read(PO, LANGUAGE)
    wrong = []
    for message in translation:
        if not message.id or not _translated(message):
            continue
        expected = set().union(*(_PLACEHOLDER.findall(item) for item in forms(message.id)))
        for string in forms(message.string):
            if set(_PLACEHOLDER.findall(string)) != expected:
                wrong.append(_singular(message))
                break
    return wrong


def update() -> int:
    """Bring the .po in line with the template; returns how many messages lack Swedish."""
    translation = read(PO, LANGUAGE)
    translation.update(read(TEMPLATE), no_fuzzy_matching=True)
    body = io.BytesIO()
    write_po(body, translation, omit_header=True, no_location=True, ignore_obsolete=True)
    PO.write_bytes(HEADER.encode("utf-8") + body.getvalue())
    return len(missing(translation=translation))


def compile_mo() -> None:
    """Write the binary catalogue gettext reads at run time."""
    with MO.open("wb") as handle:
        write_mo(handle, read(PO, LANGUAGE), use_fuzzy=False)


def main(argv: list[str] | None = None) -> int:
    """The command line; exits 1 when --missing finds messages without Swedish."""
    parser = argparse.ArgumentParser(prog="python -m bot.translations", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--missing", action="store_true", help="list untranslated messages")
    group.add_argument("--update", action="store_true", help="merge the template into the .po")
    group.add_argument("--compile", action="store_true", help="write the .mo from the .po")
    args = parser.parse_args(argv)
    if args.update:
        print(f"{update()} messages lack Swedish in {PO.name}")
        return 0
    if args.compile:
        compile_mo()
        print(f"wrote {MO}")
        return 0
    gaps = missing()
    for msgid in gaps:
        print(msgid.replace("\\", "\\\\").replace("\n", "\\n"))
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
