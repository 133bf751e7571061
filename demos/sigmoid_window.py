"""Why big weights do not rescue sigmoid: the window where |w·σ′(w·a + b)| ≥ 1 is narrow.

Source: Michael Nielsen, *Neural Networks and Deep Learning*, chapter 5
(the problem after "The unstable gradient problem").

A gradient passing back through a sigmoid neuron is multiplied by w·σ′(z)
with z = w·a + b.  Since σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4, with equality only at
z = 0, that factor is below 1 in size whenever |w| < 4.  Making w big does not
help for long: σ′ depends on w too, and a big w pushes z = w·a + b into σ′'s
flat wings.  For |w| ≥ 4 the input activations a with |w·σ′(w·a + b)| ≥ 1
form an interval of width

    (2/|w|)·ln(|w|(1 + √(1 − 4/|w|))/2 − 1),

which is 0 at |w| = 4, at most 0.44774 (at |w| = 6.894), and shrinks like
2·ln|w|/|w| after that.  b only slides the window along the a axis (its centre
is a = −b/w); its width does not depend on b.  The demo prints σ′ with its
maximum, the window width measured by scanning a with the engine's σ′ next
to the formula, the same width for several b, and the largest width.

    python demos/sigmoid_window.py [--grid 200001] [--plot window.png]
"""

from __future__ import annotations

import math

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import chart, error_text, format_number, heading, lesson, opening, relative_error, say, table
from _i18n import _

from tinygrad_edu import ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.value import Value

WEIGHTS = [1.0, 2.0, 3.0, 4.0, 4.5, 5.0, 6.0, 6.894, 8.0, 10.0, 20.0, 50.0, 100.0]
GRID = 200_001  # points of the scan over a ∈ [0, 1]: spacing 5e-6
Z_POINTS = [-8.0, -4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0]
GOLDEN = (math.sqrt(5) - 1) / 2  # 0.618…: the golden-section search shrinks its bracket by this
SHIFTED_W = 8.0  # section 3 slides this window along a by changing b
SHIFTS = [-4.0, -6.0, -2.0, 0.0, 3.0]  # b for section 3: centre a = −b/w = 0.5, 0.75, 0.25, 0, −0.375


def sigma_prime(z: float) -> float:
    """σ′(z) by the engine's own rule in ops.py: σ′ = out·(1 − out), out = σ(z)."""
    return ops.sigmoid.derivative(z, ops.sigmoid.forward(z))


def sigma_prime_by_backward(z: float) -> float:
    """σ′(z) from the scalar engine's backward, a second route to the same number."""
    point = Value(z)
    (derivative,) = grad(point.sigmoid(), [point])
    return derivative


def window_width(w: float) -> float:
    """The closed form: the width of {a : |w·σ′(w·a + b)| ≥ 1}, 0 when |w| < 4.

    Derivation: |w|·σ′(z) ≥ 1 means s(1 − s) ≥ 1/|w| for s = σ(z), so s lies
    between the roots s± = (1 ± √(1 − 4/|w|))/2 (real only for |w| ≥ 4).  In z
    that is |z| ≤ ln(s₊/s₋), and s₊/s₋ = |w|·s₊ − 1 because s₊·s₋ = 1/|w|.
    Since z = w·a + b, a spans the z-interval divided by |w|: the width is
    (2/|w|)·ln(|w|·s₊ − 1), whatever b is (b only moves the window).
    """
    size = abs(w)
    if size < 4:
        return 0.0
    s_plus = (1 + math.sqrt(1 - 4 / size)) / 2
    return 2 / size * math.log(size * s_plus - 1)


