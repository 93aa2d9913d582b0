"""``np.fft``: transforms along whole axes, made whole by a pencil transposition when distributed.

A transform along an axis that is not distributed runs on each rank's block
(no communication).  Along a distributed axis, one Alltoallv re-lays the
array so that the axis is whole and another axis carries the distribution
(a "pencil"), NumPy transforms the blocks, and the result goes back to the
caller's layout with one more Alltoallv only at the end of a multi-axis
transform (consecutive axes reuse the pencil when they can).  A distributed
one-dimensional array (nothing else to carry the distribution) uses the
four-step algorithm: view as ``N1 x N2``, transform the columns, twiddle,
transform the rows, transpose (Bailey 1990).  Lengths without a usable
split -- primes, and large lengths whose smaller factor is below the rank
count, such as ``2 * prime`` -- use Bluestein's chirp-z algorithm on top of
it (a circular convolution of power-of-two length ``m >= 2n - 1`` done with
three four-step transforms; see :func:`_bluestein`), so fft/ifft/rfft/irfft/
hfft/ihfft of a distributed 1-d array never fall back, for any ``n=`` and
``norm=``.  Accuracy against NumPy: about 2e-15 of the largest magnitude in
float64 (single precision is computed in double and cast back).

``fftfreq``/``rfftfreq`` create distributed arrays with purely local work.
``fftshift``/``ifftshift`` are ``np.roll``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, CyclicMap, Map, NoDistMap
from ..redistribute import redistribute_local
from .linalg import _comm_of, as_dist, layout
from .registry import implements
from .ufuncs import _store, run_checked

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "ortho", "forward")
_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _check_norm(norm: Any) -> None:
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')


def _check_n(n: int) -> None:
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")


def _remap(m: Map, n: int) -> Map:
    """The caller's kind of map for a transformed axis of new length ``n``."""
    if isinstance(m, NoDistMap):
        return NoDistMap(n)
    if isinstance(m, CyclicMap):
        return CyclicMap(n, m.grid_size, m.block_size)
    if isinstance(m, BlockMap) and m.size == n:
        return m
    return BlockMap(n, m.grid_size)


def _pencil(d: Distribution, axis: int) -> Distribution:
    """A layout with ``axis`` whole and the largest other axis in blocks over all ranks."""
    P = d.nprocs
    others = [i for i in range(d.ndim) if i != axis]
    if not others:
        return Distribution._from_maps(d.comm, [NoDistMap(n) for n in d.shape], (P,), (None,) * d.ndim)
    big = max(others, key=lambda i: d.shape[i])
    maps: list[Map] = [NoDistMap(n) for n in d.shape]
    if P > 1:
        maps[big] = BlockMap(d.shape[big], P)
    return Distribution._from_maps(d.comm, maps, (P,), tuple(0 if i == big and P > 1 else None
                                                               for i in range(d.ndim)))


def _whole(d: Distribution, axis: int) -> bool:
    return d.axis_grid[axis] is None or (d.maps[axis].grid_size == 1 and d.maps[axis].dist_type != "u")


def _local_step(x: DistArray, axis: int, func: Any, n: int, norm: Any) -> DistArray:
    """One 1-d transform along ``axis`` (made whole first if needed); returns the pencil-layout result."""
    d = x.distribution
    local = x.local
    if not _whole(d, axis):
        nd_ = _pencil(d, axis)
        local = redistribute_local(local, d, nd_)
        d = nd_
    out = run_checked(d.comm, func.__name__, lambda: func(local, n=n, axis=axis, norm=norm))
    maps = list(d.maps)
    maps[axis] = NoDistMap(out.shape[axis])
    return DistArray._new(out, d.with_maps(maps, d.axis_grid))


def _to_layout(x: DistArray, target: Distribution) -> DistArray:
    if x.distribution == target:
        return x
    d = x.distribution
    if d.nprocs == 1 and all(np.array_equal(d.local_indices(a), target.local_indices(a)) for a in range(d.ndim)):
        return DistArray._new(x.local, target)  # one rank, same element order: only the maps' names differ
    return DistArray._new(redistribute_local(x.local, d, target), target)


