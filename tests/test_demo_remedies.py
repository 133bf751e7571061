"""demos/remedies.py: the grid of depth × activation × initialisation.

The demo runs through ``main(argv)`` with small settings and stdout captured.
Every network's ratio ‖δ¹‖/‖δᴰ‖ is bounded here by Pascanu's argument,
‖δ¹‖ ≤ Π_{l ≥ 2} γ·σ_max(Wˡ)·‖δᴰ‖ example by example (|f′| ≤ γ, ‖Wᵀv‖ ≤ σ_max‖v‖),
recomputed from the same weights; the printed cells are read back and compared
with the medians; the sentences are checked against the numbers they describe.
"""

import math
import statistics

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import remedies  # noqa: E402  (demos/ is not a package: found through the path above)

from tinygrad_edu.anatomy import largest_singular_value  # noqa: E402

DEPTHS = [3, 6]
WIDTH = 8
NETWORKS = 2
SMALL = ["--seed", "0", "--depths", *map(str, DEPTHS), "--width", str(WIDTH), "--networks", str(NETWORKS)]
# |f′| ≤ γ for each activation: σ′ ≤ 1/4, tanh′ ≤ 1, relu′ and leaky relu′ ≤ 1.
GAMMA = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0}


@pytest.fixture(scope="module")
def run():
    return run_demo(remedies.main, SMALL)


def test_grid_covers_every_cell_and_prints_its_median(run):
    result, out = run
    grid = result["grid"]
    assert set(grid) == {(a, i, d) for a in remedies.ACTIVATIONS for i in remedies.INITS for d in DEPTHS}
    rows = read_table(out, "activation", after="1. ‖δ¹‖/‖δᴰ‖")
    assert len(rows) == len(remedies.ACTIVATIONS) * len(remedies.INITS)
    for row in rows:
        for d in DEPTHS:
            cell = grid[(row["activation"], row["init"], d)]
            assert len(cell["ratios"]) == NETWORKS
            if row["init"] == "zeros":
                assert row[f"D = {d}"] == "exactly 0"
            else:
                assert cell["median"] == statistics.median(cell["ratios"])
                assert float(row[f"D = {d}"].split()[0]) == pytest.approx(cell["median"], rel=0.06)  # 2 digits


def test_every_network_obeys_pascanus_bound(run):
    result, _ = run
    for (activation, init_name, depth), cell in result["grid"].items():
        for k, ratio in enumerate(cell["ratios"]):
            model = remedies.network(depth, WIDTH, activation, init_name, k)  # the same draws as the demo's
            bound = math.prod(GAMMA[activation] * largest_singular_value(lin.weight.data) for lin in model.linears[1:])
            assert ratio <= bound * (1 + 1e-9), (activation, init_name, depth, k)


def test_zero_initialisation_sends_exactly_nothing_back(run):
    result, out = run
    for activation in remedies.ACTIVATIONS:
        for depth in DEPTHS:
            assert result["grid"][(activation, "zeros", depth)]["ratios"] == [0.0] * NETWORKS
    assert "because every W = 0 sends nothing back" in prose(out)


def test_the_sentences_follow_the_numbers(run):
    result, out = run
    grid, text = result["grid"], prose(out)
    sigmoid = [[grid[("sigmoid", i, d)]["median"] for d in DEPTHS] for i in remedies.INITS if i != "zeros"]
    assert all(r[0] > r[1] and r[0] < 1 for r in sigmoid)
    assert "Sigmoid: with every non-zero initialisation the ratio is below 1 and falls with depth." in text
    assert all(grid[(a, "N(0, 1)", d)]["median"] > 1 for a in ("relu", "leaky_relu") for d in DEPTHS)
    assert "N(0, 1) with (leaky) ReLU: the ratio is above 1 at every depth" in text
    assert f"n·Var(W)/2 = {WIDTH / 2:.1f}" in text


def test_per_layer_factors_are_printed_beside_their_closed_forms(run):
    result, out = run
    rows = read_table(out, "activation", after="The per-layer factor the median implies")
    assert [(r["activation"], r["init"]) for r in rows] == [("relu", "Xavier"), ("relu", "He"),
                                                         ("leaky_relu", "Xavier"), ("leaky_relu", "He")]
    for row in rows:
        closed = math.sqrt((1 if row["init"] == "He" else 0.5) * (1 + (0.01 ** 2 if row["activation"] == "leaky_relu" else 0)))
        assert float(row["closed form"]) == pytest.approx(closed, abs=6e-4)
        for d in DEPTHS:
            factor = result["grid"][(row["activation"], row["init"], d)]["factor"]
            assert factor == pytest.approx(result["grid"][(row["activation"], row["init"], d)]["median"] ** (1 / (d - 1)))
            assert float(row[f"D = {d}"]) == pytest.approx(factor, rel=2e-3)


def test_born_dead_networks_are_counted_and_pass_exactly_nothing(capsys):
    """Width 4 and depth 30: most ReLU networks have a layer negative on every input (Lu et al. 2020)."""
    result = remedies.main(["--depths", "30", "--width", "4", "--networks", "3"])
    text = prose(capsys.readouterr().out)
    dead = result["found"]["dead"]
    assert dead and all(a == "relu" for a, _, _ in dead)
    for (a, i, d), k in dead.items():
        assert sum(r == 0 for r in result["grid"][(a, i, d)]["ratios"]) >= k
    assert "Dead networks:" in text and "born dead" in text
    for init_name in remedies.INITS:  # leaky relu's gradient is never exactly 0 (apart from the zero start)
        if init_name != "zeros":
            assert result["grid"][("leaky_relu", init_name, 30)]["dead"] == 0


@pytest.mark.parametrize("argv", [["--batch", "15"], ["--width", "1"], ["--depths", "1"], ["--networks", "0"]])
def test_bad_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        remedies.main(argv)
    assert stop.value.code == 2 and capsys.readouterr().out == ""


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
