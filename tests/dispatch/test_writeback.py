"""Functions that write into an argument write into the DistArray they were given.

NumPy is the oracle: the same call on a NumPy target and on a DistArray
target (plain layouts, empty blocks, 2-d grids, and views of a larger
DistArray whose base must see the write) leaves the same values in the
target, returns the target itself where NumPy returns its ``out``, and
raises the same exception class.  Inputs are DistArrays, or NumPy arrays
(then NumPy dispatches to the DistArray only because of ``out``).

The case table covers every overridable NumPy function that writes into an
argument: those taking ``out`` (read from their signatures, so a new one in a
later NumPy fails :func:`test_every_writer_has_a_case`) and the in-place ones
listed in :data:`EXPLICIT_IN_PLACE`.  Ufunc ``out=``/``at`` methods, in-place
operators, in-place methods and ``Generator.shuffle`` are checked too.

Each case runs over a deterministic rotation of the target layouts;
``NUMPY_DIST_EXHAUSTIVE=1`` runs every layout.
"""

from __future__ import annotations

import inspect
import operator
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest
from mpi4py import MPI
from numpy.testing.overrides import get_overridable_numpy_array_functions

import numpy_dist as nd
from numpy_dist.dispatch.registry import IN_PLACE_PARAMETERS, all_ufuncs, qualified_name, written_parameters
from numpy_dist.testing import assert_dist_equal, dist_cases, distribute, rng_data

from tests.dispatch._helpers import pick, public_exc, run_subcases

COMM = MPI.COMM_WORLD

# The overridable NumPy functions that write into an argument other than ``out``.
EXPLICIT_IN_PLACE = {"numpy.put", "numpy.put_along_axis", "numpy.place", "numpy.putmask", "numpy.copyto",
                     "numpy.fill_diagonal", "numpy.nan_to_num"}
# Overridable functions without an introspectable signature, each known to write nothing.
NO_SIGNATURE_NO_WRITE = {"numpy.fromstring"}


@pytest.fixture(autouse=True)
def _quiet_fallback():
    old = nd.set_fallback("allow")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
    nd.set_fallback(old)


# --------------------------------------------------------------------------
# Data (the same on every rank)
# --------------------------------------------------------------------------

A = rng_data((7, 4), np.float64, 1)
A2 = rng_data((7, 4), np.float64, 2)
AN = A.copy()
AN[1, 2] = AN[4, 0] = AN[6, 3] = np.nan
AI = A.copy()
AI[0, 1], AI[3, 3], AI[5, 0] = np.inf, -np.inf, np.nan
A3 = rng_data((3, 3, 4), np.float64, 3)
M = rng_data((4, 5), np.float64, 4)
M2 = rng_data((5, 3), np.float64, 5)
S4 = rng_data((4, 4), np.float64, 6)
V4 = rng_data((4,), np.float64, 7)
V5 = rng_data((5,), np.float64, 8)
V7 = rng_data((7,), np.float64, 9)
V7B = rng_data((7,), np.float64, 10)
V8 = rng_data((8,), np.float64, 11)
Z8 = rng_data((8,), np.complex128, 12)
Z5 = rng_data((5,), np.complex128, 13)
Z64 = rng_data((6, 4), np.complex128, 14)
Z63 = rng_data((6, 3), np.complex128, 15)
R64 = rng_data((6, 4), np.float64, 16)
CHOICE = (rng_data((7, 4), np.int64, 17) % 2).astype(np.int64) ** 2
I74 = rng_data((7, 4), np.int64, 18)
DATES = np.arange("2024-01-01", "2024-01-08", dtype="M8[D]")
MASK = A > 0


class W(NamedTuple):
    """One in-place call: ``call(target, conv)`` with inputs passed through ``conv``."""
    name: str                      # the NumPy function (or operation) covered
    label: str
    shape: tuple
    dtype: Any
    call: Callable[[Any, Callable], Any]
    numpy_inputs: bool = True      # also run with NumPy inputs (the DistArray only as out)
    strided_views: bool = True     # NumPy accepts a non-contiguous target (dot does not)
    numpy_ignores_out: bool = False  # NumPy's own bug: out is left alone; the oracle is its documented effect

    def __repr__(self) -> str:
        return f"{self.name}[{self.label}]"


def _w(name, label, shape, dtype, call, **kw) -> W:
    return W(name, label, shape, dtype, call, **kw)


