"""``Value``: a scalar node of the computation graph.

Every arithmetic step on Values makes a new node (:meth:`Value.apply`) that
remembers

* its inputs (``_prev``, a tuple: the order matters for ``x - y``),
* the primitive that made it (``_op``, one row of the table in :mod:`tinygrad_edu.ops`),
* the local derivatives ∂node/∂input (``_partials``), computed from the op's
  rule right away, while the numbers are at hand.

``backward()`` hands the graph to the one reverse-mode loop,
:func:`tinygrad_edu.backward.backpropagate`, which applies the chain rule
``grad(input) += grad(node) · ∂node/∂input`` from the output back, and then
adds each gradient into ``.grad``:

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

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from . import ops
from .anomaly import check_output
from .backward import backpropagate, chain_rule, topological_order
from .mode import flags
from .operators import Arithmetic
from .ops import Op
from .reals import Real, add, as_constant, as_data, as_number, plain_params, rounded, short


class Value(Arithmetic):
    """A scalar in the graph: ``.data`` (the number), ``.grad`` (∂output/∂self after backward).

    >>> w = Value(-3.0, label="w")
    >>> (w * 2).relu().data, w.label, w.is_leaf
    (0.0, 'w', True)
    """

    # __slots__: no per-object dict, so a node costs a fraction of the memory
    # and attribute access is faster.  Graphs of a million nodes are routine.
    __slots__ = ("data", "grad", "label", "_prev", "_op", "_params", "_partials", "_g")

    def __init__(self, data: Any, label: str = "") -> None:
        # A Fraction stays exact; anything else becomes a plain float (an int too
        # large for one is ±inf, as IEEE 754 rounds it; NumPy's float64 a float).
        # A dual number stays as it is: reverse mode over dual numbers is forward-over-reverse (autodiff.hvp).
        self.data: Any = data if _is_dual(data) else as_data("Value", data)
        self.grad: Any = zero_like(self.data)  # .grad has the type of .data: exact for a Fraction
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {label!r}")
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._op: Op | None = None
        self._params: tuple[Any, ...] = ()
        self._partials: tuple[Any, ...] = ()
        self._g: Any = None  # backward's working slot: the gradient so far

    @classmethod
    def apply(cls, op: Op, inputs: Sequence[Any], params: tuple[Any, ...] = ()) -> Value:
        """Apply a primitive ``op`` to ``inputs`` (Values or numbers): how every node is made.

        The forward rule gives the node's number, the op's derivative rule its
        local derivatives ∂node/∂input, stored for backward.  This is also how
        to use your own primitive:

        >>> from tinygrad_edu.ops import Op
        >>> cube = Op("cube", forward=lambda x: x ** 3, derivative=lambda x, out: 3 * x * x)
        >>> x = Value(2.0)
        >>> y = Value.apply(cube, (x,))
        >>> y.backward()
        >>> y.data, y._partials, x.grad
        (8.0, (12.0,), 12.0)
        """
        # 1. The inputs as Values (a number mixed in, the 2 in 2 * x, becomes a constant leaf), and
        #    their numbers.  Speed only: one and two inputs, nearly every node, are written out by hand
        #    here; _as_values does the general case (three or more inputs, and the error for a mistake).
        try:
            arity = op.small_arity if len(inputs) == op.small_arity else 0  # 0: the general case below
        except (AttributeError, TypeError):  # not an Op, or inputs that are not a tuple: the error below
            arity = 0
        if arity == 2:
            a, b = inputs
            if not isinstance(a, Value) or not isinstance(b, Value) or type(inputs) is not tuple:
                if not isinstance(a, Value):
                    a = _constant(op, a, b.data if isinstance(b, Value) else None)
                if not isinstance(b, Value):
                    b = _constant(op, b, a.data)
                inputs = (a, b)  # (else inputs is already the tuple of two Values the node keeps)
            numbers: tuple[Any, ...] = (a.data, b.data)
        elif arity == 1:
            (a,) = inputs
            if not isinstance(a, Value) or type(inputs) is not tuple:
                if not isinstance(a, Value):
                    a = _constant(op, a, None)
                inputs = (a,)
            numbers = (a.data,)
        else:
            inputs, numbers = _as_values(op, inputs)
        # 2. The forward rule gives the node's number; bad input raises here, before the node exists.
        if params:
            params = plain_params(params)  # NumPy's float64 exponent or slope: a plain float
            numbers += params  # the rules take the parameters after the inputs
        if op.restricted:
            op.validate(numbers[:len(inputs)], params)
        try:
            out = op.forward(*numbers)
        except OverflowError:  # a Fraction beyond float range met a float: round it, as IEEE 754 does
            numbers = rounded(numbers[:len(inputs)]) + params
            out = op.forward(*numbers)
        except TypeError:  # dual numbers inside Values (forward-over-reverse): skip on a first reading
            if not any(_is_dual(x) for x in numbers):
                raise
            out = op(*numbers)  # the op on the dual numbers, which carry their own tangents
        if flags.detect_anomaly:  # skip on a first reading: an error if out is inf or nan
            check_output(op, out, inputs, params)
        # 3. The node, and how it was made: its inputs, its op and the local derivatives ∂node/∂input
        #    from the op's rule, computed now while the numbers are at hand.
        if not flags.grad_enabled:  # inside no_grad(): a leaf with no history
            return _node(cls, out, (), None, params, ())
        try:
            partials = op.derivative(*numbers, out)
        except OverflowError:
            partials = op.derivative(*rounded(numbers[:len(inputs)]), *params, out)
        return _node(cls, out, inputs, op, params, (partials,) if op.arity == 1 and not op.variadic else partials)

    @classmethod
    def _binary(cls, op: Op, a: Any, b: Any) -> Value:
        """``apply(op, (a, b))`` for the operators ``+ − × /``.  Speed only: skip on a first reading.

        Most nodes of a network are ``x * y`` or ``x + y`` of two Values, outside
        ``no_grad()`` and ``detect_anomaly()``, into an op with no domain to check.
        They take this short road: the same forward and derivative rules from the
        table, without the conversions and checks ``apply`` makes for everything
        else (ints and Fractions mixed in, parameters, domains, numbers beyond float range).

        >>> x, y = Value(3.0), Value(4.0)
        >>> z = x * y
        >>> z.data, z._partials
        (12.0, (4.0, 3.0))
        """
        if type(b) is float:  # a float mixed in (w * 0.5) is a constant leaf, taken as it is
            b = _constant(op, b, None)
        elif type(a) is float:
            a = _constant(op, a, None)
        if (isinstance(a, Value) and isinstance(b, Value) and not op.restricted
                and flags.grad_enabled and not flags.detect_anomaly):
            x, y = a.data, b.data
            try:
                out = op.forward(x, y)
                partials = op.derivative(x, y, out)
            except (OverflowError, TypeError):  # a huge Fraction, dual numbers: the general road
                return cls.apply(op, (a, b))
            return _node(cls, out, (a, b), op, (), partials)
        return cls.apply(op, (a, b))

    def _unary(self, op: Op) -> Value:
        """``apply(op, (self,))`` for the op methods without parameters (``.relu()``, ``.tanh()``).
        Speed only, as ``_binary``: the same rules, called directly when ``op`` has no domain to
        check, outside ``no_grad()`` and ``detect_anomaly()``.

        >>> y = Value(-2.0).relu()
        >>> y.data, y._partials
        (0.0, (0.0,))
        """
        if not op.restricted and flags.grad_enabled and not flags.detect_anomaly:
            x = self.data
            try:
                out = op.forward(x)
                partial = op.derivative(x, out)
            except (OverflowError, TypeError):  # a huge Fraction, dual numbers: the general road
                return self.apply(op, (self,))
            return _node(type(self), out, (self,), op, (), (partial,))
        return self.apply(op, (self,))

    @classmethod
    def _dot(cls, weights: Sequence[Any], inputs: Sequence[Any], bias: Any) -> Value:
        """``dot(weights, inputs, bias)`` as one node.  Speed only: skip on a first reading.

        A neuron's weights are Values, and its inputs are Values (the layer below)
        or floats (the data, in a first layer).  Outside ``no_grad()`` and
        ``detect_anomaly()`` such a neuron takes this short road: its numbers read
        in one pass each, and dot's forward and derivative rules from the table
        (:func:`~tinygrad_edu.ops.weighted_sum`) called with them directly.  As in
        ``apply``, a float input or bias becomes a constant leaf.  Anything else (a
        plain int or Fraction mixed in, inputs of mixed kinds, a node of another
        type) takes ``apply``'s general road.

        >>> from tinygrad_edu import dot
        >>> z = dot([Value(0.5), Value(-1.0)], [2.0, 3.0], Value(0.25))
        >>> z.data, z._partials
        (-1.75, (2.0, 3.0, 0.5, -1.0, 1))
        """
        if flags.grad_enabled and not flags.detect_anomaly:
            if type(bias) is float:
                bias = _constant(ops.dot, bias, None)
            w = [v.data for v in weights if type(v) is Value]
            data = type(inputs[0]) is float  # floats: the data, in a first layer
            x = [v for v in inputs if type(v) is float] if data else [v.data for v in inputs if type(v) is Value]
            if len(w) == len(x) == len(weights) and type(bias) is Value:
                if data:  # each number a constant leaf, as apply makes it
                    inputs = tuple([_constant(ops.dot, v, None) for v in x])
                try:
                    out = ops.weighted_sum(w, x, bias.data)
                    partials = ops.weighted_sum_partials(w, x)
                except (OverflowError, TypeError):  # a huge Fraction, dual numbers: the general road
                    return cls.apply(ops.dot, (*weights, *inputs, bias))
                return _node(cls, out, (*weights, *inputs, bias), ops.dot, (), partials)
        return cls.apply(ops.dot, (*weights, *inputs, bias))

    def vjp(self, g: Any) -> list[tuple[Value, Any]]:
        """``(input, g·∂self/∂input)`` for each input, with ∂self/∂input from the op's rule
        applied to the input *nodes*: so under ``create_graph`` every product is itself a
        graph.  (Plain backward multiplies by the stored ``_partials`` instead.)

        >>> x = Value(3.0)
        >>> [(child is x, d.data) for child, d in (x * x).vjp(1.0)]
        [(True, 3.0), (True, 3.0)]
        """
        assert self._op is not None, "a leaf has no inputs to pass a gradient to"
        local = self._op.derivative(*self._prev, *self._params, self)
        if self._op.arity == 1:
            local = (local,)
        return [(x, g * d) for x, d in zip(self._prev, local)]

    # -- reading a node ------------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters: nodes made by ``Value(...)``, not by an op.

        >>> Value(1.0).is_leaf, (Value(1.0) * 2).is_leaf
        (True, False)
        """
        return self._op is None

    @property
    def op(self) -> str:
        """The name of the primitive that produced this node ('' for a leaf).

        >>> (Value(1.0) * 2).op
        'mul'
        """
        return "" if self._op is None else self._op.name

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """In Jupyter: a picture of the graph that computed this node (Graphviz), or its text tree."""
        from .graph_export import repr_mimebundle  # imported here: graph_export is built on this module
        return repr_mimebundle(self, include, exclude)

    def detach(self) -> Value:
        """A new leaf with the same number: gradients stop here.

        >>> x = Value(2.0)
        >>> y = (x * x).detach() * x          # the detached x² counts as a constant 4
        >>> y.backward()
        >>> x.grad
        4.0
        """
        return Value(self.data, label=self.label)

    # -- reverse mode --------------------------------------------------------

    def backward(self, gradient: Any = None, create_graph: bool = False) -> None:
        """Add ∂self/∂node · ``gradient`` (default 1) to ``.grad`` of every node ``self`` depends on.

        All gradients are computed first and written only at the end, so an
        error during backward (see ``detect_anomaly``) leaves every ``.grad`` as it was.

        >>> x = Value(2.0)
        >>> (x * x).backward(gradient=0.5)
        >>> x.grad
        2.0

        With ``create_graph=True`` each ``.grad`` is itself a Value, a graph that
        can be differentiated again (PyTorch's Hessian-vector-product idiom):

        >>> x, v = Value(3.0), 2.0
        >>> (x ** 3).backward(create_graph=True)      # x.grad = 3x², a Value
        >>> x.grad.data
        27.0
        >>> from tinygrad_edu import grad
        >>> (dx,) = grad(x.grad * v, [x])             # ∂(3x²·v)/∂x = 6x·v = Hv
        >>> dx
        36.0
        """
        if not isinstance(create_graph, bool):
            raise TypeError(f"backward: create_graph must be True or False, got {short(create_graph)}")
        seed = one_like(self.data) if gradient is None else as_number("backward", gradient)
        if create_graph:  # skip on a first reading: gradients that are graphs, a constant one as a leaf
            grads = backpropagate(self, seed, create_graph)
            totals = [_graph_sum(node.grad, g) for node, g in grads.items()]  # all first: see below
            for node, total in zip(grads, totals):
                node.grad = total
            return
        # The gradients stay in the nodes' _g slots (no dict: for a big graph that would cost more
        # than adding them up).  Each node's new .grad goes into its slot first, and into .grad only
        # once every sum has worked: an error while adding (a .grad set by hand to something that is
        # not a number) changes no .grad.
        order = chain_rule(self, seed)
        for node in order:
            if node._g is not None:  # (None: no gradient reaches the node)
                try:
                    node._g = node.grad + node._g
                except OverflowError:  # a Fraction beyond float range met a float
                    node._g = add(node.grad, node._g)
        for node in order:
            if node._g is not None:
                node.grad = node._g

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 (0.0, or Fraction(0) for a Fraction) on this node and every node it was computed from.

        >>> x = Value(2.0)
        >>> y = x * x
        >>> y.backward()
        >>> y.zero_grad()
        >>> x.grad, y.grad
        (0.0, 0.0)
        """
        for node in topological_order(self):
            node.grad = zero_like(node.data)


def _node(cls: type[Value], out: Any, inputs: tuple[Value, ...], op: Op | None, params: tuple[Any, ...],
          partials: tuple[Any, ...]) -> Value:
    """A new node with number ``out``, made by ``op`` from ``inputs``, with its local derivatives:
    the one place ``apply`` and its short roads make a node.  (Not ``Value(out)``: ``out`` is a
    number already, with nothing left to check.)"""
    node = cls.__new__(cls)
    node.data = out
    node.grad = 0.0 if type(out) is float else zero_like(out)
    node.label = ""
    node._prev = inputs
    node._op = op
    node._params = params
    node._partials = partials
    node._g = None
    return node


def _is_dual(x: Any) -> bool:
    """True for a node of another type that stands where a number does: forward mode's dual number
    (any Arithmetic node but a Value, or a Matrix, whose ``.data`` is a list of rows)."""
    return isinstance(x, Arithmetic) and not isinstance(x, Value) and not isinstance(x.data, list)


def _graph_sum(old: Any, g: Any) -> Value:
    """``.grad`` after ``backward(create_graph=True)``: a Value, the gradient's own graph where
    nothing had accumulated (``.grad`` the number 0), else old + g recorded as a graph too."""
    if not isinstance(old, Value) and old == 0:
        return g if isinstance(g, Value) else Value(g)
    total = old + g
    return total if isinstance(total, Value) else Value(total)


def zero_like(x: Real) -> Real:
    """The zero a gradient starts from: ``Fraction(0)`` beside a Fraction (exact), else 0.0.

    >>> zero_like(Fraction(1, 3)), zero_like(2.5)
    (Fraction(0, 1), 0.0)
    """
    if type(x) is float:  # speed only: the common case, without isinstance's slower check for Fraction
        return 0.0
    return Fraction(0) if isinstance(x, Fraction) else 0.0


def one_like(x: Real) -> Real:
    """∂x/∂x = 1, where backward starts: ``Fraction(1)`` beside a Fraction (exact), else 1.0.

    >>> one_like(Fraction(1, 3)), one_like(2.5)
    (Fraction(1, 1), 1.0)
    """
    if type(x) is float:  # speed only, as in zero_like
        return 1.0
    return Fraction(1) if isinstance(x, Fraction) else 1.0


def _as_values(op: Op, inputs: Sequence[Any]) -> tuple[tuple[Value, ...], tuple[Any, ...]]:
    """``inputs`` as Values (a plain number becomes a constant leaf) and their numbers, for any
    number of inputs; or the error that says what is wrong (not an Op, the wrong number of inputs).

    >>> from tinygrad_edu import ops
    >>> inputs, numbers = _as_values(ops.mul, (Value(3.0), 2))
    >>> numbers, inputs[1].is_leaf
    ((3.0, 2), True)
    >>> _as_values(ops.mul, (Value(3.0),))
    Traceback (most recent call last):
    ValueError: mul: takes 2 inputs, got 1
    """
    if not isinstance(op, Op) or not isinstance(inputs, (tuple, list)) or not _count_fits(op, len(inputs)):
        raise _misuse(op, inputs)
    numbers = [x.data for x in inputs if isinstance(x, Value)]
    if len(numbers) == len(inputs):  # speed only: all of them Values (dot's weights and inputs), one pass
        return tuple(inputs), tuple(numbers)
    values = tuple(x if isinstance(x, Value) else _constant(op, x, None) for x in inputs)
    return values, tuple([x.data for x in values])


def _misuse(op: object, inputs: object) -> Exception:
    """The error for ``Value.apply`` given something that is not an Op, or the wrong number of inputs."""
    if not isinstance(op, Op):
        return TypeError(f"Value.apply: expected an Op and a tuple of inputs, got {short(op)} and {short(inputs)}")
    count = len(inputs) if isinstance(inputs, (tuple, list)) else short(inputs)
    least = " or more" if op.variadic else ""
    return ValueError(f"{op.name}: takes {op.arity}{least} input{'s' if op.arity > 1 else ''}, got {count}")


def _count_fits(op: Op, count: int) -> bool:
    """True when ``op`` takes ``count`` inputs: exactly its arity, or at least that for a variadic op."""
    return count >= op.arity if op.variadic else count == op.arity


def _constant(op: Op, x: Any, partner: Any) -> Value:
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
    constant._g = None
    return constant
