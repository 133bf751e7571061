"""Optimisers and gradient clipping: hand-computed trajectories, and the clipping guarantees."""

import math
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix

# ---------------------------------------------------------------------------
# Two steps on the quadratic L(w) = w², g = 2w, from w₀ = 1 with lr = 0.1, by hand
# ---------------------------------------------------------------------------


def two_steps(make_optimizer) -> list[float]:
    """w after each of two steps on L = w², for a scalar Value and for each entry of a Matrix."""
    w = Value(1.0)
    W = Matrix([[1.0, -2.0]])  # the second entry runs the same trajectory scaled by −2
    opt_w, opt_W = make_optimizer([w]), make_optimizer([W])
    trajectory = []
    for _ in range(2):
        for p, opt in ((w, opt_w), (W, opt_W)):
            opt.zero_grad()
            loss = p * p if isinstance(p, Value) else (p * p).sum()
            loss.backward()
            opt.step()
        trajectory.append((w.data, W.data[0][0], W.data[0][1]))
    return trajectory


def assert_trajectory(trajectory, expected, rel_tol=1e-12, scales_linearly=True):
    for (w, w_matrix, w_scaled), e in zip(trajectory, expected):
        assert math.isclose(w, e, rel_tol=rel_tol), (w, e)
        assert math.isclose(w_matrix, e, rel_tol=rel_tol)  # the Matrix parameter runs the same numbers
        if scales_linearly:  # every rule but Adam's is linear in (w₀, g): starting at −2 gives −2·w
            assert math.isclose(w_scaled, -2 * e, rel_tol=rel_tol)


def test_plain_sgd_two_steps():
    # w₁ = 1 − 0.1·2 = 0.8;  w₂ = 0.8 − 0.1·1.6 = 0.64
    assert_trajectory(two_steps(lambda p: nn.SGD(p, lr=0.1)), [0.8, 0.64])


def test_momentum_two_steps():
    # v₁ = g₁ = 2, w₁ = 1 − 0.1·2 = 0.8
    # g₂ = 1.6, v₂ = 0.9·2 + 1.6 = 3.4, w₂ = 0.8 − 0.1·3.4 = 0.46
    assert_trajectory(two_steps(lambda p: nn.SGD(p, lr=0.1, momentum=0.9)), [0.8, 0.46])


def test_nesterov_two_steps():
    # v₁ = 2, w₁ = 1 − 0.1·(2 + 0.9·2) = 0.62
    # g₂ = 1.24, v₂ = 0.9·2 + 1.24 = 3.04, w₂ = 0.62 − 0.1·(1.24 + 0.9·3.04) = 0.62 − 0.3976 = 0.2224
    assert_trajectory(two_steps(lambda p: nn.SGD(p, lr=0.1, momentum=0.9, nesterov=True)), [0.62, 0.2224])


def test_adam_two_steps():
    # With ε = 0.  Step 1: m = 0.1·2 = 0.2, s = 0.001·4 = 0.004, m̂ = 0.2/0.1 = 2, ŝ = 0.004/0.001 = 4,
    #   w₁ = 1 − 0.1·2/√4 = 0.9 (Adam's first step is exactly lr·sign(g)).
    # Step 2: g = 1.8, m = 0.9·0.2 + 0.1·1.8 = 0.36, s = 0.999·0.004 + 0.001·3.24 = 0.007236,
    #   m̂ = 0.36/0.19, ŝ = 0.007236/0.001999, w₂ = 0.9 − 0.1·(0.36/0.19)/√(0.007236/0.001999)
    w2 = 0.9 - 0.1 * (0.36 / 0.19) / math.sqrt(0.007236 / 0.001999)
    assert math.isclose(w2, 0.80041, abs_tol=1e-5)  # the hand value, to 5 places
    trajectory = two_steps(lambda p: nn.Adam(p, lr=0.1, eps=0.0))
    assert_trajectory(trajectory, [0.9, w2], rel_tol=1e-12, scales_linearly=False)
    # Adam is scale-free: starting at −2 (g = −4) the first move is still exactly lr.
    assert math.isclose(trajectory[0][2], -2.0 + 0.1, rel_tol=1e-12)


@given(st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False), st.floats(1e-4, 1.0))
def test_adams_first_step_moves_by_lr_whatever_the_gradients_size(g, lr):
    """m̂₁ = g and ŝ₁ = g², so the first update is lr·g/(|g| + ε): the size of g cancels."""
    assume(abs(g) > 1e-3)
    w = Value(0.0)
    w.grad = g
    nn.Adam([w], lr=lr).step()
    assert math.isclose(w.data, -lr * g / (abs(g) + 1e-8), rel_tol=1e-12)


