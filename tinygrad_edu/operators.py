"""Python's operators (``+ - * / **``) and the op methods (``.tanh()``), mapped onto the ops.

:class:`Arithmetic` is shared by every scalar node type: reverse-mode
:class:`~tinygrad_edu.value.Value` and forward-mode
:class:`~tinygrad_edu.autodiff.Dual`.  Each method only names the primitive
from :mod:`tinygrad_edu.ops`; the node type's ``apply(op, inputs, params)``
does the work.  So ``2 * x`` and ``x.tanh()`` mean the same thing in both
modes, and a new op needs one line here to become a method.
"""

from __future__ import annotations

from . import ops
from .reals import NUMBERS, as_number


class Arithmetic:
    """Operators for a node type that defines ``apply(op, inputs, params=())``."""

    __slots__ = ()

    # Binary operators.  The reflected forms (``__radd__``) handle ``2 + x``.
    def __add__(self, other):
        return self.apply(ops.add, (self, other))

    def __radd__(self, other):
        return self.apply(ops.add, (other, self))

    def __sub__(self, other):
        return self.apply(ops.sub, (self, other))

    def __rsub__(self, other):
        return self.apply(ops.sub, (other, self))

    def __mul__(self, other):
        return self.apply(ops.mul, (self, other))

    def __rmul__(self, other):
        return self.apply(ops.mul, (other, self))

    def __truediv__(self, other):
        return self.apply(ops.div, (self, other))

    def __rtruediv__(self, other):
        return self.apply(ops.div, (other, self))

    def __pow__(self, exponent):
        # A plain-number exponent is a constant (x ** 3): the rule c·xᶜ⁻¹ works
        # for negative bases too.  A node exponent needs x > 0 (x ** y = e^(y ln x)).
        if isinstance(exponent, NUMBERS):
            # Checked, a NumPy float64 made a float, an int beyond float range made ±inf.
            return self.apply(ops.power, (self,), (as_number("power", exponent),))
        return self.apply(ops.pow_xy, (self, exponent))

    def __rpow__(self, base):
        return self.apply(ops.pow_xy, (base, self))

    def __neg__(self):
        return self.apply(ops.neg, (self,))

    def __pos__(self):
        return self

    # Functions, as methods (the names PyTorch and micrograd use).
    def exp(self):
        return self.apply(ops.exp, (self,))

    def log(self):
        return self.apply(ops.log, (self,))

    def sqrt(self):
        return self.apply(ops.sqrt, (self,))

    def tanh(self):
        return self.apply(ops.tanh, (self,))

    def sigmoid(self):
        return self.apply(ops.sigmoid, (self,))

    def softplus(self):
        return self.apply(ops.softplus, (self,))

    def log_sigmoid(self):
        return self.apply(ops.log_sigmoid, (self,))

    def sin(self):
        return self.apply(ops.sin, (self,))

    def cos(self):
        return self.apply(ops.cos, (self,))

    def relu(self):
        return self.apply(ops.relu, (self,))

    def leaky_relu(self, slope: float = ops.LEAKY_SLOPE):
        return self.apply(ops.leaky_relu, (self,), (as_number("leaky_relu", slope),))

    def abs(self):
        return self.apply(ops.absolute, (self,))

    def __abs__(self):
        return self.abs()
