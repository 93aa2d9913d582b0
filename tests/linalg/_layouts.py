"""Layouts and tolerances shared by the linalg/FFT tests.

Every DIST_CASES layout plus process grids chosen explicitly (not left to the
grid chooser): ``1 x P``, ``P x 1`` and, at four ranks, ``2 x 2`` -- so TSQR,
SUMMA and the FFT pencils meet real two-dimensional grids on every shape.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.distribution import Distribution
from numpy_dist.testing import DIST_CASES

COMM = MPI.COMM_WORLD


def explicit_grids(comm=COMM) -> list[tuple[int, int]]:
    """The process grids every 2-d test runs on at this rank count (1 x P, P x 1, 2 x 2 at 4 ranks)."""
    P = comm.Get_size()
    grids = [(1, P), (P, 1)] if P > 1 else []
    return grids + ([(2, 2)] if P == 4 else [])


def layouts(shape: tuple[int, ...], comm=COMM) -> list[tuple[str, Distribution]]:
    """(name, layout) for every distribution case of ``shape`` and every explicit grid of its first two axes."""
    out = [(name, f(shape, comm)) for name, f in DIST_CASES.items()]
    out = [(name, d) for name, d in out if d is not None]
    if len(shape) >= 2:
        rest = ("n",) * (len(shape) - 2)
        for g in explicit_grids(comm):
            for codes in (("b", "b"), ("c", "b")):
                name = f"grid{g[0]}x{g[1]}_{''.join(codes)}"
                out.append((name, Distribution(comm, shape, codes + rest, grid_shape=g + (1,) * len(rest))))
    return out


def on_layouts(x: np.ndarray, comm=COMM):
    """``x`` distributed on every layout of :func:`layouts`: (name, DistArray) pairs."""
    return [(name, nd.asarray(x, dist=d)) for name, d in layouts(x.shape, comm)]


def working_eps(dtype) -> float:
    """Machine epsilon of the precision NumPy computes ``dtype`` in (ints and bools: float64)."""
    dt = np.dtype(dtype)
    return float(np.finfo(dt if dt.kind in "fc" else np.float64).eps)


def linalg_tol(x: np.ndarray, c: float = 10.0) -> dict:
    """``c * n * eps * cond(x)`` relative, and that times the largest entry absolute (backward-stable bound)."""
    eps = working_eps(x.dtype)
    a = x.astype(np.result_type(x.dtype, np.float64) if x.dtype.kind not in "fc" else x.dtype)
    cond = float(np.linalg.cond(a)) if a.size else 1.0
    cond = cond if np.isfinite(cond) else 1.0 / eps
    r = c * max(a.shape + (1,)) * eps * max(cond, 1.0)
    return {"rtol": r, "atol": r * max(float(np.abs(a).max(initial=0)), 1.0)}


def fft_tol(expected: np.ndarray, c: float = 4.0) -> dict:
    """FFT error bound: ``||y - y_hat||_2 <= c * eps * log2(N) * ||y||_2`` bounds every element's error."""
    e = np.asarray(expected)
    eps = working_eps(e.dtype)
    norm2 = float(np.linalg.norm(e.ravel())) if e.size else 0.0
    return {"rtol": 0.0, "atol": c * eps * np.log2(max(e.size, 2)) * max(norm2, 1e-300)}
