"""Layer anatomy and gradient health: where, layer by layer, a gradient shrinks or grows.

Backpropagation through an MLP with pre-activations zˡ = Wˡaˡ⁻¹ + bˡ and
activations aˡ = σ(zˡ) is one matrix product per layer (Nielsen, ch. 2):

    δˡ = Σ′(zˡ) (Wˡ⁺¹)ᵀ δˡ⁺¹,      δˡ = ∂C/∂zˡ = ∂C/∂bˡ

where Σ′(zˡ) is the diagonal matrix of the activation's derivatives σ′(zˡⱼ)
(each ≤ 1/4 for the sigmoid).  So

    δ¹ = M¹ M² … Mᴸ⁻¹ δᴸ,   with the per-layer factor  Mˡ = Σ′(zˡ) (Wˡ⁺¹)ᵀ,

and ‖δ¹‖/‖δᴸ‖ ≤ σ_max(M¹)·σ_max(M²)·…·σ_max(Mᴸ⁻¹), σ_max the largest
singular value.  :func:`layer_anatomy` computes each factor and its size;
:func:`gradient_health` reads the gradients a training step produced and
says, layer by layer, whether they vanish or explode.

Both work on plain lists of lists of floats (weights as rows, shape
(n_out, n_in) as in PyTorch and Nielsen), and on anything with a ``.data``
list of lists (the Matrix engine).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from . import ops, reals
from .matrix_ops import transpose_rows
from .notation import format_number
from .plot import bar_chart, table

#: Vectors or matrices as lists of rows of floats.
Vectors = list[list[float]]
SATURATED = 0.01  # a unit whose activation derivative is below this passes on (almost) nothing
VANISHING = 1e-2  # a layer whose gradient is 100× smaller than the last layer's is "vanishing"
EXPLODING = 1e2  # ... and 100× larger, "exploding" (see gradient_health)


# ---------------------------------------------------------------------------
# Small linear algebra on lists of lists
# ---------------------------------------------------------------------------

def _rows(x: Any, where: str) -> Vectors:
    """The rows of a list of lists, or of anything with a ``.data`` list of lists (a Matrix)."""
    data = getattr(x, "data", x)
    if not isinstance(data, (list, tuple)) or not data:
        raise TypeError(f"{where}: expected a non-empty list of rows (or a Matrix), got {type(x).__name__}")
    if all(reals.is_real(v) for v in data):
        return [[reals.to_float(v) for v in data]]  # a flat vector: one row
    if not all(isinstance(r, (list, tuple)) for r in data):
        raise TypeError(f"{where}: expected a list of rows of numbers, got {data!r:.80}")
    width = len(data[0])
    for i, r in enumerate(data):
        if len(r) != width or width == 0:
            raise ValueError(f"{where}: rows of different lengths ({width} and {len(r)})")
        for j, v in enumerate(r):
            if not reals.is_real(v):
                raise TypeError(f"{where}: entry ({i}, {j}) is {reals.short(v)}, not a real number")
    return [[reals.to_float(v) for v in r] for r in data]


def _batch(x: Any, width: int, where: str) -> Vectors:
    """Examples as rows of ``width`` numbers: a flat vector, a ``width``×1 column, or a batch of rows."""
    rows = _rows(x, where)
    if len(rows[0]) == width:
        return rows
    if width != 1 and len(rows) == width and all(len(r) == 1 for r in rows):
        return [[r[0] for r in rows]]  # a column vector
    raise ValueError(
        f"{where}: expected {width} numbers per example (a vector, a {width}×1 column or rows of {width}), "
        f"got shape ({len(rows)}, {len(rows[0])})"
    )


def _norm(v: Sequence[float]) -> float:
    """‖v‖₂ without overflow or underflow on the way (math.hypot scales for us)."""
    return math.hypot(*v)


def _mat_vec(matrix: Vectors, v: Sequence[float]) -> list[float]:
    return [math.fsum(a * b for a, b in zip(row, v)) for row in matrix]


def largest_singular_value(matrix: Any, iterations: int = 2000, tolerance: float = 1e-14, seed: int = 0) -> float:
    """σ_max(M) = max ‖Mv‖/‖v‖, by power iteration on MᵀM (standard library only).

    Repeatedly v ← MᵀMv/‖MᵀMv‖ turns v towards the top right singular vector
    (the other directions shrink by (σ₂/σ₁)² per step); then σ_max = ‖Mv‖.
    The start vector is random (seeded: the same answer every time), so it
    is never exactly orthogonal to the answer.  Stops when the estimate
    changes by less than ``tolerance`` (relative), or after ``iterations``.

    >>> round(largest_singular_value([[3.0, 0.0], [0.0, -4.0]]), 12)
    4.0
    >>> round(largest_singular_value([[1.0, 1.0], [1.0, 1.0]]), 12)   # rank one: ‖(1,1)‖·‖(1,1)‖
    2.0
    """
    if not reals.is_int(iterations) or iterations < 1:
        raise ValueError(f"largest_singular_value: iterations must be an integer >= 1, got {iterations!r}")
    reals.finite_number("largest_singular_value", "tolerance", tolerance, at_least=0)
    m = _rows(matrix, "largest_singular_value")
    mt = transpose_rows(m)
    rng = random.Random(seed)
    v = [rng.gauss(0.0, 1.0) for _ in mt]
    estimate = 0.0
    for _ in range(iterations):
        length = _norm(v)
        if length == 0.0:
            return 0.0  # Mv = 0 for a v with a part along every direction: M = 0
        v = [x / length for x in v]
        mv = _mat_vec(m, v)
        previous, estimate = estimate, _norm(mv)
        if abs(estimate - previous) <= tolerance * estimate:
            break
        v = _mat_vec(mt, mv)
    return estimate


# ---------------------------------------------------------------------------
# Layer anatomy
# ---------------------------------------------------------------------------

def activation_derivative(activation: str | Callable[[float], float]) -> Callable[[float], float]:
    """The derivative σ′(z) of an activation, by name ('sigmoid', 'tanh', 'relu', 'leaky_relu',
    'linear', or any unary op of the op table), or a function you pass.

    Uses the op table's own rules, so it is the derivative backward uses; an op
    with a parameter uses its default (leaky relu's slope ``ops.LEAKY_SLOPE``; pass
    ``lambda z: ...`` for another).

    >>> activation_derivative("sigmoid")(0.0), activation_derivative("relu")(-1.0)
    (0.25, 0.0)
    """
    if callable(activation):
        return activation
    if activation in ("linear", "identity"):
        return lambda z: 1.0
    op = ops.OPS.get(activation)
    if op is None or op.arity != 1 or len(op.defaults) != len(op.param_names):
        names = sorted(n for n, o in ops.OPS.items() if o.arity == 1 and len(o.defaults) == len(o.param_names))
        raise ValueError(f"activation_derivative: unknown activation {activation!r}; use one of {names} or 'linear'")
    return lambda z: float(op.local_derivatives(z, *op.defaults)[0])  # leaky relu: its default slope


class LayerFactor:
    """One layer of :func:`layer_anatomy` (``layer`` counts from 1, as in Nielsen).

    * ``deltas``: δˡ = ∂C/∂zˡ for each example (rows, ∂C/∂Zˡ as the Matrix engine has it);
      ``delta``: their sum over the batch, ∂C/∂bˡ (the bias is added to every example);
    * ``delta_norm``: ‖delta‖;
    * ``factors``: Mˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ for each example (None for the last layer);
      ``factor_norm`` (Frobenius) and ``largest_singular_value``: their means over the batch;
    * ``gain``: ‖δˡ‖/‖δˡ⁺¹‖, what this layer did to the gradient's size (None for the last layer);
    * ``derivative_mean``, ``derivative_max``: of σ′(zˡ) over the units (and examples);
    * ``saturated_fraction``: the fraction of σ′(zˡ) below ``SATURATED`` (relu: dead units).
    """

    def __init__(self, layer: int, deltas: Vectors, derivatives: Vectors, factors: list[Vectors] | None,
                 saturation: float) -> None:
        self.layer = layer
        self.width = len(deltas[0])
        self.deltas = deltas
        self.delta = [math.fsum(column) for column in zip(*deltas)]
        self.delta_norm = _norm(self.delta)
        everything = [d for row in derivatives for d in row]
        self.derivative_mean = math.fsum(everything) / len(everything)
        self.derivative_max = max(everything)
        self.saturated_fraction = sum(1 for d in everything if d < saturation) / len(everything)
        self.factors = factors
        self.factor_norm: float | None = None
        self.largest_singular_value: float | None = None
        if factors is not None:
            self.factor_norm = math.fsum(_norm([x for row in f for x in row]) for f in factors) / len(factors)
            self.largest_singular_value = math.fsum(largest_singular_value(f) for f in factors) / len(factors)
        self.gain: float | None = None

    @property
    def factor(self) -> Vectors | None:
        """Mˡ for a single example (None for the last layer, or for a batch: see ``factors``)."""
        return self.factors[0] if self.factors is not None and len(self.factors) == 1 else None

    def __repr__(self) -> str:
        return f"LayerFactor(layer={self.layer}, delta_norm={self.delta_norm!r}, gain={self.gain!r})"


class Anatomy:
    """The result of :func:`layer_anatomy`: ``layers`` (one :class:`LayerFactor` each), and

    * ``ratio`` = ‖δ¹‖/‖δᴸ‖, which equals the product of the layers' ``gain``;
    * ``bound`` = Π σ_max(Mˡ) ≥ ``ratio`` (for a single example; None for a batch,
      where the factors differ from example to example).
    """

    def __init__(self, layers: list[LayerFactor], activation_name: str) -> None:
        self.layers = layers
        self.activation_name = activation_name
        for layer, later in zip(layers, layers[1:]):
            layer.gain = _ratio(layer.delta_norm, later.delta_norm)
        self.ratio = _ratio(layers[0].delta_norm, layers[-1].delta_norm)
        single = len(layers[0].deltas) == 1
        # Every layer but the last has a factor, so a largest singular value (0.0 stands in for none).
        self.bound = math.prod(l.largest_singular_value or 0.0 for l in layers[:-1]) if single else None

    def __str__(self) -> str:
        headers = ["layer", "units", "‖δˡ‖", "gain ‖δˡ‖/‖δˡ⁺¹‖", "‖Mˡ‖_F", "σ_max(Mˡ)",
                   "mean σ′", "max σ′", "saturated"]
        rows = []
        for l in self.layers:
            rows.append([
                l.layer, l.width, l.delta_norm, _maybe(l.gain), _maybe(l.factor_norm),
                _maybe(l.largest_singular_value), l.derivative_mean, l.derivative_max,
                f"{100 * l.saturated_fraction:.0f}%",
            ])
        lines = [
            f"Backward through the layers: δˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ δˡ⁺¹ = Mˡ δˡ⁺¹  (σ′ of {self.activation_name})",
            table(headers, rows),
            f"‖δ¹‖/‖δᴸ‖ = {format_number(self.ratio)} = the product of the gains",
        ]
        if self.bound is not None:
            lines.append(f"  ≤ Π σ_max(Mˡ) = {format_number(self.bound)} (each layer can shrink or grow δ by at most σ_max)")
        else:
            lines.append("  (a batch: Mˡ differs per example; ‖Mˡ‖ and σ_max are means over the batch)")
        return "\n".join(lines)


def _ratio(a: float, b: float) -> float:
    if b == 0.0:
        return math.nan if a == 0.0 else math.inf
    return a / b


def _maybe(x: float | None) -> float | str:
    return "" if x is None else x


def layer_anatomy(weights: Sequence[Any], pre_activations: Sequence[Any], delta_last: Any,
                  activation: str | Callable[[float], float] = "sigmoid",
                  saturation: float = SATURATED) -> Anatomy:
    """The per-layer backward factors Mˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ of an MLP, and what each does to δ.

    ``weights``: W¹ … Wᴸ, each (n_l × n_{l−1}) as rows; ``pre_activations``:
    z¹ … zᴸ, each a vector, an n_l×1 column, or a batch of rows (m × n_l);
    ``delta_last``: δᴸ = ∂C/∂zᴸ in the same form (for a batch, ∂C/∂Zᴸ as the
    engine computes it: with a mean cost each row already carries its 1/m).
    Each layer's ``delta`` is then ∂C/∂bˡ.  Returns an :class:`Anatomy`.

    >>> W = [[[2.0]], [[3.0]], [[-1.0]]]          # a chain of one unit per layer
    >>> z = [[0.0], [0.0], [0.0]]                 # every σ′ = 1/4
    >>> anatomy = layer_anatomy(W, z, [1.0])
    >>> [l.delta for l in anatomy.layers]          # δ³ = 1, δ² = ¼·(−1)·1, δ¹ = ¼·3·δ²
    [[-0.1875], [-0.25], [1.0]]
    >>> anatomy.ratio, [l.largest_singular_value for l in anatomy.layers]
    (0.1875, [0.75, 0.25, None])
    """
    reals.check_number("layer_anatomy", saturation)
    derivative = activation_derivative(activation)
    name = activation if isinstance(activation, str) else getattr(activation, "__name__", "activation")
    W = [_rows(w, f"layer_anatomy: weights[{l}]") for l, w in enumerate(weights)]
    if len(W) != len(pre_activations) or not W:
        raise ValueError(
            f"layer_anatomy: {len(W)} weight matrices but {len(pre_activations)} pre-activations (need one per layer)"
        )
    for l in range(1, len(W)):
        if len(W[l][0]) != len(W[l - 1]):
            raise ValueError(
                f"layer_anatomy: weights[{l}] has shape ({len(W[l])}, {len(W[l][0])}) but layer {l} has "
                f"{len(W[l - 1])} units (weights[{l - 1}] has {len(W[l - 1])} rows)"
            )
    zs = [_batch(z, len(w), f"layer_anatomy: pre_activations[{l}]") for l, (z, w) in enumerate(zip(pre_activations, W))]
    delta = _batch(delta_last, len(W[-1]), "layer_anatomy: delta_last")
    for l, z in enumerate(zs):
        if len(z) != len(delta):
            raise ValueError(f"layer_anatomy: pre_activations[{l}] has {len(z)} examples but delta_last has {len(delta)}")
    derivatives = [[[derivative(v) for v in row] for row in z] for z in zs]
    layers = [LayerFactor(len(W), delta, derivatives[-1], None, saturation)]
    for l in range(len(W) - 2, -1, -1):
        W_next = W[l + 1]
        factors = [_factor(d_row, W_next) for d_row in derivatives[l]]
        delta = [_mat_vec(M, d) for M, d in zip(factors, delta)]
        layers.append(LayerFactor(l + 1, delta, derivatives[l], factors, saturation))
    layers.reverse()
    return Anatomy(layers, name)


def _factor(derivatives: Sequence[float], W_next: Vectors) -> Vectors:
    """Mˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ: row j is σ′(zˡⱼ) times column j of Wˡ⁺¹."""
    return [[d * W_next[k][j] for k in range(len(W_next))] for j, d in enumerate(derivatives)]


# ---------------------------------------------------------------------------
# Gradient health
# ---------------------------------------------------------------------------

class LayerHealth:
    """One row of :func:`gradient_health`: ``name``, ``size`` (numbers), ``norm``, ``ratio``, ``verdict``."""

    def __init__(self, name: str, size: int, norm: float) -> None:
        self.name = name
        self.size = size
        self.norm = norm
        self.ratio: float | None = None
        self.verdict = ""

    def __repr__(self) -> str:
        return f"LayerHealth({self.name!r}, norm={self.norm!r}, ratio={self.ratio!r}, verdict={self.verdict!r})"


class GradientHealth:
    """The result of :func:`gradient_health`: ``layers`` (:class:`LayerHealth`), printed as a table and a chart."""

    def __init__(self, layers: list[LayerHealth], vanishing: float, exploding: float) -> None:
        self.layers = layers
        self.vanishing = vanishing
        self.exploding = exploding

    def verdicts(self) -> dict[str, str]:
        return {layer.name: layer.verdict for layer in self.layers}

    def __str__(self) -> str:
        rows = [[l.name, l.size, l.norm, _maybe(l.ratio), l.verdict] for l in self.layers]
        return "\n".join([
            table(["layer", "numbers", "‖grad‖", "ratio to last", "verdict"], rows),
            "",
            bar_chart([l.name for l in self.layers], [l.norm for l in self.layers], log=True,
                      title="‖grad‖ per layer"),
            (f"verdicts: ratio < {format_number(self.vanishing)} vanishing, "
             f"> {format_number(self.exploding)} exploding, otherwise healthy"),
        ])


def _flatten(grad: Any, where: str) -> list[float]:
    if grad is None:
        raise ValueError(f"gradient_health: {where} has no gradient (None): run backward() first")
    data = getattr(grad, "data", grad)  # a gradient held in a Matrix
    if isinstance(data, bool):
        raise TypeError(f"gradient_health: {where} has the gradient {grad!r}, not a number")
    if isinstance(data, reals.NUMBERS):
        return [reals.to_float(data)]
    flat: list[Any] = []
    for row in data:
        flat.extend(row if isinstance(row, (list, tuple)) else [row])
    for x in flat:
        if not reals.is_real(x):
            raise TypeError(f"gradient_health: {where} has a gradient entry {x!r} that is not a number")
    return [reals.to_float(x) for x in flat]


def _pairs(named_parameters: Any) -> list[tuple[str, Any]]:
    """``(name, parameter)`` pairs as a list, or a TypeError saying what was expected."""
    problem = TypeError(f"gradient_health: expected (name, parameter) pairs or a module, got "
                        f"{reals.short(named_parameters)}")
    if isinstance(named_parameters, (str, bytes)):
        raise problem
    try:
        pairs = list(named_parameters)
    except TypeError:
        raise problem from None
    for pair in pairs:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str)):
            raise TypeError(f"gradient_health: expected (name, parameter) pairs, got the entry {reals.short(pair)}")
    return pairs


def _layer_name(name: str) -> str:
    """'layers.0.weight' → 'layers.0' (PyTorch's naming); a name without a dot is its own layer."""
    return name.rsplit(".", 1)[0] if "." in name else name


def gradient_health(named_parameters: Any, vanishing: float = VANISHING, exploding: float = EXPLODING,
                    layer_of: Callable[[str], str] = _layer_name) -> GradientHealth:
    """Per layer: ‖gradient‖, its ratio to the last layer's, and a verdict.

    ``named_parameters``: ``(name, parameter)`` pairs, input side first (or a
    module with ``named_parameters()``); ``parameter.grad`` a number or a
    list of lists (Value and Matrix parameters both work).  Parameters whose
    ``layer_of(name)`` agree form one layer; its norm is over all their numbers.

    Verdicts, from the ratio r = ‖grad of this layer‖ / ‖grad of the last layer‖:

    * ``vanishing`` if r < ``vanishing`` (default 1e-2): with one learning rate
      for all layers, this layer moves 100× slower than the last one, so it is
      still near its random start when the last layer has learned;
    * ``exploding`` if r > ``exploding`` (default 1e2): a step the size that
      suits the last layer throws this one far away;
    * ``healthy`` otherwise;
    * ``zero`` for an exactly zero gradient (dead units, or underflow), and
      ``non-finite`` for inf or nan, whatever the ratio.

    The thresholds are rules of thumb, not laws: a 10× spread is normal, a
    10 000× spread is the unstable gradient problem.

    >>> class P:                       # any object with a .grad
    ...     def __init__(self, g): self.grad = g
    >>> report = gradient_health([("layer1.w", P([[1e-6, 0.0]])), ("layer2.w", P(0.5)), ("layer3.w", P(1.0))])
    >>> [(l.name, l.verdict) for l in report.layers]
    [('layer1', 'vanishing'), ('layer2', 'healthy'), ('layer3', 'healthy')]
    """
    reals.check_number("gradient_health", vanishing)
    reals.check_number("gradient_health", exploding)
    if not (0 < vanishing < exploding):
        raise ValueError(f"gradient_health: need 0 < vanishing < exploding, got {vanishing!r} and {exploding!r}")
    reals.check_function("gradient_health", layer_of, "layer_of")
    if hasattr(named_parameters, "named_parameters"):
        named_parameters = named_parameters.named_parameters()
    pairs = _pairs(named_parameters)
    groups: dict[str, list[float]] = {}
    for name, parameter in pairs:
        groups.setdefault(layer_of(name), []).extend(_flatten(getattr(parameter, "grad", None), name))
    if not groups:
        raise ValueError("gradient_health: no parameters given")
    layers = [LayerHealth(name, len(numbers), _norm(numbers)) for name, numbers in groups.items()]
    reference = layers[-1].norm
    for layer in layers:
        if math.isfinite(reference) and reference > 0:
            layer.ratio = layer.norm / reference
        layer.verdict = _verdict(layer.norm, layer.ratio, vanishing, exploding)
    return GradientHealth(layers, vanishing, exploding)


def _verdict(norm: float, ratio: float | None, vanishing: float, exploding: float) -> str:
    if not math.isfinite(norm):
        return "non-finite"
    if norm == 0.0:
        return "zero"
    if ratio is None:
        return "no reference (the last layer's gradient is 0 or not finite)"
    if ratio < vanishing:
        return "vanishing"
    if ratio > exploding:
        return "exploding"
    return "healthy"
