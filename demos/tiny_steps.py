"""The lecture's tiny steps: gradient descent on the deep linear network crawls, learns or blows up.

Source: the lecture on vanishing and exploding gradients of the deep learning
course (Andrew Ng's example): when the gradients are exponentially small,
gradient descent takes tiny steps and takes a long time to learn anything;
when they are exponentially large, it blows up.

The network of demos/deep_linear.py, ŷ = Wᴸ⋯W¹·x, every Wˡ = c·I at the start,
trained by plain gradient descent toward ŷ = 2x.  The gradient of the loss
½‖ŷ − 2x‖²/‖x‖² with respect to any Wˡ is, at the start,

    c^(L−1)·(cᴸ − 2)·xxᵀ/‖x‖²,   of norm |c^(L−1)·(cᴸ − 2)|:

the factor c^(L−1) from the chain, cᴸ − 2 from the error.  With c = 0.5 and
L = 50 that is 3.6e-15: each step moves a weight by 3.6e-18 and the loss does
not change in any digit.  With c = 1.5 it is 2.7e17: the first step overflows.
Only c = 1 learns.

    python demos/tiny_steps.py [--layers 50] [--width 2] [--steps 100] [--plot steps.png]
"""

from __future__ import annotations

import math

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import format_number, heading, lesson, opening, say, sup, table
from _i18n import N_, _, ngettext

from deep_linear import forward, make_input, norm, power
from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn.init import scaled_identity

TRAINED = [0.5, 1.0, 1.5]  # the lecture's c: vanishing, stable, exploding
TRAIN_STEPS = 100


def flat(rows: list) -> list:
    return [v for row in rows for v in row]


def train(c: float, layers: int, x_values: list, steps: int) -> dict:
    """Gradient descent from every Wˡ = c·I toward ŷ = 2x, loss ½‖ŷ − 2x‖²/‖x‖².

    The learning rate is η = 0.1/L: near c = 1 a step then moves the product
    Wᴸ⋯W¹ by about L·η = 0.1 of the error, whatever the depth.  Stops at the
    first non-finite loss or gradient (before stepping on it), when no weight
    changed at all (every later step would be the same), or when the loss is
    below 1e-8 of where it started.
    """
    n = len(x_values)
    weights = [scaled_identity(n, n, c=c) for _ in range(layers)]
    x = Matrix([[v] for v in x_values], requires_grad=False)
    target = Matrix([[2.0 * v] for v in x_values], requires_grad=False)
    scale = 0.5 / math.fsum(v * v for v in x_values)
    lr = 0.1 / layers
    optimizer = nn.SGD(weights, lr=lr)
    losses, first_step, ending = [], None, "ran every step"
    for step in range(steps + 1):
        optimizer.zero_grad()
        diff = forward(weights, x)[-1] - target
        loss = (diff * diff).sum() * scale
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            ending = "non-finite loss"
            break
        if losses[-1] <= 1e-8 * losses[0]:
            ending = "converged"
            break
        if step == steps:
            break
        loss.backward()
        grads = [v for W in weights for row in W.grad for v in row]
        if not all(math.isfinite(g) for g in grads):
            ending = "non-finite gradient"
            break
        before = [v for W in weights for row in W.data for v in row]
        optimizer.step()
        after = [v for W in weights for row in W.data for v in row]
        moved = max(abs(a - b) for a, b in zip(after, before))
        if first_step is None:
            first_step = {"size": lr * max(abs(g) for g in grads), "moved": moved,
                          "gradient": norm(flat(weights[0].grad))}
        if moved == 0.0:
            ending = "no weight changed"
            break
    closed = abs(power(c, layers - 1) * (power(c, layers) - 2))
    return {"c": c, "losses": losses, "first_step": first_step, "ending": ending, "lr": lr, "closed_gradient": closed}


