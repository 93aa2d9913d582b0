"""Differential tests of np.fft on DistArrays (local along whole axes, pencil transposition / four-step otherwise)."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import fft as F
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute, rng_data
from tests.linalg._layouts import fft_tol, layouts

COMM = MPI.COMM_WORLD
DTYPES = [np.float32, np.float64, np.complex128]
IDS = ["float32", "float64", "complex128"]
SHAPES = [(12,), (7, 6), (6, 8, 4), (1, 12)]


def check(got, want) -> None:
    """Compare with NumPy within the FFT's error bound (``c * eps * log2 N * ||y||_2``, see fft_tol)."""
    assert_dist_equal(got, want, **fft_tol(want))


def cases(shape):
    """Every layout of ``shape``: the DIST_CASES and explicit 1 x P, P x 1, 2 x 2 grids."""
    return layouts(shape)


@pytest.fixture(params=["numpy_on_rank0", "distributed"])
def one_d_path(request, monkeypatch):
    """Short distributed 1-d transforms run NumPy on one rank; force the four-step/Bluestein path too."""
    if request.param == "distributed":
        monkeypatch.setattr(F, "SMALL_1D", 0)
    return request.param


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_c2c(shape, dtype, one_d_path):
    x = rng_data(shape, dtype, seed=1)
    for c, d in cases(shape):
        X = nd.asarray(x, dist=d)
        for f in (np.fft.fft, np.fft.ifft):
            for norm in (None, "ortho", "forward"):
                check(f(X, norm=norm), f(x, norm=norm))
            check(f(X, axis=0), f(x, axis=0))
            check(f(X, n=6, axis=0), f(x, n=6, axis=0))
            check(f(X, n=16, axis=0), f(x, n=16, axis=0))
        check(np.fft.fftn(X), np.fft.fftn(x))
        check(np.fft.ifftn(X, norm="ortho"), np.fft.ifftn(x, norm="ortho"))
        if x.ndim >= 2:
            check(np.fft.fft2(X), np.fft.fft2(x))
            check(np.fft.ifft2(X, s=(4, 5)), np.fft.ifft2(x, s=(4, 5)))
            check(np.fft.fftn(X, axes=(0,)), np.fft.fftn(x, axes=(0,)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_real_and_hermitian(shape, dtype, one_d_path):
    x = rng_data(shape, dtype, seed=2)
    axes = tuple(range(x.ndim))
    for c, d in cases(shape):
        X = nd.asarray(x, dist=d)
        check(np.fft.rfft(X, axis=0), np.fft.rfft(x, axis=0))
        check(np.fft.rfft(X), np.fft.rfft(x))
        check(np.fft.rfftn(X), np.fft.rfftn(x))
        check(np.fft.ihfft(X, axis=0), np.fft.ihfft(x, axis=0))
        y = np.fft.rfftn(x)
        Y = nd.asarray(y, dist=dict(layouts(y.shape, every=True))[c])
        check(np.fft.irfftn(Y, x.shape, axes=axes), np.fft.irfftn(y, x.shape, axes=axes))
        check(np.fft.irfft(Y), np.fft.irfft(y))
        check(np.fft.hfft(Y, n=10), np.fft.hfft(y, n=10))
        if shape[0] > 1:
            check(np.fft.irfft(Y, axis=0), np.fft.irfft(y, axis=0))
            check(np.fft.hfft(Y, axis=0, norm="ortho"), np.fft.hfft(y, axis=0, norm="ortho"))
        if x.ndim >= 2:
            check(np.fft.rfft2(X), np.fft.rfft2(x))
            z = np.fft.rfft2(x)
            check(np.fft.irfft2(nd.asarray(z, dist=dict(layouts(z.shape, every=True))[c]), s=x.shape[-2:]), np.fft.irfft2(z, s=x.shape[-2:]))


@pytest.mark.parametrize("case", [c for c, _ in cases((12, 5))])
def test_shift_and_freq(case):
    x = rng_data((12, 5), seed=3)
    X = nd.asarray(x, dist=dict(cases(x.shape))[case])
    assert_dist_equal(np.fft.fftshift(X), np.fft.fftshift(x))
    assert_dist_equal(np.fft.ifftshift(X), np.fft.ifftshift(x))
    assert_dist_equal(np.fft.fftshift(X, axes=0), np.fft.fftshift(x, axes=0))
    for n in (1, 8, 9):
        assert_dist_equal(F.fftfreq(n, 0.5), np.fft.fftfreq(n, 0.5))
        assert_dist_equal(F.rfftfreq(n, 0.5), np.fft.rfftfreq(n, 0.5))
        assert_dist_equal(F.fftfreq(n, dist="c"), np.fft.fftfreq(n))


def test_roundtrip_keeps_layout_and_axis_local_is_silent():
    x = rng_data((8, 6), np.complex128, seed=4)
    X = distribute(x, "block")
    Y = np.fft.fft(X, axis=1)  # axis 1 is whole: no communication
    nd.reset_comm_stats()
    Y = np.fft.fft(X, axis=1)
    assert nd.comm_stats()["bytes_sent"] == 0
    assert Y.distribution == X.distribution
    Z = np.fft.ifftn(np.fft.fftn(X))
    assert Z.distribution == X.distribution
    assert_dist_equal(Z, x, rtol=1e-12, atol=1e-12)


def test_errors_and_prime_length_is_native():
    X = distribute(rng_data((10,)), "block")
    with pytest.raises(ValueError):
        np.fft.fft(X, n=0)
    with pytest.raises(ValueError):
        np.fft.fft(X, norm="bogus")
    x = rng_data((17,))  # prime: Bluestein (tests/linalg/test_fft_bluestein.py), no fallback
    old = nd.set_fallback("error")
    try:
        assert_dist_equal(np.fft.fft(distribute(x, "block")), np.fft.fft(x), **fft_tol(np.fft.fft(x)))
    finally:
        nd.set_fallback(old)


# --------------------------------------------------------------------------
# Result dtypes, exception classes and inf/NaN structure, as NumPy's
# --------------------------------------------------------------------------

ALL_DTYPES = [np.bool_, np.int64, np.float16, np.float32, np.float64, np.complex64, np.complex128]
ALL_IDS = ["bool", "int64", "float16", "float32", "float64", "complex64", "complex128"]
ONE_AXIS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
MANY_AXES = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]


def sweep_cases(shape):
    """The layouts the dtype/exception sweeps run on: block, uneven and unstructured (empty blocks),
    replicated, last axis, and the explicit grids (a subset, so the sweep stays short at 4 ranks)."""
    keep = ("block", "uneven", "unstructured", "replicated", "last")
    return [(c, d) for c, d in cases(shape) if c in keep or c.startswith("grid") and c.endswith("_bb")]


def outcome(func, *args, **kwargs):
    """(result gathered or None, exception class or None) of one call."""
    try:
        r = func(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the class is compared with NumPy's
        return None, type(e)
    return (nd.asnumpy(r) if isinstance(r, nd.DistArray) else r), None


def same_outcome(func, x, X, **kwargs) -> None:
    """``func`` on DistArray ``X`` and on ``x``: the same exception class, or the same dtype, shape and values."""
    want, want_exc = outcome(func, x, **kwargs)
    got, got_exc = outcome(func, X, **kwargs)
    what = f"{func.__name__}({x.dtype}{x.shape}, {kwargs})"
    assert_all_ranks(got_exc is want_exc, f"{what}: raised {got_exc}, NumPy {want_exc}")
    if want_exc is None:
        assert_all_ranks(got.dtype == want.dtype and got.shape == want.shape,
                         f"{what}: {got.dtype}{got.shape}, NumPy {want.dtype}{want.shape}")
        if want.dtype.kind in "fc":
            assert_all_ranks(np.array_equal(np.isnan(got), np.isnan(want))
                             and np.array_equal(np.isinf(got), np.isinf(want)), f"{what}: inf/NaN differ")
            fin = np.isfinite(want)
            check(got[fin], want[fin])
        else:
            assert_all_ranks(np.array_equal(got, want), f"{what}: values differ")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=ALL_IDS)
@pytest.mark.parametrize("name", ONE_AXIS)
def test_one_axis_dtypes_and_errors(name, dtype):
    """Issue 15: irfft/hfft of bool gave float32, ihfft(n=0) TypeError; complex into a real transform raises."""
    f = getattr(np.fft, name)
    for shape in [(5,), (8,), (4, 6)]:
        x = rng_data(shape, dtype, seed=3)
        for c, d in sweep_cases(shape):
            X = nd.asarray(x, dist=d)
            same_outcome(f, x, X)
            for n in (0, -1, 1, 5):
                same_outcome(f, x, X, n=n)
            for norm in ("ortho", "forward", "bogus"):
                same_outcome(f, x, X, norm=norm, n=3)
            for axis in (0, 2, -3):
                same_outcome(f, x, X, axis=axis)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=ALL_IDS)
