"""The ``.dnpy`` format of DistArray 0.4: one file per rank, with its Distributed Array Protocol metadata.

Format version 1.0 (as the seed documents it):

* the magic string ``\\x93DARRAY`` (7 bytes; the seed's "6 bytes" is copied
  from NumPy's docs), 1 byte major and 1 byte minor version (``\\x01 \\x00``);
* a little-endian ``uint16`` ``HEADER_LEN``, then ``HEADER_LEN`` bytes of
  ASCII: the ``repr`` of a dict with keys ``'__version__'`` (Distributed
  Array Protocol version) and ``'dim_data'`` (this rank's per-axis dicts;
  index arrays written as lists so :func:`ast.literal_eval` reads them),
  keys sorted, padded with spaces and ended by ``\\n`` so that
  ``len(magic) + 4 + HEADER_LEN`` (= 7 + 2 + 2 + HEADER_LEN) is a multiple
  of 16: the ``numpy.save`` output starts 16-byte aligned;
* the output of :func:`numpy.save` for the local block.

A header longer than 65535 bytes (large unstructured index lists) is written
as version 2.0, identical except for a ``uint32`` length (``7 + 2 + 4 +
HEADER_LEN`` a multiple of 16), as NumPy does for ``.npy``.  Readers accept
both.

:func:`load_dnpy` rebuilds the saved global layout from every file's header.
On the rank count that saved the files (and a layout that fits its grid)
each rank reads its own file; otherwise each rank reads some of the distinct
blocks and one Alltoallv lands every element in the target distribution.
"""

from __future__ import annotations

import ast
import errno
import itertools
import os
import struct
import uuid
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from .._docstrings import shared_parameters
from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import DAP_VERSION, Distribution
from ..exchange import exchange
from ..maps import BlockMap, CyclicMap, Map, NoDistMap, UnstructuredMap
from ..redistribute import redistribute_local
from ._common import check_distarray, check_payload, remove_quietly, target_distribution
from .memmap import check_mmap_mode, mapped_file_block
from .npy import read_magic_and_header

__all__ = ["save_dnpy", "load_dnpy", "magic", "read_magic", "write_localarray", "read_localarray",
           "read_array_header", "MAGIC_PREFIX"]

MAGIC_PREFIX = b"\x93DARRAY"
_ALIGN = 16


# --------------------------------------------------------------------------
# The format (local, no MPI)
# --------------------------------------------------------------------------


def magic(major: int, minor: int) -> bytes:
    """The magic string (7 bytes) plus the two version bytes of format ``(major, minor)``.

    Parameters
    ----------
    major : int
        Major format version (0-255).
    minor : int
        Minor format version (0-255).

    Returns
    -------
    bytes
        The 9 bytes a ``.dnpy`` file starts with.

    Raises
    ------
    ValueError
        If a version number does not fit in a byte.

    Examples
    --------
    >>> from numpy_dist.io.dnpy import magic
    >>> magic(1, 0)
    b'\\x93DARRAY\\x01\\x00'
    """
    if not (0 <= major < 256 and 0 <= minor < 256):
        raise ValueError(f"format version must be two bytes, got ({major}, {minor})")
    return MAGIC_PREFIX + bytes([major, minor])


def read_magic(fp: IO[bytes]) -> tuple[int, int]:
    """Read the magic string of a ``.dnpy`` file and return its format version.

    Parameters
    ----------
    fp : binary file object
        Positioned at the start of the file; left after the 9 magic bytes.

    Returns
    -------
    tuple of int
        ``(major, minor)``.

    Raises
    ------
    ValueError
        If it is not a ``.dnpy`` file.

    Examples
    --------
    >>> import io
    >>> from numpy_dist.io.dnpy import magic, read_magic
    >>> read_magic(io.BytesIO(magic(1, 0)))
    (1, 0)
    """
    raw = fp.read(len(MAGIC_PREFIX) + 2)
    if len(raw) != len(MAGIC_PREFIX) + 2 or raw[: len(MAGIC_PREFIX)] != MAGIC_PREFIX:
        raise ValueError(f"not a .dnpy file: the magic string is {raw[:8]!r}, expected {MAGIC_PREFIX!r}")
    return raw[-2], raw[-1]


