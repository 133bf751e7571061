"""What every demo test shares: run a demo with its output captured, and read its tables back.

The demo tests check the numbers a demo *prints*, not only the ones it
returns, so they need to parse the tables made by ``tinygrad_edu.plot.table``.
Importing this module also puts ``demos/`` on ``sys.path``, so a test can
``import deep_linear`` as the scripts import each other.
"""

import contextlib
import io
import re
import sys
from pathlib import Path

DEMOS = Path(__file__).resolve().parent.parent / "demos"
if str(DEMOS) not in sys.path:
    sys.path.insert(0, str(DEMOS))


def run_demo(main, argv: list) -> tuple:
    """``(main(argv), everything it printed)``."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = main(argv)
    return result, buffer.getvalue()


def prose(text: str) -> str:
    """The output with every run of whitespace made one space: wrapped sentences read whole."""
    return " ".join(text.split())


def read_table(text: str, first_header: str, after: str = "", row_starts: str | None = None) -> list:
    """Read back a table printed by tinygrad_edu.plot.table: one dict header -> cell per row.

    The table is the first one, after the first line containing ``after``,
    whose header row starts with ``first_header`` and is followed by a rule of
    dashes.  Columns are cut at the dashes, so empty cells stay in place.  The
    table ends at a blank line, or (when ``row_starts`` is given) at the first
    line that does not start with one of those characters: prose printed
    straight after a table.
    """
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if after in line) if after else 0
    for k in range(start, len(lines) - 1):
        rule = lines[k + 1]
        if lines[k].lstrip().startswith(first_header) and rule.strip() and set(rule.replace(" ", "")) == {"-"}:
            spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
            headers = [lines[k][a:b].strip() for a, b in spans]
            rows = []
            for line in lines[k + 2:]:
                if not line.strip() or (row_starts is not None and line[0] not in row_starts):
                    break
                rows.append({h: line[a:b].strip() for h, (a, b) in zip(headers, spans)})
            return rows
    raise AssertionError(f"no table starting with {first_header!r} after {after!r}")
