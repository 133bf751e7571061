"""Initialisation: the all-zero fixed point, symmetry, and the variance that keeps a signal alive.

Sources: Glorot & Bengio, "Understanding the difficulty of training deep
feedforward neural networks" (AISTATS 2010), for the "standard" initialisation
U[−1/√n, 1/√n] against their normalised (Xavier) one; He, Zhang, Ren & Sun,
"Delving deep into rectifiers" (ICCV 2015), for He initialisation and ReLU.

An early layer's gradient is a product of one factor per later layer, so the
weights' starting scale decides whether those factors are near 1.  The demo
prints:

  1. zero initialisation: every W = 0, so the error sent back through Wᵀ is 0
     and every hidden gradient is exactly 0; with balanced labels the output
     layer's gradient is 0 too and the loss stays at ln 2: the all-zero fixed
     point;
  2. symmetry: with every weight the same non-zero constant the network
     learns, but every unit of a layer computes the same number and gets the
     same gradient, so the units stay identical for ever;
  3. Glorot & Bengio's observation: with U[−1/√n, 1/√n], n·Var(W) = 1/3 and a
     tanh layer shrinks the signal's variance (and the gradient's) by about 1/3;
     Xavier's Var(W) = 2/(n_in + n_out) keeps it;
  4. He against Xavier in a bias-free ReLU net of 30 layers: with Var(W) = 1/n
     each layer halves the signal's second moment (2⁻²⁹ over 29 layers); He's
     Var(W) = 2/n keeps it.

    python demos/initialisation.py [--seed 0] [--relu-depth 30] [--relu-width 32] [--plot init.png]
"""

from __future__ import annotations

import math
import random
from functools import partial

import _common  # the repository root onto sys.path: runs from a fresh clone
import _task
from _common import chart, error_text, format_number, heading, lesson, opening, relative_error, say, table
from _i18n import N_, _, ngettext
from _task import LN2, N_IN

from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.nn import init

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]
CONSTANT = 0.3  # section 2's constant weight
GLOROT = {N_("standard U[−1/√n, 1/√n]"): "standard_uniform", N_("normalised (Xavier) uniform"): "xavier_uniform"}


# ---------------------------------------------------------------------------
# 1. Zero initialisation: the all-zero fixed point
# ---------------------------------------------------------------------------

def zero_run(activation: str, X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float) -> dict:
    """SGD from every weight and bias 0; the largest hidden gradient, the output bias's, and the losses."""
    model = nn.MLP([N_IN] + [width] * (depth - 1) + [1], activation=activation, init="zeros")
    optimizer = nn.SGD(model.parameters(), lr=lr)
    losses, hidden_max, output_bias = [], 0.0, 0.0
    for _repeat in range(steps + 1):
        optimizer.zero_grad()
        loss = _task.loss_of(model, X, Y)
        loss.backward()
        losses.append(loss.item())
        hidden = [abs(g) for lin in model.linears[:-1] for p in (lin.weight, lin.bias) for row in p.grad for g in row]
        hidden_max = max([hidden_max] + hidden)
        output_bias = max(output_bias, abs(model.linears[-1].bias.grad[0][0]))
        optimizer.step()
    return {"losses": losses[:-1] if steps else losses, "hidden_max": hidden_max, "output_bias": output_bias}


