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
from _common import bar_chart, error_text, format_number, heading, line_chart, load_pyplot, say, sup, table
from _i18n import _, ngettext
from _nielsen import (CLASSES, EPOCHS, ETA, EXAMPLES, LMBDA, NIELSEN, backward_pass, load_data, network2_backprop,
                      nielsen_network, prior_cost, progress, sigma_prime, train)

from tinygrad_edu import ops
from tinygrad_edu.data import one_hot
from tinygrad_edu.matrix import Matrix

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


def percent(fraction: float) -> str:
    """A share as a percentage with one decimal, the % sign where the language puts it: 95.0%, %95.0."""
    # TRANSLATORS: a percentage in a table; Turkish writes the sign first (%{percent}).
    return _("{percent}%").format(percent=f"{100 * fraction:.1f}")


def section_init(draws: dict, seeds: int, data_name: str, nielsen: dict) -> dict:
    print(heading(ngettext("1. ‖δˡ‖ = ‖∂C/∂bˡ‖ at initialisation: {count} network per depth",
                           "1. ‖δˡ‖ = ‖∂C/∂bˡ‖ at initialisation: {count} networks per depth", seeds).format(count=seeds)))
    rows, inside = [], {}
    for hidden, runs in draws.items():
        for l in range(hidden):
            low, mid, high = band([r["hidden"][l] for r in runs])
            theirs = nielsen.get(hidden, [None] * hidden)[l]
            inside[hidden, l + 1] = None if theirs is None else low <= theirs <= high
            rows.append([runs[0]["sizes"] if l == 0 else "", l + 1, format_number(mid), f"{format_number(low)} – {format_number(high)}",
                         "" if theirs is None else f"{theirs:g}", {None: "", True: _("yes"), False: _("NO")}[inside[hidden, l + 1]]])
    print(table([_("network"), _("layer l"), _("median ‖δˡ‖"), _("5–95% band"), _("Nielsen, MNIST"),
                 _("his inside our band?")], rows))
    deepest = max(draws)
    medians = [band([r["hidden"][l] for r in draws[deepest]])[1] for l in range(deepest)]
    print()
    print(bar_chart([_("layer {layer}").format(layer=l) for l in range(1, deepest + 1)], medians, log=True, width=40,
                    title=_("{network}: median ‖δˡ‖ by hidden layer l").format(network=draws[deepest][0]['sizes'])))
    checked = [v for v in inside.values() if v is not None]
    outside = len(checked) - sum(checked)
    # A 5–95% band holds 90% of draws: the chance that `outside` or more of his draws fall out by luck.
    luck = math.fsum(math.comb(len(checked), k) * 0.1 ** k * 0.9 ** (len(checked) - k)
                     for k in range(outside, len(checked) + 1))
    alike = bool(checked) and luck >= 0.05
    sentences = [_("Data: {data}.").format(data=data_name)]
    if not checked:
        sentences.append(_("Nielsen's numbers are for 30 units per layer and up to 4 hidden layers: none to compare "
                           "with here."))
    else:
        numbers = {"inside": len(checked) - outside, "total": len(checked), "outside": outside,
                   "luck": format_number(luck, 2, flag=False)}
        sentences.append(_("Nielsen printed one network per depth, on MNIST: {inside} of his {total} numbers lie "
                           "inside our 5–95% band.").format(**numbers))
        sentences.append((_("A band that holds 90% of draws leaves about 1 in 10 outside; {outside} or more of {total} "
                            "outside happens by luck with probability {luck}, so his draws look like ours.") if alike
                          else _("A band that holds 90% of draws leaves about 1 in 10 outside; {outside} or more of "
                                 "{total} outside happens by luck with probability {luck}, so his numbers differ from "
                                 "ours by more than luck.")).format(**numbers))
    say(" ".join(sentences))
    return {"inside": inside, "alike": alike, "luck": luck}


