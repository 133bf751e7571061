"""Saturation: with sigmoid units the top hidden layer sinks to 0 and the network stays at chance.

Source: Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
networks" (AISTATS 2010), section 3.1 and its figure 2: with sigmoid units and the "standard"
initialisation W ~ U(−1/√n, 1/√n), b = 0, the activations of the top hidden layer went to 0 early
in training and stayed there a long time, while the layers below kept means around or above 0.5.
The hyperbolic tangent, symmetric around 0, showed no such collapse of its top layer (its units
saturated in another way, toward ±1).

Here: their setup made small (4 hidden layers of 30 units instead of 1000, softmax output, SGD on
mini-batches of 10, learning rate 0.5), trained on the first 1000 UCI digits, measured on the 797
held out, sigmoid and tanh from the same draw of the weights.

What to look for: the sigmoid's top layer mean from 0.5 toward 0, its held-out accuracy at chance,
the reason in the numbers (the top layer barely depends on the image, so the output learns the class
frequencies through its biases), and tanh learning in the same budget.

    python demos/saturation.py [--seed 0] [--steps 500] [--lr 0.5] [--plot FILE.png]
"""

from __future__ import annotations

import math
import os
import random
import sys

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, format_number, heading, line_chart, load_pyplot, say, sup, table
from _i18n import _, ngettext
from learning_speed import above_chance, accuracy_numbers, percent

from tinygrad_edu import nn
from tinygrad_edu.data import load_digits
from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.nn import train_step

TRAIN = 1000  # the first 1000 digits are trained on, the other 797 held out
CLASSES = 10
#: How much of a small variation one sigmoid layer passes on with W ~ U(−1/√n, 1/√n): σ′(0)·√(n·Var W).
SMALL_SIGNAL = 0.25 * math.sqrt(1 / 3)
#: The output z = W·a + b recomputed from its two parts adds the same products in another order.
LOGITS_TOL = 1e-12


def held_out(accuracy: float, chance: float, n: int) -> str:
    """learning_speed.accuracy_verdict as a sentence of its own (a whole message: never .upper() translated text)."""
    numbers = accuracy_numbers(accuracy, chance, n)
    if above_chance(accuracy, chance, n):
        return _("Held-out accuracy is above chance: {accuracy}% on {count} held-out images against a chance level of "
                 "{chance}%.").format(**numbers)
    return _("Held-out accuracy is at chance: {accuracy}% on {count} held-out images against a chance level of "
             "{chance}%, within 3 standard errors ({margin} points) of guessing.").format(**numbers)


def label_x_axis(chart: str, first: int, last: int) -> str:
    """line_chart numbers its x axis by point (0 … n − 1); write the SGD steps there instead."""
    lines = chart.splitlines()
    k = next(i for i, line in enumerate(lines) if line.lstrip().startswith("+-"))
    width = len(lines[k].strip()) - 1
    indent = len(lines[k + 1]) - len(lines[k + 1].lstrip())
    lines[k + 1] = " " * indent + str(first).ljust(width - len(str(last))) + str(last)
    return "\n".join(lines)


def glorot_network(activation: str, hidden: int, width: int, seed: int) -> nn.MLP:
    """[64, width × hidden, 10], "standard" initialisation U(−1/√n_in, 1/√n_in), zero biases.

    The generator depends on the seed only, so sigmoid and tanh start from the same weights.
    """
    return nn.MLP([64] + [width] * hidden + [CLASSES], activation=activation, init="standard_uniform",
                  rng=random.Random(f"saturation {seed}"))