def section_training(layers: int, x_values: list, steps: int) -> dict:
    print(heading(_("1. Gradient descent on the {layers}-layer network, from every Wˡ = c·I").format(layers=layers)))
    say(ngettext("Start from every Wˡ = c·I and learn ŷ = 2x (loss ½‖ŷ − 2x‖²/‖x‖²) with plain gradient descent, "
                 "learning rate η = 0.1/L = {rate}, at most {steps} step. Each weight's gradient at the start is "
                 "c^(L−1)·(cᴸ − 2)·xxᵀ/‖x‖², of norm |c^(L−1)(cᴸ − 2)|: the factor c^(L−1) from the chain, cᴸ − 2 "
                 "from the error ŷ − 2x. 'largest η·|g|' is the largest step the first update asks for, 'largest "
                 "change' how far a weight really moved.",
                 "Start from every Wˡ = c·I and learn ŷ = 2x (loss ½‖ŷ − 2x‖²/‖x‖²) with plain gradient descent, "
                 "learning rate η = 0.1/L = {rate}, at most {steps} steps. Each weight's gradient at the start is "
                 "c^(L−1)·(cᴸ − 2)·xxᵀ/‖x‖², of norm |c^(L−1)(cᴸ − 2)|: the factor c^(L−1) from the chain, cᴸ − 2 "
                 "from the error ŷ − 2x. 'largest η·|g|' is the largest step the first update asks for, 'largest "
                 "change' how far a weight really moved.", steps).format(
        rate=format_number(0.1 / layers, flag=False), steps=steps))
    runs = {c: train(c, layers, x_values, steps) for c in TRAINED}
    rows = []
    for c, r in runs.items():
        first = r["first_step"]
        rows.append([format_number(c, flag=False), format_number(r["losses"][0]),
                     format_number(first["gradient"]) if first else "", format_number(r["closed_gradient"]),
                     format_number(first["size"]) if first else "",
                     format_number(first["moved"], flag=False) if first else "",
                     len(r["losses"]) - 1, format_number(r["losses"][-1]), _(outcome(r))])
    # TRANSLATORS: "largest η·|g|" and "largest change" are explained in the paragraph above the table.
    print(table(["c", _("loss at start"), "‖∂L/∂W¹‖", "|c^(L−1)(cᴸ − 2)|", _("largest η·|g|"), _("largest change"),
                 _("steps"), _("loss at the end"), _("what happened")], rows))
    print()
    for c, r in runs.items():
        explain_training(r, layers)
    return runs


def outcome(run: dict) -> str:
    """What the run did, in English words that the code compares; ``_(outcome(run))`` prints them."""
    start, end = run["losses"][0], run["losses"][-1]
    if run["ending"] in ("non-finite loss", "non-finite gradient"):
        return N_("blows up")
    if run["ending"] == "no weight changed":
        return N_("crawls: frozen")
    if end <= 1e-6 * start:
        return N_("learns")
    return N_("crawls") if end >= 0.5 * start else N_("learns slowly")


def explain_training(run: dict, layers: int) -> None:
    c, kind, first = format_number(run["c"], flag=False), outcome(run), run["first_step"]
    start, end = run["losses"][0], run["losses"][-1]
    steps = len(run["losses"]) - 1
    if kind == "crawls: frozen" and first["size"] == 0:
        say(_("c = {c}: the gradient itself underflowed to exactly 0 ({power} is below the smallest float): no "
              "weight can move, and the loss stays at {loss}.").format(c=c, power=f"c{sup(layers - 1)}",
                                                                       loss=format_number(start)))
    elif kind == "crawls: frozen":
        say(_("c = {c}: the largest step the gradient asks for, {step}, is below the spacing of the floats near the "
              "weights (2.2e-16 × |w|): not one weight changed, every later step would be the same, and the loss "
              "stays at {loss}.").format(c=c, step=format_number(first['size']), loss=format_number(start)))
    elif kind in ("crawls", "learns slowly") and start == end:
        say(ngettext("c = {c}: tiny steps. A weight moves by at most {moved} per step; after {steps} step the loss "
                     "is still {loss}, unchanged in all its digits.",
                     "c = {c}: tiny steps. A weight moves by at most {moved} per step; after {steps} steps the loss "
                     "is still {loss}, unchanged in all its digits.", steps).format(
            c=c, moved=format_number(first['moved']), steps=steps, loss=format_number(end)))
    elif kind in ("crawls", "learns slowly"):
        say(ngettext("c = {c}: tiny steps. A weight moves by at most {moved} in the first step; after {steps} step "
                     "the loss has gone from {start} to {end} (a change of {change}).",
                     "c = {c}: tiny steps. A weight moves by at most {moved} in the first step; after {steps} steps "
                     "the loss has gone from {start} to {end} (a change of {change}).", steps).format(
            c=c, moved=format_number(first['moved']), steps=steps, start=format_number(start),
            end=format_number(end), change=format_number(start - end, 2)))
    elif kind == "learns":
        say(ngettext("c = {c}: the loss falls from {start} to {end} in {steps} step.",
                     "c = {c}: the loss falls from {start} to {end} in {steps} steps.", steps).format(
            c=c, start=format_number(start), end=format_number(end), steps=steps))
    elif steps == 0:
        say(_("c = {c}: the loss is already {loss} before the first step ({power} overflows): there is nothing to "
              "descend.").format(c=c, loss=format_number(start), power=f"c{sup(layers)}"))
    elif steps == 1:
        say(_("c = {c}: the first step moves a weight by {moved}, far past the solution; after it the loss is "
              "{loss}.").format(c=c, moved=format_number(first['moved']), loss=format_number(end)))
    else:
        say(_("c = {c}: the first step moves a weight by {moved}, far past the solution; after {steps} steps the "
              "loss is {loss}.").format(c=c, moved=format_number(first['moved']), steps=steps, loss=format_number(end)))


