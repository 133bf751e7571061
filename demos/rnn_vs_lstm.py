"""RNN, LSTM and GRU through time: a vanilla RNN's gradient decays geometrically, a gated path holds it.

Sources: Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent
neural networks" (ICML 2013); Hochreiter & Schmidhuber, "Long short-term
memory" (Neural Computation, 1997), whose cell state is carried with weight 1
(the constant error carousel); Gers, Schmidhuber & Cummins, "Learning to
forget: continual prediction with LSTM" (Neural Computation, 2000), who added
the forget gate; Cho et al., "Learning phrase representations using RNN
encoder-decoder for statistical machine translation" (EMNLP 2014), the GRU.

Unrolled over T steps, a recurrent network is a T-layer network that uses the
same weights at every layer.  The gradient reaching step t has been multiplied
by one Jacobian per later step:

  * vanilla RNN, hₜ = tanh(W·hₜ₋₁ + U·xₜ + b):  ∂hₜ/∂hₜ₋₁ = diag(1 − hₜ²)·W, so
    ‖∂h_T/∂h₀‖ ≤ (γλ)^T with λ the largest singular value of W and γ = 1 for
    tanh (1/4 for sigmoid): below 1/γ it must vanish geometrically.  For a
    scalar RNN with zero input and h₀ = 0 every tanh′ = 1 and ∂h_T/∂h₀ = w^T
    exactly (0.9⁵⁰ ≈ 0.00515);
  * LSTM, cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ:  along the cell state the factor is the
    forget gate fₜ itself.  Where the gates do not depend on c, ∂c_T/∂c₀ = Π fₜ:
    exactly 1 with the forget gate held open (the 1997 LSTM's carousel),
    σ(5)¹⁰⁰ ≈ 0.51 after 100 steps with forget bias 5;
  * GRU, hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁ (PyTorch's form; Cho et al. write the
    same with zₜ and 1 − zₜ swapped):  the update gate plays the forget gate's
    role, and where the gates do not depend on h, ∂h_T/∂h₀ = Π zₜ.

demos/memory_task.py trains the three on a task that needs this memory.

    python demos/rnn_vs_lstm.py [--seed 0] [--hidden 4] [--lstm-steps 100]
"""

from __future__ import annotations

import math
import random

import _common  # the repository root onto sys.path: runs from a fresh clone
from _common import error_text, format_number, heading, lesson, opening, relative_error, say, sup, table
from _i18n import _, ngettext

from tinygrad_edu import nn, ops
from tinygrad_edu.anatomy import largest_singular_value
from tinygrad_edu.jacobian import jacobian
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn import init

# A product of T factors, taken by backward in one order and by the closed form in another:
# each multiplication rounds once, so they agree to about T·ε relative (1e-13 covers T ≤ 200).  Below
# 2.2e-308 a float is subnormal and each rounding costs up to 2⁻¹⁰⁷⁵ absolute instead.
PRODUCT_TOL = 1e-13


def product_error(measured: list, expected: list, T: int) -> float:
    """The largest error of a product of T factors, as a multiple of what T roundings allow.

    1 or less is agreement: T·ε relative, at least PRODUCT_TOL, plus T·2⁻¹⁰⁷⁴ absolute for results in the
    subnormal range (a vanishing gate's product can get there: σ(0)¹⁰⁰⁰ ≈ 1e-301).
    """
    allowed = [max(PRODUCT_TOL, 2 * T * 2.0 ** -52) * abs(e) + T * 2.0 ** -1074 for e in expected]
    return max(abs(m - e) / a for m, e, a in zip(measured, expected, allowed))
FORGET_BIAS = 5.0  # σ(5) = 0.9933: the LSTM's (and the GRU's update gate's) memory; σ(5)¹⁰⁰ ≈ 0.51
OPEN = 40.0  # σ(40) = 1 − 4e-18 rounds to exactly 1.0 in float64: a forget gate held open

SCALAR_CASES = [(0.9, 50), (0.5, 50), (1.0, 50), (1.1, 50)]


def constant_init(c: float):
    """An initialiser (n_out, n_in, rng) → c·I, for a square recurrent matrix."""
    def make(n_out: int, n_in: int, rng=None) -> Matrix:
        return init.scaled_identity(n_out, n_in, rng, c=c)
    return make


