"""HDF5 datasets through h5py: each rank reads and writes only its own hyperslabs.

Two ways to share one file, chosen by the h5py that is installed:

* MPI-enabled h5py (``h5py.get_config().mpi``, parallel HDF5): every rank
  opens the file with the ``'mpio'`` driver; dataset creation, renaming and
  closing are collective (every rank makes the same call with the same
  arguments), and the data moves in one collective hyperslab transfer per
  rank (``H5FD_MPIO_COLLECTIVE``; a rank with nothing to move takes part
  with an empty selection).  Filtered datasets (compression, shuffle,
  fletcher32, scaleoffset) are written collectively too when HDF5 can do it
  (1.10.2 and newer); older parallel HDF5 falls back to ordered writes.
* Serial h5py (the PyPI wheel), or the fallback above: rank 0 creates the
  dataset, then the ranks that own data write their hyperslabs one after
  another (a barrier between turns, so no two ranks ever have the file open
  for writing at once, and no rank ever holds more than its own block);
  reads open the file read-only on every rank that has something to read.

A rank's selection is the Cartesian product of its sorted global indices
along each axis, expressed as a union of regular hyperslabs (block: one per
axis; cyclic and block-cyclic: at most two; unstructured: one per run of
consecutive indices), transferred in one call to or from its axis-sorted
block.

Bad input (missing file or dataset, not an HDF5 file, a group, shape or
dtype mismatch) is found by rank 0 with a serial open before any collective
HDF5 call, and raised identically on every rank.  Writes are atomic: the data
goes to a temporary dataset (or, for ``mode='w'``, a temporary file) that is
renamed to ``key`` (or over the file) only after every rank succeeded.

Parallel HDF5 communicates inside the library (MPI-IO on the array's
communicator); numpy_dist's own messages go through the comm layer.
"""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any, NamedTuple

import numpy as np

from .._docstrings import shared_parameters
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

# create_dataset options that add an HDF5 filter to the dataset.
_FILTER_OPTIONS = ("compression", "shuffle", "fletcher32", "scaleoffset")

# Parallel HDF5 writes filtered (compressed) datasets from 1.10.2 on, and only collectively.
_PARALLEL_FILTERS_SINCE = (1, 10, 2)


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is an optional dependency
        raise ImportError("HDF5 I/O needs h5py (pip install h5py)") from exc
    return h5py


def _parallel_h5py() -> bool:
    return bool(_h5py().get_config().mpi)


def _filtered(options: dict) -> bool:
    """True when the create_dataset options ask for an HDF5 filter (compression ...)."""
    if any(options.get(k) is not None and options.get(k) is not False for k in _FILTER_OPTIONS):
        return True
    dcpl = options.get("dcpl")
    return dcpl is not None and dcpl.get_nfilters() > 0


def _write_method(options: dict) -> str:
    """``'collective'`` (mpio driver) or ``'ordered'`` (serial driver, one writer at a time)."""
    if not _parallel_h5py():
        return "ordered"
    if _filtered(options) and _h5py().version.hdf5_version_tuple < _PARALLEL_FILTERS_SINCE:
        return "ordered"  # this parallel HDF5 cannot write filtered datasets at all
    return "collective"


def _open_shared(h5py: Any, path: str, mode: str, comm: _comm.Intracomm | None) -> Any:
    """Open ``path`` for the data transfer: collectively with ``'mpio'`` when ``comm`` is given."""
    if comm is not None:
        return h5py.File(path, mode, driver="mpio", comm=comm)
    return h5py.File(path, mode)


def _collective_dxpl(h5py: Any) -> Any:
    dxpl = h5py.h5p.create(h5py.h5p.DATASET_XFER)
    dxpl.set_dxpl_mpio(h5py.h5fd.MPIO_COLLECTIVE)
    return dxpl


# --------------------------------------------------------------------------
# Selections (local)
# --------------------------------------------------------------------------