def section_ratios(draws: dict, mean_field: float, nielsen: dict) -> dict:
    print(heading(_("2. Each layer back: the gradient divided by ‖δˡ⁺¹‖/‖δˡ‖")))
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
        # TRANSLATORS: two cells of one row that read together: "‖δ¹‖ < ‖δ²‖ in" | "17 of 20" (networks).
        rows.append(["", _("{inequality} in").format(inequality=f"‖δ¹‖ < {'… < ' if hidden > 2 else ''}‖δ{sup(hidden)}‖"),
                     _("{count} of {total}").format(count=increasing, total=len(runs)), "", ""])
    print(table([_("network"), _("layers"), _("median ratio"), _("5–95% band"), _("Nielsen, MNIST")], rows))
    parts = {key: band(values) for key, values in pooled.items()}
    print()
    print(table([_("every hidden layer pooled"), _("median"), _("5–95% band"), _("smallest"), _("largest")],
                [[name, format_number(parts[key][1]), f"{format_number(parts[key][0])} – {format_number(parts[key][2])}",
                  format_number(min(pooled[key])), format_number(max(pooled[key]))]
                 for name, key in ((_("the ratio ‖δˡ⁺¹‖/‖δˡ‖"), "ratios"), (_("σ′ part: 1/RMS σ′(zˡ)"), "sigma_part"),
                                   (_("W part: ‖(Wˡ⁺¹)ᵀδˡ⁺¹‖/‖δˡ⁺¹‖"), "weight_gain"))]))
    below = [k for k, r in enumerate(pooled["ratios"]) if r < 4]
    stretched = sum(pooled["weight_gain"][k] > 1 for k in below)
    spread = {key: parts[key][2] / parts[key][0] for key in ("sigma_part", "weight_gain")}
    loose = max(abs(r * w / s - 1) for r, s, w in zip(*pooled.values()))
    wider = "weights" if spread["weight_gain"] > spread["sigma_part"] else "σ′ values"
    numbers = {"rms": format_number(parts['sigma_part'][1], 3), "mean_field": format_number(mean_field, 3),
               "smallest": format_number(min(pooled['sigma_part']), 3), "median": format_number(parts['weight_gain'][1], 3),
               "low": format_number(parts['weight_gain'][0], 3), "high": format_number(parts['weight_gain'][2], 3),
               "percent": f"{100 * loose:.0f}", "count": len(pooled['ratios']), "below": len(below),
               "stretched": stretched, "weights": format_number(spread['weight_gain'], 3),
               "sigma": format_number(spread['sigma_part'], 3)}
    if not below:
        ratio = _("The ratio is about the σ′ part divided by the W part (within {percent}% in every network here), so a "
                  "ratio below 4 needs weights that stretch: none of the {count} ratios is below 4.")
    elif stretched == len(below):
        ratio = ngettext(
            "The ratio is about the σ′ part divided by the W part (within {percent}% in every network here), so a "
            "ratio below 4 needs weights that stretch: {below} of the {count} ratios is below 4, and its W part is "
            "above 1.",
            "The ratio is about the σ′ part divided by the W part (within {percent}% in every network here), so a "
            "ratio below 4 needs weights that stretch: {below} of the {count} ratios are below 4, and the W part "
            "is above 1 in every one of them.", len(below))
    elif len(below) == 1:  # so its W part is not above 1
        ratio = _("The ratio is about the σ′ part divided by the W part (within {percent}% in every network here), so "
                  "a ratio below 4 needs weights that stretch: one of the {count} ratios is below 4, and its W part is "
                  "not above 1 (there the estimate is loose).")
    else:
        ratio = ngettext(
            "The ratio is about the σ′ part divided by the W part (within {percent}% in every network here), so a "
            "ratio below 4 needs weights that stretch: {below} of the {count} ratios is below 4, and the W part "
            "is above 1 in only {stretched} of them (there the estimate is loose).",
            "The ratio is about the σ′ part divided by the W part (within {percent}% in every network here), so a "
            "ratio below 4 needs weights that stretch: {below} of the {count} ratios are below 4, and the W part "
            "is above 1 in only {stretched} of them (there the estimate is loose).", len(below))
    spread_text = (_("Relative to its median, the W part's band is wider than the σ′ part's ({weights}× against "
                     "{sigma}× from 5% to 95%): the spread between networks comes mostly from their weights.")
                   if wider == "weights" else
                   _("Relative to its median, the W part's band is narrower than the σ′ part's ({weights}× against "
                     "{sigma}× from 5% to 95%): the spread between networks comes mostly from their σ′ values."))
    say(" ".join(text.format(**numbers) for text in [
        _("Two things divide the gradient."),
        _("σ′: its root-mean-square over a layer's units and images is 1/{rms} (median); a mean-field estimate for an "
          "infinitely wide layer, z ~ N(0, q*) with q* = 1 + E[σ(z)²], gives 1/{mean_field}."),
        _("Since σ′ ≤ 1/4 this part can never divide by less than 4 (smallest here: {smallest}): 4 is a floor, not a "
          "cap."),
        _("(Wˡ⁺¹)ᵀ: with n·Var(W) = 1 it keeps the gradient's size on average (median {median}), but one draw "
          "stretches or shrinks it by {low} to {high}."),
        ratio, spread_text]))
    return {"parts": parts, "below_four": len(below), "stretched": stretched, "pooled": pooled}


