"""Losses on matrices, and softmax along rows, computed so that they never overflow.

Each row of ``logits`` is one example, each column one class (or one output).
Everything here is built from Matrix operations, so backward, ``grad`` and
second derivatives come from the rules in :mod:`tinygrad_edu.matrix_ops`.

The one numerical trick is the **log-sum-exp shift**.  ln Σⱼ e^(xⱼ) overflows
as soon as some xⱼ > 709 (e^710 is inf in float64).  But for any constant c

    ln Σⱼ e^(xⱼ) = c + ln Σⱼ e^(xⱼ − c),

and with c = maxⱼ xⱼ every exponent is ≤ 0 (no overflow) and the largest
term is e⁰ = 1 (the sum is at least 1: no log of 0).  The identity holds for
every c, so c can be treated as a constant in backward: the gradient
∂/∂xₖ = e^(xₖ − c) / Σⱼ e^(xⱼ − c) = softmax(x)ₖ does not depend on it.

>>> import math
>>> from tinygrad_edu.matrix import Matrix
>>> logits = Matrix([[1e4, 0.0], [0.0, 0.0]])
>>> logsumexp(logits).data                    # e^10000 alone would be inf
[[10000.0], [0.6931471805599453]]
>>> loss = cross_entropy(logits, [1, 0])      # row 0 confidently wrong (1e4), row 1 a coin toss (ln 2)
>>> loss.item() == (1e4 + math.log(2)) / 2
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import ops
from .matrix import Matrix, matrix_from
from .reals import is_int, short

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "log_softmax",
    "logsumexp",
    "mse",
    "softmax",
]

REDUCTIONS = ("mean", "sum")


def _row_maxima(where: str, x: Matrix) -> Matrix:
    """The shift c: each row's largest entry, as an m×1 constant (no gradient flows into it).

    A row of all −inf (ln 0) and a +inf entry (∞ − ∞ in the shift: an overflow
    upstream, whose softmax is only a limit) raise ValueError naming the row.
    A nan entry passes through, and makes its row nan.
    """
    _check_matrix(where, "the input", x)
    shift = []
    for i, row in enumerate(x.data):
        largest = max(row)
        if largest == -math.inf:
            raise ValueError(f"{where}: row {i} is all -inf, and ln 0 is not finite")
        if math.inf in row:
            raise ValueError(
                f"{where}: row {i} has the entry +inf (column {row.index(math.inf)}): "
                f"e^inf / e^inf has no value; find the overflow upstream (detect_anomaly() names it)"
            )
        shift.append([largest if math.isfinite(largest) else 0.0])  # a nan entry: no shift helps
    return Matrix.constant(shift)


def logsumexp(x: Matrix) -> Matrix:
    """ln Σⱼ e^(xᵢⱼ) for each row i: an m×1 column, stable for any finite x.

    Computed as c + ln Σⱼ e^(xᵢⱼ − c) with c the row's maximum.  A row of all
    −inf has no finite log-sum-exp (ln 0), and raises ValueError.

    >>> logsumexp(Matrix([[0.0, 0.0, 0.0, 0.0]])).data     # ln 4
    [[1.3862943611198906]]
    """
    c = _row_maxima("logsumexp", x)
    return (x - c).exp().sum(axis=1).log() + c


def log_softmax(x: Matrix) -> Matrix:
    """ln softmax(x) along rows: xᵢⱼ − logsumexp(xᵢ).  Every entry ≤ 0, no overflow.

    Computed as (x − c) − ln Σ e^(x − c): the shifted logits are small, so
    the result is accurate to rounding of the *result*, even for logits of
    size 1e4 (x − logsumexp(x) would carry an error of one ulp of 1e4, 2e-12).

    >>> [round(v, 6) for v in log_softmax(Matrix([[0.0, math.log(3.0)]])).data[0]]
    [-1.386294, -0.287682]
    """
    return _log_softmax("log_softmax", x)


def _log_softmax(where: str, x: Matrix) -> Matrix:
    shifted = x - _row_maxima(where, x)
    return shifted - shifted.exp().sum(axis=1).log()


def softmax(x: Matrix) -> Matrix:
    """softmax(x)ᵢⱼ = e^(xᵢⱼ) / Σₖ e^(xᵢₖ) along rows: each row is a probability vector.

    Computed as e^(x − c) / Σ e^(x − c) with c the row's maximum: every
    exponent is ≤ 0 and the denominator is at least 1.

    >>> softmax(Matrix([[0.0, math.log(3.0)]])).data
    [[0.25, 0.75]]
    """
    exponentials = (x - _row_maxima("softmax", x)).exp()
    return exponentials / exponentials.sum(axis=1)


def cross_entropy(logits: Matrix, targets: Sequence[int], reduction: str = "mean") -> Matrix:
    """Softmax cross-entropy along rows: −ln softmax(logits)ᵢ,ₜᵢ for the class index tᵢ of row i.

    The mean over rows (``reduction="sum"`` for the sum), a 1×1 Matrix, as
    ``torch.nn.functional.cross_entropy``.  Its gradient with respect to the
    logits is (softmax(logits) − onehot(t)) / m: the predicted probabilities
    minus the true ones.

    >>> loss = cross_entropy(Matrix([[0.0, 0.0]]), [0])     # a uniform guess between 2 classes
    >>> round(loss.item(), 12) == round(math.log(2), 12)
    True
    """
    _check_reduction("cross_entropy", reduction)
    _check_matrix("cross_entropy", "logits", logits)
    m, n = logits.shape
    if isinstance(targets, int) or not isinstance(targets, Sequence) or isinstance(targets, (str, bytes)):
        raise TypeError(
            f"cross_entropy: targets must be a list of class indices, one per row, got {short(targets)} "
            f"of type {type(targets).__name__}" + (f" (for one row write [{targets}])" if isinstance(targets, int) else "")
        )
    targets = list(targets)
    if len(targets) != m:
        raise ValueError(f"cross_entropy: {len(targets)} targets for {m} rows of logits {logits.shape}")
    for i, t in enumerate(targets):
        if not is_int(t):
            raise TypeError(f"cross_entropy: target {short(t)} of row {i} is not a class index (an int)")
        if not 0 <= t < n:
            raise ValueError(f"cross_entropy: target {short(t)} of row {i} is not a class index 0..{n - 1}")
    # Pick each row's target log-probability.  (Multiplying by a one-hot matrix would
    # compute 0·(−inf) = nan where another class's logit is −inf or 1.8e308 below.)
    # 0 − Σ rather than −Σ: a perfect prediction has the loss 0.0, not −0.0.
    total = 0.0 - _log_softmax("cross_entropy", logits).gather_columns(targets).sum()
    return total / m if reduction == "mean" else total


def binary_cross_entropy_with_logits(logits: Matrix, targets: Any, reduction: str = "mean") -> Matrix:
    """Binary cross-entropy of σ(z) against targets y in [0, 1], from the logits z.

    −[y ln σ(z) + (1 − y) ln(1 − σ(z))] simplifies to softplus(z) − y·z, and
    softplus(z) = max(z, 0) + ln(1 + e^(−|z|)) never overflows: no σ(z) is
    ever rounded to 0 or 1 and then logged.  Its gradient is σ(z) − y.
    ``targets``: a Matrix or a list of rows, the same shape as ``logits``.

    >>> z = Matrix([[1e4, -1e4]])
    >>> binary_cross_entropy_with_logits(z, [[0.0, 1.0]], reduction="sum").item()   # 2 × 1e4
    20000.0
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    _check_matrix("binary_cross_entropy_with_logits", "logits", logits)
    targets = _target_matrix("binary_cross_entropy_with_logits", targets)
    _check_same_shape("binary_cross_entropy_with_logits", logits, targets)
    for i, row in enumerate(targets.data):
        for j, y in enumerate(row):
            if not 0 <= y <= 1:
                raise ValueError(
                    f"binary_cross_entropy_with_logits: target {short(y)} at entry ({i}, {j}) is not in [0, 1]"
                )
    # One primitive per entry (see ops.bce_with_logits): softplus(z) − y·z without
    # the 0·inf of an infinite logit, gradient σ(z) − y.
    losses = Matrix.apply(ops.bce_with_logits, (logits, targets))
    return losses.mean() if reduction == "mean" else losses.sum()


