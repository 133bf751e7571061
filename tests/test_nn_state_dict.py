"""state_dict: an exact JSON round trip, and clear errors that leave the model unchanged."""

import json
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu import nn
from tinygrad_edu.matrix import Matrix
from tinygrad_edu.nn import StateDictError


def make_model(seed: int = 0, hidden: int = 3) -> nn.Module:
    rng = random.Random(seed)
    return nn.Sequential(nn.Linear(2, hidden, rng=rng, bias_init="standard_normal"), nn.BatchNorm1d(hidden),
                         nn.PReLU(), nn.Linear(hidden, 1, rng=rng))


def exact(state: dict) -> dict:
    """The state with every float as its repr: equality then also tells −0.0 from 0.0."""
    return {name: [[repr(x) for x in row] for row in rows] for name, rows in state.items()}


def snapshot(model: nn.Module) -> tuple:
    """The numbers and the identity of every row list: 'unchanged' means both."""
    leaves = model.named_parameters() + model.named_buffers()
    return exact(model.state_dict()), [id(row) for _, leaf in leaves for row in leaf.data]


def test_state_dict_names_every_parameter_and_buffer_with_plain_lists():
    model = make_model()
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "2.weight", "3.weight", "3.bias"]
    assert json.loads(json.dumps(state)) == state  # JSON-serialisable as it is
    state["0.weight"][0][0] = 123.0
    assert model.state_dict()["0.weight"][0][0] != 123.0  # a copy, not a view


def test_save_and_load_round_trip_is_exact(tmp_path):
    trained = make_model(seed=1)
    trained(Matrix([[0.5, 1.0], [2.0, -1.0], [0.0, 0.3]]))  # moves batch norm's running statistics
    path = tmp_path / "model.json"
    trained.save(path)
    fresh = make_model(seed=2)
    assert fresh.state_dict() != trained.state_dict()
    fresh.load(path)
    assert exact(fresh.state_dict()) == exact(trained.state_dict())
    x = Matrix([[0.1, 0.2], [0.3, -0.4]])
    assert fresh.eval()(x).data == trained.eval()(x).data


finite_floats = st.floats(allow_nan=False, allow_infinity=False)  # subnormals, ±0.0 and 1e308 included


@given(st.lists(finite_floats, min_size=6, max_size=6), st.lists(finite_floats, min_size=3, max_size=3))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_finite_float_survives_the_json_file_bit_for_bit(tmp_path, weights, biases):
    layer = nn.Linear(2, 3, init="zeros")
    layer.weight.data[:] = [weights[0:2], weights[2:4], weights[4:6]]
    layer.bias.data[0][:] = biases
    path = tmp_path / "layer.json"
    layer.save(path)
    copy = nn.Linear(2, 3, init="zeros")
    copy.load(path)
    assert exact(copy.state_dict()) == exact(layer.state_dict())


