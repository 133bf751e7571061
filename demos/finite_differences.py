"""Checking a gradient: central differences need a step chosen from the curvature, the complex step does not.

Sources: Nielsen, *Neural Networks and Deep Learning*, ch. 5, for the
example (his sigmoid chain with every w = 100 and every z = 0, where
∂C/∂b₁ = 1953.125 exactly); Squire & Trapp, "Using complex variables to
estimate derivatives of real functions", SIAM Review 40(1), 1998, for the
complex step.

A central difference D(h) = (C(b + h) − C(b − h))/2h has two errors:

    truncation   h²·|C‴|/6         (the Taylor series, largest for a curved C)
    rounding     ε_C/h             (C itself is only known to ε_C = ε·(|C| + |b·C′|))

so there is a best step, h* = (3ε_C/|C‴|)^(1/3), and the textbook h = 1e-6 is
far from it on a chain as curved as w = 100 (C‴ ≈ −2.4e11): it is good to
only 2e-5 there.  The complex step Im C(b + ih)/h subtracts nothing, so it has
no rounding term and h = 1e-20 gives C′ to the last digits.  The checking
functions here are the ones demos/sigmoid_chain.py uses on every gradient it
prints.

    python demos/finite_differences.py [--plot steps.png]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import chart, error_text, format_number, heading, lesson, opening, relative_error, say, table
from _i18n import _

from tinygrad_edu import ops
from tinygrad_edu.autodiff import derivative, grad
from tinygrad_edu.explain import sigmoid_chain
from tinygrad_edu.numeric import EPSILON, central_difference, complex_step, default_step

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

STEPS = [10.0 ** -k for k in range(2, 12)]  # the central-difference steps of section 1
COMPLEX_STEPS = [10.0 ** -k for k in (1, 2, 3, 4, 5, 6, 8, 10, 20, 50)]


# ---------------------------------------------------------------------------
# The chain, as a function of one bias: on floats and on complex numbers
# ---------------------------------------------------------------------------

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
    unresolved: str = ""  # why central differences were not used: "spacing" or "rounding" or "curvature"

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


def predicted_error(h: float, third: float, noise: float, gradient: float) -> float:
    """The central difference's relative error: (truncation h²|C‴|/6 + rounding ε_C/h) / |C′|."""
    return (h * h * abs(third) / 6 + noise / h) / abs(gradient)


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

    Returns ``(estimate or None, h, predicted relative error, C‴, why unresolved)``.
    """
    b = biases[j - 1]
    C = cost_of_bias(weights, biases, j, SIGMA)
    third = derivative(C, b, order=3)
    noise = EPSILON * (abs(C(b)) + abs(b * backward))
    ideal = (3 * noise / abs(third)) ** (1 / 3) if third != 0 else default_step(b)
    h = (b + ideal) - b  # a step the floats represent exactly: (b + h) − b is then h itself
    if h == 0 or backward == 0:  # the step is below the spacing of the floats near b
        return None, ideal, math.inf, third, "spacing"
    predicted = predicted_error(h, third, noise, backward)
    if predicted > RESOLVABLE:
        rounding_dominates = noise / h > h * h * abs(third) / 6
        return None, h, predicted, third, "rounding" if rounding_dominates else "curvature"
    return central_difference(C, b, h), h, predicted, third, ""


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
    central, h, predicted, third, unresolved = central_check(weights, biases, j, backward)
    return Check(backward, reference, central, h, predicted, third, unresolved)


# ---------------------------------------------------------------------------
# The sections: the w = 100 chain, where every z = 0
# ---------------------------------------------------------------------------

def exploding_chain() -> dict:
    """Nielsen's four-layer chain with w = 100 and b = −50: every z = 0, ∂C/∂b₁ = 0.125·25³ = 1953.125."""
    weights, biases = [100.0] * 4, [-100.0 * A0] * 4
    C, nodes = sigmoid_chain(weights, biases, a0=A0, y=Y)
    (gradient,) = grad(C, [nodes["b1"]])
    f = cost_of_bias(weights, biases, 1, SIGMA)
    b = biases[0]
    third = derivative(f, b, order=3)
    noise = EPSILON * (abs(f(b)) + abs(b * gradient))
    return {"weights": weights, "biases": biases, "gradient": gradient, "f": f, "b": b, "third": third,
            "noise": noise, "C": f(b)}


