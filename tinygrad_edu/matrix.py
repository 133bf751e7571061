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
from contextlib import contextmanager
from typing import Iterator

from . import matrix_ops
from .matrix_ops import MatrixOp, elementwise, first_nonfinite
from .mode import AnomalyError, flags
from .operators import Arithmetic
from .ops import NUMBERS, as_constant, as_data, finite_number, plain_params, short, to_float
from .seeding import generator
from .value import Value, topological_order


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
    """

    __slots__ = ("data", "_grad", "label", "requires_grad", "_prev", "_op", "_params")

    def __init__(self, rows, label: str = "", requires_grad: bool = True) -> None:
        self.data = _checked_rows("Matrix", rows)
        self._grad = None  # zeros, made when first read (most intermediate nodes never need them)
        if not isinstance(label, str):
            raise TypeError(f"Matrix: label must be a str, got {short(label)}")
        if not isinstance(requires_grad, bool):
            raise TypeError(f"Matrix: requires_grad must be True or False, got {short(requires_grad)}")
        self.label = label
        self.requires_grad = requires_grad
        self._prev: tuple = ()
        self._op: MatrixOp | None = None
        self._params: tuple = ()

    # -- making nodes ----------------------------------------------------------

    @classmethod
    def _wrap(cls, rows: list, requires_grad: bool) -> "Matrix":
        """A leaf around ``rows`` as they are: no checks, no copy (rows made by this engine)."""
        node = cls.__new__(cls)
        node.data = rows
        node._grad = None
        node.label = ""
        node.requires_grad = requires_grad
        node._prev = ()
        node._op = None
        node._params = ()
        return node

    @classmethod
    def constant(cls, rows: list) -> "Matrix":
        """A constant (``requires_grad=False``) around rows this engine made (not checked, not copied)."""
        return cls._wrap(rows, False)

    @classmethod
    def apply(cls, op, inputs, params: tuple = ()) -> "Matrix":
        """Apply a matrix op, or a scalar op entry by entry: the one place nodes are made.

        ``op`` is a :class:`~tinygrad_edu.matrix_ops.MatrixOp` or a scalar
        :class:`~tinygrad_edu.ops.Op` (``ops.tanh(X)`` comes here too).
        Plain numbers among ``inputs`` become 1×1 constants.  Shapes and
        domains are checked by the forward rule before the node exists.
        """
        matrix_op = op if isinstance(op, MatrixOp) else elementwise(op)
        if len(inputs) != matrix_op.arity:
            raise ValueError(f"{matrix_op.name}: takes {matrix_op.arity} input{'s' if matrix_op.arity > 1 else ''}, "
                             f"got {len(inputs)}")
        if params and not isinstance(op, MatrixOp):
            params = plain_params(params)  # the exponent or slope of a scalar op, as a plain number
        if not all(isinstance(x, Matrix) for x in inputs):  # a number mixed in: the 2 in 2 * X
            partner = next((x.data[0][0] for x in inputs if isinstance(x, Matrix)), None)
            inputs = tuple([x if isinstance(x, Matrix) else _number(matrix_op.name, x, partner) for x in inputs])
        try:
            rows = matrix_op.forward(*[x.data for x in inputs], *params)
        except OverflowError:  # a Fraction beyond float range met a float: round it, as IEEE 754 does
            rows = matrix_op.forward(*[rounded_rows(x.data) for x in inputs], *params)
        if flags.detect_anomaly:
            _check_finite(matrix_op, rows, inputs)
        node = cls.__new__(cls)
        node.data = rows
        node._grad = None
        node.label = ""
        if flags.grad_enabled and True in [x.requires_grad for x in inputs]:
            node.requires_grad = True
            node._prev = inputs
            node._op = matrix_op
            node._params = params
        else:  # under no_grad(), or only constants in: a constant with no history
            node.requires_grad = False
            node._prev = ()
            node._op = None
            node._params = ()
        return node

    # -- constructors ----------------------------------------------------------

    @classmethod
    def full(cls, m: int, n: int, value, requires_grad: bool = True) -> "Matrix":
        """An m×n matrix with every entry ``value``.

        >>> Matrix.full(2, 3, 0.5).data
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        """
        return cls._filled("full", m, n, value, requires_grad)

    @classmethod
    def zeros(cls, m: int, n: int, requires_grad: bool = True) -> "Matrix":
        """An m×n matrix of zeros."""
        return cls._filled("zeros", m, n, 0.0, requires_grad)

    @classmethod
    def ones(cls, m: int, n: int, requires_grad: bool = True) -> "Matrix":
        """An m×n matrix of ones."""
        return cls._filled("ones", m, n, 1.0, requires_grad)

    @classmethod
    def _filled(cls, where: str, m: int, n: int, value, requires_grad: bool) -> "Matrix":
        _check_dimensions(where, m, n)
        value = as_data(where, value)
        return cls._wrap([[value] * n for _ in range(m)], requires_grad)

    @classmethod
    def eye(cls, n: int, requires_grad: bool = True) -> "Matrix":
        """The n×n identity matrix I (Iᵢⱼ = 1 if i = j else 0).

        >>> Matrix.eye(2).data
        [[1.0, 0.0], [0.0, 1.0]]
        """
        _check_dimensions("eye", n, n)
        return cls._wrap([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)], requires_grad)

    @classmethod
    def randn(cls, m: int, n: int, rng: random.Random | None = None, std: float = 1.0, mean: float = 0.0,
              requires_grad: bool = True) -> "Matrix":
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
                requires_grad: bool = True) -> "Matrix":
        """Entries drawn uniformly from [low, high] with ``rng``."""
        _check_dimensions("uniform", m, n)
        rng = _check_rng("uniform", rng)
        low, high = _finite("uniform", "low", low), _finite("uniform", "high", high)
        if low > high:
            raise ValueError(f"uniform: low {low!r} is above high {high!r}")
        return cls._wrap([[rng.uniform(low, high) for _ in range(n)] for _ in range(m)], requires_grad)

    @classmethod
    def from_values(cls, values, requires_grad: bool = True) -> "Matrix":
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

    def to_values(self) -> list:
        """The entries as new scalar :class:`Value` leaves, row by row: the same
        computation can then be done element by element with the scalar engine.

        >>> Matrix([[1.0, 2.0]]).to_values()
        [[Value(data=1.0, grad=0.0), Value(data=2.0, grad=0.0)]]
        """
        return [[Value(x) for x in row] for row in self.data]

    # -- reading a node --------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (len(self.data), len(self.data[0]))

    @property
    def grad(self) -> list:
        """∂output/∂self after ``backward()``, a list of rows like ``.data`` (zeros before)."""
        if self._grad is None:
            m, n = self.shape
            self._grad = [[0.0] * n for _ in range(m)]
        return self._grad

    @grad.setter
    def grad(self, rows) -> None:
        if rows is None:
            self._grad = None
            return
        rows = _checked_rows("grad", rows)
        if _shape_of(rows) != self.shape:
            raise ValueError(f"grad: a gradient of shape {_shape_of(rows)} for a matrix of shape {self.shape}")
        self._grad = rows

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants: nodes not made by an op."""
        return self._op is None

    @property
    def op(self) -> str:
        """The name of the operation that produced this node ('' for a leaf)."""
        return "" if self._op is None else self._op.name

    def item(self) -> float:
        """The number in a 1×1 matrix.

        >>> Matrix([[1.0, 2.0]]).sum().item()
        3.0
        """
        if self.shape != (1, 1):
            raise ValueError(f"item: only a 1×1 matrix holds one number, this one has shape {self.shape}")
        return self.data[0][0]

    def tolist(self) -> list:
        """A copy of ``.data``."""
        return [row[:] for row in self.data]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._op is not None else ""
        return f"Matrix({self.data!r}{label}{op})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In Jupyter: a picture of the graph that computed this node (Graphviz), or its text tree."""
        from .graph_export import repr_mimebundle  # imported here: graph_export is built on this module
        return repr_mimebundle(self, include, exclude)

    def detach(self) -> "Matrix":
        """A new leaf with a copy of the numbers: gradients stop here."""
        return Matrix._wrap(self.tolist(), self.requires_grad)

    # -- operations beyond the elementwise ones of Arithmetic ------------------

    def __matmul__(self, other) -> "Matrix":
        if not isinstance(other, Matrix):
            raise TypeError(f"matmul: {self.shape} @ {type(other).__name__}: both operands must be Matrix")
        return self.apply(matrix_ops.matmul, (self, other))

    def __rmatmul__(self, other) -> "Matrix":
        raise TypeError(f"matmul: {type(other).__name__} @ {self.shape}: both operands must be Matrix")

    @property
    def T(self) -> "Matrix":
        """The transpose Aᵀ."""
        return self.apply(matrix_ops.transpose, (self,))

    def sum(self, axis: int | None = None) -> "Matrix":
        """Sum of all entries (1×1), down the columns (``axis=0``, 1×n) or along the rows (``axis=1``, m×1).

        >>> A = Matrix([[1.0, 2.0], [3.0, 4.0]])
        >>> A.sum().data, A.sum(axis=0).data, A.sum(axis=1).data
        ([[10.0]], [[4.0, 6.0]], [[3.0], [7.0]])
        """
        return self.apply(matrix_ops.sum_op, (self,), (_check_axis("sum", axis),))

    def mean(self, axis: int | None = None) -> "Matrix":
        """Mean of all entries (1×1), of each column (``axis=0``) or of each row (``axis=1``)."""
        return self.apply(matrix_ops.mean, (self,), (_check_axis("mean", axis),))

    def broadcast_to(self, shape: tuple[int, int]) -> "Matrix":
        """This 1×1, 1×n or m×1 matrix repeated to ``shape``."""
        if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
            raise TypeError(f"broadcast_to: shape must be a pair (rows, columns), got {short(shape)}")
        m, n = shape
        _check_dimensions("broadcast_to", m, n)
        return self.apply(matrix_ops.broadcast_to, (self,), (m, n))

    def select_rows(self, index: Sequence[int]) -> "Matrix":
        """The rows numbered in ``index``, in that order, as a new matrix (the gradient flows back)."""
        m = self.shape[0]
        index = _index_tuple("select_rows", index)
        if not index:
            raise ValueError("select_rows: no rows selected (a matrix needs at least one row)")
        for i in index:
            if isinstance(i, bool) or not isinstance(i, int):
                raise TypeError(f"select_rows: row index {i!r} is not an int")
            if not 0 <= i < m:
                raise IndexError(f"select_rows: row {i} out of range for a matrix of shape {self.shape}")
        return self.apply(matrix_ops.select_rows, (self,), (index,))

    def scatter_rows(self, index: Sequence[int], m: int) -> "Matrix":
        """An m×n matrix of zeros with row p of ``self`` added into row ``index[p]`` (adjoint of select_rows)."""
        index = _index_tuple("scatter_rows", index)
        if len(index) != self.shape[0]:
            raise ValueError(f"scatter_rows: {len(index)} row numbers for a matrix of shape {self.shape}")
        _check_dimensions("scatter_rows", m, self.shape[1])
        for i in index:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < m:
                raise IndexError(f"scatter_rows: row {i!r} out of range for {m} rows")
        return self.apply(matrix_ops.scatter_rows, (self,), (index, m))

    def gather_columns(self, index: Sequence[int]) -> "Matrix":
        """Entry ``index[i]`` of each row i, as an m×1 column (``torch.gather(A, 1, index)``);
        the gradient flows back to the picked entries only.

        >>> Matrix([[1.0, 2.0], [3.0, 4.0]]).gather_columns([1, 0]).data
        [[2.0], [3.0]]
        """
        m, n = self.shape
        index = _column_index("gather_columns", index, m, n)
        return self.apply(matrix_ops.gather_columns, (self,), (index,))

    def scatter_columns(self, index: Sequence[int], n: int) -> "Matrix":
        """An m×n matrix of zeros with entry i of this m×1 column in column ``index[i]`` of row i
        (the adjoint of :meth:`gather_columns`)."""
        m, width = self.shape
        if width != 1:
            raise ValueError(f"scatter_columns: expected an m×1 column, got shape {self.shape}")
        _check_dimensions("scatter_columns", m, n)
        index = _column_index("scatter_columns", index, m, n)
        return self.apply(matrix_ops.scatter_columns, (self,), (index, n))

    def __getitem__(self, key) -> "Matrix":
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
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(f"Matrix index must be an int or a slice of rows, got {short(key)}")
        if not -m <= key < m:
            raise IndexError(f"Matrix: row {key} out of range for a matrix of shape {self.shape}")
        return self.select_rows((key % m,))

    # -- reverse mode ----------------------------------------------------------

    def gradients(self, inputs: Sequence["Matrix"], create_graph: bool = False, grad_output=None) -> list:
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

    def backward(self, gradient=None) -> None:
        """Add ∂self/∂node to ``.grad`` of every node ``self`` depends on (a 1×1 ``self``).

        For a matrix ``self`` of another shape pass ``gradient``, a matrix of
        the same shape (the upstream gradient).  All gradients are computed
        first and written only at the end, so an error leaves every ``.grad``
        as it was.
        """
        grads = backpropagate(self, _seed("backward", self, gradient), False)
        # Backward hands one gradient object to several nodes where a rule passes g
        # through unchanged (x + y): the first takes its rows, the others get copies,
        # so that no two .grad share rows.
        handed_out = set()
        for node, g in grads.items():
            if node._grad is not None:
                node._grad = [[s + t for s, t in zip(old, new)] for old, new in zip(node._grad, g.data)]
            elif id(g) in handed_out:
                node._grad = [row[:] for row in g.data]
            else:
                node._grad = g.data
                handed_out.add(id(g))

    def zero_grad(self) -> None:
        """Set ``.grad`` to zeros on this node and every node it was computed from."""
        for node in topological_order(self):
            node._grad = None


