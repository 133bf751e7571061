"""Tests for tinygrad_edu.data: reproducible, balanced, correctly shaped data sets."""

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import data

# Each generator called with small, valid settings, so the generic properties
# (seeding, shapes, balance) can be checked for all of them at once.
GENERATORS = {
    "xor": lambda rng: data.xor(20, 0.1, rng),
    "two_moons": lambda rng: data.two_moons(20, 0.1, rng),
    "two_circles": lambda rng: data.two_circles(20, 0.1, rng, factor=0.4),
    "spirals": lambda rng: data.spirals(21, 0.1, rng, classes=3),
    "noisy_linear": lambda rng: data.noisy_linear(20, 3, 0.1, rng),
    "gaussian_blobs": lambda rng: data.gaussian_blobs(20, 16, 4, rng),
    "first_element_memory": lambda rng: data.first_element_memory(20, 7, rng),
}
CLASSIFIERS = {name: make for name, make in GENERATORS.items() if name != "noisy_linear"}

seeds = st.integers(min_value=0, max_value=2**32 - 1)


# --- reproducibility -------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_gives_identical_data(name):
    make = GENERATORS[name]
    assert make(123) == make(123)


@pytest.mark.parametrize("name", GENERATORS)
def test_int_seed_and_random_instance_with_that_seed_agree(name):
    make = GENERATORS[name]
    assert make(7) == make(random.Random(7))


@pytest.mark.parametrize("name", GENERATORS)
def test_different_seeds_give_different_data(name):
    make = GENERATORS[name]
    assert make(1)[0] != make(2)[0]


@pytest.mark.parametrize("name", GENERATORS)
def test_a_shared_generator_advances_between_calls(name):
    make = GENERATORS[name]
    rng = random.Random(0)
    assert make(rng)[0] != make(rng)[0]


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_never_touch_the_global_random_state(name):
    random.seed(99)
    before = random.getstate()
    GENERATORS[name](5)
    assert random.getstate() == before


@pytest.mark.parametrize("bad_rng", [None, 1.5, "seed", True, random])
def test_rng_must_be_an_int_or_a_random_instance(bad_rng):
    with pytest.raises(TypeError, match="xor: rng"):
        data.xor(4, 0.1, bad_rng)


# --- shapes and balance ----------------------------------------------------------


@pytest.mark.parametrize("name", GENERATORS)
def test_rows_have_equal_length_and_match_the_labels(name):
    X, y = GENERATORS[name](0)
    assert len(X) == len(y) > 0
    assert len({len(row) for row in X}) == 1
    assert all(isinstance(v, float) for row in X for v in row)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_labels_are_ints(name):
    _, y = CLASSIFIERS[name](0)
    assert all(type(label) is int for label in y)


@settings(max_examples=30)
@given(n=st.integers(1, 60), classes=st.integers(2, 6), seed=seeds)
def test_classes_are_balanced_within_one_sample(n, classes, seed):
    for (_, y), k in [
        (data.xor(n, 0.1, seed), 2),
        (data.two_moons(n, 0.1, seed), 2),
        (data.two_circles(n, 0.1, seed), 2),
        (data.first_element_memory(n, 3, seed), 2),
        (data.spirals(n, 0.1, seed, classes=classes), classes),
        (data.gaussian_blobs(n, 2, classes, seed), classes),
    ]:
        assert len(y) == n
        assert set(y) <= set(range(k))
        counts = Counter(y)
        sizes = [counts[label] for label in range(k)]
        assert max(sizes) - min(sizes) <= 1


def test_rows_are_shuffled_so_a_prefix_mixes_classes():
    _, y = data.two_moons(200, 0.1, 0)
    assert 0 in y[:20] and 1 in y[:20]
    assert y != [i % 2 for i in range(200)]  # not left in the order they were made


# --- the geometry of each data set -------------------------------------------------


@settings(max_examples=25)
@given(seed=seeds)
def test_xor_label_is_one_exactly_where_the_signs_differ(seed):
    X, y = data.xor(40, 0.0, seed)
    for (a, b), label in zip(X, y):
        assert abs(a) == abs(b) == 1.0
        assert label == (1 if a * b < 0 else 0)


