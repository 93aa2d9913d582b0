"""Testing helpers: collective assertions and the distribution cases every test runs over.

A test builds NumPy data, distributes it with each case of
:data:`DIST_CASES`, runs the same code on the DistArray and on the NumPy
array, and compares with :func:`assert_dist_equal`, whose verdict is agreed
by all ranks (so a failure seen on one rank fails the test everywhere and
no rank is left waiting in a collective).

The multi-rank runner is ``python -m numpy_dist.testing`` (see ``runner.py``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from mpi4py import MPI

from .. import comm as _comm
from .._docstrings import shared_parameters
from ..creation import asarray, asnumpy
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import BlockMap, CyclicMap, NoDistMap, UnstructuredMap

__all__ = ["assert_dist_equal", "assert_all_ranks", "assert_raises_like_numpy", "DIST_CASES", "dist_cases", "distribute", "rng_data",
           "SHAPES_1D", "SHAPES_2D", "SHAPES_3D"]


# --------------------------------------------------------------------------
# Distribution cases
# --------------------------------------------------------------------------


def _axis0(shape: tuple[int, ...], comm: MPI.Intracomm, first: Any) -> Distribution:
    maps = [first] + [NoDistMap(n) for n in shape[1:]]
    return Distribution.from_maps(comm, maps)


def _uneven_bounds(n: int, P: int) -> list[int]:
    """Rank 0 takes about half, the middle ranks share the rest, the last rank is empty."""
    if P == 1:
        return [0, n]
    first = n if P == 2 else (n + 1) // 2
    middle = np.array_split(np.arange(first, n), P - 2) if P > 2 else []
    bounds = [0, first] + [first + int(sum(len(m) for m in middle[: i + 1])) for i in range(len(middle))]
    return bounds + [n]


@functools.lru_cache(maxsize=256)
def _shuffled(n: int, P: int, seed: int = 1234) -> tuple[np.ndarray, ...]:
    """Each rank's global indices of an unstructured layout of ``n`` (cached, so read-only)."""
    perm = np.random.default_rng(seed).permutation(n)
    cuts = np.sort(np.random.default_rng(seed + 1).integers(0, n + 1, size=P - 1)) if P > 1 else np.array([], int)
    parts = tuple(np.sort(p)[::-1].copy() if i % 2 else p.copy() for i, p in enumerate(np.split(perm, cuts)))
    for p in parts:
        p.flags.writeable = False
    return parts


def _grid2d(shape: tuple[int, ...], comm: MPI.Intracomm, codes: tuple[str, str]) -> Distribution | None:
    if len(shape) < 2:
        return None
    return Distribution(comm, shape, codes + ("n",) * (len(shape) - 2))


DIST_CASES: dict[str, Callable[[tuple[int, ...], MPI.Intracomm], Distribution | None]] = {
    "block": lambda s, c: Distribution(c, s, None) if s else None,
    "cyclic": lambda s, c: _axis0(s, c, CyclicMap(s[0], c.Get_size())) if s else None,
    "blockcyclic2": lambda s, c: _axis0(s, c, CyclicMap(s[0], c.Get_size(), 2)) if s else None,
    "blockcyclic3": lambda s, c: _axis0(s, c, CyclicMap(s[0], c.Get_size(), 3)) if s else None,
    "uneven": lambda s, c: _axis0(s, c, BlockMap(s[0], c.Get_size(), _uneven_bounds(s[0], c.Get_size()))) if s else None,
    "unstructured": lambda s, c: _axis0(s, c, UnstructuredMap(_shuffled(s[0], c.Get_size()))) if s else None,
    "replicated": lambda s, c: Distribution(c, s, "n"),
    "last": lambda s, c: Distribution(c, s, ("n",) * (len(s) - 1) + ("b",)) if len(s) >= 2 else None,
    "grid_bb": lambda s, c: _grid2d(s, c, ("b", "b")),
    "grid_bc": lambda s, c: _grid2d(s, c, ("b", "c")),
    "grid_cb": lambda s, c: _grid2d(s, c, ("c", "b")),
}

