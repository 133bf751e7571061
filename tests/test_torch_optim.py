"""The optimisers' trajectories against torch.optim, step for step, and clipping against
``torch.nn.utils.clip_grad_norm_``: the same small network, the same numbers, trained side by side.

After every step every parameter must agree with PyTorch's (float64, rounding only: see
torch_twin.py); the optimiser's formulas are written to match PyTorch's, so any drift is a bug.
"""

from __future__ import annotations

import random

import pytest

from torch_twin import NO_TORCH, agree, assert_all_agree, flat, parameter_gradients

torch = pytest.importorskip("torch", reason=NO_TORCH)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.matrix import Matrix  # noqa: E402

#: Steps per trajectory: enough for momentum's velocity and Adam's moments to build up and
#: their bias corrections to change, and few enough to stay fast.
STEPS = 6
#: Hypothesis examples per optimiser setting: each is two trainings of STEPS steps (about
#: 20 ms); 10 seeds and learning rates per setting, 6 settings.
EXAMPLES = 10

OPTIMISERS = {
    "sgd": (lambda p, lr: nn.SGD(p, lr), lambda p, lr: torch.optim.SGD(p, lr)),
    "momentum": (lambda p, lr: nn.SGD(p, lr, momentum=0.9), lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9)),
    "nesterov": (lambda p, lr: nn.SGD(p, lr, momentum=0.9, nesterov=True),
                 lambda p, lr: torch.optim.SGD(p, lr, momentum=0.9, nesterov=True)),
    "adam": (lambda p, lr: nn.Adam(p, lr), lambda p, lr: torch.optim.Adam(p, lr)),
    "adam_betas": (lambda p, lr: nn.Adam(p, lr, betas=(0.5, 0.9), eps=1e-4),
                   lambda p, lr: torch.optim.Adam(p, lr, betas=(0.5, 0.9), eps=1e-4)),
}


def pair(seed: int):
    """A small tanh network and its PyTorch twin with the same numbers, and a batch to fit."""
    rng = random.Random(seed)
    ours = nn.MLP([3, 4, 2], activation="tanh", rng=rng, bias_init="standard_normal")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict(nn.to_torch_state_dict(ours, tensors=True))
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(5)]
    Y = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(5)]
    return ours, theirs, X, Y


def backward_both(ours, theirs, X, Y):
    loss_ours = nn.mse(ours(Matrix(X, requires_grad=False)), Matrix(Y, requires_grad=False))
    loss_theirs = torch.nn.functional.mse_loss(theirs(torch.tensor(X, dtype=torch.float64)),
                                               torch.tensor(Y, dtype=torch.float64))
    loss_ours.backward()
    loss_theirs.backward()
    return loss_ours.item(), loss_theirs.item()


def assert_same_parameters(what: str, ours, theirs) -> None:
    state = nn.to_torch_state_dict(ours)
    for name, p in theirs.named_parameters():
        assert_all_agree(f"{what}: {name}", state[name], p)


@pytest.mark.parametrize("kind", sorted(OPTIMISERS))
@settings(max_examples=EXAMPLES)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from([0.01, 0.1, 0.5]))
def test_trajectory_matches_torch_optim_step_for_step(kind, seed, lr):
    ours, theirs, X, Y = pair(seed)
    make_ours, make_theirs = OPTIMISERS[kind]
    opt_ours, opt_theirs = make_ours(ours.parameters(), lr), make_theirs(theirs.parameters(), lr)
    for step in range(STEPS):
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        loss_ours, loss_theirs = backward_both(ours, theirs, X, Y)
        assert agree(loss_ours, loss_theirs, ulps=256), f"{kind} step {step}: loss {loss_ours} vs {loss_theirs}"
        opt_ours.step()
        opt_theirs.step()
        assert_same_parameters(f"{kind} lr={lr} after step {step + 1}", ours, theirs)


@settings(max_examples=EXAMPLES)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from([1e-3, 0.05, 0.3, 100.0]))
def test_clip_grad_norm_matches_pytorch_up_to_its_one_millionth(seed, max_norm):
    """PyTorch multiplies by min(1, θ/(‖g‖ + 1e-6)), we by θ/‖g‖ when ‖g‖ > θ: when clipping,
    PyTorch's gradients are ours times ‖g‖/(‖g‖ + 1e-6), exactly that (to rounding).  Both
    return the norm before clipping.  Then SGD with clipping, side by side for a few steps:
    the parameters agree to a relative 1e-6·lr·… (far inside 1e-6)."""
    ours, theirs, X, Y = pair(seed)
    backward_both(ours, theirs, X, Y)
    norm_ours = nn.clip_grad_norm(ours.parameters(), max_norm)
    norm_theirs = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm).item()
    assert agree(norm_ours, norm_theirs, ulps=64)
    clipped = norm_ours > max_norm
    factor = norm_ours / (norm_ours + 1e-6) if clipped else min(1.0, max_norm / (norm_ours + 1e-6))
    grads_ours = parameter_gradients(ours)
    for name, p in theirs.named_parameters():
        assert_all_agree(f"clipped ∂L/∂{name}", [g * factor for g in flat(grads_ours[name])], p.grad, ulps=64)
    if clipped:
        total = sum(float(g) ** 2 for p in theirs.parameters() for g in p.grad.flatten()) ** 0.5
        assert total < max_norm  # PyTorch's norm ends a hair below θ ...
        assert agree(nn.grad_norm(ours.parameters()), max_norm, ulps=64)  # ... ours on θ


@pytest.mark.parametrize("max_norm", [0.05, 1.0])
def test_training_with_clipping_follows_pytorch_within_its_one_millionth(max_norm):
    ours, theirs, X, Y = pair(3)
    opt_ours, opt_theirs = nn.SGD(ours.parameters(), 0.5), torch.optim.SGD(theirs.parameters(), 0.5)
    for step in range(STEPS):
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        backward_both(ours, theirs, X, Y)
        nn.clip_grad_norm(ours.parameters(), max_norm)
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm)
        opt_ours.step()
        opt_theirs.step()
        state = nn.to_torch_state_dict(ours)
        for name, p in theirs.named_parameters():
            # Each step differs by at most lr·max_norm·1e-6/‖g‖ ≤ 1e-6·lr·θ/θ per unit of step size:
            # far below 1e-6 relative to parameters of size ~1, and it accumulates over STEPS.
            for a, b in zip(flat(state[name]), flat(p)):
                assert abs(a - b) <= 1e-6 * STEPS * max(1.0, abs(a)), f"{name} after step {step + 1}: {a} vs {b}"