# ---------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------

@contextmanager
def _recording(create_graph: bool) -> Iterator[None]:
    """The mode the vjp rules run in: recording only for ``create_graph``, and
    anomaly checks done by backward itself (so an error names the op being
    differentiated, not the ``mul`` inside its rule)."""
    previous = flags.grad_enabled, flags.detect_anomaly
    flags.grad_enabled, flags.detect_anomaly = create_graph, False
    try:
        yield
    finally:
        flags.grad_enabled, flags.detect_anomaly = previous


def backpropagate(root: Matrix, seed: Matrix, create_graph: bool = False) -> dict:
    """∂L/∂node for every node ``root`` depends on, where ∂L/∂root = ``seed``.

    Visits the nodes in topological order (each after all the nodes that
    used it), calls each op's vector-Jacobian rule with the node's finished
    gradient, and adds the results into its inputs' gradients (an input used
    twice receives two contributions).  Returns a dict node → Matrix;
    ``.grad`` is not touched.
    """
    anomaly = flags.detect_anomaly
    grads = {root: seed}
    with _recording(create_graph):
        for node in topological_order(root):
            op = node._op
            g = grads.get(node)
            if op is None or g is None:
                continue
            inputs = node._prev
            needs = [x.requires_grad for x in inputs]
            contributions = op.vjp(g, node, needs, *inputs, *node._params)
            for position, (child, need, contribution) in enumerate(zip(inputs, needs, contributions)):
                if not need:
                    continue
                if anomaly:
                    _check_gradient(op, node, position, child, contribution)
                previous = grads.get(child)
                grads[child] = contribution if previous is None else previous + contribution
    return grads


