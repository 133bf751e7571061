"""Tests for tinygrad_edu.data: the shipped digits, the MNIST reader, and the synthetic sets."""

import gzip
import hashlib
import math
import random
import struct
from collections import Counter
from pathlib import Path

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


# --- the UCI digits shipped in the package --------------------------------------------

DIGITS_PATH = Path(data.__file__).parent / "datasets" / "digits.csv.gz"


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


def test_digits_are_1797_images_of_64_pixels_in_zero_to_one(digits):
    images, labels = digits
    assert len(images) == len(labels) == 1797
    assert all(len(image) == 64 for image in images)
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for image in images for v in image)
    assert all(v * 16 == int(v * 16) for image in images for v in image)  # counts 0..16, divided by 16
    assert {v for image in images for v in image} == {k / 16 for k in range(17)}


def test_digit_label_counts_are_the_uci_test_set_counts(digits):
    _, labels = digits
    assert all(type(label) is int for label in labels)
    assert [labels.count(d) for d in range(10)] == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_keep_the_file_order_row_by_row(digits):
    images, labels = digits
    with gzip.open(DIGITS_PATH, "rt") as file:  # read the file a second way: gzip's own text reader
        lines = file.read().splitlines()
    for k in (0, 1, 999, 1796):
        fields = [int(v) for v in lines[k].split(",")]
        assert images[k] == [v / 16 for v in fields[:64]] and labels[k] == fields[64]
    assert labels[:31] == [k % 10 for k in range(31)] and labels[31] != 1  # the documented start
    # Pixel (r, c) is image[8r + c]: the first image, a 0, is empty along its left and right edges.
    assert [images[0][8 * r] for r in range(8)] == [0.0] * 8 and [images[0][8 * r + 7] for r in range(8)] == [0.0] * 8


def test_every_call_returns_new_lists(digits):
    images, labels = data.load_digits()
    images[0][0], labels[0] = 99.0, 99
    again, again_labels = data.load_digits()
    assert again[0][0] == 0.0 and again_labels[0] == 0


def test_the_shipped_file_has_the_documented_checksums():
    licence = (DIGITS_PATH.parent / "DATA_LICENSE.md").read_text(encoding="utf-8")
    raw = DIGITS_PATH.read_bytes()
    assert hashlib.sha256(raw).hexdigest() in licence
    assert hashlib.sha256(gzip.decompress(raw)).hexdigest() == data.DIGITS_SHA256
    assert data.DIGITS_SHA256 in licence and "CC BY 4.0" in licence and "Alpaydin" in licence


def test_a_copy_with_one_changed_pixel_fails_the_checksum(tmp_path):
    text = gzip.decompress(DIGITS_PATH.read_bytes()).replace(b"0,0,5,13", b"0,0,6,13", 1)
    copy = tmp_path / "digits.csv.gz"
    copy.write_bytes(gzip.compress(text))
    with pytest.raises(ValueError, match=r"load_digits: .*digits\.csv\.gz is not the UCI digits file.*SHA-256"):
        data.load_digits(copy)


def test_an_unchanged_copy_elsewhere_loads(tmp_path, digits):
    copy = tmp_path / "copy.csv.gz"
    copy.write_bytes(gzip.compress(gzip.decompress(DIGITS_PATH.read_bytes())))  # re-compressed: other bytes
    assert data.load_digits(copy) == digits


@pytest.mark.parametrize("content, message", [
    (b"not gzip at all", "is not a readable gzip file"),
    (DIGITS_PATH.read_bytes()[:5000], "is not a readable gzip file"),  # cut short
])
def test_a_damaged_file_is_named_in_the_error(tmp_path, content, message):
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(content)
    with pytest.raises(ValueError, match=f"load_digits: .*broken.csv.gz {message}"):
        data.load_digits(broken)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_digits: cannot read .*nowhere.csv.gz"):
        data.load_digits(tmp_path / "nowhere.csv.gz")


# --- MNIST's IDX files, written here in miniature ---------------------------------------


def idx_bytes(sizes, values, magic=None) -> bytes:
    """An IDX file of unsigned bytes: 0, 0, type 0x08, number of dimensions, sizes (big-endian), values."""
    header = magic if magic is not None else bytes([0, 0, 8, len(sizes)])
    return header + struct.pack(f">{len(sizes)}I", *sizes) + bytes(values)


