"""File-mapped DistArrays (``nd.load(mmap_mode=)``, ``nd.open_memmap``) against NumPy's ``np.load(mmap_mode=)``,
and the bound on a rank's resident memory while reducing a mapped file."""

from __future__ import annotations

import os

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.dispatch import _bounded
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, dist_cases

from tests.io.memmap_rss_check import measure

MAPPABLE = [c for c in dist_cases(2) if c not in ("unstructured", "blockcyclic2", "blockcyclic3")]


def _layout(case, shape):
    from numpy_dist.testing import DIST_CASES  # noqa: PLC0415 - test helper, not package code
    return DIST_CASES[case](shape, nd.get_comm()) or nd.Distribution(nd.get_comm(), shape, "n")


def _saved(shared_dir, x, name="a.npy", fortran=False):
    path = os.path.join(shared_dir, name)
    if nd.get_comm().Get_rank() == 0:
        np.save(path, np.asfortranarray(x) if fortran else x)
    nd.get_comm().Barrier()
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(_bounded, "CHUNK_BYTES", 64)  # many chunks even on small test files
    yield


@pytest.mark.parametrize("case", MAPPABLE)
@pytest.mark.parametrize("fortran", [False, True])
@pytest.mark.parametrize("mode", ["r", "c", "readonly"])
def test_mapped_load_matches_numpy(shared_dir, small_chunks, case, fortran, mode):
    x = np.random.default_rng(1).normal(size=(23, 6))
    path = _saved(shared_dir, x, fortran=fortran)
    d = nd.load(path, mmap_mode=mode, dist=_layout(case, x.shape))
    assert_all_ranks(_bounded.file_mapping(d.local) is not None or d.local.size == 0, "block is mapped")
    e = np.load(path, mmap_mode=mode)
    assert_dist_equal(d, np.asarray(e))
    assert_dist_equal(np.sum(d), np.sum(e), rtol=1e-12)
    for axis in (0, 1):
        assert_dist_equal(np.sum(d, axis=axis), np.sum(e, axis=axis), rtol=1e-12)
        assert_dist_equal(np.max(d, axis=axis), np.max(e, axis=axis))
    assert_dist_equal(np.mean(d * 2 + 1), np.mean(e * 2 + 1), rtol=1e-12)
    assert_dist_equal(np.min(d), np.min(e))


def test_copy_on_write_leaves_the_file_alone(shared_dir):
    x = np.arange(40.0).reshape(10, 4)
    path = _saved(shared_dir, x)
    d = nd.load(path, mmap_mode="c")
    d[:] = -1.0
    assert_dist_equal(np.sum(d), np.float64(-40.0))
    nd.get_comm().Barrier()
    assert_all_ranks(np.array_equal(np.load(path), x), "file unchanged")


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
def test_read_write_mapping_and_open_memmap(shared_dir, case):
    path = os.path.join(shared_dir, "w.npy")
    d = nd.open_memmap(path, (12, 5), np.int32, dist=_layout(case, (12, 5)))
    assert_dist_equal(d, np.zeros((12, 5), np.int32))
    d[3:7] = 4
    nd.io.memmap.flush(d)
    expected = np.zeros((12, 5), np.int32)
    expected[3:7] = 4
    assert_all_ranks(np.array_equal(np.load(path), expected), "open_memmap writes reach the file")
    e = nd.load(path, mmap_mode="r+", dist=_layout(case, (12, 5)))
    e[0] = 9
    nd.io.memmap.flush(e)
    expected[0] = 9
    assert_all_ranks(np.array_equal(np.load(path), expected), "r+ writes reach the file")
    again = nd.open_memmap(path, (12, 5), np.int32, mode="r")
    assert_dist_equal(again, expected)
    with pytest.raises(ValueError):
        nd.open_memmap(path, (12, 6), np.int32, mode="r")


def test_bad_modes_and_layouts_raise_like_numpy(shared_dir):
    path = _saved(shared_dir, np.arange(10.0))
    with pytest.raises(ValueError):
        np.load(path, mmap_mode="x")
    with pytest.raises(ValueError):
        nd.load(path, mmap_mode="x")
    with pytest.raises(ValueError, match="slices"):
        nd.load(path, mmap_mode="r", dist=_layout("unstructured", (10,)))


def test_empty_file_maps(shared_dir):
    path = _saved(shared_dir, np.zeros((0, 3)))
    d = nd.load(path, mmap_mode="r")
    assert_dist_equal(np.sum(d, axis=0), np.zeros(3))