def scanned_width(w: float, points: int = GRID, b: float | None = None, low: float = 0.0,
                  high: float = 1.0) -> dict:
    """Measure the window by scanning a over [low, high] with the engine's σ′.

    b = −w/2 (the default) puts the window's centre at a = 1/2: a sigmoid
    activation lies in (0, 1), and even the widest window, 0.448, fits.  On a
    grid of spacing Δ = (high − low)/(points − 1), the first and last points
    inside locate each edge to within Δ; the edge is then placed where the
    straight line through g(a) = |w·σ′(w·a + b)| − 1 at the two grid points
    around it crosses 0 (linear interpolation: an error of order Δ², not Δ).
    """
    b = -w / 2 if b is None else b
    spacing = (high - low) / (points - 1)

    def g(k: int) -> float:
        return abs(w * sigma_prime(w * (low + k * spacing) + b)) - 1

    inside = [k for k in range(points) if g(k) >= 0]
    if not inside:
        return {"w": w, "b": b, "width": 0.0, "spacing": spacing, "count": 0, "edges": None}
    first, last = inside[0], inside[-1]
    left = low + _crossing(first - 1, first, g) * spacing if first > 0 else low
    right = low + _crossing(last + 1, last, g) * spacing if last < points - 1 else high
    return {"w": w, "b": b, "width": right - left, "spacing": spacing, "count": len(inside), "edges": (left, right)}


def _crossing(outside: int, inside: int, g) -> float:
    """Where the line through (k_outside, g < 0) and (k_inside, g ≥ 0) crosses zero, in grid steps."""
    g_out, g_in = g(outside), g(inside)
    fraction = g_out / (g_out - g_in)  # in (0, 1]: how far from the outside point
    return outside + fraction * (inside - outside)


def widest_window(low: float = 4.0, high: float = 20.0, tolerance: float = 1e-10) -> tuple:
    """The |w| where the closed-form width is largest, by golden-section search.

    The width rises from 0 at |w| = 4 and falls like 2·ln|w|/|w| for large |w|,
    with one peak in between: golden-section search keeps a bracket
    around it, shrinking it by 0.618 per step, with one new evaluation each.
    """
    a, b = low, high
    left, right = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    f_left, f_right = window_width(left), window_width(right)
    while b - a > tolerance:
        if f_left < f_right:  # the peak is right of `left`
            a, left, f_left = left, right, f_right
            right = a + GOLDEN * (b - a)
            f_right = window_width(right)
        else:
            b, right, f_right = right, left, f_left
            left = b - GOLDEN * (b - a)
            f_left = window_width(left)
    best = (a + b) / 2
    return best, window_width(best)


# ---------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------

def section_sigma_prime() -> dict:
    print(heading(_("1. σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4, with its maximum at z = 0")))
    rows, values = [], {}
    for z in Z_POINTS:
        engine = sigma_prime(z)
        backward = sigma_prime_by_backward(z)
        s = 1 / (1 + math.exp(-z))
        closed = s * (1 - s)
        values[z] = engine
        rows.append([format_number(z, flag=False), format_number(engine, 6), format_number(backward, 6),
                     format_number(closed, 6), error_text(relative_error(engine, closed)),
                     format_number(engine / 0.25, 4)])
    print(table(["z", _("σ′(z), ops rule"), _("σ′(z), backward"), "σ(z)(1 − σ(z))", _("rel. error"), "σ′(z) ÷ 1/4"],
                rows))
    zs = [-8 + 16 * k / 400 for k in range(401)]
    curve = [sigma_prime(z) for z in zs]
    peak = max(range(len(zs)), key=lambda k: curve[k])
    print()
    print(chart({"σ′(z)": curve}, -8, 8, "z", height=8, width=60, title="σ′(z)"))
    say(_("Largest σ′ on a 401-point grid over [−8, 8]: {peak} at z = {z}. So a gradient passing back through a "
          "sigmoid neuron is multiplied by w·σ′(z), at most |w|/4 in size: below 1 for every |w| < 4.").format(
        peak=format_number(curve[peak], 6), z=format_number(zs[peak], flag=False)))
    return {"values": values, "peak_z": zs[peak], "peak": curve[peak]}


