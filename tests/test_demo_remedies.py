"""demos/remedies.py: zero init, the grid, He vs Xavier, clipping, batch norm, residual connections.

The demo runs through ``main(argv)`` with small settings and stdout captured.
The tests check its returned and printed numbers against closed forms and
bounds computed here: ln 2 and exact zeros for zero initialisation, the
second-moment law 2^(−l) of a bias-free ReLU net (with a tolerance taken from
its spread at width 32), the chain's gradient (1.5⁵⁰ − 1)·1.5⁴⁹, PyTorch's
clipping formula, and Pascanu's bound ‖δ¹‖ ≤ Π γ·σ_max(Wˡ)·‖δᴰ‖.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import remedies  # noqa: E402  (demos/ is not a package: found through the path above)

from tinygrad_edu.anatomy import largest_singular_value  # noqa: E402

DEPTHS = [3, 6]
RELU_DEPTH = 16
NETWORKS = 6
SMALL = ["--seed", "0", "--depths", *map(str, DEPTHS), "--steps", "2", "--relu-depth", str(RELU_DEPTH),
         "--networks", str(NETWORKS), "--bn-depth", "6", "--residual-depths", "10", "40"]
# |f′| ≤ γ for each activation: σ′ ≤ 1/4, tanh′ ≤ 1, relu′ and leaky relu′ ≤ 1.
GAMMA = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0}


@pytest.fixture(scope="module")
def run():
    return run_demo(remedies.main, SMALL)


# --- 1. zero initialisation ---------------------------------------------------------------------

def test_zero_init_keeps_the_loss_at_exactly_ln_2_with_exactly_zero_hidden_gradients(run):
    result, out = run
    for activation, r in result["zeros"].items():
        assert r["hidden_max"] == 0.0, activation
        assert r["bias_norms"][-1] == 0.0  # balanced labels: mean(1/2 − y) = 0
        assert r["losses"] == [math.log(2)] * len(r["losses"])  # 16 terms of ln 2 sum exactly here
    rows = read_table(out, "activation", after="1. Zero initialisation")
    assert [r["activation"] for r in rows] == remedies.ACTIVATIONS
    for row in rows:
        assert float(row["loss at start"]) == math.log(2) == float(row["loss after 2 steps"])
        assert row["max |hidden grad|"] == "0.0" and row["unchanged"] == "yes"


def test_zero_init_in_the_grid_passes_no_signal_back_at_any_depth(run):
    result, out = run
    for activation in remedies.ACTIVATIONS:
        for depth in DEPTHS:
            cell = result["grid"][(activation, "zeros", depth)]
            assert cell["delta_norms"][0] == 0.0 and cell["delta_norms"][-1] > 0
            assert cell["verdict"] == "stuck at ln 2" and cell["losses"][-1] == cell["losses"][0]
    rows = read_table(out, "activation", after="2. The grid")
    assert all(row[f"D = {d}"] == "exactly 0" for row in rows if row["init"] == "zeros" for d in DEPTHS)


# --- 2. the grid ------------------------------------------------------------------------------

def test_grid_covers_every_depth_activation_and_initialisation(run):
    result, out = run
    assert set(result["grid"]) == {(a, i, d) for a in remedies.ACTIVATIONS for i in remedies.INITS for d in DEPTHS}
    rows = read_table(out, "activation", after="2. The grid")
    assert len(rows) == len(remedies.ACTIVATIONS) * len(remedies.INITS)
    for row in rows:
        for d in DEPTHS:
            cell = result["grid"][(row["activation"], row["init"], d)]
            if row[f"D = {d}"] != "exactly 0":
                assert float(row[f"D = {d}"]) == pytest.approx(cell["ratio"], rel=0.06)  # 2 digits printed


def test_grid_ratios_obey_pascanus_bound(run):
    """‖δ¹‖ ≤ Π_{l ≥ 2} γ·σ_max(Wˡ)·‖δᴰ‖, example by example: |f′| ≤ γ and ‖Wᵀv‖ ≤ σ_max‖v‖."""
    result, _ = run
    for (activation, init_name, depth), cell in result["grid"].items():
        model = remedies.network(depth, 8, activation, init_name, 0)  # the same draws as the demo's
        bound = math.prod(GAMMA[activation] * largest_singular_value(lin.weight.data) for lin in model.linears[1:])
        assert cell["ratio"] <= bound * (1 + 1e-9), (activation, init_name, depth)


def test_sigmoid_always_shrinks_the_backward_signal(run):
    result, _ = run
    for init_name in ("N(0, 1)", "0.01·N(0, 1)", "Xavier", "He"):
        ratios = [result["grid"][("sigmoid", init_name, d)]["ratio"] for d in DEPTHS]
        assert all(r < 1 for r in ratios) and ratios[1] < ratios[0]


# --- 3. He against Xavier ----------------------------------------------------------------------

def test_each_relu_layer_halves_the_second_moment_with_xavier_and_keeps_it_with_he(run):
    """Closed form n·Var(W)/2 per layer: 1 for He, 1/2 for Xavier.

    Tolerances from 60 repetitions at these settings (width 32, 15 layers, 6 networks): the mean factor
    had a standard deviation of about 0.05 (He) and 0.02 (Xavier); we allow 4 of them and more.
    """
    result, _ = run
    he = result["he_xavier"]
    assert he["width"] >= 32
    assert he["mean_factor"]["He"] == pytest.approx(1.0, abs=0.2)
    assert he["mean_factor"]["Xavier"] == pytest.approx(0.5, abs=0.1)


def test_he_over_xavier_signal_is_two_to_the_depth_minus_one(run):
    """Independent networks: log₂(He/Xavier) at the last layer had a standard deviation of about 1.1
    over 60 repetitions at these settings; 4.5 is 4 of them.  With the same draws the ratio is exact."""
    result, out = run
    he = result["he_xavier"]
    last = RELU_DEPTH - 1
    assert he["log2_ratio"][last] == pytest.approx(last, abs=4.5)
    assert he["log2_signal"]["Xavier"][last] < -last + 4.5 < he["log2_signal"]["He"][last]
    for l, r in enumerate(he["same_ratio"]):
        assert r == pytest.approx(2.0 ** l, rel=1e-12)
    rows = read_table(out, "layer l", after="3. He against Xavier")
    assert rows[-1]["layer l"] == str(last) and rows[-1]["closed 2ˡ"] == f"2^{last}"
    assert float(rows[-1]["He/Xavier"][2:]) == pytest.approx(he["log2_ratio"][last], abs=0.006)


# --- 4. clipping ------------------------------------------------------------------------------

def test_unclipped_chain_goes_non_finite_at_the_second_step(run):
    result, out = run
    plain = result["clipping"]["plain"]
    y = 1.5 ** 50
    assert plain["first_nonfinite"] == 2
    assert plain["losses"][0] == pytest.approx((y - 1) ** 2 / 2, rel=1e-12)
    assert plain["norms"][0] == pytest.approx(math.sqrt(50) * (y - 1) * y / 1.5, rel=1e-12)  # ∂L/∂wⱼ = (ŷ−1)ŷ/wⱼ
    assert not math.isfinite(plain["losses"][1])
    assert "inf (overflow) at step 2" in prose(out)


def test_clipped_chain_stays_finite_and_converges(run):
    result, _ = run
    clipped = result["clipping"]["clipped"]
    assert clipped["first_nonfinite"] is None
    assert all(math.isfinite(v) for v in clipped["losses"])
    assert clipped["losses"][-1] < 1e-20
    assert all(w == pytest.approx(1.0, abs=1e-10) for w in clipped["weights"])


def test_clipping_matches_pytorchs_formula(run):
    result, _ = run
    clipped = result["clipping"]["clipped"]
    assert clipped["torch_error"] <= remedies.CLIP_REL_TOL
    # every clipped step has norm exactly θ = 1 (up to rounding); later steps are not clipped at all
    clipped_steps = [n for n, g in zip(clipped["clipped_norms"], clipped["norms"]) if g > 1.0]
    assert clipped_steps and all(n == pytest.approx(1.0, rel=1e-12) for n in clipped_steps)
    # PyTorch's formula by hand, on a gradient of norm 10: θ/(‖g‖ + 1e-6) against θ/‖g‖
    g = [6.0, 8.0]
    torch = remedies.torch_clip(g, 5.0)
    assert torch == pytest.approx([3.0, 4.0], rel=1e-6)
    assert torch != [3.0, 4.0]


# --- 5. batch norm ----------------------------------------------------------------------------

def test_batch_norm_lifts_the_first_layers_gradient_and_zeroes_the_bias_before_it(run):
    result, _ = run
    bn = result["batch_norm"]
    assert bn["batch_norm"]["ratio"] > 10 * bn["plain"]["ratio"]
    assert bn["bias_before_bn"] < 1e-12  # Σᵢ ∂L/∂xᵢ = 0 for any ε
    assert min(bn["plain"]["bias_norms"][:-1]) > 1e-12


# --- 6. residual connections ------------------------------------------------------------------

def test_residual_jacobian_is_identity_plus_the_blocks(run):
    result, out = run
    assert result["residual"]["identity_error"] <= 1e-15
    assert "∂y/∂x = I + ∂F/∂x: yes" in prose(out)


@pytest.mark.parametrize("depth", [10, 40])
def test_plain_stack_obeys_its_bound_and_the_residual_one_keeps_the_gradient(run, depth):
    result, _ = run
    plain, residual = result["residual"][(depth, False)], result["residual"][(depth, True)]
    sigmas = [largest_singular_value(f[0].weight.data) for f in remedies.blocks(depth, 8, 0)]
    # x_{l+1} = tanh(W x_l + b): each step back multiplies by diag(tanh′)·W, of norm ≤ σ_max(W)
    assert plain["ratio"] <= math.prod(sigmas[:-1]) * (1 + 1e-9)
    # x_{l+1} = x_l + F(x_l): each step back multiplies by I + ∂F/∂x, of norm ≤ 1 + σ_max(W)
    assert residual["ratio"] <= math.prod(1 + s for s in sigmas[:-1]) * (1 + 1e-9)
    assert residual["ratio"] > 0.5 and residual["ratio"] > 100 * plain["ratio"]


def test_all_checks_pass(run):
    result, out = run
    assert result["ok"] and "All pass." in prose(out)


def test_odd_batch_is_refused():
    with pytest.raises(SystemExit):
        remedies.main(["--batch", "15"])
