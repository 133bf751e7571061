"""Write README's speed table from ``benchmarks/last_run.txt`` (``run_all.py``'s output), never by hand.

The table sits in README.md between the two marker comments below; this
script replaces what is between them.  One row per target and Python.

    python benchmarks/readme_table.py [--run benchmarks/last_run.txt] [--check]

``--check`` changes nothing and fails if README's table is not the one the
run gives (for a test or CI).
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(os.path.dirname(HERE), "README.md")
BEGIN = "<!-- speed table: written by benchmarks/readme_table.py from benchmarks/last_run.txt -->"
END = "<!-- end of speed table -->"


def table(run: str) -> str:
    """The markdown table for the TARGET lines of ``run``."""
    lines = run.splitlines()
    header = lines[0].lstrip("# ") if lines and lines[0].startswith("#") else "benchmarks/run_all.py"
    rows = ["| target | measured | target | result | Python | collector |", "| --- | --- | --- | --- | --- | --- |"]
    for line in lines:
        if line.startswith("TARGET "):
            cells = [cell.strip() for cell in line[len("TARGET "):].split("|")]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([f"From {header}:", "", *rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join(HERE, "last_run.txt"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    with open(args.run, encoding="utf-8") as f:
        new = table(f.read())
    with open(README, encoding="utf-8") as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"README.md has no markers {BEGIN} … {END}")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    updated = f"{head}{BEGIN}\n{new}\n{END}{tail}"
    if args.check:
        sys.exit(0 if updated == readme else "README's speed table is not the one benchmarks/last_run.txt gives")
    with open(README, "w", encoding="utf-8") as f:
        f.write(updated)
    print(f"README.md: speed table from {os.path.relpath(args.run, os.path.dirname(HERE))}")


if __name__ == "__main__":
    main()