def section_windows(points: int) -> dict:
    print(heading(_("2. The window of a where |w·σ′(w·a + b)| ≥ 1")))
    say(_("Scanning a over [0, 1] on a {points}-point grid (spacing {spacing}), b = −w/2, with the engine's σ′ "
          "(each edge placed by linear interpolation between the grid points around it), next to the closed form "
          "(2/|w|)·ln(|w|(1 + √(1 − 4/|w|))/2 − 1):").format(points=points, spacing=format_number(1 / (points - 1), 2)))
    rows, result = [], {}
    for w in WEIGHTS:
        scan = scanned_width(w, points)
        closed = window_width(w)
        difference = scan["width"] - closed
        agree = abs(difference) <= scan["spacing"]
        if w < 4:
            note = _("none: |w|·σ′ ≤ |w|/4 < 1") if scan["count"] == 0 else _("FOUND POINTS: unexpected")
        else:
            note = _("within one grid step") if agree else _("NO: more than one grid step apart")
        edges = scan["edges"]
        rows.append([format_number(w, flag=False), f"{scan['width']:.8f}", f"{closed:.8f}",
                     format_number(difference, 2, flag=False) if difference else "0",
                     f"{edges[0]:.5f} … {edges[1]:.5f}" if edges else "", note])
        result[w] = {"scan": scan["width"], "closed": closed, "spacing": scan["spacing"],
                     "count": scan["count"], "agree": agree}
    print(table(["|w|", _("scanned width"), _("closed form"), _("difference"), _("a from … to"),
                 _("scan against closed form")], rows))
    return result


def section_shifts(points: int) -> dict:
    w = SHIFTED_W
    closed = window_width(w)
    print(heading(_("3. b slides the window; its width stays (2/|w|)·ln(…) = {width} at |w| = {w}").format(
        width=f"{closed:.6f}", w=format_number(w))))
    say(_("|w·σ′(w·a + b)| depends on a only through z = w·a + b, so the window in z, |z| ≤ ln(|w|s₊ − 1), is the "
          "same for every b, and in a it is that interval moved to the centre a = −b/w and divided by |w|. Scanning a "
          "over [−1, 2] ({points} points) for several b:").format(points=points))
    rows, result = [], {}
    for b in SHIFTS:
        scan = scanned_width(w, points, b=b, low=-1.0, high=2.0)
        left, right = scan["edges"]
        inside = max(0.0, min(right, 1.0) - max(left, 0.0))
        agree = abs(scan["width"] - closed) <= scan["spacing"]
        result[b] = {"scan": scan["width"], "edges": scan["edges"], "inside": inside, "agree": agree,
                     "spacing": scan["spacing"]}
        rows.append([format_number(b, flag=False), format_number(-b / w + 0.0, 4, flag=False),
                     f"{left:.5f} … {right:.5f}", f"{scan['width']:.6f}",
                     _("within one grid step") if agree else _("NO: more than one grid step apart"), f"{inside:.6f}"])
    print(table(["b", _("centre −b/w"), _("a from … to"), _("scanned width"), _("against the closed form"),
                 _("width inside (0, 1)")], rows))
    print()
    widths = [r["scan"] for r in result.values()]
    say(_("The scanned widths range from {low} to {high}, the closed form {closed}: b does not change the width. It "
          "only decides how much of the window lies inside (0, 1), where a sigmoid's output a lives (the last "
          "column). So choosing b cannot widen the band either.").format(
        low=f"{min(widths):.6f}", high=f"{max(widths):.6f}", closed=f"{closed:.6f}"))
    return result


def section_widest(points: int) -> dict:
    best_w, best_width = widest_window()
    scan = scanned_width(best_w, points)
    print(heading(_("4. The widest possible window")))
    say(_("Maximising the closed form over |w| (golden-section search): the width peaks at {width} for |w| = {w}. The "
          "{points}-point scan at that w measures {scanned} (spacing {spacing}). A neuron whose gradient factor is at "
          "least 1 needs its input activation inside a band of width {band} at best, out of (0, 1): large weights are "
          "no escape from the vanishing gradient.").format(
        width=f"{best_width:.5f}", w=f"{best_w:.3f}", points=points, scanned=f"{scan['width']:.5f}",
        spacing=format_number(scan['spacing'], 2), band=f"{best_width:.3f}"))
    ws = [4 + 26 * k / 300 for k in range(301)]
    print()
    print(chart({_("window width"): [window_width(w) for w in ws]}, 4, 30, "|w|", height=8, width=60,
                title=_("window width against |w|")))
    return {"w": best_w, "width": best_width, "scan": scan["width"], "spacing": scan["spacing"]}


