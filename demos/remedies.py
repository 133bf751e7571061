"""Remedies side by side: initialisation, activation, clipping, batch norm and skip connections.

Sources: Glorot & Bengio (2010) for Xavier initialisation; He, Zhang, Ren & Sun
(2015) for He initialisation and the 30-layer ReLU network; Pascanu, Mikolov &
Bengio (2013) for gradient clipping; Ioffe & Szegedy (2015) for batch
normalisation; He, Zhang, Ren & Sun (2016) for residual connections.

An early layer's gradient is a product of one factor per later layer, so the
cure is whatever keeps those factors near 1.  The demo prints:

  1. zero initialisation: every hidden unit computes the same thing, the hidden
     gradients are exactly 0 and, with balanced labels, the cross-entropy
     stays at ln 2: symmetry is never broken;
  2. a grid, depth (5, 10, 20, 50) × activation (sigmoid, tanh, ReLU, Leaky
     ReLU) × initialisation (zeros, N(0, 1), 0.01·N(0, 1), Xavier, He): the
     ratio ‖δ¹‖/‖δᴰ‖ of the first layer's gradient to the last's, and whether a
     short training run brings the loss below that of the best constant guess;
  3. He against Xavier in a bias-free ReLU net of 30 layers: with Var(W) = 1/n
     each layer halves the signal's second moment (2⁻²⁹ over 29 layers); He's
     Var(W) = 2/n keeps it;
  4. gradient clipping: a 50-layer scalar chain with every w = 1.5 goes
     non-finite at its second SGD step; clipped at norm 1 it converges;
  5. batch normalisation on a deep sigmoid network;
  6. residual connections y = x + F(x), ∂y/∂x = I + ∂F/∂x, at depth 50 and 150.

    python demos/remedies.py [--seed 0] [--depths 5 10 20 50] [--width 8] [--plot remedies.png]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, heading, relative_error, say, sup

from tinygrad_edu import nn
from tinygrad_edu.data import gaussian_blobs, standardise
from tinygrad_edu.jacobian import jacobian
from tinygrad_edu.losses import binary_cross_entropy_with_logits
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.nn import init
from tinygrad_edu.notation import format_number
from tinygrad_edu.plot import line_chart, sparkline, table
from tinygrad_edu.value import Value

LN2 = math.log(2)  # the cross-entropy of the best constant guess, σ = 1/2, on balanced labels
N_IN = 8  # input features of the synthetic task
LEARNS = 0.9 * LN2  # "learns": the loss ends below 90% of the best constant guess's

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]
INITS = {
    "zeros": init.zeros,
    "N(0, 1)": init.standard_normal,
    "0.01·N(0, 1)": lambda n_out, n_in, rng: init.normal(n_out, n_in, rng, std=0.01),
    "Xavier": init.xavier_normal,
    "He": init.he_normal,
}
INIT_VARIANCE = {
    "zeros": "0",
    "N(0, 1)": "1",
    "0.01·N(0, 1)": "10⁻⁴",
    "Xavier": "2/(n_in + n_out)",
    "He": "2/n_in",
}

# Clipping: PyTorch's clip_grad_norm_ scales by min(1, θ/(‖g‖ + 1e-6)); this engine by θ/‖g‖
# (Pascanu's exact rescaling).  They differ by a relative 1e-6/‖g‖ ≤ 1e-6 for ‖g‖ ≥ 1.
TORCH_EPS = 1e-6
CLIP_REL_TOL = 1e-6


# ---------------------------------------------------------------------------
# The task and the networks
# ---------------------------------------------------------------------------

def task(m: int, seed: int) -> tuple:
    """m points of two Gaussian blobs in N_IN dimensions (standardised), labels balanced, as Matrices."""
    X, y = gaussian_blobs(m, N_IN, 2, rng=random.Random(f"remedies data {seed}"))
    X = standardise(X)
    return Matrix(X, requires_grad=False), Matrix([[float(label)] for label in y], requires_grad=False), y


def network(depth: int, width: int, activation: str, init_name: str, seed: int) -> nn.MLP:
    """depth Linear layers: N_IN → width → … → width → 1 logit, biases 0, the given activation between."""
    rng = random.Random(f"remedies net {seed} {depth} {activation} {init_name}")
    return nn.MLP([N_IN] + [width] * (depth - 1) + [1], activation=activation, init=INITS[init_name], rng=rng)


def loss_of_output(logits: Matrix, Y: Matrix) -> Matrix:
    """Binary cross-entropy of σ(logit) against the labels, mean over the batch."""
    return binary_cross_entropy_with_logits(logits, Y)


def loss_of(model, X: Matrix, Y: Matrix) -> Matrix:
    return loss_of_output(model(X), Y)


def flat_norm(rows: list) -> float:
    return math.hypot(*[v for row in rows for v in row])


def forward_recording(model, X: Matrix) -> tuple:
    """The model's output and the pre-activations zˡ (each Linear layer's output), layer by layer."""
    zs, a = [], X
    for layer in model:
        a = layer(a)
        if isinstance(layer, nn.Linear):
            zs.append(a)
    return a, zs


def short_run(model, X: Matrix, Y: Matrix, steps: int, lr: float) -> dict:
    """Gradients at initialisation, then ``steps`` steps of Adam; the losses along the way.

    At the start one backward pass gives both the parameters' gradients and
    δˡ = ∂L/∂zˡ for every example (the rows of ∂L/∂Zˡ).  Its norm over the whole
    batch is the backward signal reaching layer l; the bias gradient ∂L/∂bˡ is its
    sum over the examples, which can cancel (with balanced labels and an output
    that no longer depends on the input it is exactly 0).
    """
    optimizer = nn.Adam(model.parameters(), lr=lr)
    params = model.parameters()
    out, zs = forward_recording(model, X)
    loss = loss_of_output(out, Y)
    grads = loss.gradients(zs + params)
    for p, g in zip(params, grads[len(zs):]):
        p.grad = g.data
    linears = model.linears
    delta_norms = [flat_norm(g.data) for g in grads[:len(zs)]]
    bias_norms = [flat_norm(lin.bias.grad) for lin in linears]
    hidden_max = max(abs(g) for lin in linears[:-1] for p in (lin.weight, lin.bias) for row in p.grad for g in row)
    losses = [loss.item()]
    for _ in range(steps):
        if not math.isfinite(losses[-1]):
            break
        optimizer.step()
        model.zero_grad()
        loss = loss_of(model, X, Y)
        loss.backward()
        losses.append(loss.item())
    return {"delta_norms": delta_norms, "bias_norms": bias_norms, "hidden_max": hidden_max, "losses": losses}


def ratio(first: float, last: float) -> float:
    """first/last: nan for 0/0 (no gradient anywhere)."""
    if last == 0:
        return math.nan if first == 0 else math.inf
    return first / last


def verdict(losses: list) -> str:
    """learns (below 0.9·ln 2), slow (below ln 2), stuck at ln 2, above ln 2, or diverged (inf or nan)."""
    final = losses[-1]
    if not math.isfinite(final):
        return "diverged"
    if final < LEARNS:
        return "learns"
    if abs(final - LN2) <= 0.01:
        return "stuck at ln 2"
    return "slow" if final < LN2 else "above ln 2"


# ---------------------------------------------------------------------------
# 1. Zero initialisation
# ---------------------------------------------------------------------------

def section_zeros(X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float, seed: int) -> dict:
    print(heading(f"1. Zero initialisation: symmetry is never broken ({depth} layers of {width})"))
    say("Every weight and bias 0: every hidden unit of a layer computes the same number, so (Wˡ⁺¹)ᵀδˡ⁺¹ = 0 "
        "and every hidden gradient is exactly 0. The output is the logit 0 for every example, σ(0) = 1/2, "
        "and with balanced labels ∂L/∂bᴰ = mean(1/2 − y) = 0 and ∂L/∂Wᴰ = mean((1/2 − y)·h) = 0 too "
        "(h is the same for every example). The cross-entropy is −ln(1/2) = ln 2 and stays there.")
    rows, result = [], {}
    for activation in ACTIVATIONS:
        run = short_run(network(depth, width, activation, "zeros", seed), X, Y, steps, lr)
        result[activation] = run
        rows.append([activation, repr(run["losses"][0]), format_number(run["hidden_max"], flag=False),
                     format_number(run["bias_norms"][-1], flag=False), repr(run["losses"][-1]),
                     "yes" if all(v == run["losses"][0] for v in run["losses"]) else "NO"])
    print(table(["activation", "loss at start", "max |hidden grad|", "‖∂L/∂bᴰ‖",
                 f"loss after {steps} steps", "unchanged"], rows))
    print()
    say(f"ln 2 = {LN2!r}. The loss is the mean of {X.shape[0]} equal terms softplus(0) = ln 2; the "
        "engine sums them one by one, so it equals ln 2 to the last bit when that sum rounds exactly.")
    return result


# ---------------------------------------------------------------------------
# 2. The grid
# ---------------------------------------------------------------------------

def run_grid(X: Matrix, Y: Matrix, depths: list, width: int, steps: int, lr: float, seed: int) -> dict:
    grid = {}
    for activation in ACTIVATIONS:
        for init_name in INITS:
            for depth in depths:
                run = short_run(network(depth, width, activation, init_name, seed), X, Y, steps, lr)
                run["ratio"] = ratio(run["delta_norms"][0], run["delta_norms"][-1])
                run["verdict"] = verdict(run["losses"])
                grid[(activation, init_name, depth)] = run
    return grid


def ratio_text(run: dict) -> str:
    first, last = run["delta_norms"][0], run["delta_norms"][-1]
    if first == 0 and last == 0:
        return "0/0"
    if first == 0:
        return "exactly 0"
    return format_number(run["ratio"], 2)


def section_grid(grid: dict, depths: list, width: int, batch: int, steps: int, lr: float) -> None:
    print(heading("2. The grid: depth × activation × initialisation"))
    say(f"Networks of D layers (width {width}, biases 0) on {batch} points of two Gaussian blobs in {N_IN} "
        f"dimensions. First: ‖δ¹‖/‖δᴰ‖ at initialisation, with δˡ = ∂L/∂zˡ for every example (the norm over the "
        "batch): how much of the backward signal reaches the first layer (1 is healthy; exactly 0: none). "
        "Weight variances: " + ", ".join(f"{name} {v}" for name, v in INIT_VARIANCE.items()) + ".")
    headers = ["activation", "init"] + [f"D = {d}" for d in depths]
    rows = []
    for activation in ACTIVATIONS:
        for init_name in INITS:
            rows.append([activation, init_name] + [ratio_text(grid[(activation, init_name, d)]) for d in depths])
    print(table(headers, rows))
    print()
    say(f"Then {steps} steps of Adam (lr {format_number(lr, flag=False)}), full batch: the loss at the end, and "
        f"'learns' if it fell below {format_number(LEARNS, 3)} = 0.9·ln 2 (ln 2 is what the best constant guess "
        "scores; a network whose signal died can do no better). A width this small is noisy: read the "
        "pattern, not single cells.")
    rows = []
    for activation in ACTIVATIONS:
        for init_name in INITS:
            cells = []
            for d in depths:
                run = grid[(activation, init_name, d)]
                cells.append(f"{format_number(run['losses'][-1], 3)} {run['verdict']}")
            rows.append([activation, init_name] + cells)
    print(table(headers, rows, align="l" * len(headers)))
    print()
    learns = {init_name: sum(grid[(a, init_name, d)]["verdict"] == "learns" for a in ACTIVATIONS for d in depths)
              for init_name in INITS}
    total = len(ACTIVATIONS) * len(depths)
    say("Cells that learn, per initialisation: " +
        ", ".join(f"{name} {count}/{total}" for name, count in learns.items()) +
        ". Read the rows: with sigmoid the signal reaching layer 1 shrinks with depth at every scale of the "
        "weights; 0.01·N(0, 1) starves every layer; N(0, 1) makes (leaky) ReLU's gradient explode; with zeros "
        "nothing moves. For (leaky) ReLU, Xavier's Var = 1/n loses a factor √2 per layer in this ratio, He's "
        "2/n does not (section 3 shows the forward signal, at a width where the statistics settle).")


# ---------------------------------------------------------------------------
# 3. He against Xavier in a bias-free ReLU net
# ---------------------------------------------------------------------------

def relu_stack(depth: int, width: int, init_fn, rng: random.Random) -> list:
    """depth − 1 bias-free layers aˡ = relu(Wˡaˡ⁻¹), each width × width: the signal reaching layer depth."""
    return [nn.Linear(width, width, init=init_fn, rng=rng, bias=False) for _ in range(depth - 1)]


def second_moments(layers: list, X: Matrix) -> list:
    """q_l = mean of (aˡ)² over the batch and the units, for l = 0 (the input) … len(layers)."""
    def q(rows):
        return math.fsum(v * v for row in rows for v in row) / (len(rows) * len(rows[0]))
    moments = [q(X.data)]
    a = X
    with no_grad():
        for layer in layers:
            a = layer(a).relu()
            moments.append(q(a.data))
    return moments


def he_against_xavier(depth: int, width: int, batch: int, networks: int, seed: int) -> dict:
    """Second moments through independent He and Xavier networks, averaged over ``networks`` of each."""
    data_rng = random.Random(f"remedies relu input {seed}")
    X = Matrix([[data_rng.gauss(0.0, 1.0) for _ in range(width)] for _ in range(batch)], requires_grad=False)
    profiles = {"He": [], "Xavier": []}
    for k in range(networks):
        for name in profiles:
            rng = random.Random(f"remedies relu {name} {seed} {k}")
            profiles[name].append(second_moments(relu_stack(depth, width, INITS[name], rng), X))
    # The same draws for both: Xavier's N(0, 1/n) weights are then He's N(0, 2/n) ones divided by √2.
    he_same = second_moments(relu_stack(depth, width, INITS["He"], random.Random(f"same {seed}")), X)
    xavier_same = second_moments(relu_stack(depth, width, INITS["Xavier"], random.Random(f"same {seed}")), X)
    # Each layer's factor q_l/q_(l−1): given the layer's input, its expectation is exactly n·Var(W)/2,
    # so the mean over layers and networks estimates it with little noise.
    factors = {name: [p[l] / p[l - 1] for p in ps for l in range(1, depth)] for name, ps in profiles.items()}
    mean_factor = {name: math.fsum(f) / len(f) for name, f in factors.items()}
    spread = {name: math.fsum((x - mean_factor[name]) ** 2 for x in f) / max(1, len(f) - 1) / mean_factor[name] ** 2
              for name, f in factors.items()}
    # The signal itself, q_l/q_0, is a product of random factors: its logarithm wanders like a random walk,
    # so we average log₂(q_l/q_0) over the networks (the typical network, not the rare huge one).
    log2_signal = {name: [math.fsum(math.log2(p[l] / p[0]) for p in ps) / networks for l in range(depth)]
                   for name, ps in profiles.items()}
    return {"depth": depth, "width": width, "networks": networks, "profiles": profiles,
            "mean_factor": mean_factor, "relative_variance": spread, "log2_signal": log2_signal,
            "log2_ratio": [h - x for h, x in zip(log2_signal["He"], log2_signal["Xavier"])],
            "same_ratio": [h / x for h, x in zip(he_same, xavier_same)]}


def section_he_xavier(r: dict) -> None:
    depth, width, networks = r["depth"], r["width"], r["networks"]
    last = depth - 1
    print(heading(f"3. He against Xavier: {last} bias-free ReLU layers of width {width}"))
    say("aˡ = relu(Wˡaˡ⁻¹), no biases. A unit sums n terms: E[(zˡ)²] = n·Var(W)·E[(aˡ⁻¹)²], and relu keeps "
        "the positive half: E[(aˡ)²] = E[(zˡ)²]/2. So each layer multiplies the second moment q_l = E[(aˡ)²] by "
        "n·Var(W)/2: Xavier's Var = 2/(n + n) = 1/n halves it, He's 2/n keeps it. Over l layers: "
        f"q_l/q_0 = 2⁻ˡ (Xavier), 1 (He). Measured on {networks} independent networks of each, {32} Gaussian inputs:")
    shown = sorted({1, 2, 3, last // 4, last // 2, 3 * last // 4, last} - {0})
    rows = []
    for l in shown:
        he, xavier, ratio_ = r["log2_signal"]["He"][l], r["log2_signal"]["Xavier"][l], r["log2_ratio"][l]
        rows.append([l, f"2^{he:+.2f}", f"2^{xavier:+.2f}", f"2^-{l}", f"2^{ratio_:+.2f}", f"2^{l}"])
    print(table(["layer l", "He q_l/q_0", "Xavier q_l/q_0", "closed 2⁻ˡ", "He/Xavier", "closed 2ˡ"], rows))
    print()
    series = {"He": [2.0 ** v for v in r["log2_signal"]["He"]],
              "Xavier": [2.0 ** v for v in r["log2_signal"]["Xavier"]],
              "closed form 2⁻ˡ": [2.0 ** -l for l in range(depth)]}
    print(line_chart(series, log=True, height=10, width=min(60, max(depth, 10)),
                     title="q_l/q_0 per layer, the geometric mean over the networks (x axis: layer l)"))
    factor = r["mean_factor"]
    same = r["same_ratio"][last]
    drift = -last * r["relative_variance"]["He"] / (2 * math.log(2))
    say(f"Each layer's factor q_l/q_(l−1), averaged over the {last} layers and {networks} networks: He "
        f"{format_number(factor['He'])}, Xavier {format_number(factor['Xavier'])} (closed forms 1 and 1/2). At layer "
        f"{last} Xavier has starved the signal to 2^{r['log2_signal']['Xavier'][last]:+.1f} of its start and He has "
        f"kept 2^{r['log2_signal']['He'][last]:+.1f}. He's small loss is the price of a finite width: each factor "
        f"is random (relative variance v = {format_number(r['relative_variance']['He'], 2)} at width {width}), and "
        f"the logarithm of a product of random factors of mean 1 drifts down by about v/(2 ln 2) per layer in log₂, "
        f"2^{drift:+.1f} over {last} layers. The factor 2 per layer between the two is not random: He/Xavier = "
        f"2^{r['log2_ratio'][last]:+.1f}, closed form 2^{last} (the networks are independent, so each also wanders "
        "on its own). With the same random draws for both, Xavier's weights "
        "are exactly He's divided by √2 and relu(c·z) = c·relu(z) for c > 0, so the ratio is exactly 2ˡ: at layer "
        f"{last}, {format_number(same)} against 2{sup(last)} = {format_number(2.0 ** last)} (relative error "
        f"{error_text(relative_error(same, 2.0 ** last))}).")


# ---------------------------------------------------------------------------
# 4. Gradient clipping
# ---------------------------------------------------------------------------

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
    """SGD on the chain, optionally clipping the gradient's norm; stops at the first non-finite loss."""
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
    return "exactly 0" if x == 0 else format_number(x)


