"""MPI-IO for numpy_dist.io: collective file access through file views, and the datatypes they need.

Layer 2 (transport), next to ``comm``: with ``comm`` the only module that calls
mpi4py.  Every call is collective; a failure on one rank (a missing file, a
short read) is agreed on and raised on every rank, and the file is closed on
every rank first, so nobody is left waiting.

Communication: the file system, through MPI-IO's collective reads and writes;
control traffic only for agreeing on failures.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from .comm import agree, count_traffic
from .watchdog import watch

__all__ = ["byte_selection_type", "free_datatype", "file_write_view", "file_read_view", "Datatype"]

Datatype = MPI.Datatype


def byte_selection_type(lengths: np.ndarray, starts: np.ndarray, outer: list[np.ndarray]) -> MPI.Datatype:
    """A committed datatype of bytes for a file view: runs, repeated at outer displacements.

    The innermost level selects ``lengths[i]`` bytes at byte offset
    ``starts[i]``; each array of ``outer`` (innermost first) then places one
    copy of the level below at each of its byte displacements.  Local (no
    communication); release it with :func:`free_datatype`.
    """
    ftype = MPI.BYTE.Create_hindexed(lengths, starts)
    for displacements in outer:
        wider = ftype.Create_hindexed_block(1, displacements)
        ftype.Free()
        ftype = wider
    return ftype.Commit()


def free_datatype(ftype: MPI.Datatype | None) -> None:
    """Free a datatype built by :func:`byte_selection_type` (None: nothing to free)."""
    if ftype is not None:
        ftype.Free()


def _file_error(exc: MPI.Exception, path: str) -> OSError:
    """The Python OSError subclass matching an MPI-IO error class."""
    import errno

    cls = exc.Get_error_class()
    text = exc.Get_error_string().splitlines()[0] if exc.Get_error_string() else str(exc)
    if cls == MPI.ERR_NO_SUCH_FILE:
        return FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    if cls == MPI.ERR_FILE_EXISTS:
        return FileExistsError(errno.EEXIST, "File exists", path)
    if cls in (MPI.ERR_ACCESS, MPI.ERR_READ_ONLY):
        return PermissionError(errno.EACCES, "Permission denied", path)
    return OSError(f"MPI-IO error on {path!r}: {text}")


def _file_open(comm: MPI.Intracomm, path: str, amode: int) -> MPI.File:
    # Every rank learns whether any rank failed, so nobody enters a later
    # collective on a handle the others do not have.
    try:
        with watch("File_open"):
            fh, err = MPI.File.Open(comm, path, amode), None
    except MPI.Exception as exc:
        fh, err = None, _file_error(exc, path)
    count_traffic(0, control=True)
    agree(comm, err)
    return fh


def _file_steps(comm: MPI.Intracomm, fh: MPI.File, path: str, steps: list) -> None:
    # Run every (collective) step on every rank even after a local failure,
    # then close and agree, so a failure on one rank cannot leave others waiting.
    err = None
    for step in steps:
        try:
            with watch("File_io"):
                step()
        except MPI.Exception as exc:
            err = err or _file_error(exc, path)
        count_traffic(0, control=True)
    try:
        with watch("File_close"):
            fh.Close()
    except MPI.Exception as exc:
        err = err or _file_error(exc, path)
    agree(comm, err)


def file_write_view(comm: MPI.Intracomm, path: str, header: bytes, disp: int,
                    filetype: MPI.Datatype | None, buf: np.ndarray) -> None:
    """Collectively create ``path`` (it must not exist) and write it through a file view.

    Rank 0 writes ``header`` at offset 0 (other ranks pass ``b""``); every rank
    writes the bytes ``buf`` into the positions ``filetype`` (a byte datatype,
    None: contiguous) selects, counted from byte ``disp``, with one
    ``Write_all``.  MPI-IO errors become the matching OSError on every rank.
    File traffic is counted as control collectives (no bytes between ranks).
    """
    fh = _file_open(comm, path, MPI.MODE_CREATE | MPI.MODE_EXCL | MPI.MODE_WRONLY)
    data = np.ascontiguousarray(buf).reshape(-1).view(np.uint8)
    steps = []
    if header:
        steps.append(lambda: fh.Write_at(0, [np.frombuffer(header, np.uint8), MPI.BYTE]))
    steps.append(lambda: fh.Set_view(disp, MPI.BYTE, filetype if filetype is not None else MPI.BYTE))
    steps.append(lambda: fh.Write_all([data, MPI.BYTE]))
    steps.append(fh.Sync)
    _file_steps(comm, fh, path, steps)


def file_read_view(comm: MPI.Intracomm, path: str, disp: int, filetype: MPI.Datatype | None,
                   nbytes: int) -> np.ndarray:
    """Collectively read ``nbytes`` bytes per rank from ``path`` through a file view.

    The counterpart of :func:`file_write_view` (one ``Read_all``); returns a
    uint8 array.  A short read (truncated file) raises ValueError on every rank.
    """
    fh = _file_open(comm, path, MPI.MODE_RDONLY)
    out = np.empty(int(nbytes), dtype=np.uint8)
    status = MPI.Status()
    steps = [lambda: fh.Set_view(disp, MPI.BYTE, filetype if filetype is not None else MPI.BYTE),
             lambda: fh.Read_all([out, MPI.BYTE], status)]
    _file_steps(comm, fh, path, steps)
    got = status.Get_count(MPI.BYTE)
    agree(comm, None if got == out.size else
          ValueError(f"{path!r} is truncated: read {got} of {out.size} bytes"))
    return out
