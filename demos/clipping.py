"""Gradient clipping: a 50-layer chain with every w = 1.5 blows up at its second step; clipped, it converges.

Source: Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent
neural networks" (ICML 2013), who rescale the gradient when its norm passes a
threshold θ: if ‖g‖ ≥ θ then g ← θ·g/‖g‖.  PyTorch's clip_grad_norm_
multiplies by min(1, θ/(‖g‖ + 1e-6)) instead; the demo compares the two.

The chain ŷ = w₅₀⋯w₂w₁·x (x = 1, every wⱼ = 1.5 at the start, loss
(ŷ − 1)²/2) is the deep linear network of demos/deep_linear.py with one unit
per layer: ∂L/∂wⱼ = (ŷ − 1)·ŷ/wⱼ ≈ 2.7e17 at the start.  One plain SGD step
with that gradient throws every weight to about 5e15, and the next ŷ
overflows.  Clipped, every step moves the weights by at most lr·θ.

    python demos/clipping.py [--layers 50] [--steps 300] [--plot clipping.png]
"""

from __future__ import annotations

import math

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, format_number, heading, lesson, opening, relative_error, say, sup, table
from _i18n import _, ngettext

from tinygrad_edu import nn
from tinygrad_edu.plot import sparkline
from tinygrad_edu.value import Value

W0, LR, CLIP = 1.5, 0.02, 1.0
# PyTorch's clip_grad_norm_ scales by min(1, θ/(‖g‖ + 1e-6)); this engine by θ/‖g‖ (Pascanu's exact
# rescaling).  They differ by a relative 1e-6/(‖g‖ + 1e-6) ≤ 1e-6 for ‖g‖ ≥ θ = 1.
TORCH_EPS = 1e-6
CLIP_REL_TOL = 1e-6


def chain_loss(weights: list, x: float, target: float) -> Value:
    """ŷ = w_L ⋯ w₂·w₁·x, a scalar linear chain; loss (ŷ − target)²/2."""
    y = Value(x)
    for w in weights:
        y = w * y
    return (y - target) ** 2 / 2


def torch_clip(grads: list, max_norm: float) -> list:
    """PyTorch's clip_grad_norm_: g·min(1, θ/(‖g‖ + 1e-6)) (the formula, written out; torch is not needed)."""
    total = math.hypot(*grads)
    return [g * min(1.0, max_norm / (total + TORCH_EPS)) for g in grads]


def train_chain(layers: int, w0: float, lr: float, steps: int, clip: float | None) -> dict:
    """SGD on the chain, optionally clipping the gradient's norm; stops at the first non-finite loss or norm."""
    weights = [Value(w0, label=f"w{j}") for j in range(1, layers + 1)]
    optimizer = nn.SGD(weights, lr=lr)
    losses, norms, torch_errors, clipped_norms = [], [], [], []
    first_nonfinite = None
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = chain_loss(weights, 1.0, 1.0)
        loss.backward()
        losses.append(loss.data)
        grads = [w.grad for w in weights]
        if clip is None:
            norms.append(nn.grad_norm(weights))
        else:
            reference = torch_clip(grads, clip)
            norms.append(nn.clip_grad_norm(weights, clip))
            if math.isfinite(norms[-1]):
                clipped = [w.grad for w in weights]
                clipped_norms.append(math.hypot(*clipped))
                torch_errors.append(max(relative_error(g, t) for g, t in zip(clipped, reference)))
        if not (math.isfinite(loss.data) and math.isfinite(norms[-1])):
            first_nonfinite = step
            break
        optimizer.step()
    return {"losses": losses, "norms": norms, "first_nonfinite": first_nonfinite,
            "torch_error": max(torch_errors, default=0.0), "clipped_norms": clipped_norms,
            "weights": [w.data for w in weights]}


def loss_text(x: float) -> str:
    """A loss for the prose: an exact 0 here is convergence (ŷ = 1 exactly), not an underflow."""
    return _("exactly 0") if x == 0 else format_number(x)


