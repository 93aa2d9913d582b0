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

import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import resolve_distribution
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, CyclicMap, Map, NoDistMap
from ..redistribute import redistribute_local
from ._layout import as_dist, comm_of as _comm_of
from .registry import implements
from .operands import store_result

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


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
        return Distribution.replicated_on(d.comm, d.shape)
    big = max(others, key=lambda i: d.shape[i])
    maps: list[Map] = [NoDistMap(n) for n in d.shape]
    if P > 1:
        maps[big] = BlockMap(d.shape[big], P)
    return Distribution.from_maps(d.comm, maps, (P,), tuple(0 if i == big and P > 1 else None
                                                            for i in range(d.ndim)))


def _whole(d: Distribution, axis: int) -> bool:
    return d.axis_grid[axis] is None or (d.maps[axis].grid_size == 1 and d.maps[axis].dist_type != "u")


def _nonempty_axis(local: np.ndarray, axis: int) -> np.ndarray:
    """One zero along an empty transform axis: ``n=`` zero-pads it the same, and pocketfft given a
    length-0 axis with ``n >= 1`` reads uninitialised memory (different garbage on every rank)."""
    if local.shape[axis] != 0:
        return local
    shape = list(local.shape)
    shape[axis] = 1
    return np.zeros(shape, local.dtype)


def _local_step(x: DistArray, axis: int, func: Any, n: int, norm: Any) -> DistArray:
    """One 1-d transform along ``axis`` (made whole first if needed); returns the pencil-layout result."""
    d = x.distribution
    local = x.local
    if not _whole(d, axis):
        nd_ = _pencil(d, axis)
        local = redistribute_local(local, d, nd_)
        d = nd_
    local = _nonempty_axis(local, axis)
    out = _comm.agreed_call(d.comm, lambda: func(local, n=n, axis=axis, norm=norm), fp=func.__name__)
    maps = list(d.maps)
    maps[axis] = NoDistMap(out.shape[axis])
    return DistArray._new(out, d.with_maps(maps, d.axis_grid))


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
    Y = DistArray._new(_comm.agreed_call(d.comm, lambda: Y.local * tw, fp="fft"), d)
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
    with _comm.agreed(d.comm, fp="fft"):
        chirped = x.local.astype(np.complex128) * _chirp(d.local_indices(0), n, sign)
    a = DistArray._new(chirped, d)
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
        fb = fb.to_layout(fa.distribution, share=True)
    product = _comm.agreed_call(fa.comm, lambda: fa.local * fb.local, fp="fft")
    conv = _c2c_1d(DistArray._new(product, fa.distribution), True, "backward")
    y = conv[:n]
    dy = y.distribution
    scale = {"ortho": 1.0 / np.sqrt(n)}.get(norm, 1.0)
    if (norm in (None, "backward") and inverse) or (norm == "forward" and not inverse):
        scale = 1.0 / n
    with _comm.agreed(dy.comm, fp="fft"):
        result = y.local * (_chirp(dy.local_indices(0), n, sign) * scale)
    return DistArray._new(result, dy)


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


#: Up to this many input or output elements a distributed 1-d transform is done by NumPy on one rank:
#: the vector moves there and back (two Alltoallv, as few as one four-step pass needs), and the
#: result is NumPy's to the bit, inf and NaN included (the four-step twiddles and Bluestein's chirps
#: multiply infinities by complex factors, which makes NaN where pocketfft keeps an inf).
SMALL_1D = 1 << 14


def _on_rank0(comm: Any, n: int) -> Distribution:
    """A 1-d layout of length ``n`` whose elements all live on rank 0 (the others hold empty blocks)."""
    return Distribution.on_rank(comm, (n,), 0)


def _one_d_small(x: DistArray, kind: str, n: int, norm: Any) -> DistArray:
    """A short distributed 1-d transform: gathered on rank 0, NumPy's ``kind``, left on rank 0."""
    comm = x.comm
    func = _FUNCS[kind]
    src = _on_rank0(comm, x.shape[0])
    local = redistribute_local(x.local, x.distribution, src)
    out_dtype = func(np.zeros(2, x.dtype), n=2).dtype
    with _comm.agreed(comm, fp="fft"):  # (rank 0 computes; the others agree on its outcome)
        out = func(_nonempty_axis(local, 0), n=n, norm=norm) if comm.Get_rank() == 0 else np.empty(0, out_dtype)
    full = n // 2 + 1 if kind == "rfft" else n
    return DistArray._new(out, _on_rank0(comm, full))


