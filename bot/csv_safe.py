"""CSV files that a spreadsheet opens safely and in the right characters.

Every export Matchday writes goes through :func:`csv_bytes`:

- **Formula injection.** Pitch texts, reasons and titles are typed by people outside the
  organisation and opened in Excel by public officials. A cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return would be read as a formula (or shift
  into one), so such a cell gets a single quote in front, as OWASP recommends: Excel and
  LibreOffice show the text as typed and never evaluate it.
- **Characters.** The file is UTF-8 with a byte order mark (``utf-8-sig``): without the
  BOM, Excel on Windows reads a double-clicked CSV in the local ANSI code page and turns
  å, ä and ö into mojibake.
- **Delimiter.** A comma, as RFC 4180 says. Excel set to Swedish expects a semicolon when
  a file is double-clicked and then shows each row in one column; *Data > From Text/CSV*
  (or LibreOffice, Numbers and Google Sheets) reads the comma correctly. The comma keeps
  the files readable by every other tool and by the tests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

ENCODING = "utf-8-sig"
DELIMITER = ","
# The cell starts a formula, or a tab or carriage return shifts it into one (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet will show it but never evaluate it.

    Text that could start a formula gets a leading single quote; numbers, None and other
    plain values pass unchanged (a negative number is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV text, every cell neutralised (header included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The CSV file as uploaded: neutralised cells, UTF-8 with a byte order mark."""
    return csv_text(header, rows).encode(ENCODING)
