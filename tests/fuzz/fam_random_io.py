"""Families: nd.random Generator methods (good and bad parameters) and I/O (.npy, .dnpy, HDF5).

Random values come from another stream than NumPy's, so they are compared by a property: the shape, dtype
and exception class as NumPy's, and every value inside the range NumPy's call allows.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from mpi4py import MPI

import numpy_dist as nd

from .core import Case, compare_values, data, dtype_of, pick, shape_of

SIZES = [None, (), 0, 3, (2, 3), (0, 4), -1, (2, -1), 2.5, (1, 1, 1)]


def _within(lo: float | None, hi: float | None, closed: bool = False):
    """Same shape and dtype as NumPy's; values in [lo, hi) ([lo, hi] when closed)."""

    def compare(got: Any, want: Any) -> str:
        g, w = np.asarray(got), np.asarray(want)
        if g.shape != w.shape or g.dtype != w.dtype:
            return compare_values(g, w, 0, 0)
        if not isinstance(got, (np.ndarray, np.generic)) and not isinstance(got, type(want)) and np.ndim(want) == 0 \
                and isinstance(want, (int, float)) and not isinstance(got, (int, float)):
            return f"type {type(got).__name__} != NumPy {type(want).__name__}"
        if g.dtype.kind not in "biuf" or g.size == 0:
            return ""
        gv = g.astype(np.float64)
        if lo is not None and np.any(gv < lo):
            return f"value below {lo}: {gv.min()}"
        if hi is not None and (np.any(gv > hi) if closed else np.any(gv >= hi) and lo != hi):
            return f"value above {hi}: {gv.max()}"
        return ""

    return compare


def _gen(a: Any) -> Any:
    return np.random.default_rng(7) if isinstance(a, np.ndarray) else nd.random.default_rng(7)


def random(rng: np.random.Generator) -> Case:
    m = pick(rng, ["random", "uniform", "normal", "standard_normal", "exponential", "integers", "choice",
                   "permutation", "permutation_array", "shuffle_bad", "permuted"])
    size = pick(rng, SIZES)
    x = np.zeros(1)  # which side runs: NumPy array -> NumPy's generator, DistArray -> numpy_dist's
    if m == "random":
        dt = pick(rng, [np.float64, np.float32, np.int64, np.float16])
        return Case(f"random(size={size}, dtype={dt})", [x], lambda a: _gen(a).random(size, dtype=dt),
                    compare=_within(0, 1))
    if m == "uniform":
        lo, hi = pick(rng, [(0, 1), (2, -2), (1, 1), (np.nan, 1), (-np.inf, 0), ([0, 1], 2), (0, [1, 2, 3])])
        return Case(f"uniform({lo}, {hi}, size={size})", [x], lambda a: _gen(a).uniform(lo, hi, size),
                    compare=_within(None, None))
    if m == "normal":
        loc, sc = pick(rng, [(0, 1), (1, -1), (0, 0), (np.nan, 1), ([0, 1], 1), (0, [1, -1])])
        return Case(f"normal({loc}, {sc}, size={size})", [x], lambda a: _gen(a).normal(loc, sc, size),
                    compare=_within(None, None))
    if m == "standard_normal":
        dt = pick(rng, [np.float64, np.float32, np.int32])
        return Case(f"standard_normal(size={size}, dtype={dt})", [x], lambda a: _gen(a).standard_normal(size, dtype=dt),
                    compare=_within(None, None))
    if m == "exponential":
        sc = pick(rng, [1.0, 0.0, -1.0, [1, 2], np.nan])
        return Case(f"exponential({sc}, size={size})", [x], lambda a: _gen(a).exponential(sc, size),
                    compare=_within(0, None))
    if m == "integers":
        lo, hi = pick(rng, [(0, 5), (7, 4), (3, 3), (5, None), (-3, 0), (0, 2**70), (1.5, 3), (0, 300)])
        dt = pick(rng, [np.int64, np.uint8, np.int8, np.bool_, np.float64])
        ep = bool(rng.integers(0, 2))
        lo_, hi_ = (0, lo) if hi is None else (lo, hi)
        lo_ = int(np.floor(lo_))  # NumPy truncates a float bound
        return Case(f"integers({lo}, {hi}, size={size}, dtype={dt}, endpoint={ep})", [x],
                    lambda a: _gen(a).integers(lo, hi, size, dtype=dt, endpoint=ep),
                    compare=_within(lo_, hi_, closed=ep))
    if m == "choice":
        pop = pick(rng, [5, 0, -1, [1, 2, 3], np.arange(4.0), 2.5])
        replace = bool(rng.integers(0, 2))
        p = pick(rng, [None, None, [0.5, 0.5, 0, 0, 0], [0.5, 0.6, 0, 0, 0], [-1, 2, 0, 0, 0]])
        hi = pop if isinstance(pop, int) else 100
        return Case(f"choice({pop!r}, size={size}, replace={replace}, p={p})", [x],
                    lambda a: _gen(a).choice(pop, size, replace=replace, p=p), compare=_within(None, None))
    if m == "permutation":
        k = pick(rng, [5, 0, -1, 1, 2.5])
        return Case(f"permutation({k}) (sorted)", [x], lambda a: np.sort(_gen(a).permutation(k)))
    if m == "permutation_array":
        y = data(rng, shape_of(rng), dtype_of(rng, "iu"))
        ax = pick(rng, [0, 1, -1, 3])
        return Case(f"permutation({y.shape} {y.dtype}, axis={ax}) (sorted)", [y],
                    lambda a: np.sort(_gen(a).permutation(a, axis=ax), axis=ax if a.ndim else None) if np.ndim(a)
                    else _gen(a).permutation(a, axis=ax))
    if m == "permuted":  # each slice along axis shuffled (all of it for None); out= may be the array itself
        y = data(rng, shape_of(rng), dtype_of(rng, "iu"))
        ax = pick(rng, [None, 0, 1, -1, 3])
        in_place = rng.random() < 0.3

        def permuted(a):
            r = _gen(a).permuted(a, axis=ax, out=a if in_place else None)
            return np.sort(r, axis=ax) if np.ndim(r) else r

        return Case(f"permuted({y.shape} {y.dtype}, axis={ax}, out={'x' if in_place else None}) (sorted)", [y],
                    permuted)
    y = data(rng, shape_of(rng), dtype_of(rng, "iu"))
    ax = pick(rng, [0, 1, -1, 3])

    def shuffle(a):
        _gen(a).shuffle(a, axis=ax)
        return np.sort(a, axis=ax) if np.ndim(a) else a  # the argument itself holds the shuffled rows

    return Case(f"shuffle({y.shape} {y.dtype}, axis={ax}) (sorted)", [y], shuffle)


