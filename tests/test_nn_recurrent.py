"""Recurrent cells unrolled over time: gradients reach every step's input and every weight, and
the products along the time axis are their closed forms: ∂h_T/∂h₀ = w^T for a scalar tanh RNN
with zero input and h₀ = 0 (Pascanu, Mikolov & Bengio 2013), ∂c_T/∂c₀ = Π fₜ along an LSTM's
cell state where the gates do not depend on c (Gers, Schmidhuber & Cummins 2000)."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import grad
from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix

from nn_checks import assert_module_gradients, matrices

CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def make_cell(kind: str, input_size: int, hidden_size: int, seed: int):
    # xavier_normal keeps the pre-activations of order 1: gradients neither vanish nor explode over
    # the few steps of a check, so every entry's derivative is a well-conditioned number.
    cell = CELLS[kind](input_size, hidden_size, rng=random.Random(seed), init="xavier_normal")
    rng = random.Random(seed + 1)
    for name, p in cell.named_parameters():  # both biases of every gate off zero, so each one matters
        if ".bias_" in f".{name}":
            p.data[0][:] = [rng.uniform(-0.5, 0.5) for _ in p.data[0]]
    return cell


@pytest.mark.parametrize("kind", sorted(CELLS))
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.integers(1, 2),
       st.integers(0, 2 ** 32 - 1), st.data())
@settings(max_examples=30)
def test_unrolled_cell_gradients_match_central_differences(kind, steps, batch, input_size, hidden_size, seed,
                                                           data):
    """The loss reads only the final state, so x₁'s gradient has crossed every later step."""
    cell = make_cell(kind, input_size, hidden_size, seed)
    xs = [data.draw(matrices(batch, input_size)) for _ in range(steps)]

    def final_state():
        return unroll_final(cell, xs)

    analytic = assert_module_gradients(final_state, xs + cell.parameters())
    for t, g in enumerate(analytic[:steps]):
        assert any(v != 0.0 for row in g.data for v in row), f"no gradient reached x_{t + 1}"


def unroll_final(cell, xs):
    _, state = nn.unroll(cell, xs)
    return state


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_every_weight_and_every_step_gets_a_gradient(kind):
    cell = make_cell(kind, 2, 3, seed=5)
    xs = [Matrix([[0.5, -1.0]]), Matrix([[0.25, 0.75]]), Matrix([[-0.5, 0.1]]), Matrix([[1.0, 1.0]])]
    outputs, _ = nn.unroll(cell, xs)
    grads = grad(outputs[-1].sum(), xs + cell.parameters())
    names = [f"x{t + 1}" for t in range(len(xs))] + [name for name, _ in cell.named_parameters()]
    for name, g in zip(names, grads):
        assert all(v != 0.0 for row in g.data for v in row), f"{kind}: {name} got a zero gradient"


def test_scalar_tanh_rnn_gradient_through_time_is_w_to_the_t():
    """hₜ = tanh(w·hₜ₋₁ + u·xₜ) with x = 0 and h₀ = 0: every tanh′ is 1, so ∂h_T/∂h₀ = w^T (0.9⁵⁰ ≈ 0.00515)."""
    cell = nn.RNNCell(1, 1, init="constant", recurrent_init=lambda o, i, r: Matrix([[0.9]]))
    h0 = Matrix([[0.0]])
    _, h = nn.unroll(cell, [Matrix([[0.0]])] * 50, state=h0)
    (g,) = grad(h.sum(), [h0])
    assert math.isclose(g.item(), 0.9 ** 50, rel_tol=1e-12)
    assert math.isclose(g.item(), 0.00515, rel_tol=1e-3)


def test_lstm_cell_state_gradient_is_the_product_of_forget_gates():
    """With every weight 0 the gates do not depend on c, so ∂c_T/∂c₀ = Π fₜ = σ(b_f)^T:
    σ(5)¹⁰⁰ ≈ 0.51 after 100 steps, where a vanilla RNN with w = 0.9 keeps 0.9¹⁰⁰ ≈ 2.7e-5."""
    cell = nn.LSTMCell(1, 1, init="zeros", forget_bias=5.0)
    c0 = Matrix([[0.3]])
    h0 = Matrix.zeros(1, 1, requires_grad=False)
    _, (h, c) = nn.unroll(cell, [Matrix([[0.0]])] * 100, state=(h0, c0))
    (g,) = grad(c.sum(), [c0])
    sigma5 = 1 / (1 + math.exp(-5.0))
    assert math.isclose(g.item(), sigma5 ** 100, rel_tol=1e-12)
    assert 0.50 < g.item() < 0.52