def _reductions() -> list[W]:
    cases = []
    for f in (np.all, np.any):
        cases.append(_w(qualified_name(f), "axis0", (4,), bool, lambda t, c, f=f: f(c(MASK), axis=0, out=t)))
    for f in (np.amax, np.amin, np.max, np.min, np.mean, np.median, np.std, np.var, np.prod, np.ptp, np.sum):
        cases.append(_w(qualified_name(f), "axis0", (4,), np.float64, lambda t, c, f=f: f(c(A), axis=0, out=t)))
    for f in (np.nanmax, np.nanmin, np.nanmean, np.nanmedian, np.nanprod, np.nanstd, np.nansum, np.nanvar):
        cases.append(_w(qualified_name(f), "axis0", (4,), np.float64, lambda t, c, f=f: f(c(AN), axis=0, out=t)))
    for f in (np.argmax, np.argmin):
        cases.append(_w(qualified_name(f), "axis0", (4,), np.intp, lambda t, c, f=f: f(c(A), axis=0, out=t)))
    for f in (np.nanargmax, np.nanargmin):
        cases.append(_w(qualified_name(f), "axis0", (4,), np.intp, lambda t, c, f=f: f(c(AN), axis=0, out=t)))
    for f, q in ((np.percentile, 30), (np.quantile, 0.3)):
        cases.append(_w(qualified_name(f), "axis0", (4,), np.float64, lambda t, c, f=f, q=q: f(c(A), q, axis=0, out=t)))
    for f, q in ((np.nanpercentile, 30), (np.nanquantile, 0.3)):
        cases.append(_w(qualified_name(f), "axis0", (4,), np.float64,
                        lambda t, c, f=f, q=q: f(c(AN), q, axis=0, out=t)))
    cases += [
        _w("numpy.sum", "0-d", (), np.float64, lambda t, c: np.sum(c(A), out=t)),
        _w("numpy.sum", "keepdims", (1, 4), np.float64, lambda t, c: np.sum(c(A), axis=0, keepdims=True, out=t)),
        _w("numpy.sum", "float-into-int", (4,), np.int64, lambda t, c: np.sum(c(A), axis=0, out=t)),
        _w("numpy.mean", "float32-out", (7,), np.float32, lambda t, c: np.mean(c(A), axis=1, out=t)),
        _w("numpy.max", "axis1", (7,), np.float64, lambda t, c: np.max(c(A), axis=1, out=t)),
        _w("numpy.argmax", "flat-0-d", (), np.intp, lambda t, c: np.argmax(c(A), out=t)),
        _w("numpy.median", "wrong-shape-raises", (5,), np.float64, lambda t, c: np.median(c(A), axis=0, out=t)),
    ]
    return cases


def _same_shape() -> list[W]:
    f8 = np.float64
    return [
        _w("numpy.around", "decimals1", (7, 4), f8, lambda t, c: np.around(c(A), 1, out=t)),
        _w("numpy.round", "decimals0", (7, 4), f8, lambda t, c: np.round(c(A), out=t)),
        _w("numpy.clip", "scalars", (7, 4), f8, lambda t, c: np.clip(c(A), -1, 1, out=t)),
        _w("numpy.clip", "int-out-raises", (7, 4), np.int64, lambda t, c: np.clip(c(A), -1, 1, out=t)),
        _w("numpy.fix", "plain", (7, 4), f8, lambda t, c: np.fix(c(A), out=t)),
        _w("numpy.isneginf", "plain", (7, 4), bool, lambda t, c: np.isneginf(c(AI), out=t)),
        _w("numpy.isposinf", "plain", (7, 4), bool, lambda t, c: np.isposinf(c(AI), out=t)),
        _w("numpy.cumsum", "axis0", (7, 4), f8, lambda t, c: np.cumsum(c(A), axis=0, out=t)),
        _w("numpy.cumsum", "flat", (28,), f8, lambda t, c: np.cumsum(c(A), out=t)),
        _w("numpy.cumprod", "axis1", (7, 4), f8, lambda t, c: np.cumprod(c(A), axis=1, out=t)),
        _w("numpy.cumulative_sum", "axis0", (7, 4), f8, lambda t, c: np.cumulative_sum(c(A), axis=0, out=t)),
        _w("numpy.cumulative_prod", "axis0", (7, 4), f8, lambda t, c: np.cumulative_prod(c(A), axis=0, out=t)),
        _w("numpy.nancumsum", "axis0", (7, 4), f8, lambda t, c: np.nancumsum(c(AN), axis=0, out=t)),
        _w("numpy.nancumprod", "axis0", (7, 4), f8, lambda t, c: np.nancumprod(c(AN), axis=0, out=t)),
        _w("numpy.choose", "two", (7, 4), f8, lambda t, c: np.choose(c(CHOICE), [c(A), c(A2)], out=t)),
        _w("numpy.compress", "axis0", (4, 4), f8,
           lambda t, c: np.compress([True, False, True, True, False, False, True], c(A), axis=0, out=t)),
        _w("numpy.concatenate", "axis0", (14, 4), f8, lambda t, c: np.concatenate([c(A), c(A2)], axis=0, out=t)),
        _w("numpy.stack", "axis0", (2, 7), f8, lambda t, c: np.stack([c(V7), c(V7B)], out=t)),
        _w("numpy.take", "flat", (4,), f8, lambda t, c: np.take(c(V7), [0, 3, 6, 3], out=t)),
        _w("numpy.take", "axis0", (2, 4), f8, lambda t, c: np.take(c(A), [1, 5], axis=0, out=t)),
        _w("numpy.trace", "3-d", (4,), f8, lambda t, c: np.trace(c(A3), out=t)),
        _w("numpy.outer", "plain", (7, 5), f8, lambda t, c: np.outer(c(V7), c(V5), out=t)),
        _w("numpy.dot", "matrix", (7, 5), f8, lambda t, c: np.dot(c(A), c(M), out=t), strided_views=False),
        _w("numpy.linalg.multi_dot", "three", (7, 3), f8,
           lambda t, c: np.linalg.multi_dot([c(A), c(M), c(M2)], out=t), strided_views=False),
        _w("numpy.einsum", "matmul", (7, 5), f8, lambda t, c: np.einsum("ij,jk->ik", c(A), c(M), out=t)),
        _w("numpy.einsum", "column-sums", (4,), f8, lambda t, c: np.einsum("ij->j", c(A), out=t)),
        _w("numpy.busday_count", "plain", (7,), np.int64, lambda t, c: np.busday_count(c(DATES), c(DATES + 5), out=t)),
        _w("numpy.busday_offset", "forward", (7,), "M8[D]",
           lambda t, c: np.busday_offset(c(DATES), 2, roll="forward", out=t)),
        _w("numpy.is_busday", "plain", (7,), bool, lambda t, c: np.is_busday(c(DATES), out=t)),
    ]


