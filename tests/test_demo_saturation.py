"""demos/saturation.py: Glorot & Bengio's saturating sigmoid network, on the UCI digits.

The demo runs through ``main(argv)`` with stdout captured, 150 SGD steps (the
effect is already there: the top layer's mean activation below half its start,
the sigmoid network at chance, tanh above it). The tests read the printed tables
back, recompute one look at the held-out images by hand, and make the verdicts
flip with their numbers.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import saturation  # noqa: E402  (demos/ is not a package: found through the path above)
from tinygrad_edu.data import load_digits  # noqa: E402
from tinygrad_edu.matrix import Matrix  # noqa: E402


@pytest.fixture(scope="module")
def run():
    return run_demo(saturation.main, ["--steps", "150", "--every", "75"])


def test_sigmoid_top_layer_sinks_while_the_layers_below_stay_near_a_half(run):
    result, out = run
    looks = result["runs"]["sigmoid"]["looks"]
    assert list(looks) == [0, 75, 150]
    assert looks[0]["mean"][-1] == pytest.approx(0.5, abs=0.05)  # σ(≈0) at the start
    assert looks[150]["mean"][-1] < looks[0]["mean"][-1] / 2 and result["sigmoid"]["sank"]
    assert all(0.4 < m < 0.7 for look in looks.values() for m in look["mean"][:-1])
    rows = read_table(out, "step", after="1. Sigmoid")
    assert [float(r["mean a⁴"]) for r in rows] == pytest.approx([look["mean"][-1] for look in looks.values()], rel=1e-3)
    assert [r["accuracy"] for r in rows] == [f"{100 * look['accuracy']:.1f}%" for look in looks.values()]
    assert "it sank toward 0" in prose(out)


def test_sigmoid_stays_at_chance_and_tanh_learns(run):
    result, out = run
    sigmoid, tanh = (result["runs"][a]["looks"][150]["accuracy"] for a in ("sigmoid", "tanh"))
    margin = 3 * math.sqrt(result["chance"] * (1 - result["chance"]) / 797)
    assert sigmoid <= result["chance"] + margin < tanh
    text = prose(out)
    assert "the network stayed at chance for 150 steps, while tanh, from the same weights, learned" in text
    assert f"Held-out accuracy is above chance: {100 * tanh:.1f}% on 797 held-out images" in text


def test_each_layer_passes_on_what_the_standard_initialisation_predicts(run):
    result, _ = run
    # Small signals: σ′(0)·√(n·Var W) = ¼·√(1/3) for sigmoid, √(1/3) for tanh. One draw of 30×30 weights
    # scatters around that by about 1/√30 ≈ 18% in the worst case here; 25% catches a wrong formula.
    assert all(r == pytest.approx(0.25 / math.sqrt(3), rel=0.25) for r in result["sigmoid"]["passed"])
    tanh = result["runs"]["tanh"]["looks"][0]["spread"]
    assert all(b / a == pytest.approx(1 / math.sqrt(3), rel=0.25) for a, b in zip(tanh, tanh[1:]))
    assert result["runs"]["sigmoid"]["looks"][0]["spread"][-1] < result["runs"]["sigmoid"]["looks"][0]["spread"][0] / 100


def test_the_explanation_sentence_follows_the_output_parts(run):
    result, out = run
    looks = result["runs"]["sigmoid"]["looks"]
    assert looks[0]["bias"] == 0.0 < looks[150]["bias"]  # the biases start at 0 and learn first
    fell = looks[150]["image_part"] < looks[0]["image_part"] / 2
    assert ("as their explanation has it" in prose(out)) == fell  # (at the default 500 steps: 0.641 → 0.0558)
    assert ("not what their explanation predicts" in prose(out)) == (not fell)
    assert result["ok"] and result["same_start"] and result["logits_error"] <= saturation.LOGITS_TOL
    # The check line says "exactly" only when the recomputed output differs by nothing at all.
    exact = "matches the network's output exactly at every look" in prose(out)
    assert exact == (result["logits_error"] == 0) != ("matches the network's output within" in prose(out))


def test_a_look_recomputed_by_hand():
    images, labels = load_digits()
    model = saturation.glorot_network("sigmoid", 2, 5, seed=3)
    look = saturation.look(model, "sigmoid", Matrix(images[:7], requires_grad=False), labels[:7])
    weights = [lin.weight.data for lin in model.linears]
    layers = []
    for x in images[:7]:  # zero biases at the start: a = σ(W a)
        a, acts = x, []
        for W in weights[:-1]:
            a = [1 / (1 + math.exp(-sum(w * v for w, v in zip(row, a)))) for row in W]
            acts.append(a)
        layers.append(acts)
    for l in range(2):
        values = [acts[l] for acts in layers]
        assert look["mean"][l] == pytest.approx(sum(map(sum, values)) / 35, rel=1e-12)
        assert look["slope"][l] == pytest.approx(sum(v * (1 - v) for row in values for v in row) / 35, rel=1e-12)
        spreads = []
        for column in zip(*values):
            mu = sum(column) / 7
            spreads.append(math.sqrt(sum((v - mu) ** 2 for v in column) / 7))
        assert look["spread"][l] == pytest.approx(sum(spreads) / 5, rel=1e-9)
    top = [acts[-1] for acts in layers]
    by_hand = sum(math.hypot(*[sum(w * v for w, v in zip(row, a)) for row in weights[-1]]) for a in top) / 7
    assert look["image_part"] == pytest.approx(by_hand, rel=1e-12) and look["bias"] == 0.0


def fake_runs(top: tuple, image_part: tuple, bias: tuple, accuracy: tuple, tanh_accuracy: float) -> dict:
    def one(s, k):
        return {"mean": [0.5, top[k]], "slope": [0.24, top[k] * (1 - top[k])], "spread": [0.04, 0.006],
                "image_part": image_part[k], "bias": bias[k], "accuracy": accuracy[k], "logits_error": 0.0}
    sigmoid = {"activation": "sigmoid", "looks": {s: one(s, k) for k, s in enumerate((0, 100))}}
    tanh = {"activation": "tanh", "looks": {s: {**one(s, k), "accuracy": tanh_accuracy} for k, s in enumerate((0, 100))}}
    return {"sigmoid": sigmoid, "tanh": tanh}


def test_verdicts_flip_with_the_numbers(capsys):
    runs = fake_runs(top=(0.5, 0.1), image_part=(0.6, 0.05), bias=(0.0, 0.4), accuracy=(0.1, 0.1), tanh_accuracy=0.8)
    verdict = saturation.section_sigmoid(runs["sigmoid"], 0.1, 800)
    text = prose(capsys.readouterr().out)
    assert verdict["sank"] and "sank toward 0" in text and "as their explanation has it" in text
    assert "stayed at chance for 100 steps, while tanh" in saturation.lesson(runs, True, 0.1, 800)

    runs = fake_runs(top=(0.5, 0.4), image_part=(0.6, 0.9), bias=(0.0, 0.4), accuracy=(0.1, 0.6), tanh_accuracy=0.1)
    verdict = saturation.section_sigmoid(runs["sigmoid"], 0.1, 800)
    text = prose(capsys.readouterr().out)
    assert not verdict["sank"] and "did not sink to half its start" in text and "not what their explanation predicts" in text
    lesson = saturation.lesson(runs, False, 0.1, 800)
    assert "did not show the whole effect (top layer sank: no; accuracy at chance: no)" in lesson
    assert "tanh did not learn either" in lesson and "passes little gradient back" not in lesson


def test_the_x_axis_of_the_chart_is_the_sgd_step(run):
    _, out = run
    lines = out.splitlines()
    k = next(i for i, line in enumerate(lines) if line.lstrip().startswith("+-"))
    assert lines[k + 1].split() == ["0", "150"] and "(x axis: SGD step, a point every 75 steps)" in out


@pytest.mark.parametrize("argv, message", [
    (["--lr", "0"], "argument --lr: expected a number above 0 and at most 100, got '0'"),
    (["--lr", "1e5"], "argument --lr: expected a number above 0 and at most 100, got '1e5'"),
    (["--lr", "inf"], "argument --lr: expected a number above 0 and at most 100, got 'inf'"),
    (["--batch", "1001"], "--batch 1001: at most 1000 images per batch"),
    (["--hidden", "1"], "argument --hidden: expected a whole number from 2 to 30, got 1"),
    (["--steps", "100000", "--width", "1000"], "needs about 1.8e+13 multiply-adds"),
    (["--plot", "/no/such/folder/x.png"], "argument --plot: the folder '/no/such/folder' does not exist"),
])
def test_bad_options_are_refused_in_one_line_before_any_work(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        saturation.main(argv)
    err = capsys.readouterr()
    assert stop.value.code == 2 and message in err.err and err.out == ""


def test_same_seed_same_output():
    tiny = ["--steps", "2", "--every", "2", "--width", "8", "--seed", "4"]
    assert run_demo(saturation.main, tiny)[1] == run_demo(saturation.main, tiny)[1]
