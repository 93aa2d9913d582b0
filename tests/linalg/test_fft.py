"""Differential tests of np.fft on DistArrays (local along whole axes, pencil transposition / four-step otherwise)."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import fft as F
from numpy_dist.testing import DIST_CASES, assert_dist_equal, distribute, rng_data

COMM = MPI.COMM_WORLD
DTYPES = [np.float32, np.float64, np.complex128]
IDS = ["float32", "float64", "complex128"]
SHAPES = [(12,), (7, 6), (6, 8, 4), (1, 12)]


def tol(dtype, n) -> dict:
    eps = np.finfo(np.dtype(dtype)).eps
    r = 20 * eps * np.log2(max(n, 2)) * 10
    return {"rtol": r, "atol": r * 10 * np.sqrt(n) * 10}


def cases(shape):
    return [c for c in DIST_CASES if DIST_CASES[c](shape, COMM) is not None]


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_c2c(shape, dtype):
    x = rng_data(shape, dtype, seed=1)
    t = tol(dtype, x.size)
    for c in cases(shape):
        X = distribute(x, c)
        for f in (np.fft.fft, np.fft.ifft):
            for norm in (None, "ortho", "forward"):
                assert_dist_equal(f(X, norm=norm), f(x, norm=norm), **t)
            assert_dist_equal(f(X, axis=0), f(x, axis=0), **t)
            assert_dist_equal(f(X, n=6, axis=0), f(x, n=6, axis=0), **t)
            assert_dist_equal(f(X, n=16, axis=0), f(x, n=16, axis=0), **t)
        assert_dist_equal(np.fft.fftn(X), np.fft.fftn(x), **t)
        assert_dist_equal(np.fft.ifftn(X, norm="ortho"), np.fft.ifftn(x, norm="ortho"), **t)
        if x.ndim >= 2:
            assert_dist_equal(np.fft.fft2(X), np.fft.fft2(x), **t)
            assert_dist_equal(np.fft.ifft2(X, s=(4, 5)), np.fft.ifft2(x, s=(4, 5)), **t)
            assert_dist_equal(np.fft.fftn(X, axes=(0,)), np.fft.fftn(x, axes=(0,)), **t)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_real_and_hermitian(shape, dtype):
    x = rng_data(shape, dtype, seed=2)
    t = tol(dtype, x.size)
    axes = tuple(range(x.ndim))
    for c in cases(shape):
        X = distribute(x, c)
        assert_dist_equal(np.fft.rfft(X, axis=0), np.fft.rfft(x, axis=0), **t)
        assert_dist_equal(np.fft.rfft(X), np.fft.rfft(x), **t)
        assert_dist_equal(np.fft.rfftn(X), np.fft.rfftn(x), **t)
        assert_dist_equal(np.fft.ihfft(X, axis=0), np.fft.ihfft(x, axis=0), **t)
        y = np.fft.rfftn(x)
        Y = distribute(y, c)
        assert_dist_equal(np.fft.irfftn(Y, x.shape, axes=axes), np.fft.irfftn(y, x.shape, axes=axes), **t)
        assert_dist_equal(np.fft.irfft(Y), np.fft.irfft(y), **t)
        assert_dist_equal(np.fft.hfft(Y, n=10), np.fft.hfft(y, n=10), **t)
        if shape[0] > 1:
            assert_dist_equal(np.fft.irfft(Y, axis=0), np.fft.irfft(y, axis=0), **t)
            assert_dist_equal(np.fft.hfft(Y, axis=0, norm="ortho"), np.fft.hfft(y, axis=0, norm="ortho"), **t)
        if x.ndim >= 2:
            assert_dist_equal(np.fft.rfft2(X), np.fft.rfft2(x), **t)
            z = np.fft.rfft2(x)
            assert_dist_equal(np.fft.irfft2(distribute(z, c), s=x.shape[-2:]), np.fft.irfft2(z, s=x.shape[-2:]), **t)


@pytest.mark.parametrize("case", cases((12, 5)))
def test_shift_and_freq(case):
    x = rng_data((12, 5), seed=3)
    X = distribute(x, case)
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
        assert_dist_equal(np.fft.fft(distribute(x, "block")), np.fft.fft(x), **tol(np.float64, 17))
    finally:
        nd.set_fallback(old)
