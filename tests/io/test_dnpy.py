"""The .dnpy per-rank format: byte layout, round trips, loads on other rank counts, bad input, atomic saves."""

import ast
import io
import os
import struct

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.distribution import DAP_VERSION
from numpy_dist.io import dnpy as dnpy_mod
from numpy_dist.io import load_dnpy, save_dnpy
from numpy_dist.io.dnpy import read_localarray, write_localarray
from numpy_dist.maps import BlockMap, CyclicMap, NoDistMap, UnstructuredMap
from numpy_dist.testing import DIST_CASES, assert_all_ranks, assert_dist_equal, rng_data

from ._helpers import COMM, P, RANK, leftovers, on_root, raises_everywhere

SHAPES = [(0,), (1,), (10,), (17,), (0, 3), (7, 4), (13, 6), (3, 4, 5), ()]
CASES = list(DIST_CASES)


def _dist(case, shape, comm=COMM):
    if not shape:
        return nd.Distribution(comm, (), "n")
    return DIST_CASES[case](shape, comm)


def _need(case, shape):
    if _dist(case, shape, MPI.COMM_SELF) is None:
        pytest.skip(f"{case} does not apply to {len(shape)}-d")


# --------------------------------------------------------------------------
# The byte layout (the seed's format 1.0)
# --------------------------------------------------------------------------


def test_file_layout_matches_the_seed_format(shared_dir):
    x = rng_data((10, 3), np.float64, 1)
    d = nd.asarray(x, dist="c")
    save_dnpy(os.path.join(shared_dir, "lay"), d)
    with open(os.path.join(shared_dir, f"lay_{RANK}.dnpy"), "rb") as f:
        raw = f.read()
    problems = []
    if raw[:7] != b"\x93DARRAY" or raw[7:9] != b"\x01\x00":
        problems.append(f"magic/version {raw[:9]!r}")
    (hlen,) = struct.unpack("<H", raw[9:11])
    header = raw[11:11 + hlen]
    if (11 + hlen) % 16 or not header.endswith(b"\n"):
        problems.append("header not newline-terminated and 16-byte aligned")
    meta = ast.literal_eval(header.decode("ascii"))
    if list(meta) != ["__version__", "dim_data"] or meta["__version__"] != DAP_VERSION:
        problems.append(f"header keys {list(meta)}")
    if meta["dim_data"] != tuple(d.distribution.dim_data()):
        problems.append(f"dim_data {meta['dim_data']}")
    block = np.load(io.BytesIO(raw[11 + hlen:]))
    if not np.array_equal(block, d.local):
        problems.append("the numpy.save part is not the local block")
    assert_all_ranks(not problems, "; ".join(problems))


def test_unstructured_indices_are_literal_lists_and_long_headers_use_format_2(shared_dir):
    n = 30000  # the index lists make a header longer than 65535 bytes
    dist = DIST_CASES["unstructured"]((n,), COMM)
    x = np.arange(n, dtype=np.int32)
    save_dnpy(os.path.join(shared_dir, "u"), nd.asarray(x, dist=dist))
    with open(os.path.join(shared_dir, f"u_{RANK}.dnpy"), "rb") as f:
        got = read_localarray(f)
    mine = dist.local_indices(0)
    long_header = len(repr(mine.tolist())) + 150 > 65535  # the rest of the header is under 150 bytes
    with open(os.path.join(shared_dir, f"u_{RANK}.dnpy"), "rb") as f:
        version = f.read(9)[7:]
    ok = (isinstance(got["dim_data"][0]["indices"], list) and got["dim_data"][0]["indices"] == mine.tolist()
          and version == (b"\x02\x00" if long_header else b"\x01\x00"))
    assert_all_ranks(ok, f"version {version!r}, {mine.size} indices")
    assert_dist_equal(load_dnpy(os.path.join(shared_dir, "u")), x)


