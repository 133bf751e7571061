"""Remedies side by side: which initialisation suits which activation, over depth.

Sources: Glorot & Bengio (AISTATS 2010), Xavier initialisation for tanh-like
units; He, Zhang, Ren & Sun (ICCV 2015), He initialisation for ReLU; Maas,
Hannun & Ng (ICML 2013 workshop), the leaky ReLU; Lu, Shin, Su & Karniadakis
(Communications in Computational Physics, 2020), deep ReLU networks born dead.

An early layer's gradient is a product of one factor per later layer.  The
grid measures, for depth D × activation × initialisation, how much of the
backward signal reaches the first layer, ‖δ¹‖/‖δᴰ‖ with δˡ = ∂L/∂zˡ over the
batch, at initialisation: the median over a few random networks, and the
per-layer factor it implies, next to the mean-field closed form where there
is one (ReLU and leaky ReLU: n·Var(W)/2 per layer in the squared norm, so
1/√2 with Xavier and 1 with He).  The other remedies each have their own demo:
initialisation.py, dying_relu.py, momentum.py, clipping.py, batch_norm.py,
residual.py.

    python demos/remedies.py [--seed 0] [--depths 5 10 20 50] [--width 16] [--networks 3] [--plot grid.png]
"""

from __future__ import annotations

import math
import random
import statistics

import _common  # the repository root onto sys.path: runs from a fresh clone
import _task
from _common import format_number, heading, lesson, opening, say, table
from _i18n import _, ngettext
from _task import N_IN

from tinygrad_edu import nn
from tinygrad_edu.losses import binary_cross_entropy_with_logits
from tinygrad_edu.nn import init

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]
INITS = {
    "zeros": init.zeros,
    "N(0, 1)": init.standard_normal,
    "0.01·N(0, 1)": lambda n_out, n_in, rng: init.normal(n_out, n_in, rng, std=0.01),
    "Xavier": init.xavier_normal,
    "He": init.he_normal,
}
INIT_VARIANCE = {"zeros": "0", "N(0, 1)": "1", "0.01·N(0, 1)": "10⁻⁴", "Xavier": "2/(n_in + n_out)",
                 "He": "2/n_in"}
#: Mean-field per-layer factor of ‖δ‖ for (leaky) ReLU: √(n·Var(W)·(1 + a²)/2) for square layers.
CLOSED = {("relu", "Xavier"): math.sqrt(0.5), ("relu", "He"): 1.0,
          ("leaky_relu", "Xavier"): math.sqrt(0.5 * (1 + 0.01 ** 2)), ("leaky_relu", "He"): math.sqrt(1 + 0.01 ** 2)}
STARVED = 1e-3  # "starves the first layer": less than this fraction of the signal reaches it


def network(depth: int, width: int, activation: str, init_name: str, seed: int) -> nn.MLP:
    """depth Linear layers: N_IN → width → … → width → 1 logit, biases 0, the given activation between."""
    rng = random.Random(f"remedies net {seed} {depth} {activation} {init_name}")
    return nn.MLP([N_IN] + [width] * (depth - 1) + [1], activation=activation, init=INITS[init_name], rng=rng)


def measure(X, Y, depths: list, width: int, networks: int, seed: int) -> dict:
    """For every cell: ‖δ¹‖/‖δᴰ‖ of each network, their median, and how many had δ¹ exactly 0."""
    grid = {}
    for activation in ACTIVATIONS:
        for init_name in INITS:
            for depth in depths:
                ratios, dead, underflow = [], 0, 0
                for k in range(networks):
                    out, zs = _task.forward_recording(network(depth, width, activation, init_name, seed + k), X)
                    grads = binary_cross_entropy_with_logits(out, Y).gradients(zs)
                    norms = [_task.flat_norm(g.data) for g in grads]
                    ratios.append(_task.ratio(norms[0], norms[-1]))
                    # born dead: a relu layer negative on every unit and every input outputs exactly 0
                    born_dead = activation == "relu" and init_name != "zeros" and any(all(v <= 0 for row in z.data for v in row)
                                                             for z in zs[:-1])
                    dead += born_dead
                    underflow += norms[0] == 0.0 and not born_dead and init_name != "zeros"
                finite = [r for r in ratios if not math.isnan(r)]
                median = statistics.median(finite) if finite else math.nan
                factor = median ** (1 / (depth - 1)) if median > 0 and math.isfinite(median) else math.nan
                grid[(activation, init_name, depth)] = {"ratios": ratios, "median": median, "dead": dead,
                                                        "underflow": underflow, "factor": factor,
                                                        "networks": networks}
    return grid


