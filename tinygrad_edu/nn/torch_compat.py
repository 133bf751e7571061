"""Carrying a model over to PyTorch and back: PyTorch's names and layouts for every layer.

A learner who outgrows pure Python takes the trained numbers along:
``to_torch_state_dict(model)`` gives the dict that ``torch_model.load_state_dict``
takes, and ``from_torch_state_dict(model, torch_model.state_dict())`` brings a
model trained in PyTorch back, every number of it.  The layouts differ only
in how the numbers are grouped:

=================  ==========================================  ==========================================
layer              here                                        PyTorch
=================  ==========================================  ==========================================
``Linear``         weight n_out×n_in, bias 1×n_out             ``weight`` (out, in), ``bias`` (out,)
``BatchNorm1d``    weight, bias, running_mean, running_var:    the same names, each (n,), and
                   1×n each; ``num_batches_tracked`` an int    ``num_batches_tracked``, a 0-d int64
``PReLU``          weight 1×n                                  ``weight`` (n,)
``RNNCell``        weight_ih, weight_hh, bias_ih, bias_hh      the same names; the biases (H,)
``LSTMCell``       one Gate each: input, forget, candidate,    ``weight_ih`` (4H, in), ``weight_hh`` (4H, H),
                   output (weight_ih H×in, weight_hh H×H,      ``bias_ih``, ``bias_hh`` (4H,): the gates'
                   bias_ih, bias_hh 1×H)                       rows stacked in the order i, f, g, o
``GRUCell``        Gates reset, update, candidate              the same, 3H rows stacked r, z, n
anything else      its own Matrix parameters                   the same name and the same 2-D shape
=================  ==========================================  ==========================================

Containers add their names in front, as PyTorch's do: an ``MLP`` or a
``Sequential`` numbers its layers (``"0.weight"``, ``"2.bias"``), and a
module of your own uses its attribute names (``"cell.weight_ih"``).  The
activations have no numbers.  The cells compute what PyTorch's compute (two
biases per gate, the GRU's b_hn inside r ⊙ (…): :mod:`~tinygrad_edu.nn.recurrent`),
so a model carried over gives the same outputs, to rounding.

PyTorch is never imported unless you ask for tensors: without it the dict
holds plain nested lists (and a 1-D bias is a flat list, as PyTorch has it).

>>> import random
>>> from tinygrad_edu import nn
>>> model = nn.MLP([2, 3, 1], rng=random.Random(0))
>>> state = to_torch_state_dict(model)
>>> {name: _shape(rows) for name, rows in state.items()}
{'0.weight': (3, 2), '0.bias': (3,), '2.weight': (1, 3), '2.bias': (1,)}

With PyTorch installed (the ``torch`` extra), ``tensors=True`` makes float64
tensors, and ``torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
torch.nn.Linear(3, 1)).load_state_dict(to_torch_state_dict(model, tensors=True))``
loads them (casting to the module's own dtype).  The way back takes PyTorch's
tensors as they are, or nested lists; everything is checked before anything
is written, so a state that does not fit leaves the model as it was:

>>> state["2.bias"] = [0.5, 0.5]
>>> from_torch_state_dict(model, state)
Traceback (most recent call last):
tinygrad_edu.nn.module.StateDictError: from_torch_state_dict: '2.bias' has shape (2,) in the state but (1,) in the model
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Iterator

from ..matrix import Matrix
from ..reals import NUMBERS, short, to_float
from .activations import PReLU
from .batchnorm import BatchNorm1d
from .linear import Linear
from .module import Module, StateDictError, _show
from .recurrent import GRUCell, LSTMCell, RNNCell

#: The own parameters that PyTorch keeps as 1-D vectors (here 1×n rows), by layer type.
FLAT = {
    Linear: ("bias",),
    RNNCell: ("bias_ih", "bias_hh"),
    BatchNorm1d: ("weight", "bias", "running_mean", "running_var"),
    PReLU: ("weight",),
}

#: PyTorch's gate order in its stacked matrices, by our gate names.
STACKED_GATES = {
    LSTMCell: ("input", "forget", "candidate", "output"),  # i, f, g, o
    GRUCell: ("reset", "update", "candidate"),              # r, z, n
}


@dataclass
class _Entry:
    """One PyTorch entry, built by stacking ``parts`` (our Matrix leaves) one under the other.

    ``flat``: each part is one row, and the entry is their concatenation, a 1-D
    vector (a bias).  Otherwise the entry is the parts' rows in order, 2-D.
    """

    name: str
    parts: list[Any]
    flat: bool
    gates: str = ""  # for the error message: "i, f, g, o" when the parts are stacked gates

    @property
    def shape(self) -> tuple[int, ...]:
        if self.flat:
            return (sum(p.shape[1] for p in self.parts),)
        return (sum(p.shape[0] for p in self.parts), self.parts[0].shape[1])

    def export(self) -> list[Any]:
        if self.flat:
            return [x for p in self.parts for x in p.data[0]]
        return [list(row) for p in self.parts for row in p.data]

    def split(self, value: list[Any]) -> list[Any]:
        """``value`` (of this entry's shape) cut back into one list of rows per part."""
        pieces, start = [], 0
        for p in self.parts:
            if self.flat:
                width = p.shape[1]
                pieces.append([value[start:start + width]])
                start += width
            else:
                pieces.append(value[start:start + p.shape[0]])
                start += p.shape[0]
        return pieces


@dataclass
class _Counter:
    """``num_batches_tracked``: a whole number, a 0-d int64 tensor in PyTorch."""

    name: str
    module: BatchNorm1d


def _entries(module: Module, prefix: str = "") -> Iterator[Any]:
    """Every PyTorch entry of ``module`` and the modules inside it, in PyTorch's order."""
    gates = _stacked_gates(module)
    if gates:
        order = ", ".join("ifgo" if len(gates) == 4 else "rzn")
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            yield _Entry(prefix + name, [getattr(gate, name) for gate in gates], name.startswith("bias"), order)
    flat = next((names for kind, names in FLAT.items() if isinstance(module, kind)), ())
    for name, leaf in module._own_leaves():
        yield _Entry(prefix + name, [leaf], name in flat)
    if isinstance(module, BatchNorm1d):
        yield _Counter(prefix + "num_batches_tracked", module)
    for name, child in module.named_children():
        if not any(child is gate for gate in gates):
            yield from _entries(child, f"{prefix}{name}.")


def _stacked_gates(module: Module) -> list[Any]:
    names = next((names for kind, names in STACKED_GATES.items() if isinstance(module, kind)), ())
    return [getattr(module, name) for name in names]


def _check_module(where: str, module: Any) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected a tinygrad_edu.nn Module, got {_show(module)}")


# ---------------------------------------------------------------------------
# Out: our model → PyTorch's state dict
# ---------------------------------------------------------------------------

def to_torch_state_dict(module: Module, tensors: bool = False) -> dict[str, Any]:
    """``module``'s parameters and buffers under PyTorch's names, in PyTorch's layouts.

    Plain nested lists (a weight a list of rows, a bias a flat list,
    ``num_batches_tracked`` an int), so PyTorch is not needed; with
    ``tensors=True``, float64 tensors (and an int64 counter), ready for
    ``torch_module.load_state_dict``.  A copy: changing it changes nothing here.
    """
    _check_module("to_torch_state_dict", module)
    if not isinstance(tensors, bool):
        raise TypeError(f"to_torch_state_dict: tensors must be True or False, got {short(tensors)}")
    state: dict[str, Any] = {}
    for entry in _entries(module):
        state[entry.name] = entry.module.num_batches_tracked if isinstance(entry, _Counter) else entry.export()
    if tensors:
        torch = _import_torch()
        state = {name: torch.tensor(value, dtype=torch.int64 if isinstance(value, int) else torch.float64)
                 for name, value in state.items()}
    return state


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch_state_dict(..., tensors=True) needs PyTorch (python -m pip install -e "
                          "\".[torch]\"); without it, tensors=False gives the same numbers as nested lists, "
                          "and torch.tensor(...) turns each into a tensor later") from None
    return torch


# ---------------------------------------------------------------------------
# Back: PyTorch's state dict → our model
# ---------------------------------------------------------------------------

def from_torch_state_dict(module: Module, state: Any) -> None:
    """Copy a PyTorch state dict (``torch_module.state_dict()``, or nested lists in its
    layout) into ``module``, which must have the same layers.

    Every name must be exactly the model's, every entry PyTorch's shape and
    finite numbers, ``num_batches_tracked`` a whole number >= 0.  All of it
    is checked first: on any problem :class:`~tinygrad_edu.nn.StateDictError`
    names the entry, the shapes or the value, and the model is unchanged.
    """
    where = "from_torch_state_dict"
    _check_module(where, module)
    if not isinstance(state, Mapping):
        raise StateDictError(f"{where}: expected a dict of name → tensor or nested lists, got {_show(state)}")
    entries = list(_entries(module))
    expected = [entry.name for entry in entries]
    missing = [name for name in expected if name not in state]
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {unexpected}"] if unexpected else [])
        raise StateDictError(f"{where}: the names do not match the model: {'; '.join(parts)}")
    writes: list[Any] = []
    counts: list[Any] = []
    for entry in entries:
        value = _plain(state[entry.name])
        if isinstance(entry, _Counter):
            counts.append((entry.module, _count(where, entry.name, value)))
            continue
        numbers, shape = _numbers(where, entry.name, value)
        if shape != entry.shape:
            hint = ""
            if entry.gates:
                n = len(entry.parts)
                hint = (f" (PyTorch stacks the {n} gates {entry.gates}, each {entry.parts[0].shape[0]} rows: "
                        f"{n} × hidden size)") if not entry.flat else f" ({n} gates {entry.gates} × hidden size)"
            raise StateDictError(f"{where}: {entry.name!r} has shape {shape} in the state but {entry.shape} "
                                 f"in the model{hint}")
        writes.extend(zip(entry.parts, entry.split(numbers)))
    for leaf, rows in writes:  # nothing can fail from here on
        for target, row in zip(leaf.data, rows):
            target[:] = row
    for bn, count in counts:
        bn.num_batches_tracked = count


def _plain(value: Any) -> Any:
    """A tensor or an array as nested lists (its own ``tolist``); anything else as it is."""
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) and not isinstance(value, (list, tuple)) else value