def test_the_file_is_readable_json_with_one_entry_per_line(tmp_path):
    path = tmp_path / "model.json"
    make_model().save(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and len(lines) == 2 + 9
    assert lines[1].startswith('  "0.weight": [[')


def test_integers_in_a_hand_written_file_are_read_as_floats():
    layer = nn.Linear(1, 1, init="zeros")
    layer.load_state_dict({"weight": [[2]], "bias": [[-1]]})
    assert layer.weight.data == [[2.0]] and isinstance(layer.weight.data[0][0], float)


# ---------------------------------------------------------------------------
# Bad states: a clear error, and the model exactly as it was
# ---------------------------------------------------------------------------

def good_state() -> dict:
    return make_model(seed=5).state_dict()


def edited(**changes) -> dict:
    state = good_state()
    for name, value in changes.items():
        key = name.replace("__", ".")
        if value is None:
            del state[key]
        else:
            state[key] = value
    return state


BAD_STATES = {
    "not a dict": ([["0.weight", [[1.0]]]], r"expected a dict of name → list of rows, got .* \(list\)"),
    "missing name": (edited(**{"3__bias": None}), r"the names do not match the model: missing \['3.bias'\]"),
    "extra name": ({**good_state(), "4.weight": [[1.0]]}, r"unexpected \['4.weight'\]"),
    "wrong shape": (edited(**{"3__bias": [[0.0, 0.0]]}), r"'3.bias' has shape \(1, 2\) in the state but \(1, 1\)"),
    "transposed": (edited(**{"0__weight": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}), r"'0.weight' has shape \(2, 3\) in the state but \(3, 2\)"),
    "ragged": (edited(**{"0__weight": [[1.0, 2.0], [3.0], [4.0, 5.0]]}), "'0.weight' is ragged: row 1 has 1 entries, row 0 has 2"),
    "a string": (edited(**{"3__bias": [["0.5"]]}), r"'3.bias' entry \(0, 0\) is '0.5' \(str\), expected a number"),
    "a bool": (edited(**{"3__bias": [[True]]}), r"'3.bias' entry \(0, 0\) is True \(bool\)"),
    "a flat list": (edited(**{"3__bias": [0.5]}), "'3.bias' row 0 must be a non-empty list of numbers"),
    "empty": (edited(**{"3__bias": []}), "'3.bias' must be a non-empty list of rows"),
    "nan": (edited(**{"1__running_var": [[1.0, math.nan, 1.0]]}), r"'1.running_var' entry \(0, 1\) is nan"),
    "inf": (edited(**{"2__weight": [[math.inf]]}), r"'2.weight' entry \(0, 0\) is inf"),
}


@pytest.mark.parametrize("case", sorted(BAD_STATES))
def test_a_bad_state_is_refused_clearly_and_changes_nothing(case):
    state, message = BAD_STATES[case]
    model = make_model()
    before = snapshot(model)
    with pytest.raises(StateDictError, match=message):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_a_late_problem_does_not_leave_the_early_entries_loaded():
    """Every entry is checked before the first is written: the good '0.weight' is not half-applied."""
    model = make_model()
    before = snapshot(model)
    state = good_state()
    state["3.bias"] = [["oops"]]  # the last entry is the bad one
    with pytest.raises(StateDictError):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_state_dict_error_is_a_value_error():
    assert issubclass(StateDictError, ValueError)


@pytest.mark.parametrize("text, message", [
    ('{"0.weight": [[0.1, 0.2], [0.3', "is not valid JSON \\(truncated or corrupted\\?\\)"),
    ("", "is not valid JSON"),
    ("this is not json", "is not valid JSON"),
    ('{"weight": [[NaN]], "bias": [[0.0]]}', "contains NaN, which is not a finite number"),
    ('{"weight": [[-Infinity]], "bias": [[0.0]]}', "contains -Infinity"),
    # Broken in every other way: still a StateDictError naming the problem, never Python's own error.
    ('{"weight": [[1.0]], "bias": [[2.0]], "bias": [[3.0]]}',
     r"has the name 'bias' twice; JSON would silently keep the last one, so the file is refused"),
    ('{"weight": [[1.0]], "bias": [[{"a": 1, "a": 2}]]}', r"has the name 'a' twice"),
    ("[" * 100_000 + "]" * 100_000, r"is nested too deeply to read"),
    ('{"weight": [[1' + "0" * 400 + ']], "bias": [[2.0]]}',
     r"load_state_dict: 'weight' entry \(0, 0\) is 1000000000…\(401 digits\); only finite numbers are allowed "
     r"\(this one is too large for a float\)"),
    ('{"weight": [[1' + "0" * 5000 + ']], "bias": [[2.0]]}', r"holds a number too long to read"),
    ('{"weight": [[1e400]], "bias": [[2.0]]}', r"'weight' entry \(0, 0\) is inf; only finite numbers"),
    (b'{"weight": [[1.0]], "bias": [[2.0]]}\xff', r"is not UTF-8 text \(byte 36 is 0xff\)"),
    (b"\xef\xbb\xbf{}", r"is not valid JSON"),  # a byte-order mark: JSON forbids it
])
def test_a_malformed_file_is_refused_clearly_and_changes_nothing(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    layer = nn.Linear(1, 1, rng=random.Random(0))
    before = snapshot(layer)
    with pytest.raises(StateDictError, match=message):
        layer.load(path)
    assert snapshot(layer) == before


def test_a_truncated_checkpoint_is_refused(tmp_path):
    path = tmp_path / "model.json"
    make_model(seed=1).save(path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    model = make_model(seed=2)
    before = snapshot(model)
    with pytest.raises(StateDictError, match="truncated or corrupted"):
        model.load(path)
    assert snapshot(model) == before


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    path = tmp_path / "model.json"
    make_model(hidden=3).save(path)
    wider = make_model(hidden=4)
    before = snapshot(wider)
    with pytest.raises(StateDictError, match=r"'0.weight' has shape \(3, 2\) in the state but \(4, 2\)"):
        wider.load(path)
    assert snapshot(wider) == before
    deeper = nn.MLP([2, 3, 3, 1], rng=random.Random(0))
    with pytest.raises(StateDictError, match="the names do not match the model"):
        deeper.load(path)


def test_saving_a_model_with_a_nonfinite_number_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("previous checkpoint")
    layer = nn.Linear(1, 2, init="zeros")
    layer.bias.data[0][1] = math.inf
    with pytest.raises(StateDictError, match=r"save: 'bias' entry \(0, 1\) is inf"):
        layer.save(path)
    assert path.read_text() == "previous checkpoint"
    assert list(tmp_path.iterdir()) == [path]  # no half-written temporary file left behind


def test_a_state_dict_in_memory_with_huge_or_odd_numbers(tmp_path):
    from fractions import Fraction

    layer = nn.Linear(1, 1, rng=random.Random(0))
    layer.load_state_dict({"weight": [[Fraction(1, 4)]], "bias": [[3]]})  # any real number, read as a float
    assert layer.state_dict() == {"weight": [[0.25]], "bias": [[3.0]]}
    before = snapshot(layer)
    with pytest.raises(StateDictError, match=r"'bias' entry \(0, 0\) is -1000000000…\(401 digits\)"):
        layer.load_state_dict({"weight": [[1.0]], "bias": [[-10 ** 400]]})
    assert snapshot(layer) == before


def test_a_failed_save_leaves_neither_a_file_nor_a_temporary_behind(tmp_path):
    folder = tmp_path / "checkpoint.json"
    folder.mkdir()  # the target is a folder: the rename fails after the temporary was written
    layer = nn.Linear(1, 1, rng=random.Random(0))
    with pytest.raises(OSError):
        layer.save(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.json"] and folder.is_dir()
