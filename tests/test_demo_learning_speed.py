"""demos/learning_speed.py: per-layer gradient norms in Nielsen's deep sigmoid networks.

The demo runs through ``main(argv)`` with stdout captured and small settings.
The tests read the printed tables back, and recompute ‖δˡ‖ with a hand-written
backprop (Nielsen's equations, plain floats) from the demo's own weights: a
route independent of the engine and of tinygrad_edu.anatomy.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import learning_speed  # noqa: E402  (demos/ is not a package: found through the path above)

EXAMPLES = 60
SMALL = ["--seed", "0", "--examples", str(EXAMPLES), "--steps", "8", "--glorot-steps", "24",
         "--anatomy-examples", "2"]
# Hand-written backprop against the engine: the same sums in another order, ~1e-15 apart;
# 1e-9 leaves room for the 5-layer chain of products and still catches any real mistake.
REL = 1e-9


def run_learning_speed(argv: list) -> tuple:
    return run_demo(learning_speed.main, argv)


@pytest.fixture(scope="module")
def run():
    return run_learning_speed(SMALL)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def hand_backprop(model, X: list, y: list) -> list:
    """‖∂C/∂bˡ‖ per layer by Nielsen's equations (BP1–BP2), example by example, averaged.

    δᴸ = a − y (sigmoid output, cross-entropy), δˡ = σ′(zˡ) ⊙ (Wˡ⁺¹)ᵀ δˡ⁺¹, ∂C/∂bˡ = mean δˡ.
    """
    weights = [lin.weight.data for lin in model.linears]
    biases = [lin.bias.data[0] for lin in model.linears]
    totals = [[0.0] * len(b) for b in biases]
    for x, label in zip(X, y):
        a, zs = x, []
        for W, b in zip(weights, biases):
            z = [sum(w * v for w, v in zip(row, a)) + bj for row, bj in zip(W, b)]
            zs.append(z)
            a = [sigmoid(v) for v in z]
        delta = [aj - (1.0 if j == label else 0.0) for j, aj in enumerate(a)]
        for l in range(len(weights) - 1, -1, -1):
            totals[l] = [t + d for t, d in zip(totals[l], delta)]
            if l:
                back = [sum(weights[l][k][j] * delta[k] for k in range(len(delta))) for j in range(len(zs[l - 1]))]
                delta = [sigmoid(z) * (1 - sigmoid(z)) * g for z, g in zip(zs[l - 1], back)]
    return [math.hypot(*[t / len(X) for t in total]) for total in totals]


def test_every_network_has_the_first_layer_learning_slowest(run):
    result, out = run
    assert result["monotone"]
    for hidden, r in result["results"].items():
        deltas = r["hidden_deltas"]
        assert len(deltas) == hidden
        assert all(a < b for a, b in zip(deltas, deltas[1:])), (hidden, deltas)
    rows = read_table(out, "network", after="1. ‖δˡ‖")
    ours = [r for r in rows if r["network"].startswith("[")]
    assert [r["network"] for r in ours] == ["[16, 30, 30, 10]", "[16, 30, 30, 30, 10]", "[16, 30, 30, 30, 30, 10]"]
    for row, hidden in zip(ours, (2, 3, 4)):
        printed = [float(row[f"‖δ{learning_speed.sup(l)}‖"]) for l in range(1, hidden + 1)]
        assert printed == sorted(printed) and len(set(printed)) == hidden
        expected = result["results"][hidden]["hidden_deltas"]
        assert printed == pytest.approx(expected, rel=1e-3)  # 4 significant digits printed


def test_printed_gradients_match_a_hand_written_backprop(run):
    result, _ = run
    X, y = learning_speed.blobs(EXAMPLES, 16, 0)
    for hidden, r in result["results"].items():
        by_hand = hand_backprop(r["model"], X, y)
        assert by_hand == pytest.approx(r["deltas"], rel=REL)


def test_nielsens_mnist_numbers_are_printed_beside_ours_with_their_source(run):
    _, out = run
    rows = read_table(out, "network", after="1. ‖δˡ‖")
    nielsen = {r["network"]: [v for k, v in r.items() if k.startswith("‖δ") and "/" not in k and v] for r in rows
               if "Nielsen" in r["network"]}
    assert nielsen == {
        "Nielsen [784, 30, 30, 10]": ["0.07", "0.31"],
        "Nielsen [784, 30, 30, 30, 10]": ["0.012", "0.06", "0.283"],
        "Nielsen [784, 30, 30, 30, 30, 10]": ["0.003", "0.017", "0.07", "0.285"],
    }
    text = prose(out)
    assert "Neural Networks and Deep Learning, ch. 5" in text and "1000 images" in text
    assert "weights N(0, 1/n_in), biases N(0, 1)" in text and "δᴸ = a − y" in text


def test_each_layer_back_divides_the_gradient_by_about_four_to_five(run):
    result, out = run
    deepest = result["results"][4]
    assert deepest["hidden_deltas"][3] / deepest["hidden_deltas"][0] > 50  # above 50 in each of 300 seeds (checked with NumPy on the UCI digits)
    ratios = [x for r in result["results"].values() for x in r["ratios"]]
    assert all(2 < x < 10 for x in ratios), ratios
    assert 3.5 < math.exp(sum(map(math.log, ratios)) / len(ratios)) < 6.5
    rows = read_table(out, "network", after="How much faster")
    printed = [float(v) for r in rows if r["network"].startswith("[") for k, v in r.items()
               if k.startswith("‖δ") and v]
    assert printed == pytest.approx(ratios, rel=1e-3)


def test_mean_field_factor_is_4_88_by_an_independent_quadrature(run):
    result, out = run
    mf = result["mean_field"]
    # The fixed point q = 1 + E[σ(z)²], z ~ N(0, q), and E[σ′(z)²] there, by the midpoint rule on
    # a different grid (Simpson in the demo): both converge fast for these smooth integrands.
    def expect(f, q, n=6000, reach=12.0):
        h = 2 * reach / n
        return sum(f((-reach + (i + 0.5) * h) * math.sqrt(q)) * math.exp(-(-reach + (i + 0.5) * h) ** 2 / 2)
                   for i in range(n)) * h / math.sqrt(2 * math.pi)
    q = 1.25
    for _ in range(60):
        q = 1 + expect(lambda z: sigmoid(z) ** 2, q)
    second = expect(lambda z: (sigmoid(z) * (1 - sigmoid(z))) ** 2, q)
    assert mf["q"] == pytest.approx(q, rel=1e-9)
    assert mf["factor"] == pytest.approx(1 / math.sqrt(second), rel=1e-9)
    assert round(mf["factor"], 1) == 4.9  # the "a mean-field estimate gives 4.9"
    assert "divides it by 4.88" in prose(out)


def test_anatomy_explains_the_ratio_and_agrees_with_the_engine(run):
    result, out = run
    deepest = result["results"][4]
    anatomy = deepest["anatomy"]
    gains = [layer.gain for layer in anatomy.layers[:-1]]
    assert math.prod(gains) == pytest.approx(anatomy.ratio, rel=1e-12)  # ratio = product of the gains
    assert deepest["route_error"] <= learning_speed.ROUTE_TOL
    for layer in anatomy.layers[:-1]:
        assert layer.derivative_max <= 0.25  # σ′ ≤ 1/4
        assert 0.1 < layer.gain < 0.4
    assert all(0.15 < r < 0.25 for r in deepest["rms_derivative"])  # √mean σ′² ≈ 0.2: the 1/4.9
    assert "Backward through the layers: δˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ δˡ⁺¹" in out


def test_output_layer_gradient_is_a_minus_y_averaged(run):
    result, out = run
    assert result["output_error"] <= learning_speed.ROUTE_TOL
    assert result["ok"] and "MISMATCH" not in out


def test_first_layer_stays_slowest_during_training(run):
    result, out = run
    training = result["training"]
    assert training["steps"][0] == 0 and training["steps"][-1] == 8
    assert training["per_layer"][0][0] == result["results"][4]["hidden_deltas"][0]  # the same network at step 0
    assert all(ratio > 10 for ratio in training["ratios"])
    rows = read_table(out, "step", after="3. Over training")
    assert [int(r["step"]) for r in rows] == training["steps"]
    assert [float(r["‖δ⁴‖/‖δ¹‖"]) for r in rows] == pytest.approx(training["ratios"], rel=1e-3)


def test_glorot_sigmoid_top_layer_sinks_toward_zero_while_tanh_stays_centred(run):
    result, out = run
    sig, tanh = result["glorot"]["sigmoid"], result["glorot"]["tanh"]
    assert sig["top_mean"][0] == pytest.approx(0.5, abs=0.05)  # σ(≈0) at the start
    assert sig["top_mean"][-1] < 0.6 * sig["top_mean"][0]
    assert abs(tanh["top_mean"][0]) < 0.05
    rows = read_table(out, "step", after="4. Glorot")
    assert [float(r["sigmoid: mean a"]) for r in rows] == pytest.approx(sig["top_mean"], rel=1e-3, abs=1e-6)
    text = prose(out)
    assert f"sigmoid {100 * sig['accuracy']:.1f}%, tanh {100 * tanh['accuracy']:.1f}%" in text


def test_same_seed_same_numbers_other_seed_other_numbers():
    tiny = ["--examples", "20", "--hidden", "3", "--steps", "2", "--glorot-steps", "2", "--anatomy-examples", "1"]
    a, out_a = run_learning_speed(["--seed", "5"] + tiny)
    b, out_b = run_learning_speed(["--seed", "5"] + tiny)
    c, _ = run_learning_speed(["--seed", "6"] + tiny)
    assert out_a == out_b
    assert a["results"][3]["deltas"] == b["results"][3]["deltas"] != c["results"][3]["deltas"]
