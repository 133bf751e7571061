"""Modules: Linear, MLP, activations, Residual and the Module API; every gradient against central differences."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, grad, no_grad
from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.ops import Op
from tinygrad_edu.nn import init

from nn_checks import assert_module_gradients, matrices

sizes = st.integers(1, 3)
seeds = st.integers(0, 2 ** 32 - 1)


def away_from_zero(m: int, n: int) -> st.SearchStrategy:
    """An m×n Matrix whose entries keep |x| ≥ 1e-3: a central-difference step (≈ 6e-6·max(|x|, 1))
    then never straddles the kink at 0 of relu, leaky relu, PReLU or ELU."""
    entry = st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False).filter(lambda v: abs(v) >= 1e-3)
    return st.lists(st.lists(entry, min_size=n, max_size=n), min_size=m, max_size=m).map(Matrix)


# ---------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------

def test_linear_forward_is_x_times_weight_transpose_plus_bias():
    layer = nn.Linear(3, 2, init="xavier_normal", rng=random.Random(0), bias_init="standard_normal")
    W, b = layer.weight.data, layer.bias.data[0]
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (1, 2)
    X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    out = layer(Matrix(X)).data
    for row, x in zip(out, X):
        for j in range(2):
            expected = sum(W[j][k] * x[k] for k in range(3)) + b[j]
            assert math.isclose(row[j], expected, rel_tol=1e-12, abs_tol=1e-15)


def test_linear_takes_a_list_of_rows_and_refuses_the_wrong_width():
    layer = nn.Linear(2, 1, rng=random.Random(0))
    assert layer([[1.0, 2.0]]).shape == (1, 1)
    with pytest.raises(ValueError, match=r"Linear\(2 → 1\): the input has shape \(1, 3\), expected 2 columns"):
        layer(Matrix([[1.0, 2.0, 3.0]]))


def test_linear_without_bias_has_only_a_weight():
    layer = nn.Linear(2, 3, rng=random.Random(0), bias=False)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = Matrix([[1.0, -1.0]])
    assert layer(x).data == (x @ layer.weight.T).data


def test_linear_without_a_generator_draws_from_the_one_manual_seed_seeds():
    import tinygrad_edu

    tinygrad_edu.manual_seed(7)
    first = nn.Linear(2, 3)
    tinygrad_edu.manual_seed(7)
    second = nn.Linear(2, 3)
    assert first.weight.data == second.weight.data  # the same seed, the same layer, as torch.manual_seed
    assert nn.Linear(2, 3).weight.data != second.weight.data  # the generator moved on
    bound = 1 / 2 ** 0.5  # the default init, U(−1/√n_in, 1/√n_in)
    assert all(-bound <= w <= bound for row in first.weight.data for w in row)
    # It is exactly what an explicit generator with that seed draws, and an explicit rng= always wins.
    assert nn.Linear(2, 3, rng=random.Random(7)).weight.data == first.weight.data
    tinygrad_edu.manual_seed(7)
    assert nn.Linear(2, 3, rng=random.Random(8)).weight.data != first.weight.data
    assert nn.Linear(2, 3, init="zeros").weight.data == [[0.0, 0.0]] * 3


def test_linear_refuses_a_generator_of_the_wrong_type():
    with pytest.raises(TypeError, match="Linear: rng must be a random.Random .* got 42 of type int"):
        nn.Linear(2, 3, rng=42)


def test_linear_rejects_an_initialiser_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"returned \(2, 2\), expected a Matrix of shape \(3, 2\)"):
        nn.Linear(2, 3, init=lambda o, i, r: Matrix.zeros(2, 2))


@given(sizes, sizes, sizes, seeds, st.data())
def test_linear_gradients_match_central_differences(m, n_in, n_out, seed, data):
    layer = nn.Linear(n_in, n_out, init="xavier_normal", rng=random.Random(seed), bias_init="standard_normal")
    x = data.draw(matrices(m, n_in))
    assert_module_gradients(lambda: layer(x), [x, layer.weight, layer.bias])


def test_the_gradient_check_catches_a_rule_that_is_one_percent_off():
    """The checks above can fail: a tanh whose derivative rule is 1% too large is caught."""
    wrong = Op("wrong_tanh", forward=math.tanh, derivative=lambda x, out: 1.01 * (1 - out * out))
    x = Matrix([[0.3, -1.2]])
    with pytest.raises(AssertionError, match="backward .* vs central difference"):
        assert_module_gradients(lambda: Matrix.apply(wrong, (x,)), [x])


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

def reference(name: str, x: float, a: float = 0.25) -> float:
    """Each activation's forward rule, written from its definition."""
    return {
        "identity": x,
        "sigmoid": 1 / (1 + math.exp(-x)),
        "tanh": math.tanh(x),
        "relu": max(x, 0.0),
        "leaky_relu": x if x > 0 else 0.01 * x,
        "elu": x if x > 0 else math.expm1(x),
        "softplus": math.log1p(math.exp(x)),
        "prelu": x if x > 0 else a * x,
    }[name]