@settings(max_examples=25)
@given(seed=seeds)
def test_moons_lie_on_two_unit_half_circles_without_noise(seed):
    X, y = data.two_moons(40, 0.0, seed)
    for (a, b), label in zip(X, y):
        if label == 0:  # upper half of the circle around (0, 0)
            assert math.isclose(math.hypot(a, b), 1.0, rel_tol=1e-12)
            assert b >= 0.0
        else:  # lower half of the circle around (1, 0.5)
            assert math.isclose(math.hypot(a - 1.0, b - 0.5), 1.0, rel_tol=1e-12)
            assert b <= 0.5


def test_moon_noise_moves_points_by_about_the_noise_level():
    noise = 0.1
    X, y = data.two_moons(2000, noise, 0)
    offsets = [
        math.hypot(a, b) - 1.0 if label == 0 else math.hypot(a - 1.0, b - 0.5) - 1.0
        for (a, b), label in zip(X, y)
    ]
    # Radial offsets are roughly N(0, noise²): the mean is near 0 and the spread near `noise`.
    mean = sum(offsets) / len(offsets)
    spread = math.sqrt(sum((o - mean) ** 2 for o in offsets) / len(offsets))
    assert abs(mean) < 0.02
    assert 0.08 < spread < 0.12


@settings(max_examples=25)
@given(seed=seeds, factor=st.floats(0.05, 0.95))
def test_circles_have_radius_one_and_factor_without_noise(seed, factor):
    X, y = data.two_circles(40, 0.0, seed, factor=factor)
    for (a, b), label in zip(X, y):
        expected = 1.0 if label == 0 else factor
        assert math.isclose(math.hypot(a, b), expected, rel_tol=1e-12)


def test_noisy_circles_stay_near_their_radii():
    X, y = data.two_circles(1000, 0.05, 0, factor=0.5)
    for (a, b), label in zip(X, y):
        expected = 1.0 if label == 0 else 0.5
        assert abs(math.hypot(a, b) - expected) < 0.3  # 6 standard deviations of each coordinate


@settings(max_examples=25)
@given(seed=seeds, classes=st.integers(2, 5))
def test_each_spiral_arm_is_a_rotated_copy_at_angle_two_pi_k_over_classes(seed, classes):
    X, y = data.spirals(30, 0.0, seed, classes=classes)
    for (a, b), label in zip(X, y):
        radius = math.hypot(a, b)
        assert radius <= 1.0
        if radius < 1e-6:
            continue  # the angle of a point at the origin means nothing
        # Undo the winding; what is left is the arm's starting angle.
        start = math.atan2(b, a) - 2 * math.pi * 1.5 * radius
        offset = (start - 2 * math.pi * label / classes) % (2 * math.pi)
        assert min(offset, 2 * math.pi - offset) < 1e-6


@settings(max_examples=25)
@given(seed=seeds, n_features=st.integers(1, 8))
def test_noisy_linear_without_noise_is_exactly_the_true_linear_map(seed, n_features):
    weights = data.true_weights(n_features, seed)
    X, y = data.noisy_linear(10, n_features, 0.0, seed)
    for row, target in zip(X, y):
        assert math.isclose(target, sum(w * x for w, x in zip(weights, row)), abs_tol=1e-12)


def test_noisy_linear_residuals_have_the_requested_spread():
    noise = 0.5
    weights = data.true_weights(4, 11)
    X, y = data.noisy_linear(4000, 4, noise, 11)
    residuals = [t - sum(w * x for w, x in zip(weights, row)) for row, t in zip(X, y)]
    std = math.sqrt(sum(r * r for r in residuals) / len(residuals))
    assert 0.45 < std < 0.55
    assert all(isinstance(t, float) for t in y)


def test_blobs_without_spread_collapse_onto_one_centre_per_class():
    X, y = data.gaussian_blobs(40, 64, 4, 0, spread=0.0)
    centres = {}
    for row, label in zip(X, y):
        centres.setdefault(label, row)
        assert row == centres[label]
    assert len({tuple(centre) for centre in centres.values()}) == 4


def test_blob_points_are_closest_to_their_own_class_mean():
    X, y = data.gaussian_blobs(200, 16, 3, 5)
    means = {}
    for label in set(y):
        rows = [row for row, lab in zip(X, y) if lab == label]
        means[label] = [sum(col) / len(rows) for col in zip(*rows)]

    def nearest(row):
        return min(means, key=lambda lab: sum((a - b) ** 2 for a, b in zip(row, means[lab])))

    assert sum(nearest(row) == label for row, label in zip(X, y)) >= 0.95 * len(X)