def mean_field_factor() -> float:
    """1/√E[σ′(z)²] at the fixed point q* = 1 + E[σ(z)²], z ~ N(0, q*): weights N(0, 1/n), biases N(0, 1)."""
    def gaussian_mean(f, q: float, points: int = 4001, reach: float = 10.0) -> float:  # Simpson's rule
        h = 2 * reach / (points - 1)
        return math.fsum((1 if i in (0, points - 1) else 4 if i % 2 else 2) * f((-reach + i * h) * math.sqrt(q))
                         * math.exp(-(-reach + i * h) ** 2 / 2) for i in range(points)) * h / 3 / math.sqrt(2 * math.pi)
    q = 1.25
    for _repeat in range(200):
        q, previous = 1 + gaussian_mean(lambda z: ops.sigmoid.forward(z) ** 2, q), q
        if abs(q - previous) < 1e-14:
            break
    return 1 / math.sqrt(gaussian_mean(lambda z: sigma_prime(z) ** 2, q))


def lesson(draws: dict, ratios: dict, alike: bool) -> str:
    """The closing sentence, every number and claim in it read from the run."""
    deepest = draws[max(draws)]
    slower = statistics.median(r["hidden"][-1] / r["hidden"][0] for r in deepest)
    increasing = all(all(a < b for a, b in zip(r["hidden"], r["hidden"][1:])) for runs in draws.values() for r in runs)
    numbers = {"factor": format_number(ratios['parts']['ratios'][1], 2), "network": deepest[0]['sizes'],
               "times": format_number(slower, 3), "count": len(deepest)}
    if increasing and alike:
        held = _("In {network} the first hidden layer's gradient is {times} times smaller than the last one's (median "
                 "of {count} networks); ‖δ¹‖ < ‖δ²‖ < … held in every network drawn, and Nielsen’s MNIST draws look "
                 "like ours (section 1).")
    elif increasing:
        held = _("In {network} the first hidden layer's gradient is {times} times smaller than the last one's (median "
                 "of {count} networks); ‖δ¹‖ < ‖δ²‖ < … held in every network drawn.")
    elif alike:
        held = _("In {network} the first hidden layer's gradient is {times} times smaller than the last one's (median "
                 "of {count} networks); ‖δ¹‖ < ‖δ²‖ < … held in most networks, not all, and Nielsen’s MNIST draws look "
                 "like ours (section 1).")
    else:
        held = _("In {network} the first hidden layer's gradient is {times} times smaller than the last one's (median "
                 "of {count} networks); ‖δ¹‖ < ‖δ²‖ < … held in most networks, not all.")
    return " ".join([_("Lesson: in a deep sigmoid network each hidden layer back divides the gradient by about {factor}, "
                       "because σ′ is at most 1/4 and the weights keep the size only on average.").format(**numbers),
                     held.format(**numbers)])


# ---------------------------------------------------------------------------
# 3 and 4: training, as in fig/generate_gradient.py
# ---------------------------------------------------------------------------

