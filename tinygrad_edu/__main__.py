"""``python -m tinygrad_edu``: the demos' tour, the table of derivative rules, or where to start.

    python -m tinygrad_edu                  # in a clone: list the demos (--lang pt_BR|tr|en)
    python -m tinygrad_edu sigmoid_chain    # run one (its options follow its name); "all" runs them all
    python -m tinygrad_edu rules            # every primitive: domain, kinks, poles and its derivative

The demos live in the repository's ``demos/`` folder, not in the package: the
package imports nothing from them.  In a clone this hands the command line to
``demos/run_all.py``; where they are missing (an installed package) it prints
where to start reading and how to get the demos.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from . import __version__
from .ops import describe_rules

RUN_ALL = Path(__file__).resolve().parent.parent / "demos" / "run_all.py"

GUIDE = f"""tinygrad_edu {__version__}: a from-scratch automatic differentiation engine in pure Python,
written to be read, to show why deep networks are hard to train.

Start reading at tinygrad_edu/backward.py (the chain rule, one loop), then value.py, operators.py
and the table in ops.py; README.md lists the reading order with each file's size.

The demos come with the repository, not with the package.  In a clone:
    python demos/run_all.py                  list them and what each shows
    python demos/sigmoid_chain.py            run one (each takes --seed, --plot FILE.png, --help)

python -m tinygrad_edu rules prints the table of derivative rules."""


def main(argv: list[str] | None = None) -> int:
    """The rule table for ``rules``; otherwise the demos' runner, or the guide without it.

    >>> main(["rules"])  # doctest: +ELLIPSIS
    add(x, y)        domain ℝ × ℝ
    ...
    0
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["rules"]:
        print(describe_rules())
        return 0
    if RUN_ALL.is_file():
        # A separate process, so that the package never imports the demos.
        try:
            return subprocess.call([sys.executable, str(RUN_ALL), *argv])
        except KeyboardInterrupt:  # the demo got the Ctrl-C too and has said so in one line
            return 130
    if not argv or argv[0] in ("-h", "--help"):
        print(GUIDE)
        return 0
    print(f"python -m tinygrad_edu: unknown command {' '.join(argv)!r} (the demos are not here: "
          f"{RUN_ALL.parent} is missing)\n\n{GUIDE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