def section_zeros(X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float) -> dict:
    print(heading(_("1. Zero initialisation: the all-zero fixed point ({depth} layers of {width})").format(
        depth=depth, width=width)))
    say(_("Every weight and bias 0. The error a layer sends back is (Wˡ⁺¹)ᵀδˡ⁺¹, and Wˡ⁺¹ = 0, so every hidden "
          "layer's gradient is exactly 0: no hidden weight or bias can move. The output is the logit 0 for every "
          "example, σ(0) = 1/2; with balanced labels the output bias's gradient mean(1/2 − y) is 0, and the "
          "output weights' mean((1/2 − y)·h) is 0 too, because every example's hidden layer h is the same f(0). "
          "Nothing moves, and the cross-entropy stays at −ln(1/2) = ln 2."))
    rows, result = [], {}
    for activation in ACTIVATIONS:
        run = zero_run(activation, X, Y, depth, width, steps, lr)
        result[activation] = run
        rows.append([activation, repr(run["losses"][0]), format_number(run["hidden_max"], flag=False),
                     format_number(run["output_bias"], flag=False), repr(run["losses"][-1]),
                     _("yes") if len(set(run["losses"])) == 1 else _("NO")])
    print(table([_("activation"), _("loss at start"), _("max |hidden gradient|"), "max |∂L/∂bᴰ|",
                 ngettext("loss after {steps} SGD step", "loss after {steps} SGD steps", steps).format(steps=steps),
                 _("unchanged")], rows))
    print()
    first = result[ACTIVATIONS[0]]["losses"][0]
    if first == LN2:
        say(_("ln 2 = {ln2}. The loss is the mean of {count} equal terms softplus(0) = ln 2, and here their sum rounds "
              "exactly: it equals ln 2 to the last bit.").format(ln2=repr(LN2), count=X.shape[0]))
    else:
        say(_("ln 2 = {ln2}. The loss is the mean of {count} equal terms softplus(0) = ln 2; summed one by one they "
              "round to {loss}, {difference} away.").format(ln2=repr(LN2), count=X.shape[0], loss=repr(first),
                                                           difference=format_number(abs(first - LN2), 2)))
    return result


# ---------------------------------------------------------------------------
# 2. Symmetry: any constant initialisation keeps the units identical
# ---------------------------------------------------------------------------

def distinct_units(model) -> list:
    """For each hidden layer, how many different rows (units) its weight matrix has, compared exactly."""
    return [len({tuple(row) for row in lin.weight.data}) for lin in model.linears[:-1]]


def symmetry_run(init_fn, X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float, seed: int) -> dict:
    model = nn.MLP([N_IN] + [width] * (depth - 1) + [1], activation="tanh", init=init_fn,
                   rng=random.Random(f"initialisation symmetry {seed}"))
    optimizer = nn.SGD(model.parameters(), lr=lr)
    before = distinct_units(model)
    losses = []
    for _repeat in range(steps):
        optimizer.zero_grad()
        loss = _task.loss_of(model, X, Y)
        loss.backward()
        losses.append(loss.item())
        optimizer.step()
    return {"before": before, "after": distinct_units(model), "losses": losses}


def section_symmetry(X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float, seed: int) -> dict:
    print(heading(_("2. Symmetry: every weight {weight} instead of 0 ({depth} tanh layers of {width})").format(
        weight=format_number(CONSTANT), depth=depth, width=width)))
    say(_("With every weight the same constant (not 0) the signal and the gradient flow, so the network "
          "learns. But every unit of a layer sums the same inputs with the same weights, computes the same "
          "number, receives the same gradient and takes the same step: the units stay identical for ever, "
          "compared here bit for bit. Random weights break the symmetry."))
    runs = {N_("constant"): symmetry_run(partial(init.constant, c=CONSTANT), X, Y, depth, width, steps, lr, seed),
            N_("Xavier (random)"): symmetry_run(init.xavier_normal, X, Y, depth, width, steps, lr, seed)}
    rows = [[_(name), " ".join(map(str, r["before"])), " ".join(map(str, r["after"])),
             format_number(r["losses"][0], 3), format_number(r["losses"][-1], 3)] for name, r in runs.items()]
    print(table([_("weights"), _("distinct units per hidden layer, at start"),
                 ngettext("after {steps} SGD step", "after {steps} SGD steps", steps).format(steps=steps),
                 _("loss at start"), _("loss at the end")], rows))
    print()
    constant = runs["constant"]
    if all(k == 1 for k in constant["after"]):
        say(_("The constant network's loss went from {start} to {end}, yet each hidden layer is still one unit copied "
              "{width} times: it computes what a network of width 1 computes, whatever its width.").format(
            start=format_number(constant['losses'][0], 3), end=format_number(constant['losses'][-1], 3), width=width))
    else:
        say(ngettext("The constant network's units are no longer identical after {steps} step ({counts} distinct): "
                     "rounding broke the symmetry here.",
                     "The constant network's units are no longer identical after {steps} steps ({counts} distinct): "
                     "rounding broke the symmetry here.", steps).format(
            steps=steps, counts=", ".join(map(str, constant['after']))))
    return runs


