"""demos/deep_linear.py: cˡ·x, c^(L−l), c^(L−1)·1xᵀ from the Matrix engine, and float64's limits.

The demo runs through ``main(argv)`` with stdout captured; the closed forms
are recomputed here and compared with what the demo returns and prints.
"""

import math
from fractions import Fraction

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
        for entry in row["weight_grad"]:
            assert math.isclose(entry, c ** (LAYERS - 1), rel_tol=REL)  # c^(L−1)·1xᵀ, x = (1, 1)


@pytest.mark.parametrize("c", deep_linear.SCALES)
def test_input_gradient_is_c_to_the_L_times_identity(run, c):
    result, _ = run
    J = result["results"][c]["dy_dx"]
    assert math.isclose(J[0][0], c ** LAYERS, rel_tol=REL) and math.isclose(J[1][1], c ** LAYERS, rel_tol=REL)
    assert J[0][1] == J[1][0] == 0.0


def test_printed_layer_table_matches_the_closed_form(run):
    _, out = run
    rows = read_table(out, "l", after="2. Layer by layer")
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
    assert "at every layer" in text and "all the weight gradients shrink or grow together" in text


def test_scale_table_lists_every_c_with_its_verdict(run):
    _, out = run
    rows = read_table(out, "c", after="3. Every c")
    verdicts = {float(r["c"]): r["cᴸ as L grows"] for r in rows}
    assert verdicts == {1.5: "explodes", 1.0: "stable", 0.9: "vanishes", 0.5: "vanishes"}
    by_c = {float(r["c"]): r for r in rows}
    assert float(by_c[1.5]["ŷ₁ = c⁸·x₁"]) == pytest.approx(1.5 ** 8, rel=1e-3)


def test_the_lecture_sequence_is_printed_as_halves_and_three_halves(run):
    result, out = run
    assert result["lecture"][0.5][:3] == [[Fraction(1, 2)] * 2, [Fraction(1, 4)] * 2, [Fraction(1, 8)] * 2]
    text = prose(out)
    assert "c = 0.5, by the engine: a¹ = (1/2, 1/2), a² = (1/4, 1/4), a³ = (1/8, 1/8)," in text
    assert "c = 1.5, by the engine: a¹ = (3/2, 3/2), a² = (9/4, 9/4), a³ = (27/8, 27/8)," in text


def test_subnormal_entries_are_compared_absolutely_and_agree():
    """--layers 700 --scale 0.3 takes 0.3ˡ below 2.2e-308 (from l = 589): there a float has fewer digits, the
    relative error means nothing, and the engine must agree to one rounding (2⁻¹⁰⁷⁵) per multiplication."""
    result, out = run_demo(deep_linear.main, ["--layers", "700", "--scale", "0.3"])
    comparison = result["comparison"]
    assert comparison.subnormal > 0 and comparison.failed == 0
    assert comparison.worst_absolute <= comparison.absolute
    assert result["ok"] and "All agree: yes." in prose(out)


def test_a_comparison_that_is_off_is_caught():
    comparison = deep_linear.Comparison(10, [1.0])
    assert comparison.error([1.0, 1e-320], [1.0, 1e-320]) == "0"
    assert comparison.failed == 0
    comparison.error([1.5], [1.0])  # off by a factor 1.5: a wrong layer
    comparison.error([1e-300], [0.0])  # far beyond a few subnormal roundings
    comparison.error([math.inf, 5.0], [math.inf, math.inf])  # no closed-form number: skipped
    assert comparison.failed == 2 and comparison.skipped == 2


@pytest.mark.parametrize("argv", [["--layers", "0"], ["--layers", "-3"], ["--layers", "10001"],
                                  ["--layers", "1e3"], ["--width", "17"], ["--scale", "0"], ["--scale", "nan"],
                                  ["--scale", "-1.5"], ["--detail", "inf"], ["--input", "zeros"]])
def test_bad_options_are_refused_in_one_line_before_any_work(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        deep_linear.main(argv)
    captured = capsys.readouterr()
    assert stop.value.code == 2 and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and argv[0] in captured.err


def test_all_checks_pass_and_say_what_they_compared(run):
    result, out = run
    assert result["ok"] and result["worst_error"] <= deep_linear.REL_TOL
    comparison = result["comparison"]
    assert comparison.compared > 0 and comparison.skipped == 0
    assert f"Compared with the closed forms: {comparison.compared} entries" in prose(out)
    assert "All agree: yes." in prose(out)


def test_random_input_and_other_width_follow_the_same_closed_forms(capsys):
    result = deep_linear.main(["--layers", "5", "--width", "3", "--input", "random", "--seed", "4",
                               "--scale", "1.1"])
    capsys.readouterr()
    x = result["results"][1.1]["x"]
    assert len(x) == 3 and len(set(x)) == 3
    for row in result["results"][1.1]["rows"]:
        l = row["layer"]
        assert row["activation"] == pytest.approx([1.1 ** l * v for v in x], rel=REL)
        assert row["weight_grad"] == pytest.approx([1.1 ** 4 * v for v in x] * 3, rel=REL)  # c^(L−1)·1xᵀ
    assert result["ok"]


def test_one_unit_prints_its_derivatives_in_textbook_form_and_their_values(run):
    result, out = run
    # ŷ = c·(c·(⋯(c·x))) with L = 8 shared weights: ∂ŷ/∂x = c⁸ and ∂ŷ/∂c = 8·c⁷·x, by hand.
    assert "  ∂ŷ/∂x = c⁸" in out.splitlines() and "  ∂ŷ/∂c = 8·c⁷·x" in out.splitlines()
    formula = result["formula"]
    # Exactly as the graph computes them: 7 products for ∂ŷ/∂x; ∂ŷ/∂c adds 8 terms of 7 products each (8·7 + 7).
    assert formula["exact_counts"] == (7, 63)
    assert "Operations in its derivatives read back exactly from the engine's graph: 7 in ∂ŷ/∂x, 63 in ∂ŷ/∂c." in prose(out)
    assert formula["values"] == (0.5 ** 8, 8 * 0.5 ** 7)  # powers of 1/2: exact in binary
    assert formula["closed"] == formula["values"]
    assert "At c = 0.5 and x = 1 they give 0.003906 and 0.0625; the closed forms cᴸ and L·c^(L−1) give 0.003906 and 0.0625." in prose(out)
