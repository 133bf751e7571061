"""demos/rnn_vs_lstm.py: w^T, Pascanu's bound, Π fₜ, and the gradient through time.

The demo runs through ``main(argv)`` with small settings and stdout captured.
The closed forms are recomputed here with plain floats; Pascanu's case is
re-derived by finite differences on a float implementation of the same RNN,
a route independent of the engine's backward.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import rnn_vs_lstm  # noqa: E402  (demos/ is not a package: found through the path above)

from tinygrad_edu.anatomy import largest_singular_value  # noqa: E402

LENGTH = 12
LSTM_STEPS = 100
SMALL = ["--seed", "0", "--length", str(LENGTH), "--steps", "3", "--batch", "16", "--lstm-steps", str(LSTM_STEPS)]
# A product of T ≤ 100 factors in two orders: each multiplication rounds once, so ≤ ~100 ε apart.
REL = 1e-13


@pytest.fixture(scope="module")
def run():
    return run_demo(rnn_vs_lstm.main, SMALL)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# --- 1. the scalar RNN ----------------------------------------------------------------------

def test_scalar_rnn_gradient_is_w_to_the_T(run):
    result, out = run
    scalar = result["scalar"]
    assert scalar[(0.9, 50)]["measured"] == pytest.approx(0.9 ** 50, rel=REL)
    assert round(scalar[(0.9, 50)]["measured"], 5) == 0.00515  # the 0.9⁵⁰ ≈ 0.00515
    assert scalar[(0.5, 50)]["measured"] == 2.0 ** -50  # halving is exact
    assert scalar[(1.0, 50)]["measured"] == 1.0
    assert scalar[(1.1, 50)]["measured"] == pytest.approx(1.1 ** 50, rel=REL)
    rows = read_table(out, "w", after="1. A scalar tanh RNN")
    assert {(r["w"], r["T"]): r["closed form w^T"] for r in rows}[("0.9", "50")] == "0.9⁵⁰ = 0.00515378"
    assert float(rows[0]["∂h_T/∂h₀ (backward)"]) == pytest.approx(0.9 ** 50, rel=1e-5)


# --- 2. Pascanu's bound -----------------------------------------------------------------------

def test_pascanus_bound_holds_in_every_case(run):
    result, out = run
    gamma = {"tanh": 1.0, "sigmoid": 0.25}
    for (activation, lam, T), r in result["pascanu"].items():
        assert r["bound"] == pytest.approx((gamma[activation] * lam) ** T, rel=REL)
        assert 0 < r["norm"] <= r["bound"] * (1 + 1e-12), (activation, lam, T)
    rows = read_table(out, "f", after="2. Pascanu")
    assert rows and all(r["within"] == "yes" for r in rows)


def float_rnn(rnn: dict, h0: list, T: int) -> list:
    """The same RNN with plain floats: hₜ = f(W_ih·xₜ + W_hh·hₜ₋₁ + b)."""
    f = math.tanh if rnn["activation"] == "tanh" else sigmoid
    h = h0
    for x in rnn["xs"][:T]:
        h = [f(rnn["W_ih"][j][0] * x + sum(w * v for w, v in zip(rnn["W_hh"][j], h)) + rnn["b"][0][j])
             for j in range(len(h))]
    return h


@pytest.mark.parametrize("activation, lam", [("tanh", 0.9), ("sigmoid", 3.6)])
def test_pascanu_jacobian_matches_central_differences(run, activation, lam):
    """‖∂h_T/∂h₀‖ by finite differences on the float RNN (T = 5).  The map is smooth with O(1)
    second derivatives, so h = 1e-6 gives each entry to about 1e-9 absolute: 1e-6 relative on a norm of 0.02+."""
    result, _ = run
    T, hidden = 5, 4
    rnn = rnn_vs_lstm.random_rnn(hidden, lam, activation, 0)
    assert largest_singular_value(rnn["W_hh"]) == pytest.approx(lam, rel=1e-9)
    step = 1e-6
    columns = []
    for k in range(hidden):
        up = [step if j == k else 0.0 for j in range(hidden)]
        down = [-v for v in up]
        columns.append([(a - b) / (2 * step) for a, b in zip(float_rnn(rnn, up, T), float_rnn(rnn, down, T))])
    J = [list(row) for row in zip(*columns)]
    assert largest_singular_value(J) == pytest.approx(result["pascanu"][(activation, lam, T)]["norm"], rel=1e-6)


# --- 3. the LSTM's cell state ---------------------------------------------------------------

def test_open_forget_gate_passes_the_gradient_exactly(run):
    result, _ = run
    opened = result["lstm"]["forget gate held open (bias 40, σ = 1.0)"]
    assert sigmoid(40.0) == 1.0  # 1 − 4e-18 rounds to 1 in float64
    assert opened["gradient"] == [1.0] * 4 and opened["product"] == [1.0] * 4


def test_forget_bias_5_keeps_sigma_5_to_the_100(run):
    result, out = run
    constant = result["lstm"]["forget bias 5.0, gates constant"]
    closed = sigmoid(5.0) ** LSTM_STEPS
    assert round(closed, 2) == 0.51  # the σ(5)¹⁰⁰ ≈ 0.51
    for g in constant["gradient"]:
        assert g == pytest.approx(closed, rel=REL)
    assert "σ(5)^100 = 0.510924" in out


def test_input_dependent_gates_give_the_product_of_their_values(run):
    result, _ = run
    for name in ("forget bias 5.0, gates see xₜ", "forget bias 0, gates see xₜ"):
        r = result["lstm"][name]
        assert r["error"] <= rnn_vs_lstm.PRODUCT_TOL
        assert all(0 < p < 1 for p in r["product"])
    # forget bias 0: fₜ around 1/2, so Π fₜ is around 2⁻¹⁰⁰ (within a few powers of 2 either way)
    low = result["lstm"]["forget bias 0, gates see xₜ"]["product"]
    assert all(2.0 ** -130 < p < 2.0 ** -70 for p in low)


def test_recurrent_gates_break_the_product_formula(run):
    result, _ = run
    r = result["lstm"]["forget bias 5.0, recurrent weights too"]
    assert r["error"] > 1e-6  # extra paths through h: no longer Π fₜ


# --- 4. through time --------------------------------------------------------------------------

def test_rnn_gradient_decays_through_time_while_the_lstm_holds_it(run):
    """Over 30 seeds at T = 12 the RNN's ‖∂L/∂x₁‖/‖∂L/∂x_T‖ stayed below 0.05 and the LSTM's above 0.27."""
    result, out = run
    rnn, lstm = result["through_time"]["rnn"], result["through_time"]["lstm"]
    assert len(rnn["norms"]) == len(lstm["norms"]) == LENGTH
    rnn_ratio = rnn["norms"][0] / rnn["norms"][-1]
    lstm_ratio = lstm["norms"][0] / lstm["norms"][-1]
    assert rnn_ratio < 0.1 and lstm_ratio > 0.2
    assert rnn["rate"] == pytest.approx(rnn_ratio ** (1 / (LENGTH - 1)), rel=1e-12)
    assert rnn["rate"] < rnn["lambda"] < 1  # tanh′ ≤ 1 and ‖W_hh‖ = λ < 1: at most λ per step, on average
    rows = read_table(out, "t", after="4. ‖∂loss/∂xₜ‖")
    assert int(rows[0]["t"]) == LENGTH and int(rows[-1]["t"]) == 1
    assert float(rows[-1]["RNN ‖∂L/∂xₜ‖"]) == pytest.approx(rnn["norms"][0], rel=1e-3)
    assert float(rows[-1]["LSTM ‖∂L/∂xₜ‖"]) == pytest.approx(lstm["norms"][0], rel=1e-3)


# --- 5. the memory task -----------------------------------------------------------------------

def test_memory_task_reports_what_it_measured(run):
    result, out = run
    memory = result["memory"]
    rows = read_table(out, "seed", after="5. The memory task")
    assert [r["model"] for r in rows] == ["RNN", "LSTM"]
    for row, kind in zip(rows, ("rnn", "lstm")):
        r = memory["runs"][kind][0]
        assert len(r["losses"]) == 3 and 0 <= r["accuracy"] <= 1
        assert row["held-out accuracy"] == f"{100 * r['accuracy']:.1f}%"
        assert memory["learned"][kind] == int(r["accuracy"] >= 0.9)


def test_all_checks_pass(run):
    result, out = run
    assert result["ok"] and "All pass." in prose(out)


def test_same_seed_same_output():
    argv = ["--seed", "3", "--length", "4", "--steps", "1", "--batch", "4", "--lstm-steps", "5"]
    outs = [run_demo(rnn_vs_lstm.main, argv)[1] for _ in range(2)]
    assert outs[0] == outs[1]