def test_gru_hidden_gradient_is_the_product_of_update_gates_when_weights_are_zero():
    """hₜ = (1 − zₜ)·nₜ + zₜ·hₜ₋₁ with n and z constant in h: ∂h_T/∂h₀ = σ(b_z)^T."""
    cell = nn.GRUCell(1, 1, init="zeros")
    cell.update.bias_ih.data[0][0] = 3.0
    h0 = Matrix([[0.2]])
    _, h = nn.unroll(cell, [Matrix([[1.0]])] * 20, state=h0)
    (g,) = grad(h.sum(), [h0])
    assert math.isclose(g.item(), (1 / (1 + math.exp(-3.0))) ** 20, rel_tol=1e-12)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_a_batch_of_sequences_is_each_sequence_run_alone(kind):
    cell = make_cell(kind, 2, 2, seed=9)
    a = [[0.1, 0.2], [0.3, -0.4], [1.0, 0.0]]
    b = [[-1.0, 0.5], [0.0, 0.0], [0.2, 0.2]]
    together, _ = nn.unroll(cell, [Matrix([x, y]) for x, y in zip(a, b)])
    alone_a, _ = nn.unroll(cell, [Matrix([x]) for x in a])
    alone_b, _ = nn.unroll(cell, [Matrix([y]) for y in b])
    for both, one, other in zip(together, alone_a, alone_b):
        assert both.data == one.data + other.data


def test_first_call_starts_from_zeros_and_later_calls_take_the_state():
    cell = make_cell("lstm", 1, 2, seed=1)
    x = Matrix([[0.5]])
    zeros = Matrix.zeros(1, 2, requires_grad=False)
    h1, c1 = cell(x)
    same_h, same_c = cell(x, (zeros, zeros))
    assert (h1.data, c1.data) == (same_h.data, same_c.data)
    h2, _ = cell(x, (h1, c1))
    assert h2.data != h1.data
    rnn = make_cell("rnn", 1, 2, seed=1)
    assert rnn(x).data == rnn(x, zeros).data


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def scalar(p: Matrix) -> float:
    return p.data[0][0]


def test_one_lstm_step_computed_by_hand():
    """Sizes 1 and 1, so every gate is a plain number: the formulas of the docstring, with math."""
    cell = make_cell("lstm", 1, 1, seed=3)
    x, h, c = 0.7, -0.4, 0.9

    def gate(g):
        return scalar(g.weight_ih) * x + scalar(g.bias_ih) + scalar(g.weight_hh) * h + scalar(g.bias_hh)

    i, f, o = sigma(gate(cell.input)), sigma(gate(cell.forget)), sigma(gate(cell.output))
    g = math.tanh(gate(cell.candidate))
    c_new = f * c + i * g
    h_new = o * math.tanh(c_new)
    h_out, c_out = cell(Matrix([[x]]), (Matrix([[h]]), Matrix([[c]])))
    assert math.isclose(h_out.item(), h_new, rel_tol=1e-12)
    assert math.isclose(c_out.item(), c_new, rel_tol=1e-12)


def test_one_gru_step_computed_by_hand():
    cell = make_cell("gru", 1, 1, seed=4)
    x, h = -0.3, 0.6

    def gate(g):
        return scalar(g.weight_ih) * x + scalar(g.bias_ih) + scalar(g.weight_hh) * h + scalar(g.bias_hh)

    r, z = sigma(gate(cell.reset)), sigma(gate(cell.update))
    n_ = cell.candidate  # PyTorch's candidate: the reset gate scales b_hn too
    n = math.tanh(scalar(n_.weight_ih) * x + scalar(n_.bias_ih) + r * (scalar(n_.weight_hh) * h + scalar(n_.bias_hh)))
    expected = (1 - z) * n + z * h
    assert math.isclose(cell(Matrix([[x]]), Matrix([[h]])).item(), expected, rel_tol=1e-12)


def test_one_rnn_step_computed_by_hand():
    cell = make_cell("rnn", 1, 1, seed=5)
    x, h = 1.2, -0.5
    expected = math.tanh(scalar(cell.weight_ih) * x + scalar(cell.bias_ih)
                         + scalar(cell.weight_hh) * h + scalar(cell.bias_hh))
    assert math.isclose(cell(Matrix([[x]]), Matrix([[h]])).item(), expected, rel_tol=1e-12)


