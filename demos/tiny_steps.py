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
from _common import heading, lesson, opening, say, sup

from deep_linear import forward, make_input, norm, power
from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn.init import scaled_identity
from tinygrad_edu.plot import format_number, table

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
    print(heading(f"1. Gradient descent on the {layers}-layer network, from every Wˡ = c·I"))
    say(f"Start from every Wˡ = c·I and learn ŷ = 2x (loss ½‖ŷ − 2x‖²/‖x‖²) with plain gradient descent, "
        f"learning rate η = 0.1/L = {format_number(0.1 / layers, flag=False)}, at most {steps} steps. Each "
        "weight's gradient at the start is c^(L−1)·(cᴸ − 2)·xxᵀ/‖x‖², of norm |c^(L−1)(cᴸ − 2)|: the factor "
        "c^(L−1) from the chain, cᴸ − 2 from the error ŷ − 2x. 'largest η·|g|' is the largest step the first "
        "update asks for, 'largest change' how far a weight really moved.")
    runs = {c: train(c, layers, x_values, steps) for c in TRAINED}
    rows = []
    for c, r in runs.items():
        first = r["first_step"]
        rows.append([format_number(c, flag=False), format_number(r["losses"][0]),
                     format_number(first["gradient"]) if first else "", format_number(r["closed_gradient"]),
                     format_number(first["size"]) if first else "",
                     format_number(first["moved"], flag=False) if first else "",
                     len(r["losses"]) - 1, format_number(r["losses"][-1]), outcome(r)])
    print(table(["c", "loss at start", "‖∂L/∂W¹‖", "|c^(L−1)(cᴸ − 2)|", "largest η·|g|", "largest change",
                 "steps", "loss at the end", "what happened"], rows))
    print()
    for c, r in runs.items():
        explain_training(r, layers)
    return runs


def outcome(run: dict) -> str:
    start, end = run["losses"][0], run["losses"][-1]
    if run["ending"] in ("non-finite loss", "non-finite gradient"):
        return "blows up"
    if run["ending"] == "no weight changed":
        return "crawls: frozen"
    if end <= 1e-6 * start:
        return "learns"
    return "crawls" if end >= 0.5 * start else "learns slowly"


def explain_training(run: dict, layers: int) -> None:
    c, kind, first = format_number(run["c"], flag=False), outcome(run), run["first_step"]
    start, end = run["losses"][0], run["losses"][-1]
    steps = len(run["losses"]) - 1
    if kind == "crawls: frozen" and first["size"] == 0:
        say(f"c = {c}: the gradient itself underflowed to exactly 0 (c{sup(layers - 1)} is below the smallest "
            f"float): no weight can move, and the loss stays at {format_number(start)}.")
    elif kind == "crawls: frozen":
        say(f"c = {c}: the largest step the gradient asks for, {format_number(first['size'])}, is below the "
            f"spacing of the floats near the weights (2.2e-16 × |w|): not one weight changed, every later "
            f"step would be the same, and the loss stays at {format_number(start)}.")
    elif kind in ("crawls", "learns slowly") and start == end:
        say(f"c = {c}: tiny steps. A weight moves by at most {format_number(first['moved'])} per step; after "
            f"{steps} steps the loss is still {format_number(end)}, unchanged in all its digits.")
    elif kind in ("crawls", "learns slowly"):
        say(f"c = {c}: tiny steps. A weight moves by at most {format_number(first['moved'])} in the first "
            f"step; after {steps} steps the loss has gone from {format_number(start)} to {format_number(end)} "
            f"(a change of {format_number(start - end, 2)}).")
    elif kind == "learns":
        say(f"c = {c}: the loss falls from {format_number(start)} to {format_number(end)} in {steps} steps.")
    elif steps == 0:
        say(f"c = {c}: the loss is already {format_number(start)} before the first step (c{sup(layers)} "
            f"overflows): there is nothing to descend.")
    elif steps == 1:
        say(f"c = {c}: the first step moves a weight by {format_number(first['moved'])}, far past the "
            f"solution; after it the loss is {format_number(end)}.")
    else:
        say(f"c = {c}: the first step moves a weight by {format_number(first['moved'])}, far past the "
            f"solution; after {steps} steps the loss is {format_number(end)}.")


def save(path: str, runs: dict) -> None:
    training = {f"c = {c:g}: {outcome(r)}": (list(range(len(r["losses"]))), r["losses"]) for c, r in runs.items()}
    _common.save_figure(path, [("gradient descent (the lecture's tiny steps)", training, True, "step", "loss")])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--layers", type=_common.whole_number(1, 10_000), default=50,
                   help="depth L, 1 to 10000 (default 50)")
    p.add_argument("--width", type=_common.whole_number(1, 16), default=2,
                   help="width of every layer, 1 to 16 (default 2)")
    p.add_argument("--input", choices=["ones", "random"], default="ones",
                   help="x = (1, …, 1) as in the lecture, or drawn from N(0, 1) with --seed")
    p.add_argument("--steps", type=_common.whole_number(1, 1000), default=TRAIN_STEPS,
                   help=f"gradient-descent steps, 1 to 1000 (default {TRAIN_STEPS})")
    args = p.parse_args(argv)
    # c = 0.5 may take every step, c = 1 about 25, c = 1.5 one or two: two passes (forward, backward) each
    _common.refuse_if_too_big(p, args.layers * (args.width ** 2 + _common.NODE) * (2 * args.steps + 60),
                              "this network")
    opening(f"The lecture's tiny steps: gradient descent on {args.layers} layers of width {args.width}",
            "the deep learning course's lecture on vanishing and exploding gradients (Andrew Ng's example).",
            ["the first gradient, |c^(L−1)(cᴸ − 2)|, printed beside the engine's;",
             "c = 0.5: steps so tiny the loss does not move; c = 1.5: the first step overflows;",
             "c = 1: the loss falls, at a rate that does not depend on the depth."])
    x = make_input(args.width, args.input, args.seed)
    runs = section_training(args.layers, x, args.steps)
    gradient_ok = all(
        r["first_step"] is None or math.isclose(r["first_step"]["gradient"], r["closed_gradient"], rel_tol=1e-12)
        or not math.isfinite(r["closed_gradient"]) or r["closed_gradient"] < 2.2250738585072014e-308
        for r in runs.values())
    compared = sum(r["first_step"] is not None and math.isfinite(r["closed_gradient"])
                   and r["closed_gradient"] >= 2.2250738585072014e-308 for r in runs.values())
    ok = gradient_ok
    print(heading("Checks"))
    say(f"Compared: the engine's first ‖∂L/∂W¹‖ with |c^(L−1)(cᴸ − 2)| within 1e-12, for the {compared} values of c "
        f"where it is a normal float. The losses themselves are measurements, and the sentences above are chosen "
        f"from them. All agree: {'yes' if ok else 'NO'}.")
    if compared < len(runs):
        say(f"Skipped: {len(runs) - compared} values of c where the loss was already non-finite, or the closed "
            f"form is inf or below 2.2e-308.")
    else:
        say("Skipped: nothing.")
    lesson("gradient descent moves a weight by the learning rate times its gradient, and in a deep network that "
           "gradient carries c^(L−1). Away from c = 1 the steps are either too small to change anything or too "
           "large to survive.")
    if args.plot:
        save(args.plot, runs)
    return {"training": runs, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
