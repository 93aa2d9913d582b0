"""NumPy ``.npy`` files, read and written in parallel with MPI-IO.

Every rank reads or writes only its own elements.  Their positions in the
file are a tensor product of per-axis global indices, which an MPI derived
datatype describes with O(sum of the local axis lengths) entries (nested
``hindexed`` types: runs of the last incomplete axis, repeated at the
positions of each earlier axis), never one entry per element.  Writes go to
a temporary file in the same directory, renamed over the target only after
every rank succeeded, so a failed write never leaves a file that loads as
complete.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from .._docstrings import shared_parameters
from .. import comm as _comm
from .. import mpiio as _mpiio
from ..distarray import DistArray, check_dtype
from .memmap import check_mmap_mode, mapped_block
from ._common import (
    atomic_file,
    check_payload,
    check_distarray,
    is_writer,
    load_comm,
    runs,
    sorted_axes,
    from_sorted,
    target_distribution,
    to_sorted,
)

__all__ = ["save", "load", "save_npy", "load_npy", "install_masked_io", "mask_path"]

# Masked arrays (numpy_dist.ma, a sibling layer) install how they are saved and loaded: the data as
# this file and the mask beside it (``mask_path``).  io never imports ma.
_MASKED: dict[str, Any] = {}


def install_masked_io(array_type: type, save: Any, load: Any) -> None:
    """Let :func:`save` take ``array_type`` and :func:`load` return one when a mask file lies beside.

    ``numpy_dist.ma`` calls this once when it is imported (the I/O layer
    never imports it).

    Parameters
    ----------
    array_type : type
        The masked array class.
    save : callable
        ``save(path, masked_array)``: writes the data and the mask file.
    load : callable
        Builds the masked array from the data file and its mask file.

    Examples
    --------
    >>> import numpy_dist.ma
    >>> from numpy_dist.io import npy
    >>> npy._MASKED["type"] is numpy_dist.ma.MaskedDistArray   # installed by numpy_dist.ma
    True
    """
    _MASKED.update(type=array_type, save=save, load=load)


def mask_path(path: str | os.PathLike) -> str:
    """The mask file of a masked array saved as ``path`` (``x.npy`` -> ``x.mask.npy``).

    Parameters
    ----------
    path : str or path-like
        The data file's name (with or without ``.npy``).

    Returns
    -------
    str
        The mask file's name.

    Examples
    --------
    >>> from numpy_dist.io.npy import mask_path
    >>> mask_path("x.npy"), mask_path("y")
    ('x.mask.npy', 'y.mask.npy')
    """
    path = os.fspath(path)
    return (path[:-4] if path.endswith(".npy") else path) + ".mask.npy"


# --------------------------------------------------------------------------
# Header (local)
# --------------------------------------------------------------------------


def header_bytes(shape: tuple[int, ...], dtype: np.dtype) -> bytes:
    """The ``.npy`` magic + header NumPy itself writes for a C-ordered array (version 1.0 when it fits)."""
    meta = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(shape)}
    buf = io.BytesIO()
    try:
        np.lib.format.write_array_header_1_0(buf, meta)
    except ValueError:  # header longer than 65535 bytes: format 2.0
        buf = io.BytesIO()
        np.lib.format.write_array_header_2_0(buf, meta)
    return buf.getvalue()


def read_magic_and_header(f: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` from an open ``.npy`` stream, left at the data."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    # 3.0 (utf-8 field names) has no public reader; NumPy's private one moved in 2.0.
    impl = getattr(np.lib, "_format_impl", np.lib.format)
    reader = getattr(impl, "_read_array_header", None)
    if reader is None:  # pragma: no cover - depends on the NumPy version
        raise ValueError(f".npy format version {version} is not supported")
    return reader(f, version)


def read_header(path: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran_order, dtype, data offset) of a ``.npy`` file, checking its size.

    Raises FileNotFoundError, ValueError (bad magic, bad header, object
    dtype, truncated data).
    """
    with open(path, "rb") as f:
        try:
            shape, fortran, dtype = read_magic_and_header(f)
        except (ValueError, EOFError, SyntaxError) as exc:
            raise ValueError(f"{path!r} is not a valid .npy file: {exc}") from None
        offset = f.tell()
        size = os.fstat(f.fileno()).st_size
    check_payload(path, shape, dtype, offset, size)
    return tuple(int(n) for n in shape), bool(fortran), dtype, offset


