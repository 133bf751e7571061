"""Time one training step of a small MLP with four implementations, in one process.

The step: forward and backward of a 2→16→16→1 network with relu hidden
units and the squared error summed over a batch of 32 rows:

    L = Σᵢ (ŷᵢ − yᵢ)²,  ŷ = W₃·relu(W₂·relu(W₁x + b₁) + b₂) + b₃

(a) scalar  -- tinygrad_edu's Value engine, one node per number;
(a′) dot    -- the same engine, each neuron written as a learner writes it,
               ``dot(w, x, b).relu()``: one node per neuron;
(b) matrix  -- tinygrad_edu's Matrix engine, one node per matrix operation, each layer
               one ``nn.linear`` node (x·Wᵀ + b), as ``nn.Linear`` computes it;
(c) by hand -- the same network with hand-written backprop on lists of floats
               (no autograd at all, the best dot-product kernel the running
               Python has): the reference the Matrix engine is held to;
(d) micrograd -- Karpathy's micrograd, when installed (``pip install micrograd``);
(e) lean    -- prototypes with only what any node-per-neuron engine must do
               (``lean_step``): walking the graph with tinygrad_edu's rule that every
               number is a node (once more with the argument checks bad input needs),
               walking it without that rule, and keeping a tape; micrograd ÷ each is
               printed beside the dot target, as context.

(a) and (d) run the *same* Python function, given the Value class as an
argument, so they build the same graph and the comparison measures the
engines only.  Before timing, every implementation's loss and gradients are
checked against the hand-written ones.

Targets (issue 14): Matrix engine ≤ 1.3 × by hand; micrograd ÷ Value engine
≥ 1.3 with the collector off; micrograd ÷ dot MLP ≥ 8 with the collector
off; and over a 20-step training loop (zero grads, forward, backward, SGD
update) with the collector on and no ``gc.collect()`` between steps,
micrograd ÷ Value engine ≥ 4.

Run it with ``python benchmarks/mlp_step.py`` (``--rounds``, ``--seed``).
"""

from __future__ import annotations

import argparse
import math
import random
from functools import partial
from operator import mul

from _harness import PYTHON, skipped_line, target_line, time_blocks

from tinygrad_edu import dot
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn import linear
from tinygrad_edu.plot import table
from tinygrad_edu.value import Value

#: The best dot product pure Python has: math.sumprod on 3.12+, else sum(map(mul)).
sumprod = getattr(math, "sumprod", lambda u, v: sum(map(mul, u, v)))

SIZES = (2, 16, 16, 1)
BATCH = 32


def make_problem(seed: int) -> tuple:
    """Inputs X (32 rows of 2), targets y, and weights W[l] (n_out × n_in, as in
    PyTorch) and biases b[l], all from one seeded generator."""
    rng = random.Random(seed)
    X = [[rng.uniform(-1.0, 1.0) for _ in range(SIZES[0])] for _ in range(BATCH)]
    y = [math.sin(3.0 * x0) * x1 for x0, x1 in X]
    weights, biases = [], []
    for n_in, n_out in zip(SIZES, SIZES[1:]):
        std = math.sqrt(2.0 / n_in)  # He initialisation: relu units stay alive at the start
        weights.append([[rng.gauss(0.0, std) for _ in range(n_in)] for _ in range(n_out)])
        biases.append([rng.uniform(-0.1, 0.1) for _ in range(n_out)])
    return X, y, weights, biases


# ---------------------------------------------------------------------------
# (a) and (d): scalar engines, one function for both
# ---------------------------------------------------------------------------

def scalar_parameters(value_class, weights, biases) -> tuple:
    """The weights and biases as leaves of ``value_class`` (made once, outside the timing)."""
    Ws = [[[value_class(w) for w in row] for row in W] for W in weights]
    bs = [[value_class(b) for b in B] for B in biases]
    return Ws, bs


