"""Every primitive of the rule table against PyTorch, in float64: the value, every first derivative
and every second derivative (the whole Hessian of a two-input op), on Hypothesis inputs.

Our side builds one Value graph per point and differentiates it twice with ``grad(...,
create_graph=True)``; PyTorch's side evaluates the same op on a tensor of all the points at once
and differentiates twice with ``torch.autograd.grad``.  The ops are elementwise, so the gradient
of the sum is each point's derivative.  Where the two disagree on purpose, a test below says so
with the numbers (and README's "Where PyTorch and tinygrad_edu disagree" says why).
"""

from __future__ import annotations

import math

import pytest

from torch_twin import NO_TORCH, agree

torch = pytest.importorskip("torch", reason=NO_TORCH)
F = torch.nn.functional

from hypothesis import given, settings  # noqa: E402  (after the skip: nothing to set up without PyTorch)
from hypothesis import strategies as st  # noqa: E402

from tinygrad_edu import OPS, Value, grad  # noqa: E402
from tinygrad_edu.reals import to_float  # noqa: E402
from tinygrad_edu.testing import distance_to_special_point, floats_in, params_for  # noqa: E402

#: PyTorch's function for each op of the table, called as the op is: inputs, then constants.
TWINS = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "dot": lambda w, x, b: torch.addcmul(b, w, x),  # one term: b + w·x (the table's tests use the fewest inputs)
    "sum_of": lambda *xs: torch.stack(xs).sum(dim=0),
    "div": lambda x, y: x / y,
    "neg": lambda x: -x,
    "pow": torch.pow,
    "power": lambda x, c: x ** c,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
    "log_sigmoid": F.logsigmoid,
    "sin": torch.sin,
    "cos": torch.cos,
    "relu": torch.relu,
    "leaky_relu": F.leaky_relu,
    "abs": torch.abs,
    "bce_with_logits": lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="none"),
    "sign": torch.sign,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "atan2": torch.atan2,
    "mod": torch.remainder,  # Python's %, the sign of the divisor (torch.fmod takes the dividend's)
}

#: Hypothesis examples per op.  Each example is up to POINTS points sharing one constant (the
#: exponent of x ** c), all evaluated by PyTorch in one call: 25 examples give 77 to 146 points
#: per op in the CI profile, about 9,600 numbers compared in all, in about 2.5 s (100 examples:
#: 7.5 s).  The rules are checked against finite differences with the full profile elsewhere
#: (tests/test_ops.py); this is the second, independent route, and a wrong rule is wrong at
#: almost every point, not at one in a thousand (a derivative off by a relative 1e-9 fails here).
EXAMPLES = 25
POINTS = 8
#: PyTorch's softplus returns x itself above this (its `threshold`), so its derivatives are 1 and 0.
SOFTPLUS_THRESHOLD = 20.0


def ours(op, xs: list, params: tuple) -> list:
    """[value, ∂/∂x₀, ∂/∂x₁, ∂²/∂x₀², ∂²/∂x₀∂x₁, ∂²/∂x₁∂x₀, ∂²/∂x₁²] (for one input, three numbers)."""
    leaves = [Value(x) for x in xs]
    out = op(*leaves, *params)
    first = grad(out, leaves, create_graph=True)
    second = [g for d in first for g in grad(d, leaves)]
    return [out.data] + [d.data for d in first] + second


def theirs(name: str, columns: list, params: tuple) -> list:
    """The same numbers from PyTorch for every point at once: a list of one list per point."""
    leaves = [torch.tensor(column, dtype=torch.float64, requires_grad=True) for column in columns]
    out = TWINS[name](*leaves, *params)
    first = _or_zeros(torch.autograd.grad(out.sum(), leaves, create_graph=True, allow_unused=True), leaves)
    second = []
    for d in first:
        if d.requires_grad:  # a constant derivative (d(x + y)/dx = 1) has no graph: its own derivatives are 0
            # retain_graph: the derivatives may share saved tensors (atan2's two share 1/(x² + y²))
            second.extend(_or_zeros(torch.autograd.grad(d.sum(), leaves, allow_unused=True, retain_graph=True),
                                    leaves))
        else:
            second.extend(torch.zeros_like(leaf) for leaf in leaves)
    rows = [out.tolist()] + [d.tolist() for d in first] + [d.tolist() for d in second]
    return [list(point) for point in zip(*rows)]


