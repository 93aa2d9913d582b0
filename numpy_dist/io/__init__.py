"""Parallel I/O: each rank reads and writes only its own part of a DistArray.

* ``.npy`` (:func:`save`, :func:`load`): NumPy's own format, through MPI-IO;
  ``load(path, mmap_mode=...)`` and :func:`open_memmap` map it instead (:mod:`.memmap`);
* ``.dnpy`` (:func:`save_dnpy`, :func:`load_dnpy`): DistArray 0.4's per-rank
  files, loadable on another number of ranks;
* HDF5 (:func:`save_hdf5`, :func:`load_hdf5`): through h5py (parallel HDF5
  when h5py was built with MPI, rank-ordered serial access otherwise);
* text (:func:`savetxt`, :func:`loadtxt`, :func:`genfromtxt`): each rank
  writes its rows at computed offsets, or parses its own byte range.

NumPy's own ``np.save``, ``np.savez``, ``np.savetxt`` and ``np.loadtxt(like=)``
on DistArrays come here too (:mod:`.numpy_io`).

Every function is collective over the array's (or the given) communicator
and raises the same exception on every rank.
"""

from __future__ import annotations

from .dnpy import load_dnpy, save_dnpy
from .hdf5 import load_hdf5, save_hdf5
from .npy import load, load_npy, save, save_npy
from . import memmap
from .memmap import open_memmap
from .text import genfromtxt, loadtxt, savetxt
from . import numpy_io  # noqa: F401  (registers np.save, np.savez, np.savetxt, np.loadtxt(like=) ...)

__all__ = ["save", "load", "save_npy", "load_npy", "save_dnpy", "load_dnpy", "save_hdf5", "load_hdf5",
           "savetxt", "loadtxt", "genfromtxt", "open_memmap", "memmap"]
