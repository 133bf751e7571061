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
engine, next to its closed form, then shows where float64 itself gives up:
1.0·1.5ᵏ is inf from k = 1751, 1.0·0.5ᵏ is exactly 0.0 from k = 1075, and the
engine says so (in words, and with ``detect_anomaly``) instead of printing
garbage.  A 152-layer network with c = 1.5 is still finite: 1.5¹⁵¹ ≈ 3.888e26.

    python demos/deep_linear.py [--layers 50] [--width 2] [--scale 1.1 ...] [--plot linear.png]
"""

from __future__ import annotations

import math
import random
import sys
import textwrap

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, heading, relative_error, say, sup

from tinygrad_edu import ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.jacobian import jacobian
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import AnomalyError, detect_anomaly, no_grad
from tinygrad_edu.nn.init import scaled_identity
from tinygrad_edu.notation import format_number
from tinygrad_edu.plot import line_chart, table

SCALES = [1.5, 1.0, 0.9, 0.5]  # the lecture's c values; --scale adds more
RESNET_DEPTH = 152  # the residual networks the lecture cites
FLOAT_MAX = sys.float_info.max  # 1.797e308
STEP_LIMIT = 100_000  # how far the pure-float loop multiplies before giving up

# The engine computes cˡ·x by l multiplications, the closed form by one
# correctly rounded power: each multiplication may round (by at most ε/2
# relative), so they can differ by about l·ε, 1e-14 at 50 layers.  A real bug
# (a missing transpose, a wrong layer) is off by a factor c or more.
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


def run_network(c: float, layers: int, x_values: list) -> dict:
    """Build the network, run forward and backward, and return every quantity with its closed form."""
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

    L, ones = layers, [1.0] * n
    rows = []
    for l in range(1, L + 1):
        a = [r[0] for r in zs[l - 1].data]
        delta = [r[0] for r in deltas[l - 1].data]
        dW = weight_grads[l - 1].data
        expected_a = [power(c, l) * v for v in x_values]
        expected_delta = [power(c, L - l) * 1.0 for _ in ones]
        expected_dW = [[power(c, L - 1) * v for v in x_values] for _ in ones]  # c^(L−1)·1xᵀ
        rows.append({
            "layer": l,
            "activation": a, "activation_closed": expected_a,
            "activation_error": worst_error(a, expected_a),
            "delta": delta, "delta_closed": expected_delta,
            "delta_error": worst_error(delta, expected_delta),
            "weight_grad": dW, "weight_grad_closed": expected_dW,
            "weight_grad_error": worst_error(flat(dW), flat(expected_dW)),
        })
    w_last = weights[-1].data
    expected_jacobian = [[power(c, L - 1) * w for w in row] for row in w_last]  # c^(L−1)·Wᴸ
    identity_form = [[power(c, L) if i == j else 0.0 for j in range(n)] for i in range(n)]  # cᴸ·I
    return {
        "c": c, "layers": L, "x": x_values, "rows": rows,
        "y_hat": [r[0] for r in y_hat.data],
        "dy_dx": dy_dx.data, "dy_dx_closed": expected_jacobian,
        "dy_dx_error": worst_error(flat(dy_dx.data), flat(expected_jacobian)),
        "dy_dx_is_c_L_identity": expected_jacobian == identity_form,
    }


def power(c: float, k: int) -> float:
    """cᵏ, inf on overflow as in IEEE 754 (Python's ** raises OverflowError instead)."""
    return ops.power(c, k)


def flat(rows: list) -> list:
    return [v for row in rows for v in row]


def worst_error(measured: list, expected: list) -> float:
    """The largest relative error over the entries whose closed form is a finite number.

    Where the closed form itself is inf (cᵏ beyond 1.797e308) there is no
    number to compare with: those entries are flagged in words by the tables
    (and section 3 shows what the engine does there), not counted here.
    """
    return max((relative_error(m, e) for m, e in zip(measured, expected) if math.isfinite(e)), default=0.0)


def norm(values: list) -> float:
    """The Euclidean (Frobenius) norm; math.hypot does not overflow on the squares."""
    return math.hypot(*values)


# ---------------------------------------------------------------------------
# Where float64 gives up
# ---------------------------------------------------------------------------

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


def predicted_step(c: float) -> str:
    """Where the *true* |c|ᵏ leaves the float range, as a formula with its value.

    Overflow: the first k with |c|ᵏ > 1.797e308 ≈ 2¹⁰²⁴, k = ⌊log₂(1.797e308)/log₂|c|⌋ + 1
    (1751 for c = 1.5).  Underflow: below 2.2e-308 the floats are *subnormal*,
    evenly spaced multiples of 2⁻¹⁰⁷⁴ ≈ 4.9e-324, and a product is rounded to
    the nearest one, so |c|ᵏ rounds to 0 once it is at most 2⁻¹⁰⁷⁵ (a tie rounds
    to the even multiple, 0): k = ⌈1075/log₂(1/|c|)⌉ (1075 for c = 0.5).
    Repeated multiplication rounds at every step, though: 0.9·(5·2⁻¹⁰⁷⁴) = 4.5·2⁻¹⁰⁷⁴
    (a little more, as the float 0.9 is a little more than 0.9) rounds back up
    to 5·2⁻¹⁰⁷⁴, so 1.0·0.9·0.9⋯ gets stuck at 2.5e-323 and never reaches 0.
    """
    size = abs(c)
    if size > 1:
        return f"⌊log₂(1.797e308)/log₂ {format_number(size, flag=False)}⌋ + 1 = " \
               f"{math.floor(math.log2(FLOAT_MAX) / math.log2(size)) + 1}"
    if 0 < size < 1:
        return f"⌈1075/log₂(1/{format_number(size, flag=False)})⌉ = {math.ceil(1075 / -math.log2(size))}"
    return ""


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
            for _ in range(step + 1):
                a = W @ a
    except AnomalyError as error:
        message = str(error)
    return {"activations": seen, "anomaly": message}


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

def shown_layers(L: int) -> list:
    """Every layer of a short network; the first three, some in between and the last three of a long one."""
    if L <= 12:
        return list(range(1, L + 1))
    middle = [round(L * f) for f in (0.25, 0.5, 0.75)]
    return sorted({1, 2, 3, *middle, L - 2, L - 1, L})


def layer_table(result: dict) -> str:
    L = result["layers"]
    rows = []
    for l in shown_layers(L):
        r = result["rows"][l - 1]
        rows.append([
            l,
            format_number(norm(r["activation"])), format_number(norm(r["activation_closed"])),
            error_text(r["activation_error"]),
            format_number(norm(r["delta"])), format_number(norm(r["delta_closed"])),
            error_text(r["delta_error"]),
            format_number(norm(flat(r["weight_grad"]))), format_number(norm(flat(r["weight_grad_closed"]))),
            error_text(r["weight_grad_error"]),
        ])
    return table(["l", "‖aˡ‖", "‖cˡ·x‖", "err", "‖δˡ‖", "‖c^(L−l)·1‖", "err",
                  "‖∂ŷ/∂Wˡ‖", "‖c^(L−1)·1xᵀ‖", "err"], rows)


def verdict(c: float) -> str:
    if abs(c) > 1:
        return "explodes"
    if abs(c) < 1:
        return "vanishes"
    return "stable"


def scale_table(results: list) -> str:
    rows = []
    for res in results:
        first, last = res["rows"][0], res["rows"][-1]
        errors = [max(r["activation_error"], r["delta_error"], r["weight_grad_error"]) for r in res["rows"]]
        rows.append([
            format_number(res["c"], flag=False),
            format_number(res["y_hat"][0]),
            format_number(norm(first["delta"])), format_number(norm(last["delta"])),
            format_number(norm(flat(first["weight_grad"]))), format_number(norm(flat(last["weight_grad"]))),
            format_number(res["dy_dx"][0][0]),
            error_text(max(errors + [res["dy_dx_error"]])),
            verdict(res["c"]),
        ])
    L = results[0]["layers"]
    return table(["c", f"ŷ₁ = c{sup(L)}·x₁", "‖δ¹‖", f"‖δ{sup(L)}‖", "‖∂ŷ/∂W¹‖", f"‖∂ŷ/∂W{sup(L)}‖",
                  "(∂ŷ/∂x)₁₁", "worst err", ""], rows)


def explain_what_vanishes(result: dict) -> str:
    """Which gradient vanishes, in words, with this network's numbers."""
    c, L = result["c"], result["layers"]
    first, last = result["rows"][0], result["rows"][-1]
    same = all(r["weight_grad_error"] <= REL_TOL for r in result["rows"])
    direction = "vanishes toward the input" if abs(c) < 1 else "grows toward the input" if abs(c) > 1 else "stays put"
    return (
        f"Which one vanishes? With c = {format_number(c, flag=False)}, ‖δˡ‖ goes from "
        f"{format_number(norm(last['delta']))} at layer {L} to {format_number(norm(first['delta']))} at layer 1: "
        f"the back-propagated signal {direction}, as c^(L−l). But ‖∂ŷ/∂Wˡ‖ = "
        f"{format_number(norm(flat(first['weight_grad'])))} at {'every layer' if same else 'NOT every layer'}: the "
        f"activation aˡ⁻¹ = c^(l−1)·x that layer l multiplies δˡ by changes going forward exactly as δˡ "
        f"changes going back, so their product δˡ·(aˡ⁻¹)ᵀ = c^(L−1)·1xᵀ is the same for every layer. So "
        f"here no layer learns slower than another: all weight gradients vanish (or explode) together, "
        f"as c^(L−1), with the depth L. In a sigmoid network the activations stay near 0.5 instead of "
        f"shrinking, so ∂C/∂Wˡ shrinks along with δˡ and the early layers do learn slowest "
        f"(demos/sigmoid_chain.py)."
    )


def limits_table(limits: list) -> str:
    rows = []
    for lim in limits:
        kind, step = lim["kind"], lim["step"]
        if kind == "inf":
            what = f"inf from step {step}"
        elif kind == "zero":
            what = f"exactly 0 from step {step}"
        elif kind == "stuck":
            what = f"stuck at {format_number(lim['last'])} from step {step}"
        else:
            what = f"still {format_number(lim['last'])} after {STEP_LIMIT} steps"
        rows.append([format_number(lim["c"], flag=False), what, predicted_step(lim["c"]),
                     format_number(lim["last"]) if kind in ("inf", "zero") else ""])
    return table(["c", "1.0·c·c⋯ in float64", "closed form: the true cᵏ leaves the range at k =",
                  "one step before"], rows)


# ---------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------

def section_layers(results: list, detail: float) -> None:
    chosen = next(r for r in results if r["c"] == detail)
    L = chosen["layers"]
    print(heading(f"1. Layer by layer, c = {format_number(chosen['c'], flag=False)}: "
                  f"the engine next to the closed form"))
    print("(norms, as Nielsen measures ‖δˡ‖; err = the largest relative error over the entries)")
    print(layer_table(chosen))
    print()
    say(f"∂ŷ/∂x by the engine (one backward pass per output): {matrix_text(chosen['dy_dx'])}; "
        f"c^(L−1)·Wᴸ = {matrix_text(chosen['dy_dx_closed'])} "
        f"(= c{sup(L)}·I: {'yes' if chosen['dy_dx_is_c_L_identity'] else 'NO'}); "
        f"relative error {error_text(chosen['dy_dx_error'])}.")
    print()
    series = {
        "‖aˡ‖ activation": [norm(r["activation"]) for r in chosen["rows"]],
        "‖δˡ‖ = ‖∂ŷ/∂zˡ‖": [norm(r["delta"]) for r in chosen["rows"]],
        "‖∂ŷ/∂Wˡ‖": [norm(flat(r["weight_grad"])) for r in chosen["rows"]],
    }
    print(line_chart(series, log=True, height=10, width=min(60, max(L, 10)),
                     title=f"per layer l = 1 … {L} (x axis: layer index − 1)"))
    print()
    say(explain_what_vanishes(chosen))


def section_scales(results: list) -> None:
    L = results[0]["layers"]
    print(heading(f"2. Every c, L = {L}: explode, stay, vanish"))
    print(scale_table(results))
    print()
    series = {f"c = {format_number(res['c'], flag=False)}": [norm(row["activation"]) for row in res["rows"]]
              for res in results}
    print(line_chart(series, log=True, height=10, width=min(60, max(L, 10)), title="‖aˡ‖ per layer"))


def section_limits(scales: list, width: int) -> dict:
    print(heading("3. Where float64 gives up: 1.0 multiplied by c, again and again"))
    limits = [float_limit(c) for c in scales]
    print(limits_table(limits))
    print()
    if any(lim["kind"] == "stuck" for lim in limits):
        say("\"Stuck\": below 2.2e-308 floats are subnormal, multiples of 4.9e-324, and each product is "
            "rounded to the nearest one; 0.9 × 5·(4.9e-324) rounds back up to 5·(4.9e-324), so the loop "
            "never reaches 0 although the true 0.9ᵏ does.")
    engine = {}
    for lim in limits:
        if lim["kind"] not in ("inf", "zero"):
            continue
        c, step = lim["c"], lim["step"]
        found = engine_at_limit(c, step, width)
        engine[c] = found
        shown = ", ".join(f"a{sup(l)} = {format_number(v)}" for l, v in sorted(found["activations"].items()))
        print(f"\nThe engine, {step + 1} layers of {format_number(c, flag=False)}·I on x = 1: {shown}")
        if math.isnan(found["activations"][step + 1]):
            print("  (one layer after inf comes nan: the zeros off the diagonal of c·I meet inf, and 0·inf = nan)")
        if found["anomaly"]:
            print(textwrap.fill(f"with detect_anomaly(): AnomalyError: {found['anomaly']}", _common.WIDTH,
                                initial_indent="  ", subsequent_indent="    "))
        else:
            print("  with detect_anomaly(): no error: 0 is a valid float, so an underflow is flagged\n"
                  "  in words (as above) rather than raised")
    return {"limits": {lim["c"]: lim for lim in limits}, "engine": engine}


def section_resnet(width: int) -> dict:
    c, L = 1.5, RESNET_DEPTH
    result = run_network(c, L, [1.0] * width)
    gradient = result["rows"][0]["weight_grad"][0][0]
    expected = power(c, L - 1)
    print(heading(f"4. {L} layers (the residual networks of the lecture), c = 1.5"))
    say(f"∂ŷ/∂W¹ entries by the engine: {format_number(gradient)} = 1.5{sup(L - 1)} "
        f"(closed form {format_number(expected)}, relative error {error_text(relative_error(gradient, expected))}); "
        f"ŷ₁ = 1.5{sup(L)} = {format_number(result['y_hat'][0])}. Huge, but finite: float64 only overflows "
        f"from 1.5¹⁷⁵¹. What stops such networks from training is not the float range but the factor "
        f"1.5{sup(L - 1)} on every step of gradient descent.")
    return {"gradient": gradient, "expected": expected, "y_hat": result["y_hat"][0]}


def matrix_text(rows: list) -> str:
    return "[" + "; ".join(" ".join(format_number(v, flag=False) for v in row) for row in rows) + "]"


def save(path: str, results: list, detail: float) -> None:
    chosen = next(r for r in results if r["c"] == detail)
    layers = list(range(1, chosen["layers"] + 1))
    by_scale = {f"c = {r['c']:g}": (layers, [norm(row["activation"]) for row in r["rows"]]) for r in results}
    one = {
        "‖aˡ‖": (layers, [norm(r["activation"]) for r in chosen["rows"]]),
        "‖δˡ‖": (layers, [norm(r["delta"]) for r in chosen["rows"]]),
        "‖∂ŷ/∂Wˡ‖": (layers, [norm(flat(r["weight_grad"])) for r in chosen["rows"]]),
    }
    _common.save_figure(path, [
        ("activations ‖aˡ‖ = |c|ˡ‖x‖", by_scale, True, "layer l", "‖aˡ‖"),
        (f"c = {chosen['c']:g}: what vanishes", one, True, "layer l", "norm"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--layers", type=_common.positive_int, default=50, help="depth L (default 50; try 152)")
    p.add_argument("--width", type=_common.positive_int, default=2, help="width of every layer (default 2)")
    p.add_argument("--scale", type=_common.finite_float, action="append", default=[],
                   help="another c to try, besides 1.5, 1.0, 0.9, 0.5 (repeatable)")
    p.add_argument("--detail", type=_common.finite_float, default=0.5,
                   help="the c shown layer by layer (default 0.5; added to the list if new)")
    p.add_argument("--input", choices=["ones", "random"], default="ones",
                   help="x = (1, …, 1) as in the lecture, or drawn from N(0, 1) with --seed")
    args = p.parse_args(argv)
    scales = SCALES + [c for c in dict.fromkeys(args.scale + [args.detail]) if c not in SCALES]
    x = make_input(args.width, args.input, args.seed)
    print(f"Deep linear network (the lecture's example): L = {args.layers} layers of width {args.width}, "
          f"g(z) = z, b = 0, every Wˡ = c·I, x = ({', '.join(format_number(v) for v in x)})")
    print("  closed forms: aˡ = cˡ·x,  δˡ = ∂ŷ/∂zˡ = c^(L−l)·1,  ∂ŷ/∂Wˡ = c^(L−1)·1xᵀ,  "
          "∂ŷ/∂x = c^(L−1)·Wᴸ = cᴸ·I")
    print("  (gradients of the vector ŷ are taken of its sum 1ᵀŷ; 1 is a vector of ones)")
    results = [run_network(c, args.layers, x) for c in scales]
    section_layers(results, args.detail)
    section_scales(results)
    limits = section_limits(scales, args.width)
    resnet = section_resnet(args.width)
    worst = max(max(r["activation_error"], r["delta_error"], r["weight_grad_error"])
                for res in results for r in res["rows"])
    worst = max([worst] + [res["dy_dx_error"] for res in results])
    ok = worst <= REL_TOL
    print(heading("Checks"))
    say(f"Every activation, δˡ, ∂ŷ/∂Wˡ and ∂ŷ/∂x above matches its closed form within {error_text(worst)} "
        f"(tolerance {REL_TOL:g}, l multiplications against one power): {'yes' if ok else 'NO: MISMATCH'}.")
    say("Lesson: only a product of factors that stays near 1 is stable. c = 1.5 or 0.5 fails within a "
        "few dozen layers; careful initialisation (keeping c near 1) is a partial cure.")
    if args.plot:
        save(args.plot, results, args.detail)
    return {"results": {r["c"]: r for r in results}, "worst_error": worst, "ok": ok,
            "limits": limits["limits"], "engine_limits": limits["engine"], "resnet": resnet}


if __name__ == "__main__":
    _common.run(main)
