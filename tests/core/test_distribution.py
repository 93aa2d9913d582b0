"""Distributions: grids, dim_data, derived layouts and bad input (identical errors on every rank)."""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.distribution import make_grid_shape
from numpy_dist.redistribute import distribution_from_dim_data
from numpy_dist.testing import assert_all_ranks

P = MPI.COMM_WORLD.Get_size()


def test_make_grid_shape_balances():
    assert make_grid_shape((4, 6), ("b", "b"), 4) == (2, 2)
    assert make_grid_shape((10, 3), ("b", "n"), 4) == (4, 1)
    assert make_grid_shape((2, 1000), ("b", "b"), 4) == (1, 4)
    assert make_grid_shape((5, 5), ("n", "n"), 3) == (1, 1)
    assert np.prod(make_grid_shape((7, 7, 7), ("b", "b", "b"), 12)) == 12


def test_default_is_block_axis0():
    d = nd.Distribution(None, (8, 3))
    assert d.dist == ("b", "n") and d.grid_shape == (P, 1)
    assert sum(s[0] for s in d.localshapes()) == 8


def test_codes_spellings():
    assert nd.Distribution(None, (4, 4), "c").dist == ("c", "c")
    assert nd.Distribution(None, (4, 4), {1: "b"}).dist == ("n", "b")
    assert nd.Distribution(None, (4, 4), ["n", "c"]).dist == ("n", "c")
    assert nd.Distribution(None, (4, 4), "nc").dist == ("n", "c")


@pytest.mark.parametrize("shape, dist", [((4, 4), "bc"), ((4, 5, 3), "cbn"), ((6,), "c"), ((), "()")])
def test_dist_string_as_a_repr_prints_it(shape, dist):
    # The repr prints dist='bc': that string is accepted back, giving the same layout.
    x = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
    d = nd.asarray(x, dist=dist)
    printed = repr(d).split("dist=")[1].split(",")[0].strip("'")
    assert printed == dist
    again = nd.zeros(shape, dist=printed)
    assert again.distribution == nd.zeros(shape, dist=d.dist).distribution
    assert_all_ranks(np.array_equal(nd.asnumpy(d), x), "values differ")


def test_grid_shape_given():
    d = nd.Distribution(None, (6, 6), ("b", "b"), grid_shape=(1, P))
    assert d.grid_shape == (1, P)
    d2 = nd.Distribution(None, (6, 6), ("b", "n"), grid_shape=(P,))
    assert d2.grid_shape == (P, 1)


def test_dim_data_round_trip_through_global_dim_data():
    d = nd.Distribution.from_global_dim_data(None, (
        {"dist_type": "c", "size": 11, "proc_grid_size": P, "block_size": 2},
        {"dist_type": "n", "size": 3},
    ))
    again = nd.Distribution.from_global_dim_data(None, d.global_dim_data())
    assert again == d
    per_rank = distribution_from_dim_data(nd.get_comm(), d.dim_data())
    assert per_rank == d
    assert nd.Distribution.from_dim_data_per_rank(None, d.get_dim_data_per_rank()) == d


def test_unstructured_from_global_dim_data():
    perm = np.random.default_rng(0).permutation(9)
    d = nd.Distribution.from_global_dim_data(None, ({"dist_type": "u", "indices": np.array_split(perm, P)},))
    assert d.dist == ("u",)
    assert distribution_from_dim_data(nd.get_comm(), d.dim_data()) == d
    assert nd.Distribution.from_dim_data_per_rank(None, d.get_dim_data_per_rank()) == d


def test_block_bounds_from_global_dim_data():
    bounds = [0] + [min(3 * (i + 1), 10) for i in range(P - 1)] + [10]
    d = nd.Distribution.from_global_dim_data(None, ({"dist_type": "b", "bounds": bounds},))
    assert [s[0] for s in d.localshapes()] == list(np.diff(bounds))


def test_reduced_replicates_grid_dimension():
    d = nd.Distribution(None, (6, 8), ("b", "b"))
    r = d.reduced((0,))
    assert r.shape == (8,) and r.proc_grid == d.proc_grid and len(r.replicated_dims) == 1
    k = d.reduced((1,), keepdims=True)
    assert k.shape == (6, 1) and k.dist == ("b", "n")


