"""Gradient clipping: a cap on the step size when gradients explode.

By global norm (Pascanu, Mikolov & Bengio 2013).  Treat every gradient of
every parameter as one long vector g, with norm ‖g‖ = √(Σ g²).  If ‖g‖ is
above the threshold θ, rescale it:

    g ← θ·g/‖g‖          (only when ‖g‖ > θ)

The direction is kept and the length becomes exactly θ, so one huge
gradient (a cliff in the loss surface) cannot throw the parameters far away.
PyTorch's ``clip_grad_norm_`` multiplies instead by min(1, θ/(‖g‖ + 10⁻⁶)),
which leaves the norm a hair below θ (θ·‖g‖/(‖g‖ + 10⁻⁶)); this module
does Pascanu's exact rescaling, so the two differ by a relative 10⁻⁶/‖g‖.

By value: g ← min(max(g, −c), c) entry by entry.  Simpler, but it changes
the direction of g.

>>> from tinygrad_edu import Value
>>> a, b = Value(0.0), Value(0.0)
>>> a.grad, b.grad = 6.0, 8.0            # ‖g‖ = 10
>>> clip_grad_norm([a, b], max_norm=5.0)
10.0
>>> a.grad, b.grad                       # same direction, length 5
(3.0, 4.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..reals import finite_number, short
from .params import Parameter, as_floats, check_parameters, flat_grad, write_grad


def grad_norm(params: Iterable[Parameter]) -> float:
    """‖g‖ = √(Σ g²) over every gradient of every parameter.

    ``math.hypot`` computes it without overflow or underflow in the squares:
    gradients of 1e200 have a finite norm, though their squares are inf.
    """
    params = check_parameters("grad_norm", params)
    return math.hypot(*[g for k, p in enumerate(params) for g in as_floats("grad_norm", k, "gradient", flat_grad(p))])


def clip_grad_norm(params: Iterable[Parameter], max_norm: float, error_if_nonfinite: bool = False) -> float:
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    Returns the norm *before* clipping (watch it to see gradients explode).
    If ‖g‖ > max_norm every gradient is multiplied by max_norm/‖g‖.

    A gradient with an inf or nan has no direction to keep: then nothing is
    changed and the (non-finite) norm is returned, or, with
    ``error_if_nonfinite=True``, a ``ValueError`` is raised.
    """
    params = check_parameters("clip_grad_norm", params)
    max_norm = _positive("clip_grad_norm", "max_norm", max_norm)
    if not isinstance(error_if_nonfinite, bool):
        raise TypeError(f"clip_grad_norm: error_if_nonfinite must be True or False, got {short(error_if_nonfinite)}")
    grads = [as_floats("clip_grad_norm", k, "gradient", flat_grad(p)) for k, p in enumerate(params)]
    norm = math.hypot(*[g for gs in grads for g in gs])
    if not math.isfinite(norm):
        if error_if_nonfinite:
            raise ValueError(f"clip_grad_norm: the gradient norm is {norm!r}; there is no direction to keep")
        return norm
    if norm > max_norm:
        scale = max_norm / norm
        for p, gs in zip(params, grads):
            write_grad(p, [g * scale for g in gs])
    return norm


def clip_grad_value(params: Iterable[Parameter], clip_value: float) -> None:
    """Clamp every gradient entry to [−clip_value, clip_value] (nan stays nan)."""
    params = check_parameters("clip_grad_value", params)
    c = _positive("clip_grad_value", "clip_value", clip_value)
    grads = [as_floats("clip_grad_value", k, "gradient", flat_grad(p)) for k, p in enumerate(params)]
    for p, gs in zip(params, grads):  # every gradient checked above: nothing half-clipped
        write_grad(p, [_clamp(g, c) for g in gs])


def _positive(where: str, name: str, value: object) -> float:
    """A threshold that must be a finite number > 0, as a plain float."""
    return finite_number(where, name, value, above=0)


def _clamp(g: float, c: float) -> float:
    if g > c:
        return c
    if g < -c:
        return -c
    return g  # including nan, which compares False both ways
