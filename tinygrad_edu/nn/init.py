"""Initialisers: where a network's weights start, and the variance each one chooses.

Every initialiser has the same signature, ``(n_out, n_in, rng, ...)`` → an
``n_out × n_in`` :class:`~tinygrad_edu.matrix.Matrix` (the shape of a
``Linear`` layer's weight, as in PyTorch), and draws only from ``rng``, a
``random.Random``: the same seed gives the same weights.  With ``rng=None``
it draws from the shared generator that :func:`tinygrad_edu.manual_seed` seeds.

Why the variance matters.  A layer computes zᵢ = Σⱼ Wᵢⱼ aⱼ, a sum of n_in
terms.  With independent zero-mean weights of variance Var(W),

    Var(zᵢ) = n_in · Var(W) · E[a²]

so each layer multiplies the signal's second moment by n_in·Var(W) (times
what the activation does to it).  Backward, the gradient is multiplied by
n_out·Var(W) per layer.  Over L layers these factors are raised to the L-th
power: unless they are close to 1, the signal and the gradient vanish or
explode.  Each scheme below picks Var(W) to keep one of them near 1:

=================  ====================================  =========================
name               distribution                          Var(W)
=================  ====================================  =========================
standard_normal    N(0, 1)  (the naive choice)           1
normal             N(0, std²)                            std²
uniform            U(a, b)                               (b − a)²/12
constant           every entry c                         0
zeros              every entry 0                         0
scaled_identity    c·I (square only)                     --
lecun_normal       N(0, 1/n_in)                          1/n_in
lecun_uniform      U(−√(3/n_in), √(3/n_in))              1/n_in
standard_uniform   U(−1/√n_in, 1/√n_in)                  1/(3·n_in)
xavier_normal      N(0, 2/(n_in + n_out))                2/(n_in + n_out)
xavier_uniform     U(−√(6/(n_in+n_out)), +√(…))          2/(n_in + n_out)
he_normal          N(0, 2/((1 + a²)·n_in))               2/((1 + a²)·n_in)
he_uniform         U(−√(6/((1 + a²)·n_in)), +√(…))       2/((1 + a²)·n_in)
=================  ====================================  =========================

(A uniform U(−r, r) has variance r²/3, which is where the √3 and √6 come from.)

Options after ``rng`` are keywords with defaults; fix them with
``functools.partial`` or a lambda to get the three-argument form that
``Linear`` and ``MLP`` call: ``MLP(sizes, init=partial(normal, std=0.1))``,
``init=partial(scaled_identity, c=1.5)``.

* LeCun (and Nielsen's ch. 3 choice): n_in·Var(W) = 1 keeps Var(z) ≈ E[a²].
* Xavier/Glorot (Glorot & Bengio 2010): the compromise 2/(n_in + n_out)
  between 1/n_in (forward) and 1/n_out (backward), for tanh-like units.
* He/Kaiming (He et al. 2015): a relu zeroes half its inputs, halving E[a²];
  the factor 2 puts it back.  For a leaky relu with slope a the lost half is
  only scaled by a², so the factor is 2/(1 + a²).
* ``standard_uniform`` is what Glorot & Bengio call the "standard" heuristic
  (also PyTorch's ``nn.Linear`` default): n_in·Var(W) = 1/3, so a deep tanh
  network's gradient shrinks by about 1/3 per layer.

>>> import random
>>> W = xavier_uniform(3, 5, random.Random(0))
>>> W.shape
(3, 5)
>>> bound = (6 / (5 + 3)) ** 0.5
>>> all(-bound <= w <= bound for row in W.data for w in row)
True
>>> scaled_identity(2, 2, random.Random(0), c=0.5).data
[[0.5, 0.0], [0.0, 0.5]]
"""

from __future__ import annotations

import math
import random
from typing import Callable

from ..matrix import Matrix, check_entries
from ..ops import LEAKY_SLOPE
from ..reals import check_number, finite_number, is_int, to_float
from ..seeding import generator