#: Whether tests run every case of their sweeps (``NUMPY_DIST_EXHAUSTIVE=1``) rather than a sample.
EXHAUSTIVE = os.environ.get("NUMPY_DIST_EXHAUSTIVE") == "1"
#: Grid cases that repeat ``block``/``cyclic`` when the process grid is P x 1 (see :func:`dist_cases`).
_FLAT_GRID_DUPLICATES = ("grid_bc", "grid_cb")

SHAPES_1D = [(0,), (1,), (3,), (10,), (17,)]
SHAPES_2D = [(0, 3), (3, 0), (2, 5), (7, 4), (13, 6)]
SHAPES_3D = [(0, 2, 2), (3, 4, 5), (6, 1, 3)]


def dist_cases(ndim: int | None = None) -> list[str]:
    """Names of the :data:`DIST_CASES` that apply to arrays of ``ndim`` dimensions.

    Parameters
    ----------
    ndim : int, optional
        Number of dimensions; None (default) names every case.

    Returns
    -------
    list of str
        Case names, in the order of :data:`DIST_CASES`.

    Notes
    -----
    Communication: none.

    Where ``COMM_WORLD``'s size has no 2-d factorisation (1, 2, 3, 5, 7 ranks)
    every 2-d grid is P x 1, so ``grid_bc`` and ``grid_cb`` lay the data out
    as ``block`` and ``cyclic`` do; they are left out there unless
    ``NUMPY_DIST_EXHAUSTIVE=1``.  ``grid_bb`` stays: it keeps an axis
    distributed over one process.

    Examples
    --------
    >>> from numpy_dist.testing import dist_cases
    >>> "grid_bb" in dist_cases(2), "grid_bb" in dist_cases(1)
    (True, False)
    >>> dist_cases(1)[:3]
    ['block', 'cyclic', 'blockcyclic2']
    """
    if ndim is None:
        return list(DIST_CASES)
    return list(_dist_cases(ndim, MPI.COMM_WORLD.Get_size()))


@functools.lru_cache(maxsize=None)
def _dist_cases(ndim: int, nranks: int) -> tuple[str, ...]:
    probe = (4,) * ndim
    skip = () if EXHAUSTIVE or min(MPI.Compute_dims(nranks, 2)) > 1 else _FLAT_GRID_DUPLICATES
    return tuple(k for k, f in DIST_CASES.items() if k not in skip and f(probe, MPI.COMM_SELF) is not None)


@shared_parameters
def distribute(x: np.ndarray, case: str, comm: MPI.Intracomm | None = None) -> DistArray:
    """``x`` (held whole on every rank) distributed as case ``case``.

    Parameters
    ----------
    x : array_like
        The same data on every rank.
    case : str
        A key of :data:`DIST_CASES`.  A case that does not apply to the shape
        (and every 0-d array) gives a replicated layout.
    {comm}

    Returns
    -------
    DistArray
        A copy of ``x`` in that layout.

    Raises
    ------
    KeyError
        If ``case`` is not a case name.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.testing import distribute
    >>> d = distribute(np.arange(6), "cyclic")
    >>> d.dist, nd.asnumpy(d).tolist()
    (('c',), [0, 1, 2, 3, 4, 5])
    """
    c = _comm.get_comm(comm)
    x = np.asarray(x)
    dist = DIST_CASES[case](x.shape, c) if x.ndim else None
    if dist is None:
        dist = Distribution(c, x.shape, "n")
    return asarray(x, dist=dist, copy=True)


def rng_data(shape: tuple[int, ...], dtype: Any = np.float64, seed: int = 0) -> np.ndarray:
    """Deterministic test data (the same on every rank) with negatives, and zeros for ints.

    Parameters
    ----------
    shape : tuple of int
        Shape of the data.
    dtype : data-type, optional
        Bool, integer, floating or complex type (default float64).
    seed : int, optional
        Seed of the generator (default 0).

    Returns
    -------
    numpy.ndarray
        Random values: integers in ``[-20, 20)`` (``[0, 20)`` unsigned),
        floats of scale 10, complex values with normal parts.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.testing import rng_data
    >>> x = rng_data((3, 2), np.int32)
    >>> x.shape, x.dtype
    ((3, 2), dtype('int32'))
    >>> bool((rng_data((4,)) == rng_data((4,))).all())
    True
    """
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if dt.kind in "iu":
        lo = 0 if dt.kind == "u" else -20
        return rng.integers(lo, 20, size=shape).astype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    return (rng.standard_normal(shape) * 10).astype(dt)