def _seed(where: str, root: Matrix, gradient, copy: bool = True) -> Matrix:
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
    if not (copy is False and isinstance(gradient, Matrix)):
        # A copy: the seed becomes the output's .grad, which must not share the caller's rows.
        gradient = Matrix._wrap(_checked_rows(where, gradient), False)
    if gradient.shape != root.shape:
        raise ValueError(f"{where}: a gradient of shape {gradient.shape} for an output of shape {root.shape}")
    return gradient


def _check_finite(op: MatrixOp, rows: list, inputs: tuple) -> None:
    found = first_nonfinite(rows)
    if found is not None:
        i, j, value = found
        shapes = ", ".join(str(x.shape) for x in inputs)
        raise AnomalyError(
            f"{op.name} produced {value!r} at entry ({i}, {j}) of its {_shape_of(rows)} result "
            f"(inputs of shape {shapes}): {describe_inputs(op, inputs)}"
        )


def _check_gradient(op: MatrixOp, node: Matrix, position: int, child: Matrix, contribution: Matrix) -> None:
    found = first_nonfinite(contribution.data)
    if found is not None:
        i, j, value = found
        raise AnomalyError(
            f"backward through {op.name} gave the gradient {value!r} at entry ({i}, {j}) "
            f"for its input {position} of shape {child.shape}: {describe(node)}"
        )


