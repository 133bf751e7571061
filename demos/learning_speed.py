"""Learning speed per layer: in a deep sigmoid network the early layers learn 4–5× slower per layer.

Sources: Michael Nielsen, *Neural Networks and Deep Learning*, chapter 5
("The vanishing gradient problem"); Glorot & Bengio, "Understanding the
difficulty of training deep feedforward neural networks" (AISTATS 2010).

Nielsen's measure of how fast layer l learns is ‖δˡ‖ = ‖∂C/∂bˡ‖, the size of
the gradient with respect to its biases.  Backpropagation gives

    δˡ = Σ′(zˡ) (Wˡ⁺¹)ᵀ δˡ⁺¹,     Σ′(zˡ) = diag σ′(zˡⱼ),  σ′ ≤ 1/4,

so each layer back multiplies the gradient by a factor Mˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ.
With Nielsen's initialisation (weights N(0, 1/n_in), so n·Var(W) = 1) that
factor shrinks a vector by about √E[σ′(z)²] ≈ 1/4.9: the first hidden layer of
a 4-hidden-layer network learns about 100× slower than the fourth.

Nielsen's setup, which this demo copies on a synthetic task (from his book's
code, not its prose): weights N(0, 1/n_in), biases N(0, 1), sigmoid output
units with the cross-entropy cost (so δᴸ = a − y), the gradient averaged over
the examples (he used the first 1000 MNIST images).

What the demo prints:
  1. ‖δˡ‖ per hidden layer at initialisation for 2, 3 and 4 hidden layers of
     30 sigmoid units on 10-class Gaussian blobs, beside Nielsen's MNIST
     numbers, and the per-layer ratios next to a mean-field estimate (4.88);
  2. the layer anatomy (tinygrad_edu.anatomy): what each factor Mˡ does;
  3. ‖δˡ‖ over a short training run: the early layers stay slow;
  4. Glorot & Bengio's observation: with sigmoid units the top hidden layer's
     mean activation sinks toward 0 early in training and the accuracy stays
     at chance, while tanh units under the same budget learn.

    python demos/learning_speed.py [--seed 0] [--hidden 2 3 4] [--plot speed.png]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, heading, relative_error, say, sup

from tinygrad_edu import nn, ops
from tinygrad_edu.anatomy import layer_anatomy
from tinygrad_edu.data import gaussian_blobs, one_hot, standardise, train_test_split
from tinygrad_edu.losses import binary_cross_entropy_with_logits, cross_entropy
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.nn import train_step
from tinygrad_edu.notation import format_number
from tinygrad_edu.plot import bar_chart, line_chart, sparkline, table

CLASSES = 10  # Nielsen's ten digits; here ten Gaussian blobs
NIELSEN_BATCH = 10  # Nielsen's mini-batch size

#: Nielsen, Neural Networks and Deep Learning, ch. 5: ‖δˡ‖ per hidden layer at initialisation on
#: MNIST, for [784, 30, 30, 10], [784, 30, 30, 30, 10] and [784, 30, 30, 30, 30, 10].
NIELSEN = {
    2: [0.07, 0.31],
    3: [0.012, 0.060, 0.283],
    4: [0.003, 0.017, 0.070, 0.285],
}

# Two routes to the same δˡ (the engine's backward, and the anatomy's explicit product
# Mˡ·δˡ⁺¹ summed in a different order) differ only by rounding: a few ε per layer.
ROUTE_TOL = 1e-10


# ---------------------------------------------------------------------------
# Data and networks
# ---------------------------------------------------------------------------

def blobs(n: int, n_in: int, seed: int) -> tuple:
    """Ten Gaussian blobs in n_in dimensions, standardised; labels 0..9."""
    X, y = gaussian_blobs(n, n_in, CLASSES, rng=random.Random(f"learning_speed data {seed}"))
    return standardise(X), y


def nielsen_network(n_in: int, hidden: int, width: int, seed: int) -> nn.MLP:
    """[n_in, width × hidden, 10] with sigmoid hidden units, weights N(0, 1/n_in), biases N(0, 1).

    The output layer's sigmoid is applied by the cost (cross-entropy from the logits).
    Each network draws from its own generator, so adding a depth changes no other.
    """
    rng = random.Random(f"learning_speed net {seed} {hidden}")
    return nn.MLP([n_in] + [width] * hidden + [CLASSES], activation="sigmoid", init="lecun_normal",
                  bias_init="standard_normal", rng=rng)


def nielsen_cost(m: int):
    """C = (1/m) Σ_x Σⱼ −[yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)], aⱼ = σ(zⱼᴸ): Nielsen's cross-entropy.

    Its gradient with respect to zᴸ is (a − y)/m per example: δᴸ = a − y, averaged.
    """
    def cost(logits: Matrix, targets: Matrix) -> Matrix:
        return binary_cross_entropy_with_logits(logits, targets, reduction="sum") / m
    return cost


def forward_recording(model: nn.MLP, X: Matrix) -> tuple:
    """Run the model layer by layer; return (output, pre-activations z¹…zᴸ, activations a¹…aᴸ⁻¹)."""
    zs, activations = [], []
    a = X
    for layer in model:
        a = layer(a)
        (zs if isinstance(layer, nn.Linear) else activations).append(a)
    return a, zs, activations


def norm(values) -> float:
    return math.hypot(*values)


def column_sums(rows: list) -> list:
    return [math.fsum(column) for column in zip(*rows)]


# ---------------------------------------------------------------------------
# 1 and 2: gradients at initialisation, and their anatomy
# ---------------------------------------------------------------------------

def measure_at_init(X: list, y: list, hidden: int, width: int, seed: int, anatomy_examples: int) -> dict:
    """‖δˡ‖ for every layer of one network, by backward, checked two ways."""
    m, n_in = len(X), len(X[0])
    model = nielsen_network(n_in, hidden, width, seed)
    Xm = Matrix(X, requires_grad=False)
    Y = Matrix(one_hot(y, CLASSES), requires_grad=False)
    out, zs, _ = forward_recording(model, Xm)
    cost = nielsen_cost(m)(out, Y)
    cost.backward()
    deltas = [norm(lin.bias.grad[0]) for lin in model.linears]  # ‖∂C/∂bˡ‖, l = 1 … L

    # Closed form at the output: ∂C/∂bᴸ = mean over the examples of σ(zᴸ) − y.
    sigma = ops.sigmoid.forward
    closed_last = [math.fsum(sigma(z) - t for z, t in zip(column, targets)) / m
                   for column, targets in zip(zip(*out.data), zip(*Y.data))]
    output_error = max(relative_error(g, c) for g, c in zip(model.linears[-1].bias.grad[0], closed_last))

    result = {"hidden": hidden, "model": model, "sizes": model.sizes, "deltas": deltas, "hidden_deltas": deltas[:-1],
              "ratios": [b / a for a, b in zip(deltas[:hidden - 1], deltas[1:hidden])],
              "cost": cost.item(), "output_error": output_error}
    if anatomy_examples:
        result.update(anatomy_of(model, cost, zs, anatomy_examples))
    return result


def anatomy_of(model: nn.MLP, cost: Matrix, zs: list, k: int) -> dict:
    """The layer anatomy on the first k examples, and how far its δˡ is from the engine's.

    layer_anatomy computes δˡ as its own product Mˡ·δˡ⁺¹, example by example; the
    engine's backward gives ∂C/∂Zˡ for every example: summed over the same k rows,
    the two must agree to rounding.
    """
    k = min(k, zs[0].shape[0])
    dZ = cost.gradients(zs)  # ∂C/∂Zˡ per example, each row already carrying its 1/m
    anatomy = layer_anatomy([lin.weight for lin in model.linears], [z.data[:k] for z in zs],
                            dZ[-1].data[:k], "sigmoid")
    route_error = max(relative_error(a, e)
                      for layer, g in zip(anatomy.layers, dZ)
                      for a, e in zip(layer.delta, column_sums(g.data[:k])))
    rms_derivative = [math.sqrt(math.fsum(sigma_prime(v) ** 2 for row in z.data for v in row) /
                                (len(z.data) * len(z.data[0]))) for z in zs]
    return {"anatomy": anatomy, "anatomy_examples": k, "route_error": route_error,
            "rms_derivative": rms_derivative}


def sigma_prime(z: float) -> float:
    """σ′(z) = σ(z)(1 − σ(z)), by the op table's own rule."""
    return ops.sigmoid.derivative(z, ops.sigmoid.forward(z))