# ---------------------------------------------------------------------------
# 3. Glorot & Bengio: the standard initialisation against the normalised one
# ---------------------------------------------------------------------------

def glorot_profile(name: str, depth: int, width: int, batch: int, seed: int) -> dict:
    """Var(aˡ) going forward and ‖δˡ‖² going back through bias-free tanh layers, width × width."""
    rng = random.Random(f"initialisation glorot {seed}")
    X = Matrix([[rng.gauss(0.0, 1.0) for _ in range(width)] for _ in range(batch)], requires_grad=False)
    layers = [nn.Linear(width, width, init=name, rng=random.Random(f"glorot {name} {seed} {l}"), bias=False)
              for l in range(depth)]
    a, zs, activations = X, [], []
    for layer in layers:
        z = layer(a)
        zs.append(z)
        a = z.tanh()
        activations.append(a)
    probe = Matrix([[rng.gauss(0.0, 1.0) for _ in range(width)] for _ in range(batch)], requires_grad=False)
    grads = (activations[-1] * probe).sum().gradients(zs)  # a random upstream gradient at the top
    variance = [second_moment(x.data) for x in activations]
    backward = [second_moment(g.data) for g in grads]
    slope = [second_moment([[1 - v * v for v in row] for row in x.data]) for x in activations]  # mean tanh′²
    n_var = width * (1 / (3 * width) if name == "standard_uniform" else 2 / (2 * width))
    return {"variance": variance, "backward": backward, "slope": slope, "n_var": n_var}


def second_moment(rows: list) -> float:
    return math.fsum(v * v for row in rows for v in row) / (len(rows) * len(rows[0]))


def section_glorot(depth: int, width: int, batch: int, seed: int) -> dict:
    print(heading(_("3. Glorot & Bengio: U[−1/√n, 1/√n] against Xavier, {depth} tanh layers of width {width}").format(
        depth=depth, width=width)))
    say(_("Each layer multiplies the signal's second moment by n·Var(W)·E[tanh′(z)²], and the gradient's going "
          "back by the same. The standard U[−1/√n, 1/√n] has Var(W) = 1/(3n), so n·Var(W) = 1/3: once the "
          "signal is small, where tanh′ ≈ 1, each layer shrinks it by 1/3. Xavier's uniform U[±√(6/(n_in + "
          "n_out))] has n·Var(W) = 1 for square layers: only tanh's own curvature shrinks it. Measured on "
          "{count} inputs from N(0, 1), with a random gradient arriving at the top:").format(count=batch))
    profiles = {label: glorot_profile(name, depth, width, batch, seed) for label, name in GLOROT.items()}
    rows = []
    for l in range(1, depth):
        row = [l + 1]
        for p in profiles.values():
            forward = p["variance"][l] / p["variance"][l - 1]
            back = p["backward"][l - 1] / p["backward"][l]
            row += [format_number(forward, 3), format_number(p["n_var"] * p["slope"][l], 3), format_number(back, 3)]
        rows.append(row)
    # TRANSLATORS: "forward", "closed" and "back" name the columns of the table below ("standard: forward"…).
    say(_("forward: E[(aˡ)²] ÷ E[(aˡ⁻¹)²]; closed: n·Var(W)·mean tanh′(zˡ)², its mean-field value; back: "
          "‖δˡ⁻¹‖² ÷ ‖δˡ‖², what one layer does to the gradient going back."))
    print(table([_("layer l"), _("standard: forward"), _("standard: closed"), _("standard: back"), _("Xavier: forward"),
                 _("Xavier: closed"), _("Xavier: back")], rows))
    print()
    standard, xavier = (profiles[label] for label in GLOROT)
    last_forward = standard["variance"][-1] / standard["variance"][-2]
    say(_("With the standard initialisation the signal's second moment is {standard} at layer {depth}, each layer "
          "multiplying it by {factor} at the end (closed form 1/3 once tanh′ ≈ 1); with Xavier it is {xavier}. Going "
          "back, the gradient's second moment at layer 1 is {standard_back} of what arrived at the top (standard) "
          "against {xavier_back} (Xavier).").format(
        standard=format_number(standard['variance'][-1]), depth=depth, factor=format_number(last_forward, 3),
        xavier=format_number(xavier['variance'][-1]),
        standard_back=format_number(standard['backward'][0] / standard['backward'][-1]),
        xavier_back=format_number(xavier['backward'][0] / xavier['backward'][-1])))
    return profiles


