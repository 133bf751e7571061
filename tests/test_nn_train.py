"""The training loop: small MLPs learn XOR and two moons, and the history records what happened."""

import io
import math
import random

import pytest

from tinygrad_edu import grad, nn
from tinygrad_edu.data import two_moons, xor
from tinygrad_edu.losses import binary_cross_entropy_with_logits, cross_entropy, mse
from tinygrad_edu.matrix import Matrix


def as_column(labels):
    return [[float(v)] for v in labels]


def test_a_small_mlp_learns_xor():
    """2-8-1 tanh net, Adam lr 0.05, 60 full-batch steps on 40 noisy XOR points (seeded): every
    training point right and at least 95% of 200 fresh points (measured: 100% for seeds 0–4)."""
    X, y = xor(40, noise=0.1, rng=0)
    X_test, y_test = xor(200, noise=0.1, rng=1)
    model = nn.MLP([2, 8, 1], activation="tanh", rng=random.Random(0))
    history = nn.fit(model, X, as_column(y), binary_cross_entropy_with_logits,
                     nn.Adam(model.parameters(), lr=0.05), epochs=60)
    assert history.loss[0] > 0.5 and history.loss[-1] < 0.05  # from about ln 2 to near 0
    assert nn.accuracy(model, X, y) == 1.0
    assert nn.accuracy(model, X_test, y_test) >= 0.95


def test_a_small_mlp_learns_two_moons_with_minibatches():
    """2-16-16-2 tanh net, softmax cross-entropy, Adam lr 0.03, batches of 32 for 25 epochs on 200
    points (noise 0.1): at least 95% on 400 fresh points (measured 99–99.75% for seeds 0–4)."""
    X, y = two_moons(200, noise=0.1, rng=0)
    X_test, y_test = two_moons(400, noise=0.1, rng=1)
    model = nn.MLP([2, 16, 16, 2], activation="tanh", rng=random.Random(0))
    history = nn.fit(model, X, y, cross_entropy, nn.Adam(model.parameters(), lr=0.03),
                     epochs=25, batch_size=32, rng=random.Random(0))
    assert history.steps == 25 * 7  # ⌈200/32⌉ = 7 batches per epoch, the last one of 8 rows
    assert nn.accuracy(model, X_test, y_test) >= 0.95


def test_history_records_the_loss_and_each_parameters_gradient_norm_before_the_step():
    X, y = xor(12, noise=0.1, rng=3)
    model = nn.MLP([2, 4, 1], rng=random.Random(1))
    start = model.state_dict()
    history = nn.fit(model, X, as_column(y), binary_cross_entropy_with_logits,
                     nn.SGD(model.parameters(), lr=0.1), epochs=3)
    assert history.steps == 3 and history.stopped_at is None
    assert list(history.grad_norms) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(len(norms) == 3 for norms in history.grad_norms.values())
    # Recompute step 1 independently, from the starting weights.
    fresh = nn.MLP([2, 4, 1], rng=random.Random(99))
    fresh.load_state_dict(start)
    loss = binary_cross_entropy_with_logits(fresh(Matrix(X)), as_column(y))
    grads = grad(loss, fresh.parameters())
    assert history.loss[0] == loss.item()
    for (name, _), g in zip(fresh.named_parameters(), grads):
        norm = math.sqrt(math.fsum(v * v for row in g.data for v in row))
        assert math.isclose(history.grad_norms[name][0], norm, rel_tol=1e-12)
    for k in range(3):
        per_layer = [norms[k] for norms in history.grad_norms.values()]
        assert math.isclose(history.total_grad_norm[k], math.hypot(*per_layer), rel_tol=1e-12)


def test_same_seeds_give_the_same_history():
    def run():
        X, y = two_moons(40, noise=0.1, rng=0)
        model = nn.MLP([2, 5, 2], activation="relu", init="he_normal", rng=random.Random(4))
        return nn.fit(model, X, y, cross_entropy, nn.SGD(model.parameters(), lr=0.1, momentum=0.9),
                      epochs=3, batch_size=8, rng=random.Random(4))

    a, b = run(), run()
    assert a.loss == b.loss and a.grad_norms == b.grad_norms