@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=6), st.floats(1e-4, 1.0))
def test_plain_sgd_subtracts_lr_times_the_gradient(values, lr):
    W = Matrix([values])
    W.grad = [[2.0 * v for v in values]]
    nn.SGD([W], lr=lr).step()
    assert W.data == [[v - lr * 2.0 * v for v in values]]


def test_momentum_and_adam_converge_on_a_badly_scaled_quadratic():
    """L = 100·w₁² + w₂²: a narrow valley, the case momentum was made for.

    lr = 0.006 keeps every method stable along the steep axis (curvature 200): plain SGD needs
    lr·200 < 2, Nesterov with μ = 0.9 the narrower lr·200 < 2(1 + μ)/(1 + 2μ) ≈ 1.36.  Along the
    flat axis (curvature 2) plain SGD shrinks w₂ by only 1 − 0.012 per step.
    """
    results = {}
    for name, make in [("sgd", lambda p: nn.SGD(p, lr=0.006)),
                       ("momentum", lambda p: nn.SGD(p, lr=0.006, momentum=0.9)),
                       ("nesterov", lambda p: nn.SGD(p, lr=0.006, momentum=0.9, nesterov=True)),
                       ("adam", lambda p: nn.Adam(p, lr=0.05))]:
        W = Matrix([[1.0, 1.0]])
        curvature = Matrix([[100.0, 1.0]], requires_grad=False)
        opt = make([W])
        for _ in range(200):
            opt.zero_grad()
            (W * W * curvature).sum().backward()
            opt.step()
        results[name] = math.hypot(*W.data[0])
    assert results["momentum"] < 1e-3 and results["nesterov"] < 1e-3 and results["adam"] < 1e-3
    assert results["sgd"] > 10 * results["momentum"]  # plain SGD crawls along the flat direction


def test_step_updates_every_parameter_in_place():
    layer = nn.Linear(2, 2, rng=random.Random(0))
    weight_rows = layer.weight.data
    before = layer.state_dict()
    opt = nn.SGD(layer.parameters(), lr=0.5)
    layer(Matrix([[1.0, 2.0]])).sum().backward()
    opt.step()
    assert layer.weight.data is weight_rows  # the same lists, changed in place
    after = layer.state_dict()
    assert all(before[k] != after[k] for k in before)


def test_optimizer_zero_grad_clears_values_and_matrices():
    w, W = Value(1.0), Matrix([[1.0, 2.0]])
    w.grad, W.grad = 3.0, [[1.0, 1.0]]
    nn.Adam([w, W]).zero_grad()
    assert w.grad == 0.0 and W.grad == [[0.0, 0.0]]


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.SGD([], lr=0.1), ValueError, "SGD: the list of parameters is empty"),
    (lambda: nn.SGD(Value(1.0), lr=0.1), TypeError, "SGD: expected a list of parameters, got a single Value"),
    (lambda: nn.SGD([[1.0]], lr=0.1), TypeError, "SGD: parameter 0 is"),
    (lambda: nn.SGD([Value(1.0)], lr=-0.1), ValueError, "SGD: the learning rate lr must be a finite number > 0"),
    (lambda: nn.SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError, r"SGD: momentum must lie in \[0.0, 1.0\)"),
    (lambda: nn.SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "Nesterov momentum needs momentum > 0"),
    (lambda: nn.Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, "Adam: β₂ must lie in"),
    (lambda: nn.Adam([Value(1.0)], betas=0.9), TypeError, "Adam: betas must be a pair"),
    (lambda: nn.Adam([Value(1.0)], eps=-1.0), ValueError, "Adam: eps"),
    (lambda: nn.Adam([Value(1.0)], lr=math.nan), ValueError, "Adam: the learning rate"),
])
def test_bad_optimizer_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_parameter_listed_twice_is_refused():
    w = Value(1.0)
    with pytest.raises(ValueError, match="SGD: parameter 1 appears twice"):
        nn.SGD([w, w], lr=0.1)


# ---------------------------------------------------------------------------
# Clipping
# ---------------------------------------------------------------------------

@st.composite
def parameters_with_gradients(draw):
    """A few Matrix parameters (and maybe a Value) with random gradients, some large."""
    params = []
    for _ in range(draw(st.integers(1, 3))):
        m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        p = Matrix.zeros(m, n)
        scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
        p.grad = [[scale * draw(st.floats(-1, 1, allow_nan=False)) for _ in range(n)] for _ in range(m)]
        params.append(p)
    if draw(st.booleans()):
        v = Value(0.0)
        v.grad = draw(st.floats(-100, 100, allow_nan=False))
        params.append(v)
    return params


