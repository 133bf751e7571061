"""Small synthetic data sets, made reproducibly from a seed.

Every generator takes `rng`: an ``int`` seed or a ``random.Random``. Nothing
here touches the global ``random`` module, so the same seed gives the same
data whatever else the program draws. A ``random.Random`` you pass in is
used directly and advances, so two calls with one generator give two
different data sets.

Each generator returns ``(X, y)``: `X` a list of samples, one row (a list of
floats) per sample, and `y` a list of class labels (ints) or, for
regression, targets (floats). Classes are balanced (their counts differ by
at most one) and the rows are shuffled, so any slice of the data mixes
the classes.

>>> X, y = two_moons(6, noise=0.1, rng=0)
>>> len(X), len(X[0]), sorted(y)
(6, 2, [0, 0, 0, 1, 1, 1])
>>> two_moons(6, noise=0.1, rng=0) == (X, y)
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from .reals import is_int, is_real

Rows = list[list[float]]

# The two sign patterns of XOR: label 1 where exactly one coordinate is negative.
_XOR_CORNERS = ((1.0, 1.0, 0), (1.0, -1.0, 1), (-1.0, -1.0, 0), (-1.0, 1.0, 1))

_SPIRAL_TURNS = 1.5  # how many times each spiral arm winds around the centre
_BLOB_CENTRE_STD = 2.0  # spread of the blob centres; the points spread by `spread` around them


# --- checking arguments --------------------------------------------------------


def as_rng(rng: random.Random | int, caller: str = "as_rng") -> random.Random:
    """Turn a seed into a ``random.Random``; pass a ``random.Random`` through.

    >>> as_rng(3).random() == random.Random(3).random()
    True
    >>> generator = random.Random(3)
    >>> as_rng(generator) is generator
    True
    """
    if isinstance(rng, random.Random):
        return rng
    if is_int(rng):
        return random.Random(rng)
    raise TypeError(
        f"{caller}: rng must be an int seed or a random.Random, got {rng!r}"
    )


def _check_count(caller: str, name: str, value: object, minimum: int = 1) -> None:
    if not is_int(value) or value < minimum:
        raise ValueError(f"{caller}: {name} must be an integer >= {minimum}, got {value!r}")


def _check_scale(caller: str, name: str, value: object) -> None:
    """A noise level or spread: a finite number, zero allowed."""
    if not is_real(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{caller}: {name} must be a finite number >= 0, got {value!r}")


def _shuffle_together(X: Rows, y: list[Any], rng: random.Random) -> tuple[Rows, list[Any]]:
    """Shuffle the rows, keeping each sample with its label."""
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


# --- two-dimensional classification --------------------------------------------


def xor(n: int, noise: float, rng: random.Random | int) -> tuple[Rows, list[int]]:
    """Points in four clusters around (±1, ±1); label 1 where the signs differ.

    No single straight line separates the classes, so a model needs a hidden
    layer. `noise` is the standard deviation of the Gaussian noise added to
    each coordinate.

    >>> X, y = xor(8, noise=0.0, rng=0)
    >>> sorted(y)
    [0, 0, 0, 0, 1, 1, 1, 1]
    >>> all((a * b < 0) == (label == 1) for (a, b), label in zip(X, y))
    True
    """
    _check_count("xor", "n", n)
    _check_scale("xor", "noise", noise)
    rng = as_rng(rng, "xor")
    X, y = [], []
    for i in range(n):
        cx, cy, label = _XOR_CORNERS[i % 4]  # cycling the corners balances the classes
        X.append([cx + rng.gauss(0.0, noise), cy + rng.gauss(0.0, noise)])
        y.append(label)
    return _shuffle_together(X, y, rng)


def two_moons(n: int, noise: float, rng: random.Random | int) -> tuple[Rows, list[int]]:
    """Two interleaved half circles of radius 1.

    Class 0 lies on the upper half of the circle around (0, 0); class 1 on
    the lower half of the circle around (1, 0.5). `noise` is the standard
    deviation of the Gaussian noise added to each coordinate.

    >>> X, y = two_moons(4, noise=0.0, rng=1)
    >>> [round(math.hypot(a, b), 12) for (a, b), label in zip(X, y) if label == 0]
    [1.0, 1.0]
    """
    _check_count("two_moons", "n", n)
    _check_scale("two_moons", "noise", noise)
    rng = as_rng(rng, "two_moons")
    X, y = [], []
    for i in range(n):
        label = i % 2
        t = rng.uniform(0.0, math.pi)
        if label == 0:
            a, b = math.cos(t), math.sin(t)
        else:
            a, b = 1.0 - math.cos(t), 0.5 - math.sin(t)
        X.append([a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)])
        y.append(label)
    return _shuffle_together(X, y, rng)


def two_circles(
    n: int, noise: float, rng: random.Random | int, factor: float = 0.5
) -> tuple[Rows, list[int]]:
    """Two circles around the origin: class 0 of radius 1, class 1 of radius `factor`.

    `factor` must lie strictly between 0 and 1. `noise` is the standard
    deviation of the Gaussian noise added to each coordinate.

    >>> X, y = two_circles(4, noise=0.0, rng=2, factor=0.3)
    >>> sorted(round(math.hypot(a, b), 12) for a, b in X)
    [0.3, 0.3, 1.0, 1.0]
    """
    _check_count("two_circles", "n", n)
    _check_scale("two_circles", "noise", noise)
    if not (isinstance(factor, (int, float)) and 0 < factor < 1):
        raise ValueError(f"two_circles: factor must lie strictly between 0 and 1, got {factor!r}")
    rng = as_rng(rng, "two_circles")
    X, y = [], []
    for i in range(n):
        label = i % 2
        radius = 1.0 if label == 0 else factor
        angle = rng.uniform(0.0, 2 * math.pi)
        X.append([
            radius * math.cos(angle) + rng.gauss(0.0, noise),
            radius * math.sin(angle) + rng.gauss(0.0, noise),
        ])
        y.append(label)
    return _shuffle_together(X, y, rng)


def spirals(
    n: int, noise: float, rng: random.Random | int, classes: int = 2
) -> tuple[Rows, list[int]]:
    """Interleaved spiral arms, one per class, winding out from the origin.

    A point at distance r from the origin (0 <= r <= 1) on arm k sits at
    the angle 2πk/classes + 2π·1.5·r: each arm turns one and a half times,
    and the arms are rotated copies of each other. `noise` is the standard
    deviation of the Gaussian noise added to each coordinate.

    >>> X, y = spirals(9, noise=0.0, rng=3, classes=3)
    >>> sorted(y)
    [0, 0, 0, 1, 1, 1, 2, 2, 2]
    >>> all(math.hypot(a, b) <= 1.0 for a, b in X)
    True
    """
    _check_count("spirals", "n", n)
    _check_scale("spirals", "noise", noise)
    _check_count("spirals", "classes", classes, minimum=2)
    rng = as_rng(rng, "spirals")
    X, y = [], []
    for i in range(n):
        label = i % classes
        radius = rng.random()
        angle = 2 * math.pi * (label / classes + _SPIRAL_TURNS * radius)
        X.append([
            radius * math.cos(angle) + rng.gauss(0.0, noise),
            radius * math.sin(angle) + rng.gauss(0.0, noise),
        ])
        y.append(label)
    return _shuffle_together(X, y, rng)


# --- higher-dimensional data ----------------------------------------------------


def true_weights(n_features: int, rng: random.Random | int) -> list[float]:
    """The weights `noisy_linear` uses for the same seed: one N(0, 1) draw each.

    `noisy_linear` draws its weights first, so with the same int seed this
    gives the weights a fitted model should approach.

    >>> w = true_weights(3, rng=5)
    >>> X, y = noisy_linear(4, 3, noise=0.0, rng=5)
    >>> all(math.isclose(t, sum(wi * xi for wi, xi in zip(w, x))) for x, t in zip(X, y))
    True
    """
    _check_count("true_weights", "n_features", n_features)
    rng = as_rng(rng, "true_weights")
    return [rng.gauss(0.0, 1.0) for _ in range(n_features)]


def noisy_linear(
    n: int, n_features: int, noise: float, rng: random.Random | int
) -> tuple[Rows, list[float]]:
    """Regression data: y = w · x + Gaussian noise of standard deviation `noise`.

    The features are N(0, 1). The weights w are drawn from `rng` first;
    `true_weights(n_features, seed)` gives them back for the same seed. There
    is no bias term. Targets are floats.

    >>> X, y = noisy_linear(5, 2, noise=0.1, rng=0)
    >>> len(X), len(X[0]), len(y), isinstance(y[0], float)
    (5, 2, 5, True)
    """
    _check_count("noisy_linear", "n", n)
    _check_count("noisy_linear", "n_features", n_features)
    _check_scale("noisy_linear", "noise", noise)
    rng = as_rng(rng, "noisy_linear")
    weights = true_weights(n_features, rng)
    X = [[rng.gauss(0.0, 1.0) for _ in range(n_features)] for _ in range(n)]
    y = [sum(w * x for w, x in zip(weights, row)) + rng.gauss(0.0, noise) for row in X]
    return X, y


def gaussian_blobs(
    n: int,
    n_features: int,
    classes: int,
    rng: random.Random | int,
    *,
    spread: float = 1.0,
) -> tuple[Rows, list[int]]:
    """One Gaussian cloud per class in `n_features` dimensions.

    Each class centre has coordinates drawn from N(0, 2²); each point is its
    class centre plus N(0, spread²) noise in every coordinate. With 16 or 64
    features this is an easy task for a deep network, which keeps the lesson
    on how gradients flow rather than on the data.

    >>> X, y = gaussian_blobs(6, 16, 3, rng=0)
    >>> len(X), len(X[0]), sorted(y)
    (6, 16, [0, 0, 1, 1, 2, 2])
    """
    _check_count("gaussian_blobs", "n", n)
    _check_count("gaussian_blobs", "n_features", n_features)
    _check_count("gaussian_blobs", "classes", classes, minimum=2)
    _check_scale("gaussian_blobs", "spread", spread)
    rng = as_rng(rng, "gaussian_blobs")
    centres = [
        [rng.gauss(0.0, _BLOB_CENTRE_STD) for _ in range(n_features)]
        for _ in range(classes)
    ]
    X, y = [], []
    for i in range(n):
        label = i % classes
        X.append([c + rng.gauss(0.0, spread) for c in centres[label]])
        y.append(label)
    return _shuffle_together(X, y, rng)


def first_element_memory(
    n: int, length: int, rng: random.Random | int
) -> tuple[Rows, list[int]]:
    """Sequences whose label is decided by their first element alone.

    The first element is +1.0 or -1.0 and the label is 1 when it is
    positive, else 0. The other ``length - 1`` elements are uniform noise
    in [-1, 1] that carries no information about the label. To answer, a
    recurrent network must carry the first element through every step, so
    the gradient that teaches it to do so passes back through all of them:
    the task on which a plain RNN fails and an LSTM succeeds as `length`
    grows.

    >>> X, y = first_element_memory(4, length=5, rng=0)
    >>> len(X), len(X[0])
    (4, 5)
    >>> [int(sequence[0] > 0) for sequence in X] == y
    True
    """
    _check_count("first_element_memory", "n", n)
    _check_count("first_element_memory", "length", length)
    rng = as_rng(rng, "first_element_memory")
    X, y = [], []
    for i in range(n):
        label = i % 2
        first = 1.0 if label == 1 else -1.0
        X.append([first] + [rng.uniform(-1.0, 1.0) for _ in range(length - 1)])
        y.append(label)
    return _shuffle_together(X, y, rng)


# --- helpers ------------------------------------------------------------------


def standardise(X: Rows) -> Rows:
    """Each feature (column) shifted and scaled to mean 0 and variance 1 over the data set.

    Networks train best on inputs of order 1: a raw coordinate of ±5 would
    push sigmoid units into their flat wings from the first step.  A constant
    column is only centred (its spread of 0 is left unscaled).

    >>> standardise([[1.0, 5.0], [3.0, 5.0]])
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    if not X:
        raise ValueError("standardise: X must hold at least one row")
    m = len(X)
    columns = list(zip(*X))
    means = [math.fsum(column) / m for column in columns]
    spreads = [math.sqrt(math.fsum((v - mu) ** 2 for v in column) / m) or 1.0
               for column, mu in zip(columns, means)]
    return [[(v - mu) / s for v, mu, s in zip(row, means, spreads)] for row in X]