def section_clipping(layers: int, w0: float, lr: float, steps: int, clip: float) -> dict:
    w_text = format_number(w0, flag=False)
    print(heading(f"4. Gradient clipping: a {layers}-layer scalar chain with every w = {w_text}"))
    say(f"ŷ = w{sup(layers)}⋯w²w¹·x with x = 1, loss (ŷ − 1)²/2, SGD with lr {format_number(lr, flag=False)}. "
        f"At the start ŷ = {format_number(w0, flag=False)}{sup(layers)} = {format_number(w0 ** layers)}, and each "
        f"∂L/∂wⱼ = (ŷ − 1)·ŷ/wⱼ ≈ {format_number((w0 ** layers - 1) * w0 ** layers / w0)}.")
    plain = train_chain(layers, w0, lr, steps, None)
    clipped = train_chain(layers, w0, lr, steps, clip)
    rows = []
    for k in range(min(4, len(plain["losses"]))):
        rows.append([k + 1, format_number(plain["losses"][k]), format_number(plain["norms"][k]),
                     format_number(clipped["losses"][k]), format_number(clipped["norms"][k])])
    print(table(["step", "loss, no clipping", "‖g‖", f"loss, clipped at {format_number(clip, flag=False)}",
                 "‖g‖ before clipping"], rows))
    print()
    say(f"Without clipping the first step moves every w by lr·‖g‖/√{layers} ≈ "
        f"{format_number(lr * plain['norms'][0] / math.sqrt(layers))}, and the next ŷ = (that)^{layers} overflows: "
        f"the loss is {format_number(plain['losses'][-1])} at step {plain['first_nonfinite']}. "
        f"Clipped (g ← θ·g/‖g‖ when ‖g‖ > θ, Pascanu et al. 2013), every step moves the weights by at most "
        f"lr·θ = {format_number(lr * clip, flag=False)}: after {len(clipped['losses'])} steps the loss is "
        f"{loss_text(clipped['losses'][-1])} and every w = {format_number(clipped['weights'][0], 6)} "
        f"(ŷ = 1 needs w = 1).")
    every = max(1, math.ceil(len(clipped["losses"]) / 60))
    print(f"  loss, clipped, every {every} steps (log scale, · = exactly 0): "
          f"{sparkline(clipped['losses'][::every], log=True)}")
    say(f"PyTorch's clip_grad_norm_ multiplies by min(1, θ/(‖g‖ + 1e-6)) instead of θ/‖g‖: the clipped "
        f"gradients agree within {error_text(clipped['torch_error'])} relative (tolerance {CLIP_REL_TOL:g}); "
        f"after clipping ‖g‖ = {format_number(max(clipped['clipped_norms'], default=math.nan), 12)}.")
    return {"plain": plain, "clipped": clipped}


