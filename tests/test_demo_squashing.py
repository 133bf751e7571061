"""demos/squashing.py: one sigmoid layer narrows an interval by at most |w|/4; stacked layers multiply.

The ranges are recomputed here with math.exp (a second implementation of σ)
and compared with what the demo prints.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import squashing  # noqa: E402  (demos/ is not a package: found through the path above)

from tinygrad_edu.plot import format_number  # noqa: E402


@pytest.fixture(scope="module")
def run():
    return run_demo(squashing.main, ["--seed", "0", "--layers", "6"])


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_one_layer_narrows_by_at_most_a_quarter_of_w(run):
    result, out = run
    rows = read_table(out, "w", after="1. One layer")
    for case, row in zip(result["one_layer"]["cases"], rows):
        low, high = case["in"]
        ends = sorted((sigmoid(case["w"] * low + case["b"]), sigmoid(case["w"] * high + case["b"])))
        assert case["out"] == pytest.approx(tuple(ends), rel=1e-14)
        assert case["width"] <= abs(case["w"]) / 4 * (high - low)
        assert float(row["output width"]) == pytest.approx(case["width"], rel=1e-3)
    # around w·x + b = 0: σ(0.5) − σ(−0.5) = tanh(1/4), just below the bound 1/4
    assert result["one_layer"]["cases"][1]["width"] == pytest.approx(math.tanh(0.25), rel=1e-14)
    assert "(the second row: 0.2449 against 0.25)" in prose(out)


def test_the_range_collapses_layer_by_layer_under_the_product_bound(run):
    result, out = run
    stacked, weights, biases = result["stack"], result["weights"], result["biases"]
    low, high = -10.0, 10.0
    for j, (w, b) in enumerate(zip(weights, biases), start=1):
        new = sorted((sigmoid(w * low + b), sigmoid(w * high + b)))
        assert stacked["intervals"][j] == pytest.approx(tuple(new), rel=1e-12)
        assert new[1] - new[0] <= min(1.0, abs(w) / 4 * (high - low)) * (1 + 1e-9)
        low, high = new
    assert stacked["widths"][-1] < 1e-4 * stacked["widths"][1]  # six layers: four orders of magnitude
    assert stacked["widths"][-1] <= stacked["product_bound"]
    rows = read_table(out, "layer j", after="2. 6 stacked layers")
    assert [int(r["layer j"]) for r in rows] == list(range(1, 7))
    assert float(rows[-1]["width"]) == pytest.approx(stacked["widths"][-1], rel=1e-3)


def test_moving_the_first_bias_barely_moves_the_output(run):
    result, out = run
    moved = result["moved"]
    first, last = moved[1], moved[6]
    assert first["moved"] <= first["bound"] and last["moved"] <= last["bound"]
    assert first["moved"] < last["moved"] / 1000
    assert abs(first["gradient"]) < abs(last["gradient"]) / 1000
    assert f"{format_number(last['moved'] / first['moved'], 3)}× more" in prose(out)


def test_a_range_narrower_than_a_float_is_said_so(capsys):
    result = squashing.main(["--layers", "40"])
    out = prose(capsys.readouterr().out)
    assert result["stack"]["widths"][-1] == 0 and result["ok"]
    assert "has shrunk to a single float after 40 layers" in out
    assert "does not change the output at all in float64" in out


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
