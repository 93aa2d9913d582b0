"""``MaskedDistArray``: a DistArray of data and a DistArray of booleans with one distribution.

The two arrays always share one :class:`~numpy_dist.Distribution`, so every
elementwise step between data and mask is local: no message moves for
``filled``, ``count`` per block, or a unary masked ufunc.  Reductions, the
NumPy protocols and indexing are installed onto the class by the modules that
own them (:mod:`.reductions`, :mod:`.ufuncs`, :mod:`.core`) when
:mod:`numpy_dist.ma` is imported, the way the array layer receives its hooks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from ..creation import asarray, asnumpy
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution

__all__ = ["MaskedDistArray", "install_methods", "default_fill_value", "as_masked", "same_layout_mask"]


@functools.lru_cache(maxsize=None)
def default_fill_value(dtype: np.dtype) -> Any:
    """numpy.ma's default fill value for ``dtype`` as a masked array reports it (``np.float64(1e20)``,
    ``np.int64(999999)``; a small integer type's wraps when it fills, as in numpy.ma)."""
    return np.ma.MaskedArray(np.empty(0, np.dtype(dtype))).fill_value


def _checked_fill_value(fill_value: Any, dtype: np.dtype) -> Any:
    """``fill_value`` as a scalar of ``dtype`` (numpy.ma's rule: TypeError when it does not fit)."""
    if fill_value is None:
        return default_fill_value(dtype)
    return np.ma.MaskedArray(np.empty(0, dtype), fill_value=fill_value).fill_value


