"""Dying ReLU: a unit negative on every input gets no gradient; Leaky ReLU and PReLU keep one.

Sources: Maas, Hannun & Ng, "Rectifier nonlinearities improve neural network
acoustic models" (ICML 2013 workshop), the leaky ReLU; He, Zhang, Ren & Sun,
"Delving deep into rectifiers" (ICCV 2015), PReLU (a learned slope, starting
at 0.25) and He initialisation; Lu, Shin, Su & Karniadakis, "Dying ReLU and
initialization: theory and numerical examples" (Communications in
Computational Physics 28(5), 2020), who prove that a deep ReLU network is born
dead with probability → 1 as its depth grows.

relu′(z) = 0 for z < 0.  A unit whose pre-activation is negative on every
input passes back exactly 0 on every input, so its own weights and bias get
exactly 0 gradient and can never move: it is dead.  When a whole layer is dead
the network's output no longer depends on its input, and no gradient reaches
any layer below.  Leaky ReLU (slope a = 0.01 for z < 0) and PReLU (slope a,
learned) never pass back exactly 0.  The demo prints:

  1. one dead unit: its gradient under ReLU, Leaky ReLU and PReLU;
  2. how many units are dead at initialisation, across depth and width, and
     how many networks are born dead;
  3. a born-dead network trained from the same weights with ReLU, Leaky ReLU
     and PReLU: the fraction of dead units and the loss during training.

    python demos/dying_relu.py [--seed 0] [--networks 20] [--steps 100] [--plot dying.png]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
import _task
from _common import format_number, heading, lesson, opening, say, table
from _i18n import _, ngettext
from _task import LN2, N_IN

from tinygrad_edu import nn
from tinygrad_edu.mode import no_grad
from tinygrad_edu.nn import init
from tinygrad_edu.plot import sparkline

ACTIVATIONS = ["relu", "leaky_relu", "prelu"]
SLOPE = {"relu": 0.0, "leaky_relu": 0.01, "prelu": 0.25}  # the slope for z < 0 (PReLU's at the start)
DEAD_BIAS = -10.0  # section 1: a bias this negative keeps the unit below 0 on every standardised input


def build(activation: str, depth: int, width: int, seed: int) -> nn.MLP:
    """He-initialised, biases 0; the same weights for every activation (the rng sees the same draws)."""
    return nn.MLP([N_IN] + [width] * (depth - 1) + [1], activation=activation, init=init.he_normal,
                  rng=random.Random(f"dying {seed} {depth} {width}"))


def dead_per_layer(model, X) -> list:
    """For each hidden layer, the fraction of its units whose pre-activation is ≤ 0 on every input."""
    with no_grad():
        _, zs = _task.forward_recording(model, X)
    return [sum(all(row[j] <= 0 for row in z.data) for j in range(z.shape[1])) / z.shape[1] for z in zs[:-1]]


# ---------------------------------------------------------------------------
# 1. One dead unit
# ---------------------------------------------------------------------------

def section_one_unit(X, Y, steps: int, seed: int) -> dict:
    print(heading(_("1. Why a unit dies: unit 1 of layer 1 with bias {bias}").format(
        bias=format_number(DEAD_BIAS, flag=False))))
    say(ngettext("A 3-layer network of width 8 (He weights), its first hidden unit given the bias {bias}: z₁ = w₁·x + "
                 "b₁ is negative on every one of the {count} inputs. The gradient that reaches its weights is Σ over "
                 "the inputs of f′(z₁)·(the error sent back)·x, and f′(z₁) is the slope below 0 on every input: 0 for "
                 "ReLU. Then {steps} step of SGD (lr 0.1).",
                 "A 3-layer network of width 8 (He weights), its first hidden unit given the bias {bias}: z₁ = w₁·x + "
                 "b₁ is negative on every one of the {count} inputs. The gradient that reaches its weights is Σ over "
                 "the inputs of f′(z₁)·(the error sent back)·x, and f′(z₁) is the slope below 0 on every input: 0 for "
                 "ReLU. Then {steps} steps of SGD (lr 0.1).", steps).format(
        bias=format_number(DEAD_BIAS, flag=False), count=X.shape[0], steps=steps))
    rows, result = [], {}
    for activation in ACTIVATIONS:
        model = build(activation, 3, 8, seed)
        first = model.linears[0]
        first.bias.data[0][0] = DEAD_BIAS
        with no_grad():
            _output, zs = _task.forward_recording(model, X)
        top = max(row[0] for row in zs[0].data)
        before = ([first.weight.data[0][:]], first.bias.data[0][0])
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        gradient = None
        for _step in range(steps):
            optimizer.zero_grad()
            loss = _task.loss_of(model, X, Y)
            loss.backward()
            if gradient is None:
                gradient = math.hypot(*first.weight.grad[0], first.bias.grad[0][0])
            optimizer.step()
        unchanged = ([first.weight.data[0][:]], first.bias.data[0][0]) == before
        result[activation] = {"top": top, "gradient": gradient, "unchanged": unchanged,
                              "dead_after": dead_per_layer(model, X)[0] > 0 and max(
                                  row[0] for row in _task.forward_recording(model, X)[1][0].data) <= 0}
        rows.append([activation, format_number(SLOPE[activation], flag=False), format_number(top),
                     format_number(gradient, flag=False), _("yes") if unchanged else _("no")])
    print(table([_("activation"), _("slope below 0"), _("largest z₁ over the inputs"), _("‖∂L/∂(w₁, b₁)‖ at the start"),
                 ngettext("w₁, b₁ unchanged after {steps} step", "w₁, b₁ unchanged after {steps} steps", steps).format(
                     steps=steps)], rows))
    print()
    relu = result["relu"]
    if relu["gradient"] == 0 and relu["unchanged"]:
        say(_("Under ReLU the unit's gradient is exactly 0 and its weights and bias are bit for bit the same after "
              "training: it is dead, and since the layer below it is the data itself, nothing can revive it. "
              "Leaky ReLU's slope passes back a hundredth of the error and PReLU's a quarter, so their unit's "
              "weights move."))
    else:
        say(_("Under ReLU the unit was not dead here: its gradient or its weights changed."))
    return result


# ---------------------------------------------------------------------------
# 2. Born dead: across depth and width
# ---------------------------------------------------------------------------

def section_born_dead(X, Y, widths: list, depths: list, networks: int, seed: int) -> dict:
    print(heading(ngettext("2. Born dead: {count} He-initialised ReLU network per depth and width",
                           "2. Born dead: {count} He-initialised ReLU networks per depth and width", networks).format(
        count=networks)))
    say(_("Biases 0. A unit is dead on this batch when its pre-activation is ≤ 0 on every input; a network is "
          "born dead when some hidden layer has every unit dead: it outputs exactly 0 for every input, and "
          "every gradient below it is exactly 0. Deeper, the inputs' representations become more alike, so a "
          "unit tends to be on for all of them or off for all of them."))
    rows, result = [], {}
    for width in widths:
        for depth in depths:
            fractions, born_dead = [], []
            for k in range(networks):
                fractions.append(dead_per_layer(build("relu", depth, width, seed + k), X))
                if any(f == 1.0 for f in fractions[-1]):
                    born_dead.append(seed + k)
            layers = depth - 1
            mean = [math.fsum(f[l] for f in fractions) / networks for l in range(layers)]
            leaky = [leaky_gradient(depth, width, s, X, Y) for s in born_dead]
            result[(width, depth)] = {"mean": mean, "born_dead": born_dead, "leaky": leaky}
            rows.append([width, depth, format_number(mean[0], 3, flag=False),
                         format_number(mean[layers // 2], 3, flag=False), format_number(mean[-1], 3, flag=False),
                         _("{count} of {total}").format(count=len(born_dead), total=networks),
                         format_number(min(leaky)) if leaky else ""])
    print(table([_("width"), _("depth"), _("dead units, layer 1"), _("middle layer"), _("last hidden layer"),
                 _("born dead"), _("Leaky ReLU, same weights: smallest ‖δ¹‖")], rows))
    print()
    deepest, narrowest = max(depths), min(widths)
    counts = [len(result[(narrowest, d)]["born_dead"]) for d in depths]
    if counts == sorted(counts) and counts[-1] > counts[0]:
        say(_("At width {width} the number born dead grows with depth, {counts} of {total}, as Lu et al. prove it must; "
              "wider networks die later.").format(width=narrowest, counts=", ".join(map(str, counts)), total=networks))
    else:
        say(_("At width {width} the numbers born dead are {counts} of {total} for depths {depths}: with this many "
              "networks the trend is not monotone.").format(width=narrowest, counts=", ".join(map(str, counts)),
                                                             total=networks, depths=", ".join(map(str, depths))))
    leaky = [g for r in result.values() for g in r["leaky"]]
    if leaky and min(leaky) > 0:
        say(ngettext("Every one of the {count} born-dead network passes a gradient to layer 1 when its ReLUs are "
                     "replaced by Leaky ReLUs with the same weights (the smallest ‖δ¹‖ is {smallest}): small, but not 0.",
                     "Every one of the {count} born-dead networks passes a gradient to layer 1 when its ReLUs are "
                     "replaced by Leaky ReLUs with the same weights (the smallest ‖δ¹‖ is {smallest}): small, but not 0.",
                     len(leaky)).format(count=len(leaky), smallest=format_number(min(leaky))))
    return result


def leaky_gradient(depth: int, width: int, seed: int, X, Y) -> float:
    """‖δ¹‖ of the same network with Leaky ReLU."""
    return _task.delta_norms(build("leaky_relu", depth, width, seed), X, Y)[0]


# ---------------------------------------------------------------------------
# 3. Training a born-dead network
# ---------------------------------------------------------------------------

def first_born_dead(depth: int, width: int, X, seed: int, tries: int = 200) -> int | None:
    for s in range(seed, seed + tries):
        if any(f == 1.0 for f in dead_per_layer(build("relu", depth, width, s), X)):
            return s
    return None


def section_training(X, Y, depth: int, width: int, steps: int, seed: int) -> dict:
    found = first_born_dead(depth, width, X, seed)
    print(heading(_("3. Training a born-dead network: depth {depth}, width {width}, the same weights three times").format(
        depth=depth, width=width)))
    if found is None:
        say(_("No network born dead among 200 seeds from {seed} at this depth and width: nothing to show.").format(
            seed=seed))
        return {}
    say(ngettext("Seed {found} is the first from {seed} whose ReLU network is born dead. The same weights, trained with "
                 "ReLU, Leaky ReLU (a = 0.01) and PReLU (a = 0.25 at the start, learned per layer) by SGD with momentum "
                 "0.9 (lr 0.05) for {steps} step:",
                 "Seed {found} is the first from {seed} whose ReLU network is born dead. The same weights, trained with "
                 "ReLU, Leaky ReLU (a = 0.01) and PReLU (a = 0.25 at the start, learned per layer) by SGD with momentum "
                 "0.9 (lr 0.05) for {steps} steps:", steps).format(found=found, seed=seed, steps=steps))
    every = max(1, steps // 5)
    rows, result = [], {}
    for activation in ACTIVATIONS:
        model = build(activation, depth, width, found)
        optimizer = nn.SGD(model.parameters(), lr=0.05, momentum=0.9)
        losses, dead, first_gradient = [], [], None
        for step in range(steps + 1):
            if step % every == 0 or step == steps:
                fractions = dead_per_layer(model, X)
                dead.append(math.fsum(fractions) / len(fractions))
            optimizer.zero_grad()
            loss = _task.loss_of(model, X, Y)
            losses.append(loss.item())
            if step == steps or not math.isfinite(losses[-1]):
                break
            loss.backward()
            if first_gradient is None:
                first_gradient = _task.flat_norm(model.linears[0].weight.grad)
            optimizer.step()
        result[activation] = {"losses": losses, "dead": dead, "first_gradient": first_gradient}
        rows.append([activation, format_number(first_gradient, flag=False),
                     " → ".join(format_number(d, 2, flag=False) for d in dead),
                     repr(losses[0]), format_number(losses[-1], 3), f"  {sparkline(losses[::max(1, steps // 40)])}"])
    print(table([_("activation"), _("‖∂L/∂W¹‖ at the start"),
                 ngettext("units negative on every input, every {count} step",
                          "units negative on every input, every {count} steps", every).format(count=every),
                 _("loss at start"), _("loss at the end"), _("loss curve")], rows, align="lrlrrl"))
    print()
    relu = result["relu"]
    if relu["first_gradient"] == 0 and set(relu["losses"]) == {relu["losses"][0]} and len(set(relu["dead"])) == 1:
        say((_("ReLU: ∂L/∂W¹ is exactly 0, and so is every gradient except the output bias's, which is mean(σ(0) − y) "
               "= 0 here (balanced labels): the loss stays at {loss} = ln 2 for all {steps} steps, and the dead units "
               "stay dead.") if relu['losses'][0] == LN2 else
             _("ReLU: ∂L/∂W¹ is exactly 0, and so is every gradient except the output bias's, which is mean(σ(0) − y) "
               "= 0 here (balanced labels): the loss stays at {loss} for all {steps} steps, and the dead units stay "
               "dead.")).format(loss=repr(relu['losses'][0]), steps=steps))
    for activation in ("leaky_relu", "prelu"):
        r = result[activation]
        learned = math.isfinite(r["losses"][-1]) and r["losses"][-1] < LN2 / 2
        if r["first_gradient"] > 0 and learned:
            say(_("{activation}: the same weights pass back a gradient ({gradient} at W¹), and the loss falls from "
                  "{start} to {end}: the units negative on every input still pass a gradient, and the network "
                  "learns.").format(activation=activation, gradient=format_number(r['first_gradient']),
                                    start=format_number(r['losses'][0], 4), end=format_number(r['losses'][-1], 3)))
        elif r["first_gradient"] > 0:
            say(ngettext("{activation}: a gradient reaches W¹ ({gradient}), but in {steps} step the loss only went from "
                         "{start} to {end}: a slope of {slope} through many negative layers leaves little signal, and "
                         "this start did not escape in time.",
                         "{activation}: a gradient reaches W¹ ({gradient}), but in {steps} steps the loss only went from "
                         "{start} to {end}: a slope of {slope} through many negative layers leaves little signal, and "
                         "this start did not escape in time.", steps).format(
                activation=activation, gradient=format_number(r['first_gradient']), steps=steps,
                start=format_number(r['losses'][0], 4), end=format_number(r['losses'][-1], 4),
                slope=format_number(SLOPE[activation], flag=False)))
    result["seed"] = found
    return result


def save(path: str, born: dict, widths: list, depths: list, training: dict, networks: int) -> None:
    deepest = max(depths)
    per_layer = {_("width {width}, depth {depth}").format(width=w, depth=deepest): (list(range(1, deepest)),
                                                                                   born[(w, deepest)]["mean"])
                 for w in widths}
    counts = {_("width {width}").format(width=w): (depths, [len(born[(w, d)]["born_dead"]) for d in depths], "o-")
              for w in widths}
    panels = [(_("dead units at initialisation, layer by layer"), per_layer, False, _("hidden layer l"),
               _("fraction of units dead on the batch")),
              (_("ReLU networks born dead (of {count})").format(count=networks), counts, False, _("depth"),
               _("networks born dead"))]
    losses = {a: (list(range(len(r["losses"]))), r["losses"]) for a, r in training.items() if a in ACTIVATIONS}
    if losses:
        losses["ln 2"] = (list(range(len(training["relu"]["losses"]))), [LN2] * len(training["relu"]["losses"]), "k:")
        panels.append((_("a born-dead network, trained"), losses, False, _("step"), _("loss")))
    _common.save_figure(path, panels)


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--networks", type=_common.whole_number(1, 200), default=20,
                   help=_("networks per depth and width in section 2, 1 to 200 (default 20)"))
    p.add_argument("--steps", type=_common.whole_number(1, 2000), default=100,
                   help=_("training steps of sections 1 and 3, 1 to 2000 (default 100)"))
    p.add_argument("--depth", type=_common.whole_number(3, 100), default=10,
                   help=_("depth of section 3's network, 3 to 100 (default 10)"))
    args = p.parse_args(argv)
    born = 3 * args.networks * sum(d * _common.layer_work(w, w, 32) for w in (4, 8) for d in (5, 10, 20, 50))
    training = 3 * 3 * args.steps * (args.depth * _common.layer_work(4, 4, 32) + 3 * _common.layer_work(8, 8, 32))
    _common.refuse_if_too_big(p, born + training, "run")
    opening(_("Dying ReLU: no gradient through a unit that is negative on every input"),
            _("Maas, Hannun & Ng (2013), leaky ReLU; He et al. (2015), PReLU; Lu, Shin, Su & Karniadakis (2020), "
              "deep ReLU networks born dead."),
            [_("a dead unit's gradient exactly 0 under ReLU, and not under Leaky ReLU or PReLU;"),
             _("more dead units the deeper the layer, and narrow deep networks born dead;"),
             _("a born-dead ReLU network stuck at ln 2 for ever, the same weights learning with PReLU.")])
    X, Y, _labels = _task.blobs(32, args.seed)
    one = section_one_unit(X, Y, args.steps, args.seed)
    widths, depths = [4, 8], [5, 10, 20, 50]
    born = section_born_dead(X, Y, widths, depths, args.networks, args.seed)
    training = section_training(X, Y, args.depth, 4, args.steps, args.seed)

    unit_ok = one["relu"]["gradient"] == 0 and one["relu"]["unchanged"] and all(
        one[a]["gradient"] > 0 for a in ("leaky_relu", "prelu"))
    leaky_ok = all(g > 0 for r in born.values() for g in r["leaky"])
    relu_run = training.get("relu")
    training_ok = relu_run is None or (relu_run["first_gradient"] == 0 and len(set(relu_run["losses"])) == 1)
    ok = unit_ok and leaky_ok and training_ok
    checked = sum(len(r["leaky"]) for r in born.values())
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: the dead unit's gradient against exactly 0 under ReLU and above 0 under Leaky ReLU and "
                 "PReLU, and its weights after training against those before, bit for bit; for the {count} born-dead "
                 "network, ‖δ¹‖ with Leaky ReLU against 0 (it must be above); the born-dead ReLU network's ∂L/∂W¹ "
                 "against 0 and its loss at every step against the first.",
                 "Compared: the dead unit's gradient against exactly 0 under ReLU and above 0 under Leaky ReLU and "
                 "PReLU, and its weights after training against those before, bit for bit; for the {count} born-dead "
                 "networks, ‖δ¹‖ with Leaky ReLU against 0 (it must be above); the born-dead ReLU network's ∂L/∂W¹ "
                 "against 0 and its loss at every step against the first.", checked).format(count=checked),
        _("Skipped: the fractions of dead units and the training of Leaky ReLU and PReLU are measurements, with no "
          "closed form."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("a ReLU unit negative on every input passes back exactly nothing, and a ReLU network can be born with a "
             "whole layer of such units, the deeper and narrower the likelier. A small slope below 0 (Leaky ReLU, "
             "or PReLU's learned one) keeps the gradient flowing."))
    if args.plot:
        save(args.plot, born, widths, depths, training, args.networks)
    return {"one_unit": one, "born_dead": born, "training": training, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
