"""Python's operators (``+ - * / **``) and the op methods (``.tanh()``), mapped onto the ops.

:class:`Arithmetic` is shared by every node type: the scalar
:class:`~tinygrad_edu.value.Value`, the :class:`~tinygrad_edu.matrix.Matrix`,
forward mode's :class:`~tinygrad_edu.autodiff.Dual` and the symbolic
:class:`~tinygrad_edu.symbolic.Expr`.  Each method only names the primitive
from the table in :mod:`tinygrad_edu.ops`; the node type's
``apply(op, inputs, params)`` does the work.  So ``x * y`` is
``Value.apply(ops.mul, (x, y))``, ``2 * x`` and ``x.tanh()`` mean the same
thing for every node type, and a new op needs one line here to become a method.
(The operators, the op methods and :func:`dot` pass through three hooks,
``_binary``, ``_unary`` and ``_dot``, that call ``apply``; the scalar Value
overrides them with shorter roads to the same node, for speed only.)

>>> from tinygrad_edu import Value
>>> x = Value(2.0)
>>> (3 * x).op, (x ** 2).op, x.tanh().op
('mul', 'power', 'tanh')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import ops
from .reals import NUMBERS, as_number, short

if TYPE_CHECKING:
    from typing_extensions import Self


class Arithmetic:
    """Operators and op methods for a node type that defines ``apply(op, inputs, params=())``.

    >>> from tinygrad_edu import Value
    >>> x = Value(3.0)
    >>> y = (x - 1) / 2 + x.exp().log() ** 2
    >>> y.data
    10.0
    """

    __slots__ = ()
    data: Any  # the number (a Matrix: the rows) each node type holds

    @classmethod
    def apply(cls, op: ops.Op, inputs: Sequence[Any], params: tuple[Any, ...] = ()) -> Self:
        """The node ``op`` makes from ``inputs``: each node type defines this one method.

        >>> from tinygrad_edu import Value, ops
        >>> Value.apply(ops.mul, (Value(3.0), 2)).data      # what Value(3.0) * 2 does
        6.0
        """
        raise NotImplementedError(f"{cls.__name__} must define apply(op, inputs, params)")

    @classmethod
    def _binary(cls, op: ops.Op, a: Any, b: Any) -> Self:
        """``apply(op, (a, b))``.  The operators below come through here, so that a node type
        can give them a shorter road (the scalar Value does, for speed only)."""
        return cls.apply(op, (a, b))

    def _unary(self, op: ops.Op) -> Self:
        """``apply(op, (self,))``, for the op methods without parameters below (``.relu()``,
        ``.tanh()``, …): a shorter road again, for the scalar Value."""
        return self.apply(op, (self,))

    @classmethod
    def _dot(cls, weights: Sequence[Any], inputs: Sequence[Any], bias: Any) -> Self:
        """``apply(ops.dot, (w₁ … wₙ, x₁ … xₙ, b))``, for :func:`dot`: a node type can give it a
        shorter road too (the scalar Value does, for speed only)."""
        return cls.apply(ops.dot, (*weights, *inputs, bias))

    # Binary operators.  The reflected forms (``__radd__``) handle ``2 + x``.
    def __add__(self, other: Any) -> Self:
        return self._binary(ops.add, self, other)

    def __radd__(self, other: Any) -> Self:
        return self._binary(ops.add, other, self)

    def __sub__(self, other: Any) -> Self:
        return self._binary(ops.sub, self, other)

    def __rsub__(self, other: Any) -> Self:
        return self._binary(ops.sub, other, self)

    def __mul__(self, other: Any) -> Self:
        return self._binary(ops.mul, self, other)

    def __rmul__(self, other: Any) -> Self:
        return self._binary(ops.mul, other, self)

    def __truediv__(self, other: Any) -> Self:
        return self._binary(ops.div, self, other)

    def __rtruediv__(self, other: Any) -> Self:
        return self._binary(ops.div, other, self)

    def __pow__(self, exponent: Any) -> Self:
        # A plain-number exponent is a constant (x ** 3): the rule c·xᶜ⁻¹ works
        # for negative bases too.  A node exponent needs x > 0 (x ** y = e^(y ln x)).
        if isinstance(exponent, NUMBERS):
            # Checked, a NumPy float64 made a float, an int beyond float range made ±inf.
            return self.apply(ops.power, (self,), (as_number("power", exponent),))
        return self.apply(ops.pow_xy, (self, exponent))

    def __rpow__(self, base: Any) -> Self:
        return self.apply(ops.pow_xy, (base, self))

    def __mod__(self, other: Any) -> Self:
        return self.apply(ops.modulo, (self, other))

    def __rmod__(self, other: Any) -> Self:
        return self.apply(ops.modulo, (other, self))

    # Comparisons (skip on a first reading: no gradient passes through them), as micrograd and
    # PyTorch users write them (``if loss < best:``): on the numbers,
    # giving a plain bool.  No node is made and no gradient flows: a comparison is a decision, not a
    # function to differentiate.  ``==`` is deliberately not one of them: it stays identity (Python's
    # default), so that nodes stay usable as dict keys and set members, which backward relies on;
    # compare numbers as ``x.data == y.data``.
    def __lt__(self, other: object) -> bool:
        return bool(_comparable(self, "<") < _comparable(other, "<"))

    def __le__(self, other: object) -> bool:
        return bool(_comparable(self, "<=") <= _comparable(other, "<="))

    def __gt__(self, other: object) -> bool:
        return bool(_comparable(self, ">") > _comparable(other, ">"))

    def __ge__(self, other: object) -> bool:
        return bool(_comparable(self, ">=") >= _comparable(other, ">="))

    def _number(self, symbol: str) -> Any:
        """The number a comparison reads (a Matrix overrides this: only a 1×1 one has one)."""
        return self.data

    def __neg__(self) -> Self:
        return self._unary(ops.neg)

    def __pos__(self) -> Self:
        return self

    # Functions, as methods (the names PyTorch and micrograd use).
    def exp(self) -> Self:
        """e^x (:data:`tinygrad_edu.ops.exp`).

        >>> from tinygrad_edu import Value
        >>> Value(0.0).exp().data
        1.0
        """
        return self._unary(ops.exp)

    def log(self) -> Self:
        """ln x for x > 0 (:data:`tinygrad_edu.ops.log`).

        >>> from tinygrad_edu import Value
        >>> Value(1.0).log().data
        0.0
        """
        return self._unary(ops.log)

    def sqrt(self) -> Self:
        """√x for x ≥ 0 (:data:`tinygrad_edu.ops.sqrt`).

        >>> from tinygrad_edu import Value
        >>> Value(9.0).sqrt().data
        3.0
        """
        return self._unary(ops.sqrt)

    def tanh(self) -> Self:
        """tanh x (:data:`tinygrad_edu.ops.tanh`).

        >>> from tinygrad_edu import Value
        >>> Value(0.0).tanh().data
        0.0
        """
        return self._unary(ops.tanh)

    def sigmoid(self) -> Self:
        """σ(x) = 1/(1 + e^(−x)) (:data:`tinygrad_edu.ops.sigmoid`).

        >>> from tinygrad_edu import Value
        >>> Value(0.0).sigmoid().data
        0.5
        """
        return self._unary(ops.sigmoid)

    def softplus(self) -> Self:
        """ln(1 + e^x) (:data:`tinygrad_edu.ops.softplus`).

        >>> from tinygrad_edu import Value
        >>> round(Value(0.0).softplus().data, 6)     # ln 2
        0.693147
        """
        return self._unary(ops.softplus)

    def log_sigmoid(self) -> Self:
        """ln σ(x) (:data:`tinygrad_edu.ops.log_sigmoid`).

        >>> from tinygrad_edu import Value
        >>> round(Value(0.0).log_sigmoid().data, 6)  # ln ½
        -0.693147
        """
        return self._unary(ops.log_sigmoid)

    def sin(self) -> Self:
        """sin x (:data:`tinygrad_edu.ops.sin`).

        >>> from tinygrad_edu import Value
        >>> Value(0.0).sin().data
        0.0
        """
        return self._unary(ops.sin)

    def cos(self) -> Self:
        """cos x (:data:`tinygrad_edu.ops.cos`).

        >>> from tinygrad_edu import Value
        >>> Value(0.0).cos().data
        1.0
        """
        return self._unary(ops.cos)

    def relu(self) -> Self:
        """max(x, 0) (:data:`tinygrad_edu.ops.relu`).

        >>> from tinygrad_edu import Value
        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        return self._unary(ops.relu)

    def leaky_relu(self, slope: float = ops.LEAKY_SLOPE) -> Self:
        """x for x > 0, slope·x otherwise (:data:`tinygrad_edu.ops.leaky_relu`).

        >>> from tinygrad_edu import Value
        >>> Value(-2.0).leaky_relu(0.1).data
        -0.2
        """
        return self.apply(ops.leaky_relu, (self,), (as_number("leaky_relu", slope),))

    def abs(self) -> Self:
        """|x| (:data:`tinygrad_edu.ops.absolute`); ``abs(x)`` works too.

        >>> from tinygrad_edu import Value
        >>> abs(Value(-2.0)).data
        2.0
        """
        return self._unary(ops.absolute)

    def __abs__(self) -> Self:
        return self.abs()

    # More functions of the table, the same one line each: a first reading may skip to the end.
    def sign(self) -> Self:
        """−1, 0 or 1 (:data:`tinygrad_edu.ops.sign`); its derivative is 0.

        >>> from tinygrad_edu import Value
        >>> Value(-2.5).sign().data, Value(0.0).sign().data
        (-1.0, 0.0)
        """
        return self._unary(ops.sign)

    def floor(self) -> Self:
        """⌊x⌋ (:data:`tinygrad_edu.ops.floor`); its derivative is 0.

        >>> from tinygrad_edu import Value
        >>> Value(-2.5).floor().data
        -3.0
        """
        return self._unary(ops.floor)

    def ceil(self) -> Self:
        """⌈x⌉ (:data:`tinygrad_edu.ops.ceil`); its derivative is 0.

        >>> from tinygrad_edu import Value
        >>> Value(-2.5).ceil().data
        -2.0
        """
        return self._unary(ops.ceil)

    def asin(self) -> Self:
        """arcsin x for −1 ≤ x ≤ 1 (:data:`tinygrad_edu.ops.asin`).

        >>> from tinygrad_edu import Value
        >>> Value(1.0).asin().data * 2     # π
        3.141592653589793
        """
        return self._unary(ops.asin)

    def acos(self) -> Self:
        """arccos x for −1 ≤ x ≤ 1 (:data:`tinygrad_edu.ops.acos`).

        >>> from tinygrad_edu import Value
        >>> Value(1.0).acos().data
        0.0
        """
        return self._unary(ops.acos)

    def atan(self) -> Self:
        """arctan x (:data:`tinygrad_edu.ops.atan`).

        >>> from tinygrad_edu import Value
        >>> Value(1.0).atan().data * 4     # π
        3.141592653589793
        """
        return self._unary(ops.atan)

    def atan2(self, x: Any) -> Self:
        """The angle of the point (x, self): ``atan2(self, x)``, as ``torch.atan2(y, x)``
        (:data:`tinygrad_edu.ops.atan2`).

        >>> from tinygrad_edu import Value
        >>> Value(1.0).atan2(-1.0).data    # 3π/4: the point (−1, 1)
        2.356194490192345
        """
        return self.apply(ops.atan2, (self, x))