#: The signature every initialiser has (after its keyword options are fixed).
Initialiser = Callable[[int, int, random.Random], Matrix]


# ---------------------------------------------------------------------------
# Argument checks, shared by every initialiser
# ---------------------------------------------------------------------------

def _check_shape(where: str, n_out: object, n_in: object) -> None:
    if not (is_int(n_out) and is_int(n_in)):
        raise TypeError(f"{where}: n_out and n_in must be ints, got {(n_out, n_in)!r}")
    if n_out < 1 or n_in < 1:
        raise ValueError(f"{where}: shape {(n_out, n_in)}: both sizes must be at least 1")
    check_entries(where, n_out, n_in)


def _finite(where: str, name: str, x: object) -> float:
    """A setting that must be a finite number, as a plain float (NumPy's float64 included)."""
    return finite_number(where, name, x)


def _check_slope(where: str, negative_slope: object) -> float:
    return _finite(where, "negative_slope", negative_slope)


def _normal(where: str, n_out: int, n_in: int, rng: random.Random | None, std: float) -> Matrix:
    _check_shape(where, n_out, n_in)
    return Matrix.randn(n_out, n_in, generator(where, rng), std=std)


def _symmetric_uniform(where: str, n_out: int, n_in: int, rng: random.Random | None, bound: float) -> Matrix:
    _check_shape(where, n_out, n_in)
    return Matrix.uniform(n_out, n_in, generator(where, rng), low=-bound, high=bound)


# ---------------------------------------------------------------------------
# Fixed values
# ---------------------------------------------------------------------------

def constant(n_out: int, n_in: int, rng: random.Random | None = None, c: float = 0.0) -> Matrix:
    """Every entry ``c``: mean c, variance 0.  ``rng`` is not used (it is accepted so that
    every initialiser can be called the same way).

    With any constant (0 included) every hidden unit of a layer computes the same thing
    and gets the same gradient, so the units stay equal forever: symmetry is never broken.

    >>> constant(2, 3, c=0.1).data
    [[0.1, 0.1, 0.1], [0.1, 0.1, 0.1]]
    """
    _check_shape("constant", n_out, n_in)
    generator("constant", rng)  # not used, but a wrong type is still a mistake worth naming
    check_number("constant", c)
    return Matrix.full(n_out, n_in, c)


def zeros(n_out: int, n_in: int, rng: random.Random | None = None) -> Matrix:
    """Every entry 0 (the usual bias initialisation)."""
    return constant(n_out, n_in, rng, 0.0)


def scaled_identity(n_out: int, n_in: int, rng: random.Random | None = None, c: float = 1.0) -> Matrix:
    """c·I, for a square layer (n_out = n_in): the deep linear network of the lecture.

    With every layer c·I the activations are cˡ·x: c = 1.5 explodes, c = 0.5 vanishes.

    >>> scaled_identity(3, 2, c=1.5)
    Traceback (most recent call last):
    ValueError: scaled_identity: c·I needs a square shape, got n_out = 3, n_in = 2
    """
    _check_shape("scaled_identity", n_out, n_in)
    generator("scaled_identity", rng)
    check_number("scaled_identity", c)
    if n_out != n_in:
        raise ValueError(f"scaled_identity: c·I needs a square shape, got n_out = {n_out}, n_in = {n_in}")
    c = to_float(c)
    return Matrix([[c if i == j else 0.0 for j in range(n_in)] for i in range(n_out)])


# ---------------------------------------------------------------------------
# Free choices of the distribution
# ---------------------------------------------------------------------------

def normal(n_out: int, n_in: int, rng: random.Random | None = None, std: float = 1.0, mean: float = 0.0) -> Matrix:
    """Entries from N(mean, std²): mean ``mean``, variance std²."""
    std = finite_number("normal", "std", std, at_least=0)
    mean = _finite("normal", "mean", mean)
    _check_shape("normal", n_out, n_in)
    return Matrix.randn(n_out, n_in, generator("normal", rng), std=std, mean=mean)


