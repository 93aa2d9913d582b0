"""HDF5 datasets through h5py: each rank reads and writes only its own hyperslabs.

With an MPI-enabled h5py (``h5py.get_config().mpi``) every rank opens the
file with the ``'mpio'`` driver and writes or reads its selection itself.
With the ordinary (serial) h5py wheel, rank 0 creates the dataset, then the
ranks that own data write their hyperslabs one after another (a barrier
between turns, so no two ranks ever have the file open for writing at once,
and no rank ever holds more than its own block); reads open the file
read-only on every rank at once.

A rank's selection along each axis is a slice (block, cyclic: a slice with a
step) or a sorted index list (block-cyclic, unstructured), which h5py turns
into hyperslab unions.  h5py allows one index list per selection, so when
two axes need one, the first is split into its contiguous runs.

Writes are atomic: the data goes to a temporary dataset (or, for ``mode='w'``,
a temporary file) that is renamed to ``key`` (or over the file) only after
every rank succeeded.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
from mpi4py import MPI

from .. import comm as _comm
from ..distarray import DistArray, check_dtype
from ..distribution import Distribution
from ._common import (
    check_distarray,
    from_sorted,
    is_writer,
    load_comm,
    remove_quietly,
    runs,
    sorted_axes,
    target_distribution,
    to_sorted,
)

__all__ = ["save_hdf5", "load_hdf5"]

_MODES = ("w", "w-", "x", "a", "r+")


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is an optional dependency
        raise ImportError("HDF5 I/O needs h5py (pip install h5py)") from exc
    return h5py


def _parallel_h5py() -> bool:
    return bool(_h5py().get_config().mpi)


# --------------------------------------------------------------------------
# Selections (local)
# --------------------------------------------------------------------------


def _as_key(ix: np.ndarray) -> slice | np.ndarray:
    """A (strided) slice when the sorted indices are an arithmetic progression, else the index array."""
    if ix.size == 0:
        return slice(0, 0)
    if ix.size == 1:
        return slice(int(ix[0]), int(ix[0]) + 1)
    steps = np.diff(ix)
    if np.all(steps == steps[0]):
        return slice(int(ix[0]), int(ix[-1]) + 1, int(steps[0]))
    return ix


def _for_each_selection(keys: list, visit: Callable[[tuple, tuple], None]) -> None:
    """Call ``visit(file_key, block_key)`` for selections h5py accepts (at most one index list each).

    ``block_key`` indexes the rank's axis-sorted block.  With several index
    lists, the first one is split into runs (a loop over runs, not elements).
    """
    lists = [a for a, k in enumerate(keys) if not isinstance(k, slice)]
    if len(lists) <= 1:
        visit(tuple(keys), (slice(None),) * len(keys))
        return
    axis = lists[0]
    starts, lengths = runs(keys[axis])
    pos = 0
    for start, length in zip(starts.tolist(), lengths.tolist()):
        sub = list(keys)
        sub[axis] = slice(start, start + length)

        def inner(fkey: tuple, bkey: tuple, pos: int = pos, length: int = length) -> None:
            bkey = list(bkey)
            bkey[axis] = slice(pos, pos + length)
            visit(fkey, tuple(bkey))

        _for_each_selection(sub, inner)
        pos += length


def _keys(dist: Distribution) -> tuple[list, list]:
    idx, orders = sorted_axes(dist)
    return [_as_key(ix) for ix in idx], orders


def _write_block(dset: Any, d: DistArray) -> None:
    keys, orders = _keys(d.distribution)
    block = to_sorted(d.local, orders)

    def visit(fkey: tuple, bkey: tuple) -> None:
        dset[fkey] = block[bkey]

    _for_each_selection(keys, visit)


def _read_block(dset: Any, target: Distribution, dtype: np.dtype) -> np.ndarray:
    block = np.empty(target.local_shape, dtype=dtype)
    if block.size:
        keys, orders = _keys(target)

        def visit(fkey: tuple, bkey: tuple) -> None:
            block[bkey] = dset[fkey]

        _for_each_selection(keys, visit)
        block = from_sorted(block, orders)
        if not block.flags.c_contiguous:
            block = block.copy(order="C")
    return block


def _dataset(f: Any, key: str, filename: str) -> Any:
    h5py = _h5py()
    if key not in f:
        raise KeyError(f"no dataset {key!r} in {filename!r}")
    obj = f[key]
    if not isinstance(obj, h5py.Dataset):
        raise ValueError(f"{key!r} in {filename!r} is a {type(obj).__name__}, not a dataset")
    return obj


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def save_hdf5(filename: str | os.PathLike, d: DistArray, key: str = "buffer", mode: str = "a",
              **dataset_options: Any) -> None:
    """Save a DistArray to the dataset ``key`` of an HDF5 file, each rank writing its own hyperslabs.

    Parameters
    ----------
    filename : str or path-like
        The same on every rank.
    d : DistArray
        Any distribution; of replicated blocks only one copy is written.
    key : str
        Dataset path inside the file (groups are created as needed).  An
        existing dataset of that name is replaced.
    mode : {'a', 'w', 'w-', 'x', 'r+'}
        As for :class:`h5py.File`: ``'a'`` adds to (or creates) the file,
        ``'w'`` replaces it, ``'w-'``/``'x'`` fail if it exists, ``'r+'``
        needs it to exist.
    **dataset_options
        Passed to :meth:`h5py.Group.create_dataset` (``chunks``,
        ``compression``, ``compression_opts``, ``fillvalue`` ...).

    The new dataset (or, for ``'w'``, the new file) appears only when every
    rank wrote its part; a failure leaves ``key`` as it was.

    Communication: broadcasts and error agreements; with serial h5py one
    barrier per writing rank (turns), with parallel h5py collective
    open/create/close.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.io import save_hdf5, load_hdf5
    >>> d = nd.asarray(np.arange(12.0).reshape(3, 4))
    >>> save_hdf5("/tmp/doc_example.h5", d, key="x", mode="w")   # doctest: +SKIP
    >>> load_hdf5("/tmp/doc_example.h5", key="x").shape            # doctest: +SKIP
    (3, 4)
    """
    check_distarray(d)
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if not isinstance(key, str) or not key.strip("/"):
        raise TypeError(f"key must be a non-empty str, got {key!r}")
    h5py = _h5py()
    filename = os.fspath(filename)
    comm, dist = d.comm, d.distribution
    rank, P = comm.Get_rank(), comm.Get_size()
    token = _comm.bcast_object(comm, uuid.uuid4().hex[:12] if rank == 0 else None)
    whole_file = mode in ("w", "w-", "x")
    head, tail = os.path.split(os.path.abspath(filename))
    work_file = os.path.join(head, f".{tail}.{token}.partial") if whole_file else filename
    work_key = key if whole_file else f"{key.rstrip('/')}.__partial_{token}"
    open_mode = "w" if whole_file else mode
    writers = [r for r in range(P) if is_writer(dist, r) and 0 not in dist.local_shape_of(r)]
    try:
        if _parallel_h5py():  # pragma: no cover - needs an MPI build of h5py
            _save_parallel(h5py, comm, d, work_file, open_mode, work_key, dataset_options,
                           rank in writers, mode, filename)
        else:
            _save_serial(h5py, comm, d, work_file, open_mode, work_key, dataset_options, writers, mode, filename)
        with _comm.agreed(comm):
            if rank == 0:
                if whole_file:
                    os.replace(work_file, filename)
                elif not _parallel_h5py():
                    with h5py.File(filename, "r+") as f:
                        _commit(f, work_key, key)
        if not whole_file and _parallel_h5py():  # pragma: no cover
            with _comm.agreed(comm):
                with h5py.File(filename, "r+", driver="mpio", comm=comm) as f:
                    _commit(f, work_key, key)
    except BaseException:
        if rank == 0:
            _cleanup(h5py, whole_file, work_file, work_key)
        raise


def _check_target(h5py: Any, mode: str, filename: str) -> None:
    if mode in ("w-", "x") and os.path.exists(filename):
        raise FileExistsError(17, "File exists", filename)
    if mode == "r+" and not os.path.exists(filename):
        raise FileNotFoundError(2, "No such file or directory", filename)


def _save_serial(h5py: Any, comm: MPI.Intracomm, d: DistArray, work_file: str, open_mode: str,
                 work_key: str, options: dict, writers: list[int], mode: str, filename: str) -> None:
    rank = comm.Get_rank()
    with _comm.agreed(comm):
        if rank == 0:
            _check_target(h5py, mode, filename)
            with h5py.File(work_file, open_mode) as f:
                dset = f.create_dataset(work_key, shape=d.shape, dtype=d.dtype, **options)
                if 0 in writers:
                    _write_block(dset, d)
    err = None
    for r in writers:  # turns: one writer at a time has the file open
        if r == 0:
            continue
        if rank == r:
            try:
                with h5py.File(work_file, "r+") as f:
                    _write_block(f[work_key], d)
            except Exception as exc:  # noqa: BLE001 - agreed below, after every turn
                err = exc
        _comm.barrier(comm)
    _comm.agree(comm, err)


def _save_parallel(h5py: Any, comm: MPI.Intracomm, d: DistArray, work_file: str, open_mode: str,
                   work_key: str, options: dict, writer: bool, mode: str,
                   filename: str) -> None:  # pragma: no cover - needs an MPI build of h5py
    with _comm.agreed(comm):
        if comm.Get_rank() == 0:
            _check_target(h5py, mode, filename)
    err = None
    # Opening, creating and closing are collective in parallel HDF5; raw data writes are independent.
    with h5py.File(work_file, open_mode, driver="mpio", comm=comm) as f:
        dset = f.create_dataset(work_key, shape=d.shape, dtype=d.dtype, **options)
        if writer:
            try:
                _write_block(dset, d)
            except Exception as exc:  # noqa: BLE001
                err = exc
    _comm.agree(comm, err)


def _commit(f: Any, work_key: str, key: str) -> None:
    if key in f:
        del f[key]
    f.move(work_key, key)


def _cleanup(h5py: Any, whole_file: bool, work_file: str, work_key: str) -> None:
    """Best effort: remove the temporary file or dataset after a failure."""
    if whole_file:
        remove_quietly(work_file)
        return
    try:
        with h5py.File(work_file, "r+") as f:
            if work_key in f:
                del f[work_key]
    except Exception:  # noqa: BLE001 - the original failure is what matters
        pass


def load_hdf5(filename: str | os.PathLike, key: str = "buffer", dist: Any = None,
              comm: MPI.Intracomm | None = None, *, grid_shape: Any = None, dtype: Any = None) -> DistArray:
    """Load the dataset ``key`` of an HDF5 file into a DistArray, each rank reading its own hyperslabs.

    Parameters
    ----------
    filename : str or path-like
    key : str
        Dataset path inside the file.
    dist, grid_shape : optional
        Where the data lands (default: block along axis 0); a Distribution
        must have the dataset's shape.
    comm : mpi4py.MPI.Intracomm, optional
        Default: ``dist``'s communicator, else ``COMM_WORLD``.
    dtype : dtype, optional
        The dtype the caller expects (ValueError if the dataset holds another).

    Raises FileNotFoundError (no file), OSError (not an HDF5 file), KeyError
    (no such dataset), ValueError (a group, or shape/dtype mismatch)
    identically on every rank.

    Communication: rank 0 reads the metadata and broadcasts it; error agreements.

    Examples
    --------
    >>> from numpy_dist.io import load_hdf5
    >>> d = load_hdf5("/tmp/doc_example.h5", key="x", dist="c")   # doctest: +SKIP
    """
    h5py = _h5py()
    c = load_comm(dist, comm)
    filename = os.fspath(filename)
    info = None
    with _comm.agreed(c):
        if c.Get_rank() == 0:
            with h5py.File(filename, "r") as f:
                dset = _dataset(f, key, filename)
                info = (tuple(int(n) for n in dset.shape), np.dtype(dset.dtype))
    shape, file_dtype = _comm.bcast_object(c, info)
    if dtype is not None and check_dtype(dtype) != file_dtype:
        raise ValueError(f"dataset {key!r} holds dtype {file_dtype}, not the requested {np.dtype(dtype)}")
    if file_dtype.hasobject:
        raise ValueError(f"dataset {key!r} holds variable-length data (dtype {file_dtype}); not supported")
    target = target_distribution(shape, dist, grid_shape, c)
    local = None
    with _comm.agreed(c):
        if _parallel_h5py():  # pragma: no cover - needs an MPI build of h5py
            kwargs = {"driver": "mpio", "comm": c}
        else:
            kwargs = {}
        if kwargs or 0 not in target.local_shape:
            with h5py.File(filename, "r", **kwargs) as f:
                local = _read_block(_dataset(f, key, filename), target, file_dtype)
        else:  # nothing to read here: do not touch the file
            local = np.empty(target.local_shape, dtype=file_dtype)
    return DistArray._new(local, target)