@pytest.mark.parametrize("name", sorted(nn.activations.ACTIVATIONS))
def test_activation_modules_compute_their_definition(name):
    module = nn.activations.make_activation(name)
    xs = [-3.0, -0.5, -1e-3, 0.0, 1e-3, 0.7, 2.5]
    out = module(Matrix([xs])).data[0]
    for x, y in zip(xs, out):
        assert math.isclose(y, reference(name, x), rel_tol=1e-12, abs_tol=1e-15), (name, x, y)


@pytest.mark.parametrize("name", sorted(nn.activations.ACTIVATIONS))
@given(sizes, sizes, st.data())
def test_activation_gradients_match_central_differences(name, m, n, data):
    module = nn.activations.make_activation(name)
    x = data.draw(away_from_zero(m, n))
    leaves = [x] + module.parameters()  # PReLU's slope is a parameter too
    assert_module_gradients(lambda: module(x), leaves)


@pytest.mark.parametrize("name, slope_at_zero", [
    ("relu", 0.0), ("leaky_relu", 0.01), ("prelu", 0.25), ("elu", 1.0),
])
def test_kinks_use_the_documented_convention(name, slope_at_zero):
    """At x = 0 exactly: relu′ = 0 and leaky′ = slope (ops.py), PReLU′ = a and ELU′ = α (as in PyTorch)."""
    x = Matrix([[0.0]])
    y = nn.activations.make_activation(name)(x)
    (gx,) = grad(y.sum(), [x])
    assert gx.data == [[slope_at_zero]]


def test_prelu_slope_gradient_is_the_sum_of_the_negative_parts():
    """∂/∂a Σ R ⊙ prelu(x) = Σ R ⊙ min(x, 0), and one slope per column gets its own column's sum."""
    x = Matrix([[-1.0, 2.0], [-3.0, -0.5], [4.0, 1.0]])
    shared, per_column = nn.PReLU(), nn.PReLU(num_parameters=2, init=0.1)
    (g_shared,) = grad(shared(x).sum(), [shared.weight])
    (g_columns,) = grad(per_column(x).sum(), [per_column.weight])
    assert g_shared.data == [[-1.0 - 3.0 - 0.5]]
    assert g_columns.data == [[-4.0, -0.5]]
    with pytest.raises(ValueError, match=r"prelu: the slope has shape \(1, 2\); for an input with 3 columns"):
        per_column(Matrix([[1.0, 2.0, 3.0]]))


def test_activation_functions_work_on_scalar_values_too():
    """The same function on a Value and on a 1×1 Matrix: the same number and the same derivative."""
    for f in (nn.sigmoid, nn.tanh, nn.relu, nn.softplus, nn.elu, nn.leaky_relu, nn.identity):
        for x0 in (-1.3, 0.4):
            v, m = Value(x0), Matrix([[x0]])
            yv, ym = f(v), f(m)
            yv.backward()
            ym.sum().backward()
            assert yv.data == ym.data[0][0]
            assert v.grad == m.grad[0][0]