def section_steps(chain: dict) -> dict:
    exact = 1953.125
    print(heading(_("1. Central differences on ∂C/∂b₁ = 1953.125, step by step")))
    say(_("The chain of Nielsen's chapter 5 with every w = 100 and b = −50, so every z = 0 and ∂C/∂b₁ = 0.125·25³ = "
          "1953.125 exactly (the engine's backward: {gradient}). C‴(b₁) = {third} by the engine (differentiating "
          "backward's graph twice more), and C is known to ε_C = ε·(|C| + |b·C′|) = {noise}. Predicted relative "
          "error: (h²·|C‴|/6 + ε_C/h)/|C′|.").format(
        gradient=repr(chain['gradient']), third=format_number(chain['third']), noise=format_number(chain['noise'])))
    rows, measured, predicted = [], [], []
    for h in STEPS:
        estimate = central_difference(chain["f"], chain["b"], h)
        err = relative_error(estimate, exact)
        guess = predicted_error(h, chain["third"], chain["noise"], exact)
        measured.append(err)
        predicted.append(guess)
        rows.append([format_number(h, 1), repr(estimate), error_text(err), format_number(guess, 2),
                     _("truncation") if h * h * abs(chain["third"]) / 6 > chain["noise"] / h else _("rounding")])
    print(table(["h", "(C(b + h) − C(b − h))/2h", _("relative error"), _("predicted"), _("larger term")], rows))
    print()
    print(chart({_("measured"): measured, _("predicted"): predicted}, "1e-2", "1e-11",
                _("step h (×10 smaller per point)"), log=True, height=8, width=40,
                title=_("relative error of the central difference")))
    best = min(range(len(STEPS)), key=lambda k: measured[k])
    say(_("The error falls as h² while truncation dominates, then rises as 1/h once rounding does: among these steps "
          "the best is h = {step}, good to {error}.").format(step=format_number(STEPS[best], 1),
                                                             error=error_text(measured[best])))
    return {"steps": STEPS, "measured": measured, "predicted": predicted, "best": STEPS[best]}


def section_chosen(chain: dict) -> dict:
    print(heading(_("2. The step chosen from the curvature, and the textbook's")))
    ideal = (3 * chain["noise"] / abs(chain["third"])) ** (1 / 3)
    b = chain["b"]
    h = (b + ideal) - b
    chosen = relative_error(central_difference(chain["f"], b, h), chain["gradient"])
    textbook = {step: relative_error(central_difference(chain["f"], b, step), chain["gradient"])
                for step in (1e-6, 1e-7)}
    say(_("h* = (3ε_C/|C‴|)^(1/3) = {ideal}, rounded to a step the floats near b = −50 hold exactly: {step}. Its "
          "relative error: {error}, predicted {predicted}. The textbook h = 1e-6 is good to {six} only, h = 1e-7 to "
          "{seven}: a tolerance of 1e-6 would call a correct gradient wrong.").format(
        ideal=format_number(ideal, 3), step=format_number(h, 3), error=error_text(chosen),
        predicted=format_number(predicted_error(h, chain['third'], chain['noise'], chain['gradient']), 2),
        six=error_text(textbook[1e-6]), seven=error_text(textbook[1e-7])))
    return {"ideal": ideal, "h": h, "error": chosen, "textbook": textbook}


def section_complex(chain: dict) -> dict:
    print(heading(_("3. The complex step: Im C(b + ih)/h subtracts nothing")))
    f = cost_of_bias(chain["weights"], chain["biases"], 1, SIGMA_COMPLEX)
    rows, errors = [], []
    for h in COMPLEX_STEPS:
        err = relative_error(complex_step(f, chain["b"], h), 1953.125)
        errors.append(err)
        rows.append([format_number(h, 1), error_text(err), format_number(truncation(h, chain), 2)])
    print(table(["h", _("relative error"), _("truncation h²|C‴|/(6|C′|)")], rows))
    print()
    tiny = [h for h in COMPLEX_STEPS if truncation(h, chain) <= EPSILON]
    smallest = [e for h, e in zip(COMPLEX_STEPS, errors) if h in tiny]
    say(_("No difference of two nearly equal numbers, so no rounding term: the error follows the truncation "
          "h²|C‴|/(6|C′|) down, and once that is below ε = 2.2e-16 (h ≤ {largest} here) it stays at {error} or less, "
          "down to h = {smallest}. The complex step needs the function to be analytic and written for complex numbers "
          "(the engine's ops carry a complex_forward for this); central differences need neither, but need the "
          "right step.").format(largest=format_number(max(tiny), 1), error=error_text(max(smallest)),
                                smallest=format_number(min(tiny), 1)))
    return {"steps": COMPLEX_STEPS, "errors": errors, "tiny": tiny}


