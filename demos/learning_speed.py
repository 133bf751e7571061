"""Learning speed per layer: Nielsen's chapter-5 experiment, repeated on real handwritten digits.

Source: Michael Nielsen, *Neural Networks and Deep Learning*, ch. 5, and the code that made its
numbers (src/network2.py, fig/generate_gradient.py in mnielsen/neural-networks-and-deep-learning).
Layer l learns at the speed ‖δˡ‖ = ‖∂C/∂bˡ‖, and backpropagation gives δˡ = Σ′(zˡ)(Wˡ⁺¹)ᵀδˡ⁺¹
with every σ′ ≤ 1/4: each hidden layer further from the output gets a smaller gradient.

His protocol, copied (demos/_nielsen.py): sigmoid layers, cross-entropy on sigmoid outputs
(δᴸ = a − y), weights N(0, 1)/√n_in, biases N(0, 1), ∂C/∂b averaged over the first 1000 training
images; training on one batch of those 1000, η = 0.1, L2 λ = 5, 500 epochs, ‖δˡ‖ every epoch. What
differs: the UCI digits shipped with tinygrad_edu (8×8 pixels, 1797 images) instead of MNIST
(--mnist DIR reads yours), and many networks per depth where he printed one.

What to look for: (1) median and 5–95% band of ‖δˡ‖ over 20 networks per depth beside his MNIST
draw; (2) why each layer back divides by about 5: σ′ (never by less than 4) and (Wˡ⁺¹)ᵀ (which
makes the spread); (3) with --train, ‖δˡ‖ every epoch and held-out accuracy beside chance.

    python demos/learning_speed.py [--seed 0] [--seeds 20] [--hidden 2 3 4] [--train] [--plot FILE.png]
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, heading, say, sup
from _nielsen import (CLASSES, EPOCHS, ETA, EXAMPLES, LMBDA, NIELSEN, backward_pass, load_data, network2_backprop,
                      nielsen_network, prior_cost, progress, sigma_prime, train)

from tinygrad_edu import ops
from tinygrad_edu.data import one_hot
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.plot import bar_chart, format_number, line_chart, load_pyplot, table

#: The engine's δ and a plain-float backprop of network2's equations add the same numbers in
#: another order: they differ by rounding, ~1e-16 relative per layer; 1e-12 leaves a wide margin.
ROUTE_TOL = 1e-12


# ---------------------------------------------------------------------------
# 1 and 2: many networks at initialisation
# ---------------------------------------------------------------------------

def at_initialisation(X: Matrix, Y: Matrix, sizes: list, seed: int) -> dict:
    """‖δˡ‖ of one freshly drawn network, and the two parts of each ratio ‖δˡ⁺¹‖/‖δˡ‖.

    Only ∂C/∂b is needed, so the weights are marked constant: backward then skips ∂C/∂W.
    """
    model = nielsen_network(sizes, seed)
    for lin in model.linears:
        lin.weight.requires_grad = False
    run = backward_pass(model, X, Y)
    hidden = len(sizes) - 2
    norms, deltas = run["norms"], run["deltas"]
    # σ′(z) = a(1 − a) with a = σ(z): its root-mean-square over each hidden layer's units and images.
    rms = [math.sqrt(sum((v - v * v) ** 2 for row in a.data for v in row) / (len(a.data) * len(a.data[0])))
           for a in run["activations"]]
    # ‖(Wˡ⁺¹)ᵀδˡ⁺¹‖/‖δˡ⁺¹‖: how much the weights alone stretch the gradient on its way to layer l.
    gains = [math.hypot(*[math.fsum(row[j] * d for row, d in zip(model.linears[l + 1].weight.data, deltas[l + 1]))
                          for j in range(sizes[l + 1])]) / norms[l + 1] for l in range(hidden - 1)]
    output = [math.fsum(ops.sigmoid.forward(z) - t for z, t in zip(column, targets)) / X.shape[0]
              for column, targets in zip(zip(*run["zs"][-1].data), zip(*Y.data))]
    return {"hidden": norms[:hidden], "ratios": [b / a for a, b in zip(norms[:hidden - 1], norms[1:hidden])],
            "sigma_part": [1 / r for r in rms[:hidden - 1]], "weight_gain": gains, "model": model,
            "output_error": max(abs(g - c) for g, c in zip(deltas[-1], output)) / norms[-1]}


def band(values: list) -> tuple:
    """(5%, median, 95%) of a sample, the quantiles interpolated between the sorted values."""
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return cuts[0], statistics.median(values), cuts[-1]


def section_init(draws: dict, seeds: int, data_name: str, nielsen: dict) -> dict:
    print(heading(f"1. ‖δˡ‖ = ‖∂C/∂bˡ‖ at initialisation: {seeds} networks per depth"))
    rows, inside = [], {}
    for hidden, runs in draws.items():
        for l in range(hidden):
            low, mid, high = band([r["hidden"][l] for r in runs])
            theirs = nielsen.get(hidden, [None] * hidden)[l]
            inside[hidden, l + 1] = None if theirs is None else low <= theirs <= high
            rows.append([runs[0]["sizes"] if l == 0 else "", l + 1, format_number(mid), f"{format_number(low)} – {format_number(high)}",
                         "" if theirs is None else f"{theirs:g}", {None: "", True: "yes", False: "NO"}[inside[hidden, l + 1]]])
    print(table(["network", "layer l", "median ‖δˡ‖", "5–95% band", "Nielsen, MNIST", "his inside our band?"], rows))
    deepest = max(draws)
    medians = [band([r["hidden"][l] for r in draws[deepest]])[1] for l in range(deepest)]
    print()
    print(bar_chart([f"layer {l}" for l in range(1, deepest + 1)], medians, log=True, width=40,
                    title=f"{draws[deepest][0]['sizes']}: median ‖δˡ‖ by hidden layer l"))
    checked = [v for v in inside.values() if v is not None]
    outside = len(checked) - sum(checked)
    # A 5–95% band holds 90% of draws: the chance that `outside` or more of his draws fall out by luck.
    luck = math.fsum(math.comb(len(checked), k) * 0.1 ** k * 0.9 ** (len(checked) - k)
                     for k in range(outside, len(checked) + 1))
    alike = bool(checked) and luck >= 0.05
    say(f"Data: {data_name}. " + ("Nielsen's numbers are for 30 units per layer and up to 4 hidden layers: none to "
        "compare with here." if not checked else
        f"Nielsen printed one network per depth, on MNIST: {len(checked) - outside} of his {len(checked)} numbers lie "
        f"inside our 5–95% band. A band that holds 90% of draws leaves about 1 in 10 outside; {outside} or more of "
        f"{len(checked)} outside happens by luck with probability {format_number(luck, 2, flag=False)}, so "
        f"{'his draws look like ours' if alike else 'his numbers differ from ours by more than luck'}."))
    return {"inside": inside, "alike": alike, "luck": luck}


def section_ratios(draws: dict, mean_field: float, nielsen: dict) -> dict:
    print(heading("2. Each layer back: the gradient divided by ‖δˡ⁺¹‖/‖δˡ‖"))
    rows, pooled = [], {"ratios": [], "sigma_part": [], "weight_gain": []}
    for hidden, runs in draws.items():
        for l in range(hidden - 1):
            low, mid, high = band([r["ratios"][l] for r in runs])
            theirs = nielsen.get(hidden)
            rows.append([runs[0]["sizes"] if l == 0 else "", f"{l + 2} / {l + 1}", format_number(mid),
                         f"{format_number(low)} – {format_number(high)}",
                         format_number(theirs[l + 1] / theirs[l], 3) if theirs else ""])
        for key in pooled:
            pooled[key] += [x for r in runs for x in r[key]]
        increasing = sum(all(a < b for a, b in zip(r["hidden"], r["hidden"][1:])) for r in runs)
        rows.append(["", f"‖δ¹‖ < {'… < ' if hidden > 2 else ''}‖δ{sup(hidden)}‖ in", f"{increasing} of {len(runs)}", "", ""])
    print(table(["network", "layers", "median ratio", "5–95% band", "Nielsen, MNIST"], rows))
    parts = {key: band(values) for key, values in pooled.items()}
    print()
    print(table(["every hidden layer pooled", "median", "5–95% band", "smallest", "largest"],
                [[name, format_number(parts[key][1]), f"{format_number(parts[key][0])} – {format_number(parts[key][2])}",
                  format_number(min(pooled[key])), format_number(max(pooled[key]))]
                 for name, key in (("the ratio ‖δˡ⁺¹‖/‖δˡ‖", "ratios"), ("σ′ part: 1/RMS σ′(zˡ)", "sigma_part"),
                                   ("W part: ‖(Wˡ⁺¹)ᵀδˡ⁺¹‖/‖δˡ⁺¹‖", "weight_gain"))]))
    below = [k for k, r in enumerate(pooled["ratios"]) if r < 4]
    stretched = sum(pooled["weight_gain"][k] > 1 for k in below)
    spread = {key: parts[key][2] / parts[key][0] for key in ("sigma_part", "weight_gain")}
    loose = max(abs(r * w / s - 1) for r, s, w in zip(*pooled.values()))
    wider = "weights" if spread["weight_gain"] > spread["sigma_part"] else "σ′ values"
    say(f"Two things divide the gradient. σ′: its root-mean-square over a layer's units and images is 1/"
        f"{format_number(parts['sigma_part'][1], 3)} (median); a mean-field estimate for an infinitely wide layer, "
        f"z ~ N(0, q*) with q* = 1 + E[σ(z)²], gives 1/{format_number(mean_field, 3)}. Since σ′ ≤ 1/4 this part can "
        f"never divide by less than 4 (smallest here: {format_number(min(pooled['sigma_part']), 3)}): 4 is a floor, "
        f"not a cap. (Wˡ⁺¹)ᵀ: with n·Var(W) = 1 it keeps the gradient's size on average (median "
        f"{format_number(parts['weight_gain'][1], 3)}), but one draw stretches or shrinks it by "
        f"{format_number(parts['weight_gain'][0], 3)} to {format_number(parts['weight_gain'][2], 3)}. The ratio is about "
        f"the σ′ part divided by the W part (within {100 * loose:.0f}% in every network here), so a ratio below 4 "
        f"needs weights that stretch: "
        + (f"none of the {len(pooled['ratios'])} ratios is below 4. " if not below else
           f"{len(below)} of the {len(pooled['ratios'])} ratios are below 4, and the W part is above 1 in "
           + ("every one of them. " if stretched == len(below) else f"only {stretched} of them (there the estimate is loose). "))
        + f"Relative to its median, the W part's band is {'wider' if wider == 'weights' else 'narrower'} than the "
        f"σ′ part's ({format_number(spread['weight_gain'], 3)}× against {format_number(spread['sigma_part'], 3)}× from "
        f"5% to 95%): the spread between networks comes mostly from their {wider}.")
    return {"parts": parts, "below_four": len(below), "stretched": stretched, "pooled": pooled}


def mean_field_factor() -> float:
    """1/√E[σ′(z)²] at the fixed point q* = 1 + E[σ(z)²], z ~ N(0, q*): weights N(0, 1/n), biases N(0, 1)."""
    def gaussian_mean(f, q: float, points: int = 4001, reach: float = 10.0) -> float:  # Simpson's rule
        h = 2 * reach / (points - 1)
        return math.fsum((1 if i in (0, points - 1) else 4 if i % 2 else 2) * f((-reach + i * h) * math.sqrt(q))
                         * math.exp(-(-reach + i * h) ** 2 / 2) for i in range(points)) * h / 3 / math.sqrt(2 * math.pi)
    q = 1.25
    for _ in range(200):
        q, previous = 1 + gaussian_mean(lambda z: ops.sigmoid.forward(z) ** 2, q), q
        if abs(q - previous) < 1e-14:
            break
    return 1 / math.sqrt(gaussian_mean(lambda z: sigma_prime(z) ** 2, q))


def lesson(draws: dict, ratios: dict, alike: bool) -> str:
    """The closing sentence, every number and claim in it read from the run."""
    deepest = draws[max(draws)]
    slower = statistics.median(r["hidden"][-1] / r["hidden"][0] for r in deepest)
    increasing = all(all(a < b for a, b in zip(r["hidden"], r["hidden"][1:])) for runs in draws.values() for r in runs)
    factor = f"about {format_number(ratios['parts']['ratios'][1], 2)}"
    return (f"Lesson: in a deep sigmoid network each hidden layer back divides the gradient by {factor}, because σ′ "
            f"is at most 1/4 and the weights keep the size only on average. In {deepest[0]['sizes']} the first hidden "
            f"layer's gradient is {format_number(slower, 3)} times smaller than the last one's (median of {len(deepest)} "
            f"networks); ‖δ¹‖ < ‖δ²‖ < … held in {'every network drawn' if increasing else 'most networks, not all'}"
            f"{', and Nielsen’s MNIST draws look like ours (section 1)' if alike else ''}.")


# ---------------------------------------------------------------------------
# 3 and 4: training, as in fig/generate_gradient.py
# ---------------------------------------------------------------------------

def cost_verdict(costs: list, floor: float) -> str:
    """Has the cost gone more than 0.5% below what answering the class frequencies alone achieves?"""
    moved = f"C₀ went from {format_number(costs[0])} to {format_number(costs[-1])}"
    where = ("more than 0.5% below" if costs[-1] < 0.995 * floor else "within 0.5% of" if costs[-1] < floor
             else "still above")
    verdict = ("the network does better than ignoring the images" if where == "more than 0.5% below" else
               "so far it does no better than ignoring the images and guessing by how often each digit occurs")
    return f"{moved}, {where} {format_number(floor)}, the cost of answering the class frequencies whatever the image: {verdict}"


def accuracy_verdict(accuracy: float, chance: float, n: int) -> str:
    """Above chance only if by more than 3 binomial standard errors of guessing on n images."""
    margin = 3 * math.sqrt(chance * (1 - chance) / n)
    numbers = f"{100 * accuracy:.1f}% on {n} held-out images against a chance level of {100 * chance:.1f}%"
    if accuracy > chance + margin:
        return f"held-out accuracy is above chance: {numbers}"
    return f"held-out accuracy is at chance: {numbers}, within 3 standard errors ({100 * margin:.1f} points) of guessing"


def slowest_verdict(norms: list) -> str:
    """Is hidden layer 1 the one with the smallest ‖δˡ‖ at every epoch measured?"""
    slowest = [min(range(len(row)), key=row.__getitem__) + 1 for row in norms]
    first_other = next((e for e, layer in enumerate(slowest) if layer != 1), None)
    if first_other is None:
        return f"hidden layer 1 has the smallest gradient at every one of the {len(norms)} epochs measured"
    return (f"hidden layer 1 has the smallest gradient at only {slowest.count(1)} of the {len(norms)} epochs "
            f"measured: at epoch {first_other} it is layer {slowest[first_other]}")


def gap_verdict(ratios: list) -> str:
    """How the ratio of the last to the first hidden layer's ‖δ‖ changed: by more than 1.5× either way, or not."""
    undefined = sum(math.isnan(r) for r in ratios)
    if math.isnan(ratios[0]) or math.isnan(ratios[-1]):
        return (f"the gap between the last and the first hidden layer has no value at epoch 0 or {len(ratios) - 1}: "
                f"‖δ¹‖ is exactly 0 at {undefined} of the {len(ratios)} epochs")
    defined = [r for r in ratios if not math.isnan(r)]
    change = "narrows" if ratios[-1] < ratios[0] / 1.5 else "widens" if ratios[-1] > 1.5 * ratios[0] else "stays about the same"
    return (f"the gap between the last and the first hidden layer {change}: the last one's gradient is "
            f"{format_number(ratios[0])} times the first's at epoch 0 and {format_number(ratios[-1])} times at epoch "
            f"{len(ratios) - 1} (from {format_number(min(defined))} to {format_number(max(defined))} in between"
            + (f"; ‖δ¹‖ is exactly 0 at {undefined} epochs)" if undefined else ")"))


