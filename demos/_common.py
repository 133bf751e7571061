"""What every demo shares: the import path, the common options, and saving a figure.

A demo is run as ``python demos/<name>.py`` straight from a clone, with
nothing installed.  Python then puts ``demos/`` on ``sys.path``, not the
repository root, so ``import tinygrad_edu`` would fail.  Importing this
module first fixes that, in one place::

    import _common  # the repository root onto sys.path: runs from a fresh clone
    from tinygrad_edu import Value

Every demo also takes ``--seed`` (all randomness comes from
``random.Random(seed)``, so the same seed prints the same numbers),
``--plot FILE.png`` (a figure, when matplotlib is installed) and
``--lang en|pt_BR|tr`` (the language it speaks: see demos/_i18n.py).  Every
sentence printed here goes through gettext's ``_()``.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import textwrap
from pathlib import Path

if sys.version_info < (3, 10):  # the engine uses 3.10 syntax: say so instead of a TypeError deep inside
    sys.exit(f"tinygrad_edu needs Python 3.10 or newer; this is Python {sys.version.split()[0]}.")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tinygrad_edu.notation as notation  # noqa: E402  (needs the path above)
import tinygrad_edu.plot as plot  # noqa: E402
from tinygrad_edu.notation import subscript as sub, superscript as sup  # noqa: E402, F401  (for the demos)

import _i18n  # noqa: E402
from _i18n import N_, _, ngettext  # noqa: E402


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


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with its "usage:" in the demo's language."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class DemoParser(argparse.ArgumentParser):
    """argparse, with a refusal in one line instead of the usage block and the error.

    A demo refuses a bad option before it starts any work: ``--layers -3``,
    ``--layers 10**9``, ``--plot missing/folder/x.png`` each end here, with the
    option, what it accepts and what it got, and exit status 2 (argparse's).
    Its help speaks the language chosen when it was made: the words argparse
    adds itself ("usage:", "options", the -h line, "argument --seed:") are
    given here.  The few error phrases argparse writes on its own
    ("unrecognized arguments", "expected one argument") stay in English:
    they come from Python's own catalog.
    """

    def __init__(self, **kwargs) -> None:
        # exit_on_error=False: a bad value comes back as an ArgumentError, whose "argument --seed:" we word
        super().__init__(add_help=False, formatter_class=HelpFormatter, exit_on_error=False, **kwargs)
        self._optionals.title = _("options")  # argparse names this group before we could translate it
        self.add_argument("-h", "--help", action="help", help=_("show this help message and exit"))

    def error(self, message: str):
        self.exit(2, _("{prog}: error: {message} (--help lists the options)").format(prog=self.prog, message=message)
                  + "\n")

    def parse_known_args(self, args=None, namespace=None):
        """Parse, and speak the --lang given (it is read before, too: see :func:`parser`)."""
        try:
            parsed, extras = super().parse_known_args(args, namespace)
        except argparse.ArgumentError as refused:
            self.refuse(refused)
        if getattr(parsed, "lang", None) and parsed.lang != _i18n.language():
            _i18n.use(parsed.lang)  # an abbreviation such as --la tr, which argparse accepts
        return parsed, extras

    def parse_args(self, args=None, namespace=None):
        try:
            return super().parse_args(args, namespace)
        except argparse.ArgumentError as refused:  # Python 3.13 raises "unrecognized arguments" here
            self.refuse(refused)

    def refuse(self, refused: argparse.ArgumentError):
        """End with the one-line error of an ArgumentError, its "argument --seed:" in the demo's language."""
        if refused.argument_name is None:
            self.error(refused.message)
        self.error(_("argument {option}: {message}").format(option=refused.argument_name, message=refused.message))


def parser(doc: str, path: str, argv: list | None = None) -> argparse.ArgumentParser:
    """An argument parser with the options every demo has: ``--seed``, ``--plot`` and ``--lang``.

    ``doc`` is the demo's module docstring (its first line becomes the
    description) and ``path`` its ``__file__`` (for the usage line, which then
    reads the same however the demo was started).  ``argv`` is what the demo
    will parse (``sys.argv[1:]`` when None): its ``--lang`` is read now, before
    any help text is written, and the language chosen (else the environment's).
    """
    prog = f"python demos/{Path(path).name}"
    _i18n.choose(sys.argv[1:] if argv is None else list(argv), prog)
    first_line = doc.strip().splitlines()[0] if doc and doc.strip() else ""
    p = DemoParser(prog=prog, description=_(first_line) if first_line else "")
    p.add_argument("--seed", type=whole_number(0, MAX_SEED), default=SEED,
                   help=_("seed of random.Random, 0 to 2⁶³ − 1 (default {seed})").format(seed=SEED))
    p.add_argument("--plot", metavar="FILE.png", type=figure_path,
                   help=_("also save a figure to FILE.png (.pdf and .svg work too; needs matplotlib)"))
    p.add_argument("--lang", choices=_i18n.available(),
                   help=_("the language of what the demo prints: {languages} (default: the first one that "
                          "LANGUAGE, LC_ALL, LC_MESSAGES or LANG names, else en)").format(
                       languages=", ".join(_i18n.available())))
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
        wanted = _("expected a whole number from {low} to {high}, got {value}")
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(wanted.format(low=low, high=high, value=repr(text))) from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(wanted.format(low=low, high=high, value=n))
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

    def parse(text: str) -> float:
        wanted = (_("expected a number above {low} and at most {high}, got {value}") if open_low
                  else _("expected a number from {low} to {high}, got {value}"))
        message = wanted.format(low=low_text, high=high_text, value=repr(text))
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message) from None
        if not (math.isfinite(x) and (low < x if open_low else low <= x) and x <= high):
            raise argparse.ArgumentTypeError(message)
        return x
    parse.__name__ = "number"
    return parse


