"""Terminal pictures: numbers, tables, bar charts, line charts and sparklines.

Every function returns a string, so a demo can print it and a test can read
it. Only the standard library is used here; matplotlib is imported lazily,
inside `save_plot`, and only when a PNG file is asked for.

Unstable gradients end in two special values. A product of many small
factors can fall below the smallest float and become an exact ``0.0``
(underflow); a product of many large factors can pass the largest float and
become ``inf`` (overflow). Printed as ordinary numbers they are easy to miss,
so every picture here names them in words instead of drawing them.

>>> print(bar_chart(["layer 1", "layer 2", "layer 3"], [1.0, 1e-6, 0.0], log=True, width=8))
layer 1 |████████| 1.0
layer 2 |█       | 1.000e-06
layer 3 |        | 0 (underflow)
(log scale: bar length grows with log10 |value|, from 1.000e-06 to 1.0)
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .notation import flag_nonfinite, format_number
from .reals import is_int, numbers_of, to_float

# Partial blocks: one to seven eighths of a character cell. They let a bar
# grow in steps of 1/8 of a cell, so close values still look different.
_EIGHTHS = "▏▎▍▌▋▊▉"
_FULL = "█"

_LEVELS = "▁▂▃▄▅▆▇█"  # the eight heights of a sparkline
_MISSING = "·"  # a point a sparkline cannot draw (nan, inf, or <= 0 on a log scale)
_MARKERS = "*o+x#@%&"  # one marker per series in a line chart

MATPLOTLIB_HINT = '--plot needs matplotlib: python -m pip install -e ".[plot]"'


# --- tables ------------------------------------------------------------------


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    align: str | Sequence[str] | None = None,
) -> str:
    """A plain-text table with a rule under the header.

    Floats are formatted by `format_number`; strings are printed as given,
    so a cell can be formatted beforehand. A column whose cells are all
    numbers (or strings that start with a number) is right-aligned, any
    other column left-aligned; `align` overrides this with one letter per
    column, "l" or "r".

    >>> print(table(["layer", "gradient", "note"], [[1, 0.25, "ok"], [12, 3.0e-9, "small"]]))
    layer   gradient  note
    -----  ---------  -----
        1       0.25  ok
       12  3.000e-09  small
    """
    if isinstance(headers, (str, bytes)) or not isinstance(headers, Sequence):
        raise TypeError(f"table: headers must be a list of column names, got {headers!r:.40}")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not all(
            isinstance(row, Sequence) and not isinstance(row, (str, bytes)) for row in rows):
        raise TypeError(f"table: rows must be a list of rows, got {rows!r:.40}")
    texts = [[_cell_text(cell) for cell in row] for row in rows]
    _check_row_lengths(headers, texts)
    alignment = _alignment(headers, rows, align)
    widths = [
        max([len(header)] + [len(row[j]) for row in texts])
        for j, header in enumerate(headers)
    ]
    rule = ["-" * width for width in widths]
    lines = [list(headers), rule] + texts
    return "\n".join(_table_line(line, widths, alignment) for line in lines)


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return format_number(cell)
    return str(cell)  # str, int, bool and anything else print as themselves


def _looks_numeric(cell: object) -> bool:
    if isinstance(cell, bool):
        return False  # True/False read as words, not as 1/0
    if isinstance(cell, (int, float)):
        return True
    words = str(cell).split()
    try:
        float(words[0])  # "1.2e-03" or "inf (overflow)" both start with a number
    except (IndexError, ValueError):
        return False
    return True


def _alignment(headers: Sequence[str], rows: Sequence[Sequence[object]],
               align: str | Sequence[str] | None) -> list[str]:
    if align is None:
        columns = [[row[j] for row in rows] for j in range(len(headers))]
        return ["r" if _is_numeric_column(column) else "l" for column in columns]
    if len(align) != len(headers) or any(a not in ("l", "r") for a in align):
        raise ValueError(
            f"table: align needs one 'l' or 'r' per column ({len(headers)}), got {align!r}"
        )
    return list(align)


def _is_numeric_column(column: list[object]) -> bool:
    filled = [cell for cell in column if cell is not None and cell != ""]
    return bool(filled) and all(_looks_numeric(cell) for cell in filled)


def _check_row_lengths(headers: Sequence[str], texts: Sequence[Sequence[str]]) -> None:
    for i, row in enumerate(texts):
        if len(row) != len(headers):
            raise ValueError(
                f"table: row {i} has {len(row)} cells but there are {len(headers)} headers"
            )


def _table_line(cells: Sequence[str], widths: Sequence[int], alignment: Sequence[str]) -> str:
    padded = [
        cell.rjust(width) if side == "r" else cell.ljust(width)
        for cell, width, side in zip(cells, widths, alignment)
    ]
    return "  ".join(padded).rstrip()


# --- shared by the charts ----------------------------------------------------


def _plot_y(value: float, log: bool) -> float | None:
    """The height at which to draw `value`, or None if it cannot be drawn.

    On a log scale the height is log10(value), which only exists for
    positive values.
    """
    value = float(value)
    if not math.isfinite(value):
        return None
    if log:
        return math.log10(value) if value > 0 else None
    return value


def _scale(y: float, low: float, high: float, steps: int) -> int:
    """Map y in [low, high] to an integer in [0, steps - 1]."""
    if high == low:
        return steps // 2  # a flat line: draw it in the middle
    # Halve first: the difference of two huge floats (1e308 - -1e308) would
    # overflow to inf, while the difference of their halves cannot.
    fraction = (y / 2 - low / 2) / (high / 2 - low / 2)
    return round(fraction * (steps - 1))


# --- bar charts --------------------------------------------------------------


def bar_chart(
    labels: Sequence[object],
    values: Sequence[float],
    log: bool = False,
    width: int = 40,
    title: str | None = None,
) -> str:
    """Horizontal bars, one line per value: label, bar, number.

    With ``log=True`` a bar's length grows with log10 |value| across the
    range of the data, so values from 1e-12 to 1e3 are all visible: the
    smallest gets one cell, the largest `width` cells. A zero, inf or nan
    gets no bar, only its flag.

    >>> print(bar_chart(["a", "b"], [2.0, 0.5], width=8))
    a |████████| 2.0
    b |██      | 0.5
    """
    values = [to_float(v) for v in numbers_of("bar_chart", values, "value")]
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"bar_chart: labels must be a list, got {labels!r:.40}")
    if len(labels) != len(values):
        raise ValueError(
            f"bar_chart: {len(labels)} labels but {len(values)} values"
        )
    _check_size("bar_chart", "width", width, 1)
    lengths = _log_lengths(values, width) if log else _linear_lengths(values, width)
    names = [str(label) for label in labels]
    label_width = max((len(name) for name in names), default=0)
    lines = [title] if title else []
    for name, value, length in zip(names, values, lengths):
        bar = _bar(length) if length is not None else ""
        number = format_number(value)
        lines.append(f"{name:<{label_width}} |{bar:<{width}}| {number}")
    if log:
        lines.append(_log_footnote(values))
    return "\n".join(lines)


def _drawable(value: float) -> bool:
    """A bar needs a finite, nonzero value; the rest are flagged instead."""
    return flag_nonfinite(value) is None


def _linear_lengths(values: Sequence[float], width: int) -> list[float | None]:
    largest = max((abs(float(v)) for v in values if _drawable(v)), default=0.0)
    return [abs(float(v)) / largest * width if _drawable(v) else None for v in values]


def _log_lengths(values: Sequence[float], width: int) -> list[float | None]:
    logs = [math.log10(abs(float(v))) if _drawable(v) else None for v in values]
    present = [e for e in logs if e is not None]
    if not present:
        return [None] * len(values)
    low, high = min(present), max(present)
    if high == low:
        return [None if e is None else float(width) for e in logs]
    # One cell for the smallest, so it stays visible; `width` for the largest.
    return [
        None if e is None else 1 + (e - low) / (high - low) * (width - 1)
        for e in logs
    ]


def _bar(length: float) -> str:
    eighths = round(length * 8)
    full, rest = divmod(eighths, 8)
    return _FULL * full + (_EIGHTHS[rest - 1] if rest else "")


def _log_footnote(values: Sequence[float]) -> str:
    present = [abs(float(v)) for v in values if _drawable(v)]
    if not present:
        return "(log scale: no finite nonzero value to draw)"
    low, high = format_number(min(present)), format_number(max(present))
    return f"(log scale: bar length grows with log10 |value|, from {low} to {high})"


# --- line charts -------------------------------------------------------------


def line_chart(
    series: Mapping[str, Sequence[float]],
    log: bool = False,
    height: int = 12,
    width: int = 60,
    title: str | None = None,
) -> str:
    """A small ASCII plot of one or more series against their index.

    Each series gets its own marker, listed in the legend below the plot.
    With ``log=True`` the y axis is log10, as for gradient norms that span
    many orders of magnitude; points that cannot be drawn (nan, inf, and on
    a log scale zero or negative values) are left out and counted in the
    legend. Where two series meet, the one listed later is drawn on top.

    >>> print(line_chart({"norm": [1, 10, 100, 0]}, log=True, height=3, width=7))
    100.0 |    *
          |  *
      1.0 |*
          +-------
           0     3
      * norm (1 point not drawn: nan, inf or <= 0 on a log scale)
    y axis: log scale
    """
    series = _checked_series("line_chart", series)
    _check_line_chart_args(series, height, width)
    points = {name: _points(values, log) for name, values in series.items()}
    drawn = [value for pts in points.values() for _, value in pts]
    lines = [title] if title else []
    if drawn:
        length = max(len(values) for values in series.values())
        lines += _plot_area(points, min(drawn), max(drawn), length, height, width, log)
    else:
        lines.append("(nothing to plot: no drawable point)")
    lines += _legend(series, points, log)
    return "\n".join(lines)


def _checked_series(where: str, series: object) -> dict[str, list[float]]:
    """``series`` as a dict of name → list of plain floats, or a clear error naming ``where``."""
    if not isinstance(series, Mapping):
        raise TypeError(f"{where}: series must be a dict of name → values, got {series!r:.40}")
    checked = {}
    for name, values in series.items():
        checked[name] = [to_float(v) for v in numbers_of(f"{where}: series {name!r}", values, "value")]
    return checked


def _check_size(where: str, name: str, size: object, least: int) -> None:
    if not is_int(size):
        raise TypeError(f"{where}: {name} must be an int, got {size!r}")
    if size < least:
        raise ValueError(f"{where}: {name} must be at least {least}, got {size!r}")


def _check_line_chart_args(series: Mapping[str, Sequence[float]], height: object, width: object) -> None:
    if not series:
        raise ValueError("line_chart: series is empty; give at least one name -> values")
    if not (is_int(height) and is_int(width)):
        raise TypeError(f"line_chart: height and width must be ints, got {height!r} and {width!r}")
    if height < 2 or width < 2:
        raise ValueError(
            f"line_chart: height and width must be at least 2, got {height!r} and {width!r}"
        )


def _points(values: Sequence[float], log: bool) -> list[tuple[int, float]]:
    """(index, value) for every point of a series that can be drawn."""
    return [(i, float(v)) for i, v in enumerate(values) if _plot_y(v, log) is not None]


def _plot_area(points: Mapping[str, list[tuple[int, float]]], smallest: float, largest: float, length: int,
               height: int, width: int, log: bool) -> list[str]:
    low, high = _plot_y(smallest, log), _plot_y(largest, log)
    assert low is not None and high is not None, "smallest and largest are drawable points"
    grid = [[" "] * width for _ in range(height)]
    for marker, pts in zip(itertools.cycle(_MARKERS), points.values()):
        for index, value in pts:
            column = _scale(index, 0, length - 1, width) if length > 1 else 0
            y = _plot_y(value, log)
            assert y is not None, "only drawable points are here"
            row = height - 1 - _scale(y, low, high, height)  # row 0 is the top
            grid[row][column] = marker
    labels = [format_number(largest, flag=False)] + [""] * (height - 2)
    labels.append(format_number(smallest, flag=False))
    margin = max(len(label) for label in labels)
    lines = [f"{label:>{margin}} |{''.join(row)}".rstrip() for label, row in zip(labels, grid)]
    last = str(length - 1)
    lines.append(" " * margin + " +" + "-" * width)
    lines.append(" " * (margin + 2) + "0".ljust(width - len(last)) + last)
    return lines


def _legend(series: Mapping[str, Sequence[float]], points: Mapping[str, list[tuple[int, float]]],
            log: bool) -> list[str]:
    reason = "nan, inf or <= 0 on a log scale" if log else "nan or inf"
    lines = []
    for marker, name in zip(itertools.cycle(_MARKERS), series):
        skipped = len(series[name]) - len(points[name])
        note = ""
        if skipped:
            noun = "point" if skipped == 1 else "points"
            note = f" ({skipped} {noun} not drawn: {reason})"
        lines.append(f"  {marker} {name}{note}")
    if log:
        lines.append("y axis: log scale")
    return lines


# --- sparklines --------------------------------------------------------------


def sparkline(values: Sequence[float], log: bool = False) -> str:
    """One character per value, its height one of ▁▂▃▄▅▆▇█.

    A value that cannot be drawn (nan, inf, or <= 0 with ``log=True``)
    shows as '·', so a gap in the data stays visible.

    >>> sparkline([1, 2, 3, 4, 5, 6, 7, 8])
    '▁▂▃▄▅▆▇█'
    >>> sparkline([1e-8, 1e-4, 1.0, 0.0], log=True)
    '▁▅█·'
    """
    values = [to_float(v) for v in numbers_of("sparkline", values, "value")]
    heights = [_plot_y(v, log) for v in values]
    present = [y for y in heights if y is not None]
    if not present:
        return _MISSING * len(heights)
    low, high = min(present), max(present)
    return "".join(
        _MISSING if y is None else _LEVELS[_scale(y, low, high, len(_LEVELS))]
        for y in heights
    )


# --- PNG files (optional, needs matplotlib) -----------------------------------


def load_pyplot() -> Any:
    """Return matplotlib.pyplot ready to draw into files, or None if it is missing.

    When matplotlib is not installed, say how to get it on stderr.
    """
    try:
        import matplotlib  # lazy: the package works without it
    except ImportError:
        print(MATPLOTLIB_HINT, file=sys.stderr)
        return None
    # 'Agg' draws into files and needs no display, so demos work over SSH and
    # in CI. Only choose it before pyplot is loaded: switching the backend of
    # a running pyplot would close the figures a user has open.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def save_plot(
    path: str | os.PathLike[str],
    series: Mapping[str, Sequence[float]] | None = None,
    *,
    log: bool = False,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
) -> bool:
    """Save a PNG line plot of `series` (name -> values) and return True.

    With ``series=None``, save the current pyplot figure instead, for a demo
    that drew its own. Points that cannot be drawn (nan, inf, and <= 0 on a
    log scale) are left as gaps. Without matplotlib, print how to install it
    and return False, so a demo can carry on with its terminal output.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save_plot: path must be a str or a path, got {path!r:.40}")
    if series is not None:
        series = _checked_series("save_plot", series)
    pyplot = load_pyplot()
    if pyplot is None:
        return False
    figure = pyplot.gcf() if series is None else _draw_series(pyplot, series, log)
    axes = figure.gca()
    if title:
        axes.set_title(title)
    if xlabel:
        axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    if series is not None:
        pyplot.close(figure)  # ours to close; a user's own figure stays open
    return True


def _draw_series(pyplot: Any, series: Mapping[str, Sequence[float]], log: bool) -> Any:
    figure, axes = pyplot.subplots(figsize=(7, 4))
    for name, values in series.items():
        # nan leaves a gap in the line, which is what we want for points
        # matplotlib could not place (or would silently clip on a log axis).
        ys = [float(v) if _plot_y(v, log) is not None else math.nan for v in values]
        axes.plot(range(len(ys)), ys, marker=".", label=name)
    if log:
        axes.set_yscale("log")
    axes.xaxis.get_major_locator().set_params(integer=True)  # steps are whole numbers
    if series:
        axes.legend()
    axes.grid(True, alpha=0.3)
    return figure
