"""Every nn block against its PyTorch twin, in float64: the forward pass, the gradient of every input
and every parameter, batch norm's running statistics, and every loss.

Each twin gets our model's numbers through ``to_torch_state_dict(..., tensors=True)`` and
``load_state_dict``, so these tests also check that the conversion puts every number where
PyTorch reads it.  Gradients are compared in PyTorch's layout too: our parameters' gradients go
through the same conversion.  Both sides reduce the output to L = Σ R ⊙ output with the same
fixed random R, so every output entry counts with a different weight.
"""

from __future__ import annotations

import random

import pytest

from torch_twin import NO_TORCH, assert_all_agree, parameter_gradients

torch = pytest.importorskip("torch", reason=NO_TORCH)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.matrix import Matrix  # noqa: E402

#: Hypothesis examples per block: each builds two models and runs a backward pass in each
#: (about 15 ms); 15 examples over sizes 1 to 4, batches of 1 to 4 and seeds reach every shape
#: case (a single unit, a single row, square and not) while keeping the file near 5 s.  The
#: blocks' gradients are checked against finite differences elsewhere with the full profile.
EXAMPLES = 15
TNN = torch.nn


def rows(rng: random.Random, m: int, n: int, bound: float = 2.0) -> list:
    return [[rng.uniform(-bound, bound) for _ in range(n)] for _ in range(m)]


def tensor(data, grad: bool = False):
    return torch.tensor(data, dtype=torch.float64, requires_grad=grad)


def twin_with_our_numbers(ours: nn.Module, theirs):
    """PyTorch's module in float64, holding exactly our model's numbers."""
    theirs = theirs.double()
    theirs.load_state_dict(nn.to_torch_state_dict(ours, tensors=True))
    return theirs


def assert_same_gradients(what: str, ours: nn.Module, theirs) -> None:
    ours_grads = parameter_gradients(ours)
    for name, p in theirs.named_parameters():
        assert_all_agree(f"{what}: ∂L/∂{name}", ours_grads[name], p.grad)


def weighted(out_ours, out_theirs, seed: int = 7):
    """L = Σ R ⊙ out on both sides, with the same R in [−1, 1]."""
    rng = random.Random(seed)
    R = rows(rng, *out_ours.shape, bound=1.0)
    return (out_ours * Matrix(R, requires_grad=False)).sum(), (out_theirs * tensor(R)).sum()


def sizes(most: int = 4):
    return st.integers(1, most)


# ---------------------------------------------------------------------------
# Linear and MLP
# ---------------------------------------------------------------------------

@settings(max_examples=EXAMPLES)
@given(sizes(), sizes(), sizes(), st.booleans(), st.integers(0, 2 ** 32 - 1))
def test_linear_forward_and_gradients_match_pytorch(n_in, n_out, batch, bias, seed):
    rng = random.Random(seed)
    ours = nn.Linear(n_in, n_out, rng=rng, bias=bias, bias_init="standard_normal")
    theirs = twin_with_our_numbers(ours, TNN.Linear(n_in, n_out, bias=bias))
    X = rows(rng, batch, n_in)
    x_ours, x_theirs = Matrix(X), tensor(X, grad=True)
    out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    assert_all_agree("Linear forward", out_ours, out_theirs)
    loss_ours, loss_theirs = weighted(out_ours, out_theirs)
    loss_ours.backward()
    loss_theirs.backward()
    assert_all_agree("Linear ∂L/∂x", x_ours.grad, x_theirs.grad)
    assert_same_gradients("Linear", ours, theirs)