def _or_zeros(gradients, leaves) -> list:
    """PyTorch's None for an input the result does not depend on, as zeros.  (A derivative that
    PyTorch knows to be 0, as abs″, is a "zero tensor" with no storage: adding it to zeros reads it.)"""
    return [torch.zeros_like(leaf) if g is None else torch.zeros_like(leaf) + g
            for g, leaf in zip(gradients, leaves)]


@st.composite
def points_of(draw, op):
    """(params, points): one constant for the op, and up to POINTS inputs in its domain, off its kinks."""
    params = draw(params_for(op))

    def fine(xs) -> bool:
        try:
            op.validate(xs, params)
        except (ValueError, ZeroDivisionError):
            return False
        return all(distance_to_special_point(op, xs, i) > 0 for i in range(op.arity))  # kinks: tested below

    point = st.tuples(*[floats_in(interval) for interval in op.domain]).map(list).filter(fine)
    return params, draw(st.lists(point, min_size=1, max_size=POINTS))


def test_every_op_of_the_table_has_a_pytorch_twin():
    """A new row of the rule table needs its PyTorch function here, or it goes unchecked."""
    assert set(TWINS) == set(OPS), f"no PyTorch twin for {sorted(set(OPS) - set(TWINS))}"


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_value_and_first_and_second_derivatives_match_pytorch(name, data):
    op = OPS[name]
    params, points = data.draw(points_of(op))
    columns = [list(column) for column in zip(*points)]
    for xs, torch_numbers in zip(points, theirs(name, columns, params)):
        scale = max(abs(x) for x in xs)  # the terms that cancel (z·y, x + y) are as large as the inputs
        if name == "atan2" and scale > 1e-70:  # ...except atan2's, (y² − x²)/r⁴ and the like: 1/r² in size
            scale = max(scale, 1 / (xs[0] ** 2 + xs[1] ** 2))
        # (where both overflow the same way, inf and nan agree with themselves: see torch_twin.agree)
        for k, (a, b) in enumerate(zip(ours(op, xs, params), torch_numbers)):
            if agree(a, b, scale):
                continue
            where = f"{name}{tuple(xs)}{' with ' + str(params) if params else ''}, number {k} (value, ∂, ∂²)"
            if name == "softplus" and xs[0] > SOFTPLUS_THRESHOLD:  # PyTorch's threshold: see the test below
                assert b == (xs[0], 1.0, 0.0)[k] and abs(a - b) <= 1.001 * math.exp(-xs[0]), where
            elif name == "pow" and xs[1] == 0 and k == 4:  # PyTorch's asymmetric Hessian: see the test below
                assert b == 0.0 and agree(a, 1 / xs[0]), where
            elif name == "atan2" and max(map(abs, xs)) < 1e-70:  # PyTorch's r² or r⁴ underflows: see below
                exact = _exact_atan2_numbers(*xs)[k]
                # Within 1e-154 of the origin the Hessian's terms, of size 1/r², pass 1.8e308: ours overflows
                # there (the sign of an inf not to be trusted), even where an entry (2xy/r⁴) is in range.
                overflows = k >= 3 and max(map(abs, xs)) < 1e-154
                assert agree(a, exact, scale) or (overflows and not math.isfinite(a)), where
            else:
                raise AssertionError(f"{where}: ours {a!r}, PyTorch {b!r}")


def test_pytorch_softplus_is_x_itself_above_its_threshold():
    """PyTorch's softplus(x) returns x for x > 20 (its ``threshold``): derivatives 1 and 0 there.
    Ours stays ln(1 + eˣ), σ(x) and σ′(x); each differs from PyTorch's by e⁻ˣ ≈ 1.4e-11 at x = 25
    (to the rounding of 25 + 1.4e-11, an ulp of 25 being 3.6e-15: hence the 1e-3)."""
    x = 25.0
    ours_numbers = ours(OPS["softplus"], [x], ())
    (torch_numbers,) = theirs("softplus", [[x]], ())
    assert torch_numbers == [25.0, 1.0, 0.0]
    sigma = 1 / (1 + math.exp(-x))
    assert ours_numbers == [x + math.log1p(math.exp(-x)), sigma, sigma * (1 - sigma)]
    assert all(math.isclose(abs(a - b), math.exp(-x), rel_tol=1e-3) for a, b in zip(ours_numbers, torch_numbers))


