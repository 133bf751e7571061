"""``python -m tinygrad_edu``: where to start, and the table of derivative rules.

    python -m tinygrad_edu           # what this is, where to start reading, how to run the demos
    python -m tinygrad_edu rules     # every primitive: domain, kinks, poles and its derivative

The demos live in the repository's ``demos/`` folder, not in the package: the
package knows nothing about them, and runs without them.
"""

from __future__ import annotations

import sys

from . import __version__
from .ops import describe_rules

GUIDE = f"""tinygrad_edu {__version__}: a from-scratch automatic differentiation engine in pure Python,
written to be read, to show why deep networks are hard to train.

Start reading at tinygrad_edu/backward.py (the chain rule, one loop), then value.py, operators.py
and the table in ops.py; README.md lists the reading order with each file's size.

The demos come with the repository, not with the package.  In a clone:
    python demos/run_all.py                  list them and what each shows
    python demos/sigmoid_chain.py            run one (each takes --seed, --plot FILE.png, --help)

python -m tinygrad_edu rules prints the table of derivative rules."""


def main(argv: list[str] | None = None) -> int:
    """Print the guide, or the rule table for ``rules``; 2 for anything else.

    >>> main(["rules"])  # doctest: +ELLIPSIS
    add(x, y)        domain ℝ × ℝ
    ...
    0
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(GUIDE)
        return 0
    if argv == ["rules"]:
        print(describe_rules())
        return 0
    print(f"python -m tinygrad_edu: unknown command {' '.join(argv)!r}\n\n{GUIDE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