# ---------------------------------------------------------------------------
# 5. Batch normalisation
# ---------------------------------------------------------------------------

def sigmoid_stack(depth: int, width: int, batch_norm: bool, seed: int) -> nn.Sequential:
    """depth Linear layers with sigmoid between (Xavier weights), optionally BatchNorm1d before each sigmoid."""
    rng = random.Random(f"remedies bn {seed} {depth}")  # the same weights with and without batch norm
    layers, n = [], N_IN
    for _ in range(depth - 1):
        layers.append(nn.Linear(n, width, init="xavier_normal", rng=rng))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.Sigmoid())
        n = width
    layers.append(nn.Linear(n, 1, init="xavier_normal", rng=rng))
    return nn.Sequential(*layers)


def linears_of(model) -> list:
    return [layer for layer in model.modules() if isinstance(layer, nn.Linear)]


def gradient_profile(model, X: Matrix, Y: Matrix, steps: int, lr: float) -> dict:
    """‖∂L/∂Wˡ‖ per layer at the start, then a short Adam run."""
    model.zero_grad()
    loss = loss_of(model, X, Y)
    loss.backward()
    linears = linears_of(model)
    weights = [flat_norm(lin.weight.grad) for lin in linears]
    biases = [flat_norm(lin.bias.grad) for lin in linears]
    optimizer = nn.Adam(model.parameters(), lr=lr)
    losses = [loss.item()]
    for _ in range(steps):
        optimizer.step()
        model.zero_grad()
        loss = loss_of(model, X, Y)
        loss.backward()
        losses.append(loss.item())
    return {"weight_norms": weights, "bias_norms": biases, "ratio": ratio(weights[0], weights[-1]),
            "losses": losses, "verdict": verdict(losses)}


