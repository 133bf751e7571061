"""``Value``: a scalar node of the computation graph, and reverse-mode backward.

Every arithmetic step on Values creates a new node that remembers

* its inputs (``_prev``, a tuple: the order matters for ``x - y``),
* the primitive that made it (``_op``, one entry of :mod:`tinygrad_edu.ops`),
* the local derivatives ∂node/∂input (``_partials``), computed right away from
  the op's rule, while the numbers are at hand.

``backward()`` then applies the chain rule from the output back to the leaves:
visit the nodes so that each comes after every node that used it (a
topological order), and pass each node's gradient to its inputs multiplied by
the local derivative:

    grad(input) += grad(node) · ∂node/∂input

The ``+=`` matters: an input used twice (``x * x``) receives a contribution
along each use, and the sum is the total derivative.

>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x          # y = x² + 2x, so dy/dx = 2x + 2 = 8
>>> y.backward()
>>> x.grad
8.0

``.grad`` *accumulates*: a second ``backward()`` adds again (as in PyTorch),
which is what you want when summing the gradients of several losses, and a
surprise otherwise.  Call ``zero_grad()`` between training steps.

>>> y.backward()
>>> x.grad
16.0
>>> y.zero_grad()
>>> x.grad
0.0
"""

from __future__ import annotations

import math

from fractions import Fraction

from .mode import AnomalyError, flags
from .operators import Arithmetic
from .ops import Op, as_constant, as_data, as_number, plain_params, rounded, short, to_float


