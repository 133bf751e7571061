"""Squashing: stacked sigmoids map any input range onto an ever narrower output range.

Sources: the squashing argument of the course texts (a sigmoid maps the whole
real line into (0, 1), so a large change of its input makes a small change of
its output); the bound σ′ ≤ 1/4 from Michael Nielsen, *Neural Networks and
Deep Learning*, chapter 5.

One sigmoid layer a = σ(w·x + b) maps an interval of inputs of width d onto an
interval of outputs of width at most (|w|/4)·d (the mean value theorem with
σ′ ≤ 1/4), and never wider than 1.  Stacked, the widths multiply: L layers
map a range of width d onto one of width at most d·Π|wⱼ|/4.  So a large change
of an early parameter, which moves an early layer's output across its whole
range, barely moves the network's output: the same fact as a small gradient
∂a_L/∂b₁, seen over a whole range instead of at one point.

    python demos/squashing.py [--seed 0] [--layers 6] [--range 10] [--plot squash.png]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import chart, format_number, heading, lesson, opening, say, sub, table
from _i18n import _, ngettext

from tinygrad_edu.autodiff import grad
from tinygrad_edu.value import Value

SAMPLES = 2001  # points per interval for the independent check by sampling


def sigma(x: float) -> float:
    """σ(x) by the engine: a Value, its sigmoid, its number."""
    return Value(x).sigmoid().data


def image(low: float, high: float, w: float, b: float) -> tuple:
    """The interval σ(w·[low, high] + b): σ is increasing, so the ends map to the ends (swapped if w < 0)."""
    ends = sorted((sigma(w * low + b), sigma(w * high + b)))
    return ends[0], ends[1]


def sampled_image(low: float, high: float, w: float, b: float) -> tuple:
    """The same interval found by mapping SAMPLES evenly spaced inputs: a check that needs no monotonicity."""
    values = [sigma(w * (low + (high - low) * k / (SAMPLES - 1)) + b) for k in range(SAMPLES)]
    return min(values), max(values)


def section_one_layer() -> dict:
    print(heading(_("1. One layer: a = σ(w·x + b) maps an interval of width d onto one at most (|w|/4)·d wide")))
    cases = [(1.0, 0.0, -10.0, 10.0), (1.0, 0.0, -0.5, 0.5), (4.0, -2.0, 0.0, 1.0), (0.5, 1.0, 0.2, 0.4),
             (-3.0, 1.0, 0.0, 1.0)]
    rows, result = [], []
    for w, b, low, high in cases:
        out_low, out_high = image(low, high, w, b)
        width = out_high - out_low
        bound = min(1.0, abs(w) / 4 * (high - low))
        result.append({"w": w, "b": b, "in": (low, high), "out": (out_low, out_high), "width": width,
                       "bound": bound})
        rows.append([format_number(w, flag=False), format_number(b, flag=False),
                     f"[{format_number(low, flag=False)}, {format_number(high, flag=False)}]",
                     f"[{format_number(out_low, 6)}, {format_number(out_high, 6)}]", format_number(width),
                     format_number(bound), format_number(width / (high - low))])
    print(table(["w", "b", _("inputs x"), _("outputs σ(w·x + b)"), _("output width"), "min(1, |w|/4·d)",
                 _("output width ÷ d")], rows))
    print()
    narrow, wide = result[1], result[0]
    say(_("Every output interval is at most |w|/4 times as wide as its input interval. The ratio comes close to "
          "|w|/4 only for a narrow interval around w·x + b = 0, where σ′ is near 1/4 (the second row: {ratio} against "
          "{bound}). A wide input range loses far more (the first row: {input} units of input become {output} of "
          "output), because σ′ is small in the wings.").format(
        ratio=format_number(narrow['width'] / 1.0), bound=format_number(abs(narrow['w']) / 4),
        input=format_number(wide['in'][1] - wide['in'][0]), output=format_number(wide['width'])))
    return {"cases": result}


def width_text(width: float) -> str:
    """A width for the table: an exact 0 means both ends rounded to the same float, not an underflow."""
    return _("0 (one float)") if width == 0 else format_number(width)


def stack(layers: int, seed: int) -> tuple:
    """Weights and biases drawn from N(0, 1), as in Nielsen's chain (demos/sigmoid_chain.py)."""
    rng = random.Random(f"squashing {seed}")
    weights = [rng.gauss(0.0, 1.0) for _ in range(layers)]
    biases = [rng.gauss(0.0, 1.0) for _ in range(layers)]
    return weights, biases


