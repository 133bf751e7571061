"""What every demo shares: the import path, the common options, and saving a figure.

A demo is run as ``python demos/<name>.py`` straight from a clone, with
nothing installed.  Python then puts ``demos/`` on ``sys.path``, not the
repository root, so ``import tinygrad_edu`` would fail.  Importing this
module first fixes that, in one place::

    import _common  # the repository root onto sys.path: runs from a fresh clone
    from tinygrad_edu import Value

Every demo also takes ``--seed`` (all randomness comes from
``random.Random(seed)``, so the same seed prints the same numbers) and
``--plot FILE.png`` (a figure, when matplotlib is installed).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
from pathlib import Path

if sys.version_info < (3, 10):  # the engine uses 3.10 syntax: say so instead of a TypeError deep inside
    sys.exit(f"tinygrad_edu needs Python 3.10 or newer; this is Python {sys.version.split()[0]}.")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tinygrad_edu.plot import format_number, line_chart, load_pyplot  # noqa: E402  (needs the path above)


def _printable_output() -> None:
    """Make sure stdout can print σ′, ∂ and ₁ (a Windows console or a pipe may default to cp1252)."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "σ′∂₁≤█".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8")


_printable_output()

#: Default seed of every demo.
SEED = 0
#: The largest seed accepted: random.Random takes any integer, but a seed is a label, not a size.
MAX_SEED = 2**63 - 1
#: The figure formats matplotlib writes with nothing else installed.
FIGURE_FORMATS = (".png", ".pdf", ".svg")


class DemoParser(argparse.ArgumentParser):
    """argparse, with a refusal in one line instead of the usage block and the error.

    A demo refuses a bad option before it starts any work: ``--layers -3``,
    ``--layers 10**9``, ``--plot missing/folder/x.png`` each end here, with the
    option, what it accepts and what it got, and exit status 2 (argparse's).
    """

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (--help lists the options)\n")


def parser(doc: str, path: str) -> argparse.ArgumentParser:
    """An argument parser with the options every demo has: ``--seed`` and ``--plot``.

    ``doc`` is the demo's module docstring (its first line becomes the
    description) and ``path`` its ``__file__`` (for the usage line, which then
    reads the same however the demo was started).
    """
    first_line = doc.strip().splitlines()[0] if doc and doc.strip() else ""
    p = DemoParser(prog=f"python demos/{Path(path).name}", description=first_line)
    p.add_argument("--seed", type=whole_number(0, MAX_SEED), default=SEED,
                   help=f"seed of random.Random, 0 to 2⁶³ − 1 (default {SEED})")
    p.add_argument("--plot", metavar="FILE.png", type=figure_path,
                   help="also save a figure to FILE.png (.pdf and .svg work too; needs matplotlib)")
    return p


def whole_number(low: int, high: int):
    """argparse type: an integer from ``low`` to ``high``, both included.

    Every size a demo accepts has an upper end: a number of layers or steps
    so large that the demo would run for hours (or run out of memory) is
    refused up front, in one line, instead of leaving the learner waiting.

    >>> whole_number(1, 5000)("7000")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a whole number from 1 to 5000, got 7000
    """
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {n}")
        return n
    parse.__name__ = "whole number"  # what argparse calls the type in its own messages
    return parse


