"""README.md: its opening commands are the ones CI runs, and its code examples run as written."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_demo_and_the_test_command():
    first = _blocks("bash")[0].strip().splitlines()
    assert first[0].startswith("python demos/")
    assert (ROOT / first[0].split()[1]).is_file()
    assert first[1] == 'python -m pip install -e ".[test]" && python -m pytest'


def test_ci_runs_the_readme_test_command_exactly():
    test_command = _blocks("bash")[0].strip().splitlines()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_readme_python_examples_run():
    namespace = {}
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["x"].grad == 12.0
    assert abs(namespace["w"].grad - 0.5 * 0.2475) < 1e-4  # the first-steps example's comment
    assert abs(namespace["d2s_dw2"] + 0.0061674) < 1e-7
    namespace["test_cube_rule"]()  # the Hypothesis example property test, run for real
