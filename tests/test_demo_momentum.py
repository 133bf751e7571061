"""demos/momentum.py: SGD, momentum and Nesterov from the same start; a good and a bad initialisation.

The update rules are checked here by hand on a quadratic, against nn.SGD, in
both PyTorch's form (the one the demo prints) and Sutskever et al.'s form of
Nesterov's method (v ← μv − lr·∇f(θ + μv), θ ← θ + v), which gives the same
iterates up to the change of variable θ_PyTorch = θ_Sutskever + μv.
"""

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import momentum  # noqa: E402  (demos/ is not a package: found through the path above)

from tinygrad_edu import Value, nn  # noqa: E402

STEPS = 120


@pytest.fixture(scope="module")
def run():
    return run_demo(momentum.main, ["--depth", "5", "--steps", str(STEPS)])


def test_every_optimiser_starts_from_the_same_weights(run):
    result, _ = run
    runs = result["runs"]
    for init_name in momentum.INITS:
        firsts = {runs[(init_name, o)]["losses"][0] for o in momentum.OPTIMISERS}
        assert len(firsts) == 1


def test_printed_step_counts_are_the_runs(run):
    result, out = run
    rows = read_table(out, "start", after="1. ")
    assert len(rows) == len(momentum.INITS) * len(momentum.OPTIMISERS)
    for row in rows:
        r = result["runs"][(row["start"], row["optimiser"])]
        assert row[f"steps to loss < {momentum.TARGET:g}"] == momentum.reached_text(r, STEPS)
        if r["reached"] is not None:
            assert r["losses"][-1] < momentum.TARGET <= min(r["losses"][:-1])


def test_a_start_ten_times_too_small_trains_with_no_optimiser(run):
    result, out = run
    bad = [result["runs"][("Xavier ÷ 10", o)] for o in momentum.OPTIMISERS]
    assert all(r["reached"] is None for r in bad)
    assert bad[0]["signal"] < 1e-3 < result["runs"][("Xavier", "SGD")]["signal"]
    assert "initialisation and momentum both matter" in prose(out)


@pytest.mark.parametrize("nesterov", [False, True])
def test_the_update_rules_match_a_hand_computation_and_sutskevers_form(nesterov):
    """f(θ) = 2θ², ∇f = 4θ; five steps from θ = 1 with lr 0.1, μ = 0.9."""
    lr, mu = 0.1, 0.9
    theta = Value(1.0)
    opt = nn.SGD([theta], lr=lr, momentum=mu, nesterov=nesterov)
    engine = []
    for _ in range(5):
        opt.zero_grad()
        (2 * theta * theta).backward()
        opt.step()
        engine.append(theta.data)
    t, v, hand = 1.0, 0.0, []  # PyTorch's form, by hand
    for _ in range(5):
        g = 4 * t
        v = mu * v + g
        t -= lr * (g + mu * v) if nesterov else lr * v
        hand.append(t)
    assert engine == pytest.approx(hand, rel=1e-15)
    if nesterov:  # Sutskever et al.: v ← μv − lr·∇f(θ + μv), θ ← θ + v; PyTorch's θ is θ + μv
        t, v, theirs = 1.0, 0.0, []
        for _ in range(5):
            v = mu * v - lr * 4 * (t + mu * v)
            t += v
            theirs.append(t + mu * v)
        assert engine == pytest.approx(theirs, rel=1e-12)


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
