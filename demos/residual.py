"""Residual connections: y = x + F(x) gives ∂y/∂x = I + ∂F/∂x, so the product no longer has to shrink.

Source: He, Zhang, Ren & Sun, "Deep residual learning for image recognition"
(CVPR 2016), whose 152-layer networks train with skip connections (and batch
normalisation inside every block).

A plain stack of blocks xₗ₊₁ = F(xₗ) sends the gradient back through one
Jacobian ∂F/∂x per block; with F(x) = tanh(Wx + b) and PyTorch's default
init (n·Var(W) = 1/3) each one shrinks it.  A residual stack xₗ₊₁ = xₗ + F(xₗ)
sends it through I + ∂F/∂x instead.  That does not keep it at exactly 1: for
a random W, E‖(I + J)ᵀv‖² = ‖v‖²·(1 + n·Var(W)·E[tanh′²]), so each block adds
a little, and untuned blocks make the gradient grow with depth, a mild
explosion.  Scaling each block down (here its weights by 1/√D, the idea behind
Fixup, Zhang, Dauphin & Ma 2019) keeps the product near 1.

    python demos/residual.py [--seed 0] [--depths 50 150] [--width 8] [--plot residual.png]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
import _task
from _common import error_text, format_number, heading, lesson, opening, say, table
from _i18n import N_, _

from tinygrad_edu import nn
from tinygrad_edu.jacobian import jacobian
from tinygrad_edu.losses import binary_cross_entropy_with_logits
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.plot import sparkline

KINDS = [N_("plain"), N_("residual"), N_("residual, scaled")]  # printed as _(kind)
N_VAR = 1 / 3  # n·Var(W) of U(−1/√n, 1/√n), PyTorch's default


def blocks(depth: int, width: int, seed: int, scale: float = 1.0) -> list:
    """depth blocks F(x) = tanh(W·x + b), PyTorch's default init U(−1/√n, 1/√n), W multiplied by ``scale``.

    The same draws for every kind of stack at one depth.
    """
    rng = random.Random(f"remedies residual {seed} {depth}")
    made = []
    for _repeat in range(depth):
        linear = nn.Linear(width, width, rng=rng)
        linear.weight.data[:] = [[scale * v for v in row] for row in linear.weight.data]
        made.append(nn.Sequential(linear, nn.Tanh()))
    return made


def stack_gradients(depth: int, width: int, kind: str, X: Matrix, Y: Matrix, seed: int) -> dict:
    """‖∂L/∂xₗ‖ at the input xₗ of every block, and E[tanh′²] inside every block."""
    fs = blocks(depth, width, seed, 1 / math.sqrt(depth) if kind == "residual, scaled" else 1.0)
    body = [f if kind == "plain" else nn.Residual(f) for f in fs]
    readout = nn.Linear(width, 1, rng=random.Random(f"remedies readout {seed}"))
    stream = [Matrix(X.tolist())]  # a leaf: ∂L/∂x₁ is the gradient reaching the input
    slopes = []
    rms = lambda m: math.sqrt(math.fsum(v * v for row in m.data for v in row) / (len(m.data) * width))  # noqa: E731
    for block, f in zip(body, fs):
        with no_grad():
            inner = f(stream[-1]).data  # tanh(W·x + b): its slope is 1 − tanh²
        slopes.append(math.fsum((1 - t * t) ** 2 for row in inner for t in row) / (len(inner) * width))
        stream.append(block(stream[-1]))
    loss = binary_cross_entropy_with_logits(readout(stream[-1]), Y)
    norms = [_task.flat_norm(g.data) for g in loss.gradients(stream[:-1])]
    squared = N_VAR * (1 / depth if kind == "residual, scaled" else 1.0)  # n·Var(W) of the block
    # The mean-field factor of each block the gradient passes back through (blocks 1 … D − 1):
    per_block = [math.sqrt((0.0 if kind == "plain" else 1.0) + squared * t) for t in slopes[:-1]]
    return {"stream_norms": norms, "ratio": _task.ratio(norms[0], norms[-1]), "estimate": math.prod(per_block),
            "slopes": slopes, "loss": loss.item(), "stream_rms": [rms(stream[0]), rms(stream[-1])]}


def residual_identity(width: int, seed: int) -> float:
    """max |∂y/∂x − (I + ∂F/∂x)| for one block y = x + F(x), both Jacobians by reverse mode."""
    block = blocks(1, width, seed)[0]
    x = [[random.Random(f"remedies jacobian {seed}").gauss(0.0, 1.0) for _ in range(width)]]
    J_y = jacobian(nn.Residual(block), x).data
    J_F = jacobian(block, x).data
    return max(abs(J_y[i][j] - ((1.0 if i == j else 0.0) + J_F[i][j])) for i in range(width) for j in range(width))


def per_step(value: float, steps: int) -> float:
    return value ** (1 / steps) if value > 0 and math.isfinite(value) and steps > 0 else math.nan


def section_blocks(depths: list, width: int, seed: int) -> dict:
    X, Y, _labels = _task.blobs(16, seed)
    X = Matrix([row[:width] + [0.0] * (width - len(row)) for row in X.data], requires_grad=False)
    identity_error = residual_identity(width, seed)
    print(heading(_("1. Blocks F(x) = tanh(W·x + b) of width {width}: plain, residual, residual scaled by 1/√D").format(
        width=width)))
    if identity_error == 0:
        say(_("One block's Jacobian, by reverse mode: ∂y/∂x and I + ∂F/∂x agree exactly, in every entry."))
    else:
        say(_("One block's Jacobian, by reverse mode: ∂y/∂x and I + ∂F/∂x differ by at most {error} in any "
              "entry.").format(error=error_text(identity_error)))
    say(_("The mean-field estimate of what D − 1 blocks do to the gradient going back, with the measured E[tanh′²] "
          "of each block: Π √(n·Var(W)·E[tanh′²]) plain, Π √(1 + n·Var(W)·E[tanh′²]) residual, n·Var(W) = 1/3 "
          "(1/(3D) scaled)."))
    rows, result = [], {"identity_error": identity_error}
    for depth in depths:
        for kind in KINDS:
            r = stack_gradients(depth, width, kind, X, Y, seed)
            result[(depth, kind)] = r
            every = max(1, math.ceil(depth / 50))
            rows.append([depth, _(kind), format_number(r["ratio"]), format_number(r["estimate"]),
                         format_number(per_step(r["ratio"], depth - 1), 4),
                         format_number(per_step(r["estimate"], depth - 1), 4),
                         f"  {sparkline(r['stream_norms'][::every], log=True)}"])
    # TRANSLATORS: "per block" is the measured ratio per block, "estimated" the estimate's, side by side.
    print(table(["D", _("stack"), "‖∂L/∂x₁‖ ÷ ‖∂L/∂x_D‖", _("estimate"), _("per block"), _("estimated"),
                 _("‖∂L/∂xₗ‖, l = 1…D")], rows, align="rlrrrrl"))
    print()
    deepest = max(depths)
    plain, res, scaled = (result[(deepest, kind)] for kind in KINDS)
    say(_("At D = {depth} the plain stack passes {ratio} of the gradient at its last block back to its input: "
          "{per_block} per block, estimated {estimated} from √(E[tanh′²]/3).").format(
        depth=deepest, ratio=format_number(plain['ratio']), per_block=format_number(per_step(plain['ratio'], deepest - 1), 3),
        estimated=format_number(per_step(plain['estimate'], deepest - 1), 3)))
    if res["ratio"] > 1:
        say(_("The residual stack does not shrink it; it grows it, {ratio}×: a mild explosion, {per_block} per block. "
              "Each block adds ‖Jᵀv‖² ≈ (1/3)·E[tanh′²]·‖v‖² to the squared norm on average, and nothing takes it "
              "away.").format(ratio=format_number(res['ratio'], 3),
                              per_block=format_number(per_step(res['ratio'], deepest - 1), 4)))
        if res["estimate"] > 2 * res["ratio"]:
            say(_("The estimate, {estimate}, is close per block ({per_block}) and too high over the whole stack: the "
                  "typical product of {count} random factors is below the product of their means "
                  "(demos/initialisation.py, section 4, measures that drift).").format(
                estimate=format_number(res['estimate'], 3),
                per_block=format_number(per_step(res['estimate'], deepest - 1), 4), count=deepest - 1))
        else:
            say(_("The estimate, {estimate}, is within a factor 2 of the measurement.").format(
                estimate=format_number(res['estimate'], 3)))
        first, last = res["slopes"][0], res["slopes"][-1]
        if last < first and res["stream_rms"][-1] > res["stream_rms"][0]:
            say(_("What keeps it mild: E[tanh′²] falls from {first} in the first block to {last} in the last, because "
                  "the stream xₗ, to which every block adds, grows (RMS {bottom} at the input, {top} at the top) and "
                  "pushes tanh toward its flat wings.").format(
                first=format_number(first, 3), last=format_number(last, 3),
                bottom=format_number(res['stream_rms'][0], 3), top=format_number(res['stream_rms'][-1], 3)))
    else:
        say(_("The residual stack passes {ratio} of it back (estimate {estimate}).").format(
            ratio=format_number(res['ratio'], 3), estimate=format_number(res['estimate'], 3)))
    say(_("With each block's weights scaled by 1/√D the added term is about 1/(3D)·E[tanh′²] per block, so over the "
          "stack it stays small: the gradient reaching the input is {ratio}× the last block's (estimate {estimate}). "
          "He et al. (2016) keep the blocks in check with batch normalisation inside each; initialisations such as "
          "Fixup scale them down instead.").format(ratio=format_number(scaled['ratio'], 3),
                                                   estimate=format_number(scaled['estimate'], 3)))
    return result


def save(path: str, result: dict, depths: list) -> None:
    deepest = max(depths)
    every = {_(kind): (list(range(1, deepest + 1)), result[(deepest, kind)]["stream_norms"]) for kind in KINDS}
    relative = {}
    for k, depth in enumerate(depths):
        for kind, style in (("residual", "-"), ("residual, scaled", "--")):
            norms = result[(depth, kind)]["stream_norms"]
            relative[f"D = {depth}, {_(kind)}"] = (list(range(1, depth + 1)), [v / norms[-1] for v in norms],
                                                   f"C{k}{style}")
    _common.save_figure(path, [
        (f"‖∂L/∂xₗ‖, D = {deepest}", every, True, _("block l"), "‖∂L/∂xₗ‖"),
        (_("residual stacks: ‖∂L/∂xₗ‖ ÷ ‖∂L/∂x_D‖"), relative, True, _("block l"), _("relative to the last block")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--depths", type=_common.whole_number(2, 500), nargs="+", default=[50, 150],
                   help=_("depths, each 2 to 500 (default 50 150)"))
    p.add_argument("--width", type=_common.whole_number(2, 32), default=8, help=_("width, 2 to 32 (default 8)"))
    args = p.parse_args(argv)
    depths = sorted(set(args.depths))
    _common.at_most(p, depths, 6, "--depths")
    opening(_("Residual connections: ∂y/∂x = I + ∂F/∂x"),
            _("He, Zhang, Ren & Sun (CVPR 2016); Zhang, Dauphin & Ma (ICLR 2019), Fixup."),
            [_("a plain stack of 150 tanh blocks passing back almost nothing;"),
             _("the same blocks with skip connections: no vanishing, but a mild explosion, and why;"),
             _("the blocks scaled by 1/√D: the gradient at the input close to the gradient at the top.")])
    result = section_blocks(depths, args.width, args.seed)
    identity_ok = result["identity_error"] <= 1e-15
    ok = identity_ok
    print(heading(_("Checks")))
    say(" ".join([
        _("Compared: one block's ∂y/∂x, by reverse mode, with I + ∂F/∂x, within 1e-15 in every entry: yes.")
        if identity_ok else
        _("Compared: one block's ∂y/∂x, by reverse mode, with I + ∂F/∂x, within 1e-15 in every entry: NO."),
        _("Skipped: the ratios of the deep stacks are measurements of random networks, shown beside their mean-field "
          "estimates (the tests bound the plain stack's by Π σ_max(W) and the residual one's by Π (1 + σ_max(W)))."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("a skip connection adds the identity to every block's Jacobian, so the product of D of them no longer "
             "has to shrink. It can grow instead, a little per block; residual networks keep each block small "
             "(batch norm inside it, or a scaled initialisation) so that the product stays near 1."))
    if args.plot:
        save(args.plot, result, depths)
    return {"residual": result, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
