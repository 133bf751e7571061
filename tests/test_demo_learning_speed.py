"""demos/learning_speed.py: Nielsen's chapter-5 measurement on the UCI digits.

The demo runs through ``main(argv)`` with stdout captured. The tests read its
printed tables back, recompute ‖δˡ‖ with a hand-written backprop of
network2's equations (plain floats, a sigmoid of its own: a route independent
of the engine), compare its medians with the 5–95% bands of an independent
NumPy computation of the same protocol, and make every verdict sentence flip
when its numbers do.
"""

import math
import random

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import _nielsen as protocol  # noqa: E402  (demos/ is not a package: found through the path above)
import learning_speed as ls  # noqa: E402
from tinygrad_edu.data import load_digits, one_hot  # noqa: E402
from tinygrad_edu.matrix import Matrix  # noqa: E402

#: 5% and 95% quantiles (numpy.percentile, linear; 4 significant digits) of ‖δˡ‖ per hidden layer over 300 networks per
#: depth, Nielsen's protocol on the first 1000 digits, computed with NumPy (Generator PCG64, seeds
#: [s, hidden] for s < 300) by numpy_bands() below, outside this package: an independent route.
NUMPY_BANDS = {
    2: [(0.03820, 0.08816), (0.1986, 0.3968)],
    3: [(0.006811, 0.01845), (0.03709, 0.08825), (0.1982, 0.4133)],
    4: [(0.001312, 0.004146), (0.006839, 0.01909), (0.03608, 0.09009), (0.1992, 0.4024)],
}
# Two float routes to the same average add the same numbers in other orders: ~1e-16 apart.
REL = 1e-12


@pytest.fixture(scope="module")
def full():
    """Nielsen's protocol at full size (1000 images) with 3 networks at 2 and 4 hidden layers: ~2 s."""
    return run_demo(ls.main, ["--seeds", "3", "--hidden", "2", "4"])


@pytest.fixture(scope="module")
def trained():
    """A small training run: 40 images, 3 epochs, 2 and 3 hidden layers."""
    return run_demo(ls.main, ["--seeds", "2", "--examples", "40", "--hidden", "2", "3", "--train", "--epochs", "3"])


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def hand_backprop(weights: list, biases: list, X: list, y: list) -> list:
    """network2.backprop, averaged over the images: ∂C/∂bˡ for every layer, by Nielsen's equations.

    z = Wa + b, a = σ(z); δᴸ = aᴸ − y (cross-entropy, sigmoid output); δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ).
    """
    totals = [[0.0] * len(b) for b in biases]
    for x, label in zip(X, y):
        a, zs = x, []
        for W, b in zip(weights, biases):
            zs.append([sum(w * v for w, v in zip(row, a)) + bj for row, bj in zip(W, b)])
            a = [sigmoid(v) for v in zs[-1]]
        delta = [aj - (1.0 if j == label else 0.0) for j, aj in enumerate(a)]
        for l in range(len(weights) - 1, -1, -1):
            totals[l] = [t + d for t, d in zip(totals[l], delta)]
            if l:
                back = [sum(weights[l][k][j] * delta[k] for k in range(len(delta))) for j in range(len(zs[l - 1]))]
                delta = [sigmoid(z) * (1 - sigmoid(z)) * g for z, g in zip(zs[l - 1], back)]
    return [[t / len(X) for t in total] for total in totals]


def close_vectors(a: list, b: list) -> float:
    """‖a − b‖/‖b‖."""
    return math.hypot(*[p - q for p, q in zip(a, b)]) / math.hypot(*b)


# --- the protocol ---------------------------------------------------------------------


def test_engine_delta_on_a_small_net_equals_network2_backprop_by_hand():
    rng = random.Random(7)
    X = [[rng.random() for _ in range(5)] for _ in range(9)]
    y = [rng.randrange(4) for _ in range(9)]
    model = protocol.nielsen_network([5, 6, 4, 4], seed=3)
    run = protocol.backward_pass(model, Matrix(X, requires_grad=False), Matrix(one_hot(y, 4), requires_grad=False))
    weights = [lin.weight.data for lin in model.linears]
    by_hand = hand_backprop(weights, [lin.bias.data[0] for lin in model.linears], X, y)
    for engine, hand in zip(run["deltas"], by_hand):
        assert close_vectors(engine, hand) <= REL
    for demo_route, hand in zip(protocol.network2_backprop(model, X, y), by_hand):  # the demo's own second route
        assert close_vectors(demo_route, hand) <= REL


