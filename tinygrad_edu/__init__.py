"""tinygrad_edu: a from-scratch autodiff engine, built to show why deep networks are hard to train.

The public API, re-exported in one place:

>>> from tinygrad_edu import Value
>>> a = Value(0.5, label="a")
>>> out = (2 * a).sigmoid()
>>> out.backward()
>>> round(a.grad, 6)      # 2·σ′(1) = 2·σ(1)(1 − σ(1))
0.393224
"""

import sys

if sys.version_info < (3, 10):  # one clear line instead of a TypeError from 3.10 syntax further down
    raise ImportError(f"tinygrad_edu needs Python 3.10 or newer; this is Python {sys.version.split()[0]}")

from . import nn  # noqa: E402  (after the version check above)
from .anatomy import gradient_health, largest_singular_value, layer_anatomy
from .autodiff import Dual, DualMatrix, derivative, forward_gradient, grad, hvp, jvp, reverse_gradient
from .explain import ChainRule, Factor, Path, chain_rule, count_paths, sigmoid_chain
from .graph_export import render_dot, to_dot, to_text_tree
from .jacobian import jacobian, numeric_jacobian
from .losses import binary_cross_entropy_with_logits, cross_entropy, log_softmax, logsumexp, mse, softmax
from .matrix import Matrix
from .mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .operators import dot, sum_of
from .ops import OPS, Op, describe_rules
from .seeding import default_generator, manual_seed
from .symbolic import Expr, expression
from .textbook import symbolic_derivative
from .value import Value

__all__ = [
    "AnomalyError",
    "ChainRule",
    "Dual",
    "DualMatrix",
    "Expr",
    "Factor",
    "Matrix",
    "OPS",
    "Op",
    "Path",
    "Value",
    "binary_cross_entropy_with_logits",
    "chain_rule",
    "count_paths",
    "cross_entropy",
    "default_generator",
    "derivative",
    "describe_rules",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "expression",
    "forward_gradient",
    "grad",
    "gradient_health",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "largest_singular_value",
    "layer_anatomy",
    "log_softmax",
    "logsumexp",
    "manual_seed",
    "mse",
    "nn",
    "no_grad",
    "numeric_jacobian",
    "render_dot",
    "reverse_gradient",
    "sigmoid_chain",
    "softmax",
    "sum_of",
    "symbolic_derivative",
    "to_dot",
    "to_text_tree",
]

__version__ = "0.1.0"
