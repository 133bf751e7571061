"""tinygrad_edu: a from-scratch autodiff engine, built to show why deep networks are hard to train.

The public API, re-exported in one place:

>>> from tinygrad_edu import Value
>>> a = Value(0.5, label="a")
>>> out = (2 * a).sigmoid()
>>> out.backward()
>>> round(a.grad, 6)      # 2·σ′(1) = 2·σ(1)(1 − σ(1))
0.393224
"""

from .autodiff import Dual, derivative, forward_gradient, grad, jvp, reverse_gradient
from .mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS, Op
from .value import Value

__all__ = [
    "AnomalyError",
    "Dual",
    "OPS",
    "Op",
    "Value",
    "derivative",
    "detect_anomaly",
    "enable_grad",
    "forward_gradient",
    "grad",
    "is_grad_enabled",
    "jvp",
    "no_grad",
    "reverse_gradient",
]

__version__ = "0.1.0"