def test_elu_derivative_is_output_plus_alpha_on_the_negative_side():
    for x0 in (-2.0, -0.3):
        x = Value(x0)
        y = nn.elu(x, alpha=1.7)
        y.backward()
        assert math.isclose(x.grad, y.data + 1.7, rel_tol=1e-12)
        assert math.isclose(y.data, 1.7 * math.expm1(x0), rel_tol=1e-12)


def test_activations_refuse_what_is_not_a_matrix_or_value():
    with pytest.raises(TypeError, match="tanh: expected a Matrix or a Value, got"):
        nn.tanh([[1.0]])
    with pytest.raises(ValueError, match="elu: alpha must be a finite number"):
        nn.elu(Matrix([[1.0]]), alpha=math.inf)


def test_sigmoid_gradient_never_exceeds_a_quarter_through_the_module():
    x = Matrix([[v / 10 for v in range(-50, 51)]])
    (g,) = grad(nn.Sigmoid()(x).sum(), [x])
    assert max(g.data[0]) == 0.25  # at x = 0 exactly
    assert all(d <= 0.25 for d in g.data[0])


# ---------------------------------------------------------------------------
# MLP
# ---------------------------------------------------------------------------

def test_mlp_alternates_linear_layers_and_activations_with_none_at_the_end():
    mlp = nn.MLP([2, 5, 4, 1], activation="relu", init="he_normal", rng=random.Random(0))
    kinds = [type(layer).__name__ for layer in mlp]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [layer.weight.shape for layer in mlp.linears] == [(5, 2), (4, 5), (1, 4)]
    assert [name for name, _ in mlp.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    with_output = nn.MLP([2, 3, 1], rng=random.Random(0), output_activation="sigmoid")
    assert type(with_output[-1]).__name__ == "Sigmoid"


def test_mlp_init_accepts_a_name_or_a_function_and_biases_default_to_zero():
    by_name = nn.MLP([3, 4, 2], init="lecun_normal", rng=random.Random(7))
    by_function = nn.MLP([3, 4, 2], init=init.lecun_normal, rng=random.Random(7))
    assert by_name.state_dict() == by_function.state_dict()
    assert all(x == 0.0 for layer in by_name.linears for x in layer.bias.data[0])
    custom = nn.MLP([3, 4], init=lambda o, i, r: init.normal(o, i, r, std=0.0, mean=0.5), rng=random.Random(0))
    assert custom.linears[0].weight.data == [[0.5] * 3] * 4


def test_mlp_can_use_nielsens_setup():
    """Weights N(0, 1/n_in), biases N(0, 1): the biases are drawn, not zero."""
    mlp = nn.MLP([30, 30, 10], activation="sigmoid", init="lecun_normal", rng=random.Random(0),
                 bias_init="standard_normal")
    biases = [b for layer in mlp.linears for b in layer.bias.data[0]]
    assert len(set(biases)) == len(biases) and max(abs(b) for b in biases) > 1.0


def test_mlp_gives_each_layer_its_own_prelu_slope():
    mlp = nn.MLP([2, 3, 3, 1], activation="prelu", rng=random.Random(0))
    slopes = [p for name, p in mlp.named_parameters() if name.endswith(".weight") and p.shape == (1, 1)]
    assert len(slopes) == 2 and slopes[0] is not slopes[1]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"sizes": [3]}, ValueError, "MLP: sizes needs at least an input and an output size"),
    ({"sizes": [2, 0, 1]}, ValueError, r"MLP: every size must be an integer >= 1, got \[2, 0, 1\]"),
    ({"sizes": [2, 2, 1], "activation": "swish"}, ValueError, "activation: unknown name 'swish'"),
    ({"sizes": [2, 2, 1], "activation": nn.ReLU()}, TypeError, "not an instance"),
    ({"sizes": [2, 2, 1], "init": "glorot"}, ValueError, "unknown initialiser 'glorot'"),
])
def test_mlp_bad_arguments_raise_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        nn.MLP(rng=random.Random(0), **kwargs)


