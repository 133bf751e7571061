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

from typing import Any

from .anomaly import check_gradients
from .mode import flags
from .reals import add, multiply


def topological_order(root: Any) -> list[Any]:
    """The nodes ``root`` depends on, ``root`` first, each before its inputs.

    A depth-first search with a stack instead of recursion (so a chain of a
    million nodes is fine).  A node taken off the stack for the first time
    goes back on it with a marker (``None``) above it, and its inputs above
    that.  When the marker comes off again, everything above it -- the
    node's inputs and all they depend on -- is done, so the node joins the
    order (a leaf, with no inputs to wait for, joins it at once).  Reversed,
    that order puts every node before its inputs, hence after all its users.

    A node is marked as visited by putting this walk's own token in its
    ``_g`` slot, backward's working slot, which is free between backward
    passes.  (Speed only: a set of visited nodes would do the same, but for
    a big graph it is a table of its own to allocate and grow.)  So do not
    call this from a thread, or from inside a backward pass, on nodes that
    another backward pass is working on.

    >>> from tinygrad_edu import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> c = a * b
    >>> [n.label or n.op for n in topological_order(c + a)]
    ['add', 'mul', 'b', 'a']
    """
    visited = object()  # this walk's token: a node whose _g is visited has been seen
    order = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:  # a marker: the node under it has all its inputs in order
            order.append(stack.pop())
        elif node._g is not visited:
            node._g = visited
            if node._prev:
                stack.append(node)
                stack.append(None)  # back to this node once everything above the marker is done
                stack.extend(node._prev)  # the last input ends on top, so it is visited first
            else:  # a leaf has no inputs to wait for
                order.append(node)
    order.reverse()
    return order


def chain_rule(root: Any, seed: Any, create_graph: bool = False) -> list[Any]:
    """The one chain-rule loop: afterwards each node's ``_g`` holds ∂root/∂node · ``seed``
    (``None`` where no gradient reaches), and the nodes are returned in the order visited.

    Most callers want :func:`backpropagate`, which hands the gradients back as a
    dict; ``Value.backward`` reads the slots directly (a dict of every node costs
    more than the rest of its work).  ``create_graph=True`` (skip it on a first
    reading) records the loop's own arithmetic, so each gradient is a graph that
    can be differentiated again.

    >>> from tinygrad_edu import Value
    >>> x = Value(3.0)
    >>> y = x * x
    >>> [node._g for node in chain_rule(y, 1.0)]      # ∂y/∂y = 1, ∂y/∂x = 2x
    [1.0, 6.0]
    """
    order = topological_order(root)  # each node after all the nodes that use it
    for node in order:
        node._g = None  # no gradient yet
    root._g = seed
    check = flags.detect_anomaly
    saved = flags.grad_enabled, flags.detect_anomaly  # the rules run recording only for create_graph
    flags.grad_enabled, flags.detect_anomaly = create_graph, False
    try:
        for node in order:
            g = node._g  # ∂root/∂node, complete: every user of node has added its part
            if g is None or not node._prev:  # a node no gradient reaches, or a leaf
                continue
            # Each input gets g·∂node/∂input.  A Value stored its ∂node/∂input as numbers when it
            # was made (_partials), so that is one multiplication, here; otherwise (a Matrix, or
            # create_graph) node.vjp(g) asks the op's rule for (input, product) pairs.
            stored = None if create_graph else node._partials
            if stored is None:
                for child, part in node.vjp(g):
                    child._g = part if child._g is None else child._g + part
            elif len(stored) == 2:  # speed only: the two-input case (most nodes) written out
                a, b = node._prev
                da, db = stored
                try:
                    a._g = g * da if a._g is None else a._g + g * da
                except OverflowError:  # a Fraction beyond float range met a float: round (reals.py)
                    _add_rounded(a, g, da)
                try:
                    b._g = g * db if b._g is None else b._g + g * db
                except OverflowError:
                    _add_rounded(b, g, db)
            else:
                for child, part in zip(node._prev, stored):
                    try:
                        child._g = g * part if child._g is None else child._g + g * part
                    except OverflowError:
                        _add_rounded(child, g, part)
            if check:  # detect_anomaly() only: skip on a first reading
                check_gradients(node, g, {child: child._g for child in node._prev})
    finally:
        flags.grad_enabled, flags.detect_anomaly = saved
    return order


def backpropagate(root: Any, seed: Any, create_graph: bool = False) -> dict[Any, Any]:
    """∂root/∂node · ``seed`` for every node ``root`` depends on, as a dict node → gradient.

    This is the whole of reverse mode: :func:`chain_rule`, then the gradients
    out of the slots.  ``Matrix.backward`` and ``grad`` call it and then decide
    what to do with the dict (``.grad`` is not touched here).

    >>> from tinygrad_edu import Value
    >>> x = Value(2.0)
    >>> y = (x * x).tanh()
    >>> grads = backpropagate(y, 1.0)
    >>> grads[x] == (1 - y.data ** 2) * (2 * x.data)      # tanh′(x²)·2x, and x.grad is untouched
    True
    >>> x.grad
    0.0
    """
    order = chain_rule(root, seed, create_graph)
    grads = {node: node._g for node in order if node._g is not None}
    if create_graph:  # a gradient that is a graph refers back to the nodes: empty the slots, no cycles
        for node in order:
            node._g = None
    return grads


def _add_rounded(child: Any, g: Any, part: Any) -> None:
    """``child._g += g · part`` when a Fraction beyond float range meets a float: round as IEEE 754 does."""
    contribution = multiply(g, part)
    child._g = contribution if child._g is None else add(child._g, contribution)