def save(path: str, runs: dict) -> None:
    training = {_("c = {c}: {outcome}").format(c=f"{c:g}", outcome=_(outcome(r))): (list(range(len(r["losses"]))),
                                                                                    r["losses"])
                for c, r in runs.items()}
    _common.save_figure(path, [(_("gradient descent (the lecture's tiny steps)"), training, True, _("step"),
                                _("loss"))])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--layers", type=_common.whole_number(1, 10_000), default=50,
                   help=_("depth L, 1 to 10000 (default 50)"))
    p.add_argument("--width", type=_common.whole_number(1, 16), default=2,
                   help=_("width of every layer, 1 to 16 (default 2)"))
    p.add_argument("--input", choices=["ones", "random"], default="ones",
                   help=_("x = (1, …, 1) as in the lecture, or drawn from N(0, 1) with --seed"))
    p.add_argument("--steps", type=_common.whole_number(1, 1000), default=TRAIN_STEPS,
                   help=_("gradient-descent steps, 1 to 1000 (default {steps})").format(steps=TRAIN_STEPS))
    args = p.parse_args(argv)
    # c = 0.5 may take every step, c = 1 about 25, c = 1.5 one or two: two passes (forward, backward) each
    _common.refuse_if_too_big(p, args.layers * (args.width ** 2 + _common.NODE) * (2 * args.steps + 60),
                              "network")
    opening(ngettext("The lecture's tiny steps: gradient descent on {layers} layer of width {width}",
                     "The lecture's tiny steps: gradient descent on {layers} layers of width {width}",
                     args.layers).format(layers=args.layers, width=args.width),
            _("the deep learning course's lecture on vanishing and exploding gradients (Andrew Ng's example)."),
            [_("the first gradient, |c^(L−1)(cᴸ − 2)|, printed beside the engine's;"),
             _("c = 0.5: steps so tiny the loss does not move; c = 1.5: the first step overflows;"),
             _("c = 1: the loss falls, at a rate that does not depend on the depth.")])
    x = make_input(args.width, args.input, args.seed)
    runs = section_training(args.layers, x, args.steps)
    gradient_ok = all(
        r["first_step"] is None or math.isclose(r["first_step"]["gradient"], r["closed_gradient"], rel_tol=1e-12)
        or not math.isfinite(r["closed_gradient"]) or r["closed_gradient"] < 2.2250738585072014e-308
        for r in runs.values())
    compared = sum(r["first_step"] is not None and math.isfinite(r["closed_gradient"])
                   and r["closed_gradient"] >= 2.2250738585072014e-308 for r in runs.values())
    ok = gradient_ok
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: the engine's first ‖∂L/∂W¹‖ with |c^(L−1)(cᴸ − 2)| within 1e-12, for the {count} value of "
                 "c where it is a normal float.",
                 "Compared: the engine's first ‖∂L/∂W¹‖ with |c^(L−1)(cᴸ − 2)| within 1e-12, for the {count} values of "
                 "c where it is a normal float.", compared).format(count=compared),
        _("The losses themselves are measurements, and the sentences above are chosen from them."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    if compared < len(runs):
        say(ngettext("Skipped: {count} value of c where the loss was already non-finite, or the closed form is inf or "
                     "below 2.2e-308.",
                     "Skipped: {count} values of c where the loss was already non-finite, or the closed form is inf or "
                     "below 2.2e-308.", len(runs) - compared).format(count=len(runs) - compared))
    else:
        say(_("Skipped: nothing."))
    lesson(_("gradient descent moves a weight by the learning rate times its gradient, and in a deep network that "
             "gradient carries c^(L−1). Away from c = 1 the steps are either too small to change anything or too "
             "large to survive."))
    if args.plot:
        save(args.plot, runs)
    return {"training": runs, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
