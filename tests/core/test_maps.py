"""One-dimensional maps: pure index arithmetic, checked exhaustively on small sizes."""

import numpy as np
import pytest

from numpy_dist.maps import BlockMap, CyclicMap, NoDistMap, UnstructuredMap, map_from_global_dim_dict


def _maps(n, P):
    yield BlockMap(n, P)
    yield CyclicMap(n, P)
    yield CyclicMap(n, P, 2)
    yield CyclicMap(n, P, 3)
    perm = np.random.default_rng(n + P).permutation(n)
    yield UnstructuredMap(np.array_split(perm, P))
    if P == 1:
        yield NoDistMap(n)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 11, 16])
@pytest.mark.parametrize("P", [1, 2, 3, 4, 5])
def test_partition_and_round_trip(n, P):
    for m in _maps(n, P):
        all_idx = np.concatenate([m.local_indices(p) for p in range(m.grid_size)])
        assert np.array_equal(np.sort(all_idx), np.arange(n)), m
        assert [m.local_size(p) for p in range(m.grid_size)] == [m.local_indices(p).size for p in range(m.grid_size)]
        assert m.local_sizes().sum() == n
        for p in range(m.grid_size):
            g = m.local_indices(p)
            assert np.all(m.owners(g) == p), m
            assert np.array_equal(m.local_positions(g), np.arange(g.size)), m
            sl = m.local_slice(p)
            if sl is not None:
                assert np.array_equal(np.arange(n)[sl], g), (m, p, sl)


def test_block_bounds_and_padding_in_dim_dict():
    m = BlockMap(10, 3, bounds=[0, 2, 2, 10], comm_padding=1, boundary_padding=2)
    assert m.local_size(1) == 0
    assert m.owners(np.array([0, 1, 2, 9])).tolist() == [0, 0, 2, 2]
    dd = m.dim_dict(0)
    assert dd["start"] == 0 and dd["stop"] == 2 and dd["padding"] == (2, 1)
    assert m.dim_dict(2)["padding"] == (1, 2)
    assert map_from_global_dim_dict(m.global_dim_dict()) == m


def test_cyclic_dim_dict_and_equality():
    m = CyclicMap(10, 4, 2)
    assert m.dim_dict(1) == {"dist_type": "c", "size": 10, "proc_grid_size": 4, "proc_grid_rank": 1,
                             "start": 2, "block_size": 2}
    assert m == CyclicMap(10, 4, 2) and m != CyclicMap(10, 4, 1) and hash(m) == hash(CyclicMap(10, 4, 2))
    assert map_from_global_dim_dict(m.global_dim_dict()) == m


@pytest.mark.parametrize(
    "gdd, exc, word",
    [
        ({"dist_type": "x", "size": 3}, ValueError, "dist_type"),
        ({"dist_type": "b", "bounds": [1, 3]}, ValueError, "bounds"),
        ({"dist_type": "b", "bounds": [0, 2]}, None, None),
        ({"dist_type": "b", "bounds": [0, 3, 2, 4]}, ValueError, "bounds"),
        ({"dist_type": "b", "bounds": [0.0, 2.5]}, TypeError, "bounds"),
        ({"dist_type": "c", "size": -1}, ValueError, "size"),
        ({"dist_type": "c", "size": 4, "block_size": 0}, ValueError, "block_size"),
        ({"dist_type": "c", "size": 2.5}, TypeError, "size"),
        ({"dist_type": "u", "indices": [[0, 1], [1, 2]]}, ValueError, "partition"),
        ({"dist_type": "u", "indices": [[0, 3], [1]]}, ValueError, "partition"),
        ({"dist_type": "u", "indices": [[0.5], [1]]}, TypeError, "indices"),
        ({"dist_type": "n"}, ValueError, "size"),
    ],
)
def test_bad_global_dim_dicts(gdd, exc, word):
    if exc is None:
        map_from_global_dim_dict(gdd)
        return
    with pytest.raises(exc, match=word):
        map_from_global_dim_dict(gdd)
