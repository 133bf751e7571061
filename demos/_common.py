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

from tinygrad_edu.notation import format_number  # noqa: E402  (needs the path above)
from tinygrad_edu.notation import subscript as sub, superscript as sup  # noqa: E402, F401  (for the demos)
from tinygrad_edu.plot import load_pyplot  # noqa: E402


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


def parser(doc: str, path: str) -> argparse.ArgumentParser:
    """An argument parser with the options every demo has: ``--seed`` and ``--plot``.

    ``doc`` is the demo's module docstring (its first line becomes the
    description) and ``path`` its ``__file__`` (for the usage line, which then
    reads the same however the demo was started).
    """
    first_line = doc.strip().splitlines()[0] if doc and doc.strip() else ""
    p = argparse.ArgumentParser(prog=f"python demos/{Path(path).name}", description=first_line)
    p.add_argument("--seed", type=int, default=SEED, help=f"seed of random.Random (default {SEED})")
    p.add_argument("--plot", metavar="FILE.png", help="also save a figure to FILE.png (needs matplotlib)")
    return p


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (a network needs at least one layer)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {n}")
    return n


def finite_float(text: str) -> float:
    """argparse type: a finite float (nan and inf are not settings)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return x


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


def save_figure(path: str, panels: list) -> bool:
    """Save one row of line plots to ``path``; return True if the file was written.

    ``panels`` is a list of ``(title, series, log_y, xlabel, ylabel)`` with
    ``series`` a dict name -> (xs, ys), or (xs, ys, fmt) with a matplotlib
    format string such as "o" (points, no line).  Points that cannot be drawn (inf,
    nan, and <= 0 on a log axis) are left as gaps.  Without matplotlib,
    :func:`tinygrad_edu.plot.load_pyplot` prints how to install it and we
    return False: the demo's terminal output is complete without the figure.
    """
    pyplot = load_pyplot()
    if pyplot is None:
        return False
    figure, axes = pyplot.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, (title, series, log_y, xlabel, ylabel) in zip(axes[0], panels):
        for name, (xs, ys, *fmt) in series.items():
            drawable = [y if _drawable(y, log_y) else math.nan for y in ys]
            if fmt:
                ax.plot(xs, drawable, *fmt, label=name)
            else:
                ax.plot(xs, drawable, marker="." if len(xs) <= 60 else None, label=name)
        if all(isinstance(x, int) for _, (xs, *_) in series.items() for x in xs):
            ax.xaxis.get_major_locator().set_params(integer=True)  # layers are whole numbers
        if log_y:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        if len(series) > 1:
            ax.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)
    print(f"\nfigure saved to {path}")
    return True


def _drawable(y: float, log_y: bool) -> bool:
    return math.isfinite(y) and (y > 0 or not log_y)


WIDTH = 100  # prose is wrapped to this many columns


def say(text: str) -> None:
    """Print a paragraph of prose, wrapped to ``WIDTH`` columns."""
    print(textwrap.fill(text, WIDTH, break_on_hyphens=False))


def run(main) -> None:
    """Run a demo as a script: exit with 0 if all its checks passed, 1 if not.

    Piping a demo into ``head`` closes the pipe early; the demo then stops
    quietly instead of with a BrokenPipeError traceback.
    """
    try:
        ok = main()["ok"]
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(1)
    sys.exit(0 if ok else 1)
