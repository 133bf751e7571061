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


def test_readme_python_examples_run(tmp_path, capsys):
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
    printed = capsys.readouterr().out
    assert "loss 0.0027, accuracy 1.0" in printed  # the nn quick start prints what it says
    assert "\na·σ′(a·w + b)\n" in printed  # the first steps' textbook form, as its comment shows
    assert namespace["g"].data == [[1.0, 0.0]]  # the user-defined kinked op on a Matrix
    assert "a 1.905, c 0.154, best loss 0.00494" in printed  # the micrograd loop prints what it says
    assert namespace["best"] == min(namespace["best"], namespace["loss"].data)  # `loss < best` kept the least
    namespace["test_cube_rule"]()  # the Hypothesis example property test, run for real


# ---------------------------------------------------------------------------
# The reading order: every module listed, after the modules it imports, with its true size
# ---------------------------------------------------------------------------

PACKAGE = ROOT / "tinygrad_edu"


def _reading_order():
    """[(file names, sizes as (lines, code lines))] from the two tables under 'Reading the source'."""
    section = README.split("## Reading the source", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            names = re.findall(r"`([^`]+)`", cells[0])
            sizes = [tuple(int(n) for n in size.split("/")) for size in cells[1].split(", ")]
            rows.append((names, sizes))
    return rows


def _code_lines(path):
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    import ast
    import io
    import tokenize

    source = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.update(n for n in range(token.start[0], token.end[0] + 1) if n not in docstrings)
    return len(lines)


def _files(name):
    return sorted((PACKAGE / name).glob("*.py")) if name.endswith("/") else [PACKAGE / name]


def test_the_reading_order_lists_every_module_once():
    listed = [name for names, _ in _reading_order() for name in names]
    modules = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert sorted(n for n in listed if not n.endswith("/")) == sorted(modules)
    assert "nn/" in listed and len(listed) == len(set(listed))


def _package_imports(path, in_nn):
    """The package modules a file imports (``from .ops import``, ``from . import ops``, ``from ..matrix import``),
    leaving out those imported only for type hints (under ``if TYPE_CHECKING:``) and those imported
    inside a function when it is called (``_repr_mimebundle_`` reaching graph_export, built on value.py)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body = [statement for statement in node.body if not isinstance(statement, ast.ImportFrom)]
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        if in_nn and node.level == 1:  # nn's own modules
            continue
        if node.module is not None:
            found.add(node.module.split(".")[0])
        else:
            found.update(alias.name for alias in node.names)
    return found


def test_the_reading_order_follows_the_imports():
    order = [name.rstrip("/").removesuffix(".py") for names, _ in _reading_order() for name in names]
    for position, name in enumerate(order):
        for path in _files(name + ("/" if name == "nn" else ".py")):
            for module in _package_imports(path, in_nn=name == "nn") & set(order) - {name}:
                assert order.index(module) < position, f"{path.name} is listed before {module}, which it imports"


def test_the_sizes_in_the_reading_order_are_the_files_sizes_within_ten_percent():
    for names, sizes in _reading_order():
        if len(sizes) == 1 and len(names) > 1:  # one size for a group
            continue
        for name, (lines, code) in zip(names, sizes):
            paths = _files(name)
            actual_lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)
            actual_code = sum(_code_lines(p) for p in paths)
            assert abs(actual_lines - lines) <= 0.1 * lines, f"{name}: README says {lines} lines, it has {actual_lines}"
            assert abs(actual_code - code) <= 0.1 * code, f"{name}: README says {code} of code, it has {actual_code}"