def test_nielsen_network_draws_weights_n01_over_root_n_and_biases_n01():
    weights, biases = [], []
    for seed in range(40):
        model = protocol.nielsen_network([64, 30, 10], seed)
        weights += [w * 8 for row in model.linears[0].weight.data for w in row]  # × √64
        biases += model.linears[0].bias.data[0] + model.linears[1].bias.data[0]
    for sample in (weights, biases):  # both N(0, 1): mean 0 and variance 1 within 5 standard errors
        mean = sum(sample) / len(sample)
        variance = sum((v - mean) ** 2 for v in sample) / len(sample)
        assert abs(mean) < 5 / math.sqrt(len(sample)) and abs(variance - 1) < 5 * math.sqrt(2 / len(sample))
    assert protocol.nielsen_network([4, 3, 2], 5).linears[0].weight.data == protocol.nielsen_network([4, 3, 2], 5).linears[0].weight.data


def test_nielsen_update_is_network2_with_weight_decay():
    model = protocol.nielsen_network([3, 2, 2], seed=1)
    X, Y = Matrix([[0.1, 0.5, 0.9], [0.7, 0.2, 0.0]], requires_grad=False), Matrix(one_hot([1, 0], 2), requires_grad=False)
    protocol.backward_pass(model, X, Y)
    before = [(lin.weight.tolist(), lin.weight.grad, lin.bias.tolist()[0], lin.bias.grad[0]) for lin in model.linears]
    protocol.nielsen_update(model, eta=0.3, lmbda=5.0, n=2)
    for lin, (w, gw, b, gb) in zip(model.linears, before):
        assert lin.weight.data == [[(1 - 0.3 * 5.0 / 2) * wij - 0.3 * g for wij, g in zip(r, gr)] for r, gr in zip(w, gw)]
        assert lin.bias.data[0] == [bj - 0.3 * g for bj, g in zip(b, gb)]


# --- at initialisation, full size ----------------------------------------------------------


def test_every_median_lies_inside_the_band_numpy_gives_for_the_same_protocol(full):
    result, out = full
    rows = read_table(out, "network", after="1. ‖δˡ‖")
    hidden = None
    for row in rows:
        hidden = len(eval(row["network"])) - 2 if row["network"] else hidden  # "[64, 30, 30, 10]"
        l = int(row["layer l"])
        median = float(row["median ‖δˡ‖"])
        low, high = NUMPY_BANDS[hidden][l - 1]
        assert low <= median <= high, (hidden, l, median)
        computed = sorted(r["hidden"][l - 1] for r in result["draws"][hidden])[1]  # median of 3
        assert median == pytest.approx(computed, rel=1e-3)
    assert len(rows) == 6


def test_printed_draw_equals_hand_backprop_on_the_thousand_digits(full):
    result, _ = full
    images, labels = load_digits()
    first = result["draws"][2][0]["model"]
    by_hand = hand_backprop([lin.weight.data for lin in first.linears], [lin.bias.data[0] for lin in first.linears],
                            images[:1000], labels[:1000])
    assert [math.hypot(*d) for d in by_hand[:2]] == pytest.approx(result["draws"][2][0]["hidden"], rel=REL)
    assert result["route_error"] <= ls.ROUTE_TOL and result["output_error"] <= ls.ROUTE_TOL and result["ok"]


