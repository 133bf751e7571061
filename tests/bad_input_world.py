"""A small world of user state, and a snapshot of all of it, for the bad-input table.

Every case of ``tests/test_bad_inputs.py`` runs against a fresh :class:`World`:
scalar and matrix graphs after backward (so every ``.grad`` is non-zero), a
model with batch norm, two optimisers that have taken a step (momentum and
moments to protect), a checkpoint file, the shared random generator and the
mode flags.  ``snapshot()`` copies all of it without touching it (a Matrix's
gradient is read from ``_grad``: reading ``.grad`` would create zeros), so
"nothing changed" is a plain equality.
"""

from __future__ import annotations

import random

from tinygrad_edu import Matrix, Value, nn
from tinygrad_edu.mode import flags
from tinygrad_edu.seeding import default_generator
from tinygrad_edu.backward import topological_order


class CountedValue(Value):
    """A Value that counts the nodes operations make from it (``Value.apply`` builds with ``cls``)."""

    __slots__ = ()
    made = 0

    def __new__(cls, *args, **kwargs):
        CountedValue.made += 1
        return super().__new__(cls)


class CountedMatrix(Matrix):
    """The same for Matrix nodes."""

    __slots__ = ()
    made = 0

    def __new__(cls, *args, **kwargs):
        CountedMatrix.made += 1
        return super().__new__(cls)


def _exact(x):
    """A number as its repr (tells −0.0 from 0.0 and nan from nan), lists recursively."""
    if isinstance(x, (list, tuple)):
        return [_exact(v) for v in x]
    return repr(x)


class World:
    """The state a learner has built up, which a failed call must not touch."""

    def __init__(self, folder) -> None:
        self.x = CountedValue(0.5, label="x")
        self.y = CountedValue(-1.5, label="y")
        self.z = (self.x * self.y + self.x).tanh()
        self.z.backward()
        self.A = CountedMatrix([[1.0, 2.0], [3.0, 4.0]], label="A")
        self.B = CountedMatrix([[0.5], [-1.0]], label="B")
        self.C = (self.A @ self.B).tanh().sum()
        self.C.backward()
        self.AB = self.A @ self.B  # a 2×1 node, not reduced: backward needs a gradient for it
        self.zero = CountedValue(0.0, label="zero")  # an input where log and 1/x are not defined
        self.N = CountedMatrix([[-1.0, 0.0], [1.0, 2.0]], label="N")
        self.model = nn.Sequential(nn.Linear(2, 3, rng=random.Random(0)), nn.BatchNorm1d(3), nn.Tanh(),
                                   nn.Linear(3, 1, rng=random.Random(1)))
        self.X = [[0.5, -1.0], [1.5, 2.0], [-0.5, 0.25]]
        self.adam = nn.Adam(self.model.parameters(), lr=0.01)
        self.sgd = nn.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        for optimiser in (self.adam, self.sgd):
            self.model.zero_grad()
            nn.mse(self.model(self.X), [[1.0], [0.0], [1.0]]).backward()
            optimiser.step()
        self.cell = nn.LSTMCell(2, 2, rng=random.Random(2))
        self.folder = folder
        self.checkpoint = folder / "model.json"
        self.model.save(self.checkpoint)

    def snapshot(self) -> dict:
        values = topological_order(self.z) + [self.zero]
        matrices = topological_order(self.C) + [self.AB, self.N]
        model_leaves = [leaf for _, leaf in self.model._named_leaves()] + self.cell.parameters()
        return {
            "values": [(_exact(v.data), _exact(v.grad), v.label, v._prev, v._op) for v in values],
            "matrices": [(_exact(m.data), _exact(m._grad), m.label, m.requires_grad, m._prev, m._op)
                         for m in matrices],
            "model": [(_exact(p.data), _exact(p._grad), p.requires_grad) for p in model_leaves],
            "modes": [(m.training, getattr(m, "num_batches_tracked", None)) for m in self.model.modules()],
            "adam": (self.adam.steps, _exact(self.adam.first), _exact(self.adam.second), self.adam.lr),
            "sgd": (self.sgd.steps, _exact(self.sgd.velocity), self.sgd.lr, self.sgd.momentum),
            "files": {p.name: p.read_bytes() for p in sorted(self.folder.iterdir()) if p.is_file()},
            "generator": default_generator().getstate(),
            "flags": (flags.grad_enabled, flags.detect_anomaly),
            "nodes made": (CountedValue.made, CountedMatrix.made),
        }