@pytest.mark.parametrize("name", MANY_AXES)
def test_many_axes_dtypes_and_errors(name, dtype):
    """Issue 15: rfftn/rfft2 of complex input returned a result where NumPy raises TypeError."""
    f = getattr(np.fft, name)
    x = rng_data((4, 6), dtype, seed=4)
    for c, d in sweep_cases(x.shape):
        X = nd.asarray(x, dist=d)
        same_outcome(f, x, X)
        same_outcome(f, x, X, norm="bogus")
        for s, axes in [((3, 4), (0, 1)), ((0, 4), (0, 1)), ((-1, 5), (0, 1)), ((3,), (0, 1)),
                        (None, (1, 1)), (None, (1, 0)), (None, (0, 5)), (None, ()), ((-1,), (-1,))]:
            same_outcome(f, x, X, s=s, axes=axes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128], ids=["float32", "float64", "complex128"])
def test_inf_and_nan_as_numpy(dtype, one_d_path):
    """Issue 15: fft(x, n=5) of an infinite input gave NaN where NumPy gives -inf+0j.

    Short 1-d transforms (the default path) match NumPy's inf/NaN structure exactly, zero-padded and
    cropped; along a whole axis every path is NumPy's own.  (The forced distributed path is exempt.)
    """
    x = np.zeros(3, dtype)
    x[0] = -np.inf
    y = rng_data((4, 6), dtype, seed=5)
    y[1, 2] = np.inf
    y[2, 0] = np.nan
    for c, d in sweep_cases(x.shape):
        X = nd.asarray(x, dist=d)
        if one_d_path == "numpy_on_rank0":
            for n in (None, 2, 3, 5, 8):
                for name in ONE_AXIS:
                    same_outcome(getattr(np.fft, name), x, X, n=n)
    for c, d in sweep_cases(y.shape):
        Y = nd.asarray(y, dist=d)
        for name in ONE_AXIS:
            same_outcome(getattr(np.fft, name), y, Y, axis=1)  # along a whole axis at every layout
        if one_d_path == "numpy_on_rank0":
            for name in MANY_AXES:
                same_outcome(getattr(np.fft, name), y, Y)
