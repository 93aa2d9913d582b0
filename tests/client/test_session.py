"""Errors from the engines, argument errors at once, lifetime (GC frees), SPMD functions, Context, joining."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.client import RemoteArray, RemoteError

X = np.arange(24.0).reshape(6, 4)


def test_engine_error_has_numpy_class_operation_and_traceback(client):
    r = client.asarray(-np.eye(4))
    with pytest.raises(np.linalg.LinAlgError) as info:
        np.linalg.cholesky(r)
    err = info.value
    assert isinstance(err, RemoteError)
    assert "np.linalg.cholesky(<RemoteArray" in str(err) and "engine rank" in str(err)
    assert "Traceback" in err.engine_traceback and "\x1b[" not in str(err)


def test_argument_errors_raised_at_once(client):
    r = client.asarray(X)
    with pytest.raises(ValueError):
        r + np.ones(3)
    with pytest.raises(np.exceptions.AxisError):
        np.sum(r, axis=2)
    with pytest.raises(IndexError):
        r[6]
    with pytest.raises(ValueError):
        r[0:2] = np.ones(3)
    with pytest.raises(TypeError):
        np.sqrt(client.asarray(np.array(["a", "b"])))


def test_other_errors_at_the_next_wait_naming_the_operation(client):
    r = client.asarray(X)
    ints = client.zeros((6, 4), dtype=np.int64)
    np.add(r, 0.5, out=ints)  # float into int out: refused by casting on the engines
    with pytest.raises(TypeError, match=r"np.add\(<RemoteArray"):
        float(np.sum(r))
    assert float(np.sum(r)) == X.sum()  # the session goes on


def test_failed_result_names_its_cause_when_used(client):
    ints = client.zeros(3, dtype=np.int64)
    bad = client.arange(3)
    np.add(bad, 0.5, out=ints)
    with pytest.raises(RemoteError):
        client.sync()


def test_collected_proxies_free_their_arrays(client):
    gc.collect()  # earlier tests' proxies are freed before the count starts (a late free made it 49)
    client.sync()
    base = client.engine_objects()
    arrays = [client.ones((10, 10)) * i for i in range(50)]
    assert [n - b for n, b in zip(client.engine_objects(), base)] == [50] * client.nprocs  # the temporary ones() are freed already
    del arrays
    gc.collect()
    assert client.engine_objects() == base  # freed with the next message, no extra round trip


def test_run_returns_rank0_or_all(client):
    r = client.asarray(X)

    def local_rows(d):
        return d.local.shape[0]

    rows = client.run(local_rows, r, all_ranks=True)
    assert sum(rows) == 6 and len(rows) == client.nprocs
    assert client.run(local_rows, r) == rows[0]

    def spmd(d, k):
        return np.sum(d * k, axis=0)  # a DistArray on the engines: a proxy in the notebook

    out = client.run(spmd, r, 2.0)
    assert isinstance(out, RemoteArray)
    np.testing.assert_array_equal(client.asnumpy(out), np.sum(X * 2.0, axis=0))


def test_apply_register_and_seed_context(client):
    r = client.asarray(X)
    partial = client.apply(lambda a: a.sum(), (r,))
    assert len(partial) == client.nprocs and sum(partial) == X.sum()

    @client.register
    def local_max(a):
        return a.max() if a.size else -np.inf

    assert max(client.local_max(r)) == X.max()
    ctx = nd.Context(client=client)
    z = ctx.zeros((5, 3))
    assert isinstance(z, RemoteArray) and z.shape == (5, 3)
    a = ctx.fromarray(X)
    np.testing.assert_array_equal(client.asnumpy(a), X)
    assert ctx.targets == list(range(client.nprocs))
    ctx.random.seed(3)
    assert ctx.random.rand((8, 2)).shape == (8, 2)
    assert sum(ctx.apply(lambda b: b.size, (a,))) == X.size


def test_io_on_the_engines(client, tmp_path):
    path = str(tmp_path / "x.npy")
    np.save(path, X)
    r = client.load(path)
    np.testing.assert_array_equal(client.asnumpy(r), X)
    client.save(str(tmp_path / "y.npy"), r * 2)
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), X * 2)


def test_join_a_running_cluster(client):
    import os

    cluster = client._session.cluster
    kept = client.asarray(X)
    url_file = os.path.join(cluster.profile_dir, "security", f"ipcontroller-{cluster.cluster_id}-client.json")
    for how in ({"profile": cluster.profile, "cluster_id": cluster.cluster_id}, {"url_file": url_file}):
        with nd.client.connect(**how) as other:
            assert other.nprocs == client.nprocs
            assert float(np.sum(other.asarray(X))) == X.sum()
    assert float(np.sum(kept)) == X.sum()  # closing the joined sessions left this one's arrays and engines alone


def test_ownership_picture(client):
    r = client.zeros((8, 8), dist=("b", "c"))
    summary = client.ownership_summary(r)
    assert summary.count("rank") == client.nprocs
    fig = client.plot_distribution(r)
    assert fig is not None and type(fig).__name__ == "Figure"