def section_training(run: dict, seed: int, held_out_n: int, chance: float, floor: float, eta: float, lmbda: float) -> dict:
    norms, epochs, hidden = run["norms"], len(run["norms"]) - 1, len(run["norms"][0])
    print(heading(f"3. Training {run['sizes']}: {epochs} epochs, full batch, η = {eta:g}, λ = {lmbda:g}"))
    say(f"The network is the seed-{seed} draw of section 1, so epoch 0 shows that one draw's ‖δˡ‖, not the medians. "
        f"Every epoch: ‖δˡ‖ and C₀ on the training images, then one step; held-out accuracy every "
        f"{'epoch' if run['every'] == 1 else str(run['every']) + ' epochs'}.")
    ratios = [row[-1] / row[0] if row[0] else math.nan for row in norms]  # no ratio where ‖δ¹‖ = 0 exactly
    rows = [[e] + [format_number(v) for v in norms[e]] + [format_number(ratios[e]) if norms[e][0] else "‖δ¹‖ = 0",
            format_number(run["cost"][e]), f"{100 * a:.1f}%"] for e, a in run["accuracy"].items()]
    print(table(["epoch"] + [f"‖δ{sup(l)}‖" for l in range(1, hidden + 1)]
                + [f"‖δ{sup(hidden)}‖/‖δ¹‖", "C₀ (no L2 term)", "held-out accuracy"], rows))
    print()
    print(line_chart({f"layer {l}": [row[l - 1] for row in norms] for l in range(1, hidden + 1)}, log=True,
                     height=10, width=60, title=f"‖δˡ‖ at every epoch (x axis: epoch 0 to {epochs})"))
    final = run["accuracy"][epochs]
    verdicts = {"cost": cost_verdict(run["cost"], floor), "accuracy": accuracy_verdict(final, chance, held_out_n),
                "slowest": slowest_verdict(norms), "gap": gap_verdict(ratios)}
    stopped = "" if math.isfinite(run["cost"][-1]) else f" Training stopped: the cost became {run['cost'][-1]}."
    say(f"After {epochs} epochs: {verdicts['cost']}; {verdicts['accuracy']}. Over the run {verdicts['slowest']}, and "
        f"{verdicts['gap']}.{stopped}")
    return {"verdicts": verdicts, "ratios": ratios, "final_accuracy": final}


