"""The parameter interface the optimisers and clipping use: flat views of a Matrix or a Value.

An optimiser does the same thing to every number of every parameter
(p ← p − lr·g), so it only needs two things from a parameter: its numbers
and its gradient, as flat lists, and a way to write new numbers back.  This
file gives exactly that for the two kinds of parameter the engine has:

* a :class:`~tinygrad_edu.matrix.Matrix` (``.data`` and ``.grad`` are lists of rows),
* a scalar :class:`~tinygrad_edu.value.Value` (``.data`` and ``.grad`` are numbers),

so ``SGD``, ``Adam`` and ``clip_grad_norm`` work for a layer of matrices and
for a hand-built chain of scalar weights alike.

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.matrix import Matrix
>>> W, w = Matrix([[1.0, 2.0], [3.0, 4.0]]), Value(5.0)
>>> flat_data(W), flat_data(w)
([1.0, 2.0, 3.0, 4.0], [5.0])
>>> write_data(W, [0.0, 0.5, 1.0, 1.5])
>>> W.data
[[0.0, 0.5], [1.0, 1.5]]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

from ..matrix import Matrix
from ..reals import is_real, short, to_float
from ..value import Value

#: What an optimiser trains: a Matrix or a scalar Value leaf.
Parameter = Union[Matrix, Value]


def check_parameters(where: str, params: Iterable[Any]) -> list[Parameter]:
    """``params`` as a list of Matrix/Value leaves, or a clear TypeError/ValueError.

    A generator (``model.parameters()`` is a list here, but users pass
    generators too) is read once, so it is turned into a list first.  A
    parameter listed twice would be updated twice per step: refused.
    """
    if isinstance(params, (Matrix, Value)):
        raise TypeError(f"{where}: expected a list of parameters, got a single {type(params).__name__} "
                        f"(write [{type(params).__name__.lower()}])")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{where}: expected a list of parameters, got {params!r}") from None
    if not params:
        raise ValueError(f"{where}: the list of parameters is empty")
    seen = set()
    for i, p in enumerate(params):
        if not isinstance(p, (Matrix, Value)):
            raise TypeError(f"{where}: parameter {i} is {p!r} of type {type(p).__name__}, "
                            f"expected a Matrix or a Value")
        if not p.is_leaf:
            raise ValueError(f"{where}: parameter {i} was computed by an operation ({p.op}), not a leaf: "
                             f"pass the leaves it was computed from")
        if id(p) in seen:
            raise ValueError(f"{where}: parameter {i} appears twice in the list")
        seen.add(id(p))
    return params


def as_floats(where: str, k: int, what: str, values: list[Any]) -> list[float]:
    """``values`` (parameter k's numbers or gradient, flat) as plain floats, or a TypeError
    naming the entry.  A Fraction or an int becomes a float (beyond float range ±inf)."""
    floats = []
    for i, x in enumerate(values):
        if type(x) is not float:
            if not is_real(x):
                raise TypeError(f"{where}: the {what} of parameter {k} has the entry {short(x)} "
                                f"(number {i}), of type {type(x).__name__}, not a number")
            x = to_float(x)
        floats.append(x)
    return floats


def flat_data(p: Parameter) -> list[Any]:
    """The numbers of ``p``, row after row."""
    if isinstance(p, Value):
        return [p.data]
    return [x for row in p.data for x in row]


def flat_grad(p: Parameter) -> list[Any]:
    """The gradient of ``p``, row after row (zeros before any backward): its numbers, also where
    ``backward(create_graph=True)`` left a graph in ``.grad``."""
    grad = p.grad
    if isinstance(p, Value):
        return [grad.data if isinstance(grad, Value) else grad]
    return [g for row in (grad.data if isinstance(grad, Matrix) else grad) for g in row]


def write_data(p: Parameter, values: list[float]) -> None:
    """Put ``values`` (row after row) into ``p``'s numbers, in place: the rows
    stay the same list objects, so everything holding ``p`` sees the change."""
    if isinstance(p, Value):
        p.data = values[0]
        return
    n = p.shape[1]
    for i, row in enumerate(p.data):
        row[:] = values[i * n:(i + 1) * n]


def write_grad(p: Parameter, values: list[float]) -> None:
    """Replace ``p``'s gradient with ``values`` (row after row)."""
    if isinstance(p, Value):
        p.grad = values[0]
        return
    n = p.shape[1]
    p.grad = [values[i * n:(i + 1) * n] for i in range(p.shape[0])]


def clear_grad(p: Parameter) -> None:
    """Reset ``p.grad`` to zero: 0.0 for a Value; for a Matrix, ``None``, which it
    turns into fresh zeros the next time ``.grad`` is read (no list is built now)."""
    p.grad = 0.0 if isinstance(p, Value) else None
