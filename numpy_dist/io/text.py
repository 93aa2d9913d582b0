"""Text files in parallel: :func:`savetxt` writes each rank's rows at computed offsets; :func:`loadtxt` and
:func:`genfromtxt` let each rank parse its own byte range of the file.

Reading splits the file into P byte ranges; a line belongs to the rank whose
range holds its first byte, so every line is parsed exactly once, by NumPy's
own ``loadtxt``/``genfromtxt`` on that rank's lines.  Global line numbers
(``skiprows``, ``skip_header``) and row counts (``max_rows``) come from one
exclusive scan; the parsed rows are then balanced into the default layout
(block rows).  Lines are split at the byte ``\\n`` (``\\r\\n`` is accepted), so
the encoding must be ASCII-compatible (UTF-8, Latin-1 ...).

Inputs that are not files by name (open files, lists of lines) are held whole
by every rank already: each rank parses them all and keeps its part.  The
cases a byte range cannot decide (``quotechar``, which lets a field span
lines; ``genfromtxt`` with ``names``, ``dtype=None`` column inference that
yields records, ``skip_footer`` or masks) read the whole file on every rank
through the announced fallback.

Communication: reading, one exclusive scan of line counts and of row counts,
an agreement on errors and column counts, and one all-to-all that balances the
rows; writing, one exclusive scan of byte counts and one collective MPI-IO write.
"""

from __future__ import annotations

import gzip
import io
import locale
import os
import warnings
from typing import Any

import numpy as np

from .._docstrings import shared_parameters
from .. import comm as _comm
from .. import mpiio as _mpiio
from ..checks import collective
from ..creation import asarray, resolve_distribution
from ..distarray import DistArray
from ..distribution import Distribution
from ..dispatch.fallback import fallback_policy
from ._common import atomic_file

__all__ = ["savetxt", "loadtxt", "genfromtxt", "file_size"]

_READ_AHEAD = 1 << 16  # bytes read at a time past the end of a range, looking for its last newline


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _text_rows(X: DistArray) -> DistArray:
    """``X`` laid out in contiguous row blocks (the order the file holds them); 1-d or 2-d as NumPy requires."""
    if X.ndim not in (1, 2):
        raise ValueError(f"Expected 1D or 2D array, got {X.ndim}D array instead")
    return X.to_layout(Distribution.row_blocks(X.comm, X.shape))


def _formatted(local: np.ndarray, first: bool, last: bool, kwargs: dict) -> bytes:
    """NumPy's own text of this rank's rows (the header on the first rank, the footer on the last)."""
    buf = io.BytesIO()
    np.savetxt(buf, local, **{**kwargs, "header": kwargs["header"] if first else "",
                              "footer": kwargs["footer"] if last else ""})
    return buf.getvalue()


@collective(local_args=0)
def savetxt(fname: Any, X: DistArray, fmt: Any = "%.18e", delimiter: str = " ", newline: str = "\n",
            header: str = "", footer: str = "", comments: str = "# ", encoding: str | None = None) -> None:
    """Save a 1-d or 2-d DistArray to a text file, as ``np.savetxt`` does; each rank writes its own rows.

    Parameters
    ----------
    fname : str, path-like or file object
        A name (the same on every rank): each rank formats its rows with
        ``np.savetxt`` and writes them at its offset with one collective MPI-IO
        write; the file appears complete or not at all.  An open file object:
        every rank holds its own, so every rank writes the whole text to it,
        receiving the other ranks' rows one block at a time.
    X : DistArray
        The 1-d or 2-d array to write.
    fmt, delimiter, newline, header, footer, comments, encoding : optional
        As for :func:`numpy.savetxt`.

    Raises
    ------
    ValueError
        If ``X`` is not 1-d or 2-d, or ``fmt`` does not fit its columns.

    Notes
    -----
    Communication: the rows into row blocks (one all-to-all unless they are),
    one exclusive scan of byte counts, one MPI-IO write.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> nd.savetxt(os.path.join(tmp, "a.txt"), nd.arange(4.0), fmt="%g")
    >>> open(os.path.join(tmp, "a.txt")).read().split()
    ['0', '1', '2', '3']
    """
    rows = _text_rows(X)
    comm = rows.comm
    rank, size = comm.Get_rank(), comm.Get_size()
    kwargs = dict(fmt=fmt, delimiter=delimiter, newline=newline, header=header, footer=footer,
                  comments=comments, encoding=encoding)
    if not isinstance(fname, (str, os.PathLike)):
        _write_everywhere(fname, rows, kwargs)
        return
    with _comm.agreed(comm):
        text = _formatted(rows.local, rank == 0, rank == size - 1, kwargs)
    path = os.fspath(fname)
    if path.endswith(".gz"):  # NumPy compresses by name; gzip members written one after another are one stream
        text = gzip.compress(text)
    offset, _ = _comm.exscan_counts(comm, len(text))
    with atomic_file(comm, path) as tmp:
        _mpiio.file_write_view(comm, tmp, b"", offset, None, np.frombuffer(text, np.uint8))