def _exact_atan2_numbers(y: float, x: float) -> list:
    """atan2's value, slopes and Hessian (the order of ``ours``), the slopes worked out in exact
    fractions: x/r², −y/r², then −2xy/r⁴, (y² − x²)/r⁴ twice, 2xy/r⁴, with r² = x² + y²."""
    from fractions import Fraction
    fy, fx = Fraction(y), Fraction(x)
    r2 = fx * fx + fy * fy
    second = [-2 * fx * fy / r2 ** 2, (fy * fy - fx * fx) / r2 ** 2, (fy * fy - fx * fx) / r2 ** 2, 2 * fx * fy / r2 ** 2]
    return [math.atan2(y, x)] + [to_float(v) for v in [fx / r2, -fy / r2] + second]  # to_float: ±inf beyond range


def test_atan2_keeps_its_slopes_near_the_origin_where_pytorchs_underflow():
    """Near the origin x² + y² (or its square, in the second derivatives) underflows to 0 in PyTorch,
    so its slopes there are 0, ±inf or nan; ours divide both inputs by max(|x|, |y|) first, and agree
    with the exact formula."""
    for y, x in ((1e-100, 3e-100), (1e-200, 3e-200)):
        (torch_numbers,) = theirs("atan2", [[y], [x]], ())
        ours_numbers = ours(OPS["atan2"], [y, x], ())
        assert all(agree(a, b, y) for a, b in zip(ours_numbers[:3], _exact_atan2_numbers(y, x)))
        assert not any(math.isfinite(v) for v in torch_numbers[3:])  # ±inf or nan where ours are finite
    at_1e_100 = ours(OPS["atan2"], [1e-100, 3e-100], ())  # its Hessian, near 1e198, is within range
    assert all(agree(a, b, 1e198) for a, b in zip(at_1e_100, _exact_atan2_numbers(1e-100, 3e-100)))
    assert torch_numbers[1:3] == [0.0, 0.0]  # at 1e-200 even the first derivatives


def test_pytorch_misses_the_mixed_second_derivative_of_x_to_the_y_at_y_zero():
    """∂²(x^y)/∂y∂x = x^(y−1)·(1 + y·ln x) = 1/x at y = 0, whichever order it is taken in.
    PyTorch gets 1/x one way and 0 the other: its rule for ∂(x^y)/∂x is the constant 0 wherever
    the exponent is 0, so differentiating that along y gives 0.  Ours gives 1/x both ways."""
    x = 2.0
    ours_numbers = ours(OPS["pow"], [x, 0.0], ())
    (torch_numbers,) = theirs("pow", [[x], [0.0]], ())
    assert ours_numbers[4] == ours_numbers[5] == 0.5
    assert (torch_numbers[4], torch_numbers[5]) == (0.0, 0.5)


#: Points on a kink or a domain edge, where each engine uses a convention: the same one, except
#: where DISAGREE says otherwise.
KINKS = [
    ("relu", [0.0], ()),                 # relu′(0) = 0, as PyTorch
    ("leaky_relu", [0.0], (0.1,)),       # the slope at 0, as PyTorch
    ("abs", [0.0], ()),                  # sign(0) = 0
    ("sqrt", [0.0], ()),                 # √′(0) = +inf
    ("power", [0.0], (0.5,)),            # the same vertical tangent
    ("power", [0.0], (0.25,)),
    ("power", [0.0], (1.5,)),            # 1.5·0^0.5 = 0, then 0.75·0^(−0.5) = +inf
    ("power", [0.0], (0,)),              # x⁰ = 1 everywhere: both derivatives 0
    ("power", [0.0], (1,)),
    ("power", [0.0], (2,)),
    ("bce_with_logits", [0.0, 0.0], ()),
    ("sign", [0.0], ()),                 # the jumps: slope 0, as PyTorch
    ("floor", [2.0], ()),
    ("ceil", [-1.0], ()),
    ("mod", [6.0, 3.0], ()),             # x/y an integer: ∂/∂y = −⌊x/y⌋ at the point itself
    ("mod", [-6.0, 3.0], ()),
    ("mod", [6.0, -4.0], ()),
    ("atan2", [0.0, -1.0], ()),          # on the jump across the negative x axis: π
    ("asin", [1.0], ()),                 # the vertical tangents at ±1
    ("asin", [-1.0], ()),
    ("acos", [1.0], ()),
    ("acos", [-1.0], ()),
    ("pow", [0.0, 2.0], ()),             # a zero base: 0, and ∂/∂y = 0 (issue 16)
    ("pow", [0.0, 1.0], ()),
    ("pow", [0.0, 1.5], ()),
    ("pow", [0.0, 3.0], ()),
    ("pow", [0.0, 0.5], ()),
]