# --------------------------------------------------------------------------
# Collective assertions
# --------------------------------------------------------------------------


def assert_all_ranks(ok: bool, message: str = "", comm: MPI.Intracomm | None = None) -> None:
    """Fail on every rank if ``ok`` is false on any rank (with the failing ranks named).

    Parameters
    ----------
    ok : bool
        This rank's verdict.
    message : str, optional
        What went wrong on this rank (shown when ``ok`` is false).
    comm : mpi4py.MPI.Intracomm, optional
        Default ``COMM_WORLD``; every rank of it calls this function.

    Raises
    ------
    AssertionError
        On every rank, naming each failing rank and its message, if any rank's
        ``ok`` is false.

    Notes
    -----
    Communication: one allgather of the verdicts.

    Examples
    --------
    >>> from numpy_dist.testing import assert_all_ranks
    >>> assert_all_ranks(True)
    >>> try:
    ...     assert_all_ranks(False, "bad block")
    ... except AssertionError as e:
    ...     print(str(e).startswith("rank 0: bad block"))
    True
    """
    c = _comm.get_comm(comm)
    verdicts = _comm.allgather_object(c, (bool(ok), message))
    bad = [(r, m) for r, (v, m) in enumerate(verdicts) if not v]
    if bad:
        raise AssertionError("; ".join(f"rank {r}: {m}" for r, m in bad))


def assert_raises_like_numpy(ours: Callable[[], Any], numpy_call: Callable[[], Any],
                             comm: MPI.Intracomm | None = None) -> None:
    """Fail on every rank unless ``ours()`` raises, on every rank, the class ``numpy_call()`` raises (or a
    subclass of it).

    Parameters
    ----------
    ours : callable
        The numpy_dist call (collective).
    numpy_call : callable
        The same call on NumPy data: it must raise.
    comm : mpi4py.MPI.Intracomm, optional
        Default ``COMM_WORLD``.

    Raises
    ------
    AssertionError
        If NumPy raises nothing, or any rank's ``ours()`` raises another class or nothing.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.testing import assert_raises_like_numpy
    >>> assert_raises_like_numpy(lambda: np.sum(nd.asarray(np.ones(3)), axis=2),
    ...                          lambda: np.sum(np.ones(3), axis=2))
    """
    try:
        numpy_call()
    except Exception as exc:  # noqa: BLE001 - compared by class
        expected = type(exc)
    else:
        raise AssertionError("NumPy raised nothing")
    got = None
    try:
        ours()
    except Exception as exc:  # noqa: BLE001
        got = type(exc)
    assert_all_ranks(got is not None and issubclass(got, expected), f"expected {expected.__name__}, got {got}",
                     comm)


