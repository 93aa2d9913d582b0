"""``nd.ma``: distributed masked arrays, mirroring :mod:`numpy.ma`.

A :class:`MaskedDistArray` holds its data and its boolean mask as two
DistArrays with one distribution.  Build one with :func:`masked_array`,
:func:`masked_invalid`, :func:`masked_where`, :func:`masked_equal` and kin;
``m.mask``, ``m.filled(v)``, ``m.compressed()``, ``m.count(axis)``; masked
reductions (``sum``, ``mean``, ``std``, ``var``, ``min``, ``max``, ``argmin``,
``argmax``, ``median``, ``average``, ``anom``) skip masked elements; ufuncs
(``np.log(m)``, ``m / n``) follow numpy.ma's domain rules.

A MaskedDistArray always holds a mask, so it follows numpy.ma's arrays that
have one (an all-False mask included).  numpy.ma computes an array without a
mask (``nomask``: ``np.ma.array(x)``, or a ``masked_*`` that masked nothing)
as a plain ndarray, which differs where unmasked data hold NaN or infinities
(``mean`` along an axis is NaN there, not masked; ``var`` NaN, not 0) and for
an empty array (``sum`` 0.0, not masked).  A masked 0-d result is
``nd.ma.masked``, as in numpy.ma; an unmasked one stays a 0-d masked array
(numpy.ma returns a NumPy scalar from an operator).

Operators follow numpy.ma's operator rules with the masked array on either
side of a DistArray or a Python scalar; with a NumPy array on the left
(``x / m``) NumPy calls the ufunc itself (NEP 13), so only the domain is
masked there, as in ``np.divide(x, m)``.

``np.median(m)`` and ``np.average(m, weights=w)`` honour the mask here, as
``np.ma.median`` and ``np.ma.average`` do; NumPy's own functions ignore a
masked array's mask there (its median warns that partition does).

What NumPy lets dispatch here:

* ufuncs and operators (``np.log(m)``, ``m / n``, ``m > 0``): ``__array_ufunc__``,
  numpy.ma's domain rules;
* ``np.sum``, ``np.prod``, ``np.mean``, ``np.var``, ``np.std``, ``np.min``/``np.max``
  (``amin``/``amax``), ``np.argmin``/``np.argmax``, ``np.all``/``np.any``,
  ``np.median``, ``np.average``, ``np.count_nonzero``, ``np.reshape``,
  ``np.ravel``, ``np.transpose``, ``np.swapaxes``, ``np.squeeze``,
  ``np.cumsum``/``np.cumprod`` (masked places count as 0 / 1, the mask is
  kept), ``np.clip``, ``np.round``, ``np.shape``/``np.ndim``/``np.size``:
  ``__array_function__``; any other ``np.*`` function raises TypeError naming
  these;
* in-place operators (``m += x``), ``out=`` and ``np.add.reduce(m)`` (which
  reads the data and ignores the mask, as NumPy's).

``np.ma.*`` functions are plain Python with no dispatch hook: they convert
their argument with ``np.asarray``/``np.ma.asanyarray``, which gathers data
and mask onto every rank through the fallback policy (a ``FallbackWarning``
naming nd.ma; ``FallbackError`` under ``set_fallback("error")``).  After that
gather ``np.ma.sum``/``mean``/``std``/``var``/``min``/``max``/``argmin``/``argmax``/
``average``/``anom``/``count``/``compressed``/``cumsum``/``concatenate``/``where``/
``masked_*``/``log``... give numpy.ma's results (the mask travels through the
``_mask`` attribute numpy.ma reads); ``np.ma.sort`` and ``np.ma.median`` lose
the mask (they convert with ``np.array``, which has no mask hook): use
``nd.ma.median``.  ``np.ma.filled(m)`` returns ``m.filled()``, a DistArray.

    import numpy as np, numpy_dist as nd
    m = nd.ma.masked_invalid(nd.asarray(np.array([1.0, np.nan, 4.0])))
    float(m.mean()), m.count()          # (2.5, 2)
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from . import ufuncs as _ufuncs  # noqa: F401  (installs __array_ufunc__)
from ._base import MaskedDistArray, as_masked
from .comparisons import (
    masked_equal,
    masked_greater,
    masked_greater_equal,
    masked_inside,
    masked_less,
    masked_less_equal,
    masked_not_equal,
    masked_outside,
    masked_values,
)
from .core import (array, filled, fix_invalid, getdata, getmask, getmaskarray, is_masked, masked_array, masked_invalid,
                   masked_where)
from .extras import average, compressed, median
from . import reductions as _reductions
from .io import load, save

masked = np.ma.masked
nomask = np.ma.nomask

__all__ = ["MaskedDistArray", "masked", "nomask", "array", "masked_array", "masked_where", "masked_invalid",
           "masked_equal", "masked_not_equal", "masked_greater", "masked_greater_equal", "masked_less",
           "masked_less_equal", "masked_inside", "masked_outside", "masked_values", "fix_invalid",
           "getdata", "getmask", "getmaskarray", "is_masked", "filled", "compressed", "count",
           "sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "all", "any", "median", "average",
           "anom", "save", "load"]


_METHOD_ARRAY = """\
    m : MaskedDistArray
        The masked array (as a method: the array itself)."""
_FUNCTION_ARRAY = """\
    a : MaskedDistArray or DistArray
        The array; a plain DistArray counts as having no masked element."""


def _from_method(name: str) -> Any:
    """The function ``nd.ma.<name>(a, ...)`` of the method ``MaskedDistArray.<name>``.

    It shares the method's docstring and signature, its array parameter
    named ``a`` as in numpy.ma.
    """
    method = getattr(_reductions, name)

    def function(a: Any, *args: Any, **kwargs: Any) -> Any:
        return method(as_masked(a), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__.replace(_METHOD_ARRAY, _FUNCTION_ARRAY).replace("``m``", "``a``")
    signature = inspect.signature(method)
    first, *rest = signature.parameters.values()
    function.__signature__ = signature.replace(parameters=[first.replace(name="a"), *rest])  # for help() and docs
    return function


count, sum, prod, mean, var, std, min, max, argmin, argmax, all, any, anom = (  # noqa: A001
    _from_method(n) for n in ("count", "sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "all",
                              "any", "anom"))