#: (op, inputs, params) → (index, ours, PyTorch's): the second derivative of √x and of x^c for
#: 0 < c < 1 at 0.  Our rule returns the constant +inf for the first derivative there, a number
#: with no graph behind it, so its derivative is 0; PyTorch differentiates c·x^(c−1) once more and
#: gets the limit, −inf.  Neither is a derivative (the function has none at 0); PyTorch's is
#: the one-sided limit.
DISAGREE = {
    ("sqrt", (0.0,), ()): {2: (0.0, -math.inf)},
    ("power", (0.0,), (0.5,)): {2: (0.0, -math.inf)},
    ("power", (0.0,), (0.25,)): {2: (0.0, -math.inf)},
    # The same for asin and acos at ±1: our first derivative there is the constant ±inf.
    ("asin", (1.0,), ()): {2: (0.0, math.inf)},
    ("asin", (-1.0,), ()): {2: (0.0, -math.inf)},
    ("acos", (1.0,), ()): {2: (0.0, -math.inf)},
    ("acos", (-1.0,), ()): {2: (0.0, math.inf)},
    # x ** y at x = 0 (numbers 5 and 6 are ∂²/∂x∂y taken as d/dx of ∂/∂y, and ∂²/∂y²): ∂/∂y = xʸ·ln x
    # is 0 there, and so are the limits of its derivatives, xʸ⁻¹·(y·ln x + 1) for y > 1 and xʸ·ln²x:
    # ours; PyTorch computes 0·(−inf) = nan.  At y = 1, ∂²/∂y∂x is unbounded (1 + ln x → −inf): neither
    # 0 (ours: ∂/∂x = 1 is a constant there) nor PyTorch's 1 (its rule drops the ln x term) is a
    # derivative; at y = 0.5, ∂²/∂x² is the −inf PyTorch gives, and ours is 0, as for √x above.
    ("pow", (0.0, 2.0), ()): {5: (0.0, math.nan), 6: (0.0, math.nan)},
    ("pow", (0.0, 1.5), ()): {5: (0.0, math.nan), 6: (0.0, math.nan)},
    ("pow", (0.0, 3.0), ()): {5: (0.0, math.nan), 6: (0.0, math.nan)},
    ("pow", (0.0, 1.0), ()): {4: (0.0, 1.0), 5: (0.0, math.nan), 6: (0.0, math.nan)},
    ("pow", (0.0, 0.5), ()): {3: (0.0, -math.inf), 4: (0.0, math.nan), 5: (0.0, math.nan), 6: (0.0, math.nan)},
}


@pytest.mark.parametrize("name, xs, params", KINKS)
def test_conventions_at_kinks_and_edges_are_pytorchs(name, xs, params):
    our_numbers = ours(OPS[name], xs, params)
    (torch_numbers,) = theirs(name, [[x] for x in xs], params)
    disagreement = DISAGREE.get((name, tuple(xs), params), {})
    for k, (a, b) in enumerate(zip(our_numbers, torch_numbers)):
        if k in disagreement:
            assert agree(a, disagreement[k][0]) and agree(b, disagreement[k][1]), (
                f"{name}{tuple(xs)}: the documented disagreement changed: ours {a!r}, PyTorch {b!r}")
        else:
            assert agree(a, b), f"{name}{tuple(xs)} {params}: number {k}: ours {a!r}, PyTorch {b!r}"


NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("name, xs, params, error, pytorch_gives", [
    ("div", [1.0, 0.0], (), ZeroDivisionError, INF),
    ("div", [0.0, 0.0], (), ZeroDivisionError, NAN),
    ("log", [0.0], (), ValueError, -INF),
    ("log", [-1.0], (), ValueError, NAN),
    ("sqrt", [-1.0], (), ValueError, NAN),
    ("pow", [0.0, 0.0], (), ValueError, 1.0),
    ("pow", [0.0, -1.0], (), ZeroDivisionError, INF),
    ("asin", [1.5], (), ValueError, NAN),
    ("acos", [-2.0], (), ValueError, NAN),
    ("atan2", [0.0, 0.0], (), ValueError, 0.0),
    ("mod", [1.0, 0.0], (), ZeroDivisionError, NAN),
    ("pow", [-2.0, 0.5], (), ValueError, NAN),
    ("power", [0.0], (-1,), ZeroDivisionError, INF),
    ("power", [-2.0], (0.5,), ValueError, NAN),
])
def test_outside_the_domain_we_raise_where_pytorch_returns_a_number(name, xs, params, error, pytorch_gives):
    """A deliberate difference: a clear error naming the op and the value, instead of an inf or a
    nan that spreads silently through the rest of the computation."""
    with pytest.raises(error, match=name):
        OPS[name](*xs, *params)
    value = TWINS[name](*[torch.tensor(x, dtype=torch.float64) for x in xs], *params).item()
    assert agree(value, pytorch_gives), f"PyTorch's {name}{tuple(xs)} is now {value!r}"


