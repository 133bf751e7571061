"""demos/run_all.py: list the demos, run one or all, from a fresh clone; and ``python -m tinygrad_edu``."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "demos"))

import run_all  # noqa: E402  (demos/ is not a package: found through the path above)

FIRST_DEMOS = ["sigmoid_chain", "deep_linear", "sigmoid_window"]
# Small settings for each, so that running them here stays fast (learning_speed is tested in its own file).
SMALL = {
    "sigmoid_chain": ["--layers", "5"],
    "deep_linear": ["--layers", "5"],
    "sigmoid_window": ["--grid", "2001"],
    "tiny_steps": ["--layers", "4", "--steps", "3"],
    "squashing": ["--layers", "3"],
    "finite_differences": [],
    "float_limits": [],
    "initialisation": ["--steps", "2", "--glorot-depth", "3", "--glorot-width", "8", "--relu-depth", "4",
                       "--relu-width", "8", "--networks", "1"],
    "remedies": ["--depths", "3", "--width", "4", "--networks", "1"],
    "dying_relu": ["--networks", "1", "--steps", "2", "--depth", "4"],
    "momentum": ["--depth", "3", "--steps", "3"],
    "clipping": ["--layers", "5", "--steps", "3"],
    "batch_norm": ["--depth", "3", "--steps", "2"],
    "residual": ["--depths", "3"],
    "rnn_vs_lstm": ["--lstm-steps", "3"],
    "memory_task": ["--length", "4", "--steps", "1", "--batch", "4"],
    "saturation": ["--steps", "2", "--every", "2", "--width", "8", "--hidden", "2"],
}


def test_every_demo_but_learning_speed_has_small_settings_here():
    assert set(run_all.demo_names()) - {"learning_speed"} == set(SMALL)
    assert run_all.demo_names()[:len(run_all.FIRST)] == [n for n in run_all.FIRST if n in run_all.demo_names()]


def test_listing_names_every_demo_with_the_first_line_of_its_docstring(capsys):
    assert run_all.main([]) == 0
    out = capsys.readouterr().out
    assert [name for name in run_all.demo_names() if name in FIRST_DEMOS] == FIRST_DEMOS
    assert run_all.demo_names()[0] == "sigmoid_chain"
    for name in run_all.demo_names():
        assert name in out
        first_line = run_all.load(name).__doc__.strip().splitlines()[0]
        assert first_line in out
    assert "_common" not in out and "run_all " not in out


def test_running_one_demo_passes_its_options_on(capsys):
    assert run_all.main(["deep_linear", "--layers", "3", "--scale", "2.0"]) == 0
    out = capsys.readouterr().out
    assert "L = 3 layers" in out
    assert "ŷ₁ = c³·x₁" in out  # the scale table's header, for L = 3
    assert "\n2.0 " in out  # the extra c = 2.0 got a row


def test_unknown_demo_is_refused_with_the_list(capsys):
    assert run_all.main(["no_such_demo"]) == 2
    err = capsys.readouterr().err
    assert "no demo named 'no_such_demo'" in err and "sigmoid_chain" in err
    with pytest.raises(ValueError, match="no demo named"):
        run_all.load("no_such_demo")


def test_all_runs_every_demo_and_reports_failures_without_stopping(tmp_path, monkeypatch, capsys):
    """With stand-in demos (the real ones are tested in their own files): a pass, a failed check, a crash."""
    (tmp_path / "good.py").write_text('"""Passes."""\ndef main(argv=None):\n    print("GOOD RAN")\n    return {"ok": True}\n')
    (tmp_path / "bad.py").write_text('"""Fails a check."""\ndef main(argv=None):\n    return {"ok": False}\n')
    (tmp_path / "broken.py").write_text('"""Raises."""\ndef main(argv=None):\n    raise RuntimeError("boom")\n')
    monkeypatch.setattr(run_all, "DEMOS", tmp_path)
    monkeypatch.setattr(run_all, "FIRST", [])
    monkeypatch.syspath_prepend(str(tmp_path))
    assert run_all.demo_names() == ["bad", "broken", "good"]
    assert run_all.main(["all"]) == 1
    captured = capsys.readouterr()
    assert "GOOD RAN" in captured.out  # run after the crash: one broken demo hides nothing
    assert "RuntimeError: boom" in captured.err
    lines = {line.split()[0]: line for line in captured.out.splitlines() if line.split()[:1] in (["good"], ["bad"], ["broken"])}
    assert "checks pass" in lines["good"]
    assert "a check FAILED" in lines["bad"]
    assert "raised an exception" in lines["broken"]


@pytest.mark.parametrize("name", FIRST_DEMOS)
def test_plot_without_matplotlib_says_how_to_install_it(name, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    target = tmp_path / "figure.png"
    result = run_all.load(name).main(SMALL[name] + ["--plot", str(target)])
    captured = capsys.readouterr()
    assert "matplotlib" in captured.err and "install" in captured.err
    assert not target.exists()
    assert result["ok"]  # the terminal output is complete without the figure


@pytest.mark.parametrize("name", sorted(SMALL))
def test_plot_with_matplotlib_writes_a_png(name, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    target = tmp_path / "figure.png"
    run_all.load(name).main(SMALL[name] + ["--plot", str(target)])
    assert f"figure saved to {target}" in capsys.readouterr().out
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _bare_python(args, cwd):
    """Python with no site-packages (-S) and no PYTHON* variables (-E): nothing installed is visible."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run([sys.executable, "-S", "-E", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_a_demo_runs_as_a_script_from_a_fresh_clone_without_install(tmp_path):
    done = _bare_python([str(ROOT / "demos" / "sigmoid_window.py"), "--grid", "2001"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "the width peaks at 0.44774" in " ".join(done.stdout.split())


def test_the_demo_runner_runs_a_demo_from_a_fresh_clone_without_install(tmp_path):
    ran = _bare_python([str(ROOT / "demos" / "run_all.py"), "sigmoid_chain", "--layers", "5"], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "1953.125" in ran.stdout and "All agree: yes." in " ".join(ran.stdout.split())


def test_python_m_tinygrad_edu_points_to_the_reading_order_and_the_demos_without_needing_them(tmp_path):
    """The package does not reach into demos/: installed without them, it still answers."""
    shutil.copytree(ROOT / "tinygrad_edu", tmp_path / "tinygrad_edu",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(tmp_path)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "tinygrad_edu", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=120)

    guide = run()
    assert guide.returncode == 0, guide.stderr
    assert "tinygrad_edu/backward.py" in guide.stdout and "python demos/run_all.py" in guide.stdout
    rules = run("rules")
    assert rules.returncode == 0 and "σ′(x) = σ(x)(1 − σ(x)) ≤ 1/4" in rules.stdout
    bad = run("sigmoid_chain")
    assert bad.returncode == 2 and "unknown command 'sigmoid_chain'" in bad.stderr
    assert "the demos are not here" in bad.stderr


def test_python_m_tinygrad_edu_in_a_clone_is_the_demos_tour(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    tour = subprocess.run([sys.executable, "-m", "tinygrad_edu"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert tour.returncode == 0, tour.stderr
    assert "sigmoid_chain" in tour.stdout and "python -m tinygrad_edu rules" in tour.stdout
    one = subprocess.run([sys.executable, "-m", "tinygrad_edu", "sigmoid_chain", "--layers", "5"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert one.returncode == 0 and "1953.125" in one.stdout
    unknown = subprocess.run([sys.executable, "-m", "tinygrad_edu", "no_such_demo"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert unknown.returncode != 0 and "no_such_demo" in unknown.stderr


def test_a_demo_piped_into_head_stops_quietly(tmp_path):
    """`python demos/x.py | head` closes the pipe early: no BrokenPipeError traceback.

    The reading end is closed before the demo has started (Python takes tens
    of milliseconds to start), so its first print meets a closed pipe.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    demo = subprocess.Popen(
        [sys.executable, str(ROOT / "demos" / "sigmoid_chain.py")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=env,
    )
    demo.stdout.close()
    stderr = demo.stderr.read().decode()
    assert demo.wait(timeout=60) == 1  # stopped early: not every check ran
    assert "Traceback" not in stderr, stderr
