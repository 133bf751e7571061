"""Carrying models to PyTorch and back, with PyTorch itself: its modules accept our state dicts
and compute the same outputs, and a model trained in PyTorch comes back whole.

The layouts are also checked without PyTorch (tests/test_nn_torch_state_dict.py); here its own
modules are the reference for that table.
"""

from __future__ import annotations

import random

import pytest

from torch_twin import NO_TORCH, assert_all_agree

torch = pytest.importorskip("torch", reason=NO_TORCH)

from test_nn_torch_state_dict import TORCH_LAYOUT, models  # noqa: E402

from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.matrix import Matrix  # noqa: E402
from tinygrad_edu.nn import from_torch_state_dict, to_torch_state_dict  # noqa: E402

TNN = torch.nn


class TorchTiny(TNN.Module):
    """PyTorch's version of test_nn_torch_state_dict.Tiny."""

    def __init__(self):
        super().__init__()
        self.scale = TNN.Parameter(torch.zeros(1, 3))
        self.cell = TNN.GRUCell(2, 3)


class TorchResidual(TNN.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return x + self.block(x)


#: PyTorch's modules built as the models of test_nn_torch_state_dict.models().
TWINS = {
    "linear": lambda: TNN.Linear(3, 2),
    "linear_no_bias": lambda: TNN.Linear(3, 2, bias=False),
    "mlp": lambda: TNN.Sequential(TNN.Linear(2, 4), TNN.PReLU(), TNN.Linear(4, 3), TNN.PReLU(), TNN.Linear(3, 1)),
    "batch_norm": lambda: TNN.Sequential(TNN.Linear(2, 3), TNN.BatchNorm1d(3), TNN.Tanh()),
    "rnn": lambda: TNN.RNNCell(2, 3),
    "lstm": lambda: TNN.LSTMCell(2, 3),
    "gru": lambda: TNN.GRUCell(2, 3),
    "residual": lambda: TNN.Sequential(TorchResidual(TNN.Sequential(TNN.Linear(2, 2), TNN.ReLU()))),
    "own": TorchTiny,
}


@pytest.mark.parametrize("kind", sorted(TWINS))
def test_the_layout_table_is_pytorchs(kind):
    state = TWINS[kind]().state_dict()
    assert {name: tuple(t.shape) for name, t in state.items()} == TORCH_LAYOUT[kind]
    assert list(state) == list(TORCH_LAYOUT[kind])


def outputs(kind: str, model, x):
    """What each model computes on x: a cell one step from zeros, then one more from that state."""
    if kind == "own":
        return outputs("gru", model.cell, x)
    if kind in ("rnn", "gru"):
        return [model(x), model(x, model(x))]
    if kind == "lstm":
        state = model(x)
        return [*state, *model(x, state)]
    return [model(x)]


@pytest.mark.parametrize("kind", sorted(TWINS))
def test_pytorch_loads_our_state_dict_and_computes_the_same_outputs(kind):
    ours = models(20)[kind]
    theirs = TWINS[kind]().double()
    theirs.load_state_dict(to_torch_state_dict(ours, tensors=True))  # strict: every name, every shape
    ours.eval()
    theirs.eval()  # batch norm: the running statistics that came over
    n_in = {"linear": 3, "linear_no_bias": 3}.get(kind, 2)
    X = [[random.Random(k).uniform(-1, 1) for _ in range(n_in)] for k in range(4)]
    for k, (a, b) in enumerate(zip(outputs(kind, ours, Matrix(X)),
                                   outputs(kind, theirs, torch.tensor(X, dtype=torch.float64)))):
        assert_all_agree(f"{kind} output {k}", a, b)


@pytest.mark.parametrize("kind", ["mlp", "batch_norm", "lstm", "gru", "rnn"])
def test_a_model_trained_in_pytorch_comes_back_without_losing_a_number(kind):
    """Trained in float32 (PyTorch's default) with Adam, brought back, and sent out again: the
    same names, and every number identical (a float32 is exactly a Python float)."""
    torch.manual_seed(0)
    theirs = TWINS[kind]()
    optimizer = torch.optim.Adam(theirs.parameters(), lr=0.1)
    X = torch.randn(8, 2)
    for _ in range(5):
        optimizer.zero_grad()
        out = outputs(kind, theirs, X)
        sum(o.square().mean() for o in out).backward()
        optimizer.step()
    ours = models(21)[kind]
    from_torch_state_dict(ours, theirs.state_dict())
    again = to_torch_state_dict(ours, tensors=True)
    original = theirs.state_dict()
    assert list(again) == list(original)
    for name, tensor in original.items():
        assert torch.equal(again[name], tensor.to(again[name].dtype)), name
    # ... and computes what PyTorch computes (in float64 on both sides now).
    theirs.double().eval()
    ours.eval()
    X64 = X.double()
    for k, (a, b) in enumerate(zip(outputs(kind, ours, Matrix(X64.tolist())), outputs(kind, theirs, X64))):
        assert_all_agree(f"{kind} output {k}", a, b)


def test_tensors_are_float64_and_the_batch_count_int64():
    state = to_torch_state_dict(models(22)["batch_norm"], tensors=True)
    assert {name: t.dtype for name, t in state.items()} == {
        **{name: torch.float64 for name in state if not name.endswith("num_batches_tracked")},
        "1.num_batches_tracked": torch.int64,
    }
    assert state["1.num_batches_tracked"].item() == 1


def test_a_float32_module_loads_our_float64_tensors():
    """load_state_dict casts into the module's own dtype: PyTorch's default float32 works too."""
    ours = nn.Linear(3, 2, rng=random.Random(0))
    theirs = TNN.Linear(3, 2)
    theirs.load_state_dict(to_torch_state_dict(ours, tensors=True))
    assert theirs.weight.dtype == torch.float32
    assert theirs.weight.tolist() == [[float(torch.tensor(v, dtype=torch.float32)) for v in row]
                                      for row in ours.weight.data]


def test_readme_going_on_to_pytorch_runs_as_written():
    """README's section "Coming from micrograd / going on to PyTorch": its plain ```python blocks
    (tests/test_readme.py runs them everywhere) and then, here, its ```python torch blocks."""
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Coming from micrograd / going on to PyTorch", 1)[1].split("\n## ", 1)[0]
    plain = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    with_torch = re.findall(r"```python torch\n(.*?)```", section, flags=re.S)
    assert plain and with_torch
    namespace: dict = {}
    torch.manual_seed(0)
    for block in plain + with_torch:
        exec(compile(block, "README.md section", "exec"), namespace)
    ours = to_torch_state_dict(namespace["model"])  # the model now holds the numbers trained in PyTorch
    assert {name: t.flatten().tolist() for name, t in namespace["twin"].state_dict().items()} == \
        {name: [v for row in value for v in row] if isinstance(value[0], list) else value
         for name, value in ours.items()}
