"""What the PyTorch cross-checks share: float64 tensors, one comparison with its tolerance, and a tally.

PyTorch is optional (the ``torch`` extra; CI installs it for CPython 3.11
only).  Every test file that uses this module starts with
``pytest.importorskip("torch", reason=NO_TORCH)``, so without PyTorch those
files are skipped with that reason, which ``-rs`` (in pyproject's addopts)
prints in the summary, and ``conftest.py`` adds a closing line saying how
many numbers were compared with PyTorch, or why none were.

How close is close enough
-------------------------
Both engines compute in float64 and are meant to evaluate the same
mathematics, so they differ only by rounding, but not always in the same
order of operations: PyTorch's tanh′ is 1 − t² from its own t, ours from
``math.tanh``'s, one ulp apart; its binary cross-entropy adds (1 − y)·z to a
log-sum-exp, ours subtracts y·z from a softplus.  Two bars:

* ``REL_TOL`` = 1e-12 relative, thousands of ulps: room for a few dozen
  roundings, and still a million times tighter than any wrong formula;
* an absolute ``ULPS``·ε·scale, where ``scale`` is the size of the terms that
  may cancel before the result is formed: 1 − t² is 3e-9 at t = tanh(10.4),
  but each t carries an error of ε ≈ 2e-16, so the difference of two correct
  results can be 1e-16 whatever its size relative to 3e-9.  The caller says
  what the terms are (the inputs, for a primitive: |z| = 30 in z·y).

The network-sized checks (a forward and backward through an LSTM unrolled
over a few steps) chain dozens of such roundings: they pass ``ulps`` =
``NETWORK_ULPS`` and, as scale, the largest number of the computation.
"""

from __future__ import annotations

import copy
import math

NO_TORCH = ("PyTorch is not installed, so the cross-checks against it did not run "
            "(python -m pip install -e \".[torch]\"; CI installs it for CPython 3.11)")
EPSILON = 2.0 ** -52
REL_TOL = 1e-12
ULPS = 8  # a few roundings of terms of size `scale`
NETWORK_ULPS = 256  # an unrolled cell, a batch norm: dozens of roundings per number, each of size `scale`

#: How many numbers were compared with PyTorch in this session (conftest.py prints it).
TALLY = {"numbers": 0}


def agree(ours: float, theirs: float, scale: float = 1.0, ulps: float = ULPS) -> bool:
    """True when ``ours`` and PyTorch's ``theirs`` are the same number up to rounding (see above).
    Equal infinities agree; a nan agrees only with a nan."""
    TALLY["numbers"] += 1
    if ours == theirs or (math.isnan(ours) and math.isnan(theirs)):
        return True
    return math.isclose(ours, theirs, rel_tol=REL_TOL, abs_tol=ulps * EPSILON * max(1.0, scale))


def flat(x) -> list:
    """A number, nested lists, a Matrix (its ``.data``) or a tensor, as one flat list of floats."""
    if hasattr(x, "detach"):  # a tensor
        x = x.detach().tolist()
    elif hasattr(x, "shape") and hasattr(x, "data"):  # a Matrix
        x = x.data
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in flat(item)]
    return [float(x)]


def assert_all_agree(what: str, ours, theirs, scale: float | None = None, ulps: float = NETWORK_ULPS) -> None:
    """Every number of ``ours`` agrees with ``theirs`` (same count, same order), with the scale
    taken as the largest magnitude on either side unless given."""
    a, b = flat(ours), flat(theirs)
    assert len(a) == len(b), f"{what}: {len(a)} numbers here, {len(b)} in PyTorch"
    if scale is None:
        scale = max([1.0] + [abs(v) for v in a + b if math.isfinite(v)])
    bad = [(k, u, v) for k, (u, v) in enumerate(zip(a, b)) if not agree(u, v, scale, ulps)]
    assert not bad, f"{what}: {len(bad)} of {len(a)} numbers differ from PyTorch's, first (index, ours, torch): {bad[0]}"


def parameter_gradients(module) -> dict:
    """A tinygrad_edu module's parameter gradients under PyTorch's names, in PyTorch's layout:
    through ``to_torch_state_dict``, on a copy whose numbers are the gradients."""
    from tinygrad_edu.nn import to_torch_state_dict

    holder = copy.deepcopy(module)
    for p, q in zip(module.parameters(), holder.parameters()):
        q.data = [list(row) for row in p.grad]
    return to_torch_state_dict(holder)
