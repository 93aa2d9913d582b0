"""``nd.ma``: distributed masked arrays, mirroring :mod:`numpy.ma`.

A :class:`MaskedDistArray` holds its data and its boolean mask as two
DistArrays with one distribution.  Build one with :func:`masked_array`,
:func:`masked_invalid`, :func:`masked_where`, :func:`masked_equal` and kin;
``m.mask``, ``m.filled(v)``, ``m.compressed()``, ``m.count(axis)``; masked
reductions (``sum``, ``mean``, ``std``, ``var``, ``min``, ``max``, ``argmin``,
``argmax``, ``median``, ``average``, ``anom``) skip masked elements; ufuncs
(``np.log(m)``, ``m / n``) follow numpy.ma's domain rules.

``np.sum(m)``-style NumPy functions and the ufuncs dispatch here; ``np.ma.*``
functions cannot (NumPy has no hook for them) and gather through the
fallback policy: call ``nd.ma.<name>`` instead.

    import numpy as np, numpy_dist as nd
    m = nd.ma.masked_invalid(nd.asarray(np.array([1.0, np.nan, 4.0])))
    float(m.mean()), m.count()          # (2.5, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ufuncs as _ufuncs  # noqa: F401  (installs __array_ufunc__)
from ._base import MaskedDistArray, as_masked
from .core import (
    array,
    filled,
    fix_invalid,
    getdata,
    getmask,
    getmaskarray,
    is_masked,
    masked_array,
    masked_equal,
    masked_greater,
    masked_greater_equal,
    masked_inside,
    masked_invalid,
    masked_less,
    masked_less_equal,
    masked_not_equal,
    masked_outside,
    masked_values,
    masked_where,
)
from .extras import average, compressed, median
from . import reductions as _reductions
from .io import load, save

masked = np.ma.masked
nomask = np.ma.nomask

__all__ = ["MaskedDistArray", "masked", "nomask", "array", "masked_array", "masked_where", "masked_invalid",
           "masked_equal", "masked_not_equal", "masked_greater", "masked_greater_equal", "masked_less",
           "masked_less_equal", "masked_inside", "masked_outside", "masked_values", "fix_invalid",
           "getdata", "getmask", "getmaskarray", "is_masked", "filled", "compressed", "count",
           "sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "median", "average", "anom", "save", "load"]


def _from_method(name: str) -> Any:
    method = getattr(_reductions, name)

    def function(a: Any, *args: Any, **kwargs: Any) -> Any:
        return method(as_masked(a), *args, **kwargs)

    function.__name__ = name
    function.__doc__ = f"``numpy.ma.{name}`` of a masked (or plain) DistArray: see ``MaskedDistArray.{name}``."
    return function


count, sum, prod, mean, var, std, min, max, argmin, argmax, anom = (  # noqa: A001
    _from_method(n) for n in ("count", "sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "anom"))