def scalar_step(params, X, y):
    """Forward and backward, written only with ``+ * - .relu() .backward()``, so it
    runs unchanged on tinygrad_edu's Value and on micrograd's."""
    Ws, bs = params
    for p in leaves(params):
        p.grad = 0.0
    last = len(Ws) - 1
    loss = None
    for x, target in zip(X, y):
        a = x
        for layer, (W, B) in enumerate(zip(Ws, bs)):
            z = [sum((w * ai for w, ai in zip(row, a)), b) for row, b in zip(W, B)]
            a = z if layer == last else [zi.relu() for zi in z]
        error = a[0] - target
        loss = error * error if loss is None else loss + error * error
    loss.backward()
    return loss


def dot_step(params, X, y):
    """The same network, each neuron one node: ``dot(w, x, b).relu()``, as a learner writes it."""
    Ws, bs = params
    for p in leaves(params):
        p.grad = 0.0
    loss = None
    for x, target in zip(X, y):
        a = x
        for layer, (W, B) in enumerate(zip(Ws, bs)):
            z = [dot(row, a, b) for row, b in zip(W, B)]
            a = z if layer == len(Ws) - 1 else [zi.relu() for zi in z]
        loss = (a[0] - target) ** 2 if loss is None else loss + (a[0] - target) ** 2
    loss.backward()
    return loss


def leaves(params) -> list:
    """Every weight and bias, in one list."""
    Ws, bs = params
    return [p for W, B in zip(Ws, bs) for p in (*[w for row in W for w in row], *B)]


def training_loop(step, params, X, y, steps: int = 20, lr: float = 1e-3) -> None:
    """What a user runs: ``steps`` times zero grads, forward, backward (``step`` does those) and an
    SGD update, with no ``gc.collect()`` in between."""
    for _ in range(steps):
        step(params, X, y)
        for p in leaves(params):
            p.data -= lr * p.grad


def scalar_result(params, loss) -> tuple:
    Ws, bs = params
    return (loss.data,
            [[[w.grad for w in row] for row in W] for W in Ws],
            [[b.grad for b in B] for B in bs])


# ---------------------------------------------------------------------------
# (b) the Matrix engine
# ---------------------------------------------------------------------------

def matrix_parameters(weights, biases) -> list:
    return [(Matrix(W), Matrix([B])) for W, B in zip(weights, biases)]


def matrix_step(params, X, Y):
    """``X`` and ``Y`` are constant matrices (batch × 2, batch × 1)."""
    for W, b in params:
        W.grad = None  # zero_grad for the parameters
        b.grad = None
    last = len(params) - 1
    a = X
    for layer, (W, b) in enumerate(params):
        z = linear(a, W, b)  # a @ W.T + b as one node, as nn.Linear computes a layer
        a = z if layer == last else z.relu()
    error = a - Y
    loss = (error * error).sum()
    loss.backward()
    return loss


def matrix_result(params, loss) -> tuple:
    return loss.item(), [W.grad for W, b in params], [b.grad[0] for W, b in params]


# ---------------------------------------------------------------------------
# (c) hand-written backprop, lists and floats only
# ---------------------------------------------------------------------------

