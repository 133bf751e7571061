"""Remembering the first input: the gradient through time at initialisation, then training RNN, LSTM and GRU.

Sources: Bengio, Simard & Frasconi, "Learning long-term dependencies with
gradient descent is difficult" (IEEE Transactions on Neural Networks, 1994),
for the task's idea (the label depends on the first input only); Hochreiter &
Schmidhuber (1997) and Gers, Schmidhuber & Cummins (2000) for the LSTM; Cho et
al. (2014) for the GRU.  demos/rnn_vs_lstm.py derives the products through
time that this demo measures.

The task (tinygrad_edu.data.first_element_memory): x₁ = ±1, then T − 1 inputs
of uniform noise; the label is the sign of x₁.  A network that reads only its
last hidden state must carry x₁ through T − 1 steps, so the gradient that
teaches it has to travel back as far.  The demo prints ‖∂loss/∂xₜ‖ for
t = T … 1 at initialisation for the three cells, explains the LSTM's number
against Π fₜ, and trains the three with the same budget.

    python demos/memory_task.py [--seed 0] [--length 20] [--hidden 4] [--repeats 1] [--plot memory.png]
"""

from __future__ import annotations

import copy
import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import chart, format_number, heading, lesson, opening, say, table
from _i18n import _, ngettext

from learning_speed import percent
from rnn_vs_lstm import FORGET_BIAS
from tinygrad_edu import nn, ops
from tinygrad_edu.anatomy import largest_singular_value
from tinygrad_edu.data import first_element_memory
from tinygrad_edu.losses import binary_cross_entropy_with_logits
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.mode import no_grad
from tinygrad_edu.plot import sparkline

KINDS = ["rnn", "lstm", "gru"]
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
LEARNED = 0.9  # held-out accuracy that counts as "learned" (chance: 0.5)


def sequences(X: list) -> list:
    """Rows of T numbers → T input matrices xₜ, each batch × 1."""
    return [Matrix([[row[t]] for row in X], requires_grad=False) for t in range(len(X[0]))]


class Recurrent:
    """A cell, unrolled over the sequence, and a linear readout of the last hidden state.

    LSTM: forget bias 5.  GRU: update-gate bias 5, set by hand (nn.GRUCell has
    no such option), so that both start with a gate that keeps σ(5) = 0.9933.
    Every weight from PyTorch's default U(−1/√n, 1/√n).
    """

    def __init__(self, kind: str, hidden: int, seed: int) -> None:
        rng = random.Random(f"rnn_vs_lstm model {seed} {kind}")
        if kind == "lstm":
            self.cell = nn.LSTMCell(1, hidden, rng=rng, forget_bias=FORGET_BIAS)
        elif kind == "gru":
            self.cell = nn.GRUCell(1, hidden, rng=rng)
            self.cell.update.bias.data[0][:] = [FORGET_BIAS] * hidden
        else:
            self.cell = nn.RNNCell(1, hidden, rng=rng)
        self.readout = nn.Linear(hidden, 1, rng=rng)
        self.kind = kind

    def parameters(self) -> list:
        return self.cell.parameters() + self.readout.parameters()

    def logits(self, xs: list) -> Matrix:
        outputs, _ = nn.unroll(self.cell, xs)
        return self.readout(outputs[-1])

    def recurrent_weight(self) -> list:
        """W_hh of the RNN; for the gated cells, the candidate's (their 'RNN inside')."""
        return (self.cell.weight_hh if self.kind == "rnn" else self.cell.candidate.weight_hh).data


def input_gradients(model: Recurrent, X: list, y: list) -> list:
    """‖∂loss/∂xₜ‖ for t = 1 … T (over the batch), by one backward pass."""
    xs = [Matrix(x.tolist()) for x in sequences(X)]  # leaves: we want their gradients
    loss = binary_cross_entropy_with_logits(model.logits(xs), [[float(v)] for v in y])
    return [math.hypot(*[v for row in g.data for v in row]) for g in loss.gradients(xs)]


def forget_products(model: Recurrent, X: list) -> list:
    """Π fₜ over steps 2 … T, for every sequence and unit: the cell-state path from x₁'s step to the end."""
    cell, state, gates = model.cell, None, []
    with no_grad():
        for x in sequences(X):
            h_prev = state[0] if state is not None else Matrix.zeros(len(X), cell.hidden_size, requires_grad=False)
            gates.append(cell.forget(x, h_prev).sigmoid().data)
            state = cell(x) if state is None else cell(x, state)
    return [math.prod(g[i][j] for g in gates[1:]) for i in range(len(X)) for j in range(cell.hidden_size)]