def section_batch_norm(X: Matrix, Y: Matrix, depth: int, width: int, steps: int, lr: float, seed: int) -> dict:
    print(heading(f"5. Batch normalisation on a deep sigmoid network ({depth} layers of {width}, Xavier)"))
    say("BatchNorm1d before every sigmoid: each unit's pre-activation is normalised over the batch to mean 0 "
        "and variance 1, (x − μ)/√(σ² + ε), then scaled by γ and shifted by β (Ioffe & Szegedy 2015). The "
        "sigmoid then works near 0, where σ′ is largest, and the backward pass divides by the batch's σ, "
        "undoing the shrinking of the layers below.")
    plain = gradient_profile(sigmoid_stack(depth, width, False, seed), X, Y, steps, lr)
    normed = gradient_profile(sigmoid_stack(depth, width, True, seed), X, Y, steps, lr)
    rows = []
    for name, r in (("plain", plain), ("batch norm", normed)):
        rows.append([name, format_number(r["weight_norms"][0]), format_number(r["weight_norms"][-1]),
                     format_number(r["ratio"]), f"  {sparkline(r['weight_norms'], log=True)}",
                     format_number(r["losses"][0], 3), f"{format_number(r['losses'][-1], 3)} {r['verdict']}"])
    print(table(["network", "‖∂L/∂W¹‖", "‖∂L/∂Wᴰ‖", "first/last", "‖∂L/∂Wˡ‖, l = 1…D",
                 "loss at start", f"after {steps} Adam steps"], rows, align="lrrrlrl"))
    print()
    before_bn = max(normed["bias_norms"][:-1])
    say(f"A side effect you can see: a Linear layer's bias right before batch norm is wasted. Adding a "
        f"constant to a column changes nothing after subtracting the batch mean, so its gradient Σᵢ ∂L/∂xᵢ is "
        f"0: the largest such bias gradient here is {format_number(before_bn)} (rounding), against "
        f"{format_number(max(plain['bias_norms'][:-1]))} without batch norm.")
    return {"plain": plain, "batch_norm": normed, "bias_before_bn": before_bn}