def _comparable(x: object, symbol: str) -> Any:
    """What ``symbol`` compares: a node's number (nested nodes too: a dual number of Values), or a
    real number as it is; anything else is a TypeError naming both.

    >>> from tinygrad_edu import Value
    >>> Value(2.0) < 3, 1 >= Value(0.5), Value(1.0) > Value(2.0)
    (True, True, False)
    >>> Value(1.0) < "2"
    Traceback (most recent call last):
    TypeError: <: compares a node with a node or a real number, got '2' of type str
    """
    while isinstance(x, Arithmetic):
        x = x._number(symbol)
    if isinstance(x, bool) or not isinstance(x, NUMBERS):
        raise TypeError(f"{symbol}: compares a node with a node or a real number, got {short(x)} of type "
                        f"{type(x).__name__}")
    return x

# -- the n-ary ops as functions: one node for a whole sum ----------------------

def dot(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = 0.0) -> Any:
    """Σ wᵢxᵢ + b as one node (:data:`tinygrad_edu.ops.dot`): a neuron's weighted input, as a learner writes it.

    One node instead of 2n (a ``mul`` and an ``add`` per term): the graph is
    smaller and backward faster, and the gradients are the same,
    ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1.

    >>> from tinygrad_edu import Value
    >>> w, b = [Value(0.5), Value(-1.0)], Value(0.25)
    >>> z = dot(w, [2.0, 3.0], b)              # 0.5·2 − 1·3 + 0.25
    >>> z.backward()
    >>> z.data, z.op, [wi.grad for wi in w], b.grad
    (-1.75, 'dot', [2.0, 3.0], 1.0)
    """
    if type(weights) not in (list, tuple) or type(inputs) not in (list, tuple):  # speed only: the usual two
        weights, inputs = _terms("dot", "weights", weights), _terms("dot", "inputs", inputs)
    if len(weights) != len(inputs) or not weights:
        raise ValueError(f"dot: needs as many weights as inputs, at least one; got {len(weights)} weights "
                         f"and {len(inputs)} inputs")
    if isinstance(weights[0], Arithmetic):  # a node: its type builds the result, as ops.dot(...) would
        return type(weights[0])._dot(weights, inputs, bias)
    return ops.dot(*weights, *inputs, bias)


def sum_of(values: Sequence[Any]) -> Any:
    """x₁ + … + xₙ as one node (:data:`tinygrad_edu.ops.sum_of`), where ``sum()`` makes n − 1.

    >>> from tinygrad_edu import Value
    >>> xs = [Value(1.0), Value(2.0), Value(3.5)]
    >>> total = sum_of(xs)
    >>> total.backward()
    >>> total.data, total.op, [x.grad for x in xs]
    (6.5, 'sum_of', [1.0, 1.0, 1.0])
    """
    values = _terms("sum_of", "values", values)
    if not values:
        raise ValueError("sum_of: needs at least one value, got none")
    if len(values) == 1:  # a sum of one term: the op takes two or more, so add a constant 0
        values += (0,)
    return ops.sum_of(*values)


def _terms(name: str, role: str, terms: Any) -> tuple[Any, ...]:
    """``terms`` (a list, a tuple, any iterable) as a tuple, or a TypeError naming the op."""
    if isinstance(terms, (str, bytes)) or not hasattr(terms, "__iter__"):
        raise TypeError(f"{name}: {role} must be a list of numbers or nodes, got {short(terms)}")
    return tuple(terms)
