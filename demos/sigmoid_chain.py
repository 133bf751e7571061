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
     the same gradient as one formula in textbook form (``tinygrad_edu.textbook``),
     and ∂C/∂b₁ … ∂C/∂b₄ side by side;
  2. w = 100, b = −50 (so every z = 0): ∂C/∂bⱼ = 1953.125, 78.125, 3.125, 0.125;
  3. w = 1, b = −1/2: ∂C/∂b₁ / ∂C/∂b₃ = 1/16, Nielsen's "factor of 16";
  4. deeper chains (``--layers 10 30``).
Every gradient the engine prints is checked on the spot against the complex
step and, where they can resolve it, central differences (the checking
functions, and why the step matters, are in demos/finite_differences.py).

    python demos/sigmoid_chain.py [--seed 0] [--layers 10 30] [--plot chain.png]
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import bar_chart, error_text, format_number, heading, lesson, opening, say, sub, sup, table
from _i18n import _, ngettext

from finite_differences import A0, COMPLEX_STEP_TOL, PREDICTION_SLACK, RESOLVABLE, Y, Check, check
from tinygrad_edu import ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.explain import chain_rule, sigmoid_chain
from tinygrad_edu.notation import math_number, pretty_label
from tinygrad_edu.plot import sparkline
from tinygrad_edu.symbolic import operation_count, render
from tinygrad_edu.textbook import symbolic_derivative
from tinygrad_edu.value import Value

# ---------------------------------------------------------------------------
# The chain on the engine
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
    return make_chain(_("N(0, 1), seed {seed}").format(seed=seed), weights, biases, checked=_ends(layers))


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
    return _("not checked") if c is None or c.overflowed else error_text(c.complex_error)


def central_text(c: Check | None) -> str:
    if c is None or c.overflowed:
        return _("not checked")
    if c.central is None:
        return _("cannot resolve")
    return f"{error_text(c.central_error)} (h={format_number(c.step, 2)})"


def gradient_table(chain: Chain, closed_form=None) -> str:
    """∂C/∂bⱼ per layer with the factor one layer back and the two checks.

    The check columns hold *relative errors* of backward's gradient against
    each estimate, so a 0 there is exact agreement, not a zero derivative.

    ``closed_form(j)``, when given, adds the expected value as a column.
    """
    headers = ["j", "wⱼ", "σ′(zⱼ)", _("∂C/∂bⱼ (backward)")]
    if closed_form is not None:
        headers.append(_("closed form"))
    headers += ["σ′(zⱼ)·wⱼ₊₁", _("rel. error: complex step"), _("rel. error: central diff (h)")]
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
    rule = chain_rule(chain.C, chain.nodes["b1"], cut=True)
    product = math.prod(factor.value for factor in rule.paths[0]) if rule.paths else 0.0
    # TRANSLATORS: opens the list of the formula's named sub-formulas, as in "where z₁ = w₁·a₀ + b₁".
    behind = rule.where_lines(_("where"))  # ∂C/∂a₄ written out: the label names the chain, it does not cut it
    return "\n".join([str(rule), *behind]), rule.value, product