# ---------------------------------------------------------------------------
# 6. Residual connections
# ---------------------------------------------------------------------------

def blocks(depth: int, width: int, seed: int) -> list:
    """depth blocks F(x) = tanh(W·x + b), PyTorch's default init U(−1/√n, 1/√n): the same for both networks."""
    rng = random.Random(f"remedies residual {seed} {depth}")
    return [nn.Sequential(nn.Linear(width, width, rng=rng), nn.Tanh()) for _ in range(depth)]


def stack_gradients(depth: int, width: int, residual: bool, X: Matrix, Y: Matrix, seed: int) -> dict:
    """‖∂L/∂xₗ‖ at the input xₗ of every block, for a plain (xₗ₊₁ = F(xₗ)) or residual
    (xₗ₊₁ = xₗ + F(xₗ)) stack with a linear readout; x₁ is the network's input."""
    fs = blocks(depth, width, seed)
    body = nn.Sequential(*[nn.Residual(f) if residual else f for f in fs])
    readout = nn.Linear(width, 1, rng=random.Random(f"remedies readout {seed}"))
    stream = [Matrix(X.tolist())]  # a leaf: ∂L/∂x₁ is the gradient reaching the input
    for layer in body:
        stream.append(layer(stream[-1]))
    loss = binary_cross_entropy_with_logits(readout(stream[-1]), Y)
    grads = loss.gradients(stream[:-1])
    norms = [flat_norm(g.data) for g in grads]
    return {"stream_norms": norms, "ratio": ratio(norms[0], norms[-1]), "loss": loss.item()}