def section_through_time(models: dict, X: list, y: list) -> dict:
    T = len(X[0])
    print(heading(ngettext("1. ‖∂loss/∂xₜ‖ for t = T … 1, at initialisation (T = {steps}, {count} sequence)",
                           "1. ‖∂loss/∂xₜ‖ for t = T … 1, at initialisation (T = {steps}, {count} sequences)",
                           len(X)).format(steps=T, count=len(X))))
    say(_("The loss reads only the last hidden state, so the gradient reaching input xₜ has passed T − t steps "
          "back through time. These are the three networks that section 2 trains, before training."))
    result = {}
    for kind, model in models.items():
        norms = input_gradients(model, X, y)
        rate = (norms[0] / norms[-1]) ** (1 / (T - 1)) if norms[0] > 0 and norms[-1] > 0 else math.nan
        result[kind] = {"norms": norms, "lambda": largest_singular_value(model.recurrent_weight()), "rate": rate}
    shown = sorted({T, T - 1, T - 2, (3 * T) // 4, T // 2, T // 4, 1} - {0}, reverse=True)
    rows = [[t] + [format_number(result[kind]["norms"][t - 1]) for kind in KINDS] for t in shown]
    print(table(["t"] + [f"{NAMES[kind]} ‖∂L/∂xₜ‖" for kind in KINDS], rows))
    print()
    series = {NAMES[kind]: result[kind]["norms"][::-1] for kind in KINDS}
    print(chart(series, 0, T - 1, _("steps back from T"), log=True, title="‖∂L/∂xₜ‖"))
    rnn = result["rnn"]
    say(ngettext("The RNN's gradient is multiplied by about {rate} per step back (the geometric mean over the {steps} "
                 "step; its W_hh has λ = σ_max = {lam} and tanh′ ≤ 1, so Pascanu's bound allows at most λ per step): "
                 "‖∂L/∂x₁‖/‖∂L/∂x_T‖ = {ratio}. The LSTM's: {lstm}; the GRU's: {gru}.",
                 "The RNN's gradient is multiplied by about {rate} per step back (the geometric mean over the {steps} "
                 "steps; its W_hh has λ = σ_max = {lam} and tanh′ ≤ 1, so Pascanu's bound allows at most λ per step): "
                 "‖∂L/∂x₁‖/‖∂L/∂x_T‖ = {ratio}. The LSTM's: {lstm}; the GRU's: {gru}.", T - 1).format(
        rate=format_number(rnn['rate'], 3), steps=T - 1, lam=format_number(rnn['lambda'], 3),
        ratio=format_number(rnn['norms'][0] / rnn['norms'][-1]),
        lstm=format_number(result['lstm']['norms'][0] / result['lstm']['norms'][-1]),
        gru=format_number(result['gru']['norms'][0] / result['gru']['norms'][-1])))
    result["explained"] = explain_lstm(models["lstm"], X, y, result["lstm"]["norms"])
    result["gru_explained"] = explain_gru(models, X, result)
    return result


def explain_gru(models: dict, X: list, result: dict) -> dict:
    """Why the GRU's gradient is flat in time but small: keeping and taking in share one gate."""
    T = len(X[0])
    gru, lstm = result["gru"]["norms"], result["lstm"]["norms"]
    keep = ops.sigmoid.forward(FORGET_BIAS)
    cell, state, gates = models["lstm"].cell, None, []
    with no_grad():  # the LSTM's input gate iₜ along the probe sequences
        for x in sequences(X):
            h_prev = state[0] if state is not None else Matrix.zeros(len(X), cell.hidden_size, requires_grad=False)
            gates += [v for row in cell.input(x, h_prev).sigmoid().data for v in row]
            state = cell(x) if state is None else cell(x, state)
    numbers = {"ratio": gru[0] / gru[-1], "smaller": lstm[-1] / gru[-1], "take_in": 1 - keep,
               "input_gate": math.fsum(gates) / len(gates)}
    if numbers["smaller"] > 1:
        say(ngettext("The GRU's gradient is flat in time (‖∂L/∂x₁‖/‖∂L/∂x_T‖ = {ratio} over {steps} step) but "
                     "{smaller}× smaller than the LSTM's at t = T. Its update gate couples keeping and taking in, hₜ = "
                     "(1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁: the gate held near σ(5) = {keep} to keep the state also lets in only "
                     "1 − zₜ ≈ {take_in} of each new candidate. The LSTM keeps with fₜ and takes in with a separate "
                     "input gate, iₜ ≈ {input_gate} on average here.",
                     "The GRU's gradient is flat in time (‖∂L/∂x₁‖/‖∂L/∂x_T‖ = {ratio} over {steps} steps) but "
                     "{smaller}× smaller than the LSTM's at t = T. Its update gate couples keeping and taking in, hₜ = "
                     "(1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁: the gate held near σ(5) = {keep} to keep the state also lets in only "
                     "1 − zₜ ≈ {take_in} of each new candidate. The LSTM keeps with fₜ and takes in with a separate "
                     "input gate, iₜ ≈ {input_gate} on average here.", T - 1).format(
            ratio=format_number(numbers['ratio'], 3), steps=T - 1, smaller=format_number(numbers['smaller'], 3),
            keep=format_number(keep, 4), take_in=format_number(numbers['take_in'], 2),
            input_gate=format_number(numbers['input_gate'], 3)))
    return numbers


def explain_lstm(model: Recurrent, X: list, y: list, norms: list) -> dict:
    """Why the LSTM's ratio is below Π fₜ: the last step's extra path, and the recurrent paths."""
    T = len(X[0])
    products = forget_products(model, X)
    mean_product = math.fsum(products) / len(products)
    flat = copy.deepcopy(model)
    for gate in (flat.cell.input, flat.cell.forget, flat.cell.candidate, flat.cell.output):
        gate.weight_hh.data[:] = [[0.0] * len(row) for row in gate.weight_hh.data]
    flat_norms = input_gradients(flat, X, y)
    numbers = {"forget": ops.sigmoid.forward(FORGET_BIAS), "product": mean_product,
               "low": min(products), "high": max(products), "ratio": norms[0] / norms[-1],
               "ratio_before_last": norms[0] / norms[-2], "flat": flat_norms[0] / flat_norms[-1],
               "flat_before_last": flat_norms[0] / flat_norms[-2]}
    say(ngettext("Why is the LSTM's ratio {ratio} when fₜ ≈ σ(5) = {forget}? Along the cell state the gradient from "
                 "the end back to x₁'s step is multiplied by Π fₜ over the {steps} later step: {product} on average "
                 "over the sequences and units (from {low} to {high}), computed from the gates' values. The measured "
                 "ratio is smaller for two reasons the demo can take apart.",
                 "Why is the LSTM's ratio {ratio} when fₜ ≈ σ(5) = {forget}? Along the cell state the gradient from "
                 "the end back to x₁'s step is multiplied by Π fₜ over the {steps} later steps: {product} on average "
                 "over the sequences and units (from {low} to {high}), computed from the gates' values. The measured "
                 "ratio is smaller for two reasons the demo can take apart.", T - 1).format(
        ratio=format_number(numbers['ratio'], 4), forget=format_number(numbers['forget'], 4), steps=T - 1,
        product=format_number(mean_product, 3), low=format_number(numbers['low'], 3),
        high=format_number(numbers['high'], 3)))
    say(_("First, x_T also reaches the loss through the output gate o_T, a path no earlier input has: measured from "
          "t = T − 1 instead, the ratio is {before_last}. Second, the recurrent weights add paths through hₜ into the "
          "next step's gates, which are not multiplied by fₜ alone: with them set to 0 (a copy of the network), the "
          "ratios are {flat} from T and {flat_before_last} from T − 1. What is left is the entry itself: each xₜ "
          "enters the cell through its own input gate and candidate, whose slopes depend on xₜ (and x₁ = ±1 sits "
          "further out on them than the noise does).").format(
        before_last=format_number(numbers['ratio_before_last'], 4), flat=format_number(numbers['flat'], 4),
        flat_before_last=format_number(numbers['flat_before_last'], 4)))
    return numbers


def train(model: Recurrent, X: list, y: list, X_test: list, y_test: list, steps: int, lr: float, batch: int,
          seed: int) -> dict:
    """Adam on random mini-batches (the same for every model); the held-out accuracy at the end."""
    params = model.parameters()
    optimizer = nn.Adam(params, lr=lr)
    order = random.Random(f"rnn_vs_lstm batches {seed}")
    losses = []
    for _repeat in range(steps):
        rows = order.sample(range(len(X)), min(batch, len(X)))
        optimizer.zero_grad()
        loss = binary_cross_entropy_with_logits(model.logits(sequences([X[i] for i in rows])),
                                                [[float(y[i])] for i in rows])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with no_grad():
        logits = model.logits(sequences(X_test))
    accuracy = sum((row[0] > 0) == (label == 1) for row, label in zip(logits.data, y_test)) / len(y_test)
    return {"losses": losses, "accuracy": accuracy}


def section_memory(hidden: int, length: int, steps: int, lr: float, batch: int, seeds: list) -> dict:
    print(heading(ngettext("2. The memory task: the label is the sign of x₁, followed by {count} noise input",
                           "2. The memory task: the label is the sign of x₁, followed by {count} noise inputs",
                           length - 1).format(count=length - 1)))
    say(ngettext("{hidden} units, a linear readout of h_T, Adam (lr {lr}) on mini-batches of {batch} from 256 training "
                 "sequences, {steps} step for each; accuracy on 256 held-out sequences (chance: 50%). Adam rescales "
                 "each parameter's step, which helps the RNN's weak gradient: the comparison is generous to the RNN.",
                 "{hidden} units, a linear readout of h_T, Adam (lr {lr}) on mini-batches of {batch} from 256 training "
                 "sequences, {steps} steps for each; accuracy on 256 held-out sequences (chance: 50%). Adam rescales "
                 "each parameter's step, which helps the RNN's weak gradient: the comparison is generous to the RNN.",
                 steps).format(hidden=hidden, lr=format_number(lr, flag=False), batch=batch, steps=steps))
    runs = {kind: [] for kind in KINDS}
    rows = []
    for seed in seeds:
        data_rng = random.Random(f"rnn_vs_lstm memory {seed}")
        X, y = first_element_memory(256, length, data_rng)
        X_test, y_test = first_element_memory(256, length, data_rng)
        for kind in KINDS:
            r = train(Recurrent(kind, hidden, seed), X, y, X_test, y_test, steps, lr, batch, seed)
            runs[kind].append(r)
            tail = r["losses"][-min(10, len(r["losses"])):]
            rows.append([seed, NAMES[kind], format_number(r["losses"][0], 3),
                         format_number(math.fsum(tail) / len(tail), 3), percent(r['accuracy']),
                         f"  {sparkline(r['losses'][::max(1, len(r['losses']) // 40)])}"])
    print(table([_("seed"), _("model"), _("loss, first step"), _("loss, last 10"), _("held-out accuracy"),
                 _("loss curve")], rows, align="rlrrrl"))
    print()
    learned = {kind: sum(r["accuracy"] >= LEARNED for r in rs) for kind, rs in runs.items()}
    n = len(seeds)
    rnn, lstm, gru = learned["rnn"], learned["lstm"], learned["gru"]
    say(_("Learned (held-out accuracy ≥ {percent}%): RNN {rnn} of {total}, LSTM {lstm} of {total}, GRU {gru} of "
          "{total}.").format(percent=f"{100 * LEARNED:.0f}", rnn=rnn, lstm=lstm, gru=gru, total=n))
    if lstm > rnn:
        say(_("The LSTM learned on more seeds than the RNN: the signal from x₁ reaches the RNN's weights through "
              "many shrinking factors (section 1), the LSTM's through its cell state."))
    elif lstm == rnn:
        say(_("The LSTM and the RNN learned on as many seeds here; --repeats 10 counts over more seeds, and "
              "--length 30 --steps 60 makes the task harder for both."))
    else:
        say(_("The RNN learned on more seeds than the LSTM here; --repeats 10 counts over more seeds."))
    if rnn:
        say(_("The RNN can solve the task (a saturated unit can latch the sign of x₁): it found such a solution on "
              "{count} of {total}.").format(count=rnn, total=n))
    if gru < lstm:
        say(ngettext("The GRU learned on fewer seeds than the LSTM: it takes in so little of each input (section 1) "
                     "that {steps} step is not enough for it to start; try --steps 100 to give it time.",
                     "The GRU learned on fewer seeds than the LSTM: it takes in so little of each input (section 1) "
                     "that {steps} steps are not enough for it to start; try --steps 100 to give it time.",
                     steps).format(steps=steps))
    return {"runs": runs, "learned": learned}


def save(path: str, through_time: dict, memory: dict) -> None:
    T = len(through_time["rnn"]["norms"])
    time_panel = {NAMES[kind]: (list(range(T)), through_time[kind]["norms"][::-1]) for kind in KINDS}
    loss_panel = {NAMES[kind]: (list(range(1, len(rs[0]["losses"]) + 1)), rs[0]["losses"])
                  for kind, rs in memory["runs"].items()}
    loss_panel[_("ln 2 (chance)")] = (list(range(1, len(memory["runs"]["rnn"][0]["losses"]) + 1)),
                                      [math.log(2)] * len(memory["runs"]["rnn"][0]["losses"]), "k--")
    _common.save_figure(path, [
        (_("‖∂L/∂xₜ‖ back through time, at initialisation"), time_panel, True, _("steps back from T"), "‖∂L/∂xₜ‖"),
        (_("memory task: training loss (first seed)"), loss_panel, False, _("step"), _("loss")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--length", type=_common.whole_number(3, 200), default=20,
                   help=_("sequence length T, 3 to 200 (default 20)"))
    p.add_argument("--hidden", type=_common.whole_number(1, 32), default=4,
                   help=_("hidden units, 1 to 32 (default 4)"))
    p.add_argument("--steps", type=_common.whole_number(1, 1000), default=30,
                   help=_("training steps, 1 to 1000 (default 30)"))
    p.add_argument("--lr", type=_common.number(0.0, 1.0, open_low=True), default=0.05,
                   help=_("Adam's learning rate, above 0 and at most 1 (default 0.05)"))
    p.add_argument("--batch", type=_common.whole_number(1, 256), default=32,
                   help=_("mini-batch size, 1 to 256 (default 32)"))
    p.add_argument("--repeats", type=_common.whole_number(1, 50), default=1,
                   help=_("train on this many seeds, from --seed on, 1 to 50 (default 1)"))
    args = p.parse_args(argv)
    def step(batch: int) -> float:  # one time step of one cell over a batch: 4 gates, each ~3 operations
        return 4 * (args.hidden * (args.hidden + 1) * batch + 3 * _common.NODE)
    training = args.repeats * len(KINDS) * 3 * args.steps * args.length * step(args.batch)
    testing = 2 * args.repeats * len(KINDS) * args.length * step(256)
    probe = 3 * len(KINDS) * 3 * args.length * step(32)
    _common.refuse_if_too_big(p, training + testing + probe, "run")
    opening(_("Remembering the first input: RNN, LSTM and GRU"),
            _("Bengio, Simard & Frasconi (1994), long-term dependencies; Hochreiter & Schmidhuber (1997) and Gers, "
              "Schmidhuber & Cummins (2000), the LSTM; Cho et al. (2014), the GRU."),
            [_("‖∂loss/∂xₜ‖ falling by orders of magnitude back through the RNN, far less through the gated cells;"),
             _("why the LSTM's ratio is below Π fₜ, taken apart into its paths;"),
             _("the gated cells learning to remember x₁ where the RNN, at the same budget, usually does not.")])
    probe_X, probe_y = first_element_memory(32, args.length, random.Random(f"rnn_vs_lstm probe {args.seed}"))
    models = {kind: Recurrent(kind, args.hidden, args.seed) for kind in KINDS}
    through_time = section_through_time(models, probe_X, probe_y)
    memory = section_memory(args.hidden, args.length, args.steps, args.lr, args.batch,
                            list(range(args.seed, args.seed + args.repeats)))

    rnn = through_time["rnn"]
    bound_ok = rnn["rate"] <= rnn["lambda"] * (1 + 1e-12)
    ok = bound_ok and all(math.isfinite(r["losses"][-1]) for rs in memory["runs"].values() for r in rs)
    print(heading(_("Checks")))
    say(" ".join([
        _("Compared: the RNN's mean factor per step back, {rate}, with Pascanu's bound λ = {lam} (a mean of factors "
          "that are each at most λ cannot exceed it); every training loss is finite.").format(
            rate=format_number(rnn['rate'], 3), lam=format_number(rnn['lambda'], 3)),
        _("Skipped: the accuracies and the LSTM's and GRU's ratios are measurements with no closed form to compare "
          "with."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("a task whose answer was given T steps ago needs a gradient that survives T steps back. A vanilla "
             "RNN's shrinks geometrically; a gate held near 1 passes it on, and that is what the LSTM and the GRU "
             "learn with."))
    if args.plot:
        save(args.plot, through_time, memory)
    return {"through_time": through_time, "memory": memory, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