def section_summary(trained: dict, chance: float, floor: float) -> None:
    epochs = len(next(iter(trained.values()))["norms"]) - 1
    print(heading(f"4. After {epochs} epochs, side by side"))
    print(table(["network", "held-out accuracy", "C₀", "‖δ last hidden‖/‖δ¹‖"],
                [[t["sizes"], f"{100 * t['final_accuracy']:.1f}%", format_number(t["cost"][-1]), format_number(t["ratios"][-1])]
                 for t in trained.values()]))
    learned = [str(t["sizes"]) for t in trained.values() if "above chance" in t["verdicts"]["accuracy"]]
    stuck = [str(t["sizes"]) for t in trained.values() if "no better than ignoring" in t["verdicts"]["cost"]]
    say(f"Above chance ({100 * chance:.1f}%): {', '.join(learned) or 'none'}. Not 0.5% below the cost of answering the "
        f"class frequencies ({format_number(floor)}), so no better than ignoring the images: {', '.join(stuck) or 'none'}.")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def parse(argv: list | None):
    p = _common.parser(__doc__, __file__)
    p.add_argument("--seeds", type=_common.whole_number(2, 1000), default=20,
                   help="networks drawn per depth, seeds SEED, SEED+1, … (default 20; 2 to 1000: a band needs two)")
    p.add_argument("--hidden", type=_common.whole_number(2, 30), nargs="+", default=[2, 3, 4],
                   help="numbers of hidden layers to compare (default 2 3 4; 2 to 30)")
    p.add_argument("--width", type=_common.whole_number(1, 1000), default=30, help="units per hidden layer (default 30)")
    p.add_argument("--examples", type=_common.whole_number(2, 59999), default=EXAMPLES,
                   help=f"images the gradient is averaged over and trained on (default {EXAMPLES}, Nielsen's)")
    p.add_argument("--mnist", metavar="DIR", help="use MNIST: the four IDX files in DIR, plain or .gz (several minutes at the defaults)")
    p.add_argument("--train", action="store_true", help="also train, Nielsen's way: 500 epochs take 2 to 5 minutes per depth")
    p.add_argument("--epochs", type=_common.whole_number(1, 100000), default=EPOCHS, help=f"epochs with --train (default {EPOCHS})")
    p.add_argument("--lr", type=_common.number(0.0, 1e6, open_low=True), default=ETA, help=f"learning rate η with --train (default {ETA})")
    p.add_argument("--lmbda", type=_common.number(0.0, 1e6), default=LMBDA, help=f"L2 strength λ with --train (default {LMBDA})")
    args = p.parse_args(argv)
    limit = 1797 if args.mnist is None else 60000
    if not 2 <= args.examples < limit:
        p.error(f"--examples {args.examples}: need 2 to {limit - 1} images (the rest are held out)")
    if args.lr * args.lmbda / args.examples >= 1:
        p.error(f"--lr {args.lr:g} with --lmbda {args.lmbda:g} on {args.examples} images makes the weight decay factor "
                f"1 − ηλ/n = {1 - args.lr * args.lmbda / args.examples:g}: weights would flip sign every epoch; keep ηλ/n < 1")
    _common.at_most(p, args.hidden, 6, "--hidden")
    n_in = 64 if args.mnist is None else 784
    # The pass at initialisation: forward and backward (about 3× the forward's multiply-adds) per network.
    per_pass = sum(args.examples * (n_in * args.width + (h - 1) * args.width ** 2 + 10 * args.width)
                   for h in args.hidden)
    # MNIST's 784 pixels make Nielsen's own setting about 5e9 multiply-adds: allowed, and the help says it is slow.
    _common.refuse_if_too_big(p, 3 * args.seeds * per_pass, "the pass at initialisation with these settings",
                              limit=_common.MAX_WORK * (1 if args.mnist is None else 10))
    if args.mnist is not None and not os.path.isdir(args.mnist):
        p.error(f"--mnist {args.mnist}: not a folder")
    return p, args


