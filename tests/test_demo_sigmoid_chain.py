"""demos/sigmoid_chain.py: the numbers it prints are Nielsen's, and every gradient is checked.

The demo is run through its ``main(argv)`` with stdout captured; the tests read
the printed tables back and compare them with closed forms computed here, and
with finite differences written here, independently of the demo's own checks.
"""

import math

import pytest

from demo_output import prose, read_table, run_demo  # also puts demos/ on sys.path

import sigmoid_chain  # noqa: E402  (demos/ is not a package: found through the path above)


NUMBERED = " 0123456789"  # this demo's table rows start with a layer number; prose follows directly


@pytest.fixture(scope="module")
def run():
    """One run of the demo with a short list of deeper chains, shared by the tests below."""
    return run_demo(sigmoid_chain.main, ["--seed", "0", "--layers", "6"])


def test_w100_chain_prints_nielsens_exploding_gradients(run):
    result, out = run
    rows = read_table(out, "j", after="2. Exploding", row_starts=NUMBERED)
    printed = [float(r["∂C/∂bⱼ (backward)"]) for r in rows]
    # C = (a₄ − 0)²/2 with a₄ = σ(0) = 1/2, σ′(0) = 1/4 and w·σ′ = 25: 0.125·25^(4−j), exact in binary.
    assert printed == [0.125 * 25 ** (4 - j) for j in range(1, 5)] == [1953.125, 78.125, 3.125, 0.125]
    assert result["explode"]["chain"].gradients == [1953.125, 78.125, 3.125, 0.125]
    assert [r["σ′(zⱼ)·wⱼ₊₁"] for r in rows] == ["25.0", "25.0", "25.0", ""]
    assert "∂C/∂b₁ / ∂C/∂b₄ = 15625.0 = 25³" in prose(out)


def test_w1_chain_divides_by_four_per_layer(run):
    result, out = run
    rows = read_table(out, "j", after="3. Every w = 1", row_starts=NUMBERED)
    assert [float(r["∂C/∂bⱼ (backward)"]) for r in rows] == [0.125 / 4 ** (4 - j) for j in range(1, 5)]
    assert result["quarter"]["ratio_b1_b3"] == 1 / 16
    assert "∂C/∂b₁ / ∂C/∂b₃ = 0.0625 = 1/16" in prose(out)


def test_seeded_chain_gradients_agree_with_finite_differences_written_here(run):
    result, out = run
    chain = result["seeded"]["chain"]
    for j, backward in enumerate(chain.gradients, start=1):
        def C(t, j=j):
            a = 0.5
            for k, (w, b) in enumerate(zip(chain.weights, chain.biases), start=1):
                z = w * a + (t if k == j else b)
                a = 1 / (1 + math.exp(-z))
            return a * a / 2

        h = 1e-5  # |C‴| is O(1) for N(0, 1) weights: truncation ~h²/6 = 2e-11, rounding ~1e-16/h = 1e-11
        numeric = (C(chain.biases[j - 1] + h) - C(chain.biases[j - 1] - h)) / (2 * h)
        assert math.isclose(backward, numeric, rel_tol=1e-6, abs_tol=1e-12)
    printed = [float(r["∂C/∂bⱼ (backward)"]) for r in read_table(out, "j", after="1. Weights", row_starts=NUMBERED)]
    assert printed == pytest.approx(chain.gradients, rel=1e-5)  # printed to 6 significant digits


def test_earlier_layers_get_smaller_gradients_in_the_seeded_chain(run):
    result, out = run
    gradients = [abs(g) for g in result["seeded"]["chain"].gradients]
    assert gradients == sorted(gradients)
    assert result["seeded"]["all_factors_below_one"]
    ratio = abs(result["seeded"]["ratio_first_last"])
    assert ratio == pytest.approx(math.prod(abs(f) for f in result["seeded"]["factors_back"]), rel=1e-12)
    text = prose(out)
    assert "All three are below 1 in size, so their product is too: |∂C/∂b₁| / |∂C/∂b₄| = 0.004689" in text
    assert f"The first layer's gradient is {1 / ratio:.0f}× smaller than the last's" in text  # 213×


@pytest.mark.parametrize("seed", range(12))
def test_the_sentence_about_the_factors_matches_them_for_every_seed(seed, capsys):
    result = sigmoid_chain.section_seeded(seed)
    text = prose(capsys.readouterr().out)
    below = all(abs(f) < 1 for f in result["factors_back"])
    ratio = abs(result["ratio_first_last"])
    if below:
        assert "All three are below 1 in size, so their product is too" in text and ratio < 1
    elif ratio < 1:
        assert "Not all three are below 1 in size for this seed, but their product is" in text
    else:
        assert "For this seed the product is not below 1" in text


@pytest.mark.parametrize("seed", range(5))
def test_each_layer_back_multiplies_by_sigma_prime_times_next_weight(seed):
    chain = sigmoid_chain.seeded_chain(5, seed)
    for j in range(1, 5):
        factor = chain.factor_back(j)
        assert math.isclose(chain.gradients[j - 1], factor * chain.gradients[j], rel_tol=1e-12)
        assert abs(factor) <= abs(chain.weights[j]) / 4  # σ′ ≤ 1/4


def test_every_check_in_the_run_passes_with_its_printed_errors(run):
    result, out = run
    assert result["ok"]
    assert "All agree: yes." in prose(out)
    assert "The w = 100 and w = 1 chains of sections 2 and 3 equal 0.125·25^(4−j) and 0.125·4^(j−4) to the last bit: yes" in prose(out)
    for section in ("1. Weights", "2. Exploding", "3. Every w = 1"):
        for row in read_table(out, "j", after=section, row_starts=NUMBERED):
            assert float(row["rel. error: complex step"]) <= sigmoid_chain.COMPLEX_STEP_TOL
            assert float(row["rel. error: central diff (h)"].split()[0]) < 1e-6