def test_format_functions_round_trip_in_memory():
    buf = io.BytesIO()
    dd = ({"dist_type": "b", "size": 4, "proc_grid_size": 1, "proc_grid_rank": 0, "start": 0, "stop": 4,
           "padding": (0, 0)},)
    write_localarray(buf, np.arange(4.0), dd)
    buf.seek(0)
    out = read_localarray(buf)
    assert out["__version__"] == DAP_VERSION and out["dim_data"] == dd
    assert np.array_equal(out["buffer"], np.arange(4.0))


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_round_trip_keeps_the_distribution(shared_dir, case, shape):
    _need(case, shape)
    dist = _dist(case, shape)
    x = rng_data(shape, np.complex128, 3)
    prefix = os.path.join(shared_dir, "rt")
    save_dnpy(prefix, nd.asarray(x, dist=dist))
    back = load_dnpy(prefix)
    assert back.distribution == dist
    assert_dist_equal(back, x)
    assert_dist_equal(load_dnpy(prefix, dist="c" if shape else None), x)


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.float32, np.complex64], ids=str)
def test_dtypes(shared_dir, dtype):
    x = rng_data((11, 3), dtype, 5)
    names = [os.path.join(shared_dir, f"named{r}.dnpy") for r in range(P)]
    save_dnpy(names, nd.asarray(x, dist="c"))
    back = load_dnpy(names)
    assert back.dtype == np.dtype(dtype)
    assert_dist_equal(back, x)


@pytest.mark.parametrize("shape", [(0,), (10,), (7, 4), (3, 4, 5), ()], ids=str)
@pytest.mark.parametrize("case", CASES)
def test_saved_on_fewer_ranks_loads_here(shared_dir, case, shape):
    """Files written by a sub-communicator of k < P ranks load on all P ranks (redistributed)."""
    _need(case, shape)
    x = rng_data(shape, np.float64, 9)
    for k in sorted({1, P - 1} - {0}):
        prefix = os.path.join(shared_dir, f"k{k}")
        sub = COMM.Split(0 if RANK < k else MPI.UNDEFINED, RANK)
        if sub != MPI.COMM_NULL:
            save_dnpy(prefix, nd.asarray(x, dist=_dist(case, shape, sub)))
            sub.Free()
        COMM.Barrier()
        assert_dist_equal(load_dnpy(prefix), x)
        if shape:
            assert_dist_equal(load_dnpy(prefix, dist=_dist(case, shape)), x)


def _fake_save(prefix, x, maps):
    """Rank 0 writes the files a run on prod(grid) ranks would have written (the format writer alone)."""
    grid = [m.grid_size for m in maps]

    def write():
        for r, coords in enumerate(np.ndindex(*grid)):
            dd = tuple(m.dim_dict(p) for m, p in zip(maps, coords))
            key = np.ix_(*[m.local_indices(p) for m, p in zip(maps, coords)])
            with open(f"{prefix}_{r}.dnpy", "wb") as f:
                write_localarray(f, x[key], dd)

    on_root(write)


def _empty_first_bounds(n, k):
    """Block bounds of k uneven blocks, the first one empty (when k > 1)."""
    return [0, n] if k == 1 else [0] + np.linspace(0, n, k).astype(int).tolist()


