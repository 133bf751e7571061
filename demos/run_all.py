"""List the demos, and run one of them or all of them.

    python demos/run_all.py                          # list the demos and what each teaches
    python demos/run_all.py sigmoid_chain --seed 3   # run one, passing its own options on
    python demos/run_all.py all                      # run every demo at its default settings

A demo is any ``demos/<name>.py`` (not starting with ``_``) with a
``main(argv)`` function: a new demo appears here by itself.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

import _common  # noqa: F401  (the repository root onto sys.path: runs from a fresh clone)

from tinygrad_edu.plot import table

DEMOS = Path(__file__).resolve().parent
#: Listed first, in this order (the best introduction first); the others follow alphabetically.
FIRST = ["sigmoid_chain", "deep_linear", "sigmoid_window"]


def demo_names() -> list:
    """Every demo in demos/, the introductory ones first."""
    found = {p.stem for p in DEMOS.glob("*.py") if not p.stem.startswith("_") and p.stem != "run_all"}
    return [name for name in FIRST if name in found] + sorted(found - set(FIRST))


def load(name: str):
    """Import ``demos/<name>.py`` as a module (its ``main(argv)`` runs the demo)."""
    if name not in demo_names():
        raise ValueError(f"run_all: no demo named {name!r}; the demos are: {', '.join(demo_names())}")
    return importlib.import_module(name)  # demos/ is on sys.path: the folder of the script that runs


def summary(name: str) -> str:
    """The first line of a demo's docstring: what it teaches."""
    doc = (load(name).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else "(no description)"


def listing() -> str:
    rows = [[name, summary(name)] for name in demo_names()]
    return "\n".join([
        "The demos (each also runs as python demos/<name>.py; add --help for its options):",
        "",
        table(["demo", "what it shows"], rows),
        "",
        "Run one:  python demos/run_all.py NAME [options]",
        "Run all:  python demos/run_all.py all",
        "What to look for in each: demos/README.md",
    ])


def run_one(name: str, argv: list) -> bool:
    """Run a demo; True when it finished and reported no failed check."""
    result = load(name).main(argv)
    return not (isinstance(result, dict) and result.get("ok") is False)


def run_all(names: list) -> bool:
    """Run every demo in ``names`` at its defaults, then print a table of how each went."""
    rows, all_ok = [], True
    for name in names:
        print(f"\n{'#' * 100}\n# {name}\n{'#' * 100}")
        start = time.perf_counter()
        try:
            ok, outcome = run_one(name, []), None
        except Exception:  # one broken demo should not hide the others
            traceback.print_exc()
            ok, outcome = False, "raised an exception (traceback above)"
        seconds = time.perf_counter() - start
        all_ok = all_ok and ok
        rows.append([name, outcome or ("checks pass" if ok else "a check FAILED"), f"{seconds:.2f} s"])
    print(f"\n{table(['demo', 'outcome', 'time'], rows)}")
    return all_ok


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "list"):
        print(__doc__.strip() if argv[:1] in (["-h"], ["--help"]) else listing())
        return 0
    name, rest = argv[0], argv[1:]
    if name == "all":
        return 0 if run_all(demo_names()) else 1
    if name not in demo_names():
        print(f"run_all: no demo named {name!r}.\n\n{listing()}", file=sys.stderr)
        return 2
    return 0 if run_one(name, rest) else 1


if __name__ == "__main__":
    sys.exit(main())
