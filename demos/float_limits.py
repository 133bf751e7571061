"""Where float64 gives up: 1.0·1.5ᵏ is inf from k = 1751, 1.0·0.5ᵏ is exactly 0 from k = 1075.

Source: the lecture on vanishing and exploding gradients (deep learning
course), whose deep linear network multiplies by c at every layer; the float
format is IEEE 754 double precision (binary64), Python's float.

An exploding product does not stay an ever larger number for ever, and a
vanishing one does not stay an ever smaller one: past 1.797e308 a float is
inf, and below 4.9e-324 it is exactly 0.  The demo finds both steps by
multiplying, next to the closed forms

    overflow:   the first k with |c|ᵏ > 1.797e308,  k = ⌊log₂(1.797e308)/log₂|c|⌋ + 1
    underflow:  the first k with |c|ᵏ ≤ 2⁻¹⁰⁷⁵,      k = ⌈1075/log₂(1/|c|)⌉

then runs the Matrix engine through that many layers of c·I and shows what
it does there: inf printed as inf (overflow), nan one layer later (0·inf),
detect_anomaly() naming the first operation that overflowed.  A 152-layer
plain stack with c = 1.5 is still finite: 1.5¹⁵¹ ≈ 3.888e26.

    python demos/float_limits.py [--scale 1.1 ...] [--width 2]
"""

from __future__ import annotations

import math
import sys
import textwrap

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, format_number, heading, lesson, opening, relative_error, say, sup, table
from _i18n import _, ngettext

from deep_linear import REL_TOL, power, run_network
from tiny_steps import outcome, train
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import AnomalyError, detect_anomaly, no_grad
from tinygrad_edu.nn.init import scaled_identity

SCALES = [1.5, 1.0, 0.9, 0.5]  # the lecture's c values; --scale adds more
FLOAT_MAX = sys.float_info.max  # 1.797e308
SMALLEST = 2.0 ** -1074  # the smallest subnormal float, 4.9e-324
STEP_LIMIT = 100_000  # how far the pure-float loop multiplies before giving up
DEEP = 152  # the depth of the residual networks the lecture cites
#: Science-checked steps: 1.5ᵏ overflows at k = 1751, 0.5ᵏ reaches 0 at k = 1075.
KNOWN = {1.5: ("inf", 1751), 0.5: ("zero", 1075)}


def float_limit(c: float) -> dict:
    """Multiply 1.0 by c until the result is inf, exactly 0, or stops changing.

    Returns the kind of ending, the step k at which it happened, and the
    value there (for "stuck", the value it got stuck at and the first step
    that reached it).  See :func:`predicted_step` for why 0.9 gets stuck.
    """
    x = 1.0
    for k in range(1, STEP_LIMIT + 1):
        previous, x = x, x * c
        if math.isinf(x):
            return {"c": c, "kind": "inf", "step": k, "last": previous}
        if x == 0.0:
            return {"c": c, "kind": "zero", "step": k, "last": previous}
        if abs(x) == abs(previous) and abs(c) != 1:
            return {"c": c, "kind": "stuck", "step": k - 1, "last": x}
    return {"c": c, "kind": "none", "step": None, "last": x}


def predicted_step(c: float) -> int | None:
    """Where the *true* |c|ᵏ leaves the float range (None for |c| = 1).

    Overflow: the first k with |c|ᵏ > 1.797e308 ≈ 2¹⁰²⁴.  Underflow: below
    2.2e-308 the floats are *subnormal*, evenly spaced multiples of
    2⁻¹⁰⁷⁴ ≈ 4.9e-324, and a product is rounded to the nearest one, so |c|ᵏ
    rounds to 0 once it is at most 2⁻¹⁰⁷⁵ (a tie rounds to the even multiple,
    0).  Repeated multiplication rounds at every step, though:
    0.9·(5·2⁻¹⁰⁷⁴) = 4.5·2⁻¹⁰⁷⁴ (a little more, as the float 0.9 is a little
    more than 0.9) rounds back up to 5·2⁻¹⁰⁷⁴, so 1.0·0.9·0.9⋯ gets stuck at
    2.5e-323 and never reaches 0.
    """
    size = abs(c)
    if size > 1:
        return math.floor(math.log2(FLOAT_MAX) / math.log2(size)) + 1
    if 0 < size < 1:
        return math.ceil(1075 / -math.log2(size))
    return None