# ---------------------------------------------------------------------------
# Matrix reductions: max, min, prod, mean, var, std against torch.amax, amin, prod, mean, var, std
# ---------------------------------------------------------------------------

#: Entries from a few small integers, so that ties (max, min) and zeros (prod) come up often.
SMALL = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0])


def _torch_reduction(name: str, t, axis, correction):
    dims = {} if axis is None else {"dim": axis, "keepdim": True}
    if name in ("max", "min"):
        return (torch.amax if name == "max" else torch.amin)(t, dim=(0, 1) if axis is None else axis, keepdim=True)
    if name == "prod":
        return t.prod() if axis is None else t.prod(**dims)
    if name in ("var", "std"):
        return getattr(torch, name)(t, **dims, correction=correction)
    return t.mean(**dims)


@pytest.mark.parametrize("name", ["max", "min", "prod", "mean", "var", "std"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_matrix_reductions_and_their_gradients_match_pytorch(name, axis, data):
    from tinygrad_edu import Matrix

    m, n = data.draw(st.integers(2, 4)), data.draw(st.integers(2, 4))
    entries = data.draw(st.lists(st.lists(SMALL, min_size=n, max_size=n), min_size=m, max_size=m))
    upstream = data.draw(st.lists(st.lists(SMALL, min_size=n, max_size=n), min_size=m, max_size=m))
    correction = data.draw(st.sampled_from([0, 1]))
    X = Matrix(entries)
    args = (axis, correction) if name in ("var", "std") else (axis,)
    out = getattr(X, name)(*args)
    t = torch.tensor(entries, dtype=torch.float64, requires_grad=True)
    twin = _torch_reduction(name, t, axis, correction)
    assert_close = [agree(a, b, 10.0) for a, b in zip(_flat_rows(out.data), twin.reshape(-1).tolist())]
    assert all(assert_close), (name, axis, out.data, twin)
    # A weighted sum of the results, so that each result's gradient counts differently.
    weights = [[upstream[i % m][j % n] for j in range(out.shape[1])] for i in range(out.shape[0])]
    (g,) = grad((out * Matrix(weights, requires_grad=False)).sum(), [X])
    (tg,) = torch.autograd.grad((twin * torch.tensor(weights, dtype=torch.float64)).sum(), [t])
    for a, b in zip(_flat_rows(g.data), tg.reshape(-1).tolist()):
        assert agree(a, b, 100.0), (name, axis, entries, g.data, tg)


def _flat_rows(rows):
    return [x for row in rows for x in row]


def test_pytorch_max_along_a_dimension_gives_a_tie_to_one_entry_and_ours_splits_it():
    """A deliberate difference: torch.max(t, dim) returns one index per row and its gradient goes
    there alone; ours (and torch.amax) split it evenly among the k tied entries, the average of the
    one-sided choices, which keeps the gradient the same whichever order the entries come in."""
    from tinygrad_edu import Matrix

    entries = [[1.0, 3.0, 3.0]]
    t = torch.tensor(entries, dtype=torch.float64, requires_grad=True)
    (picked,) = torch.autograd.grad(t.max(dim=1).values.sum(), [t])
    assert sorted(picked.reshape(-1).tolist()) == [0.0, 0.0, 1.0]
    X = Matrix(entries)
    assert grad(X.max(axis=1).sum(), [X])[0].data == [[0.0, 0.5, 0.5]]


def test_the_second_derivatives_of_var_and_prod_match_pytorch():
    from tinygrad_edu import Matrix

    entries = [[0.5, 0.0, -1.5], [2.0, 1.0, 0.25]]
    for name in ("var", "prod"):
        X = Matrix(entries)
        (g,) = grad(getattr(X, name)(), [X], create_graph=True)
        (h,) = grad((g * Matrix(entries, requires_grad=False)).sum(), [X])  # H·X, a Hessian-vector product
        t = torch.tensor(entries, dtype=torch.float64, requires_grad=True)
        (tg,) = torch.autograd.grad(getattr(t, name)(), [t], create_graph=True)
        (th,) = torch.autograd.grad((tg * torch.tensor(entries, dtype=torch.float64)).sum(), [t])
        assert all(agree(a, b, 10.0) for a, b in zip(_flat_rows(h.data), th.reshape(-1).tolist())), name