def main(argv: list | None = None) -> dict:
    p, args = parse(argv)
    try:
        images, labels, held_images, held_labels, data_name = load_data(args.examples, args.mnist)
    except (OSError, ValueError) as error:  # a missing or broken MNIST file, named in the message
        p.error(str(error))
    X, Y = Matrix(images, requires_grad=False), Matrix(one_hot(labels, CLASSES), requires_grad=False)
    hidden_list = sorted(set(args.hidden))
    print(heading("Learning speed per layer: Nielsen's chapter-5 experiment on real handwritten digits"))
    say("Source: Nielsen, Neural Networks and Deep Learning, ch. 5, and his code (network2.py, "
        "fig/generate_gradient.py). Look for: each hidden layer further from the output gets a smaller gradient "
        "‖δˡ‖ = ‖∂C/∂bˡ‖, about 5 times smaller per layer; and whether that holds in every network drawn.")
    print(table(["", "Nielsen (ch. 5)", "here"], [
        ["images", "MNIST, 28×28, first 1000", f"{'MNIST' if args.mnist else 'UCI digits, 8×8'}, first {args.examples}"],
        ["network", "[784, 30, …, 30, 10], sigmoid", f"[{len(images[0])}, {args.width}, …, {args.width}, 10], sigmoid"],
        ["initialisation", "W ~ N(0, 1)/√n_in, b ~ N(0, 1)", "the same"],
        ["cost", "cross-entropy on σ outputs: δᴸ = a − y", "the same"],
        ["measure", "‖mean of ∂C/∂bˡ over the images‖", "the same"],
        ["networks per depth", "one", f"{args.seeds} (seeds {args.seed} to {args.seed + args.seeds - 1})"],
        ["training (--train)", f"full batch, η = {ETA:g}, λ = {LMBDA:g}, {EPOCHS} epochs",
         f"full batch, η = {args.lr:g}, λ = {args.lmbda:g}, {args.epochs} epochs"]]))
    draws, started = {}, time.perf_counter()
    for h in hidden_list:
        sizes = [len(images[0])] + [args.width] * h + [CLASSES]
        draws[h] = []
        for k in range(args.seeds):
            draws[h].append({**at_initialisation(X, Y, sizes, args.seed + k), "sizes": sizes})
            progress("networks drawn at initialisation", len(draws) * args.seeds - args.seeds + k + 1,
                     len(hidden_list) * args.seeds, started)
    progress(None)
    nielsen = NIELSEN if args.width == 30 else {}  # his numbers are for 30 units per hidden layer
    compared = section_init(draws, args.seeds, data_name, nielsen)
    mean_field = mean_field_factor()
    ratios = section_ratios(draws, mean_field, nielsen)

    held_out = (held_images, held_labels)
    chance = max(held_labels.count(d) for d in range(CLASSES)) / len(held_labels)  # always the commonest digit
    floor = prior_cost(labels)
    trained = {}
    for h in hidden_list if args.train else []:
        trained[h] = train(X, Y, held_out, draws[h][0]["sizes"], args.seed, args.epochs, args.lr, args.lmbda)
        trained[h].update(section_training(trained[h], args.seed, len(held_labels), chance, floor, args.lr, args.lmbda))
        print(f"({trained[h]['sizes']}: {args.epochs} epochs in {trained[h]['seconds']:.0f} s, "
              f"{trained[h]['cpu_seconds']:.0f} s of CPU)", file=sys.stderr)  # not stdout: a seed prints the same

    if len(trained) > 1:
        section_summary(trained, chance, floor)
    first = draws[hidden_list[-1]][0]
    by_hand = network2_backprop(first["model"], images, labels)
    route = max(math.hypot(*[a - b for a, b in zip(lin.bias.grad[0], hand)]) / math.hypot(*hand)
                for lin, hand in zip(first["model"].linears, by_hand))
    output = max(r["output_error"] for runs in draws.values() for r in runs)
    same_start = all(t["norms"][0] == draws[h][0]["hidden"] for h, t in trained.items())
    ok = route <= ROUTE_TOL and output <= ROUTE_TOL and same_start
    print(heading("Checks"))
    say(f"The engine's ∂C/∂bˡ for every layer of {first['sizes']} (seed {args.seed}) against network2's equations "
        f"written out in plain floats, image by image: they differ by {error_text(route)} of ‖δˡ‖ at most. The output "
        f"layer's ∂C/∂bᴸ against its closed form mean(σ(zᴸ) − y), in all {sum(map(len, draws.values()))} networks: "
        f"{error_text(output)} at most (tolerance {ROUTE_TOL:g} for both). "
        + (f"Epoch 0 of every training run reproduces its seed-{args.seed} draw of section 1: "
           f"{'yes' if same_start else 'NO'}. " if trained else "Training not run (add --train), so not checked. ")
        + f"All checks passed: {'yes' if ok else 'NO: MISMATCH'}.")
    say(lesson(draws, ratios, compared["alike"]))
    if args.plot:
        save_figure(args.plot, draws, trained, chance, floor, nielsen)
    return {"draws": draws, "compared": compared, "ratios": ratios, "mean_field": mean_field, "trained": trained,
            "chance": chance, "route_error": route, "output_error": output, "ok": ok}