# ---------------------------------------------------------------------------
# Checks on what users pass in
# ---------------------------------------------------------------------------

def _shape_of(rows: list) -> tuple[int, int]:
    return (len(rows), len(rows[0]))


def _check_structure(where: str, rows) -> list:
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


def _checked_rows(where: str, rows) -> list:
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
            if isinstance(x, bool) or not isinstance(x, NUMBERS):
                raise TypeError(
                    f"{where}: entry ({i}, {j}) is {short(x)} of type {type(x).__name__}, "
                    f"expected a real number (int, float or Fraction)"
                )
        result.append([as_data(where, x) for x in row])
    return result


def rounded_rows(rows: list) -> list:
    """Every entry as a float (IEEE 754: a Fraction beyond float range is ±inf)."""
    return [[to_float(x) for x in row] for row in rows]


def _number(where: str, x, partner) -> Matrix:
    """A plain number mixed into a matrix expression, as a 1×1 constant
    (a Fraction beside a Fraction matrix, so ``A / 2`` stays exact)."""
    if isinstance(x, bool) or not isinstance(x, NUMBERS):
        raise TypeError(
            f"{where}: expected a Matrix or a real number, got {short(x)} of type {type(x).__name__}"
        )
    return Matrix.constant([[as_data(where, as_constant(where, x, partner))]])


