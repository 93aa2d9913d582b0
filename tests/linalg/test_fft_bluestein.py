"""Distributed 1-d FFTs of prime length (Bluestein's chirp-z on the four-step transform), NumPy as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.dispatch import fft as F
from numpy_dist.testing import assert_dist_equal, distribute, rng_data

COMM = MPI.COMM_WORLD
P = COMM.Get_size()
#: 4099 is larger than any rank's block at 2-4 ranks (and than the 1024-element block of 4 ranks)
LENGTHS = [2, 3, 5, 7, 97, 1009, 4099]
CASES = ["block", "cyclic", "uneven", "blockcyclic3", "unstructured"]
NORMS = [None, "ortho", "forward", "backward"]
RTOL = 1e-10  # relative to the largest magnitude of NumPy's result; observed about 2e-15


@pytest.fixture(autouse=True)
def distributed_algorithms(monkeypatch):
    """These lengths are short enough for NumPy-on-one-rank (fft.SMALL_1D): force Bluestein/four-step."""
    monkeypatch.setattr(F, "SMALL_1D", 0)


def close(got, want, rtol=RTOL):
    scale = float(np.max(np.abs(want))) if np.size(want) else 1.0
    assert_dist_equal(got, want, rtol=rtol, atol=rtol * scale)


def strict():
    """Fallback mode 'error': a fallback (a gather) would fail the test."""
    return nd.set_fallback("error")


@pytest.mark.parametrize("n", LENGTHS)
def test_all_six_transforms(n):
    x = rng_data((n,), seed=n)
    z = rng_data((n,), np.complex128, seed=n + 1)
    old = strict()
    try:
        # block and uneven (an empty rank) always, plus one of the others in turn
        for i, case in enumerate(["block", "uneven", ["cyclic", "blockcyclic3", "unstructured"][LENGTHS.index(n) % 3]]):
            X, Z = distribute(x, case), distribute(z, case)
            norm = NORMS[(i + n) % len(NORMS)]
            close(np.fft.fft(Z, norm=norm), np.fft.fft(z, norm=norm))
            close(np.fft.ifft(Z, norm=norm), np.fft.ifft(z, norm=norm))
            close(np.fft.rfft(X, norm=norm), np.fft.rfft(x, norm=norm))
            close(np.fft.ihfft(X, norm=norm), np.fft.ihfft(x, norm=norm))
            close(np.fft.irfft(Z, n=n, norm=norm), np.fft.irfft(z, n=n, norm=norm))
            close(np.fft.hfft(Z, n=n, norm=norm), np.fft.hfft(z, n=n, norm=norm))
    finally:
        nd.set_fallback(old)


@pytest.mark.parametrize("norm", NORMS)
def test_norms_and_real_input(norm):
    x = rng_data((31,), seed=3)
    old = strict()
    try:
        for case in ("block", "uneven"):
            X = distribute(x, case)
            close(np.fft.fft(X, norm=norm), np.fft.fft(x, norm=norm))
            close(np.fft.ifft(X, norm=norm), np.fft.ifft(x, norm=norm))
            close(np.fft.ifft(np.fft.fft(X, norm=norm), norm=norm), x.astype(np.complex128))
    finally:
        nd.set_fallback(old)


def test_n_parameter_crops_and_pads_to_prime():
    x = rng_data((12,), seed=4)
    z = rng_data((17,), np.complex128, seed=5)
    old = strict()
    try:
        for case in ("block", "cyclic"):
            X, Z = distribute(x, case), distribute(z, case)
            close(np.fft.fft(X, n=13), np.fft.fft(x, n=13))  # pad 12 -> 13
            close(np.fft.fft(Z, n=11), np.fft.fft(z, n=11))  # crop 17 -> 11
            close(np.fft.ifft(Z, n=23), np.fft.ifft(z, n=23))
            close(np.fft.rfft(X, n=7), np.fft.rfft(x, n=7))
            close(np.fft.irfft(Z, n=19), np.fft.irfft(z, n=19))
            close(np.fft.irfft(Z), np.fft.irfft(z))  # default n = 32: four-step
            close(np.fft.hfft(Z[:9], n=17, norm="ortho"), np.fft.hfft(z[:9], n=17, norm="ortho"))
            close(np.fft.ihfft(X, n=5), np.fft.ihfft(x, n=5))
    finally:
        nd.set_fallback(old)


def test_single_precision_keeps_numpy_dtypes():
    x = rng_data((37,), np.float32, seed=6)
    z = rng_data((37,), np.complex64, seed=7)
    old = strict()
    try:
        X, Z = distribute(x, "block"), distribute(z, "cyclic")
        for got, want in [(np.fft.fft(X), np.fft.fft(x)), (np.fft.ifft(Z), np.fft.ifft(z)),
                          (np.fft.rfft(X), np.fft.rfft(x)), (np.fft.irfft(Z, n=37), np.fft.irfft(z, n=37))]:
            close(got, want, rtol=1e-5)
    finally:
        nd.set_fallback(old)


def test_row_vector_along_a_distributed_axis():
    x = rng_data((1, 53), np.complex128, seed=8)
    old = strict()
    try:
        X = distribute(x, "last")
        close(np.fft.fft(X), np.fft.fft(x))
        close(np.fft.fftn(X), np.fft.fftn(x))
        close(np.fft.rfft(X.real), np.fft.rfft(x.real))
    finally:
        nd.set_fallback(old)


def test_unbalanced_split_goes_to_bluestein(monkeypatch):
    """A large length whose smaller factor is below the rank count (2 * prime) uses Bluestein too."""
    assert F._usable_split(97, 4) is None
    assert F._usable_split(2 * 65537, 4) is None
    assert F._usable_split(1 << 17, 4) == (256, 512)
    assert F._usable_split(12, 4) == (3, 4)  # small lengths keep the four-step even when unbalanced
    monkeypatch.setattr(F, "_BALANCE_MIN", 16)
    x = rng_data((2 * 97,), np.complex128, seed=9)
    old = strict()
    try:
        close(np.fft.fft(distribute(x, "block")), np.fft.fft(x))
        close(np.fft.ifft(distribute(x, "uneven"), norm="ortho"), np.fft.ifft(x, norm="ortho"))
    finally:
        nd.set_fallback(old)


def test_chirp_phase_is_exact():
    # j**2 reduced mod 2n keeps the phase exact for large indices (no float overflow of j**2 / n)
    n = 1_000_003
    j = np.array([0, 1, n - 1, 10**6, 3 * 10**6 + 7])
    want = np.exp(-1j * np.pi * np.array([(int(v) ** 2) % (2 * n) for v in j]) / n)
    assert np.allclose(F._chirp(j, n, -1.0), want, rtol=0, atol=1e-12)


def test_memory_stays_distributed():
    """No rank ever holds the whole transform: every local block of the result is at most a block's share."""
    n = 4099
    z = rng_data((n,), np.complex128, seed=10)
    old = strict()
    try:
        Y = np.fft.fft(distribute(z, "block"))
        assert_dist_equal(Y, np.fft.fft(z), rtol=RTOL, atol=RTOL * float(np.max(np.abs(np.fft.fft(z)))))
        assert Y.local.size <= -(-n // P)
    finally:
        nd.set_fallback(old)
