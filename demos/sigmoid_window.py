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
2·ln|w|/|w| after that.  The demo prints σ′ with its maximum, the window
width measured by scanning a with the engine's σ′ next to the formula, and
the largest width.

    python demos/sigmoid_window.py [--grid 200001] [--plot window.png]
"""

from __future__ import annotations

import math

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, heading, relative_error, say

from tinygrad_edu import ops
from tinygrad_edu.autodiff import grad
from tinygrad_edu.notation import format_number
from tinygrad_edu.plot import line_chart, table
from tinygrad_edu.value import Value

WEIGHTS = [1.0, 2.0, 3.0, 4.0, 4.5, 5.0, 6.0, 6.894, 8.0, 10.0, 20.0, 50.0, 100.0]
GRID = 200_001  # points of the scan over a ∈ [0, 1]: spacing 5e-6
Z_POINTS = [-8.0, -4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0]
GOLDEN = (math.sqrt(5) - 1) / 2  # 0.618…: the golden-section search shrinks its bracket by this


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


def scanned_width(w: float, points: int = GRID) -> dict:
    """Measure the window by scanning a over [0, 1] with the engine's σ′.

    b = −w/2 puts the window's centre at a = 1/2 (a sigmoid activation lies
    in (0, 1), and even the widest window, 0.448, fits).  On a grid of
    spacing Δ = 1/(points − 1), the first and last points inside locate each
    edge to within Δ; the edge is then placed where the straight line through
    g(a) = |w·σ′(w·a + b)| − 1 at the two grid points around it crosses 0
    (linear interpolation: an error of order Δ², not Δ).
    """
    b = -w / 2
    spacing = 1 / (points - 1)

    def g(k: int) -> float:
        return abs(w * sigma_prime(w * (k * spacing) + b)) - 1

    inside = [k for k in range(points) if g(k) >= 0]
    if not inside:
        return {"w": w, "width": 0.0, "spacing": spacing, "count": 0, "edges": None}
    first, last = inside[0], inside[-1]
    low = _crossing(first - 1, first, g, spacing) if first > 0 else 0.0
    high = _crossing(last + 1, last, g, spacing) if last < points - 1 else 1.0
    return {"w": w, "width": high - low, "spacing": spacing, "count": len(inside), "edges": (low, high)}


def _crossing(outside: int, inside: int, g, spacing: float) -> float:
    """Where the line through (a_outside, g < 0) and (a_inside, g ≥ 0) crosses zero."""
    g_out, g_in = g(outside), g(inside)
    fraction = g_out / (g_out - g_in)  # in (0, 1]: how far from the outside point
    return (outside + fraction * (inside - outside)) * spacing


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
    print(heading("1. σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4, with its maximum at z = 0"))
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
    print(table(["z", "σ′(z), ops rule", "σ′(z), backward", "σ(z)(1 − σ(z))", "rel err", "σ′(z) ÷ 1/4"], rows))
    zs = [-8 + 16 * k / 400 for k in range(401)]
    curve = [sigma_prime(z) for z in zs]
    peak = max(range(len(zs)), key=lambda k: curve[k])
    print()
    print(line_chart({"σ′(z)": curve}, height=8, width=60,
                     title="σ′(z) for z from −8 (left) to 8 (right)"))
    say(f"Largest σ′ on a 401-point grid over [−8, 8]: {format_number(curve[peak], 6)} at z = "
        f"{format_number(zs[peak], flag=False)}. So a gradient passing back through a sigmoid neuron is "
        f"multiplied by w·σ′(z), at most |w|/4 in size: below 1 for every |w| < 4.")
    return {"values": values, "peak_z": zs[peak], "peak": curve[peak]}


def section_windows(points: int) -> dict:
    print(heading("2. The window of a where |w·σ′(w·a + b)| ≥ 1"))
    say(f"Scanning a over [0, 1] on a {points}-point grid (spacing {format_number(1 / (points - 1), 2)}), "
        f"b = −w/2, with the engine's σ′ (each edge placed by linear interpolation between the grid "
        f"points around it), next to the closed form (2/|w|)·ln(|w|(1 + √(1 − 4/|w|))/2 − 1):")
    rows, result = [], {}
    for w in WEIGHTS:
        scan = scanned_width(w, points)
        closed = window_width(w)
        difference = scan["width"] - closed
        agree = abs(difference) <= scan["spacing"]
        if w < 4:
            note = "none: |w|·σ′ ≤ |w|/4 < 1" if scan["count"] == 0 else "FOUND POINTS: unexpected"
        else:
            note = "within one grid step" if agree else "NO: more than one grid step apart"
        edges = scan["edges"]
        rows.append([format_number(w, flag=False), f"{scan['width']:.8f}", f"{closed:.8f}",
                     format_number(difference, 2, flag=False) if difference else "0",
                     f"{edges[0]:.5f} … {edges[1]:.5f}" if edges else "", note])
        result[w] = {"scan": scan["width"], "closed": closed, "spacing": scan["spacing"],
                     "count": scan["count"], "agree": agree}
    print(table(["|w|", "scanned width", "closed form", "difference", "a from … to", ""], rows))
    return result


def section_widest(points: int) -> dict:
    best_w, best_width = widest_window()
    scan = scanned_width(best_w, points)
    print(heading("3. The widest possible window"))
    say(f"Maximising the closed form over |w| (golden-section search): the width peaks at "
        f"{best_width:.5f} for |w| = {best_w:.3f}. The {points}-point scan at that w measures "
        f"{scan['width']:.5f} (spacing {format_number(scan['spacing'], 2)}). A neuron whose gradient factor "
        f"is at least 1 needs its input activation inside a band of width 0.448 at best, out of (0, 1): "
        f"large weights are no escape from the vanishing gradient.")
    ws = [4 + 26 * k / 300 for k in range(301)]
    print()
    print(line_chart({"window width": [window_width(w) for w in ws]}, height=8, width=60,
                     title="window width against |w|, from 4 (left) to 30 (right)"))
    return {"w": best_w, "width": best_width, "scan": scan["width"], "spacing": scan["spacing"]}


def save(path: str, results: dict) -> None:
    zs = [-8 + 16 * k / 400 for k in range(401)]
    ws = [4 + 46 * k / 460 for k in range(461)]
    scanned = [(w, r["scan"]) for w, r in results["windows"].items() if 4 <= w <= 50]
    widest = results["widest"]
    _common.save_figure(path, [
        ("σ′(z) ≤ 1/4", {"σ′(z)": (zs, [sigma_prime(z) for z in zs])}, False, "z", "σ′(z)"),
        ("width of {a : |w·σ′(wa + b)| ≥ 1}", {
            "closed form": (ws, [window_width(w) for w in ws]),
            "scanned with the engine's σ′": ([w for w, _ in scanned], [x for _, x in scanned], "o"),
            f"widest: {widest['width']:.5f} at |w| = {widest['w']:.3f}": ([widest["w"]], [widest["width"]], "*"),
        }, False, "|w|", "width"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--grid", type=_common.positive_int, default=GRID,
                   help=f"points of the scan over a ∈ [0, 1] (default {GRID})")
    args = p.parse_args(argv)
    if args.grid < 2:
        p.error("--grid needs at least 2 points")
    print("Why big weights do not rescue sigmoid (Neural Networks and Deep Learning, ch. 5)")
    print("(nothing here is random: --seed is accepted, as by every demo, and changes nothing)")
    results = {
        "sigma_prime": section_sigma_prime(),
        "windows": section_windows(args.grid),
        "widest": section_widest(args.grid),
    }
    widest = results["widest"]
    results["ok"] = (all(r["agree"] for w, r in results["windows"].items() if w >= 4)
                     and all(r["count"] == 0 for w, r in results["windows"].items() if w < 4)
                     and abs(widest["scan"] - widest["width"]) <= widest["spacing"])
    print(heading("Checks"))
    say(f"Every scanned width is within one grid step of the closed form, no a works for |w| < 4, and "
        f"the scan at the widest |w| agrees: {'yes' if results['ok'] else 'NO: MISMATCH'}.")
    if args.plot:
        save(args.plot, results)
    return results


if __name__ == "__main__":
    _common.run(main)