def gradients(params) -> list[float]:
    return [g for p in params for g in nn.params.flat_grad(p)]


def norm_of(values: list[float]) -> float:
    """‖v‖ by scaling with the largest entry first, so that tiny or huge squares do not under- or
    overflow (an independent route to the number math.hypot gives)."""
    largest = max(abs(v) for v in values)
    if largest == 0:
        return 0.0
    return largest * math.sqrt(math.fsum((v / largest) ** 2 for v in values))


@given(parameters_with_gradients(), st.floats(1e-3, 1e3))
def test_clip_grad_norm_returns_the_norm_before_and_keeps_the_direction(params, max_norm):
    before = gradients(params)
    norm = norm_of(before)
    returned = nn.clip_grad_norm(params, max_norm)
    after = gradients(params)
    assert math.isclose(returned, norm, rel_tol=1e-12, abs_tol=1e-300)
    new_norm = norm_of(after)
    if norm <= max_norm:
        assert after == before  # under the threshold nothing changes, not even by rounding
        return
    assert new_norm <= max_norm * (1 + 1e-12)  # Pascanu: exactly θ, up to rounding
    assert math.isclose(new_norm, max_norm, rel_tol=1e-12)
    scale = max_norm / norm
    for b, a in zip(before, after):  # one common factor: the same direction
        assert math.isclose(a, scale * b, rel_tol=1e-12, abs_tol=1e-300)
    # PyTorch multiplies by min(1, θ/(‖g‖ + 1e-6)): the same up to a relative 1e-6/‖g‖.
    torch_scale = min(1.0, max_norm / (norm + 1e-6))
    for b, a in zip(before, after):
        assert math.isclose(a, torch_scale * b, rel_tol=1e-6 / norm + 1e-12, abs_tol=1e-300)


def test_clip_grad_norm_survives_gradients_whose_squares_overflow():
    """(1e200)² is inf, but ‖(1e200, 1e200)‖ = √2·1e200 is a fine float: math.hypot scales first."""
    p = Matrix.zeros(1, 2)
    p.grad = [[1e200, -1e200]]
    norm = nn.clip_grad_norm([p], 1.0)
    assert math.isclose(norm, math.sqrt(2) * 1e200, rel_tol=1e-15)
    assert all(math.isclose(abs(g), 1 / math.sqrt(2), rel_tol=1e-12) for g in p.grad[0])


def test_a_nonfinite_gradient_is_left_alone_or_refused():
    p = Matrix.zeros(1, 2)
    p.grad = [[math.inf, 1.0]]
    assert nn.clip_grad_norm([p], 1.0) == math.inf
    assert p.grad == [[math.inf, 1.0]]
    with pytest.raises(ValueError, match="clip_grad_norm: the gradient norm is inf"):
        nn.clip_grad_norm([p], 1.0, error_if_nonfinite=True)
    assert p.grad == [[math.inf, 1.0]]


@given(parameters_with_gradients(), st.floats(1e-3, 10.0))
def test_clip_grad_value_clamps_each_entry_and_keeps_the_small_ones(params, c):
    before = gradients(params)
    assert nn.clip_grad_value(params, c) is None
    for b, a in zip(before, gradients(params)):
        assert a == (b if -c <= b <= c else math.copysign(c, b))


@pytest.mark.parametrize("call, message", [
    (lambda p: nn.clip_grad_norm(p, 0.0), "clip_grad_norm: max_norm must be a finite number > 0"),
    (lambda p: nn.clip_grad_norm(p, math.inf), "clip_grad_norm: max_norm"),
    (lambda p: nn.clip_grad_value(p, -1.0), "clip_grad_value: clip_value must be a finite number > 0"),
])
def test_bad_clipping_thresholds_are_refused_and_nothing_changes(call, message):
    p = Matrix.zeros(1, 2)
    p.grad = [[3.0, 4.0]]
    with pytest.raises(ValueError, match=message):
        call([p])
    assert p.grad == [[3.0, 4.0]]


def chain_training(clip: bool, steps: int = 150) -> list[float]:
    """A 50-layer scalar linear chain y = w₅₀·…·w₁·x, every w = 1.5, x = 1, L = ½(y − 1)², SGD lr = 0.03."""
    ws = [Value(1.5) for _ in range(50)]
    opt = nn.SGD(ws, lr=0.03)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        y = Value(1.0)
        for w in ws:
            y = y * w
        loss = 0.5 * (y - 1.0) ** 2
        history.append(loss.data)
        if not math.isfinite(loss.data):
            break
        loss.backward()
        if clip:
            nn.clip_grad_norm(ws, 1.0)
        opt.step()
    return history