def look(model: nn.MLP, activation: str, X: Matrix, y: list) -> dict:
    """On the held-out images, per hidden layer: the mean activation a, the mean slope (σ′ = a(1 − a) or
    tanh′ = 1 − a²), and the spread (standard deviation from image to image, mean over the units); and
    the two parts of the output z = W·a + b: the image-dependent ‖W·a‖ (mean over images) and ‖b‖."""
    with no_grad():
        a, layers = X, []
        for layer in model:
            a = layer(a)
            if not isinstance(layer, nn.Linear):
                layers.append(a)
        out = model.linears[-1]
        image_part = layers[-1] @ out.weight.T  # the output without its bias, by the engine's own matmul
    n = len(y)
    means, slopes, spreads = [], [], []
    for h in layers:
        columns = list(zip(*h.data))
        unit_means = [sum(c) / n for c in columns]
        means.append(sum(unit_means) / len(columns))
        slopes.append(sum(v * (1 - v) if activation == "sigmoid" else 1 - v * v for row in h.data for v in row) / (n * len(columns)))
        spreads.append(sum(math.sqrt(sum((v - mu) ** 2 for v in c) / n) for c, mu in zip(columns, unit_means)) / len(columns))
    guesses = [max(range(CLASSES), key=row.__getitem__) for row in a.data]
    return {"mean": means, "slope": slopes, "spread": spreads, "accuracy": sum(g == t for g, t in zip(guesses, y)) / n,
            "image_part": sum(math.hypot(*row) for row in image_part.data) / n, "bias": math.hypot(*out.bias.data[0]),
            "logits_error": max(abs(p + b - q) for prow, qrow in zip(image_part.data, a.data)
                                for p, b, q in zip(prow, out.bias.data[0], qrow))}


