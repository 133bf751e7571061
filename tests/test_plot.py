"""Tests for tinygrad_edu.plot: tables and charts that flag inf, nan and 0."""

import importlib.util
import math
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import plot
from tinygrad_edu.notation import flag_nonfinite

INF, NAN = math.inf, math.nan
PARTIAL = "▏▎▍▌▋▊▉"

finite_nonzero = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != 0)
any_float = st.floats(allow_nan=True, allow_infinity=True)


# --- table ----------------------------------------------------------------------


def _column_spans(rule_line):
    return [(m.start(), m.end()) for m in re.finditer(r"-+", rule_line)]


def test_table_right_aligns_numbers_and_left_aligns_text():
    rows = [["input", 1, 0.25], ["hidden layer 1", 22, 3.5e-9], ["out", 333, INF]]
    lines = plot.table(["layer", "units", "grad"], rows).splitlines()
    spans = _column_spans(lines[1])
    assert len(spans) == 3
    for line in lines[2:]:
        padded = line.ljust(spans[-1][1])
        text_start, _ = spans[0]
        assert padded[text_start] != " "  # text starts at the column's left edge
        for start, end in spans[1:]:
            assert padded[end - 1] != " "  # numbers end at the column's right edge
            assert padded[start:end].strip() in line
    assert "inf (overflow)" in lines[-1]
    assert "3.500e-09" in lines[3]


def test_table_header_rule_is_as_wide_as_the_widest_cell():
    lines = plot.table(["a", "b"], [["long text here", 1.0]]).splitlines()
    spans = _column_spans(lines[1])
    assert spans[0][1] - spans[0][0] == len("long text here")


def test_table_keeps_preformatted_strings_and_right_aligns_them_if_numeric():
    lines = plot.table(["x", "y"], [["1.0e-3", "ok"], ["12.5", "fine"]]).splitlines()
    assert lines[2] == "1.0e-3  ok"
    assert lines[3] == "  12.5  fine"


def test_table_align_argument_overrides_the_guess():
    lines = plot.table(["x"], [[1], [100]], align="l").splitlines()
    assert lines[2] == "1"
    with pytest.raises(ValueError, match="align"):
        plot.table(["x"], [[1]], align="c")


def test_table_rejects_rows_of_the_wrong_length():
    with pytest.raises(ValueError, match="row 1 has 1 cells but there are 2 headers"):
        plot.table(["a", "b"], [[1, 2], [3]])


# --- bar_chart --------------------------------------------------------------------


def _bar_length(line):
    """Length of the bar between the two '|' of a bar-chart line, in cells."""
    bar = line.split("|")[1]
    return bar.count("█") + sum((PARTIAL.index(c) + 1) / 8 for c in bar if c in PARTIAL)


def test_log_bar_lengths_follow_magnitude_across_fifteen_decades():
    values = [1e-12, 3e-9, 1e-6, 2e-3, 1.0, 1e3]
    chart = plot.bar_chart([f"v{i}" for i in range(len(values))], values, log=True, width=40)
    lengths = [_bar_length(line) for line in chart.splitlines()[: len(values)]]
    assert lengths == sorted(lengths)
    assert len(set(lengths)) == len(lengths)  # strictly increasing
    assert lengths[0] >= 1  # the smallest value is still visible
    assert lengths[-1] == 40


def test_log_bars_of_equal_magnitude_all_fill_the_width():
    chart = plot.bar_chart(["a", "b", "c"], [1e-5, -1e-5, 0.0], log=True, width=12)
    assert [_bar_length(line) for line in chart.splitlines()[:3]] == [12, 12, 0]


@settings(max_examples=50)
@given(st.lists(finite_nonzero, min_size=2, max_size=8))
def test_log_bars_never_shrink_as_magnitude_grows(values):
    chart = plot.bar_chart(list(range(len(values))), values, log=True, width=30)
    lengths = [_bar_length(line) for line in chart.splitlines()[: len(values)]]
    by_magnitude = sorted(zip(map(abs, values), lengths))
    assert [length for _, length in by_magnitude] == sorted(lengths)


def test_linear_bars_are_proportional_to_the_value():
    chart = plot.bar_chart(["a", "b", "c"], [4.0, 2.0, 1.0], width=40)
    assert [_bar_length(line) for line in chart.splitlines()] == [40, 20, 10]


@pytest.mark.parametrize("log", [False, True])
def test_zero_inf_and_nan_get_a_flag_and_no_bar(log):
    values = [1.0, 0.0, INF, NAN, -INF, 10.0]
    lines = plot.bar_chart(list("abcdef"), values, log=log, width=20).splitlines()
    for line, value in zip(lines, values):
        flag = flag_nonfinite(value)
        if flag is None:
            assert _bar_length(line) > 0
        else:
            assert _bar_length(line) == 0
            assert line.endswith(flag)


@settings(max_examples=50)
@given(st.lists(any_float, max_size=8), st.booleans(), st.integers(1, 50))
def test_bar_chart_never_crashes_and_prints_one_line_per_value(values, log, width):
    labels = [f"x{i}" for i in range(len(values))]
    chart = plot.bar_chart(labels, values, log=log, width=width, title="T")
    lines = chart.splitlines()
    assert lines[0] == "T"
    for label, line in zip(labels, lines[1:]):
        assert line.startswith(label)
        assert _bar_length(line) <= width