def predicted_text(c: float) -> str:
    step = predicted_step(c)
    if step is None:
        return ""
    size = format_number(abs(c), flag=False)
    if abs(c) > 1:
        return f"⌊log₂(1.797e308)/log₂ {size}⌋ + 1 = {step}"
    return f"⌈1075/log₂(1/{size})⌉ = {step}"


def engine_at_limit(c: float, step: int, width: int) -> dict:
    """The engine's activations just before, at and after the depth where floats give up.

    Run forward (under no_grad: no backward needed) for ``step + 1`` layers of
    c·I on x = 1, then once more under detect_anomaly, which stops at the
    first inf or nan and names the operation.
    """
    W = scaled_identity(width, width, c=c)
    x = Matrix([[1.0]] * width)
    seen = {}
    with no_grad():
        a = x
        for l in range(1, step + 2):
            a = W @ a
            if l >= step - 1:
                seen[l] = a.data[0][0]
    message = None
    try:
        with detect_anomaly():
            a = x
            for _repeat in range(step + 1):
                a = W @ a
    except AnomalyError as error:
        message = str(error)
    return {"activations": seen, "anomaly": message}


def section_loop(scales: list) -> list:
    print(heading(_("1. 1.0 multiplied by c, again and again, in float64")))
    limits = [float_limit(c) for c in scales]
    rows = []
    for lim in limits:
        kind, step, c = lim["kind"], lim["step"], lim["c"]
        if kind == "inf":
            what = _("inf from step {step}").format(step=step)
        elif kind == "zero":
            what = _("exactly 0 from step {step}").format(step=step)
        elif kind == "stuck":
            what = _("stuck at {value} from step {step}").format(value=format_number(lim['last']), step=step)
        else:
            what = _("still {value} after {steps} steps").format(value=format_number(lim['last']), steps=STEP_LIMIT)
        predicted = predicted_step(c)
        lim["predicted"] = predicted
        if kind in ("inf", "zero"):
            same = _("yes") if step == predicted else _("no: {difference} (rounding)").format(
                difference=f"{step - predicted:+d}")
        else:
            same = _("not compared")
        lim["agrees"] = kind in ("inf", "zero") and step == predicted
        rows.append([format_number(c, flag=False), what, predicted_text(c), same,
                     format_number(lim["last"]) if kind in ("inf", "zero") else ""])
    print(table(["c", _("1.0·c·c⋯ in float64"), _("closed form: the true cᵏ leaves the range at k ="),
                 _("same step"), _("one step before")], rows))
    print()
    say(_("The closed form asks where the true power cᵏ leaves the range of float64: above 1.797e308 it is inf, at "
          "or below 2⁻¹⁰⁷⁵ (half the smallest float, 4.9e-324) it rounds to 0."))
    for lim in limits:
        if lim["kind"] == "stuck":
            say(_("c = {c} gets stuck at {value} = {multiple} × 4.9e-324: below 2.2e-308 floats are subnormal, whole "
                  "multiples of 4.9e-324, and each product is rounded to the nearest one; here the product rounds "
                  "back up to the same multiple, so the loop never reaches 0 although the true cᵏ does (at k = "
                  "{step}). Not compared with the closed form.").format(
                c=format_number(lim['c'], flag=False), value=format_number(lim['last']),
                multiple=round(lim['last'] / SMALLEST), step=lim['predicted']))
    return limits


def section_engine(limits: list, width: int) -> dict:
    print(heading(_("2. The engine at those depths: layers of c·I (width {width}) on x = 1").format(width=width)))
    engine = {}
    for lim in limits:
        if lim["kind"] not in ("inf", "zero"):
            continue
        c, step = lim["c"], lim["step"]
        found = engine_at_limit(c, step, width)
        engine[c] = found
        shown = ", ".join(f"a{sup(l)} = {format_number(v)}" for l, v in sorted(found["activations"].items()))
        print("\n" + ngettext("{layers} layer of {c}·I: {activations}", "{layers} layers of {c}·I: {activations}",
                              step + 1).format(layers=step + 1, c=format_number(c, flag=False), activations=shown))
        if math.isnan(found["activations"][step + 1]):
            print(textwrap.fill(_("One layer after inf comes nan: the zeros off the diagonal of c·I meet inf, and "
                                  "0·inf = nan."), _common.WIDTH, initial_indent="  ", subsequent_indent="  "))
        if found["anomaly"]:  # the library's message stays in English, as every exception's does
            print(textwrap.fill(_("With detect_anomaly(): AnomalyError: {message}").format(message=found['anomaly']),
                                _common.WIDTH, initial_indent="  ", subsequent_indent="    "))
        else:
            print(textwrap.fill(_("With detect_anomaly(): no error. 0 is a valid float, so an underflow is flagged in "
                                  "words, as above, rather than raised."), _common.WIDTH,
                                initial_indent="  ", subsequent_indent="  "))
    if not engine:
        say(_("No c given here leaves the float range within the loop's steps: nothing to show."))
    return engine