def _write_everywhere(f: Any, rows: DistArray, kwargs: dict) -> None:
    """NumPy's ``savetxt`` into ``f`` on every rank, one rank's rows at a time (memory: one block)."""
    comm = rows.comm
    rank, size = comm.Get_rank(), comm.Get_size()
    shapes = _comm.allgather_object(comm, rows.local.shape)
    for r in range(size):
        piece = _comm.bcast_buffer(comm, rows.local if rank == r else np.empty(shapes[r], rows.dtype), root=r)
        with _comm.agreed(comm):
            np.savetxt(f, piece, **{**kwargs, "header": kwargs["header"] if r == 0 else "",
                                    "footer": kwargs["footer"] if r == size - 1 else ""})


# --------------------------------------------------------------------------
# Reading: each rank its own lines
# --------------------------------------------------------------------------


def file_size(path: str, comm: Any) -> int:
    """The size of ``path`` in bytes, as rank 0 sees it.

    Parameters
    ----------
    path : str
        The file, the same on every rank.
    comm : mpi4py.MPI.Intracomm
        The ranks that need the size (every one of them calls this).

    Returns
    -------
    int
        The size, the same on every rank.

    Raises
    ------
    FileNotFoundError
        If rank 0 finds no such file (on every rank).

    Notes
    -----
    Communication: one error agreement and one broadcast.

    Examples
    --------
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> from numpy_dist.io.text import file_size
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> path = os.path.join(tmp, "five.txt")
    >>> if MPI.COMM_WORLD.rank == 0:
    ...     _ = open(path, "w").write("12345")
    >>> file_size(path, MPI.COMM_WORLD)
    5
    """
    with _comm.agreed(comm):
        size = os.path.getsize(path) if comm.Get_rank() == 0 else None
    return _comm.bcast_object(comm, size)


def _byte_range(path: str, comm: Any) -> tuple[int, int]:
    size = file_size(path, comm)
    P, r = comm.Get_size(), comm.Get_rank()
    return size * r // P, size * (r + 1) // P


def _my_lines(path: str, comm: Any, encoding: str | None) -> list[str]:
    """The lines whose first byte lies in this rank's byte range (decoded, without their line ends)."""
    lo, hi = _byte_range(path, comm)
    with _comm.agreed(comm):
        return _decode(_lines_in(path, lo, hi), encoding)


def _lines_in(path: str, lo: int, hi: int) -> list[bytes]:
    with open(path, "rb") as f:
        start = lo
        if lo > 0:  # a line starts here only if the byte before is a newline
            f.seek(lo - 1)
            start = lo - 1 + _find_newline(f, hi - lo + 1) + 1
            if start > hi:
                return []
        if start >= hi:
            return []
        f.seek(start)
        data = f.read(hi - start)
        if not data.endswith(b"\n"):  # the last line runs past the range: read on to its end
            f.seek(hi)
            rest = _read_to_newline(f)
            data += rest
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]


def _find_newline(f: Any, limit: int) -> int:
    """Offset of the first newline from the current position, or ``limit`` if none within it."""
    seen = 0
    while seen < limit:
        chunk = f.read(min(_READ_AHEAD, limit - seen))
        if not chunk:
            return limit
        k = chunk.find(b"\n")
        if k >= 0:
            return seen + k
        seen += len(chunk)
    return limit


def _read_to_newline(f: Any) -> bytes:
    parts = []
    while True:
        chunk = f.read(_READ_AHEAD)
        if not chunk:
            break
        k = chunk.find(b"\n")
        if k >= 0:
            parts.append(chunk[:k + 1])
            break
        parts.append(chunk)
    return b"".join(parts)