def scaled_to(matrix: list, target: float) -> list:
    """``matrix`` rescaled so that its largest singular value is ``target``."""
    s = largest_singular_value(matrix)
    return [[v * target / s for v in row] for row in matrix]


# ---------------------------------------------------------------------------
# 1. The scalar RNN: ∂h_T/∂h₀ = w^T
# ---------------------------------------------------------------------------

def scalar_rnn_gradient(w: float, T: int) -> float:
    """∂h_T/∂h₀ of hₜ = tanh(w·hₜ₋₁ + u·xₜ) with every xₜ = 0 and h₀ = 0, by backward through nn.RNNCell."""
    cell = nn.RNNCell(1, 1, rng=random.Random(0), init="standard_uniform", recurrent_init=constant_init(w))
    h0 = Matrix([[0.0]])
    outputs, h = nn.unroll(cell, [Matrix([[0.0]], requires_grad=False)] * T, h0)
    (g,) = h.gradients([h0])
    return g.item()


def section_scalar() -> dict:
    print(heading(_("1. A scalar tanh RNN: ∂h_T/∂h₀ = w^T exactly")))
    say(_("hₜ = tanh(w·hₜ₋₁ + u·xₜ) with every xₜ = 0 and h₀ = 0: every hₜ = 0, every tanh′(0) = 1, so each step "
          "back multiplies the gradient by w alone, and ∂h_T/∂h₀ = w^T. (nn.RNNCell, one unit, W_hh = w.)"))
    rows, result = [], {}
    for w, T in SCALAR_CASES:
        measured = scalar_rnn_gradient(w, T)
        closed = ops.power(w, T)
        err = relative_error(measured, closed)
        result[(w, T)] = {"measured": measured, "closed": closed, "error": err}
        rows.append([format_number(w, flag=False), T, format_number(measured, 6),
                     f"{format_number(w, flag=False)}{sup(T)} = {format_number(closed, 6)}", error_text(err)])
    print(table(["w", "T", _("∂h_T/∂h₀ (backward)"), _("closed form w^T"), _("rel. error")], rows))
    return result


# ---------------------------------------------------------------------------
# 2. Pascanu's bound
# ---------------------------------------------------------------------------

def random_rnn(hidden: int, lam: float, activation: str, seed: int) -> dict:
    """A random RNN, W_hh rescaled so that its largest singular value is λ."""
    rng = random.Random(f"rnn_vs_lstm pascanu {seed} {activation} {lam}")
    W_hh = scaled_to([[rng.gauss(0.0, 1.0) for _ in range(hidden)] for _ in range(hidden)], lam)
    W_ih = [[rng.gauss(0.0, 1.0)] for _ in range(hidden)]
    b = [[rng.gauss(0.0, 0.5) for _ in range(hidden)]]
    xs = [rng.gauss(0.0, 1.0) for _ in range(200)]
    return {"W_hh": W_hh, "W_ih": W_ih, "b": b, "xs": xs, "activation": activation}


def final_state(rnn: dict, T: int):
    """h₀ ↦ h_T for the RNN hₜ = f(xₜ·W_ihᵀ + hₜ₋₁·W_hhᵀ + b), as a function for jacobian()."""
    W_hh = Matrix(rnn["W_hh"], requires_grad=False)
    W_ih = Matrix(rnn["W_ih"], requires_grad=False)
    b = Matrix(rnn["b"], requires_grad=False)

    def f(h: Matrix) -> Matrix:
        for x in rnn["xs"][:T]:
            z = Matrix([[x]], requires_grad=False) @ W_ih.T + h @ W_hh.T + b
            h = z.tanh() if rnn["activation"] == "tanh" else z.sigmoid()
        return h
    return f


