"""to_torch_state_dict / from_torch_state_dict without PyTorch: PyTorch's names, shapes and gate
order as plain nested lists, an exact round trip, no import of torch, and clear errors that
leave the model unchanged.  (tests/test_torch_state_dict.py checks the same layouts against
PyTorch's own modules when it is installed.)"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import pytest

from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn import StateDictError, from_torch_state_dict, to_torch_state_dict
from tinygrad_edu.nn.torch_compat import _shape


class Tiny(nn.Module):
    """A module of one's own: a raw Matrix parameter and a cell, by attribute name."""

    def __init__(self, rng):
        self.scale = Matrix([[rng.uniform(-1, 1) for _ in range(3)]])
        self.cell = nn.GRUCell(2, 3, rng=rng)


def models(seed: int) -> dict:
    """One model of every kind the conversion knows, with every number off its start."""
    rng = random.Random(seed)
    built = {
        "linear": nn.Linear(3, 2, rng=rng),
        "linear_no_bias": nn.Linear(3, 2, rng=rng, bias=False),
        "mlp": nn.MLP([2, 4, 3, 1], activation="prelu", rng=rng),
        "batch_norm": nn.Sequential(nn.Linear(2, 3, rng=rng), nn.BatchNorm1d(3), nn.Tanh()),
        "rnn": nn.RNNCell(2, 3, rng=rng),
        "lstm": nn.LSTMCell(2, 3, rng=rng),
        "gru": nn.GRUCell(2, 3, rng=rng),
        "residual": nn.Sequential(nn.Residual(nn.Sequential(nn.Linear(2, 2, rng=rng), nn.ReLU()))),
        "own": Tiny(rng),
    }
    for model in built.values():
        for p in model.parameters():  # every number distinct, so a misplaced one shows
            p.data = [[rng.uniform(-2, 2) for _ in row] for row in p.data]
        for bn in model.modules():
            if isinstance(bn, nn.BatchNorm1d):
                bn(Matrix([[rng.uniform(-2, 2) for _ in range(3)] for _ in range(4)]))  # running stats move
    return built


#: What PyTorch's own modules call these numbers, and their shapes (tests/test_torch_state_dict.py
#: checks this table against torch.nn when PyTorch is installed).
TORCH_LAYOUT = {
    "linear": {"weight": (2, 3), "bias": (2,)},
    "linear_no_bias": {"weight": (2, 3)},
    "mlp": {"0.weight": (4, 2), "0.bias": (4,), "1.weight": (1,), "2.weight": (3, 4), "2.bias": (3,),
            "3.weight": (1,), "4.weight": (1, 3), "4.bias": (1,)},
    "batch_norm": {"0.weight": (3, 2), "0.bias": (3,), "1.weight": (3,), "1.bias": (3,), "1.running_mean": (3,),
                   "1.running_var": (3,), "1.num_batches_tracked": ()},
    "rnn": {"weight_ih": (3, 2), "weight_hh": (3, 3), "bias_ih": (3,), "bias_hh": (3,)},
    "lstm": {"weight_ih": (12, 2), "weight_hh": (12, 3), "bias_ih": (12,), "bias_hh": (12,)},
    "gru": {"weight_ih": (9, 2), "weight_hh": (9, 3), "bias_ih": (9,), "bias_hh": (9,)},
    "residual": {"0.block.0.weight": (2, 2), "0.block.0.bias": (2,)},
    "own": {"scale": (1, 3), "cell.weight_ih": (9, 2), "cell.weight_hh": (9, 3), "cell.bias_ih": (9,),
            "cell.bias_hh": (9,)},
}


@pytest.mark.parametrize("kind", sorted(TORCH_LAYOUT))
def test_names_and_shapes_are_pytorchs(kind):
    state = to_torch_state_dict(models(0)[kind])
    assert {name: _shape(value) for name, value in state.items()} == TORCH_LAYOUT[kind]
    assert list(state) == list(TORCH_LAYOUT[kind])  # in PyTorch's order too


@pytest.mark.parametrize("kind, gates", [("lstm", ["input", "forget", "candidate", "output"]),
                                         ("gru", ["reset", "update", "candidate"])])
