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
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert test_command in lines


def test_readme_python_examples_run(tmp_path):
    # Each block runs from a file of its own, so that tools reading source back
    # (inspect.getsource, which Hypothesis uses for @given tests) find the very
    # lines that were compiled.  Compiling under the name "README.md" made them
    # read README.md itself at the wrong line numbers: Python 3.12's tokenizer
    # then fails on its Markdown.
    namespace = {}
    for number, block in enumerate(_blocks("python")):
        path = tmp_path / f"readme_block_{number}.py"
        path.write_text(block, encoding="utf-8")
        exec(compile(block, str(path), "exec"), namespace)
    assert namespace["x"].grad == 12.0
    assert abs(namespace["w"].grad - 0.5 * 0.2475) < 1e-4  # the first-steps example's comment
    assert abs(namespace["d2s_dw2"] + 0.0061674) < 1e-7
    namespace["test_cube_rule"]()  # the Hypothesis example property test, run for real
