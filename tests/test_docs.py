"""Every public function and class of the modules a learner reads shows a runnable example.

The examples themselves run as doctests (pytest collects them from the
package); this test checks that none is missing, so a new public name cannot
arrive without one.
"""

import importlib
import inspect

import pytest

#: The reading path, the modules it leans on, and the ones README's reading order lists next.
READING_PATH = ["backward", "value", "operators", "ops", "reals", "mode", "anomaly", "notation",
                "autodiff", "numeric", "matrix", "losses", "explain"]


def public_names(module):
    """(name, object) for every function and class defined in ``module``, and every public
    method and property of those classes (inherited ones are checked where they are defined)."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        yield name, obj
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if member.startswith("_"):
                    continue
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if isinstance(value, property):
                    value = value.fget
                if inspect.isfunction(value):
                    yield f"{name}.{member}", value


@pytest.mark.parametrize("module_name", READING_PATH)
def test_every_public_name_of_the_reading_path_has_an_example(module_name):
    module = importlib.import_module(f"tinygrad_edu.{module_name}")
    names = list(public_names(module))
    assert names, f"{module_name} defines no public names?"
    missing = [name for name, obj in names if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, f"tinygrad_edu.{module_name}: no example in the docstring of {missing}"
