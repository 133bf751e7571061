"""``Matrix``: a 2-D node of the computation graph, one node per matrix operation.

The scalar engine makes one node per number: a 16×16 layer applied to a batch
of 32 is 16 000 nodes.  ``Matrix`` makes *one* node for the whole product
``X @ W``, and its backward rule works on whole matrices
(∂L/∂X = g·Wᵀ, ∂L/∂W = Xᵀ·g; see :mod:`tinygrad_edu.matrix_ops`).  Same
chain rule, far fewer Python objects, so it runs orders of magnitude faster.

The data is a plain list of rows of floats, so every number is visible:

>>> X = Matrix([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])      # a batch of 3 rows
>>> W = Matrix([[0.5, -1.0], [2.0, 0.0]])                  # weight, shape (n_out, n_in)
>>> b = Matrix([[0.0, 1.0]])                               # bias: one 1×2 row, added to every row
>>> Y = (X @ W.T + b).tanh()
>>> Y.shape
(3, 2)
>>> loss = Y.sum()
>>> loss.backward()
>>> [round(v, 6) for v in b.grad[0]]   # the column sums of tanh′ = 1 − tanh² over the batch
[0.21094, 0.009869]
>>> import math
>>> round(sum(1 - math.tanh(z) ** 2 for z in (-1.5, -2.5, -3.5)), 6)   # column 0 by hand: z = x·w + b
0.21094

Bad shapes are refused before anything is made, with both shapes named:

>>> Matrix([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) @ Matrix([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
Traceback (most recent call last):
ValueError: matmul: (2, 3) @ (2, 3): inner dimensions 3 and 2 differ
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import matrix_ops
from .anomaly import check_output
from .backward import backpropagate, topological_order
from .matrix_ops import MatrixOp, Rows, elementwise, shape_of
from .mode import flags
from .operators import Arithmetic
from .ops import Op
from .reals import Real, as_constant, as_data, finite_number, is_int, is_real, plain_params, short, to_float
from .seeding import generator
from .value import Value

if TYPE_CHECKING:
    from typing_extensions import Self


class Matrix(Arithmetic):
    """An m×n matrix of numbers in the graph.

    ``.data`` and ``.grad`` are lists of m rows of n floats; ``.shape`` is
    ``(m, n)``.  Operators: ``@`` (matrix product), ``.T``, and ``+ - * / **``
    entry by entry with a matrix of the same shape, a number, or a matrix
    that broadcasts (a 1×n row is added to every row, an m×1 column to every
    column).  Methods: the scalar engine's ``exp log sqrt tanh sigmoid
    softplus log_sigmoid sin cos relu leaky_relu abs``, and ``sum``, ``mean``.

    ``requires_grad=False`` marks a constant (data, targets): backward
    computes no gradient for it.  Numbers mixed into an expression
    (the 2 in ``2 * X``) become such constants.

    >>> A = Matrix([[1.0, 2.0], [3.0, 4.0]], label="A")
    >>> (2 * A - 1).data, A.shape, A.T.data
    ([[1.0, 3.0], [5.0, 7.0]], (2, 2), [[1.0, 3.0], [2.0, 4.0]])
    """

    __slots__ = ("data", "_grad", "label", "requires_grad", "_prev", "_op", "_params", "_g")
    data: Rows
    #: A Matrix stores no local derivatives (they would be Jacobians): backward calls :meth:`vjp`.
    _partials = None

    def __init__(self, rows: Any, label: str = "", requires_grad: bool = True) -> None:
        self.data = _checked_rows("Matrix", rows)
        self._grad: Rows | Matrix | None = None  # zeros, made when first read (most intermediate nodes never need them)
        if not isinstance(label, str):
            raise TypeError(f"Matrix: label must be a str, got {short(label)}")
        if not isinstance(requires_grad, bool):
            raise TypeError(f"Matrix: requires_grad must be True or False, got {short(requires_grad)}")
        self.label = label
        self.requires_grad = requires_grad
        self._prev: tuple[Matrix, ...] = ()
        self._op: MatrixOp | None = None
        self._params: tuple[Any, ...] = ()
        self._g: Any = None  # backward's working slot: the gradient so far

    # -- making nodes ----------------------------------------------------------

    @classmethod
    def _wrap(cls, rows: Rows, requires_grad: bool) -> Self:
        """A leaf around ``rows`` as they are: no checks, no copy (rows made by this engine)."""
        node = cls.__new__(cls)
        node.data = rows
        node._grad = None
        node.label = ""
        node.requires_grad = requires_grad
        node._prev = ()
        node._op = None
        node._params = ()
        node._g = None
        return node

    @classmethod
    def constant(cls, rows: Rows) -> Self:
        """A constant (``requires_grad=False``) around rows this engine made (not checked, not copied).

        >>> C = Matrix.constant([[1.0, 2.0]])
        >>> C.requires_grad, C.is_leaf
        (False, True)
        """
        return cls._wrap(rows, False)

    @classmethod
    def apply(cls, op: Op | MatrixOp, inputs: Sequence[Any], params: tuple[Any, ...] = ()) -> Self:
        """Apply a matrix op, or a scalar op entry by entry: the one place nodes are made.

        ``op`` is a :class:`~tinygrad_edu.matrix_ops.MatrixOp` or a scalar
        :class:`~tinygrad_edu.ops.Op` (``ops.tanh(X)`` comes here too).
        Plain numbers among ``inputs`` become 1×1 constants.  Shapes and
        domains are checked by the forward rule before the node exists.

        >>> from tinygrad_edu import ops
        >>> Matrix.apply(ops.mul, (Matrix([[1.0, 2.0]]), 3)).data      # what Matrix([[1.0, 2.0]]) * 3 does
        [[3.0, 6.0]]
        """
        if isinstance(op, MatrixOp):
            matrix_op = op
        else:  # a scalar op, entry by entry; its exponent or slope, if any, as a plain number
            matrix_op = elementwise(op)
            params = plain_params(params) if params else params
        # A variadic op (dot, sum_of) takes its arity or more inputs; any other exactly its arity.
        if len(inputs) != matrix_op.arity and not (matrix_op.variadic and len(inputs) > matrix_op.arity):
            raise ValueError(f"{matrix_op.name}: takes {matrix_op.arity} input{'s' if matrix_op.arity > 1 else ''}, "
                             f"got {len(inputs)}")
        if False in [isinstance(x, Matrix) for x in inputs]:  # a number mixed in: the 2 in 2 * X
            partner = next((x.data[0][0] for x in inputs if isinstance(x, Matrix)), None)
            inputs = tuple([x if isinstance(x, Matrix) else _number(matrix_op.name, x, partner) for x in inputs])
        try:
            rows = matrix_op.forward(*[x.data for x in inputs], *params)
        except OverflowError:  # a Fraction beyond float range met a float: round it, as IEEE 754 does
            rows = matrix_op.forward(*[rounded_rows(x.data) for x in inputs], *params)
        if flags.detect_anomaly:  # skip on a first reading: an error if an entry is inf or nan
            check_output(matrix_op, rows, inputs, params)
        node = cls.__new__(cls)
        node.data = rows
        node._grad = None
        node.label = ""
        node._g = None
        if flags.grad_enabled and True in [x.requires_grad for x in inputs]:
            node.requires_grad = True
            node._prev = tuple(inputs)
            node._op = matrix_op
            node._params = params
        else:  # under no_grad(), or only constants in: a constant with no history
            node.requires_grad = False
            node._prev = ()
            node._op = None
            node._params = ()
        return node

    def vjp(self, g: Matrix) -> list[tuple[Matrix, Matrix]]:
        """``(input, g·∂self/∂input)`` for each input that wants a gradient (``requires_grad``):
        the op's vector-Jacobian rule, given the upstream gradient ``g`` (a matrix of self's shape).

        >>> A, B = Matrix([[1.0, 2.0]]), Matrix([[3.0], [4.0]])
        >>> [(x is B, g.data) for x, g in (A @ B).vjp(Matrix([[1.0]]))]
        [(False, [[3.0, 4.0]]), (True, [[1.0], [2.0]])]
        """
        assert self._op is not None, "a leaf has no inputs to pass a gradient to"
        needs = [x.requires_grad for x in self._prev]
        products = self._op.vjp(g, self, needs, *self._prev, *self._params)
        return [(x, p) for x, need, p in zip(self._prev, needs, products) if need and p is not None]

    # -- constructors ----------------------------------------------------------

    @classmethod
    def full(cls, m: int, n: int, value: Real, requires_grad: bool = True) -> Self:
        """An m×n matrix with every entry ``value``.

        >>> Matrix.full(2, 3, 0.5).data
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        """
        return cls._filled("full", m, n, value, requires_grad)

    @classmethod
    def zeros(cls, m: int, n: int, requires_grad: bool = True) -> Self:
        """An m×n matrix of zeros.

        >>> Matrix.zeros(1, 3).data
        [[0.0, 0.0, 0.0]]
        """
        return cls._filled("zeros", m, n, 0.0, requires_grad)

    @classmethod
    def ones(cls, m: int, n: int, requires_grad: bool = True) -> Self:
        """An m×n matrix of ones.

        >>> Matrix.ones(2, 1).data
        [[1.0], [1.0]]
        """
        return cls._filled("ones", m, n, 1.0, requires_grad)

    @classmethod
    def _filled(cls, where: str, m: int, n: int, value: Real, requires_grad: bool) -> Self:
        _check_dimensions(where, m, n)
        value = as_data(where, value)
        return cls._wrap([[value] * n for _ in range(m)], requires_grad)

    @classmethod
    def eye(cls, n: int, requires_grad: bool = True) -> Self:
        """The n×n identity matrix I (Iᵢⱼ = 1 if i = j else 0).

        >>> Matrix.eye(2).data
        [[1.0, 0.0], [0.0, 1.0]]
        """
        _check_dimensions("eye", n, n)
        return cls._wrap([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)], requires_grad)

    @classmethod
    def randn(cls, m: int, n: int, rng: random.Random | None = None, std: float = 1.0, mean: float = 0.0,
              requires_grad: bool = True) -> Self:
        """Entries drawn from the normal distribution N(mean, std²) with ``rng``.

        >>> A = Matrix.randn(2, 2, random.Random(0))
        >>> A.data == Matrix.randn(2, 2, random.Random(0)).data   # same seed, same matrix
        True
        """
        _check_dimensions("randn", m, n)
        rng = _check_rng("randn", rng)
        std, mean = _finite("randn", "std", std), _finite("randn", "mean", mean)
        if std < 0:
            raise ValueError(f"randn: std must be at least 0, got {std!r}")
        return cls._wrap([[rng.gauss(mean, std) for _ in range(n)] for _ in range(m)], requires_grad)

    @classmethod
    def uniform(cls, m: int, n: int, rng: random.Random | None = None, low: float = -1.0, high: float = 1.0,
                requires_grad: bool = True) -> Self:
        """Entries drawn uniformly from [low, high] with ``rng``.

        >>> A = Matrix.uniform(2, 3, random.Random(0), low=0.0, high=0.5)
        >>> all(0.0 <= x <= 0.5 for row in A.data for x in row)
        True
        """
        _check_dimensions("uniform", m, n)
        rng = _check_rng("uniform", rng)
        low, high = _finite("uniform", "low", low), _finite("uniform", "high", high)
        if low > high:
            raise ValueError(f"uniform: low {low!r} is above high {high!r}")
        return cls._wrap([[rng.uniform(low, high) for _ in range(n)] for _ in range(m)], requires_grad)

    @classmethod
    def from_values(cls, values: Sequence[Sequence[Value]], requires_grad: bool = True) -> Self:
        """A leaf holding the numbers of a list of rows of scalar :class:`Value` nodes.

        >>> Matrix.from_values([[Value(1.0), Value(2.0)]]).data
        [[1.0, 2.0]]
        """
        rows = _check_structure("from_values", values)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if not isinstance(v, Value):
                    raise TypeError(f"from_values: entry ({i}, {j}) is {v!r}, expected a Value")
        return cls([[v.data for v in row] for row in rows], requires_grad=requires_grad)

    def to_values(self) -> list[list[Value]]:
        """The entries as new scalar :class:`Value` leaves, row by row: the same
        computation can then be done element by element with the scalar engine.

        >>> Matrix([[1.0, 2.0]]).to_values()
        [[Value(data=1.0, grad=0.0), Value(data=2.0, grad=0.0)]]
        """
        return [[Value(x) for x in row] for row in self.data]

    # -- reading a node --------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns).

        >>> Matrix([[1.0, 2.0, 3.0]]).shape
        (1, 3)
        """
        return (len(self.data), len(self.data[0]))

    @property
    def grad(self) -> Any:
        """∂output/∂self after ``backward()``, a list of rows like ``.data`` (zeros before); after
        ``backward(create_graph=True)``, a Matrix holding the gradient's graph.

        >>> A = Matrix([[1.0, 2.0]])
        >>> before = A.grad
        >>> (A * A).sum().backward()
        >>> before, A.grad
        ([[0.0, 0.0]], [[2.0, 4.0]])
        """
        if self._grad is None:
            m, n = self.shape
            self._grad = [[0.0] * n for _ in range(m)]
        return self._grad

    @grad.setter
    def grad(self, rows: Any) -> None:
        if rows is None:
            self._grad = None
            return
        rows = _checked_rows("grad", rows)
        if shape_of(rows) != self.shape:
            raise ValueError(f"grad: a gradient of shape {shape_of(rows)} for a matrix of shape {self.shape}")
        self._grad = rows

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants: nodes not made by an op.

        >>> A = Matrix([[1.0]])
        >>> A.is_leaf, A.exp().is_leaf
        (True, False)
        """
        return self._op is None

    @property
    def op(self) -> str:
        """The name of the operation that produced this node ('' for a leaf).

        >>> A = Matrix([[1.0]])
        >>> (A @ A).op, A.exp().op, A.op
        ('matmul', 'exp', '')
        """
        return "" if self._op is None else self._op.name

    def _number(self, symbol: str) -> Any:
        """The number ``<``, ``<=``, ``>``, ``>=`` compare (``if loss < best:``): a 1×1 matrix's.

        A bigger matrix has no single number: PyTorch compares it entry by entry and then refuses
        the result in an ``if``; here the comparison itself says so.

        >>> loss = Matrix([[1.0, 2.0]]).mean()
        >>> loss < 2, loss >= Matrix([[1.5]])
        (True, True)
        >>> Matrix([[1.0, 2.0]]) < 2
        Traceback (most recent call last):
        ValueError: <: compares the number of a 1×1 matrix (a loss); this one has shape (1, 2) (compare entries through .data)
        """
        if self.shape != (1, 1):
            raise ValueError(f"{symbol}: compares the number of a 1×1 matrix (a loss); this one has shape "
                             f"{self.shape} (compare entries through .data)")
        return self.data[0][0]

    def item(self) -> Real:
        """The number in a 1×1 matrix.

        >>> Matrix([[1.0, 2.0]]).sum().item()
        3.0
        """
        if self.shape != (1, 1):
            raise ValueError(f"item: only a 1×1 matrix holds one number, this one has shape {self.shape}")
        number: Real = self.data[0][0]
        return number

    def tolist(self) -> Rows:
        """A copy of ``.data``.

        >>> A = Matrix([[1.0, 2.0]])
        >>> rows = A.tolist()
        >>> rows[0][0] = 9.0
        >>> A.data
        [[1.0, 2.0]]
        """
        return [row[:] for row in self.data]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._op is not None else ""
        return f"Matrix({self.data!r}{label}{op})"

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """In Jupyter: a picture of the graph that computed this node (Graphviz), or its text tree."""
        from .graph_export import repr_mimebundle  # imported here: graph_export is built on this module
        return repr_mimebundle(self, include, exclude)

    def detach(self) -> Self:
        """A new leaf with a copy of the numbers: gradients stop here.

        >>> A = Matrix([[3.0]])
        >>> (A.detach() * A).sum().backward()     # the detached copy counts as a constant 3
        >>> A.grad
        [[3.0]]
        """
        return type(self)._wrap(self.tolist(), self.requires_grad)

    # -- operations beyond the elementwise ones of Arithmetic ------------------

    def __matmul__(self, other: Any) -> Self:
        if not isinstance(other, Matrix):
            raise TypeError(f"matmul: {self.shape} @ {type(other).__name__}: both operands must be Matrix")
        return self.apply(matrix_ops.matmul, (self, other))

    def __rmatmul__(self, other: Any) -> Self:
        raise TypeError(f"matmul: {type(other).__name__} @ {self.shape}: both operands must be Matrix")

    @property
    def T(self) -> Self:
        """The transpose Aᵀ.

        >>> Matrix([[1.0, 2.0]]).T.data
        [[1.0], [2.0]]
        """
        return self.apply(matrix_ops.transpose, (self,))

    def sum(self, axis: int | None = None) -> Self:
        """Sum of all entries (1×1), down the columns (``axis=0``, 1×n) or along the rows (``axis=1``, m×1).

        >>> A = Matrix([[1.0, 2.0], [3.0, 4.0]])
        >>> A.sum().data, A.sum(axis=0).data, A.sum(axis=1).data
        ([[10.0]], [[4.0, 6.0]], [[3.0], [7.0]])
        """
        return self.apply(matrix_ops.sum_op, (self,), (_check_axis("sum", axis),))

    def mean(self, axis: int | None = None) -> Self:
        """Mean of all entries (1×1), of each column (``axis=0``) or of each row (``axis=1``).

        >>> A = Matrix([[1.0, 2.0], [3.0, 4.0]])
        >>> A.mean().data, A.mean(axis=0).data, A.mean(axis=1).data
        ([[2.5]], [[2.0, 3.0]], [[1.5], [3.5]])
        """
        return self.apply(matrix_ops.mean, (self,), (_check_axis("mean", axis),))

    def max(self, axis: int | None = None) -> Self:
        """The largest entry (1×1), of each column (``axis=0``) or of each row (``axis=1``).  Entries
        that tie for it share its gradient evenly, as in PyTorch's ``amax``.

        >>> A = Matrix([[1.0, 5.0], [5.0, 2.0]])
        >>> A.max().data, A.max(axis=0).data, A.max(axis=1).data
        ([[5.0]], [[5.0, 5.0]], [[5.0], [5.0]])
        >>> A.max().backward()
        >>> A.grad                                    # two entries tie: half each
        [[0.0, 0.5], [0.5, 0.0]]
        """
        return self.apply(matrix_ops.amax, (self,), (_check_axis("max", axis),))

    def min(self, axis: int | None = None) -> Self:
        """The smallest entry (1×1), of each column (``axis=0``) or of each row (``axis=1``); ties
        share the gradient evenly, as for :meth:`max`.

        >>> Matrix([[1.0, 5.0], [0.5, 2.0]]).min(axis=1).data
        [[1.0], [0.5]]
        """
        return self.apply(matrix_ops.amin, (self,), (_check_axis("min", axis),))

    def prod(self, axis: int | None = None) -> Self:
        """The product of all entries (1×1), of each column (``axis=0``) or of each row (``axis=1``).

        Built as a chain of elementwise products of rows, so its gradient is what the chain rule
        makes of ``mul``'s: ∂/∂xᵢ is the product of the *other* entries, exact where xᵢ = 0 too
        (where prod/xᵢ would divide by zero), and it can be differentiated again.

        >>> A = Matrix([[2.0, 0.0], [3.0, 4.0]])
        >>> A.prod(axis=0).data, A.prod(axis=1).data
        ([[6.0, 0.0]], [[0.0], [12.0]])
        >>> A.prod().backward()
        >>> A.grad                                    # only the zero's slope is not 0: 2·3·4
        [[0.0, 24.0], [0.0, 0.0]]
        """
        axis = _check_axis("prod", axis)
        if axis is None:
            return self.prod(axis=0).T.prod(axis=0)
        if axis == 1:
            return self.T.prod(axis=0).T
        result = self[0]
        for i in range(1, len(self)):
            result = result * self[i]
        return result

    def var(self, axis: int | None = None, correction: int = 1) -> Self:
        """The variance of all entries (1×1), of each column (``axis=0``) or of each row (``axis=1``):
        Σ(x − mean)² / (N − correction) over the N entries of each group.

        ``correction=1`` (the default, as in ``torch.var``) is Bessel's unbiased estimate;
        ``correction=0`` divides by N, the biased variance batch norm uses for its batch.

        >>> A = Matrix([[1.0, 2.0, 3.0, 4.0]])
        >>> A.var().data, A.var(correction=0).data, A.var(axis=0, correction=0).data
        ([[1.6666666666666667]], [[1.25]], [[0.0, 0.0, 0.0, 0.0]])
        """
        axis = _check_axis("var", axis)
        if not is_int(correction) or correction < 0:
            raise ValueError(f"var: correction must be an int ≥ 0 (1 for the unbiased variance), "
                             f"got {short(correction)}")
        m, n = self.shape
        count = m * n if axis is None else (m if axis == 0 else n)
        if count - correction < 1:
            raise ValueError(f"var: {count} {'entry' if count == 1 else 'entries'} per group with "
                             f"correction={correction}: N − correction must be at least 1")
        centred = self - self.mean(axis)
        return (centred * centred).sum(axis) / (count - correction)

    def std(self, axis: int | None = None, correction: int = 1) -> Self:
        """The standard deviation, √var (see :meth:`var`; ``correction=1`` as in ``torch.std``).

        Where every entry of a group is the same, std is 0 at a cone point (as |x| at 0) and has no
        derivative; we take 0 there, as PyTorch does.  The square root is then taken of 1 instead of
        0 and multiplied by 0, so that √′(0) = ∞ never meets the 0 of x − mean (∞·0 = nan).

        >>> X = Matrix([[1.0, 3.0], [2.0, 2.0]])
        >>> X.std(axis=1).data
        [[1.4142135623730951], [0.0]]
        >>> X.std(axis=1).sum().backward()
        >>> X.grad
        [[-0.7071067811865475, 0.7071067811865475], [0.0, 0.0]]
        """
        variance = self.var(axis, correction)
        flat = [[1.0 if v == 0 else 0.0 for v in row] for row in variance.data]  # groups of equal entries
        if not any(map(any, flat)):
            return variance.sqrt()
        spread = Matrix.constant([[1.0 - f for f in row] for row in flat])
        return (variance + Matrix.constant(flat)).sqrt() * spread

    def broadcast_to(self, shape: tuple[int, int]) -> Self:
        """This 1×1, 1×n or m×1 matrix repeated to ``shape``.

        >>> Matrix([[1.0, 2.0]]).broadcast_to((2, 2)).data
        [[1.0, 2.0], [1.0, 2.0]]
        """
        if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
            raise TypeError(f"broadcast_to: shape must be a pair (rows, columns), got {short(shape)}")
        m, n = shape
        _check_dimensions("broadcast_to", m, n)
        return self.apply(matrix_ops.broadcast_to, (self,), (m, n))

    def select_rows(self, index: Sequence[int]) -> Self:
        """The rows numbered in ``index``, in that order, as a new matrix (the gradient flows back).

        >>> Matrix([[1.0], [2.0], [3.0]]).select_rows([2, 0, 2]).data
        [[3.0], [1.0], [3.0]]
        """
        m = self.shape[0]
        index = _index_tuple("select_rows", index)
        if not index:
            raise ValueError("select_rows: no rows selected (a matrix needs at least one row)")
        for i in index:
            if not is_int(i):
                raise TypeError(f"select_rows: row index {i!r} is not an int")
            if not 0 <= i < m:
                raise IndexError(f"select_rows: row {i} out of range for a matrix of shape {self.shape}")
        return self.apply(matrix_ops.select_rows, (self,), (index,))

    def scatter_rows(self, index: Sequence[int], m: int) -> Self:
        """An m×n matrix of zeros with row p of ``self`` added into row ``index[p]`` (adjoint of select_rows).

        >>> Matrix([[1.0], [2.0]]).scatter_rows([2, 2], 3).data       # both rows land in row 2, and add
        [[0.0], [0.0], [3.0]]
        """
        index = _index_tuple("scatter_rows", index)
        if len(index) != self.shape[0]:
            raise ValueError(f"scatter_rows: {len(index)} row numbers for a matrix of shape {self.shape}")
        _check_dimensions("scatter_rows", m, self.shape[1])
        for i in index:
            if not is_int(i) or not 0 <= i < m:
                raise IndexError(f"scatter_rows: row {i!r} out of range for {m} rows")
        return self.apply(matrix_ops.scatter_rows, (self,), (index, m))

    def gather_columns(self, index: Sequence[int]) -> Self:
        """Entry ``index[i]`` of each row i, as an m×1 column (``torch.gather(A, 1, index)``);
        the gradient flows back to the picked entries only.

        >>> Matrix([[1.0, 2.0], [3.0, 4.0]]).gather_columns([1, 0]).data
        [[2.0], [3.0]]
        """
        m, n = self.shape
        index = _column_index("gather_columns", index, m, n)
        return self.apply(matrix_ops.gather_columns, (self,), (index,))

    def scatter_columns(self, index: Sequence[int], n: int) -> Self:
        """An m×n matrix of zeros with entry i of this m×1 column in column ``index[i]`` of row i
        (the adjoint of :meth:`gather_columns`).

        >>> Matrix([[1.0], [2.0]]).scatter_columns([1, 0], 3).data
        [[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]
        """
        m, width = self.shape
        if width != 1:
            raise ValueError(f"scatter_columns: expected an m×1 column, got shape {self.shape}")
        _check_dimensions("scatter_columns", m, n)
        index = _column_index("scatter_columns", index, m, n)
        return self.apply(matrix_ops.scatter_columns, (self,), (index, n))

    def __getitem__(self, key: int | slice) -> Self:
        """``A[i]`` is row i as a 1×n matrix; ``A[i:j]`` the rows i..j−1.  The gradient flows back.

        >>> A = Matrix([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> A[1].data, A[-1].data, A[:2].data
        ([[3.0, 4.0]], [[5.0, 6.0]], [[1.0, 2.0], [3.0, 4.0]])
        """
        m = self.shape[0]
        if isinstance(key, slice):
            if key.step == 0:
                raise ValueError(f"Matrix: slice step cannot be zero, got {key!r}")
            try:
                rows = range(*key.indices(m))
            except TypeError:  # a slice of floats or strings
                raise TypeError(f"Matrix: a slice of rows needs int bounds, got {key!r}") from None
            return self.select_rows(rows)
        if not is_int(key):
            raise TypeError(f"Matrix index must be an int or a slice of rows, got {short(key)}")
        if not -m <= key < m:
            raise IndexError(f"Matrix: row {key} out of range for a matrix of shape {self.shape}")
        return self.select_rows((key % m,))

    # -- reverse mode ----------------------------------------------------------

    def gradients(self, inputs: Sequence[Matrix], create_graph: bool = False, grad_output: Any = None) -> list[Matrix]:
        """∂self/∂x for each x in ``inputs`` (a Matrix of x's shape each); ``.grad`` is untouched.

        ``self`` must be 1×1 unless ``grad_output`` (a matrix of self's shape,
        the upstream gradient) is given; then the result is the
        vector-Jacobian product grad_outputᵀ·∂self/∂x.  An input ``self``
        does not depend on gets zeros.  With ``create_graph=True`` the
        gradients are graphs that can be differentiated again.
        :func:`tinygrad_edu.autodiff.grad` calls this for Matrix outputs.

        >>> x = Matrix([[1.0, 2.0]])
        >>> (gx,) = (x * x).sum().gradients([x], create_graph=True)     # 2x
        >>> gx.data
        [[2.0, 4.0]]
        >>> (gxx,) = (gx * x).sum().gradients([x])    # ∂/∂x Σ 2x² = 4x
        >>> gxx.data
        [[4.0, 8.0]]
        """
        for x in inputs:
            if not isinstance(x, Matrix):
                raise TypeError(f"grad: every input must be a Matrix, got {type(x).__name__}")
        grads = backpropagate(self, _seed("grad", self, grad_output, copy=not create_graph), create_graph)
        result = []
        for x in inputs:
            g = grads.get(x)
            if g is None:
                g = Matrix.zeros(*x.shape, requires_grad=False)
            elif not create_graph:
                # A copy: backward passes one gradient object to several inputs (x + y), and
                # two results sharing rows would surprise whoever modifies one of them.
                g = Matrix.constant(g.tolist())
            result.append(g)
        return result

    def backward(self, gradient: Any = None, create_graph: bool = False) -> None:
        """Add ∂self/∂node to ``.grad`` of every node ``self`` depends on (a 1×1 ``self``).

        For a matrix ``self`` of another shape pass ``gradient``, a matrix of
        the same shape (the upstream gradient).  All gradients are computed
        first and written only at the end, so an error leaves every ``.grad``
        as it was.

        >>> X = Matrix([[1.0, 2.0]])
        >>> (X * X).backward(gradient=[[1.0, 10.0]])     # not 1×1: the upstream gradient is given
        >>> X.grad
        [[2.0, 40.0]]

        With ``create_graph=True`` each ``.grad`` is a Matrix, the gradient's own
        graph, which can be differentiated again (a Hessian-vector product, as in PyTorch):

        >>> W, V = Matrix([[1.0, 2.0]]), Matrix([[1.0, 0.0]], requires_grad=False)
        >>> (W * W * W).sum().backward(create_graph=True)     # W.grad = 3W², a Matrix
        >>> W.grad.data
        [[3.0, 12.0]]
        >>> (W.grad * V).sum().gradients([W])[0].data         # ∂(3W²·V)/∂W = 6W·V
        [[6.0, 0.0]]
        """
        if not isinstance(create_graph, bool):
            raise TypeError(f"backward: create_graph must be True or False, got {short(create_graph)}")
        if create_graph:  # skip on a first reading: each .grad a graph, added to what is there as a graph
            graphs = backpropagate(self, _seed("backward", self, gradient, copy=False), True)
            for node, g in graphs.items():
                old = node._grad
                node._grad = g if old is None else (old if isinstance(old, Matrix) else Matrix.constant(old)) + g
            return
        grads = backpropagate(self, _seed("backward", self, gradient), False)
        # Backward hands one gradient object to several nodes where a rule passes g
        # through unchanged (x + y): the first takes its rows, the others get copies,
        # so that no two .grad share rows.
        handed_out = set()
        for node, g in grads.items():
            if isinstance(node._grad, Matrix):  # a graph left by backward(create_graph=True): its numbers
                node._grad = node._grad.tolist()
            if node._grad is not None:
                node._grad = [[s + t for s, t in zip(old, new)] for old, new in zip(node._grad, g.data)]
            elif id(g) in handed_out:
                node._grad = [row[:] for row in g.data]
            else:
                node._grad = g.data
                handed_out.add(id(g))

    def zero_grad(self) -> None:
        """Set ``.grad`` to zeros on this node and every node it was computed from.

        >>> X = Matrix([[1.0, 2.0]])
        >>> loss = (X * X).sum()
        >>> loss.backward()
        >>> loss.zero_grad()
        >>> X.grad
        [[0.0, 0.0]]
        """
        for node in topological_order(self):
            node._grad = None


def _seed(where: str, root: Matrix, gradient: Any, copy: bool = True) -> Matrix:
    """The upstream gradient backward starts from: 1 for a 1×1 output, else ``gradient``
    (used as it is when ``copy`` is False, so that a gradient with a graph keeps it)."""
    if gradient is None:
        if root.shape != (1, 1):
            raise ValueError(
                f"{where}: the output has shape {root.shape}; without a gradient argument it must be 1×1 "
                f"(reduce it first, e.g. .sum() or .mean())"
            )
        # ∂root/∂root = 1, of the entry's type: a graph of Fractions gets exact Fraction gradients.
        return Matrix.constant([[type(root.data[0][0])(1)]])
    if copy is False and isinstance(gradient, Matrix):
        seed = gradient
    else:  # a copy: the seed becomes the output's .grad, which must not share the caller's rows
        seed = Matrix._wrap(_checked_rows(where, gradient), False)
    if seed.shape != root.shape:
        raise ValueError(f"{where}: a gradient of shape {seed.shape} for an output of shape {root.shape}")
    return seed


# ---------------------------------------------------------------------------
# Checks on what users pass in
# ---------------------------------------------------------------------------

def _check_structure(where: str, rows: Any) -> Sequence[Sequence[Any]]:
    """``rows`` as a list of lists, or TypeError/ValueError naming the first bad row."""
    if isinstance(rows, Matrix):
        return rows.data
    if not isinstance(rows, (list, tuple)):
        raise TypeError(f"{where}: expected a list of rows (lists of numbers), got {type(rows).__name__}")
    if not rows:
        raise ValueError(f"{where}: no rows (a matrix needs at least one row and one column)")
    width = None
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            raise TypeError(
                f"{where}: row {i} is {row!r} of type {type(row).__name__}, expected a list of numbers "
                f"(a single row is written [[1.0, 2.0]])"
            )
        if not row:
            raise ValueError(f"{where}: row {i} is empty (a matrix needs at least one column)")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ValueError(f"{where}: ragged rows: row {i} has {len(row)} entries, row 0 has {width}")
    return rows


def _checked_rows(where: str, rows: Any) -> Rows:
    """A fresh list of rows of numbers, or a clear error naming the bad entry.

    Each entry as a node keeps it (:func:`~tinygrad_edu.ops.as_data`): a
    Fraction exact, anything else a plain float (an int beyond float range ±inf).
    """
    rows = _check_structure(where, rows)
    result = []
    for i, row in enumerate(rows):
        if all(type(x) is float for x in row):  # the common case, checked in one pass
            result.append(list(row))
            continue
        for j, x in enumerate(row):
            if not is_real(x):
                raise TypeError(
                    f"{where}: entry ({i}, {j}) is {short(x)} of type {type(x).__name__}, "
                    f"expected a real number (int, float or Fraction)"
                )
        result.append([as_data(where, x) for x in row])
    return result


def rounded_rows(rows: Rows) -> Rows:
    """Every entry as a float (IEEE 754: a Fraction beyond float range is ±inf).

    >>> from fractions import Fraction
    >>> rounded_rows([[Fraction(1, 4), Fraction(10 ** 400)]])
    [[0.25, inf]]
    """
    return [[to_float(x) for x in row] for row in rows]


def _number(where: str, x: Any, partner: Any) -> Matrix:
    """A plain number mixed into a matrix expression, as a 1×1 constant
    (a Fraction beside a Fraction matrix, so ``A / 2`` stays exact)."""
    if not is_real(x):
        raise TypeError(
            f"{where}: expected a Matrix or a real number, got {short(x)} of type {type(x).__name__}"
        )
    return Matrix.constant([[as_data(where, as_constant(where, x, partner))]])


#: The most entries a matrix may have.  A Python float in a list costs about 32 bytes, so
#: 10⁸ entries are already 3 GB: a size beyond this is a typo, refused before any memory is taken.
MAX_ENTRIES = 10 ** 8


def _check_dimensions(where: str, m: object, n: object) -> None:
    if not (is_int(m) and is_int(n)):
        raise TypeError(f"{where}: dimensions must be ints, got {(m, n)!r}")
    if m < 1 or n < 1:
        raise ValueError(f"{where}: shape {(m, n)}: both dimensions must be at least 1")
    check_entries(where, m, n)


def check_entries(where: str, m: int, n: int, what: str = "shape") -> None:
    """ValueError when an m×n matrix would hold more than ``MAX_ENTRIES`` numbers.

    >>> check_entries("zeros", 10 ** 12, 10 ** 12)
    Traceback (most recent call last):
    ValueError: zeros: shape (1000000000000, 1000000000000) has 10^24 entries, more than a pure-Python matrix can hold (at most 100,000,000, about 3 GB)
    """
    if m * n > MAX_ENTRIES:
        raise ValueError(
            f"{where}: {what} {(m, n)} has {_power_of_ten(m * n)} entries, more than a pure-Python matrix "
            f"can hold (at most {MAX_ENTRIES:,}, about 3 GB)"
        )


def _power_of_ten(count: int) -> str:
    """10^24 for 10**24, else the count with thousands separators."""
    text = str(count)
    if text == "1" + "0" * (len(text) - 1):
        return f"10^{len(text) - 1}"
    return f"{count:,}"


def _check_rng(where: str, rng: object) -> random.Random:
    """``rng``, or the default generator (:func:`tinygrad_edu.seeding.manual_seed`) when it is None."""
    return generator(where, rng)


def _finite(where: str, name: str, x: object) -> float:
    return finite_number(where, name, x)


def _index_tuple(where: str, index: Any) -> tuple[Any, ...]:
    """Row numbers as a tuple, or a TypeError naming ``where`` (a bare number is not a list)."""
    if isinstance(index, (str, bytes, int, float)):
        raise TypeError(f"{where}: expected a list of row numbers, got {short(index)}")
    try:
        return tuple(index)
    except TypeError:
        raise TypeError(f"{where}: expected a list of row numbers, got {short(index)}") from None


def _column_index(where: str, index: Any, m: int, n: int) -> tuple[int, ...]:
    """One column number per row, each an int in 0..n−1, as a tuple (or a clear error)."""
    if isinstance(index, (str, bytes)) or not isinstance(index, Sequence):
        raise TypeError(f"{where}: expected one column number per row (a list of {m} ints), got {short(index)}")
    columns = tuple(index)
    if len(columns) != m:
        raise ValueError(f"{where}: {len(columns)} column numbers for a matrix of {m} rows")
    for i, j in enumerate(columns):
        if not is_int(j):
            raise TypeError(f"{where}: the column number of row {i} is {short(j)}, not an int")
        if not 0 <= j < n:
            raise IndexError(f"{where}: column {j} of row {i} is out of range for {n} columns")
    return columns


def _check_axis(where: str, axis: object) -> int | None:
    if axis is None or (axis in (0, 1) and not isinstance(axis, bool)):
        return axis
    raise ValueError(f"{where}: axis must be None, 0 or 1, got {axis!r}")


def matrix_from(x: Any, where: str = "Matrix") -> Matrix:
    """``x`` if it is a Matrix, else a constant Matrix made from a list of rows (checked; an
    error names ``where``, the function the rows were given to).

    >>> matrix_from([[1, 2]]).data, matrix_from([[1, 2]]).requires_grad
    ([[1.0, 2.0]], False)
    """
    return x if isinstance(x, Matrix) else Matrix._wrap(_checked_rows(where, x), False)


__all__ = ["Matrix", "matrix_from"]