class MaskedDistArray(NDArrayOperatorsMixin):
    """A distributed masked array: ``data`` and boolean ``mask`` DistArrays with one distribution.

    Mirrors :class:`numpy.ma.MaskedArray`: an element whose mask is True is
    missing; reductions skip it, elementwise results are masked where any
    operand is masked or outside the ufunc's domain (``log`` of a negative
    number), ``filled`` replaces missing elements by ``fill_value``.

    Build one with :func:`numpy_dist.ma.masked_array`, :func:`masked_invalid`,
    :func:`masked_where` and friends.  Every method is collective.

    Parameters
    ----------
    data : DistArray
        The data, masked elements included (kept, not copied).
    mask : bool, array_like or DistArray, optional
        True where an element is missing, laid out like ``data``: one
        element masks all or nothing, as many elements as ``data`` take its
        shape (numpy.ma's rule).  Default False.
    fill_value : scalar, optional
        What :meth:`filled` puts in masked places (default: numpy.ma's
        default for the dtype).

    Raises
    ------
    TypeError
        If ``data`` is not a DistArray (use :func:`numpy_dist.ma.masked_array`
        for other data), or ``fill_value`` does not fit its dtype.
    numpy.ma.MaskError
        If ``mask`` has neither one element nor as many as ``data``.

    See Also
    --------
    numpy.ma.MaskedArray, masked_array

    Notes
    -----
    Communication: none when ``mask`` is NumPy data or a DistArray in
    ``data``'s layout; else the mask is aligned to it.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_invalid(nd.asarray(np.array([1.0, np.nan, 3.0])))
    >>> float(m.sum()), int(m.count())
    (4.0, 2)
    """

    __slots__ = ("_darr", "_marr", "_fv", "__weakref__")

    def __init__(self, data: DistArray, mask: Any = False, fill_value: Any = None):
        if not isinstance(data, DistArray):
            raise TypeError(f"data must be a DistArray, got {type(data).__name__}; use nd.ma.masked_array")
        self._darr = data
        self._marr = same_layout_mask(mask, data.distribution)
        # None: numpy.ma's default for the dtype; an explicit value travels to results verbatim, as in numpy.ma.
        self._fv = None if fill_value is None else _checked_fill_value(fill_value, data.dtype)

    @classmethod
    def _new(cls, data: DistArray, mask: DistArray, fill_value: Any = None) -> MaskedDistArray:
        """Wrap a data and a mask array already in one layout (no message, no checks)."""
        self = object.__new__(cls)
        self._darr, self._marr = data, mask
        self._fv = fill_value
        return self

    # -- metadata (local) --------------------------------------------------------------
    @property
    def data(self) -> DistArray:
        """The underlying data, masked elements included (a view: shares the block)."""
        return self._darr

    @property
    def mask(self) -> DistArray:
        """The boolean mask (True: missing), in the data's distribution.

        Assignable, as numpy.ma's ``mask.flat``: a mask of another size
        repeats or is cut in C order, an empty one changes nothing.
        """
        return self._marr

    @mask.setter
    def mask(self, value: Any) -> None:
        self._marr = same_layout_mask(value, self._darr.distribution, assigned_over=self._marr)

    @property
    def fill_value(self) -> Any:
        """The value :meth:`filled` puts in masked places (numpy.ma's default for the dtype)."""
        return default_fill_value(self.dtype) if self._fv is None else self._fv

    @fill_value.setter
    def fill_value(self, value: Any) -> None:
        self._fv = _checked_fill_value(value, self.dtype)

    distribution = property(lambda self: self._darr.distribution, doc="The shared layout of data and mask.")
    comm = property(lambda self: self._darr.comm, doc="The communicator.")
    shape = property(lambda self: self._darr.shape, doc="Global shape.")
    dtype = property(lambda self: self._darr.dtype, doc="Element type of the data.")
    ndim = property(lambda self: self._darr.ndim, doc="Number of dimensions.")
    size = property(lambda self: self._darr.size, doc="Number of elements, masked ones included.")
    dist = property(lambda self: self._darr.dist, doc="Distribution codes per axis.")

    def __len__(self) -> int:
        return len(self._darr)

    # -- conversions ----------------------------------------------------------------
    def filled(self, fill_value: Any = None) -> DistArray:
        """A DistArray with the masked elements replaced by ``fill_value``.

        Parameters
        ----------
        fill_value : scalar, optional
            The replacement (default: ``self.fill_value``).

        Returns
        -------
        DistArray
            A copy of the data, in its layout.

        Raises
        ------
        TypeError
            If ``fill_value`` does not fit the dtype.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
        >>> nd.asnumpy(m.filled(0))
        array([1, 0, 3, 4])
        """
        value = self.fill_value if fill_value is None else _checked_fill_value(fill_value, self.dtype)
        local = self._darr.local.copy()
        np.copyto(local, value, where=self._marr.local)  # (numpy.ma's cast: 999999 fills a uint8 as 63)
        return DistArray._new(local, self._darr.distribution)

    def to_numpy_masked(self) -> np.ma.MaskedArray:
        """Gather data and mask on every rank as a :class:`numpy.ma.MaskedArray` (on purpose, silent).

        Returns
        -------
        numpy.ma.MaskedArray
            The whole array, with the mask and the fill value, on every rank.

        Notes
        -----
        Communication: two gathers (data and mask) to every rank; for data
        that fits in one process.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
        >>> m.to_numpy_masked()
        masked_array(data=[1, --, 3, 4],
                     mask=[False,  True, False, False],
               fill_value=2)
        """
        return np.ma.MaskedArray(asnumpy(self._darr), mask=asnumpy(self._marr), fill_value=self._fv)

    def copy(self) -> MaskedDistArray:
        """A copy of data and mask (and the fill value).

        Returns
        -------
        MaskedDistArray
            The copy, in the same layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
        >>> c = m.copy()
        >>> c[0] = nd.ma.masked
        >>> int(c.count()), int(m.count())
        (2, 3)
        """
        return MaskedDistArray._new(self._darr.copy(), self._marr.copy(), self._fv)

    def astype(self, dtype: Any) -> MaskedDistArray:
        """The data cast to ``dtype``, with the mask kept.

        Parameters
        ----------
        dtype : dtype
            The new data type.

        Returns
        -------
        MaskedDistArray
            The cast data (a copy) and a copy of the mask.

        Raises
        ------
        TypeError
            If ``dtype`` is not a data type.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
        >>> m.astype(np.float32).dtype
        dtype('float32')
        """
        return MaskedDistArray._new(self._darr.astype(dtype), self._marr.copy(), self._fv)

    def harden_mask(self) -> MaskedDistArray:  # pragma: no cover - numpy.ma API parity, soft masks only
        """Not supported: nd.ma masks are always soft (assigning a value unmasks it).

        Returns
        -------
        MaskedDistArray
            Never returns.

        Raises
        ------
        NotImplementedError
            Always.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2])), 2)
        >>> m.harden_mask()
        Traceback (most recent call last):
        ...
        NotImplementedError: hard masks are not supported by nd.ma
        """
        raise NotImplementedError("hard masks are not supported by nd.ma")

    @property
    def T(self) -> MaskedDistArray:
        """The transpose of data and mask."""
        return MaskedDistArray._new(self._darr.T, self._marr.T.to_layout(self._darr.T.distribution), self._fv)

    def __repr__(self) -> str:
        return (f"MaskedDistArray(shape={self.shape}, dtype={self.dtype}, dist={self.dist}, "
                f"fill_value={self._fv!r})")

    __str__ = __repr__


