"""What every benchmark shares: timing in one process, and the lines that report a target.

Timings are medians of CPU time (``time.process_time``: other programs on the
machine disturb it less than wall time) over rounds in which the
implementations take turns, so a slow drift of the machine affects them all
alike.  Ratios, not seconds, are the results: both sides of a ratio are
measured in the same process and the same rounds.

Each target prints one line, in a fixed form that ``run_all.py`` collects and
``readme_table.py`` turns into README's table::

    TARGET <name> | <figure> | <target> | PASS or MISS | Python 3.x.y | collector on/off
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository's tinygrad_edu, not an installed one

PYTHON = f"Python {platform.python_version()}"


def time_blocks(steps: dict[str, Callable[[], object]], rounds: int, collector: bool,
                block_seconds: float = 0.02, collect_between: bool = True, warmup: int = 10) -> dict[str, float]:
    """Median seconds per call of each step.

    Each step is first called ``warmup`` times untimed.  CPython 3.11
    specializes a function's bytecode only from its 8th call on, and a
    training step calls its backward pass once: untimed, the first steps run
    the backward loops unspecialized (on micrograd's graph, 3.11, the Value
    engine's step took 20–23 ms that way and 16–17 ms warm, micrograd's 23–28
    and 21–22 ms).  Then each round times one block of calls per step (enough
    calls to last about ``block_seconds``), the steps taking turns.  ``collect_between`` runs ``gc.collect()`` before
    each block, so that garbage one step leaves (micrograd's reference cycles)
    does not slow the next; ``collector=False`` switches the collector off
    inside the blocks, to time the computation alone.  Then neither side's
    freeing is timed: micrograd's graph, a web of cycles, waits for the
    ``gc.collect()`` between blocks, and whatever a step returns (the loss, and
    with it a graph that reference counting would free at once) is kept until
    the clock has stopped.
    """
    clock = time.process_time
    for step in steps.values():
        for _ in range(warmup):
            step()
    gc.collect()
    block = {}
    for name, step in steps.items():  # calibrate: calls per block
        step()
        start = clock()
        step()
        block[name] = max(1, int(block_seconds / max(clock() - start, 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            if collect_between:
                gc.collect()
            if not collector:
                gc.disable()
            kept = []  # collector off: what each call returns stays alive until the clock stops
            try:
                start = clock()
                for _ in range(block[name]):
                    if collector:
                        step()  # what it returns is freed now, timed: what a training loop pays
                    else:
                        kept.append(step())
                samples[name].append((clock() - start) / block[name])
                kept.clear()  # freed here, untimed
            finally:
                gc.enable()
    return {name: statistics.median(times) for name, times in samples.items()}


def target_line(name: str, figure: float, target: float, at_least: bool, unit: str, collector: bool | None) -> str:
    """One result: ``figure`` against ``target`` (a floor when ``at_least``, else a ceiling)."""
    met = figure >= target if at_least else figure <= target
    bound = "≥" if at_least else "≤"
    state = "collector -" if collector is None else f"collector {'on' if collector else 'off'}"
    return (f"TARGET {name} | {figure:.3g}{unit} | {bound} {target:g}{unit} | {'PASS' if met else 'MISS'} | "
            f"{PYTHON} | {state}")


def skipped_line(name: str, reason: str) -> str:
    """A target that could not be measured here, and why."""
    return f"TARGET {name} | - | - | SKIP ({reason}) | {PYTHON} | collector -"
