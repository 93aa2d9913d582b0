"""The fuzzer's machinery: cases, data, layouts, outcomes, comparison, verdicts, the hang watchdog.

A family module (``fam_*.py``) turns a random generator into a :class:`Case`:
NumPy inputs that are distributed on the numpy_dist side (or kept as they are
when wrapped in :class:`Keep`), and one ``call`` that runs with either kind of
operand.  :func:`run_case` runs both sides, compares value, shape, dtype and
exception class, and makes every rank agree on the verdict.
"""

from __future__ import annotations

import copy
import os
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist import _deferred
from numpy_dist.distribution import Distribution
from numpy_dist.maps import NoDistMap, UnstructuredMap
from numpy_dist.testing import DIST_CASES

# Exceptions NumPy raises for bad arguments; numpy_dist raising another class is a crash (an internal error).
ARG_ERRORS = (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, FloatingPointError,
              OverflowError, np.linalg.LinAlgError, OSError, EOFError, np.exceptions.AxisError)

REAL_DTYPES = [np.bool_, np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64,
               np.float16, np.float32, np.float64]
DTYPES = REAL_DTYPES + [np.complex64, np.complex128]
FLOAT_DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128]
TIME_DTYPES = ["M8[s]", "m8[ms]"]


@dataclass
class Keep:
    """An operand passed as it is on both sides (a NumPy array, a Python scalar, a 0-d array)."""

    value: Any


@dataclass
class Case:
    """One call of the public API, runnable on NumPy inputs and on DistArrays.

    ``ulps`` is the tolerance in units of the result dtype's eps times ``scale``
    (0: exact, including the sign of zeros); ``compare`` replaces the value
    comparison by a property check where NumPy's result is not unique.
    """

    name: str
    inputs: list[Any]
    call: Callable[..., Any]
    ulps: float = 0.0
    scale: float | None = None
    compare: Callable[[Any, Any], str] | None = None
    family: str = ""
    layouts: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def pick(rng: np.random.Generator, seq: list[Any]) -> Any:
    return seq[int(rng.integers(0, len(seq)))]


def shape_of(rng: np.random.Generator, ndim: int | None = None, big: bool = False) -> tuple[int, ...]:
    """Tiny and degenerate shapes: 0-d, empty, length 1, short-fat, tall-skinny."""
    if ndim is None:
        ndim = int(pick(rng, [0, 1, 1, 2, 2, 2, 3]))
    sizes = [0, 1, 1, 2, 3, 4, 5, 7] + ([9, 12, 16] if big else [])
    s = [int(pick(rng, sizes)) for _ in range(ndim)]
    if ndim == 2 and rng.random() < 0.3:  # short-fat or tall-skinny
        s = [1, int(pick(rng, [5, 8, 11]))] if rng.random() < 0.5 else [int(pick(rng, [6, 9, 13])), 2]
    return tuple(s)


