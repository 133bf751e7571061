"""``Module``: a piece of a network that owns parameters, and ``Sequential``.

A module is an ordinary Python object.  Its state is found by looking at its
attributes, in the order they were set (as in PyTorch):

* a :class:`~tinygrad_edu.matrix.Matrix` leaf with ``requires_grad=True``
  is a **parameter** (a weight, a bias): the optimiser trains it;
* a Matrix leaf with ``requires_grad=False`` is a **buffer**: state that is
  saved but not trained (batch norm's running averages);
* a Module, or a list of Modules, is a **child**, searched the same way.

Attributes whose name starts with ``_`` are private and never searched.
Names are dotted paths, ``"0.weight"`` or ``"cell.forget.bias_ih"``.

>>> import random
>>> from tinygrad_edu.nn import Linear, Sequential, Tanh
>>> model = Sequential(Linear(2, 3, rng=random.Random(0)), Tanh(), Linear(3, 1, rng=random.Random(1)))
>>> [(name, p.shape) for name, p in model.named_parameters()]
[('0.weight', (3, 2)), ('0.bias', (1, 3)), ('2.weight', (1, 3)), ('2.bias', (1, 1))]

Saving and loading use JSON, never pickle: a checkpoint is plain text a
learner can open and read, and loading one cannot run code.  Loading checks
every name, shape and number *before* changing anything, so a bad file
leaves the model exactly as it was.

>>> state = model.state_dict()
>>> state["2.bias"]
[[0.0]]
>>> state["2.bias"] = [[1.0, 2.0]]
>>> model.load_state_dict(state)
Traceback (most recent call last):
tinygrad_edu.nn.module.StateDictError: load_state_dict: '2.bias' has shape (1, 2) in the state but (1, 1) in the model
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from typing import Any, NoReturn

from ..matrix import Matrix
from ..matrix_ops import Rows
from ..reals import is_int, is_real, short, to_float


class StateDictError(ValueError):
    """A state dict (or a JSON file of one) that does not fit the model: the message says why."""


class Module:
    """Base class of every layer and network: parameters, train/eval mode, state dicts.

    A subclass sets its parameters and children as attributes in ``__init__``
    and computes its output in ``forward``; ``module(x)`` calls ``forward(x)``.
    Calling ``super().__init__()`` is not needed.
    """

    #: True in training mode (the default), False after ``eval()``.  Batch norm reads it.
    training: bool = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- walking the attributes -------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """The modules directly inside this one, with their names, in attribute order."""
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
                for i, child in enumerate(value):
                    yield f"{name}.{i}", child

    def _own_leaves(self) -> Iterator[tuple[str, Matrix]]:
        """This module's own Matrix leaves (parameters and buffers), in attribute order."""
        for name, value in vars(self).items():
            if not name.startswith("_") and isinstance(value, Matrix) and value.is_leaf:
                yield name, value

    def _named_leaves(self, prefix: str = "") -> Iterator[tuple[str, Matrix]]:
        """Every Matrix leaf of this module and its children, each object once."""
        seen = set()
        for name, leaf in self._walk(prefix):
            if id(leaf) not in seen:  # a layer shared by two parents is listed once
                seen.add(id(leaf))
                yield name, leaf

    def _walk(self, prefix: str) -> Iterator[tuple[str, Matrix]]:
        for name, leaf in self._own_leaves():
            yield prefix + name, leaf
        for name, child in self.named_children():
            yield from child._walk(f"{prefix}{name}.")

    def named_parameters(self) -> list[tuple[str, Matrix]]:
        """``(name, parameter)`` pairs: every trainable Matrix, each once."""
        return [(name, p) for name, p in self._named_leaves() if p.requires_grad]

    def parameters(self) -> list[Matrix]:
        """Every trainable Matrix, each once, in a fixed order (pass it to an optimiser)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> list[tuple[str, Matrix]]:
        """``(name, buffer)`` pairs: saved state that is not trained (running averages)."""
        return [(name, b) for name, b in self._named_leaves() if not b.requires_grad]

    def modules(self) -> Iterator["Module"]:
        """This module and every module inside it, depth first."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    # -- training -----------------------------------------------------------------

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to zeros (call it before each backward)."""
        for p in self.parameters():
            p.grad = None  # a Matrix makes fresh zeros the next time .grad is read

    def train(self, mode: bool = True) -> "Module":
        """Switch this module and every module inside it to training mode (or, with
        ``mode=False``, evaluation mode).  Returns the module, as PyTorch does."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be True or False, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode: batch norm uses its running averages instead of the batch's."""
        return self.train(False)

    # -- saving and loading ---------------------------------------------------------

    def state_dict(self) -> dict[str, Rows]:
        """Every parameter and buffer by name, as a copy: ``{name: list of rows}``.

        The result holds only str, list and float, so ``json.dumps`` takes it as it is.
        """
        return {name: leaf.tolist() for name, leaf in self._named_leaves()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy the numbers of ``state`` (as made by ``state_dict()``) into the model.

        Everything is checked first: the names must be exactly the model's,
        each entry a rectangular list of rows of finite numbers with the
        model's shape.  On any problem :class:`StateDictError` says what and
        where, and the model is unchanged.
        """
        targets = dict(self._named_leaves())
        checked = check_state_dict(state, {name: leaf.shape for name, leaf in targets.items()})
        for name, rows in checked.items():  # nothing can fail from here on
            for target_row, row in zip(targets[name].data, rows):
                target_row[:] = row

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as JSON.

        Python writes every float with the shortest repr that reads back to
        the same float, so a save followed by a load is exact.  JSON has no inf
        or nan: a model with a non-finite number is refused, with its name.
        The file is written next to ``path`` and then renamed, so a crash
        while writing never leaves half a checkpoint under the real name.
        """
        _check_path("save", path)
        state = self.state_dict()
        for name, rows in state.items():
            _check_finite_rows("save", name, rows)
        # One entry per line: a checkpoint a learner can read (and diff) by eye.
        lines = [f"  {json.dumps(name)}: {json.dumps(rows)}" for name, rows in state.items()]
        text = "{\n" + ",\n".join(lines) + "\n}\n"
        temporary = f"{os.fspath(path)}.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, path)
        except BaseException:  # a full disk, a path that is a folder, Ctrl-C: leave no half file behind
            if os.path.exists(temporary):
                os.remove(temporary)
            raise

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read a JSON checkpoint written by ``save`` and load it (see ``load_state_dict``)."""
        self.load_state_dict(read_state_dict(path))

    # -- printing -----------------------------------------------------------------

    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of ``repr`` (override it)."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            inner = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {inner}")
        lines.append(")")
        return "\n".join(lines)


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(f, g, h)(x) = h(g(f(x)))``.

    The layers are named by position (``"0"``, ``"1"``, ...), as in PyTorch,
    and can be read with ``model[i]``, ``len(model)`` and iteration.

    >>> import random
    >>> from tinygrad_edu.nn import Linear, Residual, Tanh
    >>> rng = random.Random(0)
    >>> deep = Sequential(*[Residual(Sequential(Linear(4, 4, rng=rng), Tanh())) for _ in range(50)])
    >>> len(deep), len(deep.parameters())
    (50, 100)
    """

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {i} is {layer!r}, expected a Module")
        self._layers = list(layers)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self._layers):
            yield str(i), layer

    def forward(self, x: Any) -> Any:
        for layer in self._layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int | slice) -> Module:
        if isinstance(i, slice):  # model[:3] is the first three layers, as a Sequential
            return Sequential(*self._layers[i])
        if not is_int(i):
            raise TypeError(f"Sequential: a layer index must be an int or a slice, got {i!r:.40}")
        if not -len(self._layers) <= i < len(self._layers):
            raise IndexError(f"Sequential: layer {i} out of range for {len(self._layers)} layers")
        return self._layers[i]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)


