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
            second.extend(_or_zeros(torch.autograd.grad(d.sum(), leaves, allow_unused=True), leaves))
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
        # (where both overflow the same way, inf and nan agree with themselves: see torch_twin.agree)
        for k, (a, b) in enumerate(zip(ours(op, xs, params), torch_numbers)):
            if agree(a, b, scale):
                continue
            where = f"{name}{tuple(xs)}{' with ' + str(params) if params else ''}, number {k} (value, ∂, ∂²)"
            if name == "softplus" and xs[0] > SOFTPLUS_THRESHOLD:  # PyTorch's threshold: see the test below
                assert b == (xs[0], 1.0, 0.0)[k] and abs(a - b) <= 1.001 * math.exp(-xs[0]), where
            elif name == "pow" and xs[1] == 0 and k == 4:  # PyTorch's asymmetric Hessian: see the test below
                assert b == 0.0 and agree(a, 1 / xs[0]), where
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
]

#: (op, inputs, params) → (index, ours, PyTorch's): the second derivative of √x and of x^c for
#: 0 < c < 1 at 0.  Our rule returns the constant +inf for the first derivative there, a number
#: with no graph behind it, so its derivative is 0; PyTorch differentiates c·x^(c−1) once more and
#: gets the limit, −inf.  Neither is a derivative (the function has none at 0); PyTorch's is
#: the one-sided limit.
DISAGREE = {
    ("sqrt", (0.0,), ()): (2, 0.0, -math.inf),
    ("power", (0.0,), (0.5,)): (2, 0.0, -math.inf),
    ("power", (0.0,), (0.25,)): (2, 0.0, -math.inf),
}


@pytest.mark.parametrize("name, xs, params", KINKS)
def test_conventions_at_kinks_and_edges_are_pytorchs(name, xs, params):
    our_numbers = ours(OPS[name], xs, params)
    (torch_numbers,) = theirs(name, [[x] for x in xs], params)
    disagreement = DISAGREE.get((name, tuple(xs), params))
    for k, (a, b) in enumerate(zip(our_numbers, torch_numbers)):
        if disagreement is not None and k == disagreement[0]:
            assert (a, b) == disagreement[1:], f"{name}{tuple(xs)}: the documented disagreement changed"
        else:
            assert agree(a, b), f"{name}{tuple(xs)} {params}: number {k}: ours {a!r}, PyTorch {b!r}"


NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("name, xs, params, error, pytorch_gives", [
    ("div", [1.0, 0.0], (), ZeroDivisionError, INF),
    ("div", [0.0, 0.0], (), ZeroDivisionError, NAN),
    ("log", [0.0], (), ValueError, -INF),
    ("log", [-1.0], (), ValueError, NAN),
    ("sqrt", [-1.0], (), ValueError, NAN),
    ("pow", [0.0, 2.0], (), ValueError, 0.0),  # x ** y with x = 0 and y > 0: issue 16, part B
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
