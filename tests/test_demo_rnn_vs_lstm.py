"""demos/rnn_vs_lstm.py: w^T, Pascanu's bound, the LSTM's Π fₜ and the GRU's Π zₜ.

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

LSTM_STEPS = 100
SMALL = ["--seed", "0", "--lstm-steps", str(LSTM_STEPS)]
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


def test_the_forget_gate_is_credited_to_gers_and_the_carousel_to_hochreiter(run):
    _, out = run
    text = prose(out)
    assert "Gers, Schmidhuber & Cummins (2000), the forget gate" in text
    assert "constant error carousel (Hochreiter & Schmidhuber)" in text


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


# --- 4. the GRU's update gate ------------------------------------------------------------------

def test_gru_update_gate_passes_the_product_of_its_values(run):
    result, out = run
    gru = result["gru"]
    opened = gru["update gate held open (bias 40, σ = 1.0)"]
    assert opened["gradient"] == [1.0] * 4 and opened["product"] == [1.0] * 4
    for g in gru["update bias 5.0, gates constant"]["gradient"]:
        assert g == pytest.approx(sigmoid(5.0) ** LSTM_STEPS, rel=REL)
    for name in ("update bias 5.0, gates see xₜ", "update bias 0, gates see xₜ"):
        assert gru[name]["error"] <= rnn_vs_lstm.PRODUCT_TOL
    assert gru["update bias 5.0, recurrent weights too"]["error"] > 1e-6
    rows = read_table(out, "GRU", after="4. The GRU's update gate")
    assert rows[1]["closed form"] == "σ(5)^100 = 0.510924"


def test_pascanu_sentences_report_the_measured_rates(run):
    result, out = run
    text = prose(out)
    for (activation, lam), s in result["slopes"].items():
        norm = result["pascanu"][(activation, lam, 50)]["norm"]
        assert s["rate"] == pytest.approx(norm ** (1 / 50), rel=1e-12)
        assert 0 < s["mean"] <= (1.0 if activation == "tanh" else 0.25)
    assert "Here it vanishes anyway" in text or "Here it does grow" in text


def test_all_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)


def test_same_seed_same_output():
    argv = ["--seed", "3", "--lstm-steps", "5"]
    outs = [run_demo(rnn_vs_lstm.main, argv)[1] for _ in range(2)]
    assert outs[0] == outs[1]
