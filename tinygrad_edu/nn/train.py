"""A training loop that keeps a diary: the loss and every layer's gradient norm, step by step.

The loop itself is the one every PyTorch user writes:

    optimizer.zero_grad()          # gradients accumulate: clear them
    loss = loss_fn(model(X), y)    # forward
    loss.backward()                # backward: ∂loss/∂θ for every parameter
    optimizer.step()               # θ ← θ − lr·(something made of the gradient)

``fit`` runs it over mini-batches and records, at every step, the loss and
the norm ‖∂loss/∂θ‖ of each parameter's gradient (``"0.weight"``,
``"0.bias"``, ... -- a layer's bias gradient is Nielsen's ‖δˡ‖).  Those
per-layer norms are where vanishing and exploding gradients show: the
first layers' norms sit orders of magnitude below the last ones', or shoot
off to inf.  On a terminal it shows one progress line, rewritten in place;
when the output is a file or a pipe (tests, CI, ``> log.txt``) it prints
nothing.

>>> import random
>>> from tinygrad_edu.data import xor
>>> from tinygrad_edu.losses import binary_cross_entropy_with_logits
>>> from tinygrad_edu.nn import MLP, Adam
>>> X, y = xor(40, noise=0.1, rng=0)
>>> model = MLP([2, 8, 1], activation="tanh", rng=random.Random(0))
>>> history = fit(model, X, [[float(t)] for t in y], binary_cross_entropy_with_logits,
...               Adam(model.parameters(), lr=0.05), epochs=60)
>>> history.loss[-1] < history.loss[0], accuracy(model, X, y)
(True, 1.0)
>>> sorted(history.grad_norms)
['0.bias', '0.weight', '2.bias', '2.weight']
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from ..matrix import Matrix, matrix_from
from ..mode import no_grad
from ..reals import check_function, finite_number, is_int, short, to_float
from ..seeding import generator
from .clip import clip_grad_norm
from .module import Module
from .optim import Optimizer
from .params import flat_grad

#: A loss: ``loss_fn(model(X), y)`` returns a 1×1 Matrix.
LossFunction = Callable[[Any, Any], Matrix]


@dataclass
class History:
    """What ``fit`` recorded, one entry per optimiser step.

    * ``loss``: the mini-batch loss before the step;
    * ``grad_norms``: parameter name → ‖gradient‖ at each step, before clipping;
    * ``total_grad_norm``: the global norm over all parameters, before clipping;
    * ``stopped_at``: the step (from 1) at which the loss became inf or nan and
      training stopped, or None.
    """

    loss: list[float] = field(default_factory=list)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    total_grad_norm: list[float] = field(default_factory=list)
    stopped_at: int | None = None

    @property
    def steps(self) -> int:
        return len(self.loss)


def train_step(model: Module, loss_fn: LossFunction, optimizer: Optimizer, X: Matrix, y: Any,
               clip_norm: float | None = None) -> tuple[float, dict[str, float], float]:
    """One step: forward, zero_grad, backward, (clip), update.  Returns ``(loss, grad_norms, total_norm)``
    with the norms measured before clipping and before the update.

    Every argument is checked first.  If the forward pass or ``loss_fn`` fails (a shape, a
    loss that is not a 1×1 Matrix), batch norm's running statistics are put back and no
    gradient has been touched: the model is as it was.
    """
    _check_training("train_step", model, loss_fn, optimizer, clip_norm)
    return _train_step("train_step", model, loss_fn, optimizer, X, y, clip_norm)


def _check_training(where: str, model: object, loss_fn: object, optimizer: object, clip_norm: object) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be a Module, got {short(model)}")
    check_function(where, loss_fn, "loss_fn")
    if not (callable(getattr(optimizer, "zero_grad", None)) and callable(getattr(optimizer, "step", None))):
        raise TypeError(f"{where}: optimizer must have zero_grad() and step() (an SGD or Adam), got {short(optimizer)}")
    if clip_norm is not None:
        finite_number(where, "clip_norm", clip_norm, above=0)


def _train_step(where: str, model: Module, loss_fn: LossFunction, optimizer: Optimizer, X: Matrix, y: Any,
                clip_norm: float | None) -> tuple[float, dict[str, float], float]:
    buffers = [(buffer, buffer.tolist()) for _, buffer in model.named_buffers()]
    counts = [(m, m.num_batches_tracked) for m in model.modules() if hasattr(m, "num_batches_tracked")]
    try:
        loss = loss_fn(model(X), y)
        if not isinstance(loss, Matrix) or loss.shape != (1, 1):
            raise TypeError(f"{where}: loss_fn must return a 1×1 Matrix, got {short(loss)}")
    except BaseException:  # a training-mode forward moved batch norm's statistics: put them back
        for buffer, rows in buffers:
            for target, row in zip(buffer.data, rows):
                target[:] = row
        for module, count in counts:  # and its count of batches
            module.num_batches_tracked = count
        raise
    optimizer.zero_grad()
    model.zero_grad()  # also any parameter of the model the optimiser does not update
    loss.backward()
    norms = {name: math.hypot(*flat_grad(p)) for name, p in model.named_parameters()}
    total = math.hypot(*norms.values())
    if clip_norm is not None:
        clip_grad_norm(model.parameters(), clip_norm)
    if math.isfinite(loss.item()):
        optimizer.step()
    return to_float(loss.item()), norms, total


def fit(
    model: Module,
    X: Any,
    y: Any,
    loss_fn: LossFunction,
    optimizer: Optimizer,
    *,
    epochs: int = 1,
    batch_size: int | None = None,
    rng: random.Random | None = None,
    clip_norm: float | None = None,
    progress: bool | None = None,
    stream: TextIO | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` and return the :class:`History`.

    ``X`` is a list of rows (or a Matrix); ``y`` whatever ``loss_fn(output, y)``
    expects for the whole set (a list of class indices for ``cross_entropy``,
    a list of rows or a Matrix for ``mse``): mini-batches take the same rows
    of both.  ``batch_size=None`` uses the whole set at every step; otherwise
    each epoch visits the rows in an order shuffled with ``rng`` (the shared
    generator of :func:`tinygrad_edu.manual_seed` when it is None).  ``clip_norm`` clips the global gradient norm
    (:func:`~tinygrad_edu.nn.clip.clip_grad_norm`) before every update.

    A step whose loss is inf or nan is recorded, no update is made, and
    training stops (``history.stopped_at``).  The progress line goes to
    ``stream`` (default ``sys.stdout``), only if it is a terminal, unless
    ``progress`` says otherwise.
    """
    _check_training("fit", model, loss_fn, optimizer, clip_norm)
    inputs = matrix_from(X, "fit: X")
    m = inputs.shape[0]
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"fit: y must be a list (or a Matrix) with one target per row of X, got {short(y)}")
    if len(y) != m:
        raise ValueError(f"fit: X has {m} rows but y has {len(y)}")
    if not is_int(epochs) or epochs < 1:
        raise ValueError(f"fit: epochs must be an integer >= 1, got {epochs!r}")
    if batch_size is not None:
        if not is_int(batch_size) or batch_size < 1:
            raise ValueError(f"fit: batch_size must be an integer >= 1 or None, got {batch_size!r}")
        rng = generator("fit", rng)  # mini-batches are shuffled: the shared generator without rng=
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"fit: progress must be True, False or None, got {short(progress)}")
    stream = sys.stdout if stream is None else stream
    show = _is_terminal(stream) if progress is None else progress
    if show and not callable(getattr(stream, "write", None)):
        raise TypeError(f"fit: stream must have a write() method, got {short(stream)}")
    steps_per_epoch = 1 if batch_size is None else math.ceil(m / batch_size)
    total_steps = epochs * steps_per_epoch
    history = History(grad_norms={name: [] for name, _ in model.named_parameters()})
    for _ in range(epochs):
        for rows in _batches(m, batch_size, rng):
            xb, yb = (inputs, y) if rows is None else (inputs.select_rows(rows), _take(y, rows))
            loss, norms, total = _train_step("fit", model, loss_fn, optimizer, xb, yb, clip_norm)
            history.loss.append(loss)
            history.total_grad_norm.append(total)
            for name, norm in norms.items():
                history.grad_norms[name].append(norm)
            if show:
                _show_progress(stream, history.steps, total_steps, loss, total)
            if not math.isfinite(loss):
                history.stopped_at = history.steps
                break
        if history.stopped_at is not None:
            break
    if show:
        stream.write("\n")
        stream.flush()
    return history


