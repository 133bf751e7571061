"""Data sets: real handwritten digits, an MNIST reader, and small synthetic sets.

Real data (read with the standard library only; nothing is downloaded):

* :func:`load_digits`: the UCI optical digits shipped inside the package,
  1,797 images of 8×8 pixels (Alpaydin & Kaynak 1998, CC BY 4.0; see
  ``tinygrad_edu/datasets/DATA_LICENSE.md``), checked against a checksum on
  every load;
* :func:`load_mnist`: MNIST from the four IDX files you already have.

Synthetic data: every generator takes `rng`, an ``int`` seed or a
``random.Random``. Nothing here touches the global ``random`` module, so
the same seed gives the same data whatever else the program draws. A
``random.Random`` you pass in is used directly and advances, so two calls
with one generator give two different data sets.

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

import gzip
import hashlib
import math
import os
import random
import struct
import zlib
from collections.abc import Sequence
from importlib import resources
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


# --- real handwritten digits: the UCI optical digits, shipped in the package ------

#: The file inside ``tinygrad_edu/datasets/`` and the SHA-256 of its decompressed text.
#: Where it comes from, its citation and its licence: ``datasets/DATA_LICENSE.md``.
DIGITS_FILE = "digits.csv.gz"
DIGITS_SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
DIGITS_SIDE = 8  # each image is 8×8 pixels
DIGITS_MAX = 16  # a pixel counts the 'on' pixels of a 4×4 block of the scanned bitmap: 0 to 16


def load_digits(path: str | os.PathLike[str] | None = None) -> tuple[Rows, list[int]]:
    """The UCI handwritten digits (Alpaydin & Kaynak 1998): ``(images, labels)``, 1,797 of each.

    Each image is a list of 64 floats in [0, 1]: the 8×8 pixel counts (0 to
    16) divided by 16, row by row, so pixel (r, c) is ``image[8 * r + c]``.
    Each label is the digit, an int from 0 to 9. The order is the file's (the
    UCI test set as scikit-learn ships it), the same on every call, so
    ``images[:1000]`` are always the same thousand images. The first 31
    labels happen to run 0, 1, …, 9, 0, 1, … in turn; after that they follow no pattern.

    The decompressed file must have the SHA-256 ``DIGITS_SHA256``: a
    damaged or altered copy raises ValueError naming the file before
    anything is parsed. ``path`` reads another copy of ``digits.csv.gz``
    (default: the one inside the package). Every call returns new lists.

    >>> images, labels = load_digits()
    >>> len(images), len(images[0]), labels[:10]
    (1797, 64, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> min(min(image) for image in images), max(max(image) for image in images)
    (0.0, 1.0)
    """
    name = f"tinygrad_edu/datasets/{DIGITS_FILE}" if path is None else os.fspath(path)
    try:
        if path is None:  # inside the package, wherever it is installed
            raw = (resources.files("tinygrad_edu") / "datasets" / DIGITS_FILE).read_bytes()
        else:
            raw = _read_bytes(name)
    except OSError as error:
        raise FileNotFoundError(f"load_digits: cannot read {name}: {error.strerror or error}") from None
    text = _gunzip(raw, "load_digits", name)
    digest = hashlib.sha256(text).hexdigest()
    if digest != DIGITS_SHA256:
        raise ValueError(
            f"load_digits: {name} is not the UCI digits file this package ships: the SHA-256 of its "
            f"contents is {digest}, expected {DIGITS_SHA256} (a damaged or altered copy; reinstall the package)"
        )
    scale = [count / DIGITS_MAX for count in range(DIGITS_MAX + 1)]  # 17 floats, shared by every image
    images, labels = [], []
    for line in text.decode("ascii").splitlines():
        *pixels, label = line.split(",")
        images.append([scale[int(count)] for count in pixels])
        labels.append(int(label))
    return images, labels


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _gunzip(raw: bytes, caller: str, name: str) -> bytes:
    """The decompressed bytes of a gzip file, or ValueError naming it (damaged or cut short)."""
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{caller}: {name} is not a readable gzip file ({error})") from None


# --- MNIST, read from the IDX files you already have -----------------------------

#: The four MNIST files (LeCun, Cortes & Burges), each under this name or with ``.gz`` added.
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_IDX_UNSIGNED_BYTE = 0x08  # the IDX type code for unsigned bytes, the only type MNIST uses
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(data: bytes, name: str = "IDX data") -> tuple[tuple[int, ...], bytes]:
    """``(sizes, values)`` of IDX data holding unsigned bytes: the format of the MNIST files.

    An IDX file is: two zero bytes, a type code (0x08 for unsigned bytes),
    the number of dimensions d, then d sizes as big-endian 32-bit integers,
    then the values, one byte each, as many as the product of the sizes.
    A wrong magic number, data cut short, or bytes left over raise
    ValueError naming ``name``.

    >>> parse_idx(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]))
    ((2, 3), b'\\x01\\x02\\x03\\x04\\x05\\x06')
    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 4, 1, 2]), "labels")
    Traceback (most recent call last):
    ValueError: labels: truncated: its header promises 4 values, the file holds 2
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != _IDX_UNSIGNED_BYTE or data[3] == 0:
        magic = data[:4].hex() if len(data) >= 4 else f"only {len(data)} bytes"
        raise ValueError(
            f"{name}: not an IDX file of unsigned bytes: its magic number is {magic}, expected "
            f"0000 08 then the number of dimensions (00000803 for images, 00000801 for labels)"
        )
    dimensions = data[3]
    header = 4 + 4 * dimensions
    if len(data) < header:
        raise ValueError(f"{name}: truncated: the header of {dimensions} sizes needs {header} bytes, the file has {len(data)}")
    sizes = struct.unpack(f">{dimensions}I", data[4:header])
    expected = math.prod(sizes)
    found = len(data) - header
    if found < expected:
        raise ValueError(f"{name}: truncated: its header promises {expected} values, the file holds {found}")
    if found > expected:
        raise ValueError(f"{name}: {found - expected} bytes more than its header promises ({expected} values)")
    return sizes, data[header:]


