"""HDF5 I/O through h5py: round trips, h5py interchange, modes and options, bad input, atomic writes."""

import os

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import numpy_dist as nd  # noqa: E402
from numpy_dist.io import hdf5 as hdf5_mod  # noqa: E402
from numpy_dist.io import load_hdf5, save_hdf5  # noqa: E402
from numpy_dist.maps import CyclicMap, UnstructuredMap  # noqa: E402
from numpy_dist.testing import (DIST_CASES, SHAPES_1D, SHAPES_2D, SHAPES_3D, assert_all_ranks,  # noqa: E402
                                assert_dist_equal, rng_data)

from ._helpers import COMM, P, RANK, on_root, raises_everywhere  # noqa: E402

SHAPES = SHAPES_1D + SHAPES_2D + SHAPES_3D + [()]
CASES = list(DIST_CASES)


def _dist(case, shape):
    if not shape:
        return nd.Distribution(COMM, (), "n")
    d = DIST_CASES[case](shape, COMM)
    if d is None:
        pytest.skip(f"{case} does not apply to {len(shape)}-d")
    return d


def _h5py_reads(path, key, x):
    """Every rank reads the dataset with plain h5py and compares (collective verdict)."""
    with h5py.File(path, "r") as f:
        y = f[key][()]
    y = np.asarray(y)
    assert_all_ranks(y.shape == x.shape and y.dtype == x.dtype and np.array_equal(y, x),
                     f"h5py read {y.dtype}{y.shape}")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_round_trip_every_case(shared_dir, case, shape):
    dist = _dist(case, shape)
    x = rng_data(shape, np.float64, 4)
    path = os.path.join(shared_dir, "a.h5")
    save_hdf5(path, nd.asarray(x, dist=dist))
    _h5py_reads(path, "buffer", x)
    back = load_hdf5(path, dist=dist)
    assert back.distribution == dist
    assert_dist_equal(back, x)
    assert_dist_equal(load_hdf5(path), x)


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint32, np.float32, np.complex64, np.complex128], ids=str)
@pytest.mark.parametrize("case", ["block", "cyclic", "blockcyclic2", "unstructured", "grid_bc", "replicated"])
def test_round_trip_dtypes(shared_dir, case, dtype):
    x = rng_data((11, 5), dtype, 8)
    path = os.path.join(shared_dir, "d.h5")
    save_hdf5(path, nd.asarray(x, dist=_dist(case, x.shape)), key="grp/data")
    _h5py_reads(path, "grp/data", x)
    back = load_hdf5(path, key="grp/data", dist=_dist(case, x.shape))
    assert back.dtype == np.dtype(dtype)
    assert_dist_equal(back, x)


@pytest.mark.parametrize("case", ["block", "cyclic", "blockcyclic3", "unstructured", "grid_cb", "last"])
def test_h5py_written_file_loads(shared_dir, case):
    x = rng_data((9, 4, 3), np.int32, 5)
    path = os.path.join(shared_dir, "ext.h5")

    def write():
        with h5py.File(path, "w") as f:
            f.create_dataset("x", data=x, chunks=(2, 2, 3), compression="gzip")

    on_root(write)
    assert_dist_equal(load_hdf5(path, key="x", dist=_dist(case, x.shape)), x)


def test_dataset_options_pass_through(shared_dir):
    x = rng_data((40, 6), np.float64, 1)
    path = os.path.join(shared_dir, "opt.h5")
    save_hdf5(path, nd.asarray(x, dist="c"), key="z", chunks=(8, 6), compression="gzip", compression_opts=4)
    with h5py.File(path, "r") as f:
        ok = f["z"].chunks == (8, 6) and f["z"].compression == "gzip"
    assert_all_ranks(ok, "dataset options were not applied")
    _h5py_reads(path, "z", x)


def test_modes(shared_dir):
    path = os.path.join(shared_dir, "m.h5")
    a, b = nd.asarray(np.arange(4.0)), nd.asarray(np.arange(6))
    save_hdf5(path, a, key="a", mode="w")
    save_hdf5(path, b, key="b")  # mode 'a' keeps 'a'
    with h5py.File(path, "r") as f:
        keys = sorted(f.keys())
    assert_all_ranks(keys == ["a", "b"], f"keys {keys}")
    save_hdf5(path, b, key="a")  # an existing dataset is replaced
    assert_dist_equal(load_hdf5(path, key="a"), np.arange(6))
    save_hdf5(path, a, key="c", mode="w")  # 'w' replaces the whole file
    with h5py.File(path, "r") as f:
        keys = sorted(f.keys())
    assert_all_ranks(keys == ["c"], f"keys {keys}")
    raises_everywhere(FileExistsError, lambda: save_hdf5(path, a, mode="w-"))
    raises_everywhere(FileNotFoundError, lambda: save_hdf5(os.path.join(shared_dir, "none.h5"), a, mode="r+"))
    raises_everywhere(ValueError, lambda: save_hdf5(path, a, mode="q"))
    save_hdf5(os.path.join(shared_dir, "new.h5"), a, mode="x")
    assert_dist_equal(load_hdf5(os.path.join(shared_dir, "new.h5")), np.arange(4.0))
    COMM.Barrier()
    assert_all_ranks(not any(n.endswith(".partial") for n in os.listdir(shared_dir)), "temporary files left")