@settings(max_examples=25)
@given(seed=seeds, n=st.integers(1, 30), length=st.integers(1, 50))
def test_first_element_memory_label_is_the_sign_of_the_first_element(seed, n, length):
    X, y = data.first_element_memory(n, length, seed)
    assert len(X) == n
    for sequence, label in zip(X, y):
        assert len(sequence) == length
        assert sequence[0] in (-1.0, 1.0)
        assert label == (1 if sequence[0] > 0 else 0)
        assert all(-1.0 <= v <= 1.0 for v in sequence[1:])


def test_first_element_memory_later_elements_carry_no_label_information():
    X, y = data.first_element_memory(4000, 5, 0)
    for step in range(1, 5):
        mean_pos = sum(s[step] for s, lab in zip(X, y) if lab == 1) / y.count(1)
        mean_neg = sum(s[step] for s, lab in zip(X, y) if lab == 0) / y.count(0)
        assert abs(mean_pos - mean_neg) < 0.1  # uniform noise: both means near 0


# --- helpers ------------------------------------------------------------------------


@given(labels=st.lists(st.integers(0, 4), max_size=20))
def test_one_hot_rows_sum_to_one_with_the_one_at_the_label(labels):
    rows = data.one_hot(labels, 5)
    assert len(rows) == len(labels)
    for row, label in zip(rows, labels):
        assert len(row) == 5
        assert sum(row) == 1.0
        assert row[label] == 1.0


@pytest.mark.parametrize("label", [-1, 3, 1.0, True])
def test_one_hot_rejects_labels_outside_the_classes(label):
    with pytest.raises(ValueError, match="one_hot"):
        data.one_hot([0, label], 3)


@settings(max_examples=40)
@given(n=st.integers(2, 60), fraction=st.floats(0.01, 0.99), seed=seeds)
def test_split_is_a_partition_that_keeps_samples_with_their_labels(n, fraction, seed):
    X = [[float(i)] for i in range(n)]
    y = list(range(n))
    X_copy, y_copy = [list(row) for row in X], list(y)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, fraction, seed)
    assert len(X_train) == len(y_train) and len(X_test) == len(y_test)
    assert 1 <= len(X_test) <= n - 1
    assert abs(len(X_test) - n * fraction) <= 1
    assert sorted(y_train + y_test) == y
    assert all(row[0] == label for row, label in zip(X_train + X_test, y_train + y_test))
    assert (X, y) == (X_copy, y_copy)  # inputs unchanged


def test_split_is_reproducible_and_depends_on_the_seed():
    X, y = data.xor(50, 0.1, 0)
    assert data.train_test_split(X, y, 0.3, 4) == data.train_test_split(X, y, 0.3, 4)
    assert data.train_test_split(X, y, 0.3, 4) != data.train_test_split(X, y, 0.3, 5)


# --- argument checking ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.xor(0, 0.1, 0), r"xor: n must be .* got 0"),
        (lambda: data.xor(2.5, 0.1, 0), r"xor: n must be .* got 2.5"),
        (lambda: data.two_moons(10, -0.1, 0), r"two_moons: noise must be .* got -0.1"),
        (lambda: data.two_moons(10, float("nan"), 0), r"two_moons: noise must be .* got nan"),
        (lambda: data.two_circles(10, 0.1, 0, factor=1.0), r"two_circles: factor .* got 1.0"),
        (lambda: data.spirals(10, 0.1, 0, classes=1), r"spirals: classes must be .* got 1"),
        (lambda: data.noisy_linear(10, 0, 0.1, 0), r"noisy_linear: n_features .* got 0"),
        (lambda: data.gaussian_blobs(10, 4, 3, 0, spread=-1.0), r"gaussian_blobs: spread .* got -1.0"),
        (lambda: data.gaussian_blobs(-3, 4, 3, 0), r"gaussian_blobs: n must be .* got -3"),
        (lambda: data.first_element_memory(10, 0, 0), r"first_element_memory: length .* got 0"),
        (lambda: data.one_hot([0], 0), r"one_hot: classes .* got 0"),
        (lambda: data.train_test_split([[1]], [1], 0.5, 0), r"train_test_split: the number of samples .* got 1"),
        (lambda: data.train_test_split([[1], [2]], [1], 0.5, 0), r"train_test_split: X has 2 samples but y has 1"),
        (lambda: data.train_test_split([[1], [2]], [1, 2], 1.0, 0), r"train_test_split: test_fraction .* got 1.0"),
    ],
)
def test_bad_arguments_raise_value_error_naming_function_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