def _work_complex(dt: np.dtype) -> np.dtype:
    """The complex type a distributed transform computes in: single for single/half input, else double."""
    return np.dtype(np.complex64 if dt in (np.float16, np.float32, np.complex64) else np.complex128)


def _one_d(x: DistArray, kind: str, n: int, norm: Any) -> DistArray:
    """1-d distributed transforms (four-step, or Bluestein for lengths without a usable split)."""
    if max(x.shape[0], n) <= SMALL_1D:
        return _one_d_small(x, kind, n, norm)
    if kind in ("fft", "ifft"):
        y = _resize(x, 0, n)
        y = y.astype(_work_complex(y.dtype)) if y.dtype != _work_complex(y.dtype) else y
        return _c2c_any(y, kind == "ifft", norm)
    if kind == "rfft":
        full = _one_d(x, "fft", n, norm)
        return full[: n // 2 + 1]
    if kind == "irfft":
        h = n // 2 + 1
        X = _resize(x, 0, h)
        tail = np.conjugate(np.flip(X[1:n - h + 1])) if n - h > 0 else None
        Y = np.concatenate([X, tail]) if tail is not None else X
        return np.real(_c2c_any(Y.astype(_work_complex(Y.dtype)), True, norm))
    raise AssertionError(kind)


# --------------------------------------------------------------------------
# The generic multi-axis driver
# --------------------------------------------------------------------------

_FUNCS = {"fft": np.fft.fft, "ifft": np.fft.ifft, "rfft": np.fft.rfft, "irfft": np.fft.irfft}


def _transform(a: Any, steps: list[tuple[int, str, int]], norm: Any, dtype: np.dtype, out: Any = None) -> Any:
    """Apply 1-d transforms ``(axis, kind, n)`` in order; back to the caller's layout at the end.

    ``dtype`` is NumPy's result type (from :func:`_probe`); a distributed
    1-d step may compute in another precision and is cast to it.
    """
    x = as_dist(a, _comm_of(a))
    orig = x.distribution
    for axis, kind, n in steps:
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
    if x.dtype != dtype:
        x = x.astype(dtype)
    result = x.to_layout(_final_layout(orig, x.shape), share=True)
    return store_result(out, result) if out is not None else result


def _dtype_of(a: Any) -> np.dtype:
    return a.dtype if isinstance(a, DistArray) else np.asarray(a).dtype


def _tiny(n: Any) -> Any:
    """A stand-in for a length: valid lengths shrink to at most 2, anything else is passed to NumPy as is."""
    if isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) and n >= 1:
        return min(int(n), 2)
    return n


def _probe(np_func: Any, a: Any, **kwargs: Any) -> np.dtype:
    """NumPy's own validation and result dtype, from a stand-in with every axis of length 1.

    Lengths (``n``/``s``) are resolved from ``a``'s real shape by the caller
    and shrunk by :func:`_tiny`, so NumPy raises what it would raise for
    ``a`` (bad ``n``, ``norm``, axes, complex input to a real transform), in
    its own order, on every rank alike, before any communication.
    """
    return np_func(np.zeros((1,) * np.ndim(a), _dtype_of(a)), **kwargs).dtype


def _one_axis(np_func: Any, a: Any, n: Any, axis: Any, norm: Any, hermitian_len: bool) -> tuple[int, int, np.dtype]:
    """Resolve ``n`` and ``axis`` as NumPy does and probe; returns (axis, n, result dtype)."""
    if n is None:
        length = np.shape(a)[axis]  # NumPy reads a.shape[axis] first (IndexError for a bad axis)
        n = 2 * (length - 1) if hermitian_len else length
    dtype = _probe(np_func, a, n=_tiny(n), axis=axis, norm=norm)
    return normalize_axis_index(axis, np.ndim(a)), int(n), dtype