def _special_float(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Sprinkle inf, -inf, NaN, -0.0 and 0.0 into a float array (in place)."""
    if x.size == 0 or rng.random() < 0.5:
        return x
    flat = x.reshape(-1)
    k = int(rng.integers(1, max(2, flat.size // 2 + 1)))
    where = rng.choice(flat.size, size=min(k, flat.size), replace=False)
    flat[where] = rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0], size=where.size)
    return x


def data(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any, specials: bool = True,
         nan_heavy: bool = False) -> np.ndarray:
    """Random data of ``dtype``: small values, ties, and (floats) inf/NaN/-0.0, (ints) extremes."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dt.kind in "iu":
        lo = 0 if dt.kind == "u" else -20
        x = rng.integers(lo, 20, size=shape).astype(dt)
        if specials and x.size and rng.random() < 0.1:
            x.reshape(-1)[int(rng.integers(0, x.size))] = pick(rng, [np.iinfo(dt).max, np.iinfo(dt).min])
        return x
    if dt.kind in "Mm":
        x = rng.integers(-1000, 1000, size=shape).astype(np.int64).astype(dt)
        if specials and x.size and rng.random() < 0.2:
            x.reshape(-1)[int(rng.integers(0, x.size))] = np.array("NaT", dt)
        return x
    base = rng.standard_normal(shape) * 5
    if rng.random() < 0.3:
        base = np.round(base)  # ties (sorting, unique, median)
    if dt.kind == "c":
        im = rng.standard_normal(shape) * 5
        if specials:
            base, im = _special_float(rng, base), _special_float(rng, im)
        with np.errstate(invalid="ignore"):
            x = (base + 1j * im).astype(dt)
    else:
        x = (_special_float(rng, base) if specials else base).astype(dt)
    if nan_heavy and x.size:
        x.reshape(-1)[rng.random(x.size) < 0.4] = np.nan
    return x


def operand(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> Any:
    """A second operand: an array to distribute, or a Python scalar / 0-d / NumPy array kept as is."""
    kind = int(rng.integers(0, 8))
    dt = np.dtype(dtype)
    if kind == 0:
        return Keep(pick(rng, [0, 1, -1, 3, 2.5, -0.0, float("inf"), float("nan"), 1 + 2j, True, 300, -2**40]))
    if kind == 1:
        return Keep(np.asarray(data(rng, (), dt)))  # a 0-d NumPy array
    if kind == 2:
        return Keep(data(rng, shape, dt))  # a NumPy array
    if kind == 3:
        return data(rng, (), dt)  # a 0-d DistArray
    if kind == 4:
        return data(rng, shape[-1:] if shape and rng.random() < 0.5 else shape_of(rng), dt)  # broadcast or not
    return data(rng, shape, dt)


def dtype_of(rng: np.random.Generator, kinds: str = "buifc") -> np.dtype:
    return np.dtype(pick(rng, [d for d in DTYPES if np.dtype(d).kind in kinds]))


# --------------------------------------------------------------------------
# Layouts: every DIST_CASES entry plus explicit 2-d process grids and unstructured maps with empty blocks
# --------------------------------------------------------------------------


def _factor_pairs(P: int) -> list[tuple[int, int]]:
    return [(a, P // a) for a in range(1, P + 1) if P % a == 0]


def _explicit_grid(rng: np.random.Generator, shape: tuple[int, ...], comm: MPI.Intracomm) -> Distribution | None:
    if len(shape) < 2:
        return None
    axes = sorted(int(a) for a in rng.choice(len(shape), size=2, replace=False))
    codes = ["n"] * len(shape)
    for a in axes:
        codes[a] = pick(rng, ["b", "c"])
    grid = pick(rng, _factor_pairs(comm.Get_size()))
    return Distribution(comm, shape, tuple(codes), grid_shape=grid)


def _unstructured_empty(rng: np.random.Generator, shape: tuple[int, ...], comm: MPI.Intracomm,
                        axis: int) -> Distribution | None:
    """Axis ``axis`` unstructured, shuffled, with some ranks (often rank 0) holding nothing."""
    if len(shape) <= axis:
        return None
    P, n = comm.Get_size(), shape[axis]
    owner = rng.integers(0, P, size=n)
    if P > 1:
        owner[owner == 0] = 1  # rank 0 empty: validation must not depend on holding data
    perm = rng.permutation(n)
    parts = [perm[owner[perm] == r] for r in range(P)]
    maps = [NoDistMap(m) for m in shape]
    maps[axis] = UnstructuredMap(parts)
    axis_grid = tuple(0 if a == axis else None for a in range(len(shape)))
    return Distribution.from_maps(comm, maps, (P,), axis_grid)


EXTRA_LAYOUTS = {
    "grid_explicit": _explicit_grid,
    "unstructured_empty": lambda rng, s, c: _unstructured_empty(rng, s, c, 0),
    "unstructured_empty_axis1": lambda rng, s, c: _unstructured_empty(rng, s, c, 1),
}


def distribute_as(x: np.ndarray, rng: np.random.Generator, comm: MPI.Intracomm) -> tuple[nd.DistArray, str]:
    """``x`` distributed by a layout drawn from ``rng`` (every rank draws the same); returns the layout's name."""
    if x.ndim == 0:
        return nd.asarray(x.copy()), "0-d"
    names = [k for k in DIST_CASES if DIST_CASES[k](x.shape, comm) is not None] + list(EXTRA_LAYOUTS)
    # Replicas twice as often as a uniform draw gives: a value counted once per replica (session 14's
    # np.unique of NaNs) shows only there.
    name = "replicated" if rng.random() < 0.08 else pick(rng, names)
    if name in EXTRA_LAYOUTS:
        dist = EXTRA_LAYOUTS[name](rng, x.shape, comm)
    else:
        dist = DIST_CASES[name](x.shape, comm)
    if dist is None:
        name, dist = "replicated", Distribution(comm, x.shape, "n")
    return nd.asarray(x.copy(), dist=dist, copy=True), name


# --------------------------------------------------------------------------
# Outcomes and comparison
# --------------------------------------------------------------------------


def outcome(fn: Callable[[], Any]) -> tuple[str, Any, int]:
    """Run ``fn``: ("ok", result, fallbacks) or ("raised", exception, fallbacks).

    The warnings are recorded (to count fallbacks) as the program's own delivery, so calls still defer
    as they would outside the fuzzer (a block that records warnings otherwise makes every call eager).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _deferred.set_warning_baseline()
        try:
            with np.errstate(all="ignore"):
                kind, value = "ok", fn()
        except Exception as exc:  # noqa: BLE001 - the fuzzer classifies every failure
            kind, value = "raised", exc
    _deferred.set_warning_baseline()
    fallbacks = sum(1 for w in caught if issubclass(w.category, nd.FallbackWarning))
    return kind, value, fallbacks


def structure(value: Any) -> Any:
    """What every rank must agree on before gathering: the result's kind, shape and dtype."""
    if isinstance(value, (tuple, list)):
        return (type(value).__name__ if not hasattr(value, "_fields") else "namedtuple",
                tuple(structure(v) for v in value))
    if isinstance(value, (nd.DistArray, nd.ma.MaskedDistArray)):
        return (type(value).__name__, value.shape, str(value.dtype))
    if value is np.ma.masked:
        return ("masked",)
    if isinstance(value, (np.ndarray, np.generic)):
        return ("ndarray" if isinstance(value, np.ndarray) else "scalar", np.shape(value), str(value.dtype))
    if isinstance(value, (bool, int, float, complex, str, type(None))):
        return (type(value).__name__,)
    return ("object", type(value).__name__)


def broken_blocks(value: Any) -> str:
    """This rank's DistArrays whose local block disagrees with their distribution (gathering them would hang)."""
    if isinstance(value, (tuple, list)):
        return "; ".join(t for t in (broken_blocks(v) for v in value) if t)
    if isinstance(value, nd.DistArray):
        want = value.distribution.local_shape
        if value.local.shape != want or value.local.dtype != value.dtype:
            return (f"rank {value.distribution.rank}: local block {value.local.shape} {value.local.dtype} != "
                    f"distribution's {want} {value.dtype}")
    if isinstance(value, nd.ma.MaskedDistArray):
        if value.mask.distribution != value.data.distribution:
            return f"rank {value.data.distribution.rank}: mask and data in different layouts"
        return broken_blocks([value.data, value.mask])
    return ""


def to_numpy(value: Any) -> Any:
    """Gather DistArrays (collective: every rank has the same structure here)."""
    if isinstance(value, (tuple, list)):
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, nd.DistArray):
        return nd.asnumpy(value)
    if isinstance(value, nd.ma.MaskedDistArray):
        return value.to_numpy_masked()
    return value


def fingerprint(value: Any) -> bytes:
    """Bytes of a non-distributed result: scalars and NumPy results must be identical on every rank."""
    if isinstance(value, (tuple, list)):
        return b"|".join(fingerprint(v) for v in value)
    if isinstance(value, (nd.DistArray, nd.ma.MaskedDistArray)):
        return b"D"
    if value is np.ma.masked:
        return b"masked"
    if isinstance(value, np.ma.MaskedArray):
        return fingerprint(value.data) + b"/" + fingerprint(np.ma.getmaskarray(value)) + repr(value.fill_value).encode()
    if value is None or isinstance(value, (str, bytes)):
        return repr(value).encode()
    try:
        a = np.asarray(value)
        if a.dtype.kind == "O":  # (object arrays' bytes are pointers, different on every rank)
            return repr(value).encode()
        return a.tobytes() + str(a.dtype).encode() + str(a.shape).encode() + type(value).__name__.encode()
    except Exception:  # noqa: BLE001
        return repr(value).encode()


def eps_of(dtype: np.dtype) -> float:
    if dtype.kind == "c":
        return float(np.finfo(dtype).eps)
    return float(np.finfo(dtype).eps) if dtype.kind == "f" else 0.0


def _float_parts(a: np.ndarray) -> list[np.ndarray]:
    return [a.real, a.imag] if a.dtype.kind == "c" else [a]


def compare_arrays(got: np.ndarray, want: np.ndarray, ulps: float, scale: float) -> str:
    """'' when equal: exact (with the sign of zeros) at ulps=0, else within ulps*eps*(|want|+scale)."""
    if got.shape != want.shape:
        return f"shape {got.shape} != NumPy {want.shape}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype} != NumPy {want.dtype}"
    if want.dtype.names is not None:  # records: field by field (a NaN in a float field equals itself)
        for name in want.dtype.names:
            why = compare_arrays(got[name], want[name], ulps, scale)
            if why:
                return f"field {name!r}: {why}"
        return ""
    if want.dtype.kind not in "fc":
        if want.dtype.kind in "Mm":
            same = np.array_equal(got.view(np.int64), want.view(np.int64))
        else:
            same = np.array_equal(got, want)
        return "" if same else _diff_text(got, want)
    for g, w in zip(_float_parts(got), _float_parts(want)):
        g64, w64 = g.astype(np.float64), w.astype(np.float64)
        if not np.array_equal(np.isnan(g64), np.isnan(w64)):
            return "NaN positions differ: " + _diff_text(got, want, np.isnan(g64) != np.isnan(w64))
        inf = np.isinf(w64) | np.isinf(g64)
        if not np.array_equal(g64[inf], w64[inf]):
            return "infinities differ: " + _diff_text(got, want, inf & (g64 != w64))
        fin = np.isfinite(w64) & np.isfinite(g64)
        if ulps == 0:
            if not np.array_equal(g64[fin], w64[fin]) or not np.array_equal(np.signbit(g64[fin]), np.signbit(w64[fin])):
                return "values differ (exact): " + _diff_text(got, want)
        else:
            # (+ the smallest normal: below it only noise, e.g. NumPy's uninitialised denormals for empty inputs)
            tol = ulps * eps_of(want.dtype) * (np.abs(w64[fin]) + scale) + float(np.finfo(want.dtype).tiny)
            if np.any(np.abs(g64[fin] - w64[fin]) > tol):
                return f"values differ (tol {ulps:g} ulps, scale {scale:.3g}): " + _diff_text(got, want)
    return ""


def _diff_text(got: np.ndarray, want: np.ndarray, where: np.ndarray | None = None) -> str:
    """The first few differing entries (flat positions); ``where``: the entries that differ, when known
    (a NaN in one part of a complex entry: ``!=`` on the whole entries would point at other entries)."""
    g, w = got.reshape(-1), want.reshape(-1)
    with np.errstate(all="ignore"):
        if where is not None:
            bad = np.flatnonzero(np.asarray(where).reshape(-1))[:4]
        else:
            bad = np.flatnonzero(~((g == w) | ((g != g) & (w != w))))[:4] if g.shape == w.shape else []
    return f"at {list(map(int, bad))}: {g[bad].tolist()} != NumPy {w[bad].tolist()}" if len(bad) else \
        f"{np.array2string(g[:6])} != NumPy {np.array2string(w[:6])}"


def unrepresentable(values: Any, dtype: np.dtype) -> bool:
    """Float results an integer out cannot hold (NaN, inf, out of range): C leaves that cast undefined, and
    NumPy's own answer depends on the array's length (its SIMD and scalar paths differ), so no such case."""
    v = np.asarray(values)
    if dtype.kind not in "iu" or v.dtype.kind not in "fc":
        return False
    with np.errstate(all="ignore"):
        r = v.real.astype(np.float64)
        info = np.iinfo(dtype)
        return bool(np.any(~np.isfinite(r) | (r < info.min) | (r > info.max)))


def complex_product_compare(ulps: float, scale: float):
    """Products with infinities: which non-finite complex value comes out depends on the grouping
    (a real one's inf * 0 too: see :func:`_real_inf_times_zero_as_want`).

    NumPy's own ``np.prod`` of the same values gives ``nan+nanj`` or ``inf+nanj``
    depending on the memory order (C or Fortran), so only where a result is
    non-finite is compared there; finite results are compared as usual.
    """

    def compare(got: Any, want: Any) -> str:
        g, w = np.asarray(got), np.asarray(want)
        if w.dtype.kind == "f" and g.shape == w.shape and g.dtype == w.dtype:
            return compare_values(_real_inf_times_zero_as_want(g, w), want, ulps, scale)
        if w.dtype.kind != "c" or g.shape != w.shape or g.dtype != w.dtype:
            return compare_values(got, want, ulps, scale)
        bad_w, bad_g = ~np.isfinite(w), ~np.isfinite(g)
        if not np.array_equal(bad_w, bad_g):
            return "non-finite positions differ: " + _diff_text(g, w)
        return compare_values(np.where(bad_g, 0, g), np.where(bad_w, 0, w), ulps, scale)

    return compare


def _real_inf_times_zero_as_want(g: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``g`` with NumPy's value where one side is NaN and the other zero or infinite.

    A real product holding a zero (or an underflow) and an overflow is 0, inf or NaN (inf * 0) by its
    grouping, and NumPy's own groupings differ: a float16 ``np.prod(m, axis=0)`` is NaN for a C-order ``m``
    and 0 for the same ``m`` in Fortran order (fuzz case 30600795 at seed 306: -0.0 sequentially, NaN from
    a cyclic layout's per-rank products).  Any other difference still counts.
    """
    degenerate_w = (w == 0) | np.isinf(w)
    degenerate_g = (g == 0) | np.isinf(g)
    grouping = (np.isnan(g) & degenerate_w) | (np.isnan(w) & degenerate_g)
    return np.where(grouping, w, g) if grouping.any() else g


def compare_masked(got: Any, want: Any, ulps: float, scale: float) -> str:
    """numpy.ma results: the masked constant, or mask, fill value and the unmasked data (masked data is free)."""
    if want is np.ma.masked or got is np.ma.masked:
        return "" if got is want else f"{got!r} != NumPy {want!r}"
    if not (isinstance(got, np.ma.MaskedArray) and isinstance(want, np.ma.MaskedArray)):
        # An unmasked 0-d result: numpy.ma gives a scalar or a 0-d array by path, numpy_dist a 0-d array.
        unmasked_0d = [v for v in (got, want) if isinstance(v, np.ma.MaskedArray) and v.ndim == 0 and not v.mask]
        if unmasked_0d and not isinstance(got if unmasked_0d[0] is want else want, np.ma.MaskedArray):
            return compare_arrays(np.asarray(np.ma.getdata(got)), np.asarray(np.ma.getdata(want)), ulps, scale)
        return f"type {type(got).__name__} != NumPy {type(want).__name__}"
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"shape/dtype {got.shape} {got.dtype} != NumPy {want.shape} {want.dtype}"
    gm, wm = np.ma.getmaskarray(got), np.ma.getmaskarray(want)
    if not np.array_equal(gm, wm):
        return "masks differ: " + _diff_text(gm, wm)
    # (numpy.ma reports a float32 array's fill value as a float64: compared in the array's dtype)
    gf, wf = (np.asarray(v.fill_value).astype(want.dtype) for v in (got, want))
    if not np.array_equal(gf, wf, equal_nan=want.dtype.kind in "fc"):
        return f"fill_value {got.fill_value!r} != NumPy {want.fill_value!r}"
    zero = np.zeros((), want.dtype)
    return compare_arrays(np.where(wm, zero, got.data), np.where(wm, zero, want.data), ulps, scale)


def compare_values(got: Any, want: Any, ulps: float, scale: float) -> str:
    if isinstance(want, np.ma.MaskedArray) or isinstance(got, np.ma.MaskedArray):
        return compare_masked(got, want, ulps, scale)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"structure {type(got).__name__} differs from NumPy's {type(want).__name__}"
        for i, (g, w) in enumerate(zip(got, want)):
            why = compare_values(g, w, ulps, scale)
            if why:
                return f"[{i}] {why}"
        return ""
    if isinstance(want, np.ndarray) and want.ndim and not isinstance(got, np.ndarray):
        return f"NumPy returned an array of shape {want.shape}, numpy_dist a {type(got).__name__}"
    if isinstance(want, (bool, int, float, complex)) and not isinstance(want, np.generic) and \
            type(got) is not type(want) and not isinstance(got, (np.ndarray, np.generic)):
        return f"type {type(got).__name__} != NumPy {type(want).__name__}"
    return compare_arrays(np.asarray(got), np.asarray(want), ulps, scale)


def input_scale(inputs: list[Any]) -> float:
    """Largest finite magnitude among the float inputs (the size an absolute error is measured against)."""
    best = 0.0
    for x in inputs:
        x = x.value if isinstance(x, Keep) else x
        try:
            a = np.asarray(x) if not isinstance(x, (str, bytes)) else np.zeros(0)
        except (ValueError, TypeError):
            continue  # an index key or a ragged list: not data
        if a.dtype.kind in "biufc" and a.size:
            m = np.abs(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
            m = m[np.isfinite(m)]
            if m.size:
                best = max(best, float(m.max()))
    return best


# --------------------------------------------------------------------------
# The hang watchdog: a case that runs too long ends the job, naming the case
# --------------------------------------------------------------------------


# The watcher process: reads "B label" / "E" lines; kills its parent when a case outlives the timeout.
_WATCHER = r"""
import os, select, signal, sys, time
parent, timeout = int(sys.argv[1]), float(sys.argv[2])
label, since, buf = None, None, b""
while True:
    ready, _, _ = select.select([0], [], [], 0.5)
    if ready:
        chunk = os.read(0, 65536)
        if not chunk:
            sys.exit(0)
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            label, since = (line[2:].decode(), time.monotonic()) if line.startswith(b"B ") else (None, None)
    if since is not None and time.monotonic() - since > timeout:
        sys.stdout.write(f"\nfuzz watchdog (process): HANG: rank {sys.argv[3]} still in {label} after {timeout:g} s "
                         "(blocked without releasing the GIL); killing the rank (1 hang)\n")
        sys.stdout.flush()
        os.kill(parent, signal.SIGKILL)
        sys.exit(0)
"""


class CaseWatchdog:
    """Ends the MPI job when one case has run longer than ``timeout`` seconds, naming the case.

    A thread aborts the job cleanly (MPI Abort); it needs the GIL, which a C
    call can hold while it loops (LAPACK, some MPI waits).  So a small
    watcher process, fed the current case through a pipe, kills this rank a
    few seconds later if the thread could not act.
    """

    def __init__(self, timeout: float) -> None:
        import subprocess

        self.timeout = timeout
        self.current: tuple[str, float] | None = None
        self._pipe = None
        if timeout > 0:
            threading.Thread(target=self._run, name="fuzz-watchdog", daemon=True).start()
            watcher = subprocess.Popen([sys.executable, "-c", _WATCHER, str(os.getpid()), str(timeout + 10),
                                        str(MPI.COMM_WORLD.Get_rank())], stdin=subprocess.PIPE)
            self._pipe = watcher.stdin

    def _tell(self, line: str) -> None:
        if self._pipe is not None:
            try:
                self._pipe.write((line.replace("\n", " ") + "\n").encode())
                self._pipe.flush()
            except OSError:
                self._pipe = None

    def begin(self, label: str) -> None:
        self.current = (label, time.monotonic())
        self._tell("B " + label)

    def end(self) -> None:
        self.current = None
        self._tell("E")

    def _run(self) -> None:
        while True:
            time.sleep(0.5)
            cur = self.current
            if cur is not None and time.monotonic() - cur[1] > self.timeout:
                msg = (f"\nfuzz watchdog: HANG: rank {MPI.COMM_WORLD.Get_rank()} still in {cur[0]} after "
                       f"{self.timeout:g} s; aborting the job (1 hang)\n")
                sys.stdout.write(msg)
                sys.stdout.flush()
                time.sleep(1.0)
                MPI.COMM_WORLD.Abort(4)


# --------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------


def _fresh(inputs: list[Any]) -> list[Any]:
    return [Keep(copy.deepcopy(x.value)) if isinstance(x, Keep) else np.array(x, copy=True) for x in inputs]


def _unwrap(x: Any) -> Any:
    return x.value if isinstance(x, Keep) else x


def _classify(case: Case, expect: tuple, got: tuple) -> tuple[str, str]:
    """This rank's verdict before gathering: ('ok' | 'mismatch' | 'crash' | 'compare', detail)."""
    ekind, evalue, _ = expect
    gkind, gvalue, _ = got
    if gkind == "raised":
        text = f"{type(gvalue).__name__}: {str(gvalue)[:300]}"
        if ekind == "ok":
            if isinstance(gvalue, ARG_ERRORS):
                return "mismatch", f"numpy_dist raised {text}; NumPy returned"
            return "crash", text + "\n" + "".join(traceback.format_exception(gvalue))[-1500:]
        if isinstance(gvalue, type(evalue)):
            return "ok", ""
        kind = "mismatch" if isinstance(gvalue, ARG_ERRORS) else "crash"
        return kind, f"NumPy raised {type(evalue).__name__}: {str(evalue)[:200]}; numpy_dist {text}"
    if ekind == "raised":
        return "mismatch", f"NumPy raised {type(evalue).__name__}: {str(evalue)[:200]}; numpy_dist returned"
    return "compare", ""


_VERDICT_COMMS: dict[int, MPI.Intracomm] = {}


def verdict_comm(comm: MPI.Intracomm) -> MPI.Intracomm:
    """A duplicate of ``comm`` for the fuzzer's own exchanges: a rank that left the library's collectives
    early (a rank-dependent branch) then waits here instead of matching another rank's library collective,
    so the watchdog names the case instead of the run failing on garbled messages."""
    key = comm.py2f()
    if key not in _VERDICT_COMMS:
        _VERDICT_COMMS[key] = comm.Dup()
    return _VERDICT_COMMS[key]


def run_case(case: Case, rng: np.random.Generator, comm: MPI.Intracomm, verbose: bool = False) -> tuple[str, str, int]:
    """Run one case on every rank: (verdict, detail, fallbacks), identical on every rank."""
    own = verdict_comm(comm)
    expect = outcome(lambda: case.call(*[_unwrap(x) for x in _fresh(case.inputs)]))
    args = []
    for x in _fresh(case.inputs):
        if isinstance(x, Keep):
            args.append(x.value)
        else:
            d, name = distribute_as(np.asarray(x), rng, comm)
            args.append(d)
            case.layouts.append(name)
    if verbose and comm.Get_rank() == 0:
        layouts = iter(case.layouts)
        for x, a in zip(case.inputs, args):
            shown = _unwrap(x)
            print(f"  input: {np.array2string(shown, threshold=50) if isinstance(shown, np.ndarray) else repr(shown)}"
                  f" {shown.dtype if isinstance(shown, np.ndarray) else ''}")
            if isinstance(a, nd.DistArray):  # (never compare DistArrays here: == is a collective)
                print(f"    layout {next(layouts)}: {a.distribution!r}")
        sys.stdout.flush()
    got = outcome(lambda: case.call(*args))
    verdict, detail = _classify(case, expect, got)
    gkind, gvalue, fallbacks = got
    view = (gkind, type(gvalue).__name__ if gkind == "raised" else structure(gvalue),
            b"" if gkind == "raised" else fingerprint(gvalue))
    views = own.allgather(view)
    label = f"{case.family}: {case.name} layouts={case.layouts}"
    if len({v for v in views}) > 1:
        shown = "; ".join(f"rank {r}: {' '.join(map(str, v[:2]))}" for r, v in enumerate(views))
        if len({tuple(v[:2]) for v in views}) == 1:
            shown = "scalar/NumPy results differ across ranks: " + shown
        return "disagreement", f"{label}: {shown}", fallbacks
    broken = [b for b in own.allgather(broken_blocks(gvalue) if gkind == "ok" else "") if b]
    if broken:  # an inconsistent DistArray: report it instead of gathering it
        return "crash", f"{label}: inconsistent result: {'; '.join(broken)}", fallbacks
    if verdict == "compare":
        g = to_numpy(gvalue)
        try:
            if case.compare is not None:
                detail = case.compare(g, expect[1])
            else:
                scale = case.scale if case.scale is not None else input_scale(case.inputs)
                detail = compare_values(g, expect[1], case.ulps, scale)
        except Exception as exc:  # noqa: BLE001 - a comparison that breaks is a finding too
            detail = f"comparison failed: {type(exc).__name__}: {exc}"
        verdict = "mismatch" if detail else "ok"
    verdicts = own.allgather((verdict, detail))
    worst = max(verdicts, key=lambda v: ["ok", "mismatch", "crash"].index(v[0]))
    if verbose and comm.Get_rank() == 0:
        print(f"  numpy: {expect[0]} {_short(expect[1])}\n  numpy_dist: {got[0]} {_short(got[1])}")
    return worst[0], f"{label}: {worst[1]}" if worst[0] != "ok" else "", fallbacks


def _short(value: Any) -> str:
    if isinstance(value, Exception):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, (nd.DistArray, nd.ma.MaskedDistArray)):
        return f"{type(value).__name__}{value.shape} {value.dtype}"
    if isinstance(value, (tuple, list)):  # repr of a DistArray inside would gather on the printing rank alone
        return "(" + ", ".join(_short(v) for v in value) + ")"
    text = repr(value)
    return text if len(text) < 400 else text[:400] + "..."


def env_flag(name: str, default: str) -> str:
    return os.environ.get(name, default)


def unsigned_zeros(x: Any) -> Any:
    """-0.0 as 0.0: the two are a tie (an unstable sort may put either first, a min or max return either)."""
    if isinstance(x, tuple):
        return tuple(unsigned_zeros(v) for v in x)
    a = np.asarray(x)
    if a.dtype.kind not in "fc" or not a.size:
        return x
    out = np.array(a, copy=True)  # (not a + 0: that also touches NaN payloads and warns)
    for part in ([out.real, out.imag] if out.dtype.kind == "c" else [out]):
        part[part == 0] = 0
    return out


def zero_blind(got: Any, want: Any) -> str:
    """Exact comparison, with -0.0 and 0.0 as the tie they are (unstable sorts; NumPy's min/max loops)."""
    return compare_values(unsigned_zeros(got), unsigned_zeros(want), 0, 0)
