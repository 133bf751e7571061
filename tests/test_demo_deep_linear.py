"""demos/deep_linear.py: cˡ·x, c^(L−l), c^(L−1)·1xᵀ from the Matrix engine, and float64's limits.

The demo runs through ``main(argv)`` with stdout captured; the closed forms
are recomputed here and compared with what the demo returns and prints.
"""

import math
import sys

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import deep_linear  # noqa: E402  (demos/ is not a package: found through the path above)

LAYERS = 8
# l multiplications against one correctly rounded power: at most about l·ε apart (see the demo).
REL = 1e-13


@pytest.fixture(scope="module")
def run():
    return run_demo(deep_linear.main, ["--layers", str(LAYERS)])


@pytest.mark.parametrize("c", deep_linear.SCALES)
def test_activations_are_c_to_the_l_times_x(run, c):
    result, _ = run
    for row in result["results"][c]["rows"]:
        l = row["layer"]
        for a in row["activation"]:
            assert math.isclose(a, c ** l, rel_tol=REL)  # x = (1, 1)
    if c in (1.5, 1.0, 0.5):  # 1.5ˡ = 3ˡ/2ˡ is exact in binary while 3ˡ < 2⁵³: equal to the last bit
        assert [row["activation"][0] for row in result["results"][c]["rows"]] == [c ** l for l in range(1, LAYERS + 1)]


@pytest.mark.parametrize("c", deep_linear.SCALES)
def test_delta_is_c_to_the_L_minus_l_and_weight_gradient_is_the_same_at_every_layer(run, c):
    result, _ = run
    for row in result["results"][c]["rows"]:
        l = row["layer"]
        for d in row["delta"]:
            assert math.isclose(d, c ** (LAYERS - l), rel_tol=REL)
        for entry in (v for r in row["weight_grad"] for v in r):
            assert math.isclose(entry, c ** (LAYERS - 1), rel_tol=REL)  # c^(L−1)·1xᵀ, x = (1, 1)


@pytest.mark.parametrize("c", deep_linear.SCALES)
def test_input_gradient_is_c_to_the_L_times_identity(run, c):
    result, _ = run
    J = result["results"][c]["dy_dx"]
    assert math.isclose(J[0][0], c ** LAYERS, rel_tol=REL) and math.isclose(J[1][1], c ** LAYERS, rel_tol=REL)
    assert J[0][1] == J[1][0] == 0.0


def test_printed_layer_table_matches_the_closed_form(run):
    _, out = run
    rows = read_table(out, "l", after="1. Layer by layer")
    assert [int(r["l"]) for r in rows] == list(range(1, LAYERS + 1))
    for r in rows:
        l = int(r["l"])
        assert float(r["‖aˡ‖"]) == pytest.approx(0.5 ** l * math.sqrt(2), rel=1e-3)  # 4 digits printed
        assert float(r["‖δˡ‖"]) == pytest.approx(0.5 ** (LAYERS - l) * math.sqrt(2), rel=1e-3)
        assert float(r["‖∂ŷ/∂Wˡ‖"]) == pytest.approx(0.5 ** (LAYERS - 1) * 2, rel=1e-3)  # ‖1xᵀ‖ = 2
        assert r["err"] == "0"  # halving is exact in binary


def test_output_says_which_gradient_vanishes(run):
    _, out = run
    text = prose(out)
    assert "Which one vanishes?" in text
    assert f"‖δˡ‖ goes from 1.414 at layer {LAYERS} to 0.01105 at layer 1" in text  # √2·0.5⁷
    assert "at every layer" in text and "all weight gradients vanish" in text


def test_scale_table_lists_every_c_with_its_verdict(run):
    _, out = run
    rows = read_table(out, "c", after="2. Every c")
    verdicts = {float(r["c"]): r[""] for r in rows}
    assert verdicts == {1.5: "explodes", 1.0: "stable", 0.9: "vanishes", 0.5: "vanishes"}
    by_c = {float(r["c"]): r for r in rows}
    assert float(by_c[1.5]["ŷ₁ = c⁸·x₁"]) == pytest.approx(1.5 ** 8, rel=1e-3)


def test_float64_limits_are_found_at_the_right_steps(run):
    result, out = run
    limits = result["limits"]
    assert (limits[1.5]["kind"], limits[1.5]["step"]) == ("inf", 1751)
    assert (limits[0.5]["kind"], limits[0.5]["step"]) == ("zero", 1075)
    assert limits[0.5]["last"] == 2.0 ** -1074  # the smallest subnormal, one step before 0
    assert limits[0.9]["kind"] == "stuck" and limits[0.9]["last"] == 5 * 2.0 ** -1074
    assert limits[1.0]["kind"] == "none"
    assert 1.5 ** 1750 < sys.float_info.max < 1.5 ** 1750 * 1.5  # the step is where the true power leaves the range
    rows = {float(r["c"]): r for r in read_table(out, "c", after="3. Where float64")}
    assert rows[1.5]["1.0·c·c⋯ in float64"] == "inf from step 1751"
    assert rows[1.5]["closed form: the true cᵏ leaves the range at k ="].endswith("= 1751")
    assert rows[0.5]["1.0·c·c⋯ in float64"] == "exactly 0 from step 1075"
    assert rows[0.5]["closed form: the true cᵏ leaves the range at k ="].endswith("= 1075")


def test_engine_flags_the_overflow_and_detect_anomaly_names_the_op(run):
    result, out = run
    engine = result["engine_limits"]
    assert math.isfinite(engine[1.5]["activations"][1750])
    assert engine[1.5]["activations"][1751] == math.inf
    assert "matmul produced inf" in engine[1.5]["anomaly"]
    assert engine[0.5]["activations"][1075] == 0.0 and engine[0.5]["anomaly"] is None
    text = prose(out)
    assert "a¹⁷⁵¹ = inf (overflow)" in text and "a¹⁰⁷⁵ = 0 (underflow)" in text
    assert "AnomalyError: matmul produced inf" in text


def test_152_layers_with_c_15_stay_finite(run):
    result, out = run
    resnet = result["resnet"]
    assert math.isclose(resnet["gradient"], 1.5 ** 151, rel_tol=REL * 20)  # 152 multiplications
    assert resnet["gradient"] == pytest.approx(3.888e26, rel=1e-3)
    assert "3.888e+26 = 1.5¹⁵¹" in prose(out)


def test_all_checks_pass(run):
    result, out = run
    assert result["ok"] and result["worst_error"] <= deep_linear.REL_TOL
    assert "MISMATCH" not in out


def test_random_input_and_other_width_follow_the_same_closed_forms(capsys):
    result = deep_linear.main(["--layers", "5", "--width", "3", "--input", "random", "--seed", "4",
                               "--scale", "1.1"])
    capsys.readouterr()
    x = result["results"][1.1]["x"]
    assert len(x) == 3 and len(set(x)) == 3
    for row in result["results"][1.1]["rows"]:
        l = row["layer"]
        assert row["activation"] == pytest.approx([1.1 ** l * v for v in x], rel=REL)
        assert row["weight_grad"] == [pytest.approx([1.1 ** 4 * v for v in x], rel=REL)] * 3  # c^(L−1)·1xᵀ
    assert result["ok"]
