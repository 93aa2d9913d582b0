"""Signals: convolve, correlate, sliding_window_view, gradient, trapezoid, unwrap.

Each works on a rank's block along the signal axis widened by a halo (see
``_halo``): the few neighbouring lines a stencil reaches.  Results are laid out
like the input along that axis (an output element lives with the input element
its window starts at), so no data moves except the halos.

Communication: halos only (one exchange of the missing lines per axis); a
convolution kernel that is a DistArray is gathered when its global size is at
most ``SMALL_KERNEL`` elements, else it is broadcast chunk by chunk (one chunk
per rank, with one halo exchange each); ``trapezoid`` adds one ordered
reduction of per-rank partial sums, ``unwrap`` one distributed cumulative sum.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution, shape_standin
from ..maps import BlockMap, NoDistMap
from ._halo import block_bounds, blocked, clip_ranges, grid_extent, output_layout, stretch
from .registry import implements

# A DistArray kernel up to this many elements is gathered whole; a longer one is streamed in chunks.
SMALL_KERNEL = 1 << 16


# --------------------------------------------------------------------------
# Convolution and correlation
# --------------------------------------------------------------------------


def _operand(x: Any) -> Any:
    """A DistArray (1-d from here on) or a NumPy array, as ``np.array(x, ndmin=1)`` would see it."""
    if isinstance(x, DistArray):
        return DistArray._new(x.local.reshape(1), Distribution.replicated_on(x.comm, (1,))) if x.ndim == 0 else x
    return np.array(x, copy=None, ndmin=1)


def _probe(x: Any) -> np.ndarray:
    """A tiny NumPy array with ``x``'s dtype and ndim (lengths clipped to 2): NumPy's checks, no data."""
    return np.zeros(tuple(min(n, 2) for n in np.shape(x)), dtype=x.dtype)


def _mode_name(f: Any, mode: Any) -> str:
    """NumPy's own reading of ``mode`` (``'full'``, ``'same'`` or ``'valid'``), by the output length it gives."""
    return {6: "full", 5: "same", 4: "valid"}[len(f(np.zeros(5), np.zeros(2), mode))]


def _mode_window(mode: str, n: int, m: int) -> tuple[int, int]:
    """(first full-convolution index, output length) of ``mode`` for lengths ``n >= m``."""
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (m - 1) - m // 2, n
    return m - 1, n - m + 1


def _kernel_chunks(kernel: Any, comm: Any):
    """Yield ``(offset, chunk)`` pieces of the kernel: whole when small, else one per rank in turn."""
    if not isinstance(kernel, DistArray):
        yield 0, np.asarray(kernel)
        return
    if kernel.size <= SMALL_KERNEL:
        yield 0, asnumpy(kernel)
        return
    rows = kernel.to_layout(Distribution.row_blocks(comm, kernel.shape))
    bounds = rows.distribution.maps[0].bounds
    for q in range(comm.Get_size()):
        chunk = _comm.bcast_array(comm, rows.local if comm.Get_rank() == q else None, root=q)
        yield int(bounds[q]), chunk


def _convolve_blocks(big: DistArray, kernel: Any, m: int, mode: str, dtype: np.dtype) -> DistArray:
    """``np.convolve(big, kernel, mode)`` for ``len(big) >= m``, laid out like ``big``.

    Output element ``i`` is full-convolution element ``k = i + off``; it needs
    ``big[k - m + 1 : k + 1]``, so each rank widens its block by ``m - 1``
    elements on the left (per kernel chunk ``[c0, c0 + lc)``: the elements
    ``[k - c0 - lc + 1, k - c0]``).
    """
    big = blocked(big, 0)
    dist = big.distribution
    n = big.shape[0]
    off, L = _mode_window(mode, n, m)
    b = block_bounds(dist, 0)
    out_bounds = np.clip(b - off, 0, L)
    out_bounds[-1] = L
    layout = output_layout(dist, 0, L, out_bounds)
    q = dist.axis_coord(0)
    k0, k1 = int(out_bounds[q]) + off, int(out_bounds[q + 1]) + off
    out = np.zeros(k1 - k0, dtype=dtype)
    failures = _comm.LocalFailures(big.comm, fp="convolve")
    for c0, chunk in _kernel_chunks(kernel, big.comm):
        lc = chunk.shape[0]
        ranges = clip_ranges([(out_bounds[p] + off - c0 - lc + 1, out_bounds[p + 1] + off - c0)
                              for p in range(len(b) - 1)], n)
        ext = stretch(big, 0, ranges).local
        e0 = ranges[q][0]
        failures.run(lambda: _accumulate(out, ext, chunk, k0 - e0 - c0))
    failures.agree()
    return DistArray._new(out, layout)