def _axis_pieces(ix: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Sorted distinct indices of one axis as hyperslab pieces ``(start, stride, count, block)``.

    Runs of consecutive indices are blocks; equally long runs at equal
    spacing share one piece, so a block map gives one piece, a cyclic or
    block-cyclic map at most two (a shorter last block), an unstructured map
    up to one per run.
    """
    starts, lengths = runs(np.asarray(ix, dtype=np.int64))
    n = starts.size
    if n == 0:
        return []
    if n == 1:
        return [(int(starts[0]), int(lengths[0]), 1, int(lengths[0]))]
    gaps = np.diff(starts)
    # Fast paths (vectorised): one regular piece, or one regular piece plus a shorter last run.
    for m in (n, n - 1):
        if m >= 2 and np.all(lengths[:m] == lengths[0]) and np.all(gaps[:m - 1] == gaps[0]):
            head = [(int(starts[0]), int(gaps[0]), m, int(lengths[0]))]
            if m == n:
                return head
            return head + [(int(starts[-1]), int(lengths[-1]), 1, int(lengths[-1]))]
    pieces = []
    i = 0
    while i < n:  # irregular runs: greedy merge of equally spaced equal runs
        j = i + 1
        if j < n and lengths[j] == lengths[i]:
            while j + 1 < n and lengths[j + 1] == lengths[i] and gaps[j] == gaps[i]:
                j += 1
            j += 1
            pieces.append((int(starts[i]), int(gaps[i]), j - i, int(lengths[i])))
        else:
            pieces.append((int(starts[i]), int(lengths[i]), 1, int(lengths[i])))
        i = j
    return pieces


class _Part(NamedTuple):
    """One rank's share of a transfer: per-axis hyperslab pieces and its axis-sorted block.

    ``pieces`` is None when the rank moves nothing (it still takes part in a
    collective transfer, with an empty selection).
    """

    pieces: list[list[tuple[int, int, int, int]]] | None
    block: np.ndarray


def _local_part(d: DistArray) -> _Part:
    """What this rank writes: its block (one replica of replicated blocks), axes sorted."""
    dist = d.distribution
    if not is_writer(dist) or 0 in dist.local_shape:
        return _Part(None, np.empty(1, dtype=d.dtype))
    idx, orders = sorted_axes(dist)
    block = to_sorted(d.local, orders)
    if not block.flags.c_contiguous:  # (not np.ascontiguousarray: it turns 0-d into 1-d)
        block = block.copy(order="C")
    return _Part([_axis_pieces(ix) for ix in idx], block)


def _spaces(h5py: Any, dset: Any, part: _Part) -> tuple[Any, Any]:
    """(memory dataspace, file dataspace) of one transfer of ``part``."""
    h5s = h5py.h5s
    fspace = dset.id.get_space()
    if part.pieces is None:
        mspace = h5s.create_simple((1,))
        mspace.select_none()
        fspace.select_none()
    elif part.block.ndim == 0:
        mspace = h5s.create(h5s.SCALAR)
        fspace.select_all()
    else:
        mspace = h5s.create_simple(part.block.shape)
        op = h5s.SELECT_SET
        for combo in itertools.product(*part.pieces):
            start, stride, count, block = zip(*combo)
            fspace.select_hyperslab(start, count, stride, block, op=op)
            op = h5s.SELECT_OR
    return mspace, fspace


def _write_block(dset: Any, part: _Part) -> None:
    """Write ``part`` into ``dset`` in one independent call."""
    mspace, fspace = _spaces(_h5py(), dset, part)
    dset.id.write(mspace, fspace, part.block)


def _target_part(target: Distribution, dtype: np.dtype) -> tuple[_Part, list]:
    """An empty axis-sorted block to read this rank's share of ``target`` into, and the axis orders."""
    if 0 in target.local_shape:
        return _Part(None, np.empty(1, dtype=dtype)), []
    idx, orders = sorted_axes(target)
    return _Part([_axis_pieces(ix) for ix in idx], np.empty(target.local_shape, dtype=dtype)), orders


def _loaded_block(part: _Part, orders: list, target: Distribution, dtype: np.dtype) -> np.ndarray:
    """The local block of ``target`` from a read ``part`` (axes back in the distribution's order)."""
    if part.pieces is None:
        return np.empty(target.local_shape, dtype=dtype)
    block = from_sorted(part.block, orders)
    return block if block.flags.c_contiguous else block.copy(order="C")


def _read_block(dset: Any, target: Distribution, dtype: np.dtype) -> np.ndarray:
    """This rank's block of ``target`` read from ``dset`` in one independent call."""
    part, orders = _target_part(target, dtype)
    mspace, fspace = _spaces(_h5py(), dset, part)
    dset.id.read(mspace, fspace, part.block)
    return _loaded_block(part, orders, target, dtype)


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

    The new dataset (or, for ``'w'``, the new file) appears only when every
    rank wrote its part; a failure leaves ``key`` as it was.

    Parameters
    ----------
    filename : str or path-like
        The same on every rank.
    d : DistArray
        Any distribution; of replicated blocks only one copy is written.
    key : str, optional
        Dataset path inside the file (groups are created as needed; default
        ``'buffer'``).  An existing dataset of that name is replaced.
    mode : {'a', 'w', 'w-', 'x', 'r+'}, optional
        As for :class:`h5py.File`: ``'a'`` (default) adds to (or creates) the
        file, ``'w'`` replaces it, ``'w-'``/``'x'`` fail if it exists, ``'r+'``
        needs it to exist.
    **dataset_options
        Passed to :meth:`h5py.Group.create_dataset` (``chunks``,
        ``compression``, ``compression_opts``, ``shuffle``, ``fillvalue``
        ...), identically on every rank.  With parallel HDF5 older than
        1.10.2, filtered datasets (compression, shuffle, fletcher32,
        scaleoffset) are written in rank order with the serial driver, since
        that HDF5 cannot write them in parallel.

    Raises
    ------
    ImportError
        If h5py is not installed.
    OSError
        If the file cannot be opened in ``mode`` (raised on every rank).

    Notes
    -----
    Communication: broadcasts and error agreements; with serial h5py one
    barrier per writing rank (turns); with parallel h5py a collective
    open/create/rename/close and one collective write (MPI-IO inside HDF5).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> d = nd.asarray(np.arange(12.0).reshape(3, 4))
    >>> nd.save_hdf5(os.path.join(tmp, "a.h5"), d, key="x", mode="w")
    >>> nd.load_hdf5(os.path.join(tmp, "a.h5"), key="x").shape
    (3, 4)
    """
    check_distarray(d)
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if not isinstance(key, str) or not key.strip("/"):
        raise TypeError(f"key must be a non-empty str, got {key!r}")
    h5py = _h5py()
    filename = os.fspath(filename)
    comm = d.comm
    rank = comm.Get_rank()
    token = _comm.bcast_object(comm, uuid.uuid4().hex[:12] if rank == 0 else None)
    whole_file = mode in ("w", "w-", "x")
    head, tail = os.path.split(os.path.abspath(filename))
    job = _SaveJob(
        filename=filename, mode=mode, key=key, whole_file=whole_file,
        work_file=os.path.join(head, f".{tail}.{token}.partial") if whole_file else filename,
        work_key=key if whole_file else f"{key.rstrip('/')}.__partial_{token}",
        open_mode="w" if whole_file else mode, options=dataset_options)
    collective = _write_method(dataset_options) == "collective"
    try:
        if collective:
            _save_collective(h5py, comm, d, job)
        else:
            _save_ordered(h5py, comm, d, job)
        if whole_file:
            with _comm.agreed(comm):
                if rank == 0:
                    os.replace(job.work_file, filename)
    except BaseException:
        if rank == 0:
            if whole_file:
                remove_quietly(job.work_file)
            elif not collective:  # the collective path removed its temporary dataset itself
                _drop_dataset(h5py, job.work_file, job.work_key)
        raise


class _SaveJob(NamedTuple):
    """Names and modes of one save (identical on every rank)."""

    filename: str
    mode: str
    key: str
    whole_file: bool  # modes 'w', 'w-', 'x': write a temporary file, then rename it
    work_file: str
    work_key: str
    open_mode: str
    options: dict


def _check_target(h5py: Any, mode: str, filename: str) -> None:
    """The file-level checks of a save (rank 0, before any file is opened for writing)."""
    if mode in ("w-", "x") and os.path.exists(filename):
        raise FileExistsError(17, "File exists", filename)
    if mode == "r+" and not os.path.exists(filename):
        raise FileNotFoundError(2, "No such file or directory", filename)
    if mode in ("a", "r+") and os.path.isfile(filename) and not h5py.is_hdf5(filename):
        raise OSError(f"{filename!r} exists and is not an HDF5 file")


def _save_ordered(h5py: Any, comm: _comm.Intracomm, d: DistArray, job: _SaveJob) -> None:
    """Serial driver: rank 0 creates, the writers take turns, rank 0 renames."""
    rank, dist = comm.Get_rank(), d.distribution
    writers = [r for r in range(comm.Get_size()) if is_writer(dist, r) and 0 not in dist.local_shape_of(r)]
    with _comm.agreed(comm):
        if rank == 0:
            _check_target(h5py, job.mode, job.filename)
            with _open_shared(h5py, job.work_file, job.open_mode, None) as f:
                dset = f.create_dataset(job.work_key, shape=d.shape, dtype=d.dtype, **job.options)
                if 0 in writers:
                    _write_block(dset, _local_part(d))
    err = None
    for r in writers:  # turns: one writer at a time has the file open
        if r == 0:
            continue
        if rank == r:
            try:
                part = _local_part(d)
                with _open_shared(h5py, job.work_file, "r+", None) as f:
                    _write_block(f[job.work_key], part)
            except Exception as exc:  # noqa: BLE001 - agreed below, after every turn
                err = exc
        _comm.barrier(comm)
    _comm.agree(comm, err)
    if not job.whole_file:
        with _comm.agreed(comm):
            if rank == 0:
                with h5py.File(job.filename, "r+") as f:
                    _commit(f, job.work_key, job.key)


def _save_collective(h5py: Any, comm: _comm.Intracomm, d: DistArray,
                     job: _SaveJob) -> None:  # pragma: no cover - parallel h5py only
    """mpio driver: every HDF5 call below is made by every rank, with the same arguments."""
    with _comm.agreed(comm):
        if comm.Get_rank() == 0:
            _check_target(h5py, job.mode, job.filename)
    dxpl = _collective_dxpl(h5py)
    with _open_shared(h5py, job.work_file, job.open_mode, comm) as f:
        dset = f.create_dataset(job.work_key, shape=d.shape, dtype=d.dtype, **job.options)
        err = None
        try:  # local preparation; agreed before the collective write so that no rank skips it
            part = _local_part(d)
            mspace, fspace = _spaces(h5py, dset, part)
        except Exception as exc:  # noqa: BLE001
            err = exc
        # An empty dataset has no storage to address: nothing to write (the same on every rank).
        if not _comm.any_rank(comm, err is not None) and d.size:
            try:
                dset.id.write(mspace, fspace, part.block, dxpl=dxpl)
            except Exception as exc:  # noqa: BLE001 - agreed below
                err = exc
        try:
            _comm.agree(comm, err)
            if not job.whole_file:
                _commit(f, job.work_key, job.key)
        except Exception:
            if not job.whole_file and job.work_key in f:  # (a collective delete)
                del f[job.work_key]
            raise


def _commit(f: Any, work_key: str, key: str) -> None:
    if key in f:
        del f[key]
    f.move(work_key, key)


def _drop_dataset(h5py: Any, filename: str, work_key: str) -> None:
    """Best effort: remove a temporary dataset after a failure (serial driver, rank 0)."""
    try:
        with h5py.File(filename, "r+") as f:
            if work_key in f:
                del f[work_key]
    except Exception:  # noqa: BLE001 - the original failure is what matters
        pass


@shared_parameters
def load_hdf5(filename: str | os.PathLike, key: str = "buffer", dist: Any = None,
              comm: _comm.Intracomm | None = None, *, grid_shape: Any = None, dtype: Any = None) -> DistArray:
    """Load the dataset ``key`` of an HDF5 file into a DistArray, each rank reading its own hyperslabs.

    Parameters
    ----------
    filename : str or path-like
        The same on every rank.
    key : str, optional
        Dataset path inside the file (default ``'buffer'``).
    {dist}
    {comm}
        Default: the communicator of a Distribution ``dist``, else
        ``COMM_WORLD``.
    {grid_shape}
    dtype : data-type, optional
        The dtype the caller expects (ValueError if the dataset holds another).

    Returns
    -------
    DistArray
        The dataset, with its dtype.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    OSError
        If it is not an HDF5 file.
    KeyError
        If there is no dataset ``key``.
    ValueError
        If ``key`` is a group, or the shape or dtype does not match.
    ImportError
        If h5py is not installed.

    Notes
    -----
    Communication: rank 0 reads the metadata and broadcasts it; error
    agreements; with parallel h5py a collective open/close and one
    collective read (MPI-IO inside HDF5).  Every error is raised identically
    on every rank.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> nd.save_hdf5(os.path.join(tmp, "b.h5"), nd.arange(6.0), key="g/v", mode="w")
    >>> d = nd.load_hdf5(os.path.join(tmp, "b.h5"), key="g/v", dist="c")
    >>> d.dist, nd.asnumpy(d).tolist()
    (('c',), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    """
    h5py = _h5py()
    c = load_comm(dist, comm)
    filename = os.fspath(filename)
    info = None
    with _comm.agreed(c):  # validated by one serial open, before any collective HDF5 call
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
    if _parallel_h5py():
        local = _load_collective(h5py, c, filename, key, target, file_dtype)
    else:
        local = None
        with _comm.agreed(c):
            if 0 in target.local_shape:  # nothing to read here: do not touch the file
                local = np.empty(target.local_shape, dtype=file_dtype)
            else:
                with _open_shared(h5py, filename, "r", None) as f:
                    local = _read_block(_dataset(f, key, filename), target, file_dtype)
    return DistArray._new(local, target)


def _load_collective(h5py: Any, comm: _comm.Intracomm, filename: str, key: str, target: Distribution,
                     dtype: np.dtype) -> np.ndarray:  # pragma: no cover - parallel h5py only
    """mpio driver: a collective open and one collective read (empty selection on ranks with nothing)."""
    dxpl = _collective_dxpl(h5py)
    with _open_shared(h5py, filename, "r", comm) as f:
        err = None
        try:  # local preparation, agreed before the collective read
            dset = _dataset(f, key, filename)
            part, orders = _target_part(target, dtype)
            mspace, fspace = _spaces(h5py, dset, part)
        except Exception as exc:  # noqa: BLE001
            err = exc
        _comm.agree(comm, err)
        if 0 not in target.shape:  # an empty dataset may have no storage to address
            try:
                dset.id.read(mspace, fspace, part.block, dxpl=dxpl)
            except Exception as exc:  # noqa: BLE001
                err = exc
            _comm.agree(comm, err)
    return _loaded_block(part, orders, target, dtype)