def formula_text(chain: Chain) -> tuple:
    """∂C/∂b₁ as one formula in the chain's inputs, from ``tinygrad_edu.textbook``: the textbook
    form where it is shorter than the exact one (it always is here), each named sub-formula on a line.

    Returns ``(sentence, lines, derivative, textbook form used?)``.
    """
    d = symbolic_derivative(chain.C, chain.nodes["b1"])
    exact_count, count = operation_count(d.exact), d.textbook.operation_count
    if count < exact_count:
        head = f"∂C/∂b{sub(1)} = "
        lines = [head + render(d.textbook.formula)]
        # TRANSLATORS: opens the list of the formula's named sub-formulas, as in "where z₁ = w₁·a₀ + b₁".
        where = _("where")
        for k, (name, body) in enumerate(d.textbook.where):
            lead = where if k == 0 else " " * len(where)
            lines.append(f"    {lead} {pretty_label(name)} = {render(body)}")
        sentence = _("The same gradient as one formula in the chain's inputs, in textbook form ({count} operations; "
                     "the exact form read back from the engine's graph has {exact}):").format(
            count=count, exact=exact_count)
        return sentence, lines, d, True
    sentence = _("The same gradient as one formula in the chain's inputs, exactly as the engine's graph computes it "
                 "({count} operations):").format(count=exact_count)
    return sentence, [f"∂C/∂b{sub(1)} = {render(d.exact)}"], d, False


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
    print(heading(_("1. Weights and biases drawn from N(0, 1) (seed {seed})").format(seed=seed)))
    print(_("The chain rule for ∂C/∂b₁, read off the engine's graph by tinygrad_edu.explain.chain_rule:"))
    text, value, product = chain_rule_text(chain)
    print(text)
    print()
    sentence, lines, derivative, short = formula_text(chain)
    say(sentence)
    print("\n".join(lines))
    formula_value = derivative.textbook.evaluate() if short else derivative.evaluate()
    say(_("Evaluated at this chain's numbers it gives {value}; backward gave {gradient}.").format(
        value=math_number(formula_value, 6), gradient=math_number(chain.gradients[0], 6)))
    print()
    say(_("Every gradient, with the relative error of backward's number against two independent numerical "
          "estimates (0: they agree exactly):"))
    print(gradient_table(chain))
    print()
    print(gradient_bars(chain))
    print()
    factors = [chain.factor_back(j) for j in range(1, 4)]
    ratio = chain.gradients[0] / chain.gradients[3]
    shrinks = all(abs(f) < 1 for f in factors)
    factor_text = ", ".join(format_number(f) for f in factors)
    say(_("Each layer back multiplies the gradient by σ′(zⱼ)·wⱼ₊₁, at most |wⱼ₊₁|/4 in size (checked below, "
          "with every other chain): here {factors}.").format(factors=factor_text))
    if shrinks:
        say(_("All three are below 1 in size, so their product is too: |∂C/∂b₁| / |∂C/∂b₄| = {ratio}. The first "
              "layer's gradient is {times}× smaller than the last's, and by Nielsen's measure (the size of ∂C/∂b) "
              "it learns that much slower.").format(ratio=format_number(abs(ratio)),
                                                    times=format_number(1 / abs(ratio), 3)))
    elif abs(ratio) < 1:
        say(_("Not all three are below 1 in size for this seed, but their product is: |∂C/∂b₁| / |∂C/∂b₄| = "
              "{ratio}, so the first layer still learns {times}× slower than the last.").format(
            ratio=format_number(abs(ratio)), times=format_number(1 / abs(ratio), 3)))
    else:
        say(_("For this seed the product is not below 1: |∂C/∂b₁| / |∂C/∂b₄| = {ratio}. A weight above 4 in size "
              "can make a factor exceed 1; with N(0, 1) weights that is rare.").format(
            ratio=format_number(abs(ratio))))
    return {"chain": chain, "explained_value": value, "explained_product": product, "formula": derivative,
            "formula_lines": lines, "formula_value": formula_value, "textbook_form": short,
            "factors_back": factors, "ratio_first_last": ratio, "all_factors_below_one": shrinks}


def section_explode() -> dict:
    chain = zero_z_chain(100.0, 4)
    closed = [0.125 * 25.0 ** (4 - j) for j in range(1, 5)]
    print(heading(_("2. Exploding on purpose: every w = 100, b = −50, so every z = 0")))
    say(_("σ′(0) = 1/4 exactly, so every factor w·σ′(z) = 100/4 = 25, and "
          "∂C/∂bⱼ = 25^(4−j)·σ′(z₄)·(a₄ − y) = 0.125·25^(4−j):"))
    print(gradient_table(chain, closed_form=lambda j: closed[j - 1]))
    first = chain.checks[0]
    say(_("Each layer back multiplies by 25: ∂C/∂b₁ / ∂C/∂b₄ = {ratio} = 25³. The chain is strongly curved "
          "(C‴ = {third} at b₁), so the central difference needs a small step, h = {step}, chosen from C‴ "
          "(demos/finite_differences.py shows why the textbook h = 1e-6 is not good enough here).").format(
        ratio=exact(chain.gradients[0] / chain.gradients[3]), third=format_number(first.third),
        step=format_number(first.step, 2)))
    return {"chain": chain, "closed_form": closed}


def section_quarter() -> dict:
    chain = zero_z_chain(1.0, 4)
    closed = [0.125 * 0.25 ** (4 - j) for j in range(1, 5)]
    ratio = chain.gradients[0] / chain.gradients[2]
    print(heading(_("3. Every w = 1, b = −1/2, so again every z = 0: each layer back divides by 4")))
    print(gradient_table(chain, closed_form=lambda j: closed[j - 1]))
    say(_("∂C/∂b₁ / ∂C/∂b₃ = {ratio} = 1/16: Nielsen's \"factor of 16\" over two layers.").format(ratio=exact(ratio)))
    return {"chain": chain, "closed_form": closed, "ratio_b1_b3": ratio}


