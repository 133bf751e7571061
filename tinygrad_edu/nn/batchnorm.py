"""Batch normalisation (Ioffe & Szegedy 2015) over a batch of rows, and its backward in closed form.

In training mode each column (feature) of a batch X of m rows is normalised
with the batch's own statistics, then scaled and shifted by learned γ and β:

    μ = (1/m) Σᵢ xᵢ                     the batch mean
    σ² = (1/m) Σᵢ (xᵢ − μ)²             the batch variance (biased: divided by m)
    x̂ᵢ = (xᵢ − μ) / √(σ² + ε)
    yᵢ = γ·x̂ᵢ + β

``BatchNorm1d`` builds exactly these steps from Matrix operations, so
autograd differentiates *through* μ and σ² (each xᵢ moves the mean and the
variance, which move every other output).  Worked by hand, with g = ∂L/∂y:

    ∂L/∂β = Σᵢ gᵢ        ∂L/∂γ = Σᵢ gᵢ·x̂ᵢ
    ∂L/∂xᵢ = γ / (m·√(σ² + ε)) · (m·gᵢ − Σⱼ gⱼ − x̂ᵢ·Σⱼ gⱼ·x̂ⱼ)

:func:`batch_norm_backward` computes that formula on plain lists; the tests
check that the two routes agree.  Two consequences: Σᵢ ∂L/∂xᵢ = 0 (adding a
constant to a column changes nothing after normalisation), and, when ε = 0,
Σᵢ x̂ᵢ·∂L/∂xᵢ = 0 (scaling a column changes nothing either).

For evaluation the batch statistics are replaced by running averages kept
during training, ``r ← (1 − momentum)·r + momentum·(batch value)``.  The
running variance uses the unbiased estimate σ²·m/(m − 1), as PyTorch does.

>>> from tinygrad_edu.matrix import Matrix
>>> bn = BatchNorm1d(1, eps=0.0)
>>> [round(v[0], 6) for v in bn(Matrix([[1.0], [2.0], [3.0]])).data]   # (x − 2)/√(2/3)
[-1.224745, 0.0, 1.224745]
>>> bn.running_mean.data, bn.running_var.data          # 0.9·0 + 0.1·2 and 0.9·1 + 0.1·1
([[0.2]], [[1.0]])
"""

from __future__ import annotations

import math
from typing import Any

from ..matrix import Matrix, matrix_from
from ..matrix_ops import Rows
from ..reals import check_number, finite_number, is_int, numbers_of, short, to_float
from .module import Module