class Value(Arithmetic):
    """A scalar in the graph: ``.data`` (the number), ``.grad`` (∂output/∂self after backward)."""

    # __slots__: no per-object dict, so a node costs a fraction of the memory
    # and attribute access is faster.  Graphs of a million nodes are routine.
    __slots__ = ("data", "grad", "label", "_prev", "_op", "_params", "_partials")

    def __init__(self, data, label: str = "") -> None:
        # A Fraction stays exact; anything else becomes a plain float (an int too
        # large for one is ±inf, as IEEE 754 rounds it; NumPy's float64 a float).
        self.data = as_data("Value", data)
        self.grad = zero_like(self.data)  # .grad has the type of .data: exact for a Fraction
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {label!r}")
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._op: Op | None = None
        self._params: tuple = ()
        self._partials: tuple = ()

    @classmethod
    def apply(cls, op: Op, inputs, params: tuple = ()) -> "Value":
        """Apply a primitive ``op`` to ``inputs`` (Values or numbers): the one place nodes are made.

        This is also how to use your own primitive:

        >>> from tinygrad_edu.ops import Op
        >>> cube = Op("cube", forward=lambda x: x ** 3, derivative=lambda x, out: 3 * x * x)
        >>> x = Value(2.0)
        >>> y = Value.apply(cube, (x,))
        >>> y.backward()
        >>> y.data, x.grad
        (8.0, 12.0)
        """
        # Every input as a Value, and its number.  One and two inputs are written
        # out: this is the engine's hottest line, and the loop-free form is ~1.5x faster.
        # (A wrong op or a wrong number of inputs fails in the unpacking: _misuse says why.)
        try:
            arity = op.arity
        except AttributeError:
            raise _misuse(op, inputs) from None
        if arity == 1:
            try:
                (a,) = inputs
            except (TypeError, ValueError):
                raise _misuse(op, inputs) from None
            if not isinstance(a, Value):
                a = _constant(op, a, None)
            inputs, numbers = (a,), (a.data,)
        elif arity == 2:
            try:
                a, b = inputs
            except (TypeError, ValueError):
                raise _misuse(op, inputs) from None
            if not isinstance(a, Value):
                a = _constant(op, a, b.data if isinstance(b, Value) else None)
            if not isinstance(b, Value):
                b = _constant(op, b, a.data)
            inputs, numbers = (a, b), (a.data, b.data)
        else:
            if not isinstance(inputs, (tuple, list)) or len(inputs) != arity:
                raise _misuse(op, inputs)
            inputs = tuple(x if isinstance(x, Value) else _constant(op, x, None) for x in inputs)
            numbers = tuple(x.data for x in inputs)
        if params:
            params = plain_params(params)  # NumPy's float64 exponent or slope: a plain float
        if op.restricted:
            op.validate(numbers, params)  # bad input raises here, before the new node exists
        try:
            out = op.forward(*numbers, *params)
        except OverflowError:  # a Fraction beyond float range met a float: round it, as IEEE 754 does
            numbers = rounded(numbers)
            out = op.forward(*numbers, *params)
        node = cls.__new__(cls)
        node.data = out
        node.grad = 0.0 if type(out) is float else zero_like(out)
        node.label = ""
        node._params = params
        if flags.grad_enabled:
            try:
                partials = op.derivative(*numbers, *params, out)
            except OverflowError:
                partials = op.derivative(*rounded(numbers), *params, out)
            node._partials = (partials,) if op.arity == 1 else partials
            node._prev = inputs
            node._op = op
        else:  # under no_grad(): a leaf with no history
            node._partials = node._prev = ()
            node._op = None
        if flags.detect_anomaly and not _finite(out):
            inputs_text = ", ".join(repr(n) for n in numbers)
            raise AnomalyError(f"{op.name} produced {out!r} from inputs ({inputs_text}): {describe(node)}")
        return node

    # -- reading a node ------------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters: nodes made by ``Value(...)``, not by an op."""
        return self._op is None

    @property
    def op(self) -> str:
        """The name of the primitive that produced this node ('' for a leaf)."""
        return "" if self._op is None else self._op.name

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In Jupyter: a picture of the graph that computed this node (Graphviz), or its text tree."""
        from .graph_export import repr_mimebundle  # imported here: graph_export is built on this module
        return repr_mimebundle(self, include, exclude)

    def detach(self) -> "Value":
        """A new leaf with the same number: gradients stop here."""
        return Value(self.data, label=self.label)

    # -- reverse mode --------------------------------------------------------

    def backward(self, gradient=None) -> None:
        """Add ∂self/∂node · ``gradient`` (default 1) to ``.grad`` of every node ``self`` depends on.

        All gradients are computed first and written only at the end, so an
        error during backward (see ``detect_anomaly``) leaves every ``.grad`` as it was.
        """
        if gradient is not None:
            gradient = as_number("backward", gradient)
        grads = backpropagate(self, gradient)
        try:
            sums = [node.grad + g for node, g in grads.items()]
        except OverflowError:  # a Fraction beyond float range met a float
            sums = [add(node.grad, g) for node, g in grads.items()]
        # Every sum is computed first, so an error above changes no .grad (a .grad set by hand to
        # something that is not a number fails there, not halfway through writing).
        for node, total in zip(grads, sums):
            node.grad = total

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 (0.0, or Fraction(0) for a Fraction) on this node and every node it was computed from."""
        for node in topological_order(self):
            node.grad = zero_like(node.data)


def _misuse(op, inputs) -> Exception:
    """The error for ``Value.apply`` given something that is not an Op, or the wrong number of inputs."""
    if not isinstance(op, Op):
        return TypeError(f"Value.apply: expected an Op and a tuple of inputs, got {short(op)} and {short(inputs)}")
    count = len(inputs) if isinstance(inputs, (tuple, list)) else short(inputs)
    return ValueError(f"{op.name}: takes {op.arity} input{'s' if op.arity > 1 else ''}, got {count}")


def zero_like(x):
    """The zero a gradient starts from: ``Fraction(0)`` beside a Fraction (exact), else 0.0."""
    return Fraction(0) if isinstance(x, Fraction) else 0.0


def add(a, b):
    """a + b, rounding both to floats when one is a Fraction beyond float range and the other a float."""
    try:
        return a + b
    except OverflowError:
        return to_float(a) + to_float(b)


def multiply(a, b):
    """a · b, rounding both to floats when one is a Fraction beyond float range and the other a float."""
    try:
        return a * b
    except OverflowError:
        return to_float(a) * to_float(b)