def _decode(lines: list[bytes], encoding: str | None) -> list[str]:
    enc = encoding if encoding not in (None, "bytes") else locale.getpreferredencoding(False)
    return [ln.decode(enc) for ln in lines]


def _lines_after(lines: list[str], comm: Any, skip: int) -> list[str]:
    """Drop the lines whose global line number is below ``skip``."""
    first, _ = _comm.exscan_counts(comm, len(lines))
    return lines[max(0, skip - first):]


_UNKNOWN = 1 << 62  # the row count of a rank whose parse failed (as if it had rows beyond any limit)


def _parse_rows(parse: Any, lines: list[str], comm: Any, max_rows: int | None) -> np.ndarray:
    """``parse(lines, max_rows)`` on this rank's lines, honouring a global ``max_rows`` (errors agreed).

    Each rank parses all its lines; a rank whose first row comes after
    ``max_rows`` rows keeps none (NumPy never reads those lines, so their errors
    do not count), and one that holds the limit parses again up to it.
    """
    result, error = None, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data" is decided globally
            result = parse(lines, None)
    except Exception as exc:  # noqa: BLE001 - agreed below, unless max_rows makes these lines unread
        error = exc
    count = _UNKNOWN if error is not None else len(result)
    first, _ = _comm.exscan_counts(comm, count) if max_rows is not None else (0, 0)
    with _comm.agreed(comm):
        if max_rows is not None and first >= max_rows:
            result, error = None, None
        elif max_rows is not None and first + count > max_rows:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result, error = parse(lines, max_rows - first), None
        if error is not None:
            raise error
    return result


def _global_array(local: np.ndarray | None, template: np.ndarray, comm: Any, ndmin: int, unpack: bool) -> Any:
    """The parsed rows of every rank as one DistArray, shaped as NumPy's loadtxt shapes its result."""
    local = template[:0] if local is None else local
    widths = _comm.allgather_object(comm, (local.shape[1:], local.dtype.str) if len(local) else None)
    seen = {w for w in widths if w is not None}
    if len(seen) > 1:
        raise ValueError(f"the number of columns changed between rows (shapes {sorted(seen)}); use `usecols` "
                         "to select a subset and avoid this error")
    trailing, dtype = seen.pop() if seen else (template.shape[1:], template.dtype.str)
    local = local.reshape((len(local),) + tuple(trailing)).astype(np.dtype(dtype), copy=False)
    counts = _comm.allgather_object(comm, len(local))
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(int)
    shape = (int(bounds[-1]),) + tuple(trailing)
    rows = DistArray._new(local, Distribution.row_blocks(comm, shape, bounds))
    rows = rows.to_layout(resolve_distribution(shape, comm=comm))
    out = rows.reshape(_ndmin_shape(shape, ndmin))
    if unpack:
        return tuple(out[n] for n in out.dtype.names) if out.dtype.names else out.T
    return out


def _ndmin_shape(shape: tuple[int, ...], ndmin: int) -> tuple[int, ...]:
    """NumPy's loadtxt result shape: squeezed beyond ``ndmin`` dimensions, then padded up to it."""
    if len(shape) > ndmin:
        shape = tuple(n for n in shape if n != 1)
    if len(shape) < ndmin:
        shape = (1,) * (ndmin - len(shape)) + shape
        if ndmin == 2 and len(shape) == 2 and shape[0] == 1:  # atleast_2d(a).T: a column
            shape = shape[::-1]
    return shape


def _whole_on_every_rank(func: Any, fname: Any, kwargs: dict, comm: Any, why: str | None) -> DistArray:
    """``func(fname)`` parsed whole on every rank (announced for a named file), each rank keeping its part."""
    if why is not None:
        fallback_policy(f"numpy_dist.{func.__name__} ({why})")
    with _comm.agreed(comm):
        result = func(fname, **kwargs)
    if isinstance(result, tuple):
        return tuple(asarray(r, comm=comm) for r in result)
    return asarray(result, comm=comm)


