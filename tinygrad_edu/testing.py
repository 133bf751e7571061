"""Hypothesis strategies and assertions for testing derivative rules: yours and ours.

This is the only module of the package that imports ``hypothesis`` (install the
``test`` extra).  The project's own tests use exactly these tools, so a user
who adds a primitive can property-test it in a few lines:

    from hypothesis import given
    from tinygrad_edu.testing import op_arguments, assert_op_derivative_matches

    @given(op_arguments(my_op))
    def test_my_op(args):
        inputs, params = args
        assert_op_derivative_matches(my_op, inputs, params)

or check it at one point, as a plain call: ``assert_op_derivative_matches(my_op, [0.0])``.

How close is close enough
-------------------------
Every comparison with a central difference D(h) = (f(x + h) − f(x − h)) / 2h
allows for that difference's own error, *measured* at the point rather than
assumed: :func:`tinygrad_edu.numeric.estimate_derivative` finds from D(h), D(2h)
and D(4h) how fast the difference converges (like h² where f is smooth, only
like h where f″ jumps, as softsign's and x·|x|'s do at 0) and bounds its
truncation and rounding errors accordingly; the reasons are written there.

On top of that error bar, a relative tolerance ``REL_TOL = 1e-6``, and an
absolute floor ``ABS_FLOOR = 1e-12``.  The absolute tolerance is never a large
constant: one of, say, 1e-6 would let exp′ and log′ pass with *any* rule
wherever they are small (``tests/test_testing.py`` checks that wrong rules fail).
Inputs are drawn away from the kinks, poles, jumps and vertical tangents an op
declares, with a step that stays clear of them (:func:`safe_step`).  The
complex step has neither truncation worth the name (h = 1e-20) nor
cancellation, so it is held to ``COMPLEX_REL_TOL = 1e-9``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

try:  # Hypothesis is a test tool, not a runtime dependency: the `test` extra installs it
    from hypothesis import assume, currently_in_test_context, note
    from hypothesis import strategies as st
except ImportError as error:
    raise ImportError(
        'tinygrad_edu.testing needs Hypothesis 6.80 or newer: python -m pip install -e ".[test]"'
    ) from error

from . import ops, reals
from .autodiff import Dual, forward_gradient, grad
from .numeric import (
    ABS_FLOOR, REL_TOL, NumericDerivative, complex_step, default_step, estimate_derivative, evaluate,
)
from .ops import Interval, Op
from .value import Value

COMPLEX_REL_TOL = 1e-9
BOUND = 30.0  # inputs are drawn from [−BOUND, BOUND] ∩ domain: e^30 and 30^30 are finite and well-scaled
PARAM_BOUND = 3.0  # an op's fractional parameters are drawn from [−3, 3] ∩ their domain


def central_difference_with_error(f: Callable[[float], float], x: float, h: float) -> tuple[float, float]:
    """``(D(h), error bar)`` for the central difference of ``f`` at ``x`` (see the module docstring).

    >>> d, err = central_difference_with_error(math.exp, 0.0, 1e-5)
    >>> abs(d - 1.0) < err < 1e-9
    True
    """
    est = estimate_derivative(f, x, h, refinements=0)  # callers add to the bar for *their* h
    return est.value, est.error_bar


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
    """The constant parameters an op takes (the exponent of ``power``, the slope of
    ``leaky_relu``), each drawn from its ``param_domains``: integers from −4 to 6
    (x ** 3, x ** −2, where a negative base is allowed) and fractions in
    [−PARAM_BOUND, PARAM_BOUND] (x ** 0.5, a slope of 0.2)."""
    return st.tuples(*[_parameter_values(interval) for interval in op.param_domains])


def _parameter_values(interval: Interval) -> st.SearchStrategy:
    integers = st.integers(-4, 6).filter(interval.contains)
    fractional = floats_in(interval, PARAM_BOUND).filter(lambda c: not c.is_integer())
    return st.one_of(integers, fractional)


def op_arguments(op: Op, bound: float = BOUND, count: int | None = None) -> st.SearchStrategy:
    """``(inputs, params)`` for ``op``, each input drawn from its domain.  Inputs the op's
    extra check refuses (0 ** −1, (−2) ** 0.5) are filtered out.  ``count``: how many
    inputs a variadic op (dot, sum_of) gets; its arity, the fewest, by default."""
    inputs = st.tuples(*[floats_in(_interval(op, i), bound) for i in range(count or op.arity)])

    def valid(args: tuple[list[float], tuple[Any, ...]]) -> bool:
        try:
            op.validate(args[0], args[1])
        except (ValueError, ZeroDivisionError):
            return False
        return True

    return st.tuples(inputs.map(list), params_for(op)).filter(valid)


def distance_to_special_point(op: Op, inputs: Sequence[float], i: int) -> float:
    """How far input ``i`` is from the nearest domain edge, kink, vertical tangent, pole or jump of ``op``
    (inf if none)."""
    x = inputs[i]
    interval = _interval(op, i)
    special = [interval.low, interval.high, *op.poles.get(i, ())]
    if i == 0:
        special += [*op.kinks, *op.vertical_tangents]
    nearest = min((math.fabs(x - s) for s in special if math.isfinite(s)), default=math.inf)
    if op.jump_distance is not None:  # floor jumps at every integer: the op says how far the nearest is
        nearest = min(nearest, op.jump_distance(inputs, i))
    return nearest


def safe_step(op: Op, inputs: Sequence[float], i: int) -> float:
    """A central-difference step for input ``i`` that stays well away from the op's special points.

    The default step, shrunk to 1e-4 of the distance d to the nearest domain
    edge, kink or pole.  So x ± 4h (the widest step the error estimate takes)
    never crosses a kink (a difference across relu's kink at 0 is no
    derivative at all), and near a pole, where the
    derivative changes on the scale of d (1/y near y = 0), the truncation
    error (h/d)² stays near 1e-8, well inside ``REL_TOL``.
    """
    return min(default_step(inputs[i]), distance_to_special_point(op, inputs, i) * 1e-4)


def _interval(op: Op, i: int) -> Interval:
    """The domain of input ``i``; a variadic op's later inputs share its last input's domain."""
    return op.domain[min(i, len(op.domain) - 1)]


# ---------------------------------------------------------------------------
# Assertions: reverse mode, forward mode and numeric references must agree
# ---------------------------------------------------------------------------

def assert_op_derivative_matches(op: Op, inputs: Sequence[float] | float, params: Sequence[Any] = ()) -> None:
    """Check ``op``'s local derivatives at ``inputs`` three or four ways.

    Reverse mode (Value) and forward mode (Dual) must agree with each other
    exactly (they evaluate the same rule), and with a central difference of
    the forward rule within :func:`close` and the measured error bar of
    :func:`estimate_derivative`; and, for analytic ops (``complex_forward``
    given), with the complex step within ``COMPLEX_REL_TOL``.

    Works inside a Hypothesis test, where a point that cannot be checked (an
    output that overflows, an input on a declared kink) is skipped with
    ``assume``, and as a plain call at one point, where such a point raises
    ``ValueError`` saying why: a check never passes having checked nothing.

    >>> softsign = Op("softsign", forward=lambda x: x / (1 + abs(x)),
    ...               derivative=lambda x, out: 1 / (1 + ops.absolute(x)) ** 2)
    >>> assert_op_derivative_matches(softsign, [0.0])      # f″ jumps at 0: still right
    >>> assert_op_derivative_matches(ops.relu, [0.0])
    Traceback (most recent call last):
    ValueError: assert_op_derivative_matches: relu cannot be checked at (0.0,): input 0 is on a declared kink, pole or edge of the domain ℝ (kinks: relu′(0) = 0); test the value there on its own
    """
    inputs = [inputs] if isinstance(inputs, reals.NUMBERS) else list(inputs)
    params = tuple(params)
    if len(inputs) < op.arity if op.variadic else len(inputs) != op.arity:
        raise ValueError(f"assert_op_derivative_matches: {op.name} takes {op.arity} input(s), got {inputs!r}")
    op.validate(inputs, params)  # outside the domain: the op's own clear ValueError
    try:
        out = op.forward(*inputs, *params)
    except OverflowError:  # math.exp(800) raises where IEEE 754 says inf
        out = math.inf
    _check_possible(math.isfinite(out), op, inputs, f"the output is {out!r}")
    leaves = [Value(x) for x in inputs]
    reverse = grad(Value.apply(op, leaves, params), leaves)
    # A rule that leaves the reals (a negative number to a fractional power) is wrong here, whatever else.
    assert not any(isinstance(r, complex) for r in reverse), (
        f"{op.name}: the derivative rule gave a complex number, {reverse!r}, at {inputs!r}")
    # Overflowing derivatives are tested on their own, not against differences.
    _check_possible(all(math.isfinite(r) for r in reverse), op, inputs, f"the derivative is {reverse!r}")
    for i in range(len(inputs)):
        tangents = [1.0 if j == i else 0.0 for j in range(len(inputs))]
        forward = Dual.apply(op, [Dual(x, t) for x, t in zip(inputs, tangents)], params).tangent
        assert reverse[i] == forward, f"{op.name}: reverse {reverse[i]!r} != forward {forward!r} at {inputs}"

        h = safe_step(op, inputs, i)
        kinks = "; ".join(op.kinks.values()) if i == 0 and op.kinks else "none"
        kinks += f"; jumps: {op.jumps}" if op.jumps else ""
        _check_possible(h > 0, op, inputs, f"input {i} is on a declared kink, pole or edge of the domain "
                        f"{_interval(op, i)} (kinks: {kinks}); test the value there on its own")
        # Near a special point away from 0 (asin's edge at 1) the step can be finer than the floats there.
        _check_possible(inputs[i] - h != inputs[i] != inputs[i] + h, op, inputs,
                        f"input {i} is so near a special point that x ± h = {h:.3g} rounds to x itself")

        def along_i(t: float) -> float:
            value: float = op.forward(*_replace(inputs, i, t), *params)
            return value

        _check_possible(_finite_around(along_i, inputs[i], h), op, inputs,
                        f"{op.name} is not finite within 4h = {4 * h:.3g} of input {i}")
        est = estimate_derivative(along_i, inputs[i], h)
        assert close(reverse[i], est.value, est.error_bar), _mismatch(op, inputs, params, i, reverse[i], est, along_i)
        # The imaginary step must be tiny next to the distance to a pole, like h above,
        # and still a normal float (within 1e-290 of a pole there is no room left).
        # Complex products square their parts, which underflow below ~1e-154: keep
        # the complex step to inputs of ordinary size.
        h_imag = 1e-20 * min(1.0, distance_to_special_point(op, inputs, i))
        ordinary = all(v == 0 or 1e-140 < math.fabs(v) < 1e140 for v in inputs)
        complex_forward = op.complex_forward
        if complex_forward is not None and h_imag > 1e-290 and ordinary:
            c = complex_step(lambda z: complex_forward(*_replace(inputs, i, z), *params), inputs[i], h_imag)
            assert math.isclose(reverse[i], c, rel_tol=COMPLEX_REL_TOL, abs_tol=ABS_FLOOR), (
                f"{op.name}{tuple(inputs)}: ∂/∂input{i} analytic {reverse[i]!r} vs complex step {c!r}"
            )


def _finite_around(f: Callable[[float], float], x: float, h: float) -> bool:
    """f is finite at x ± h, x ± 2h, x ± 4h, every point the error estimate uses.  A forward
    rule that raises there (math.exp past 709.78, math.log below 0) is not finite there."""
    try:
        return all(math.isfinite(f(x + k * h)) for k in (-4, -2, -1, 1, 2, 4))
    except (ArithmeticError, ValueError):
        return False


def _check_possible(possible: bool, op: Op, inputs: Sequence[float], reason: str) -> None:
    """Inside a Hypothesis test, skip a point that cannot be checked (Hypothesis draws
    another); in a plain call, say why instead of passing without a check."""
    if possible:
        return
    if currently_in_test_context():
        note(f"skipped {op.name}{tuple(inputs)}: {reason}")
        assume(False)
    raise ValueError(f"assert_op_derivative_matches: {op.name} cannot be checked at {tuple(inputs)}: {reason}")


def _mismatch(op: Op, inputs: Sequence[float], params: tuple[Any, ...], i: int, analytic: float,
              est: NumericDerivative, f: Callable[[float], float]) -> str:
    """The failure message: the numbers, how sure the numeric side is, and what to do."""
    x, h = inputs[i], est.h
    call = f"{op.name}{tuple(inputs)}" + (f" with params {params}" if params else "")
    difference = math.fabs(analytic - est.value)
    d1, d2, d4 = est.differences
    if est.order is None:
        convergence = "they agree to within rounding"
    elif est.converges:
        convergence = f"the error shrinks like h^{est.order:.2f} (h^2 where f is smooth, h^1 where f″ jumps)"
    else:
        convergence = f"they move more as h shrinks (order {est.order:.2f}): they do not converge"
    # One-sided slopes: where f′ jumps at x (or within h of it) they differ by about
    # the jump at steps h and 2h alike; where f is smooth the gap halves with h.
    left, right = (f(x) - f(x - h)) / h, (f(x + h) - f(x)) / h
    gap, gap_2h = right - left, (f(x + 2 * h) - 2 * f(x) + f(x - 2 * h)) / (2 * h)
    jumps = gap != 0 and math.fabs(gap) > 10 * est.rounding and 0.5 < gap_2h / gap < 1.5
    kink_advice = (
        "If f′ itself jumps (a kink, like relu at 0), there is no derivative at the kink for any "
        "difference to confirm: declare it, Op(..., kinks={point: 'the value your rule uses there'}), "
        "and test that value on its own."
    )
    if jumps:
        advice = (f"The one-sided slopes differ by {gap:.6g} at steps h and 2h alike: f′ jumps at {x!r} "
                  f"or within h of it. " + kink_advice)
    elif not est.converges:
        advice = f"The differences do not converge: f′ probably jumps within 4h = {4 * h:.3g} of {x!r}. " + kink_advice
    else:
        advice = ("The differences settle, on a value the rule does not give: check the rule at this point "
                  "(a sign, a factor, the branch taken here). " + kink_advice)
    return "\n".join([
        f"{call}: ∂out/∂input{i} by the rule disagrees with central differences.",
        f"  rule (reverse mode = forward mode): {analytic!r}",
        f"  central difference D(h):            {est.value!r}   (h = {h:.3g})",
        f"  |difference| {difference:.3g}: more than the error bar {est.error_bar:.3g} "
        f"(rounding {est.rounding:.3g} + truncation {est.truncation:.3g}) and than {REL_TOL:g} relative",
        f"  D(h), D(2h), D(4h) = {d1:.10g}, {d2:.10g}, {d4:.10g}: {convergence}",
        f"  one-sided slopes at step h: left {left:.10g}, right {right:.10g}",
        f"What to do: {advice}",
    ])


def _replace(values: Sequence[Any], i: int, new: Any) -> list[Any]:
    moved = list(values)
    moved[i] = new
    return moved


def assert_gradients_match(f: Callable[..., Any], inputs: Sequence[float], rel_tol: float = REL_TOL) -> list[Any]:
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
        est = estimate_derivative(lambda t: evaluate(f, _replace(inputs, i, t)), inputs[i], default_step(inputs[i]))
        assert close(r, est.value, est.error_bar, rel_tol), (
            f"input {i}: reverse mode {r!r} vs central difference {est.value!r} "
            f"(h = {est.h:.3g}, error bar {est.error_bar:.3g}, order {est.order})"
        )
    return reverse


# ---------------------------------------------------------------------------
# Random expression graphs with shared sub-expressions
# ---------------------------------------------------------------------------

#: Ops that are smooth on all of ℝ (``Op.smooth``): random graphs use these, so a
#: central difference never straddles a kink.  (Kinked ops are tested alone.)
SMOOTH_UNARY = tuple(op for op in ops.OPS.values() if op.smooth and op.arity == 1)
SMOOTH_BINARY = tuple(op for op in ops.OPS.values() if op.smooth and op.arity == 2)


#: One step of a :class:`Program`: an op, the indices of its arguments among the earlier values, its params.
Step = tuple[Op, tuple[int, ...], tuple[Any, ...]]


class Program:
    """A straight-line program: leaves x₀…xₙ₋₁, then steps ``(op, argument indices, params)``.

    Each step may use any earlier value, so one value can feed several later
    steps: gradients reach a leaf along several paths and must be summed.  The
    same program runs on floats, Values, Duals and complex numbers, which is
    what lets the tests compare engines.
    """

    def __init__(self, n_leaves: int, steps: list[Step]) -> None:
        self.n_leaves = n_leaves
        self.steps = steps

    def __call__(self, *leaves: Any) -> Any:
        values = list(leaves)
        for op, args, params in self.steps:
            values.append(op(*[values[a] for a in args], *params))
        return values[-1]

    def complex_call(self, *leaves: complex) -> complex:
        """The program on complex numbers (each op's ``complex_forward``), for the complex step."""
        values = list(leaves)
        for op, args, params in self.steps:
            assert op.complex_forward is not None, f"{op.name} has no complex_forward (programs use smooth ops)"
            values.append(op.complex_forward(*[values[a] for a in args], *params))
        return values[-1]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_leaves)]
        for op, args, params in self.steps:
            names.append(f"{op.name}({', '.join([names[a] for a in args] + [repr(p) for p in params])})")
        return f"Program({names[-1]})"


@st.composite
def programs(draw: st.DrawFn, max_leaves: int = 3, max_steps: int = 8) -> Program:
    """A random :class:`Program` built from the smooth ops (including ``x ** 2`` and ``x ** 3``)."""
    n_leaves = draw(st.integers(1, max_leaves))
    steps: list[Step] = []
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
def value_graphs(draw: st.DrawFn, max_leaves: int = 3, max_steps: int = 8) -> tuple[list[Value], Value]:
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