def test_several_index_list_axes(shared_dir):
    """Block-cyclic x unstructured on a 2-d grid: two axes need index lists (split into runs)."""
    g0 = 2 if P % 2 == 0 else 1
    g1 = P // g0
    perm = np.random.default_rng(3).permutation(9)
    maps = [CyclicMap(10, g0, 3), UnstructuredMap(np.array_split(perm, g1))]
    dist = nd.Distribution._from_maps(COMM, maps, None, None)
    x = rng_data((10, 9), np.float64, 2)
    path = os.path.join(shared_dir, "lists.h5")
    save_hdf5(path, nd.asarray(x, dist=dist))
    _h5py_reads(path, "buffer", x)
    assert_dist_equal(load_hdf5(path, dist=dist), x)


def test_selection_splitting_against_numpy():
    """The run-splitting of several index lists, checked with a NumPy array standing in for a dataset."""
    data = np.arange(6 * 7 * 8).reshape(6, 7, 8)
    keys = [np.array([0, 1, 3, 5]), slice(1, 7, 2), np.array([2, 3, 4, 7])]
    block = np.empty((4, 3, 4), dtype=data.dtype)
    calls = []

    def visit(fkey, bkey):
        assert sum(not isinstance(k, slice) for k in fkey) <= 1
        calls.append(fkey)
        block[bkey] = data[fkey]

    hdf5_mod._for_each_selection(keys, visit)
    assert np.array_equal(block, data[np.ix_(keys[0], np.arange(1, 7, 2), keys[2])])
    assert len(calls) == 3  # the runs of axis 0: [0, 1], [3], [5]


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_missing_file(shared_dir):
    raises_everywhere(FileNotFoundError, lambda: load_hdf5(os.path.join(shared_dir, "nope.h5")))


def test_missing_key(shared_dir):
    path = os.path.join(shared_dir, "k.h5")
    save_hdf5(path, nd.zeros(4), key="there")
    raises_everywhere(KeyError, lambda: load_hdf5(path, key="not_there"))


def test_group_is_not_a_dataset(shared_dir):
    path = os.path.join(shared_dir, "g.h5")
    save_hdf5(path, nd.zeros(4), key="grp/x")
    raises_everywhere(ValueError, lambda: load_hdf5(path, key="grp"), match="not a dataset")


def test_not_an_hdf5_file(shared_dir):
    path = os.path.join(shared_dir, "junk.h5")
    on_root(lambda: open(path, "wb").write(b"definitely not hdf5" * 10))
    raises_everywhere(OSError, lambda: load_hdf5(path))


def test_shape_and_dtype_mismatch(shared_dir):
    path = os.path.join(shared_dir, "s.h5")
    save_hdf5(path, nd.zeros((5, 2)))
    raises_everywhere(ValueError, lambda: load_hdf5(path, dist=nd.Distribution(COMM, (5, 3))))
    raises_everywhere(ValueError, lambda: load_hdf5(path, dtype=np.int32), match="dtype")


def test_failure_on_one_rank_keeps_the_old_dataset(shared_dir, monkeypatch):
    path = os.path.join(shared_dir, "atomic.h5")
    old = np.arange(12.0)
    save_hdf5(path, nd.asarray(old), key="x")
    real = hdf5_mod._write_block

    def fail_on_last(dset, d):
        if RANK == P - 1:
            raise OSError(28, "simulated: no space left on device")
        return real(dset, d)

    monkeypatch.setattr(hdf5_mod, "_write_block", fail_on_last)
    raises_everywhere(OSError, lambda: save_hdf5(path, nd.asarray(np.ones(12)), key="x"), match="no space")
    monkeypatch.undo()
    assert_dist_equal(load_hdf5(path, key="x"), old)
    with h5py.File(path, "r") as f:
        keys = list(f.keys())
    assert_all_ranks(keys == ["x"], f"temporary datasets left: {keys}")


def test_failure_in_write_mode_leaves_no_file(shared_dir, monkeypatch):
    path = os.path.join(shared_dir, "w.h5")
    real = hdf5_mod._write_block

    def fail_on_last(dset, d):
        if RANK == P - 1:
            raise OSError(28, "simulated: no space left on device")
        return real(dset, d)

    monkeypatch.setattr(hdf5_mod, "_write_block", fail_on_last)
    raises_everywhere(OSError, lambda: save_hdf5(path, nd.asarray(np.ones(12)), mode="w"))
    monkeypatch.undo()
    COMM.Barrier()
    assert_all_ranks(os.listdir(shared_dir) == [], f"left {os.listdir(shared_dir)}")
