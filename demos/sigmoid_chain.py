"""Nielsen's sigmoid chain: an early layer's gradient is a product of one factor per later layer.

Source: Michael Nielsen, *Neural Networks and Deep Learning*, chapter 5
("Why are deep neural networks hard to train?").

One neuron per layer: zⱼ = wⱼ·aⱼ₋₁ + bⱼ, aⱼ = σ(zⱼ), cost C = (a_L − y)²/2.
The chain rule gives, for four layers,

    ∂C/∂b₁ = σ′(z₁)·w₂·σ′(z₂)·w₃·σ′(z₃)·w₄·σ′(z₄)·∂C/∂a₄,

and each step one layer back multiplies the gradient by σ′(zⱼ)·wⱼ₊₁.  Since
σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4, ordinary weights (|w| < 4) make every factor
smaller than 1: the first layers get the smallest gradients and learn slowest
(vanishing).  With w = 100 and every z = 0 each factor is exactly 25 and the
gradient explodes as 25^(L−1); with w = 1 it shrinks by exactly 4 per layer.

What the demo prints:
  1. a chain with weights and biases drawn from N(0, 1) (``--seed``): the
     chain rule for ∂C/∂b₁ factor by factor (from ``tinygrad_edu.explain``),
     and ∂C/∂b₁ … ∂C/∂b₄ side by side;
  2. w = 100, b = −50 (so every z = 0): ∂C/∂bⱼ = 1953.125, 78.125, 3.125, 0.125;
  3. w = 1, b = −1/2: ∂C/∂b₁ / ∂C/∂b₃ = 1/16, Nielsen's "factor of 16";
  4. deeper chains (``--layers 10 30``).
Every gradient the engine prints is checked on the spot against the complex
step and, where they can resolve it, central differences.

    python demos/sigmoid_chain.py [--seed 0] [--layers 10 30] [--plot chain.png]
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, heading, relative_error, say, sub, sup

from tinygrad_edu import ops
from tinygrad_edu.autodiff import derivative, grad
from tinygrad_edu.explain import chain_rule, sigmoid_chain
from tinygrad_edu.numeric import EPSILON, central_difference, complex_step, default_step
from tinygrad_edu.notation import format_number
from tinygrad_edu.plot import bar_chart, sparkline, table
from tinygrad_edu.value import Value

A0 = 0.5  # the input activation a₀
Y = 0.0  # the target: C = (a_L − y)²/2, so ∂C/∂a_L = a_L − y

# The complex step, Im C(b + ih)/h with h = 1e-20, is our referee for every
# gradient: it subtracts nothing, so it has no cancellation and gives the
# derivative to rounding error whatever the curvature (the w = 100 chain) and
# however small the gradient (3e-28 in a 30-layer chain, far below what a
# difference C(b + h) − C(b − h) can see).  Its error is the rounding of the
# forward pass itself, a few ε per layer: 1e-12 is loose even for 30 layers.
COMPLEX_STEP_TOL = 1e-12
COMPLEX_STEP_H = 1e-20

# Central differences are what most people reach for, so we show them too,
# with the step chosen from the curvature (see central_check) and a predicted
# error.  We only report them where the predicted relative error is below
# this; elsewhere we say they cannot resolve the gradient.
RESOLVABLE = 1e-3
# The predicted error is an estimate of its size, not a bound: allow 10×.
PREDICTION_SLACK = 10.0


# ---------------------------------------------------------------------------
# The chain, three ways: on Values (the engine), on floats and on complex
# numbers (the independent referees).
# ---------------------------------------------------------------------------

def build_chain(weights: list, biases: list, a0: float = A0, y: float = Y):
    """The chain on the engine, every node labelled as Nielsen writes it.

    It is built by :func:`tinygrad_edu.explain.sigmoid_chain`, which reads:
    ``z = w * a + b`` then ``a = z.sigmoid()`` for each layer, labelled wⱼ, bⱼ,
    zⱼ, aⱼ, and ``C = (a - y) ** 2 / 2``.  Returns ``(C, nodes)`` with
    ``nodes["b1"]``, ``nodes["z2"]`` … so that the explainer can name the
    factors σ′(z₂), w₃.
    """
    return sigmoid_chain(weights, biases, a0=a0, y=y)


def cost(weights: list, biases: list, sigma, a0: float = A0, y: float = Y):
    """C = (a_L − y)²/2 computed with ``sigma``: floats, complex numbers or Values alike."""
    a = a0
    for w, b in zip(weights, biases):
        a = sigma(w * a + b)
    return (a - y) ** 2 / 2


def cost_of_bias(weights: list, biases: list, j: int, sigma):
    """C as a function of the bias bⱼ alone (j counts from 1), the others held fixed."""
    def C(t):
        moved = list(biases)
        moved[j - 1] = t
        return cost(weights, moved, sigma)
    return C


# ops.sigmoid applied to a float gives a float, to a Value a Value: the
# engine's own rule.  The complex version is the op's complex_forward.
SIGMA = ops.sigmoid
SIGMA_COMPLEX = ops.sigmoid.complex_forward


# ---------------------------------------------------------------------------
# Checking one gradient
# ---------------------------------------------------------------------------

@dataclass
class Check:
    """The engine's ∂C/∂bⱼ next to two independent estimates."""

    backward: float
    complex_step: float
    central: float | None  # None: central differences cannot resolve this gradient
    step: float  # the central-difference step h
    predicted: float  # predicted relative error of the central difference
    third: float  # C‴(bⱼ), the curvature the step was chosen from

    @property
    def overflowed(self) -> bool:
        """The gradient is inf (overflow) or 0 (underflow): flagged, not compared."""
        return self.backward == 0 or not math.isfinite(self.backward)

    @property
    def complex_error(self) -> float:
        return math.nan if self.overflowed else relative_error(self.backward, self.complex_step)

    @property
    def central_error(self) -> float | None:
        return None if self.central is None else relative_error(self.backward, self.central)

    @property
    def ok(self) -> bool:
        """Both estimates agree (an overflowed gradient is flagged instead, and counts as handled)."""
        if self.overflowed:
            return True
        central_ok = self.central is None or self.central_error <= PREDICTION_SLACK * self.predicted
        return self.complex_error <= COMPLEX_STEP_TOL and central_ok


