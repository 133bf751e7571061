"""Losses, re-exported from :mod:`tinygrad_edu.losses` (the Matrix engine's), so that
``from tinygrad_edu.nn import mse`` works as ``torch.nn.functional`` users expect.

* ``mse(prediction, target)``: mean squared error over all entries.
* ``binary_cross_entropy_with_logits(logits, targets)``: σ and cross-entropy in one
  stable step, from the raw scores.
* ``cross_entropy(logits, targets)``: softmax cross-entropy along each row, mean over
  rows, ``targets`` a list of class indices.
* ``softmax``, ``log_softmax``, ``logsumexp`` along rows, computed without overflow.
"""

from ..losses import binary_cross_entropy_with_logits, cross_entropy, log_softmax, logsumexp, mse, softmax

__all__ = ["binary_cross_entropy_with_logits", "cross_entropy", "log_softmax", "logsumexp", "mse", "softmax"]
