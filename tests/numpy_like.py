"""A float subclass that behaves like NumPy's ``float64``, without NumPy.

``numpy.float64`` subclasses ``float`` but keeps its own type through
arithmetic (``np.float64(2) + 1`` is a float64), and its comparisons return
``numpy.bool_``, which refuses ``-`` (``(x > 0) - (x < 0)`` raises TypeError).
Those two habits are what broke the engine's rules before; this class has
both, so the tests can check every rule against them with the standard
library only.
"""

from __future__ import annotations


class NumpyLikeBool:
    """Like ``numpy.bool_``: truthy or falsy, but no arithmetic."""

    def __init__(self, value: bool) -> None:
        self.value = bool(value)

    def __bool__(self) -> bool:
        return self.value

    def __sub__(self, other):
        raise TypeError("numpy boolean subtract, the `-` operator, is not supported")

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __sub__


def _wrap(result):
    return NumpyLikeFloat(result) if isinstance(result, float) else result


class NumpyLikeFloat(float):
    """A float whose arithmetic returns NumpyLikeFloat and whose comparisons return NumpyLikeBool."""

    def __add__(self, other):
        return _wrap(float(self) + other)

    def __radd__(self, other):
        return _wrap(other + float(self))

    def __sub__(self, other):
        return _wrap(float(self) - other)

    def __rsub__(self, other):
        return _wrap(other - float(self))

    def __mul__(self, other):
        return _wrap(float(self) * other)

    def __rmul__(self, other):
        return _wrap(other * float(self))

    def __truediv__(self, other):
        return _wrap(float(self) / other)

    def __rtruediv__(self, other):
        return _wrap(other / float(self))

    def __pow__(self, other):
        return _wrap(float(self) ** other)

    def __rpow__(self, other):
        return _wrap(other ** float(self))

    def __neg__(self):
        return NumpyLikeFloat(-float(self))

    def __abs__(self):
        return NumpyLikeFloat(abs(float(self)))

    def __gt__(self, other):
        return NumpyLikeBool(float(self) > other)

    def __lt__(self, other):
        return NumpyLikeBool(float(self) < other)

    def __ge__(self, other):
        return NumpyLikeBool(float(self) >= other)

    def __le__(self, other):
        return NumpyLikeBool(float(self) <= other)

    def __eq__(self, other):
        return NumpyLikeBool(float(self) == other)

    def __ne__(self, other):
        return NumpyLikeBool(float(self) != other)

    def __repr__(self) -> str:
        return f"NumpyLikeFloat({float(self)!r})"

    __hash__ = float.__hash__