def gaussian_mean(f, variance: float, points: int = 2001, reach: float = 10.0) -> float:
    """E[f(z)] for z ~ N(0, variance), by Simpson's rule on ±reach standard deviations."""
    sd = math.sqrt(variance)
    h = 2 * reach / (points - 1)
    total = []
    for i in range(points):
        u = -reach + i * h
        weight = 1 if i in (0, points - 1) else (4 if i % 2 else 2)
        total.append(weight * f(u * sd) * math.exp(-u * u / 2))
    return math.fsum(total) * h / 3 / math.sqrt(2 * math.pi)


def mean_field_factor(bias_variance: float = 1.0, gain: float = 1.0) -> dict:
    """The factor by which one sigmoid layer shrinks δ, in the mean-field picture.

    With weights of variance gain/n and biases of variance σ_b², a unit's
    pre-activation is z = Σⱼ wⱼaⱼ + b, approximately N(0, q) with
    q = σ_b² + gain·E[σ(z)²]: iterate that to its fixed point q*.  Going back,
    ‖δˡ‖² = Σⱼ σ′(zⱼ)² (Σₖ Wₖⱼ δₖ)² ≈ n·E[σ′²]·(gain/n)·‖δˡ⁺¹‖², so each layer
    divides ‖δ‖ by 1/√(gain·E[σ′(z)²]).  For Nielsen's setup (gain 1, σ_b² = 1):
    q* ≈ 1.302, E[σ′²] ≈ 0.0420, a factor ≈ 4.88.
    """
    q = bias_variance + gain * 0.25
    for _ in range(100):
        previous, q = q, bias_variance + gain * gaussian_mean(lambda z: ops.sigmoid.forward(z) ** 2, q)
        if abs(q - previous) < 1e-13:
            break
    second_moment = gaussian_mean(lambda z: sigma_prime(z) ** 2, q)
    return {"q": q, "second_moment": second_moment, "factor": 1 / math.sqrt(gain * second_moment)}