# ---------------------------------------------------------------------------
# 4. He against Xavier in a bias-free ReLU net
# ---------------------------------------------------------------------------

def relu_stack(depth: int, width: int, init_fn, rng: random.Random) -> list:
    """depth − 1 bias-free layers aˡ = relu(Wˡaˡ⁻¹), each width × width: the signal reaching layer depth."""
    return [nn.Linear(width, width, init=init_fn, rng=rng, bias=False) for _ in range(depth - 1)]


def second_moments(layers: list, X: Matrix) -> list:
    """q_l = mean of (aˡ)² over the batch and the units, for l = 0 (the input) … len(layers)."""
    moments = [second_moment(X.data)]
    a = X
    with no_grad():
        for layer in layers:
            a = layer(a).relu()
            moments.append(second_moment(a.data))
    return moments


def he_against_xavier(depth: int, width: int, batch: int, networks: int, seed: int) -> dict:
    """Second moments through independent He and Xavier networks, averaged over ``networks`` of each."""
    data_rng = random.Random(f"remedies relu input {seed}")
    X = Matrix([[data_rng.gauss(0.0, 1.0) for _ in range(width)] for _ in range(batch)], requires_grad=False)
    inits = {"He": init.he_normal, "Xavier": init.xavier_normal}
    profiles = {"He": [], "Xavier": []}
    for k in range(networks):
        for name in profiles:
            rng = random.Random(f"remedies relu {name} {seed} {k}")
            profiles[name].append(second_moments(relu_stack(depth, width, inits[name], rng), X))
    # The same draws for both: Xavier's N(0, 1/n) weights are then He's N(0, 2/n) ones divided by √2.
    he_same = second_moments(relu_stack(depth, width, inits["He"], random.Random(f"same {seed}")), X)
    xavier_same = second_moments(relu_stack(depth, width, inits["Xavier"], random.Random(f"same {seed}")), X)
    # Each layer's factor q_l/q_(l−1): given the layer's input, its expectation is exactly n·Var(W)/2,
    # so the mean over layers and networks estimates it with little noise.  A network whose signal died
    # (a layer with every unit at 0 for every input: a dead ReLU layer) has no factor past that layer.
    factors = {name: [p[l] / p[l - 1] for p in ps for l in range(1, depth) if p[l - 1] > 0]
               for name, ps in profiles.items()}
    mean_factor = {name: math.fsum(f) / len(f) for name, f in factors.items()}
    spread = {name: math.fsum((x - mean_factor[name]) ** 2 for x in f) / max(1, len(f) - 1) / mean_factor[name] ** 2
              for name, f in factors.items()}
    dead = {name: sum(p[-1] == 0 for p in ps) for name, ps in profiles.items()}
    # The signal itself, q_l/q_0, is a product of random factors: its logarithm wanders like a random walk,
    # so we average log₂(q_l/q_0) over the living networks (the typical network, not the rare huge one).
    log2_signal = {name: [_mean_log2([p[l] / p[0] for p in ps if p[l] > 0]) for l in range(depth)]
                   for name, ps in profiles.items()}
    same_ratio = [h / x if x > 0 else math.nan for h, x in zip(he_same, xavier_same)]
    return {"depth": depth, "width": width, "networks": networks, "batch": batch, "profiles": profiles,
            "mean_factor": mean_factor, "relative_variance": spread, "log2_signal": log2_signal,
            "log2_ratio": [h - x for h, x in zip(log2_signal["He"], log2_signal["Xavier"])],
            "same_ratio": same_ratio, "dead": dead}


