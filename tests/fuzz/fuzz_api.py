"""Deterministic bad-input fuzzing of the public API, compared with NumPy on the same global data.

Each case draws (from its own seed) an operation with good or bad arguments,
runs it with NumPy on the global data and with numpy_dist on a distributed
copy, and classifies the outcome collectively:

* mismatch: a different result, or an exception of another class than NumPy's
  (a subclass counts as the same);
* disagreement: ranks ended differently (some raised, some did not, or
  different exception classes);
* crash: numpy_dist raised where NumPy succeeded with an exception that is not
  one of NumPy's argument errors (an internal error);
* hang: a case that blocks; the watchdog (NUMPY_DIST_TIMEOUT) aborts the job
  and names the case, so a completed run has none.

Run: ``mpiexec -n 4 python -m tests.fuzz --cases 2000 --seed 0``; it prints
``C cases, H hangs, X crashes, D disagreements, M mismatches``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import DIST_CASES, distribute

DTYPES = [np.bool_, np.int8, np.int64, np.uint32, np.float32, np.float64, np.complex128]
ARG_ERRORS = (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, FloatingPointError, OverflowError)


@dataclass
class Case:
    name: str
    inputs: list[np.ndarray]
    call: Callable[..., Any]  # call(*inputs) with NumPy arrays or DistArrays


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    ndim = int(rng.integers(0, 4))
    return tuple(int(n) for n in rng.choice([0, 1, 2, 3, 5, 7], size=ndim))


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    x = rng.standard_normal(shape) * 5
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return np.asarray(x).astype(dtype)


def _axis(rng: np.random.Generator, ndim: int) -> Any:
    kind = rng.integers(0, 6)
    if kind == 0:
        return None
    if kind == 1:
        return int(rng.integers(-ndim - 1, ndim + 2))  # sometimes out of range
    if kind == 2 and ndim:
        k = int(rng.integers(1, ndim + 1))
        return tuple(int(a) for a in rng.choice(np.arange(-ndim, ndim), size=k))  # maybe duplicates
    if kind == 3:
        return 1.5  # not an integer
    return int(rng.integers(0, max(ndim, 1)))


def _index(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    parts = []
    for n in shape[: int(rng.integers(0, len(shape) + 2))]:
        kind = rng.integers(0, 7)
        if kind == 0:
            parts.append(int(rng.integers(-n - 2, n + 2)) if n else 0)
        elif kind == 1:
            a, b = sorted(int(v) for v in rng.integers(-n - 2, n + 3, size=2))
            parts.append(slice(a, b, int(rng.choice([1, 2, -1, 3]))))
        elif kind == 2:
            parts.append(rng.integers(-n - 1, n + 1, size=int(rng.integers(0, 4))))
        elif kind == 3:
            parts.append(None)
        elif kind == 4:
            parts.append(Ellipsis)
        elif kind == 5:
            parts.append(1.0)
        else:
            parts.append(slice(None))
    return tuple(parts) if len(parts) != 1 else parts[0]


BINARY = [np.add, np.subtract, np.multiply, np.true_divide, np.floor_divide, np.power, np.maximum, np.equal,
          np.less, np.logical_and, np.bitwise_and, np.arctan2, np.remainder, np.hypot, np.left_shift]
UNARY = [np.sqrt, np.exp, np.log, np.negative, np.abs, np.sin, np.isnan, np.invert, np.floor, np.conjugate]
REDUCTIONS = [np.sum, np.prod, np.mean, np.std, np.var, np.min, np.max, np.argmin, np.argmax, np.any, np.all,
              np.cumsum, np.nansum, np.nanmax, np.count_nonzero, np.ptp]


def make_case(seed: int) -> Case:
    """The case with this seed (a pure function of the seed: every rank draws the same)."""
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    dt = DTYPES[int(rng.integers(0, len(DTYPES)))]
    x = _data(rng, shape, dt)
    kind = int(rng.integers(0, 12))
    if kind == 9:  # sorting and searching
        f = [np.sort, np.argsort, np.unique, np.median, np.cumsum][int(rng.integers(0, 5))]
        axis = _axis(rng, len(shape))
        if f is np.unique:
            return Case(f"unique{shape}", [x], lambda a: np.unique(a))
        if f is np.argsort:
            return Case(f"argsort{shape} axis={axis}", [x], lambda a: np.argsort(a, axis=axis, kind="stable"))
        return Case(f"{f.__name__}{shape} axis={axis}", [x], lambda a: f(a, axis=axis))
    if kind == 10:  # linear algebra products
        other = _data(rng, shape[::-1] if rng.random() < 0.6 else _shape(rng), dt)
        f = [np.matmul, np.dot, np.tensordot][int(rng.integers(0, 3))]
        if f is np.tensordot:
            k = int(rng.integers(0, 3))
            return Case(f"tensordot{shape}{other.shape} axes={k}", [x, other], lambda a, b: np.tensordot(a, b, axes=k))
        return Case(f"{f.__name__}{shape}{other.shape}", [x, other], lambda a, b: f(a, b))
    if kind == 11:  # I/O: missing and corrupt files
        return _io_case(rng, x)
    if kind == 0:
        f = BINARY[int(rng.integers(0, len(BINARY)))]
        other_shape = shape if rng.random() < 0.6 else _shape(rng)
        y = _data(rng, other_shape, DTYPES[int(rng.integers(0, len(DTYPES)))])
        return Case(f"{f.__name__}{shape}{other_shape}", [x, y], lambda a, b: f(a, b))
    if kind == 1:
        f = UNARY[int(rng.integers(0, len(UNARY)))]
        return Case(f"{f.__name__}{shape}", [x], lambda a: f(a))
    if kind == 2:
        f = REDUCTIONS[int(rng.integers(0, len(REDUCTIONS)))]
        axis = _axis(rng, len(shape))
        keep = bool(rng.integers(0, 2)) and f not in (np.cumsum, np.count_nonzero)
        kw = {"axis": axis, **({"keepdims": True} if keep else {})}
        return Case(f"{f.__name__}{shape} {kw}", [x], lambda a: f(a, **kw))
    if kind == 3:
        key = _index(rng, shape)
        return Case(f"getitem{shape}[{key!r}]", [x], lambda a: a[key])
    if kind == 4:
        key = _index(rng, shape)
        value = float(rng.integers(-3, 3)) if rng.random() < 0.5 else rng.standard_normal(_shape(rng))

        def setitem(a):
            a = a.copy()
            a[key] = value
            return a

        return Case(f"setitem{shape}[{key!r}]={np.shape(value)}", [x], setitem)
    if kind == 5:
        new = tuple(int(v) for v in rng.choice([-1, 0, 1, 2, 3, 5, 6, 7, 35], size=int(rng.integers(0, 4))))
        return Case(f"reshape{shape}->{new}", [x], lambda a: np.reshape(a, new))
    if kind == 6:
        perm = tuple(int(v) for v in rng.permutation(len(shape))) if rng.random() < 0.7 else (0,) * len(shape)
        return Case(f"transpose{shape}{perm}", [x], lambda a: np.transpose(a, perm))
    if kind == 7:
        y = _data(rng, shape if rng.random() < 0.6 else _shape(rng), dt)
        axis = _axis(rng, len(shape))
        return Case(f"concatenate{shape}{y.shape} axis={axis}", [x, y],
                    lambda a, b: np.concatenate([a, b], axis=axis))
    # No object dtype: DistArrays refuse it by design (TypeError), where NumPy accepts it.
    kw = {"shape": shape if rng.random() < 0.7 else (-1, 2), "dtype": [float, np.int16, "bogus"][
        int(rng.integers(0, 3))]}
    maker = [nd.zeros, nd.ones, nd.empty][int(rng.integers(0, 3))]
    np_maker = {nd.zeros: np.zeros, nd.ones: np.ones, nd.empty: np.empty}[maker]

    def create(a):
        made = (np_maker if isinstance(a, np.ndarray) else maker)(kw["shape"], dtype=kw["dtype"])
        return np.zeros(np.shape(made), np.int8) if maker is nd.empty else made

    return Case(f"{maker.__name__}{kw}", [x], create)


_IO_DIR: list[str] = []


def _io_dir() -> str:
    """One scratch directory for every rank (rank 0 makes it, everyone learns its name)."""
    if not _IO_DIR:
        import tempfile

        name = tempfile.mkdtemp(prefix="nd-fuzz-") if MPI.COMM_WORLD.Get_rank() == 0 else None
        _IO_DIR.append(MPI.COMM_WORLD.bcast(name))
    return _IO_DIR[0]


def _io_case(rng: np.random.Generator, x: np.ndarray) -> Case:
    import os

    what = ["missing", "corrupt", "roundtrip"][int(rng.integers(0, 3))]
    path = os.path.join(_io_dir(), f"case{int(rng.integers(0, 10**9))}.npy")
    if what != "missing" and MPI.COMM_WORLD.Get_rank() == 0:
        if what == "corrupt":
            with open(path, "wb") as fh:
                fh.write(b"\x93NUMPY garbage" + bytes(int(rng.integers(0, 64))))
        else:
            np.save(path, x)
    MPI.COMM_WORLD.Barrier()

    def load(a):
        return np.load(path) if isinstance(a, np.ndarray) else nd.load(path)

    return Case(f"load {what} {x.shape}", [x], load)


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return "ok", fn()
    except Exception as exc:  # noqa: BLE001 - the fuzzer classifies every failure
        return "raised", exc


def _same_result(actual: Any, expected: Any) -> str:
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return "structure differs"
        for a, e in zip(actual, expected):
            why = _same_result(a, e)
            if why:
                return why
        return ""
    got = nd.asnumpy(actual) if isinstance(actual, nd.DistArray) else np.asarray(actual)
    want = np.asarray(expected)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype} != {want.dtype}"
    if want.dtype.kind in "fc":
        tol = 1e-4 if want.dtype.itemsize <= 8 and want.dtype.kind == "f" and want.dtype.itemsize <= 4 else 1e-9
        ok = np.allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
    else:
        ok = np.array_equal(got, want)
    return "" if ok else "values differ"


def run_case(seed: int, comm: MPI.Intracomm) -> tuple[str, str]:
    """Run one case at every rank; returns (verdict, detail), identical on every rank."""
    case = make_case(seed)
    expect_kind, expected = _outcome(lambda: case.call(*case.inputs))
    rng = np.random.default_rng(seed + 10**6)
    dists = []
    for x in case.inputs:
        names = [k for k in DIST_CASES if x.ndim == 0 or DIST_CASES[k](x.shape, comm) is not None]
        dists.append(distribute(x, names[int(rng.integers(0, len(names)))], comm) if x.ndim else nd.asarray(x))
    got_kind, got = _outcome(lambda: case.call(*dists))
    detail = ""
    if got_kind == "raised":
        detail = f"{type(got).__name__}: {got}"
        verdict = "ok"
        if expect_kind == "ok":
            verdict = "mismatch" if isinstance(got, ARG_ERRORS) else "crash"
            if verdict == "crash":
                detail += "\n" + "".join(traceback.format_exception(got))[-1500:]
        elif not isinstance(got, type(expected)):
            verdict = "mismatch" if isinstance(got, ARG_ERRORS) else "crash"
            detail = f"NumPy raised {type(expected).__name__}, numpy_dist {type(got).__name__}: {got}"
    elif expect_kind == "raised":
        verdict, detail = "mismatch", f"NumPy raised {type(expected).__name__}: {expected}; numpy_dist did not"
    else:
        why = _same_result(got, expected)
        verdict, detail = ("mismatch", why) if why else ("ok", "")
    # Every rank must have ended the same way.
    views = comm.allgather((verdict, got_kind, type(got).__name__ if got_kind == "raised" else ""))
    if len({v[1:] for v in views}) > 1:
        return "disagreement", f"{case.name}: " + "; ".join(f"rank {r}: {v}" for r, v in enumerate(views))
    worst = max(views, key=lambda v: ["ok", "mismatch", "crash"].index(v[0]))[0]
    return worst, f"{case.name}: {detail}" if worst != "ok" else ""


def fuzz(cases: int, seed: int, comm: MPI.Intracomm | None = None, verbose: bool = False) -> dict[str, Any]:
    """Run ``cases`` cases from ``seed``; returns the counts and the failing cases' details."""
    comm = comm or MPI.COMM_WORLD
    old = nd.set_fallback("allow")
    counts = {"cases": 0, "hangs": 0, "crashes": 0, "disagreements": 0, "mismatches": 0}
    failures = []
    key = {"crash": "crashes", "disagreement": "disagreements", "mismatch": "mismatches"}
    try:
        for i in range(cases):
            verdict, detail = run_case(seed * 100_000 + i, comm)
            counts["cases"] += 1
            if verdict != "ok":
                counts[key[verdict]] += 1
                failures.append(f"[case {seed * 100_000 + i}] {verdict}: {detail}")
                if verbose and comm.Get_rank() == 0:
                    print(failures[-1], flush=True)
    finally:
        nd.set_fallback(old)
    return {"counts": counts, "failures": failures}


def summary(counts: dict[str, int]) -> str:
    return (f"{counts['cases']} cases, {counts['hangs']} hangs, {counts['crashes']} crashes, "
            f"{counts['disagreements']} disagreements, {counts['mismatches']} mismatches")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not nd.checks._watchdog.enabled:
        nd.set_timeout(60)  # a hang ends the job with the case named, never a silent stall
    result = fuzz(args.cases, args.seed, verbose=args.verbose)
    if MPI.COMM_WORLD.Get_rank() == 0:
        if not args.verbose:
            for line in result["failures"][:50]:
                print(line)
        print(summary(result["counts"]))
    bad = sum(v for k, v in result["counts"].items() if k != "cases")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