def cell_text(cell: dict, init_name: str) -> str:
    if init_name == "zeros" and all(r == 0 for r in cell["ratios"]):
        return _("exactly 0")  # the all-zero fixed point, not a dead ReLU: W = 0 sends nothing back
    text = "0" if cell["median"] == 0 else format_number(cell["median"], 2)
    # TRANSLATORS: a cell of the grid: the median, and how many networks were dead or underflowed (section 1 says).
    if cell["dead"] and cell["underflow"]:
        return _("{median} ({dead} dead, {underflow} underflow)").format(median=text, dead=cell["dead"],
                                                                         underflow=cell["underflow"])
    if cell["dead"]:
        return _("{median} ({dead} dead)").format(median=text, dead=cell["dead"])
    if cell["underflow"]:
        return _("{median} ({underflow} underflow)").format(median=text, underflow=cell["underflow"])
    return text


def factor_text(factor: float) -> str:
    """A per-layer factor; none when the median network passed nothing back (0, or 0/0)."""
    return _("none") if not math.isfinite(factor) else format_number(factor, 3)


def section_grid(grid: dict, depths: list, width: int, batch: int, networks: int) -> None:
    print(heading(ngettext("1. ‖δ¹‖/‖δᴰ‖ at initialisation: the median of {count} network per cell",
                           "1. ‖δ¹‖/‖δᴰ‖ at initialisation: the median of {count} networks per cell", networks).format(
        count=networks)))
    say(_("Networks of D layers (width {width}, biases 0) on {batch} points of two Gaussian blobs in {inputs} "
          "dimensions; δˡ = ∂L/∂zˡ for every example, its norm taken over the batch. 1 is healthy; below 1 the "
          "signal vanishes on its way to layer 1, above 1 it explodes. '(k dead)': in k of the networks a ReLU "
          "layer outputs exactly 0 for every input, so not one number reaches layer 1; '(k underflow)': δ¹ "
          "became exactly 0 by shrinking below the smallest float. Weight variances: {variances}.").format(
        width=width, batch=batch, inputs=N_IN, variances=", ".join(f"{name} {v}" for name, v in INIT_VARIANCE.items())))
    headers = [_("activation"), _("init")] + [f"D = {d}" for d in depths]
    rows = [[a, i] + [cell_text(grid[(a, i, d)], i) for d in depths] for a in ACTIVATIONS for i in INITS]
    print(table(headers, rows, align="ll" + "r" * len(depths)))
    print()
    say(_("The per-layer factor the median implies, (‖δ¹‖/‖δᴰ‖)^(1/(D − 1)), next to the mean-field closed form "
          "for (leaky) ReLU: with square layers each layer multiplies ‖δ‖² by n·Var(W)·(1 + a²)/2, so the factor "
          "is 1/√2 = 0.707 with Xavier and 1 with He (a = 0.01 for the leaky ReLU)."))
    rows = []
    for a in ("relu", "leaky_relu"):
        for i in ("Xavier", "He"):
            rows.append([a, i, format_number(CLOSED[(a, i)], 3)]
                        + [factor_text(grid[(a, i, d)]["factor"]) for d in depths])
    print(table([_("activation"), _("init"), _("closed form")] + [f"D = {d}" for d in depths], rows))
    print()