@pytest.mark.parametrize("nfiles", [1, 2, 3, 5, 6])
def test_saved_on_another_rank_count_loads(shared_dir, nfiles):
    x = rng_data((23, 7), np.int64, 2)
    perm = np.random.default_rng(0).permutation(23)
    layouts = {
        "cyclic": [CyclicMap(23, nfiles, 2), NoDistMap(7)],
        "unstructured": [UnstructuredMap(np.array_split(perm, nfiles)), NoDistMap(7)],
        "grid": ([BlockMap(23, 2), CyclicMap(7, nfiles // 2)] if nfiles % 2 == 0 else
                 [BlockMap(23, nfiles, _empty_first_bounds(23, nfiles)), NoDistMap(7)]),
    }
    for name, maps in layouts.items():
        prefix = os.path.join(shared_dir, f"fake_{name}")
        _fake_save(prefix, x, maps)
        back = load_dnpy(prefix)
        assert_dist_equal(back, x)
        assert_dist_equal(load_dnpy(prefix, dist=("c", "b"), grid_shape=(1, P)), x)


def test_saving_on_fewer_ranks_removes_stale_files(shared_dir):
    prefix = os.path.join(shared_dir, "stale")
    _fake_save(prefix, np.arange(40.0), [BlockMap(40, P + 2)])
    x = np.arange(12.0)
    save_dnpy(prefix, nd.asarray(x))
    names = sorted(os.listdir(shared_dir))
    assert_all_ranks(names == sorted(f"stale_{r}.dnpy" for r in range(P)), f"files {names}")
    assert_dist_equal(load_dnpy(prefix), x)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def test_missing_files(shared_dir):
    raises_everywhere(FileNotFoundError, lambda: load_dnpy(os.path.join(shared_dir, "none")))
    names = [os.path.join(shared_dir, f"missing{r}.dnpy") for r in range(P)]
    raises_everywhere(FileNotFoundError, lambda: load_dnpy(names))


def _saved(shared_dir, prefix="bad", dist="c", dtype=np.float64, shape=(10, 2)):
    prefix = os.path.join(shared_dir, prefix)
    save_dnpy(prefix, nd.asarray(rng_data(shape, dtype, 1), dist=dist))
    return prefix


def test_wrong_magic_in_one_file(shared_dir):
    prefix = _saved(shared_dir)
    last = f"{prefix}_{P - 1}.dnpy"
    on_root(lambda: open(last, "r+b").write(b"\x93NUMPY"))
    raises_everywhere(ValueError, lambda: load_dnpy(prefix), match="magic")


def test_truncated_file(shared_dir):
    prefix = _saved(shared_dir)
    last = f"{prefix}_{P - 1}.dnpy"

    def cut():
        with open(last, "r+b") as f:
            f.truncate(os.path.getsize(last) - 3)

    on_root(cut)
    raises_everywhere(ValueError, lambda: load_dnpy(prefix), match="truncated")


def test_garbage_header(shared_dir):
    path = os.path.join(shared_dir, "g_0.dnpy")
    on_root(lambda: open(path, "wb").write(b"\x93DARRAY\x01\x00" + struct.pack("<H", 5) + b"{oops"))
    raises_everywhere(ValueError, lambda: load_dnpy(os.path.join(shared_dir, "g")))


def test_files_with_different_dtypes(shared_dir):
    prefix = os.path.join(shared_dir, "dt")
    maps = [BlockMap(10, 2)]

    def write():
        for r in range(2):
            with open(f"{prefix}_{r}.dnpy", "wb") as f:
                write_localarray(f, np.zeros(5, dtype=np.float64 if r == 0 else np.float32), (maps[0].dim_dict(r),))

    on_root(write)
    raises_everywhere(ValueError, lambda: load_dnpy(prefix), match="dtype")


def test_block_shape_disagrees_with_dim_data(shared_dir):
    prefix = os.path.join(shared_dir, "sh")
    m = BlockMap(10, 2)

    def write():
        for r in range(2):
            with open(f"{prefix}_{r}.dnpy", "wb") as f:
                write_localarray(f, np.zeros(6 if r else 5), (m.dim_dict(r),))

    on_root(write)
    raises_everywhere(ValueError, lambda: load_dnpy(prefix), match="shape")


def test_missing_block(shared_dir):
    prefix = os.path.join(shared_dir, "mb")
    maps = [BlockMap(6, 2), BlockMap(4, 2)]
    _fake_save(prefix, np.arange(24.0).reshape(6, 4), maps)
    names = [f"{prefix}_{r}.dnpy" for r in (0, 1, 2)]  # the block at grid coordinates (1, 1) is left out
    raises_everywhere(ValueError, lambda: load_dnpy(names), match="lack")


def test_list_length_must_match_when_saving(shared_dir):
    raises_everywhere(TypeError, lambda: save_dnpy([os.path.join(shared_dir, "a")] * (P + 1), nd.zeros(3)))


def test_bad_name_type():
    raises_everywhere(TypeError, lambda: load_dnpy(42))


def test_failed_save_leaves_no_loadable_set(shared_dir, monkeypatch):
    prefix = os.path.join(shared_dir, "atomic")
    if RANK == P - 1:
        def broken_replace(src, dst):
            raise PermissionError(13, "simulated: cannot rename", dst)
        monkeypatch.setattr(dnpy_mod.os, "replace", broken_replace)
    raises_everywhere(PermissionError, lambda: save_dnpy(prefix, nd.asarray(np.arange(8.0))))
    monkeypatch.undo()
    assert leftovers(shared_dir) == []
    raises_everywhere(FileNotFoundError, lambda: load_dnpy(prefix))


def test_failed_write_on_one_rank(shared_dir, monkeypatch):
    prefix = os.path.join(shared_dir, "w")
    if RANK == 0:
        def broken(*args, **kwargs):
            raise OSError(28, "simulated: no space left on device")
        monkeypatch.setattr(dnpy_mod, "write_localarray", broken)
    raises_everywhere(OSError, lambda: save_dnpy(prefix, nd.asarray(np.arange(8.0))), match="no space")
    assert leftovers(shared_dir) == []
    raises_everywhere(FileNotFoundError, lambda: load_dnpy(prefix))
