"""Signals: convolve, correlate, sliding_window_view, gradient, trapezoid, unwrap.

Each works on a rank's block along the signal axis widened by a halo (see
``_halo``): the few neighbouring lines a stencil reaches.  Results are laid out
like the input along that axis (an output element lives with the input element
its window starts at), so no data moves except the halos.

Communication: halos only (one exchange of the missing lines per axis); a
convolution kernel that is a DistArray is gathered when its global size is at
most ``SMALL_KERNEL`` elements; a longer one is convolved by distributed FFTs
(inexact dtypes: three transforms, each a few all-to-alls) or broadcast chunk by
chunk (integers, exact: one chunk per rank, with one halo exchange each); ``trapezoid`` adds one ordered
reduction of per-rank partial sums, ``unwrap`` one distributed cumulative sum.
"""

from __future__ import annotations

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
    out = None
    failures = _comm.LocalFailures(big.comm, fp="convolve")
    for c0, chunk in _kernel_chunks(kernel, big.comm):
        lc = chunk.shape[0]
        ranges = clip_ranges([(out_bounds[p] + off - c0 - lc + 1, out_bounds[p + 1] + off - c0)
                              for p in range(len(b) - 1)], n)
        ext = stretch(big, 0, ranges).local
        e0 = ranges[q][0]
        if lc == m:  # the whole kernel at once: the result is a slice of the local convolution (no extra copy)
            out = failures.run(lambda: _whole_kernel(ext, chunk, k0 - e0, k1 - k0, dtype))
            continue
        if out is None:
            out = np.zeros(k1 - k0, dtype=dtype)
        failures.run(lambda: _accumulate(out, ext, chunk, k0 - e0 - c0))
    failures.agree()
    return DistArray._new(out, layout)


def _convolve_any(big: DistArray, kernel: Any, mode: str, dtype: np.dtype) -> DistArray:
    """Direct convolution with halos, or by FFT when both operands are long DistArrays of an inexact dtype.

    Direct work is O(len(big) len(kernel) / P); the distributed FFTs take
    O(L log L / P) for L = len(big) + len(kernel) - 1, at the price of FFT
    rounding (error relative to the magnitudes, not to each output).  Integer
    results, and operands holding an infinity or NaN, stay direct (exact, and
    NumPy's non-finite pattern).
    """
    m = kernel.shape[0]
    if isinstance(kernel, DistArray) and m > SMALL_KERNEL and dtype.kind in "fc":
        # an infinity or NaN would spread over every FFT output: those operands stay direct, as NumPy sums
        nonfinite = not (np.isfinite(big.local).all() and np.isfinite(kernel.local).all())
        if not _comm.any_rank(big.comm, nonfinite):
            return _convolve_fft(big, kernel, mode, dtype)
    return _convolve_blocks(big, kernel, m, mode, dtype)


def _convolve_fft(a: DistArray, v: DistArray, mode: str, dtype: np.dtype) -> DistArray:
    """``np.convolve(a, v, mode)`` (``len(a) >= len(v)``) as a product of distributed FFTs."""
    n, m = a.shape[0], v.shape[0]
    size = n + m - 1
    if dtype.kind == "c":
        full = np.fft.ifft(np.fft.fft(a, size) * np.fft.fft(v, size))
    else:
        full = np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(v, size), size)
    off, length = _mode_window(mode, n, m)
    return full[off:off + length].astype(dtype, copy=False)


def _whole_kernel(ext: np.ndarray, kernel: np.ndarray, shift: int, length: int, dtype: np.dtype) -> np.ndarray:
    """``full_convolve(ext, kernel)[shift:shift + length]`` (every output has at least one term in ``ext``)."""
    if length == 0 or ext.size == 0:
        return np.zeros(length, dtype)
    return np.convolve(ext, kernel)[shift:shift + length]


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
    return _convolve_any(_as_big(a, comm), v, mode, dtype)


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
        return _convolve_any(_as_big(a, comm), np.flip(_conj(v)), mode, dtype)
    # NumPy correlates conj(v) with a and reverses the result.
    return np.flip(_convolve_any(_as_big(_conj(v), comm), np.flip(a), mode, dtype))


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
        view.flags.writeable = bool(writeable)  # read-only like NumPy's view, on every rank
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