def section_deep(width: int) -> dict:
    c, L = 1.5, DEEP
    result = run_network(c, L, [1.0] * width)
    gradient = result["rows"][0]["weight_grad"][0]
    expected = power(c, L - 1)
    error = relative_error(gradient, expected)
    run = train(c, L, [1.0] * width, 5)
    print(heading(_("3. {layers} plain layers of 1.5·I: huge, but finite").format(layers=L)))
    say(_("∂ŷ/∂W¹ entries by the engine: {gradient} (closed form {power} = {expected}, relative error {error}); "
          "ŷ₁ = {output_power} = {output}. Float64 only overflows from 1.5¹⁷⁵¹, so at the depth of the residual "
          "networks the lecture cites a plain stack is still representable.").format(
        gradient=format_number(gradient), power=f"1.5{sup(L - 1)}", expected=format_number(expected),
        error=error_text(error), output_power=f"1.5{sup(L)}", output=format_number(result['y_hat'][0])))
    losses = ", ".join(format_number(v) for v in run["losses"])
    if outcome(run) == "blows up":
        say(_("What it cannot do is learn. Gradient descent as in demos/tiny_steps.py (toward ŷ = 2x, η = 0.1/L): the "
              "losses are {losses}. Residual networks reach {layers} layers with skip connections, not with a plain "
              "stack (demos/residual.py).").format(losses=losses, layers=L))
    else:
        say(_("Gradient descent as in demos/tiny_steps.py (toward ŷ = 2x, η = 0.1/L) gives the losses {losses}: it "
              "did not blow up here.").format(losses=losses))
    return {"gradient": gradient, "expected": expected, "error": error, "y_hat": result["y_hat"][0],
            "training": run}


def powers(c: float, steps: int) -> list:
    """1.0·c·c⋯ for k = 0 … steps, by repeated multiplication (inf and 0 included as they come)."""
    values, x = [1.0], 1.0
    for _repeat in range(steps):
        x *= c
        values.append(x)
    return values