# ---------------------------------------------------------------------------
# Checking a state dict against the model's names and shapes
# ---------------------------------------------------------------------------

def check_state_dict(state: object, shapes: dict[str, tuple[int, int]]) -> dict[str, Rows]:
    """``state`` checked against ``shapes`` (name → (rows, columns)), as fresh lists of floats.

    Raises :class:`StateDictError` naming the first problem: not a dict,
    missing or unexpected names, an entry that is not a list of rows, ragged
    rows, a wrong shape, a value that is not a number, or inf/nan.
    """
    where = "load_state_dict"
    if not isinstance(state, dict):
        raise StateDictError(f"{where}: expected a dict of name → list of rows, got {_show(state)}")
    missing = [name for name in shapes if name not in state]
    unexpected = [name for name in state if name not in shapes]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if unexpected:
            parts.append(f"unexpected {unexpected}")
        raise StateDictError(f"{where}: the names do not match the model: {'; '.join(parts)}")
    checked = {}
    for name, shape in shapes.items():
        rows = _rows_of(where, name, state[name])
        found = (len(rows), len(rows[0]))
        if found != shape:
            raise StateDictError(f"{where}: {name!r} has shape {found} in the state but {shape} in the model")
        _check_finite_rows(where, name, rows, state[name])
        checked[name] = rows
    return checked


