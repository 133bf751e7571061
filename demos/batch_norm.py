"""Batch normalisation: its backward pass, worked by hand, and why it rescues a deep sigmoid network.

Source: Ioffe & Szegedy, "Batch normalization: accelerating deep network
training by reducing internal covariate shift" (ICML 2015).  Over a batch of m:

    μ = mean(x),  σ² = mean((x − μ)²),  x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
    ∂L/∂γ = Σ g·x̂,   ∂L/∂β = Σ g,   ∂L/∂x = γ/(m·√(σ² + ε))·(m·g − Σg − x̂·Σ(g·x̂))

with g = ∂L/∂y.  Why it rescues a deep sigmoid stack is easy to get wrong:
not because σ′ gets larger (over z ~ N(0, 1) the RMS of σ′ is still 0.212, a
4.7× shrink per layer, and a plain stack's σ′ is larger still) but because the
next layer divides by the batch standard deviation of its input, about 0.208
for σ(N(0, 1)): the per-layer gain is 0.212/0.208 ≈ 1.02.

    python demos/batch_norm.py [--seed 0] [--depth 20] [--width 8] [--plot bn.png]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
import _task
from _common import error_text, format_number, heading, lesson, opening, relative_error, say, table
from _i18n import _, ngettext
from _task import LN2, N_IN

from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.plot import sparkline

X_EXAMPLE = [1.0, 2.0, 3.0, 4.0]
G_EXAMPLE = [0.1, -0.2, 0.3, 0.4]
#: The source's answer: dx = [0.32, −0.56, 0.16, 0.08]/√5 (γ = 1, β = 0, ε = 0).
DX_EXAMPLE = [v / math.sqrt(5) for v in (0.32, -0.56, 0.16, 0.08)]
# A handful of roundings on numbers of size 1; the last entry, 0.08/√5, is what is left of 1.0 − 0.84,
# so it carries ten times the rounding of its terms: 1e-14 relative.  The sums are compared absolutely.
EXAMPLE_TOL = 1e-14
SUM_TOL = 1e-15
QUADRATURE_POINTS = 20_001  # the trapezoid rule on [−12, 12]: error far below the digits printed


# ---------------------------------------------------------------------------
# 1. The backward pass on four numbers
# ---------------------------------------------------------------------------

def section_example() -> dict:
    print(heading(_("1. The backward pass on x = [1, 2, 3, 4], g = [0.1, −0.2, 0.3, 0.4], γ = 1, β = 0, ε = 0")))
    x = Matrix([[v] for v in X_EXAMPLE])
    bn = nn.BatchNorm1d(1, eps=0.0)
    y = bn(x)
    loss = (y * Matrix([[v] for v in G_EXAMPLE], requires_grad=False)).sum()  # ∂loss/∂y = g
    loss.backward()
    engine = [row[0] for row in x.grad]
    closed, dgamma, dbeta = nn.batch_norm_backward([[v] for v in X_EXAMPLE], [1.0], [[v] for v in G_EXAMPLE], 0.0)
    closed = [row[0] for row in closed]
    x_hat = [row[0] for row in y.data]
    say(_("μ = 2.5, σ² = 1.25 = 5/4, so x̂ = (x − 2.5)/(√5/2) = [−3, −1, 1, 3]/√5; Σg = 0.6 and Σg·x̂ = 1.4/√5. "
          "Then ∂L/∂x = (1/(4·√5/2))·(4g − 0.6 − x̂·1.4/√5) = [0.32, −0.56, 0.16, 0.08]/√5."))
    rows = []
    for i in range(4):
        rows.append([i + 1, format_number(X_EXAMPLE[i], flag=False), format_number(x_hat[i], 6),
                     format_number(G_EXAMPLE[i], flag=False), format_number(engine[i], 8),
                     format_number(closed[i], 8), format_number(DX_EXAMPLE[i], 8),
                     error_text(max(relative_error(engine[i], DX_EXAMPLE[i]), relative_error(closed[i], DX_EXAMPLE[i])))])
    print(table(["i", "xᵢ", "x̂ᵢ", "gᵢ", _("∂L/∂xᵢ, backward"), _("the formula"), "[0.32, −0.56, 0.16, 0.08]/√5",
                 _("rel. error")], rows))
    print()
    sum_dx, sum_xhat_dx = math.fsum(engine), math.fsum(a * b for a, b in zip(x_hat, engine))
    say(_("∂L/∂γ = Σg·x̂ = {dgamma} (1.4/√5 = {closed}), ∂L/∂β = Σg = {dbeta}. Two consequences: Σᵢ ∂L/∂xᵢ = {sum} "
          "(shifting every x changes nothing after the mean is subtracted), and, because ε = 0 here, Σᵢ x̂ᵢ·∂L/∂xᵢ = "
          "{weighted} (scaling every x changes nothing either).").format(
        dgamma=format_number(dgamma[0], 8), closed=format_number(1.4 / math.sqrt(5), 8),
        dbeta=format_number(dbeta[0], 8), sum=format_number(sum_dx, 2, flag=False),
        weighted=format_number(sum_xhat_dx, 2, flag=False)))
    error = max(max(relative_error(a, b), relative_error(c, b)) for a, c, b in zip(engine, closed, DX_EXAMPLE))
    return {"engine": engine, "closed": closed, "error": error, "dgamma": dgamma[0], "dbeta": dbeta[0],
            "sum_dx": sum_dx, "sum_xhat_dx": sum_xhat_dx}


# ---------------------------------------------------------------------------
# 2. Why it rescues a sigmoid stack: two numbers
# ---------------------------------------------------------------------------

def gaussian_mean(f, points: int = QUADRATURE_POINTS) -> float:
    """E[f(z)] for z ~ N(0, 1), by the trapezoid rule on [−12, 12] (the tails beyond are below 1e-32)."""
    h = 24 / (points - 1)
    total = 0.0
    for k in range(points):
        z = -12 + k * h
        weight = 0.5 if k in (0, points - 1) else 1.0
        total += weight * f(z) * math.exp(-z * z / 2)
    return total * h / math.sqrt(2 * math.pi)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def section_numbers() -> dict:
    print(heading(_("2. Why it rescues a sigmoid stack: the RMS of σ′ and the standard deviation of σ")))
    rms = math.sqrt(gaussian_mean(lambda z: (sigmoid(z) * (1 - sigmoid(z))) ** 2))
    mean = gaussian_mean(sigmoid)
    std = math.sqrt(gaussian_mean(lambda z: sigmoid(z) ** 2) - mean * mean)
    say(_("Batch norm makes each unit's pre-activation ẑ about N(0, 1) over the batch. Going back through σ the "
          "gradient is multiplied by σ′(ẑ), whose RMS over N(0, 1) is √E[σ′(z)²] = {rms}: a {shrink}× shrink, no "
          "better than σ′ ≤ 1/4 promises. But the next layer's batch norm divides the gradient by the batch standard "
          "deviation of its input, W·a with a = σ(ẑ); a's own standard deviation is {std} for ẑ ~ N(0, 1), and W's "
          "scale cancels between the forward and the backward. The gain per layer is {rms}/{std} = {gain}. (Both by "
          "quadrature, {points} points on [−12, 12].)").format(
        rms=format_number(rms, 4), shrink=format_number(1 / rms, 3), std=format_number(std, 4),
        gain=format_number(rms / std, 4), points=QUADRATURE_POINTS))
    return {"rms_sigma_prime": rms, "std_sigma": std, "gain": rms / std}


# ---------------------------------------------------------------------------
# 3. A deep sigmoid network with and without batch norm
# ---------------------------------------------------------------------------

def sigmoid_stack(depth: int, width: int, batch_norm: bool, seed: int) -> nn.Sequential:
    """depth Linear layers with sigmoid between (Xavier weights), optionally BatchNorm1d before each sigmoid."""
    rng = random.Random(f"remedies bn {seed} {depth}")  # the same weights with and without batch norm
    layers, n = [], N_IN
    for _repeat in range(depth - 1):
        layers.append(nn.Linear(n, width, init="xavier_normal", rng=rng))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.Sigmoid())
        n = width
    layers.append(nn.Linear(n, 1, init="xavier_normal", rng=rng))
    return nn.Sequential(*layers)


def linears_of(model) -> list:
    return [layer for layer in model.modules() if isinstance(layer, nn.Linear)]


def inside(model, X: Matrix) -> dict:
    """Along the stack: the RMS of σ′ at each sigmoid's input, and the batch std of each sigmoid's output."""
    primes, stds = [], []
    a = X
    with no_grad():
        for layer in model:
            before = a
            a = layer(a)
            if isinstance(layer, nn.Sigmoid):
                primes += [s * (1 - s) for row in a.data for s in row]
                for j in range(a.shape[1]):
                    column = [row[j] for row in a.data]
                    mean = math.fsum(column) / len(column)
                    stds.append(math.sqrt(math.fsum((v - mean) ** 2 for v in column) / len(column)))
            del before
    return {"rms_sigma_prime": math.sqrt(math.fsum(p * p for p in primes) / len(primes)),
            "std_sigma": math.fsum(stds) / len(stds)}


def profile(model, X: Matrix, Y: Matrix, steps: int, lr: float) -> dict:
    """‖∂L/∂Wˡ‖ per layer at the start, what happens inside, then plain SGD."""
    model.zero_grad()
    loss = _task.loss_of(model, X, Y)
    loss.backward()
    linears = linears_of(model)
    weights = [_task.flat_norm(lin.weight.grad) for lin in linears]
    biases = [_task.flat_norm(lin.bias.grad) for lin in linears]
    inner = inside(model, X)
    optimizer = nn.SGD(model.parameters(), lr=lr)
    losses = [loss.item()]
    for _repeat in range(steps):
        optimizer.step()
        model.zero_grad()
        loss = _task.loss_of(model, X, Y)
        loss.backward()
        losses.append(loss.item())
    ratio = _task.ratio(weights[0], weights[-1])
    factor = ratio ** (1 / (len(weights) - 1)) if ratio > 0 and math.isfinite(ratio) else math.nan
    return {"weight_norms": weights, "bias_norms": biases, "ratio": ratio, "factor": factor, "losses": losses,
            **inner}


def section_stack(X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float, seed: int,
                  numbers: dict) -> dict:
    print(heading(_("3. A deep sigmoid network ({depth} layers of {width}, Xavier), with and without batch norm").format(
        depth=depth, width=width)))
    say(ngettext("The same weights twice; in the second, BatchNorm1d before every sigmoid (γ = 1, β = 0 at the start). "
                 "Then {steps} step of plain SGD (lr {lr}, full batch of {batch}).",
                 "The same weights twice; in the second, BatchNorm1d before every sigmoid (γ = 1, β = 0 at the start). "
                 "Then {steps} steps of plain SGD (lr {lr}, full batch of {batch}).", steps).format(
        steps=steps, lr=format_number(lr, flag=False), batch=X.shape[0]))
    plain = profile(sigmoid_stack(depth, width, False, seed), X, Y, steps, lr)
    normed = profile(sigmoid_stack(depth, width, True, seed), X, Y, steps, lr)
    rows = []
    for name, r in ((_("plain"), plain), (_("batch norm"), normed)):
        rows.append([name, format_number(r["rms_sigma_prime"], 3), format_number(r["std_sigma"], 3),
                     format_number(r["weight_norms"][0]), format_number(r["weight_norms"][-1]),
                     format_number(r["factor"], 3), f"  {sparkline(r['weight_norms'], log=True)}",
                     format_number(r["losses"][0], 3), format_number(r["losses"][-1], 3)])
    # TRANSLATORS: "per layer" heads a column that the sentence after the table explains.
    print(table([_("network"), _("RMS σ′"), _("batch std of σ"), "‖∂L/∂W¹‖", "‖∂L/∂Wᴰ‖", _("per layer"),
                 _("‖∂L/∂Wˡ‖, l = 1…D"), _("loss at start"),
                 ngettext("after {steps} step", "after {steps} steps", steps).format(steps=steps)],
                rows, align="lrrrrrlrr"))
    print()
    say(_("'per layer': (‖∂L/∂W¹‖/‖∂L/∂Wᴰ‖)^(1/(D − 1)), what one layer back does to the gradient on average."))
    shown = {"plain_rms": format_number(plain['rms_sigma_prime'], 3), "rms": format_number(normed['rms_sigma_prime'], 3),
               "plain_factor": format_number(plain['factor'], 3), "std": format_number(normed['std_sigma'], 3),
               "section_std": format_number(numbers['std_sigma'], 3), "factor": format_number(normed['factor'], 3),
               "gain": format_number(numbers['gain'], 3)}
    if normed["factor"] > plain["factor"] and normed["rms_sigma_prime"] <= plain["rms_sigma_prime"]:
        say(_("The plain network's σ′ is no smaller (RMS {plain_rms} against {rms} with batch norm), yet its gradient "
              "shrinks by {plain_factor} per layer: nothing divides it back up. With batch norm the sigmoids' outputs "
              "have a batch std of {std} (section 2: {section_std}), the division by it cancels σ′'s shrink, and the "
              "gradient keeps {factor} per layer (section 2's mean-field gain: {gain}).").format(**shown))
    else:
        say(_("Per layer: {plain_factor} plain against {factor} with batch norm; RMS σ′ {plain_rms} against {rms}. Here "
              "the two are not as section 2 describes.").format(**shown))
    if normed["losses"][-1] < 0.9 * LN2 <= plain["losses"][-1]:
        say(_("Trained the same way, the plain network stays near ln 2 = {ln2} (the best constant guess), while the "
              "normalised one falls to {loss}.").format(ln2=format_number(LN2, 4),
                                                        loss=format_number(normed['losses'][-1], 3)))
    before_bn = max(normed["bias_norms"][:-1])
    say(_("A side effect: a Linear layer's bias right before batch norm is wasted. Adding a constant to a column "
          "changes nothing after the batch mean is subtracted, so its gradient Σᵢ ∂L/∂xᵢ is 0: the largest such bias "
          "gradient here is {largest} (rounding), against {plain} without batch norm.").format(
        largest=format_number(before_bn), plain=format_number(max(plain['bias_norms'][:-1]))))
    return {"plain": plain, "batch_norm": normed, "bias_before_bn": before_bn}


def save(path: str, stack: dict) -> None:
    plain, normed = stack["plain"], stack["batch_norm"]
    layers = list(range(1, len(plain["weight_norms"]) + 1))
    steps = list(range(len(plain["losses"])))
    _common.save_figure(path, [
        (_("‖∂L/∂Wˡ‖ at the start"), {_("plain"): (layers, plain["weight_norms"]),
                                       _("batch norm"): (layers, normed["weight_norms"])}, True, _("layer l"),
         "‖∂L/∂Wˡ‖"),
        (_("training loss (plain SGD)"), {_("plain"): (steps, plain["losses"]), _("batch norm"): (steps, normed["losses"]),
                                          _("ln 2 (best constant guess)"): (steps, [LN2] * len(steps), "k--")},
         False, _("step"), _("loss")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--depth", type=_common.whole_number(3, 60), default=20, help=_("layers, 3 to 60 (default 20)"))
    p.add_argument("--width", type=_common.whole_number(2, 64), default=8, help=_("width, 2 to 64 (default 8)"))
    p.add_argument("--batch", type=_common.whole_number(4, 128), default=16,
                   help=_("examples, an even number from 4 to 128 (default 16)"))
    p.add_argument("--steps", type=_common.whole_number(1, 1000), default=40,
                   help=_("SGD steps, 1 to 1000 (default 40)"))
    args = p.parse_args(argv)
    if args.batch % 2:
        p.error(_("argument --batch: expected an even number (balanced labels), got {batch}").format(batch=args.batch))
    per_layer = _common.layer_work(args.width, args.width, args.batch) + 10 * _common.NODE  # batch norm: ~10 ops
    _common.refuse_if_too_big(p, 2 * 3 * (args.steps + 1) * args.depth * per_layer, "run")
    opening(_("Batch normalisation: the backward pass, and why it rescues a deep sigmoid network"),
            _("Ioffe & Szegedy (ICML 2015)."),
            [_("∂L/∂x on four numbers: [0.32, −0.56, 0.16, 0.08]/√5, by the engine and by the formula;"),
             _("RMS σ′ = 0.212 and std σ = 0.208: the gain per layer is their ratio, 1.02, not a bigger σ′;"),
             _("a 20-layer sigmoid network whose gradient vanishes, and the same network with batch norm keeping it.")])
    example = section_example()
    numbers = section_numbers()
    X, Y, _labels = _task.blobs(args.batch, args.seed)
    stack = section_stack(X, Y, args.depth, args.width, args.steps, 0.5, args.seed, numbers)

    example_ok = example["error"] <= EXAMPLE_TOL and abs(example["sum_dx"]) <= SUM_TOL \
        and abs(example["sum_xhat_dx"]) <= SUM_TOL
    numbers_ok = (abs(numbers["rms_sigma_prime"] - 0.2117) < 1e-4 and abs(numbers["std_sigma"] - 0.2083) < 1e-4)
    bias_ok = stack["bias_before_bn"] <= 1e-12
    ok = example_ok and numbers_ok and bias_ok
    print(heading(_("Checks")))
    say(" ".join([
        _("Compared: the engine's and the formula's ∂L/∂x with [0.32, −0.56, 0.16, 0.08]/√5 within {tolerance} "
          "relative, and Σ∂L/∂xᵢ and Σx̂ᵢ∂L/∂xᵢ with 0 within {sum_tolerance}; the quadratures with 0.2117 and 0.2083 "
          "(computed independently, to 1e-4); the gradient of every bias right before a batch norm with 0, within "
          "1e-12.").format(tolerance=f"{EXAMPLE_TOL:g}", sum_tolerance=f"{SUM_TOL:g}"),
        _("Skipped: the deep network's gradients and losses are measurements, shown beside section 2's mean-field "
          "numbers."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("batch normalisation divides each layer's signal by its batch standard deviation, and the backward "
             "pass divides the gradient by the same number. That division, about 1/0.208 after a sigmoid, is what "
             "undoes σ′'s 1/4.7 per layer: the sigmoid itself is no kinder."))
    if args.plot:
        save(args.plot, stack)
    return {"example": example, "numbers": numbers, "stack": stack, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
