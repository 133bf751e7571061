"""demos/clipping.py: the 50-layer chain blows up unclipped and converges clipped; PyTorch's formula.

The chain's first gradient is (1.5⁵⁰ − 1)·1.5⁴⁹ per weight, recomputed here;
PyTorch's clip_grad_norm_ formula is checked by hand on a gradient of norm 10.
"""

import math

import pytest

from demo_output import prose, run_demo  # also puts demos/ on sys.path

import clipping  # noqa: E402  (demos/ is not a package: found through the path above)


@pytest.fixture(scope="module")
def run():
    return run_demo(clipping.main, ["--steps", "300"])


def test_unclipped_chain_goes_non_finite_at_the_second_step(run):
    result, out = run
    plain = result["plain"]
    y = 1.5 ** 50
    assert plain["first_nonfinite"] == 2
    assert plain["losses"][0] == pytest.approx((y - 1) ** 2 / 2, rel=1e-12)
    assert plain["norms"][0] == pytest.approx(math.sqrt(50) * (y - 1) * y / 1.5, rel=1e-12)  # ∂L/∂wⱼ = (ŷ−1)ŷ/wⱼ
    assert not math.isfinite(plain["losses"][1])
    assert "inf (overflow) at step 2" in prose(out)


def test_clipped_chain_stays_finite_and_converges(run):
    result, out = run
    clipped = result["clipped"]
    assert clipped["first_nonfinite"] is None
    assert all(math.isfinite(v) for v in clipped["losses"])
    assert clipped["losses"][-1] < 1e-20
    assert all(w == pytest.approx(1.0, abs=1e-10) for w in clipped["weights"])
    assert "the loss is exactly 0 and every w = 1.0" in prose(out)


def test_clipping_matches_pytorchs_formula(run):
    result, _ = run
    clipped = result["clipped"]
    assert clipped["torch_error"] <= clipping.CLIP_REL_TOL
    # every clipped step has norm exactly θ = 1 (up to rounding); later steps are not clipped at all
    clipped_steps = [n for n, g in zip(clipped["clipped_norms"], clipped["norms"]) if g > 1.0]
    assert clipped_steps and all(n == pytest.approx(1.0, rel=1e-12) for n in clipped_steps)
    torch = clipping.torch_clip([6.0, 8.0], 5.0)  # θ/(‖g‖ + 1e-6) against θ/‖g‖ on a gradient of norm 10
    assert torch == pytest.approx([3.0, 4.0], rel=1e-6)
    assert torch != [3.0, 4.0]


def test_a_short_chain_that_does_not_blow_up_is_said_so(capsys):
    result = clipping.main(["--layers", "2", "--steps", "50"])
    out = prose(capsys.readouterr().out)
    assert result["plain"]["first_nonfinite"] is None
    assert "Without clipping the loss stayed finite for 50 steps here" in out and result["ok"]


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
