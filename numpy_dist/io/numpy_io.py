"""NumPy's own file functions on DistArrays: ``np.save``, ``np.savez``, ``np.savez_compressed``, ``np.savetxt``,
and ``np.loadtxt``/``np.genfromtxt``/``np.fromfile`` called with ``like=`` a DistArray.

* ``np.save(name, d)`` is :func:`numpy_dist.io.save` (each rank writes its part
  through MPI-IO); ``np.savetxt`` is :func:`numpy_dist.io.text.savetxt`.
* ``np.savez(name, ...)``: rank 0 writes the zip archive, each DistArray
  streamed to it one rank's block at a time (memory one block, never the whole
  array); NumPy arrays among the arguments are written as NumPy writes them.
* An open file object instead of a name: every rank holds its own, so every
  rank writes the whole content to it, receiving the blocks in turn.
* ``np.fromfile(name, like=d)`` of a binary file: each rank reads only its
  own bytes; a text file (``sep``) or an open file is read by every rank.

Communication: the rows into row blocks (one all-to-all unless they are), then
one message per block to the writer (``savez``) or one broadcast per block
(open files); reading, a broadcast of the file size.
"""

from __future__ import annotations

import operator
import os
import zipfile
from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import asarray, resolve_distribution
from ..distarray import DistArray, check_dtype
from ..distribution import Distribution
from ..dispatch.fallback import fallback_policy
from ..dispatch.registry import implements
from ._common import atomic_file
from .npy import header_bytes, save as save_npy
from .text import file_size, genfromtxt as _genfromtxt, loadtxt as _loadtxt, savetxt as _savetxt

__all__: list[str] = []


def _c_order_rows(d: DistArray) -> DistArray:
    """``d`` in contiguous row blocks: the ranks' blocks, in rank order, are the array's C-order bytes."""
    if d.ndim == 0:
        return d
    return d.to_layout(Distribution.row_blocks(d.comm, d.shape))


def _stream_blocks(d: DistArray, write: Any, writer: int | None, failures: _comm.LocalFailures) -> None:
    """``write(bytes)`` of ``d``'s C-order data, one rank's block at a time, on ``writer`` (every rank if None).

    A ``write`` that fails is recorded in ``failures`` and the stream still
    completes, so no rank waits for a message that never comes; the caller
    agrees on the failures once the stream is over.
    """
    rows = _c_order_rows(d)
    comm = rows.comm
    rank, size = comm.Get_rank(), comm.Get_size()
    shapes = _comm.allgather_object(comm, rows.local.shape) if rows.ndim else [rows.shape] * size
    for r in range(1 if rows.ndim == 0 else size):
        if rank == r or writer is None:
            buf = np.ascontiguousarray(rows.local) if rank == r else np.empty(shapes[r], rows.dtype)
        else:
            buf = np.empty(shapes[r], rows.dtype) if rank == writer else np.empty(0, rows.dtype)
        if writer is None:
            _comm.bcast_buffer(comm, buf, root=r)
        elif int(np.prod(shapes[r])):
            _comm.pass_buffer(comm, buf, r, writer)
        if writer is None or rank == writer:
            failures.run(lambda: write(buf.tobytes()))


def _write_npy(f: Any, d: DistArray, writer: int | None, failures: _comm.LocalFailures) -> None:
    """The ``.npy`` bytes of ``d`` into ``f`` on ``writer`` (every rank if None), streamed block by block."""
    if writer is None or d.comm.Get_rank() == writer:
        failures.run(lambda: f.write(header_bytes(d.shape, d.dtype)))
    _stream_blocks(d, lambda data: f.write(data), writer, failures)


@implements(np.save)
def save(file, arr, allow_pickle=True):
    """``np.save(file, d)``: a file name is written in parallel (MPI-IO); an open file by every rank."""
    if not isinstance(arr, DistArray):  # a DistArray elsewhere in the call: NumPy's own save
        return np.save(file, arr, allow_pickle=allow_pickle)
    if isinstance(file, (str, os.PathLike)):
        return save_npy(file, arr)
    failures = _comm.LocalFailures(arr.comm)
    _write_npy(file, arr, None, failures)
    failures.agree()
    return None


def _savez(file: Any, args: tuple, kwds: dict, allow_pickle: bool, compress: bool) -> None:
    arrays = {f"arr_{i}": a for i, a in enumerate(args)}
    clash = set(arrays) & set(kwds)
    if clash:
        raise ValueError(f"Cannot use un-named variables and keyword {clash.pop()}")
    arrays.update(kwds)
    comm = next(a for a in arrays.values() if isinstance(a, DistArray)).comm
    if not isinstance(file, (str, os.PathLike)):  # every rank writes its own open file
        _write_zip(file, arrays, None, allow_pickle, compress, comm)
        return
    path = os.fspath(file)
    with atomic_file(comm, path if path.endswith(".npz") else path + ".npz") as tmp:
        _write_zip(tmp, arrays, 0, allow_pickle, compress, comm)


