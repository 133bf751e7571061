"""``Residual``: y = x + F(x), the skip connection that lets 150-layer networks train.

The Jacobian of a residual block is ∂y/∂x = I + ∂F/∂x.  Backward through L
plain layers multiplies the gradient by L Jacobians ∂F/∂x, and a product of
many factors below 1 vanishes.  Through L residual blocks the factors are
I + ∂F/∂x: when F's weights are small each is close to I, and the identity
path carries the gradient from the loss to the first layer untouched.

A deep residual network in one line:

>>> import random
>>> from tinygrad_edu.matrix import Matrix
>>> from tinygrad_edu.nn import Linear, Sequential, Tanh
>>> rng = random.Random(0)
>>> net = Sequential(*[Residual(Sequential(Linear(3, 3, rng=rng), Tanh())) for _ in range(150)])
>>> x = Matrix([[0.1, -0.2, 0.3]])
>>> net(x).sum().backward()
>>> all(g != 0.0 for g in x.grad[0])      # the gradient reaches the input through 150 blocks
True
"""

from __future__ import annotations

from typing import Any

from ..matrix import Matrix
from .module import Module


class Residual(Module):
    """y = x + block(x).  ``block`` must keep the shape of its input."""

    def __init__(self, block: Module) -> None:
        if not isinstance(block, Module):
            raise TypeError(f"Residual: block must be a Module, got {block!r}")
        self.block = block

    def forward(self, x: Any) -> Any:
        fx = self.block(x)
        if isinstance(x, Matrix) and isinstance(fx, Matrix) and fx.shape != x.shape:
            raise ValueError(
                f"Residual: the block maps shape {x.shape} to {fx.shape}; y = x + F(x) needs F to keep the shape"
            )
        return x + fx
