"""``python -m tinygrad_edu``: list the demos, or run one or all of them.

The demos live in the ``demos/`` folder next to this package in a clone of
the repository; this hands the command line to ``demos/run_all.py``:

    python -m tinygrad_edu                  # list the demos
    python -m tinygrad_edu sigmoid_chain    # run one (its options follow its name)
    python -m tinygrad_edu all              # run them all
"""

from __future__ import annotations

import sys
from pathlib import Path

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def main(argv: list | None = None) -> int:
    if not (DEMOS / "run_all.py").is_file():
        print(f"python -m tinygrad_edu: the demos are not here ({DEMOS} is missing). They ship with the "
              "repository, not with an installed package: clone it and run python demos/run_all.py.",
              file=sys.stderr)
        return 1
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    import run_all  # demos/run_all.py

    return run_all.main(argv)


if __name__ == "__main__":
    sys.exit(main())
