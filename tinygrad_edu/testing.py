"""Hypothesis strategies and assertions for testing derivative rules: yours and ours.

This is the only module of the package that imports ``hypothesis`` (install the
``test`` extra).  The project's own tests use exactly these tools, so a user
who adds a primitive can property-test it in a few lines:

    from hypothesis import given
    from tinygrad_edu.testing import op_arguments, assert_op_derivative_matches

    @given(op_arguments(my_op))
    def test_my_op(args):
        assert_op_derivative_matches(my_op, *args)

How close is close enough
-------------------------
A central difference D(h) = (f(x + h) − f(x − h)) / 2h is off from the true
derivative by

* truncation, about h²·|f‴|/6.  With h = ε^(1/3)·max(|x|, 1) ≈ 6e-6 this is
  about 1e-11 relative where f changes on the scale of x; but where it changes
  much faster (xʸ in y when |ln x| is 700) it can exceed 1e-6.  We do not guess
  f‴: we *measure* the truncation error, from D(2h) − D(h) ≈ 3·(error of D(h)),
  and allow twice that;
* rounding, about ε·|f(x)|/h: f(x ± h) are each rounded to ~ε·|f|, and the
  difference is divided by 2h.  Where the derivative is tiny compared with f
  (tanh′(20) ≈ 1e-17 while tanh(20) ≈ 1) this dominates, and no relative
  tolerance can be met; we allow ``ROUNDING_FACTOR·ε·|f|/h``.

On top of those two error bars, a relative tolerance ``REL_TOL = 1e-6``, and an
absolute floor ``ABS_FLOOR = 1e-12``.  The absolute tolerance is never a large
constant: one of, say, 1e-6 would let exp′ and log′ pass with *any* rule
wherever they are small (``tests/test_ops.py`` checks that wrong rules fail).
The complex step has neither truncation worth the name (h = 1e-20) nor
cancellation, so it is held to ``COMPLEX_REL_TOL = 1e-9``.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

try:  # Hypothesis is a test tool, not a runtime dependency: the `test` extra installs it
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as error:
    raise ImportError(
        'tinygrad_edu.testing needs Hypothesis: python -m pip install -e ".[test]"'
    ) from error

from . import ops
from .autodiff import Dual, forward_gradient, grad
from .numeric import EPSILON, complex_step, default_step, evaluate
from .ops import Interval, Op
from .value import Value

REL_TOL = 1e-6
COMPLEX_REL_TOL = 1e-9
ABS_FLOOR = 1e-12
ROUNDING_FACTOR = 8  # a few ulps of f(x+h) and f(x−h), each rounded, plus the rounding of x ± h
BOUND = 30.0  # inputs are drawn from [−BOUND, BOUND] ∩ domain: e^30 and 30^30 are finite and well-scaled


def central_difference_with_error(f: Callable[[float], float], x: float, h: float) -> tuple:
    """``(D(h), error bar)`` for the central difference of ``f`` at ``x`` (see the module docstring).

    >>> d, err = central_difference_with_error(math.exp, 0.0, 1e-5)
    >>> abs(d - 1.0) < err < 1e-9
    True
    """
    up, down = f(x + h), f(x - h)
    d_h = (up - down) / (2 * h)
    d_2h = (f(x + 2 * h) - f(x - 2 * h)) / (4 * h)
    rounding = ROUNDING_FACTOR * EPSILON * max(math.fabs(up), math.fabs(down)) / h
    truncation = 2 * math.fabs(d_2h - d_h) / 3
    return d_h, max(ABS_FLOOR, rounding + truncation)


def close(analytic: float, numeric: float, error_bar: float, rel_tol: float = REL_TOL) -> bool:
    """True when a central difference ``numeric`` with ``error_bar`` confirms ``analytic``."""
    return math.isclose(analytic, numeric, rel_tol=rel_tol, abs_tol=error_bar)


# ---------------------------------------------------------------------------
# Strategies: inputs drawn from each op's declared domain, away from its kinks
# ---------------------------------------------------------------------------

def floats_in(interval: Interval, bound: float = BOUND) -> st.SearchStrategy:
    """Finite floats in ``interval`` ∩ [−bound, bound] (no nan, no subnormals)."""
    low, high = max(interval.low, -bound), min(interval.high, bound)
    return st.floats(
        min_value=low, max_value=high,
        exclude_min=not interval.closed_low and low == interval.low,
        exclude_max=not interval.closed_high and high == interval.high,
        allow_nan=False, allow_infinity=False, allow_subnormal=False,
    )


def finite_floats(low: float, high: float) -> st.SearchStrategy:
    """Floats in [low, high]: no nan, no inf, no subnormals (whose differences lose all precision)."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def matrix_rows(m: int, n: int, elements: st.SearchStrategy) -> st.SearchStrategy:
    """An m×n list of rows of ``elements``, the data of a Matrix.

    Drawn as one flat list and cut into rows: fewer Hypothesis draws than a
    list of lists, so examples shrink faster.
    """
    flat = st.lists(elements, min_size=m * n, max_size=m * n)
    return flat.map(lambda entries: [entries[i * n:(i + 1) * n] for i in range(m)])