def _fft() -> list[W]:
    # NumPy 2.4's ifft2, irfft2 and hfft pass out=None on to the transform they call: the ``out`` given
    # is left unchanged and a new array returned.  numpy_dist places the result in ``out`` as NumPy
    # documents (numpy_ignores_out: the oracle is NumPy's returned value stored in its out).
    c16, f8 = np.complex128, np.float64
    return [
        _w("numpy.fft.fft", "1-d", (8,), c16, lambda t, c: np.fft.fft(c(Z8), out=t)),
        _w("numpy.fft.fft", "axis0", (6, 4), c16, lambda t, c: np.fft.fft(c(Z64), axis=0, out=t)),
        _w("numpy.fft.ifft", "1-d", (8,), c16, lambda t, c: np.fft.ifft(c(Z8), out=t)),
        _w("numpy.fft.fft2", "plain", (6, 4), c16, lambda t, c: np.fft.fft2(c(Z64), out=t)),
        _w("numpy.fft.ifft2", "plain", (6, 4), c16, lambda t, c: np.fft.ifft2(c(Z64), out=t), numpy_ignores_out=True),
        _w("numpy.fft.fftn", "plain", (6, 4), c16, lambda t, c: np.fft.fftn(c(Z64), out=t)),
        _w("numpy.fft.ifftn", "plain", (6, 4), c16, lambda t, c: np.fft.ifftn(c(Z64), out=t)),
        _w("numpy.fft.rfft", "1-d", (5,), c16, lambda t, c: np.fft.rfft(c(V8), out=t)),
        _w("numpy.fft.rfft2", "plain", (6, 3), c16, lambda t, c: np.fft.rfft2(c(R64), out=t)),
        _w("numpy.fft.rfftn", "plain", (6, 3), c16, lambda t, c: np.fft.rfftn(c(R64), out=t)),
        _w("numpy.fft.irfft", "1-d", (8,), f8, lambda t, c: np.fft.irfft(c(Z5), out=t)),
        _w("numpy.fft.irfft2", "plain", (6, 4), f8, lambda t, c: np.fft.irfft2(c(Z63), out=t), numpy_ignores_out=True),
        _w("numpy.fft.irfftn", "plain", (6, 4), f8, lambda t, c: np.fft.irfftn(c(Z63), out=t)),
        _w("numpy.fft.hfft", "1-d", (8,), f8, lambda t, c: np.fft.hfft(c(Z5), out=t), numpy_ignores_out=True),
        _w("numpy.fft.ihfft", "1-d", (5,), c16, lambda t, c: np.fft.ihfft(c(V8), out=t)),
    ]