def test_first_layer_is_slowest_in_every_network_and_ratios_are_about_five(full):
    result, out = full
    for runs in result["draws"].values():
        for r in runs:
            assert r["hidden"] == sorted(r["hidden"])
            assert all(3 < x < 9 for x in r["ratios"])
            assert all(s >= 4 for s in r["sigma_part"])  # 1/RMS σ′ ≥ 1/max σ′ ≥ 4
    rows = read_table(out, "network", after="2. Each layer back")
    assert [r["median ratio"] for r in rows if "in" in r["layers"]] == ["3 of 3", "3 of 3"]
    ratio_rows = [r for r in rows if "/" in r["layers"]]
    assert [r["Nielsen, MNIST"] for r in ratio_rows] == ["4.43", "5.67", "4.12", "4.07"]  # 0.31/0.07, 0.017/0.003 …


def test_mean_field_factor_is_4_88_by_an_independent_quadrature(full):
    result, out = full
    def expect(f, q, n=3000, reach=12.0):  # midpoint rule (the demo uses Simpson's)
        h = 2 * reach / n
        return sum(f((-reach + (i + 0.5) * h) * math.sqrt(q)) * math.exp(-(-reach + (i + 0.5) * h) ** 2 / 2)
                   for i in range(n)) * h / math.sqrt(2 * math.pi)
    q = 1.25
    for _ in range(25):  # a contraction: 25 steps take q to its fixed point well within 1e-12
        q = 1 + expect(lambda z: sigmoid(z) ** 2, q)
    factor = 1 / math.sqrt(expect(lambda z: (sigmoid(z) * (1 - sigmoid(z))) ** 2, q))
    assert result["mean_field"] == pytest.approx(factor, rel=1e-9) and round(factor, 2) == 4.88
    assert "gives 1/4.88" in prose(out) and "4 is a floor, not a cap" in prose(out)


def test_the_pooled_table_and_the_sentence_under_it_read_the_same_numbers(full):
    result, out = full
    parts, pooled = result["ratios"]["parts"], result["ratios"]["pooled"]
    rows = {r["every hidden layer pooled"]: r for r in read_table(out, "every hidden layer pooled")}
    assert float(rows["σ′ part: 1/RMS σ′(zˡ)"]["median"]) == pytest.approx(parts["sigma_part"][1], rel=1e-3)
    assert float(rows["the ratio ‖δˡ⁺¹‖/‖δˡ‖"]["smallest"]) == pytest.approx(min(pooled["ratios"]), rel=1e-3)
    text = prose(out)
    assert f"is 1/{ls.format_number(parts['sigma_part'][1], 3)} (median)" in text
    below = sum(r < 4 for r in pooled["ratios"])
    assert (f"none of the {len(pooled['ratios'])} ratios is below 4" in text) == (below == 0)


# --- training --------------------------------------------------------------------------------


def test_training_starts_from_the_seed_draw_and_prints_its_numbers(trained):
    result, out = trained
    for hidden, run in result["trained"].items():
        assert run["norms"][0] == result["draws"][hidden][0]["hidden"]  # epoch 0 is the draw of section 1
        assert len(run["norms"]) == 4 and list(run["accuracy"]) == [0, 1, 2, 3]
        rows = read_table(out, "epoch", after=f"3. Training {run['sizes']}")
        assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3]
        assert [float(r["held-out accuracy"].rstrip("%")) for r in rows] == pytest.approx(
            [100 * a for a in run["accuracy"].values()], abs=0.05)
        assert [float(r["‖δ¹‖"]) for r in rows] == pytest.approx([n[0] for n in run["norms"]], rel=1e-3)
    lines = out.splitlines()
    axes = [lines[k + 1].split() for k, line in enumerate(lines) if line.strip().startswith("+---")]
    assert "(x axis: epoch 0 to 3)" in out and axes == [["0", "3"], ["0", "3"]]  # the x labels are epochs
    assert result["ok"] and "Epoch 0 of every training run reproduces its seed-0 draw of section 1: yes" in prose(out)


