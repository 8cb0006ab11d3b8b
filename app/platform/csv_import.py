"""The lines of a CSV file a person uploads or names on the command line (groups, households):
one reader so every import strips the BOM, checks the header, bounds the rows and normalises
each cell the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from app.platform.i18n import gettext as _
from app.platform.text import SHORT_TEXT, TextTooLong, clean_text


def csv_lines(
    text: str,
    *,
    columns: tuple[str, ...],
    required: set[str],
    max_rows: int,
    too_many: str,
    error: type[ValueError],
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, cells) for each line that is not blank, each cell through `clean_text`
    (NFC, no controls) with its runs of spaces made one. `error` is raised with a message
    the person can act on: a missing header (naming `columns`), more than `max_rows` lines
    (`too_many`), a cell too long."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or not required <= set(reader.fieldnames):
        raise error(_("The file needs a header line: %(columns)s.") % {"columns": ", ".join(columns)})
    taken = 0
    for number, raw in enumerate(reader, start=2):
        cells = {}
        for name, value in raw.items():
            if name is None:
                continue  # values past the header's last column
            try:
                cells[name] = " ".join(clean_text(value, SHORT_TEXT).split())
            except TextTooLong:
                raise error(
                    _("Line %(line)d: %(column)s is longer than %(n)d characters.")
                    % {"line": number, "column": name, "n": SHORT_TEXT}
                ) from None
        if not any(cells.values()):
            continue  # a blank line
        taken += 1
        if taken > max_rows:
            raise error(too_many)
        yield number, cells
