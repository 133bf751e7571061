"""A learner's typical graph: the gradient of Nielsen's four-neuron sigmoid chain, against PyTorch.

zⱼ = wⱼ·aⱼ₋₁ + bⱼ, aⱼ = σ(zⱼ), C = (a₄ − y)²/2 (Nielsen, *Neural Networks and
Deep Learning*, ch. 5).  One "gradient" is what a learner's script does each
time: build the chain from the eight parameters and ask for ∂C/∂wⱼ and ∂C/∂bⱼ
(``grad(C, params)``, ``torch.autograd.grad(C, params)``).  A graph of about
twenty nodes: per-call overhead, not arithmetic, is what this measures.

Implementations: tinygrad_edu's Value engine; PyTorch on the CPU with one
thread (when installed); and the chain rule written by hand on floats, the
floor.  Target (issue 14): PyTorch's time ÷ ours ≥ 6.  Without PyTorch the
target is skipped with the reason printed (the ratio recorded on this machine
was about 4 before the issue's work).

    python benchmarks/nielsen_chain.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import math
import random

from _harness import skipped_line, target_line, time_blocks

from tinygrad_edu import Value, grad
from tinygrad_edu.plot import table

A0, Y = 0.5, 0.0


def parameters(seed: int = 0) -> tuple[list[float], list[float]]:
    """Weights and biases from N(0, 1), as in Nielsen's example."""
    rng = random.Random(seed)
    return [rng.gauss(0, 1) for _ in range(4)], [rng.gauss(0, 1) for _ in range(4)]


def ours(ws: list[Value], bs: list[Value]) -> list[float]:
    a: Value | float = A0
    for w, b in zip(ws, bs):
        a = (w * a + b).sigmoid()
    cost = (a - Y) ** 2 / 2
    return grad(cost, [*ws, *bs])


def by_hand(ws: list[float], bs: list[float]) -> list[float]:
    """Forward keeping every activation, then δⱼ = σ′(zⱼ)·wⱼ₊₁·δⱼ₊₁ back, as Nielsen writes it."""
    activations = [A0]
    for w, b in zip(ws, bs):
        z = w * activations[-1] + b
        activations.append(1.0 / (1.0 + math.exp(-z)))
    delta = activations[-1] - Y  # ∂C/∂a₄
    grad_w, grad_b = [0.0] * 4, [0.0] * 4
    for j in range(3, -1, -1):
        a = activations[j + 1]
        delta *= a * (1.0 - a)  # ∂C/∂zⱼ
        grad_b[j] = delta
        grad_w[j] = delta * activations[j]
        delta *= ws[j]
    return grad_w + grad_b


def load_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    weights, biases = parameters()
    ws, bs = [Value(w) for w in weights], [Value(b) for b in biases]
    steps = {"by hand (floats)": lambda: by_hand(weights, biases), "tinygrad_edu": lambda: ours(ws, bs)}
    reference = by_hand(weights, biases)
    results = {"tinygrad_edu": ours(ws, bs)}
    torch = load_torch()
    if torch is not None:
        tw = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        tb = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]

        def with_torch() -> list[float]:
            a = torch.tensor(A0, dtype=torch.float64)
            for w, b in zip(tw, tb):
                a = torch.sigmoid(w * a + b)
            cost = (a - Y) ** 2 / 2
            return torch.autograd.grad(cost, [*tw, *tb])

        steps["PyTorch (CPU, 1 thread)"] = with_torch
        results["PyTorch (CPU, 1 thread)"] = [float(g) for g in with_torch()]
    for name, gradients in results.items():
        worst = max(abs(g - r) / max(1e-300, abs(r)) for g, r in zip(gradients, reference))
        if worst > 1e-12:
            raise SystemExit(f"{name} disagrees with the hand-written chain rule (relative {worst:.3g}): not timing it")
    print("Nielsen's four-neuron sigmoid chain: ∂C/∂w and ∂C/∂b (8 numbers), each implementation agreeing with "
          "the chain rule by hand to 1e-12")
    medians = time_blocks(steps, args.rounds, collector=False)
    print(table(["implementation", "µs per gradient", "× by hand"],
                [[name, f"{s * 1e6:.1f}", f"{s / medians['by hand (floats)']:.1f}"] for name, s in medians.items()]))
    name = "PyTorch ÷ Value engine, Nielsen's chain"
    if torch is None:
        print(skipped_line(name, "PyTorch is not installed"))
    else:
        print(target_line(name, medians["PyTorch (CPU, 1 thread)"] / medians["tinygrad_edu"], 6, True, "×", False))


if __name__ == "__main__":
    main()
