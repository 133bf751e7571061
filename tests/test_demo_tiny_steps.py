"""demos/tiny_steps.py: gradient descent on the deep linear network crawls, learns or blows up.

The first gradient is recomputed here in closed form, |c^(L−1)·(cᴸ − 2)|, and the
outcomes are read back from the printed table.
"""

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import tiny_steps  # noqa: E402  (demos/ is not a package: found through the path above)

LAYERS = 8


@pytest.fixture(scope="module")
def run():
    return run_demo(tiny_steps.main, ["--layers", str(LAYERS)])


def test_gradient_descent_crawls_at_half_learns_at_one_and_blows_up_at_one_and_a_half(run):
    """The gradient at the start is c^(L−1)·(cᴸ − 2)·xxᵀ/‖x‖²: its norm is |c^(L−1)(cᴸ − 2)|."""
    result, out = run
    rows = {float(r["c"]): r for r in read_table(out, "c", after="1. Gradient descent")}
    for c, r in result["training"].items():
        closed = abs(c ** (LAYERS - 1) * (c ** LAYERS - 2))
        assert r["first_step"]["gradient"] == pytest.approx(closed, rel=1e-13)
        assert float(rows[c]["‖∂L/∂W¹‖"]) == pytest.approx(closed, rel=1e-3)
        assert float(rows[c]["|c^(L−1)(cᴸ − 2)|"]) == pytest.approx(closed, rel=1e-3)
    half, one, big = (result["training"][c] for c in (0.5, 1.0, 1.5))
    assert half["losses"][-1] > 0.99 * half["losses"][0]  # 0.5⁷ of the c = 1 gradient: it crawls
    assert one["losses"][-1] <= 1e-6 * one["losses"][0]
    assert big["ending"] == "non-finite loss" or big["losses"][-1] > 1e6 * big["losses"][0]
    assert [rows[c]["what happened"] for c in (0.5, 1.0, 1.5)] == ["crawls", "learns", "blows up"]


def test_at_full_depth_the_half_network_is_frozen_and_says_why(capsys):
    result = tiny_steps.main(["--layers", "50", "--steps", "3"])
    out = prose(capsys.readouterr().out)
    half = result["training"][0.5]
    assert half["losses"] == [half["losses"][0]] * len(half["losses"])  # not one digit of the loss moves
    assert half["losses"][0] == pytest.approx(2.0, rel=1e-14)  # ŷ = 0.5⁵⁰·x ≈ 0: ½‖2x‖²/‖x‖² = 2
    assert half["first_step"]["moved"] < 1e-17
    assert "c = 0.5: tiny steps. A weight moves by at most 3.553e-18 per step" in out
    assert result["ok"]


def test_bad_options_are_refused(capsys):
    for argv in (["--steps", "0"], ["--layers", "0"], ["--layers", "10000", "--steps", "1000"]):
        with pytest.raises(SystemExit) as stop:
            tiny_steps.main(argv)
        assert stop.value.code == 2 and capsys.readouterr().out == ""


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out) and "Skipped: nothing." in prose(out)