@given(seeds, st.sampled_from(["tanh", "sigmoid", "softplus"]))
@settings(max_examples=20)
def test_mlp_gradients_equal_the_scalar_engines(seed, activation):
    """Two engines, one network: the Matrix MLP and the same sums written with scalar Values."""
    rng = random.Random(seed)
    mlp = nn.MLP([3, 4, 2], activation=activation, init="xavier_normal", rng=rng, bias_init="standard_normal")
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2)]
    x = Matrix(X)
    loss = (mlp(x) * mlp(x)).sum()
    loss.backward()

    f = nn.activations.make_activation(activation)
    scalars = {name: p.to_values() for name, p in mlp.named_parameters()}
    total = Value(0.0)
    for row in X:
        a = [Value(v) for v in row]
        for k, layer in enumerate(("0", "2")):
            W, b = scalars[layer + ".weight"], scalars[layer + ".bias"][0]
            z = [sum((w * ai for w, ai in zip(W[j], a)), Value(0.0)) + b[j] for j in range(len(W))]
            a = [f(zj) for zj in z] if k == 0 else z
        total = total + sum((y * y for y in a), Value(0.0))
    total.backward()
    assert math.isclose(loss.item(), total.data, rel_tol=1e-12)
    for name, p in mlp.named_parameters():
        for matrix_row, scalar_row in zip(p.grad, scalars[name]):
            for gm, v in zip(matrix_row, scalar_row):
                assert math.isclose(gm, v.grad, rel_tol=1e-10, abs_tol=1e-14), name


@given(sizes, seeds, st.data())
@settings(max_examples=25)
def test_mlp_gradients_match_central_differences(m, seed, data):
    mlp = nn.MLP([2, 3, 2], activation="tanh", init="xavier_normal", rng=random.Random(seed))
    x = data.draw(matrices(m, 2))
    assert_module_gradients(lambda: mlp(x), [x] + mlp.parameters())


# ---------------------------------------------------------------------------
# Residual
# ---------------------------------------------------------------------------

@given(sizes, sizes, seeds, st.data())
@settings(max_examples=30)
def test_residual_gradients_match_central_differences(m, n, seed, data):
    block = nn.Residual(nn.Sequential(nn.Linear(n, n, init="xavier_normal", rng=random.Random(seed)), nn.Tanh()))
    x = data.draw(matrices(m, n))
    assert_module_gradients(lambda: block(x), [x] + block.parameters())


def test_residual_jacobian_is_identity_plus_the_blocks():
    """∂y/∂x = I + ∂F/∂x: with F ≡ 0 (zero weights and bias) the gradient passes through unchanged."""
    x = Matrix([[0.3, -0.7, 1.1]])
    R = Matrix([[2.0, -1.0, 0.5]], requires_grad=False)
    zero_block = nn.Residual(nn.Sequential(nn.Linear(3, 3, init="zeros"), nn.Tanh()))
    (gx,) = grad((zero_block(x) * R).sum(), [x])
    assert gx.data == R.data
    layer = nn.Linear(3, 3, init="xavier_normal", rng=random.Random(1))
    (g_plain,) = grad((layer(x) * R).sum(), [x])
    (g_res,) = grad((nn.Residual(layer)(x) * R).sum(), [x])
    for a, b, r in zip(g_res.data[0], g_plain.data[0], R.data[0]):
        assert math.isclose(a, b + r, rel_tol=1e-12)


def test_a_150_block_residual_network_in_one_line_keeps_its_gradient():
    """Through 150 plain tanh layers (U(−1/√n, 1/√n), n·Var(W) = 1/3) the input gradient shrinks by
    about √(1/3) per layer, below 1e-20 in total; through 150 residual blocks it stays of order 1."""
    rng = random.Random(0)
    residual = nn.Sequential(*[nn.Residual(nn.Sequential(nn.Linear(8, 8, rng=rng), nn.Tanh())) for _ in range(150)])
    plain = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8, rng=rng), nn.Tanh()) for _ in range(150)])
    x = Matrix([[0.5, -0.25, 0.1, 0.9, -0.6, 0.3, 0.0, -1.0]])
    (g_res,) = grad(residual(x).sum(), [x])
    (g_plain,) = grad(plain(x).sum(), [x])
    norm_res = math.hypot(*g_res.data[0])
    norm_plain = math.hypot(*g_plain.data[0])
    assert norm_plain < 1e-20
    assert 1e-2 < norm_res < 1e6
    assert len(residual.parameters()) == 300


