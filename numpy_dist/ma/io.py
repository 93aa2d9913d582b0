"""Saving and loading masked DistArrays: the data and the mask as two ``.npy`` files, in parallel.

``nd.save("t.npy", m)`` (or ``nd.ma.save``) writes ``t.npy`` (the data,
NumPy-readable) and ``t.mask.npy`` (the boolean mask); ``nd.load("t.npy")``
sees the mask file and reads both into one layout.  The fill value is not
stored (NumPy's ``np.save`` refuses masked arrays altogether).  This module
installs itself into :mod:`numpy_dist.io.npy`, which never imports ``ma``.
"""

from __future__ import annotations

import os
from typing import Any

from ..io import npy
from ._base import MaskedDistArray
from ._docs import ma_doc

__all__ = ["save", "load"]


def _npy_name(path: str | os.PathLike) -> str:
    path = os.fspath(path)
    return path if path.endswith(".npy") else path + ".npy"


def save(path: str | os.PathLike, m: MaskedDistArray) -> None:
    """Write ``m``'s data to ``path`` and its mask beside it, in parallel (collective).

    ``path`` (``.npy`` added if missing) gets the data, NumPy-readable;
    ``<name>.mask.npy`` the boolean mask.  The fill value is not stored.

    Parameters
    ----------
    path : str or os.PathLike
        The data file's name.
    m : MaskedDistArray
        The array to write.

    Raises
    ------
    TypeError
        If ``m`` is not a MaskedDistArray.
    OSError
        If a file cannot be written (raised on every rank).

    See Also
    --------
    load, numpy_dist.save

    Notes
    -----
    Communication: every rank writes its own blocks of both files (MPI-IO);
    nothing is gathered.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> d = nd.get_comm().bcast(tempfile.mkdtemp() if nd.get_comm().Get_rank() == 0 else None)
    >>> nd.ma.save(os.path.join(d, "t.npy"), m)
    >>> int(nd.ma.load(os.path.join(d, "t.npy")).count())
    3
    """
    if not isinstance(m, MaskedDistArray):
        raise TypeError(f"nd.ma.save expects a MaskedDistArray, got {type(m).__name__}")
    path = _npy_name(path)
    npy.save(path, m.data)
    npy.save(npy.mask_path(path), m.mask)


@ma_doc
def load(path: str | os.PathLike, dist: Any = None, comm: Any = None, *, grid_shape: Any = None,
         mmap_mode: str | None = None) -> MaskedDistArray:
    """Read data and mask written by :func:`save` into one layout (collective).

    Parameters
    ----------
    path : str or os.PathLike
        The data file's name (``.npy`` added if missing); its mask is read
        from ``<name>.mask.npy`` beside it.
    {dist}
    comm : mpi4py.MPI.Intracomm, optional
        The ranks that read (default: ``dist``'s communicator when it is a
        Distribution, else ``COMM_WORLD``); every rank of it must call.
    {grid_shape}
    mmap_mode : str, optional
        Map the files instead of reading them (as :func:`numpy_dist.load_npy`).

    Returns
    -------
    MaskedDistArray
        Data and mask in the layout ``dist`` asks for.

    Raises
    ------
    OSError
        If a file cannot be read (raised on every rank).
    TypeError
        If ``comm`` is not an mpi4py intracommunicator.
    ValueError
        If ``comm`` differs from the communicator of a Distribution ``dist``.

    See Also
    --------
    save, numpy_dist.load

    Notes
    -----
    Communication: every rank reads its own blocks of both files; nothing
    is gathered.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, numpy_dist as nd
    >>> m = nd.ma.masked_equal(nd.asarray(np.array([1, 2, 3, 4])), 2)
    >>> d = nd.get_comm().bcast(tempfile.mkdtemp() if nd.get_comm().Get_rank() == 0 else None)
    >>> nd.ma.save(os.path.join(d, "t"), m)
    >>> nd.asnumpy(nd.ma.load(os.path.join(d, "t"), dist="c").filled(0))
    array([1, 0, 3, 4])
    """
    return _load_masked(_npy_name(path), dist, comm, grid_shape=grid_shape, mmap_mode=mmap_mode)


def _load_masked(path: str, dist: Any, comm: Any, *, grid_shape: Any = None, mmap_mode: str | None = None) -> Any:
    """The loader npy.load calls for a file with a mask beside it (reads the data as a plain array)."""
    data = npy.load(path, dist, comm, grid_shape=grid_shape, mmap_mode=mmap_mode, masked=False)
    mask = npy.load(npy.mask_path(path), data.distribution, mmap_mode=mmap_mode, masked=False)
    return MaskedDistArray(data, mask)


npy.install_masked_io(MaskedDistArray, save, _load_masked)
