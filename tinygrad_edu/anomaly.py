"""What ``detect_anomaly()`` checks, and how its errors describe the expression at fault.

A first reading may skip this file.  Without :func:`tinygrad_edu.mode.detect_anomaly`
nothing here runs: overflow quietly becomes ``inf`` and ``inf − inf``
becomes ``nan`` (IEEE 754).  Inside it, the engines call

* :func:`check_output` when an op makes a node whose value is not finite,
* :func:`check_gradients` after backward passes a node's gradient to its
  inputs (the one loop in :mod:`tinygrad_edu.backward` calls it),

and the error names the op, the offending number and, through
:func:`describe`, the chain of operations that led to it.

>>> from tinygrad_edu import Value, detect_anomaly
>>> big = Value(800.0, label="big")
>>> with detect_anomaly():
...     big.exp()
Traceback (most recent call last):
tinygrad_edu.mode.AnomalyError: exp produced inf from inputs (800.0): exp(big=800.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .mode import AnomalyError
from .reals import short


def describe(node: Any, depth: int = 3) -> str:
    """The expression that produced ``node``, as nested op calls, ``depth`` levels deep.

    A scalar leaf shows its label and number, a matrix leaf its label and shape;
    an op's constant parameters (the 2 of ``x ** 2``) follow its inputs.

    >>> from tinygrad_edu import Matrix, Value
    >>> x = Value(2.0, label="x")
    >>> describe((x * 3).log())
    'log(mul(x=2.0, 3))'
    >>> X, W = Matrix([[1.0, 2.0]], label="X"), Matrix([[1.0], [1.0]], label="W")
    >>> describe((X @ W).tanh())
    'tanh(matmul(X(1, 2), W(2, 1)))'
    """
    if node._op is None:
        if isinstance(node.data, list):
            return f"{node.label or 'Matrix'}{node.shape}"
        return f"{node.label}={node.data!r}" if node.label else repr(node.data)
    return _call(node._op, node._prev, node._params, depth)


def _call(op: Any, inputs: Sequence[Any], params: Sequence[Any], depth: int) -> str:
    """``op(inputs…, params…)`` with each input described ``depth − 1`` levels deep."""
    if depth == 0:
        return f"{op.name}(…)"
    args = [describe(x, depth - 1) for x in inputs]
    args += [short(p) for p in params if p is not None]
    return f"{op.name}({', '.join(args)})"


def first_nonfinite(rows: Sequence[Sequence[float]]) -> tuple[int, int, float] | None:
    """(i, j, value) of the first inf or nan entry of a list of rows, or None.

    >>> first_nonfinite([[1.0, 2.0], [math.nan, math.inf]])
    (1, 0, nan)
    """
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            if not math.isfinite(x):
                return i, j, x
    return None


def check_output(op: Any, out: Any, inputs: Sequence[Any], params: Sequence[Any] = ()) -> None:
    """Raise :class:`AnomalyError` when ``op`` applied to the nodes ``inputs`` gave inf or nan
    (``out``: a number for a Value, rows for a Matrix).  Called before the new node is made.

    >>> from tinygrad_edu import Value, ops
    >>> check_output(ops.exp, 2.0, [Value(800.0, label="x")])      # finite: nothing to say
    >>> check_output(ops.exp, math.inf, [Value(800.0, label="x")])
    Traceback (most recent call last):
    tinygrad_edu.mode.AnomalyError: exp produced inf from inputs (800.0): exp(x=800.0)
    """
    if isinstance(out, list):  # a Matrix: name the entry
        found = first_nonfinite(out)
        if found is not None:
            i, j, x = found
            shapes = ", ".join(str(x.shape) for x in inputs)
            raise AnomalyError(f"{op.name} produced {x!r} at entry ({i}, {j}) of its {(len(out), len(out[0]))} result "
                               f"(inputs of shape {shapes}): {_call(op, inputs, params, 3)}")
    elif isinstance(out, float) and not math.isfinite(out):
        inputs_text = ", ".join(repr(x.data) for x in inputs)
        raise AnomalyError(f"{op.name} produced {out!r} from inputs ({inputs_text}): {_call(op, inputs, params, 3)}")


def check_gradients(node: Any, g: Any, grads: dict[Any, Any]) -> None:
    """Raise :class:`AnomalyError` when backward through ``node`` has just given one of its
    inputs a gradient that is not finite: the op, the entry or the factors, the expression.

    >>> from tinygrad_edu import Value
    >>> x = Value(1e-200, label="x")
    >>> y = 1 / x
    >>> check_gradients(y, 1.0, {x: -math.inf})
    Traceback (most recent call last):
    tinygrad_edu.mode.AnomalyError: backward through div gave the gradient -inf (upstream 1.0 × local -inf): div(1, x=1e-200)
    """
    for position, child in enumerate(node._prev):
        total = grads.get(child)
        if total is None:
            continue
        total = getattr(total, "data", total)  # a gradient that is a node (create_graph): its number
        if isinstance(total, list):  # a Matrix gradient: name the first entry that is not finite
            found = first_nonfinite(total)
            if found is not None:
                i, j, x = found
                raise AnomalyError(f"backward through {node._op.name} gave the gradient {x!r} at entry ({i}, {j}) "
                                   f"for its input {position} of shape {child.shape}: {describe(node)}")
        elif isinstance(total, float) and not math.isfinite(total):
            local = node._partials[position]
            raise AnomalyError(f"backward through {node._op.name} gave the gradient {total!r} "
                               f"(upstream {getattr(g, 'data', g)!r} × local {local!r}): {describe(node)}")