def test_bar_chart_rejects_mismatched_labels_and_values():
    with pytest.raises(ValueError, match="2 labels but 1 values"):
        plot.bar_chart(["a", "b"], [1.0])


# --- line_chart -----------------------------------------------------------------------


def test_line_chart_draws_each_series_with_its_own_marker_and_legend():
    chart = plot.line_chart({"rnn": [1.0, 0.5, 0.25], "lstm": [1.0, 1.1, 1.2]}, height=6, width=10)
    lines = chart.splitlines()
    assert "  * rnn" in lines and "  o lstm" in lines
    plot_rows = [line for line in lines if "|" in line]
    assert len(plot_rows) == 6
    assert sum(row.count("*") for row in plot_rows) >= 2
    assert sum(row.count("o") for row in plot_rows) == 3
    assert plot_rows[0].strip().startswith("1.2")  # y-axis maximum on the top row
    assert plot_rows[-1].strip().startswith("0.25")  # minimum on the bottom row


def test_line_chart_puts_the_largest_value_on_top_and_the_smallest_at_the_bottom():
    chart = plot.line_chart({"s": [5.0, 1.0, 3.0]}, height=5, width=3)
    rows = [line.split("|", 1)[1].ljust(3) for line in chart.splitlines() if "|" in line]
    assert rows[0][0] == "*"  # 5.0 at index 0, top row
    assert rows[-1][1] == "*"  # 1.0 at index 1, bottom row
    assert rows[2][2] == "*"  # 3.0 halfway up


def test_log_line_chart_skips_unplottable_points_and_says_so():
    chart = plot.line_chart({"norm": [1.0, 1e-5, 0.0, -1.0, NAN, 1e-10]}, log=True)
    assert "4 points" not in chart
    assert "3 points not drawn" in chart
    assert "log scale" in chart
    assert "1.000e-10" in chart  # bottom label is the smallest positive value


def test_line_chart_with_nothing_drawable_does_not_crash():
    chart = plot.line_chart({"dead": [0.0, 0.0]}, log=True)
    assert "nothing to plot" in chart
    assert "2 points not drawn" in chart


@settings(max_examples=50)
@given(
    st.dictionaries(st.text("abc", min_size=1, max_size=3), st.lists(any_float, max_size=20), min_size=1, max_size=3),
    st.booleans(),
)
def test_line_chart_never_crashes_and_keeps_its_height(series, log):
    chart = plot.line_chart(series, log=log, height=5, width=12)
    plot_rows = [line for line in chart.splitlines() if " |" in line]
    assert len(plot_rows) in (0, 5)
    assert all(len(row.split("|", 1)[1]) <= 12 for row in plot_rows)


def test_line_chart_rejects_an_empty_series_dict():
    with pytest.raises(ValueError, match="line_chart"):
        plot.line_chart({})


# --- sparkline ----------------------------------------------------------------------------


@given(st.lists(st.floats(-1e6, 1e6), max_size=30))
def test_sparkline_has_one_character_per_value_and_rises_with_the_value(values):
    line = plot.sparkline(values)
    assert len(line) == len(values)
    ranks = ["▁▂▃▄▅▆▇█".index(c) for c in line]
    by_value = [rank for _, rank in sorted(zip(values, ranks))]
    assert by_value == sorted(by_value)


def test_sparkline_spans_all_eight_levels_from_min_to_max():
    line = plot.sparkline([0, 1, 2, 3, 4, 5, 6, 7])
    assert line == "▁▂▃▄▅▆▇█"


def test_log_sparkline_marks_zero_and_nan_instead_of_drawing_them():
    line = plot.sparkline([1e-12, 1e-6, 1.0, 0.0, NAN, INF], log=True)
    assert line == "▁▅█···"


# --- save_plot ----------------------------------------------------------------------------


def test_save_plot_without_matplotlib_returns_false_and_says_how_to_install(monkeypatch, capsys, tmp_path):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError,
    # exactly as on a machine where it is not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    target = tmp_path / "plot.png"
    assert plot.save_plot(target, {"loss": [1.0, 0.5]}) is False
    err = capsys.readouterr().err
    assert "--plot needs matplotlib" in err
    assert 'pip install -e ".[plot]"' in err
    assert not target.exists()


def test_importing_plot_does_not_import_matplotlib():
    source = open(plot.__file__, encoding="utf-8").read()
    top_level_imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not any("matplotlib" in line for line in top_level_imports)


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
@pytest.mark.parametrize("log", [False, True])
def test_save_plot_writes_a_png_file(tmp_path, log):
    target = tmp_path / "norms.png"
    series = {"rnn": [1.0, 1e-3, 1e-8, 0.0], "lstm": [1.0, 0.9, NAN, 0.8]}
    assert plot.save_plot(target, series, log=log, title="norms", xlabel="step", ylabel="|g|") is True
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
def test_save_plot_without_series_saves_the_current_figure(tmp_path):
    pyplot = plot.load_pyplot()
    figure, axes = pyplot.subplots()
    axes.plot([0, 1], [1, 0])
    target = tmp_path / "own.png"
    try:
        assert plot.save_plot(target, title="own figure") is True
    finally:
        pyplot.close(figure)
    assert target.read_bytes()[:4] == b"\x89PNG"