def one_hot(labels: Sequence[int], classes: int) -> Rows:
    """One row per label: 1.0 in the label's column, 0.0 elsewhere.

    >>> one_hot([2, 0], classes=3)
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    _check_count("one_hot", "classes", classes)
    rows = []
    for label in labels:
        if not is_int(label) or not 0 <= label < classes:
            raise ValueError(
                f"one_hot: labels must be integers in [0, {classes - 1}], got {label!r}"
            )
        row = [0.0] * classes
        row[label] = 1.0
        rows.append(row)
    return rows


def train_test_split(
    X: Sequence[Any], y: Sequence[Any], test_fraction: float, rng: random.Random | int
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Shuffle the samples and split them into ``(X_train, X_test, y_train, y_test)``.

    The order of the result is scikit-learn's. The test set has
    ``round(len(X) * test_fraction)`` samples, but at least one and never
    all of them. Rows are shared with `X`, not copied; the inputs are not
    changed.

    >>> X_train, X_test, y_train, y_test = train_test_split([[0], [1], [2], [3]], [0, 1, 2, 3], 0.25, rng=0)
    >>> len(X_train), len(X_test)
    (3, 1)
    >>> all(row[0] == label for row, label in zip(X_train + X_test, y_train + y_test))
    True
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} samples but y has {len(y)}")
    _check_count("train_test_split", "the number of samples", len(X), minimum=2)
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        raise ValueError(
            f"train_test_split: test_fraction must lie strictly between 0 and 1, got {test_fraction!r}"
        )
    rng = as_rng(rng, "train_test_split")
    order = list(range(len(X)))
    rng.shuffle(order)
    n_test = min(max(round(len(X) * test_fraction), 1), len(X) - 1)
    test, train = order[:n_test], order[n_test:]
    return (
        [X[i] for i in train],
        [X[i] for i in test],
        [y[i] for i in train],
        [y[i] for i in test],
    )