def _explicit() -> list[W]:
    f8 = np.float64
    idx = np.array([[0], [2], [5], [1]])
    return [
        _w("numpy.put", "flat", (7, 4), f8, lambda t, c: np.put(t, [0, 5, -1], [9.0, 8.0, 7.0])),
        _w("numpy.put", "wrap", (7, 4), f8, lambda t, c: np.put(t, c(np.array([3, 40, -33])), 1.5, mode="wrap")),
        _w("numpy.put", "out-of-bounds-raises", (7, 4), f8, lambda t, c: np.put(t, [100], 1.0)),
        _w("numpy.put_along_axis", "issue-15", (4, 6), bool, lambda t, c: np.put_along_axis(t, idx, True, axis=1)),
        _w("numpy.put_along_axis", "axis0", (7, 4), f8,
           lambda t, c: np.put_along_axis(t, c(np.array([[6, 0, 3, 1]])), c(np.array([[1.0, 2.0, 3.0, 4.0]])), 0)),
        _w("numpy.place", "cycle", (7, 4), f8, lambda t, c: np.place(t, c(MASK), [1.0, 2.0, 3.0])),
        _w("numpy.putmask", "array", (7, 4), f8, lambda t, c: np.putmask(t, c(MASK), c(A2))),
        _w("numpy.putmask", "repeat", (7, 4), f8, lambda t, c: np.putmask(t, c(MASK), [1.0, 2.0])),
        _w("numpy.copyto", "plain", (7, 4), f8, lambda t, c: np.copyto(t, c(A2))),
        _w("numpy.copyto", "where", (7, 4), f8, lambda t, c: np.copyto(t, c(A2), where=c(MASK))),
        _w("numpy.copyto", "broadcast", (7, 4), f8, lambda t, c: np.copyto(t, c(V4))),
        _w("numpy.copyto", "scalar", (7, 4), f8, lambda t, c: np.copyto(t, 3.5)),
        _w("numpy.copyto", "casting-raises", (7, 4), np.int64, lambda t, c: np.copyto(t, c(A))),
        _w("numpy.copyto", "unsafe", (7, 4), np.int64, lambda t, c: np.copyto(t, c(A), casting="unsafe")),
        _w("numpy.fill_diagonal", "tall", (7, 4), f8, lambda t, c: np.fill_diagonal(t, 5.0)),
        _w("numpy.fill_diagonal", "wrap", (9, 3), f8, lambda t, c: np.fill_diagonal(t, [1.0, 2.0, 3.0], wrap=True)),
        _w("numpy.fill_diagonal", "square", (4, 4), f8, lambda t, c: np.fill_diagonal(t, c(V4))),
        _w("numpy.nan_to_num", "copy-false", (7, 4), f8,
           lambda t, c: np.nan_to_num(_fill(t, c(AI)), copy=False, nan=-1.0, posinf=9.0)),
    ]


def _fill(t: Any, x: Any) -> Any:
    """``t`` after copying ``x`` into it (a target that holds special values)."""
    np.copyto(t, x)
    return t


def _setitem_iop(op: Callable, key: Any, value: Any) -> Callable:
    """``t[key] op= value``: Python's getitem, in-place operator, setitem."""
    def call(t, c):
        t[key] = op(t[key], c(value) if isinstance(value, np.ndarray) else value)
    return call


def _ufuncs() -> list[W]:
    f8, i8 = np.float64, np.int64
    vals = rng_data((3,), f8, 19)
    return [
        _w("numpy.negative", "out", (7, 4), f8, lambda t, c: np.negative(c(A), out=t)),
        _w("numpy.negative", "bool-raises", (7, 4), bool, lambda t, c: np.negative(c(MASK), out=t)),
        _w("numpy.add", "out-tuple", (7, 4), f8, lambda t, c: np.add(c(A), c(A2), out=(t,))),
        _w("numpy.add", "where", (7, 4), f8, lambda t, c: np.add(c(A), c(A2), out=t, where=c(MASK))),
        _w("numpy.add", "broadcast", (7, 4), f8, lambda t, c: np.add(c(V4), 1.0, out=t)),
        _w("numpy.add", "self", (7, 4), f8, lambda t, c: np.add(t, c(A2), out=t)),
        _w("numpy.multiply", "into-int-raises", (7, 4), i8, lambda t, c: np.multiply(c(A), 2, out=t)),
        _w("numpy.divmod", "first", (7, 4), f8, lambda t, c: np.divmod(c(A), 0.7, out=(t, None))),
        _w("numpy.divmod", "second", (7, 4), f8, lambda t, c: np.divmod(c(A), 0.7, out=(None, t))),
        _w("numpy.modf", "second", (7, 4), f8, lambda t, c: np.modf(c(A), out=(None, t))),
        _w("numpy.add.at", "1-d", (7,), f8, lambda t, c: np.add.at(t, [0, 0, 3, -1], 1.5), numpy_inputs=False),
        _w("numpy.add.at", "2-d", (7, 4), f8,
           lambda t, c: np.add.at(t, (np.array([0, 0, 6]), np.array([1, 1, 3])), c(vals))),
        _w("numpy.add.at", "slice", (7, 4), f8, lambda t, c: np.add.at(t, (slice(1, 5), 2), 1.0), numpy_inputs=False),
        _w("numpy.negative.at", "1-d", (7,), f8, lambda t, c: np.negative.at(t, [0, 2, 2]), numpy_inputs=False),
        _w("numpy.maximum.at", "2-d", (7, 4), f8, lambda t, c: np.maximum.at(t, [1, 1, 4], c(V4))),
        _w("numpy.add.reduce", "axis0", (4,), f8, lambda t, c: np.add.reduce(c(A), axis=0, out=t)),
        _w("numpy.add.accumulate", "axis1", (7, 4), f8, lambda t, c: np.add.accumulate(c(A), axis=1, out=t)),
        _w("numpy.add.reduceat", "1-d", (3,), f8, lambda t, c: np.add.reduceat(c(V7), [0, 3, 5], out=t)),
        _w("numpy.multiply.outer", "plain", (7, 5), f8, lambda t, c: np.multiply.outer(c(V7), c(V5), out=t)),
        _w("numpy.matmul", "plain", (7, 5), f8, lambda t, c: np.matmul(c(A), c(M), out=t)),
        _w("numpy.vecdot", "rows", (7,), f8, lambda t, c: np.vecdot(c(A), c(A2), out=t)),
        _w("numpy.matvec", "plain", (7,), f8, lambda t, c: np.matvec(c(A), c(V4), out=t)),
        _w("numpy.vecmat", "plain", (4,), f8, lambda t, c: np.vecmat(c(V7), c(A), out=t)),
    ]