# --------------------------------------------------------------------------
# File views (local: builds MPI datatypes, sends nothing)
# --------------------------------------------------------------------------


def file_selection(shape: tuple[int, ...], idx: list[np.ndarray], itemsize: int) -> tuple[int, _mpiio.Datatype | None]:
    """(extra byte offset, committed datatype or None) selecting ``idx[0] x idx[1] x ...`` of a C-ordered file.

    ``idx`` holds sorted, non-empty per-axis indices.  Trailing axes held
    whole merge into one unit; None means one contiguous range at the offset.
    The caller frees the datatype.
    """
    j, unit = len(shape), itemsize
    while j and idx[j - 1].size == shape[j - 1]:  # sorted, unique, in range and full: all of the axis
        unit *= shape[j - 1]
        j -= 1
    if j == 0:
        return 0, None
    starts, lengths = runs(idx[j - 1])
    if j == 1 and starts.size == 1:
        return int(starts[0]) * unit, None
    outer, stride = [], unit * shape[j - 1]
    for axis in range(j - 2, -1, -1):  # byte displacements of each outer axis's indices, innermost first
        outer.append(idx[axis] * stride)
        stride *= shape[axis]
    return 0, _mpiio.byte_selection_type(lengths * unit, starts * unit, outer)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def save(path: str | os.PathLike, d: DistArray) -> None:
    """Save a DistArray to a NumPy ``.npy`` file, each rank writing its own part.

    The file is a C-ordered ``.npy`` file NumPy reads with :func:`numpy.load`.
    It appears under ``path`` only when every rank wrote its part (temporary
    file + rename), so a failure leaves no partial file.

    Parameters
    ----------
    path : str or path-like
        File name; ``.npy`` is appended when missing, as :func:`numpy.save` does.
        The same on every rank.
    d : DistArray or numpy_dist.ma.MaskedDistArray
        Any distribution; of replicated blocks only one copy is written.  A
        masked array writes its data to ``path`` and its mask to
        ``x.mask.npy`` beside it (NumPy's ``np.save`` refuses masked arrays).

    Returns
    -------
    None
        The array is on disk when every rank returns.

    Raises
    ------
    TypeError
        If ``d`` is not a DistArray.
    OSError
        If the file cannot be written (raised on every rank).

    Notes
    -----
    Communication: one broadcast of the temporary name, collective MPI-IO
    (open, one ``Write_all``, close) and two small error agreements.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> d = nd.asarray(np.arange(12.0).reshape(3, 4), dist="c")
    >>> nd.save(os.path.join(tmp, "a.npy"), d)
    >>> np.load(os.path.join(tmp, "a.npy")).shape
    (3, 4)
    """
    if _MASKED and isinstance(d, _MASKED["type"]):
        return _MASKED["save"](path, d)
    check_distarray(d)
    path = os.fspath(path)
    if not path.endswith(".npy"):
        path += ".npy"
    comm, dist = d.comm, d.distribution
    rank = comm.Get_rank()
    header = header_bytes(d.shape, d.dtype)
    ftype = None
    with atomic_file(comm, path) as tmp:
        try:
            data, disp = np.empty(0, np.uint8), 0
            with _comm.agreed(comm):
                if is_writer(dist) and d.local.size:
                    idx, orders = sorted_axes(dist)
                    data = np.ascontiguousarray(to_sorted(d.local, orders))
                    disp, ftype = file_selection(d.shape, idx, d.dtype.itemsize)
            _mpiio.file_write_view(comm, tmp, header if rank == 0 else b"", len(header) + disp, ftype, data)
        finally:
            _mpiio.free_datatype(ftype)