#: The most work a demo agrees to do in one run, in multiply-adds (pure Python does about 2e7 a second;
#: each operation on a small matrix also costs Python's own overhead, about 200 multiply-adds' worth).
MAX_WORK = 1e9
#: What one engine operation costs beyond its multiply-adds, in multiply-adds (measured: ~10 µs a node).
NODE = 200


#: What a refusal for too much work says, by what is too big: each a whole sentence, for the translators.
TOO_BIG = {
    "run": N_("this run needs about {work} multiply-adds, more than the {limit} this demo does in one run "
              "(about {minutes} minutes of pure Python): choose smaller settings"),
    "network": N_("this network needs about {work} multiply-adds, more than the {limit} this demo does in one run "
                  "(about {minutes} minutes of pure Python): choose smaller settings"),
    "training": N_("training with these settings needs about {work} multiply-adds, more than the {limit} this "
                   "demo does in one run (about {minutes} minutes of pure Python): choose smaller settings"),
    "grid": N_("this grid needs about {work} multiply-adds, more than the {limit} this demo does in one run "
               "(about {minutes} minutes of pure Python): choose smaller settings"),
    "initialisation": N_("the pass at initialisation with these settings needs about {work} multiply-adds, more "
                         "than the {limit} this demo does in one run (about {minutes} minutes of pure Python): "
                         "choose smaller settings"),
}


def refuse_if_too_big(p: argparse.ArgumentParser, work: float, what: str, limit: float = MAX_WORK) -> None:
    """Refuse, in one line, a combination of options whose work is beyond ``limit`` (:data:`MAX_WORK`).

    Each option has its own range, but some products of them (a wide, deep
    network, trained long, on many seeds) would run for hours; ``work`` is the
    demo's count of multiply-adds for the options given, and ``what`` says
    what would do it, a key of :data:`TOO_BIG`.  A demo whose long run is the
    point (Nielsen's experiment on the real MNIST) passes a larger ``limit``
    and says in its help how long it takes.
    """
    if work > limit:
        minutes = limit / MAX_WORK * 1.5
        p.error(_(TOO_BIG[what]).format(work=f"{work:.1e}", limit=f"{limit:.0e}", minutes=f"{minutes:.0f}"))


def layer_work(n_in: int, n_out: int, batch: int) -> float:
    """The work of one Linear layer and its activation on a batch, forward: multiply-adds plus overhead."""
    return n_in * n_out * batch + 3 * NODE


def at_most(p: argparse.ArgumentParser, values: list, count: int, option: str) -> None:
    """Refuse more than ``count`` values for an option that takes a list."""
    if len(values) > count:
        p.error(ngettext("argument {option}: expected at most {count} value, got {given}",
                         "argument {option}: expected at most {count} values, got {given}", count).format(
            option=option, count=count, given=len(values)))


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, with no upper end (prefer :func:`whole_number`, which has one)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a whole number, got {value}").format(value=repr(text))) from None
    if n < 1:
        raise argparse.ArgumentTypeError(_("expected a number >= 1, got {value}").format(value=n))
    return n