def _plain(value: Any) -> Any:
    """``value`` with NumPy arrays/scalars as Python lists/ints and dict keys sorted (literal_eval-able)."""
    if isinstance(value, dict):
        return {k: _plain(value[k]) for k in sorted(value)}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _encode_header(meta: dict) -> bytes:
    text = repr(_plain(meta)).encode("ascii")
    for version, fmt in (((1, 0), "<H"), ((2, 0), "<I")):
        prefix = len(MAGIC_PREFIX) + 2 + struct.calcsize(fmt)
        pad = -(prefix + len(text) + 1) % _ALIGN
        body = text + b" " * pad + b"\n"
        if len(body) < 1 << (8 * struct.calcsize(fmt)):
            return magic(*version) + struct.pack(fmt, len(body)) + body
    raise ValueError("the .dnpy header is too long")  # pragma: no cover - 4 GiB of metadata


def write_localarray(fp: IO[bytes], local: np.ndarray, dim_data: Sequence[dict],
                     version: str = DAP_VERSION) -> None:
    """Write one rank's block and its ``dim_data`` to an open binary file (the ``.dnpy`` format).

    Parameters
    ----------
    fp : binary file object
        Where to write.
    local : array_like
        The block.
    dim_data : sequence of dict
        The block's Distributed Array Protocol ``dim_data``.
    version : str, optional
        The protocol version recorded in the header.

    Raises
    ------
    ValueError
        If the block has an object dtype.

    Notes
    -----
    Communication: none (one rank's file).

    Examples
    --------
    >>> import io, numpy as np
    >>> from numpy_dist.io.dnpy import write_localarray, read_localarray
    >>> buf = io.BytesIO()
    >>> write_localarray(buf, np.arange(3), ({"dist_type": "b", "size": 6, "proc_grid_size": 2,
    ...                                       "proc_grid_rank": 0, "start": 0, "stop": 3},))
    >>> _ = buf.seek(0); read_localarray(buf)["buffer"].tolist()
    [0, 1, 2]
    """
    local = np.asarray(local)
    if local.dtype.hasobject:
        raise ValueError(f"cannot save arrays of dtype {local.dtype}")
    fp.write(_encode_header({"__version__": version, "dim_data": tuple(dim_data)}))
    np.save(fp, local, allow_pickle=False)


def _check_dim_dict(axis: int, dd: Any) -> None:
    if not isinstance(dd, dict) or dd.get("dist_type") not in ("b", "c", "u", "n"):
        raise ValueError(f"dim_data[{axis}] is not a dim_data dict with a dist_type of b/c/u/n: {dd!r}")
    need = {"n": ("size",), "b": ("size", "proc_grid_size", "proc_grid_rank", "start", "stop"),
            "c": ("size", "proc_grid_size", "proc_grid_rank"),
            "u": ("size", "proc_grid_size", "proc_grid_rank", "indices")}[dd["dist_type"]]
    for key in need:
        if key not in dd:
            raise ValueError(f"dim_data[{axis}] (dist_type {dd['dist_type']!r}) lacks {key!r}")


def read_array_header(fp: IO[bytes], version: tuple[int, int] = (1, 0)) -> tuple[str, tuple[dict, ...]]:
    """Read the header after the magic string: ``(__version__, dim_data)``.

    Parameters
    ----------
    fp : binary file object
        Positioned just after the magic string.
    version : tuple of int, optional
        The file's format version, as :func:`read_magic` returned it.

    Returns
    -------
    version : str
        The protocol version the file records.
    dim_data : tuple of dict
        The block's ``dim_data``, checked.

    Raises
    ------
    ValueError
        If the format version is unknown or the header is truncated or invalid.

    Examples
    --------
    >>> import io, numpy as np
    >>> from numpy_dist.io.dnpy import write_localarray, read_magic, read_array_header
    >>> buf = io.BytesIO()
    >>> write_localarray(buf, np.arange(2), ({"dist_type": "n", "size": 2},))
    >>> _ = buf.seek(0)
    >>> read_array_header(buf, read_magic(buf))[1]
    ({'dist_type': 'n', 'size': 2},)
    """
    fmt = {(1, 0): "<H", (2, 0): "<I"}.get(tuple(version))
    if fmt is None:
        raise ValueError(f"unsupported .dnpy format version {version}")
    raw = fp.read(struct.calcsize(fmt))
    if len(raw) != struct.calcsize(fmt):
        raise ValueError("truncated .dnpy header")
    (length,) = struct.unpack(fmt, raw)
    text = fp.read(length)
    if len(text) != length:
        raise ValueError("truncated .dnpy header")
    try:
        meta = ast.literal_eval(text.decode("ascii"))
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot parse the .dnpy header: {exc}") from None
    if not isinstance(meta, dict) or "dim_data" not in meta or "__version__" not in meta:
        raise ValueError(f"the .dnpy header is not a dict with '__version__' and 'dim_data': {meta!r:.200}")
    dim_data = meta["dim_data"]
    if not isinstance(dim_data, (tuple, list)):
        raise ValueError("the .dnpy header's dim_data is not a sequence")
    for axis, dd in enumerate(dim_data):
        _check_dim_dict(axis, dd)
    return str(meta["__version__"]), tuple(dim_data)