def handwritten_step(weights, biases, X, y, fused: bool = False) -> tuple:
    """Forward keeping every pre-activation, then the backprop equations:

        δᴸ = 2(ŷ − y),  ∂L/∂Wˡ = δˡᵀ·aˡ⁻¹,  ∂L/∂bˡ = Σ_batch δˡ,
        δˡ⁻¹ = (δˡ·Wˡ) ⊙ relu′(zˡ⁻¹)

    ``fused=True`` folds relu′ into the product and skips the dot products of
    inactive units (a relu-specific shortcut no autograd engine takes); the
    reference is the plain form, which computes δˡ·Wˡ and then masks it.
    """
    last = len(weights) - 1
    activations = [X]
    pre_activations = []
    a = X
    for layer, (W, b) in enumerate(zip(weights, biases)):
        # a·Wᵀ + b: row r of a against row j of W (W is n_out × n_in, so its rows are Wᵀ's columns)
        z = [[sumprod(row, w_row) + bj for w_row, bj in zip(W, b)] for row in a]
        pre_activations.append(z)
        a = z if layer == last else [[v if v > 0.0 else 0.0 for v in row] for row in z]
        activations.append(a)
    errors = [row[0] - t for row, t in zip(a, y)]
    loss = sum(e * e for e in errors)

    delta = [[2.0 * e] for e in errors]  # ∂L/∂zᴸ, batch × 1
    grad_W, grad_b = [None] * len(weights), [None] * len(weights)
    for layer in range(last, -1, -1):
        delta_columns = list(zip(*delta))  # δᵀ: one row per unit
        a_columns = list(zip(*activations[layer]))
        grad_W[layer] = [[sumprod(d, x) for x in a_columns] for d in delta_columns]
        grad_b[layer] = [sum(d) for d in delta_columns]
        if layer == 0:
            break
        W_columns = list(zip(*weights[layer]))
        z_prev = pre_activations[layer - 1]
        if fused:
            delta = [
                [sumprod(d_row, w_col) if z > 0.0 else 0.0 for w_col, z in zip(W_columns, z_row)]
                for d_row, z_row in zip(delta, z_prev)
            ]
        else:
            back = [[sumprod(d_row, w_col) for w_col in W_columns] for d_row in delta]  # δˡ·Wˡ
            delta = [
                [s if z > 0.0 else 0.0 for s, z in zip(back_row, z_row)]  # ⊙ relu′(zˡ⁻¹)
                for back_row, z_row in zip(back, z_prev)
            ]
    return loss, grad_W, grad_b


# ---------------------------------------------------------------------------
# (e) the lean prototypes: what a node per neuron costs with nothing else
# ---------------------------------------------------------------------------
#
# Not engines anyone should use: no op table, no modes, three hard-wired node
# kinds, no checks (but one variant's, lean_dot_checked), and constant nodes only
# in the variants that keep the rule that every number is a node.  What they
# keep is what every node-per-neuron scalar engine does in pure Python: make one
# object per neuron (its number, its inputs, its local derivatives), find an
# order, and do one multiply-add per edge going back.  Two ways to find the order: walking the
# graph from the output, as tinygrad_edu does (``lean_backward``), or a tape of
# the nodes in the order they were made (``lean_tape_backward``).

class LeanNode:
    __slots__ = ("data", "grad", "prev", "partials", "g")

    def __init__(self, data, prev=(), partials=()):
        self.data, self.grad, self.prev, self.partials, self.g = data, 0.0, prev, partials, None


def lean_dot(weights, inputs, bias, every_number_a_node=False):
    """Σ wᵢxᵢ + b; inputs are LeanNodes or plain floats (a float input gets no edge, unless
    ``every_number_a_node``: then, as in tinygrad_edu's ``dot``, each call makes it a constant node)."""
    if every_number_a_node and type(inputs[0]) is not LeanNode:
        inputs = [LeanNode(xi) for xi in inputs]
    w = [wi.data for wi in weights]
    if type(inputs[0]) is LeanNode:
        x = [xi.data for xi in inputs]
        return LeanNode(sumprod(w, x) + bias.data, (*weights, *inputs, bias), (*x, *w, 1.0))
    return LeanNode(sumprod(w, inputs) + bias.data, (*weights, bias), (*inputs, 1.0))


def lean_dot_checked(weights, inputs, bias):
    """``lean_dot`` with every number a node, and only the checks bad input needs to get an error
    instead of a wrong number: as many weights as inputs, and each one a node (an input may be a
    float, which becomes a constant node), never an object of some other kind."""
    if len(weights) != len(inputs) or not weights:
        raise ValueError(f"dot: {len(weights)} weights and {len(inputs)} inputs")
    w = [wi.data for wi in weights if type(wi) is LeanNode]
    if type(inputs[0]) is not LeanNode:
        inputs = [LeanNode(xi) for xi in inputs if type(xi) is float]
    x = [xi.data for xi in inputs if type(xi) is LeanNode]
    if len(w) != len(weights) or len(x) != len(weights) or type(bias) is not LeanNode:
        raise TypeError("dot: the weights and the bias must be nodes, the inputs nodes or floats")
    return LeanNode(sumprod(w, x) + bias.data, (*weights, *inputs, bias), (*x, *w, 1.0))


