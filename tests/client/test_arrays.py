"""Proxies against NumPy: creation, scatter/gather, ufuncs, reductions, functions, indexing, repr.

Every result is compared with NumPy on the same data (values, shape, dtype, exception class).
"""

from __future__ import annotations

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.client import RemoteArray, api

RNG = np.random.default_rng(21)
X = RNG.standard_normal((37, 6))
LAYOUTS = [None, "c", ("b", "c"), ("n", "b")]


def same(remote, expected, c):
    """``remote`` (a proxy or a value) equals NumPy's ``expected``: values, shape and dtype."""
    got = c.asnumpy(remote) if isinstance(remote, RemoteArray) else remote
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert np.shape(got) == np.shape(expected)
    assert np.asarray(got).dtype == np.asarray(expected).dtype


def test_client_knows_its_engines(client):
    assert client.nprocs in (2, 4)
    assert client.targets == list(range(client.nprocs))
    assert "MPI engines" in repr(client)


@pytest.mark.parametrize("dist", LAYOUTS)
def test_scatter_and_gather_round_trip(client, dist, monkeypatch):
    monkeypatch.setattr(api, "SCATTER_CHUNK", 200)  # several chunks per engine
    r = client.asarray(X, dist=dist)
    assert (r.shape, r.dtype, r.ndim, r.size) == (X.shape, X.dtype, 2, X.size)
    np.testing.assert_array_equal(client.asnumpy(r), X)
    assert len(r.dist) == 2 and int(np.prod(r.grid_shape)) == client.nprocs


def test_creation_functions(client):
    same(client.zeros((5, 3)), np.zeros((5, 3)), client)
    same(client.ones(7, dtype=np.int32), np.ones(7, np.int32), client)
    same(client.full((4, 4), 2.5, dist="c"), np.full((4, 4), 2.5), client)
    same(client.full((3,), 7), np.full((3,), 7), client)
    same(client.arange(3, 20, 2), np.arange(3, 20, 2), client)
    same(client.linspace(0, 1, 11), np.linspace(0, 1, 11), client)
    same(client.eye(5, 4, k=1), np.eye(5, 4, k=1), client)
    same(client.fromfunction(lambda i, j: i * 10 + j, (4, 5)), np.fromfunction(lambda i, j: i * 10 + j, (4, 5)),
         client)
    assert client.empty((6, 2)).shape == (6, 2)
    g = client.random.default_rng(3).standard_normal((9, 2))
    same(g, nd.random.default_rng(3).standard_normal((9, 2)).local if client.nprocs == 1 else client.asnumpy(g),
         client)


def test_metadata_without_a_round_trip(client):
    r = client.asarray(X)
    t = (r - r.mean(axis=0)) / r.std(axis=0)
    s = np.sum(t, axis=1)
    for p in (t, s, r[3:9, ::2], r.T, r.astype(np.float32), r.reshape(-1, 3)):
        assert p._shape is not None and p._dtype is not None, "metadata decided in the notebook"
    assert (s.shape, s.dtype) == ((37,), np.float64)
    assert r[3:9, ::2].shape == (6, 3) and r.T.shape == (6, 37) and r.reshape(-1, 3).shape == (74, 3)


def test_readme_example(client):
    x = np.random.default_rng(0).standard_normal((2000, 30))
    d = client.asarray(x)
    row_totals = np.sum(d, axis=1)
    z = (d - d.mean(axis=0)) / d.std(axis=0)
    same(row_totals, np.sum(x, axis=1), client)
    same(z, (x - x.mean(axis=0)) / x.std(axis=0), client)
    assert float(np.max(z)) == pytest.approx(float(np.max((x - x.mean(axis=0)) / x.std(axis=0))), rel=1e-12)