def test_clip_norm_bounds_every_update():
    """With SGD and clip_norm = θ, each step moves the parameters by at most lr·θ in norm."""
    X = [[1.0, 2.0], [3.0, -1.0]]
    model = nn.Linear(2, 1, init="constant", rng=None)
    targets = [[100.0], [-100.0]]  # far off: gradients of norm ≫ 1
    before = [v for p in model.parameters() for row in p.data for v in row]
    history = nn.fit(model, X, targets, mse, nn.SGD(model.parameters(), lr=0.5), epochs=1, clip_norm=1.0)
    after = [v for p in model.parameters() for row in p.data for v in row]
    assert history.total_grad_norm[0] > 100  # recorded before clipping
    assert math.isclose(math.dist(before, after), 0.5 * 1.0, rel_tol=1e-12)


def test_training_stops_at_the_first_nonfinite_loss_without_updating():
    """SGD with lr far above 2/curvature on a linear model: the loss grows geometrically to inf."""
    def run(epochs):
        model = nn.Linear(1, 1, init="constant", rng=None)
        history = nn.fit(model, [[1e3], [-2e3]], [[1.0], [2.0]], mse, nn.SGD(model.parameters(), lr=10.0),
                         epochs=epochs)
        return model, history

    model, history = run(500)
    assert history.stopped_at == history.steps < 500
    assert not math.isfinite(history.loss[-1]) and all(math.isfinite(v) for v in history.loss[:-1])
    # The same run stopped one step earlier ends with the same weights: the last step made no update.
    before_last, _ = run(history.stopped_at - 1)
    assert model.state_dict() == before_last.state_dict()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_only_on_a_terminal():
    X, y = xor(8, noise=0.1, rng=0)

    def run(stream, **kwargs):
        model = nn.MLP([2, 3, 1], rng=random.Random(0))
        nn.fit(model, X, as_column(y), binary_cross_entropy_with_logits, nn.SGD(model.parameters(), lr=0.1),
               epochs=4, stream=stream, **kwargs)
        return stream.getvalue()

    assert run(io.StringIO()) == ""  # a file or a pipe: silent
    shown = run(FakeTerminal())
    assert shown.count("\r") == 4 and shown.endswith("\n") and shown.count("\n") == 1  # one line, redrawn
    assert "step 4/4" in shown and "loss" in shown
    assert run(FakeTerminal(), progress=False) == ""
    assert "step 1/4" in run(io.StringIO(), progress=True)


def test_predict_and_accuracy_use_eval_mode_and_restore_the_mode():
    model = nn.Sequential(nn.Linear(1, 2, init=lambda o, i, r: Matrix([[1.0], [-1.0]])), nn.BatchNorm1d(2))
    X = [[2.0], [-3.0], [0.5]]
    assert nn.predict(model, X) == [0, 1, 0]  # eval-mode batch norm with fresh statistics is the identity
    assert model.training and model[1].training
    single = nn.Linear(1, 1, init=lambda o, i, r: Matrix([[1.0]]))
    assert nn.predict(single, [[0.5], [-0.5], [0.0]]) == [1, 0, 0]  # logit > 0 means class 1
    assert nn.accuracy(single, [[0.5], [-0.5]], [1, 1]) == 0.5


@pytest.mark.parametrize("kwargs, error, message", [
    ({"y": [[1.0]]}, ValueError, "fit: X has 2 rows but y has 1"),
    ({"epochs": 0}, ValueError, "fit: epochs must be an integer >= 1"),
    ({"batch_size": 1, "rng": 7}, TypeError, "fit: rng must be a random.Random"),
    ({"batch_size": 0, "rng": random.Random(0)}, ValueError, "fit: batch_size must be an integer >= 1"),
    ({"loss_fn": lambda out, y: out}, TypeError, "fit: loss_fn must return a 1×1 Matrix"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, message):
    model = nn.Linear(1, 2, init="zeros")
    arguments = {"X": [[1.0], [2.0]], "y": [[1.0, 0.0], [0.0, 1.0]], "loss_fn": mse}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        nn.fit(model, optimizer=nn.SGD(model.parameters(), lr=0.1), **arguments)