def test_clipping_rescues_the_exploding_linear_chain():
    """Clipping by norm (Pascanu, Mikolov & Bengio 2013): unclipped SGD goes non-finite at its second step; clipped at norm 1 it converges.

    At w = 1.5, y = 1.5⁵⁰ ≈ 6.4e8 and each ∂L/∂wᵢ = (y − 1)·y/1.5 ≈ 2.7e17: one step sends every
    w to about −8e15, and (−8e15)⁵⁰ overflows.  Clipped, each step moves the 50 weights by at
    most lr·1 = 0.03 in norm, and they walk down to 1.
    """
    unclipped = chain_training(clip=False)
    assert len(unclipped) == 2 and math.isfinite(unclipped[0]) and not math.isfinite(unclipped[1])
    clipped = chain_training(clip=True)
    assert all(math.isfinite(v) for v in clipped)
    assert clipped[0] > 1e17 and clipped[-1] < 1e-12


# ---------------------------------------------------------------------------
# A failed step changes nothing: every gradient is checked before anything is written
# ---------------------------------------------------------------------------

def optimiser_state(opt) -> dict:
    """Everything an optimiser keeps, as plain data (copied)."""
    state = {"steps": opt.steps}
    for name in ("velocity", "first", "second"):
        if hasattr(opt, name):
            state[name] = [None if v is None else list(v) for v in getattr(opt, name)]
    return state


def parameter_state(params) -> list:
    return [(p.data, p.grad) if isinstance(p, Value) else (p.tolist(), [row[:] for row in p.grad]) for p in params]


MAKERS = {
    "SGD": lambda p: nn.SGD(p, lr=0.1),
    "SGD momentum": lambda p: nn.SGD(p, lr=0.1, momentum=0.9),
    "SGD Nesterov": lambda p: nn.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda p: nn.Adam(p, lr=0.1),
}


@pytest.mark.parametrize("bad_gradient", ["x", None, True, [1.0]])
@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_step_with_one_bad_gradient_raises_and_changes_nothing(kind, bad_gradient):
    w, W, v = Value(1.0), Matrix([[1.0, -2.0]]), Value(3.0)
    params = [w, W, v]
    opt = MAKERS[kind](params)
    for p in params:  # one good step first, so that there is momentum and moments to protect
        (p * p if isinstance(p, Value) else (p * p).sum()).backward()
    opt.step()
    w.grad, W.grad, v.grad = 0.5, [[1.0, 2.0]], bad_gradient  # the last parameter's gradient is bad
    before = (parameter_state(params), optimiser_state(opt))
    with pytest.raises(TypeError, match=rf"{kind.split()[0]}: the gradient of parameter 2 has the entry "):
        opt.step()
    assert (parameter_state(params), optimiser_state(opt)) == before


def test_a_parameter_reshaped_behind_the_optimisers_back_is_refused_and_nothing_changes():
    W = Matrix([[1.0, 2.0]])
    opt = nn.Adam([W, Value(1.0)], lr=0.1)
    W.data = [[1.0, 2.0, 3.0]]
    before = (W.tolist(), optimiser_state(opt))
    with pytest.raises(ValueError, match=r"Adam: parameter 0 changed shape since the optimiser was made \(its data has 3 numbers, expected 2\)"):
        opt.step()
    assert (W.tolist(), optimiser_state(opt)) == before


def test_gradients_of_any_number_type_are_applied_as_floats():
    from fractions import Fraction

    w = Value(1.0)
    w.grad = Fraction(1, 2)
    nn.SGD([w], lr=1).step()
    assert w.data == 0.5 and type(w.data) is float
    w.grad = 10 ** 400  # too large for a float: inf, as IEEE 754 rounds it, and the step follows
    nn.SGD([w], lr=1).step()
    assert w.data == -math.inf


@pytest.mark.parametrize("call, message", [
    (lambda p: nn.clip_grad_norm(p, 1.0), r"clip_grad_norm: the gradient of parameter 1 has the entry 'x'"),
    (lambda p: nn.clip_grad_value(p, 1.0), r"clip_grad_value: the gradient of parameter 1 has the entry 'x'"),
    (lambda p: nn.grad_norm(p), r"grad_norm: the gradient of parameter 1 has the entry 'x'"),
])
def test_clipping_with_one_bad_gradient_raises_and_changes_nothing(call, message):
    w, v = Value(1.0), Value(2.0)
    w.grad, v.grad = 30.0, "x"
    with pytest.raises(TypeError, match=message):
        call([w, v])
    assert (w.grad, v.grad) == (30.0, "x")