def _default_rtol(dtype: np.dtype) -> float:
    if dtype.kind not in "fc":
        return 0.0
    return {2: 1e-2, 4: 2e-5, 8: 1e-10, 16: 1e-10}.get(np.dtype(dtype).itemsize // (2 if dtype.kind == "c" else 1), 1e-10)


def _compare(actual: np.ndarray, expected: np.ndarray, rtol: float | None, atol: float, check_dtype: bool) -> str:
    if actual.shape != expected.shape:
        return f"shape {actual.shape} != expected {expected.shape}"
    if check_dtype and actual.dtype != expected.dtype:
        return f"dtype {actual.dtype} != expected {expected.dtype}"
    if expected.dtype.kind in "fc":
        if actual.dtype == expected.dtype and np.array_equal(actual, expected, equal_nan=True):
            return ""  # equal in value, NaNs in the same places: assert_allclose would pass, at a tenth the cost
        tol = _default_rtol(expected.dtype) if rtol is None else rtol
        try:
            np.testing.assert_allclose(actual, expected, rtol=tol, atol=atol, equal_nan=True)
        except AssertionError as exc:
            return str(exc)
        return ""
    # NaT equals NaT here (as NaN does above): dates are compared by value, NaT positions included
    if not np.array_equal(actual, expected, equal_nan=expected.dtype.kind in "mM"):
        bad = np.flatnonzero(actual.reshape(-1) != expected.reshape(-1))[:5]
        return f"values differ at flat indices {bad.tolist()}: {actual.reshape(-1)[bad]} != {expected.reshape(-1)[bad]}"
    return ""


def assert_dist_equal(actual: Any, expected: Any, *, rtol: float | None = None, atol: float = 0.0,
                      check_dtype: bool = True, check_type: bool = True) -> None:
    """Gather ``actual`` and compare it with the NumPy result ``expected`` (collective verdict).

    Checks the invariants too: every rank's local block has the shape its
    distribution says, and scalars are identical on every rank.  Floats are
    compared with a tolerance suited to their precision (partial results are
    combined in another order than NumPy sums).

    Parameters
    ----------
    actual : DistArray, scalar, ndarray, or tuple/list of them
        The numpy_dist result.
    expected : ndarray, scalar, DistArray, or tuple/list of them
        The NumPy result.
    rtol : float, optional
        Relative tolerance for floats (default: by precision, e.g. 1e-10 for
        float64, 2e-5 for float32).
    atol : float, optional
        Absolute tolerance for floats (default 0).
    check_dtype : bool, optional
        Whether the dtypes must be equal (default True).
    check_type : bool, optional
        Whether a scalar must be compared with a scalar and an array with an
        array (default True).

    Raises
    ------
    AssertionError
        On every rank, if the values, shape, dtype or kind differ on any rank,
        or a local block does not have the shape its distribution says.

    Notes
    -----
    Communication: gathers ``actual`` (one allgather) and one allgather per
    verdict.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.testing import assert_dist_equal
    >>> assert_dist_equal(np.sum(nd.arange(5)), np.sum(np.arange(5)))
    >>> assert_dist_equal(nd.arange(3.0) * 2, np.arange(3.0) * 2)
    """
    if isinstance(expected, (tuple, list)) and not isinstance(actual, (np.ndarray, DistArray)):
        comm = _comm.get_comm(None)
        same_len = isinstance(actual, (tuple, list)) and len(actual) == len(expected)
        assert_all_ranks(same_len, f"expected a sequence of {len(expected)} results, got {type(actual).__name__}", comm)
        for a, e in zip(actual, expected):
            assert_dist_equal(a, e, rtol=rtol, atol=atol, check_dtype=check_dtype, check_type=check_type)
        return
    expected_arr = asnumpy(expected) if isinstance(expected, DistArray) else np.asarray(expected)
    if isinstance(actual, DistArray):
        comm = actual.comm
        local_ok = actual.local.shape == actual.distribution.local_shape
        assert_all_ranks(local_ok, f"local block {actual.local.shape} != distribution's {actual.distribution.local_shape}", comm)
        if check_type and not isinstance(expected, (np.ndarray, DistArray)) and np.ndim(expected) == 0 and actual.ndim:
            assert_all_ranks(False, f"expected a scalar {expected!r}, got a DistArray of shape {actual.shape}", comm)
        gathered = asnumpy(actual)
        message = _compare(gathered, expected_arr, rtol, atol, check_dtype)
        assert_all_ranks(not message, message, comm)
        return
    comm = _comm.get_comm(None)
    if check_type and isinstance(expected, np.ndarray) and expected.ndim > 0 and not isinstance(actual, np.ndarray):
        assert_all_ranks(False, f"expected an array of shape {expected.shape}, got {type(actual).__name__}", comm)
    value = np.asarray(actual)  # a scalar or a small NumPy result: it must be identical on every rank
    everyone = _comm.allgather_object(comm, value.tobytes() + str(value.dtype).encode())
    same = all(v == everyone[0] for v in everyone)
    assert_all_ranks(same, f"scalar result differs across ranks: {actual!r}", comm)
    message = _compare(value, expected_arr, rtol, atol, check_dtype)
    assert_all_ranks(not message, message, comm)