def save(path: str, results: dict) -> None:
    zs = [-8 + 16 * k / 400 for k in range(401)]
    ws = [4 + 46 * k / 460 for k in range(461)]
    scanned = [(w, r["scan"]) for w, r in results["windows"].items() if 4 <= w <= 50]
    widest = results["widest"]
    a_values = [k / 400 for k in range(401)]
    factor = {}
    for w in (2.0, 4.0, widest["w"], 20.0):
        factor[f"|w| = {w:.4g}"] = (a_values, [abs(w * sigma_prime(w * a - w / 2)) for a in a_values])
    factor[_("threshold 1")] = (a_values, [1.0] * len(a_values), "k--")
    _common.save_figure(path, [
        ("σ′(z) ≤ 1/4", {"σ′(z)": (zs, [sigma_prime(z) for z in zs])}, False, "z", "σ′(z)"),
        (_("|w·σ′(w·a + b)| against a, b = −w/2"), factor, False, _("input activation a"), "|w·σ′(w·a + b)|"),
        (_("width of {window}").format(window="{a : |w·σ′(w·a + b)| ≥ 1}"), {
            _("closed form"): (ws, [window_width(w) for w in ws]),
            _("scanned with the engine's σ′"): ([w for w, _x in scanned], [x for _w, x in scanned], "o"),
            _("widest: {width} at |w| = {w}").format(width=f"{widest['width']:.5f}", w=f"{widest['w']:.3f}"):
                ([widest["w"]], [widest["width"]], "*"),
        }, False, "|w|", _("width")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--grid", type=_common.whole_number(101, 2_000_001), default=GRID,
                   help=_("points of the scan over a ∈ [0, 1], 101 to 2000001 (default {grid})").format(grid=GRID))
    args = p.parse_args(argv)
    opening(_("Why big weights do not rescue sigmoid"),
            _("Michael Nielsen, Neural Networks and Deep Learning, chapter 5 (the problem after \"The unstable "
              "gradient problem\")."),
            [_("σ′(z) ≤ 1/4, so a factor w·σ′(z) can only reach 1 when |w| ≥ 4;"),
             _("for |w| ≥ 4, the band of input activations a where |w·σ′(w·a + b)| ≥ 1, scanned and in closed form;"),
             _("the same width for every b: b only slides the band;"),
             _("the widest band, 0.44774 at |w| = 6.894: less than half of (0, 1) at best.")])
    print(_("(nothing here is random: --seed is accepted, as by every demo, and changes nothing)"))
    results = {
        "sigma_prime": section_sigma_prime(),
        "windows": section_windows(args.grid),
        "shifts": section_shifts(args.grid),
        "widest": section_widest(args.grid),
    }
    widest = results["widest"]
    above = [w for w in results["windows"] if w >= 4]
    below = [w for w in results["windows"] if w < 4]
    windows_ok = all(results["windows"][w]["agree"] for w in above)
    none_ok = all(results["windows"][w]["count"] == 0 for w in below)
    shifts_ok = all(r["agree"] for r in results["shifts"].values())
    widest_ok = abs(widest["scan"] - widest["width"]) <= widest["spacing"]
    results["ok"] = windows_ok and none_ok and shifts_ok and widest_ok
    print(heading(_("Checks")))
    say(" ".join([
        _("Compared with the closed form, each to within one grid step: the scanned width for the {above} weights "
          "with |w| ≥ 4, for {shifts} values of b at |w| = {w}, and at the widest |w|; and for the {below} weights "
          "with |w| < 4, that the scan finds no a at all.").format(
            above=len(above), shifts=len(SHIFTS), w=format_number(SHIFTED_W), below=len(below)),
        _("All agree: yes.") if results['ok'] else _("All agree: NO.")]))
    off = [w for w in above if not results["windows"][w]["agree"]] + [w for w in below if results["windows"][w]["count"]]
    if off:
        say(_("Not as the closed form says, at |w| = {weights}.").format(weights=", ".join(format_number(w) for w in off)))
    if not shifts_ok:
        say(_("Not within one grid step for some b: see the table of section 3."))
    lesson(_("to keep a gradient from shrinking, a sigmoid neuron needs |w·σ′(w·a + b)| ≥ 1. A larger w raises "
             "the peak |w|/4, but beyond |w| ≈ 6.9 it squeezes the band of inputs where the factor reaches 1. The "
             "band is never wider than 0.448, wherever b puts it: big weights are no escape from the vanishing "
             "gradient."))
    if args.plot:
        save(args.plot, results)
    return results


if __name__ == "__main__":
    _common.run(main)