def _operators() -> list[W]:
    f8, i8 = np.float64, np.int64
    cases = []
    for op, rhs in ((operator.iadd, A2), (operator.isub, 1.5), (operator.imul, A2), (operator.itruediv, 2.0),
                    (operator.ifloordiv, 0.3), (operator.imod, 0.7), (operator.ipow, 2)):
        cases.append(_w(f"operator.{op.__name__}", "float", (7, 4), f8,
                        lambda t, c, op=op, rhs=rhs: op(t, c(rhs) if isinstance(rhs, np.ndarray) else rhs)))
    for op, rhs in ((operator.iand, I74), (operator.ior, I74), (operator.ixor, 5), (operator.ilshift, 2),
                    (operator.irshift, 1)):
        cases.append(_w(f"operator.{op.__name__}", "int", (7, 4), i8,
                        lambda t, c, op=op, rhs=rhs: op(t, c(rhs) if isinstance(rhs, np.ndarray) else rhs)))
    cases += [
        _w("operator.imatmul", "square", (4, 4), f8, lambda t, c: operator.imatmul(t, c(S4))),
        _w("operator.iadd", "float-into-int-raises", (7, 4), i8, lambda t, c: operator.iadd(t, c(A))),
        _w("operator.iadd", "rows-step", (7, 4), f8, _setitem_iop(operator.iadd, slice(None, None, 2), 1.0)),
        _w("operator.imul", "block", (7, 4), f8,
           _setitem_iop(operator.imul, (slice(1, 5), slice(None, None, 2)), rng_data((4, 2), f8, 20))),
    ]
    return cases


def _methods() -> list[W]:
    f8 = np.float64
    m = dict(numpy_inputs=False)
    return [
        _w("ndarray.sort", "axis0", (7, 4), f8, lambda t, c: t.sort(axis=0), **m),
        _w("ndarray.sort", "last", (7, 4), f8, lambda t, c: t.sort(), **m),
        _w("ndarray.sort", "1-d", (17,), f8, lambda t, c: t.sort(), **m),
        _w("ndarray.partition", "axis0", (7, 4), f8, lambda t, c: t.partition(2, axis=0), **m),
        _w("ndarray.fill", "scalar", (7, 4), f8, lambda t, c: t.fill(2.5), **m),
        _w("ndarray.put", "flat", (7, 4), f8, lambda t, c: t.put([1, 2, 27], [3.0, 4.0, 5.0]), **m),
        _w("ndarray.clip", "into-self", (7, 4), f8, lambda t, c: t.clip(-1, 1, out=t), **m),
        _w("ndarray.cumsum", "into-self", (7, 4), f8, lambda t, c: t.cumsum(axis=0, out=t), **m),
        _w("ndarray.round", "into-self", (7, 4), f8, lambda t, c: t.round(1, out=t), **m),
    ]