def test_residual_refuses_a_block_that_changes_the_shape():
    with pytest.raises(ValueError, match=r"Residual: the block maps shape \(1, 2\) to \(1, 3\)"):
        nn.Residual(nn.Linear(2, 3, rng=random.Random(0)))(Matrix([[1.0, 2.0]]))
    with pytest.raises(TypeError, match="Residual: block must be a Module"):
        nn.Residual(lambda x: x)


# ---------------------------------------------------------------------------
# The Module API
# ---------------------------------------------------------------------------

class TwoHeads(nn.Module):
    """A module with a shared trunk used twice, a list of heads and a private attribute."""

    def __init__(self):
        rng = random.Random(0)
        self.trunk = nn.Linear(2, 2, rng=rng)
        self.heads = [nn.Linear(2, 1, rng=rng), nn.Linear(2, 1, rng=rng)]
        self.again = self.trunk  # the same layer under a second name: its parameters are listed once
        self.scale = Matrix([[2.0]], requires_grad=False)  # a buffer
        self._cache = Matrix([[9.0]])  # private: neither parameter nor buffer

    def forward(self, x):
        h = self.again(self.trunk(x)).tanh()
        return (self.heads[0](h) + self.heads[1](h)) * self.scale


def test_parameters_are_found_in_attribute_order_each_once():
    model = TwoHeads()
    assert [name for name, _ in model.named_parameters()] == [
        "trunk.weight", "trunk.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    assert [name for name, _ in model.named_buffers()] == ["scale"]
    assert len(model.parameters()) == 6
    assert all(p.requires_grad for p in model.parameters())


def test_zero_grad_clears_every_parameter():
    model = TwoHeads()
    model(Matrix([[1.0, -1.0]])).sum().backward()
    assert any(g != 0.0 for p in model.parameters() for row in p.grad for g in row)
    model.zero_grad()
    assert all(g == 0.0 for p in model.parameters() for row in p.grad for g in row)


def test_train_and_eval_reach_every_module_and_return_it():
    model = nn.Sequential(nn.Linear(2, 2, rng=random.Random(0)), nn.Sequential(nn.BatchNorm1d(2), nn.Tanh()))
    assert model.eval() is model
    assert [module.training for module in model.modules()] == [False] * 5
    model.train()
    assert all(module.training for module in model.modules())
    with pytest.raises(TypeError, match="train: mode must be True or False"):
        model.train("yes")


def test_sequential_indexes_like_a_list_and_refuses_non_modules():
    a, b = nn.Tanh(), nn.ReLU()
    seq = nn.Sequential(a, b)
    assert seq[0] is a and seq[-1] is b and len(seq) == 2 and list(seq) == [a, b]
    assert isinstance(seq[:1], nn.Sequential) and list(seq[:1]) == [a]
    with pytest.raises(TypeError, match="Sequential: layer 1 is"):
        nn.Sequential(a, lambda x: x)


def test_repr_shows_the_tree():
    text = repr(nn.MLP([2, 3, 1], rng=random.Random(0)))
    assert text.splitlines() == [
        "MLP(", "  (0): Linear(n_in=2, n_out=3, bias=True)", "  (1): Tanh()",
        "  (2): Linear(n_in=3, n_out=1, bias=True)", ")"]


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()(Matrix([[1.0]]))


def test_losses_are_the_matrix_engines():
    from tinygrad_edu import losses

    assert nn.mse is losses.mse
    assert nn.cross_entropy is losses.cross_entropy
    assert nn.binary_cross_entropy_with_logits is losses.binary_cross_entropy_with_logits


def test_no_grad_forward_records_nothing():
    mlp = nn.MLP([2, 3, 1], rng=random.Random(0))
    with no_grad():
        out = mlp(Matrix([[1.0, 2.0]]))
    assert out.is_leaf and not out.requires_grad