def residual_identity(width: int, seed: int) -> float:
    """max |∂y/∂x − (I + ∂F/∂x)| for one block y = x + F(x), both Jacobians by reverse mode."""
    block = blocks(1, width, seed)[0]
    x = [[random.Random(f"remedies jacobian {seed}").gauss(0.0, 1.0) for _ in range(width)]]
    J_y = jacobian(nn.Residual(block), x).data
    J_F = jacobian(block, x).data
    return max(abs(J_y[i][j] - ((1.0 if i == j else 0.0) + J_F[i][j])) for i in range(width) for j in range(width))


def section_residual(depths: list, width: int, seed: int) -> dict:
    X, Y, _ = task(16, seed)
    X = Matrix([row[:width] + [0.0] * (width - len(row)) for row in X.data], requires_grad=False)
    print(heading(f"6. Residual connections: y = x + F(x), blocks F(x) = tanh(Wx + b) of width {width}"))
    identity_error = residual_identity(width, seed)
    say(f"One block's Jacobian, by reverse mode: ∂y/∂x − (I + ∂F/∂x) is at most "
        f"{format_number(identity_error, flag=False)} in any entry. Backward through D blocks multiplies D such "
        "factors. Plain, each ∂F/∂x = diag(tanh′)·W with n·Var(W) = 1/3 (PyTorch's default init) shrinks the "
        "gradient; with the identity added the product no longer has to shrink.")
    rows, result = [], {"identity_error": identity_error}
    for depth in depths:
        for residual in (False, True):
            r = stack_gradients(depth, width, residual, X, Y, seed)
            result[(depth, residual)] = r
            every = max(1, math.ceil(depth / 50))
            rows.append([depth, "residual" if residual else "plain", format_number(r["stream_norms"][0]),
                         format_number(r["stream_norms"][-1]), format_number(r["ratio"]),
                         f"  {sparkline(r['stream_norms'][::every], log=True)}"])
    print(table(["D", "network", "‖∂L/∂x₁‖ (input)", "‖∂L/∂x_D‖ (last block)", "first/last",
                 "‖∂L/∂xₗ‖, l = 1…D"], rows, align="rlrrrl"))
    print()
    deepest = max(depths)
    say(f"At D = {deepest} the gradient reaching the input of the plain stack is "
        f"{format_number(result[(deepest, False)]['ratio'])} of the gradient at its last block; with skip connections "
        f"{format_number(result[(deepest, True)]['ratio'])}: the identity path carries it through. This is how "
        "152-layer networks train (He et al. 2016).")
    return result


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def even_int(text: str) -> int:
    n = _common.positive_int(text)
    if n % 2:
        raise _common.argparse.ArgumentTypeError(f"expected an even number (balanced labels), got {n}")
    return n