def _constant(op: Op, x, partner) -> Value:
    """A plain-number input of ``op`` (the 2 in ``2 * x``), checked and wrapped as a leaf.

    An int takes the type of the number it meets (``partner``): beside a
    ``Fraction`` it becomes a Fraction, so that ``x / 2`` and its derivative
    1/2 stay exact; otherwise a float.
    """
    constant = Value.__new__(Value)
    # A float is taken as it is (the common case, and the fast one); anything else is checked.
    constant.data = x if type(x) is float else as_constant(op.name, x, partner)
    constant.grad = 0.0 if type(constant.data) is not Fraction else Fraction(0)
    constant.label = ""
    constant._prev = constant._partials = constant._params = ()
    constant._op = None
    return constant


def _finite(x) -> bool:
    return not isinstance(x, float) or math.isfinite(x)


def topological_order(root) -> list:
    """The nodes ``root`` depends on, ``root`` first, every node before its inputs.

    An iterative depth-first search with an explicit stack (no recursion, so a
    chain of a million nodes is fine): a node is emitted only after all of its
    inputs have been, and the list is reversed at the end.  Each stack entry
    keeps an iterator over the node's inputs, so a node is resumed where it
    left off when the search comes back to it.  Works for any node
    type with a ``_prev`` tuple (the Matrix engine uses it too).
    """
    order = []
    visited = {root}
    # Each entry: a node, and its inputs still to visit (last input first, which
    # makes the gradient sums come out in reading order: 3·x² + 2, not 2 + 3·x²).
    stack = [(root, reversed(root._prev))]
    while stack:
        node, inputs = stack[-1]
        for child in inputs:
            if child not in visited:  # go down into the first unvisited input
                visited.add(child)
                stack.append((child, reversed(child._prev)))
                break
        else:  # every input is done: emit the node
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def backpropagate(root: Value, seed=None, create_graph: bool = False) -> dict:
    """∂root/∂node · seed for every node ``root`` depends on, as a dict (``.grad`` is not touched).

    The default seed is ∂root/∂root = 1, of the same type as ``root.data``, so
    that a graph of ``Fraction``s gets exact ``Fraction`` gradients.

    With ``create_graph=True`` the local derivatives are recomputed from the
    op's rule *on Values*, so every gradient is itself a Value whose graph can
    be differentiated again (second derivatives, third, ...).
    """
    grads = {root: (Fraction(1) if isinstance(root.data, Fraction) else 1.0) if seed is None else seed}
    anomaly = flags.detect_anomaly
    for node in topological_order(root):
        op = node._op
        if op is None:
            continue
        g = grads[node]
        if create_graph:
            partials = op.derivative(*node._prev, *node._params, node)
            if op.arity == 1:
                partials = (partials,)
        else:
            partials = node._partials
        for child, local in zip(node._prev, partials):
            try:
                contribution = g * local
            except OverflowError:  # a Fraction beyond float range times a float
                contribution = multiply(g, local)
            if anomaly and not _finite(_data(contribution)):
                raise AnomalyError(
                    f"backward through {op.name} gave the gradient {contribution!r} "
                    f"(upstream {g!r} × local {local!r}): {describe(node)}"
                )
            previous = grads.get(child)
            if previous is None:
                grads[child] = contribution
            else:
                try:
                    grads[child] = previous + contribution
                except OverflowError:
                    grads[child] = add(previous, contribution)
    return grads


def _data(x):
    return x.data if isinstance(x, Value) else x


def describe(node: Value, depth: int = 4) -> str:
    """The expression that produced ``node``, as nested op calls, ``depth`` levels deep.

    >>> x = Value(2.0, label="x")
    >>> describe((x * 3).log())
    'log(mul(x=2.0, 3))'
    """
    if node._op is None:
        return f"{node.label}={node.data!r}" if node.label else repr(node.data)
    if depth == 0:
        return f"{node._op.name}(…)"
    args = [describe(child, depth - 1) for child in node._prev]
    args += [repr(p) for p in node._params]
    return f"{node._op.name}({', '.join(args)})"