def section_chain(layers: int, steps: int) -> dict:
    print(heading(_("1. A {layers}-layer scalar chain with every w = {w}").format(layers=layers,
                                                                                 w=format_number(W0, flag=False))))
    start = W0 ** layers
    say(_("ŷ = {chain}·x with x = 1, loss (ŷ − 1)²/2, SGD with lr {lr}. At the start ŷ = {power} = {start}, and each "
          "∂L/∂wⱼ = (ŷ − 1)·ŷ/wⱼ = {gradient}.").format(
        chain=f"w{sup(layers)}⋯w²w¹", lr=format_number(LR, flag=False),
        power=f"{format_number(W0, flag=False)}{sup(layers)}", start=format_number(start),
        gradient=format_number((start - 1) * start / W0)))
    plain = train_chain(layers, W0, LR, steps, None)
    clipped = train_chain(layers, W0, LR, steps, CLIP)
    rows = []
    for k in range(min(4, max(len(plain["losses"]), len(clipped["losses"])))):
        cells = [k + 1]
        for run in (plain, clipped):
            cells += ([format_number(run["losses"][k]), format_number(run["norms"][k])] if k < len(run["losses"])
                      else ["", ""])
        rows.append(cells)
    print(table([_("step"), _("loss, no clipping"), "‖g‖",
                 _("loss, clipped at {clip}").format(clip=format_number(CLIP, flag=False)), _("‖g‖ before clipping")],
                rows))
    print()
    if plain["first_nonfinite"] is not None:
        moved = LR * plain["norms"][0] / math.sqrt(layers)
        say(_("Without clipping the first step moves every w by lr·‖g‖/√{layers} = {moved}, and the next ŷ, about "
              "that to the power {layers}, overflows: the loss is {loss} at step {step}.").format(
            layers=layers, moved=format_number(moved), loss=format_number(plain['losses'][-1]),
            step=plain['first_nonfinite']))
    else:
        say(ngettext("Without clipping the loss stayed finite for {steps} step here: the last is {loss}.",
                     "Without clipping the loss stayed finite for {steps} steps here: the last is {loss}.",
                     len(plain['losses'])).format(steps=len(plain['losses']), loss=format_number(plain['losses'][-1])))
    same = len(set(clipped["weights"])) == 1  # equal weights get equal gradients, so they stay equal
    numbers = {"step": format_number(LR * CLIP, flag=False), "steps": len(clipped['losses']),
               "loss": loss_text(clipped['losses'][-1]), "w": format_number(clipped['weights'][0], 6)}
    if clipped["first_nonfinite"] is None and same:
        say(ngettext("Clipped (g ← θ·g/‖g‖ when ‖g‖ > θ, Pascanu et al. 2013), every step moves the weights by at most "
                     "lr·θ = {step}: after {steps} step the loss is {loss} and every w = {w} (with every w equal, ŷ = 1 "
                     "needs w = 1).",
                     "Clipped (g ← θ·g/‖g‖ when ‖g‖ > θ, Pascanu et al. 2013), every step moves the weights by at most "
                     "lr·θ = {step}: after {steps} steps the loss is {loss} and every w = {w} (with every w equal, ŷ = "
                     "1 needs w = 1).", numbers["steps"]).format(**numbers))
    elif clipped["first_nonfinite"] is None:
        say(ngettext("Clipped (g ← θ·g/‖g‖ when ‖g‖ > θ, Pascanu et al. 2013), every step moves the weights by at most "
                     "lr·θ = {step}: after {steps} step the loss is {loss}.",
                     "Clipped (g ← θ·g/‖g‖ when ‖g‖ > θ, Pascanu et al. 2013), every step moves the weights by at most "
                     "lr·θ = {step}: after {steps} steps the loss is {loss}.", numbers["steps"]).format(**numbers))
    else:
        say(_("Clipped, the loss still became non-finite at step {step}.").format(step=clipped['first_nonfinite']))
    every = max(1, math.ceil(len(clipped["losses"]) / 60))
    print("  " + ngettext("loss, clipped, every {count} step (log scale, · = exactly 0): {sparkline}",
                          "loss, clipped, every {count} steps (log scale, · = exactly 0): {sparkline}", every).format(
        count=every, sparkline=sparkline(clipped['losses'][::every], log=True)))
    return {"plain": plain, "clipped": clipped}