def section_reading(grid: dict, depths: list, width: int) -> dict:
    print(heading(_("2. Reading the grid")))
    deepest, shallow = max(depths), min(depths)
    found = {}

    sigmoid = [grid[("sigmoid", i, d)]["median"] for i in INITS if i != "zeros" for d in depths]
    falls = all(grid[("sigmoid", i, a)]["median"] > grid[("sigmoid", i, b)]["median"]
                for i in INITS if i != "zeros" for a, b in zip(depths, depths[1:]))
    found["sigmoid_shrinks"] = all(r < 1 for r in sigmoid) and falls
    if found["sigmoid_shrinks"] and len(depths) > 1:
        say(_("Sigmoid: with every non-zero initialisation the ratio is below 1 and falls with depth. σ′ ≤ 1/4, "
              "and no weight scale here makes up for it (demos/sigmoid_window.py shows why big weights cannot)."))
    elif found["sigmoid_shrinks"]:
        say(_("Sigmoid: with every non-zero initialisation the ratio is below 1. σ′ ≤ 1/4, and no weight scale "
              "here makes up for it (demos/sigmoid_window.py shows why big weights cannot)."))
    else:
        say(_("Sigmoid: not every non-zero initialisation gives a ratio below 1 that falls with depth here; see "
              "the rows above."))

    small = [grid[(a, "0.01·N(0, 1)", d)]["median"] for a in ACTIVATIONS for d in depths if d > shallow]
    found["small_starves"] = bool(small) and all(r < STARVED for r in small)
    if found["small_starves"]:
        say(_("0.01·N(0, 1): every activation starves the first layer (below {fraction} of the signal at every "
              "depth beyond {shallow}): n·Var(W) = {variance} per layer.").format(
            fraction=f"{STARVED:g}", shallow=shallow, variance=format_number(width * 1e-4, 2)))

    explode = [grid[(a, "N(0, 1)", d)]["median"] for a in ("relu", "leaky_relu") for d in depths]
    found["normal_explodes"] = all(r > 1 for r in explode if not math.isnan(r))
    if found["normal_explodes"]:
        say(_("N(0, 1) with (leaky) ReLU: the ratio is above 1 at every depth: each layer multiplies ‖δ‖² by about "
              "n·Var(W)/2 = {factor}; it explodes.").format(factor=format_number(width / 2)))

    tanh_xavier = [grid[("tanh", "Xavier", d)]["median"] for d in depths]
    tanh_he = grid[("tanh", "He", deepest)]["median"]
    if all(r < 1 for r in tanh_xavier) and tanh_he > 1:
        say(_("Tanh: Xavier loses a little per layer (tanh′ < 1 away from 0: {xavier} at D = {depth}), while He's "
              "n·Var(W) = 2 is too much for tanh and the ratio grows ({he} at D = {depth}); N(0, 1) grows much "
              "faster.").format(xavier=format_number(tanh_xavier[-1], 2), depth=deepest, he=format_number(tanh_he, 2)))

    he_over_xavier = {}
    for a in ("relu", "leaky_relu"):
        he, xavier = grid[(a, "He", deepest)]["factor"], grid[(a, "Xavier", deepest)]["factor"]
        he_over_xavier[a] = he / xavier if xavier > 0 else math.nan
    found["he_over_xavier"] = he_over_xavier
    factors = [grid[(a, i, deepest)]["factor"] for a in ("relu", "leaky_relu") for i in ("He", "Xavier")]
    if all(math.isfinite(f) and f > 0 for f in factors):
        say(_("He against Xavier for (leaky) ReLU, at D = {depth}: per layer He's median factor is {he_relu} (relu) "
              "and {he_leaky} (leaky), Xavier's {xavier_relu} and {xavier_leaky}: He/Xavier = {ratio_relu} and "
              "{ratio_leaky} per layer, against √2 = {root}.").format(
            depth=deepest, he_relu=format_number(factors[0], 3), he_leaky=format_number(factors[2], 3),
            xavier_relu=format_number(factors[1], 3), xavier_leaky=format_number(factors[3], 3),
            ratio_relu=format_number(he_over_xavier['relu'], 3),
            ratio_leaky=format_number(he_over_xavier['leaky_relu'], 3), root=format_number(math.sqrt(2), 4)))
        close = [abs(math.log(v / math.sqrt(2))) < math.log(1.25) for v in he_over_xavier.values()]
        if not all(close):
            say(_("At least one of them is more than 25% away from √2: with {width} units and these depths the "
                  "statistics have not settled (try --width 32 --networks 6).").format(width=width))
        if factors[0] < 1:
            say(_("He's own factor for relu, {factor}, is below its closed form 1 at width {width}: each layer's "
                  "factor is random, and the median of a product of random factors of mean 1 drifts down "
                  "(demos/initialisation.py, section 4, measures that drift). A wider network drifts less.").format(
                factor=format_number(factors[0], 3), width=width))
    else:
        say(_("He against Xavier at D = {depth}: no per-layer factor to compare, because the median network passed "
              "nothing back to layer 1 (see the dead networks below).").format(depth=deepest))

    dead = {(a, i, d): c["dead"] for (a, i, d), c in grid.items() if c["dead"]}
    found["dead"] = dead
    underflow = sum(c["underflow"] for c in grid.values())
    if underflow:
        say(ngettext("{count} network passed back a δ¹ that shrank below the smallest float (4.9e-324) and became "
                     "exactly 0: vanishing taken to the end of float64, not a dead layer.",
                     "{count} networks passed back a δ¹ that shrank below the smallest float (4.9e-324) and became "
                     "exactly 0: vanishing taken to the end of float64, not a dead layer.", underflow).format(
            count=underflow))
    if dead:
        # TRANSLATORS: one item of the list of dead networks, such as "relu with He at D = 50 (1 of 3)".
        cells = ", ".join(_("{activation} with {init} at D = {depth} ({count} of {total})").format(
            activation=a, init=i, depth=d, count=k, total=grid[(a, i, d)]['networks']) for (a, i, d), k in dead.items())
        say(_("Dead networks: {cells}. In each of them some hidden layer has every unit negative on every input, "
              "so it outputs exactly 0, everything above it sees a constant, and no gradient passes below it: the "
              "dying ReLU, born dead (Lu et al. 2020 prove a deep, narrow ReLU net dies this way with probability "
              "→ 1 as the depth grows). demos/dying_relu.py counts it, and shows Leaky ReLU and PReLU passing a "
              "gradient where ReLU passes none.").format(cells=cells))
    else:
        say(_("No network in this grid was born dead (δ¹ exactly 0 with a non-zero initialisation); narrower or "
              "deeper ReLU networks are (demos/dying_relu.py)."))
    say(_("Zero initialisation: exactly 0 at every depth and for every activation, because every W = 0 sends "
          "nothing back (the all-zero fixed point, demos/initialisation.py, section 1). Whether these networks "
          "then train is another question: demos/momentum.py trains a deep tanh network from a good and a bad "
          "start."))
    return found