def test_reducing_a_mapped_file_keeps_resident_memory_bounded():
    """256 MiB file, reduced with each rank's peak resident growth under 64 MiB (4 GiB: tests/io/memmap_rss_check.py)."""
    result = measure(256 << 20)
    for r in result["ranks"]:
        assert_all_ranks(r["correct"], f"rank {r['rank']}: wrong sum or max")
        assert_all_ranks(r["growth_mib"] < 64, f"rank {r['rank']}: peak RSS grew {r['growth_mib']:.1f} MiB")


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "replicated"])
def test_map_blocks_chunked_elementwise(shared_dir, small_chunks, case):
    x = np.random.default_rng(2).normal(size=(17, 4))
    path = _saved(shared_dir, x)
    d = nd.load(path, mmap_mode="r", dist=_layout(case, x.shape))
    y = nd.asarray(x[::-1].copy(), dist=d.distribution)
    assert_dist_equal(nd.io.memmap.map_blocks(lambda a, b, s: a * s + np.sin(b), d, y, 3.0), x * 3.0 + np.sin(x[::-1]))
    if d.distribution.replicated_dims and nd.get_comm().Get_size() > 1:
        with pytest.raises(ValueError, match="writable file mapping"):  # copies would all write the file
            nd.open_memmap(os.path.join(shared_dir, "o.npy"), x.shape, np.float64, dist=d.distribution)
        return
    out = nd.open_memmap(os.path.join(shared_dir, "o.npy"), x.shape, np.float64, dist=d.distribution)
    nd.io.memmap.map_blocks(np.exp, d, out=out)
    nd.io.memmap.flush(out)
    assert_all_ranks(np.allclose(np.load(os.path.join(shared_dir, "o.npy")), np.exp(x)), "mapped output")
    with pytest.raises(ValueError):
        nd.io.memmap.map_blocks(np.add, d, nd.asarray(x[:5]))  # another shape: another layout


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
def test_dnpy_mapped_load(shared_dir, case):
    x = np.arange(60.0).reshape(12, 5)
    prefix = os.path.join(shared_dir, "set")
    nd.save_dnpy(prefix, nd.asarray(x, dist=_layout(case, x.shape)))
    d = nd.load_dnpy(prefix, mmap_mode="r")
    assert_all_ranks(_bounded.file_mapping(d.local) is not None or d.local.size == 0, "block is mapped")
    assert_dist_equal(d, x)
    assert_dist_equal(np.sum(d, axis=0), x.sum(0))
    with pytest.raises(ValueError, match="saved layout"):
        nd.load_dnpy(prefix, mmap_mode="r", dist="n")


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "replicated"])
def test_plain_ufuncs_on_mapped_blocks_run_in_chunks(shared_dir, small_chunks, case, monkeypatch):
    """NumPy code on mapped arrays (ufuncs, operators, out= a mapped file, where=, two outputs) runs chunk by
    chunk (each chunk's pages dropped) and gives NumPy's values exactly."""
    x = np.random.default_rng(3).normal(size=(29, 4))
    path = _saved(shared_dir, x)
    d = nd.load(path, mmap_mode="r", dist=_layout(case, x.shape))
    calls = []
    real = _bounded.drop_pages
    monkeypatch.setattr(_bounded, "drop_pages", lambda chunk, mapped: calls.append(chunk.shape) or real(chunk, mapped))
    assert_dist_equal(np.sin(d) * 2 + d, np.sin(x) * 2 + x)
    assert_dist_equal(d * d[0], x * x[0])
    q, r = np.divmod(d, 0.7)
    assert_dist_equal(q, np.divmod(x, 0.7)[0])
    assert_dist_equal(r, np.divmod(x, 0.7)[1])
    w = x > 0
    assert_dist_equal(np.add(d, 1, out=nd.zeros(x.shape, dist=d.distribution), where=nd.asarray(w, dist=d.distribution)),
                      np.add(x, 1, out=np.zeros(x.shape), where=w))
    if d.distribution.replicated_dims and nd.get_comm().Get_size() > 1:
        with pytest.raises(ValueError, match="writable file mapping"):  # copies would all write the file
            nd.open_memmap(os.path.join(shared_dir, "plain.npy"), x.shape, np.float64, dist=d.distribution)
        return
    out = nd.open_memmap(os.path.join(shared_dir, "plain.npy"), x.shape, np.float64, dist=d.distribution)
    np.multiply(d, 2, out=out)
    np.add(out, 1, out=out)
    nd.io.memmap.flush(out)
    assert_all_ranks(np.array_equal(np.load(os.path.join(shared_dir, "plain.npy")), 2 * x + 1), "mapped out")
    many = any(len(_bounded.row_chunks(d.local)) > 1 for _ in [0])
    assert_all_ranks(not many or len(calls) > 0, "no chunk's pages were dropped")


@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb", "replicated"])
def test_moments_of_mapped_blocks_run_in_chunks(shared_dir, small_chunks, case):
    """var/std/mean of mapped arrays (whole, along each axis, with where=) chunk by chunk: NumPy's values."""
    x = np.random.default_rng(4).normal(size=(31, 5)) * 3 + 1
    path = _saved(shared_dir, x)
    d = nd.load(path, mmap_mode="r", dist=_layout(case, x.shape))
    for axis in (None, 0, 1, (0, 1)):
        for f in (np.var, np.std, np.mean):
            got, want = f(d, axis=axis), f(x, axis=axis)
            assert_all_ranks(np.allclose(nd.asnumpy(got) if isinstance(got, nd.DistArray) else got, want,
                                         rtol=1e-12, atol=0), f"{f.__name__} axis={axis}")
        got = np.var(d, axis=axis, ddof=1, where=nd.asarray(x > 0, dist=d.distribution))
        want = np.var(x, axis=axis, ddof=1, where=x > 0)
        assert_all_ranks(np.allclose(nd.asnumpy(got) if isinstance(got, nd.DistArray) else got, want, rtol=1e-12),
                         f"var where axis={axis}")