def _accumulate(out: np.ndarray, ext: np.ndarray, chunk: np.ndarray, shift: int) -> None:
    """``out[j] += full_convolve(ext, chunk)[j + shift]`` where that index exists."""
    if out.size == 0 or ext.size == 0 or chunk.size == 0:
        return
    part = np.convolve(ext, chunk)
    lo, hi = max(0, -shift), min(out.size, part.size - shift)
    if hi > lo:
        out[lo:hi] += part[lo + shift:hi + shift]


def _as_big(x: Any, comm: Any) -> DistArray:
    """The long operand as a DistArray (a NumPy one is held whole on every rank: replicated)."""
    return x if isinstance(x, DistArray) else DistArray._new(x, Distribution.replicated_on(comm, x.shape))


def _comm_of(*xs: Any) -> Any:
    return next(x.comm for x in xs if isinstance(x, DistArray))


def _conj(x: Any) -> Any:
    return np.conjugate(x) if x.dtype.kind == "c" else x


@implements(np.convolve)
def convolve(a, v, mode="full"):
    """``np.convolve``: the longer operand stays distributed, the shorter is the kernel.

    Communication: a halo of ``len(kernel) - 1`` elements per rank (see the
    module docstring for long DistArray kernels).
    """
    comm = _comm_of(a, v)
    a, v = _operand(a), _operand(v)
    dtype = np.convolve(_probe(a), _probe(v), mode).dtype  # NumPy's errors and result dtype
    mode = _mode_name(np.convolve, mode)
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    return _convolve_blocks(_as_big(a, comm), v, v.shape[0], mode, dtype)


@implements(np.correlate)
def correlate(a, v, mode="valid"):
    """``np.correlate``: ``convolve(a, conj(v)[::-1])``; reversed when ``v`` is the longer one, as NumPy does.

    Communication: as :func:`convolve`, plus one reversal of the result when
    ``len(v) > len(a)``.
    """
    comm = _comm_of(a, v)
    a, v = _operand(a), _operand(v)
    dtype = np.correlate(_probe(a), _probe(v), mode).dtype
    mode = _mode_name(np.correlate, mode)
    if v.shape[0] <= a.shape[0]:
        return _convolve_blocks(_as_big(a, comm), np.flip(_conj(v)), v.shape[0], mode, dtype)
    # NumPy correlates conj(v) with a and reverses the result.
    out = _convolve_blocks(_as_big(_conj(v), comm), np.flip(a), a.shape[0], mode, dtype)
    return np.flip(out)


# --------------------------------------------------------------------------
# Sliding windows
# --------------------------------------------------------------------------


@implements(np.lib.stride_tricks.sliding_window_view)
def sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    """``sliding_window_view``: each rank's block widened by ``window - 1`` lines, then a local view.

    The result is laid out like ``x`` along every windowed axis (a window lives
    with its first element); the window axes are whole on every rank.  With
    ``writeable=True`` the local view is writeable but, unlike NumPy's, it does
    not share memory with ``x`` (the halo is a copy).

    Communication: one halo exchange per distinct windowed axis.
    """
    shape = np.lib.stride_tricks.sliding_window_view(shape_standin(x.shape), window_shape, axis).shape
    window_shape = tuple(window_shape) if np.iterable(window_shape) else (window_shape,)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
    work, out_maps = x, {}
    for ax in dict.fromkeys(axes):
        reach = sum(w - 1 for a, w in zip(axes, window_shape) if a == ax)
        work, out_maps[ax] = _widen_for_windows(work, ax, shape[ax], reach)
    layout = work.distribution.extended(window_shape)
    maps = [out_maps.get(i, m) for i, m in enumerate(layout.maps)]
    layout = layout.with_maps(maps, layout.axis_grid)
    local = work.local
    if any(n == 0 for n in layout.local_shape):
        view = np.empty(layout.local_shape, dtype=x.dtype)
    else:
        view = np.lib.stride_tricks.sliding_window_view(local, window_shape, axes, writeable=writeable)
    return DistArray._new(view, layout)


def _output_bounds(dist: Distribution, axis: int, n_out: int) -> np.ndarray:
    bounds = np.minimum(block_bounds(dist, axis), n_out)
    bounds[-1] = n_out
    return bounds


def _output_map(dist: Distribution, axis: int, n_out: int) -> Any:
    if dist.axis_grid[axis] is None:
        return NoDistMap(n_out)
    return BlockMap(n_out, grid_extent(dist, axis), _output_bounds(dist, axis, n_out))


def _widen_for_windows(x: DistArray, axis: int, n_out: int, reach: int) -> tuple[DistArray, Any]:
    """``x`` stretched so each grid coordinate holds the inputs of its outputs along ``axis``, and their map.

    Outputs are blocks at the input's block starts (a window lives with its first element).
    """
    x = blocked(x, axis)
    bounds = _output_bounds(x.distribution, axis, n_out)
    ranges = clip_ranges([(bounds[q], bounds[q + 1] + reach if bounds[q + 1] > bounds[q] else bounds[q])
                          for q in range(len(bounds) - 1)], x.shape[axis])
    return stretch(x, axis, ranges), _output_map(x.distribution, axis, n_out)
