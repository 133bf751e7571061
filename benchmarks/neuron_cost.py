"""Where a ``dot`` neuron's time goes: from a lean node to the Value engine's, one thing at a time.

``mlp_step.py`` times whole training steps; this script takes one neuron of
its hidden layer (16 inputs that are nodes, as ``dot(w, a, b)`` sees them)
and one of its first layer (2 inputs that are plain floats, the data), and
times making its node in steps that each add one thing the Value engine does:

1. the lean prototype's ``lean_dot`` (``mlp_step.py``): read the numbers, ``sumprod``,
   a node of five slots; no checks;
2. + reading the numbers with a type check, so that a node of another kind (a
   dual number, say) cannot slip in: ``[v.data for v in w if type(v) is Value]``;
3. + computing the number and the local derivatives with dot's rules from the
   table (``ops.weighted_sum``, ``ops.weighted_sum_partials``) instead of inline;
4. + the engine's node: eight slots (a label, the op, its parameters, backward's
   working slot), made by ``_node``;
5. ``Value._dot``, the engine's short road: + the mode checks (``no_grad``,
   ``detect_anomaly``) and the checks that choose the road;
6. ``dot(w, x, b)``, what a learner calls: + checking the arguments;
7. ``Value.apply(ops.dot, …)``, the general road every op can take.

Steps 2 to 4 are written out here, as the engine does them; 1 and 5 to 7 call
the real code.  The same for ``relu``: the lean node, ``x.relu()`` (the
``_unary`` road) and ``Value.apply``.

Run it with ``python benchmarks/neuron_cost.py`` (``--rounds``).  It prints
CPU nanoseconds per node (medians over rounds in which the rungs take turns)
and each rung's time ÷ the lean one's; there is no target here, only the
profile behind the ``dot`` target of ``mlp_step.py``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from _harness import PYTHON

from mlp_step import LeanNode, lean_dot, lean_relu, sumprod
from tinygrad_edu import Value, dot, ops
from tinygrad_edu.plot import table
from tinygrad_edu.value import _node


def typed_reads(weights, inputs, bias):
    """Rung 2: the lean neuron, reading its numbers with a type check."""
    w = [v.data for v in weights if type(v) is Value]
    x = [v.data for v in inputs if type(v) is Value]
    return LeanNode(sumprod(w, x) + bias.data, (*weights, *inputs, bias), (*x, *w, 1.0))


def table_rules(weights, inputs, bias):
    """Rung 3: + dot's rules from the table."""
    w = [v.data for v in weights if type(v) is Value]
    x = [v.data for v in inputs if type(v) is Value]
    return LeanNode(ops.weighted_sum(w, x, bias.data), (*weights, *inputs, bias), ops.weighted_sum_partials(w, x))


def engine_node(weights, inputs, bias):
    """Rung 4: + the engine's node of eight slots."""
    w = [v.data for v in weights if type(v) is Value]
    x = [v.data for v in inputs if type(v) is Value]
    out, partials = ops.weighted_sum(w, x, bias.data), ops.weighted_sum_partials(w, x)
    return _node(Value, out, (*weights, *inputs, bias), ops.dot, (), partials)


def first_layer_lean(weights, inputs, bias):
    """Rung 1 for the first layer: each float input a constant node, as the engine makes it."""
    return lean_dot(weights, inputs, bias, every_number_a_node=True)


def neurons(n_inputs: int, data: bool) -> dict[str, Callable[[], object]]:
    """The rungs for one neuron of ``n_inputs`` inputs: nodes (a hidden layer) or floats (``data``)."""
    numbers = [0.1 * (i + 1) * (-1) ** i for i in range(n_inputs)]
    lean_w, lean_b = [LeanNode(v) for v in numbers], LeanNode(0.5)
    w, b = [Value(v) for v in numbers], Value(0.5)
    if data:
        x = lean_x = [0.3 * v for v in numbers]
        rungs = {"1 lean node (each float a constant node)": lambda: first_layer_lean(lean_w, lean_x, lean_b)}
    else:
        lean_x, x = [LeanNode(0.3 * v) for v in numbers], [Value(0.3 * v) for v in numbers]
        rungs = {
            "1 lean node": lambda: lean_dot(lean_w, lean_x, lean_b),
            "2 + type-checked reads": lambda: typed_reads(w, x, b),
            "3 + the table's rules": lambda: table_rules(w, x, b),
            "4 + the engine's node": lambda: engine_node(w, x, b),
        }
    rungs["5 Value._dot, the short road"] = lambda: Value._dot(w, x, b)
    rungs["6 dot(w, x, b)"] = lambda: dot(w, x, b)
    rungs["7 Value.apply, the general road"] = lambda: Value.apply(ops.dot, (*w, *x, b))
    return rungs


def relus() -> dict[str, Callable[[], object]]:
    lean, z = LeanNode(0.7), Value(0.7)
    return {"1 lean node": lambda: lean_relu(lean), "5 x.relu(), the short road": lambda: z.relu(),
            "7 Value.apply, the general road": lambda: Value.apply(ops.relu, (z,))}


def nanoseconds(rungs: dict[str, Callable[[], object]], rounds: int, calls: int = 20_000) -> dict[str, float]:
    """Median CPU ns per call of each rung, the collector off, rungs taking turns each round."""
    samples: dict[str, list[float]] = {name: [] for name in rungs}
    for _ in range(rounds):
        for name, make in rungs.items():
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                for _ in range(calls):
                    make()
                samples[name].append((time.process_time() - start) / calls * 1e9)
            finally:
                gc.enable()
    return {name: statistics.median(times) for name, times in samples.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"One node, CPU ns (median of {args.rounds} rounds), {PYTHON}, collector off:")
    for title, rungs in (("dot, 16 inputs that are nodes (a hidden layer)", neurons(16, data=False)),
                         ("dot, 2 inputs that are floats (the first layer)", neurons(2, data=True)),
                         ("relu", relus())):
        ns = nanoseconds(rungs, args.rounds)
        lean = ns[next(iter(ns))]
        rows = [[name, f"{t:.0f}", f"{t / lean:.2f}"] for name, t in ns.items()]
        print(f"\n{title}:")
        print(table(["rung", "ns per node", "÷ lean"], rows, align="lrr"))


if __name__ == "__main__":
    main()