def section_pascanu(hidden: int, seed: int, lengths: list) -> dict:
    print(heading(ngettext("2. Pascanu's bound: ‖∂h_T/∂h₀‖ ≤ (γλ)^T ({count} unit, random inputs)",
                           "2. Pascanu's bound: ‖∂h_T/∂h₀‖ ≤ (γλ)^T ({count} units, random inputs)", hidden).format(
        count=hidden)))
    say(_("∂hₜ/∂hₜ₋₁ = diag(f′(zₜ))·W, and |f′| ≤ γ (γ = 1 for tanh, 1/4 for sigmoid), so the product of T "
          "Jacobians has norm at most (γλ)^T, λ = σ_max(W): if λ < 1/γ the gradient must vanish geometrically. "
          "Measured: the largest singular value of the Jacobian ∂h_T/∂h₀, by reverse mode, one backward pass per "
          "unit."))
    cases = [("tanh", 0.9), ("tanh", 1.5), ("sigmoid", 3.6), ("sigmoid", 6.0)]
    gamma = {"tanh": 1.0, "sigmoid": 0.25}
    rows, result = [], {}
    for activation, lam in cases:
        rnn = random_rnn(hidden, lam, activation, seed)
        h0 = [[0.0] * hidden]
        for T in lengths:
            J = jacobian(final_state(rnn, T), h0).data
            norm = largest_singular_value(J)
            bound = ops.power(gamma[activation] * lam, T)
            result[(activation, lam, T)] = {"norm": norm, "bound": bound}
            rows.append([activation, format_number(lam, flag=False), format_number(gamma[activation] * lam, flag=False),
                         T, format_number(norm), format_number(bound),
                         _("yes") if norm <= bound * (1 + 1e-12) else _("NO")])
    print(table(["f", "λ = σ_max(W)", "γλ", "T", "‖∂h_T/∂h₀‖", _("bound (γλ)^T"), _("within")], rows))
    print()
    longest = max(lengths)
    above = [(a, lam) for a, lam in cases if gamma[a] * lam > 1]
    largest = max(result[(a, lam, longest)]["norm"] for a, lam in above)
    slopes = {(a, lam): mean_derivative(random_rnn(hidden, lam, a, seed), longest) for a, lam in above}
    say(_("γλ < 1 (tanh with λ = 0.9, sigmoid with λ = 3.6 < 4): the bound forces the gradient to vanish. "
          "γλ > 1 is necessary for exploding, not sufficient: the bound then allows growth but does not force it."))
    if largest < 1:
        say(_("Here it vanishes anyway: at most {norm} at T = {steps}.").format(norm=format_number(largest),
                                                                               steps=longest))
    else:
        say(_("Here it does grow: up to {norm} at T = {steps}.").format(norm=format_number(largest), steps=longest))
    for a, lam in above:
        norm = result[(a, lam, longest)]["norm"]
        rate = norm ** (1 / longest) if norm > 0 else 0.0
        slope = slopes[(a, lam)]
        slopes[(a, lam)] = {"mean": slope, "rate": rate}
        say(ngettext("{activation}, λ = {lam}: per step the gradient is multiplied by ‖∂h_T/∂h₀‖^(1/T) = {rate} on "
                     "average over T = {steps} step, against γλ = {gamma_lam}. The mean f′(zₜ) along the trajectory is "
                     "{slope}, against its maximum γ = {gamma}.",
                     "{activation}, λ = {lam}: per step the gradient is multiplied by ‖∂h_T/∂h₀‖^(1/T) = {rate} on "
                     "average over T = {steps} steps, against γλ = {gamma_lam}. The mean f′(zₜ) along the trajectory "
                     "is {slope}, against its maximum γ = {gamma}.", longest).format(
            activation=a, lam=format_number(lam, flag=False), rate=format_number(rate, 3), steps=longest,
            gamma_lam=format_number(gamma[a] * lam, flag=False), slope=format_number(slope, 3),
            gamma=format_number(gamma[a], flag=False)))
    if all(s["rate"] < s["mean"] * lam for (a, lam), s in slopes.items()):
        say(_("So the bound is a worst case twice over: it takes f′ at its maximum at every step, and it takes "
              "every step to meet W along its largest singular direction. A real trajectory does neither: even "
              "λ times the mean f′ is above the measured rate, because the directions do not line up step "
              "after step."))
    return result, slopes


def mean_derivative(rnn: dict, T: int) -> float:
    """The mean of f′(zₜ) over the units and the first T steps from h₀ = 0: tanh′ = 1 − h², σ′ = h(1 − h)."""
    h = [0.0] * len(rnn["W_hh"])
    f = math.tanh if rnn["activation"] == "tanh" else ops.sigmoid.forward
    total = 0.0
    for x in rnn["xs"][:T]:
        h = [f(rnn["W_ih"][j][0] * x + math.fsum(w * v for w, v in zip(rnn["W_hh"][j], h)) + rnn["b"][0][j])
             for j in range(len(h))]
        total += math.fsum(1 - v * v if rnn["activation"] == "tanh" else v * (1 - v) for v in h)
    return total / (T * len(h))


