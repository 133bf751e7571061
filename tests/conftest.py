"""Hypothesis settings profiles: 'dev' for quick local runs, 'ci' (chosen when CI is set) for more examples,
'ci-versions' for CI's other Pythons.

The CI profile is derandomized: every CI run draws the same examples, so a
submission's result does not depend on luck.  Local runs ('dev') draw new
examples each time and keep exploring; a failure they find is stored in
.hypothesis/ and replayed first next time.
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

# The demos speak the language gettext's variables ask for (demos/_i18n.py); the suite reads their English,
# so a learner's LANG=pt_BR.UTF-8 must not translate it.  LANGUAGE is the variable gettext reads first.
os.environ["LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that runs a demo in Portuguese or Turkish leaves the next one in English."""
    yield
    if "_i18n" in sys.modules:
        sys.modules["_i18n"].use("en")


settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,  # shared CI machines have noisy timing: never fail on it
    print_blob=True,  # a failure prints the blob that reproduces it
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI's other Pythons (.ci/run sets it for every version but the default one): the same derandomized
# search, shorter.  The 200-example search runs once, on the default Python; on the others the point
# is to catch what differs between versions (tokenizer, float and complex library behaviour, sum()'s
# compensated addition since 3.12), which shows up on any example, and CI has 6 minutes for all four.
settings.register_profile("ci-versions", parent=settings.get_profile("ci"), max_examples=30)
# A long hunt for rare failures, run by hand: HYPOTHESIS_PROFILE=stress python -m pytest
settings.register_profile("stress", max_examples=1000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_terminal_summary(terminalreporter):
    """One closing line on the cross-checks against PyTorch (tests/torch_twin.py): how many numbers
    were compared, or why none were.  Nothing when no such test was collected."""
    import importlib.util
    import sys

    twin = sys.modules.get("torch_twin")
    if twin is None:
        return
    if twin.TALLY["numbers"]:
        terminalreporter.write_line(f"PyTorch cross-checks: {twin.TALLY['numbers']} numbers compared with "
                                    f"torch {sys.modules['torch'].__version__}, in float64")
    elif importlib.util.find_spec("torch") is None:
        terminalreporter.write_line(f"PyTorch cross-checks: SKIPPED. {twin.NO_TORCH}")
