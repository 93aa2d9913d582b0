"""File-mapped DistArrays: ``nd.load(path, mmap_mode=...)`` and ``nd.open_memmap``.

Each rank maps the ``.npy`` file (virtual address space only) and keeps as
its local block the view of its own elements: a block layout along any axes,
or a cyclic one, is a slice per axis, so the block is a strided view of the
mapping and nothing is read until it is touched.  Reductions of mapped
blocks run in bounded chunks and drop the pages they touched
(:mod:`numpy_dist.dispatch._bounded`), so a rank's resident memory stays
about one chunk above its baseline whatever the file's size.

Modes are NumPy's: ``"r"`` read-only, ``"r+"`` writes go to the file,
``"c"`` copy-on-write (changes stay in memory; their pages are never
dropped).  :func:`flush` writes an ``"r+"`` array's changes to disk.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._docstrings import shared_parameters
from .. import comm as _comm
from ..distarray import DistArray, check_dtype
from ..distribution import Distribution
from ..dispatch._bounded import drop_pages, file_mapping, row_chunks
from ._common import load_comm, target_distribution

__all__ = ["MMAP_MODES", "check_mmap_mode", "check_writable_layout", "mapped_block", "mapped_file_block", "open_memmap", "flush", "map_blocks"]

#: ``mmap_mode`` values of :func:`numpy.load` (and their long spellings).
MMAP_MODES = {"r": "r", "readonly": "r", "r+": "r+", "readwrite": "r+", "c": "c", "copyonwrite": "c"}


def check_mmap_mode(mode: Any) -> str:
    """``mode`` normalised to ``"r"``, ``"r+"`` or ``"c"``, as ``np.memmap`` names them.

    Parameters
    ----------
    mode : str
        A memory-map mode, in any spelling ``np.memmap`` accepts.

    Returns
    -------
    str
        ``"r"``, ``"r+"`` or ``"c"``.

    Raises
    ------
    ValueError
        For anything else, as ``np.memmap`` raises.

    Examples
    --------
    >>> from numpy_dist.io.memmap import check_mmap_mode
    >>> check_mmap_mode("readwrite")
    'r+'
    """
    if mode not in MMAP_MODES:
        raise ValueError(f"mmap_mode must be one of {sorted(MMAP_MODES)}, got {mode!r}")
    return MMAP_MODES[mode]


def _block_keys(target: Distribution) -> tuple[slice, ...] | None:
    """This rank's block as one slice per axis, or None when some axis's indices form no slice."""
    keys = []
    for axis, m in enumerate(target.maps):
        key = m.local_slice(target.axis_coord(axis))
        if key is None:
            return None
        keys.append(key)
    return tuple(keys)


def check_writable_layout(target: Distribution, mode: str) -> None:
    """ValueError (on every rank: metadata only) for a writable mapping of a layout with replicated blocks.

    Ranks holding copies of one block would all write the same bytes of the shared file, and each would
    read the others' writes halfway (``out += 1`` adding twice): a writable mapping needs every element
    on one rank only.

    Parameters
    ----------
    target : Distribution
        The layout to map.
    mode : str
        The mapping mode (``"r"``, ``"r+"``, ``"w+"``, ``"c"``).

    Raises
    ------
    ValueError
        If ``mode`` writes the file and ``target`` has replicated blocks.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist.io.memmap import check_writable_layout
    >>> check_writable_layout(nd.Distribution(None, (8, 2)), "r+")  # block rows: each element on one rank
    """
    if mode in ("r+", "w+") and any(target.proc_grid[g] > 1 for g in target.replicated_dims):
        raise ValueError(f"a writable file mapping (mode {mode!r}) needs a layout that holds every element on one "
                         f"rank; {target.dist} over the grid {target.proc_grid} repeats blocks on several ranks")


def mapped_block(path: str, offset: int, shape: tuple[int, ...], dtype: np.dtype, fortran: bool,
                 target: Distribution, mode: str) -> np.ndarray:
    """This rank's block of a C- or Fortran-ordered array stored at ``offset`` in ``path``, as a mapped view.

    Parameters
    ----------
    path : str
        The file, the same on every rank.
    offset : int
        Byte offset of the array's data.
    shape : tuple of int
        The stored array's global shape.
    dtype : numpy.dtype
        The stored element type.
    fortran : bool
        Whether the data is in Fortran order.
    target : Distribution
        The layout; its blocks must be slices (block or cyclic axes).
    mode : str
        The ``np.memmap`` mode.

    Returns
    -------
    numpy.memmap or numpy.ndarray
        This rank's block, mapped (an empty array when the array is empty).

    Raises
    ------
    ValueError
        If some axis's blocks are not slices (on every rank).

    Notes
    -----
    Communication: error agreements only.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> from numpy_dist.io.memmap import mapped_block
    >>> path = os.path.join(tmp, "raw.bin")
    >>> if MPI.COMM_WORLD.rank == 0:
    ...     np.arange(6.0).tofile(path)
    >>> MPI.COMM_WORLD.Barrier()
    >>> target = nd.Distribution(None, (6,))
    >>> block = mapped_block(path, 0, (6,), np.dtype(float), False, target, "r")
    >>> block.tolist() == target.local_indices(0).astype(float).tolist()
    True
    """
    check_writable_layout(target, mode)
    keys = _block_keys(target)
    _comm.agree(target.comm, None if keys is not None else ValueError(
        f"mmap_mode needs a layout whose blocks are slices (block or cyclic); {target.dist} is not"))
    if int(np.prod(shape, dtype=np.int64)) == 0:  # an empty file cannot be mapped
        return np.empty(target.local_shape, dtype)
    with _comm.agreed(target.comm):
        whole = np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape, order="F" if fortran else "C")
        block = whole[keys]
    return block


def mapped_file_block(path: str, offset: int, shape: tuple[int, ...], dtype: np.dtype, fortran: bool, mode: str,
                      comm: _comm.Intracomm) -> np.ndarray:
    """A whole array stored at ``offset`` in this rank's own file, mapped.

    Parameters
    ----------
    path : str
        This rank's file.
    offset : int
        Byte offset of the array's data.
    shape : tuple of int
        The stored array's shape.
    dtype : numpy.dtype
        The stored element type.
    fortran : bool
        Whether the data is in Fortran order.
    mode : str
        The ``np.memmap`` mode.
    comm : mpi4py.MPI.Intracomm
        The ranks that agree on errors (every one of them calls this).

    Returns
    -------
    numpy.memmap or numpy.ndarray
        The mapped array (an empty array when it is empty).

    Raises
    ------
    OSError
        If a rank cannot map its file (on every rank).

    Notes
    -----
    Communication: one error agreement.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> from numpy_dist.io.memmap import mapped_file_block
    >>> path = os.path.join(tmp, f"own{MPI.COMM_WORLD.rank}.bin")
    >>> np.ones(3).tofile(path)
    >>> mapped_file_block(path, 0, (3,), np.dtype(float), False, "r", MPI.COMM_WORLD).tolist()
    [1.0, 1.0, 1.0]
    """
    with _comm.agreed(comm):
        if int(np.prod(shape, dtype=np.int64)) == 0:
            return np.empty(shape, dtype)
        whole = np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape, order="F" if fortran else "C")
    return whole


@shared_parameters
def open_memmap(path: str | os.PathLike, shape: Any, dtype: Any = np.float64, dist: Any = None,
                comm: _comm.Intracomm | None = None, *, grid_shape: Any = None, mode: str = "w+") -> DistArray:
    """Create (``mode="w+"``) or open (``"r+"``, ``"r"``, ``"c"``) a ``.npy`` file as a file-mapped DistArray.

    Parameters
    ----------
    path : str or path-like
        The ``.npy`` file, the same on every rank.
    shape : int or tuple of int
        The array's global shape (``"w+"``: the file is created with it;
        otherwise it must match the file's).
    dtype : data-type, optional
        The element type (default float64), created or checked as ``shape``.
    {dist}
    {comm}
        Default: the communicator of a Distribution ``dist``, else
        ``COMM_WORLD``.
    {grid_shape}
    mode : {'w+', 'r+', 'r', 'c'}, optional
        ``"w+"`` (default) creates a zero-filled file; ``"r+"`` maps it for
        reading and writing, ``"r"`` read-only, ``"c"`` copy-on-write.

    Returns
    -------
    DistArray
        Each rank's local block maps that rank's part of the file.

    Raises
    ------
    ValueError
        If ``mode`` is not one of the four, the file's shape or dtype does
        not match ``shape``/``dtype``, or a writable mode meets a layout that
        repeats blocks on several ranks (see :func:`check_writable_layout`).
    FileNotFoundError
        If a mode other than ``"w+"`` names a missing file.

    Notes
    -----
    Communication: rank 0 creates the file and broadcasts its header size;
    each rank maps it (no data moves).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> path = os.path.join(tmp, "m.npy")
    >>> d = nd.open_memmap(path, (4, 2), "f8")
    >>> d[:2] = 1.0
    >>> nd.io.memmap.flush(d)
    >>> np.load(path).sum()
    np.float64(4.0)
    """
    c = load_comm(dist, comm)
    path = os.fspath(path)
    shape = tuple(int(n) for n in np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),)
    dt = check_dtype(dtype)
    if mode not in ("w+",):
        check_mmap_mode(mode)
    target = target_distribution(shape, dist, grid_shape, c)
    check_writable_layout(target, mode)
    header = None
    with _comm.agreed(c):
        if c.Get_rank() == 0:
            header = _create_or_check(path, shape, dt, mode)
    offset, fortran = _comm.bcast_object(c, header)
    _comm.barrier(c)  # the file exists, at its full size, before any rank maps it
    local = mapped_block(path, offset, shape, dt, fortran, target, "r+" if mode == "w+" else MMAP_MODES[mode])
    return DistArray._new(local, target)


def _create_or_check(path: str, shape: tuple[int, ...], dtype: np.dtype, mode: str) -> tuple[int, bool]:
    """(data offset, Fortran order) of ``path``, created first in ``"w+"`` mode (rank 0 only)."""
    if mode == "w+":
        made = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
        offset = made.offset
        del made
        return offset, False
    existing = np.load(path, mmap_mode="r")
    if existing.shape != shape or existing.dtype != dtype:
        raise ValueError(f"{path!r} holds {existing.shape} {existing.dtype}, not {shape} {dtype}")
    return existing.offset, bool(existing.flags.f_contiguous and not existing.flags.c_contiguous)


def flush(d: DistArray) -> None:
    """Write the changes of a file-mapped DistArray to its file.

    A no-op for arrays that are not mapped writable (``"r+"`` or ``"w+"``).

    Parameters
    ----------
    d : DistArray
        The array (from :func:`open_memmap` or ``load(..., mmap_mode="r+")``).

    Raises
    ------
    OSError
        If a rank cannot write its pages (on every rank).

    Notes
    -----
    Communication: one error agreement and one barrier, so every rank's
    changes are on disk when any rank returns.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> path = os.path.join(tmp, "f.npy")
    >>> d = nd.open_memmap(path, (4,), "f8")
    >>> d[:] = 2.0
    >>> nd.io.memmap.flush(d)
    >>> np.load(path).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """
    mapped = file_mapping(d.local)
    with _comm.agreed(d.comm):
        if mapped is not None and mapped.mode in ("r+", "w+"):
            mapped.flush()
    _comm.barrier(d.comm)


def map_blocks(func: Any, *arrays: Any, out: DistArray | None = None) -> DistArray:
    """``func(*blocks)`` evaluated chunk by chunk over aligned arrays, dropping mapped pages after each chunk.

    The elementwise counterpart of the bounded reductions: with file-mapped
    inputs (and a file-mapped ``out``, e.g. from :func:`open_memmap`) a
    rank's resident memory stays about one chunk per array above its
    baseline whatever the files' sizes.  ``func`` must work elementwise
    along axis 0 (any NumPy ufunc expression, ``lambda a, b: a * 2 + b``).

    Parameters
    ----------
    func : callable
        Applied to row chunks of the local blocks (NumPy arrays) and the
        non-DistArray arguments as they are.
    *arrays : DistArray or scalar
        DistArrays must share one distribution.
    out : DistArray, optional
        Where the result goes (same distribution); default: a new in-memory
        DistArray of the dtype ``func`` gives.

    Returns
    -------
    DistArray
        ``out``, or the new result.

    Raises
    ------
    TypeError
        If no DistArray is given.
    ValueError
        If the DistArrays (and ``out``) do not share one distribution.

    Notes
    -----
    Communication: none besides agreeing on local errors.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from numpy_dist.io.memmap import map_blocks
    >>> a = nd.arange(6.0)
    >>> nd.asnumpy(map_blocks(lambda x, y: x * 2 + y, a, 1.0)).tolist()
    [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]
    """
    dists = [a.distribution for a in arrays if isinstance(a, DistArray)]
    if not dists:
        raise TypeError("map_blocks needs at least one DistArray")
    dist = dists[0]
    if any(d != dist for d in dists[1:]) or (out is not None and out.distribution != dist):
        raise ValueError("map_blocks needs arrays (and out) with one distribution; redistribute them first")
    blocks = [a.local if isinstance(a, DistArray) else a for a in arrays]
    with _comm.agreed(dist.comm, fp="map_blocks"):
        if out is None:
            probe = np.asarray(func(*[b[:0] if isinstance(b, np.ndarray) and b.ndim else b for b in blocks]))
            out = DistArray._new(np.empty(dist.local_shape, probe.dtype), dist)
        widest = max([b for b in blocks if isinstance(b, np.ndarray)] + [out.local], key=lambda b: b.itemsize)
        for rows in row_chunks(widest):
            chunks = [b[rows] if isinstance(b, np.ndarray) and b.ndim else b for b in blocks]
            out.local[rows] = func(*chunks)
            for block, chunk in zip(blocks, chunks):
                mapped = file_mapping(block) if isinstance(block, np.ndarray) else None
                if mapped is not None:
                    drop_pages(chunk, mapped)
            mapped_out = file_mapping(out.local)
            if mapped_out is not None:
                drop_pages(out.local[rows], mapped_out)
    return out
