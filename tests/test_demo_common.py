"""demos/_common.py: what every demo shares on its command line, and how every demo ends.

Every value the command line accepts runs to a correct end or is refused up
front, in one line: a bad ``--seed`` or ``--plot`` is refused by every demo
before it prints anything.  ``--plot`` checks the folder and the extension
before any work and prints the name of the file it really wrote.  Ctrl-C stops
a demo with one line and exit status 130, no traceback.
"""

import argparse
import doctest
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import demo_output  # noqa: F401  (puts demos/ on sys.path)

import _common  # noqa: E402  (demos/ is not a package: found through the path above)
import run_all  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_the_docstring_examples_of_common_run():
    failures, tried = doctest.testmod(_common)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize("low, high, text, expected", [(1, 10, "1", 1), (1, 10, "10", 10), (0, 5, "0", 0)])
def test_whole_number_accepts_its_range(low, high, text, expected):
    assert _common.whole_number(low, high)(text) == expected


@pytest.mark.parametrize("text", ["0", "-3", "11", "1e3", "2.5", "", "ten", "1" + "0" * 400])
def test_whole_number_refuses_what_lies_outside_and_says_the_range(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a whole number from 1 to 10"):
        _common.whole_number(1, 10)(text)


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "-inf", "1e400", "10.5", "x"])
def test_number_refuses_non_finite_and_out_of_range_values(text):
    with pytest.raises(argparse.ArgumentTypeError, match="above 0 and at most 10"):
        _common.number(0.0, 10.0, open_low=True)(text)
    assert _common.number(0.0, 10.0, open_low=True)("1e-9") == 1e-9


def test_figure_path_adds_png_checks_the_folder_the_extension_and_refuses_a_folder(tmp_path):
    assert _common.figure_path(str(tmp_path / "fig")) == str(tmp_path / "fig.png")
    assert _common.figure_path(str(tmp_path / "fig.SVG")) == str(tmp_path / "fig.SVG")
    with pytest.raises(argparse.ArgumentTypeError, match="does not exist"):
        _common.figure_path(str(tmp_path / "missing" / "fig.png"))
    with pytest.raises(argparse.ArgumentTypeError, match="use .png, .pdf or .svg"):
        _common.figure_path(str(tmp_path / "fig.jpgx"))
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder"):
        _common.figure_path(str(tmp_path / "folder.png"))
    with pytest.raises(argparse.ArgumentTypeError, match="empty name"):
        _common.figure_path("  ")


@pytest.mark.parametrize("name", run_all.demo_names())
@pytest.mark.parametrize("option", [["--seed", "-1"], ["--seed", "x"], ["--plot", "no/such/folder/fig.png"],
                                    ["--plot", "fig.gif"]])
def test_every_demo_refuses_a_bad_common_option_in_one_line_before_any_work(name, option, capsys, tmp_path,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        run_all.load(name).main(option)
    captured = capsys.readouterr()
    assert stop.value.code == 2
    assert captured.out == ""  # refused before any work: nothing printed
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and option[0] in lines[0] and f"python demos/{name}.py: error:" in lines[0]
    assert list(tmp_path.iterdir()) == []  # and nothing written


def test_save_figure_prints_the_name_of_the_file_it_wrote_and_leaves_no_partial_file(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = _common.figure_path(str(tmp_path / "myfig"))
    assert _common.save_figure(path, [("t", {"a": ([1, 2, 3], [1.0, 0.0, float("inf")])}, True, "x", "y")])
    assert f"figure saved to {tmp_path / 'myfig.png'}" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["myfig.png"]
    assert (tmp_path / "myfig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_labels_its_x_axis_with_the_variable_and_its_range():
    text = _common.chart({"y": [1.0, 2.0, 3.0]}, 4, 30, "|w|", width=20)
    axis = text.splitlines()[text.splitlines().index(next(line for line in text.splitlines() if "+---" in line)) + 1]
    assert axis.split() == ["4", "|w|", "30"]
    assert "0" not in axis.split()  # not the index of the first point


def test_ctrl_c_prints_one_line_and_exits_130_without_a_traceback():
    """SIGINT is what Ctrl-C sends; the demo is slow enough at these settings to be caught running."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    demo = subprocess.Popen([sys.executable, str(ROOT / "demos" / "sigmoid_window.py"), "--grid", "2000001"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        deadline = time.monotonic() + 30
        while not demo.stdout.readline().startswith("1. ") and time.monotonic() < deadline:
            pass  # wait until it is running its sections, past the imports
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=60)
    finally:
        demo.kill()
    assert demo.returncode == 130
    assert "Traceback" not in err and err.strip().splitlines() == ["sigmoid_window.py: stopped by Ctrl-C before the end"]


def test_run_all_stops_on_ctrl_c_with_130(monkeypatch, capsys):
    def interrupted(name, argv):
        raise KeyboardInterrupt
    monkeypatch.setattr(run_all, "run_one", interrupted)
    with pytest.raises(SystemExit) as stop:
        run_all.main(["deep_linear"])
    assert stop.value.code == 130
    assert "stopped by Ctrl-C" in capsys.readouterr().err