def _write_zip(target: Any, arrays: dict, writer: int | None, allow_pickle: bool, compress: bool, comm: Any) -> None:
    """The ``.npz`` archive of ``arrays`` into ``target`` on ``writer`` (every rank if None); errors agreed."""
    failures = _comm.LocalFailures(comm)
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    writes = writer is None or comm.Get_rank() == writer
    zf = failures.run(lambda: zipfile.ZipFile(target, mode="w", compression=mode, allowZip64=True)) \
        if writes else None
    for name, value in arrays.items():
        member = failures.run(lambda: zf.open(name + ".npy", "w", force_zip64=True)) if zf is not None else None
        if not isinstance(value, DistArray):
            if writes:
                failures.run(lambda: np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=allow_pickle))
        else:
            _write_npy(member, value, writer, failures)
        if member is not None:
            failures.run(member.close)
    if zf is not None:
        failures.run(zf.close)
    failures.agree()


@implements(np.savez)
def savez(file, *args, allow_pickle=True, **kwds):
    """``np.savez(file, ...)`` with DistArrays: rank 0 writes the archive, each DistArray streamed to it by block."""
    _savez(file, args, kwds, allow_pickle, compress=False)


@implements(np.savez_compressed)
def savez_compressed(file, *args, allow_pickle=True, **kwds):
    """``np.savez_compressed`` (see :func:`savez`), deflated."""
    _savez(file, args, kwds, allow_pickle, compress=True)


@implements(np.savetxt)
def savetxt(fname, X, fmt="%.18e", delimiter=" ", newline="\n", header="", footer="", comments="# ", encoding=None):
    """``np.savetxt(fname, d)``: :func:`numpy_dist.io.text.savetxt`."""
    if not isinstance(X, DistArray):
        return np.savetxt(fname, X, fmt, delimiter, newline, header, footer, comments, encoding)
    return _savetxt(fname, X, fmt, delimiter, newline, header, footer, comments, encoding)


@implements(np.loadtxt)
def loadtxt(fname, dtype=float, comments="#", delimiter=None, converters=None, skiprows=0, usecols=None,
            unpack=False, ndmin=0, encoding=None, max_rows=None, *, quotechar=None, like=None):
    """``np.loadtxt(..., like=d)``: :func:`numpy_dist.io.text.loadtxt` on ``d``'s communicator."""
    return _loadtxt(fname, dtype, comments, delimiter, converters, skiprows, usecols, unpack, ndmin, encoding,
                    max_rows, quotechar=quotechar, comm=like.comm)


@implements(np.genfromtxt)
def genfromtxt(fname, dtype=float, comments="#", delimiter=None, skip_header=0, skip_footer=0, converters=None,
               missing_values=None, filling_values=None, usecols=None, names=None, excludelist=None,
               deletechars=" !#$%&'()*+,-./:;<=>?@[\\]^{|}~", replace_space="_", autostrip=False,
               case_sensitive=True, defaultfmt="f%i", unpack=None, usemask=False, loose=True, invalid_raise=True,
               max_rows=None, encoding=None, *, ndmin=0, like=None):
    """``np.genfromtxt(..., like=d)``: :func:`numpy_dist.io.text.genfromtxt` on ``d``'s communicator."""
    return _genfromtxt(fname, dtype, comments, delimiter, skip_header, skip_footer, converters, missing_values,
                       filling_values, usecols, names, excludelist, deletechars, replace_space, autostrip,
                       case_sensitive, defaultfmt, unpack, usemask, loose, invalid_raise, max_rows, encoding,
                       ndmin=ndmin, comm=like.comm)


@implements(np.fromfile)
def fromfile(file, dtype=float, count=-1, sep="", offset=0, *, like=None):
    """``np.fromfile(..., like=d)``: a binary file by name is read in parallel, each rank its own bytes.

    A text file (``sep``) or an open file is read whole by every rank, which
    keeps its part (announced through the fallback policy for a named file).
    """
    comm = like.comm
    dt = check_dtype(dtype)
    count, offset = operator.index(count), operator.index(offset)
    if sep or not isinstance(file, (str, os.PathLike)) or dt.itemsize == 0:
        if isinstance(file, (str, os.PathLike)):
            fallback_policy("numpy.fromfile (a text file)")
        with _comm.agreed(comm):
            data = np.fromfile(file, dt, count, sep, offset)
        return asarray(data, comm=comm, copy=False)
    size = file_size(file, comm)
    if offset > size:  # NumPy's own outcome (a ValueError, or nothing to read), on every rank
        with _comm.agreed(comm):
            data = np.fromfile(file, dt, count, sep, offset)
        return asarray(data, comm=comm, copy=False)
    available = max(size - offset, 0) // dt.itemsize
    n = available if count < 0 else min(count, available)  # NumPy reads what there is
    with _comm.agreed(comm):
        target = resolve_distribution((n,), comm=comm)
        idx = target.local_indices(0)
        lo = int(idx[0]) if idx.size else 0
        local = np.fromfile(file, dt, idx.size, "", offset + lo * dt.itemsize) if idx.size else np.empty(0, dt)
    return DistArray._new(local, target)
