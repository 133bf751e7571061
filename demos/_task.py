"""The small task and the measurements that the remedies demos share.

Two Gaussian blobs in N_IN = 8 dimensions, standardised, with balanced labels
0 and 1; a network outputs one logit and is scored by the binary
cross-entropy.  The best constant guess, σ = 1/2, scores ln 2: a network whose
signal died can do no better.

    import _task
    X, Y, labels = _task.blobs(16, seed)
    loss = _task.loss_of(model, X, Y)
"""

from __future__ import annotations

import math
import random

import _common  # noqa: F401  (the repository root onto sys.path: runs from a fresh clone)

from tinygrad_edu import nn
from tinygrad_edu.data import gaussian_blobs, standardise
from tinygrad_edu.losses import binary_cross_entropy_with_logits
from tinygrad_edu.matrix import Matrix

N_IN = 8  # input features of the synthetic task
LN2 = math.log(2)  # the cross-entropy of the best constant guess, σ = 1/2, on balanced labels


def blobs(m: int, seed: int) -> tuple:
    """m points of two Gaussian blobs (standardised), labels balanced, as Matrices; and the labels."""
    X, y = gaussian_blobs(m, N_IN, 2, rng=random.Random(f"remedies data {seed}"))
    X = standardise(X)
    return Matrix(X, requires_grad=False), Matrix([[float(label)] for label in y], requires_grad=False), y


def loss_of(model, X: Matrix, Y: Matrix) -> Matrix:
    """Binary cross-entropy of σ(logit) against the labels, mean over the batch."""
    return binary_cross_entropy_with_logits(model(X), Y)


def flat_norm(rows: list) -> float:
    """The Euclidean norm of every number in a list of rows (math.hypot does not overflow)."""
    return math.hypot(*[v for row in rows for v in row])


def forward_recording(model, X: Matrix) -> tuple:
    """The model's output and the pre-activations zˡ (each Linear layer's output), layer by layer."""
    zs, a = [], X
    for layer in model:
        a = layer(a)
        if isinstance(layer, nn.Linear):
            zs.append(a)
    return a, zs


def delta_norms(model, X: Matrix, Y: Matrix) -> list:
    """‖δˡ‖ = ‖∂L/∂zˡ‖ over the whole batch, for every Linear layer l, by one backward pass."""
    out, zs = forward_recording(model, X)
    loss = binary_cross_entropy_with_logits(out, Y)
    return [flat_norm(g.data) for g in loss.gradients(zs)]


def ratio(first: float, last: float) -> float:
    """first/last: nan for 0/0 (no gradient anywhere), inf for x/0."""
    if last == 0:
        return math.nan if first == 0 else math.inf
    return first / last