def layer_names(hidden: int) -> list:
    return [f"δ{sup(l)}" for l in range(1, hidden + 1)]


def section_init(results: list, n_in: int, width: int, m: int, mean_field: dict) -> None:
    print(heading("1. ‖δˡ‖ = ‖∂C/∂bˡ‖ per hidden layer at initialisation"))
    say(f"Data: {m} examples of {CLASSES} Gaussian blobs in {n_in} dimensions (standardised). Networks "
        f"[{n_in}, {width}, …, {CLASSES}] set up as Nielsen's: weights N(0, 1/n_in), biases N(0, 1), sigmoid "
        f"units, cross-entropy on sigmoid outputs (δᴸ = a − y), gradient averaged over the {m} examples. "
        "Nielsen's numbers are from Neural Networks and Deep Learning, ch. 5 (MNIST, averaged over 1000 images).")
    deepest = max(r["hidden"] for r in results)
    headers = ["network"] + [f"‖{name}‖" for name in layer_names(deepest)] + ["‖δ¹‖/‖δ of the top hidden‖"]
    rows = []
    for r in results:
        h = r["hidden"]
        pad = [""] * (deepest - h)
        rows.append([str(r["sizes"])] + [format_number(d) for d in r["hidden_deltas"]] + pad
                    + [format_number(r["hidden_deltas"][0] / r["hidden_deltas"][-1])])
        if h in NIELSEN:
            reference = NIELSEN[h]
            rows.append([f"  Nielsen [784, {', '.join(['30'] * h)}, 10]"] + [f"{v:g}" for v in reference] + pad
                        + [format_number(reference[0] / reference[-1])])
    print(table(headers, rows))
    print()
    deepest_result = next(r for r in results if r["hidden"] == deepest)
    labels = [f"‖{name}‖ layer {l}" for l, name in enumerate(layer_names(deepest), start=1)]
    print(bar_chart(labels, deepest_result["hidden_deltas"], log=True, width=40,
                    title=f"{deepest_result['sizes']}: the first layer's gradient is the smallest"))
    print()
    rows = []
    for r in results:
        h = r["hidden"]
        ratios = [format_number(x) for x in r["ratios"]]
        rows.append([str(r["sizes"])] + ratios + [""] * (deepest - h)
                    + [format_number(geometric_mean(r["ratios"])) if r["ratios"] else ""])
    for h, reference in NIELSEN.items():
        if h <= deepest:
            ratios = [b / a for a, b in zip(reference, reference[1:])]
            rows.append([f"  Nielsen, {h} hidden"] + [format_number(x, 3) for x in ratios]
                        + [""] * (deepest - h) + [format_number(geometric_mean(ratios), 3)])
    headers = ["network"] + [f"‖δ{sup(l + 1)}‖/‖δ{sup(l)}‖" for l in range(1, deepest)] + ["geometric mean"]
    print("How much faster each hidden layer learns than the one before it:")
    print(table(headers, rows))
    print()
    say(f"Mean-field estimate: a unit's input z is about N(0, q) with q = 1 + E[σ(z)²] → q* = "
        f"{format_number(mean_field['q'])}; each layer back multiplies ‖δ‖ by √(n·Var(W)·E[σ′(z)²]) = "
        f"√{format_number(mean_field['second_moment'])}, i.e. divides it by {format_number(mean_field['factor'], 3)}. "
        f"σ′ ≤ 1/4 caps the factor at 4; the spread of z (σ′ < 1/4 away from 0) makes it about 4.9.")


