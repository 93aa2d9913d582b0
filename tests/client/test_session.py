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


# -- operations issued while the engines are busy share a message ------------------------------------------
def _keep_busy(client, seconds=0.5):
    """A helper message that keeps every engine busy: operations issued meanwhile wait in the outbox."""
    import time

    client._session.submit_all(time.sleep, seconds, operation="keeping the engines busy")


def test_a_chain_issued_while_the_engines_are_busy_goes_in_one_message(client):
    history = client.ipyparallel_client.history
    _keep_busy(client)
    before = len(history)
    r = client.zeros(100)
    for _ in range(20):
        r = r + 1
    total = np.sum(np.reshape(r, (10, 10)), axis=1)  # NumPy's functions travel by name: they share it too
    assert len(history) == before  # queued, not sent: the engines are busy
    client.flush()  # the 23 operations in one message (ipyparallel records a message per engine), not waited on
    assert len(history) - before == client.nprocs
    np.testing.assert_array_equal(client.asnumpy(r), np.full(100, 20.0))
    assert len(history) - before == 2 * client.nprocs  # then reading the blocks
    np.testing.assert_array_equal(client.asnumpy(total), np.full(10, 200.0))


def test_a_failure_inside_a_shared_message_is_raised_at_the_next_wait_and_the_rest_runs(client):
    _keep_busy(client)
    ints = client.zeros(3, dtype=np.int64)
    np.add(client.arange(3), 0.5, out=ints)  # refused by casting on the engines
    after = client.ones(3) * 2
    with pytest.raises(TypeError, match=r"np.add\(<RemoteArray") as info:
        client.sync()
    assert isinstance(info.value, RemoteError) and "Traceback" in info.value.engine_traceback
    np.testing.assert_array_equal(client.asnumpy(after), [2.0, 2.0, 2.0])


def test_an_operation_carrying_a_notebook_function_runs_after_the_queued_ones(client):
    _keep_busy(client)
    r = client.zeros(4)
    r[0] = 5.0  # queued
    assert client.run(lambda d: float(np.sum(d)), r) == 5.0  # the lambda travels alone, after the outbox


def test_a_proxy_collected_while_its_operation_waits_is_freed_after_it(client):
    gc.collect()
    client.sync()
    base = client.engine_objects()
    _keep_busy(client)
    r = client.ones(3)
    s = r + 1  # queued: reads r
    del r
    gc.collect()  # r's key is released before the message that reads it is sent
    t = client.ones(3) * 0  # a temporary (ones) collected while queued: made and freed in the same message
    np.testing.assert_array_equal(client.asnumpy(s * 2), [4.0, 4.0, 4.0])
    del s, t
    gc.collect()
    assert client.engine_objects() == base


def test_the_end_of_a_notebook_cell_sends_what_it_queued(client):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    cluster = client._session.cluster
    try:
        with nd.client.connect(profile=cluster.profile, cluster_id=cluster.cluster_id) as other:
            assert other._session._shell is shell  # joined from inside IPython: the cell hook is on
            shell.user_ns.update(c=other, keep_busy=_keep_busy)
            shell.run_cell("keep_busy(c)\nr = c.zeros(5) + 1")
            assert other._session._outbox == []  # queued while busy, sent when the cell ended
            np.testing.assert_array_equal(other.asnumpy(shell.user_ns["r"]), np.ones(5))
        assert other._session._after_cell not in shell.events.callbacks["post_run_cell"]
    finally:
        InteractiveShell.clear_instance()


def test_a_script_that_exits_without_closing_frees_its_arrays(client):
    import os
    import subprocess
    import sys

    from numpy_dist.client import engine

    cluster = client._session.cluster
    url_file = os.path.join(cluster.profile_dir, "security", f"ipcontroller-{cluster.cluster_id}-client.json")
    client.sync()
    base = client.run(engine.namespace_size, all_ranks=True)
    script = (f"import time, numpy as np, numpy_dist as nd\n"
              f"c = nd.client.connect(url_file={url_file!r})\n"
              "r = c.ones(1000) * 2\n"
              "print(float(np.sum(r)))\n"
              "c._session.submit_all(time.sleep, 0.3, operation='busy')\n"
              "s = r + 1\n")  # queued at exit: sent, then everything of this session freed
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2000.0"]
    assert client.run(engine.namespace_size, all_ranks=True) == base


