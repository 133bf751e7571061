"""demos/float_limits.py: where 1.0·cᵏ leaves float64, and what the engine does there.

The steps are recomputed here with plain floats (1.5¹⁷⁵⁰ < 1.797e308 < 1.5¹⁷⁵¹;
2⁻¹⁰⁷⁴ is the smallest subnormal) and compared with what the demo returns and prints.
"""

import math
import sys

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import float_limits  # noqa: E402  (demos/ is not a package: found through the path above)


@pytest.fixture(scope="module")
def run():
    return run_demo(float_limits.main, [])


def test_float64_limits_are_found_at_the_right_steps(run):
    result, out = run
    limits = result["limits"]
    assert (limits[1.5]["kind"], limits[1.5]["step"]) == ("inf", 1751)
    assert (limits[0.5]["kind"], limits[0.5]["step"]) == ("zero", 1075)
    assert limits[0.5]["last"] == 2.0 ** -1074  # the smallest subnormal, one step before 0
    assert limits[0.9]["kind"] == "stuck" and limits[0.9]["last"] == 5 * 2.0 ** -1074
    assert limits[1.0]["kind"] == "none"
    assert 1.5 ** 1750 < sys.float_info.max < 1.5 ** 1750 * 1.5  # the step is where the true power leaves the range
    rows = {float(r["c"]): r for r in read_table(out, "c", after="1. 1.0 multiplied by c")}
    assert rows[1.5]["1.0·c·c⋯ in float64"] == "inf from step 1751"
    assert rows[1.5]["closed form: the true cᵏ leaves the range at k ="].endswith("= 1751")
    assert rows[0.5]["1.0·c·c⋯ in float64"] == "exactly 0 from step 1075"
    assert rows[0.5]["closed form: the true cᵏ leaves the range at k ="].endswith("= 1075")
    assert rows[1.5]["same step"] == rows[0.5]["same step"] == "yes"
    assert rows[0.9]["same step"] == "not compared"
    assert "c = 0.9 gets stuck at 2.470e-323 = 5 × 4.9e-324" in prose(out)


def test_engine_flags_the_overflow_and_detect_anomaly_names_the_op(run):
    result, out = run
    engine = result["engine"]
    assert math.isfinite(engine[1.5]["activations"][1750])
    assert engine[1.5]["activations"][1751] == math.inf
    assert math.isnan(engine[1.5]["activations"][1752])  # 0·inf off the diagonal
    assert "matmul produced inf" in engine[1.5]["anomaly"]
    assert engine[0.5]["activations"][1075] == 0.0 and engine[0.5]["anomaly"] is None
    text = prose(out)
    assert "a¹⁷⁵¹ = inf (overflow)" in text and "a¹⁰⁷⁵ = 0 (underflow)" in text
    assert "AnomalyError: matmul produced inf" in text


def test_152_plain_layers_with_c_15_stay_finite_and_do_not_learn(run):
    result, out = run
    deep = result["deep"]
    assert math.isclose(deep["gradient"], 1.5 ** 151, rel_tol=1e-12)
    assert deep["gradient"] == pytest.approx(3.888e26, rel=1e-3)
    assert "3.888e+26 (closed form 1.5¹⁵¹ = 3.888e+26" in prose(out)
    losses = deep["training"]["losses"]
    assert losses[0] == pytest.approx((1.5 ** 152 - 2) ** 2 / 2, rel=1e-12)  # ½‖ŷ − 2x‖²/‖x‖²
    assert not math.isfinite(losses[-1])
    assert "What it cannot do is learn." in prose(out)


def test_other_scales_are_compared_with_the_closed_form(capsys):
    result = float_limits.main(["--scale", "1.1", "--scale", "0.3", "--width", "1"])
    capsys.readouterr()
    for c in (1.1, 0.3):
        lim = result["limits"][c]
        assert lim["step"] == float_limits.predicted_step(c)
    assert 1.1 ** 7447 < sys.float_info.max and result["limits"][1.1]["step"] == 7448
    assert 0.3 ** 618 > 0 and result["ok"]


def test_checks_say_what_they_compared_and_skipped(run):
    result, out = run
    text = prose(out)
    assert result["ok"] and "All agree: yes." in text
    assert "for the 2 values of c whose product became inf or exactly 0" in text
    assert "Skipped: 2 values of c whose product stayed finite and non-zero" in text


@pytest.mark.parametrize("argv", [["--width", "0"], ["--width", "9"], ["--scale", "0"], ["--scale", "11"]])
def test_bad_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        float_limits.main(argv)
    assert stop.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1
