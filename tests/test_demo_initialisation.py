"""demos/initialisation.py: the all-zero fixed point, symmetry, Glorot's 1/3 per layer, He against Xavier.

The demo runs through ``main(argv)`` with small settings and stdout captured.
Closed forms are checked here: ln 2 and exact zeros for zero initialisation;
exactly identical units for a constant one; n·Var(W)·E[tanh′²] → 1/3 for the
standard initialisation; the second-moment law 2^(−l) of a bias-free ReLU
net, with a tolerance taken from its spread at width 32.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import initialisation  # noqa: E402  (demos/ is not a package: found through the path above)

RELU_DEPTH = 16
NETWORKS = 6
SMALL = ["--seed", "0", "--steps", "20", "--glorot-depth", "6", "--glorot-width", "24", "--relu-depth",
         str(RELU_DEPTH), "--networks", str(NETWORKS)]


@pytest.fixture(scope="module")
def run():
    return run_demo(initialisation.main, SMALL)


def test_zero_init_keeps_the_loss_at_exactly_ln_2_with_exactly_zero_gradients(run):
    result, out = run
    for activation, r in result["zeros"].items():
        assert r["hidden_max"] == 0.0, activation
        assert r["output_bias"] == 0.0  # balanced labels: mean(1/2 − y) = 0
        assert r["losses"] == [math.log(2)] * len(r["losses"])  # 16 terms of ln 2 sum exactly here
    rows = read_table(out, "activation", after="1. Zero initialisation")
    assert [r["activation"] for r in rows] == initialisation.ACTIVATIONS
    for row in rows:
        assert float(row["loss at start"]) == math.log(2) == float(row["loss after 20 SGD steps"])
        assert row["max |hidden gradient|"] == "0.0" and row["unchanged"] == "yes"
    assert "(Wˡ⁺¹)ᵀδˡ⁺¹, and Wˡ⁺¹ = 0" in prose(out)  # the cause: W = 0, not symmetry
    assert "it equals ln 2 to the last bit" in prose(out)


def test_a_constant_start_learns_but_keeps_every_unit_identical(run):
    result, out = run
    constant, random_ = result["symmetry"]["constant"], result["symmetry"]["Xavier (random)"]
    assert constant["before"] == constant["after"] == [1, 1]
    assert random_["before"] == random_["after"] == [8, 8]
    assert constant["losses"][-1] < constant["losses"][0]  # it does learn
    assert "each hidden layer is still one unit copied 8 times" in prose(out)


def test_standard_init_shrinks_a_tanh_signal_by_about_a_third_per_layer(run):
    """Var(aˡ)/Var(aˡ⁻¹) → n·Var(W) = 1/3 once tanh′ ≈ 1.  At width 24, 6 layers and 64 inputs the mean of
    the last three ratios had mean 0.335 and standard deviation 0.025 over 30 seeds: ±0.08 is 3 of them."""
    result, out = run
    standard = result["glorot"]["standard U[−1/√n, 1/√n]"]
    xavier = result["glorot"]["normalised (Xavier) uniform"]
    assert standard["n_var"] == pytest.approx(1 / 3) and xavier["n_var"] == pytest.approx(1.0)
    forward = [b / a for a, b in zip(standard["variance"], standard["variance"][1:])]
    assert sum(forward[-3:]) / 3 == pytest.approx(1 / 3, abs=0.08)
    assert all(f > 0.5 for f in (b / a for a, b in zip(xavier["variance"][1:], xavier["variance"][2:])))
    # going back, the gradient reaching layer 1 (relative to the top) is far smaller with the standard start
    assert standard["backward"][0] / standard["backward"][-1] < 0.1 * xavier["backward"][0] / xavier["backward"][-1]
    rows = read_table(out, "layer l", after="3. Glorot & Bengio")
    for row, slope in zip(rows, standard["slope"][1:]):
        assert float(row["standard: closed"]) == pytest.approx(slope / 3, rel=2e-3)  # n·Var(W)·mean tanh′², 3 digits


def test_each_relu_layer_halves_the_second_moment_with_xavier_and_keeps_it_with_he(run):
    """Closed form n·Var(W)/2 per layer: 1 for He, 1/2 for Xavier.  Tolerances from 60 repetitions at these
    settings (width 32, 15 layers, 6 networks): standard deviations 0.05 (He) and 0.02 (Xavier), 4 of them."""
    result, _ = run
    he = result["he_xavier"]
    assert he["width"] >= 32
    assert he["mean_factor"]["He"] == pytest.approx(1.0, abs=0.2)
    assert he["mean_factor"]["Xavier"] == pytest.approx(0.5, abs=0.1)


def test_he_over_xavier_signal_is_two_to_the_depth_minus_one(run):
    """Independent networks: log₂(He/Xavier) at the last layer had a standard deviation of about 1.1 over 60
    repetitions at these settings; 4.5 is 4 of them.  With the same draws the ratio is exact."""
    result, out = run
    he = result["he_xavier"]
    last = RELU_DEPTH - 1
    assert he["log2_ratio"][last] == pytest.approx(last, abs=4.5)
    assert he["log2_signal"]["Xavier"][last] < -last + 4.5 < he["log2_signal"]["He"][last]
    for l, r in enumerate(he["same_ratio"]):
        assert r == pytest.approx(2.0 ** l, rel=1e-12)
    rows = read_table(out, "layer l", after="4. He against Xavier")
    assert rows[-1]["layer l"] == str(last) and rows[-1]["closed 2ˡ"] == f"2^{last}"
    assert float(rows[-1]["He/Xavier"][2:]) == pytest.approx(he["log2_ratio"][last], abs=0.006)


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)


def test_odd_batch_is_refused(capsys):
    with pytest.raises(SystemExit):
        initialisation.main(["--batch", "15"])
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