def below_floor(costs: list, floor: float) -> bool:
    """Has the cost gone more than 0.5% below what answering the class frequencies alone achieves?"""
    return costs[-1] < 0.995 * floor


def cost_verdict(costs: list, floor: float) -> str:
    """Has the cost gone more than 0.5% below what answering the class frequencies alone achieves? In words."""
    numbers = {"start": format_number(costs[0]), "end": format_number(costs[-1]), "floor": format_number(floor)}
    if below_floor(costs, floor):
        text = _("C₀ went from {start} to {end}, more than 0.5% below {floor}, the cost of answering the class "
                 "frequencies whatever the image: the network does better than ignoring the images")
    elif costs[-1] < floor:
        text = _("C₀ went from {start} to {end}, within 0.5% of {floor}, the cost of answering the class frequencies "
                 "whatever the image: so far it does no better than ignoring the images and guessing by how often each "
                 "digit occurs")
    else:
        text = _("C₀ went from {start} to {end}, still above {floor}, the cost of answering the class frequencies "
                 "whatever the image: so far it does no better than ignoring the images and guessing by how often each "
                 "digit occurs")
    return text.format(**numbers)


def above_chance(accuracy: float, chance: float, n: int) -> bool:
    """Above chance only if by more than 3 binomial standard errors of guessing on n images."""
    return accuracy > chance + 3 * math.sqrt(chance * (1 - chance) / n)


def accuracy_numbers(accuracy: float, chance: float, n: int) -> dict:
    """The numbers an accuracy verdict prints: percentages, the image count and the 3-standard-error margin."""
    margin = 3 * math.sqrt(chance * (1 - chance) / n)
    return {"accuracy": f"{100 * accuracy:.1f}", "count": n, "chance": f"{100 * chance:.1f}",
            "margin": f"{100 * margin:.1f}"}


def accuracy_verdict(accuracy: float, chance: float, n: int) -> str:
    """Above chance only if by more than 3 binomial standard errors of guessing on n images. In words."""
    numbers = accuracy_numbers(accuracy, chance, n)
    if above_chance(accuracy, chance, n):
        return _("held-out accuracy is above chance: {accuracy}% on {count} held-out images against a chance level of "
                 "{chance}%").format(**numbers)
    return _("held-out accuracy is at chance: {accuracy}% on {count} held-out images against a chance level of "
             "{chance}%, within 3 standard errors ({margin} points) of guessing").format(**numbers)


def slowest_verdict(norms: list) -> str:
    """Is hidden layer 1 the one with the smallest ‖δˡ‖ at every epoch measured?"""
    slowest = [min(range(len(row)), key=row.__getitem__) + 1 for row in norms]
    first_other = next((e for e, layer in enumerate(slowest) if layer != 1), None)
    if first_other is None:
        return _("hidden layer 1 has the smallest gradient at every one of the {count} epochs measured").format(
            count=len(norms))
    return _("hidden layer 1 has the smallest gradient at only {count} of the {total} epochs measured: at epoch "
             "{epoch} it is layer {layer}").format(count=slowest.count(1), total=len(norms), epoch=first_other,
                                                   layer=slowest[first_other])