# ---------------------------------------------------------------------------
# 3. LSTM: ∂c_T/∂c₀ = Π fₜ
# ---------------------------------------------------------------------------

def lstm_cell_gradient(hidden: int, T: int, forget_bias: float, input_weights: bool, recurrent: bool,
                       seed: int) -> dict:
    """∂c_T/∂c₀ (the diagonal: d(Σ c_T)/dc₀) by backward, and Π fₜ from the forget gates' values."""
    rng = random.Random(f"rnn_vs_lstm lstm {seed}")
    cell = nn.LSTMCell(1, hidden, rng=rng, init="standard_uniform" if input_weights else "zeros",
                       recurrent_init="standard_uniform" if recurrent else "zeros", forget_bias=forget_bias)
    xs = [Matrix([[rng.uniform(-1.0, 1.0)]], requires_grad=False) for _ in range(T)]
    c0 = Matrix([[0.5] * hidden])
    h0 = Matrix([[0.0] * hidden], requires_grad=False)
    state = (h0, c0)
    products, running = [1.0] * hidden, [1.0]
    for x in xs:
        h_prev = state[0]
        # the forget gate's value at this step, computed from its weights with plain floats
        for j in range(hidden):
            z = (x.data[0][0] * cell.forget.weight_ih.data[j][0]
                 + math.fsum(h_prev.data[0][k] * cell.forget.weight_hh.data[j][k] for k in range(hidden))
                 + cell.forget.bias.data[0][j])
            products[j] *= ops.sigmoid.forward(z)
        running.append(products[0])
        state = cell(x, state)
    c_T = state[1]
    (g,) = c_T.sum().gradients([c0])
    return {"gradient": g.data[0], "product": products, "running": running,
            "error": max(relative_error(a, b) for a, b in zip(g.data[0], products)),
            "allowed": product_error(g.data[0], products, T)}


def section_lstm(hidden: int, T: int, seed: int) -> dict:
    print(heading(ngettext("3. The LSTM's cell state: ∂c_T/∂c₀ = Π fₜ over T = {steps} step",
                           "3. The LSTM's cell state: ∂c_T/∂c₀ = Π fₜ over T = {steps} steps", T).format(steps=T)))
    say(_("cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ. If the gates do not depend on c (here: no recurrent weights, W_hh = 0, so "
          "they see only xₜ), then ∂cₜ/∂cₜ₋₁ = diag(fₜ) and ∂c_T/∂c₀ = Π fₜ, unit by unit: no squashing "
          "derivative, no weight matrix. Π fₜ is computed here from the gates' own numbers, by hand. The forget "
          "gate held open is the 1997 LSTM's constant error carousel (Hochreiter & Schmidhuber); the gate "
          "itself is Gers, Schmidhuber & Cummins's (2000)."))
    bias_text = format_number(FORGET_BIAS, flag=False)
    cases = [  # (the key of the result, the row's label, bias, gates see the input, recurrent weights)
        ("forget gate held open (bias 40, σ = 1.0)", _("forget gate held open (bias 40, σ = 1.0)"), OPEN, False, False),
        (f"forget bias {bias_text}, gates constant", _("forget bias {bias}, gates constant").format(bias=bias_text),
         FORGET_BIAS, False, False),
        (f"forget bias {bias_text}, gates see xₜ", _("forget bias {bias}, gates see xₜ").format(bias=bias_text),
         FORGET_BIAS, True, False),
        ("forget bias 0, gates see xₜ", _("forget bias {bias}, gates see xₜ").format(bias="0"), 0.0, True, False),
        (f"forget bias {bias_text}, recurrent weights too",
         _("forget bias {bias}, recurrent weights too").format(bias=bias_text), FORGET_BIAS, True, True),
    ]
    rows, result = [], {}
    for name, label, bias, inputs, recurrent in cases:
        r = lstm_cell_gradient(hidden, T, bias, inputs, recurrent, seed)
        result[name] = r
        closed = "" if inputs else (
            _("1 exactly") if bias == OPEN else f"σ(5)^{T} = {format_number(ops.power(ops.sigmoid.forward(bias), T), 6)}")
        rows.append([label, format_number(r["gradient"][0], 6), format_number(r["product"][0], 6), closed,
                     error_text(r["error"]) if not recurrent else _("not Π fₜ: gates see c")])
    print(table(["LSTM", _("∂c_T/∂c₀, unit 1 (backward)"), _("Π fₜ, unit 1"), _("closed form"),
                 _("rel. error, all units")], rows))
    print()
    opened, kept, half = (result[cases[k][0]] for k in (0, 1, 3))
    recurrent = result[cases[-1][0]]
    say(ngettext("With the gate held open ∂c_T/∂c₀ = {opened} after {steps} step: the carousel passes the gradient "
                 "unchanged. With forget bias 5 it keeps {kept} of it, while the scalar RNN with w = 0.9 keeps {power} "
                 "= {rnn}. A forget gate near σ(0) = 1/2 (bias 0) about halves it at every step: Π fₜ = {half}, "
                 "against {halves} = {closed}.",
                 "With the gate held open ∂c_T/∂c₀ = {opened} after {steps} steps: the carousel passes the gradient "
                 "unchanged. With forget bias 5 it keeps {kept} of it, while the scalar RNN with w = 0.9 keeps {power} "
                 "= {rnn}. A forget gate near σ(0) = 1/2 (bias 0) about halves it at every step: Π fₜ = {half}, "
                 "against {halves} = {closed}.", T).format(
        opened=format_number(opened['gradient'][0], flag=False), steps=T, kept=format_number(kept['gradient'][0], 3),
        power=f"0.9{sup(T)}", rnn=format_number(ops.power(0.9, T)), half=format_number(half['product'][0]),
        halves=f"2{sup(-T)}", closed=format_number(ops.power(0.5, T))))
    say(_("With recurrent weights the gates see c too, through hₜ₋₁ = oₜ ⊙ tanh(cₜ₋₁): other paths add to the "
          "product, and ∂c_T/∂c₀ is no longer Π fₜ (unit 1: {gradient} against {product}). The cell state is built so "
          "that along it the gradient is only multiplied by fₜ, a gate that training can hold near 1 where a memory is "
          "needed.").format(gradient=format_number(recurrent['gradient'][0], 4),
                            product=format_number(recurrent['product'][0], 4)))
    return result


