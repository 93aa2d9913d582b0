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


FILTER_OPTIONS = [
    {"chunks": (8, 6), "compression": "gzip", "compression_opts": 4},
    {"chunks": True, "shuffle": True, "compression": "lzf"},
    {"chunks": (5, 3), "fletcher32": True},
    {"chunks": (4, 4)},
    {"fillvalue": 7.0},
]


@pytest.mark.parametrize("options", FILTER_OPTIONS, ids=lambda o: "-".join(sorted(o)))
@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bc", "replicated"])
def test_chunked_and_filtered_datasets(shared_dir, case, options):
    """Chunks and filters through both write methods (collective under mpio from HDF5 1.10.2)."""
    x = rng_data((23, 6), np.float64, 9)
    path = os.path.join(shared_dir, "f.h5")
    save_hdf5(path, nd.asarray(x, dist=_dist(case, x.shape)), key="f", **options)
    with h5py.File(path, "r") as f:
        dset = f["f"]
        ok = all(getattr(dset, k) == v for k, v in options.items()
                 if k in ("compression", "shuffle", "fletcher32") or (k == "chunks" and v is not True))
    assert_all_ranks(ok, f"options {options} were not applied")
    _h5py_reads(path, "f", x)
    assert_dist_equal(load_hdf5(path, key="f", dist=_dist(case, x.shape)), x)


def test_filtered_fallback_to_ordered_writes(shared_dir, monkeypatch):
    """A parallel HDF5 too old for filtered parallel writes falls back to ordered writes (forced here)."""
    monkeypatch.setattr(hdf5_mod, "_PARALLEL_FILTERS_SINCE", (99,))
    assert hdf5_mod._write_method({"compression": "gzip"}) == "ordered"
    assert hdf5_mod._write_method({}) == ("collective" if h5py.get_config().mpi else "ordered")
    x = rng_data((17, 4), np.int64, 3)
    path = os.path.join(shared_dir, "fb.h5")
    save_hdf5(path, nd.asarray(x, dist="c"), key="old")
    save_hdf5(path, nd.asarray(x + 1, dist="c"), key="z", chunks=(3, 4), compression="gzip")
    save_hdf5(path, nd.asarray(x + 2), key="z", compression="gzip")  # replaces z
    _h5py_reads(path, "old", x)
    _h5py_reads(path, "z", x + 2)
    assert_dist_equal(load_hdf5(path, key="z", dist="c"), x + 2)


def test_write_method():
    """Collective under an MPI-enabled h5py (filters too from HDF5 1.10.2), ordered with serial h5py."""
    mpi = bool(h5py.get_config().mpi)
    filters_ok = h5py.version.hdf5_version_tuple >= (1, 10, 2)
    assert hdf5_mod._write_method({}) == ("collective" if mpi else "ordered")
    assert hdf5_mod._write_method({"chunks": (2, 2), "fillvalue": 1}) == ("collective" if mpi else "ordered")
    for opts in ({"compression": "gzip"}, {"compression": 0}, {"shuffle": True}, {"fletcher32": True},
                 {"scaleoffset": 2}):
        assert hdf5_mod._filtered(opts)
        assert hdf5_mod._write_method(opts) == ("collective" if mpi and filters_ok else "ordered")
    assert not hdf5_mod._filtered({"shuffle": False, "compression": None, "chunks": True})


def test_driver_matches_the_h5py_build(shared_dir, monkeypatch):
    """Data moves through the 'mpio' driver on every rank with an MPI-enabled h5py, else the default one."""
    opened = []
    real = hdf5_mod._open_shared

    def spy(h5py_mod, path, mode, comm):
        f = real(h5py_mod, path, mode, comm)
        opened.append(f.driver)
        return f

    monkeypatch.setattr(hdf5_mod, "_open_shared", spy)
    x = rng_data((13, 3), np.float64, 6)
    path = os.path.join(shared_dir, "drv.h5")
    save_hdf5(path, nd.asarray(x), key="x")
    back = load_hdf5(path, key="x", dist="c")
    monkeypatch.undo()
    assert_dist_equal(back, x)
    expected = "mpio" if h5py.get_config().mpi else "sec2"
    assert_all_ranks(len(opened) >= 1 and all(o == expected for o in opened), f"drivers {opened}")
    if h5py.get_config().mpi:  # one collective open for the save, one for the load, on every rank
        assert_all_ranks(len(opened) == 2, f"drivers {opened}")


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
    dist = nd.Distribution.from_maps(COMM, maps)
    x = rng_data((10, 9), np.float64, 2)
    path = os.path.join(shared_dir, "lists.h5")
    save_hdf5(path, nd.asarray(x, dist=dist))
    _h5py_reads(path, "buffer", x)
    assert_dist_equal(load_hdf5(path, dist=dist), x)


@pytest.mark.parametrize("ix", [[], [4], [2, 3, 4], [1, 4, 7, 10], [0, 1, 4, 5, 8], [0, 1, 4, 5, 8, 9],
                                [0, 2, 3, 5, 6, 7, 11], [1, 3, 5, 6, 8, 10, 12]], ids=str)