def install_methods(**methods: Callable[..., Any]) -> None:
    """Install methods that higher modules of :mod:`numpy_dist.ma` own (at import time)."""
    for name, func in methods.items():
        setattr(MaskedDistArray, name, func)


def same_layout_mask(mask: Any, dist: Distribution, assigned_over: DistArray | None = None) -> DistArray:
    """``mask`` as a boolean DistArray in layout ``dist``, by numpy.ma's rule for a mask's shape.

    A mask of one element masks all or nothing; one with as many elements as
    the data takes the data's shape (a C-order reshape); any other size
    raises ``numpy.ma.MaskError``, NumPy's (its masks do not broadcast).
    ``assigned_over``: the mask an assignment ``m.mask = mask`` replaces; it
    follows numpy.ma's ``mask.flat = value`` instead, so another size repeats
    or is cut in C order and an empty one changes nothing.
    """
    if mask is np.ma.masked:  # (its data is 0.0: numpy.ma reads it as True)
        mask = True
    if isinstance(mask, MaskedDistArray):
        mask = mask.filled(True)
    if not isinstance(mask, DistArray):
        mask = np.asarray(np.ma.getdata(mask), dtype=bool)
    size, data_size = int(np.prod(mask.shape)), int(np.prod(dist.shape))
    if mask.shape != dist.shape:
        if size == 1:  # (every rank reads the one value: a size-1 DistArray's any() is collective)
            value = bool(np.any(mask)) if isinstance(mask, DistArray) else bool(mask.reshape(()))
            return DistArray._new(np.full(dist.local_shape, value), dist)
        if size != data_size and assigned_over is not None:
            if size == 0:
                return assigned_over
            mask = np.resize(mask, dist.shape)  # (a DistArray's resize is distributed)
        elif size != data_size:
            raise np.ma.MaskError(f"Mask and data not compatible: data size is {data_size}, mask size is {size}.")
        mask = np.reshape(mask, dist.shape)
    if isinstance(mask, DistArray):
        return (mask if mask.dtype == np.bool_ else mask.astype(bool)).to_layout(dist)
    return DistArray._new(np.array(aligned_block(mask, dist), dtype=bool), dist)


def as_masked(x: Any, like: MaskedDistArray | None = None) -> MaskedDistArray:
    """``x`` as a MaskedDistArray: a DistArray gets no mask; NumPy data is distributed like ``like``."""
    if isinstance(x, MaskedDistArray):
        return x
    if isinstance(x, DistArray):
        return MaskedDistArray._new(x, DistArray._new(np.zeros(x.distribution.local_shape, bool), x.distribution))
    if like is None:
        raise TypeError(f"cannot make a distributed masked array from {type(x).__name__} without a layout")
    data = asarray(np.ma.getdata(x), dist=like.distribution) if np.shape(x) == like.shape else None
    if data is None:
        raise ValueError(f"operand of shape {np.shape(x)} does not match {like.shape}")
    return MaskedDistArray._new(data, same_layout_mask(np.ma.getmaskarray(x), like.distribution))
