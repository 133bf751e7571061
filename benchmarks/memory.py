"""Memory: bytes per scalar node, and a chain of a million nodes under a low recursion limit.

Bytes per node are measured with ``tracemalloc`` (every allocation Python
makes while the graph is built, divided by the nodes it made): on the graph of
``mlp_step.py`` (micrograd's example network, one forward pass over a batch of
32: products, sums, relus and the constants the inputs become) and on a chain
of ``tanh`` nodes (``tests/test_value.py`` holds that one under 300 bytes).
Target (issue 14): at most 200 bytes per node on the MLP graph.

The chain: y = x + x + … (10⁶ additions), backward with ``sys.setrecursionlimit(100)``:
the loop and its topological order use no recursion, so it must still work.

    python benchmarks/memory.py
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

from _harness import target_line
from mlp_step import BATCH, make_problem, scalar_parameters

from tinygrad_edu.backward import topological_order
from tinygrad_edu.value import Value


def mlp_forward(params, X, y) -> Value:
    """The forward pass of mlp_step.scalar_step, without backward: the graph alone."""
    Ws, bs = params
    loss = None
    for x, target in zip(X, y):
        a = x
        for layer, (W, B) in enumerate(zip(Ws, bs)):
            z = [sum((w * ai for w, ai in zip(row, a)), b) for row, b in zip(W, B)]
            a = z if layer == len(Ws) - 1 else [zi.relu() for zi in z]
        error = a[0] - target
        loss = error * error if loss is None else loss + error * error
    return loss


def bytes_per_node(build) -> tuple[float, int]:
    """Bytes allocated while ``build()`` runs, per node it made (the nodes its result depends on,
    less those that existed before)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root, existing = build()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    made = len(topological_order(root)) - existing
    return used / made, made


def main() -> None:
    X, y, weights, biases = make_problem(0)
    params = scalar_parameters(Value, weights, biases)
    parameter_count = sum(len(row) for W in weights for row in W) + sum(len(b) for b in biases)
    mlp, mlp_nodes = bytes_per_node(lambda: (mlp_forward(params, X, y), parameter_count))

    def tanh_chain():
        x = Value(0.5)
        for _ in range(10_000):
            x = x.tanh()
        return x, 0

    chain, _ = bytes_per_node(tanh_chain)
    print(f"Bytes per node (tracemalloc): MLP graph of mlp_step.py, batch {BATCH}: {mlp:.1f} "
          f"({mlp_nodes} nodes); a chain of tanh: {chain:.1f}")
    print(target_line("bytes per node, MLP graph", mlp, 200, False, " B", None))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100)
    try:
        x = Value(1.0)
        v = x
        for _ in range(1_000_000):
            v = v + x
        start = time.perf_counter()
        v.backward()
        seconds = time.perf_counter() - start
        ok = x.grad == 1_000_001.0
    except RecursionError:
        ok, seconds = False, float("nan")
    finally:
        sys.setrecursionlimit(limit)
    print(f"A chain of 10⁶ additions, backward under a recursion limit of 100: "
          f"{'gradient 1000001 as expected' if ok else 'FAILED'} ({seconds:.1f} s)")
    print(target_line("10⁶-node chain under recursion limit 100 (1 = works)", float(ok), 1, True, "", None))


if __name__ == "__main__":
    main()