def central_check(weights: list, biases: list, j: int, backward: float) -> tuple:
    """A central difference for ∂C/∂bⱼ with the step chosen from the curvature.

    The error of (C(b + h) − C(b − h))/2h has two parts: truncation,
    h²·|C‴|/6, and rounding, about ε_C/h, where ε_C = ε·(|C| + |b·C′|) is
    the rounding in C itself plus the rounding of b ± h carried through C′.
    Their sum is smallest at h = (3·ε_C/|C‴|)^(1/3).  C‴ comes from the
    engine (third derivative by differentiating backward's graph twice
    more); a wrong C‴ would only make the step worse, never the check laxer
    than its printed error.  For w = 100, C‴ is about −2.4e11 at b₁, so
    h ≈ 6.5e-8: the textbook h = 1e-6 is only good to 2e-5 there.

    Returns ``(estimate or None, h, predicted relative error, C‴)``.
    """
    b = biases[j - 1]
    C = cost_of_bias(weights, biases, j, SIGMA)
    third = derivative(C, b, order=3)
    noise = EPSILON * (abs(C(b)) + abs(b * backward))
    ideal = (3 * noise / abs(third)) ** (1 / 3) if third != 0 else default_step(b)
    h = (b + ideal) - b  # a step the floats represent exactly: (b + h) − b is then h itself
    if h == 0 or backward == 0:  # the step is below the spacing of the floats near b
        return None, ideal, math.inf, third
    predicted = (h * h * abs(third) / 6 + noise / h) / abs(backward)
    estimate = central_difference(C, b, h) if predicted <= RESOLVABLE else None
    return estimate, h, predicted, third


