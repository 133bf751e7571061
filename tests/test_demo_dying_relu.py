"""demos/dying_relu.py: a dead unit's gradient is exactly 0 under ReLU; networks born dead; training them.

Every born-dead network is re-derived here: some hidden layer has every
pre-activation ≤ 0 on every input, so every ReLU gradient below it is exactly 0,
while the same weights with Leaky ReLU pass a gradient that is not.
"""

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import _task  # noqa: E402  (demos/ is not a package: found through the path above)
import dying_relu  # noqa: E402

NETWORKS = 6
SMALL = ["--seed", "0", "--networks", str(NETWORKS), "--steps", "30", "--depth", "8"]


@pytest.fixture(scope="module")
def run():
    return run_demo(dying_relu.main, SMALL)


def test_a_dead_unit_gets_exactly_zero_gradient_under_relu_only(run):
    result, out = run
    one = result["one_unit"]
    assert all(r["top"] < 0 for r in one.values())  # negative on every input, whatever the activation
    assert one["relu"]["gradient"] == 0.0 and one["relu"]["unchanged"]
    assert one["leaky_relu"]["gradient"] > 0 and not one["leaky_relu"]["unchanged"]
    assert one["prelu"]["gradient"] > one["leaky_relu"]["gradient"]  # a slope of 0.25 against 0.01
    rows = {r["activation"]: r for r in read_table(out, "activation", after="1. Why a unit dies")}
    assert rows["relu"]["‖∂L/∂(w₁, b₁)‖ at the start"] == "0.0"
    assert rows["relu"]["w₁, b₁ unchanged after 30 steps"] == "yes"


def test_born_dead_networks_have_a_dead_layer_and_no_relu_gradient(run):
    result, out = run
    X, Y, _ = _task.blobs(32, 0)
    born = result["born_dead"]
    assert len(born[(4, 50)]["born_dead"]) > len(born[(4, 5)]["born_dead"])  # deeper: more born dead
    for (width, depth), r in born.items():
        assert len(r["mean"]) == depth - 1 and all(0 <= f <= 1 for f in r["mean"])
        for seed in r["born_dead"]:
            model = dying_relu.build("relu", depth, width, seed)
            _, zs = _task.forward_recording(model, X)
            assert any(all(v <= 0 for row in z.data for v in row) for z in zs[:-1])  # a whole layer off
            assert _task.delta_norms(model, X, Y)[0] == 0.0
        assert all(g > 0 for g in r["leaky"])
    rows = read_table(out, "width", after="2. Born dead")
    assert [r["born dead"] for r in rows] == [f"{len(born[(w, d)]['born_dead'])} of {NETWORKS}"
                                              for w in (4, 8) for d in (5, 10, 20, 50)]


def test_a_born_dead_relu_network_never_moves_and_prelu_does(run):
    result, out = run
    training = result["training"]
    relu = training["relu"]
    assert relu["first_gradient"] == 0.0 and len(set(relu["losses"])) == 1
    assert len(set(relu["dead"])) == 1
    assert training["prelu"]["first_gradient"] > 0 and training["leaky_relu"]["first_gradient"] > 0
    assert "ReLU: ∂L/∂W¹ is exactly 0" in prose(out)


def test_checks_pass(run):
    result, out = run
    assert result["ok"] and "All agree: yes." in prose(out)
