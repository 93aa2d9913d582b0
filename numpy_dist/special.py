"""``numpy_dist.special``: SciPy's special-function ufuncs, run distributed.

A SciPy special function is a NumPy ufunc, so ``scipy.special.erf(d)`` runs
block by block through ``DistArray.__array_ufunc__`` with no data moving.
With ``SCIPY_ARRAY_API=1`` SciPy wraps those ufuncs for the array API: it
asks the array's namespace for a ``special`` attribute holding native
versions, and otherwise converts every argument with ``np.asarray`` (a
gather).  This module is that attribute: ``numpy_dist.special.erf`` is
SciPy's own ``erf`` ufunc, which the ufunc path applies to the local blocks.

Only elementwise ufuncs are offered (AttributeError otherwise), so SciPy's
other code paths (array API generic implementations, or its gathering
fallback with a :class:`numpy_dist.FallbackWarning`) are unchanged.

Examples
--------
>>> import numpy as np, numpy_dist as nd
>>> import scipy.special  # doctest: +SKIP
>>> type(scipy.special.erf(nd.linspace(0, 1, 5))).__name__  # doctest: +SKIP
'DistArray'
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Where SciPy keeps its compiled ufuncs (private modules: looked up defensively).
_UFUNC_MODULES = ("scipy.special._ufuncs", "scipy.special._special_ufuncs")


def __getattr__(name: str) -> Any:
    """SciPy's elementwise ufunc ``name`` (distributed through ``__array_ufunc__``)."""
    if name.startswith("__"):
        raise AttributeError(name)
    import importlib

    for module_name in _UFUNC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, name, None)
        if isinstance(func, np.ufunc) and not func.signature:
            return func
    raise AttributeError(f"numpy_dist.special has no elementwise ufunc {name!r}")
