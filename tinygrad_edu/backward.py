"""Backward: the chain rule, as one loop that every node type shares.

A node of the graph -- a scalar :class:`~tinygrad_edu.value.Value` or a whole
:class:`~tinygrad_edu.matrix.Matrix` -- remembers how it was made:

* ``_prev``: its inputs, in order (the order matters for ``x - y``);
* ``_op``: the primitive operation that made it (``None`` for a leaf: an
  input, a parameter, a constant);
* how its gradient passes to its inputs.  A Value stores its *local
  derivatives* ∂node/∂input in ``_partials``: numbers, computed by the op's
  rule when the node was made.  A Matrix has no such numbers (∂node/∂input
  would be a Jacobian with a row per output entry and a column per input
  entry), so its ``vjp(g)`` asks the op's rule for the product
  g·∂node/∂input directly, a *vector-Jacobian product*, of the input's shape.

Backward walks the graph from the output back, applying the chain rule at
each node::

    grad(input) += grad(node) · ∂node/∂input

Two things make it right.  Order: a node's gradient is complete only when
every node that used it has added its part, so the nodes are visited in a
*topological order*, each after all of its users.  And ``+=``: an input used
twice (``x * x``) receives a contribution along each use, and their sum is
the total derivative.

>>> from tinygrad_edu import Value
>>> x = Value(3.0, label="x")
>>> y = x * x                            # ∂y/∂x = x + x: two uses, two contributions
>>> [node.op or node.label for node in topological_order(y)]
['mul', 'x']
>>> backpropagate(y, 1.0)[x]
6.0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .anomaly import check_gradients
from .mode import flags
from .reals import add, multiply


def topological_order(root: Any) -> list[Any]:
    """The nodes ``root`` depends on, ``root`` first, each before its inputs.

    A depth-first search with a stack instead of recursion (so a chain of a
    million nodes is fine).  A node is taken off the stack twice: the first
    time its inputs go on top of it, the second time -- once everything
    above it is done, its inputs included -- it joins the order.  Reversed,
    that order puts every node before its inputs, hence after all its users.

    >>> from tinygrad_edu import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> c = a * b
    >>> [n.label or n.op for n in topological_order(c + a)]
    ['add', 'mul', 'b', 'a']
    """
    order = []
    done = set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in done:
            done.add(node)
            stack.append((node, True))  # back to this node once its inputs are in order
            for child in node._prev:  # the last input ends on top, so it is visited first
                if child not in done:
                    stack.append((child, False))
    order.reverse()
    return order


def backpropagate(root: Any, seed: Any, create_graph: bool = False) -> dict[Any, Any]:
    """∂root/∂node · ``seed`` for every node ``root`` depends on, as a dict node → gradient.

    This is the whole of reverse mode; ``Value.backward``, ``Matrix.backward``
    and ``grad`` call it and then decide what to do with the dict (``.grad``
    is not touched here).  ``create_graph=True`` (skip it on a first reading)
    records the loop's own arithmetic, so each gradient is a graph that can be
    differentiated again.

    >>> from tinygrad_edu import Value
    >>> x = Value(2.0)
    >>> y = (x * x).tanh()
    >>> grads = backpropagate(y, 1.0)
    >>> grads[x] == (1 - y.data ** 2) * (2 * x.data)      # tanh′(x²)·2x, and x.grad is untouched
    True
    >>> x.grad
    0.0
    """
    grads = {root: seed}
    check = flags.detect_anomaly
    scalar_fast_path = not create_graph  # create_graph needs each op's rule run on nodes, not stored numbers
    with _rules_mode(create_graph):
        for node in topological_order(root):  # each node after all the nodes that use it,
            g = grads.get(node)  # so its gradient g = ∂root/∂node is complete
            if g is None or node._op is None:  # a leaf, or a node no gradient reaches
                continue
            # Each input gets g·∂node/∂input.  Fast path: a Value's ∂node/∂input are numbers it
            # stored when it was made, so the product is one multiplication, done right here.
            # Otherwise node.vjp(g) asks the op's rule for (input, product) pairs.
            stored = node._partials if scalar_fast_path else None
            for child, part in zip(node._prev, stored) if stored is not None else node.vjp(g):
                previous = grads.get(child)
                try:
                    contribution = g * part if stored is not None else part
                    grads[child] = contribution if previous is None else previous + contribution
                except OverflowError:  # a Fraction beyond float range met a float: round (reals.py)
                    contribution = multiply(g, part) if stored is not None else part
                    grads[child] = contribution if previous is None else add(previous, contribution)
            if check:  # detect_anomaly() only: skip on a first reading
                check_gradients(node, g, grads)
    return grads


# ---------------------------------------------------------------------------
# create_graph: skip it on a first reading.
# ---------------------------------------------------------------------------

@contextmanager
def _rules_mode(create_graph: bool) -> Iterator[None]:
    """The mode the rules run in during backward: recording only for ``create_graph``.

    Anomaly checks are done by backward itself, after each node, so that an
    error names the op being differentiated, not a ``mul`` inside its rule.
    """
    previous = flags.grad_enabled, flags.detect_anomaly
    flags.grad_enabled, flags.detect_anomaly = create_graph, False
    try:
        yield
    finally:
        flags.grad_enabled, flags.detect_anomaly = previous