def test_training_follows_network2_step_by_step(trained):
    result, _ = trained
    images, labels = load_digits()
    X, Y = Matrix(images[:40], requires_grad=False), Matrix(one_hot(labels[:40], 10), requires_grad=False)
    model = protocol.nielsen_network([64, 30, 30, 10], 0)
    for epoch in range(3):  # replay: measure by hand, then update by network2's rule, by hand
        weights = [lin.weight.tolist() for lin in model.linears]
        biases = [lin.bias.tolist()[0] for lin in model.linears]
        deltas = hand_backprop(weights, biases, images[:40], labels[:40])
        assert [math.hypot(*d) for d in deltas[:2]] == pytest.approx(result["trained"][2]["norms"][epoch], rel=1e-9)
        protocol.backward_pass(model, X, Y)
        protocol.nielsen_update(model, protocol.ETA, protocol.LMBDA, 40)


def test_prior_cost_is_the_cost_of_answering_the_class_frequencies():
    labels = [0] * 30 + [1] * 10
    assert protocol.prior_cost(labels) == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) * 2)
    model_free = protocol.nielsen_cost(Matrix([[math.log(3), -math.log(3)] + [-50.0] * 8] * 40),
                                 Matrix(one_hot(labels, 10), requires_grad=False))
    assert model_free.item() == pytest.approx(protocol.prior_cost(labels), abs=1e-9 * 40)  # σ(ln 3) = 3/4


# --- the verdicts follow the numbers ----------------------------------------------------------


def test_accuracy_verdict_flips_at_three_standard_errors_above_chance():
    margin = 3 * math.sqrt(0.1 * 0.9 / 800)
    assert "above chance" in ls.accuracy_verdict(0.1 + margin * 1.01, 0.1, 800)
    assert "at chance" in ls.accuracy_verdict(0.1 + margin * 0.99, 0.1, 800)
    assert "at chance" in ls.accuracy_verdict(0.02, 0.1, 800)  # below chance is not learning either


def test_cost_verdict_flips_when_the_cost_goes_below_the_class_frequency_cost():
    assert "the network does better than ignoring the images" in ls.cost_verdict([9.0, 2.0], floor=3.25)
    assert "within 0.5% of 3.25" in ls.cost_verdict([9.0, 3.24], floor=3.25)
    assert "still above 3.25" in ls.cost_verdict([9.0, 4.0], floor=3.25)
    assert "no better than ignoring the images" in ls.cost_verdict([9.0, 3.24], floor=3.25)
    assert "more than 0.5% below 3.25" in ls.cost_verdict([9.0, 3.23], floor=3.25)  # 0.6% below


def test_slowest_verdict_names_the_first_epoch_where_another_layer_is_slower():
    assert "at every one of the 2 epochs" in ls.slowest_verdict([[0.1, 0.5], [0.2, 0.3]])
    text = ls.slowest_verdict([[0.1, 0.5, 0.9], [0.2, 0.3, 0.9], [0.4, 0.3, 0.2]])
    assert "at only 2 of the 3 epochs measured: at epoch 2 it is layer 3" in text


def test_gap_verdict_says_narrows_widens_or_stays():
    assert "narrows" in ls.gap_verdict([5.0, 2.0]) and "widens" in ls.gap_verdict([5.0, 9.0])
    assert "stays about the same" in ls.gap_verdict([5.0, 6.0])


def fake_draws(values: dict) -> dict:
    """Draws for section_init/section_ratios: every network of a depth with the given ‖δˡ‖."""
    return {h: [{"hidden": [v * (1 + (k - 2) / 100) for v in vs], "sizes": [64] + [30] * h + [10],
                 "ratios": [b / a for a, b in zip(vs, vs[1:])], "sigma_part": [4.9] * (h - 1),
                 "weight_gain": [4.9 * a / b for a, b in zip(vs, vs[1:])]} for k in range(5)]
            for h, vs in values.items()}