@implements(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.fft``: local along a whole axis; a pencil transposition (or four-step for 1-d) otherwise.

    Communication: none when the axis is whole; else one Alltoallv to the
    pencil and one back (four-step: about four).
    """
    ax, n, dt = _one_axis(np.fft.fft, a, n, axis, norm, False)
    return _transform(a, [(ax, "fft", n)], norm, dt, out)


@implements(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.ifft`` (see :func:`fft`)."""
    ax, n, dt = _one_axis(np.fft.ifft, a, n, axis, norm, False)
    return _transform(a, [(ax, "ifft", n)], norm, dt, out)


@implements(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.rfft`` (see :func:`fft`)."""
    ax, n, dt = _one_axis(np.fft.rfft, a, n, axis, norm, False)
    return _transform(a, [(ax, "rfft", n)], norm, dt, out)


@implements(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.irfft`` (see :func:`fft`)."""
    ax, n, dt = _one_axis(np.fft.irfft, a, n, axis, norm, True)
    return _transform(a, [(ax, "irfft", n)], norm, dt, out)


@implements(np.fft.hfft)
def hfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.hfft``: ``irfft(conj(a))`` with the opposite normalisation."""
    ax, n, dt = _one_axis(np.fft.hfft, a, n, axis, norm, True)
    x = as_dist(a, _comm_of(a))
    return _transform(np.conjugate(x), [(ax, "irfft", n)], _SWAP[norm], dt, out)


@implements(np.fft.ihfft)
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """``np.fft.ihfft``: ``conj(rfft(a))`` with the opposite normalisation."""
    ax, n, dt = _one_axis(np.fft.ihfft, a, n, axis, norm, False)
    result = np.conjugate(_transform(a, [(ax, "rfft", n)], _SWAP[norm], dt))
    return store_result(out, result) if out is not None else result


def _cook_nd(shape: tuple[int, ...], s: Any, axes: Any, inverse_real: bool) -> tuple[list, list]:
    """NumPy's reading of ``s`` and ``axes`` (defaults from ``shape``, ``-1`` = the input length).

    Errors (IndexError for an axis beyond ``shape`` when ``s`` is not given,
    ValueError for mismatched lengths) and the deprecation warnings are
    NumPy's; axes are checked later, by the probe.
    """
    given = s is not None
    if not given:
        s = list(shape) if axes is None else list(np.take(shape, axes))
    s = list(s)
    if axes is None:
        if given:
            warnings.warn("`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0).",
                          DeprecationWarning, stacklevel=4)
        axes = list(range(-len(s), 0))
    axes = list(axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if inverse_real and not given:
        s[-1] = (shape[axes[-1]] - 1) * 2
    if None in s:
        warnings.warn("Passing an array containing `None` values to `s` is deprecated in NumPy 2.0.",
                      DeprecationWarning, stacklevel=4)
    return [shape[ax] if v == -1 else v for v, ax in zip(s, axes)], axes


def _nd(kind: str, a: Any, s: Any, axes: Any, norm: Any, out: Any, np_func: Any) -> Any:
    shape = np.shape(a)
    sz, ax = _cook_nd(shape, s, axes, kind == "irfft")
    dt = _probe(np_func, a, s=[_tiny(v) for v in sz], axes=ax, norm=norm)
    ax = [normalize_axis_index(i, len(shape)) for i in ax]
    sz = [int(v) for v in sz]
    # The axes in NumPy's order, so the rounding matches NumPy's.
    if kind in ("fft", "ifft"):
        steps = [(i, kind, n) for i, n in zip(ax, sz)][::-1]
    elif kind == "rfft":
        steps = [(ax[-1], "rfft", sz[-1])] + [(i, "fft", n) for i, n in zip(ax[:-1], sz[:-1])][::-1]
    else:  # irfft: NumPy runs the complex inverses first to last, then the real one
        steps = [(i, "ifft", n) for i, n in zip(ax[:-1], sz[:-1])] + [(ax[-1], "irfft", sz[-1])]
    return _transform(a, steps, norm, dt, out)


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
    return _nd("fft", a, s, axes, norm, out, np.fft.fftn)


@implements(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.ifft2``."""
    return _nd("ifft", a, s, axes, norm, out, np.fft.ifftn)


@implements(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.rfft2``."""
    return _nd("rfft", a, s, axes, norm, out, np.fft.rfftn)


@implements(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """``np.fft.irfft2``."""
    return _nd("irfft", a, s, axes, norm, out, np.fft.irfftn)


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
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise ValueError("n should be an integer")
    target = resolve_distribution((int(n),), dist, None, comm)
    g = target.local_indices(0)
    k = np.where(g < (n - 1) // 2 + 1, g, g - n)
    return DistArray._new(k / (n * d), target)


def rfftfreq(n: int, d: float = 1.0, *, dist: Any = None, comm: Any = None, device: Any = None) -> DistArray:
    """``np.fft.rfftfreq(n, d)`` as a DistArray (local computation)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise ValueError("n should be an integer")
    target = resolve_distribution((int(n) // 2 + 1,), dist, None, comm)
    return DistArray._new(target.local_indices(0) / (n * d), target)