def save(path: str, grid: dict, depths: list, he: dict, clipping: dict, residual: dict) -> None:
    layers = list(range(he["depth"]))
    panel_he = {"He": (layers, [2.0 ** v for v in he["log2_signal"]["He"]]),
                "Xavier": (layers, [2.0 ** v for v in he["log2_signal"]["Xavier"]]),
                "2⁻ˡ": (layers, [2.0 ** -l for l in layers], "k--")}
    losses = clipping["clipped"]["losses"]
    panel_clip = {"clipped at 1": (list(range(1, len(losses) + 1)), losses)}
    panel_res = {}
    for key, r in residual.items():
        if isinstance(key, tuple):
            depth, res = key
            panel_res[f"D = {depth}, {'residual' if res else 'plain'}"] = (list(range(1, depth + 1)), r["stream_norms"])
    _common.save_figure(path, [
        ("ReLU: signal second moment", panel_he, True, "layer l", "q_l/q_0"),
        ("clipping: the 50-layer chain", panel_clip, True, "step", "loss"),
        ("residual vs plain", panel_res, True, "block l", "‖∂L/∂xₗ‖"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--depths", type=_common.positive_int, nargs="+", default=[5, 10, 20, 50],
                   help="depths of the grid (default 5 10 20 50)")
    p.add_argument("--width", type=_common.positive_int, default=8, help="width of the grid's networks (default 8)")
    p.add_argument("--batch", type=even_int, default=16, help="examples, an even number (default 16)")
    p.add_argument("--steps", type=_common.positive_int, default=6, help="Adam steps of the short runs (default 6)")
    p.add_argument("--lr", type=_common.finite_float, default=0.05, help="Adam's learning rate (default 0.05)")
    p.add_argument("--relu-depth", type=_common.positive_int, default=30, help="depth of section 3 (default 30)")
    p.add_argument("--relu-width", type=_common.positive_int, default=32, help="width of section 3 (default 32)")
    p.add_argument("--networks", type=_common.positive_int, default=6,
                   help="independent networks averaged in section 3 (default 6)")
    p.add_argument("--bn-depth", type=_common.positive_int, default=20, help="depth of section 5 (default 20)")
    p.add_argument("--residual-depths", type=_common.positive_int, nargs="+", default=[50, 150],
                   help="depths of section 6 (default 50 150)")
    p.add_argument("--clip-steps", type=_common.positive_int, default=300,
                   help="SGD steps of the clipped chain (default 300)")
    args = p.parse_args(argv)
    depths = sorted(set(args.depths))
    if min(depths + [args.relu_depth, args.bn_depth]) < 2:
        p.error("every depth must be at least 2 (a hidden layer and the output)")

    X, Y, _ = task(args.batch, args.seed)
    zeros = section_zeros(X, Y, min(depths), args.width, args.steps, args.lr, args.seed)
    grid = run_grid(X, Y, depths, args.width, args.steps, args.lr, args.seed)
    section_grid(grid, depths, args.width, args.batch, args.steps, args.lr)
    he = he_against_xavier(args.relu_depth, args.relu_width, 32, args.networks, args.seed)
    section_he_xavier(he)
    clipping = section_clipping(50, 1.5, 0.02, args.clip_steps, 1.0)
    bn = section_batch_norm(X, Y, args.bn_depth, args.width, 2 * args.steps, args.lr, args.seed)
    residual = section_residual(sorted(set(args.residual_depths)), args.width, args.seed)

    zero_ok = all(r["hidden_max"] == 0.0 and r["bias_norms"][-1] == 0.0 and len(set(r["losses"])) == 1
                  for r in zeros.values())
    same_ok = relative_error(he["same_ratio"][-1], 2.0 ** (args.relu_depth - 1)) <= 1e-12
    clip_ok = (clipping["plain"]["first_nonfinite"] == 2 and clipping["clipped"]["first_nonfinite"] is None
               and clipping["clipped"]["torch_error"] <= CLIP_REL_TOL)
    residual_ok = residual["identity_error"] <= 1e-15
    ok = zero_ok and same_ok and clip_ok and residual_ok
    print(heading("Checks"))
    say(f"Zero init: hidden gradients exactly 0 and the loss unchanged: {'yes' if zero_ok else 'NO'}. "
        f"Same draws, He/Xavier = 2^(D−1) to 1e-12: {'yes' if same_ok else 'NO'}. Clipping: unclipped non-finite at "
        f"step 2, clipped finite, PyTorch's formula within {CLIP_REL_TOL:g}: {'yes' if clip_ok else 'NO'}. "
        f"∂y/∂x = I + ∂F/∂x: {'yes' if residual_ok else 'NO'}. {'All pass.' if ok else 'MISMATCH.'}")
    say("Lesson: keep each layer's factor near 1. Break symmetry with random weights of the right scale "
        "(Xavier for tanh, He for ReLU), avoid saturating units, cap exploding steps by clipping, renormalise "
        "with batch norm, or add the identity with skip connections.")
    if args.plot:
        save(args.plot, grid, depths, he, clipping, residual)
    return {"zeros": zeros, "grid": grid, "he_xavier": he, "clipping": clipping, "batch_norm": bn,
            "residual": residual, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