read_array_header_1_0 = read_array_header  # the seed's name


def read_localarray(fp: IO[bytes]) -> dict:
    """Read a whole ``.dnpy`` file.

    Parameters
    ----------
    fp : binary file object
        Positioned at the start of the file.

    Returns
    -------
    dict
        The Distributed Array Protocol dict: ``'__version__'``, ``'dim_data'``
        and ``'buffer'`` (the block).

    Raises
    ------
    ValueError
        If the file is not a valid ``.dnpy`` file, or truncated.

    Examples
    --------
    >>> import io, numpy as np
    >>> from numpy_dist.io.dnpy import write_localarray, read_localarray
    >>> buf = io.BytesIO()
    >>> write_localarray(buf, np.ones(2), ({"dist_type": "n", "size": 2},))
    >>> _ = buf.seek(0)
    >>> sorted(read_localarray(buf))
    ['__version__', 'buffer', 'dim_data']
    """
    version, dim_data = read_array_header(fp, read_magic(fp))
    try:
        buffer = np.lib.format.read_array(fp, allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        raise ValueError(f"truncated or corrupt .dnpy data: {exc}") from None
    return {"__version__": version, "dim_data": dim_data, "buffer": buffer}


def _file_info(name: str) -> dict:
    """Header facts of one file, checked against its size (the data is not read)."""
    with open(name, "rb") as f:
        try:
            version = read_magic(f)
            _, dim_data = read_array_header(f, version)
            start = f.tell()
            shape, fortran, dtype = read_magic_and_header(f)
        except (ValueError, EOFError, SyntaxError) as exc:
            raise ValueError(f"{name!r}: {exc}") from None
        offset = f.tell()
        size = os.fstat(f.fileno()).st_size
    check_payload(name, shape, dtype, offset, size)
    return {"dim_data": dim_data, "start": start, "shape": tuple(shape), "dtype": dtype, "offset": offset,
            "fortran": bool(fortran)}


def _read_block(name: str, info: dict) -> np.ndarray:
    with open(name, "rb") as f:
        f.seek(info["start"])
        try:
            block = np.lib.format.read_array(f, allow_pickle=False)
        except (ValueError, EOFError, OSError) as exc:
            raise ValueError(f"{name!r}: truncated or corrupt data: {exc}") from None
    return block


# --------------------------------------------------------------------------
# The saved global layout (local, from every file's header)
# --------------------------------------------------------------------------


def _axis_map(axis: int, dds: list[dict]) -> Map:
    kind = dds[0]["dist_type"]
    size = dds[0]["size"]
    if any(dd["dist_type"] != kind or dd["size"] != size for dd in dds):
        raise ValueError(f"the files disagree on axis {axis}: dist_type or size differ")
    if kind == "n":
        return NoDistMap(size)
    grid = dds[0]["proc_grid_size"]
    if any(dd["proc_grid_size"] != grid for dd in dds):
        raise ValueError(f"the files disagree on axis {axis}'s proc_grid_size")
    per_p: dict[int, dict] = {}
    for dd in dds:
        per_p.setdefault(dd["proc_grid_rank"], dd)
    if sorted(per_p) != list(range(grid)):
        raise ValueError(f"the files hold axis {axis} grid coordinates {sorted(per_p)}, "
                         f"not all of 0..{grid - 1}: some files are missing")
    if kind == "c":
        bs = dds[0].get("block_size", 1)
        if any(dd.get("block_size", 1) != bs for dd in dds):
            raise ValueError(f"the files disagree on axis {axis}'s block_size")
        return CyclicMap(size, grid, bs)
    if kind == "b":
        bounds = [per_p[p]["start"] for p in range(grid)] + [size]
        if any(per_p[p]["stop"] != bounds[p + 1] for p in range(grid)):
            raise ValueError(f"the files' blocks of axis {axis} do not tile it: bounds {bounds}")
        return BlockMap(size, grid, bounds)
    return UnstructuredMap([np.asarray(per_p[p]["indices"], dtype=np.int64) for p in range(grid)], size)


def _layout(infos: list[dict]) -> tuple[tuple[int, ...], np.dtype, list[Map], list[tuple[int, ...]]]:
    """(global shape, dtype, per-axis maps, grid coordinates of each file); ValueError if inconsistent."""
    ndims = {len(i["dim_data"]) for i in infos}
    if len(ndims) != 1:
        raise ValueError(f"the files describe arrays of different dimensions {sorted(ndims)}")
    ndim = ndims.pop()
    dtypes = {i["dtype"] for i in infos}
    if len(dtypes) != 1:
        raise ValueError(f"the files hold different dtypes {sorted(map(str, dtypes))}")
    maps = [_axis_map(a, [i["dim_data"][a] for i in infos]) for a in range(ndim)]
    coords = [tuple(i["dim_data"][a].get("proc_grid_rank", 0) if maps[a].dist_type != "n" else 0
                    for a in range(ndim)) for i in infos]
    for k, (info, c) in enumerate(zip(infos, coords)):
        expected = tuple(m.local_size(p) for m, p in zip(maps, c))
        if info["shape"] != expected:
            raise ValueError(f"file {k} holds a block of shape {info['shape']} but its dim_data says {expected}")
    return tuple(m.size for m in maps), dtypes.pop(), maps, coords


# --------------------------------------------------------------------------
# Landing blocks in a distribution (one Alltoallv)
# --------------------------------------------------------------------------


def _selections(idx: list[np.ndarray], target: Distribution, q: int) -> list[np.ndarray]:
    """Per axis: positions within a block (global indices ``idx``) of the elements rank ``q`` holds."""
    out = []
    for a, ix in enumerate(idx):
        if target.axis_grid[a] is None:
            out.append(np.arange(ix.size, dtype=np.int64))
        else:
            out.append(np.flatnonzero(target.maps[a].owners(ix) == target.axis_coord(a, q)))
    return out


def _land(blocks: dict[int, np.ndarray], block_idx: list[list[np.ndarray]], reader: list[int],
          target: Distribution, dtype: np.dtype) -> np.ndarray:
    """This rank's block of ``target`` from the saved blocks (block ``j`` held by rank ``reader[j]``)."""
    comm, me, P = target.comm, target.rank, target.nprocs
    pieces, send = [], np.zeros(P, np.int64)
    for q in range(P):  # loops over ranks and blocks, never over elements
        for j in sorted(blocks):
            sels = _selections(block_idx[j], target, q)
            piece = blocks[j][np.ix_(*sels)] if sels else blocks[j]
            if piece.size:
                pieces.append(piece.reshape(-1))
                send[q] += piece.size
    places, recv = [], np.zeros(P, np.int64)
    for j, s in enumerate(reader):
        sels = _selections(block_idx[j], target, me)
        shape = tuple(x.size for x in sels)
        n = int(np.prod(shape, dtype=np.int64))
        if n:
            pos = [target.maps[a].local_positions(block_idx[j][a][x]) for a, x in enumerate(sels)]
            places.append((s, j, shape, n, pos))
            recv[s] += n
    # (dtype= keeps the file's byte order: a plain concatenate would make it native)
    sendbuf = np.concatenate(pieces, dtype=dtype) if pieces else np.empty(0, dtype)
    got = exchange(comm, sendbuf, send, recv).data
    out = np.empty(target.local_shape, dtype=dtype)
    offset = 0
    for s, j, shape, n, pos in sorted(places, key=lambda t: (t[0], t[1])):  # source order, then block order
        out[np.ix_(*pos) if pos else ()] = got[offset:offset + n].reshape(shape)
        offset += n
    return out


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _names_for(prefix_or_list: Any, comm: _comm.Intracomm, saving: bool) -> list[str] | None:
    """File names: one per rank when saving; None for a prefix when loading (counted on disk)."""
    if isinstance(prefix_or_list, (str, os.PathLike)):
        prefix = os.fspath(prefix_or_list)
        return [f"{prefix}_{r}.dnpy" for r in range(comm.Get_size())] if saving else None
    if isinstance(prefix_or_list, Sequence) and all(isinstance(n, (str, os.PathLike)) for n in prefix_or_list):
        names = [os.fspath(n) for n in prefix_or_list]
        if saving and len(names) != comm.Get_size():
            raise TypeError(f"save_dnpy needs one file name per rank ({comm.Get_size()}), got {len(names)}")
        if not names:
            raise ValueError("load_dnpy needs at least one file name")
        return names
    raise TypeError(f"expected a file name prefix or a list of file names, got {type(prefix_or_list).__name__}")


def save_dnpy(prefix_or_list: str | os.PathLike | Sequence[str], d: DistArray) -> None:
    """Save a DistArray as one ``.dnpy`` file per rank (DistArray 0.4's format).

    Files are written under temporary names and renamed once every rank
    succeeded; with a prefix, files ``<prefix>_<k>.dnpy`` with ``k`` at or
    beyond the number of ranks (left by an earlier save on more ranks) are
    removed, so the set on disk is always one consistent save.

    Parameters
    ----------
    prefix_or_list : str, path-like or list of str
        A prefix (rank ``r`` writes ``<prefix>_<r>.dnpy``) or one name per
        rank.
    d : DistArray
        Any distribution (replicated blocks are written by every replica).

    Raises
    ------
    TypeError
        If a list of names does not have one name per rank, or ``d`` is not a
        DistArray.
    OSError
        If a file cannot be written (raised on every rank).

    Notes
    -----
    Communication: one broadcast (temporary-name token), three error agreements.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> d = nd.asarray(np.arange(10.0), dist="c")
    >>> nd.save_dnpy(os.path.join(tmp, "part"), d)
    >>> nd.load_dnpy(os.path.join(tmp, "part")).dist
    ('c',)
    """
    check_distarray(d)
    comm, rank, P = d.comm, d.comm.Get_rank(), d.comm.Get_size()
    names = _names_for(prefix_or_list, comm, saving=True)
    name = names[rank]
    token = _comm.bcast_object(comm, uuid.uuid4().hex[:12] if rank == 0 else None)
    head, tail = os.path.split(os.path.abspath(name))
    tmp = os.path.join(head, f".{tail}.{token}.partial")
    renamed = False
    try:
        with _comm.agreed(comm):
            with open(tmp, "wb") as f:
                write_localarray(f, d.local, d.distribution.dim_data())
                f.flush()
                os.fsync(f.fileno())
        with _comm.agreed(comm):
            os.replace(tmp, name)
            renamed = True
    except BaseException:
        remove_quietly(tmp)
        if renamed:  # another rank failed to rename: do not leave a mixed set behind
            remove_quietly(name)
        raise
    with _comm.agreed(comm):
        if rank == 0 and isinstance(prefix_or_list, (str, os.PathLike)):
            k = P
            while os.path.exists(f"{os.fspath(prefix_or_list)}_{k}.dnpy"):
                os.remove(f"{os.fspath(prefix_or_list)}_{k}.dnpy")
                k += 1


@shared_parameters
def load_dnpy(prefix_or_list: str | os.PathLike | Sequence[str], comm: _comm.Intracomm | None = None, *,
              dist: Any = None, grid_shape: Any = None, mmap_mode: str | None = None) -> DistArray:
    """Load ``.dnpy`` files written by :func:`save_dnpy` (on any number of ranks).

    Parameters
    ----------
    prefix_or_list : str, path-like or list of str
        A prefix (the files ``<prefix>_0.dnpy``, ``<prefix>_1.dnpy`` ... that
        exist) or the list of every file of the saved set, in saved-rank order.
    {comm}
    {dist}
        Default here: the saved distribution when the files were written by
        as many ranks as ``comm`` has (each rank reads its own file, no data
        moves); otherwise block along axis 0.
    {grid_shape}
    mmap_mode : {None, 'r', 'r+', 'c'}, optional
        Map each rank's own file instead of reading it
        (:mod:`numpy_dist.io.memmap`); only in the saved layout on the saved
        rank count (ValueError otherwise).

    Returns
    -------
    DistArray
        The saved global array.

    Raises
    ------
    FileNotFoundError
        If there is no file, or a listed one is missing.
    ValueError
        If a file has the wrong magic or is truncated, or the files disagree on
        shape or dtype or do not cover the array.

    Notes
    -----
    Communication: one allgather of the headers; when the files do not map
    one-to-one onto the ranks, one Alltoallv of the data (each element moves
    once).  Every error is raised identically on every rank.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> nd.save_dnpy(os.path.join(tmp, "x"), nd.arange(5))
    >>> nd.asnumpy(nd.load_dnpy(os.path.join(tmp, "x"))).tolist()
    [0, 1, 2, 3, 4]
    """
    mode = None if mmap_mode is None else check_mmap_mode(mmap_mode)
    c = _comm.get_comm(comm)
    rank, P = c.Get_rank(), c.Get_size()
    names = _names_for(prefix_or_list, c, saving=False)
    if names is None:
        prefix, count = os.fspath(prefix_or_list), None
        with _comm.agreed(c):
            if rank == 0:
                count = 0
                while os.path.exists(f"{prefix}_{count}.dnpy"):
                    count += 1
                if count == 0:
                    raise FileNotFoundError(errno.ENOENT, "No such file or directory", f"{prefix}_0.dnpy")
        names = [f"{prefix}_{k}.dnpy" for k in range(_comm.bcast_object(c, count))]
    K = len(names)
    mine: dict[int, dict] = {}
    with _comm.agreed(c):  # each rank checks the headers of files k = rank, rank + P, ...
        for k in range(rank, K, P):
            mine[k] = _file_info(names[k])
    infos_by_k: dict[int, dict] = {}
    for part in _comm.allgather_object(c, mine):
        infos_by_k.update(part)
    infos = [infos_by_k[k] for k in range(K)]
    with _comm.agreed(c):  # identical input everywhere; agreed anyway, it is cheap
        shape, dtype, maps, coords = _layout(infos)
        saved = None
        distributed = [m.grid_size for m in maps if m.dist_type != "n"]
        if K == P and (not distributed or int(np.prod(distributed)) == P):
            # The saved layout is a distribution of this communicator if file r holds rank r's block.
            saved = Distribution.from_maps(c, maps)
            fits = all(tuple(saved.axis_coord(a, r) for a in range(len(maps))) == coords[r] for r in range(P))
            saved = saved if fits else None
        if dist is None and grid_shape is None and saved is not None:
            target = saved
        else:
            target = target_distribution(shape, dist, grid_shape, c)
    if mode is not None:
        if saved is None or target != saved:  # global metadata: the same verdict on every rank
            raise ValueError("mmap_mode maps each rank's own file: it needs the saved layout on the rank count "
                             f"that saved it ({K} files, {P} ranks)")
        info = infos[rank]
        return DistArray._new(mapped_file_block(names[rank], info["offset"], info["shape"], info["dtype"],
                                                info["fortran"], mode, c), saved)
    if saved is not None:
        local = None
        with _comm.agreed(c):
            local = _read_block(names[rank], infos[rank])
        return DistArray._new(local, saved) if target == saved else \
            DistArray._new(redistribute_local(local, saved, target), target)
    # General case: one reader per distinct block, then one exchange.
    first: dict[tuple, int] = {}
    for k, cd in enumerate(coords):
        first.setdefault(cd, k)
    grid = [m.grid_size for m in maps]
    missing = [cd for cd in itertools.product(*[range(g) for g in grid]) if cd not in first]
    if missing:  # every axis coordinate occurs, but not every combination of them
        raise ValueError(f"the files lack the blocks at grid coordinates {missing[:5]}")
    files = [first[cd] for cd in sorted(first)]
    reader = [j % P for j in range(len(files))]
    block_idx = [[m.local_indices(p) for m, p in zip(maps, coords[k])] for k in files]
    blocks: dict[int, np.ndarray] = {}
    with _comm.agreed(c):
        for j, k in enumerate(files):
            if reader[j] == rank:
                blocks[j] = _read_block(names[k], infos[k])
    return DistArray._new(_land(blocks, block_idx, reader, target, dtype), target)