def _numbers(where: str, name: str, value: Any) -> tuple[Any, ...]:
    """``value`` as floats, a flat list or a list of rows, with its shape; or StateDictError."""
    if _is_number(value):
        return value, ()  # a 0-d entry where the model has a vector: refused as a wrong shape
    if not isinstance(value, (list, tuple)):
        raise StateDictError(f"{where}: {name!r} must be a tensor or nested lists of numbers, got {_show(value)}")
    if not value or not isinstance(value[0], (list, tuple)):  # a vector
        for j, x in enumerate(value):
            if isinstance(x, (list, tuple)):
                raise StateDictError(f"{where}: {name!r} mixes numbers and rows: entry {j} is {_show(x)}")
        numbers = [_finite(where, name, x, (j,)) for j, x in enumerate(value)]
        return numbers, (len(numbers),)
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            raise StateDictError(f"{where}: {name!r} mixes numbers and rows: entry {i} is {_show(row)}")
        if len(row) != len(value[0]):
            raise StateDictError(f"{where}: {name!r} is ragged: row {i} has {len(row)} entries, "
                                 f"row 0 has {len(value[0])}")
        for j, x in enumerate(row):
            if not _is_number(x):
                deeper = " (PyTorch's layouts here have at most 2 dimensions)" if isinstance(x, (list, tuple)) else ""
                raise StateDictError(f"{where}: {name!r} entry {(i, j)} is {_show(x)}, expected a number{deeper}")
        rows.append([_finite(where, name, x, (i, j)) for j, x in enumerate(row)])
    return rows, (len(rows), len(rows[0]))


def _is_number(x: Any) -> bool:
    return isinstance(x, NUMBERS) and not isinstance(x, bool)


def _finite(where: str, name: str, x: Any, index: tuple[int, ...]) -> float:
    if not _is_number(x):
        raise StateDictError(f"{where}: {name!r} entry {index} is {_show(x)}, expected a number")
    value = to_float(x)
    if not math.isfinite(value):
        raise StateDictError(f"{where}: {name!r} entry {index} is {short(x)}; only finite numbers are allowed")
    return value


def _count(where: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StateDictError(f"{where}: {name!r} must be a whole number >= 0 (PyTorch's int64 counter), "
                             f"got {_show(value)}")
    return value


def _shape(value: Any) -> tuple[int, ...]:
    """The shape of nested lists as PyTorch would give it (for the examples above)."""
    if not isinstance(value, list):
        return ()
    return (len(value),) + (_shape(value[0]) if value else ())


__all__ = ["from_torch_state_dict", "to_torch_state_dict"]