def complex_step_size(gradient: float) -> float:
    """The complex step h for a derivative of size |gradient|.

    h = 1e-20 as a rule, but two things can go wrong in a long chain.  The
    imaginary parts grow through the chain like the gradient does (×25 per
    layer when w = 100): with h = 1e-20 a 30-layer w = 100 chain would carry
    an imaginary part of 1e20, far outside the region where C is linear, so
    we divide h by |gradient| when it is above 1.  And Im C = h·gradient must
    stay above the subnormal range (1e-280, with margin), or it loses
    digits: for a gradient of 1e-298 we raise h, up to 1e-8, where the
    complex step's own error, h²·|C‴/C′|/6, is still about 1e-16.
    """
    h = COMPLEX_STEP_H / max(1.0, abs(gradient))
    return min(max(h, 1e-280 / abs(gradient)), 1e-8)


def check(weights: list, biases: list, j: int, backward: float) -> Check:
    """Check the engine's ∂C/∂bⱼ against the complex step and a central difference.

    A gradient that overflowed to inf or underflowed to 0 is flagged in the
    tables instead: there is no number left to compare (the true ∂C/∂bⱼ of
    a sigmoid chain is never exactly 0).
    """
    if backward == 0 or not math.isfinite(backward):
        return Check(backward, math.nan, None, math.nan, math.inf, math.nan)
    h = complex_step_size(backward)
    reference = complex_step(cost_of_bias(weights, biases, j, SIGMA_COMPLEX), biases[j - 1], h)
    central, h, predicted, third = central_check(weights, biases, j, backward)
    return Check(backward, reference, central, h, predicted, third)


# ---------------------------------------------------------------------------
# One chain: gradients, checks, table
# ---------------------------------------------------------------------------

@dataclass
class Chain:
    """A chain's parameters, its engine graph and its checked bias gradients."""

    name: str
    weights: list
    biases: list
    C: Value
    nodes: dict
    gradients: list  # ∂C/∂b₁ … ∂C/∂b_L from backward
    checks: list  # a Check per gradient (None where not checked)

    @property
    def layers(self) -> int:
        return len(self.weights)

    def z(self, j: int) -> float:
        return self.nodes[f"z{j}"].data

    def sigma_prime(self, j: int) -> float:
        a = self.nodes[f"a{j}"].data
        return a * (1 - a)

    def factor_back(self, j: int) -> float:
        """∂C/∂bⱼ ÷ ∂C/∂bⱼ₊₁ = σ′(zⱼ)·wⱼ₊₁: what one more layer back multiplies by."""
        return self.sigma_prime(j) * self.weights[j]


def make_chain(name: str, weights: list, biases: list, checked=None) -> Chain:
    """Build the chain, run backward, and check the gradients listed in ``checked`` (all by default)."""
    C, nodes = build_chain(weights, biases)
    bias_nodes = [nodes[f"b{j}"] for j in range(1, len(weights) + 1)]
    gradients = grad(C, bias_nodes)
    checked = range(1, len(weights) + 1) if checked is None else checked
    checks = [None] * len(weights)
    for j in checked:
        checks[j - 1] = check(weights, biases, j, gradients[j - 1])
    return Chain(name, weights, biases, C, nodes, gradients, checks)


def seeded_chain(layers: int, seed: int) -> Chain:
    """Weights and biases drawn from N(0, 1), Nielsen's initialisation in ch. 5."""
    rng = random.Random(seed)
    weights = [rng.gauss(0.0, 1.0) for _ in range(layers)]
    biases = [rng.gauss(0.0, 1.0) for _ in range(layers)]
    return make_chain(f"N(0, 1), seed {seed}", weights, biases, checked=_ends(layers))


def zero_z_chain(w: float, layers: int) -> Chain:
    """Every weight w and every bias −w·a₀, so that every z = 0 and every a = σ(0) = 1/2.

    Then σ′(z) = 1/4 at every layer and each step back multiplies by w/4.
    """
    return make_chain(f"w = {w:g}, z = 0", [w] * layers, [-w * A0] * layers, checked=_ends(layers))


def _ends(layers: int) -> list:
    """Short chains: check every gradient.  Long ones: the first and last, the ones we print."""
    return list(range(1, layers + 1)) if layers <= 4 else [1, layers]