def gap_verdict(ratios: list) -> str:
    """How the ratio of the last to the first hidden layer's ‖δ‖ changed: by more than 1.5× either way, or not."""
    undefined = sum(math.isnan(r) for r in ratios)
    if math.isnan(ratios[0]) or math.isnan(ratios[-1]):
        return _("the gap between the last and the first hidden layer has no value at epoch 0 or {last}: ‖δ¹‖ is "
                 "exactly 0 at {count} of the {total} epochs").format(last=len(ratios) - 1, count=undefined,
                                                                      total=len(ratios))
    defined = [r for r in ratios if not math.isnan(r)]
    numbers = {"first": format_number(ratios[0]), "final": format_number(ratios[-1]), "last": len(ratios) - 1,
               "low": format_number(min(defined)), "high": format_number(max(defined)), "count": undefined}
    # TRANSLATORS: {between} is the parenthesis that follows, "(from 0.2 to 9.1 in between)".
    numbers["between"] = (ngettext("(from {low} to {high} in between; ‖δ¹‖ is exactly 0 at {count} epoch)",
                                   "(from {low} to {high} in between; ‖δ¹‖ is exactly 0 at {count} epochs)", undefined)
                          if undefined else _("(from {low} to {high} in between)")).format(**numbers)
    if ratios[-1] < ratios[0] / 1.5:
        text = _("the gap between the last and the first hidden layer narrows: the last one's gradient is {first} "
                 "times the first's at epoch 0 and {final} times at epoch {last} {between}")
    elif ratios[-1] > 1.5 * ratios[0]:
        text = _("the gap between the last and the first hidden layer widens: the last one's gradient is {first} "
                 "times the first's at epoch 0 and {final} times at epoch {last} {between}")
    else:
        text = _("the gap between the last and the first hidden layer stays about the same: the last one's gradient is "
                 "{first} times the first's at epoch 0 and {final} times at epoch {last} {between}")
    return text.format(**numbers)


def section_training(run: dict, seed: int, held_out_n: int, chance: float, floor: float, eta: float, lmbda: float) -> dict:
    norms, epochs, hidden = run["norms"], len(run["norms"]) - 1, len(run["norms"][0])
    print(heading(ngettext("3. Training {network}: {epochs} epoch, full batch, η = {eta}, λ = {lmbda}",
                           "3. Training {network}: {epochs} epochs, full batch, η = {eta}, λ = {lmbda}", epochs).format(
        network=run['sizes'], epochs=epochs, eta=f"{eta:g}", lmbda=f"{lmbda:g}")))
    say(" ".join([
        _("The network is the seed-{seed} draw of section 1, so epoch 0 shows that one draw's ‖δˡ‖, not the "
          "medians.").format(seed=seed),
        _("Every epoch: ‖δˡ‖ and C₀ on the training images, then one step; held-out accuracy every epoch.")
        if run['every'] == 1 else
        ngettext("Every epoch: ‖δˡ‖ and C₀ on the training images, then one step; held-out accuracy every {count} "
                 "epoch.",
                 "Every epoch: ‖δˡ‖ and C₀ on the training images, then one step; held-out accuracy every {count} "
                 "epochs.", run['every']).format(count=run['every'])]))
    ratios = [row[-1] / row[0] if row[0] else math.nan for row in norms]  # no ratio where ‖δ¹‖ = 0 exactly
    rows = [[e] + [format_number(v) for v in norms[e]] + [format_number(ratios[e]) if norms[e][0] else "‖δ¹‖ = 0",
            format_number(run["cost"][e]), percent(a)] for e, a in run["accuracy"].items()]
    print(table([_("epoch")] + [f"‖δ{sup(l)}‖" for l in range(1, hidden + 1)]
                + [f"‖δ{sup(hidden)}‖/‖δ¹‖", _("C₀ (no L2 term)"), _("held-out accuracy")], rows))
    print()
    print(line_chart({_("layer {layer}").format(layer=l): [row[l - 1] for row in norms] for l in range(1, hidden + 1)},
                     log=True, height=10, width=60,
                     title=_("‖δˡ‖ at every epoch (x axis: epoch 0 to {epochs})").format(epochs=epochs)))
    final = run["accuracy"][epochs]
    verdicts = {"cost": cost_verdict(run["cost"], floor), "accuracy": accuracy_verdict(final, chance, held_out_n),
                "slowest": slowest_verdict(norms), "gap": gap_verdict(ratios)}
    # TRANSLATORS: {cost}, {accuracy}, {slowest} and {gap} are whole clauses (the messages "C₀ went from…",
    # "held-out accuracy is…", "hidden layer 1 has…", "the gap between…"), each with its own verb.
    sentences = [ngettext("After {epochs} epoch: {cost}; {accuracy}. Over the run {slowest}, and {gap}.",
                          "After {epochs} epochs: {cost}; {accuracy}. Over the run {slowest}, and {gap}.", epochs).format(
        epochs=epochs, **verdicts)]
    if not math.isfinite(run["cost"][-1]):
        sentences.append(_("Training stopped: the cost became {cost}.").format(cost=run['cost'][-1]))
    say(" ".join(sentences))
    return {"verdicts": verdicts, "ratios": ratios, "final_accuracy": final,
            "above_chance": above_chance(final, chance, held_out_n)}