def test_lstm_and_gru_name_their_parameters_after_their_gates():
    lstm = nn.LSTMCell(2, 3, rng=random.Random(0))
    names = [name for name, _ in lstm.named_parameters()]
    assert names[:4] == ["input.weight_ih", "input.weight_hh", "input.bias_ih", "input.bias_hh"]
    assert {name.split(".")[0] for name in names} == {"input", "forget", "candidate", "output"}
    assert lstm.forget.weight_ih.shape == (3, 2) and lstm.forget.weight_hh.shape == (3, 3)
    gru = nn.GRUCell(2, 3, rng=random.Random(0))
    assert {name.split(".")[0] for name, _ in gru.named_parameters()} == {"reset", "update", "candidate"}
    rnn = nn.RNNCell(2, 3, rng=random.Random(0))
    assert [name for name, _ in rnn.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


def test_a_gate_bias_set_by_its_short_name_is_b_ih_and_the_gate_adds_both():
    """``gate.bias`` is b_ih (older code sets a forget or update bias through it); b_hh adds on top."""
    lstm = nn.LSTMCell(1, 1, init="zeros", forget_bias=2.0)
    assert lstm.forget.bias is lstm.forget.bias_ih and lstm.forget.bias.data == [[2.0]]
    lstm.forget.bias_hh.data[0][0] = 0.5
    f = lstm.forget(Matrix([[0.0]]), Matrix([[0.0]]))
    assert f.item() == 2.5


def test_the_gru_candidate_bias_b_hn_is_scaled_by_the_reset_gate():
    """PyTorch's nₜ = tanh(W_in x + b_in + rₜ ⊙ (W_hn h + b_hn)): with every weight 0, r = σ(b_r),
    so b_hn reaches the candidate multiplied by r, where b_in reaches it whole."""
    cell = nn.GRUCell(1, 1, init="zeros")
    cell.reset.bias_ih.data[0][0] = -1.0
    cell.candidate.bias_hh.data[0][0] = 0.8
    cell.update.bias_ih.data[0][0] = -40.0  # z ≈ 0: h₁ = n₁
    r = sigma(-1.0)
    assert math.isclose(cell(Matrix([[0.0]])).item(), math.tanh(r * 0.8), rel_tol=1e-12)


def test_relu_rnn_cell():
    cell = nn.RNNCell(1, 1, nonlinearity="relu", init=lambda o, i, r: Matrix([[-2.0]]))
    assert cell(Matrix([[1.0]])).data == [[0.0]]
    assert cell(Matrix([[-1.0]])).data == [[2.0]]


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.RNNCell(0, 2), ValueError, "RNNCell: input_size and hidden_size must be integers >= 1"),
    (lambda: nn.RNNCell(1, 2, nonlinearity="sigmoid", init="zeros"), ValueError, "nonlinearity must be 'tanh' or 'relu'"),
    (lambda: nn.GRUCell(2, 2, init="zeros")(Matrix([[1.0]])), ValueError, r"GRUCell: the input has shape \(1, 1\), expected 2"),
    (lambda: nn.RNNCell(1, 2, init="zeros")(Matrix([[1.0]]), Matrix([[0.0]])), ValueError, r"RNNCell: the hidden state has shape \(1, 1\), expected \(1, 2\)"),
    (lambda: nn.LSTMCell(1, 1, init="zeros")(Matrix([[1.0]]), Matrix([[0.0]])), TypeError, r"LSTMCell: the state must be a tuple \(h, c\)"),
    (lambda: nn.unroll(nn.RNNCell(1, 1, init="zeros"), []), ValueError, "unroll: no inputs"),
    (lambda: nn.LSTMCell(1, 2, rng=7), TypeError, "LSTMCell: rng must be a random.Random"),
    (lambda: nn.LSTMCell(1, 2, init=lambda o, i, r: "w"), ValueError,
     r"LSTMCell input weight_ih: the initialiser returned str, expected a Matrix of shape \(2, 1\)"),
    (lambda: nn.RNNCell(1, 2, recurrent_init=lambda o, i, r: Matrix([[0.0]])), ValueError,
     r"RNNCell weight_hh: the initialiser returned \(1, 1\), expected a Matrix of shape \(2, 2\)"),
])
def test_bad_use_raises_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("cell", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cells_without_a_generator_draw_from_the_one_manual_seed_seeds(cell):
    import tinygrad_edu

    tinygrad_edu.manual_seed(3)
    first = cell(2, 3).state_dict()
    assert first == cell(2, 3, rng=random.Random(3)).state_dict()  # the same draws as an explicit Random(3)
    tinygrad_edu.manual_seed(3)
    assert cell(2, 3).state_dict() == first
