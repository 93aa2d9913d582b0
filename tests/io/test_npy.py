"""Parallel .npy I/O: round trips at every distribution case, NumPy interchange, bad input, atomic writes."""

import os

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.io import load, save
from numpy_dist.io import npy as npy_mod
from numpy_dist.testing import (DIST_CASES, SHAPES_1D, SHAPES_2D, SHAPES_3D, assert_all_ranks,
                                assert_dist_equal, rng_data)

from ._helpers import COMM, P, RANK, leftovers, on_root, raises_everywhere

SHAPES = SHAPES_1D + SHAPES_2D + SHAPES_3D + [()]
CASES = list(DIST_CASES)
DTYPES = [np.float64, np.complex128, np.bool_, np.int16, np.uint8, np.complex64, np.dtype(">f4")]


def _dist(case, shape):
    if not shape:
        return nd.Distribution(COMM, (), "n")
    d = DIST_CASES[case](shape, COMM)
    if d is None:
        pytest.skip(f"{case} does not apply to {len(shape)}-d")
    return d


def _numpy_reads(path, x):
    """Every rank reads the whole file with NumPy and compares (collective verdict)."""
    y = np.load(path)
    assert_all_ranks(y.shape == x.shape and y.dtype == x.dtype and np.array_equal(y, x),
                     f"np.load gave {y.dtype}{y.shape}")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_round_trip_every_case(shared_dir, case, shape):
    dist = _dist(case, shape)
    x = rng_data(shape, np.float64, seed=len(shape) + 1)
    path = os.path.join(shared_dir, "a.npy")
    save(path, nd.asarray(x, dist=dist))
    _numpy_reads(path, x)
    back = load(path, dist=dist)
    assert back.distribution == dist
    assert_dist_equal(back, x)
    assert_dist_equal(load(path), x)  # default: block along axis 0


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_round_trip_dtypes(shared_dir, case, dtype):
    shape = (13, 6)
    dist = _dist(case, shape)
    x = rng_data(shape, np.dtype(dtype).newbyteorder("="), 7).astype(dtype)
    path = os.path.join(shared_dir, "b.npy")
    save(path, nd.asarray(x, dist=dist))
    _numpy_reads(path, x)
    back = load(path, dist=dist)
    assert back.dtype == np.dtype(dtype)
    assert_dist_equal(back, x)


def test_suffix_added_like_numpy(shared_dir):
    x = np.arange(5)
    save(os.path.join(shared_dir, "noext"), nd.asarray(x))
    _numpy_reads(os.path.join(shared_dir, "noext.npy"), x)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("case", ["block", "cyclic", "blockcyclic3", "unstructured", "grid_bc", "grid_cb", "last",
                                  "replicated"])
def test_numpy_written_files_load(shared_dir, case, order):
    x = rng_data((7, 5, 3), np.complex128, 11)
    path = os.path.join(shared_dir, "np.npy")
    on_root(lambda: np.save(path, np.asarray(x, order=order)))
    assert_dist_equal(load(path, dist=_dist(case, x.shape)), x)


def test_numpy_big_endian_and_format_2(shared_dir):
    x = rng_data((9, 4), np.float32, 3).astype(">f4")
    path = os.path.join(shared_dir, "be.npy")

    def write():
        with open(path, "wb") as f:
            np.lib.format.write_array(f, x, version=(2, 0))

    on_root(write)
    d = load(path, dist="c")
    assert d.dtype == np.dtype(">f4")
    assert_dist_equal(d, x)


def test_only_one_replica_writes(shared_dir, monkeypatch):
    """A replicated array: ranks other than replica 0 pass no bytes to the collective write."""
    sizes = []
    real = npy_mod._mpiio.file_write_view

    def spy(comm, path, header, disp, ftype, data):
        sizes.append(np.asarray(data).nbytes)
        return real(comm, path, header, disp, ftype, data)

    monkeypatch.setattr(npy_mod._mpiio, "file_write_view", spy)
    x = np.arange(12.0).reshape(3, 4)
    path = os.path.join(shared_dir, "r.npy")
    save(path, nd.asarray(x, dist=_dist("replicated", x.shape)))
    assert_all_ranks(sizes == [x.nbytes if RANK == 0 else 0], f"wrote {sizes}")
    _numpy_reads(path, x)