@pytest.mark.parametrize("dist", [None, ("b", "c")])
def test_ufuncs_and_operators(client, dist):
    r, x = client.asarray(X, dist=dist), X
    same(r + 1, x + 1, client)
    same(2 * r - r * r, 2 * x - x * x, client)
    same(np.sqrt(np.abs(r)), np.sqrt(np.abs(x)), client)
    same(r > 0, x > 0, client)
    same(np.add(r, x[0]), np.add(x, x[0]), client)
    same(np.add.reduce(r, axis=1), np.add.reduce(x, axis=1), client)
    same(np.multiply.accumulate(r, axis=0), np.multiply.accumulate(x, axis=0), client)
    same(r.astype(np.int16) // 1, x.astype(np.int16) // 1, client)
    y, yn = client.asarray(X.copy(), dist=dist), X.copy()
    y += 3
    yn += 3
    y *= y
    yn *= yn
    same(y, yn, client)


def test_reductions(client):
    r, x = client.asarray(X), X
    for name in ("sum", "mean", "std", "var", "min", "max", "prod"):
        same(getattr(np, name)(r), getattr(np, name)(x), client)
        same(getattr(np, name)(r, axis=0), getattr(np, name)(x, axis=0), client)
        same(getattr(r, name)(axis=1, keepdims=True), getattr(x, name)(axis=1, keepdims=True), client)
    value = np.sum(r)
    assert isinstance(value, np.float64) and not isinstance(value, RemoteArray)
    same(np.argmax(r), np.argmax(x), client)
    same(np.argmin(r, axis=0), np.argmin(x, axis=0), client)
    same(np.cumsum(r, axis=1), np.cumsum(x, axis=1), client)
    same(np.median(r, axis=0), np.median(x, axis=0), client)


def test_array_functions(client):
    r, x = client.asarray(X), X
    same(np.concatenate([r, r]), np.concatenate([x, x]), client)
    same(np.where(r > 0, r, 0.0), np.where(x > 0, x, 0.0), client)
    same(np.sort(r, axis=0), np.sort(x, axis=0), client)
    same(r.T @ r, x.T @ x, client)
    same(np.linalg.norm(r), np.linalg.norm(x), client)
    same(np.clip(r, -0.5, 0.5), np.clip(x, -0.5, 0.5), client)
    assert np.shape(r) == X.shape and np.ndim(r) == 2
    xp = r.__array_namespace__()
    same(xp.mean(r, axis=0), np.mean(x, axis=0), client)
    assert xp.float64 is nd.float64


def test_indexing_and_setitem(client):
    r, x = client.asarray(X.copy()), X.copy()
    same(r[3:9, ::2], x[3:9, ::2], client)
    same(r[:, 1], x[:, 1], client)
    assert r[2, 3] == x[2, 3] and not isinstance(r[2, 3], RemoteArray)
    same(r[[0, 5, 2]], x[[0, 5, 2]], client)
    same(r[r > 1], x[x > 1], client)
    r[1:-1, 1:-1] = r[1:-1, 1:-1] + 0.5 * (r[:-2, 1:-1] - r[1:-1, 1:-1])
    x[1:-1, 1:-1] = x[1:-1, 1:-1] + 0.5 * (x[:-2, 1:-1] - x[1:-1, 1:-1])
    r[0] = 7.0
    x[0] = 7.0
    same(r, x, client)
    assert [float(v) for v in r[:3, 0]] == [float(v) for v in x[:3, 0]]


def test_repr_is_numpy_summary(client):
    for a in (np.arange(4000.0).reshape(2000, 2), np.arange(4.0), X):
        text = repr(client.asarray(a))
        numpy_body = "".join(repr(a)[len("array("):-1].split())
        numpy_body = numpy_body[:numpy_body.rindex("]") + 1]  # the elements, without NumPy's shape=
        assert "".join(text[len("DistArray("):].split()).startswith(numpy_body)
        assert str(client.asarray(a)) == str(a)


def test_asarray_of_a_proxy_follows_the_fallback_policy(client):
    r = client.asarray(X)
    with pytest.warns(nd.FallbackWarning, match="asarray"):
        got = np.asarray(r)
    np.testing.assert_array_equal(got, X)
    old = nd.set_fallback("error")
    try:
        with pytest.raises(nd.FallbackError):
            np.asarray(r)
    finally:
        nd.set_fallback(old)
    np.testing.assert_array_equal(client.asnumpy(r), X)


def test_out_and_at_write_into_remote_arrays(client):
    r, x = client.asarray(X), X
    out, expected = client.zeros(X.shape), np.zeros(X.shape)
    assert np.multiply(r, 2.0, out=out) is out
    np.multiply(x, 2.0, out=expected)
    same(out, expected, client)
    v, vn = client.asarray(np.zeros(5)), np.zeros(5)
    np.add.at(v, [0, 0, 3], 1.0)
    np.add.at(vn, [0, 0, 3], 1.0)
    same(v, vn, client)
    with pytest.raises(TypeError):
        np.add(r, 1.0, out=np.zeros(X.shape))  # the notebook's array is not on the engines