def read_idx(path: str | os.PathLike[str]) -> tuple[tuple[int, ...], bytes]:
    """:func:`parse_idx` of a file, plain or gzipped (recognised by its first two bytes)."""
    name = os.fspath(path)
    raw = _read_bytes(name)
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, "read_idx", name)
    return parse_idx(raw, name)


def load_mnist(
    folder: str | os.PathLike[str], limit: int | None = None
) -> tuple[Rows, list[int], Rows, list[int]]:
    """MNIST from ``folder``: ``(train_images, train_labels, test_images, test_labels)``.

    Reads the four IDX files named in ``MNIST_FILES``, each plain or with
    ``.gz``; nothing is downloaded. Images are lists of floats in [0, 1] (the
    byte divided by 255), row by row, so pixel (r, c) of a 28×28 image is
    ``image[28 * r + c]``; labels are ints 0 to 9; both in the files' order.
    ``limit`` keeps only the first ``limit`` images of each set (all 70,000
    take about 0.5 GB as Python lists); the files are checked whole either way.

    Errors name the file: FileNotFoundError for a missing one (with the names
    looked for), ValueError for a bad magic number, a truncated file, bytes
    left over, images that are not 3-dimensional, a label outside 0 to 9,
    and (naming both files) image and label counts that differ or training
    and test images of different sizes.
    """
    if limit is not None:
        _check_count("load_mnist", "limit", limit)
    train_images, train_shape = _mnist_images(folder, MNIST_FILES[0], limit)
    train_labels = _mnist_labels(folder, MNIST_FILES[1], MNIST_FILES[0], train_shape[0], limit)
    test_images, test_shape = _mnist_images(folder, MNIST_FILES[2], limit)
    test_labels = _mnist_labels(folder, MNIST_FILES[3], MNIST_FILES[2], test_shape[0], limit)
    if train_shape[1:] != test_shape[1:]:
        raise ValueError(
            f"load_mnist: the training images are {train_shape[1]}×{train_shape[2]} pixels "
            f"({MNIST_FILES[0]}) but the test images are {test_shape[1]}×{test_shape[2]} ({MNIST_FILES[2]})"
        )
    return train_images, train_labels, test_images, test_labels


def _mnist_file(folder: str | os.PathLike[str], name: str) -> str:
    """The path of ``name`` or ``name.gz`` in ``folder``."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"load_mnist: no {name} or {name}.gz in {os.fspath(folder)!r} (it needs the four files "
        f"{', '.join(MNIST_FILES)}, plain or .gz; nothing is downloaded)"
    )


def _mnist_images(folder: str | os.PathLike[str], name: str, limit: int | None) -> tuple[Rows, tuple[int, ...]]:
    """The first ``limit`` images of an IDX image file, and the file's sizes (count, rows, columns)."""
    path = _mnist_file(folder, name)
    sizes, values = read_idx(path)
    if len(sizes) != 3:
        raise ValueError(f"load_mnist: {path} holds {len(sizes)}-dimensional data, expected images (3 dimensions)")
    count, rows, columns = sizes
    pixels = rows * columns
    scale = [value / 255 for value in range(256)]  # 256 floats, shared by every image
    kept = count if limit is None else min(limit, count)
    return [list(map(scale.__getitem__, values[k * pixels:(k + 1) * pixels])) for k in range(kept)], sizes


def _mnist_labels(folder: str | os.PathLike[str], name: str, images_name: str, count: int, limit: int | None) -> list[int]:
    """The first ``limit`` labels of an IDX label file that must hold ``count`` of them."""
    path = _mnist_file(folder, name)
    sizes, values = read_idx(path)
    if len(sizes) != 1:
        raise ValueError(f"load_mnist: {path} holds {len(sizes)}-dimensional data, expected labels (1 dimension)")
    if sizes[0] != count:
        raise ValueError(f"load_mnist: {images_name} holds {count} images but {path} holds {sizes[0]} labels")
    bad = next((k for k, label in enumerate(values) if label > 9), None)
    if bad is not None:
        raise ValueError(f"load_mnist: {path}: label number {bad} is {values[bad]}, expected a digit 0 to 9")
    return list(values if limit is None else values[:limit])