def test_comm_argument_and_dtype_check(shared_dir):
    x = np.arange(10, dtype=np.int32)
    path = os.path.join(shared_dir, "c.npy")
    save(path, nd.asarray(x))
    assert_dist_equal(load(path, comm=COMM, dtype=np.int32, dist="c"), x)
    raises_everywhere(ValueError, lambda: load(path, dtype=np.int64), match="dtype")


# --------------------------------------------------------------------------
# Bad input: the same exception on every rank, never a hang
# --------------------------------------------------------------------------


def test_missing_file(shared_dir):
    raises_everywhere(FileNotFoundError, lambda: load(os.path.join(shared_dir, "nope.npy")))


def test_wrong_magic(shared_dir):
    path = os.path.join(shared_dir, "junk.npy")
    on_root(lambda: open(path, "wb").write(b"this is not an npy file at all"))
    raises_everywhere(ValueError, lambda: load(path), match="not a valid .npy")


def test_empty_file(shared_dir):
    path = os.path.join(shared_dir, "empty.npy")
    on_root(lambda: open(path, "wb").close())
    raises_everywhere(ValueError, lambda: load(path))


def test_truncated_data(shared_dir):
    path = os.path.join(shared_dir, "t.npy")

    def write():
        np.save(path, np.arange(100.0))
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 8)

    on_root(write)
    raises_everywhere(ValueError, lambda: load(path), match="truncated")


def test_object_dtype_file(shared_dir):
    path = os.path.join(shared_dir, "o.npy")
    on_root(lambda: np.save(path, np.array([1, "a"], dtype=object), allow_pickle=True))
    raises_everywhere(ValueError, lambda: load(path), match="object")


def test_shape_mismatch_with_requested_distribution(shared_dir):
    path = os.path.join(shared_dir, "s.npy")
    save(path, nd.asarray(np.zeros((6, 2))))
    raises_everywhere(ValueError, lambda: load(path, dist=nd.Distribution(COMM, (7, 2))))


def test_save_needs_a_distarray(shared_dir):
    raises_everywhere(TypeError, lambda: save(os.path.join(shared_dir, "x.npy"), np.zeros(3)))


def test_save_into_missing_directory(shared_dir):
    raises_everywhere(FileNotFoundError, lambda: save(os.path.join(shared_dir, "no", "dir.npy"), nd.zeros(4)))
    assert leftovers(shared_dir) == []


def test_failure_on_one_rank_is_agreed_and_leaves_nothing(shared_dir, monkeypatch):
    real = npy_mod.file_selection

    def fail_on_last(*args):
        if RANK == P - 1:
            raise MemoryError("simulated failure building the file view")
        return real(*args)

    monkeypatch.setattr(npy_mod, "file_selection", fail_on_last)
    path = os.path.join(shared_dir, "f.npy")
    raises_everywhere(MemoryError, lambda: save(path, nd.asarray(np.arange(40.0).reshape(10, 4), dist="c")))
    assert not os.path.exists(path)
    assert leftovers(shared_dir) == []


def test_failed_rename_keeps_the_old_file(shared_dir, monkeypatch):
    path = os.path.join(shared_dir, "keep.npy")
    old = np.arange(6.0)
    save(path, nd.asarray(old))
    if RANK == 0:
        def broken_replace(src, dst):
            raise PermissionError(13, "simulated: cannot rename", dst)
        monkeypatch.setattr(npy_mod.os, "replace", broken_replace)
    raises_everywhere(PermissionError, lambda: save(path, nd.asarray(np.ones(9))))
    monkeypatch.undo()
    _numpy_reads(path, old)
    assert leftovers(shared_dir) == []