def lean_loss_as_nodes(outputs, targets):
    """Σ (ŷᵢ − yᵢ)² as tinygrad_edu and micrograd build it: each target a constant node, then a
    subtraction, a square and an addition per sample."""
    loss = None
    for o, t in zip(outputs, targets):
        error = LeanNode(o.data - t, (o, LeanNode(t)), (1.0, -1.0))
        square = LeanNode(error.data * error.data, (error,), (2.0 * error.data,))
        loss = square if loss is None else LeanNode(loss.data + square.data, (loss, square), (1.0, 1.0))
    return loss


def lean_relu(z):
    return LeanNode(z.data if z.data > 0.0 else 0.0, (z,), (1.0 if z.data > 0.0 else 0.0,))


def lean_squared_errors(outputs, targets):
    """Σ (ŷᵢ − yᵢ)² as one node: ∂/∂ŷᵢ = 2(ŷᵢ − yᵢ)."""
    errors = [o.data - t for o, t in zip(outputs, targets)]
    return LeanNode(sum(e * e for e in errors), tuple(outputs), tuple(2.0 * e for e in errors))


def lean_backward(root):
    visited, order, stack = object(), [], [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node.g is not visited:
            node.g = visited
            stack.append(node)
            stack.append(None)
            stack.extend(node.prev)
    order.reverse()
    for node in order:
        node.g = None
    root.g = 1.0
    for node in order:
        g = node.g
        for child, part in zip(node.prev, node.partials):
            child.g = g * part if child.g is None else child.g + g * part
    for node in order:
        node.grad += node.g


def lean_tape_backward(root, tape, params):
    """The same without a graph walk: the tape lists every node the step made, in creation
    order (a node is made after its inputs), and gradients start at 0.0 instead of None.
    What it gives up: backward from any node of any graph (the tape holds only this step's),
    and telling a node no gradient reaches from one whose gradient is 0."""
    for node in tape:
        node.g = 0.0
    for p in params:
        p.g = 0.0
    root.g = 1.0
    for node in reversed(tape):
        g = node.g
        for child, part in zip(node.prev, node.partials):
            child.g += g * part
    for node in tape:
        node.grad += node.g
    for p in params:
        p.grad += p.g


def lean_step(params, X, y, tape=None, every_number_a_node=False, checked=False):
    """One step of the lean prototype; with ``tape`` (a list) the tape variant.

    ``every_number_a_node=True`` keeps one more rule of tinygrad_edu (and micrograd): a number
    mixed into an operation becomes a constant node, with an edge, so each first-layer neuron
    makes nodes of its inputs and each target is a node, and the loss is built op by op.
    ``checked=True`` (with it) makes each neuron with ``lean_dot_checked``.
    """
    Ws, bs = params
    for p in leaves(params):
        p.grad = 0.0
    outputs = []
    for x in X:
        a = x
        for layer, (W, B) in enumerate(zip(Ws, bs)):
            if checked:
                z = [lean_dot_checked(row, a, b) for row, b in zip(W, B)]
            else:
                z = [lean_dot(row, a, b, every_number_a_node) for row, b in zip(W, B)]
            a = z if layer == len(Ws) - 1 else [lean_relu(zi) for zi in z]
            if tape is not None:
                tape += z if a is z else z + a
        outputs.append(a[0])
    loss = lean_loss_as_nodes(outputs, y) if every_number_a_node else lean_squared_errors(outputs, y)
    if tape is None:
        lean_backward(loss)
    else:
        tape.append(loss)
        lean_tape_backward(loss, tape, leaves(params))
        tape.clear()
    return loss


# ---------------------------------------------------------------------------
# Checking and timing
# ---------------------------------------------------------------------------

HAND = "by hand (reference)"
HAND_FUSED = "by hand, relu′ fused"
MATRIX = "Matrix engine"
SCALAR = "Value engine (scalar)"
DOT = "Value engine, dot per neuron"
MICROGRAD = "micrograd (scalar)"
LEAN = "lean prototype, graph walk"
LEAN_TAPE = "lean prototype, tape"
LEAN_NODES = "lean prototype, every number a node"
LEAN_CHECKED = "the same, with argument checks"


def max_difference(result, reference) -> float:
    """The largest absolute difference in the loss and every gradient entry."""
    loss, gW, gb = result
    ref_loss, ref_gW, ref_gb = reference
    worst = abs(loss - ref_loss)
    for W, R in zip(gW, ref_gW):
        for row, ref_row in zip(W, R):
            worst = max(worst, max(abs(p - q) for p, q in zip(row, ref_row)))
    for B, R in zip(gb, ref_gb):
        worst = max(worst, max(abs(p - q) for p, q in zip(B, R)))
    return worst


def load_micrograd():
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        return None
    return MicrogradValue


def implementations(seed: int) -> tuple[dict, dict, tuple]:
    """{name: step function} and {name: (loss, weight grads, bias grads)} after one step."""
    X, y, weights, biases = make_problem(seed)
    steps = {
        HAND: lambda: handwritten_step(weights, biases, X, y),
        HAND_FUSED: lambda: handwritten_step(weights, biases, X, y, fused=True),
    }
    results = {name: step() for name, step in steps.items()}

    matrix_params = matrix_parameters(weights, biases)
    X_matrix = Matrix(X, requires_grad=False)
    Y_matrix = Matrix([[t] for t in y], requires_grad=False)
    steps[MATRIX] = lambda: matrix_step(matrix_params, X_matrix, Y_matrix)
    results[MATRIX] = matrix_result(matrix_params, steps[MATRIX]())

    # The scalar engines: each gets its own copy of the parameters (.grad accumulates on them).
    scalar = {
        SCALAR: (Value, scalar_step),
        DOT: (Value, dot_step),
        LEAN_NODES: (LeanNode, partial(lean_step, every_number_a_node=True)),
        LEAN_CHECKED: (LeanNode, partial(lean_step, every_number_a_node=True, checked=True)),
        LEAN: (LeanNode, lean_step),
        LEAN_TAPE: (LeanNode, partial(lean_step, tape=[])),
    }
    micrograd_value = load_micrograd()
    if micrograd_value is not None:
        scalar[MICROGRAD] = (micrograd_value, scalar_step)
    for name, (node_class, step) in scalar.items():
        params = scalar_parameters(node_class, weights, biases)
        steps[name] = partial(step, params, X, y)
        results[name] = scalar_result(params, steps[name]())
    return steps, results, results[HAND]


def check(results: dict, reference: tuple) -> list[str]:
    """One line per implementation: its loss and its largest difference from the reference.
    Exits before timing if any implementation disagrees."""
    lines = []
    tolerance = 1e-9 * max(1.0, abs(reference[0]))  # rounding only: sums in a different order
    for name, result in results.items():
        difference = max_difference(result, reference)
        lines.append(f"  {name:24s} loss {result[0]:.12g}   max |difference| {difference:.3g}")
        if difference > tolerance:
            raise SystemExit("\n".join(lines) + f"\n{name} disagrees with the hand-written backprop: not timing it")
    return lines


def report(with_gc: dict, without_gc: dict) -> str:
    """Two tables of medians and ratios: collector on, collector off."""
    micro = MICROGRAD in with_gc
    lines = []
    for title, medians in (("garbage collector on (Python's default)", with_gc),
                           ("garbage collector off (the computation alone)", without_gc)):
        headers = ["implementation", "ms per step", "× by hand"] + (["micrograd ÷ this"] if micro else [])
        rows = []
        for name, seconds in medians.items():
            row = [name, f"{seconds * 1e3:.3f}", f"{seconds / medians[HAND]:.2f}"]
            if micro:
                row.append(f"{medians[MICROGRAD] / seconds:.2f}")
            rows.append(row)
        lines += [f"Median CPU time per step, {title}:", table(headers, rows), ""]
    return "\n".join(lines)


def time_training_loops(seed: int, rounds: int) -> dict:
    """Seconds per 20-step training loop, collector on, for the Value engine and micrograd."""
    micrograd_value = load_micrograd()
    X, y, weights, biases = make_problem(seed)
    ours = scalar_parameters(Value, weights, biases)
    loops = {SCALAR: lambda: training_loop(scalar_step, ours, X, y)}
    if micrograd_value is not None:
        theirs = scalar_parameters(micrograd_value, weights, biases)
        loops[MICROGRAD] = lambda: training_loop(scalar_step, theirs, X, y)
    return time_blocks(loops, rounds, collector=True, block_seconds=0.0, warmup=1)  # a loop is 20 steps


def targets(with_gc: dict, without_gc: dict, loops: dict) -> list[str]:
    lines = [target_line("Matrix engine ÷ hand-written backprop, small MLP step", without_gc[MATRIX] / without_gc[HAND],
                         1.3, False, "×", False)]
    if MICROGRAD not in with_gc:
        reason = "micrograd is not installed: pip install micrograd"
        return lines + [skipped_line(name, reason) for name in (
            "micrograd ÷ Value engine, micrograd's graph", "micrograd ÷ Value engine with dot",
            "micrograd ÷ Value engine, 20-step loop")]
    lines.append(target_line("micrograd ÷ Value engine, micrograd's graph",
                             without_gc[MICROGRAD] / without_gc[SCALAR], 1.3, True, "×", False))
    lines.append(target_line("micrograd ÷ Value engine with dot", without_gc[MICROGRAD] / without_gc[DOT],
                             8, True, "×", False))
    # Context for the line above, not targets: the same ratio for the lean prototypes (lean_step),
    # what a node-per-neuron engine reaches with nothing but the work itself: walking the graph with
    # tinygrad_edu's rule that every number is a node (with and without the checks bad input needs),
    # walking it without that rule, and a tape.
    for name, label in ((LEAN_CHECKED, "graph walk, every number a node, argument checks"),
                        (LEAN_NODES, "graph walk, every number a node"), (LEAN, "graph walk"), (LEAN_TAPE, "tape")):
        lines.append(target_line(f"micrograd ÷ lean prototype with dot, {label}",
                                 without_gc[MICROGRAD] / without_gc[name], 8, True, "×", False)
                     .replace("| PASS |", "| (info) |").replace("| MISS |", "| (info) |"))
    # And the one ratio here without micrograd's time in it (which moves by tens of percent from run
    # to run): how much longer the Value engine takes than the prototype that keeps its rules.
    lines.append(f"TARGET Value engine with dot ÷ lean prototype, every number a node | "
                 f"{without_gc[DOT] / without_gc[LEAN_NODES]:.3g}× | - | (info) | {PYTHON} | collector off")
    lines.append(target_line("micrograd ÷ Value engine, 20-step loop", loops[MICROGRAD] / loops[SCALAR],
                             4, True, "×", True))
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="timed blocks of each implementation")
    parser.add_argument("--loop-rounds", type=int, default=3, help="timed 20-step training loops of each engine")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps, results, reference = implementations(args.seed)
    print(f"2→16→16→1 relu MLP, squared error summed over a batch of {BATCH}, seed {args.seed}")
    print("Agreement with the hand-written backprop (the loss and all 337 gradient entries):")
    print("\n".join(check(results, reference)))
    print()
    with_gc = time_blocks(steps, args.rounds, collector=True)
    without_gc = time_blocks(steps, args.rounds, collector=False)
    print(report(with_gc, without_gc))
    loops = time_training_loops(args.seed, args.loop_rounds)
    print("20-step training loop (zero grads, forward, backward, SGD), collector on, no gc.collect() between steps:")
    print("\n".join(f"  {name:24s} {seconds:.3f} s" for name, seconds in loops.items()))
    print()
    print("\n".join(targets(with_gc, without_gc, loops)))


if __name__ == "__main__":
    main()