def section_stack(weights: list, biases: list, reach: float) -> dict:
    L = len(weights)
    print(heading(ngettext("2. {layers} stacked layer, weights and biases from N(0, 1): the range of a₀ ∈ {range} "
                           "layer by layer",
                           "2. {layers} stacked layers, weights and biases from N(0, 1): the range of a₀ ∈ {range} "
                           "layer by layer", L).format(
        layers=L, range=f"[−{format_number(reach, flag=False)}, {format_number(reach, flag=False)}]")))
    low, high = -reach, reach
    rows, widths, bounds = [], [2 * reach], [2 * reach]
    intervals = [(low, high)]
    for j, (w, b) in enumerate(zip(weights, biases), start=1):
        bound = min(1.0, abs(w) / 4 * (high - low))
        low, high = image(low, high, w, b)
        intervals.append((low, high))
        widths.append(high - low)
        bounds.append(bound)
        rows.append([j, format_number(w), format_number(b), f"[{format_number(low, 6)}, {format_number(high, 6)}]",
                     width_text(high - low), format_number(bound),
                     format_number(widths[-1] / widths[-2]) if widths[-2] and widths[-1] else ""])
    print(table([_("layer j"), "wⱼ", "bⱼ", _("range of aⱼ"), _("width"), _("min(1, |wⱼ|/4 × previous)"),
                 _("÷ previous")], rows))
    print()
    product = 2 * reach * math.prod(abs(w) / 4 for w in weights)
    print(chart({_("min(1, |wⱼ|/4 × previous width)"): bounds, _("width of the range of aⱼ"): widths}, 0, L,
                _("layer j"), log=True, height=8, width=min(60, max(10, 4 * L)), title=_("how wide the range of aⱼ is")))
    if widths[-1] == 0:
        say(ngettext("The range of inputs, {width} wide, has shrunk to a single float after {layers} layer: both ends "
                     "of the range of {a} round to the same number. The product of the factors, 2R·Π|wⱼ|/4, is "
                     "{product}.",
                     "The range of inputs, {width} wide, has shrunk to a single float after {layers} layers: both ends "
                     "of the range of {a} round to the same number. The product of the factors, 2R·Π|wⱼ|/4, is "
                     "{product}.", L).format(width=format_number(2 * reach), layers=L, a=f"a{sub(L)}",
                                             product=format_number(product)))
    else:
        say(ngettext("The range of inputs, {width} wide, is {final} wide after {layers} layer; the product of the "
                     "factors, 2R·Π|wⱼ|/4 = {product}, bounds it from above (the bound min(1, …) per layer is "
                     "tighter).",
                     "The range of inputs, {width} wide, is {final} wide after {layers} layers; the product of the "
                     "factors, 2R·Π|wⱼ|/4 = {product}, bounds it from above (the bound min(1, …) per layer is "
                     "tighter).", L).format(width=format_number(2 * reach), final=format_number(widths[-1]), layers=L,
                                            product=format_number(product)))
    return {"intervals": intervals, "widths": widths, "bounds": bounds, "product_bound": product}


def output(weights: list, biases: list, a0: float, first_bias: float | None = None, last_bias: float | None = None):
    """a_L for input a0, with b₁ or b_L replaced (by Values, so that backward gives ∂a_L/∂b)."""
    a = Value(a0)
    b1 = Value(biases[0] if first_bias is None else first_bias)
    bL = Value(biases[-1] if last_bias is None else last_bias)
    params = [b1] + [Value(b) for b in biases[1:-1]] + ([bL] if len(biases) > 1 else [])
    for w, b in zip(weights, params):
        a = (w * a + b).sigmoid()
    return a, b1, params[-1]