@shared_parameters
def load(path: str | os.PathLike, dist: Any = None, comm: _comm.Intracomm | None = None, *,
         grid_shape: Any = None, dtype: Any = None, mmap_mode: str | None = None, masked: bool = True) -> DistArray:
    """Load a NumPy ``.npy`` file into a DistArray, each rank reading only its own part.

    Parameters
    ----------
    path : str or path-like
        A ``.npy`` file (C or Fortran order, any byte order, format 1.0-3.0),
        the same on every rank.
    {dist}
    {comm}
        Default: the communicator of a Distribution ``dist``, else
        ``COMM_WORLD``.
    {grid_shape}
    dtype : data-type, optional
        The dtype the caller expects; ValueError on every rank if the file
        holds another one (the data is never cast silently).
    mmap_mode : {None, 'r', 'r+', 'c'}, optional
        Map each rank's part of the file instead of reading it, as
        :func:`numpy.load` does (:mod:`numpy_dist.io.memmap`); the layout's
        blocks must be slices (block or cyclic axes).
    masked : bool, optional
        False: ignore a mask file beside ``path`` (read the data only).

    Returns
    -------
    DistArray
        With the file's dtype (byte order kept, as :func:`numpy.load` does);
        a :class:`numpy_dist.ma.MaskedDistArray` when ``path`` was saved from
        one (its mask file, ``x.mask.npy`` for ``x.npy``, lies beside it).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a ``.npy`` file or is truncated, or its shape or
        dtype does not match ``dist``/``dtype``.

    Notes
    -----
    Communication: rank 0 reads the header and broadcasts it; collective
    MPI-IO (open, one ``Read_all``, close); small error agreements.  Every
    error is raised identically on every rank.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> path = os.path.join(tmp, "b.npy")
    >>> if MPI.COMM_WORLD.rank == 0:
    ...     np.save(path, np.arange(6))
    >>> MPI.COMM_WORLD.Barrier()
    >>> d = nd.load(path, dist="c")
    >>> d.dist, nd.asnumpy(d).tolist()
    (('c',), [0, 1, 2, 3, 4, 5])
    """
    mode = None if mmap_mode is None else check_mmap_mode(mmap_mode)
    c = load_comm(dist, comm)
    path = os.fspath(path)
    info = None
    with _comm.agreed(c):
        if c.Get_rank() == 0:
            info = read_header(path), masked and bool(_MASKED) and os.path.exists(mask_path(path))
    (shape, fortran, file_dtype, offset), masked = _comm.bcast_object(c, info)
    if masked:  # saved from a masked array: data and mask (numpy_dist.ma)
        return _MASKED["load"](path, dist, c, grid_shape=grid_shape, mmap_mode=mmap_mode)
    if dtype is not None and check_dtype(dtype) != file_dtype:
        raise ValueError(f"{path!r} holds dtype {file_dtype}, not the requested {np.dtype(dtype)}")
    target = target_distribution(shape, dist, grid_shape, c)
    if mode is not None:
        return DistArray._new(mapped_block(path, offset, shape, file_dtype, fortran, target, mode), target)
    local_shape = target.local_shape
    nbytes = int(np.prod(local_shape, dtype=np.int64)) * file_dtype.itemsize
    ftype, disp = None, 0
    try:
        with _comm.agreed(c):
            idx, orders = sorted_axes(target)
            if nbytes:
                fidx, fshape = (idx[::-1], shape[::-1]) if fortran else (idx, shape)
                disp, ftype = file_selection(fshape, fidx, file_dtype.itemsize)
        raw = _mpiio.file_read_view(c, path, offset + disp, ftype, nbytes)
    finally:
        _mpiio.free_datatype(ftype)
    block = raw.view(file_dtype).reshape(local_shape[::-1] if fortran else local_shape)
    if fortran:
        block = block.transpose()
    local = from_sorted(block, orders)
    if not local.flags.c_contiguous:  # (np.ascontiguousarray would turn 0-d into 1-d)
        local = local.copy(order="C")
    return DistArray._new(local, target)


#: The seed's names.
save_npy = save
load_npy = load