BAD = [
    (dict(shape=(4,), dist="x"), ValueError, "dist"),
    (dict(shape=(4, 4), dist=("b",)), ValueError, "dist"),
    (dict(shape=(4, 4), dist="bcn"), ValueError, "3 codes"),
    (dict(shape=(4, 4), dist="bx"), ValueError, "dist codes"),
    (dict(shape=(4,), dist="u"), ValueError, "dist"),
    (dict(shape=(-1,)), ValueError, "shape"),
    (dict(shape=(2.5,)), TypeError, "shape"),
    (dict(shape="abc"), TypeError, "shape"),
    (dict(shape=(4, 4), dist=("b", "b"), grid_shape=(P + 1, 1)), ValueError, "grid_shape"),
    (dict(shape=(4, 4), dist=("b", "n"), grid_shape=(1, 2)), ValueError, "grid_shape"),
]


@pytest.mark.parametrize("kwargs, exc, word", BAD)
def test_bad_input_same_error_everywhere(kwargs, exc, word):
    nd.reset_comm_stats()
    with pytest.raises(exc, match=word) as info:
        nd.Distribution(None, **kwargs)
    stats = nd.comm_stats()
    # Raised before any communication, with the same message on every rank.
    assert stats["collectives"] == 0 and stats["control_collectives"] == 0
    messages = MPI.COMM_WORLD.allgather(str(info.value))
    assert_all_ranks(len(set(messages)) == 1, f"messages differ: {messages}")


def test_global_dim_data_wrong_process_count():
    with pytest.raises(ValueError, match="communicator"):
        nd.Distribution.from_global_dim_data(None, ({"dist_type": "c", "size": 4, "proc_grid_size": P + 1},))


def test_creation_bad_input_at_any_rank_count():
    with pytest.raises(ValueError, match="dist"):
        nd.zeros((3, 3), dist="q")
    with pytest.raises(TypeError, match="dtype"):
        nd.zeros(3, dtype=object)
    with pytest.raises(ValueError, match="shape"):
        nd.ones((-2, 3))


# -- the named constructors: each is checked against what it promises, from global metadata only --

def _owned(d: nd.Distribution, axis: int) -> list[list[int]]:
    return [d.local_indices(axis, r).tolist() for r in range(d.nprocs)]


@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (P + 1, 3), (2 * P, 0, 2)])
def test_row_blocks_and_on_rank(shape):
    comm = nd.get_comm()
    rows = nd.Distribution.row_blocks(comm, shape)
    assert rows == nd.Distribution(comm, shape, ("b",) + ("n",) * (len(shape) - 1))
    assert sum(rows.local_shape_of(r)[0] for r in range(P)) == shape[0]
    bounds = [0] + [min(shape[0], 2 * (i + 1)) for i in range(P - 1)] + [shape[0]]
    given = nd.Distribution.row_blocks(comm, shape, bounds)
    assert [given.local_shape_of(r)[0] for r in range(P)] == list(np.diff(bounds))
    for root in range(P):
        one = nd.Distribution.on_rank(comm, shape, root)
        assert [one.local_shape_of(r) for r in range(P)] == [
            shape if r == root else (0,) + shape[1:] for r in range(P)]


def test_replicated_on_and_zero_d():
    comm = nd.get_comm()
    rep = nd.Distribution.replicated_on(comm, (3, 2))
    assert rep.dist == ("n", "n") and all(rep.local_shape_of(r) == (3, 2) for r in range(P))
    assert nd.Distribution.row_blocks(comm, ()) == nd.Distribution.replicated_on(comm, ())
    with pytest.raises(ValueError):
        nd.Distribution.on_rank(comm, ())


def test_local_axes_select_axes_extended():
    d = nd.Distribution(None, (4, 6, 5), dist="bbn")
    whole = d.with_local_axes([0, -2])
    assert whole.dist == ("n", "n", "n") and whole.proc_grid == d.proc_grid
    assert all(whole.local_shape_of(r) == (4, 6, 5) for r in range(P))
    half = d.with_local_axes([1])
    assert _owned(half, 0) == _owned(d, 0) and _owned(half, 1) == [list(range(6))] * P
    swapped = d.select_axes([1, 0])
    assert swapped.shape == (6, 4) and _owned(swapped, 0) == _owned(d, 1) and _owned(swapped, 1) == _owned(d, 0)
    longer = d.select_axes([0]).extended((2, 3))
    assert longer.shape == (4, 2, 3) and _owned(longer, 0) == _owned(d, 0) and longer.dist == ("b", "n", "n")


def test_from_maps_default_grid():
    from numpy_dist.maps import BlockMap, NoDistMap

    comm = nd.get_comm()
    d = nd.Distribution.from_maps(comm, [BlockMap(6, P), NoDistMap(2)])
    assert d == nd.Distribution(comm, (6, 2), "bn")
    with pytest.raises(ValueError):
        nd.Distribution.from_dim_data_per_rank(comm, [d.dim_data()] * (P + 1))