def section_parameters(weights: list, biases: list, shift: float) -> dict:
    L = len(weights)
    print(heading(_("3. A large change of an early parameter barely moves the output")))
    a0 = 0.5
    rows, result = [], {}
    for name, j in [("b₁", 1), (f"b{sub(L)}", L)][:2 if L > 1 else 1]:
        base = biases[j - 1]
        values = []
        for t in (base - shift, base + shift):
            kwargs = {"first_bias": t} if j == 1 else {"last_bias": t}
            values.append(output(weights, biases, a0, **kwargs)[0].data)
        a_L, b1, bL = output(weights, biases, a0)
        (gradient,) = grad(a_L, [b1 if j == 1 else bL])
        later = math.prod(abs(w) / 4 for w in weights[j:])
        bound = min(1.0, 2 * shift / 4 * later)
        moved = abs(values[1] - values[0])
        result[j] = {"moved": moved, "bound": bound, "gradient": gradient, "values": values}
        rows.append([name, f"{format_number(base)} ± {format_number(shift, flag=False)}",
                     format_number(values[0], 6), format_number(values[1], 6),
                     _("0 (no change in float64)") if moved == 0 else format_number(moved),
                     format_number(bound), format_number(gradient)])
    print(table([_("parameter"), _("from … to"), _("a_L at the low end"), _("a_L at the high end"),
                 _("|change of a_L|"), _("min(1, 2Δ/4·Π later |w|/4)"), _("∂a_L/∂b at the start")], rows))
    print()
    first, last = result[1], result[L]
    numbers = {"shift": format_number(shift, flag=False), "first": format_number(first['moved']),
               "last": format_number(last['moved']), "bias": f"b{sub(L)}", "bound": format_number(first['bound']),
               "gradient": format_number(first['gradient'])}
    if L == 1 and first["moved"] == 0:
        say(_("With one layer b₁ is the last bias too: moving it by ±{shift} does not change the output at all in "
              "float64. Add layers (--layers) to see the squashing.").format(**numbers))
    elif L == 1:
        say(_("With one layer b₁ is the last bias too: moving it by ±{shift} changes the output by {first}. Add layers "
              "(--layers) to see the squashing.").format(**numbers))
    elif first["moved"] == 0:
        say(_("Moving b₁ by ±{shift} does not change the output at all in float64: the true change, at most {bound}, "
              "is below the spacing of the floats near a_L. Moving {bias} by the same amount changes it by {last}. "
              "The gradient ∂a_L/∂b₁ = {gradient} is the same fact at a single point.").format(**numbers))
    elif first["moved"] < last["moved"]:
        say(_("Moving b₁ by ±{shift} changes the output by {first}; moving {bias} by the same amount changes it by "
              "{last}, {times}× more. Every layer after the first squashes the first layer's change again; the small "
              "gradient ∂a_L/∂b₁ = {gradient} is the same fact at a single point.").format(
            times=format_number(last['moved'] / first['moved'], 3), **numbers))
    elif L > 1:
        say(_("For this seed moving b₁ by ±{shift} changes the output by {first}, no less than moving {bias} ({last}): "
              "the bound allows it when the later weights are large.").format(**numbers))
    return result