def test_section_one_says_whether_nielsens_numbers_fit_our_bands(capsys):
    nielsen = protocol.NIELSEN
    compared = ls.section_init(fake_draws({h: nielsen[h] for h in (2, 3, 4)}), 5, "test data", nielsen)
    assert all(compared["inside"].values()) and "his draws look like ours" in prose(capsys.readouterr().out)
    compared = ls.section_init(fake_draws({h: [10 * v for v in nielsen[h]] for h in (2, 3, 4)}), 5, "test data", nielsen)
    text = prose(capsys.readouterr().out)
    assert not any(compared["inside"].values()) and not compared["alike"]
    assert "0 of his 9 numbers lie inside" in text and "by more than luck" in text
    # One of nine outside a 90% band is what luck gives (probability 0.61): still alike.
    values = {h: list(nielsen[h]) for h in (2, 3, 4)}
    values[4][1] = 0.01
    compared = ls.section_init(fake_draws(values), 5, "test data", nielsen)
    assert compared["alike"] and "happens by luck with probability 0.61" in prose(capsys.readouterr().out)
    compared = ls.section_init(fake_draws(values), 5, "test data", {})
    assert "none to compare with here" in prose(capsys.readouterr().out) and not compared["alike"]


def test_section_two_counts_ratios_below_four_and_whether_weights_stretched_them(capsys):
    ls.section_ratios(fake_draws({2: [0.1, 0.35]}), 4.88, {})  # ratio 3.5 < 4: W part 4.9/3.5 > 1
    assert "5 of the 5 ratios are below 4, and the W part is above 1 in every one of them" in prose(capsys.readouterr().out)
    ls.section_ratios(fake_draws({2: [0.1, 0.6]}), 4.88, {})
    assert "none of the 5 ratios is below 4" in prose(capsys.readouterr().out)
    # One ratio below 4 is said in the singular (ngettext), stretched or not.
    draws = fake_draws({2: [0.1, 0.6]})
    draws[2][0].update(ratios=[3.5], weight_gain=[1.4])
    assert ls.section_ratios(draws, 4.88, {})["below_four"] == 1
    assert "1 of the 5 ratios is below 4, and its W part is above 1." in prose(capsys.readouterr().out)
    draws[2][0].update(weight_gain=[0.9])
    ls.section_ratios(draws, 4.88, {})
    assert "one of the 5 ratios is below 4, and its W part is not above 1" in prose(capsys.readouterr().out)
    # Two below, one stretched: the plural, with the count of stretched ones.
    draws[2][1].update(ratios=[3.0], weight_gain=[1.6])
    ls.section_ratios(draws, 4.88, {})
    assert "2 of the 5 ratios are below 4, and the W part is above 1 in only 1 of them" in prose(capsys.readouterr().out)


def test_lesson_reports_what_the_draws_show():
    draws = fake_draws({4: [0.003, 0.015, 0.07, 0.3]})
    ratios = {"parts": {"ratios": (4.0, 4.6, 5.0)}}
    text = ls.lesson(draws, ratios, alike=True)
    assert "about 4.6" in text and "held in every network drawn, and Nielsen’s MNIST draws look like ours" in text
    draws[4][0]["hidden"] = [0.02, 0.015, 0.07, 0.3]
    text = ls.lesson(draws, ratios, alike=False)
    assert "most networks, not all" in text and "Nielsen" not in text