def standard_normal(n_out: int, n_in: int, rng: random.Random | None = None) -> Matrix:
    """The naive N(0, 1): variance 1 whatever the layer's size.

    A unit then sums n_in terms of variance 1, so Var(z) = n_in·E[a²]: with
    n_in = 100, z has a standard deviation of about 10 and a sigmoid or tanh
    unit sits deep in its flat wings, where its derivative is nearly 0.
    """
    return _normal("standard_normal", n_out, n_in, rng, 1.0)


def uniform(n_out: int, n_in: int, rng: random.Random | None = None, a: float = -1.0, b: float = 1.0) -> Matrix:
    """Entries from U(a, b): mean (a + b)/2, variance (b − a)²/12."""
    a, b = _finite("uniform", "a", a), _finite("uniform", "b", b)
    if a > b:
        raise ValueError(f"uniform: need finite a <= b, got a = {a!r}, b = {b!r}")
    _check_shape("uniform", n_out, n_in)
    return Matrix.uniform(n_out, n_in, generator("uniform", rng), low=a, high=b)


# ---------------------------------------------------------------------------
# Scaled by the layer's size
# ---------------------------------------------------------------------------

def lecun_normal(n_out: int, n_in: int, rng: random.Random | None = None) -> Matrix:
    """N(0, 1/n_in): Var(W) = 1/n_in, so n_in·Var(W) = 1 (Nielsen's ch. 3 choice)."""
    _check_shape("lecun_normal", n_out, n_in)
    return _normal("lecun_normal", n_out, n_in, rng, math.sqrt(1.0 / n_in))


def lecun_uniform(n_out: int, n_in: int, rng: random.Random | None = None) -> Matrix:
    """U(−√(3/n_in), √(3/n_in)): Var(W) = 1/n_in, uniform."""
    _check_shape("lecun_uniform", n_out, n_in)
    return _symmetric_uniform("lecun_uniform", n_out, n_in, rng, math.sqrt(3.0 / n_in))


def standard_uniform(n_out: int, n_in: int, rng: random.Random | None = None) -> Matrix:
    """U(−1/√n_in, 1/√n_in): Var(W) = 1/(3·n_in), Glorot & Bengio's "standard" heuristic
    and PyTorch's ``nn.Linear`` default.  n_in·Var(W) = 1/3 < 1: a deep tanh stack shrinks."""
    _check_shape("standard_uniform", n_out, n_in)
    return _symmetric_uniform("standard_uniform", n_out, n_in, rng, 1.0 / math.sqrt(n_in))


def xavier_normal(n_out: int, n_in: int, rng: random.Random | None = None, gain: float = 1.0) -> Matrix:
    """N(0, gain²·2/(n_in + n_out)) (Glorot & Bengio 2010)."""
    _check_shape("xavier_normal", n_out, n_in)
    gain = _check_gain("xavier_normal", gain)
    return _normal("xavier_normal", n_out, n_in, rng, gain * math.sqrt(2.0 / (n_in + n_out)))


def xavier_uniform(n_out: int, n_in: int, rng: random.Random | None = None, gain: float = 1.0) -> Matrix:
    """U(−r, r) with r = gain·√(6/(n_in + n_out)): Var(W) = r²/3 = gain²·2/(n_in + n_out)."""
    _check_shape("xavier_uniform", n_out, n_in)
    gain = _check_gain("xavier_uniform", gain)
    return _symmetric_uniform("xavier_uniform", n_out, n_in, rng, gain * math.sqrt(6.0 / (n_in + n_out)))


def he_normal(n_out: int, n_in: int, rng: random.Random | None = None, negative_slope: float = 0.0) -> Matrix:
    """N(0, 2/((1 + a²)·n_in)) with a = ``negative_slope`` (He et al. 2015; a = 0 for relu)."""
    _check_shape("he_normal", n_out, n_in)
    std = calculate_gain("leaky_relu", negative_slope) / math.sqrt(n_in)
    return _normal("he_normal", n_out, n_in, rng, std)