ACTIVATIONS = {
    "tanh": TNN.Tanh, "sigmoid": TNN.Sigmoid, "relu": TNN.ReLU, "leaky_relu": TNN.LeakyReLU,
    "elu": TNN.ELU, "softplus": TNN.Softplus, "prelu": TNN.PReLU, "identity": TNN.Identity,
}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@settings(max_examples=5)
@given(st.lists(sizes(), min_size=2, max_size=4), sizes(), st.integers(0, 2 ** 32 - 1))
def test_mlp_forward_and_gradients_match_pytorch_sequential(activation, layer_sizes, batch, seed):
    """An MLP is PyTorch's Sequential(Linear, activation, …, Linear), names and all."""
    rng = random.Random(seed)
    ours = nn.MLP(layer_sizes, activation=activation, rng=rng, bias_init="standard_normal")
    layers = []
    for k, (n_in, n_out) in enumerate(zip(layer_sizes, layer_sizes[1:])):
        layers.append(TNN.Linear(n_in, n_out))
        if k < len(layer_sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    theirs = twin_with_our_numbers(ours, TNN.Sequential(*layers))
    X = rows(rng, batch, layer_sizes[0])
    x_ours, x_theirs = Matrix(X), tensor(X, grad=True)
    out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    assert_all_agree(f"MLP({activation}) forward", out_ours, out_theirs)
    loss_ours, loss_theirs = weighted(out_ours, out_theirs)
    loss_ours.backward()
    loss_theirs.backward()
    assert_all_agree(f"MLP({activation}) ∂L/∂x", x_ours.grad, x_theirs.grad)
    assert_same_gradients(f"MLP({activation})", ours, theirs)


# ---------------------------------------------------------------------------
# Batch norm, in training and in evaluation mode
# ---------------------------------------------------------------------------

@settings(max_examples=EXAMPLES)
@given(sizes(), st.integers(2, 5), st.integers(1, 3), st.sampled_from([1e-5, 0.1]),
       st.sampled_from([0.1, 0.5, 1.0]), st.integers(0, 2 ** 32 - 1))
def test_batch_norm_matches_pytorch_in_training_and_evaluation(features, batch, batches, eps, momentum, seed):
    """Training: the output and every gradient of each batch, and the running mean, the running
    (unbiased) variance and the batch count after each.  Then evaluation with those statistics."""
    rng = random.Random(seed)
    ours = nn.BatchNorm1d(features, eps=eps, momentum=momentum)
    ours.weight.data = rows(rng, 1, features)  # γ and β off their start, so each one matters
    ours.bias.data = rows(rng, 1, features)
    theirs = twin_with_our_numbers(ours, TNN.BatchNorm1d(features, eps=eps, momentum=momentum))
    for step in range(batches):
        X = rows(rng, batch, features, bound=3.0)
        x_ours, x_theirs = Matrix(X), tensor(X, grad=True)
        out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
        assert_all_agree(f"BatchNorm1d batch {step}", out_ours, out_theirs)
        loss_ours, loss_theirs = weighted(out_ours, out_theirs, seed=step)
        ours.zero_grad()
        theirs.zero_grad()
        loss_ours.backward()
        loss_theirs.backward()
        assert_all_agree(f"BatchNorm1d batch {step} ∂L/∂x", x_ours.grad, x_theirs.grad)
        assert_same_gradients(f"BatchNorm1d batch {step}", ours, theirs)
        ours_state = nn.to_torch_state_dict(ours)
        for name, buffer in theirs.named_buffers():
            assert_all_agree(f"BatchNorm1d batch {step} {name}", ours_state[name], buffer)
    ours.eval()
    theirs.eval()
    X = rows(rng, batch, features, bound=3.0)
    x_ours, x_theirs = Matrix(X), tensor(X, grad=True)
    out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    assert_all_agree("BatchNorm1d eval", out_ours, out_theirs)
    loss_ours, loss_theirs = weighted(out_ours, out_theirs)
    ours.zero_grad()
    theirs.zero_grad()
    loss_ours.backward()
    loss_theirs.backward()
    assert_all_agree("BatchNorm1d eval ∂L/∂x", x_ours.grad, x_theirs.grad)
    assert_same_gradients("BatchNorm1d eval", ours, theirs)


# ---------------------------------------------------------------------------
# Recurrent cells, unrolled over a few steps
# ---------------------------------------------------------------------------

CELLS = {
    "rnn_tanh": (lambda i, h, rng: nn.RNNCell(i, h, rng=rng), lambda i, h: TNN.RNNCell(i, h)),
    "rnn_relu": (lambda i, h, rng: nn.RNNCell(i, h, rng=rng, nonlinearity="relu"),
                 lambda i, h: TNN.RNNCell(i, h, nonlinearity="relu")),
    "lstm": (lambda i, h, rng: nn.LSTMCell(i, h, rng=rng), lambda i, h: TNN.LSTMCell(i, h)),
    "gru": (lambda i, h, rng: nn.GRUCell(i, h, rng=rng), lambda i, h: TNN.GRUCell(i, h)),
}


@pytest.mark.parametrize("kind", sorted(CELLS))
@settings(max_examples=8)
@given(sizes(3), sizes(3), sizes(3), st.integers(1, 3), st.integers(0, 2 ** 32 - 1))
def test_recurrent_cell_unrolled_matches_pytorch(kind, input_size, hidden_size, batch, steps, seed):
    """The state after every step, and the gradients of the inputs of every step, of the starting
    state and of every parameter, with both biases of every gate off zero (so the GRU's b_hn,
    inside r ⊙ (…), is exercised)."""
    rng = random.Random(seed)
    make_ours, make_theirs = CELLS[kind]
    ours = make_ours(input_size, hidden_size, rng)
    for p in ours.parameters():
        p.data = rows(rng, *p.shape, bound=0.8)
    theirs = twin_with_our_numbers(ours, make_theirs(input_size, hidden_size))
    xs = [rows(rng, batch, input_size) for _ in range(steps)]
    xs_ours, xs_theirs = [Matrix(x) for x in xs], [tensor(x, grad=True) for x in xs]
    h0 = rows(rng, batch, hidden_size, bound=0.5)
    lstm = kind == "lstm"
    c0 = rows(rng, batch, hidden_size, bound=0.5)
    starts_ours = [Matrix(h0)] + ([Matrix(c0)] if lstm else [])
    starts_theirs = [tensor(h0, grad=True)] + ([tensor(c0, grad=True)] if lstm else [])
    state_ours = tuple(starts_ours) if lstm else starts_ours[0]
    state_theirs = tuple(starts_theirs) if lstm else starts_theirs[0]
    loss_ours = loss_theirs = 0.0
    for t, (x_ours, x_theirs) in enumerate(zip(xs_ours, xs_theirs)):
        state_ours, state_theirs = ours(x_ours, state_ours), theirs(x_theirs, state_theirs)
        parts_ours = state_ours if lstm else (state_ours,)
        parts_theirs = state_theirs if lstm else (state_theirs,)
        for k, (a, b) in enumerate(zip(parts_ours, parts_theirs)):
            assert_all_agree(f"{kind} step {t + 1} state {k}", a, b)
            term_ours, term_theirs = weighted(a, b, seed=10 * t + k)
            loss_ours, loss_theirs = loss_ours + term_ours, loss_theirs + term_theirs
    loss_ours.backward()
    loss_theirs.backward()
    for t, (x_ours, x_theirs) in enumerate(zip(xs_ours, xs_theirs)):
        assert_all_agree(f"{kind} ∂L/∂x{t + 1}", x_ours.grad, x_theirs.grad)
    for k, (a, b) in enumerate(zip(starts_ours, starts_theirs)):
        assert_all_agree(f"{kind} ∂L/∂(starting state {k})", a.grad, b.grad)
    assert_same_gradients(kind, ours, theirs)


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------

F = torch.nn.functional


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@settings(max_examples=EXAMPLES)
@given(sizes(5), st.integers(2, 5), st.integers(0, 2 ** 32 - 1), st.sampled_from([1.0, 30.0]))
def test_cross_entropy_matches_pytorch(reduction, batch, classes, seed, bound):
    """Logits up to ±30 too: the log-sum-exp must not overflow or lose the small probabilities."""
    rng = random.Random(seed)
    logits = rows(rng, batch, classes, bound)
    targets = [rng.randrange(classes) for _ in range(batch)]
    ours_in, theirs_in = Matrix(logits), tensor(logits, grad=True)
    loss_ours = nn.cross_entropy(ours_in, targets, reduction=reduction)
    loss_theirs = F.cross_entropy(theirs_in, torch.tensor(targets), reduction=reduction)
    assert_all_agree("cross_entropy", loss_ours, loss_theirs)
    loss_ours.backward()
    loss_theirs.backward()
    assert_all_agree("cross_entropy ∂/∂logits", ours_in.grad, theirs_in.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@settings(max_examples=EXAMPLES)
@given(sizes(), sizes(), st.integers(0, 2 ** 32 - 1), st.sampled_from([1.0, 30.0]))
def test_binary_cross_entropy_with_logits_matches_pytorch(reduction, batch, columns, seed, bound):
    rng = random.Random(seed)
    logits = rows(rng, batch, columns, bound)
    targets = [[rng.choice([0.0, 1.0, rng.random()]) for _ in range(columns)] for _ in range(batch)]
    ours_in, theirs_in = Matrix(logits), tensor(logits, grad=True)
    loss_ours = nn.binary_cross_entropy_with_logits(ours_in, targets, reduction=reduction)
    loss_theirs = F.binary_cross_entropy_with_logits(theirs_in, tensor(targets), reduction=reduction)
    assert_all_agree("binary_cross_entropy_with_logits", loss_ours, loss_theirs)
    loss_ours.backward()
    loss_theirs.backward()
    assert_all_agree("binary_cross_entropy_with_logits ∂/∂logits", ours_in.grad, theirs_in.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@settings(max_examples=EXAMPLES)
@given(sizes(), sizes(), st.integers(0, 2 ** 32 - 1))
def test_mse_matches_pytorch(reduction, batch, columns, seed):
    rng = random.Random(seed)
    prediction, target = rows(rng, batch, columns), rows(rng, batch, columns)
    ours_in, theirs_in = Matrix(prediction), tensor(prediction, grad=True)
    loss_ours = nn.mse(ours_in, Matrix(target, requires_grad=False), reduction=reduction)
    loss_theirs = F.mse_loss(theirs_in, tensor(target), reduction=reduction)
    assert_all_agree("mse", loss_ours, loss_theirs)
    loss_ours.backward()
    loss_theirs.backward()
    assert_all_agree("mse ∂/∂prediction", ours_in.grad, theirs_in.grad)