def geometric_mean(values: list) -> float:
    return math.exp(math.fsum(math.log(v) for v in values) / len(values))


def section_anatomy(result: dict) -> None:
    anatomy = result["anatomy"]
    k = result["anatomy_examples"]
    print(heading(f"2. The anatomy of {result['sizes']}: what each layer does to δ"))
    say(f"tinygrad_edu.anatomy.layer_anatomy, on the first {k} examples (it forms every factor "
        "Mˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀ, one per example, and finds its largest singular value):")
    print(anatomy)
    print()
    rows = []
    for l, layer in enumerate(anatomy.layers[:-1], start=1):
        predicted = result["rms_derivative"][l - 1]  # n·Var(W) = 1 for N(0, 1/n_in) weights
        rows.append([l, format_number(layer.derivative_mean), format_number(predicted),
                     format_number(layer.gain), format_number(1 / layer.gain)])
    print(table(["layer l", "mean σ′(zˡ)", "√mean σ′(zˡ)², all examples (mean field: the gain)", "measured gain",
                 "1/gain"], rows))
    rms = geometric_mean(result["rms_derivative"][:-1])
    hidden = len(anatomy.layers) - 1
    say(f"Why the ratio is 4–5: Mˡ multiplies δˡ⁺¹ by (Wˡ⁺¹)ᵀ, which keeps its size on average "
        f"(n·Var(W) = 1 for N(0, 1/n)), and by σ′(zˡ), at most 1/4 and here {format_number(rms, 3)} in the "
        f"root-mean-square. So each layer back keeps about {format_number(rms, 3)} of the gradient (it divides it by "
        f"{format_number(1 / rms, 3)}), and {hidden} layers keep {format_number(rms, 3)}{sup(hidden)} ≈ "
        f"1/{format_number(rms ** -hidden, 3)} of it. The anatomy's δˡ (its own product Mˡ·δˡ⁺¹) matches the "
        f"engine's backward within {error_text(result['route_error'])}.")


# ---------------------------------------------------------------------------
# 3: over training
# ---------------------------------------------------------------------------