@collective()
@shared_parameters
def loadtxt(fname: Any, dtype: Any = float, comments: Any = "#", delimiter: Any = None, converters: Any = None,
            skiprows: int = 0, usecols: Any = None, unpack: bool = False, ndmin: int = 0,
            encoding: str | None = None, max_rows: int | None = None, *, quotechar: str | None = None,
            comm: Any = None) -> Any:
    """Load a text file into a DistArray, as ``np.loadtxt`` does, each rank parsing its own byte range.

    Parameters
    ----------
    fname : str, path-like, or anything ``np.loadtxt`` reads
        A file name, the same on every rank (parsed in parallel).  Other inputs
        (open files, lists of lines) every rank holds already: each parses all
        and keeps its part.
    dtype, comments, delimiter, converters, skiprows, usecols, unpack, ndmin, encoding, max_rows : optional
        As for :func:`numpy.loadtxt`.
    quotechar : str, optional
        As for :func:`numpy.loadtxt`.  A quoted field may span lines, which a
        byte range cannot see: that case reads the whole file on every rank
        through the announced fallback.
    {comm}

    Returns
    -------
    DistArray or tuple of DistArray
        In the default layout (block rows); a tuple with ``unpack``.

    Raises
    ------
    ValueError
        If the text does not parse as NumPy would parse it (raised on every
        rank), or ``ndmin``/``max_rows`` are invalid.

    Notes
    -----
    Communication: small agreements on the byte ranges and the row counts,
    then one redistribution of the parsed rows.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> path = os.path.join(tmp, "b.txt")
    >>> nd.savetxt(path, nd.arange(6.0).reshape(3, 2), fmt="%g")
    >>> nd.asnumpy(nd.loadtxt(path)).tolist()
    [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    """
    comm = _comm.get_comm(comm)
    kwargs = dict(dtype=dtype, comments=comments, delimiter=delimiter, converters=converters, usecols=usecols,
                  unpack=unpack, ndmin=ndmin, encoding=encoding, quotechar=quotechar)
    if ndmin not in (0, 1, 2):
        raise ValueError(f"Illegal value of ndmin keyword: {ndmin}")
    if not isinstance(fname, (str, os.PathLike)) or os.fspath(fname).endswith((".gz", ".bz2", ".xz")):
        return _whole_on_every_rank(np.loadtxt, fname, {**kwargs, "skiprows": skiprows, "max_rows": max_rows},
                                    comm, None)
    if quotechar is not None:
        return _whole_on_every_rank(np.loadtxt, fname, {**kwargs, "skiprows": skiprows, "max_rows": max_rows},
                                    comm, "quoted fields may span lines")
    local_kw = {**kwargs, "unpack": False, "ndmin": 2 if np.dtype(dtype).names is None else 1}
    # NumPy's own validation of the arguments and its empty result, on every rank alike
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        template = np.loadtxt([], **local_kw)
    lines = _my_lines(os.fspath(fname), comm, encoding)
    lines = _lines_after(lines, comm, int(skiprows))

    def parse(my_lines: list[str], limit: int | None) -> np.ndarray:
        return np.loadtxt(my_lines, **local_kw, max_rows=limit)

    local = _parse_rows(parse, lines, comm, max_rows)
    result = _global_array(local, template, comm, ndmin, unpack)
    if (result[0] if isinstance(result, tuple) else result).size == 0:
        warnings.warn(f'loadtxt: input contained no data: "{os.fspath(fname)}"', UserWarning, stacklevel=3)
    return result