def save_figure(path: str, draws: dict, trained: dict, chance: float, floor: float, nielsen: dict) -> None:
    """Top: medians and bands beside Nielsen's draws (paired colours), accuracy, cost; bottom: ‖δˡ‖ per epoch."""
    pyplot = load_pyplot()
    if pyplot is None:
        return
    columns = max(3, len(trained))
    figure, axes = pyplot.subplots(2 if trained else 1, columns if trained else 1, figsize=(5 * columns, 8 if trained else 4),
                                   squeeze=False)
    colours = pyplot.get_cmap("tab20").colors  # pairs: a dark and a light shade of each hue
    ax = axes[0][0]
    for k, (h, runs) in enumerate(draws.items()):
        lows, mids, highs = zip(*[band([r["hidden"][l] for r in runs]) for l in range(h)])
        ax.errorbar(range(1, h + 1), mids, yerr=[[m - lo for m, lo in zip(mids, lows)], [hi - m for m, hi in zip(mids, highs)]],
                    color=colours[2 * k], marker="o", capsize=3, label=f"{h} hidden: median, 5–95%")
        if h in nielsen:
            ax.plot(range(1, h + 1), nielsen[h], "x--", color=colours[2 * k + 1], label=f"{h} hidden: Nielsen, MNIST")
    ax.set(yscale="log", xlabel="hidden layer l", ylabel="‖δˡ‖ = ‖∂C/∂bˡ‖", title="at initialisation", xticks=range(1, max(draws) + 1))
    if trained:
        ax = axes[0][1]
        for k, (h, run) in enumerate(trained.items()):
            ax.plot(list(run["accuracy"]), [100 * a for a in run["accuracy"].values()], "o-", color=colours[2 * k], label=f"{h} hidden")
        ax.axhline(100 * chance, color="grey", linestyle=":", label="chance")
        ax.set(xlabel="epoch", ylabel="held-out accuracy (%)", ylim=(0, 100), title="held-out accuracy")
        ax = axes[0][2]
        for k, (h, run) in enumerate(trained.items()):
            ax.plot(run["cost"], color=colours[2 * k], label=f"{h} hidden")
        ax.axhline(floor, color="grey", linestyle=":", label="answering the class frequencies")
        ax.set(xlabel="epoch", ylabel="C₀ (cross-entropy, no L2 term)", title="cost on the training images")
        for ax in axes[0][3:]:
            ax.set_visible(False)
        for ax, (h, run) in zip(axes[1], trained.items()):
            for l in range(h):
                ax.plot([row[l] for row in run["norms"]], color=colours[2 * l], label=f"hidden layer {l + 1}")
            ax.set(yscale="log", xlabel="epoch", ylabel="‖δˡ‖", title=f"speed of learning: {run['sizes']}")
        for ax in axes[1][len(trained):]:
            ax.set_visible(False)
    for ax in (a for row in axes for a in row if a.get_visible()):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small")
    figure.tight_layout()
    _common.write_figure(pyplot, figure, path, dpi=110)


if __name__ == "__main__":
    _common.run(main)
