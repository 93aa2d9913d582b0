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
from numpy_dist.maps import NoDistMap, UnstructuredMap
from numpy_dist.testing import DIST_CASES
from tests.dispatch._helpers import shared_between_counts

COMM = MPI.COMM_WORLD


def explicit_grids(comm=COMM) -> list[tuple[int, int]]:
    """The process grids every 2-d test runs on at this rank count (1 x P, P x 1, 2 x 2 at 4 ranks)."""
    P = comm.Get_size()
    grids = [(1, P), (P, 1)] if P > 1 else []
    return grids + ([(2, 2)] if P == 4 else [])


def layouts(shape: tuple[int, ...], comm=COMM, every: bool = False) -> list[tuple[str, Distribution]]:
    """(name, layout) for every distribution case of ``shape`` and every explicit grid of its first two axes;
    above 2 ranks half of them, the 3- and 4-rank runs sharing the list (``shared_between_counts``), unless
    ``every``."""
    out = _every_layout(shape, comm)
    return out if every or comm is not COMM else shared_between_counts(out)


def _every_layout(shape: tuple[int, ...], comm) -> list[tuple[str, Distribution]]:
    out = [(name, f(shape, comm)) for name, f in DIST_CASES.items()]
    out = [(name, d) for name, d in out if d is not None]
    if len(shape) >= 2:
        rest = ("n",) * (len(shape) - 2)
        for g in explicit_grids(comm):
            for codes in (("b", "b"), ("c", "b")):
                name = f"grid{g[0]}x{g[1]}_{''.join(codes)}"
                out.append((name, Distribution(comm, shape, codes + rest, grid_shape=g + (1,) * len(rest))))
    return out


def scrambled(shape: tuple[int, ...], axis: int, comm=COMM) -> Distribution | None:
    """Axis ``axis`` unstructured: rank 0 empty (at P > 1), rank 1 about half, the rest the remainder;
    each rank's run of indices is contiguous but out of order (first and last in place, middle reversed).

    A local index list like [0, 3, 2, 1, 4] spans a contiguous range without
    being that range in order: code that takes it for a slice reads the wrong data.
    """
    if len(shape) <= axis:
        return None
    P, n = comm.Get_size(), shape[axis]
    bounds = [0] if P > 1 else []
    bounds += _scrambled_bounds(n, max(P - 1, 1))
    parts = [_shuffle_middle(np.arange(lo, hi)) for lo, hi in zip([0] + bounds[:-1], bounds)]
    maps = [NoDistMap(m) for m in shape]
    maps[axis] = UnstructuredMap(parts)
    grid = tuple(0 if a == axis else None for a in range(len(shape)))
    return Distribution.from_maps(comm, maps, (P,), grid)


def _scrambled_bounds(n: int, holders: int) -> list[int]:
    """Upper bounds of ``holders`` runs of ``range(n)``: the first about half, the others sharing the rest."""
    first = n if holders == 1 else (n + 1) // 2
    rest = [len(c) for c in np.array_split(np.arange(first, n), holders - 1)] if holders > 1 else []
    return [first + int(sum(rest[: i + 1])) for i in range(-1, len(rest))]


def _shuffle_middle(run: np.ndarray) -> np.ndarray:
    return np.concatenate([run[:1], run[1:-1][::-1], run[-1:]]) if run.size > 3 else run


#: Layouts the mixed-layout product sweeps draw from (DIST_CASES names or scrambled axis 0 / 1).
MIXED = ["block", "cyclic", "blockcyclic3", "uneven", "unstructured", "replicated", "grid_bb", "last",
         "scrambled0", "scrambled1"]


def laid_out(x: np.ndarray, name: str, comm=COMM):
    """``x`` distributed as ``name`` of :data:`MIXED`; replicated where the layout does not apply."""
    if name.startswith("scrambled"):
        d = scrambled(x.shape, int(name[-1]), comm)
    else:
        d = DIST_CASES[name](x.shape, comm) if x.ndim else None
    return nd.asarray(x, dist=d if d is not None else Distribution(comm, x.shape, "n"), copy=True)


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