def save(path: str, stacked: dict) -> None:
    layers = list(range(len(stacked["widths"])))

    def ranges(ax):
        """The range of aⱼ for j ≥ 1 as a shaded band inside (0, 1) (the input range is far wider)."""
        js = layers[1:]
        lows = [low for low, _ in stacked["intervals"][1:]]
        highs = [high for _, high in stacked["intervals"][1:]]
        ax.fill_between(js, lows, highs, alpha=0.35, label=_("range of aⱼ"))
        ax.plot(js, lows, "o-", markersize=3)
        ax.plot(js, highs, "o-", markersize=3)
        ax.set_ylim(0, 1)
        ax.set_xlim(0.5, js[-1] + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        reach = stacked["intervals"][0][1]
        ax.set_title(_("the range of aⱼ, from a₀ ∈ {range}").format(range=f"[−{reach:g}, {reach:g}]"))
        ax.set_xlabel(_("layer j"))
        ax.set_ylabel("aⱼ")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")

    _common.save_figure(path, [
        ranges,
        (_("its width against the bound"), {_("min(1, |wⱼ|/4 × previous)"): (layers, stacked["bounds"], "k--"),
                                            _("width"): (layers, stacked["widths"])},
         True, _("layer j (0: the input)"), _("width")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--layers", type=_common.whole_number(1, 200), default=6, help=_("layers L, 1 to 200 (default 6)"))
    p.add_argument("--range", dest="reach", type=_common.number(0.0, 1000.0, open_low=True), default=10.0,
                   help=_("R: the input range is [−R, R] (above 0 and at most 1000, default 10)"))
    p.add_argument("--shift", type=_common.number(0.0, 1000.0, open_low=True), default=5.0,
                   help=_("Δ: section 3 moves a bias by ±Δ (above 0 and at most 1000, default 5)"))
    args = p.parse_args(argv)
    opening(_("Squashing: stacked sigmoids map any input range onto an ever narrower output range"),
            _("the course texts' squashing argument; σ′ ≤ 1/4 from Nielsen, Neural Networks and Deep Learning, "
              "ch. 5."),
            [_("one layer narrowing an interval by at most |w|/4, much more when the interval reaches σ's wings;"),
             _("the range of aⱼ collapsing layer after layer, under the product of the factors |wⱼ|/4;"),
             _("a large change of b₁ moving the output far less than the same change of the last bias.")])
    weights, biases = stack(args.layers, args.seed)
    one = section_one_layer()
    stacked = section_stack(weights, biases, args.reach)
    moved = section_parameters(weights, biases, args.shift)

    # Each end of a range is a rounded float, so a computed width can exceed the true one by a rounding of
    # each end: we allow two units in the last place of the larger end (math.ulp) on top of the bound.
    def within(width: float, bound: float, ends: tuple) -> bool:
        return width <= bound * (1 + 1e-12) + 2 * math.ulp(max(abs(v) for v in ends))

    one_ok = all(within(c["width"], c["bound"], c["out"]) for c in one["cases"])
    layer_ok = all(within(w, b, ends) for w, b, ends in
                   zip(stacked["widths"][1:], stacked["bounds"][1:], stacked["intervals"][1:]))
    low, high = -args.reach, args.reach
    sampled_ok = True
    for (w, b), (out_low, out_high) in zip(zip(weights, biases), stacked["intervals"][1:]):
        s_low, s_high = sampled_image(low, high, w, b)
        slack = 2 * math.ulp(max(abs(out_low), abs(out_high)))
        sampled_ok = sampled_ok and abs(s_low - out_low) <= slack and abs(s_high - out_high) <= slack
        low, high = out_low, out_high
    moved_ok = all(within(r["moved"], r["bound"], r["values"]) for r in moved.values())
    ok = one_ok and layer_ok and sampled_ok and moved_ok
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: each of the {cases} one-layer widths and {layers} layer width with its bound min(1, |w|/4 "
                 "× input width), allowing a rounding of each end; each layer's range, computed from its two ends, "
                 "with the smallest and largest of {samples} sampled inputs mapped through the same layer; each "
                 "change of a_L with its bound.",
                 "Compared: each of the {cases} one-layer widths and {layers} layer widths with its bound min(1, |w|/4 "
                 "× input width), allowing a rounding of each end; each layer's range, computed from its two ends, "
                 "with the smallest and largest of {samples} sampled inputs mapped through the same layer; each "
                 "change of a_L with its bound.", args.layers).format(
            cases=len(one['cases']), layers=args.layers, samples=SAMPLES),
        _("Skipped: nothing."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("σ squashes: every sigmoid layer maps its inputs into a range at most |w|/4 times as wide, and "
             "stacked layers multiply those factors. The early layers' parameters can move their own outputs a "
             "lot and the network's output hardly at all, which is why their gradients are small."))
    if args.plot:
        save(args.plot, stacked)
    return {"one_layer": one, "stack": stacked, "moved": moved, "weights": weights, "biases": biases, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