def params_for(op: Op) -> st.SearchStrategy:
    """The constant parameters an op takes: the exponent of ``power``, the slope of ``leaky_relu``."""
    if op is ops.power:
        integers = st.integers(-4, 6)
        fractional = st.floats(-3.0, 3.0, allow_nan=False).filter(lambda c: not c.is_integer())
        return st.tuples(st.one_of(integers, fractional))
    if op is ops.leaky_relu:
        return st.tuples(st.floats(0.0, 0.5, allow_nan=False, allow_subnormal=False))
    return st.just(())


def op_arguments(op: Op, bound: float = BOUND) -> st.SearchStrategy:
    """``(inputs, params)`` for ``op``, each input drawn from its domain.  Inputs the op's
    extra check refuses (0 ** −1, (−2) ** 0.5) are filtered out."""
    inputs = st.tuples(*[floats_in(interval, bound) for interval in op.domain])

    def valid(args) -> bool:
        try:
            op.validate(args[0], args[1])
        except (ValueError, ZeroDivisionError):
            return False
        return True

    return st.tuples(inputs.map(list), params_for(op)).filter(valid)


def distance_to_special_point(op: Op, inputs: Sequence[float], i: int) -> float:
    """How far input ``i`` is from the nearest domain edge, kink or pole of ``op`` (inf if none)."""
    x = inputs[i]
    interval = op.domain[i]
    special = [interval.low, interval.high, *op.poles.get(i, ())]
    if i == 0:
        special += list(op.kinks)
    return min((math.fabs(x - s) for s in special if math.isfinite(s)), default=math.inf)


def safe_step(op: Op, inputs: Sequence[float], i: int) -> float:
    """A central-difference step for input ``i`` that stays well away from the op's special points.

    The default step, shrunk to 1e-4 of the distance d to the nearest domain
    edge, kink or pole.  So x ± h never crosses a kink (a difference across
    relu's kink at 0 is no derivative at all), and near a pole, where the
    derivative changes on the scale of d (1/y near y = 0), the truncation
    error (h/d)² stays near 1e-8, well inside ``REL_TOL``.
    """
    return min(default_step(inputs[i]), distance_to_special_point(op, inputs, i) * 1e-4)


# ---------------------------------------------------------------------------
# Assertions: reverse mode, forward mode and numeric references must agree
# ---------------------------------------------------------------------------

def assert_op_derivative_matches(op: Op, inputs: Sequence[float], params: Sequence = ()) -> None:
    """Check ``op``'s local derivatives at ``inputs`` four ways.

    Reverse mode (Value) and forward mode (Dual) must agree with each other
    exactly (they evaluate the same rule), and with a central difference of
    the forward rule within :func:`close`; and, for analytic ops, with the
    complex step within ``COMPLEX_REL_TOL``.
    """
    params = tuple(params)
    out = op.forward(*inputs, *params)
    assume(math.isfinite(out))
    leaves = [Value(x) for x in inputs]
    reverse = grad(Value.apply(op, leaves, params), leaves)
    assume(all(math.isfinite(r) for r in reverse))  # overflowing derivatives are tested on their own
    for i in range(op.arity):
        tangents = [1.0 if j == i else 0.0 for j in range(op.arity)]
        forward = Dual.apply(op, [Dual(x, t) for x, t in zip(inputs, tangents)], params).tangent
        assert reverse[i] == forward, f"{op.name}: reverse {reverse[i]!r} != forward {forward!r} at {inputs}"

        h = safe_step(op, inputs, i)
        assume(h > 0)

        def along_i(t: float) -> float:
            return op.forward(*_replace(inputs, i, t), *params)

        assume(all(math.isfinite(along_i(inputs[i] + k * h)) for k in (-2, -1, 1, 2)))
        numeric, error_bar = central_difference_with_error(along_i, inputs[i], h)
        assert close(reverse[i], numeric, error_bar), (
            f"{op.name}{tuple(inputs)}{params or ''}: ∂/∂input{i} analytic {reverse[i]!r} "
            f"vs central difference {numeric!r} (h = {h:.3g}, error bar {error_bar:.3g})"
        )
        # The imaginary step must be tiny next to the distance to a pole, like h above,
        # and still a normal float (within 1e-290 of a pole there is no room left).
        # Complex products square their parts, which underflow below ~1e-154: keep
        # the complex step to inputs of ordinary size.
        h_imag = 1e-20 * min(1.0, distance_to_special_point(op, inputs, i))
        ordinary = all(v == 0 or 1e-140 < math.fabs(v) < 1e140 for v in inputs)
        if op.complex_forward is not None and h_imag > 1e-290 and ordinary:
            c = complex_step(lambda z: op.complex_forward(*_replace(inputs, i, z), *params), inputs[i], h_imag)
            assert math.isclose(reverse[i], c, rel_tol=COMPLEX_REL_TOL, abs_tol=ABS_FLOOR), (
                f"{op.name}{tuple(inputs)}: ∂/∂input{i} analytic {reverse[i]!r} vs complex step {c!r}"
            )