def test_explainer_formula_is_printed_and_its_factors_multiply_to_the_gradient(run):
    result, out = run
    seeded = result["seeded"]
    assert "∂C/∂b₁ = σ′(z₁) · w₂" in out
    for symbol in ("σ′(z₂)", "w₃", "σ′(z₃)", "w₄", "σ′(z₄)", "∂C/∂a₄"):
        assert symbol in out
    assert seeded["explained_value"] == seeded["chain"].gradients[0]
    assert math.isclose(seeded["explained_product"], seeded["explained_value"], rel_tol=1e-12)


def test_deeper_chains_follow_25_and_4_to_the_power_L_minus_1(run):
    result, out = run
    deep = result["deep"][6]
    assert math.isclose(deep["w=100"]["ratio"], 25.0 ** 5, rel_tol=1e-14)
    assert deep["w=1"]["ratio"] == 0.25 ** 5
    assert abs(deep["seeded"]["ratio"]) < 1e-2
    rows = read_table(out, "L", after="4. Deeper", row_starts=NUMBERED)
    by_chain = {r["chain"]: r for r in rows}
    assert by_chain["w = 100, z = 0"]["closed form"] == "25⁵ = 9.766e+06"
    assert float(by_chain["w = 100, z = 0"]["∂C/∂b₁ ÷ ∂C/∂b_L"]) == pytest.approx(25.0 ** 5, rel=1e-3)
    assert by_chain["w = 1, z = 0"]["closed form"] == "4⁻⁵ = 9.766e-04"
    for row in rows:
        assert float(row["rel. error: complex step"].split()[0]) <= sigmoid_chain.COMPLEX_STEP_TOL


def test_unresolved_central_differences_are_counted_by_their_reason(run):
    result, out = run
    checks = [c for entry in result["deep"][6].values() for c in entry["chain"].checks if c is not None]
    assert all((c.central is None) == bool(c.unresolved) for c in checks)
    text = prose(out)
    unresolved = sum(c.central is None for c in checks)
    if unresolved:
        assert f"Central differences could not resolve {unresolved} of these {len(checks)} checked gradients" in text
    else:
        assert "could not resolve" not in text


@pytest.mark.parametrize("argv", [["--layers", "0"], ["--layers", "1001"], ["--layers", "5", "-2"]])
def test_bad_depths_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        sigmoid_chain.main(argv)
    assert stop.value.code == 2 and capsys.readouterr().out == ""


def test_overflowing_chain_is_flagged_in_words_not_compared():
    chain = sigmoid_chain.zero_z_chain(100.0, 240)  # 0.125·25²³⁹ ≈ 1e333 > 1.8e308
    assert chain.gradients[0] == math.inf
    assert chain.checks[0].overflowed and chain.checks[0].ok
    first = read_table(sigmoid_chain.gradient_table(chain), "j")[0]
    assert first["∂C/∂bⱼ (backward)"] == "inf (overflow)"
    assert first["rel. error: complex step"] == first["rel. error: central diff (h)"] == "not checked"


def test_same_seed_same_output_and_another_seed_another_chain(capsys):
    sigmoid_chain.main(["--seed", "7", "--layers", "5"])
    first = capsys.readouterr().out
    sigmoid_chain.main(["--seed", "7", "--layers", "5"])
    assert capsys.readouterr().out == first
    sigmoid_chain.main(["--seed", "8", "--layers", "5"])
    assert capsys.readouterr().out != first


def test_seeded_chain_prints_its_gradient_as_one_textbook_formula(run):
    result, out = run
    seeded = result["seeded"]
    assert seeded["textbook_form"]
    lines = out.splitlines()
    # Derived by hand: C = (a₄ − y)²/2 and aⱼ = σ(zⱼ), so ∂C/∂b₁ = σ′(z₁)·w₂·σ′(z₂)·w₃·σ′(z₃)·w₄·σ′(z₄)·(a₄ − y).
    start = lines.index("∂C/∂b₁ = w₂·w₃·w₄·σ′(z₁)·σ′(z₂)·σ′(z₃)·σ′(z₄)·(σ(z₄) − y)")
    assert lines[start + 1:start + 5] == ["    where z₁ = a₀·w₁ + b₁", "          z₂ = w₂·σ(z₁) + b₂",
                                          "          z₃ = w₃·σ(z₂) + b₃", "          z₄ = w₄·σ(z₃) + b₄"]
    assert "in textbook form (24 operations; the exact form read back from the engine's graph has 90)" in prose(out)
    backward = seeded["chain"].gradients[0]
    assert math.isclose(seeded["formula_value"], backward, rel_tol=1e-13)
    printed = prose(out).split("Evaluated at this chain's numbers it gives ")[1].split(";")[0]
    assert float(printed.replace("−", "-")) == pytest.approx(backward, rel=1e-5)
    # The label a₄ names ∂C/∂a₄; the line under the chain rule writes it out: 2·(a₄ − y)·0.5 = a₄ − y.
    (where,) = [k for k, line in enumerate(lines) if line.startswith("  where ∂C/∂a₄ = 2·(a₄ − y) · 0.5")]
    a4 = seeded["chain"].nodes["a4"].data
    assert lines[where + 1].endswith(f"× 0.5 = {a4:.4g}")