def _empty() -> list[W]:
    f8 = np.float64
    e = np.zeros((0, 4))
    return [
        _w("numpy.copyto", "empty", (0, 4), f8, lambda t, c: np.copyto(t, c(e))),
        _w("numpy.cumsum", "empty", (0, 4), f8, lambda t, c: np.cumsum(c(e), axis=0, out=t)),
        _w("numpy.sum", "over-empty-axis", (4,), f8, lambda t, c: np.sum(c(e), axis=0, out=t)),
        _w("numpy.fill_diagonal", "empty", (0, 3), f8, lambda t, c: np.fill_diagonal(t, 1.0)),
        _w("numpy.add", "empty", (0, 4), f8, lambda t, c: np.add(c(e), 1.0, out=t)),
        _w("numpy.put", "empty-indices", (7, 4), f8, lambda t, c: np.put(t, np.array([], np.intp), 1.0)),
    ]


CASES = (_reductions() + _same_shape() + _fft() + _explicit() + _ufuncs() + _operators() + _methods()
         + _empty())


# --------------------------------------------------------------------------
# Targets: plain layouts and views of a larger DistArray
# --------------------------------------------------------------------------

VIEW_BASES = ("block", "cyclic", "blockcyclic2", "uneven", "grid_bb", "grid_cb")


class Target(NamedTuple):
    name: str
    base_shape: tuple    # shape of the array the target lives in
    key: Any             # the target is base[key] (None: the base itself)
    case: str            # distribution case of the base
    strided: bool        # the NumPy view is not contiguous

    def __repr__(self) -> str:
        return self.name


def targets_for(shape: tuple) -> list[Target]:
    """Plain layouts of ``shape`` and views of ``shape`` into larger arrays on several layouts."""
    out = [Target(case, shape, None, case, False) for case in dist_cases(len(shape))]
    if not shape:
        return out
    n = shape[0]
    for base in VIEW_BASES:
        if base.startswith("grid") and len(shape) < 2:
            continue
        out.append(Target(f"rows-view[{base}]", (n + 3,) + shape[1:], (slice(2, n + 2),), base, False))
        out.append(Target(f"step-view[{base}]", (2 * n + 1,) + shape[1:], (slice(1, None, 2),), base, True))
        out.append(Target(f"reversed-view[{base}]", shape, (slice(None, None, -1),), base, True))
        if len(shape) >= 2:
            out.append(Target(f"column-view[{base}]", (n, 2 * shape[1]) + shape[2:],
                              (slice(None), slice(1, None, 2)), base, True))
    return out


def initial(shape: tuple, dtype: Any, seed: int = 21) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "M":
        return (np.datetime64("2023-06-01", "D") + np.arange(int(np.prod(shape)))).reshape(shape).astype(dt)
    return np.asarray(rng_data(shape, dt, seed))  # 0-d: an array, not a NumPy scalar


def _conv_for(case: str) -> Callable:
    """DistArray inputs: the target's layout where it applies to the input, else block."""
    def conv(x):
        x = np.asarray(x)
        return distribute(x, case if x.ndim and case in dist_cases(x.ndim) else "block")
    return conv


def _numpy_conv(x):
    return x


def check_one(w: W, target: Target, dist_inputs: bool) -> None:
    """``w`` on a NumPy target and on a DistArray target: same base contents, identity and exception."""
    base_np = initial(target.base_shape, w.dtype)
    t = base_np if target.key is None else base_np[target.key]
    base_d = distribute(base_np, target.case)
    d = base_d if target.key is None else base_d[target.key]
    try:
        expected = w.call(t, _numpy_conv)
        if w.numpy_ignores_out:
            t[...], expected = expected, t
    except Exception as exc:  # noqa: BLE001 - NumPy's exception is the oracle
        with pytest.raises(public_exc(type(exc))):
            w.call(d, _conv_for(target.case) if dist_inputs else _numpy_conv)
        return
    got = _agreed_call(lambda: w.call(d, _conv_for(target.case) if dist_inputs else _numpy_conv))
    assert_dist_equal(base_d, base_np)   # collective: the base holds NumPy's values everywhere
    assert_dist_equal(d, t)
    if expected is t:
        assert got is d, f"NumPy returns its out; got {type(got).__name__}"
    elif expected is None:
        assert got is None, f"NumPy returns None; got {type(got).__name__}"
    elif isinstance(expected, tuple):
        assert all((g is d) == (e is t) for g, e in zip(got, expected)), "out not returned in its place"


def _agreed_call(call: Callable[[], Any]) -> Any:
    """``call()``; an exception on any rank fails every rank (before the collective checks that follow)."""
    try:
        result, error = call(), None
    except Exception as exc:  # noqa: BLE001
        result, error = None, exc
    verdicts = COMM.allgather(None if error is None else f"{type(error).__name__}: {error}")
    if error is not None:
        raise error
    if any(verdicts):
        raise AssertionError(f"NumPy succeeds; some ranks raised: {verdicts}")
    return result