def _replace(values: Sequence, i: int, new) -> list:
    moved = list(values)
    moved[i] = new
    return moved


def assert_gradients_match(f: Callable, inputs: Sequence[float], rel_tol: float = REL_TOL) -> list:
    """Reverse mode, forward mode and central differences of ``f`` at ``inputs`` must agree.

    ``f`` takes one argument per input and uses only Value/Dual operations
    (operators and methods such as ``.tanh()``).  Returns the reverse-mode gradient.

    >>> assert_gradients_match(lambda x, y: x * y.sin(), [2.0, 0.5])  # doctest: +ELLIPSIS
    [0.479..., 1.755...]
    """
    points = [Value(x) for x in inputs]
    reverse = grad(f(*points), points)
    forward = forward_gradient(f, inputs)
    for i, (r, fw) in enumerate(zip(reverse, forward)):
        assert math.isclose(r, fw, rel_tol=1e-12, abs_tol=ABS_FLOOR), (
            f"input {i}: reverse mode {r!r} != forward mode {fw!r}"
        )
        numeric, error_bar = central_difference_with_error(
            lambda t: evaluate(f, _replace(inputs, i, t)), inputs[i], default_step(inputs[i])
        )
        assert close(r, numeric, error_bar, rel_tol), (
            f"input {i}: reverse mode {r!r} vs central difference {numeric!r} (error bar {error_bar:.3g})"
        )
    return reverse


# ---------------------------------------------------------------------------
# Random expression graphs with shared sub-expressions
# ---------------------------------------------------------------------------

#: Ops that are smooth on their whole domain: random graphs use these, so a
#: central difference never straddles a kink.  (Kinked ops are tested alone.)
SMOOTH_UNARY = (ops.neg, ops.exp, ops.tanh, ops.sigmoid, ops.softplus, ops.log_sigmoid, ops.sin, ops.cos)
SMOOTH_BINARY = (ops.add, ops.sub, ops.mul)


class Program:
    """A straight-line program: leaves x₀…xₙ₋₁, then steps ``(op, argument indices, params)``.

    Each step may use any earlier value, so one value can feed several later
    steps: gradients reach a leaf along several paths and must be summed.  The
    same program runs on floats, Values, Duals and complex numbers, which is
    what lets the tests compare engines.
    """

    def __init__(self, n_leaves: int, steps: list) -> None:
        self.n_leaves = n_leaves
        self.steps = steps

    def __call__(self, *leaves):
        values = list(leaves)
        for op, args, params in self.steps:
            values.append(op(*[values[a] for a in args], *params))
        return values[-1]

    def complex_call(self, *leaves):
        """The program on complex numbers (each op's ``complex_forward``), for the complex step."""
        values = list(leaves)
        for op, args, params in self.steps:
            values.append(op.complex_forward(*[values[a] for a in args], *params))
        return values[-1]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_leaves)]
        for op, args, params in self.steps:
            names.append(f"{op.name}({', '.join([names[a] for a in args] + [repr(p) for p in params])})")
        return f"Program({names[-1]})"


@st.composite
def programs(draw, max_leaves: int = 3, max_steps: int = 8) -> Program:
    """A random :class:`Program` built from the smooth ops (including ``x ** 2`` and ``x ** 3``)."""
    n_leaves = draw(st.integers(1, max_leaves))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        available = n_leaves + k
        kind = draw(st.sampled_from(("unary", "binary", "power")))
        if kind == "unary":
            op = draw(st.sampled_from(SMOOTH_UNARY))
            steps.append((op, (draw(st.integers(0, available - 1)),), ()))
        elif kind == "binary":
            op = draw(st.sampled_from(SMOOTH_BINARY))
            args = (draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1)))
            steps.append((op, args, ()))
        else:
            steps.append((ops.power, (draw(st.integers(0, available - 1)),), (draw(st.sampled_from((2, 3))),)))
    return Program(n_leaves, steps)


def program_inputs(program: Program, bound: float = 2.0) -> st.SearchStrategy:
    """Leaf values for ``program``: small, so that nested exp and powers stay finite."""
    return st.lists(
        st.floats(-bound, bound, allow_nan=False, allow_subnormal=False),
        min_size=program.n_leaves, max_size=program.n_leaves,
    )


@st.composite
def value_graphs(draw, max_leaves: int = 3, max_steps: int = 8) -> tuple:
    """A random graph of Values, built: ``(leaves, output)``, the leaves labelled x0, x1, …

    >>> from hypothesis import given
    >>> @given(value_graphs())
    ... def test_grad_has_one_entry_per_leaf(graph):
    ...     leaves, out = graph
    ...     assert len(grad(out, leaves)) == len(leaves)
    >>> test_grad_has_one_entry_per_leaf()
    """
    program = draw(programs(max_leaves, max_steps))
    inputs = draw(program_inputs(program))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    return leaves, program(*leaves)