def write_mnist(folder, train=6, test=4, side=3, gz=False, **replace):
    """Four small MNIST files: image k has every pixel equal to 10·k + position, label k % 10."""
    files = {
        "train-images-idx3-ubyte": idx_bytes((train, side, side), [(10 * k + p) % 256 for k in range(train) for p in range(side * side)]),
        "train-labels-idx1-ubyte": idx_bytes((train,), [k % 10 for k in range(train)]),
        "t10k-images-idx3-ubyte": idx_bytes((test, side, side), [(200 + k + p) % 256 for k in range(test) for p in range(side * side)]),
        "t10k-labels-idx1-ubyte": idx_bytes((test,), [(k + 3) % 10 for k in range(test)]),
    }
    files.update(replace)
    for name, content in files.items():
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return folder


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_pixels_over_255_and_labels_in_file_order(tmp_path, gz):
    train_x, train_y, test_x, test_y = data.load_mnist(write_mnist(tmp_path, gz=gz))
    assert len(train_x) == 6 and len(test_x) == 4 and all(len(row) == 9 for row in train_x + test_x)
    assert train_x[2] == [(20 + p) / 255 for p in range(9)]  # pixel (r, c) at 3r + c, row by row
    assert test_x[3] == [(203 + p) / 255 for p in range(9)]
    assert train_y == [0, 1, 2, 3, 4, 5] and test_y == [3, 4, 5, 6]


def test_mnist_limit_keeps_the_first_images_of_each_set(tmp_path):
    train_x, train_y, test_x, test_y = data.load_mnist(write_mnist(tmp_path), limit=2)
    assert train_y == [0, 1] and test_y == [3, 4] and len(train_x) == len(test_x) == 2
    assert train_x[1] == [(10 + p) / 255 for p in range(9)]


@pytest.mark.parametrize("replace, message", [
    ({"train-images-idx3-ubyte": idx_bytes((6, 3, 3), [0] * 54, magic=bytes([0, 0, 9, 3]))},
     r"train-images-idx3-ubyte: not an IDX file of unsigned bytes: its magic number is 00000903"),
    ({"train-labels-idx1-ubyte": b"PK\x03\x04zipfile"}, r"train-labels-idx1-ubyte: not an IDX file"),
    ({"t10k-images-idx3-ubyte": idx_bytes((4, 3, 3), [0] * 30)},
     r"t10k-images-idx3-ubyte: truncated: its header promises 36 values, the file holds 30"),
    ({"t10k-labels-idx1-ubyte": idx_bytes((4,), [1, 2, 3, 4, 5])},
     r"t10k-labels-idx1-ubyte: 1 bytes more than its header promises \(4 values\)"),
    ({"train-labels-idx1-ubyte": idx_bytes((5,), [0, 1, 2, 3, 4])},
     r"train-images-idx3-ubyte holds 6 images but .*train-labels-idx1-ubyte holds 5 labels"),
    ({"train-labels-idx1-ubyte": idx_bytes((6,), [0, 1, 2, 10, 4, 5])},
     r"train-labels-idx1-ubyte: label number 3 is 10, expected a digit 0 to 9"),
    ({"train-images-idx3-ubyte": idx_bytes((6,), [0] * 6)},
     r"train-images-idx3-ubyte holds 1-dimensional data, expected images"),
    ({"t10k-images-idx3-ubyte": idx_bytes((4, 2, 2), [0] * 16)},
     r"training images are 3×3 pixels .* test images are 2×2"),
    ({"t10k-images-idx3-ubyte": bytes([0, 0, 8, 3, 0, 0])}, r"t10k-images-idx3-ubyte: truncated: the header"),
])
def test_broken_mnist_files_are_named_in_the_error(tmp_path, replace, message):
    with pytest.raises(ValueError, match=message):
        data.load_mnist(write_mnist(tmp_path, **replace))


def test_a_cut_short_gzip_file_is_named(tmp_path):
    write_mnist(tmp_path, gz=True)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz is not a readable gzip file"):
        data.load_mnist(tmp_path)


def test_a_missing_mnist_file_lists_what_was_looked_for(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz in"):
        data.load_mnist(tmp_path)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True])
def test_mnist_limit_must_be_a_positive_integer(tmp_path, limit):
    with pytest.raises(ValueError, match=f"load_mnist: limit must be an integer >= 1, got {limit!r}"):
        data.load_mnist(write_mnist(tmp_path), limit=limit)
