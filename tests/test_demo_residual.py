"""demos/residual.py: ∂y/∂x = I + ∂F/∂x, the plain stack's vanishing, the residual one's mild explosion.

Bounds recomputed here from the same weights: plain, each step back multiplies
by diag(tanh′)·W, of norm ≤ σ_max(W); residual, by I + diag(tanh′)·W, of norm
≤ 1 + σ_max(W).
"""

import math

import pytest

from demo_output import prose, run_demo  # also puts demos/ on sys.path

import residual  # noqa: E402  (demos/ is not a package: found through the path above)

from tinygrad_edu.anatomy import largest_singular_value  # noqa: E402

DEPTHS = [10, 40]


@pytest.fixture(scope="module")
def run():
    return run_demo(residual.main, ["--depths", *map(str, DEPTHS)])


def test_residual_jacobian_is_identity_plus_the_blocks(run):
    result, out = run
    assert result["residual"]["identity_error"] <= 1e-15
    assert "I + ∂F/∂x agree exactly" in prose(out) or "differ by at most" in prose(out)


@pytest.mark.parametrize("depth", DEPTHS)
def test_plain_and_residual_stacks_obey_their_bounds(run, depth):
    result, _ = run
    plain, res = result["residual"][(depth, "plain")], result["residual"][(depth, "residual")]
    sigmas = [largest_singular_value(f[0].weight.data) for f in residual.blocks(depth, 8, 0)]
    assert plain["ratio"] <= math.prod(sigmas[:-1]) * (1 + 1e-9)
    assert res["ratio"] <= math.prod(1 + s for s in sigmas[:-1]) * (1 + 1e-9)
    assert res["ratio"] > 0.5 and res["ratio"] > 100 * plain["ratio"]


def test_the_deep_residual_stack_explodes_mildly_and_the_scaled_one_does_not(run):
    result, out = run
    deepest = max(DEPTHS)
    res, scaled = result["residual"][(deepest, "residual")], result["residual"][(deepest, "residual, scaled")]
    assert res["ratio"] > 1  # grows going back
    # mean field: each block multiplies ‖g‖² by 1 + E[tanh′²]/3 ≤ 4/3 on average (seed 0 stays inside)
    assert 1 < res["ratio"] ** (1 / (deepest - 1)) < math.sqrt(4 / 3)
    assert 0.25 < scaled["ratio"] < 4
    assert all(0 < t <= 1 for t in res["slopes"])
    assert "a mild explosion" in prose(out)


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
