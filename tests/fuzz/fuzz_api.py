"""Differential fuzzing of the public API against NumPy, with good and bad arguments, at any rank count.

Each case draws (from its own id) a family, an operation and its arguments,
runs it with NumPy on the global data and with numpy_dist on a distributed
copy (a layout drawn from the DIST_CASES, explicit 2-d process grids and
unstructured maps with empty blocks), and classifies the outcome
collectively:

* mismatch: a different value, shape or dtype, or an exception of another
  class than NumPy's (a subclass counts as the same);
* disagreement: ranks ended differently (some raised, some did not,
  different exception classes or result kinds, different scalar results);
* crash: numpy_dist raised an exception that is not one of NumPy's argument
  errors (an internal error);
* hang: a case that runs longer than ``--case-timeout``: the watchdog prints
  the case and aborts the job, so a completed run has 0 hangs;
* fallbacks: nd.FallbackWarning occurrences (not failures; counted).

Comparisons by a property, where NumPy's own result is not unique (each with its reason; nothing else is
excluded):

* qr, svd, eigh (fam_linalg): vectors are unique only up to a unit factor, complete-mode Q's extra columns
  are any orthonormal completion, mode='raw' is LAPACK's internal form -> A = Q R, U S Vh = A, A v = v w,
  orthonormality, R^H R; eig/eigvals: no specified order -> sorted;
* argsort without kind='stable', partition, argpartition (fam_reduce, methods): the order of ties / of each
  side is unspecified -> the values the indices select, the kth element and the sides;
* unique_values: NumPy >= 2.3 returns them in no particular order (hash based) -> sorted;
* random values, shuffle, permutation (fam_random_io, fam_array): another stream than NumPy's -> shape,
  dtype, exception class, values in range, sorted contents;
* complex products with infinities (prod, cumprod and their nan-versions, multiply.reduce/accumulate/reduceat):
  which non-finite value comes out (inf+nanj or nan+nanj) depends on the grouping, and NumPy's own np.prod of
  the same values differs between C and Fortran order -> non-finite positions, finite values (multi_dot,
  matrix_power and the products family too, real ones included: BLAS's 1+0j scaling and the association of
  a chain decide it, (A @ A) @ A is nan where A @ (A @ A) is inf); a real product holding both a zero (or an underflow) and an
  overflow is 0, inf or NaN by its grouping -- NumPy's float16 np.prod(m, axis=0) is NaN in C order, 0 in
  Fortran order -> NaN against NumPy's 0 or inf there is accepted);
* uninitialised outputs (np.empty*, ufunc where= without out=) are never compared: where= always comes
  with out=;
* -0.0 and 0.0 are a tie: unstable sorts (np.sort, x.sort, argsort, np.unique without return_index,
  unique_counts, unique_inverse) may put either first -> compared with the sign of zero ignored;
* nanvar/nanstd with a wider dtype=: NumPy subtracts the mean in the input's own dtype -> the input dtype's
  eps sets the tolerance.

NumPy 2.4 bugs left out (NumPy's own answer is wrong, undefined or depends on memory layout; each is marked
where its case is drawn):

* bincount of values near 2**63 with weights (fam_reduce): zeros and a corrupted heap;
* SVD-based linalg of inf/NaN input (fam_linalg): OpenBLAS loops forever;
* einsum diagonal of a non-square empty matrix (fam_linalg): uninitialised memory;
* complex-to-real FFTs (irfft*, hfft) of an empty input padded by n= or s= (fam_linalg): uninitialised memory;
* unpackbits of an empty input padded by count= (fam_longtail): uninitialised memory;
* take mode='wrap' over an empty axis (fam_array): loops forever;
* cumsum into a 0-d out (fam_array): NumPy writes past it and crashes when the dtypes let it take its
  exact-size path, and raises ValueError otherwise (numpy_dist raises ValueError for every 0-d out;
  tests/dispatch/test_reductions.py);
* ldexp.reduce with dtype= (fam_elementwise): a 1-d or (n, 1) input loses all but two elements, a wider one
  does not;
* reduce/reduceat of arctan2 and power (fam_elementwise): NumPy's SIMD loops reorder the reduction, so its
  reduce is not even its own accumulate's last value (numpy_dist: NumPy's local answer, or element order over
  a split 1-d axis);
* an unsafe cast of NaN, inf or out-of-range floats into an integer out, an integer reduction dtype=
  (a 0 / 0 variance too) or an integer array by setitem (fam_elementwise, fam_reduce, fam_array): undefined
  in C;
  NumPy's own NaN -> uint32 is 2147483648 in a 6-element array and 0 in a 1-element one;
* a comparison ufunc with a Python int beyond the array's range under where= (fam_elementwise): NumPy
  crashes the process (numpy_dist answers; tests/dispatch/test_ufuncs.py);
* numpy.ma (fam_masked): masked_invalid of a masked 0-d array raises TypeError (its np.isfinite is the masked
  constant, whose ~ fails); a weighted average of a 0-d array raises AttributeError; median with keepdims
  over a 1-d array or every axis returns a plain ndarray.

Documented numpy_dist differences (fam_masked): numpy.ma's nomask arrays (the NumPy side always holds a mask
array); np.median and a weighted np.average of a masked array, where NumPy ignores the mask (compared with
np.ma.median and np.ma.average); an unmasked 0-d masked result, a scalar or a 0-d array by numpy.ma's path,
is a 0-d masked array (values compared).

Tolerances: 0 (bitwise, sign of zeros included) for integer/bool results and for correctly rounded
elementwise kernels; otherwise multiples of the result dtype's eps scaled by the problem (sums: log n
times sum|x|; linalg: size times the condition number; cond(p=-2), a ratio s_min / s_max in [0, 1]:
size times eps, absolute).

Run: ``mpiexec -n 4 python -m tests.fuzz --cases 2000 [--seed S] [--only FAMILY] [--case ID]``.
Without ``--seed`` the seed comes from the clock and is printed first; a
failing case prints its id, and ``--case ID`` (same rank count, same
``--only``) replays it verbosely.  The families and their reasons for
property comparisons are in the ``fam_*`` modules.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

import numpy as np
from mpi4py import MPI

import numpy_dist as nd

from . import (fam_array, fam_deferred, fam_elementwise, fam_linalg, fam_longtail, fam_masked, fam_random_io,
               fam_records, fam_reduce)
from .core import Case, CaseWatchdog, run_case

FAMILIES: dict[str, Any] = {}
for _m in (fam_elementwise, fam_reduce, fam_linalg, fam_array, fam_random_io, fam_longtail, fam_deferred, fam_masked,
           fam_records):
    FAMILIES.update(_m.FAMILIES)

# Relative weights: the big families get more cases.
WEIGHTS = {"ufunc": 3, "reduction": 3, "indexing": 3, "manipulation": 2, "linalg": 2, "fft": 2, "sorting": 2,
           "inplace": 2}

VERDICT_KEYS = {"crash": "crashes", "disagreement": "disagreements", "mismatch": "mismatches"}


def family_names(only: str | None = None) -> list[str]:
    if only is None:
        return list(FAMILIES)
    names = [n for n in only.split(",") if n]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise SystemExit(f"unknown family {unknown}; families: {', '.join(FAMILIES)}")
    return names


def make_case(case_id: int, only: str | None = None) -> Case:
    """The case with this id (a pure function of the id and --only: every rank draws the same)."""
    rng = np.random.default_rng(case_id)
    names = family_names(only)
    weights = np.array([WEIGHTS.get(n, 1) for n in names], float)
    family = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    case = FAMILIES[family](rng)
    case.family = family
    return case


def _new_counts() -> dict[str, int]:
    return {"cases": 0, "hangs": 0, "crashes": 0, "disagreements": 0, "mismatches": 0, "fallbacks": 0}


def fuzz(cases: int, seed: int, comm: MPI.Intracomm | None = None, verbose: bool = False, only: str | None = None,
         watchdog: CaseWatchdog | None = None, first: int = 0, stream: bool = False,
         trace: bool = False) -> dict[str, Any]:
    """Run ``cases`` cases from ``seed``; returns the counts, per-family counts and the failing cases' details."""
    comm = comm or MPI.COMM_WORLD
    old = nd.set_fallback("warn")
    counts = _new_counts()
    per_family: dict[str, Counter] = {}
    failures: list[str] = []
    try:
        for i in range(first, first + cases):
            case_id = seed * 100_000 + i
            case = make_case(case_id, only)
            case.name = " ".join(case.name.split())  # one line per case, even with array reprs
            label = f"case {case_id}{' --only ' + only if only else ''} [{case.family}] {case.name}"
            if watchdog is not None:
                watchdog.begin(label)
            if (verbose or trace) and comm.Get_rank() == 0:
                print(("running " if trace else "") + label, flush=True)  # trace: names a case that kills the job
            verdict, detail, fallbacks = run_case(case, np.random.default_rng(case_id + 7_777_777), comm,
                                                  verbose=verbose)
            if watchdog is not None:
                watchdog.end()
            fam = per_family.setdefault(case.family, Counter())
            fam["cases"] += 1
            counts["cases"] += 1
            fam["fallbacks"] += fallbacks
            counts["fallbacks"] += fallbacks
            if verdict != "ok":
                counts[VERDICT_KEYS[verdict]] += 1
                fam[VERDICT_KEYS[verdict]] += 1
                failures.append(f"[case {case_id}{' --only ' + only if only else ''}] {verdict}: {detail}")
                if (verbose or stream) and comm.Get_rank() == 0:
                    print(failures[-1], flush=True)  # as found: a later hang aborts the job
    finally:
        nd.set_fallback(old)
    fam_random_io.remove_io_dir()
    return {"counts": counts, "per_family": per_family, "failures": failures}


