"""The array API standard's ``fft`` extension for numpy_dist (``numpy_dist.fft``).

Transforms run ``numpy.fft`` through NumPy dispatch, which has no
distributed FFT yet: they take the documented fallback (gather, compute,
redistribute, with a :class:`numpy_dist.FallbackWarning`); array-api-compat's
helpers keep single precision single.  ``fftfreq``/``rfftfreq`` are native
(built from ``arange``), ``fftshift``/``ifftshift`` are native rolls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from array_api_compat.common import _fft

from ..creation import arange
from ..distarray import DistArray
from ._helpers import check_device, compat_xp, require_array

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

Norm = Literal["backward", "ortho", "forward"]


def _one_axis(helper: Any, name: str) -> Any:
    def f(x: DistArray, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> DistArray:
        x = require_array(x)
        return helper(x, compat_xp, n=n, axis=axis, norm=norm)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"One-dimensional ``{name}`` along ``axis`` (``numpy.fft.{name}`` through the fallback).\n\n"
                 "Parameters\n----------\nx : DistArray\nn : int, optional\naxis : int\nnorm : str\n\n"
                 "Returns\n-------\nDistArray\n    Communication: gathers ``x`` (fallback).\n")
    return f


def _n_axes(helper: Any, name: str) -> Any:
    def f(x: DistArray, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> DistArray:
        x = require_array(x)
        return helper(x, compat_xp, s=s, axes=axes, norm=norm)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"N-dimensional ``{name}`` over ``axes`` (``numpy.fft.{name}`` through the fallback).\n\n"
                 "Parameters\n----------\nx : DistArray\ns, axes : sequence of int, optional\nnorm : str\n\n"
                 "Returns\n-------\nDistArray\n    Communication: gathers ``x`` (fallback).\n")
    return f


fft = _one_axis(_fft.fft, "fft")
ifft = _one_axis(_fft.ifft, "ifft")
rfft = _one_axis(_fft.rfft, "rfft")
irfft = _one_axis(_fft.irfft, "irfft")
hfft = _one_axis(_fft.hfft, "hfft")
ihfft = _one_axis(_fft.ihfft, "ihfft")
fftn = _n_axes(_fft.fftn, "fftn")
ifftn = _n_axes(_fft.ifftn, "ifftn")
rfftn = _n_axes(_fft.rfftn, "rfftn")
irfftn = _n_axes(_fft.irfftn, "irfftn")


def _freq(n: int, d: float, dtype: Any, device: Any, real: bool) -> DistArray:
    check_device(device)
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a real floating-point type, got {dt}")
    k = arange(n // 2 + 1, dtype=np.int64) if real else np.remainder(arange(n, dtype=np.int64) + n // 2, n) - n // 2
    return np.multiply(k.astype(np.float64), 1.0 / (n * d)).astype(dt, copy=False)  # as NumPy scales


def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> DistArray:
    """Sample frequencies of ``fft`` (native: computed from ``arange`` on each rank's part)."""
    return _freq(n, d, dtype, device, real=False)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> DistArray:
    """Sample frequencies of ``rfft`` (native)."""
    return _freq(n, d, dtype, device, real=True)


def fftshift(x: DistArray, /, *, axes: int | Sequence[int] | None = None) -> DistArray:
    """Move the zero-frequency term to the centre (``numpy.roll``, native)."""
    x = require_array(x)
    ax = tuple(range(x.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return np.roll(x, [x.shape[a] // 2 for a in ax], axis=ax)


def ifftshift(x: DistArray, /, *, axes: int | Sequence[int] | None = None) -> DistArray:
    """Inverse of :func:`fftshift` (``numpy.roll``, native)."""
    x = require_array(x)
    ax = tuple(range(x.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return np.roll(x, [-(x.shape[a] // 2) for a in ax], axis=ax)
