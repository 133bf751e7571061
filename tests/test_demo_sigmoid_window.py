"""demos/sigmoid_window.py: σ′ ≤ 1/4, and the window width formula against a scan and a bisection.

The closed form is checked here against a third route that shares no code
with the demo: the edges of {z : |w|·σ′(z) ≥ 1} found by bisection on σ′.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import sigmoid_window  # noqa: E402  (demos/ is not a package: found through the path above)

GRID = 20_001  # spacing 5e-5: ten times coarser than the demo's default, ten times faster


@pytest.fixture(scope="module")
def run():
    return run_demo(sigmoid_window.main, ["--grid", str(GRID)])


def width_by_bisection(w: float) -> float:
    """The window width found numerically: bisect |w|·σ′(z) = 1 for z > 0, double it, divide by |w|."""
    def excess(z):
        s = 1 / (1 + math.exp(-z))
        return abs(w) * s * (1 - s) - 1  # decreasing for z > 0

    low, high = 0.0, 50.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if excess(middle) >= 0 else (low, middle)
    return 2 * low / abs(w)


@pytest.mark.parametrize("w", [4.0, 4.5, 5.0, 6.0, 6.894, 10.0, 37.0, 100.0, 1000.0])
def test_window_width_formula_matches_bisection(w):
    # At |w| = 4 the edge is a double root (|w|σ′ − 1 ≈ −z²/4 near z = 0): a rounding error ε in σ′
    # moves it by √ε ≈ 1.5e-8, hence the absolute tolerance; elsewhere the roots are simple.
    assert math.isclose(sigmoid_window.window_width(w), width_by_bisection(w), rel_tol=1e-9, abs_tol=1e-7)


@pytest.mark.parametrize("w", [0.5, 1.0, 3.0, 3.999])
def test_no_window_below_four(w):
    assert sigmoid_window.window_width(w) == 0.0
    assert sigmoid_window.scanned_width(w, 2001)["count"] == 0
    assert sigmoid_window.scanned_width(w, 2001, b=1.0, low=-3.0, high=3.0)["count"] == 0


def test_printed_scan_agrees_with_the_closed_form(run):
    result, out = run
    rows = read_table(out, "|w|", after="2. The window")
    assert [float(r["|w|"]) for r in rows] == sigmoid_window.WEIGHTS
    spacing = 1 / (GRID - 1)
    for r in rows:
        w = float(r["|w|"])
        scanned, closed = float(r["scanned width"]), float(r["closed form"])
        assert math.isclose(closed, sigmoid_window.window_width(w), abs_tol=1e-8)  # printed to 8 decimals
        # Interpolated edges: the error is of order Δ²·|g″/g′| ≤ Δ²·w², far inside one grid step.
        assert abs(scanned - closed) <= min(spacing, (spacing * w) ** 2) + 1e-8
        if w < 4:
            assert r["scan against closed form"].startswith("none")
        assert result["windows"][w]["agree"]


def test_widest_window_is_0_44774_at_6_894(run):
    result, out = run
    widest = result["widest"]
    assert round(widest["w"], 3) == 6.894  # science §3, checked independently
    assert round(widest["width"], 5) == 0.44774
    for nearby in (widest["w"] - 0.01, widest["w"] + 0.01):
        assert sigmoid_window.window_width(nearby) < widest["width"]
    assert "the width peaks at 0.44774 for |w| = 6.894" in prose(out)


def test_a_200_thousand_point_grid_gives_the_same_width():
    scan = sigmoid_window.scanned_width(6.894, 200_001)
    assert round(scan["width"], 5) == 0.44774
    assert 0.2761 < scan["edges"][0] < 0.2762 and 0.7238 < scan["edges"][1] < 0.7239  # centred on a = 1/2


def test_sigma_prime_peaks_at_a_quarter_at_zero(run):
    result, out = run
    values = result["sigma_prime"]["values"]
    assert values[0.0] == 0.25
    assert all(v < 0.25 for z, v in values.items() if z != 0.0)
    assert result["sigma_prime"]["peak_z"] == 0.0 and result["sigma_prime"]["peak"] == 0.25
    rows = read_table(out, "z", after="1. σ′(z)")
    for r in rows:
        assert r["σ′(z), ops rule"] == r["σ′(z), backward"]  # the op's rule and backward agree
        assert float(r["σ′(z) ÷ 1/4"]) <= 1.0
    assert "Largest σ′ on a 401-point grid over [−8, 8]: 0.25 at z = 0.0" in prose(out)


def test_all_checks_pass(run):
    result, out = run
    assert result["ok"]
    assert "All agree: yes." in prose(out)
    assert "for the 10 weights with |w| ≥ 4, for 5 values of b at |w| = 8.0" in prose(out)


def test_the_width_does_not_depend_on_b(run):
    """b only moves the centre to a = −b/w; the closed form has no b in it."""
    result, out = run
    closed = sigmoid_window.window_width(sigmoid_window.SHIFTED_W)
    spacing = 3 / (GRID - 1)
    rows = read_table(out, "b", after="3. b slides the window")
    assert [float(r["b"]) for r in rows] == sigmoid_window.SHIFTS
    for row in rows:
        b = float(row["b"])
        shift = result["shifts"][b]
        assert abs(shift["scan"] - closed) <= spacing and float(row["scanned width"]) == pytest.approx(closed, abs=2e-6)
        left, right = shift["edges"]
        assert (left + right) / 2 == pytest.approx(-b / sigmoid_window.SHIFTED_W, abs=spacing)  # centred at −b/w
        assert float(row["width inside (0, 1)"]) == pytest.approx(max(0.0, min(right, 1) - max(left, 0)), abs=2e-6)
    assert result["shifts"][0.0]["inside"] == pytest.approx(closed / 2, abs=spacing)  # centred on a = 0: half


@pytest.mark.parametrize("argv", [["--grid", "100"], ["--grid", "2000002"], ["--grid", "-5"]])
def test_bad_grids_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        sigmoid_window.main(argv)
    assert stop.value.code == 2 and capsys.readouterr().out == ""
