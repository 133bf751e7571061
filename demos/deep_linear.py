"""The deep linear network: a product of L layers explodes or vanishes, and so do its gradients.

Source: the lecture on vanishing and exploding gradients of the deep learning
course (Andrew Ng's example): g(z) = z, every bias 0, so the network is just a
product of matrices, ŷ = Wᴸ·Wᴸ⁻¹ ⋯ W¹·x.  With every Wˡ = c·I:

    aˡ = Wˡ·aˡ⁻¹ = cˡ·x                                  (the activations)
    δˡ = ∂ŷ/∂zˡ = c^(L−l)·1                              (the signal sent back)
    ∂ŷ/∂Wˡ = δˡ·(aˡ⁻¹)ᵀ = c^(L−l)·c^(l−1)·1xᵀ = c^(L−1)·1xᵀ   (the same for every layer)
    ∂ŷ/∂x = c^(L−1)·Wᴸ = cᴸ·I

(gradients of the vector ŷ are taken of its sum 1ᵀŷ, so ``1`` is a vector of
ones).  c = 1.5 explodes as 1.5ᴸ, c = 0.5 vanishes as 0.5ᴸ, and c = 0.9 already
vanishes at depth 50.  The demo computes every one of these with the Matrix
engine, next to its closed form, and writes one unit's derivatives as a
textbook does (∂ŷ/∂x = cᴸ), from the engine's own graph.  demos/tiny_steps.py trains the network by
gradient descent (the lecture's "tiny steps"), and demos/float_limits.py
follows the same product to the edge of float64.

    python demos/deep_linear.py [--layers 50] [--width 2] [--scale 1.1 ...] [--plot linear.png]
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import chart, error_text, format_number, heading, lesson, opening, say, sup, table
from _i18n import _, ngettext

from tinygrad_edu import ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.jacobian import jacobian
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn.init import scaled_identity
from tinygrad_edu.symbolic import operation_count
from tinygrad_edu.textbook import symbolic_derivative
from tinygrad_edu.value import Value

SCALES = [1.5, 1.0, 0.9, 0.5]  # the lecture's c values; --scale adds more
NORMAL_MIN = 2.2250738585072014e-308  # below this a float is subnormal: fewer digits
SMALLEST = 2.0 ** -1074  # the smallest subnormal float, 4.9e-324

# The engine computes cˡ·x by l multiplications, the closed form by one
# correctly rounded power: each multiplication may round (by at most ε/2
# relative), so they can differ by about l·ε, 1e-14 at 50 layers.  A real bug
# (a missing transpose, a wrong layer) is off by a factor c or more.  Below
# 2.2e-308 a float is subnormal and a rounding costs up to 2⁻¹⁰⁷⁵ *absolute*
# instead: there the two must agree to (steps + 1)·(1 + max|x|)·2⁻¹⁰⁷⁴.
REL_TOL = 1e-12


# ---------------------------------------------------------------------------
# The network on the Matrix engine
# ---------------------------------------------------------------------------

def make_input(width: int, kind: str, seed: int) -> list:
    """x as a list of numbers: all ones (the lecture's x = (1, 1)), or N(0, 1) from the seed."""
    if kind == "ones":
        return [1.0] * width
    rng = random.Random(seed)
    return [rng.gauss(0.0, 1.0) for _ in range(width)]


def forward(weights: list, x: Matrix) -> list:
    """z¹ … zᴸ for a column x: zˡ = Wˡ·aˡ⁻¹ (bias 0), aˡ = g(zˡ) = zˡ."""
    a, zs = x, []
    for W in weights:
        z = W @ a
        zs.append(z)
        a = z  # g(z) = z: the activation is the pre-activation itself
    return zs


def power(c: float, k: int) -> float:
    """cᵏ, inf on overflow as in IEEE 754 (Python's ** raises OverflowError instead)."""
    return ops.power(c, k)


class Comparison:
    """Engine against closed form, entry by entry, with a tolerance that knows about subnormals."""

    def __init__(self, steps: int, x: list) -> None:
        self.absolute = (steps + 1) * (1 + max(abs(v) for v in x)) * SMALLEST
        self.worst = 0.0  # the largest relative error over entries in the normal range
        self.worst_absolute = 0.0  # the largest absolute difference over entries below it
        self.subnormal = 0  # unequal entries compared absolutely (closed form or engine below 2.2e-308)
        self.skipped = 0  # entries whose closed form is inf: nothing to compare with
        self.compared = 0
        self.failed = 0

    def error(self, measured: list, expected: list) -> str:
        """Compare a group of entries; return the text of its 'err' cell."""
        worst, absolute = 0.0, None
        for m, e in zip(measured, expected):
            if not math.isfinite(e):
                self.skipped += 1
                continue
            self.compared += 1
            if m == e:
                continue  # exact agreement, zeros included
            if abs(e) < NORMAL_MIN or abs(m) < NORMAL_MIN:
                self.subnormal += 1
                gap = abs(m - e) if math.isfinite(m) else math.inf
                self.failed += not gap <= self.absolute
                absolute = max(absolute or 0.0, gap)
                self.worst_absolute = max(self.worst_absolute, gap)
            else:
                err = abs(m - e) / abs(e) if math.isfinite(m) else math.inf
                self.failed += not err <= REL_TOL
                worst = max(worst, err)
        self.worst = max(self.worst, worst)
        if absolute:
            return _("abs {error}").format(error=format_number(absolute, 2))
        return error_text(worst) if self.compared else _("not compared")


def run_network(c: float, layers: int, x_values: list, comparison: Comparison | None = None) -> dict:
    """Build the network, run forward and backward, and compare every quantity with its closed form."""
    n = len(x_values)
    weights = [scaled_identity(n, n, c=c) for _ in range(layers)]
    x = Matrix([[v] for v in x_values], label="x")
    zs = forward(weights, x)
    y_hat = zs[-1]
    # One backward pass from 1ᵀŷ gives δˡ = ∂ŷ/∂zˡ for every layer and every ∂ŷ/∂Wˡ at once.
    gradients = grad(y_hat.sum(), weights + zs)
    weight_grads, deltas = gradients[:layers], gradients[layers:]
    # ∂ŷ/∂x is a matrix (n outputs × n inputs): one backward pass per output entry.
    dy_dx = jacobian(lambda v: forward(weights, v)[-1], x)
    compare = comparison or Comparison(2 * layers, x_values)

    L, rows = layers, []
    for l in range(1, L + 1):
        a = [r[0] for r in zs[l - 1].data]
        delta = [r[0] for r in deltas[l - 1].data]
        dW = flat(weight_grads[l - 1].data)
        expected_a = [power(c, l) * v for v in x_values]
        expected_delta = [power(c, L - l)] * n
        expected_dW = [power(c, L - 1) * v for _ in range(n) for v in x_values]  # c^(L−1)·1xᵀ
        rows.append({
            "layer": l, "activation": a, "activation_closed": expected_a,
            "activation_error": compare.error(a, expected_a),
            "delta": delta, "delta_closed": expected_delta, "delta_error": compare.error(delta, expected_delta),
            "weight_grad": dW, "weight_grad_closed": expected_dW,
            "weight_grad_error": compare.error(dW, expected_dW),
        })
    expected_jacobian = [[power(c, L - 1) * w for w in row] for row in weights[-1].data]  # c^(L−1)·Wᴸ
    identity_form = [[power(c, L) if i == j else 0.0 for j in range(n)] for i in range(n)]  # cᴸ·I
    return {
        "c": c, "layers": L, "x": x_values, "rows": rows, "y_hat": [r[0] for r in y_hat.data],
        "dy_dx": dy_dx.data, "dy_dx_closed": expected_jacobian,
        "dy_dx_error": compare.error(flat(dy_dx.data), flat(expected_jacobian)),
        "dy_dx_is_c_L_identity": expected_jacobian == identity_form,
    }


def flat(rows: list) -> list:
    return [v for row in rows for v in row]


def norm(values: list) -> float:
    """The Euclidean (Frobenius) norm; math.hypot does not overflow on the squares."""
    return math.hypot(*values)


# ---------------------------------------------------------------------------
# The lecture's two units, and the sections
# ---------------------------------------------------------------------------

def lecture_sequence(c: float, layers: int) -> list:
    """aˡ for x = (1, 1) and Wˡ = c·I, by the engine, as exact fractions (0.5ˡ and 1.5ˡ are exact floats)."""
    zs = forward([scaled_identity(2, 2, c=c) for _ in range(layers)], Matrix([[1.0], [1.0]]))
    return [[Fraction(row[0]) for row in z.data] for z in zs]


def section_lecture(layers: int) -> dict:
    shown = min(layers, 5)
    print(heading(_("1. The lecture's two units: x = (1, 1), every Wˡ = c·I")))
    result = {}
    for c in (0.5, 1.5):
        sequence = lecture_sequence(c, shown)
        result[c] = sequence
        text = ", ".join(f"a{sup(l)} = ({a[0]}, {a[1]})" for l, a in enumerate(sequence, start=1))
        say(_("c = {c}, by the engine: {activations}, …").format(c=format_number(c, flag=False), activations=text))
    say(_("Each unit is multiplied by c at every layer: 1/2, 1/4, 1/8, … = 0.5ˡ vanishes, 3/2, 9/4, 27/8, … "
          "= 1.5ˡ explodes, exponentially in the depth l."))
    return result


def unit_formula(c: float, layers: int) -> dict:
    """One unit, ŷ = c·(c·(⋯(c·x))) with one weight c shared by all layers, read back as formulas.

    ``tinygrad_edu.textbook`` writes the engine's derivative graph the way a
    textbook does: the product of L factors c as cᴸ, the L terms of ∂ŷ/∂c as L·c^(L−1)·x.
    """
    weight, x = Value(c, label="c"), Value(1.0, label="x")
    y = x
    for _ in range(layers):
        y = weight * y
    dx, dc = symbolic_derivative(y, x), symbolic_derivative(y, weight)
    return {"dx": dx, "dc": dc, "exact_counts": (operation_count(dx.exact), operation_count(dc.exact)),
            "values": (dx.textbook.evaluate(), dc.textbook.evaluate()),
            "closed": (power(c, layers), layers * power(c, layers - 1))}


def section_formula(c: float, layers: int) -> dict:
    result = unit_formula(c, layers)
    exact_x, exact_c = result["exact_counts"]
    say(_("One unit as a formula: ŷ = c·(c·(⋯(c·x))), the same weight c in every layer (L = {layers}). Operations "
          "in its derivatives read back exactly from the engine's graph: {exact_x} in ∂ŷ/∂x, {exact_c} in ∂ŷ/∂c. "
          "A textbook writes them:").format(layers=layers, exact_x=exact_x, exact_c=exact_c))
    print(f"  ∂ŷ/∂x = {result['dx']}")
    print(f"  ∂ŷ/∂c = {result['dc']}")
    say(_("At c = {c} and x = 1 they give {dx} and {dc}; the closed forms cᴸ and L·c^(L−1) give {closed_x} and "
          "{closed_c}.").format(c=format_number(c, flag=False), dx=format_number(result["values"][0]),
                                dc=format_number(result["values"][1]), closed_x=format_number(result["closed"][0]),
                                closed_c=format_number(result["closed"][1])))
    return result


def layer_table(result: dict) -> str:
    L = result["layers"]
    rows = []
    for l in shown_layers(L):
        r = result["rows"][l - 1]
        rows.append([l, format_number(norm(r["activation"])), format_number(norm(r["activation_closed"])),
                     r["activation_error"], format_number(norm(r["delta"])),
                     format_number(norm(r["delta_closed"])), r["delta_error"],
                     format_number(norm(r["weight_grad"])), format_number(norm(r["weight_grad_closed"])),
                     r["weight_grad_error"]])
    # TRANSLATORS: "err" heads the columns of relative errors; section 2's first sentence explains the word.
    err = _("err")
    return table(["l", "‖aˡ‖", "‖cˡ·x‖", err, "‖δˡ‖", "‖c^(L−l)·1‖", err, "‖∂ŷ/∂Wˡ‖", "‖c^(L−1)·1xᵀ‖", err], rows)


def shown_layers(L: int) -> list:
    """Every layer of a short network; the first three, some in between and the last three of a long one."""
    if L <= 12:
        return list(range(1, L + 1))
    middle = [round(L * f) for f in (0.25, 0.5, 0.75)]
    return sorted({1, 2, 3, *middle, L - 2, L - 1, L})


def section_layers(result: dict) -> None:
    L, c = result["layers"], result["c"]
    print(heading(_("2. Layer by layer, c = {c}: the engine next to the closed form").format(
        c=format_number(c, flag=False))))
    say(_("Norms, as Nielsen measures ‖δˡ‖. err: the largest relative error over the entries; 'abs': the "
          "largest absolute difference, for entries below 2.2e-308, where a float is subnormal and keeps fewer "
          "digits."))
    print(layer_table(result))
    print()
    say(_("∂ŷ/∂x by the engine (one backward pass per output): {engine}; c^(L−1)·Wᴸ = {closed}; error {error}.").format(
        engine=matrix_text(result['dy_dx']), closed=matrix_text(result['dy_dx_closed']), error=result['dy_dx_error']))
    if result["dy_dx_is_c_L_identity"]:
        say(_("That is {power}·I, as the closed form says.").format(power=f"c{sup(L)}"))
    print()
    series = {_("‖aˡ‖ activation"): [norm(r["activation"]) for r in result["rows"]],
              "‖δˡ‖ = ‖∂ŷ/∂zˡ‖": [norm(r["delta"]) for r in result["rows"]],
              "‖∂ŷ/∂Wˡ‖": [norm(r["weight_grad"]) for r in result["rows"]]}
    print(chart(series, 1, L, _("layer l"), log=True, title=_("per layer, c = {c}").format(c=format_number(c, flag=False))))
    print()
    explain_what_vanishes(result)


def explain_what_vanishes(result: dict) -> None:
    """Which gradient vanishes, in words, with this network's numbers."""
    c, L = result["c"], result["layers"]
    first, last = norm(result["rows"][0]["delta"]), norm(result["rows"][-1]["delta"])
    weight_norms = [norm(r["weight_grad"]) for r in result["rows"]]
    same = max(weight_norms) == min(weight_norms) or max(weight_norms) <= min(weight_norms) * (1 + REL_TOL * L)
    numbers = {"c": format_number(c, flag=False), "last": format_number(last), "first": format_number(first),
               "layers": L}
    if first < last:
        say(_("Which one vanishes? With c = {c}, ‖δˡ‖ goes from {last} at layer {layers} to {first} at layer 1: the "
              "back-propagated signal shrinks toward the input, as c^(L−l).").format(**numbers))
    elif first > last:
        say(_("Which one explodes? With c = {c}, ‖δˡ‖ goes from {last} at layer {layers} to {first} at layer 1: the "
              "back-propagated signal grows toward the input, as c^(L−l).").format(**numbers))
    else:
        say(_("With c = {c}, ‖δˡ‖ is {first} at layer 1 and at layer {layers}: the back-propagated signal keeps its "
              "size.").format(**numbers))
    if same:
        say(_("But ‖∂ŷ/∂Wˡ‖ = {norm} at every layer: the activation aˡ⁻¹ = c^(l−1)·x that layer l multiplies δˡ by "
              "changes going forward exactly as δˡ changes going back, so their product δˡ·(aˡ⁻¹)ᵀ = c^(L−1)·1xᵀ is "
              "the same for every layer. So here no layer learns slower than another: all the weight gradients "
              "shrink or grow together, as c^(L−1), with the depth L. In a sigmoid network the activations stay "
              "near 0.5 instead, so ∂C/∂Wˡ shrinks along with δˡ and the early layers do learn slowest "
              "(demos/sigmoid_chain.py).").format(norm=format_number(weight_norms[0])))
    else:
        say(_("‖∂ŷ/∂Wˡ‖ is not the same at every layer here (from {low} to {high}): where c^(L−1) leaves the float "
              "range, the engine's product δˡ·(aˡ⁻¹)ᵀ is inf, nan or 0 instead of the closed form's number.").format(
            low=format_number(min(weight_norms)), high=format_number(max(weight_norms))))


def section_scales(results: list) -> None:
    L = results[0]["layers"]
    print(heading(_("3. Every c, L = {layers}: explode, stay, vanish").format(layers=L)))
    rows = []
    for res in results:
        first, last = res["rows"][0], res["rows"][-1]
        verdict = _("explodes") if res["c"] > 1 else _("vanishes") if res["c"] < 1 else _("stable")
        rows.append([format_number(res["c"], flag=False), format_number(res["y_hat"][0]),
                     format_number(norm(first["delta"])), format_number(norm(last["delta"])),
                     format_number(norm(first["weight_grad"])), format_number(norm(last["weight_grad"])),
                     format_number(res["dy_dx"][0][0]), verdict])
    print(table(["c", f"ŷ₁ = c{sup(L)}·x₁", "‖δ¹‖", f"‖δ{sup(L)}‖", "‖∂ŷ/∂W¹‖", f"‖∂ŷ/∂W{sup(L)}‖",
                 "(∂ŷ/∂x)₁₁", _("cᴸ as L grows")], rows))
    print()
    series = {f"c = {format_number(res['c'], flag=False)}": [norm(row["activation"]) for row in res["rows"]]
              for res in results}
    print(chart(series, 1, L, _("layer l"), log=True, title=_("‖aˡ‖ per layer")))


def matrix_text(rows: list) -> str:
    return "[" + "; ".join(" ".join(format_number(v, flag=False) for v in row) for row in rows) + "]"


def save(path: str, results: list, detail: dict) -> None:
    layers = list(range(1, detail["layers"] + 1))
    by_scale = {f"c = {r['c']:g}": (layers, [norm(row["activation"]) for row in r["rows"]]) for r in results}
    one = {"‖aˡ‖": (layers, [norm(r["activation"]) for r in detail["rows"]]),
           "‖δˡ‖": (layers, [norm(r["delta"]) for r in detail["rows"]]),
           "‖∂ŷ/∂Wˡ‖": (layers, [norm(r["weight_grad"]) for r in detail["rows"]])}
    _common.save_figure(path, [
        (_("activations ‖aˡ‖ = |c|ˡ‖x‖"), by_scale, True, _("layer l"), "‖aˡ‖"),
        (_("c = {c}: what vanishes").format(c=f"{detail['c']:g}"), one, True, _("layer l"), _("norm")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--layers", type=_common.whole_number(1, 10_000), default=50,
                   help=_("depth L, 1 to 10000 (default 50; try 152)"))
    p.add_argument("--width", type=_common.whole_number(1, 16), default=2,
                   help=_("width of every layer, 1 to 16 (default 2)"))
    p.add_argument("--scale", type=_common.number(0.0, 10.0, open_low=True), action="append", default=[],
                   help=_("another c, above 0 and at most 10, besides 1.5, 1.0, 0.9, 0.5 (repeatable)"))
    p.add_argument("--detail", type=_common.number(0.0, 10.0, open_low=True), default=0.5,
                   help=_("the c shown layer by layer (default 0.5; added to the list if new)"))
    p.add_argument("--input", choices=["ones", "random"], default="ones",
                   help=_("x = (1, …, 1) as in the lecture, or drawn from N(0, 1) with --seed"))
    args = p.parse_args(argv)
    scales = SCALES + [c for c in dict.fromkeys(args.scale + [args.detail]) if c not in SCALES]
    passes = len(scales) * (args.width + 3)  # each c: a forward, a backward and width more for ∂ŷ/∂x
    _common.refuse_if_too_big(p, args.layers * (args.width ** 2 + _common.NODE) * passes, "network")
    x = make_input(args.width, args.input, args.seed)
    opening(ngettext("The deep linear network: L = {layers} layer of width {width}, g(z) = z, b = 0, every Wˡ = c·I",
                     "The deep linear network: L = {layers} layers of width {width}, g(z) = z, b = 0, every Wˡ = c·I",
                     args.layers).format(layers=args.layers, width=args.width),
            _("the deep learning course's lecture on vanishing and exploding gradients (Andrew Ng's example)."),
            [_("each unit multiplied by c per layer: 1/2, 1/4, 1/8, … for c = 0.5;"),
             _("‖aˡ‖ and ‖δˡ‖ shrinking or growing as c to a power, while ‖∂ŷ/∂Wˡ‖ is the same at every layer;"),
             _("the same law for ∂ŷ/∂x = cᴸ·I; demos/tiny_steps.py then trains these networks.")])
    say(_("x = ({x}). Closed forms: aˡ = cˡ·x, δˡ = ∂ŷ/∂zˡ = c^(L−l)·1, ∂ŷ/∂Wˡ = c^(L−1)·1xᵀ, ∂ŷ/∂x = c^(L−1)·Wᴸ = "
          "cᴸ·I (gradients of the vector ŷ are taken of its sum 1ᵀŷ; 1 is a vector of ones).").format(
        x=", ".join(format_number(v) for v in x)))
    lecture = section_lecture(args.layers)
    formula = section_formula(0.5, args.layers)
    comparison = Comparison(2 * args.layers, x)
    results = [run_network(c, args.layers, x, comparison) for c in scales]
    detail = next(r for r in results if r["c"] == args.detail)
    section_layers(detail)
    section_scales(results)

    ok = comparison.failed == 0 and comparison.compared > 0
    halves = [Fraction(1, 2 ** l) for l in range(1, len(lecture[0.5]) + 1)]
    lecture_ok = all(a == [h, h] for a, h in zip(lecture[0.5], halves))
    ok = ok and lecture_ok
    print(heading(_("Checks")))
    say(ngettext("Compared with the closed forms: {count} entries of aˡ, δˡ, ∂ŷ/∂Wˡ and ∂ŷ/∂x over the {values} "
                 "value of c, within {error} relative (tolerance {tolerance}: l multiplications against one power).",
                 "Compared with the closed forms: {count} entries of aˡ, δˡ, ∂ŷ/∂Wˡ and ∂ŷ/∂x over the {values} "
                 "values of c, within {error} relative (tolerance {tolerance}: l multiplications against one power).",
                 len(scales)).format(count=comparison.compared, values=len(scales),
                                     error=error_text(comparison.worst), tolerance=f"{REL_TOL:g}"))
    if comparison.subnormal:
        say(_("{count} of them differ below 2.2e-308, where floats are subnormal and a rounding costs up to 2⁻¹⁰⁷⁵ "
              "absolute: there they agree within {error} absolute instead (tolerance {tolerance}: one such rounding "
              "per multiplication).").format(count=comparison.subnormal,
                                              error=format_number(comparison.worst_absolute, 2),
                                              tolerance=format_number(comparison.absolute, 2)))
    if comparison.skipped:
        say(ngettext("Skipped: {count} entry whose closed form is inf (overflow): there is no number to compare with.",
                     "Skipped: {count} entries whose closed form is inf (overflow): there is no number to compare "
                     "with.", comparison.skipped).format(count=comparison.skipped))
    else:
        say(_("Skipped: nothing; every closed form is a finite number."))
    say(" ".join([_("The lecture's sequence is exactly 1/2, 1/4, 1/8, …: yes.") if lecture_ok else
                  _("The lecture's sequence is exactly 1/2, 1/4, 1/8, …: NO."),
                  _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("only a product of factors that stays near 1 is stable. With c away from 1 the signal and its "
             "gradient vanish or explode as the network gets deeper; careful initialisation (keeping c near 1) is "
             "a partial cure."))
    if args.plot:
        save(args.plot, results, detail)
    return {"results": {r["c"]: r for r in results}, "lecture": lecture, "formula": formula,
            "comparison": comparison, "worst_error": comparison.worst, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
