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
from _common import heading, lesson, opening, say
from _task import LN2, N_IN

from tinygrad_edu import nn
from tinygrad_edu.mode import no_grad
from tinygrad_edu.nn import init
from tinygrad_edu.plot import format_number, sparkline, table

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
    print(heading(f"1. Why a unit dies: unit 1 of layer 1 with bias {format_number(DEAD_BIAS, flag=False)}"))
    say(f"A 3-layer network of width 8 (He weights), its first hidden unit given the bias "
        f"{format_number(DEAD_BIAS, flag=False)}: z₁ = w₁·x + b₁ is negative on every one of the {X.shape[0]} "
        f"inputs. The gradient that reaches its weights is Σ over the inputs of f′(z₁)·(the error sent back)·x, "
        f"and f′(z₁) is the slope below 0 on every input: 0 for ReLU. Then {steps} steps of SGD (lr 0.1).")
    rows, result = [], {}
    for activation in ACTIVATIONS:
        model = build(activation, 3, 8, seed)
        first = model.linears[0]
        first.bias.data[0][0] = DEAD_BIAS
        with no_grad():
            _, zs = _task.forward_recording(model, X)
        top = max(row[0] for row in zs[0].data)
        before = ([first.weight.data[0][:]], first.bias.data[0][0])
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        gradient = None
        for _ in range(steps):
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
                     format_number(gradient, flag=False), "yes" if unchanged else "no"])
    print(table(["activation", "slope below 0", "largest z₁ over the inputs", "‖∂L/∂(w₁, b₁)‖ at the start",
                 f"w₁, b₁ unchanged after {steps} steps"], rows))
    print()
    relu = result["relu"]
    if relu["gradient"] == 0 and relu["unchanged"]:
        say("Under ReLU the unit's gradient is exactly 0 and its weights and bias are bit for bit the same after "
            "training: it is dead, and since the layer below it is the data itself, nothing can revive it. "
            "Leaky ReLU's slope passes back a hundredth of the error and PReLU's a quarter, so their unit's "
            "weights move.")
    else:
        say("Under ReLU the unit was not dead here: its gradient or its weights changed.")
    return result


# ---------------------------------------------------------------------------
# 2. Born dead: across depth and width
# ---------------------------------------------------------------------------

def section_born_dead(X, Y, widths: list, depths: list, networks: int, seed: int) -> dict:
    print(heading(f"2. Born dead: {networks} He-initialised ReLU networks per depth and width"))
    say("Biases 0. A unit is dead on this batch when its pre-activation is ≤ 0 on every input; a network is "
        "born dead when some hidden layer has every unit dead: it outputs exactly 0 for every input, and "
        "every gradient below it is exactly 0. Deeper, the inputs' representations become more alike, so a "
        "unit tends to be on for all of them or off for all of them.")
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
                         f"{len(born_dead)} of {networks}",
                         format_number(min(leaky)) if leaky else ""])
    print(table(["width", "depth", "dead units, layer 1", "middle layer", "last hidden layer", "born dead",
                 "Leaky ReLU, same weights: smallest ‖δ¹‖"], rows))
    print()
    deepest, narrowest = max(depths), min(widths)
    counts = [len(result[(narrowest, d)]["born_dead"]) for d in depths]
    if counts == sorted(counts) and counts[-1] > counts[0]:
        say(f"At width {narrowest} the number born dead grows with depth, {', '.join(map(str, counts))} of "
            f"{networks}, as Lu et al. prove it must; wider networks die later.")
    else:
        say(f"At width {narrowest} the numbers born dead are {', '.join(map(str, counts))} of {networks} for depths "
            f"{', '.join(map(str, depths))}: with this many networks the trend is not monotone.")
    leaky = [g for r in result.values() for g in r["leaky"]]
    if leaky and min(leaky) > 0:
        say(f"Every one of the {len(leaky)} born-dead networks passes a gradient to layer 1 when its ReLUs are "
            f"replaced by Leaky ReLUs with the same weights (the smallest ‖δ¹‖ is {format_number(min(leaky))}): "
            f"small, but not 0.")
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
    print(heading(f"3. Training a born-dead network: depth {depth}, width {width}, the same weights three times"))
    if found is None:
        say(f"No network born dead among 200 seeds from {seed} at this depth and width: nothing to show.")
        return {}
    say(f"Seed {found} is the first from {seed} whose ReLU network is born dead. The same weights, trained "
        f"with ReLU, Leaky ReLU (a = 0.01) and PReLU (a = 0.25 at the start, learned per layer) by SGD with "
        f"momentum 0.9 (lr 0.05) for {steps} steps:")
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
    print(table(["activation", "‖∂L/∂W¹‖ at the start", f"units negative on every input, every {every} steps",
                 "loss at start",
                 "loss at the end", "loss curve"], rows, align="lrlrrl"))
    print()
    relu = result["relu"]
    if relu["first_gradient"] == 0 and set(relu["losses"]) == {relu["losses"][0]} and len(set(relu["dead"])) == 1:
        say(f"ReLU: ∂L/∂W¹ is exactly 0, and so is every gradient except the output bias's, which is "
            f"mean(σ(0) − y) = 0 here (balanced labels): the loss stays at {relu['losses'][0]!r} "
            f"{'= ln 2 ' if relu['losses'][0] == LN2 else ''}for all {steps} steps, and the dead units stay dead.")
    for activation in ("leaky_relu", "prelu"):
        r = result[activation]
        learned = math.isfinite(r["losses"][-1]) and r["losses"][-1] < LN2 / 2
        if r["first_gradient"] > 0 and learned:
            say(f"{activation}: the same weights pass back a gradient ({format_number(r['first_gradient'])} at "
                f"W¹), and the loss falls from {format_number(r['losses'][0], 4)} to "
                f"{format_number(r['losses'][-1], 3)}: the units negative on every input still pass a gradient, "
                f"and the network learns.")
        elif r["first_gradient"] > 0:
            say(f"{activation}: a gradient reaches W¹ ({format_number(r['first_gradient'])}), but in {steps} steps "
                f"the loss only went from {format_number(r['losses'][0], 4)} to {format_number(r['losses'][-1], 4)}: "
                f"a slope of {format_number(SLOPE[activation], flag=False)} through many negative layers leaves "
                f"little signal, and this start did not escape in time.")
    result["seed"] = found
    return result