def _mean_log2(values: list) -> float:
    return math.fsum(math.log2(v) for v in values) / len(values) if values else math.nan


def power_text(log2: float) -> str:
    """2 to a power for the table; 'all dead' where no network's signal is left to average."""
    return _("all dead") if math.isnan(log2) else f"2^{log2:+.2f}"


def section_he_xavier(r: dict) -> None:
    depth, width, networks = r["depth"], r["width"], r["networks"]
    last = depth - 1
    print(heading(ngettext("4. He against Xavier: {layers} bias-free ReLU layer of width {width}",
                           "4. He against Xavier: {layers} bias-free ReLU layers of width {width}", last).format(
        layers=last, width=width)))
    say(ngettext("aˡ = relu(Wˡaˡ⁻¹), no biases. A unit sums n terms: E[(zˡ)²] = n·Var(W)·E[(aˡ⁻¹)²], and relu keeps "
                 "the positive half: E[(aˡ)²] = E[(zˡ)²]/2. So each layer multiplies the second moment q_l = E[(aˡ)²] "
                 "by n·Var(W)/2: Xavier's Var = 2/(n + n) = 1/n halves it, He's 2/n keeps it. Over l layers: q_l/q_0 = "
                 "2⁻ˡ (Xavier), 1 (He). Measured on {networks} independent network of each, {batch} Gaussian inputs:",
                 "aˡ = relu(Wˡaˡ⁻¹), no biases. A unit sums n terms: E[(zˡ)²] = n·Var(W)·E[(aˡ⁻¹)²], and relu keeps "
                 "the positive half: E[(aˡ)²] = E[(zˡ)²]/2. So each layer multiplies the second moment q_l = E[(aˡ)²] "
                 "by n·Var(W)/2: Xavier's Var = 2/(n + n) = 1/n halves it, He's 2/n keeps it. Over l layers: q_l/q_0 = "
                 "2⁻ˡ (Xavier), 1 (He). Measured on {networks} independent networks of each, {batch} Gaussian inputs:",
                 networks).format(networks=networks, batch=r['batch']))
    shown = sorted({l for l in (1, 2, 3, last // 4, last // 2, 3 * last // 4, last) if 0 < l <= last})
    rows = []
    for l in shown:
        he, xavier, ratio_ = r["log2_signal"]["He"][l], r["log2_signal"]["Xavier"][l], r["log2_ratio"][l]
        rows.append([l, power_text(he), power_text(xavier), f"2^-{l}", power_text(ratio_), f"2^{l}"])
    print(table([_("layer l"), "He q_l/q_0", "Xavier q_l/q_0", _("closed 2⁻ˡ"), "He/Xavier", _("closed 2ˡ")], rows))
    print()
    series = {"He": [2.0 ** v for v in r["log2_signal"]["He"]],
              "Xavier": [2.0 ** v for v in r["log2_signal"]["Xavier"]],
              _("closed form 2⁻ˡ"): [2.0 ** -l for l in range(depth)]}
    print(chart(series, 0, last, _("layer l"), log=True,
                title=_("q_l/q_0 per layer, the geometric mean over the networks")))
    factor = r["mean_factor"]
    same = r["same_ratio"][last]
    he_last, xavier_last = r["log2_signal"]["He"][last], r["log2_signal"]["Xavier"][last]
    say(_("Each layer's factor q_l/q_(l−1), averaged over the {layers} layers and {networks} networks: He {he}, "
          "Xavier {xavier} (closed forms 1 and 1/2).").format(layers=last, networks=networks,
                                                            he=format_number(factor['He'], 3),
                                                            xavier=format_number(factor['Xavier'], 3)))
    if math.isfinite(he_last) and math.isfinite(xavier_last):
        say(_("At layer {layer} Xavier has left {xavier} of the signal and He {he}.").format(
            layer=last, xavier=f"2^{xavier_last:+.1f}", he=f"2^{he_last:+.1f}"))
    if math.isfinite(he_last) and math.isfinite(xavier_last) and last * networks >= 2:
        drift = -last * r["relative_variance"]["He"] / (2 * math.log(2))
        say(_("He's loss is the price of a finite width: each factor is random (relative variance v = {variance} at "
              "width {width}), and the logarithm of a product of random factors of mean 1 drifts down by about "
              "v/(2 ln 2) per layer in log₂: {drift} over {layers} layers. The factor 2 per layer between the two is "
              "not random: He/Xavier = {ratio}, closed form {closed} (the networks are independent, so each also "
              "wanders on its own).").format(
            variance=format_number(r['relative_variance']['He'], 2, flag=False), width=width, drift=f"2^{drift:+.1f}",
            layers=last, ratio=f"2^{r['log2_ratio'][last]:+.1f}", closed=f"2^{last}"))
    if any(r["dead"].values()):
        say(_("Networks whose signal died on the way (a ReLU layer at 0 for every input, demos/dying_relu.py): He {he}, "
              "Xavier {xavier} of {networks}; the averages above are over the living ones.").format(
            he=r['dead']['He'], xavier=r['dead']['Xavier'], networks=networks))
    if math.isnan(same):
        say(_("With the same random draws both networks died at the same layer (relu(c·z) = c·relu(z)): no ratio to "
              "show."))
        return
    say(_("With the same random draws for both, Xavier's weights are exactly He's divided by √2, and relu(c·z) = "
          "c·relu(z) for c > 0, so the ratio is exactly 2ˡ: at layer {layer}, {ratio} against {power} = {closed} "
          "(relative error {error}).").format(layer=last, ratio=format_number(same), power=f"2^{last}",
                                              closed=format_number(2.0 ** last),
                                              error=error_text(relative_error(same, 2.0 ** last))))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def save(path: str, glorot: dict, he: dict) -> None:
    panel_glorot = {}
    for label, p in glorot.items():
        layers = list(range(1, len(p["variance"]) + 1))
        panel_glorot[f"{_(label)}: E[(aˡ)²]"] = (layers, p["variance"])
    standard = glorot[next(iter(glorot))]["variance"]
    panel_glorot[_("× 1/3 per layer")] = (list(range(1, len(standard) + 1)),
                                          [standard[0] / 3 ** l for l in range(len(standard))], "k--")
    layers = list(range(he["depth"]))
    panel_he = {"He": (layers, [2.0 ** v for v in he["log2_signal"]["He"]]),
                "Xavier": (layers, [2.0 ** v for v in he["log2_signal"]["Xavier"]]),
                "2⁻ˡ": (layers, [2.0 ** -l for l in layers], "k--")}
    _common.save_figure(path, [
        (_("tanh: standard against Xavier (Glorot & Bengio)"), panel_glorot, True, _("layer l"), "E[(aˡ)²]"),
        (_("ReLU: He against Xavier"), panel_he, True, _("layer l"), "q_l/q_0"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--batch", type=_common.whole_number(2, 256), default=16,
                   help=_("examples of sections 1 and 2, an even number from 2 to 256 (default 16)"))
    p.add_argument("--steps", type=_common.whole_number(1, 1000), default=50,
                   help=_("SGD steps of sections 1 and 2, 1 to 1000 (default 50)"))
    p.add_argument("--glorot-depth", type=_common.whole_number(2, 50), default=8,
                   help=_("tanh layers of section 3, 2 to 50 (default 8)"))
    p.add_argument("--glorot-width", type=_common.whole_number(4, 128), default=32,
                   help=_("width of section 3, 4 to 128 (default 32)"))
    p.add_argument("--relu-depth", type=_common.whole_number(2, 100), default=30,
                   help=_("depth of section 4, 2 to 100 (default 30)"))
    p.add_argument("--relu-width", type=_common.whole_number(4, 128), default=32,
                   help=_("width of section 4, 4 to 128 (default 32)"))
    p.add_argument("--networks", type=_common.whole_number(1, 50), default=6,
                   help=_("independent networks averaged in section 4, 1 to 50 (default 6)"))
    args = p.parse_args(argv)
    if args.batch % 2:
        p.error(_("argument --batch: expected an even number (balanced labels), got {batch}").format(batch=args.batch))
    relu = 2 * (args.networks + 1) * args.relu_depth * _common.layer_work(args.relu_width, args.relu_width, 32)
    glorot = 2 * 3 * args.glorot_depth * _common.layer_work(args.glorot_width, args.glorot_width, 64)
    training = 3 * (len(ACTIVATIONS) + 2) * args.steps * 5 * _common.layer_work(8, 8, args.batch)
    _common.refuse_if_too_big(p, relu + glorot + training, "run")
    opening(_("Initialisation: zeros, symmetry, and the variance that keeps a signal alive"),
            _("Glorot & Bengio (AISTATS 2010), the standard and the normalised initialisation; He, Zhang, Ren & Sun "
              "(ICCV 2015), He initialisation for ReLU."),
            [_("zero weights: every hidden gradient exactly 0, the loss ln 2 to the last bit, for ever;"),
             _("constant weights: the network learns, but every layer stays one unit copied;"),
             _("U[−1/√n, 1/√n] shrinking a tanh signal by about 1/3 per layer, Xavier keeping it;"),
             _("He keeping a 29-layer ReLU signal, Xavier halving it 29 times (2⁻²⁹).")])
    X, Y, _labels = _task.blobs(args.batch, args.seed)
    zeros = section_zeros(X, Y, 5, 8, args.steps, 0.5)
    symmetry = section_symmetry(X, Y, 3, 8, args.steps, 0.5, args.seed)
    glorot = section_glorot(args.glorot_depth, args.glorot_width, 64, args.seed)
    he = he_against_xavier(args.relu_depth, args.relu_width, 32, args.networks, args.seed)
    section_he_xavier(he)

    zero_ok = all(r["hidden_max"] == 0.0 and r["output_bias"] == 0.0 and len(set(r["losses"])) == 1
                  for r in zeros.values())
    symmetry_ok = (all(k == 1 for k in symmetry["constant"]["after"])
                   and all(k == 8 for k in symmetry["Xavier (random)"]["after"]))
    same = he["same_ratio"][-1]
    same_ok = math.isnan(same) or relative_error(same, 2.0 ** (args.relu_depth - 1)) <= 1e-12
    ok = zero_ok and symmetry_ok and same_ok
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: with zero weights, every hidden gradient and the output bias's gradient against exactly 0, "
                 "and the loss at every step against the first, for {activations} activations; with constant weights, "
                 "the units of each hidden layer against each other, bit for bit, after {steps} step (one distinct "
                 "unit per layer; the random network keeps all 8); with the same draws, He/Xavier at layer {layer} "
                 "against {power} within 1e-12.",
                 "Compared: with zero weights, every hidden gradient and the output bias's gradient against exactly 0, "
                 "and the loss at every step against the first, for {activations} activations; with constant weights, "
                 "the units of each hidden layer against each other, bit for bit, after {steps} steps (one distinct "
                 "unit per layer; the random network keeps all 8); with the same draws, He/Xavier at layer {layer} "
                 "against {power} within 1e-12.", args.steps).format(
            activations=len(zeros), steps=args.steps, layer=args.relu_depth - 1, power=f"2^{args.relu_depth - 1}"),
        _("Skipped: sections 3 and 4's averages over random networks are measurements, shown beside their closed "
          "forms but not held to a tolerance."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("the starting weights decide whether the factors of the gradient's product are near 1. Zero gives "
             "no gradient at all, any constant gives identical units, too small a variance shrinks every layer "
             "(1/3 per tanh layer with U[−1/√n, 1/√n]); Xavier's 2/(n_in + n_out) suits tanh, He's 2/n_in suits "
             "ReLU."))
    if args.plot:
        save(args.plot, glorot, he)
    return {"zeros": zeros, "symmetry": symmetry, "glorot": glorot, "he_xavier": he, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
