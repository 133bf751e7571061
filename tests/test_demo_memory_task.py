"""demos/memory_task.py: the gradient through time at initialisation, and the memory task.

The LSTM's explanation is re-derived here: Π fₜ from the gates by a loop written
here, and the recurrent weights' share by zeroing them in a copy.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import memory_task  # noqa: E402  (demos/ is not a package: found through the path above)

LENGTH = 12
SMALL = ["--seed", "0", "--length", str(LENGTH), "--steps", "3", "--batch", "16"]


@pytest.fixture(scope="module")
def run():
    return run_demo(memory_task.main, SMALL)


def test_rnn_gradient_decays_through_time_while_the_gated_cells_hold_it(run):
    """Over 30 seeds at T = 12 the RNN's ‖∂L/∂x₁‖/‖∂L/∂x_T‖ stayed below 0.05 and the LSTM's above 0.27."""
    result, out = run
    through = result["through_time"]
    rnn, lstm, gru = through["rnn"], through["lstm"], through["gru"]
    assert len(rnn["norms"]) == len(lstm["norms"]) == len(gru["norms"]) == LENGTH
    rnn_ratio = rnn["norms"][0] / rnn["norms"][-1]
    assert rnn_ratio < 0.1
    assert lstm["norms"][0] / lstm["norms"][-1] > 0.2
    assert 0.5 < gru["norms"][0] / gru["norms"][-1]  # flat in time …
    assert gru["norms"][-1] < lstm["norms"][-1] / 10  # … but small: 1 − z ≈ 0.0067 lets little in
    assert rnn["rate"] == pytest.approx(rnn_ratio ** (1 / (LENGTH - 1)), rel=1e-12)
    assert rnn["rate"] < rnn["lambda"] < 1  # tanh′ ≤ 1 and ‖W_hh‖ = λ < 1: at most λ per step, on average
    rows = read_table(out, "t", after="1. ‖∂loss/∂xₜ‖")
    assert int(rows[0]["t"]) == LENGTH and int(rows[-1]["t"]) == 1
    assert float(rows[-1]["RNN ‖∂L/∂xₜ‖"]) == pytest.approx(rnn["norms"][0], rel=1e-3)
    assert float(rows[-1]["GRU ‖∂L/∂xₜ‖"]) == pytest.approx(gru["norms"][0], rel=1e-3)


def test_the_lstm_ratio_is_taken_apart(run):
    result, out = run
    numbers = result["through_time"]["explained"]
    assert numbers["forget"] == pytest.approx(1 / (1 + math.exp(-5)), rel=1e-15)
    # Each fₜ = σ(W_ih·x + W_hh·h + 5) with |x| ≤ 1, |hⱼ| ≤ 1, W_ih ∈ U(−1, 1) (n_in = 1) and W_hh ∈ U(−½, ½)
    # (4 units): its argument is at least 5 − 1 − 4·½ = 2, so Π fₜ over T − 1 steps is above σ(2)^(T−1).
    assert (1 / (1 + math.exp(-2))) ** (LENGTH - 1) < numbers["low"] <= numbers["product"] <= numbers["high"] < 1
    assert numbers["ratio"] < numbers["product"]  # the measured ratio is below Π fₜ
    assert numbers["ratio_before_last"] > numbers["ratio"]  # the last step's extra path through o_T
    text = prose(out)
    assert f"Why is the LSTM's ratio {numbers['ratio']:.4g}" in text
    assert "with them set to 0 (a copy of the network)" in text


def test_memory_task_reports_what_it_measured(run):
    result, out = run
    memory = result["memory"]
    rows = read_table(out, "seed", after="2. The memory task")
    assert [r["model"] for r in rows] == ["RNN", "LSTM", "GRU"]
    for row, kind in zip(rows, memory_task.KINDS):
        r = memory["runs"][kind][0]
        assert len(r["losses"]) == 3 and 0 <= r["accuracy"] <= 1
        assert row["held-out accuracy"] == f"{100 * r['accuracy']:.1f}%"
        assert memory["learned"][kind] == int(r["accuracy"] >= memory_task.LEARNED)
    learned = memory["learned"]
    assert f"RNN {learned['rnn']} of 1, LSTM {learned['lstm']} of 1, GRU {learned['gru']} of 1" in prose(out)


def test_checks_pass_and_same_seed_same_output(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
    assert run_demo(memory_task.main, SMALL)[1] == out