def _rows_of(where: str, name: str, value: object) -> Rows:
    """``value`` as a list of equal-length rows of floats, or StateDictError."""
    if not isinstance(value, list) or not value:
        raise StateDictError(f"{where}: {name!r} must be a non-empty list of rows, got {_show(value)}")
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise StateDictError(f"{where}: {name!r} row {i} must be a non-empty list of numbers, got {_show(row)}")
        if len(row) != len(value[0]):
            raise StateDictError(
                f"{where}: {name!r} is ragged: row {i} has {len(row)} entries, row 0 has {len(value[0])}"
            )
        for j, x in enumerate(row):
            if not is_real(x):
                raise StateDictError(f"{where}: {name!r} entry ({i}, {j}) is {_show(x)}, expected a number")
        # An int too large for a float becomes inf here (IEEE 754), and is refused as not finite below.
        rows.append([to_float(x) for x in row])
    return rows


def _check_finite_rows(where: str, name: str, rows: Rows, originals: Any = None) -> None:
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            if not math.isfinite(x):
                shown = short(originals[i][j]) if originals is not None else repr(x)
                raise StateDictError(f"{where}: {name!r} entry ({i}, {j}) is {shown}; only finite numbers "
                                     f"are allowed" + (" (this one is too large for a float)"
                                                      if originals is not None and isinstance(originals[i][j], int)
                                                      else ""))


def _show(value: object) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"


def read_state_dict(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON checkpoint.  Every way a file can be broken raises :class:`StateDictError`
    naming the file and the problem: bytes that are not UTF-8, text that is not JSON
    (truncated, edited by hand; with the position), a name that appears twice (JSON
    would silently keep the last), nesting too deep to read, a number with more than
    Python's 4300 digits, and JSON's non-standard ``NaN`` and ``Infinity``.  A missing
    file is Python's own ``FileNotFoundError``."""
    _check_path("load", path)
    shown = repr(os.fspath(path))
    with open(path, "rb") as file:
        data = file.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StateDictError(f"load: {shown} is not UTF-8 text (byte {error.start} is {data[error.start]:#04x}): "
                             f"not a checkpoint written by save()") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_repeats)
    except json.JSONDecodeError as error:
        raise StateDictError(f"load: {shown} is not valid JSON (truncated or corrupted?): {error}") from None
    except _NonFiniteInFile as error:
        raise StateDictError(f"load: {shown} contains {error}, which is not a finite number") from None
    except _RepeatedName as error:
        raise StateDictError(f"load: {shown} has the name {error} twice; JSON would silently keep the last "
                             f"one, so the file is refused") from None
    except RecursionError:
        raise StateDictError(f"load: {shown} is nested too deeply to read (a checkpoint is a dict of "
                             f"lists of rows: three levels)") from None
    except ValueError as error:  # Python refuses to read an int of more than 4300 digits
        raise StateDictError(f"load: {shown} holds a number too long to read ({error})") from None


def _check_path(where: str, path: object) -> None:
    """A file name: a str or a path (an int would be read as an open file descriptor)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{where}: path must be a str or a path, got {path!r:.40}")


class _NonFiniteInFile(Exception):
    pass


class _RepeatedName(Exception):
    pass


def _refuse_constant(name: str) -> NoReturn:
    raise _NonFiniteInFile(name)


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key that appears twice."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedName(repr(key))
        result[key] = value
    return result
