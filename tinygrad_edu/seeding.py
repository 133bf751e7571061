"""The default random generator, and ``manual_seed``: PyTorch's habit, kept reproducible.

Everything that draws random numbers (initialisers, ``nn.Linear``, the
recurrent cells, ``Matrix.randn``, shuffling in ``nn.fit``) takes an
``rng=random.Random(seed)``, and an explicit ``rng`` always wins.  When none
is given they draw from one shared generator, as ``torch.nn.Linear(3, 2)``
draws from PyTorch's default generator.  ``manual_seed(n)`` seeds it, as
``torch.manual_seed(n)`` does, so a script without any ``rng=`` still prints
the same numbers on every run.  Like PyTorch's, the shared generator starts
from a fixed seed (:data:`DEFAULT_SEED`), not from the clock: two runs of the
same script agree even without ``manual_seed``.

>>> import random
>>> from tinygrad_edu import manual_seed
>>> from tinygrad_edu.nn import Linear
>>> _ = manual_seed(0)
>>> first = Linear(3, 2).weight.data
>>> _ = manual_seed(0)
>>> Linear(3, 2).weight.data == first                                  # the same seed, the same layer
True
>>> Linear(3, 2, rng=random.Random(1)).weight.data == Linear(3, 2, rng=random.Random(1)).weight.data
True
"""

from __future__ import annotations

import random

from .reals import is_int

#: The seed the shared generator starts from (and returns to with ``manual_seed(DEFAULT_SEED)``).
DEFAULT_SEED = 0

_default = random.Random(DEFAULT_SEED)


def manual_seed(seed: int) -> random.Random:
    """Seed the shared generator that layers and initialisers use when no ``rng`` is given.

    Returns the generator, as ``torch.manual_seed`` returns its Generator.
    ``seed`` is an int (any size, negative too); an explicit ``rng=`` passed to a
    layer ignores it.

    >>> manual_seed(1.5)
    Traceback (most recent call last):
    TypeError: manual_seed: the seed must be an int, got 1.5 of type float
    """
    if not is_int(seed):
        raise TypeError(f"manual_seed: the seed must be an int, got {seed!r:.40} of type {type(seed).__name__}")
    _default.seed(seed)
    return _default


def default_generator() -> random.Random:
    """The shared generator (``torch.default_generator``): what ``rng=None`` draws from."""
    return _default


def generator(where: str, rng: object) -> random.Random:
    """``rng`` if it is a ``random.Random``, the shared generator if it is None, else a TypeError naming ``where``.

    >>> generator("Linear", None) is default_generator()
    True
    >>> generator("Linear", 42)
    Traceback (most recent call last):
    TypeError: Linear: rng must be a random.Random (e.g. random.Random(seed)) or None for the default generator, got 42 of type int
    """
    if rng is None:
        return _default
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"{where}: rng must be a random.Random (e.g. random.Random(seed)) or None for the default "
            f"generator, got {rng!r:.40} of type {type(rng).__name__}"
        )
    return rng