def test_gates_are_stacked_in_pytorchs_order(kind, gates):
    """PyTorch's LSTM stacks i, f, g, o and its GRU r, z, n: rows [kH, (k + 1)H) are gate k."""
    cell = models(1)[kind]
    state = to_torch_state_dict(cell)
    H = cell.hidden_size
    for k, gate in enumerate(getattr(cell, name) for name in gates):
        for name in ("weight_ih", "weight_hh"):
            assert state[name][k * H:(k + 1) * H] == getattr(gate, name).data, (gates[k], name)
        for name in ("bias_ih", "bias_hh"):
            assert state[name][k * H:(k + 1) * H] == getattr(gate, name).data[0], (gates[k], name)


def test_a_bias_is_a_flat_list_and_the_batch_count_an_int():
    state = to_torch_state_dict(models(2)["batch_norm"])
    assert state["0.bias"] == models(2)["batch_norm"][0].bias.data[0]
    assert state["1.num_batches_tracked"] == 1 and isinstance(state["1.num_batches_tracked"], int)
    json.dumps(state)  # plain data: JSON takes it as it is


@pytest.mark.parametrize("kind", sorted(TORCH_LAYOUT))
def test_out_and_back_in_restores_every_number_exactly(kind):
    source, target = models(3)[kind], models(4)[kind]
    assert source.state_dict() != target.state_dict()
    from_torch_state_dict(target, to_torch_state_dict(source))
    assert target.state_dict() == source.state_dict()
    assert [getattr(m, "num_batches_tracked", None) for m in target.modules()] == \
        [getattr(m, "num_batches_tracked", None) for m in source.modules()]


def test_the_way_back_takes_tuples_and_anything_with_tolist():
    """PyTorch's tensors (and NumPy's arrays) have ``tolist``: read through it, never imported."""

    class FakeTensor:
        def __init__(self, value):
            self.value = value

        def tolist(self):
            return self.value

    source, target = models(5)["batch_norm"], models(6)["batch_norm"]
    state = {name: FakeTensor(value) for name, value in to_torch_state_dict(source).items()}
    state["0.bias"] = tuple(state["0.bias"].value)
    from_torch_state_dict(target, state)
    assert target.state_dict() == source.state_dict()


def test_the_state_is_a_copy():
    model = models(7)["lstm"]
    state = to_torch_state_dict(model)
    state["weight_ih"][0][0] = 99.0
    state["bias_hh"][0] = 99.0
    assert to_torch_state_dict(model) != state