def finite_float(text: str) -> float:
    """argparse type: a finite float (nan and inf are not settings; prefer :func:`number`)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a number, got {value}").format(value=repr(text))) from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(_("expected a finite number, got {value}").format(value=repr(text)))
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
        raise argparse.ArgumentTypeError(_("expected a file name such as figure.png, got an empty name"))
    path = Path(text)
    if path.suffix == "":
        path = path.with_name(path.name + ".png")
    if path.suffix.lower() not in FIGURE_FORMATS:
        raise argparse.ArgumentTypeError(_("cannot save a figure as {suffix}: use .png, .pdf or .svg").format(
            suffix=repr(path.suffix)))
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(_("the folder {folder} does not exist (for the figure {name})").format(
            folder=repr(str(folder)), name=repr(text)))
    if path.is_dir():
        raise argparse.ArgumentTypeError(_("{name} is a folder, not a file name").format(name=repr(text)))
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(_("cannot write into the folder {folder}").format(folder=repr(str(folder))))
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


# ---------------------------------------------------------------------------
# tinygrad_edu.plot's pictures, with the words it writes in them translated
# ---------------------------------------------------------------------------

#: The words tinygrad_edu.notation writes for a number it will not print as one (notation.flag_nonfinite).
FLAGS = {"inf (overflow)": N_("inf (overflow)"), "-inf (overflow)": N_("-inf (overflow)"),
         "0 (underflow)": N_("0 (underflow)"), "nan (not a number)": N_("nan (not a number)")}


def format_number(x: float, digits: int = 4, *, flag: bool = True) -> str:
    """:func:`tinygrad_edu.notation.format_number`, its words for inf, nan and an exact 0 in the demo's language.

    The digits are the library's, untouched: the same in every language.

    >>> format_number(0.25), format_number(float("inf"))
    ('0.25', 'inf (overflow)')
    """
    text = notation.format_number(x, digits, flag=flag)
    return _(FLAGS[text]) if flag and text in FLAGS else text


#: The lines tinygrad_edu.plot adds under its charts, as patterns, and the message each one says.
_CHART_LINES = [
    (r"\(log scale: bar length grows with log10 \|value\|, from (?P<low>\S+) to (?P<high>\S+)\)",
     N_("(log scale: bar length grows with log10 |value|, from {low} to {high})")),
    (r"\(log scale: no finite nonzero value to draw\)", N_("(log scale: no finite nonzero value to draw)")),
    (r"\(nothing to plot: no drawable point\)", N_("(nothing to plot: no drawable point)")),
    (r"y axis: log scale", N_("y axis: log scale")),
]
_NOT_DRAWN = re.compile(r"(?P<start>  \S (?:.*)) \((?P<count>\d+) points? not drawn: (?P<reason>nan, inf or <= 0 on a "
                        r"log scale|nan or inf)\)")


def localise_chart(text: str) -> str:
    """A chart from tinygrad_edu.plot with the words the library wrote in it in the demo's language.

    The library writes a flagged number at the end of a bar, a footnote under
    a log-scale bar chart, and the legend of a line chart; its numbers stay
    as they are.
    """
    lines = text.split("\n")
    for k, line in enumerate(lines):
        for english, message in FLAGS.items():
            if line.endswith("| " + english):
                lines[k] = line[:-len(english)] + _(message)
        for pattern, message in _CHART_LINES:
            found = re.fullmatch(pattern, line)
            if found:
                lines[k] = _(message).format(**found.groupdict())
        found = _NOT_DRAWN.fullmatch(line)
        if found:
            count = int(found["count"])
            if found["reason"] == "nan or inf":
                note = ngettext("({count} point not drawn: nan or inf)", "({count} points not drawn: nan or inf)",
                                count)
            else:
                note = ngettext("({count} point not drawn: nan, inf or <= 0 on a log scale)",
                                "({count} points not drawn: nan, inf or <= 0 on a log scale)", count)
            lines[k] = found["start"] + " " + note.format(count=count)
    return "\n".join(lines)


def table(headers: list, rows: list, align=None) -> str:
    """:func:`tinygrad_edu.plot.table`, a float cell flagged (inf, nan, an exact 0) in the demo's language."""
    rows = [[format_number(cell) if isinstance(cell, float) else cell for cell in row] for row in rows]
    return plot.table(headers, rows, align)


def bar_chart(labels: list, values: list, **options) -> str:
    """:func:`tinygrad_edu.plot.bar_chart`, its words in the demo's language."""
    return localise_chart(plot.bar_chart(labels, values, **options))


def line_chart(series: dict, **options) -> str:
    """:func:`tinygrad_edu.plot.line_chart`, its words in the demo's language."""
    return localise_chart(plot.line_chart(series, **options))


def load_pyplot():
    """:func:`tinygrad_edu.plot.load_pyplot`, saying how to get matplotlib in the demo's language."""
    try:
        import matplotlib  # noqa: F401  (only to know whether it is there)
    except ImportError:
        print(_('--plot needs matplotlib: python -m pip install -e ".[plot]"'), file=sys.stderr)
        return None
    return plot.load_pyplot()


def heading(text: str) -> str:
    """A section title, underlined."""
    return f"\n{text}\n{'=' * len(text)}"


def opening(title: str, source: str, look_for: list) -> None:
    """What every demo prints first: its title, its source, and what to look for."""
    print(title)
    print("=" * len(title))
    say(_("Source: {source}").format(source=source))
    print(_("What to look for:"))
    for item in look_for:
        print(textwrap.fill(item, WIDTH, initial_indent="  • ", subsequent_indent="    ",
                            break_on_hyphens=False))


def lesson(text: str) -> None:
    """What every demo prints last: the lesson, in one paragraph."""
    print()
    say(_("Lesson: {lesson}").format(lesson=text))


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
    print("\n" + _("figure saved to {path}").format(path=target))


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
    for points, edge, marker, label in ((zeros, low, "v", _("exactly 0 (below any log axis)")),
                                        (infs, high, "^", _("inf (overflow)"))):
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
    print("\n" + _("{name}: stopped by Ctrl-C before the end").format(name=name), file=sys.stderr)
    sys.exit(130)