def hidden_delta_norms(model: nn.MLP, X: Matrix, Y: Matrix) -> tuple:
    """(‖δ¹‖, …, ‖δᴸ⁻¹‖) of the hidden layers, the gradient averaged over all of X, and the cost."""
    model.zero_grad()
    cost = nielsen_cost(X.shape[0])(model(X), Y)
    cost.backward()
    return [norm(lin.bias.grad[0]) for lin in model.linears[:-1]], cost.item()


def train_nielsen(X: list, y: list, hidden: int, width: int, seed: int, steps: int, lr: float,
                  batch: int) -> dict:
    """Nielsen's training: SGD on mini-batches; every few steps, ‖δˡ‖ over the whole data set."""
    m, n_in = len(X), len(X[0])
    model = nielsen_network(n_in, hidden, width, seed)
    targets = one_hot(y, CLASSES)
    X_all, Y_all = Matrix(X, requires_grad=False), Matrix(targets, requires_grad=False)
    optimizer = nn.SGD(model.parameters(), lr=lr)
    order = random.Random(f"learning_speed minibatches {seed}")
    every = max(1, steps // 8)
    measured_at, per_step, costs = [], [], []
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            norms, cost = hidden_delta_norms(model, X_all, Y_all)
            measured_at.append(step)
            per_step.append(norms)
            costs.append(cost)
        if step == steps:
            break
        rows = order.sample(range(m), min(batch, m))
        train_step(model, nielsen_cost(len(rows)), optimizer, Matrix([X[i] for i in rows], requires_grad=False),
                   Matrix([targets[i] for i in rows], requires_grad=False))
    per_layer = [list(column) for column in zip(*per_step)]
    ratios = [last / first for first, last in zip(per_layer[0], per_layer[-1])]
    return {"steps": measured_at, "per_layer": per_layer, "cost": costs, "ratios": ratios,
            "accuracy": nn.accuracy(model, X, y)}


def section_training(run: dict, sizes: list, steps: int, lr: float, batch: int) -> None:
    print(heading(f"3. Over training: {steps} steps of SGD on {sizes}"))
    say(f"Nielsen's training: mini-batches of {batch}, learning rate {format_number(lr, flag=False)}; every "
        f"{run['steps'][1] - run['steps'][0]} steps ‖δˡ‖ is measured on all the examples, as at initialisation.")
    per_layer = run["per_layer"]
    hidden = len(per_layer)
    rows = []
    for k, s in enumerate(run["steps"]):
        rows.append([s] + [format_number(per_layer[l][k]) for l in range(hidden)]
                    + [format_number(run["ratios"][k]), format_number(run["cost"][k])])
    print(table(["step"] + [f"‖{n}‖" for n in layer_names(hidden)] + [f"‖δ{sup(hidden)}‖/‖δ¹‖", "cost"], rows))
    print()
    series = {f"‖{n}‖ layer {l}": per_layer[l - 1] for l, n in enumerate(layer_names(hidden), start=1)}
    print(line_chart(series, log=True, height=10, width=min(45, 5 * len(run["steps"])),
                     title="‖δˡ‖ at each measurement (x axis: measurement number)"))
    ratios = run["ratios"]
    slowest = all(min(column) == column[0] for column in zip(*per_layer))
    verdict = "The first layer stays the slowest all along" if slowest else \
        "The first layer is NOT the slowest at every measurement for this seed"
    say(f"{verdict}: ‖δ{sup(hidden)}‖/‖δ¹‖ goes from "
        f"{format_number(ratios[0])} at the start to between {format_number(min(ratios[1:] or ratios))} and "
        f"{format_number(max(ratios[1:] or ratios))} during training (Nielsen saw the same on MNIST: all the "
        "gradients shrink as training starts, but the order of the layers stays). Training accuracy after "
        f"{steps} steps: {100 * run['accuracy']:.0f}%; a deep sigmoid net set up this way is slow to get going.")


# ---------------------------------------------------------------------------
# 4: Glorot & Bengio's saturation
# ---------------------------------------------------------------------------

def glorot_run(activation: str, X: list, y: list, width: int, hidden: int, seed: int, steps: int,
               lr: float, batch: int, every: int) -> dict:
    """Glorot & Bengio's setup, small: 'standard' init U(−1/√n, 1/√n), zero biases, softmax output,
    SGD on mini-batches.  Records the mean activation of the top hidden layer on held-out data."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.5, rng=random.Random(f"split {seed}"))
    rng = random.Random(f"learning_speed glorot {seed}")  # the same weights' draws for both activations
    model = nn.MLP([len(X[0])] + [width] * hidden + [CLASSES], activation=activation,
                   init="standard_uniform", rng=rng)
    optimizer = nn.SGD(model.parameters(), lr=lr)
    X_eval = Matrix(X_test, requires_grad=False)
    order = random.Random(f"learning_speed batches {seed}")
    steps_seen, top_means = [], []
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            with no_grad():
                _, _, activations = forward_recording(model, X_eval)
            top = activations[-1].data
            steps_seen.append(step)
            top_means.append(math.fsum(v for row in top for v in row) / (len(top) * len(top[0])))
        if step == steps:
            break
        rows = order.sample(range(len(X_train)), batch)
        train_step(model, cross_entropy, optimizer, Matrix([X_train[i] for i in rows], requires_grad=False),
                   [y_train[i] for i in rows])
    return {"activation": activation, "steps": steps_seen, "top_mean": top_means,
            "accuracy": nn.accuracy(model, X_test, y_test)}


def section_glorot(runs: dict, hidden: int, width: int, steps: int, lr: float, batch: int) -> None:
    print(heading("4. Glorot & Bengio (2010): sigmoid's top hidden layer sinks toward 0"))
    say(f"{hidden} hidden layers of {width}, their 'standard' initialisation U(−1/√n, 1/√n) with zero biases, "
        f"softmax output, SGD (lr {format_number(lr, flag=False)}, mini-batches of {batch}) for {steps} steps. "
        f"The mean activation of layer {hidden} (the top hidden layer) on held-out data:")
    sig, tanh = runs["sigmoid"], runs["tanh"]
    rows = [[s, format_number(a, flag=False), format_number(b, flag=False)]
            for s, a, b in zip(sig["steps"], sig["top_mean"], tanh["top_mean"])]
    print(table(["step", "sigmoid: mean a", "tanh: mean a"], rows))
    print()
    print(f"  sigmoid {sparkline(sig['top_mean'])}   tanh {sparkline(tanh['top_mean'])}")
    print()
    chance = 1 / CLASSES
    sank = sig["top_mean"][-1] < 0.5 * sig["top_mean"][0]
    movement = ("is pushed toward 0, where σ′(z) = σ(1 − σ) is small." if sank else
                "has not moved far toward 0 (where σ′(z) = σ(1 − σ) is small) in this budget.")
    say(f"Held-out accuracy after {steps} steps: sigmoid {100 * sig['accuracy']:.1f}%, "
        f"tanh {100 * tanh['accuracy']:.1f}% (chance: {100 * chance:.0f}%). The sigmoid's top layer starts near "
        f"σ(0) = 0.5 and {movement} Glorot & Bengio's explanation: the softmax layer first learns from its "
        "biases, and the quickest way to stop the random W·h from adding noise to its output is to drive h to 0. "
        "Saturated there, the layer passes little gradient back. tanh is symmetric around 0: its units sit "
        "near 0, where tanh′ ≈ 1, not in a flat wing.")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def save(path: str, results: list, run: dict, glorot: dict) -> None:
    by_network = {}
    for r in results:
        layers = list(range(1, r["hidden"] + 1))
        by_network[str(r["sizes"])] = (layers, r["hidden_deltas"])
        if r["hidden"] in NIELSEN:
            by_network[f"Nielsen MNIST, {r['hidden']} hidden"] = (layers, NIELSEN[r["hidden"]], "x--")
    training = {f"layer {l}": (run["steps"], values) for l, values in enumerate(run["per_layer"], start=1)}
    top = {name: (g["steps"], g["top_mean"]) for name, g in glorot.items()}
    _common.save_figure(path, [
        ("‖δˡ‖ at initialisation", by_network, True, "hidden layer l", "‖∂C/∂bˡ‖"),
        ("‖δˡ‖ during training", training, True, "step", "‖∂C/∂bˡ‖"),
        ("top hidden layer: mean activation", top, False, "step", "mean a"),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--hidden", type=_common.positive_int, nargs="+", default=[2, 3, 4],
                   help="numbers of hidden layers to compare (default 2 3 4)")
    p.add_argument("--width", type=_common.positive_int, default=30, help="units per hidden layer (default 30)")
    p.add_argument("--inputs", type=_common.positive_int, default=16, help="input dimensions n_in (default 16)")
    p.add_argument("--examples", type=_common.positive_int, default=200,
                   help="examples the gradient is averaged over (default 200; Nielsen used 1000)")
    p.add_argument("--anatomy-examples", type=_common.positive_int, default=4,
                   help="examples the layer anatomy looks at (default 4)")
    p.add_argument("--steps", type=_common.positive_int, default=200,
                   help="SGD steps on mini-batches of 10 in section 3 (default 200)")
    p.add_argument("--lr", type=_common.finite_float, default=0.5, help="learning rate in section 3 (default 0.5)")
    p.add_argument("--glorot-steps", type=_common.positive_int, default=120,
                   help="SGD steps in section 4 (default 120)")
    args = p.parse_args(argv)
    hidden_list = sorted(set(args.hidden))
    if args.examples < 2:
        p.error("--examples must be at least 2")

    X, y = blobs(args.examples, args.inputs, args.seed)
    mean_field = mean_field_factor()
    results = [measure_at_init(X, y, h, args.width, args.seed, args.anatomy_examples if h == hidden_list[-1] else 0)
               for h in hidden_list]
    deepest = results[-1]
    section_init(results, args.inputs, args.width, args.examples, mean_field)
    section_anatomy(deepest)
    run = train_nielsen(X, y, deepest["hidden"], args.width, args.seed, args.steps, args.lr, NIELSEN_BATCH)
    section_training(run, deepest["sizes"], args.steps, args.lr, NIELSEN_BATCH)

    glorot_hidden, glorot_lr, glorot_batch = 4, 1.0, 10
    X_g, y_g = blobs(400, args.inputs, args.seed + 1)
    every = max(1, args.glorot_steps // 10)
    glorot = {act: glorot_run(act, X_g, y_g, args.width, glorot_hidden, args.seed, args.glorot_steps,
                              glorot_lr, glorot_batch, every) for act in ("sigmoid", "tanh")}
    section_glorot(glorot, glorot_hidden, args.width, args.glorot_steps, glorot_lr, glorot_batch)

    monotone = all(all(a < b for a, b in zip(r["hidden_deltas"], r["hidden_deltas"][1:])) for r in results)
    worst_route = deepest["route_error"]
    worst_output = max(r["output_error"] for r in results)
    ok = worst_route <= ROUTE_TOL and worst_output <= ROUTE_TOL
    print(heading("Checks"))
    say(f"Two routes to δˡ (the engine's backward and the anatomy's product of factors) agree within "
        f"{error_text(worst_route)}; the output layer's ∂C/∂bᴸ matches the closed form mean(σ(zᴸ) − y) within "
        f"{error_text(worst_output)} (tolerance {ROUTE_TOL:g}): {'yes' if ok else 'NO: MISMATCH'}. "
        f"Pattern: ‖δ¹‖ < ‖δ²‖ < … in every network: {'yes' if monotone else 'NO, not for this seed'}.")
    say("Lesson: in a deep sigmoid network each layer back multiplies the gradient by about 1/5, so the early "
        "layers learn orders of magnitude more slowly than the late ones.")
    if args.plot:
        save(args.plot, results, run, glorot)
    return {"results": {r["hidden"]: r for r in results}, "mean_field": mean_field, "training": run,
            "glorot": glorot, "monotone": monotone, "route_error": worst_route, "output_error": worst_output,
            "nielsen": NIELSEN, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