#: The most entries a matrix may have.  A Python float in a list costs about 32 bytes, so
#: 10⁸ entries are already 3 GB: a size beyond this is a typo, refused before any memory is taken.
MAX_ENTRIES = 10 ** 8


def _check_dimensions(where: str, m, n) -> None:
    for size in (m, n):
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"{where}: dimensions must be ints, got {(m, n)!r}")
    if m < 1 or n < 1:
        raise ValueError(f"{where}: shape {(m, n)}: both dimensions must be at least 1")
    check_entries(where, m, n)


def check_entries(where: str, m: int, n: int, what: str = "shape") -> None:
    """ValueError when an m×n matrix would hold more than ``MAX_ENTRIES`` numbers."""
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


def _check_rng(where: str, rng) -> random.Random:
    """``rng``, or the default generator (:func:`tinygrad_edu.seeding.manual_seed`) when it is None."""
    return generator(where, rng)


def _finite(where: str, name: str, x) -> float:
    return finite_number(where, name, x)


def _index_tuple(where: str, index) -> tuple:
    """Row numbers as a tuple, or a TypeError naming ``where`` (a bare number is not a list)."""
    if isinstance(index, (str, bytes, int, float)):
        raise TypeError(f"{where}: expected a list of row numbers, got {short(index)}")
    try:
        return tuple(index)
    except TypeError:
        raise TypeError(f"{where}: expected a list of row numbers, got {short(index)}") from None


def _column_index(where: str, index, m: int, n: int) -> tuple:
    """One column number per row, each an int in 0..n−1, as a tuple (or a clear error)."""
    if isinstance(index, (str, bytes)) or not isinstance(index, Sequence):
        raise TypeError(f"{where}: expected one column number per row (a list of {m} ints), got {short(index)}")
    index = tuple(index)
    if len(index) != m:
        raise ValueError(f"{where}: {len(index)} column numbers for a matrix of {m} rows")
    for i, j in enumerate(index):
        if isinstance(j, bool) or not isinstance(j, int):
            raise TypeError(f"{where}: the column number of row {i} is {short(j)}, not an int")
        if not 0 <= j < n:
            raise IndexError(f"{where}: column {j} of row {i} is out of range for {n} columns")
    return index


def _check_axis(where: str, axis):
    if axis is None or (axis in (0, 1) and not isinstance(axis, bool)):
        return axis
    raise ValueError(f"{where}: axis must be None, 0 or 1, got {axis!r}")


# ---------------------------------------------------------------------------
# Describing a node (for error messages)
# ---------------------------------------------------------------------------

def describe(node: Matrix, depth: int = 3) -> str:
    """The expression that produced ``node``, with shapes instead of numbers.

    >>> X, W = Matrix([[1.0, 2.0]], label="X"), Matrix([[1.0], [1.0]], label="W")
    >>> describe((X @ W).tanh())
    'tanh(matmul(X(1, 2), W(2, 1)))'
    """
    if node._op is None:
        return f"{node.label or 'Matrix'}{node.shape}"
    if depth == 0:
        return f"{node._op.name}(…)"
    return describe_inputs(node._op, node._prev, depth)


def describe_inputs(op: MatrixOp, inputs: tuple, depth: int = 3) -> str:
    return f"{op.name}({', '.join(describe(x, depth - 1) for x in inputs)})"


def matrix_from(x, where: str = "Matrix") -> Matrix:
    """``x`` if it is a Matrix, else a constant Matrix made from a list of rows (checked; an
    error names ``where``, the function the rows were given to)."""
    return x if isinstance(x, Matrix) else Matrix._wrap(_checked_rows(where, x), False)


__all__ = ["Matrix", "backpropagate", "describe", "matrix_from"]