def section_deep(depths: list, seed: int) -> dict:
    print(heading(_("4. Deeper chains: ∂C/∂b₁ is a product of L − 1 such factors")))
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
            ratio = first / last if last != 0 else math.nan  # a last σ′ that underflowed: no ratio
            checks = [c for c in chain.checks if c is not None]
            finite = [c for c in checks if not c.overflowed]
            worst = max((c.complex_error for c in finite), default=math.nan)
            central = [c.central_error for c in finite if c.central is not None]
            rows.append([
                L, chain.name, format_number(first), format_number(last), format_number(ratio),
                closed_text[key] + format_number(closed[key]) if closed[key] is not None else "",
                (_("{error} ({count} of {total})").format(error=error_text(worst), count=len(finite), total=len(checks))
                 if len(finite) < len(checks) else error_text(worst)) if finite else _("not checked"),
                _("{error} ({count} of {total})").format(error=error_text(max(central)), count=len(central),
                                                         total=len(checks)) if central else _("cannot resolve"),
            ])
            profiles.append((L, chain.name, profile(chain.gradients)))
            result[L][key] = {"chain": chain, "first": first, "last": last, "ratio": ratio,
                              "closed_ratio": closed[key], "worst_complex_error": worst,
                              "central_resolved": len(central)}
    print(table(["L", _("chain"), "∂C/∂b₁", "∂C/∂b_L", "∂C/∂b₁ ÷ ∂C/∂b_L", _("closed form"),
                 _("rel. error: complex step"), _("rel. error: central diff")], rows))
    print()
    print(_("|∂C/∂bⱼ| for j = 1 … L, one character per layer (log scale, ▁ smallest, █ largest):"))
    name_width = max(len(name) for _L, name, _bars in profiles)  # names are translated: any length
    print("\n".join(f"  L = {L:<3} {name:<{name_width}} {bars}" for L, name, bars in profiles))
    checks = [c for per_depth in result.values() for entry in per_depth.values()
              for c in entry["chain"].checks if c is not None and not c.overflowed]
    reasons = {why: sum(c.unresolved == why for c in checks) for why in ("rounding", "curvature", "spacing")}
    if any(reasons.values()):
        say(ngettext("Central differences could not resolve {count} of these {total} checked gradient: its best "
                     "step's predicted error is above {limit}, so it is not used.",
                     "Central differences could not resolve {count} of these {total} checked gradients: their best "
                     "step's predicted error is above {limit}, so they are not used.", len(checks)).format(
            count=sum(reasons.values()), total=len(checks), limit=f"{RESOLVABLE:g}"))
    if reasons["rounding"]:
        say(_("For {count} of them the gradient is so small that C changes by less than its own rounding error "
              "over any step the curvature allows.").format(count=reasons["rounding"]))
    if reasons["curvature"]:
        say(_("For {count} of them the chain is so curved that even the best step leaves a truncation error above "
              "{limit}.").format(count=reasons["curvature"], limit=f"{RESOLVABLE:g}"))
    if reasons["spacing"]:
        say(_("For {count} of them the step the curvature asks for is below the spacing of the floats near b, so "
              "b + h is b itself.").format(count=reasons["spacing"]))
    return result


def profile(gradients: list, width: int = 60) -> str:
    """A sparkline of |∂C/∂bⱼ|, one character per layer (every k-th layer when there are many)."""
    k = max(1, math.ceil(len(gradients) / width))
    line = sparkline([abs(g) for g in gradients[::k]], log=True)
    return line if k == 1 else _("{sparkline}  (every {k}th layer)").format(sparkline=line, k=k)