@collective()
@shared_parameters
def genfromtxt(fname: Any, dtype: Any = float, comments: Any = "#", delimiter: Any = None, skip_header: int = 0,
               skip_footer: int = 0, converters: Any = None, missing_values: Any = None,
               filling_values: Any = None, usecols: Any = None, names: Any = None, excludelist: Any = None,
               deletechars: Any = " !#$%&'()*+,-./:;<=>?@[\\]^{|}~", replace_space: str = "_",
               autostrip: bool = False, case_sensitive: Any = True, defaultfmt: str = "f%i", unpack: Any = None,
               usemask: bool = False, loose: bool = True, invalid_raise: bool = True, max_rows: int | None = None,
               encoding: str | None = None, *, ndmin: int = 0, comm: Any = None) -> Any:
    """Load a text file with missing values, as ``np.genfromtxt`` does, each rank parsing its own byte range.

    ``dtype=None`` infers each rank's column types and promotes them across
    ranks (NumPy's promotion of what every rank found); when that yields
    records or strings, and with ``names``, ``skip_footer`` or ``usemask``,
    the whole file is parsed on every rank through the announced fallback.

    Parameters
    ----------
    fname : str, path-like, or anything ``np.genfromtxt`` reads
        A file name, the same on every rank (parsed in parallel); other inputs
        are parsed whole on every rank.
    dtype, comments, delimiter, skip_header, skip_footer, converters : optional
        As for :func:`numpy.genfromtxt`.
    missing_values, filling_values, usecols, names, excludelist : optional
        As for :func:`numpy.genfromtxt`.
    deletechars, replace_space, autostrip, case_sensitive, defaultfmt : optional
        As for :func:`numpy.genfromtxt`.
    unpack, usemask, loose, invalid_raise, max_rows, encoding, ndmin : optional
        As for :func:`numpy.genfromtxt`.
    {comm}

    Returns
    -------
    DistArray or tuple of DistArray
        In the default layout (block rows); a tuple with ``unpack``.

    Raises
    ------
    ValueError
        If the text does not parse as NumPy would parse it (raised on every
        rank).

    Notes
    -----
    Communication: small agreements on the byte ranges, the inferred dtypes
    and the row counts, then one redistribution of the parsed rows.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> import os, tempfile
    >>> from mpi4py import MPI
    >>> tmp = MPI.COMM_WORLD.bcast(tempfile.mkdtemp() if MPI.COMM_WORLD.rank == 0 else None)
    >>> path = os.path.join(tmp, "c.txt")
    >>> if MPI.COMM_WORLD.rank == 0:
    ...     _ = open(path, "w").write("1,2\\n3,\\n")
    >>> MPI.COMM_WORLD.Barrier()
    >>> nd.asnumpy(nd.genfromtxt(path, delimiter=",", filling_values=0)).tolist()
    [[1.0, 2.0], [3.0, 0.0]]
    """
    comm = _comm.get_comm(comm)
    kwargs = dict(dtype=dtype, comments=comments, delimiter=delimiter, converters=converters,
                  missing_values=missing_values, filling_values=filling_values, usecols=usecols, names=names,
                  excludelist=excludelist, deletechars=deletechars, replace_space=replace_space,
                  autostrip=autostrip, case_sensitive=case_sensitive, defaultfmt=defaultfmt, usemask=usemask,
                  loose=loose, invalid_raise=invalid_raise, encoding=encoding)
    whole = {**kwargs, "skip_header": skip_header, "skip_footer": skip_footer, "unpack": unpack,
             "max_rows": max_rows, "ndmin": ndmin}
    if not isinstance(fname, (str, os.PathLike)) or os.fspath(fname).endswith((".gz", ".bz2", ".xz")):
        return _whole_on_every_rank(np.genfromtxt, fname, whole, comm, None)
    why = ("names" if names not in (None, False) else "skip_footer" if skip_footer else
           "usemask" if usemask else "a structured dtype" if dtype is not None and np.dtype(dtype).names else None)
    if why is not None:
        return _whole_on_every_rank(np.genfromtxt, fname, whole, comm, why)
    if max_rows is not None and max_rows < 1:  # NumPy's checks of arguments the local parse does not see
        raise ValueError("'max_rows' must be at least 1.")
    lines = _my_lines(os.fspath(fname), comm, encoding)
    lines = _lines_after(lines, comm, int(skip_header))

    def parse(my_lines: list[str], limit: int | None) -> np.ndarray:
        if not my_lines:
            return np.empty((0, 0), np.float64 if dtype is None else dtype)
        return np.atleast_1d(np.genfromtxt(my_lines, **kwargs, max_rows=limit, ndmin=2))

    local = _parse_rows(parse, lines, comm, max_rows)
    if local is not None and (local.ndim < 2 or not len(local)):  # only comments or blank lines here
        local = None
    kinds = _comm.allgather_object(comm, None if local is None or not len(local) else local.dtype.str)
    found = [np.dtype(k) for k in kinds if k is not None]
    if any(k.names or k.kind in "SUOVM" for k in found) and dtype is None:
        return _whole_on_every_rank(np.genfromtxt, fname, whole, comm, "column types inferred as records")
    common = np.result_type(*found) if found else np.dtype(np.float64 if dtype is None else dtype)
    template = np.empty((0, local.shape[1] if local is not None and local.ndim == 2 else 0), common)
    if local is not None:
        local = local.astype(common, copy=False)
    return _global_array(local, template, comm, ndmin, bool(unpack))