def _targets(w: W, k: int, n_plain: int = 4, n_views: int = 3) -> list[Target]:
    """A rotation (by case number ``k``) of the plain layouts and of the views (every one when exhaustive)."""
    ts = [tg for tg in targets_for(w.shape) if w.strided_views or not tg.strided]
    plain = [tg for tg in ts if tg.key is None]
    views = [tg for tg in ts if tg.key is not None]
    return pick(plain, k, n_plain) + pick(views, k, n_views)


def _case_id(w: W) -> str:
    return f"{w.name}-{w.label}"


# Native implementations (files owned elsewhere) that lose the write or differ from NumPy:
# test id -> reason.  Each is xfail(strict=True), so a fix shows up as XPASS.
KNOWN_BROKEN: dict[str, str] = {}

PARAMS = [(w, mode) for w in CASES for mode in (("dist", "numpy") if w.numpy_inputs else ("dist",))]
PARAM_IDS = [f"{_case_id(w)}-{mode}-inputs" for w, mode in PARAMS]


@pytest.mark.parametrize("w,mode", [pytest.param(w, m, id=i, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BROKEN[i])]
                                                 if i in KNOWN_BROKEN else []) for (w, m), i in zip(PARAMS, PARAM_IDS)])
def test_writes_into_distarray(w: W, mode: str):
    k = CASES.index(w) + (mode == "numpy")
    run_subcases([(w, tg, mode == "dist") for tg in _targets(w, k)], check_one)


# --------------------------------------------------------------------------
# Every ufunc: out= and at with a DistArray target
# --------------------------------------------------------------------------

_PREFERRED = "d?lFD"  # loop type characters, in order of preference


def _loop(ufunc: np.ufunc) -> tuple[list[np.dtype], list[np.dtype]] | None:
    """A loop of ``ufunc`` over float64 / bool / int64 / complex (inputs, outputs), or None."""
    for ch in _PREFERRED:
        for types in ufunc.types:
            ins, outs = types.split("->")
            if ins[0] == ch and all(c in "?bBhHiIlLqQefdgFDG" for c in ins + outs):
                return [np.dtype(c) for c in ins], [np.dtype(c) for c in outs]
    return None


def _ufunc_inputs(ufunc: np.ufunc, dtypes: list[np.dtype], shape: tuple) -> list[np.ndarray]:
    xs = []
    for i, dt in enumerate(dtypes):
        x = rng_data(shape, dt, 30 + i)
        if dt.kind in "iu" and ufunc in (np.power, np.left_shift, np.right_shift, np.ldexp):
            x = (np.abs(x) % 5).astype(dt)
        xs.append(x)
    return xs


UFUNCS = [u for u in all_ufuncs() if not u.signature and _loop(u) is not None]


def _via_contiguous(t: Any, f: Callable[[Any], Any]) -> Any:
    """``f(t)`` for a DistArray; for NumPy, ``f`` on a contiguous copy stored back into ``t``.

    NumPy 2.4's isnan/isinf/isfinite/signbit loops write wrong values into a 2-d
    strided bool ``out`` (``np.isnan(x, out=b[:, 1::2])``), so the oracle of
    the ufunc sweep is the documented effect: the results stored in ``out``.
    """
    if not isinstance(t, np.ndarray):
        return f(t)
    tmp = np.ascontiguousarray(t)
    result = f(tmp)
    t[...] = tmp
    if isinstance(result, tuple):
        return tuple(t if r is tmp else r for r in result)
    return t if result is tmp else result


# NumPy 2.4.6 writes wrong values from these loops into a 2-d strided bool out (np.isnan(x, out=b[:, 1::2]));
# the native ufunc path computes into a contiguous stand-in (dispatch/ufuncs.py _STRIDED_OUT_BUG), and
# test_strided_bool_out_numpy_bug pins the case down.
NUMPY_STRIDED_BOOL_BUG = {np.isnan, np.isinf, np.isfinite, np.signbit}


@pytest.mark.parametrize("ufunc", UFUNCS, ids=[u.__name__ for u in UFUNCS])
def test_every_ufunc_out_and_at(ufunc: np.ufunc):
    in_types, out_types = _loop(ufunc)
    shape = (7, 3)
    xs = _ufunc_inputs(ufunc, in_types, shape)
    cases = []
    for j, ot in enumerate(out_types):
        outs = lambda t, j=j: tuple(t if i == j else None for i in range(ufunc.nout))  # noqa: E731
        cases.append(W(qualified_name(ufunc), f"out{j}", shape, ot,
                       lambda t, c, outs=outs: _via_contiguous(t, lambda o: ufunc(*[c(x) for x in xs], out=outs(o)))))
    if ufunc.nout == 1 and in_types[0] == out_types[0]:
        at_vals = [x[:3, 0] for x in xs[1:]]
        cases.append(W(qualified_name(ufunc, "at"), "at", shape, in_types[0],
                       lambda t, c: ufunc.at(t, (np.array([0, 0, 6]), np.array([1, 1, 2])), *[c(v) for v in at_vals])))
    k = UFUNCS.index(ufunc)
    items = [(w, tg, (k + i) % 2 == 0) for w in cases for i, tg in enumerate(_targets(w, k, 3, 2))]
    run_subcases(items, check_one)