def test_axis_pieces_cover_the_indices(ix):
    """Hyperslab pieces (start, stride, count, block) enumerate exactly the sorted indices."""
    ix = np.array(ix, dtype=np.int64)
    pieces = hdf5_mod._axis_pieces(ix)
    got = [s + k * st + b for s, st, cnt, blk in pieces for k in range(cnt) for b in range(blk)]
    assert sorted(got) == ix.tolist() and len(got) == ix.size
    assert all(cnt == 1 or st >= blk for s, st, cnt, blk in pieces)  # no overlap inside a piece
    if ix.size and np.all(np.diff(ix) == 1):
        assert len(pieces) == 1


def test_selection_against_numpy():
    """Reading a hyperslab union (several irregular axes) from an in-memory file equals np.ix_."""
    data = np.arange(9 * 7 * 8).reshape(9, 7, 8)
    keys = [np.array([0, 1, 3, 5, 6, 8]), np.arange(1, 7, 2), np.array([2, 3, 4, 7])]
    with h5py.File(f"mem{RANK}.h5", "w", driver="core", backing_store=False) as f:
        dset = f.create_dataset("x", data=data)
        part = hdf5_mod._Part([hdf5_mod._axis_pieces(k) for k in keys],
                              np.empty([k.size for k in keys], dtype=data.dtype))
        mspace, fspace = hdf5_mod._spaces(h5py, dset, part)
        dset.id.read(mspace, fspace, part.block)
        assert np.array_equal(part.block, data[np.ix_(*keys)])
        part.block[...] = -part.block
        hdf5_mod._write_block(dset, part)
        expected = data.copy()
        expected[np.ix_(*keys)] *= -1
        assert np.array_equal(dset[()], expected)


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


def test_save_into_a_file_that_is_not_hdf5(shared_dir):
    path = os.path.join(shared_dir, "junk_a.h5")
    on_root(lambda: open(path, "wb").write(b"definitely not hdf5" * 10))
    raises_everywhere(OSError, lambda: save_hdf5(path, nd.zeros(4)), match="not an HDF5 file")
    raises_everywhere(OSError, lambda: save_hdf5(path, nd.zeros(4), mode="r+"), match="not an HDF5 file")
    with open(path, "rb") as fh:
        same = fh.read() == b"definitely not hdf5" * 10
    assert_all_ranks(same, "the file was changed")


def test_bad_dataset_options_leave_nothing(shared_dir):
    path = os.path.join(shared_dir, "o.h5")
    save_hdf5(path, nd.arange(6.0), key="keep")
    raises_everywhere(ValueError, lambda: save_hdf5(path, nd.arange(6.0), key="keep", chunks=(7,)))
    raises_everywhere(ValueError, lambda: save_hdf5(path, nd.arange(6.0), key="keep", compression="nope"))
    raises_everywhere(ValueError, lambda: save_hdf5(os.path.join(shared_dir, "o2.h5"), nd.arange(6.0), mode="w",
                                                    chunks=(7,)))
    assert_dist_equal(load_hdf5(path, key="keep"), np.arange(6.0))
    with h5py.File(path, "r") as f:
        keys = list(f.keys())
    assert_all_ranks(keys == ["keep"], f"temporary datasets left: {keys}")
    assert_all_ranks(sorted(os.listdir(shared_dir)) == ["o.h5"], f"left {os.listdir(shared_dir)}")


def test_shape_and_dtype_mismatch(shared_dir):
    path = os.path.join(shared_dir, "s.h5")
    save_hdf5(path, nd.zeros((5, 2)))
    raises_everywhere(ValueError, lambda: load_hdf5(path, dist=nd.Distribution(COMM, (5, 3))))
    raises_everywhere(ValueError, lambda: load_hdf5(path, dtype=np.int32), match="dtype")


def _fail_on_last_rank(monkeypatch):
    """The last rank fails while preparing its part of a write (the temporary dataset exists by then)."""
    real = hdf5_mod._local_part

    def fail_on_last(d):
        if RANK == P - 1:
            raise OSError(28, "simulated: no space left on device")
        return real(d)

    monkeypatch.setattr(hdf5_mod, "_local_part", fail_on_last)


def test_failure_on_one_rank_keeps_the_old_dataset(shared_dir, monkeypatch):
    path = os.path.join(shared_dir, "atomic.h5")
    old = np.arange(12.0)
    save_hdf5(path, nd.asarray(old), key="x")
    _fail_on_last_rank(monkeypatch)
    raises_everywhere(OSError, lambda: save_hdf5(path, nd.asarray(np.ones(12)), key="x"), match="no space")
    monkeypatch.undo()
    assert_dist_equal(load_hdf5(path, key="x"), old)
    with h5py.File(path, "r") as f:
        keys = list(f.keys())
    assert_all_ranks(keys == ["x"], f"temporary datasets left: {keys}")


def test_failure_in_write_mode_leaves_no_file(shared_dir, monkeypatch):
    path = os.path.join(shared_dir, "w.h5")
    _fail_on_last_rank(monkeypatch)
    raises_everywhere(OSError, lambda: save_hdf5(path, nd.asarray(np.ones(12)), mode="w"))
    monkeypatch.undo()
    COMM.Barrier()
    assert_all_ranks(os.listdir(shared_dir) == [], f"left {os.listdir(shared_dir)}")