# ---------------------------------------------------------------------------
# 4. GRU: ∂h_T/∂h₀ = Π zₜ
# ---------------------------------------------------------------------------

def gru_gradient(hidden: int, T: int, update_bias: float, input_weights: bool, recurrent: bool,
                 seed: int) -> dict:
    """∂h_T/∂h₀ (the diagonal: d(Σ h_T)/dh₀) by backward, and Π zₜ from the update gates' values.

    nn.GRUCell has no bias option for its gates; we set the update gate's bias
    after building the cell, as one sets an LSTM's forget bias.
    """
    rng = random.Random(f"rnn_vs_lstm gru {seed}")
    cell = nn.GRUCell(1, hidden, rng=rng, init="standard_uniform" if input_weights else "zeros",
                      recurrent_init="standard_uniform" if recurrent else "zeros")
    cell.update.bias.data[0][:] = [update_bias] * hidden
    xs = [Matrix([[rng.uniform(-1.0, 1.0)]], requires_grad=False) for _ in range(T)]
    h0 = Matrix([[0.5] * hidden])
    h, products, running = h0, [1.0] * hidden, [1.0]
    for x in xs:
        for j in range(hidden):  # the update gate's value at this step, with plain floats
            z = (x.data[0][0] * cell.update.weight_ih.data[j][0]
                 + math.fsum(h.data[0][k] * cell.update.weight_hh.data[j][k] for k in range(hidden))
                 + cell.update.bias.data[0][j])
            products[j] *= ops.sigmoid.forward(z)
        running.append(products[0])
        h = cell(x, h)
    (g,) = h.sum().gradients([h0])
    return {"gradient": g.data[0], "product": products, "running": running,
            "error": max(relative_error(a, b) for a, b in zip(g.data[0], products)),
            "allowed": product_error(g.data[0], products, T)}


