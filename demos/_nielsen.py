"""Nielsen's network2, rebuilt on tinygrad_edu: the protocol of his chapter-5 learning-speed experiment.

Facts carried over from his code (src/network2.py and fig/generate_gradient.py in
github.com/mnielsen/neural-networks-and-deep-learning), not the code itself:

* ``network2.Network(sizes)``: sigmoid units in every layer, output layer included; weights
  N(0, 1)/√n_in, biases N(0, 1) (its ``default_weight_initializer``);
* the cross-entropy cost on sigmoid outputs, whose output error is δᴸ = a − y;
* the figure printed per hidden layer: ‖δˡ‖, the norm of ∂C/∂bˡ averaged over the first 1000
  training images, before any training;
* training: ``SGD(images, 1 epoch, mini-batch 1000, η = 0.1, λ = 5.0)`` called 500 times, one
  full-batch step per epoch with L2 weight decay, the norms recorded before each step.

demos/learning_speed.py runs the experiment; this file is the setup it shares with its test.
"""

from __future__ import annotations

import gc
import math
import operator
import random
import sys
import time

import _common  # noqa: F401  (the repository root onto sys.path: runs from a fresh clone)
from _i18n import _

from tinygrad_edu import nn, ops
from tinygrad_edu.data import load_digits, load_mnist
from tinygrad_edu.losses import binary_cross_entropy_with_logits
from tinygrad_edu.matrix import Matrix

#: Nielsen, ch. 5: ‖δˡ‖ per hidden layer at initialisation, one network each, on MNIST
#: ([784, 30, 30, 10], [784, 30, 30, 30, 10], [784, 30, 30, 30, 30, 10]).
NIELSEN = {2: [0.07, 0.31], 3: [0.012, 0.060, 0.283], 4: [0.003, 0.017, 0.070, 0.285]}
EXAMPLES, ETA, LMBDA, EPOCHS = 1000, 0.1, 5.0, 500  # fig/generate_gradient.py
CLASSES = 10


def load_data(examples: int, mnist: str | None) -> tuple:
    """(training images, labels, held-out images, labels, a description): the first ``examples`` images.

    The UCI digits by default; held out are images 1001 to 1797, never trained on whatever ``examples``
    (≤ 1000) is. With ``mnist`` (a folder of IDX files): the first training images, and the first 1000
    test images held out. A missing or broken file raises an error that names it.
    """
    if mnist is None:
        images, labels = load_digits()
        start = max(examples, EXAMPLES)
        return (images[:examples], labels[:examples], images[start:], labels[start:],
                _("the first {count} of the 1797 UCI digits (8×8 pixel counts 0–16, divided by 16); held out: "
                  "images {first} to 1797").format(count=examples, first=start + 1))
    train_images, train_labels, test_images, test_labels = load_mnist(mnist, limit=max(examples, EXAMPLES))
    if len(train_images) < examples:
        raise ValueError(_("--examples {count}: {folder} holds only {found} training images").format(
            count=examples, folder=mnist, found=len(train_images)))
    return (train_images[:examples], train_labels[:examples], test_images, test_labels,
            _("the first {count} MNIST training images ({pixels} grey levels divided by 255); held out: the first "
              "{held_out} test images").format(count=examples, pixels=len(train_images[0]), held_out=len(test_images)))


def nielsen_network(sizes: list, seed: int) -> nn.MLP:
    """network2.Network(sizes): sigmoid layers, weights N(0, 1)/√n_in, biases N(0, 1).

    The output layer's sigmoid is applied by the cost. Each (seed, sizes) has its own generator,
    so the draw of one network never depends on which others were drawn before it.
    """
    return nn.MLP(sizes, activation="sigmoid", init="lecun_normal", bias_init="standard_normal",
                  rng=random.Random(f"learning_speed {seed} {sizes}"))


def nielsen_cost(logits: Matrix, targets: Matrix) -> Matrix:
    """C₀ = (1/n) Σₓ Σⱼ −[yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)], aⱼ = σ(zⱼᴸ): its ∂C₀/∂zᴸ is (a − y)/n."""
    return binary_cross_entropy_with_logits(logits, targets, reduction="sum") / logits.shape[0]


def backward_pass(model: nn.MLP, X: Matrix, Y: Matrix) -> dict:
    """One forward and one backward pass over all of X: ∂C₀/∂bˡ for every layer, and what made it."""
    model.zero_grad()
    zs, activations, a = [], [], X
    for layer in model:
        a = layer(a)
        (zs if isinstance(layer, nn.Linear) else activations).append(a)
    cost = nielsen_cost(a, Y)
    cost.backward()
    deltas = [lin.bias.grad[0] for lin in model.linears]  # δ̄ˡ = ∂C₀/∂bˡ, the average over the images
    return {"norms": [math.hypot(*d) for d in deltas], "deltas": deltas, "zs": zs, "activations": activations,
            "cost": cost.item()}


