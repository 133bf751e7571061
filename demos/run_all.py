"""List the demos, and run one of them or all of them (``python -m tinygrad_edu`` hands over to this).

What ``--help`` prints, :data:`USAGE`, says how.  A demo is any
``demos/<name>.py`` (not starting with ``_``) with a ``main(argv)`` function:
a new demo appears here by itself.  ``--lang`` before the demo's name (or
after ``all``) chooses the language of everything that follows.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

import _common  # the repository root onto sys.path: runs from a fresh clone
import _i18n
from _common import table
from _i18n import N_, _

DEMOS = Path(__file__).resolve().parent
PROG = "python demos/run_all.py"
USAGE = N_("""List the demos, and run one of them or all of them.

    python demos/run_all.py                          # list the demos and what each teaches
    python demos/run_all.py sigmoid_chain --seed 3   # run one, passing its own options on
    python demos/run_all.py all                      # run every demo at its default settings
    python demos/run_all.py --lang pt_BR ...         # any of these in Portuguese (pt_BR) or Turkish (tr)

``python -m tinygrad_edu`` does the same.  A demo is any ``demos/<name>.py``
(not starting with ``_``) with a ``main(argv)`` function: a new demo appears
here by itself.""")
#: The reading order (the best introduction first); any demo not named here follows alphabetically.
FIRST = ["sigmoid_chain", "deep_linear", "tiny_steps", "sigmoid_window", "squashing", "finite_differences", "float_limits",
         "learning_speed", "saturation", "initialisation", "remedies", "dying_relu", "momentum", "clipping", "batch_norm",
         "residual", "rnn_vs_lstm", "memory_task"]


def demo_names() -> list:
    """Every demo in demos/, the introductory ones first."""
    found = {p.stem for p in DEMOS.glob("*.py") if not p.stem.startswith("_") and p.stem != "run_all"}
    return [name for name in FIRST if name in found] + sorted(found - set(FIRST))


def load(name: str):
    """Import ``demos/<name>.py`` as a module (its ``main(argv)`` runs the demo)."""
    if name not in demo_names():
        raise ValueError(f"run_all: no demo named {name!r}; the demos are: {', '.join(demo_names())}")
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    return importlib.import_module(name)


def summary(name: str) -> str:
    """The first line of a demo's docstring: what it teaches."""
    doc = (load(name).__doc__ or "").strip()
    return _(doc.splitlines()[0]) if doc else _("(no description)")


def listing() -> str:
    rows = [[name, summary(name)] for name in demo_names()]
    return "\n".join([
        _("The demos (each also runs as python demos/<name>.py; add --help for its options):"),
        "",
        table([_("demo"), _("what it shows")], rows),
        "",
        _("Run one:  python demos/run_all.py NAME [options]     (or python -m tinygrad_edu NAME [options])"),
        _("Run all:  python demos/run_all.py all"),
        _("What to look for in each: demos/README.md"),
        _("The table of derivative rules: python -m tinygrad_edu rules"),
    ])


def run_one(name: str, argv: list) -> bool:
    """Run a demo; True when it finished and reported no failed check."""
    result = load(name).main(argv)
    return not (isinstance(result, dict) and result.get("ok") is False)


def run_all(names: list, options: list = ()) -> bool:
    """Run every demo in ``names`` at its defaults (and ``options``: a ``--lang``), then print how each went."""
    rows, all_ok, language = [], True, _i18n.language()
    for name in names:
        print(f"\n{'#' * 100}\n# {name}\n{'#' * 100}")
        start = time.perf_counter()
        try:
            ok, outcome = run_one(name, list(options)), None
        except Exception:  # one broken demo should not hide the others
            traceback.print_exc()
            ok, outcome = False, _("raised an exception (traceback above)")
        seconds = time.perf_counter() - start
        all_ok = all_ok and ok
        _i18n.use(language)  # the table in the language run_all was asked for
        rows.append([name, outcome or (_("checks pass") if ok else _("a check FAILED")),
                     _("{seconds} s").format(seconds=f"{seconds:.2f}")])
    print(f"\n{table([_('demo'), _('outcome'), _('time')], rows)}")
    return all_ok


def main(argv: list | None = None) -> int:
    """List, run one or run all; Ctrl-C stops with one line and status 130 (also under python -m tinygrad_edu)."""
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except KeyboardInterrupt:
        _common.interrupted()
        return 130  # not reached: interrupted() exits


def _main(argv: list) -> int:
    own, argv = _language_first(argv)
    if not argv or argv[0] in ("-h", "--help", "list", "all"):
        own += argv[1:]  # here a --lang may also follow the command
    _i18n.choose(own, PROG)
    language = ["--lang", _i18n.language()] if _i18n.requested(own) else []
    if not argv or argv[0] in ("-h", "--help", "list"):
        print(_(USAGE) if argv[:1] in (["-h"], ["--help"]) else listing())
        return 0
    name, rest = argv[0], argv[1:]
    if name == "all":
        return 0 if run_all(demo_names(), language) else 1
    if name not in demo_names():
        print(_("run_all: no demo named {name}.").format(name=repr(name)) + f"\n\n{listing()}", file=sys.stderr)
        return 2
    return 0 if run_one(name, language + rest) else 1


def _language_first(argv: list) -> tuple:
    """``(the --lang option given before the command, the rest)``: ``--lang tr sigmoid_chain --seed 3``."""
    own = []
    while argv[:1] == ["--lang"] or (argv and argv[0].startswith("--lang=")):
        size = 1 if "=" in argv[0] else 2
        own, argv = own + argv[:size], argv[size:]
    return own, argv


if __name__ == "__main__":
    _common.run(main)