def save(path: str, born: dict, widths: list, depths: list, training: dict, networks: int) -> None:
    deepest = max(depths)
    per_layer = {f"width {w}, depth {deepest}": (list(range(1, deepest)), born[(w, deepest)]["mean"]) for w in widths}
    counts = {f"width {w}": (depths, [len(born[(w, d)]["born_dead"]) for d in depths], "o-") for w in widths}
    panels = [("dead units at initialisation, layer by layer", per_layer, False, "hidden layer l",
               "fraction of units dead on the batch"),
              (f"ReLU networks born dead (of {networks})", counts, False, "depth", "networks born dead")]
    losses = {a: (list(range(len(r["losses"]))), r["losses"]) for a, r in training.items() if a in ACTIVATIONS}
    if losses:
        losses["ln 2"] = (list(range(len(training["relu"]["losses"]))), [LN2] * len(training["relu"]["losses"]), "k:")
        panels.append(("a born-dead network, trained", losses, False, "step", "loss"))
    _common.save_figure(path, panels)


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__)
    p.add_argument("--networks", type=_common.whole_number(1, 200), default=20,
                   help="networks per depth and width in section 2, 1 to 200 (default 20)")
    p.add_argument("--steps", type=_common.whole_number(1, 2000), default=100,
                   help="training steps of sections 1 and 3, 1 to 2000 (default 100)")
    p.add_argument("--depth", type=_common.whole_number(3, 100), default=10,
                   help="depth of section 3's network, 3 to 100 (default 10)")
    args = p.parse_args(argv)
    born = 3 * args.networks * sum(d * _common.layer_work(w, w, 32) for w in (4, 8) for d in (5, 10, 20, 50))
    training = 3 * 3 * args.steps * (args.depth * _common.layer_work(4, 4, 32) + 3 * _common.layer_work(8, 8, 32))
    _common.refuse_if_too_big(p, born + training, "this run")
    opening("Dying ReLU: no gradient through a unit that is negative on every input",
            "Maas, Hannun & Ng (2013), leaky ReLU; He et al. (2015), PReLU; Lu, Shin, Su & Karniadakis (2020), "
            "deep ReLU networks born dead.",
            ["a dead unit's gradient exactly 0 under ReLU, and not under Leaky ReLU or PReLU;",
             "more dead units the deeper the layer, and narrow deep networks born dead;",
             "a born-dead ReLU network stuck at ln 2 for ever, the same weights learning with PReLU."])
    X, Y, _ = _task.blobs(32, args.seed)
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
    print(heading("Checks"))
    say(f"Compared: the dead unit's gradient against exactly 0 under ReLU and above 0 under Leaky ReLU and PReLU, "
        f"and its weights after training against those before, bit for bit; for the {checked} born-dead "
        f"networks, ‖δ¹‖ with Leaky ReLU against 0 (it must be above); the born-dead ReLU network's ∂L/∂W¹ "
        f"against 0 and its loss at every step against the first. Skipped: the fractions of dead units and the "
        f"training of Leaky ReLU and PReLU are measurements, with no closed form. All agree: "
        f"{'yes' if ok else 'NO'}.")
    lesson("a ReLU unit negative on every input passes back exactly nothing, and a ReLU network can be born with a "
           "whole layer of such units, the deeper and narrower the likelier. A small slope below 0 (Leaky ReLU, "
           "or PReLU's learned one) keeps the gradient flowing.")
    if args.plot:
        save(args.plot, born, widths, depths, training, args.networks)
    return {"one_unit": one, "born_dead": born, "training": training, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