# -- I/O -----------------------------------------------------------------------------------------------------------

_IO_DIR: list[str] = []


def io_dir() -> str:
    """One scratch directory for every rank (rank 0 makes it, everyone learns its name)."""
    if not _IO_DIR:
        import tempfile

        name = tempfile.mkdtemp(prefix="nd-fuzz-") if MPI.COMM_WORLD.Get_rank() == 0 else None
        _IO_DIR.append(MPI.COMM_WORLD.bcast(name))
    return _IO_DIR[0]


def remove_io_dir() -> None:
    """Remove the scratch directory (collective: after every rank is done with it)."""
    if _IO_DIR:
        import shutil

        MPI.COMM_WORLD.Barrier()
        if MPI.COMM_WORLD.Get_rank() == 0:
            shutil.rmtree(_IO_DIR[0], ignore_errors=True)
        _IO_DIR.clear()


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        return None
    return h5py


def _prepare(what: str, path: str, x: np.ndarray, rng: np.random.Generator) -> None:
    """Rank 0 writes the file the case reads (NumPy's own writer: the loader is what is tested)."""
    if MPI.COMM_WORLD.Get_rank() == 0:
        if what == "corrupt":
            with open(path, "wb") as fh:
                fh.write(b"\x93NUMPY garbage" + bytes(int(rng.integers(0, 64))))
        elif what == "truncated":
            np.save(path, x)
            with open(path, "r+b") as fh:
                fh.truncate(max(os.path.getsize(path) - 3, 0))
        elif what == "numpy_saved":
            np.save(path, x)
    MPI.COMM_WORLD.Barrier()


def io(rng: np.random.Generator) -> Case:
    shape = shape_of(rng)
    x = data(rng, shape, dtype_of(rng))
    fmt = pick(rng, ["npy", "npy", "dnpy", "hdf5"] if _h5py() else ["npy", "npy", "dnpy"])
    base = os.path.join(io_dir(), f"c{int(rng.integers(0, 10**12))}")
    if fmt == "npy":
        what = pick(rng, ["missing", "corrupt", "truncated", "numpy_saved", "roundtrip", "bad_dir"])
        path = base + ".npy"
        _prepare(what, path, x, rng)
        if what in ("roundtrip", "bad_dir"):
            target = path if what == "roundtrip" else os.path.join(base, "no", "such.npy")

            def roundtrip(a):
                if isinstance(a, np.ndarray):  # each rank its own reference file (no race between ranks)
                    ref = f"{target}.ref{MPI.COMM_WORLD.Get_rank()}.npy"
                    np.save(ref, a)
                    return np.load(ref)
                nd.save(target, a)
                return nd.load(target)

            return Case(f"save/load npy {what} {shape} {x.dtype}", [x], roundtrip)

        def load(a):
            return np.load(path) if isinstance(a, np.ndarray) else nd.load(path)

        return Case(f"load npy {what} {shape} {x.dtype}", [x], load)
    if fmt == "dnpy":
        what = pick(rng, ["roundtrip", "missing"])

        def dnpy(a):
            if isinstance(a, np.ndarray):  # the oracle: what was saved (a missing file: open's error)
                return a.copy() if what == "roundtrip" else open(base + ".missing", "rb")
            if what == "roundtrip":
                nd.save_dnpy(base, a)
            return nd.load_dnpy(base if what == "roundtrip" else base + ".missing")

        return Case(f"dnpy {what} {shape} {x.dtype}", [x], dnpy)
    h5py = _h5py()
    what = pick(rng, ["roundtrip", "missing", "bad_key"])
    path = base + ".h5"

    def hdf5(a):
        if isinstance(a, np.ndarray):
            if what == "missing":
                return h5py.File(path + ".missing", "r")
            ref = f"{path}.ref{MPI.COMM_WORLD.Get_rank()}"
            with h5py.File(ref, "w") as f:
                f["buffer"] = a
            with h5py.File(ref, "r") as f:
                return f["buffer" if what == "roundtrip" else "nokey"][...]
        if what == "missing":
            return nd.load_hdf5(path + ".missing")
        nd.save_hdf5(path, a, "buffer")
        return nd.load_hdf5(path, "buffer" if what == "roundtrip" else "nokey")

    return Case(f"hdf5 {what} {shape} {x.dtype}", [x], hdf5)


FAMILIES = {"random": random, "io": io}