def _final_layout(orig: Distribution, shape: tuple[int, ...]) -> Distribution:
    maps = [_remap(m, n) if m.size != n or m.dist_type == "u" else m for m, n in zip(orig.maps, shape)]
    return orig.with_maps(maps, orig.axis_grid)


# --------------------------------------------------------------------------
# Distributed 1-d arrays: the four-step algorithm
# --------------------------------------------------------------------------


def _split(N: int) -> tuple[int, int] | None:
    best = None
    for f in range(2, int(np.sqrt(N)) + 1):
        if N % f == 0:
            best = f
    return (best, N // best) if best else None


def _c2c_1d(x: DistArray, inverse: bool, norm: Any) -> DistArray:
    """Complex transform of a distributed 1-d array of composite length (four-step)."""
    N = x.shape[0]
    N1, N2 = _split(N)
    M = np.reshape(x, (N1, N2))
    func = np.fft.ifft if inverse else np.fft.fft
    Y = _local_step(M, 0, func, N1, norm)  # Y[k1, n2]
    d = Y.distribution
    k1 = d.local_indices(0)[:, None]
    n2 = d.local_indices(1)[None, :]
    sign = 1.0 if inverse else -1.0
    tw = np.exp(sign * 2j * np.pi * ((k1 * n2) % N) / N).astype(Y.dtype)
    Y = DistArray._new(run_checked(d.comm, "fft", lambda: Y.local * tw), d)
    Z = _local_step(Y, 1, func, N2, norm)  # Z[k1, k2]
    return np.reshape(np.transpose(Z), (N,))


#: Below this length an unbalanced four-step split (smaller factor < ranks) is still used: the
#: imbalance costs less than Bluestein's three padded transforms.
_BALANCE_MIN = 1 << 16


def _usable_split(N: int, P: int) -> tuple[int, int] | None:
    """The four-step split of ``N``, or None when Bluestein is the better road.

    None for lengths without a factor (primes, 1) and for large lengths whose
    smaller factor is below the number of ranks (e.g. ``2 * prime``): the
    second pencil step would leave ranks empty and others with ``N / N1``
    elements.
    """
    sp = _split(N)
    if sp is None or (sp[0] < P and N >= _BALANCE_MIN):
        return None
    return sp


def _chirp(idx: np.ndarray, n: int, sign: float) -> np.ndarray:
    """``exp(sign * i * pi * j**2 / n)`` at global indices ``idx`` (``j**2`` reduced mod ``2n``: exact phase)."""
    j = idx.astype(np.int64) % (2 * n)
    return np.exp(sign * 1j * np.pi * ((j * j) % (2 * n)) / n)


def _bluestein(x: DistArray, inverse: bool, norm: Any) -> DistArray:
    """Complex transform of a distributed 1-d array of any length by Bluestein's chirp-z algorithm.

    ``X[k] = c[k] * sum_j (x[j] c[j]) conj(c[k - j])`` with the chirp
    ``c[j] = exp(-+ i pi j^2 / n)`` turns the length-``n`` transform into a
    circular convolution of length ``m`` (the next power of two >= ``2n - 1``),
    done with the four-step transform: forward transforms of the chirped,
    zero-padded input and of the chirp filter (each rank computes its own
    filter elements), an elementwise product, an inverse transform, the
    chirp again, and the first ``n`` elements.  Works in complex128 (the
    caller casts single precision back).  Every array involved is laid out
    like the padded input, so the elementwise steps move nothing.

    Communication: three four-step transforms of length ``m`` (about four
    Alltoallv each), plus the padding and the final cut (one each).
    """
    n = x.shape[0]
    sign = 1.0 if inverse else -1.0
    m = 1 << max(2, (2 * n - 2).bit_length())
    d = x.distribution
    a = DistArray._new(run_checked(d.comm, "fft", lambda: x.local.astype(np.complex128)
                                   * _chirp(d.local_indices(0), n, sign)), d)
    a = np.pad(a, (0, m - n))
    da = a.distribution
    j = da.local_indices(0)
    filt = np.zeros(j.size, np.complex128)
    lo, hi = j < n, j > m - n
    filt[lo] = _chirp(j[lo], n, -sign)
    filt[hi] = _chirp(m - j[hi], n, -sign)
    fa = _c2c_1d(a, False, "backward")
    fb = _c2c_1d(DistArray._new(filt, da), False, "backward")
    if fb.distribution != fa.distribution:  # same path, same layout; guard against future changes
        fb = _to_layout(fb, fa.distribution)
    product = run_checked(fa.comm, "fft", lambda: fa.local * fb.local)
    conv = _c2c_1d(DistArray._new(product, fa.distribution), True, "backward")
    y = conv[:n]
    dy = y.distribution
    scale = {"ortho": 1.0 / np.sqrt(n)}.get(norm, 1.0)
    if (norm in (None, "backward") and inverse) or (norm == "forward" and not inverse):
        scale = 1.0 / n
    return DistArray._new(run_checked(dy.comm, "fft", lambda: y.local * (_chirp(dy.local_indices(0), n, sign) * scale)),
                          dy)


def _c2c_any(x: DistArray, inverse: bool, norm: Any) -> DistArray:
    """Complex transform of a distributed 1-d array: four-step when the length splits well, else Bluestein."""
    N = x.shape[0]
    if _usable_split(N, x.comm.Get_size()) is not None:
        return _c2c_1d(x, inverse, norm)
    single = x.dtype == np.complex64
    y = _bluestein(x, inverse, norm)
    return y.astype(np.complex64) if single else y


def _resize(x: DistArray, axis: int, n: int) -> DistArray:
    """Crop or zero-pad ``axis`` to ``n`` (as NumPy's ``n=`` does)."""
    m = x.shape[axis]
    if n == m:
        return x
    if n < m:
        key = [slice(None)] * x.ndim
        key[axis] = slice(0, n)
        return x[tuple(key)]
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, n - m)
    return np.pad(x, pad)