def test_each_released_key_is_freed_right_after_the_last_operation_naming_it():
    from numpy_dist.client import engine
    from numpy_dist.client.wire import Ref

    keys = [("probe", i) for i in range(4)]
    engine.NAMESPACE.update({key: i for i, key in enumerate(keys)})
    seen = []

    def probe(*_, **__):
        seen.append([key[1] for key in keys if key in engine.NAMESPACE])

    operations = [("first", probe, (Ref(keys[0]),), {}, None, "none"),
                  ("second", probe, ([Ref(keys[1])],), {"x": Ref(keys[0])}, None, "none"),
                  ("third", probe, (), {}, keys[3], "none"),  # its result key
                  ("fourth", probe, (), {}, None, "none")]
    engine.execute_batch(operations, keys[:2] + keys[2:])
    # key 2 is named by none: freed first; 0 and 1 after "second", 3 after "third" (its result)
    assert seen == [[0, 1, 3], [0, 1, 3], [3], []]
    assert not any(key in engine.NAMESPACE for key in keys)


def test_what_may_share_a_message():
    import operator

    from numpy_dist.client.wire import Ref, travels_by_reference

    class Local:
        pass

    shared = [("np.add(<r1>, 1)", np.add, (Ref(("t", 1)), 1.5, np.float32(2)), {"dtype": np.float64}, ("t", 2), "rank0"),
              (("numpy_dist", "zeros"), (3, 4), {"dtype": np.dtype("i4"), "dist": ("b", "n")}),
              (operator.getitem, (Ref(("t", 1)), (slice(1, None), Ellipsis, None)), np.arange(10))]
    shared += [np.sum, np.linalg.norm, np.fft.fft, nd.zeros, nd.ma.masked_invalid]  # found by name on the engines
    alone = [lambda d: d, Local, np.zeros(10_000), np.array([object()]), (1, [2, {"f": print}], {"g": lambda: 0}),
             _keep_busy]  # (a function of a package the engines may not have: sent by value)
    assert all(travels_by_reference(x) for x in shared)
    assert not any(travels_by_reference(x) for x in alone)  # Local: a class of a function's locals


@pytest.mark.parametrize("seed", [0, 1])
def test_random_programs_with_busy_engines_match_numpy(client, seed):
    """Random chains of operations, setitems, collections and values, with the engines kept busy at random
    moments (so operations share messages, and temporaries are collected while queued): NumPy's answers."""
    rng = np.random.default_rng(seed)
    names = {f"v{i}": rng.standard_normal(12) for i in range(4)}
    remote = {k: client.asarray(v, dist=("c",) if i % 2 else ("b",)) for i, (k, v) in enumerate(names.items())}
    for step in range(80):
        a, b, out = (f"v{i}" for i in rng.integers(0, 4, 3))
        kind = int(rng.integers(0, 9))
        if kind == 0:
            names[out], remote[out] = names[a] + names[b] * 0.5, remote[a] + remote[b] * 0.5
        elif kind == 1:
            names[out], remote[out] = np.sqrt(np.abs(names[a]) + 1), np.sqrt(np.abs(remote[a]) + 1)
        elif kind == 2:
            names[out][2:7] = names[a][:5] - 1
            remote[out][2:7] = remote[a][:5] - 1
        elif kind == 3:
            names[out], remote[out] = np.cumsum(names[a])[::-1] / 10, np.cumsum(remote[a])[::-1] / 10
        elif kind == 4:
            _keep_busy(client, float(rng.choice([0.0, 0.02, 0.1])))
        elif kind == 5:
            gc.collect()
        elif kind == 6:
            client.flush()
        elif kind == 7:
            assert np.isclose(float(np.sum(remote[a] * remote[b])), float(np.sum(names[a] * names[b]))), step
        else:
            names[out], remote[out] = names[a].copy(), remote[a].copy()
    for k in names:
        np.testing.assert_allclose(client.asnumpy(remote[k]), names[k], rtol=1e-12, err_msg=k)