def section_torch(clipped: dict) -> None:
    print(heading(_("2. Pascanu's rescaling against PyTorch's clip_grad_norm_")))
    say(_("PyTorch multiplies by min(1, θ/(‖g‖ + 1e-6)) instead of θ/‖g‖: on every clipped step of section 1 the "
          "clipped gradients agree within {error} relative (tolerance {tolerance}, which is 1e-6/(‖g‖ + 1e-6) at its "
          "largest, for ‖g‖ = θ); after clipping ‖g‖ = {norm}.").format(
        error=error_text(clipped['torch_error']), tolerance=f"{CLIP_REL_TOL:g}",
        norm=format_number(max(clipped['clipped_norms'], default=math.nan), 12)))


def save(path: str, result: dict) -> None:
    plain, clipped = result["plain"], result["clipped"]
    steps = list(range(1, len(clipped["losses"]) + 1))
    plain_steps = list(range(1, len(plain["losses"]) + 1))
    _common.save_figure(path, [
        (_("loss"), {_("no clipping"): (plain_steps, plain["losses"], "o-"),
                     _("clipped at θ = {clip}").format(clip=f"{CLIP:g}"): (steps, clipped["losses"])},
         True, _("step"), _("loss (log scale)")),
        (_("‖g‖ before clipping"), {_("no clipping"): (plain_steps, plain["norms"], "o-"),
                                    _("clipped at θ = {clip}").format(clip=f"{CLIP:g}"): (steps, clipped["norms"]),
                                    "θ": (steps, [CLIP] * len(steps), "k--")}, True, _("step"), "‖g‖"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--layers", type=_common.whole_number(2, 200), default=50,
                   help=_("layers of the chain, 2 to 200 (default 50)"))
    p.add_argument("--steps", type=_common.whole_number(2, 5000), default=300,
                   help=_("SGD steps, 2 to 5000 (default 300)"))
    args = p.parse_args(argv)
    opening(_("Gradient clipping: an exploding step capped"),
            _("Pascanu, Mikolov & Bengio (ICML 2013); PyTorch's clip_grad_norm_ for comparison."),
            [_("the unclipped chain overflowing at its second SGD step;"),
             _("the clipped chain moving by at most lr·θ per step and converging to w = 1;"),
             _("Pascanu's θ·g/‖g‖ and PyTorch's min(1, θ/(‖g‖ + 1e-6))·g agreeing within 1e-6.")])
    print(_("(nothing here is random: --seed is accepted, as by every demo, and changes nothing)"))
    result = section_chain(args.layers, args.steps)
    section_torch(result["clipped"])
    plain, clipped = result["plain"], result["clipped"]
    expected = math.sqrt(args.layers) * (W0 ** args.layers - 1) * W0 ** args.layers / W0
    first_ok = relative_error(plain["norms"][0], expected) <= 1e-12
    torch_ok = clipped["torch_error"] <= CLIP_REL_TOL
    finite_ok = clipped["first_nonfinite"] is None
    ok = first_ok and torch_ok and finite_ok
    print(heading(_("Checks")))
    say(" ".join([
        _("Compared: the first gradient's norm against √L·(1.5ᴸ − 1)·1.5^(L−1) within 1e-12; every clipped gradient "
          "against PyTorch's formula within {tolerance}; every clipped loss against inf and nan (all finite).").format(
            tolerance=f"{CLIP_REL_TOL:g}"),
        _("Skipped: nothing."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    if plain["first_nonfinite"] is not None and finite_ok:
        say(_("The unclipped run went non-finite at step {step}, the clipped one never did.").format(
            step=plain['first_nonfinite']))
    lesson(_("clipping does not make a gradient right, it makes a step safe: when the gradient explodes, a step "
             "of at most lr·θ keeps the weights where the next gradient can still be computed."))
    if args.plot:
        save(args.plot, result)
    return {**result, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