# --------------------------------------------------------------------------
# Gradient, trapezoid, unwrap: stencils of reach one or two along an axis
# --------------------------------------------------------------------------


def _clipped_probe(x: Any, keep: int) -> np.ndarray:
    """Zeros with ``x``'s dtype and ndim, each length clipped to ``keep`` (NumPy's size checks still bite)."""
    return np.zeros(tuple(min(n, keep) for n in np.shape(x)), dtype=x.dtype)


def _uniform(v: Any) -> bool:
    """NumPy's "constant distances" test of 1-d coordinates, over the whole array (collective for a DistArray)."""
    if np.shape(v)[0] < 2:
        return True
    if not isinstance(v, DistArray):
        v = np.asarray(v)
    if np.issubdtype(v.dtype, np.integer):
        v = v.astype(np.float64)
    dv = np.diff(v)
    return bool(np.all(dv == dv[0]))


def _spacing_probe(v: Any, length: int | None, probe_length: int) -> Any:
    """A probe of one ``gradient`` spacing argument: scalars as they are, 1-d coordinates shortened alike.

    The probe keeps whether the coordinates are evenly spaced: NumPy takes
    another formula then (which, for booleans, raises).
    """
    if np.ndim(v) != 1 or length is None:
        return v if not isinstance(v, DistArray) else _clipped_probe(v, 2)
    dt = v.dtype if isinstance(v, DistArray) else np.asarray(v).dtype
    n = np.shape(v)[0]
    if n != length:
        return np.arange(probe_length + 1, dtype=dt)
    return np.arange(probe_length, dtype=dt) ** (1 if _uniform(v) else 2)


def _gradient_probe(f: DistArray, varargs: tuple, axis: Any, edge_order: Any) -> Any:
    """NumPy's gradient on a clipped stand-in: its errors (raised alike everywhere) and result dtypes."""
    probe = _clipped_probe(f, 3)
    try:
        axes = tuple(range(f.ndim)) if axis is None else normalize_axis_tuple(axis, f.ndim)
    except (TypeError, ValueError):
        axes = ()
    spacing = [_spacing_probe(v, f.shape[axes[i]] if i < len(axes) and len(varargs) == len(axes) else None,
                              probe.shape[axes[i]] if i < len(axes) else 0) for i, v in enumerate(varargs)]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.gradient(probe, *spacing, axis=axis, edge_order=edge_order), axes


def _coordinates(v: Any, fb: DistArray, axis: int, ranges: list) -> Any:
    """The part of one spacing argument this rank's window uses (a scalar passes unchanged)."""
    if np.ndim(v) == 0:
        return v
    if not isinstance(v, DistArray):
        lo, hi = ranges[fb.distribution.axis_coord(axis)]
        return np.asarray(v)[lo:hi]
    return stretch(v.to_layout(fb.distribution.select_axes([axis])), 0, ranges).local


def _stencil_ranges(bounds: np.ndarray, n: int, points: int) -> list:
    """Windows for a centred stencil of reach 1 whose one-sided ends use ``points`` points."""
    ranges = []
    for s, e in zip(bounds[:-1], bounds[1:]):
        if e == s:
            ranges.append((s, s))
            continue
        lo, hi = s - 1, e + 1
        if s == 0:
            hi = max(hi, points)
        if e == n:
            lo = min(lo, n - points)
        ranges.append((lo, hi))
    return clip_ranges(ranges, n)