def save(path: str, limits: list) -> None:
    """log₁₀ of 1.0·cᵏ against k, drawn by hand: a log axis spanning 1e-323 … 1e308 is beyond matplotlib."""
    shown = [lim for lim in limits if lim["kind"] in ("inf", "zero", "stuck")]

    def draw(ax):
        for k, lim in enumerate(shown):
            values = powers(lim["c"], lim["step"] + 300)
            points = [(j, math.log10(v)) for j, v in enumerate(values) if 0 < v < math.inf]
            ax.plot([j for j, _y in points], [y for _j, y in points], color=f"C{k}", label=f"c = {lim['c']:g}")
            if lim["kind"] == "inf":
                ax.scatter([lim["step"]], [math.log10(FLOAT_MAX)], marker="^", s=60, color=f"C{k}", zorder=5,
                           label=_("inf from k = {step}").format(step=lim['step']))
            elif lim["kind"] == "zero":
                ax.scatter([lim["step"]], [math.log10(SMALLEST)], marker="v", s=60, color=f"C{k}", zorder=5,
                           label=_("exactly 0 from k = {step}").format(step=lim['step']))
            else:
                ax.scatter([lim["step"]], [math.log10(lim["last"])], marker="o", s=40, color=f"C{k}", zorder=5,
                           label=_("stuck at {value} from k = {step}").format(value=f"{lim['last']:.3g}",
                                                                              step=lim['step']))
        ax.axhline(math.log10(FLOAT_MAX), color="k", linestyle="--", linewidth=1,
                   label=_("1.797e308, the largest float"))
        ax.axhline(math.log10(SMALLEST), color="k", linestyle=":", linewidth=1, label=_("4.9e-324, the smallest"))
        ax.set_xlabel(_("k (multiplications)"))
        ax.set_ylabel("log₁₀(1.0·cᵏ)")
        ax.set_title(_("1.0·c·c⋯ in float64, until it leaves the range"))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")

    _common.save_figure(path, [draw])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--scale", type=_common.number(0.0, 10.0, open_low=True), action="append", default=[],
                   help=_("another c to try, above 0 and at most 10, besides 1.5, 1.0, 0.9, 0.5 (repeatable)"))
    p.add_argument("--width", type=_common.whole_number(1, 8), default=2,
                   help=_("width of the engine's layers in section 2, 1 to 8 (default 2)"))
    args = p.parse_args(argv)
    scales = SCALES + [c for c in dict.fromkeys(args.scale) if c not in SCALES]
    opening(_("Where float64 gives up: overflow to inf, underflow to exactly 0"),
            _("the deep learning course's lecture on vanishing and exploding gradients (its deep linear "
              "network, every layer c·I); IEEE 754 double precision."),
            [_("the step where 1.0·c·c⋯ becomes inf (c = 1.5: 1751) or exactly 0 (c = 0.5: 1075), beside the "
               "closed form;"),
             _("c = 0.9, which never reaches 0: rounding among the subnormal floats;"),
             # TRANSLATORS: "inf (overflow)" and "0 (underflow)" are printed as the messages of those names say.
             _("the engine printing inf (overflow) and 0 (underflow) in words, and detect_anomaly() naming "
               "the operation that overflowed;"),
             _("a plain stack as deep as the residual networks (152 layers): 1.5¹⁵¹ ≈ 3.888e26, huge but finite.")])
    print(_("(nothing here is random: --seed is accepted, as by every demo, and changes nothing)"))
    limits = section_loop(scales)
    engine = section_engine(limits, args.width)
    deep = section_deep(args.width)

    known = [lim for lim in limits if lim["c"] in KNOWN]
    known_ok = all((lim["kind"], lim["step"]) == KNOWN[lim["c"]] for lim in known)
    steps_ok = all(lim["agrees"] for lim in limits if lim["kind"] in ("inf", "zero"))
    engine_ok = all(
        (math.isinf(found["activations"][lim["step"]]) and found["anomaly"] is not None) if lim["kind"] == "inf"
        else (found["activations"][lim["step"]] == 0.0 and found["anomaly"] is None)
        for lim in limits if (found := engine.get(lim["c"])) is not None)
    deep_ok = deep["error"] <= REL_TOL
    ok = known_ok and steps_ok and engine_ok and deep_ok
    compared = sum(lim["kind"] in ("inf", "zero") for lim in limits)
    skipped = len(limits) - compared
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: for the {count} value of c whose product became inf or exactly 0, the step found by "
                 "multiplying against the closed form; c = 1.5 at 1751 and c = 0.5 at 1075 as computed independently "
                 "in double precision; the engine's activation at that depth (inf, with detect_anomaly raising; or "
                 "exactly 0, with no error); the 152-layer gradient against 1.5¹⁵¹ within {tolerance}.",
                 "Compared: for the {count} values of c whose product became inf or exactly 0, the step found by "
                 "multiplying against the closed form; c = 1.5 at 1751 and c = 0.5 at 1075 as computed independently "
                 "in double precision; the engine's activation at that depth (inf, with detect_anomaly raising; or "
                 "exactly 0, with no error); the 152-layer gradient against 1.5¹⁵¹ within {tolerance}.",
                 compared).format(count=compared, tolerance=f"{REL_TOL:g}"),
        ngettext("Skipped: {count} value of c whose product stayed finite and non-zero (stuck, or |c| = 1).",
                 "Skipped: {count} values of c whose product stayed finite and non-zero (stuck, or |c| = 1).",
                 skipped).format(count=skipped),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("a product of many factors leaves the float range long before it looks absurd on paper. An "
             "overflow turns into inf and then nan, which detect_anomaly() can catch; an underflow turns into an "
             "exact 0, which no error reports: print zeros in words, as these demos do."))
    if args.plot:
        save(args.plot, limits)
    return {"limits": {lim["c"]: lim for lim in limits}, "engine": engine, "deep": deep, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