def summary(results: dict) -> bool:
    chains = _all_chains(results)
    every = [c for chain in chains for c in chain.checks if c is not None]
    checks = [c for c in every if not c.overflowed]
    factors = [(chain.factor_back(j), chain.weights[j]) for chain in chains for j in range(1, chain.layers)]
    bound_ok = all(abs(f) <= abs(w) / 4 for f, w in factors)
    closed_ok = all(results[key]["chain"].gradients == results[key]["closed_form"] for key in ("explode", "quarter"))
    ok = all(c.ok for c in every) and bool(checks) and bound_ok and closed_ok
    central = [c for c in checks if c.central is not None]
    overflow = len(every) - len(checks)
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: {count} gradient from backward, checked on the spot.",
                 "Compared: {count} gradients from backward, checked on the spot.", len(checks)).format(
            count=len(checks)),
        _("The complex step agrees within {error} relative (tolerance {tolerance}); central differences could "
          "resolve {resolved} of them and agree within {slack}× their predicted error.").format(
            error=error_text(max(c.complex_error for c in checks)), tolerance=f"{COMPLEX_STEP_TOL:g}",
            resolved=len(central), slack=f"{PREDICTION_SLACK:g}"),
        (_("The {count} factors σ′(zⱼ)·wⱼ₊₁ are each at most |wⱼ₊₁|/4 in size: yes.") if bound_ok else
         _("The {count} factors σ′(zⱼ)·wⱼ₊₁ are each at most |wⱼ₊₁|/4 in size: NO.")).format(count=len(factors)),
        _("The w = 100 and w = 1 chains of sections 2 and 3 equal 0.125·25^(4−j) and 0.125·4^(j−4) to the last "
          "bit: yes.") if closed_ok else
        _("The w = 100 and w = 1 chains of sections 2 and 3 equal 0.125·25^(4−j) and 0.125·4^(j−4) to the last "
          "bit: NO."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    if overflow:
        say(ngettext("Skipped: {count} gradient that overflowed to inf or underflowed to 0, flagged in words: "
                     "there is no number left to compare.",
                     "Skipped: {count} gradients that overflowed to inf or underflowed to 0, flagged in words: "
                     "there is no number left to compare.", overflow).format(count=overflow))
    else:
        say(_("Skipped: nothing; no gradient overflowed or underflowed."))
    lesson(_("an early layer's gradient is a product of one factor per later layer, and nothing makes that "
             "product stay near 1. Ordinary weights: it vanishes. Big weights: it explodes."))
    print(_("Next: python demos/deep_linear.py (the same product, layer matrices instead of neurons); "
            "python demos/run_all.py lists every demo."))
    return ok


def _all_chains(results: dict) -> list:
    chains = [results["seeded"]["chain"], results["explode"]["chain"], results["quarter"]["chain"]]
    for per_depth in results["deep"].values():
        chains += [entry["chain"] for entry in per_depth.values()]
    return chains


def save(path: str, results: dict) -> None:
    def profile(chain):
        return list(range(1, chain.layers + 1)), [abs(g) for g in chain.gradients]

    vanishing = {_("4 layers, {chain}").format(chain=results['seeded']['chain'].name): profile(results["seeded"]["chain"])}
    for L, entry in results["deep"].items():
        vanishing[ngettext("{count} layer, N(0, 1)", "{count} layers, N(0, 1)", L).format(count=L)] = \
            profile(entry["seeded"]["chain"])
    fixed = {_("w = 100 (×25 per layer)"): profile(results["explode"]["chain"]),
             _("w = 1 (÷4 per layer)"): profile(results["quarter"]["chain"])}
    _common.save_figure(path, [
        (_("|∂C/∂bⱼ|, weights from N(0, 1)"), vanishing, True, _("layer j"), "|∂C/∂bⱼ|"),
        (_("|∂C/∂bⱼ|, every z = 0"), fixed, True, _("layer j"), "|∂C/∂bⱼ|"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--layers", type=_common.whole_number(1, 1000), nargs="+", default=[10, 30],
                   help=_("depths of the deeper chains in section 4, each 1 to 1000 (default: 10 30)"))
    args = p.parse_args(argv)
    _common.at_most(p, args.layers, 6, "--layers")
    opening(_("Nielsen's sigmoid chain: why the first layers learn slowest"),
            _("Michael Nielsen, Neural Networks and Deep Learning, chapter 5 (\"Why are deep neural networks hard "
              "to train?\")."),
            [_("∂C/∂b₁ written out as a product σ′(z₁)·w₂·σ′(z₂)⋯, each factor σ′(zⱼ)·wⱼ₊₁ at most |wⱼ₊₁|/4;"),
             _("the bars shrinking toward layer 1 with weights from N(0, 1): vanishing;"),
             _("1953.125, 78.125, 3.125, 0.125 with w = 100 and every z = 0: exploding, 25× per layer;"),
             _("every gradient checked against two numerical estimates, and the checks saying what they compared.")])
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