def mse(prediction: Matrix, target: Any, reduction: str = "mean") -> Matrix:
    """Mean squared error (1/N) Σ (predictionᵢⱼ − targetᵢⱼ)² over all N entries.

    ``reduction="sum"`` gives the sum of squares.  ``target`` is a Matrix or a
    list of rows of the same shape (no broadcasting here: a 32×1 prediction
    against a 1×32 target would otherwise silently become a 32×32 matrix).

    >>> mse(Matrix([[1.0, 2.0]]), [[0.0, 0.0]]).item()      # (1 + 4) / 2
    2.5
    """
    _check_reduction("mse", reduction)
    _check_matrix("mse", "the prediction", prediction)
    expected = _target_matrix("mse", target)
    _check_same_shape("mse", prediction, expected)
    error = prediction - expected
    squares = error * error
    return squares.mean() if reduction == "mean" else squares.sum()


def _check_reduction(where: str, reduction: str) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {short(reduction)}")


def _check_matrix(where: str, what: str, x: object) -> None:
    """Losses and softmax take a Matrix: a list of rows has no graph, so no gradient could flow back."""
    if not isinstance(x, Matrix):
        raise TypeError(
            f"{where}: {what} must be a Matrix (a list of rows has no gradient: wrap it as Matrix(rows)), "
            f"got {short(x)} of type {type(x).__name__}"
        )


def _target_matrix(where: str, target: Any) -> Matrix:
    """The target as a Matrix: a Matrix as it is, a list of rows checked (naming ``where``)."""
    return matrix_from(target, f"{where}: the target")


def _check_same_shape(where: str, prediction: Matrix, target: Matrix) -> None:
    if prediction.shape != target.shape:
        raise ValueError(
            f"{where}: prediction {prediction.shape} and target {target.shape} differ in shape"
        )