def summary(counts: dict[str, int]) -> str:
    return (f"{counts['cases']} cases, {counts['hangs']} hangs, {counts['crashes']} crashes, "
            f"{counts['disagreements']} disagreements, {counts['mismatches']} mismatches, "
            f"{counts['fallbacks']} fallbacks")


def family_table(per_family: dict[str, Counter]) -> str:
    cols = ["cases", "crashes", "disagreements", "mismatches", "fallbacks"]
    lines = [f"{'family':16s}" + "".join(f"{c:>15s}" for c in cols)]
    for name in sorted(per_family):
        lines.append(f"{name:16s}" + "".join(f"{per_family[name][c]:>15d}" for c in cols))
    return "\n".join(lines)


def _seed_from_clock(comm: MPI.Intracomm) -> int:
    return comm.bcast(int(time.time() * 1000) % 1_000_000 if comm.Get_rank() == 0 else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock (printed)")
    parser.add_argument("--start", type=int, default=0, help="index of the first case (resume after a hang)")
    parser.add_argument("--case", type=int, default=None, help="replay this case id verbosely")
    parser.add_argument("--only", default=None, help=f"comma-separated families: {', '.join(FAMILIES)}")
    parser.add_argument("--case-timeout", type=float, default=60.0, help="seconds before a case counts as hung")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--trace", action="store_true", help="print each case before running it")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    watchdog = CaseWatchdog(args.case_timeout)
    if not nd.watchdog.enabled():
        nd.set_timeout(2 * args.case_timeout)  # the library's own watchdog, behind the case watchdog
    if args.case is not None:
        seed, first, cases, verbose = args.case // 100_000, args.case % 100_000, 1, True
    else:
        seed = args.seed if args.seed is not None else _seed_from_clock(comm)
        first, cases, verbose = args.start, args.cases, args.verbose
    if rank == 0:
        print(f"fuzz: seed {seed} at {comm.Get_size()} rank(s){' only ' + args.only if args.only else ''} "
              f"(replay: --seed {seed}{' --only ' + args.only if args.only else ''})", flush=True)
    result = fuzz(cases, seed, comm, verbose=verbose, only=args.only, watchdog=watchdog, first=first, stream=True,
                   trace=args.trace)
    if rank == 0:
        print(family_table(result["per_family"]))
        print(summary(result["counts"]), flush=True)
    bad = sum(v for k, v in result["counts"].items() if k not in ("cases", "fallbacks"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