def he_uniform(n_out: int, n_in: int, rng: random.Random | None = None, negative_slope: float = 0.0) -> Matrix:
    """U(−r, r) with r = √(6/((1 + a²)·n_in)): Var(W) = r²/3 = 2/((1 + a²)·n_in)."""
    _check_shape("he_uniform", n_out, n_in)
    bound = calculate_gain("leaky_relu", negative_slope) * math.sqrt(3.0 / n_in)
    return _symmetric_uniform("he_uniform", n_out, n_in, rng, bound)


def _check_gain(where: str, g: object) -> float:
    return finite_number(where, "gain", g, at_least=0)


def calculate_gain(nonlinearity: str, negative_slope: float = LEAKY_SLOPE) -> float:
    """The factor by which to scale a weight's standard deviation for an activation
    (PyTorch's ``calculate_gain``).  For relu it is exact: relu keeps half of a
    symmetric input's second moment, so √2 puts it back; a leaky relu keeps
    (1 + a²)/2 of it.  tanh's 5/3 is PyTorch's empirical choice.

    ========================  ====================
    identity, sigmoid         1
    tanh                      5/3
    relu                      √2
    leaky_relu (slope a)      √(2/(1 + a²))
    ========================  ====================

    >>> round(calculate_gain("relu") ** 2, 12), round(calculate_gain("leaky_relu", 0.0) ** 2, 12)
    (2.0, 2.0)
    """
    if nonlinearity in ("identity", "linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        a = _check_slope("calculate_gain", negative_slope)
        return math.sqrt(2.0 / (1.0 + a * a))
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r} (use identity, sigmoid, tanh, relu or leaky_relu)"
    )


#: Every initialiser by name, for ``MLP(..., init="xavier_uniform")``.
INITIALISERS: dict[str, Initialiser] = {
    f.__name__: f
    for f in (constant, zeros, scaled_identity, normal, standard_normal, uniform, lecun_normal,
              lecun_uniform, standard_uniform, xavier_normal, xavier_uniform, he_normal, he_uniform)
}


def get(init: str | Initialiser) -> Initialiser:
    """An initialiser from its name, or the function itself when one is given.

    >>> get("he_normal") is he_normal
    True
    >>> get("glorot")
    Traceback (most recent call last):
    ValueError: init: unknown initialiser 'glorot'; choose one of constant, he_normal, he_uniform, lecun_normal, lecun_uniform, normal, scaled_identity, standard_normal, standard_uniform, uniform, xavier_normal, xavier_uniform, zeros
    """
    if callable(init):
        return init
    if isinstance(init, str):
        found = INITIALISERS.get(init)
        if found is None:
            raise ValueError(
                f"init: unknown initialiser {init!r}; choose one of {', '.join(sorted(INITIALISERS))}"
            )
        return found
    raise TypeError(f"init: expected an initialiser's name or a function, got {init!r}")


def drawn(where: str, init: Initialiser, n_out: int, n_in: int, rng: random.Random) -> Matrix:
    """``init(n_out, n_in, rng)``, checked to be a Matrix of that shape, as a trainable leaf
    (a constant or a computed matrix from a user's initialiser is copied into a fresh leaf).

    >>> drawn("Linear weight", constant, 1, 2, random.Random(0)).data
    [[0.0, 0.0]]
    >>> drawn("Linear weight", lambda n_out, n_in, rng: "zeros", 1, 2, random.Random(0))
    Traceback (most recent call last):
    ValueError: Linear weight: the initialiser returned str, expected a Matrix of shape (1, 2)
    """
    matrix = init(n_out, n_in, rng)
    if not isinstance(matrix, Matrix) or matrix.shape != (n_out, n_in):
        found = matrix.shape if isinstance(matrix, Matrix) else type(matrix).__name__
        raise ValueError(f"{where}: the initialiser returned {found}, expected a Matrix of shape {(n_out, n_in)}")
    if not matrix.requires_grad or not matrix.is_leaf:
        matrix = Matrix(matrix.tolist())  # a fresh trainable leaf
    return matrix