def _batches(m: int, batch_size: int | None, rng: random.Random | None) -> Iterator[list[int] | None]:
    """Lists of row numbers, one per mini-batch (None: the whole set)."""
    if batch_size is None:
        yield None
        return
    assert rng is not None, "fit gives a generator whenever batches are shuffled"
    order = list(range(m))
    rng.shuffle(order)
    for start in range(0, m, batch_size):
        yield order[start:start + batch_size]


def _take(y: Any, rows: Sequence[int]) -> Any:
    """The targets of the given rows: from a Matrix, a list of rows or a list of labels."""
    if isinstance(y, Matrix):
        return y.select_rows(rows)
    return [y[i] for i in rows]


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _show_progress(stream: TextIO, step: int, total_steps: int, loss: float, norm: float) -> None:
    """One line, rewritten in place with a carriage return."""
    width = 20
    done = round(width * step / total_steps)
    bar = "█" * done + "·" * (width - done)
    stream.write(f"\r{bar} step {step}/{total_steps}  loss {loss:.4g}  ‖g‖ {norm:.3g}   ")
    stream.flush()


def predict(model: Module, X: Any) -> list[int]:
    """Class predictions: for one output column, 1 where the logit is > 0 (σ > 1/2);
    for several, the column with the largest score.  Batch norm uses its running
    statistics (evaluation mode) for the duration of the call."""
    if not isinstance(model, Module):
        raise TypeError(f"predict: model must be a Module, got {short(model)}")
    inputs = matrix_from(X, "predict: X")
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with no_grad():
            out = model(inputs)
    finally:
        for module, mode in modes:
            module.training = mode
    if out.shape[1] == 1:
        return [int(row[0] > 0) for row in out.data]
    return [max(range(len(row)), key=row.__getitem__) for row in out.data]


def accuracy(model: Module, X: Any, y: Sequence[int]) -> float:
    """The fraction of rows whose predicted class (see :func:`predict`) equals the label."""
    if isinstance(y, (str, bytes)) or not hasattr(y, "__iter__"):
        raise TypeError(f"accuracy: y must be a list of labels, got {short(y)}")
    inputs = matrix_from(X, "accuracy: X")
    labels = list(y)
    guesses = predict(model, inputs)
    if len(labels) != len(guesses):
        raise ValueError(f"accuracy: {len(guesses)} rows but {len(labels)} labels")
    return sum(int(g == label) for g, label in zip(guesses, labels)) / len(labels)