def _one_d(x: DistArray, kind: str, n: int, norm: Any) -> DistArray:
    """1-d distributed transforms (four-step, or Bluestein for lengths without a usable split)."""
    if kind in ("fft", "ifft"):
        y = _resize(x, 0, n)
        y = y.astype(np.result_type(y.dtype, np.complex64)) if y.dtype.kind != "c" else y
        if y.dtype == np.complex64 and x.dtype not in (np.float32, np.complex64):
            y = y.astype(np.complex128)
        return _c2c_any(y, kind == "ifft", norm)
    if kind == "rfft":
        full = _one_d(x, "fft", n, norm)
        return full[: n // 2 + 1]
    if kind == "irfft":
        h = n // 2 + 1
        X = _resize(x, 0, h)
        tail = np.conjugate(np.flip(X[1:n - h + 1])) if n - h > 0 else None
        Y = np.concatenate([X, tail]) if tail is not None else X
        return np.real(_c2c_any(Y.astype(np.result_type(Y.dtype, np.complex64)), True, norm))
    raise AssertionError(kind)


# --------------------------------------------------------------------------
# The generic multi-axis driver
# --------------------------------------------------------------------------

_FUNCS = {"fft": np.fft.fft, "ifft": np.fft.ifft, "rfft": np.fft.rfft, "irfft": np.fft.irfft}


def _transform(a: Any, steps: list[tuple[int, str, int]], norm: Any, np_func: Any, np_args: tuple,
               np_kwargs: dict, out: Any = None) -> Any:
    """Apply 1-d transforms ``(axis, kind, n)`` in order; back to the caller's layout at the end."""
    _check_norm(norm)
    x = as_dist(a, _comm_of(a))
    orig = x.distribution
    for axis, kind, n in steps:
        _check_n(n)
        if x.ndim == 1 and not _whole(x.distribution, 0) and x.comm.Get_size() > 1:
            x = _one_d(x, kind, n, norm)
        elif x.ndim > 1 and not _whole(x.distribution, axis) and all(
                x.shape[i] == 1 for i in range(x.ndim) if i != axis):
            flat = np.reshape(x, (x.shape[axis],))
            y = _one_d(flat, kind, n, norm)
            shape = list(x.shape)
            shape[axis] = y.shape[0]
            x = np.reshape(y, tuple(shape))
        else:
            x = _local_step(x, axis, _FUNCS[kind], n, norm)
    result = _to_layout(x, _final_layout(orig, x.shape))
    return _store(out, result) if out is not None else result


def _axis_n(a: Any, n: Any, axis: int, default: int) -> tuple[int, int]:
    ax = normalize_axis_index(axis, np.ndim(a))
    return ax, (default if n is None else int(n))


def _len(a: Any, axis: int) -> int:
    return np.shape(a)[normalize_axis_index(axis, np.ndim(a))]


@implements(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.fft``: local along a whole axis; a pencil transposition (or four-step for 1-d) otherwise.

    Communication: none when the axis is whole; else one Alltoallv to the
    pencil and one back (four-step: about four).
    """
    ax, n = _axis_n(a, n, axis, _len(a, axis))
    return _transform(a, [(ax, "fft", n)], norm, np.fft.fft, (a,), {"n": n, "axis": axis, "norm": norm}, out)


@implements(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.ifft`` (see :func:`fft`)."""
    ax, n = _axis_n(a, n, axis, _len(a, axis))
    return _transform(a, [(ax, "ifft", n)], norm, np.fft.ifft, (a,), {"n": n, "axis": axis, "norm": norm}, out)


@implements(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.rfft`` (see :func:`fft`)."""
    if np.iscomplexobj(a):
        raise TypeError("ufunc 'rfft_n_even' did not contain a loop with signature matching types")
    ax, n = _axis_n(a, n, axis, _len(a, axis))
    return _transform(a, [(ax, "rfft", n)], norm, np.fft.rfft, (a,), {"n": n, "axis": axis, "norm": norm}, out)


@implements(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.irfft`` (see :func:`fft`)."""
    ax, n = _axis_n(a, n, axis, 2 * (_len(a, axis) - 1))
    return _transform(a, [(ax, "irfft", n)], norm, np.fft.irfft, (a,), {"n": n, "axis": axis, "norm": norm}, out)


@implements(np.fft.hfft)
def hfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.hfft``: ``irfft(conj(a))`` with the opposite normalisation."""
    _check_norm(norm)
    ax, n = _axis_n(a, n, axis, 2 * (_len(a, axis) - 1))
    x = as_dist(a, _comm_of(a))
    return irfft(np.conjugate(x), n, ax, _SWAP[norm], out)


@implements(np.fft.ihfft)
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.ihfft``: ``conj(rfft(a))`` with the opposite normalisation."""
    _check_norm(norm)
    ax, n = _axis_n(a, n, axis, _len(a, axis))
    result = np.conjugate(rfft(a, n, ax, _SWAP[norm]))
    return _store(out, result) if out is not None else result


def _axes_s(a: Any, s: Any, axes: Any, last_default: Any = None) -> tuple[list[int], list[int | None]]:
    nd_ = np.ndim(a)
    if axes is None:
        axes = list(range(nd_)) if s is None else list(range(nd_ - len(s), nd_))
    else:
        axes = [normalize_axis_index(int(i), nd_) for i in (axes if np.ndim(axes) else [axes])]
    if s is None:
        s = [None] * len(axes)
    else:
        s = list(s)
        if len(s) != len(axes):
            raise ValueError("Shape and axes have different lengths.")
        s = [None if v == -1 else int(v) for v in s]
    return axes, s


def _nd(kind: str, a: Any, s: Any, axes: Any, norm: Any, out: Any, np_func: Any) -> Any:
    ax, sz = _axes_s(a, s, axes)
    shape = np.shape(a)
    kw = {"s": s, "axes": axes, "norm": norm}
    # Axes in NumPy's order (the last one first), so rounding matches NumPy's.
    if kind in ("fft", "ifft"):
        steps = [(i, kind, shape[i] if n is None else n) for i, n in zip(ax, sz)][::-1]
    elif kind == "rfft":
        if not ax:
            raise ValueError("at least 1 axis must be transformed")
        steps = [(ax[-1], "rfft", shape[ax[-1]] if sz[-1] is None else sz[-1])]
        steps += [(i, "fft", shape[i] if n is None else n) for i, n in zip(ax[:-1], sz[:-1])][::-1]
    else:  # irfft
        if not ax:
            raise ValueError("at least 1 axis must be transformed")
        steps = [(i, "ifft", shape[i] if n is None else n) for i, n in zip(ax[:-1], sz[:-1])][::-1]
        steps.append((ax[-1], "irfft", 2 * (shape[ax[-1]] - 1) if sz[-1] is None else sz[-1]))
    return _transform(a, steps, norm, np_func, (a,), kw, out)


@implements(np.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    """``np.fft.fftn``: 1-d transforms axis after axis (pencils reused; back to the caller's layout once)."""
    return _nd("fft", a, s, axes, norm, out, np.fft.fftn)


@implements(np.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    """``np.fft.ifftn`` (see :func:`fftn`)."""
    return _nd("ifft", a, s, axes, norm, out, np.fft.ifftn)


@implements(np.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    """``np.fft.rfftn``: rfft along the last axis, then complex transforms along the others."""
    return _nd("rfft", a, s, axes, norm, out, np.fft.rfftn)


@implements(np.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    """``np.fft.irfftn``: complex inverse transforms, then irfft along the last axis."""
    return _nd("irfft", a, s, axes, norm, out, np.fft.irfftn)


@implements(np.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.fft2``."""
    return _nd("fft", a, s, axes, norm, out, np.fft.fft2)


@implements(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.ifft2``."""
    return _nd("ifft", a, s, axes, norm, out, np.fft.ifft2)


@implements(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.rfft2``."""
    return _nd("rfft", a, s, axes, norm, out, np.fft.rfft2)


@implements(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.irfft2``."""
    return _nd("irfft", a, s, axes, norm, out, np.fft.irfft2)


@implements(np.fft.fftshift)
def fftshift(x, axes=None):
    """``np.fft.fftshift``: ``np.roll`` by half of each axis (a neighbour exchange for blocks)."""
    x = as_dist(x, _comm_of(x))
    axes = tuple(range(x.ndim)) if axes is None else (axes if np.ndim(axes) else (axes,))
    return np.roll(x, [x.shape[a] // 2 for a in axes], axes)


@implements(np.fft.ifftshift)
def ifftshift(x, axes=None):
    """``np.fft.ifftshift``."""
    x = as_dist(x, _comm_of(x))
    axes = tuple(range(x.ndim)) if axes is None else (axes if np.ndim(axes) else (axes,))
    return np.roll(x, [-(x.shape[a] // 2) for a in axes], axes)


def fftfreq(n: int, d: float = 1.0, *, dist: Any = None, comm: Any = None, device: Any = None) -> DistArray:
    """Sample frequencies ``np.fft.fftfreq(n, d)`` as a DistArray; each rank computes its own part.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist.dispatch.fft import fftfreq
    >>> nd.asnumpy(fftfreq(4)).tolist()
    [0.0, 0.25, -0.5, -0.25]
    """
    from ..creation import resolve_distribution

    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise ValueError("n should be an integer")
    target = resolve_distribution((int(n),), dist, None, comm)
    g = target.local_indices(0)
    k = np.where(g < (n - 1) // 2 + 1, g, g - n)
    return DistArray._new(k / (n * d), target)


def rfftfreq(n: int, d: float = 1.0, *, dist: Any = None, comm: Any = None, device: Any = None) -> DistArray:
    """``np.fft.rfftfreq(n, d)`` as a DistArray (local computation)."""
    from ..creation import resolve_distribution

    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise ValueError("n should be an integer")
    target = resolve_distribution((int(n) // 2 + 1,), dist, None, comm)
    return DistArray._new(target.local_indices(0) / (n * d), target)