def exact(x: float) -> str:
    """A gradient in full when short (1953.125, 0.001953125), else to 6 significant digits."""
    if x == 0 or not math.isfinite(x):
        return format_number(x)  # flagged in words: "inf (overflow)", "0 (underflow)"
    text = repr(x)
    return text if len(text) <= 12 and "e" not in text else format_number(x, 6)


def complex_text(c: Check | None) -> str:
    return "not checked" if c is None or c.overflowed else error_text(c.complex_error)


def central_text(c: Check | None) -> str:
    if c is None or c.overflowed:
        return "not checked"
    if c.central is None:
        return "cannot resolve"
    return f"{error_text(c.central_error)} (h={format_number(c.step, 2)})"


def gradient_table(chain: Chain, closed_form=None) -> str:
    """∂C/∂bⱼ per layer with the factor one layer back and the two checks (relative errors).

    ``closed_form(j)``, when given, adds the expected value as a column.
    """
    headers = ["j", "wⱼ", "σ′(zⱼ)", "∂C/∂bⱼ (backward)"]
    if closed_form is not None:
        headers.append("closed form")
    headers += ["σ′(zⱼ)·wⱼ₊₁", "complex step", "central diff (step)"]
    rows = []
    for j in range(1, chain.layers + 1):
        c = chain.checks[j - 1]
        row = [j, format_number(chain.weights[j - 1]), format_number(chain.sigma_prime(j)),
               exact(chain.gradients[j - 1])]
        if closed_form is not None:
            row.append(exact(closed_form(j)))
        row.append(format_number(chain.factor_back(j)) if j < chain.layers else "")
        row += [complex_text(c), central_text(c)]
        rows.append(row)
    return table(headers, rows)


def chain_rule_text(chain: Chain) -> tuple:
    """∂C/∂b₁ written out factor by factor, by ``tinygrad_edu.explain.chain_rule``.

    Returns ``(text, value, product of the printed factors)``.
    """
    rule = chain_rule(chain.C, chain.nodes["b1"])
    product = math.prod(factor.value for factor in rule.paths[0]) if rule.paths else 0.0
    return str(rule), rule.value, product


def gradient_bars(chain: Chain) -> str:
    labels = [f"|∂C/∂b{sub(j)}|" for j in range(1, chain.layers + 1)]
    return bar_chart(labels, [abs(g) for g in chain.gradients], log=True, width=30)


# ---------------------------------------------------------------------------
# The four sections
# ---------------------------------------------------------------------------

DIAGRAM = """\
  a₀ ─w₁,b₁→ a₁ ─w₂,b₂→ a₂ ─w₃,b₃→ a₃ ─w₄,b₄→ a₄ → C = (a₄ − y)²/2
  zⱼ = wⱼ·aⱼ₋₁ + bⱼ,  aⱼ = σ(zⱼ),  σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4,  a₀ = 0.5,  y = 0"""


def section_seeded(seed: int) -> dict:
    chain = seeded_chain(4, seed)
    print(heading(f"1. Weights and biases drawn from N(0, 1) (seed {seed})"))
    print("The chain rule for ∂C/∂b₁, read off the engine's graph by tinygrad_edu.explain.chain_rule:")
    text, value, product = chain_rule_text(chain)
    print(text)
    print()
    print("Every gradient, with its relative error against two independent numerical estimates:")
    print(gradient_table(chain))
    print()
    print(gradient_bars(chain))
    print()
    factors = [chain.factor_back(j) for j in range(1, 4)]
    ratio = chain.gradients[0] / chain.gradients[3]
    shrinks = all(abs(f) < 1 for f in factors)
    say(f"Each layer back multiplies the gradient by σ′(zⱼ)·wⱼ₊₁, at most |wⱼ₊₁|/4 in size: "
        f"{'all three factors are below 1' if shrinks else 'NOT all three factors are below 1 for this seed'}, "
        f"so |∂C/∂b₁| / |∂C/∂b₄| = {format_number(abs(ratio))}: the first layer learns "
        f"{format_number(1 / abs(ratio), 3)}× slower than the last.")
    return {"chain": chain, "explained_value": value, "explained_product": product,
            "factors_back": factors, "ratio_first_last": ratio, "all_factors_below_one": shrinks}


