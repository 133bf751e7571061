"""Optimisers: SGD (plain, momentum, Nesterov) and Adam, written out update by update.

Each optimiser holds a list of parameters (Matrix or Value, see
:mod:`tinygrad_edu.nn.params`) and, per number, whatever history its rule
needs.  ``step()`` reads every gradient and writes every parameter;
``zero_grad()`` resets the gradients for the next backward.  With g the
gradient, θ a parameter and lr the learning rate (PyTorch's formulas, so the
numbers match ``torch.optim`` step for step):

* SGD:            θ ← θ − lr·g
* momentum μ:     v ← μ·v + g,             θ ← θ − lr·v       (v starts at 0, so v₁ = g₁)
* Nesterov:       v ← μ·v + g,             θ ← θ − lr·(g + μ·v)
  (the gradient step plus a look-ahead along the new velocity;
  Sutskever et al. 2013 write the same method as v ← μv − lr·g, θ ← θ + v, with
  the gradient taken at θ + μv)
* Adam (Kingma & Ba 2015), step t = 1, 2, …:
  m ← β₁·m + (1 − β₁)·g,  s ← β₂·s + (1 − β₂)·g²,
  m̂ = m / (1 − β₁ᵗ),  ŝ = s / (1 − β₂ᵗ),  θ ← θ − lr·m̂ / (√ŝ + ε).
  The bias corrections undo the zero start of m and s; then m̂/√ŝ is about ±1
  for a steady gradient, so every parameter moves by about lr whatever the
  size of its gradient: a vanishing gradient is rescaled, an exploding one is
  tamed (a partial remedy for badly scaled layers).

>>> from tinygrad_edu import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad()
...     loss = w * w                 # g = 2w
...     loss.backward()
...     opt.step()
>>> round(w.data, 10)                # 1 − 0.1·2 = 0.8; v = 0.9·2 + 1.6 = 3.4; 0.8 − 0.34
0.46
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..reals import check_number, finite_number, short, to_float
from .params import Parameter, as_floats, check_parameters, clear_grad, flat_data, flat_grad, write_data


def _check_rate(where: str, name: str, value: object, low: float, high: float, closed_high: bool = False) -> float:
    """A rate in [low, high) (or [low, high]), as a plain float; a clear error naming it otherwise."""
    x = to_float(check_number(where, value))  # NumPy's float64 a float; an int beyond float range inf, refused below
    inside = low <= x <= high if closed_high else low <= x < high
    if not (inside and math.isfinite(x)):
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{where}: {name} must lie in [{low}, {high}{bracket}, got {short(value)}")
    return x


class Optimizer:
    """What every optimiser shares: the parameters, ``zero_grad()`` and the update loop.

    ``step()`` is all or nothing: every gradient is read and checked, every
    update and every piece of new state (velocities, moments, the step count)
    is computed, and only then is anything written.  A gradient that is not a
    number raises TypeError naming the parameter and the entry, and leaves
    the parameters and the optimiser exactly as they were.  (inf and nan
    gradients are numbers: they are applied, as in PyTorch, and make the
    parameter inf or nan; ``clip_grad_norm(..., error_if_nonfinite=True)``
    and ``detect_anomaly()`` catch them first.)
    """

    def __init__(self, where: str, params: Iterable[Parameter], lr: float) -> None:
        self.params = check_parameters(where, params)
        self.where = where
        self.lr = finite_number(where, "the learning rate lr", lr, above=0)
        self.steps = 0
        self._sizes = [len(flat_data(p)) for p in self.params]  # numbers per parameter: the state is sized by them

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zeros."""
        for p in self.params:
            clear_grad(p)

    def step(self) -> None:
        """Update every parameter from its gradient: all checked and computed first, then written."""
        t = self.steps + 1
        thetas = [self._numbers(k, p, "data", flat_data(p)) for k, p in enumerate(self.params)]
        grads = [self._numbers(k, p, "gradient", flat_grad(p)) for k, p in enumerate(self.params)]
        results = [self._update(k, theta, g, t) for k, (theta, g) in enumerate(zip(thetas, grads))]
        # Nothing can fail from here on.
        self.steps = t
        for k, (p, (new, state)) in enumerate(zip(self.params, results)):
            write_data(p, new)
            self._keep(k, state)

    def _numbers(self, k: int, p: Parameter, what: str, values: list[Any]) -> list[float]:
        """Parameter k's data or gradient as plain floats, or a clear error naming the entry."""
        if len(values) != self._sizes[k]:
            raise ValueError(f"{self.where}: parameter {k} changed shape since the optimiser was made "
                             f"(its {what} has {len(values)} numbers, expected {self._sizes[k]})")
        return as_floats(self.where, k, what, values)

    def _update(self, k: int, theta: list[float], g: list[float], t: int) -> tuple[list[float], Any]:
        """(new values of parameter k, its new state) for step t, computed without changing anything."""
        raise NotImplementedError

    def _keep(self, k: int, state: Any) -> None:
        """Store parameter k's new state (called only once every update has been computed)."""


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum (formulas above)."""

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__("SGD", params, lr)
        rate = _check_rate("SGD", "momentum", momentum, 0.0, 1.0)
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: nesterov must be True or False, got {short(nesterov)}")
        if nesterov and rate == 0:
            raise ValueError("SGD: Nesterov momentum needs momentum > 0")
        self.momentum = rate
        self.nesterov = nesterov
        self.velocity: list[list[float] | None] = [None] * len(self.params)  # per parameter, made at the first step

    def _update(self, k: int, theta: list[float], g: list[float], t: int) -> tuple[list[float], Any]:
        lr, mu = self.lr, self.momentum
        if mu == 0:
            return [th - lr * gi for th, gi in zip(theta, g)], None
        v = self.velocity[k]
        v = list(g) if v is None else [mu * vi + gi for vi, gi in zip(v, g)]
        if self.nesterov:
            return [th - lr * (gi + mu * vi) for th, gi, vi in zip(theta, g, v)], v
        return [th - lr * vi for th, vi in zip(theta, v)], v

    def _keep(self, k: int, state: Any) -> None:
        if self.momentum != 0:
            self.velocity[k] = state


class Adam(Optimizer):
    """Adam with bias-corrected first and second moments (formulas above)."""

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__("Adam", params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise TypeError(f"Adam: betas must be a pair (β₁, β₂), got {short(betas)}")
        self.betas = (_check_rate("Adam", "β₁", betas[0], 0.0, 1.0),
                      _check_rate("Adam", "β₂", betas[1], 0.0, 1.0))
        self.eps = finite_number("Adam", "eps", eps, at_least=0)
        self.first = [[0.0] * n for n in self._sizes]   # m, the mean of g
        self.second = [[0.0] * n for n in self._sizes]  # s, the mean of g²

    def _update(self, k: int, theta: list[float], g: list[float], t: int) -> tuple[list[float], Any]:
        b1, b2 = self.betas
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(self.first[k], g)]
        s = [b2 * si + (1 - b2) * gi * gi for si, gi in zip(self.second[k], g)]
        correction1, correction2 = 1 - b1 ** t, 1 - b2 ** t
        lr, eps = self.lr, self.eps
        new = []
        for th, mi, si in zip(theta, m, s):
            denominator = math.sqrt(si / correction2) + eps
            # s = 0 means every gradient so far was 0, so m = 0 too: no move (not 0/0 when eps = 0).
            new.append(th if denominator == 0 else th - lr * (mi / correction1) / denominator)
        return new, (m, s)

    def _keep(self, k: int, state: Any) -> None:
        self.first[k], self.second[k] = state