@implements(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    """``np.gradient``: per axis, each block widened by the stencil's reach, then NumPy's formula locally.

    Results are laid out like ``f``.  With 1-d coordinates NumPy decides
    "uniform spacing" over the whole axis and this over each window: the
    values then differ by rounding only.

    Communication: one halo exchange per axis (and one of each DistArray coordinate array).
    """
    f = _as_big(f, _comm_of(f, *varargs)) if not isinstance(f, DistArray) else f
    expected, axes = _gradient_probe(f, varargs, axis, edge_order)
    dtypes = [r.dtype for r in expected] if isinstance(expected, tuple) else [expected.dtype]
    spacing = list(varargs) * len(axes) if len(varargs) == 1 and len(axes) > 1 else list(varargs)
    points = 2 if edge_order == 1 else 3
    failures = _comm.LocalFailures(f.comm, fp="gradient")
    out = []
    for i, ax in enumerate(axes):
        fb = blocked(f, ax)
        bounds = block_bounds(fb.distribution, ax)
        ranges = _stencil_ranges(bounds, f.shape[ax], points)
        ext = stretch(fb, ax, ranges).local
        coords = _coordinates(spacing[i], fb, ax, ranges) if spacing else 1.0
        if ext.dtype == np.bool_ and np.ndim(coords) == 1:  # uneven: NumPy's formula multiplies, no bool subtract
            ext = ext.astype(np.float64)
        q = fb.distribution.axis_coord(ax)
        start = int(bounds[q]) - ranges[q][0]
        local = failures.run(lambda: _gradient_local(ext, coords, ax, edge_order, start, fb.local.shape, dtypes[i]))
        if local is None:
            local = np.empty(fb.local.shape, dtypes[i])
        out.append(DistArray._new(local, fb.distribution))
    failures.agree()
    out = [r.to_layout(f.distribution) for r in out]
    return tuple(out) if isinstance(expected, tuple) else out[0]


def _gradient_local(ext, coords, axis, edge_order, start, shape, dtype) -> np.ndarray:
    if 0 in shape:
        return np.empty(shape, dtype)
    full = np.gradient(ext, coords, axis=axis, edge_order=edge_order)
    key = [slice(None)] * ext.ndim
    key[axis] = slice(start, start + shape[axis])
    return full[tuple(key)]


def _trapezoid_fast(y: Any, x: Any, dx: Any, axis: Any) -> bool:
    """Whether the halo path applies: a DistArray ``y``, scalar ``dx``, ``x`` absent or matching ``y``."""
    if not isinstance(y, DistArray) or y.ndim == 0 or np.ndim(dx) != 0:
        return False
    if not isinstance(axis, (int, np.integer)) or not -y.ndim <= axis < y.ndim:
        return False
    return x is None or np.shape(x) == y.shape or (np.ndim(x) == 1 and np.shape(x)[0] == y.shape[axis])


@implements(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """``np.trapezoid``: each rank sums its intervals (its block plus one line), then one ordered sum.

    Unusual spellings (array ``dx``, ``x`` broadcast against ``y``) run
    NumPy's own formula on the DistArrays.

    Communication: a halo of one line, then the reduction of one partial per rank along the axis.
    """
    if not _trapezoid_fast(y, x, dx, axis):
        return _trapezoid_formula(y, x, dx, axis)
    ax = normalize_axis_index(axis, y.ndim)
    yb = blocked(y, ax)
    bounds = block_bounds(yb.distribution, ax)
    ranges = clip_ranges([(s, e + 1 if e > s else s) for s, e in zip(bounds[:-1], bounds[1:])], y.shape[ax])
    ext = stretch(yb, ax, ranges).local
    xs = None if x is None else _trapezoid_x(x, yb, ax, ranges)
    partial = _comm.agreed_call(y.comm, lambda: np.trapezoid(ext, x=xs, dx=dx, axis=ax), fp="trapezoid")
    partial = np.expand_dims(np.asarray(partial), ax)
    dist = yb.distribution
    G = grid_extent(dist, ax)
    maps = list(dist.maps)
    maps[ax] = NoDistMap(1) if dist.axis_grid[ax] is None else BlockMap(G, G)
    partials = DistArray._new(partial, dist.with_maps(maps, dist.axis_grid))
    return np.sum(partials, axis=ax)


def _trapezoid_x(x: Any, yb: DistArray, axis: int, ranges: list) -> np.ndarray:
    """This rank's window of the sample points (1-d along the axis, or shaped like ``y``)."""
    if np.ndim(x) == 1:  # coordinates along the axis
        return _coordinates(x, yb, axis, ranges)
    if not isinstance(x, DistArray):
        x = DistArray._new(aligned_block(np.asarray(x), yb.distribution), yb.distribution)
    return stretch(x.to_layout(yb.distribution), axis, ranges).local


def _trapezoid_formula(y: Any, x: Any, dx: Any, axis: Any) -> Any:
    """NumPy's trapezoid formula, written on (Dist)arrays so each step dispatches natively."""
    y = y if isinstance(y, DistArray) else np.asanyarray(y)
    if x is None:
        d = dx
    else:
        x = x if isinstance(x, DistArray) else np.asanyarray(x)
        if x.ndim == 1:
            d = np.diff(x)
            shape = [1] * y.ndim
            shape[axis] = d.shape[0]
            d = d.reshape(shape)
        else:
            d = np.diff(x, axis=axis)
    slice1 = [slice(None)] * y.ndim
    slice2 = [slice(None)] * y.ndim
    slice1[axis] = slice(1, None)
    slice2[axis] = slice(None, -1)
    return np.sum(d * (y[tuple(slice1)] + y[tuple(slice2)]) / 2.0, axis=axis)


@implements(np.unwrap)
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """``np.unwrap``: local corrections from each block plus one line, a distributed cumulative sum.

    Communication: a halo of one line, then the cumulative sum's scan of block totals.
    """
    dtype = np.unwrap(_clipped_probe(p, 2), discont, axis, period=period).dtype
    ax = normalize_axis_index(axis, p.ndim)
    pb = blocked(p, ax)
    bounds = block_bounds(pb.distribution, ax)
    ranges = clip_ranges([(s - 1, e) if e > s else (s, s) for s, e in zip(bounds[:-1], bounds[1:])], p.shape[ax])
    ext = stretch(pb, ax, ranges).local
    first = bool(pb.local.shape[ax]) and int(bounds[pb.distribution.axis_coord(ax)]) == 0
    correction = _comm.agreed_call(p.comm, lambda: _corrections(ext, discont, ax, period, first), fp="unwrap")
    total = aligned_block(np.cumsum(DistArray._new(correction, pb.distribution), axis=ax), pb.distribution)
    up = _comm.agreed_call(p.comm, lambda: _unwrapped(pb.local, total, ax, dtype, first), fp="unwrap")
    return DistArray._new(up, pb.distribution).to_layout(p.distribution)


def _corrections(ext: np.ndarray, discont: Any, axis: int, period: Any, first: bool) -> np.ndarray:
    """NumPy's phase corrections of each step inside ``ext``, a zero for the array's first line."""
    dd = np.diff(ext, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(dd, period)
    if np.issubdtype(dtype, np.integer):
        interval_high, rem = divmod(period, 2)
        boundary_ambiguous = rem == 0
    else:
        interval_high = period / 2
        boundary_ambiguous = True
    interval_low = -interval_high
    ddmod = np.mod(dd - interval_low, period) + interval_low
    if boundary_ambiguous:
        np.copyto(ddmod, interval_high, where=(ddmod == interval_low) & (dd > 0))
    ph_correct = ddmod - dd
    np.copyto(ph_correct, 0, where=abs(dd) < discont)
    if first:
        zero = np.zeros_like(np.take(ph_correct, [0], axis=axis) if ph_correct.shape[axis] else
                             np.empty(_one_line(ext.shape, axis), ph_correct.dtype))
        ph_correct = np.concatenate([zero, ph_correct], axis=axis)
    return ph_correct


def _one_line(shape: tuple, axis: int) -> tuple:
    return shape[:axis] + (1,) + shape[axis + 1:]


def _unwrapped(local: np.ndarray, total: np.ndarray, axis: int, dtype: np.dtype, first: bool) -> np.ndarray:
    up = np.asarray(local + total).astype(dtype, copy=False)
    if first:  # NumPy leaves the first line as it is (only cast): no "+ 0" on it (keeps -0.0)
        key = [slice(None)] * local.ndim
        key[axis] = slice(0, 1)
        up[tuple(key)] = local[tuple(key)]
    return up