class BatchNorm1d(Module):
    """Batch normalisation of the n columns of a batch (m×n, with m ≥ 2 in training).

    Parameters: ``weight`` (γ, 1×n, starts at 1) and ``bias`` (β, 1×n, starts
    at 0), PyTorch's names.  Buffers (saved, not trained): ``running_mean``
    (starts at 0) and ``running_var`` (starts at 1).  ``eps`` is added to
    the variance before the square root; ``momentum`` is the weight of the
    newest batch in the running averages.  ``num_batches_tracked`` counts the
    training batches seen, as PyTorch's buffer of that name does; it is a
    plain int, carried to and from PyTorch by
    :mod:`~tinygrad_edu.nn.torch_compat` but not part of ``state_dict()``
    (nothing here reads it: PyTorch uses it only when ``momentum=None``).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        if not is_int(num_features) or num_features < 1:
            raise ValueError(f"BatchNorm1d: num_features must be an integer >= 1, got {num_features!r}")
        eps = finite_number("BatchNorm1d", "eps", eps, at_least=0)
        check_number("BatchNorm1d", momentum)
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm1d: momentum must lie in [0, 1], got {short(momentum)}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = to_float(momentum)
        self.weight = Matrix.ones(1, num_features)
        self.bias = Matrix.zeros(1, num_features)
        self.running_mean = Matrix.zeros(1, num_features, requires_grad=False)
        self.running_var = Matrix.ones(1, num_features, requires_grad=False)
        self.num_batches_tracked = 0

    def forward(self, x: Any) -> Matrix:
        X = matrix_from(x, f"BatchNorm1d({self.num_features})")
        m, n = X.shape
        if n != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}): the input has shape {X.shape}, "
                             f"expected {self.num_features} columns")
        if not self.training:
            self._check_spread("running_var", self.running_var.data[0])
            x_hat = (X - self.running_mean) / (self.running_var + self.eps).sqrt()
            return x_hat * self.weight + self.bias
        if m < 2:
            raise ValueError(f"BatchNorm1d: training needs a batch of at least 2 rows to have a "
                             f"variance, got shape {X.shape}")
        mean = X.mean(axis=0)                      # μ, 1×n
        centred = X - mean                         # x − μ, broadcast over the rows
        variance = (centred * centred).mean(axis=0)  # σ², biased (divided by m)
        self._check_spread("batch variance", variance.data[0])
        x_hat = centred / (variance + self.eps).sqrt()
        y = x_hat * self.weight + self.bias
        self._update_running(mean.data[0], variance.data[0], m)
        return y

    def _check_spread(self, what: str, variances: list[float]) -> None:
        """σ² + ε must be above 0, or x̂ = (x − μ)/√(σ² + ε) divides by zero."""
        for j, v in enumerate(variances):
            if v + self.eps == 0:
                raise ValueError(
                    f"BatchNorm1d: column {j} has {what} 0 (every entry the same) and eps = {self.eps!r}, "
                    f"so x̂ = (x − μ)/√(σ² + ε) would divide by zero; use eps > 0 (PyTorch's default is 1e-5)"
                )

    def _update_running(self, mean: list[float], variance: list[float], m: int) -> None:
        """r ← (1 − momentum)·r + momentum·batch, with the unbiased variance σ²·m/(m − 1)."""
        k = self.momentum
        unbiased = [v * m / (m - 1) for v in variance]
        self.running_mean.data[0][:] = [(1 - k) * r + k * b for r, b in zip(self.running_mean.data[0], mean)]
        self.running_var.data[0][:] = [(1 - k) * r + k * b for r, b in zip(self.running_var.data[0], unbiased)]
        self.num_batches_tracked += 1

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


def batch_norm_backward(x: Rows, gamma: list[float], g: Rows, eps: float) -> tuple[Rows, list[float], list[float]]:
    """The closed-form backward of batch norm in training mode, on plain lists of rows.

    ``x`` is the m×n input, ``gamma`` the n scales, ``g`` = ∂L/∂y (m×n).
    Returns ``(∂L/∂x, ∂L/∂γ, ∂L/∂β)``, with, column by column,

        ∂L/∂xᵢ = γ / (m·√(σ² + ε)) · (m·gᵢ − Σⱼ gⱼ − x̂ᵢ·Σⱼ gⱼ·x̂ⱼ)
        ∂L/∂γ = Σᵢ gᵢ·x̂ᵢ,   ∂L/∂β = Σᵢ gᵢ

    >>> dx, dgamma, dbeta = batch_norm_backward([[1.0], [2.0], [3.0]], [1.0], [[1.0], [1.0], [1.0]], 0.0)
    >>> dx, dbeta            # a gradient that is the same for every row is normalised away
    ([[0.0], [0.0], [0.0]], [3.0])
    """
    where = "batch_norm_backward"
    x = matrix_from(x, f"{where}: x").data
    g = matrix_from(g, f"{where}: g").data
    m, n = len(x), len(x[0])
    if (len(g), len(g[0])) != (m, n):
        raise ValueError(f"{where}: x has shape {(m, n)} but g has shape {(len(g), len(g[0]))}")
    gamma = numbers_of(where, gamma, "gamma")
    if len(gamma) != n:
        raise ValueError(f"{where}: {len(gamma)} scales gamma for {n} columns")
    eps = finite_number(where, "eps", eps, at_least=0)
    if m < 2 and eps == 0:
        raise ValueError(f"{where}: a batch of one row has variance 0, and eps = 0 divides by it")
    dx = [[0.0] * n for _ in range(m)]
    dgamma, dbeta = [], []
    for j in range(n):
        column = [row[j] for row in x]
        gj = [row[j] for row in g]
        mu = sum(column) / m
        variance = sum((v - mu) ** 2 for v in column) / m
        std = math.sqrt(variance + eps)
        x_hat = [(v - mu) / std for v in column]
        sum_g = sum(gj)
        sum_g_xhat = sum(a * b for a, b in zip(gj, x_hat))
        scale = gamma[j] / (m * std)
        for i in range(m):
            dx[i][j] = scale * (m * gj[i] - sum_g - x_hat[i] * sum_g_xhat)
        dgamma.append(sum_g_xhat)
        dbeta.append(sum_g)
    return dx, dgamma, dbeta