# --- options ------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["--lr", "1e5"], "1 − ηλ/n = -499"),
    (["--lr", "-1"], "argument --lr: expected a number above 0 and at most 1e+06, got '-1'"),
    (["--lr", "nan"], "argument --lr: expected a number above 0 and at most 1e+06, got 'nan'"),
    (["--lmbda", "-0.5"], "argument --lmbda: expected a number from 0 to 1e+06, got '-0.5'"),
    (["--seeds", "1"], "argument --seeds: expected a whole number from 2 to 1000, got 1"),
    (["--hidden", "31"], "argument --hidden: expected a whole number from 2 to 30, got 31"),
    (["--hidden", "1", "3"], "argument --hidden: expected a whole number from 2 to 30, got 1"),
    (["--hidden", "2", "3", "4", "5", "6", "7", "8"], "argument --hidden: expected at most 6 values, got 7"),
    (["--examples", "1797"], "--examples 1797: need 2 to 1796"),
    (["--seeds", "1000", "--width", "1000"], "needs about 1.9e+13 multiply-adds"),
    (["--mnist", "/no/such/folder"], "--mnist /no/such/folder: not a folder"),
    (["--plot", "/no/such/folder/x.png"], "argument --plot: the folder '/no/such/folder' does not exist"),
])
def test_bad_options_are_refused_in_one_line_before_any_work(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        ls.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr()
    assert message in err.err and err.out == "" and "Traceback" not in err.err


def test_a_huge_learning_rate_without_decay_runs_to_a_finite_end():
    result, out = run_demo(ls.main, ["--lr", "1e5", "--lmbda", "0", "--seeds", "2", "--examples", "30",
                                     "--hidden", "2", "--train", "--epochs", "1"])
    run = result["trained"][2]
    assert all(math.isfinite(c) for c in run["cost"]) and result["ok"]
    assert "η = 100000" in out


def test_mnist_folder_runs_the_same_experiment_on_its_images(tmp_path):
    from test_data import write_mnist
    write_mnist(tmp_path, train=30, test=12, side=4)
    result, out = run_demo(ls.main, ["--mnist", str(tmp_path), "--examples", "20", "--seeds", "2", "--hidden", "2",
                                     "--train", "--epochs", "1"])
    assert result["draws"][2][0]["sizes"] == [16, 30, 30, 10]
    assert "the first 20 MNIST training images (16 grey levels divided by 255); held out: the first 12 test images" in prose(out)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x0c" + bytes(11))
    with pytest.raises(SystemExit):
        ls.main(["--mnist", str(tmp_path), "--examples", "20", "--seeds", "2"])


def test_same_seed_same_output_other_seed_other_numbers():
    tiny = ["--examples", "20", "--seeds", "2", "--hidden", "2"]
    a, out_a = run_demo(ls.main, ["--seed", "5"] + tiny)
    _, out_b = run_demo(ls.main, ["--seed", "5"] + tiny)
    c, _ = run_demo(ls.main, ["--seed", "6"] + tiny)
    assert out_a == out_b
    assert a["draws"][2][1]["hidden"] == c["draws"][2][0]["hidden"]  # seeds 5, 6 and 6, 7 share seed 6
    assert a["draws"][2][0]["hidden"] != c["draws"][2][0]["hidden"]


# --- the NumPy route (runs where NumPy is installed; CI has none) ------------------------------


def numpy_bands(seeds: int = 300) -> dict:
    """NUMPY_BANDS, recomputed: Nielsen's protocol written with NumPy arrays, one column per image."""
    np = pytest.importorskip("numpy")
    images, labels = load_digits()
    X, Y = np.array(images[:1000]).T, np.eye(10)[labels[:1000]].T
    bands = {}
    for hidden in (2, 3, 4):
        sizes, norms = [64] + [30] * hidden + [10], []
        for s in range(seeds):
            rng = np.random.default_rng([s, hidden])
            biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
            weights = [rng.standard_normal((n, m)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
            a, zs = X, []
            for W, b in zip(weights, biases):
                zs.append(W @ a + b)
                a = 1 / (1 + np.exp(-zs[-1]))
            delta, found = a - Y, []
            for l in range(len(weights) - 1, 0, -1):
                s_ = 1 / (1 + np.exp(-zs[l - 1]))
                delta = (weights[l].T @ delta) * s_ * (1 - s_)
                found.append(np.linalg.norm(delta.mean(axis=1)))
            norms.append(found[::-1])
        q = np.percentile(np.array(norms), [5, 95], axis=0)
        bands[hidden] = [(q[0, l], q[1, l]) for l in range(hidden)]
    return bands


def test_numpy_bands_are_reproduced_by_numpy():
    bands = numpy_bands()
    for hidden, layers in NUMPY_BANDS.items():
        for (low, high), (np_low, np_high) in zip(layers, bands[hidden]):
            assert (np_low, np_high) == pytest.approx((low, high), rel=5e-4)  # stored to 4 significant digits


def test_gap_verdict_says_so_when_the_first_layer_gradient_is_exactly_zero():
    assert "‖δ¹‖ is exactly 0 at 1 epoch)" in ls.gap_verdict([5.0, math.nan, 6.0])  # ngettext: 1 epoch
    assert "has no value at epoch 0 or 2: ‖δ¹‖ is exactly 0 at 1 of the 3 epochs" in ls.gap_verdict([5.0, 6.0, math.nan])