def save(path: str, grid: dict, depths: list) -> None:
    labels = [f"{a}, {i}" for a in ACTIVATIONS for i in INITS]

    def heatmap(ax):
        values, notes = [], []
        for a in ACTIVATIONS:
            for i in INITS:
                row, note_row = [], []
                for d in depths:
                    median = grid[(a, i, d)]["median"]
                    row.append(math.log10(median) if median > 0 and math.isfinite(median) else math.nan)
                    note_row.append(_("none") if math.isnan(median) else "0" if median == 0 else f"{median:.0e}")
                values.append(row)
                notes.append(note_row)
        image = ax.imshow(values, cmap="RdBu", vmin=-20, vmax=20, aspect="auto")
        ax.set_facecolor("0.75")  # cells with no number (0/0 or exactly 0) show as grey
        for r, (note_row, value_row) in enumerate(zip(notes, values)):
            for c, (text, value) in enumerate(zip(note_row, value_row)):
                dark = math.isfinite(value) and abs(value) > 10  # white on the deep colours, black elsewhere
                ax.text(c, r, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
        ax.set_xticks(range(len(depths)), [f"D = {d}" for d in depths])
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_title(_("median ‖δ¹‖/‖δᴰ‖ (colour: log₁₀, clipped at ±20)"))
        ax.figure.colorbar(image, ax=ax, fraction=0.05)

    def factors(ax):
        for k, a in enumerate(("relu", "leaky_relu")):
            for i, style in (("Xavier", "o-"), ("He", "s-")):
                ax.plot(depths, [grid[(a, i, d)]["factor"] for d in depths], style, color=f"C{2 * k + (i == 'He')}",
                        label=f"{a}, {i}")
        ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label=_("1 (He, closed form)"))
        ax.axhline(math.sqrt(0.5), color="k", linestyle=":", linewidth=1, label=_("1/√2 (Xavier, closed form)"))
        ax.set_xlabel(_("depth D"))
        ax.set_ylabel(_("per-layer factor (median)^(1/(D − 1))"))
        ax.set_title(_("(leaky) ReLU: per-layer factor against closed form"))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")

    _common.save_figure(path, [heatmap, factors])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--depths", type=_common.whole_number(2, 100), nargs="+", default=[5, 10, 20, 50],
                   help=_("depths of the grid, each 2 to 100 (default 5 10 20 50)"))
    p.add_argument("--width", type=_common.whole_number(2, 64), default=16,
                   help=_("width of the networks, 2 to 64 (default 16)"))
    p.add_argument("--networks", type=_common.whole_number(1, 20), default=3,
                   help=_("random networks per cell, whose median is shown, 1 to 20 (default 3)"))
    p.add_argument("--batch", type=_common.whole_number(2, 128), default=16,
                   help=_("examples, an even number from 2 to 128 (default 16)"))
    # (the product of depth, width, networks and batch is bounded too: see refuse_if_too_big below)
    args = p.parse_args(argv)
    if args.batch % 2:
        p.error(_("argument --batch: expected an even number (balanced labels), got {batch}").format(batch=args.batch))
    depths = sorted(set(args.depths))
    _common.at_most(p, depths, 6, "--depths")
    cells = len(ACTIVATIONS) * len(INITS) * args.networks
    _common.refuse_if_too_big(p, 3 * cells * sum(d * _common.layer_work(args.width, args.width, args.batch)
                                                  for d in depths), "grid")
    opening(_("Remedies side by side: which initialisation suits which activation"),
            _("Glorot & Bengio (2010), Xavier initialisation; He et al. (2015), He initialisation and ReLU; Maas et "
              "al. (2013), leaky ReLU; Lu et al. (2020), deep ReLU networks born dead."),
            [_("sigmoid shrinking the signal at every depth and every weight scale;"),
             _("0.01·N(0, 1) starving every activation, N(0, 1) exploding (leaky) ReLU;"),
             _("He keeping (leaky) ReLU's signal, Xavier losing √2 per layer, beside their closed forms;"),
             _("networks born dead: not one number reaching layer 1.")])
    X, Y, _labels = _task.blobs(args.batch, args.seed)
    grid = measure(X, Y, depths, args.width, args.networks, args.seed)
    section_grid(grid, depths, args.width, args.batch, args.networks)
    found = section_reading(grid, depths, args.width)

    zeros_ok = all(all(r == 0 for r in grid[(a, "zeros", d)]["ratios"]) for a in ACTIVATIONS for d in depths)
    ok = zeros_ok
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: every zero-initialised network's ‖δ¹‖ against exactly 0 ({cells} cells of {networks} "
                 "network).",
                 "Compared: every zero-initialised network's ‖δ¹‖ against exactly 0 ({cells} cells of {networks} "
                 "networks).", args.networks).format(cells=len(ACTIVATIONS) * len(depths), networks=args.networks),
        _("Each sentence of section 2 that states a direction or a size was chosen from the table's own numbers."),
        _("Skipped: the medians are measurements of random networks, shown beside their closed forms and not held to "
          "a tolerance (the tests bound every network's ratio by Pascanu's Π γ·σ_max(Wˡ))."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("match the initialisation to the activation. Sigmoid shrinks the signal whatever the scale; tanh "
             "wants Xavier's 2/(n_in + n_out); ReLU wants He's 2/n_in, and deep, narrow ReLU networks can still be "
             "born dead, which Leaky ReLU and PReLU avoid."))
    if args.plot:
        save(args.plot, grid, depths)
    return {"grid": grid, "found": found, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
