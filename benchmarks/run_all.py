"""Run every benchmark under every CPython on this machine, and check the issue's targets.

For each Python (the one running this script first, then pyenv's versions and
any given with ``--python``; one per minor version, 3.10 or newer) it runs
``mlp_step.py``, ``nielsen_chain.py``, ``digits_step.py`` and ``memory.py``
and prints their output.  Then it compares the digits step across Pythons
(each 3.12+ against 3.11: the issue asks for at least 1.5× faster there; these
are separate processes, run back to back, so this one ratio is not measured
in one process), and with ``--train`` times ``demos/learning_speed.py
--train`` (Nielsen's full protocol: three depths, 500 epochs) on 3.11 and on
the newest Python (target: under 5 minutes of CPU on the newest).

Every ``TARGET`` line goes to ``benchmarks/last_run.txt`` (``--out``), from
which ``readme_table.py`` writes README's speed table.  micrograd and PyTorch
are used where the Python running a benchmark has them installed (a venv:
pass its python with ``--python``); elsewhere their targets print SKIP and why.

    python benchmarks/run_all.py [--python .venv/bin/python ...] [--train] [--quick]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCHMARKS = ["mlp_step.py", "nielsen_chain.py", "digits_step.py", "memory.py"]
QUICK = {"mlp_step.py": ["--rounds", "3", "--loop-rounds", "1"], "nielsen_chain.py": ["--rounds", "3"],
         "digits_step.py": ["--rounds", "2"]}
TRAINING = re.compile(r"\((\[[\d, ]+\]): (\d+) epochs in (\d+) s, (\d+) s of CPU\)")


def version_of(python: str) -> tuple[int, ...] | None:
    """(3, 11, 7) for a runnable CPython, else None."""
    try:
        out = subprocess.run([python, "-c", "import platform, sys; print(platform.python_implementation(), "
                              "*sys.version_info[:3])"], capture_output=True, text=True, timeout=60).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if len(out) != 4 or out[0] != "CPython":
        return None
    return tuple(int(part) for part in out[1:])


def pythons(extra: list[str]) -> dict[tuple[int, int], tuple[str, tuple[int, ...]]]:
    """minor version → (interpreter, full version): the first found of each minor version wins."""
    found: dict[tuple[int, int], tuple[str, tuple[int, ...]]] = {}
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for python in [*extra, sys.executable, *sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python3")))]:
        version = version_of(python)
        if version is None or version < (3, 10):
            continue
        found.setdefault(version[:2], (python, version))
    return dict(sorted(found.items()))


def run(python: str, args: list[str], stderr: bool = False) -> str:
    result = subprocess.run([python, *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        return f"FAILED ({result.returncode}): {result.stderr.strip()[-2000:]}"
    return result.stderr if stderr else result.stdout


def target(name: str, figure: float, bound: float, at_least: bool, unit: str, python: str, collector: str) -> str:
    met = figure >= bound if at_least else figure <= bound
    return (f"TARGET {name} | {figure:.3g}{unit} | {'≥' if at_least else '≤'} {bound:g}{unit} | "
            f"{'PASS' if met else 'MISS'} | {python} | collector {collector}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], help="another interpreter (a venv's python)")
    parser.add_argument("--train", action="store_true", help="also time learning_speed.py --train (minutes)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke test, not a measurement")
    parser.add_argument("--out", default=os.path.join(HERE, "last_run.txt"))
    args = parser.parse_args(argv)
    found = pythons(args.python)
    print("Pythons: " + ", ".join(f"{'.'.join(map(str, v))} ({p})" for p, v in found.values()))
    targets: list[str] = []
    digits: dict[tuple[int, int], float] = {}
    for minor, (python, version) in found.items():
        for name in BENCHMARKS:
            extra = QUICK.get(name, []) if args.quick else []
            with tempfile.TemporaryDirectory() as folder:
                medians = os.path.join(folder, "medians.json")
                if name == "digits_step.py":
                    extra = [*extra, "--json", medians]
                print(f"\n=== {name} on Python {'.'.join(map(str, version))} ===", flush=True)
                out = run(python, [os.path.join(HERE, name), *extra])
                print(out, flush=True)
                targets += [line for line in out.splitlines() if line.startswith("TARGET ")]
                if name == "digits_step.py" and os.path.exists(medians):
                    with open(medians, encoding="utf-8") as f:
                        digits[minor] = json.load(f)["Matrix engine"]
    if (3, 11) in digits:
        for minor, seconds in digits.items():
            if minor >= (3, 12):
                targets.append(target(f"digits step, 3.11 ÷ {minor[0]}.{minor[1]} time", digits[(3, 11)] / seconds,
                                      1.5, True, "×", f"Python {minor[0]}.{minor[1]} vs 3.11", "off"))
    if args.train:
        newest = max(found)
        for minor in sorted({(3, 11), newest} & set(found)):
            python, version = found[minor]
            print(f"\n=== learning_speed.py --train on Python {'.'.join(map(str, version))} ===", flush=True)
            log = run(python, [os.path.join(ROOT, "demos", "learning_speed.py"), "--train"], stderr=True)
            runs = TRAINING.findall(log)
            print("\n".join(f"  {sizes}: {epochs} epochs in {wall} s, {cpu} s of CPU" for sizes, epochs, wall, cpu in runs)
                  or log[-2000:])
            if len(runs) == 3:
                cpu = sum(int(r[3]) for r in runs)
                wall = sum(int(r[2]) for r in runs)
                line = target("learning_speed.py --train, CPU minutes (wall " + f"{wall / 60:.1f})", cpu / 60, 5,
                              False, " min", f"Python {'.'.join(map(str, version))}", "off while training")
                targets.append(line if minor == newest else line.replace("| PASS |", "| (info) |")
                               .replace("| MISS |", "| (info) |"))
    header = f"# benchmarks/run_all.py, {date.today().isoformat()}, {os.cpu_count()} cores"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join([header, *targets]) + "\n")
    print("\n" + "\n".join(targets))
    print(f"\n(written to {os.path.relpath(args.out, ROOT)}; README's table: python benchmarks/readme_table.py)")


if __name__ == "__main__":
    main()