def test_neither_way_imports_pytorch():
    code = textwrap.dedent("""
        import random, sys
        from tinygrad_edu import nn
        cell = nn.LSTMCell(1, 2, rng=random.Random(0))
        nn.from_torch_state_dict(cell, nn.to_torch_state_dict(cell))
        assert "torch" not in sys.modules, "torch was imported"
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr


def test_tensors_without_pytorch_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed: import fails
    with pytest.raises(ImportError, match=r"needs PyTorch .*tensors=False gives the same numbers"):
        to_torch_state_dict(models(0)["linear"], tensors=True)


def edited(kind: str, **changes):
    state = to_torch_state_dict(models(8)[kind])
    for name, value in changes.items():
        name = name.replace("__", ".")
        if value is None:
            del state[name]
        else:
            state[name] = value
    return state


BAD = {
    "a missing name": ("lstm", edited("lstm", bias_hh=None), r"names do not match the model: missing \['bias_hh'\]"),
    "an unexpected name": ("linear", {**edited("linear"), "running_mean": [0.0, 0.0]},
                           r"unexpected \['running_mean'\]"),
    "our own layout": ("linear", models(8)["linear"].state_dict(),
                       r"'bias' has shape \(1, 2\) in the state but \(2,\) in the model"),
    "gates of the wrong size": ("lstm", edited("lstm", weight_ih=[[0.0, 0.0]] * 8),
                                r"'weight_ih' has shape \(8, 2\) in the state but \(12, 2\) in the model \(PyTorch "
                                r"stacks the 4 gates i, f, g, o, each 3 rows: 4 × hidden size\)"),
    "a gate bias of the wrong size": ("gru", edited("gru", bias_ih=[0.0] * 6),
                                      r"'bias_ih' has shape \(6,\) in the state but \(9,\) in the model \(3 gates "
                                      r"r, z, n × hidden size\)"),
    "a ragged weight": ("linear", edited("linear", weight=[[0.0, 0.0, 0.0], [0.0, 0.0]]),
                        r"'weight' is ragged: row 1 has 2 entries, row 0 has 3"),
    "a str": ("linear", edited("linear", bias=[0.0, "1"]), r"'bias' entry \(1,\) is '1' \(str\), expected a number"),
    "a bool": ("linear", edited("linear", weight=[[0.0, True, 0.0]] * 2),
               r"'weight' entry \(0, 1\) is True \(bool\), expected a number"),
    "a nan": ("rnn", edited("rnn", bias_hh=[0.0, float("nan"), 0.0]),
              r"'bias_hh' entry \(1,\) is nan; only finite numbers are allowed"),
    "an inf": ("linear", edited("linear", weight=[[0.0, 0.0, float("inf")]] * 2), r"entry \(0, 2\) is inf"),
    "three dimensions": ("linear", edited("linear", weight=[[[0.0]] * 3] * 2),
                         r"'weight' entry \(0, 0\) is \[0.0\] \(list\), expected a number \(PyTorch's layouts "
                         r"here have at most 2 dimensions\)"),
    "rows and numbers mixed": ("linear", edited("linear", bias=[0.0, [1.0]]), r"'bias' mixes numbers and rows"),
    "a number for a vector": ("linear", edited("linear", bias=0.5), r"'bias' has shape \(\) in the state but \(2,\)"),
    "a dict for a weight": ("linear", edited("linear", weight={"a": 1}),
                            r"'weight' must be a tensor or nested lists of numbers, got \{'a': 1\} \(dict\)"),
    "a negative batch count": ("batch_norm", edited("batch_norm", **{"1__num_batches_tracked": -1}),
                               r"'1.num_batches_tracked' must be a whole number >= 0 \(PyTorch's int64 counter\), "
                               r"got -1 \(int\)"),
    "a float batch count": ("batch_norm", edited("batch_norm", **{"1__num_batches_tracked": 2.0}),
                            r"num_batches_tracked' must be a whole number >= 0 .*got 2.0 \(float\)"),
    "not a dict": ("linear", [("weight", [[0.0]])], r"expected a dict of name → tensor or nested lists, got \[\("),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_state_that_does_not_fit_is_refused_and_changes_nothing(case):
    kind, state, message = BAD[case]
    model = models(9)[kind]
    before = (model.state_dict(), [getattr(m, "num_batches_tracked", None) for m in model.modules()])
    with pytest.raises(StateDictError, match="^from_torch_state_dict: .*" + message):
        from_torch_state_dict(model, state)
    assert (model.state_dict(), [getattr(m, "num_batches_tracked", None) for m in model.modules()]) == before


def test_a_bad_last_entry_leaves_the_earlier_ones_unwritten():
    """Everything is checked before the first number is written."""
    source, target = models(10)["batch_norm"], models(11)["batch_norm"]
    state = to_torch_state_dict(source)
    state["1.num_batches_tracked"] = -5  # the last entry
    before = target.state_dict()
    with pytest.raises(StateDictError):
        from_torch_state_dict(target, state)
    assert target.state_dict() == before


@pytest.mark.parametrize("call", [lambda: to_torch_state_dict({"weight": [[1.0]]}),
                                  lambda: from_torch_state_dict("model", {})])
def test_a_model_that_is_not_a_module_is_a_type_error(call):
    with pytest.raises(TypeError, match=r"_torch_state_dict: expected a tinygrad_edu.nn Module, got"):
        call()


def test_tensors_must_be_a_bool():
    with pytest.raises(TypeError, match="to_torch_state_dict: tensors must be True or False, got 'yes'"):
        to_torch_state_dict(models(0)["linear"], tensors="yes")
