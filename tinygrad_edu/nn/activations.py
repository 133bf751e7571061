"""Activations, as functions and as modules: what each does to the gradient.

Backprop multiplies the gradient by the activation's derivative once per
layer, so its size decides whether a deep stack can learn:

=============  =====================================  ==================================
activation     f(x)                                   f′(x)
=============  =====================================  ==================================
identity       x                                      1
sigmoid        σ(x) = 1/(1 + e^(−x))                  σ(1 − σ) ≤ 1/4: shrinks 4× or more
tanh           tanh x                                 1 − tanh² ≤ 1, ≈ 0 in the wings
relu           max(x, 0)                              1 (x > 0), 0 (x ≤ 0): dead units
leaky_relu     x (x > 0), a·x (x ≤ 0)                 1 or a: never exactly 0
prelu          like leaky_relu, a learned             1 or a; ∂f/∂a = min(x, 0)
elu            x (x > 0), α(eˣ − 1) (x ≤ 0)           1 or α·eˣ (= f + α)
softplus       ln(1 + eˣ)                             σ(x)
=============  =====================================  ==================================

The functions work on anything with the engine's operators and methods: a
:class:`~tinygrad_edu.matrix.Matrix` (entry by entry) or a scalar
:class:`~tinygrad_edu.value.Value`.  ELU and PReLU are not primitives of
:mod:`tinygrad_edu.ops`; they are built from relu, subtraction and exp, so
their derivatives come from the chain rule over rules that are tested
already, second derivatives included.

>>> from tinygrad_edu import Value
>>> x = Value(-1.0)
>>> y = elu(x)
>>> y.backward()
>>> round(y.data, 6), round(x.grad, 6)   # α(e⁻¹ − 1) and α·e⁻¹, with α = 1
(-0.632121, 0.367879)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..matrix import Matrix
from ..operators import Arithmetic
from ..ops import LEAKY_SLOPE
from ..reals import finite_number, is_int
from .module import Module

#: A Matrix or a Value: the functions return the kind of node they are given.
Node = TypeVar("Node", bound=Arithmetic)


def _check_input(where: str, x: object) -> None:
    if not isinstance(x, Arithmetic):
        raise TypeError(f"{where}: expected a Matrix or a Value, got {x!r} of type {type(x).__name__}")


def _check_finite_number(where: str, name: str, a: object) -> None:
    finite_number(where, name, a)


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------

def identity(x: Node) -> Node:
    """f(x) = x, f′ = 1 (the deep *linear* network's 'activation')."""
    _check_input("identity", x)
    return x


def sigmoid(x: Node) -> Node:
    """σ(x) = 1/(1 + e^(−x)); σ′ = σ(1 − σ) ≤ 1/4."""
    _check_input("sigmoid", x)
    return x.sigmoid()


def tanh(x: Node) -> Node:
    """tanh x; tanh′ = 1 − tanh² ≤ 1."""
    _check_input("tanh", x)
    return x.tanh()


def relu(x: Node) -> Node:
    """max(x, 0); relu′ = 1 for x > 0 and 0 for x ≤ 0 (0 at the kink, as in PyTorch)."""
    _check_input("relu", x)
    return x.relu()


def leaky_relu(x: Node, negative_slope: float = LEAKY_SLOPE) -> Node:
    """x for x > 0, ``negative_slope``·x otherwise; the derivative is 1 or the slope."""
    _check_input("leaky_relu", x)
    _check_finite_number("leaky_relu", "negative_slope", negative_slope)
    return x.leaky_relu(negative_slope)


def softplus(x: Node) -> Node:
    """ln(1 + eˣ), a smooth relu; softplus′ = σ.  Stable for any finite x."""
    _check_input("softplus", x)
    return x.softplus()


def elu(x: Node, alpha: float = 1.0) -> Node:
    """x for x > 0, α(eˣ − 1) for x ≤ 0 (Clevert et al. 2015).

    Built as relu(x) + α(e^(x − relu(x)) − 1): for x > 0 the exponent is 0 and
    the second term vanishes exactly; for x ≤ 0 relu(x) = 0.  The derivative,
    by the chain rule, is relu′(x) + α·e^(min(x, 0))·(1 − relu′(x)): 1 for x > 0
    and α·eˣ for x ≤ 0, which is α at the kink x = 0 (PyTorch's choice too).
    """
    _check_input("elu", x)
    _check_finite_number("elu", "alpha", alpha)
    positive = x.relu()
    return positive + alpha * ((x - positive).exp() - 1)


def prelu(x: Node, weight: Node) -> Node:
    """PReLU (He et al. 2015): x for x > 0, a·x for x ≤ 0, with the slope a *learned*.

    Built as relu(x) + a·(x − relu(x)), because x − relu(x) = min(x, 0).  So
    ∂f/∂a = min(x, 0), and ∂f/∂x = 1 for x > 0 and a for x ≤ 0.  ``weight``
    is a 1×1 Matrix (one slope for every unit) or a 1×n row (one per column of x).
    """
    _check_input("prelu", x)
    _check_input("prelu", weight)
    if isinstance(x, Matrix) and isinstance(weight, Matrix):
        n = x.shape[1]
        if weight.shape not in ((1, 1), (1, n)):
            raise ValueError(f"prelu: the slope has shape {weight.shape}; for an input with {n} columns "
                             f"it must be (1, 1) or (1, {n})")
    positive = x.relu()
    return positive + weight * (x - positive)


# ---------------------------------------------------------------------------
# Modules: the same, for use in Sequential and MLP
# ---------------------------------------------------------------------------

class Identity(Module):
    """The identity: y = x."""

    def forward(self, x: Any) -> Any:
        return identity(x)


class Sigmoid(Module):
    """Elementwise σ(x)."""

    def forward(self, x: Any) -> Any:
        return sigmoid(x)


class Tanh(Module):
    """Elementwise tanh x."""

    def forward(self, x: Any) -> Any:
        return tanh(x)


class ReLU(Module):
    """Elementwise max(x, 0)."""

    def forward(self, x: Any) -> Any:
        return relu(x)


class LeakyReLU(Module):
    """Elementwise leaky relu with a fixed ``negative_slope`` (default 0.01, as in PyTorch)."""

    def __init__(self, negative_slope: float = LEAKY_SLOPE) -> None:
        _check_finite_number("LeakyReLU", "negative_slope", negative_slope)
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Any:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """Elementwise ELU with scale ``alpha`` (default 1.0)."""

    def __init__(self, alpha: float = 1.0) -> None:
        _check_finite_number("ELU", "alpha", alpha)
        self.alpha = alpha

    def forward(self, x: Any) -> Any:
        return elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """Elementwise ln(1 + eˣ)."""

    def forward(self, x: Any) -> Any:
        return softplus(x)


class PReLU(Module):
    """Leaky relu whose negative slope is a parameter, trained with the weights.

    ``num_parameters=1`` (the default) shares one slope among all units;
    ``num_parameters=n`` gives each of n columns its own.  The slopes start at
    ``init`` (0.25, as in PyTorch and He et al.).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        if not is_int(num_parameters) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be an integer >= 1, got {num_parameters!r}")
        _check_finite_number("PReLU", "init", init)
        self.weight = Matrix.full(1, num_parameters, init)

    def forward(self, x: Any) -> Any:
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.weight.shape[1]}"


#: The activation modules by name, for ``MLP(..., activation="tanh")``.
ACTIVATIONS: dict[str, type] = {
    "identity": Identity,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "elu": ELU,
    "softplus": Softplus,
}


def make_activation(spec: str | Callable[[], Module]) -> Module:
    """A fresh activation module from a name (``"relu"``) or a factory (``ReLU``,
    ``lambda: LeakyReLU(0.2)``).  Fresh, so that each layer of an MLP gets its
    own PReLU slope.

    >>> make_activation("tanh")
    Tanh()
    >>> make_activation("swish")
    Traceback (most recent call last):
    ValueError: activation: unknown name 'swish'; choose one of elu, identity, leaky_relu, prelu, relu, sigmoid, softplus, tanh
    """
    if isinstance(spec, str):
        factory = ACTIVATIONS.get(spec)
        if factory is None:
            raise ValueError(f"activation: unknown name {spec!r}; choose one of {', '.join(sorted(ACTIVATIONS))}")
        made: Module = factory()
        return made
    if isinstance(spec, Module):
        raise TypeError(
            f"activation: pass a name or a class/factory such as {type(spec).__name__}, not an instance "
            f"(each layer needs its own)"
        )
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise TypeError(f"activation: the factory returned {module!r}, expected a Module")
        return module
    raise TypeError(f"activation: expected a name or a factory of Modules, got {spec!r}")