def section_gru(hidden: int, T: int, seed: int) -> dict:
    print(heading(ngettext("4. The GRU's update gate: ∂h_T/∂h₀ = Π zₜ over T = {steps} step",
                           "4. The GRU's update gate: ∂h_T/∂h₀ = Π zₜ over T = {steps} steps", T).format(steps=T)))
    bias_text = format_number(FORGET_BIAS, flag=False)
    say(_("hₜ = (1 − zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁ (nn.GRUCell, PyTorch's form; Cho et al. 2014 write hₜ = (1 − zₜ) ⊙ hₜ₋₁ + "
          "zₜ ⊙ h̃ₜ, so there 1 − zₜ is the gate that keeps). If neither zₜ nor the candidate nₜ sees h (no recurrent "
          "weights), ∂hₜ/∂hₜ₋₁ = diag(zₜ) and ∂h_T/∂h₀ = Π zₜ: the update gate is the GRU's forget gate. Update-gate "
          "bias {bias}, set by hand, as the LSTM's forget bias.").format(bias=bias_text))
    cases = [  # (the key of the result, the row's label, bias, gates see the input, recurrent weights)
        ("update gate held open (bias 40, σ = 1.0)", _("update gate held open (bias 40, σ = 1.0)"), OPEN, False, False),
        (f"update bias {bias_text}, gates constant", _("update bias {bias}, gates constant").format(bias=bias_text),
         FORGET_BIAS, False, False),
        (f"update bias {bias_text}, gates see xₜ", _("update bias {bias}, gates see xₜ").format(bias=bias_text),
         FORGET_BIAS, True, False),
        ("update bias 0, gates see xₜ", _("update bias {bias}, gates see xₜ").format(bias="0"), 0.0, True, False),
        (f"update bias {bias_text}, recurrent weights too",
         _("update bias {bias}, recurrent weights too").format(bias=bias_text), FORGET_BIAS, True, True),
    ]
    rows, result = [], {}
    for name, label, bias, inputs, recurrent in cases:
        r = gru_gradient(hidden, T, bias, inputs, recurrent, seed)
        result[name] = r
        closed = "" if inputs else (
            _("1 exactly") if bias == OPEN else f"σ(5)^{T} = {format_number(ops.power(ops.sigmoid.forward(bias), T), 6)}")
        rows.append([label, format_number(r["gradient"][0], 6), format_number(r["product"][0], 6), closed,
                     error_text(r["error"]) if not recurrent else _("not Π zₜ: gates see h")])
    print(table(["GRU", _("∂h_T/∂h₀, unit 1 (backward)"), _("Π zₜ, unit 1"), _("closed form"),
                 _("rel. error, all units")], rows))
    print()
    recurrent = result[cases[-1][0]]
    say(_("Like the LSTM's cell state, the GRU's state passes the gradient through time multiplied by the update gate "
          "zₜ alone ({power} with constant gates). With recurrent weights, zₜ and nₜ depend on hₜ₋₁ and other paths add "
          "to the product (unit 1: {gradient} against Π zₜ = {product}).").format(
        power=f"σ(5)^{T}", gradient=format_number(recurrent['gradient'][0], 4),
        product=format_number(recurrent['product'][0], 4)))
    return result


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def save(path: str, pascanu: dict, lstm: dict, gru: dict) -> None:
    bound_panel = {}
    for (activation, lam, T), r in pascanu.items():
        xs, ys = bound_panel.setdefault(f"{activation}, λ = {lam:g}", ([], []))
        xs.append(T)
        ys.append(r["norm"])
    lengths = sorted({T for (_, _, T) in pascanu})
    bound_panel[_("bound 0.9^T (γλ = 0.9)")] = (lengths, [0.9 ** T for T in lengths], "k--")
    gated = {}
    short = [_("gate open"), _("bias 5, constant"), _("bias 5, sees xₜ"), _("bias 0, sees xₜ")]
    for label, style, results in (("LSTM Π fₜ", "-", lstm), ("GRU Π zₜ", "--", gru)):
        exact = [r for name, r in results.items() if "recurrent" not in name]
        for k, (case, r) in enumerate(zip(short, exact)):  # one colour per case, LSTM solid, GRU dashed
            gated[f"{label}, {case}"] = (list(range(len(r["running"]))), r["running"], f"C{k}{style}")
    _common.save_figure(path, [
        (_("‖∂h_T/∂h₀‖ of random RNNs (Pascanu)"), bound_panel, True, "T", "‖∂h_T/∂h₀‖"),
        (_("the gated paths: Π over the first t steps"), gated, True, _("step t"), _("product of the gates, unit 1")),
    ])


