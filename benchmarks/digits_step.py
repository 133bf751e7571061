"""A digits-sized training step on the Matrix engine, against hand-written backprop in the same process.

The network of Nielsen's learning-speed experiment on the UCI digits: sigmoid
layers 64→30→30→30→30→10, the first 1,000 images as one batch, softmax
cross-entropy (mean over the batch), forward and backward.  The reference is
backprop written by hand on lists of floats with the best dot-product kernel
the running Python has (``math.sumprod`` on 3.12+, ``sum(map(mul))`` before):

    δᴸ = (softmax(zᴸ) − onehot(y)) / m,  ∂L/∂Wˡ = δˡᵀ·aˡ⁻¹,  ∂L/∂bˡ = Σ_batch δˡ,
    δˡ⁻¹ = (δˡ·Wˡ) ⊙ σ′(zˡ⁻¹),  σ′ = a(1 − a)

Target (issue 14): Matrix engine ÷ by hand ≤ 1.15.  ``--json FILE`` also
writes the engine's median seconds, which ``run_all.py`` compares across
Pythons (the issue asks 3.12+ to be at least 1.5× faster than 3.11).

    python benchmarks/digits_step.py [--rounds 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import random
from operator import mul

from _harness import PYTHON, target_line, time_blocks

from tinygrad_edu.data import load_digits
from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn import linear
from tinygrad_edu.plot import table

SIZES = (64, 30, 30, 30, 30, 10)
BATCH = 1000

#: The best dot product pure Python has: math.sumprod on 3.12+, else sum(map(mul)).
sumprod = getattr(math, "sumprod", lambda u, v: sum(map(mul, u, v)))


def problem(seed: int = 0) -> tuple:
    images, labels = load_digits()
    rng = random.Random(seed)
    weights = [[[rng.gauss(0, 1) / math.sqrt(n_in) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(SIZES, SIZES[1:])]
    biases = [[rng.gauss(0, 1) for _ in range(n_out)] for n_out in SIZES[1:]]
    return images[:BATCH], labels[:BATCH], weights, biases


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def by_hand(X, labels, weights, biases) -> tuple:
    """Loss, weight gradients and bias gradients, backprop written out."""
    activations = [X]
    a = X
    last = len(weights) - 1
    for layer, (W, b) in enumerate(zip(weights, biases)):
        z = [[sumprod(row, w_row) + bj for w_row, bj in zip(W, b)] for row in a]
        a = z if layer == last else [[sigmoid(v) for v in row] for row in z]
        activations.append(a)
    m = len(X)
    delta, loss = [], 0.0
    for row, t in zip(a, labels):  # softmax cross-entropy, stable: shift by the row's largest logit
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        loss += math.log(total) + top - row[t]
        delta.append([e / total / m for e in exps])
        delta[-1][t] -= 1.0 / m
    grad_W, grad_b = [None] * len(weights), [None] * len(weights)
    for layer in range(last, -1, -1):
        delta_columns = list(zip(*delta))
        grad_W[layer] = [[sumprod(d, x) for x in zip(*activations[layer])] for d in delta_columns]
        grad_b[layer] = [sum(d) for d in delta_columns]
        if layer == 0:
            break
        W_columns = list(zip(*weights[layer]))
        back = [[sumprod(d_row, w_col) for w_col in W_columns] for d_row in delta]
        delta = [[s * v * (1.0 - v) for s, v in zip(back_row, a_row)]
                 for back_row, a_row in zip(back, activations[layer])]
    return loss / m, grad_W, grad_b


def engine(X: Matrix, labels, params) -> tuple:
    for W, b in params:
        W.grad = None
        b.grad = None
    a = X
    last = len(params) - 1
    for layer, (W, b) in enumerate(params):
        z = linear(a, W, b)  # a @ W.T + b as one node, as nn.Linear computes a layer
        a = z if layer == last else z.sigmoid()
    loss = cross_entropy(a, labels)
    loss.backward()
    return loss.item(), [W.grad for W, _ in params], [b.grad[0] for _, b in params]


def largest_difference(one: tuple, two: tuple) -> float:
    worst = abs(one[0] - two[0])
    for A, B in zip(one[1], two[1]):
        worst = max(worst, max(abs(p - q) for ra, rb in zip(A, B) for p, q in zip(ra, rb)))
    for A, B in zip(one[2], two[2]):
        worst = max(worst, max(abs(p - q) for p, q in zip(A, B)))
    return worst


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="write the medians to this file (run_all.py compares Pythons)")
    args = parser.parse_args(argv)
    images, labels, weights, biases = problem()
    X = Matrix(images, requires_grad=False)
    params = [(Matrix(W), Matrix([b])) for W, b in zip(weights, biases)]
    steps = {"by hand (reference)": lambda: by_hand(images, labels, weights, biases),
             "Matrix engine": lambda: engine(X, labels, params)}
    difference = largest_difference(steps["by hand (reference)"](), steps["Matrix engine"]())
    print(f"Sigmoid MLP {'→'.join(map(str, SIZES))}, {BATCH} UCI digits, softmax cross-entropy, forward + backward")
    print(f"Largest difference from the hand-written backprop (loss and every gradient entry): {difference:.3g}")
    if difference > 1e-12:
        raise SystemExit("the engine disagrees with the hand-written backprop: not timing it")
    medians = time_blocks(steps, args.rounds, collector=False, block_seconds=0.0)
    print(table(["implementation", "s per step", "× by hand"],
                [[name, f"{s:.3f}", f"{s / medians['by hand (reference)']:.2f}"] for name, s in medians.items()]))
    print(target_line("Matrix engine ÷ hand-written backprop, digits step",
                      medians["Matrix engine"] / medians["by hand (reference)"], 1.15, False, "×", False))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"python": PYTHON, **medians}, f)


if __name__ == "__main__":
    main()