def nielsen_update(model: nn.MLP, eta: float, lmbda: float, n: int) -> None:
    """network2's update for one batch of all n images: w ← (1 − ηλ/n)·w − η·∂C₀/∂w, b ← b − η·∂C₀/∂b.

    The factor 1 − ηλ/n is the L2 term (λ/2n)·Σw² of the cost at work; biases are not regularised.
    """
    decay = 1 - eta * lmbda / n
    for lin in model.linears:
        lin.weight.data = [[decay * w - eta * g for w, g in zip(row, grad)]
                           for row, grad in zip(lin.weight.data, lin.weight.grad)]
        lin.bias.data = [[b - eta * g for b, g in zip(lin.bias.data[0], lin.bias.grad[0])]]


def sigma_prime(z: float) -> float:
    """σ′(z) = σ(z)(1 − σ(z)), by the op table's own rule."""
    return ops.sigmoid.derivative(z, ops.sigmoid.forward(z))


def network2_backprop(model: nn.MLP, images: list, labels: list) -> list:
    """∂C₀/∂bˡ by network2.backprop's equations, image by image, in plain floats: a second route.

    zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ); δᴸ = aᴸ − y; δˡ = ((Wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ′(zˡ); ∂C₀/∂bˡ = the mean of δˡ.
    """
    weights = [lin.weight.data for lin in model.linears]
    columns = [list(zip(*W)) for W in weights]  # the columns of Wˡ are the rows of (Wˡ)ᵀ
    biases = [lin.bias.data[0] for lin in model.linears]
    sums = [[0.0] * len(b) for b in biases]
    for x, label in zip(images, labels):
        zs, a = [], x
        for W, b in zip(weights, biases):
            zs.append([sum(map(operator.mul, row, a)) + bj for row, bj in zip(W, b)])
            a = [ops.sigmoid.forward(z) for z in zs[-1]]
        delta = [aj - (1.0 if j == label else 0.0) for j, aj in enumerate(a)]
        for l in range(len(weights) - 1, -1, -1):
            sums[l] = [s + d for s, d in zip(sums[l], delta)]
            if l:
                delta = [sum(map(operator.mul, column, delta)) * sigma_prime(z)
                         for column, z in zip(columns[l], zs[l - 1])]
    return [[s / len(images) for s in layer] for layer in sums]


def train(X: Matrix, Y: Matrix, held_out: tuple, sizes: list, seed: int, epochs: int, eta: float,
          lmbda: float) -> dict:
    """generate_gradient.training: every epoch, record ‖δˡ‖ and C₀, then one full-batch update.

    Held-out accuracy is measured every epochs/10 epochs. The network is the same draw as seed
    ``seed`` at initialisation, so epoch 0 repeats that measurement. Training stops early only if
    the cost stops being a finite number.
    """
    model = nielsen_network(sizes, seed)
    every = max(1, epochs // 10)
    norms, costs, accuracy, started, cpu = [], [], {}, time.perf_counter(), time.process_time()
    # The engine's graphs hold no reference cycles (each is freed the moment the next epoch drops
    # it), so Python's cycle collector, which wakes every few hundred new objects and walks them,
    # would find nothing here: switching it off saves about a tenth of the training time
    # (benchmarks/README.md).  It is switched back on below, whatever happens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for epoch in range(epochs + 1):
            run = backward_pass(model, X, Y)
            norms.append(run["norms"][:-1])
            costs.append(run["cost"])
            finished = epoch == epochs or not math.isfinite(run["cost"])
            if epoch % every == 0 or finished:
                accuracy[epoch] = nn.accuracy(model, *held_out)
            if finished:
                break
            nielsen_update(model, eta, lmbda, X.shape[0])
            progress(_("training {network}, epoch").format(network=sizes), epoch + 1, epochs, started)
    finally:
        if collecting:
            gc.enable()
    progress(None)
    return {"sizes": sizes, "norms": norms, "cost": costs, "accuracy": accuracy, "every": every,
            "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


def prior_cost(labels: list) -> float:
    """C₀ of a network that answers the class frequencies pⱼ whatever the image: Σⱼ −[pⱼ ln pⱼ + (1 − pⱼ) ln(1 − pⱼ)]."""
    shares = [labels.count(d) / len(labels) for d in range(CLASSES)]
    return -math.fsum(p * math.log(p) + (1 - p) * math.log(1 - p) for p in shares if 0 < p < 1)


def progress(label: str | None, done: int = 0, total: int = 1, started: float = 0.0) -> None:
    """A progress bar on stderr, only when stderr is a terminal (never in a log or a pipe); None clears it."""
    if not sys.stderr.isatty():
        return
    if label is None:
        sys.stderr.write("\r" + " " * 100 + "\r")
        return
    elapsed, filled = time.perf_counter() - started, round(30 * done / total)
    sys.stderr.write(f"\r{label} {done}/{total} {'█' * filled}{'·' * (30 - filled)} "
                     + _("{elapsed} s, about {left} s left").format(elapsed=f"{elapsed:.0f}",
                                                                    left=f"{elapsed / done * (total - done):.0f}")
                     + " ")
    sys.stderr.flush()