@pytest.mark.parametrize("ufunc", sorted(NUMPY_STRIDED_BOOL_BUG, key=lambda u: u.__name__),
                         ids=lambda u: u.__name__)
def test_strided_bool_out_numpy_bug(ufunc):
    x = rng_data((7, 3), np.float64, 30)
    w = W(qualified_name(ufunc), "column-view", (7, 3), bool,
          lambda t, c: _via_contiguous(t, lambda o: ufunc(c(x), out=o)))
    check_one(w, Target("column-view[replicated]", (7, 6), (slice(None), slice(1, None, 2)), "replicated", True), True)


# --------------------------------------------------------------------------
# Generator.shuffle (numpy_dist's generator: its own streams, so its own oracle)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0,), (1,), (17,), (9, 3)])
def test_generator_shuffle_writes_into_target(shape):
    def body(target: Target):
        base_np = initial(target.base_shape, np.float64)
        t = base_np if target.key is None else base_np[target.key]
        expected_perm = nd.asnumpy(nd.random.default_rng(5).permutation(nd.asarray(np.ascontiguousarray(t))))
        base_d = distribute(base_np, target.case)
        d = base_d if target.key is None else base_d[target.key]
        assert nd.random.default_rng(5).shuffle(d) is None
        t[...] = expected_perm
        assert_dist_equal(base_d, base_np)
    run_subcases([(tg,) for tg in targets_for(shape)], body)


# --------------------------------------------------------------------------
# Views whose local blocks are copies (documented for unstructured axes)
# --------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="a slice of an unstructured axis whose local positions are not an "
                                       "arithmetic progression is a copy (numpy_dist/indexing.py), so no "
                                       "write through it reaches the base")
def test_write_through_unstructured_view_reaches_base():
    w = next(w for w in CASES if w.name == "numpy.copyto" and w.label == "scalar")
    check_one(w, Target("step3-view[unstructured]", (21, 4), (slice(None, None, 3),), "unstructured", True), True)


# --------------------------------------------------------------------------
# Completeness: every overridable NumPy function that writes has a case
# --------------------------------------------------------------------------


def _writers() -> dict[str, Any]:
    """Overridable NumPy functions that write into an argument, by qualified name."""
    found = {}
    for f in get_overridable_numpy_array_functions():
        name = qualified_name(f)
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            assert name in NO_SIGNATURE_NO_WRITE, f"{name} has no signature: decide whether it writes"
            continue
        if "out" in params or name in EXPLICIT_IN_PLACE:
            found[name] = f
    return found


def test_every_writer_has_a_case():
    covered = {w.name for w in CASES}
    missing = sorted(set(_writers()) - covered)
    assert not missing, f"NumPy functions that write into an argument without a write-back case: {missing}"


def test_registry_knows_every_writer():
    """The fallback's table of written parameters matches NumPy's writers."""
    assert {qualified_name(f) for f in IN_PLACE_PARAMETERS} == EXPLICIT_IN_PLACE
    for name, f in _writers().items():
        params = written_parameters(f)
        assert params, f"{name}: the fallback would not write back"
        assert set(params) <= set(inspect.signature(f).parameters), (name, params)
    assert written_parameters(np.sort) == () and written_parameters(np.add.at) == ("a",)


def test_fallback_write_back_to_numpy_out_is_numpy_out():
    """A NumPy ``out`` given to a fallback with DistArray inputs is written and returned as NumPy does."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    d = distribute(x, "cyclic")
    out = np.zeros(3)
    got = np.add.reduceat(d, [0, 3, 5], out=out)
    expected = np.add.reduceat(x, [0, 3, 5])
    assert got is out
    assert_dist_equal(out, expected)


def test_fallback_unknown_write_raises_instead_of_losing_it():
    """Gathered arguments that NumPy is not known to write are read-only: a write raises, not vanishes."""
    from numpy_dist.dispatch import protocol

    def sneaky(a):
        a[0] = 1.0
        return None

    d = distribute(np.zeros(5), "block")
    with pytest.raises(ValueError, match="read-only"):
        protocol.fallback(sneaky, (d,), {}, "sneaky")
    assert_dist_equal(d, np.zeros(5))