def section_summary(trained: dict, chance: float, floor: float) -> None:
    epochs = len(next(iter(trained.values()))["norms"]) - 1
    print(heading(ngettext("4. After {epochs} epoch, side by side", "4. After {epochs} epochs, side by side",
                           epochs).format(epochs=epochs)))
    print(table([_("network"), _("held-out accuracy"), "C₀", _("‖δ last hidden‖/‖δ¹‖")],
                [[t["sizes"], percent(t['final_accuracy']), format_number(t["cost"][-1]), format_number(t["ratios"][-1])]
                 for t in trained.values()]))
    learned = [str(t["sizes"]) for t in trained.values() if t["above_chance"]]
    stuck = [str(t["sizes"]) for t in trained.values() if not below_floor(t["cost"], floor)]
    numbers = {"chance": f"{100 * chance:.1f}", "floor": format_number(floor), "learned": ", ".join(learned),
               "stuck": ", ".join(stuck)}
    say(" ".join(text.format(**numbers) for text in [
        _("Above chance ({chance}%): {learned}.") if learned else _("Above chance ({chance}%): none."),
        _("Not 0.5% below the cost of answering the class frequencies ({floor}), so no better than ignoring the "
          "images: {stuck}.") if stuck else
        _("Not 0.5% below the cost of answering the class frequencies ({floor}), so no better than ignoring the "
          "images: none.")]))


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def parse(argv: list | None):
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--seeds", type=_common.whole_number(2, 1000), default=20,
                   help=_("networks drawn per depth, seeds SEED, SEED+1, … (default 20; 2 to 1000: a band needs two)"))
    p.add_argument("--hidden", type=_common.whole_number(2, 30), nargs="+", default=[2, 3, 4],
                   help=_("numbers of hidden layers to compare (default 2 3 4; 2 to 30)"))
    p.add_argument("--width", type=_common.whole_number(1, 1000), default=30,
                   help=_("units per hidden layer (default 30)"))
    p.add_argument("--examples", type=_common.whole_number(2, 59999), default=EXAMPLES,
                   help=_("images the gradient is averaged over and trained on (default {count}, Nielsen's)").format(
                       count=EXAMPLES))
    p.add_argument("--mnist", metavar="DIR",
                   help=_("use MNIST: the four IDX files in DIR, plain or .gz (several minutes at the defaults)"))
    p.add_argument("--train", action="store_true",
                   help=_("also train, Nielsen's way: 500 epochs take 1 to 5 minutes per depth"))
    p.add_argument("--epochs", type=_common.whole_number(1, 100000), default=EPOCHS,
                   help=_("epochs with --train (default {epochs})").format(epochs=EPOCHS))
    p.add_argument("--lr", type=_common.number(0.0, 1e6, open_low=True), default=ETA,
                   help=_("learning rate η with --train (default {eta})").format(eta=ETA))
    p.add_argument("--lmbda", type=_common.number(0.0, 1e6), default=LMBDA,
                   help=_("L2 strength λ with --train (default {lmbda})").format(lmbda=LMBDA))
    args = p.parse_args(argv)
    limit = 1797 if args.mnist is None else 60000
    if not 2 <= args.examples < limit:
        p.error(_("--examples {count}: need 2 to {most} images (the rest are held out)").format(
            count=args.examples, most=limit - 1))
    if args.lr * args.lmbda / args.examples >= 1:
        p.error(_("--lr {lr} with --lmbda {lmbda} on {count} images makes the weight decay factor 1 − ηλ/n = {factor}: "
                  "weights would flip sign every epoch; keep ηλ/n < 1").format(
            lr=f"{args.lr:g}", lmbda=f"{args.lmbda:g}", count=args.examples,
            factor=f"{1 - args.lr * args.lmbda / args.examples:g}"))
    _common.at_most(p, args.hidden, 6, "--hidden")
    n_in = 64 if args.mnist is None else 784
    # The pass at initialisation: forward and backward (about 3× the forward's multiply-adds) per network.
    per_pass = sum(args.examples * (n_in * args.width + (h - 1) * args.width ** 2 + 10 * args.width)
                   for h in args.hidden)
    # MNIST's 784 pixels make Nielsen's own setting about 5e9 multiply-adds: allowed, and the help says it is slow.
    _common.refuse_if_too_big(p, 3 * args.seeds * per_pass, "initialisation",
                              limit=_common.MAX_WORK * (1 if args.mnist is None else 10))
    if args.mnist is not None and not os.path.isdir(args.mnist):
        p.error(_("--mnist {folder}: not a folder").format(folder=args.mnist))
    return p, args


