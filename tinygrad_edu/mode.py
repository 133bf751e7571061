"""Switches that change how the engines record graphs: ``no_grad`` and ``detect_anomaly``.

Both are context managers, as in PyTorch, and both only flip a flag that the
engines read when they create a node or run backward.

>>> from tinygrad_edu import Value, no_grad
>>> x = Value(2.0)
>>> with no_grad():
...     y = x * x          # computed, but not recorded: y is a leaf
>>> y.data, y.is_leaf
(4.0, True)
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class _Flags:
    """Process-wide switches (one object, so that every module sees the same)."""

    grad_enabled = True
    detect_anomaly = False


flags = _Flags()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``.

    >>> with no_grad():
    ...     inside = is_grad_enabled()
    >>> inside, is_grad_enabled()
    (False, True)
    """
    return flags.grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Compute without recording the graph: results are leaves with no history.

    Use it for updates of parameters (``w.data -= lr * w.grad`` needs no graph)
    and for evaluation.  The previous state is restored even on an exception.

    >>> from tinygrad_edu import Value
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.is_leaf
    True
    """
    previous = flags.grad_enabled
    flags.grad_enabled = False
    try:
        yield
    finally:
        flags.grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again, even inside ``no_grad()``.

    >>> from tinygrad_edu import Value
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = Value(2.0) * 3
    >>> y.is_leaf
    False
    """
    previous = flags.grad_enabled
    flags.grad_enabled = True
    try:
        yield
    finally:
        flags.grad_enabled = previous


class AnomalyError(FloatingPointError):
    """Raised under ``detect_anomaly()`` by the first op that produces inf or nan.

    A ``FloatingPointError``, so code that catches that (or ``ArithmeticError``) catches it too.

    >>> issubclass(AnomalyError, FloatingPointError)
    True
    """


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first inf or nan, forward or backward.

    Without it, overflow quietly becomes ``inf`` and ``inf - inf`` becomes
    ``nan`` (IEEE 754), which then spreads through every later result.  Inside
    this block the first operation whose output, or whose gradient during
    backward, is not finite raises an error naming that operation, its inputs
    and the chain of operations that led to it.  It costs one check per node.

    >>> from tinygrad_edu import Value
    >>> big = Value(800.0, label="big").exp()          # inf, quietly
    >>> with detect_anomaly():
    ...     big - big
    Traceback (most recent call last):
    tinygrad_edu.mode.AnomalyError: sub produced nan from inputs (inf, inf): sub(exp(big=800.0), exp(big=800.0))
    """
    previous = flags.detect_anomaly
    flags.detect_anomaly = True
    try:
        yield
    finally:
        flags.detect_anomaly = previous
