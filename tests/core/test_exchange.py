"""The exchange primitive and comm's send-receive: every rank gets exactly what every other rank sent it.

Each (source, destination) pair's rows are drawn from a seeded RNG, so every
rank can compute both what it sends and what it must receive, and the bytes
the counter records.  Rows are compared as bytes (NaN payloads and
structured records included).
"""

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist import comm as _comm
from numpy_dist.exchange import Received, exchange
from numpy_dist.testing import assert_all_ranks

COMM = MPI.COMM_WORLD
RANK, P = COMM.Get_rank(), COMM.Get_size()

DTYPES = [np.float64, np.complex128, np.bool_, np.int8, ">f4",
          np.dtype([("a", "<i4"), ("b", "<f8"), ("c", "S3")])]
ROW_SHAPES = [(), (3,), (2, 0), (2, 3)]


def _counts(seed: int) -> np.ndarray:
    """P x P rows per (source, destination), the same on every rank: empty buckets, a rank that sends nothing."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 6, (P, P)) * (rng.random((P, P)) < 0.7)
    if P > 1:
        counts[seed % P] = 0  # one rank sends nothing at all
    return counts.astype(np.int64)


def _rows(seed: int, src: int, dst: int, n: int, row_shape: tuple, dtype) -> np.ndarray:
    """The rows ``src`` sends to ``dst``: seeded random bytes of the dtype (0/1 for bool)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng([seed, src, dst])
    nbytes = n * int(np.prod(row_shape, dtype=np.int64)) * dtype.itemsize
    raw = rng.integers(0, 256, nbytes, dtype=np.uint8)
    if dtype == np.bool_:
        raw &= 1
    return raw.view(dtype).reshape((n,) + row_shape) if nbytes else np.empty((n,) + row_shape, dtype)


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.shape == b.shape and a.dtype == b.dtype
            and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())


@pytest.mark.parametrize("known", [False, True], ids=["counts-exchanged", "counts-known"])
@pytest.mark.parametrize("row_shape", ROW_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("seed", [0, 1])
def test_exchange_delivers_what_each_rank_sent(seed, dtype, row_shape, known):
    counts = _counts(seed)
    send = np.concatenate([_rows(seed, RANK, d, counts[RANK, d], row_shape, dtype) for d in range(P)],
                          dtype=dtype)  # (dtype=: a plain concatenate makes the byte order native)
    expected = np.concatenate([_rows(seed, s, RANK, counts[s, RANK], row_shape, dtype) for s in range(P)],
                              dtype=dtype)
    row_bytes = int(np.prod(row_shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    nd.reset_comm_stats()
    got = exchange(COMM, send, counts[RANK], counts[:, RANK] if known else None)
    stats = nd.comm_stats()
    assert isinstance(got, Received)
    assert_all_ranks(_same_bytes(got.data, expected), f"received {got.data!r}, expected {expected!r}")
    assert np.array_equal(got.counts, counts[:, RANK]) and got.counts.dtype == np.int64
    assert np.array_equal(got.offsets, np.concatenate([[0], np.cumsum(counts[:, RANK])]))
    for s in range(P):
        assert _same_bytes(got.from_rank(s), _rows(seed, s, RANK, counts[s, RANK], row_shape, dtype))
    # Traffic: the rows for other ranks as data (one Alltoallv), the counts as control when not known.
    assert stats["bytes_sent"] == (counts[RANK].sum() - counts[RANK, RANK]) * row_bytes
    assert stats["collectives"] == 1
    assert stats["control_collectives"] == (0 if known or P == 1 else 1)
    assert stats["control_bytes"] == (0 if known or P == 1 else 8 * P)


def test_exchange_everything_empty():
    got = exchange(COMM, np.empty((0, 4), np.float32), np.zeros(P, np.int64))
    assert got.data.shape == (0, 4) and got.data.dtype == np.float32
    assert np.array_equal(got.counts, np.zeros(P))


def test_exchange_round_trip_restores_order():
    """Rows sent to their owners and answered back land where they started (the request/response pattern)."""
    rng = np.random.default_rng(RANK)
    values = rng.integers(0, 1000, 37 + RANK)
    owner = values % P
    order = np.argsort(owner, kind="stable")
    counts = np.bincount(owner, minlength=P).astype(np.int64)
    asked, recv_counts = exchange(COMM, values[order], counts)
    back = exchange(COMM, asked * 2, recv_counts, counts).data
    out = np.empty_like(values)
    out[order] = back
    assert_all_ranks(np.array_equal(out, values * 2))


def test_exchange_rejects_bad_arguments_before_communicating():
    nd.reset_comm_stats()
    with pytest.raises(ValueError):
        exchange(COMM, np.zeros(3), np.zeros(P, np.int64))  # counts do not add up to the rows
    with pytest.raises(ValueError):
        exchange(COMM, np.float64(1.0), np.zeros(P, np.int64))  # no axis of rows
    with pytest.raises(TypeError):
        exchange(COMM, np.empty(0, object), np.zeros(P, np.int64))
    stats = nd.comm_stats()
    assert stats["collectives"] == 0 and stats["control_collectives"] == 0


@pytest.mark.parametrize("dtype", [np.float64, np.complex64, np.bool_, np.dtype([("i", "<i2"), ("x", ">f8")])],
                         ids=str)
def test_sendrecv_ring_shift(dtype):
    right, left = (RANK + 1) % P, (RANK - 1) % P
    shape_of = lambda r: (r, 2)  # noqa: E731 - rank 0 sends an empty block
    send = _rows(7, RANK, right, RANK, (2,), dtype)
    nd.reset_comm_stats()
    got = _comm.sendrecv(COMM, send, right, left, shape_of(left))
    stats = nd.comm_stats()
    assert_all_ranks(_same_bytes(got, _rows(7, left, RANK, left, (2,), dtype)))
    assert stats["collectives"] == 1
    assert stats["bytes_sent"] == (0 if right == RANK else send.nbytes)


def test_sendrecv_other_dtype_and_shape():
    """The receiver names the shape and dtype it expects (global metadata): bytes travel as they are."""
    right, left = (RANK + 1) % P, (RANK - 1) % P
    send = np.full(4, RANK, dtype=np.int32)
    got = _comm.sendrecv(COMM, send, right, left, (2,), np.int64)
    assert_all_ranks(_same_bytes(got, np.full(4, left, np.int32).view(np.int64)))


@pytest.mark.parametrize("op, fn", [("max", max), ("min", min), ("sum", sum)])
def test_reduction_ops_by_name(op, fn):
    assert _comm.allreduce_scalar(COMM, RANK + 3, op=op) == fn(range(3, P + 3))
    got = _comm.allreduce_array(COMM, np.array([RANK, -RANK]), op=op)
    assert np.array_equal(got, [fn(range(P)), fn(range(0, -P, -1))])