def main(argv: list | None = None) -> dict:
    p, args = parse(argv)
    try:
        images, labels, held_images, held_labels, data_name = load_data(args.examples, args.mnist)
    except (OSError, ValueError) as error:  # a missing or broken MNIST file, named in the message
        p.error(str(error))
    X, Y = Matrix(images, requires_grad=False), Matrix(one_hot(labels, CLASSES), requires_grad=False)
    hidden_list = sorted(set(args.hidden))
    print(heading(_("Learning speed per layer: Nielsen's chapter-5 experiment on real handwritten digits")))
    say(_("Source: Nielsen, Neural Networks and Deep Learning, ch. 5, and his code (network2.py, "
          "fig/generate_gradient.py). Look for: each hidden layer further from the output gets a smaller gradient "
          "‖δˡ‖ = ‖∂C/∂bˡ‖, about 5 times smaller per layer; and whether that holds in every network drawn."))
    same = _("the same")

    def training(eta: float, lmbda: float, epochs: int) -> str:
        return ngettext("full batch, η = {eta}, λ = {lmbda}, {epochs} epoch", "full batch, η = {eta}, λ = {lmbda}, "
                        "{epochs} epochs", epochs).format(eta=f"{eta:g}", lmbda=f"{lmbda:g}", epochs=epochs)

    print(table(["", _("Nielsen (ch. 5)"), _("here")], [
        [_("images"), _("MNIST, 28×28, first 1000"),
         (_("MNIST, first {count}") if args.mnist else _("UCI digits, 8×8, first {count}")).format(count=args.examples)],
        [_("network"), _("{network}, sigmoid").format(network="[784, 30, …, 30, 10]"),
         _("{network}, sigmoid").format(network=f"[{len(images[0])}, {args.width}, …, {args.width}, 10]")],
        [_("initialisation"), "W ~ N(0, 1)/√n_in, b ~ N(0, 1)", same],
        [_("cost"), _("cross-entropy on σ outputs: δᴸ = a − y"), same],
        [_("measure"), _("‖mean of ∂C/∂bˡ over the images‖"), same],
        [_("networks per depth"), _("one"), ngettext("{count} (seed {first} to {last})", "{count} (seeds {first} to {last})",
                                                    args.seeds).format(count=args.seeds, first=args.seed,
                                                                       last=args.seed + args.seeds - 1)],
        [_("training (--train)"), training(ETA, LMBDA, EPOCHS), training(args.lr, args.lmbda, args.epochs)]]))
    draws, started = {}, time.perf_counter()
    for h in hidden_list:
        sizes = [len(images[0])] + [args.width] * h + [CLASSES]
        draws[h] = []
        for k in range(args.seeds):
            draws[h].append({**at_initialisation(X, Y, sizes, args.seed + k), "sizes": sizes})
            progress(_("networks drawn at initialisation"), len(draws) * args.seeds - args.seeds + k + 1,
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
        print(ngettext("({network}: {epochs} epoch in {seconds} s, {cpu} s of CPU)",
                       "({network}: {epochs} epochs in {seconds} s, {cpu} s of CPU)", args.epochs).format(
            network=trained[h]['sizes'], epochs=args.epochs, seconds=f"{trained[h]['seconds']:.0f}",
            cpu=f"{trained[h]['cpu_seconds']:.0f}"), file=sys.stderr)  # not stdout: a seed prints the same

    if len(trained) > 1:
        section_summary(trained, chance, floor)
    first = draws[hidden_list[-1]][0]
    by_hand = network2_backprop(first["model"], images, labels)
    route = max(math.hypot(*[a - b for a, b in zip(lin.bias.grad[0], hand)]) / math.hypot(*hand)
                for lin, hand in zip(first["model"].linears, by_hand))
    output = max(r["output_error"] for runs in draws.values() for r in runs)
    same_start = all(t["norms"][0] == draws[h][0]["hidden"] for h, t in trained.items())
    ok = route <= ROUTE_TOL and output <= ROUTE_TOL and same_start
    print(heading(_("Checks")))
    numbers = {"network": first['sizes'], "seed": args.seed, "route": error_text(route),
               "count": sum(map(len, draws.values())), "output": error_text(output), "tolerance": f"{ROUTE_TOL:g}"}
    if not trained:
        started = _("Training not run (add --train), so not checked.")
    elif same_start:
        started = _("Epoch 0 of every training run reproduces its seed-{seed} draw of section 1: yes.")
    else:
        started = _("Epoch 0 of every training run reproduces its seed-{seed} draw of section 1: NO.")
    say(" ".join(text.format(**numbers) for text in [
        _("The engine's ∂C/∂bˡ for every layer of {network} (seed {seed}) against network2's equations written out in "
          "plain floats, image by image: they differ by {route} of ‖δˡ‖ at most."),
        _("The output layer's ∂C/∂bᴸ against its closed form mean(σ(zᴸ) − y), in all {count} networks: {output} at "
          "most (tolerance {tolerance} for both)."),
        started,
        _("All checks passed: yes.") if ok else _("All checks passed: NO: MISMATCH.")]))
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
                    color=colours[2 * k], marker="o", capsize=3,
                    label=_("{count} hidden: median, 5–95%").format(count=h))
        if h in nielsen:
            ax.plot(range(1, h + 1), nielsen[h], "x--", color=colours[2 * k + 1],
                    label=_("{count} hidden: Nielsen, MNIST").format(count=h))
    ax.set(yscale="log", xlabel=_("hidden layer l"), ylabel="‖δˡ‖ = ‖∂C/∂bˡ‖", title=_("at initialisation"),
           xticks=range(1, max(draws) + 1))
    if trained:
        ax = axes[0][1]
        for k, (h, run) in enumerate(trained.items()):
            ax.plot(list(run["accuracy"]), [100 * a for a in run["accuracy"].values()], "o-", color=colours[2 * k],
                    label=_("{count} hidden").format(count=h))
        ax.axhline(100 * chance, color="grey", linestyle=":", label=_("chance"))
        ax.set(xlabel=_("epoch"), ylabel=_("held-out accuracy (%)"), ylim=(0, 100), title=_("held-out accuracy"))
        ax = axes[0][2]
        for k, (h, run) in enumerate(trained.items()):
            ax.plot(run["cost"], color=colours[2 * k], label=_("{count} hidden").format(count=h))
        ax.axhline(floor, color="grey", linestyle=":", label=_("answering the class frequencies"))
        ax.set(xlabel=_("epoch"), ylabel=_("C₀ (cross-entropy, no L2 term)"), title=_("cost on the training images"))
        for ax in axes[0][3:]:
            ax.set_visible(False)
        for ax, (h, run) in zip(axes[1], trained.items()):
            for l in range(h):
                ax.plot([row[l] for row in run["norms"]], color=colours[2 * l],
                        label=_("hidden layer {layer}").format(layer=l + 1))
            ax.set(yscale="log", xlabel=_("epoch"), ylabel="‖δˡ‖",
                   title=_("speed of learning: {network}").format(network=run['sizes']))
        for ax in axes[1][len(trained):]:
            ax.set_visible(False)
    for ax in (a for row in axes for a in row if a.get_visible()):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small")
    figure.tight_layout()
    _common.write_figure(pyplot, figure, path, dpi=110)


if __name__ == "__main__":
    _common.run(main)