def section_explode() -> dict:
    chain = zero_z_chain(100.0, 4)
    closed = [0.125 * 25.0 ** (4 - j) for j in range(1, 5)]
    print(heading("2. Exploding on purpose: every w = 100, b = −50, so every z = 0"))
    say("σ′(0) = 1/4 exactly, so every factor w·σ′(z) = 100/4 = 25, and "
        "∂C/∂bⱼ = 25^(4−j)·σ′(z₄)·(a₄ − y) = 0.125·25^(4−j):")
    print(gradient_table(chain, closed_form=lambda j: closed[j - 1]))
    first = chain.checks[0]
    C = cost_of_bias(chain.weights, chain.biases, 1, SIGMA)
    textbook = {h: relative_error(central_difference(C, chain.biases[0], h), chain.gradients[0])
                for h in (1e-6, 1e-7)}
    say(f"Each layer back multiplies by 25: ∂C/∂b₁ / ∂C/∂b₄ = {exact(chain.gradients[0] / chain.gradients[3])} "
        f"= 25³. The chain is strongly curved (C‴ = {format_number(first.third, 3)} at b₁), so central "
        f"differences need a small step: h = {format_number(first.step, 2)}, chosen from C‴, is good to "
        f"{error_text(first.central_error)}; h = 1e-6 only to {error_text(textbook[1e-6])}, "
        f"h = 1e-7 to {error_text(textbook[1e-7])}.")
    return {"chain": chain, "closed_form": closed, "textbook_step_errors": textbook}


def section_quarter() -> dict:
    chain = zero_z_chain(1.0, 4)
    closed = [0.125 * 0.25 ** (4 - j) for j in range(1, 5)]
    ratio = chain.gradients[0] / chain.gradients[2]
    print(heading("3. Every w = 1, b = −1/2, so again every z = 0: each layer back divides by 4"))
    print(gradient_table(chain, closed_form=lambda j: closed[j - 1]))
    say(f"∂C/∂b₁ / ∂C/∂b₃ = {exact(ratio)} = 1/16: Nielsen's \"factor of 16\" over two layers.")
    return {"chain": chain, "closed_form": closed, "ratio_b1_b3": ratio}


def section_deep(depths: list, seed: int) -> dict:
    print(heading("4. Deeper chains: ∂C/∂b₁ is a product of L − 1 such factors"))
    rows, profiles, result = [], [], {}
    for L in depths:
        chains = {
            "seeded": seeded_chain(L, seed),
            "w=100": zero_z_chain(100.0, L),
            "w=1": zero_z_chain(1.0, L),
        }
        # ops.power gives inf on overflow (IEEE 754), where Python's ** raises OverflowError
        closed = {"seeded": None, "w=100": ops.power(25.0, L - 1), "w=1": ops.power(0.25, L - 1)}
        closed_text = {"seeded": "", "w=100": f"25{sup(L - 1)} = ", "w=1": f"4{sup(1 - L)} = "}
        result[L] = {}
        for key, chain in chains.items():
            first, last = chain.gradients[0], chain.gradients[-1]
            ratio = first / last
            checks = [c for c in chain.checks if c is not None]
            finite = [c for c in checks if not c.overflowed]
            worst = max((c.complex_error for c in finite), default=math.nan)
            central = [c.central_error for c in finite if c.central is not None]
            rows.append([
                L, chain.name, format_number(first), format_number(last), format_number(ratio),
                closed_text[key] + format_number(closed[key]) if closed[key] is not None else "",
                (error_text(worst) + (f" ({len(finite)} of {len(checks)})" if len(finite) < len(checks) else ""))
                if finite else "not checked",
                f"{error_text(max(central))} ({len(central)} of {len(checks)})" if central else "cannot resolve",
            ])
            profiles.append(f"  L = {L:<3} {chain.name:<17} {profile(chain.gradients)}")
            result[L][key] = {"chain": chain, "first": first, "last": last, "ratio": ratio,
                              "closed_ratio": closed[key], "worst_complex_error": worst,
                              "central_resolved": len(central)}
    print(table(["L", "chain", "∂C/∂b₁", "∂C/∂b_L", "∂C/∂b₁ ÷ ∂C/∂b_L", "closed form",
                 "complex step", "central diff"], rows))
    print()
    print("|∂C/∂bⱼ| for j = 1 … L, one character per layer (log scale, ▁ smallest, █ largest):")
    print("\n".join(profiles))
    say("Central differences cannot resolve every printed gradient (\"1 of 2\"): where their predicted "
        f"error is above {RESOLVABLE:g} they are not used. A tiny ∂C/∂b₁ moves C by less than C's own "
        "rounding error, and for w = 100 the step the curvature asks for is below the spacing of the floats "
        "near b. The complex step subtracts nothing, and still agrees to rounding.")
    return result


