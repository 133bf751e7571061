"""grad(), higher-order derivatives and forward mode: the same numbers by independent routes."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Dual, Value, derivative, forward_gradient, grad, jvp, reverse_gradient
from tinygrad_edu.numeric import complex_step
from tinygrad_edu.testing import (
    COMPLEX_REL_TOL,
    assert_gradients_match,
    program_inputs,
    programs,
)


def test_grad_leaves_dot_grad_untouched_and_returns_one_per_input():
    x, y, unused = Value(2.0), Value(3.0), Value(7.0)
    z = x * y + x
    assert grad(z, [x, y, unused]) == [4.0, 2.0, 0.0]
    assert (x.grad, y.grad, unused.grad, z.grad) == (0.0, 0.0, 0.0, 0.0)


def test_grad_with_create_graph_returns_values_that_differentiate_again():
    x = Value(1.3)
    (dx,) = grad(x ** 3, [x], create_graph=True)
    assert isinstance(dx, Value) and dx.data == pytest.approx(3 * 1.3 ** 2)
    (ddx,) = grad(dx, [x])
    assert ddx == pytest.approx(6 * 1.3)


def test_grad_rejects_non_value_inputs():
    with pytest.raises(TypeError, match="grad: every input must be a Value"):
        grad(Value(1.0) * 2, [1.0])


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


# Closed forms of second and third derivatives: tanh′ = 1 − tanh², σ′ = σ(1 − σ), differentiated again.
CLOSED_FORMS = {
    "tanh": (
        lambda v: v.tanh(),
        lambda z: -2 * math.tanh(z) * (1 - math.tanh(z) ** 2),
        lambda z: -2 * (1 - math.tanh(z) ** 2) ** 2 + 4 * math.tanh(z) ** 2 * (1 - math.tanh(z) ** 2),
    ),
    "sigmoid": (
        lambda v: v.sigmoid(),
        lambda z: _sigmoid(z) * (1 - _sigmoid(z)) * (1 - 2 * _sigmoid(z)),
        lambda z: _sigmoid(z) * (1 - _sigmoid(z)) * (1 - 6 * _sigmoid(z) + 6 * _sigmoid(z) ** 2),
    ),
    "log": (lambda v: v.log(), lambda z: -1 / z ** 2, lambda z: 2 / z ** 3),
    "exp": (lambda v: v.exp(), math.exp, math.exp),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@given(z=st.floats(0.05, 4.0))
def test_second_and_third_derivatives_match_closed_forms(name, z):
    f, second, third = CLOSED_FORMS[name]
    for point in (z, -z):
        if name == "log" and point < 0:
            continue
        assert derivative(f, point, order=2) == pytest.approx(second(point), rel=1e-9, abs=1e-12)
        assert derivative(f, point, order=3) == pytest.approx(third(point), rel=1e-9, abs=1e-12)


@given(x=st.floats(0.1, 5.0), y=st.floats(-3.0, 3.0))
def test_x_to_the_y_second_derivatives_match_closed_forms(x, y):
    # f = x^y: f_xx = y(y−1)x^(y−2), f_yy = x^y (ln x)², f_xy = x^(y−1)(1 + y ln x)
    a, b = Value(x), Value(y)
    dfdx, dfdy = grad(a ** b, [a, b], create_graph=True)
    fxx, fxy = grad(dfdx, [a, b])
    fyx, fyy = grad(dfdy, [a, b])
    assert fxx == pytest.approx(y * (y - 1) * x ** (y - 2), rel=1e-9, abs=1e-12)
    assert fyy == pytest.approx(x ** y * math.log(x) ** 2, rel=1e-9, abs=1e-12)
    assert fxy == pytest.approx(x ** (y - 1) * (1 + y * math.log(x)), rel=1e-9, abs=1e-12)
    assert fxy == pytest.approx(fyx, rel=1e-12, abs=1e-15)  # symmetry of mixed partials


@given(x=st.floats(0.1, 5.0), y=st.floats(-3.0, 3.0))
def test_x_to_the_y_third_derivatives_match_closed_forms(x, y):
    # f_xxx = y(y−1)(y−2)x^(y−3),  f_yyy = x^y (ln x)³
    a, b = Value(x), Value(y)
    dfdx, dfdy = grad(a ** b, [a, b], create_graph=True)
    (fxx,) = grad(dfdx, [a], create_graph=True)
    (fyy,) = grad(dfdy, [b], create_graph=True)
    (fxxx,) = grad(fxx, [a])
    (fyyy,) = grad(fyy, [b])
    assert fxxx == pytest.approx(y * (y - 1) * (y - 2) * x ** (y - 3), rel=1e-9, abs=1e-12)
    assert fyyy == pytest.approx(x ** y * math.log(x) ** 3, rel=1e-9, abs=1e-12)


@given(z=st.floats(-3.0, 3.0))
def test_second_derivative_agrees_with_central_difference_of_the_first(z):
    def first(t):
        return derivative(lambda v: (v.sin() * v).tanh(), t)

    h = 1e-5
    numeric = (first(z + h) - first(z - h)) / (2 * h)
    assert derivative(lambda v: (v.sin() * v).tanh(), z, order=2) == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_forward_mode_dual_numbers_follow_the_chain_rule():
    value, slope = jvp(lambda x: (x * x).sin(), [1.5], [1.0])
    assert value == math.sin(2.25)
    assert slope == pytest.approx(math.cos(2.25) * 3.0)


def test_jvp_is_a_directional_derivative():
    f = lambda x, y: x * y + y.exp()  # noqa: E731
    _, d = jvp(f, [1.0, 2.0], [3.0, -1.0])
    gx, gy = reverse_gradient(f, [1.0, 2.0])
    assert d == pytest.approx(3.0 * gx - 1.0 * gy)


def test_jvp_rejects_mismatched_tangents():
    with pytest.raises(ValueError, match="jvp: 2 inputs but 1 tangents"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])


@given(st.data())
def test_random_graphs_with_shared_subexpressions_agree_four_ways(data):
    """Reverse mode, forward mode, central differences and the complex step on one random graph."""
    program = data.draw(programs())
    inputs = data.draw(program_inputs(program))
    reverse = assert_gradients_match(program, inputs)  # reverse = forward = central difference
    for i, r in enumerate(reverse):
        def along_i(z, i=i):
            moved = [complex(x) for x in inputs]
            moved[i] = z
            return program.complex_call(*moved)

        c = complex_step(along_i, inputs[i])
        assert math.isclose(r, c, rel_tol=COMPLEX_REL_TOL, abs_tol=1e-12), (program, i, r, c)


RATIONALS = st.fractions(min_value=-10, max_value=10, max_denominator=50)


@given(RATIONALS, RATIONALS.filter(lambda q: q != 0), st.integers(-3, 4))
def test_rational_inputs_give_exact_identical_gradients_in_both_modes(a, b, n):
    def f(x, y):
        return (x * y - x / y + Fraction(3)) * (x - y) + y ** n

    reverse = reverse_gradient(f, [a, b])
    forward = forward_gradient(f, [a, b])
    assert reverse == forward
    assert all(isinstance(g, Fraction) for g in reverse)
    # the closed form, exactly: ∂f/∂x = (y − 1/y)(x − y) + (xy − x/y + 3)
    assert reverse[0] == (b - 1 / b) * (a - b) + (a * b - a / b + 3)


def test_dual_refuses_non_numbers():
    with pytest.raises(TypeError, match="Dual"):
        Dual("1")


# ---------------------------------------------------------------------------
# grad() the way torch.autograd.grad and HIPS autograd are used
# ---------------------------------------------------------------------------

def test_grad_of_a_single_input_is_a_list_of_one_as_torch_returns_a_tuple_of_one():
    x = Value(3.0)
    assert grad(x * x, x) == [6.0]
    (g,) = grad(x * x, x, create_graph=True)  # the unpacking torch users write
    assert isinstance(g, Value) and grad(g, x) == [2.0]
    from tinygrad_edu import Matrix

    W = Matrix([[1.0, 2.0]])
    (gW,) = grad((W * W).sum(), W)  # a single Matrix is one input, not a list of its rows
    assert gW.data == [[2.0, 4.0]]


def test_grad_reads_a_generator_of_inputs_once():
    x, y = Value(2.0), Value(5.0)
    assert grad(x * y, (v for v in [x, y])) == [5.0, 2.0]


@pytest.mark.parametrize("constant", [3.0, 3, Fraction(1, 2), Value(7.0)])
def test_the_gradient_of_a_constant_is_zero_not_an_error(constant):
    x = Value(2.0)
    assert grad(constant, [x]) == [0.0]
    (g,) = grad(constant, [x], create_graph=True)
    assert isinstance(g, Value) and g.data == 0.0
    assert reverse_gradient(lambda t: 3.0, [1.0]) == [0.0]
    assert forward_gradient(lambda t: 3.0, [1.0]) == [0.0]
    assert derivative(lambda t: 3.0, 1.0, order=2) == 0.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: grad("y", [Value(1.0)]), TypeError, "grad: output must be a Value, a Matrix or a number, got 'y'"),
    (lambda: grad(True, [Value(1.0)]), TypeError, "grad: output must be a Value, a Matrix or a number, got True"),
    (lambda: grad(Value(1.0), 3), TypeError, "grad: inputs must be a Value, a Matrix or a list of them, got 3"),
    (lambda: grad(Value(1.0), [3.0]), TypeError, "grad: every input must be a Value, got 3.0"),
    (lambda: grad(Value(1.0), [Value(1.0)], create_graph=1), TypeError, "grad: create_graph must be True or False"),
    (lambda: derivative(lambda t: t, 1.0, order=1.5), TypeError, "derivative: order must be an int, got 1.5"),
    (lambda: derivative(lambda t: t, "1"), TypeError, "derivative: expected a real number"),
])
def test_grad_and_derivative_refuse_bad_arguments_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------
# Higher order everywhere: nested forward mode, forward over reverse, backward(create_graph)
# ---------------------------------------------------------------------------

from tinygrad_edu.autodiff import hvp  # noqa: E402
from tinygrad_edu.numeric import estimate_derivative  # noqa: E402
from tinygrad_edu.testing import close  # noqa: E402


def _reverse_over_reverse_hvp(program, xs, v):
    leaves = [Value(x) for x in xs]
    gs = grad(program(*leaves), leaves, create_graph=True)
    return grad(sum((g * w for g, w in zip(gs, v)), Value(0.0)), leaves)


def _reverse_over_forward_hvp(program, xs, v):
    # A dual number of Values: its tangent ∇f·v is a graph, whose gradient is H·v.
    leaves = [Value(x) for x in xs]
    out = program(*[Dual(x, Value(w)) for x, w in zip(leaves, v)])
    tangent = out.tangent if isinstance(out, Dual) else 0.0
    return grad(tangent, leaves) if isinstance(tangent, Value) else [0.0] * len(xs)


@given(st.data())
def test_hessian_vector_products_agree_by_three_routes_and_with_differences_of_the_gradient(data):
    program = data.draw(programs(max_leaves=3, max_steps=6), label="program")
    xs = data.draw(program_inputs(program, bound=1.5), label="x")
    v = data.draw(st.lists(st.floats(-1, 1), min_size=len(xs), max_size=len(xs)), label="v")
    try:
        rr = _reverse_over_reverse_hvp(program, xs, v)
    except (ValueError, ZeroDivisionError, OverflowError):
        return  # a random program outside its domain (a log of a negative number): not this test's subject
    fr = hvp(program, xs, v)                      # forward over reverse
    rf = _reverse_over_forward_hvp(program, xs, v)  # reverse over forward
    for a, b, c in zip(rr, fr, rf):
        assert math.isfinite(a) or not math.isfinite(b)
        if math.isfinite(a):
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) and math.isclose(a, c, rel_tol=1e-9, abs_tol=1e-9)
    # An independent route: the central difference of ∇f·... along v, i.e. d/dt ∇f(x + t·v) at t = 0.
    for i in range(len(xs)):
        def gradient_i(t, i=i):
            return reverse_gradient(program, [x + t * w for x, w in zip(xs, v)])[i]
        if not all(math.isfinite(gradient_i(t)) for t in (-4e-4, 4e-4)) or not math.isfinite(rr[i]):
            continue
        est = estimate_derivative(gradient_i, 0.0, 1e-5)
        assert close(rr[i], est.value, est.error_bar, rel_tol=1e-5), (i, rr[i], est)


def test_a_dual_number_of_dual_numbers_carries_the_second_and_third_derivatives():
    # tanh: the third derivative has the closed form −2(1 − t²)² + 4t²(1 − t²), t = tanh z.
    z = 0.7
    t = math.tanh(z)
    second = Dual(Dual(z, 1.0), Dual(1.0, 0.0)).tanh()  # f(z + ε₁ + ε₂): f″ in the ε₁ε₂ part
    assert second.tangent.tangent == pytest.approx(-2 * t * (1 - t * t), rel=1e-14)
    third = Dual(Dual(Dual(z, 1.0), Dual(1.0, 0.0)), Dual(Dual(1.0, 0.0), Dual(0.0, 0.0))).tanh()
    assert third.tangent.tangent.tangent == pytest.approx(-2 * (1 - t * t) ** 2 + 4 * t * t * (1 - t * t), rel=1e-13)
    assert third.tangent.tangent.tangent == pytest.approx(derivative(lambda u: u.tanh(), z, order=3), rel=1e-13)


@given(st.floats(-2, 2), st.floats(0.2, 3))
def test_forward_over_forward_matches_reverse_over_reverse_for_the_new_ops(x, y):
    def f(a, b):
        return a.atan2(b) * (a * 0.3).asin() + (a % b) * b.atan() + a.floor() * b

    fx = Dual(Dual(x, 1.0), Dual(1.0, 0.0))  # x + ε₁ + ε₂: ∂²/∂x² in the ε₁ε₂ part
    fy = Dual(Dual(y, 0.0), Dual(0.0, 0.0))
    a, b = Value(x), Value(y)
    (da,) = grad(f(a, b), [a], create_graph=True)
    (daa,) = grad(da, [a])
    assert math.isclose(f(fx, fy).tangent.tangent, daa, rel_tol=1e-12, abs_tol=1e-12)


def test_backward_with_create_graph_gives_a_differentiable_grad_the_hvp_idiom():
    x, y = Value(1.5), Value(-0.5)
    loss = (x * y).tanh() + x ** 3
    loss.backward(create_graph=True)
    assert isinstance(x.grad, Value) and isinstance(y.grad, Value)
    assert [x.grad.data, y.grad.data] == grad(loss, [x, y])
    v = (0.3, -2.0)
    (x.grad * v[0] + y.grad * v[1]).backward()  # PyTorch's idiom: .grad now holds g + H·v
    hv = hvp(lambda a, b: (a * b).tanh() + a ** 3, [1.5, -0.5], list(v))
    assert isinstance(x.grad, Value)
    assert x.grad.data == pytest.approx(grad(loss, [x])[0] + hv[0], rel=1e-12)
    assert y.grad.data == pytest.approx(grad(loss, [y])[0] + hv[1], rel=1e-12)


def test_backward_with_create_graph_of_a_constant_gradient_is_still_a_value():
    x = Value(2.0)
    (x + 1).backward(create_graph=True)  # ∂/∂x = 1, a constant: a Value all the same, as grad() gives
    assert isinstance(x.grad, Value) and x.grad.data == 1.0
    with pytest.raises(TypeError, match="backward: create_graph must be True or False, got 1"):
        (x + 1).backward(create_graph=1)
