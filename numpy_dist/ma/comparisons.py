"""Masking by comparison with values: ``masked_equal``, ``masked_greater``, ``masked_inside`` ... ``masked_values``.

Each compares every rank's own block with the given values (nothing moves)
and masks the result through :func:`.core.masked_where`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import MaskedDistArray
from .core import distributed, masked_by

__all__ = ["masked_equal", "masked_not_equal", "masked_greater", "masked_greater_equal", "masked_less",
           "masked_less_equal", "masked_inside", "masked_outside", "masked_values"]


def masked_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where it equals ``value``.

    As ``numpy.ma.masked_equal``.  The fill value becomes ``value``, as in numpy.ma.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    value : scalar
        The value each element is compared with.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked where it equals ``value`` (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_equal, masked_where

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_equal(x, 2).to_numpy_masked()
    masked_array(data=[1, --, 3, 4],
                 mask=[False,  True, False, False],
           fill_value=2)
    """
    out = masked_by(x, lambda b: b == value, copy)
    out.fill_value = value
    return out


def masked_not_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where it differs from ``value``.

    As ``numpy.ma.masked_not_equal``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    value : scalar
        The value each element is compared with.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked where it differs from ``value`` (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_not_equal, masked_where

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_not_equal(x, 2).to_numpy_masked()
    masked_array(data=[--, 2, --, --],
                 mask=[ True, False,  True,  True],
           fill_value=999999)
    """
    return masked_by(x, lambda b: b != value, copy)


def masked_greater(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where it is greater than ``value``.

    As ``numpy.ma.masked_greater``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    value : scalar
        The value each element is compared with.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked where it is greater than ``value`` (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_greater, masked_where

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_greater(x, 2).to_numpy_masked()
    masked_array(data=[1, 2, --, --],
                 mask=[False, False,  True,  True],
           fill_value=999999)
    """
    return masked_by(x, lambda b: b > value, copy)


def masked_greater_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where it is greater than or equal to ``value``.

    As ``numpy.ma.masked_greater_equal``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    value : scalar
        The value each element is compared with.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked where it is greater than or equal to ``value`` (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_greater_equal, masked_where

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_greater_equal(x, 2).to_numpy_masked()
    masked_array(data=[1, --, --, --],
                 mask=[False,  True,  True,  True],
           fill_value=999999)
    """
    return masked_by(x, lambda b: b >= value, copy)


def masked_less(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where it is less than ``value``.

    As ``numpy.ma.masked_less``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    value : scalar
        The value each element is compared with.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked where it is less than ``value`` (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_less, masked_where

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_less(x, 2).to_numpy_masked()
    masked_array(data=[--, 2, 3, 4],
                 mask=[ True, False, False, False],
           fill_value=999999)
    """
    return masked_by(x, lambda b: b < value, copy)


def masked_less_equal(x: Any, value: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked where it is less than or equal to ``value``.

    As ``numpy.ma.masked_less_equal``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    value : scalar
        The value each element is compared with.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked where it is less than or equal to ``value`` (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_less_equal, masked_where

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_less_equal(x, 2).to_numpy_masked()
    masked_array(data=[--, --, 3, 4],
                 mask=[ True,  True, False, False],
           fill_value=999999)
    """
    return masked_by(x, lambda b: b <= value, copy)


def masked_inside(x: Any, v1: Any, v2: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked inside the closed interval between ``v1`` and ``v2`` (given in either order).

    As ``numpy.ma.masked_inside``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    v1, v2 : scalar
        The interval's ends.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked inside the interval (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_inside, masked_outside

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_inside(x, 3, 2).to_numpy_masked()
    masked_array(data=[1, --, --, 4],
                 mask=[False,  True,  True, False],
           fill_value=999999)
    """
    lo, hi = (v2, v1) if v2 < v1 else (v1, v2)  # (numpy.ma's test: a NaN bound swaps nothing)
    return masked_by(x, lambda b: (b >= lo) & (b <= hi), copy)


def masked_outside(x: Any, v1: Any, v2: Any, copy: bool = True) -> MaskedDistArray:
    """``x`` masked outside the closed interval between ``v1`` and ``v2`` (given in either order).

    As ``numpy.ma.masked_outside``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).
    v1, v2 : scalar
        The interval's ends.
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.

    Returns
    -------
    MaskedDistArray
        ``x``'s data, masked outside the interval (and where ``x`` was masked).

    See Also
    --------
    numpy.ma.masked_outside, masked_inside

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.ma.masked_outside(x, 3, 2).to_numpy_masked()
    masked_array(data=[--, 2, 3, --],
                 mask=[ True, False, False,  True],
           fill_value=999999)
    """
    lo, hi = (v2, v1) if v2 < v1 else (v1, v2)  # (numpy.ma's test: a NaN bound swaps nothing)
    return masked_by(x, lambda b: (b < lo) | (b > hi), copy)


def masked_values(x: Any, value: Any, rtol: float = 1e-5, atol: float = 1e-8, copy: bool = True,
                  shrink: bool = True) -> MaskedDistArray:
    """``x`` masked where it is approximately ``value`` (``isclose`` for real floats, ``==`` otherwise).

    As ``numpy.ma.masked_values``; the fill value becomes ``value``.

    Parameters
    ----------
    x : DistArray, MaskedDistArray or array_like
        The data (NumPy data every rank holds is distributed in blocks).  A
        masked ``x`` is filled with ``value`` first, and only the result's
        comparison decides the mask, as in numpy.ma.
    value : scalar
        The value to mask.
    rtol, atol : float, optional
        Relative and absolute tolerances of the float comparison (defaults
        1e-5 and 1e-8).
    copy : bool, optional
        If True (default), the result's data is a copy of ``x``'s.
    shrink : bool, optional
        Accepted for numpy.ma's signature; the mask is always kept whole.

    Returns
    -------
    MaskedDistArray
        ``x``'s data (``value`` in its masked places), masked where close to
        ``value``.

    See Also
    --------
    numpy.ma.masked_values, masked_equal

    Notes
    -----
    Communication: none; each rank compares its own block.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1.0, 1.1, 1.0000001]))
    >>> nd.ma.masked_values(x, 1.0).to_numpy_masked()
    masked_array(data=[--, 1.1, --],
                 mask=[ True, False,  True],
           fill_value=1.0)
    """
    # As numpy.ma: masked places take ``value`` first, and the mask is recomputed from that data alone (an
    # integer array's masked places are unmasked when ``value`` does not survive the cast).
    if isinstance(x, MaskedDistArray):
        x = x.filled(value)
    elif np.ma.isMaskedArray(x):
        x = np.ma.filled(x, value)
    if distributed(x).dtype.kind == "f":  # (numpy.ma compares complex data exactly too)
        out = masked_by(x, lambda b: np.isclose(b, value, atol=atol, rtol=rtol), copy)
    else:
        out = masked_by(x, lambda b: b == value, copy)
    out.fill_value = value
    return out