def profile(gradients: list, width: int = 60) -> str:
    """A sparkline of |∂C/∂bⱼ|, one character per layer (every k-th layer when there are many)."""
    k = max(1, math.ceil(len(gradients) / width))
    line = sparkline([abs(g) for g in gradients[::k]], log=True)
    return line if k == 1 else f"{line}  (every {k}th layer)"


def summary(results: dict) -> bool:
    every = [c for chain in _all_chains(results) for c in chain.checks if c is not None]
    checks = [c for c in every if not c.overflowed]
    ok = all(c.ok for c in every)
    central = [c for c in checks if c.central is not None]
    print(heading("Checks"))
    overflow = len(every) - len(checks)
    say(f"{len(checks)} gradients from backward checked on the spot: the complex step agrees within "
        f"{error_text(max(c.complex_error for c in checks))} (tolerance {COMPLEX_STEP_TOL:g}); central "
        f"differences could resolve {len(central)} of them and agree within {PREDICTION_SLACK:g}× their "
        f"predicted error: {'all agree' if ok else 'NO: MISMATCH'}."
        + (f" {overflow} {'gradient' if overflow == 1 else 'gradients'} overflowed to inf or underflowed "
           "to 0: flagged in words, not compared." if overflow else ""))
    say("Lesson: an early layer's gradient is a product of one factor per later layer, and nothing makes "
        "that product stay near 1. Ordinary weights: it vanishes. Big weights: it explodes.")
    print("Next: python demos/deep_linear.py (the same product, layer matrices instead of neurons); "
          "python demos/run_all.py lists every demo.")
    return ok


def _all_chains(results: dict) -> list:
    chains = [results["seeded"]["chain"], results["explode"]["chain"], results["quarter"]["chain"]]
    for per_depth in results["deep"].values():
        chains += [entry["chain"] for entry in per_depth.values()]
    return chains


def save(path: str, results: dict) -> None:
    def profile(chain):
        return list(range(1, chain.layers + 1)), [abs(g) for g in chain.gradients]

    vanishing = {f"4 layers, {results['seeded']['chain'].name}": profile(results["seeded"]["chain"])}
    for L, entry in results["deep"].items():
        vanishing[f"{L} layers, N(0, 1)"] = profile(entry["seeded"]["chain"])
    fixed = {"w = 100 (×25 per layer)": profile(results["explode"]["chain"]),
             "w = 1 (÷4 per layer)": profile(results["quarter"]["chain"])}
    _common.save_figure(path, [
        ("|∂C/∂bⱼ|, weights from N(0, 1)", vanishing, True, "layer j", "|∂C/∂bⱼ|"),
        ("|∂C/∂bⱼ|, every z = 0", fixed, True, "layer j", "|∂C/∂bⱼ|"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--layers", type=_common.positive_int, nargs="+", default=[10, 30],
                   help="depths of the deeper chains in section 4 (default: 10 30)")
    args = p.parse_args(argv)
    print("Nielsen's sigmoid chain: why the first layers learn slowest (Neural Networks and Deep Learning, ch. 5)")
    print(DIAGRAM)
    results = {
        "seeded": section_seeded(args.seed),
        "explode": section_explode(),
        "quarter": section_quarter(),
        "deep": section_deep(args.layers, args.seed),
    }
    results["ok"] = summary(results)
    if args.plot:
        save(args.plot, results)
    return results


if __name__ == "__main__":
    _common.run(main)