def truncation(h: float, chain: dict) -> float:
    """The complex step's relative truncation error, h²|C‴|/(6|C′|)."""
    return h * h * abs(chain["third"]) / 6 / abs(chain["gradient"])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    args = p.parse_args(argv)
    opening(_("Checking a gradient: the step of a central difference, and the complex step"),
            _("Nielsen, Neural Networks and Deep Learning, ch. 5 (the example chain); Squire & Trapp, SIAM "
              "Review 40(1), 1998 (the complex step)."),
            [_("the relative error of (C(b + h) − C(b − h))/2h falling as h², then rising as 1/h;"),
             _("the textbook h = 1e-6 good to only 2e-5 on this curved chain, the step chosen from C‴ to 1e-7;"),
             _("the complex step at rounding accuracy for every small h.")])
    print(_("(nothing here is random: --seed is accepted, as by every demo, and changes nothing)"))
    chain = exploding_chain()
    steps = section_steps(chain)
    chosen = section_chosen(chain)
    complex_part = section_complex(chain)

    exact_ok = chain["gradient"] == 1953.125
    resolved = [(m, p) for m, p in zip(steps["measured"], steps["predicted"]) if p <= RESOLVABLE]
    prediction_ok = all(m <= PREDICTION_SLACK * p for m, p in resolved)
    chosen_ok = chosen["error"] < min(chosen["textbook"].values())
    complex_ok = max(e for h, e in zip(complex_part["steps"], complex_part["errors"])
                     if h in complex_part["tiny"]) <= COMPLEX_STEP_TOL
    ok = exact_ok and prediction_ok and chosen_ok and complex_ok and bool(resolved)
    print(heading(_("Checks")))
    # Each comparison, with its verdict, is one whole clause for the translators; the sentence lists them.
    compared = [
        _("backward's ∂C/∂b₁ with 1953.125 exactly (yes)") if exact_ok else
        _("backward's ∂C/∂b₁ with 1953.125 exactly (NO)"),
        (_("the measured central-difference error with its prediction at the {count} steps where the prediction is "
           "below {limit}, within {slack}× (yes)") if prediction_ok else
         _("the measured central-difference error with its prediction at the {count} steps where the prediction is "
           "below {limit}, within {slack}× (NO)")).format(count=len(resolved), limit=f"{RESOLVABLE:g}",
                                                          slack=f"{PREDICTION_SLACK:g}"),
        _("the step chosen from C‴ against h = 1e-6 and 1e-7 (better)") if chosen_ok else
        _("the step chosen from C‴ against h = 1e-6 and 1e-7 (NOT better)"),
        (_("the complex step, wherever its truncation is below ε, within {tolerance} (yes)") if complex_ok else
         _("the complex step, wherever its truncation is below ε, within {tolerance} (NO)")).format(
            tolerance=f"{COMPLEX_STEP_TOL:g}")]
    # TRANSLATORS: {first} … {fourth} are the four comparisons above, each with its verdict in parentheses.
    say(" ".join([
        _("Compared: {first}; {second}; {third}; {fourth}.").format(
            first=compared[0], second=compared[1], third=compared[2], fourth=compared[3]),
        _("Skipped: the {count} steps whose predicted error is above {limit}, where the prediction is only an order "
          "of magnitude.").format(count=len(steps['steps']) - len(resolved), limit=f"{RESOLVABLE:g}"),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("a finite-difference check is only as good as its step. Choose h from the curvature and the "
             "rounding of the function, and set the tolerance from the predicted error; or use the complex "
             "step, which has no step to choose."))
    if args.plot:
        save(args.plot, steps, complex_part)
    return {"chain": chain, "steps": steps, "chosen": chosen, "complex": complex_part, "ok": ok}


def save(path: str, steps: dict, complex_part: dict) -> None:
    """Both panels have h on a log axis: one draw function per panel."""
    def central_panel(ax):
        ax.plot(steps["steps"], steps["measured"], "o-", label=_("measured"))
        ax.plot(steps["steps"], steps["predicted"], "k--", label=_("predicted (h²|C‴|/6 + ε_C/h)/|C′|"))
        _log_log(ax, _("central difference: error against h"))

    def complex_panel(ax):
        pairs = list(zip(complex_part["steps"], complex_part["errors"]))
        ax.plot([h for h, e in pairs if e > 0], [e for h, e in pairs if e > 0], "o-", label=_("measured"))
        exact = [h for h, e in pairs if e == 0]
        if exact:  # a log axis cannot show 0: mark it on the bottom edge instead of dropping it
            ax.scatter(exact, [min(e for _h, e in pairs if e > 0) / 10] * len(exact), marker="v",
                       label=_("exactly 0 (no error at all)"))
        _log_log(ax, _("complex step: error against h"))

    _common.save_figure(path, [central_panel, complex_panel])


def _log_log(ax, title: str) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.invert_xaxis()
    ax.set_title(title)
    ax.set_xlabel(_("step h (smaller to the right)"))
    ax.set_ylabel(_("relative error"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


if __name__ == "__main__":
    _common.run(main)