def run(activation: str, data: tuple, args) -> dict:
    """SGD on mini-batches of the training images; a look at the held-out images every --every steps and at the end."""
    X_train, y_train, X_held, y_held = data
    model = glorot_network(activation, args.hidden, args.width, args.seed)
    optimizer = nn.SGD(model.parameters(), lr=args.lr)
    batches = random.Random(f"saturation batches {args.seed}")  # the same mini-batches for both activations
    every, looks = args.every or max(1, args.steps // 10), {}
    for step in range(args.steps + 1):
        if step % every == 0 or step == args.steps:
            looks[step] = look(model, activation, X_held, y_held)
        if step == args.steps:
            break
        rows = batches.sample(range(len(y_train)), args.batch)
        train_step(model, cross_entropy, optimizer, X_train.select_rows(rows), [y_train[i] for i in rows])
    return {"activation": activation, "looks": looks}


def section_sigmoid(run: dict, chance: float, n_held: int) -> dict:
    looks, hidden = run["looks"], len(next(iter(run["looks"].values()))["mean"])
    steps = list(looks)
    print(heading(_("1. Sigmoid: the mean activation of each hidden layer on the held-out images")))
    print(table([_("step")] + [_("mean {a}").format(a=f"a{sup(l)}") for l in range(1, hidden + 1)]
                + [_("spread of {a}").format(a=f"a{sup(hidden)}"), f"‖W{sup(hidden + 1)}a{sup(hidden)}‖",
                   f"‖b{sup(hidden + 1)}‖", _("accuracy")],
                [[s] + [format_number(m, flag=False) for m in look["mean"]]
                 + [format_number(look["spread"][-1], 2), format_number(look["image_part"], 3),
                    format_number(look["bias"], 3, flag=False), percent(look['accuracy'])] for s, look in looks.items()]))
    print()
    chart = line_chart({_("layer {layer}").format(layer=l): [look["mean"][l - 1] for look in looks.values()]
                        for l in range(1, hidden + 1)}, height=8, width=44,
                       title=ngettext("mean activation per layer (x axis: SGD step, a point every {count} step)",
                                      "mean activation per layer (x axis: SGD step, a point every {count} steps)",
                                      steps[1] - steps[0]).format(count=steps[1] - steps[0]))
    print(label_x_axis(chart, steps[0], steps[-1]))
    first, last = looks[steps[0]], looks[steps[-1]]
    sank = last["mean"][-1] < first["mean"][-1] / 2
    lower = [m for look in looks.values() for m in look["mean"][:-1]]
    passed = [b / a for a, b in zip(first["spread"], first["spread"][1:])]
    numbers = {"start": format_number(first['mean'][-1], 3), "end": format_number(last['mean'][-1], 3),
               "slope_start": format_number(first['slope'][-1], 3), "slope_end": format_number(last['slope'][-1], 3),
               "low": format_number(min(lower), 3), "high": format_number(max(lower), 3), "a": f"a{sup(hidden)}",
               "top": format_number(first['spread'][-1], 2), "bottom": format_number(first['spread'][0], 2),
               "passed": ", ".join(format_number(r, 2) for r in passed), "predicted": format_number(SMALL_SIGNAL, 3),
               "image": f"W{sup(hidden + 1)}a{sup(hidden)}", "image_start": format_number(first['image_part'], 3),
               "image_end": format_number(last['image_part'], 3), "bias": f"b{sup(hidden + 1)}",
               "bias_start": format_number(first['bias'], 3, flag=False),
               "bias_end": format_number(last['bias'], 3, flag=False)}
    say(" ".join(text.format(**numbers) for text in [
        _("The top hidden layer's mean activation went from {start} to {end}: it sank toward 0, and its mean slope "
          "σ′ = a(1 − a) went from {slope_start} to {slope_end}; the layers below stayed between {low} and {high}.")
        if sank else
        _("The top hidden layer's mean activation went from {start} to {end}: it did not sink to half its start, and "
          "its mean slope σ′ = a(1 − a) went from {slope_start} to {slope_end}; the layers below stayed between {low} "
          "and {high}."),
        _("The spread column is the standard deviation of {a} from image to image (mean over its units): {top} at the "
          "start against {bottom} in layer 1, so the top layer barely depends on the image.")
        if first['spread'][-1] < first['spread'][0] / 100 else
        _("The spread column is the standard deviation of {a} from image to image (mean over its units): {top} at the "
          "start against {bottom} in layer 1, so the top layer does depend on the image."),
        _("Each layer passed on {passed} of its input's spread; for small signals the standard initialisation "
          "predicts σ′(0)·√(n·Var W) = ¼·√(1/3) = {predicted}."),
        held_out(last['accuracy'], chance, n_held)]))
    image_down = last["image_part"] < first["image_part"] / 2
    say(" ".join(text.format(**numbers) for text in [
        _("Glorot & Bengio's explanation (their hypothesis): the top layer's output is not yet useful for telling the "
          "digits apart, so the softmax layer relies on its biases, and the gradient pushes {image} toward 0, which it "
          "can do by pushing {a} to 0."),
        _("Here the part of the output that comes through the top layer, ‖{image}‖ (mean over the images), went from "
          "{image_start} to {image_end} while the biases' ‖{bias}‖ went from {bias_start} to {bias_end}: as their "
          "explanation has it.") if image_down and last["bias"] > first["bias"] else
        _("Here the part of the output that comes through the top layer, ‖{image}‖ (mean over the images), went from "
          "{image_start} to {image_end} while the biases' ‖{bias}‖ went from {bias_start} to {bias_end}: not what "
          "their explanation predicts, for this run.")]))
    return {"sank": sank, "image_part_fell": image_down, "passed": passed}


def section_tanh(run: dict, sigmoid: dict, chance: float, n_held: int) -> dict:
    looks, hidden = run["looks"], len(next(iter(run["looks"].values()))["mean"])
    print(heading(_("2. tanh, the same weights, the same mini-batches")))
    print(table([_("step")] + [_("mean {a}").format(a=f"a{sup(l)}") for l in range(1, hidden + 1)]
                + [_("spread of {a}").format(a=f"a{sup(hidden)}"), _("accuracy"), _("sigmoid's accuracy")],
                [[s] + [format_number(m, 2, flag=False) for m in look["mean"]] + [format_number(look["spread"][-1], 2),
                 percent(look['accuracy']), percent(sigmoid['looks'][s]['accuracy'])]
                 for s, look in looks.items()]))
    last = looks[max(looks)]
    centred = max(abs(m) for look in looks.values() for m in look["mean"])
    slopes = [m for look in looks.values() for m in look["slope"]]
    first, top = looks[0], sigmoid["looks"][0]["spread"][-1]
    passed = [b / a for a, b in zip(first["spread"], first["spread"][1:])]
    say(" ".join([
        _("At the start each tanh layer passed on {passed} of its input's spread (for small signals tanh′(0)·√(n·Var W) "
          "= √(1/3) = {predicted}: n·Var W = 1/3 for this initialisation, as Glorot & Bengio point out), so its top "
          "layer varies from image to image by {spread}, {times} times as much as the sigmoid's ({sigmoid}).").format(
            passed=", ".join(format_number(r, 2) for r in passed), predicted=format_number(math.sqrt(1 / 3), 3),
            spread=format_number(first['spread'][-1], 2), times=format_number(first['spread'][-1] / top, 2),
            sigmoid=format_number(top, 2)),
        _("tanh is symmetric around 0: its layers' mean activations stay within ±{mean} of 0.").format(
            mean=format_number(centred, 2)),
        _("Their mean slope tanh′ = 1 − a² ranges from {low} to {high} (at step {step}, layer by layer: {slopes}; at "
          "most 1).").format(low=format_number(min(slopes), 3), high=format_number(max(slopes), 3), step=max(looks),
                             slopes=", ".join(format_number(m, 3) for m in last['slope'])),
        held_out(last['accuracy'], chance, n_held)]))
    return {"centred": centred}


def lesson(runs: dict, sank: bool, chance: float, n_held: int) -> str:
    """The closing sentence, each clause chosen by the run's own numbers."""
    looks = {act: r["looks"] for act, r in runs.items()}
    steps = max(looks["sigmoid"])
    final = {act: look[steps]["accuracy"] for act, look in looks.items()}
    stuck = not above_chance(final["sigmoid"], chance, n_held)
    learned = above_chance(final["tanh"], chance, n_held)
    slope = [looks["sigmoid"][s]["slope"][-1] for s in (0, steps)]
    if sank and stuck:
        sigmoid = ngettext("the top hidden layer sank toward 0 and the network stayed at chance for {steps} step,",
                           "the top hidden layer sank toward 0 and the network stayed at chance for {steps} steps,",
                           steps).format(steps=steps)
    elif sank:
        sigmoid = _("this run did not show the whole effect (top layer sank: yes; accuracy at chance: no),")
    elif stuck:
        sigmoid = _("this run did not show the whole effect (top layer sank: no; accuracy at chance: yes),")
    else:
        sigmoid = _("this run did not show the whole effect (top layer sank: no; accuracy at chance: no),")
    tanh = (_("while tanh, from the same weights, learned ({accuracy}%).") if learned else
            _("and tanh did not learn either in this budget ({accuracy}%).")).format(
        accuracy=f"{100 * final['tanh']:.1f}")
    numbers = {"start": format_number(slope[0], 3), "end": format_number(slope[1], 3)}
    # TRANSLATORS: {sigmoid} is "the top hidden layer sank … steps," or "this run did not show … ," and {tanh} is
    # "while tanh … learned (…%)." or "and tanh did not learn … (…%).": the two halves of one sentence.
    return " ".join([
        _("With sigmoid units and the standard initialisation, {sigmoid} {tanh}").format(sigmoid=sigmoid, tanh=tanh),
        (_("The sigmoid's top layer's mean slope σ′ = a(1 − a) went from {start} to {end}: a saturated unit passes "
           "little gradient back, on top of σ′ ≤ 1/4 everywhere.") if slope[1] < slope[0] / 2 else
         _("The sigmoid's top layer's mean slope σ′ = a(1 − a) went from {start} to {end}.")).format(**numbers)])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--steps", type=_common.whole_number(1, 100000), default=500, help=_("SGD steps (default 500)"))
    p.add_argument("--lr", type=_common.number(0.0, 100.0, open_low=True), default=0.5,
                   help=_("learning rate (default 0.5)"))
    p.add_argument("--every", type=_common.whole_number(1, 100000),
                   help=_("steps between two looks at the held-out images (default: steps/10)"))
    p.add_argument("--batch", type=_common.whole_number(1, 1797), default=10,
                   help=_("mini-batch size (default 10, theirs)"))
    p.add_argument("--hidden", type=_common.whole_number(2, 30), default=4,
                   help=_("hidden layers: a top layer and layers below it (default 4, theirs)"))
    p.add_argument("--width", type=_common.whole_number(1, 1000), default=30,
                   help=_("units per hidden layer (default 30)"))
    args = p.parse_args(argv)
    if args.batch > TRAIN:
        p.error(_("--batch {batch}: at most {most} images per batch (the training set)").format(batch=args.batch,
                                                                                                most=TRAIN))
    # Two networks (sigmoid, tanh), each step forward and backward (about 3× the forward's multiply-adds).
    per_step = args.batch * (64 * args.width + (args.hidden - 1) * args.width ** 2 + 10 * args.width)
    _common.refuse_if_too_big(p, 2 * 3 * args.steps * per_step, "training")
    images, labels = load_digits()
    data = (Matrix(images[:TRAIN], requires_grad=False), labels[:TRAIN],
            Matrix(images[TRAIN:], requires_grad=False), labels[TRAIN:])
    held = labels[TRAIN:]
    chance = max(held.count(d) for d in range(CLASSES)) / len(held)  # always answering the commonest digit

    print(heading(_("Saturation: Glorot & Bengio's sigmoid network, on real handwritten digits")))
    say(_("Source: Glorot & Bengio (AISTATS 2010), section 3.1 and figure 2. Network {network}, W ~ U(−1/√n_in, "
          "1/√n_in), b = 0, softmax output; SGD, learning rate {lr}, mini-batches of {batch}, {steps} steps, seed "
          "{seed}; trained on the first {train} UCI digits, measured on the other {held}. Look for: the last column of "
          "means falling toward 0 while the accuracy stays at chance.").format(
        network=f"[64, {args.width} × {args.hidden}, 10]", lr=f"{args.lr:g}", batch=args.batch, steps=args.steps,
        seed=args.seed, train=TRAIN, held=len(held)))
    runs = {act: run(act, data, args) for act in ("sigmoid", "tanh")}
    sigmoid = section_sigmoid(runs["sigmoid"], chance, len(held))
    tanh = section_tanh(runs["tanh"], runs["sigmoid"], chance, len(held))

    same_start = all(a.weight.data == b.weight.data for a, b in
                     zip(glorot_network("sigmoid", args.hidden, args.width, args.seed).linears,
                         glorot_network("tanh", args.hidden, args.width, args.seed).linears))
    logits = max(look["logits_error"] for r in runs.values() for look in r["looks"].values())
    ok = same_start and logits <= LOGITS_TOL
    print(heading(_("Checks")))
    say(" ".join([
        _("The sigmoid and tanh networks start from the same weights (compared entry by entry): yes.") if same_start
        else _("The sigmoid and tanh networks start from the same weights (compared entry by entry): NO."),
        (_("The output recomputed as W·a + b from the two parts printed above matches the network's output within "
           "{error} at every look (tolerance {tolerance}).") if logits else
         _("The output recomputed as W·a + b from the two parts printed above matches the network's output exactly "
           "at every look (tolerance {tolerance}).")).format(error=error_text(logits), tolerance=f"{LOGITS_TOL:g}"),
        _("All checks passed: yes.") if ok else _("All checks passed: NO.")]))
    print(heading(_("Lesson")))
    say(lesson(runs, sigmoid["sank"], chance, len(held)))
    if args.plot:
        save_figure(args.plot, runs, chance)
    return {"runs": runs, "chance": chance, "sigmoid": sigmoid, "tanh": tanh, "same_start": same_start,
            "logits_error": logits, "ok": ok}


def save_figure(path: str, runs: dict, chance: float) -> None:
    """Mean activation per layer for sigmoid and tanh, and both accuracies with the chance line."""
    pyplot = load_pyplot()
    if pyplot is None:
        return
    figure, axes = pyplot.subplots(1, 3, figsize=(15, 4))
    for ax, (act, r) in zip(axes, runs.items()):
        steps = list(r["looks"])
        for l in range(len(r["looks"][0]["mean"])):
            ax.plot(steps, [look["mean"][l] for look in r["looks"].values()], "o-",
                    label=_("hidden layer {layer}").format(layer=l + 1))
        ax.set(xlabel=_("SGD step"), ylabel=_("mean activation (held-out images)"),
               title=_("{activation}: mean activation per layer").format(activation=act),
               ylim=(0, 1) if act == "sigmoid" else (-1, 1))  # each activation's whole range
    for act, r in runs.items():
        axes[2].plot(list(r["looks"]), [100 * look["accuracy"] for look in r["looks"].values()], "o-", label=act)
    axes[2].axhline(100 * chance, color="grey", linestyle=":", label=_("chance"))
    axes[2].set(xlabel=_("SGD step"), ylabel=_("held-out accuracy (%)"), ylim=(0, 100), title=_("accuracy"))
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    figure.tight_layout()
    _common.write_figure(pyplot, figure, path, dpi=110)


if __name__ == "__main__":
    _common.run(main)
