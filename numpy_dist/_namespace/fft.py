"""The array API standard's ``fft`` extension for numpy_dist (``numpy_dist.fft``).

Transforms run ``numpy.fft`` through NumPy dispatch, which numpy_dist
implements natively (:mod:`numpy_dist.dispatch.fft`: pencil transpositions
along distributed axes, the four-step algorithm for a distributed 1-d
array; nothing is gathered); array-api-compat's helpers keep single
precision single.  ``fftfreq``/``rfftfreq`` are built from ``arange`` on
each rank's part, ``fftshift``/``ifftshift`` are native rolls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from array_api_compat.common import _fft

from ..creation import arange
from ..distarray import DistArray
from ._docs import fft_doc, namespace_doc
from ._helpers import check_device, compat_xp, require_array

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

Norm = Literal["backward", "ortho", "forward"]


def _one_axis(helper: Any, name: str, doc: str) -> Any:
    def f(x: DistArray, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> DistArray:
        x = require_array(x)
        return helper(x, compat_xp, n=n, axis=axis, norm=norm)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


def _n_axes(helper: Any, name: str, doc: str) -> Any:
    def f(x: DistArray, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> DistArray:
        x = require_array(x)
        return helper(x, compat_xp, s=s, axes=axes, norm=norm)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


_X = "[1.0, 2.0, 0.0, -1.0]"
_M = "[[1.0, 2.0], [3.0, 4.0]]"
_HALF = " (the Hermitian half of a spectrum)"
_REAL_N = ", and the output length is ``n`` (default ``2 * (m - 1)`` for an input of length ``m``)"
fft = _one_axis(_fft.fft, "fft", fft_doc(
    "fft", "Discrete Fourier transform of ``x`` along one axis.",
    "Complex, ``x``'s shape with length ``n`` along ``axis``.", _X,
    "array([2.+0.j, 1.-3.j, 0.+0.j, 1.+3.j])", n_axes=False))
ifft = _one_axis(_fft.ifft, "ifft", fft_doc(
    "ifft", "Inverse discrete Fourier transform of ``x`` along one axis: ``ifft(fft(x))`` is ``x``.",
    "Complex, ``x``'s shape with length ``n`` along ``axis``.", _X,
    "array([ 1.+0.j,  2.+0.j,  0.+0.j, -1.+0.j])", n_axes=False,
    call="nd.asnumpy(nd.fft.ifft(nd.fft.fft(x)))"))
rfft = _one_axis(_fft.rfft, "rfft", fft_doc(
    "rfft", "Discrete Fourier transform of real ``x`` along one axis, the non-negative frequencies only.",
    "Complex, ``x``'s shape with length ``n // 2 + 1`` along ``axis``.", _X,
    "array([2.+0.j, 1.-3.j, 0.+0.j])", n_axes=False, input_note=" (real)"))
irfft = _one_axis(_fft.irfft, "irfft", fft_doc(
    "irfft", "Inverse of :func:`rfft`: the real signal whose spectrum's non-negative half is ``x``.",
    "Real, ``x``'s shape with length ``n`` along ``axis``.", _X,
    "array([ 1.,  2.,  0., -1.])", n_axes=False, input_note=_HALF,
    n_note=_REAL_N, call="nd.asnumpy(nd.fft.irfft(nd.fft.rfft(x), n=4))"))
hfft = _one_axis(_fft.hfft, "hfft", fft_doc(
    "hfft", "Discrete Fourier transform of a signal with Hermitian symmetry, given by its first half ``x``.",
    "Real, ``x``'s shape with length ``n`` along ``axis``.", "[1.0, 2.0, 3.0]",
    "array([ 8., -2.,  0., -2.])", n_axes=False, input_note=_HALF, n_note=_REAL_N))
ihfft = _one_axis(_fft.ihfft, "ihfft", fft_doc(
    "ihfft", "Inverse of :func:`hfft`: the Hermitian half whose :func:`hfft` is the real ``x``.",
    "Complex, ``x``'s shape with length ``n // 2 + 1`` along ``axis``.", _X,
    "array([ 1.,  2.,  0., -1.])", n_axes=False, input_note=" (real)",
    call="nd.asnumpy(nd.fft.hfft(nd.fft.ihfft(x), n=4))"))
fftn = _n_axes(_fft.fftn, "fftn", fft_doc(
    "fftn", "N-dimensional discrete Fourier transform of ``x`` over ``axes``.",
    "Complex, ``x``'s shape with lengths ``s`` along ``axes``.", _M,
    "array([[10.+0.j, -2.+0.j],\n       [-4.+0.j,  0.+0.j]])", n_axes=True))
ifftn = _n_axes(_fft.ifftn, "ifftn", fft_doc(
    "ifftn", "N-dimensional inverse discrete Fourier transform of ``x`` over ``axes``.",
    "Complex, ``x``'s shape with lengths ``s`` along ``axes``.", _M,
    "array([[1.+0.j, 2.+0.j],\n       [3.+0.j, 4.+0.j]])", n_axes=True,
    call="nd.asnumpy(nd.fft.ifftn(nd.fft.fftn(x)))"))
rfftn = _n_axes(_fft.rfftn, "rfftn", fft_doc(
    "rfftn", "N-dimensional discrete Fourier transform of real ``x``; the last axis keeps the "
    "non-negative frequencies only.",
    "Complex, ``x``'s shape with lengths ``s`` along ``axes``, but ``s[-1] // 2 + 1`` along the last.", _M,
    "array([[10.+0.j, -2.+0.j],\n       [-4.+0.j,  0.+0.j]])", n_axes=True, input_note=" (real)"))
irfftn = _n_axes(_fft.irfftn, "irfftn", fft_doc(
    "irfftn", "Inverse of :func:`rfftn`: the real array whose N-dimensional spectrum's half is ``x``.",
    "Real, ``x``'s shape with lengths ``s`` along ``axes``.", _M,
    "array([[1., 2.],\n       [3., 4.]])", n_axes=True, input_note=_HALF,
    n_note="; the last output length defaults to ``2 * (m - 1)``",
    call="nd.asnumpy(nd.fft.irfftn(nd.fft.rfftn(x), s=(2, 2), axes=(0, 1)))"))


def _freq(n: int, d: float, dtype: Any, device: Any, real: bool) -> DistArray:
    check_device(device)
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a real floating-point type, got {dt}")
    k = arange(n // 2 + 1, dtype=np.int64) if real else np.remainder(arange(n, dtype=np.int64) + n // 2, n) - n // 2
    return np.multiply(k.astype(np.float64), 1.0 / (n * d)).astype(dt, copy=False)  # as NumPy scales


@namespace_doc
def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> DistArray:
    """The sample frequencies of :func:`fft`'s output, in cycles per unit of the sample spacing.

    For a signal of ``n`` samples spaced ``d`` apart: ``0, 1, ..., ceil(n/2) - 1``
    then ``-floor(n/2), ..., -1``, divided by ``n * d``.

    Parameters
    ----------
    n : int
        The signal's length (positive).
    d : float, optional
        The sample spacing (default 1.0).
    dtype : dtype, optional
        A real floating-point result type (default float64).
    {device}

    Returns
    -------
    DistArray
        One-dimensional, of length ``n``, distributed in blocks.

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer, ``dtype`` is not a real
        floating-point type, or ``device`` is not ``"cpu"`` or None.

    See Also
    --------
    numpy.fft.fftfreq, rfftfreq, fftshift

    Notes
    -----
    Communication: none; each rank computes its own part.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.fft.fftfreq(4))
    array([ 0.  ,  0.25, -0.5 , -0.25])
    """
    return _freq(n, d, dtype, device, real=False)


@namespace_doc
def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> DistArray:
    """The sample frequencies of :func:`rfft`'s output, in cycles per unit of the sample spacing.

    For a signal of ``n`` samples spaced ``d`` apart: ``0, 1, ..., n // 2``, divided
    by ``n * d``.

    Parameters
    ----------
    n : int
        The signal's length (positive).
    d : float, optional
        The sample spacing (default 1.0).
    dtype : dtype, optional
        A real floating-point result type (default float64).
    {device}

    Returns
    -------
    DistArray
        One-dimensional, of length ``n // 2 + 1``, distributed in blocks.

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer, ``dtype`` is not a real
        floating-point type, or ``device`` is not ``"cpu"`` or None.

    See Also
    --------
    numpy.fft.rfftfreq, fftfreq

    Notes
    -----
    Communication: none; each rank computes its own part.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.fft.rfftfreq(4, d=0.5))
    array([0. , 0.5, 1. ])
    """
    return _freq(n, d, dtype, device, real=True)


@namespace_doc
def fftshift(x: DistArray, /, *, axes: int | Sequence[int] | None = None) -> DistArray:
    """``x`` with the zero-frequency term moved to the centre of each axis.

    ``numpy.roll`` by ``n // 2`` along each axis of ``axes`` (natively distributed).

    Parameters
    ----------
    {x}
    axes : int, sequence of int or None, optional
        The axes to shift; None (default) shifts every axis.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    IndexError
        If an axis is out of range.

    See Also
    --------
    numpy.fft.fftshift, ifftshift, fftfreq

    Notes
    -----
    Communication: that of :func:`numpy_dist.roll`: elements crossing a
    block boundary move to the neighbouring rank.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> f = nd.fft.fftfreq(5)
    >>> nd.asnumpy(nd.fft.fftshift(f))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    x = require_array(x)
    ax = tuple(range(x.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return np.roll(x, [x.shape[a] // 2 for a in ax], axis=ax)


@namespace_doc
def ifftshift(x: DistArray, /, *, axes: int | Sequence[int] | None = None) -> DistArray:
    """Inverse of :func:`fftshift`: the zero-frequency term moved back to the start.

    ``numpy.roll`` by ``-(n // 2)`` along each axis of ``axes`` (natively distributed).

    Parameters
    ----------
    {x}
    axes : int, sequence of int or None, optional
        The axes to shift; None (default) shifts every axis.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    IndexError
        If an axis is out of range.

    See Also
    --------
    numpy.fft.ifftshift, fftshift

    Notes
    -----
    Communication: that of :func:`numpy_dist.roll`: elements crossing a
    block boundary move to the neighbouring rank.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> f = nd.fft.fftfreq(5)
    >>> nd.asnumpy(nd.fft.ifftshift(nd.fft.fftshift(f)))
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    x = require_array(x)
    ax = tuple(range(x.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return np.roll(x, [-(x.shape[a] // 2) for a in ax], axis=ax)