def number(low: float, high: float, *, open_low: bool = False):
    """argparse type: a finite float from ``low`` to ``high`` (``low`` itself excluded with ``open_low``).

    >>> number(0.0, 10.0, open_low=True)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a number above 0 and at most 10, got '0'
    """
    low_text, high_text = f"{low:g}", f"{high:g}"
    wanted = (f"a number above {low_text} and at most {high_text}" if open_low
              else f"a number from {low_text} to {high_text}")

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not (math.isfinite(x) and (low < x if open_low else low <= x) and x <= high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return x
    parse.__name__ = "number"
    return parse


#: The most work a demo agrees to do in one run, in multiply-adds (pure Python does about 2e7 a second;
#: each operation on a small matrix also costs Python's own overhead, about 200 multiply-adds' worth).
MAX_WORK = 1e9
#: What one engine operation costs beyond its multiply-adds, in multiply-adds (measured: ~10 µs a node).
NODE = 200


def refuse_if_too_big(p: argparse.ArgumentParser, work: float, what: str, limit: float = MAX_WORK) -> None:
    """Refuse, in one line, a combination of options whose work is beyond ``limit`` (:data:`MAX_WORK`).

    Each option has its own range, but some products of them (a wide, deep
    network, trained long, on many seeds) would run for hours; ``work`` is the
    demo's count of multiply-adds for the options given.  A demo whose long
    run is the point (Nielsen's experiment on the real MNIST) passes a larger
    ``limit`` and says in its help how long it takes.
    """
    if work > limit:
        minutes = limit / MAX_WORK * 1.5
        p.error(f"{what} needs about {work:.1e} multiply-adds, more than the {limit:.0e} this demo does in one run "
                f"(about {minutes:.0f} minutes of pure Python): choose smaller settings")


def layer_work(n_in: int, n_out: int, batch: int) -> float:
    """The work of one Linear layer and its activation on a batch, forward: multiply-adds plus overhead."""
    return n_in * n_out * batch + 3 * NODE


def at_most(p: argparse.ArgumentParser, values: list, count: int, option: str) -> None:
    """Refuse more than ``count`` values for an option that takes a list."""
    if len(values) > count:
        p.error(f"argument {option}: expected at most {count} values, got {len(values)}")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, with no upper end (prefer :func:`whole_number`, which has one)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {n}")
    return n


def finite_float(text: str) -> float:
    """argparse type: a finite float (nan and inf are not settings; prefer :func:`number`)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return x


def figure_path(text: str) -> str:
    """argparse type for ``--plot``: checked before the demo does any work.

    A name without an extension gets ``.png`` (matplotlib would add it too,
    and the demo then prints the name of the file it really wrote).  The
    folder must exist and be writable, the extension must be one matplotlib
    writes on its own, and the name must not be a folder.

    >>> figure_path("chain")
    'chain.png'
    >>> figure_path("chain.jpgx")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: cannot save a figure as '.jpgx': use .png, .pdf or .svg
    """
    if not text or not text.strip():
        raise argparse.ArgumentTypeError("expected a file name such as figure.png, got an empty name")
    path = Path(text)
    if path.suffix == "":
        path = path.with_name(path.name + ".png")
    if path.suffix.lower() not in FIGURE_FORMATS:
        raise argparse.ArgumentTypeError(f"cannot save a figure as {path.suffix!r}: use .png, .pdf or .svg")
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {str(folder)!r} does not exist (for the figure {text!r})")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file name")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write into the folder {str(folder)!r}")
    return str(path)


def relative_error(measured: float, expected: float) -> float:
    """|measured − expected| / |expected|, 0 when both are equal (even both 0 or both inf)."""
    if measured == expected:
        return 0.0
    if expected == 0 or not math.isfinite(expected):
        return math.inf
    return abs(measured - expected) / abs(expected)


def error_text(err: float) -> str:
    """A relative error for a table: '0' for exact agreement (not flagged as an underflow)."""
    return "0" if err == 0 else format_number(err, 2, flag=False)


def heading(text: str) -> str:
    """A section title, underlined."""
    return f"\n{text}\n{'=' * len(text)}"


def opening(title: str, source: str, look_for: list) -> None:
    """What every demo prints first: its title, its source, and what to look for."""
    print(title)
    print("=" * len(title))
    say(f"Source: {source}")
    print("What to look for:")
    for item in look_for:
        print(textwrap.fill(item, WIDTH, initial_indent="  • ", subsequent_indent="    ",
                            break_on_hyphens=False))


def lesson(text: str) -> None:
    """What every demo prints last: the lesson, in one paragraph."""
    print()
    say(f"Lesson: {text}")


def chart(series: dict, x_first, x_last, x_name: str, *, log: bool = False, height: int = 10,
          width: int | None = None, title: str | None = None) -> str:
    """A terminal line chart whose x axis shows the real variable, not the index of the point.

    :func:`tinygrad_edu.plot.line_chart` numbers its x axis 0 … n − 1; here
    the axis reads ``x_first … x_last`` with the variable's name in between
    (the points are evenly spaced in x, as every demo's are).
    """
    length = max(len(v) for v in series.values())
    width = width or min(60, max(length, 10))
    lines = line_chart(series, log=log, height=height, width=width, title=title).splitlines()
    for k, line in enumerate(lines):
        if " +-" in line and set(line.strip()) <= {"+", "-"}:
            left, right = _tick(x_first), _tick(x_last)
            plus = line.index("+")
            gap = max(1, width - len(left) - len(right))
            middle = x_name.center(gap) if len(x_name) + 2 <= gap else " " * gap
            lines[k + 1] = " " * (plus + 1) + left + middle + right
            break
    return "\n".join(lines)


def _tick(x) -> str:
    return str(x) if isinstance(x, (int, str)) else format_number(x, flag=False)


def save_figure(path: str, panels: list) -> bool:
    """Save one row of panels to ``path``; return True if the file was written.

    A panel is ``(title, series, log_y, xlabel, ylabel)`` with ``series`` a
    dict name -> (xs, ys), or (xs, ys, fmt) with a matplotlib format string
    such as "o" (points, no line); or a function ``draw(ax)`` for a panel that
    is not a line plot (a heatmap).  Points a log axis cannot show are not
    dropped silently: an exact 0 is marked ▼ on the bottom edge and inf ▲ on
    the top edge, each with its own legend entry.  The file is written under
    a temporary name and renamed when complete, so an interrupted run never
    leaves half a figure.  Without matplotlib,
    :func:`tinygrad_edu.plot.load_pyplot` prints how to install it and we
    return False: the demo's terminal output is complete without the figure.
    """
    pyplot = load_pyplot()
    if pyplot is None:
        return False
    figure, axes = pyplot.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        if callable(panel):
            panel(ax)
        else:
            _line_panel(ax, *panel)
    figure.tight_layout()
    write_figure(pyplot, figure, path)
    return True


def write_figure(pyplot, figure, path: str, dpi: int = 120) -> None:
    """Write a finished matplotlib ``figure`` to ``path`` and close it.

    The file is written under a temporary name and renamed when complete, so
    an interrupted run never leaves half a figure; the name printed is the
    file written.
    """
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        figure.savefig(partial, dpi=dpi, format=target.suffix[1:].lower())
        os.replace(partial, target)
    finally:
        pyplot.close(figure)
        if partial.exists():
            partial.unlink()
    print(f"\nfigure saved to {target}")


def _line_panel(ax, title: str, series: dict, log_y: bool, xlabel: str, ylabel: str) -> None:
    zeros, infs = [], []
    for name, (xs, ys, *fmt) in series.items():
        drawable = [y if _drawable(y, log_y) else math.nan for y in ys]
        if fmt:
            lines = ax.plot(xs, drawable, *fmt, label=name)
        else:
            lines = ax.plot(xs, drawable, marker="." if len(xs) <= 60 else None, label=name)
        colour = lines[0].get_color()
        zeros += [(x, colour) for x, y in zip(xs, ys) if log_y and y == 0]
        infs += [(x, colour) for x, y in zip(xs, ys) if isinstance(y, float) and math.isinf(y)]
    if all(isinstance(x, int) for _, (xs, *_) in series.items() for x in xs):
        ax.xaxis.get_major_locator().set_params(integer=True)  # layers and steps are whole numbers
    if log_y:
        ax.set_yscale("log")
    low, high = ax.get_ylim()
    for points, edge, marker, label in ((zeros, low, "v", "exactly 0 (below any log axis)"),
                                        (infs, high, "^", "inf (overflow)")):
        if points:
            ax.scatter([x for x, _ in points], [edge] * len(points), marker=marker, s=40 if len(points) <= 20 else 10,
                       clip_on=False,
                       c=[c for _, c in points], zorder=5, label=label)
    ax.set_ylim(low, high)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if len(series) > 1 or zeros or infs:
        ax.legend(fontsize="small")


def _drawable(y: float, log_y: bool) -> bool:
    return math.isfinite(y) and (y > 0 or not log_y)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sub(n: int) -> str:
    """An index as a subscript, as in b₁: ``sub(12) == '₁₂'``."""
    return str(n).translate(_SUBSCRIPTS)


def sup(n: int) -> str:
    """An exponent as a superscript, as in c⁵⁰: ``sup(-3) == '⁻³'``."""
    return str(n).translate(_SUPERSCRIPTS)


WIDTH = 100  # prose is wrapped to this many columns


def say(text: str) -> None:
    """Print a paragraph of prose, wrapped to ``WIDTH`` columns."""
    print(textwrap.fill(text, WIDTH, break_on_hyphens=False))


def run(main) -> None:
    """Run a demo as a script: exit with 0 if all its checks passed, 1 if not.

    ``main()`` returns the demo's dict (its ``"ok"`` says whether every check
    passed) or, for run_all, an exit status.  Piping a demo into ``head``
    closes the pipe early; the demo then stops quietly instead of with a
    BrokenPipeError traceback.  Ctrl-C stops it with one line and the status
    130 (128 + SIGINT, what a shell reports for an interrupted program).
    """
    try:
        result = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(1)
    except KeyboardInterrupt:
        interrupted()
    if isinstance(result, int):
        sys.exit(result)
    sys.exit(0 if result["ok"] else 1)


def interrupted() -> None:
    """Ctrl-C: one line on stderr, exit status 130, no traceback."""
    name = Path(sys.argv[0]).name
    if name == "__main__.py":  # started as python -m tinygrad_edu
        name = "python -m tinygrad_edu"
    print(f"\n{name}: stopped by Ctrl-C before the end", file=sys.stderr)
    sys.exit(130)