def main(argv: list | None = None) -> dict:
    p = _common.parser(__doc__, __file__, argv)
    p.add_argument("--hidden", type=_common.whole_number(1, 32), default=4,
                   help=_("hidden units, 1 to 32 (default 4)"))
    p.add_argument("--lstm-steps", type=_common.whole_number(1, 1000), default=100,
                   help=_("T of sections 3 and 4, the gated paths (1 to 1000, default 100)"))
    args = p.parse_args(argv)
    opening(_("RNN, LSTM and GRU: the gradient through time"),
            _("Pascanu, Mikolov & Bengio (ICML 2013); Hochreiter & Schmidhuber (1997), the LSTM's constant error "
              "carousel; Gers, Schmidhuber & Cummins (2000), the forget gate; Cho et al. (2014), the GRU."),
            [_("a scalar tanh RNN's ∂h_T/∂h₀ = w^T exactly: 0.9⁵⁰ = 0.00515;"),
             _("Pascanu's bound (γλ)^T holding, and forcing the gradient to vanish when γλ < 1;"),
             _("the LSTM's ∂c_T/∂c₀ = Π fₜ: exactly 1 with the forget gate open, σ(5)¹⁰⁰ ≈ 0.51 with bias 5;"),
             _("the GRU's ∂h_T/∂h₀ = Π zₜ: the update gate in the forget gate's role.")])
    scalar = section_scalar()
    pascanu, slopes = section_pascanu(args.hidden, args.seed, [5, 20, 50])
    lstm = section_lstm(args.hidden, args.lstm_steps, args.seed)
    gru = section_gru(args.hidden, args.lstm_steps, args.seed)

    scalar_ok = all(r["error"] <= PRODUCT_TOL for r in scalar.values())
    bound_ok = all(r["norm"] <= r["bound"] * (1 + 1e-12) for r in pascanu.values())
    exact = [r for results in (lstm, gru) for name, r in results.items() if "recurrent" not in name]
    gated_ok = all(r["allowed"] <= 1 for r in exact)
    open_ok = all(g == 1.0 for results in (lstm, gru) for g in next(iter(results.values()))["gradient"])
    ok = scalar_ok and bound_ok and gated_ok and open_ok
    print(heading(_("Checks")))
    say(" ".join([
        ngettext("Compared: the scalar RNN's ∂h_T/∂h₀ with w^T in {scalar} cases, within {tolerance}; ‖∂h_T/∂h₀‖ with "
                 "Pascanu's bound (γλ)^T in {pascanu} cases; the LSTM's ∂c_T/∂c₀ with Π fₜ and the GRU's ∂h_T/∂h₀ "
                 "with Π zₜ in the {exact} cases where the gates do not see the state, within what {steps} rounding "
                 "allows (T·ε relative, at least {tolerance}; T·2⁻¹⁰⁷⁴ absolute below 2.2e-308), and exactly 1 with "
                 "the gate held open.",
                 "Compared: the scalar RNN's ∂h_T/∂h₀ with w^T in {scalar} cases, within {tolerance}; ‖∂h_T/∂h₀‖ with "
                 "Pascanu's bound (γλ)^T in {pascanu} cases; the LSTM's ∂c_T/∂c₀ with Π fₜ and the GRU's ∂h_T/∂h₀ "
                 "with Π zₜ in the {exact} cases where the gates do not see the state, within what {steps} roundings "
                 "allow (T·ε relative, at least {tolerance}; T·2⁻¹⁰⁷⁴ absolute below 2.2e-308), and exactly 1 with "
                 "the gate held open.", args.lstm_steps).format(
            scalar=len(scalar), tolerance=f"{PRODUCT_TOL:g}", pascanu=len(pascanu), exact=len(exact),
            steps=args.lstm_steps),
        _("Skipped: the 2 cases with recurrent gate weights, where the product formula does not apply (shown, not "
          "compared)."),
        _("All agree: yes.") if ok else _("All agree: NO.")]))
    lesson(_("backpropagation through time multiplies one Jacobian per step. A vanilla RNN's factors are a "
             "squashing derivative times a weight matrix, and their product vanishes geometrically; the LSTM's "
             "cell state and the GRU's state are carried through a gate instead, which can stay near 1."))
    if args.plot:
        save(args.plot, pascanu, lstm, gru)
    return {"scalar": scalar, "pascanu": pascanu, "slopes": slopes, "lstm": lstm, "gru": gru, "ok": ok}


if __name__ == "__main__":
    _common.run(main)
