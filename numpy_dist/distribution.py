"""``Distribution``: per-axis maps over a Cartesian process grid on a communicator.

A distribution is global metadata: every rank holds an identical copy and can
answer, without communicating, which rank holds which global indices.

Layer 1 (pure index arithmetic): this module never imports MPI or the
transport.  A communicator is held as an opaque object (only ``Get_rank``
and ``Get_size`` are called); turning ``None`` or a ``Context`` into a
communicator is installed by ``numpy_dist.comm`` (:func:`install_comm_resolver`),
and assembling a layout from every rank's ``dim_data`` (which needs an
allgather) lives in ``numpy_dist.redistribute``.

The process grid ``proc_grid`` is Cartesian over the communicator in C order
(rank ``r`` has coordinates ``np.unravel_index(r, proc_grid)``).  Each
distributed axis is laid along its own grid dimension (``axis_grid[i]``); a
grid dimension that no axis uses is *replicated*: the ranks that differ only
along it hold identical blocks (the result of a reduction over a distributed
axis, or an array with no distributed axis at all).
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from .maps import DIST_TYPES, BlockMap, CyclicMap, Map, NoDistMap, map_from_global_dim_dict

__all__ = ["Distribution", "make_grid_shape", "normalize_shape", "shape_standin", "DAP_VERSION",
           "install_comm_resolver"]

DAP_VERSION = "0.10.0"

DistLike = Any  # a Distribution, a code 'b'/'c'/'u'/'n', a sequence of codes, or {axis: code}


def normalize_shape(shape: Any, name: str = "shape") -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints.

    Parameters
    ----------
    shape : int or sequence of int
        The shape to check.
    name : str, optional
        The argument's name in error messages.

    Returns
    -------
    tuple of int
        The shape.

    Raises
    ------
    TypeError
        If ``shape`` is not an integer or a sequence of integers (bools are
        refused).
    ValueError
        If a size is negative.

    Examples
    --------
    >>> from numpy_dist.distribution import normalize_shape
    >>> normalize_shape(3), normalize_shape([2, 4])
    ((3,), (2, 4))
    """
    if isinstance(shape, (numbers.Integral,)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    try:
        items = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be an integer or a tuple of integers, got {shape!r}") from None
    out = []
    for n in items:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{name} must contain only integers, got {shape!r}")
        if n < 0:
            raise ValueError(f"{name} must not contain negative sizes, got {shape!r}")
        out.append(int(n))
    return tuple(out)


_NO_BYTES = np.dtype([])


def shape_standin(shape: tuple[int, ...]) -> np.ndarray:
    """An ndarray of ``shape`` holding zero bytes: NumPy's own argument checks and result shapes, free.

    Running a NumPy function on it raises exactly what NumPy raises for an
    array of that shape (the checks depend only on metadata, which every rank
    holds), so every rank raises alike before any communication.

    Parameters
    ----------
    shape : tuple of int
        The shape.

    Returns
    -------
    numpy.ndarray
        An array of the empty structured dtype (itemsize 0).

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.distribution import shape_standin
    >>> np.transpose(shape_standin((2, 3))).shape, shape_standin((2, 3)).nbytes
    ((3, 2), 0)
    """
    return np.empty(shape, _NO_BYTES)


def _split_dist_string(dist: str, ndim: int) -> tuple[str, ...]:
    """``'b'`` -> that code on every axis; ``'bc'`` -> one code per axis (as a repr prints it).

    ``'()'`` is how a 0-d array's repr prints its (empty) codes.
    """
    if dist in DIST_TYPES:
        return (dist,) * ndim
    if dist == "()":
        return ()
    return tuple(dist) if dist else (dist,)


def normalize_dist(dist: Any, ndim: int) -> tuple[str, ...]:
    if dist is None:
        return ("b",) + ("n",) * (ndim - 1) if ndim else ()
    if isinstance(dist, str):
        dist = _split_dist_string(dist, ndim)
    if isinstance(dist, dict):
        codes = ["n"] * ndim
        for axis, code in dist.items():
            if not isinstance(axis, numbers.Integral) or not -ndim <= axis < ndim:
                raise ValueError(f"dist has an axis {axis!r} out of range for {ndim} dimensions")
            codes[axis] = code
        dist = codes
    try:
        codes = tuple(dist)
    except TypeError:
        raise TypeError(f"dist must be a code, a sequence of codes or a Distribution, got {dist!r}") from None
    if len(codes) != ndim:
        raise ValueError(f"dist has {len(codes)} codes but the shape has {ndim} dimensions")
    for c in codes:
        if c not in DIST_TYPES:
            raise ValueError(f"dist codes must be one of {DIST_TYPES}, got {c!r}")
    if "u" in codes:
        raise ValueError("dist code 'u' needs explicit indices: use Distribution.from_global_dim_data")
    return codes


def _factorizations(n: int, k: int) -> list[tuple[int, ...]]:
    if k == 1:
        return [(n,)]
    out = []
    for d in range(1, n + 1):
        if n % d == 0:
            out.extend((d,) + rest for rest in _factorizations(n // d, k - 1))
    return out


def make_grid_shape(shape: Sequence[int], dist: Sequence[str], comm_size: int) -> tuple[int, ...]:
    """Grid shape balancing processes over the distributed axes.

    Chooses, among the factorisations of ``comm_size`` over the distributed
    axes, the one with the smallest local-block half-perimeter (a proxy for
    halo traffic), preferring more processes on earlier axes on ties.

    Parameters
    ----------
    shape : sequence of int
        Global shape of the array.
    dist : sequence of str
        Distribution code per axis (``'n'`` axes get 1 process).
    comm_size : int
        Number of processes to spread.

    Returns
    -------
    tuple of int
        Processes per axis (1 for ``'n'`` axes); the product is ``comm_size``
        when an axis is distributed.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.make_grid_shape((4, 6), ("b", "b"), 4)
    (2, 2)
    >>> nd.make_grid_shape((10, 3), ("b", "n"), 4)
    (4, 1)
    """
    distributed = [i for i, c in enumerate(dist) if c != "n"]
    grid = [1] * len(shape)
    if not distributed:
        return tuple(grid)
    best = None
    for fac in _factorizations(comm_size, len(distributed)):
        cost = sum(max(shape[i], 1) / f for i, f in zip(distributed, fac))
        key = (cost, tuple(-f for f in fac))
        if best is None or key < best[0]:
            best = (key, fac)
    for i, f in zip(distributed, best[1]):
        grid[i] = f
    return tuple(grid)


def _no_transport(comm_or_context: Any) -> Any:
    raise RuntimeError("numpy_dist.comm is not imported: no communicator resolver is installed")


_resolve_comm: Callable[[Any], Any] = _no_transport


def install_comm_resolver(resolve: Callable[[Any], Any]) -> None:
    """Install how a ``comm_or_context`` argument becomes a communicator.

    The transport layer (``numpy_dist.comm``) calls this once when it is
    imported; the layout layer itself never imports MPI.

    Parameters
    ----------
    resolve : callable
        Takes None, a communicator or a Context; returns the communicator.

    Examples
    --------
    >>> import numpy_dist
    >>> from numpy_dist.comm import resolve_comm
    >>> from numpy_dist.distribution import install_comm_resolver
    >>> install_comm_resolver(resolve_comm)   # what numpy_dist.comm does
    """
    global _resolve_comm
    _resolve_comm = resolve


def _comm_of(comm_or_context: Any) -> Any:
    return _resolve_comm(comm_or_context)


class Distribution:
    """How a global array is laid out over the ranks of a communicator.

    Parameters
    ----------
    comm_or_context : mpi4py.MPI.Intracomm, Context or None
        The communicator (``None``: ``COMM_WORLD``).
    shape : int or tuple of int
        Global shape.
    dist : str, sequence of str, dict or None
        Distribution code per axis: ``'b'`` block, ``'c'`` cyclic, ``'n'`` not
        distributed; one code for every axis; or the seed's ``{axis: code}``.
        Default: block along axis 0.  Unstructured ``'u'`` axes, explicit
        bounds and block sizes go through :meth:`from_global_dim_data`.
    grid_shape : tuple of int, optional
        Processes per axis (1 for ``'n'`` axes), or per distributed axis.  The
        product must equal the communicator size.  Default:
        :func:`make_grid_shape`.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> d = nd.Distribution(None, (4, 6), dist=("b", "n"))
    >>> d.shape, d.dist
    ((4, 6), ('b', 'n'))
    """

    def __init__(self, comm_or_context: Any = None, shape: Any = None, dist: DistLike = None,
                 grid_shape: Sequence[int] | None = None):
        comm = _comm_of(comm_or_context)
        if shape is None:
            raise TypeError("Distribution() needs a shape")
        shape = normalize_shape(shape)
        codes = normalize_dist(dist, len(shape))
        size = comm.Get_size()
        grid = normalize_grid_shape(grid_shape, shape, codes, size)
        maps: list[Map] = []
        for n, c, g in zip(shape, codes, grid):
            maps.append(BlockMap(n, g) if c == "b" else CyclicMap(n, g) if c == "c" else NoDistMap(n))
        self._setup(comm, maps, _default_axis_grid(maps, size))

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_shape(cls, comm_or_context: Any, shape: Any, dist: DistLike = None,
                   grid_shape: Sequence[int] | None = None) -> Distribution:
        """Same as the constructor (the DistArray seed's spelling).

        Parameters
        ----------
        comm_or_context : mpi4py.MPI.Intracomm, Context or None
            The communicator (``None``: ``COMM_WORLD``).
        shape : int or tuple of int
            Global shape.
        dist : str, sequence of str, dict or None, optional
            Distribution code per axis, as for :class:`Distribution`.
        grid_shape : tuple of int, optional
            Processes per axis, as for :class:`Distribution`.

        Returns
        -------
        Distribution
            ``Distribution(comm_or_context, shape, dist, grid_shape)``.

        Raises
        ------
        TypeError
            If ``shape`` or ``dist`` is not of an accepted type.
        ValueError
            If ``dist`` or ``grid_shape`` do not fit the shape or the communicator.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.Distribution.from_shape(None, (4, 6), "bn") == nd.Distribution(None, (4, 6), "bn")
        True
        """
        return cls(comm_or_context, shape, dist, grid_shape)

    @classmethod
    def from_global_dim_data(cls, comm_or_context: Any, global_dim_data: Sequence[dict]) -> Distribution:
        """Full control: one of the seed's ``global_dim_data`` dicts per axis.

        Parameters
        ----------
        comm_or_context : mpi4py.MPI.Intracomm, Context or None
            The communicator (``None``: ``COMM_WORLD``).
        global_dim_data : sequence of dict
            One dict per axis:
            ``{'dist_type': 'b', 'bounds': [0, ..., size]}``,
            ``{'dist_type': 'c', 'size': n, 'proc_grid_size': p, 'block_size': k}``,
            ``{'dist_type': 'u', 'indices': [array_rank0, array_rank1, ...]}`` or
            ``{'dist_type': 'n', 'size': n}``.  The product of the distributed
            axes' grid sizes must equal the communicator size.

        Returns
        -------
        Distribution
            The described layout (each distributed axis on its own grid dimension).

        Raises
        ------
        TypeError
            If ``global_dim_data`` is not a sequence of dicts.
        ValueError
            If a dict is malformed, or the grid sizes do not multiply to the
            communicator size.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution.from_global_dim_data(None, [{"dist_type": "c", "size": 10, "proc_grid_size": P, "block_size": 2}])
        >>> d.dist, d.shape
        (('c',), (10,))
        """
        comm = _comm_of(comm_or_context)
        if isinstance(global_dim_data, dict) or not isinstance(global_dim_data, Sequence):
            raise TypeError("global_dim_data must be a sequence of dicts, one per axis")
        maps = [map_from_global_dim_dict(g) for g in global_dim_data]
        product = int(np.prod([m.grid_size for m in maps if m.dist_type != "n"], dtype=np.int64))
        if product != comm.Get_size() and any(m.dist_type != "n" for m in maps):
            raise ValueError(
                f"global_dim_data describes a process grid of {product} processes "
                f"but the communicator has {comm.Get_size()}")
        return cls.from_maps(comm, maps)

    @classmethod
    def from_dim_data_per_rank(cls, comm_or_context: Any, dim_data_per_rank: Sequence[Sequence[dict]]) -> Distribution:
        """Build a distribution from every rank's Distributed Array Protocol ``dim_data``.

        ``dim_data_per_rank[r]`` is rank ``r``'s tuple of per-axis dicts, as
        :meth:`get_dim_data_per_rank` returns them.  The collective variant,
        where each rank passes only its own, is
        :func:`numpy_dist.redistribute.distribution_from_dim_data`.

        Parameters
        ----------
        comm_or_context : mpi4py.MPI.Intracomm, Context or None
            The communicator (``None``: ``COMM_WORLD``).
        dim_data_per_rank : sequence of sequence of dict
            One ``dim_data`` tuple per rank of the communicator, in rank order.

        Returns
        -------
        Distribution
            The layout the ``dim_data`` describe.

        Raises
        ------
        ValueError
            If there is not one entry per rank, a ``dist_type`` is unknown, or the
            ranks' ``proc_grid_rank`` values do not match the C-order grid.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> d = nd.Distribution(None, (5, 3))
        >>> nd.Distribution.from_dim_data_per_rank(None, d.get_dim_data_per_rank()) == d
        True
        """
        comm = _comm_of(comm_or_context)
        everyone = [[dict(d) for d in dd] for dd in dim_data_per_rank]
        if len(everyone) != comm.Get_size():
            raise ValueError(f"dim_data_per_rank has {len(everyone)} entries but the communicator has "
                             f"{comm.Get_size()} ranks")
        local = everyone[comm.Get_rank()]
        gdd = []
        for axis, dd in enumerate(local):
            kind = dd.get("dist_type")
            if kind == "n":
                gdd.append({"dist_type": "n", "size": dd["size"]})
            elif kind == "c":
                gdd.append({"dist_type": "c", "size": dd["size"], "proc_grid_size": dd["proc_grid_size"],
                            "block_size": dd.get("block_size", 1)})
            elif kind in ("b", "u"):
                per_p: dict[int, dict] = {}
                for r in everyone:
                    per_p.setdefault(r[axis]["proc_grid_rank"], r[axis])
                ps = range(dd["proc_grid_size"])
                if kind == "b":
                    bounds = [per_p[p]["start"] for p in ps] + [dd["size"]]
                    pad = dd.get("padding", (0, 0))
                    gdd.append({"dist_type": "b", "bounds": bounds, "comm_padding": max(pad) if pad else 0})
                else:
                    gdd.append({"dist_type": "u", "indices": [per_p[p]["indices"] for p in ps]})
            else:
                raise ValueError(f"dim_data[{axis}] has an unknown dist_type {kind!r}")
        out = cls.from_global_dim_data(comm, gdd)
        # The grid order must match the ranks' claimed coordinates.
        mine = tuple(d.get("proc_grid_rank", 0) for d in local)
        if any(out.axis_coord(i) != mine[i] for i in range(out.ndim) if out.axis_grid[i] is not None):
            raise ValueError("dim_data proc_grid_rank values do not match the C-order process grid")
        return out

    @classmethod
    def from_maps(cls, comm: Any, maps: Sequence[Map], proc_grid: Sequence[int] | None = None,
                  axis_grid: Sequence[int | None] | None = None) -> Distribution:
        """The general constructor: one map per axis, laid on a process grid.

        Without ``proc_grid`` and ``axis_grid``, every distributed axis gets its
        own grid dimension in axis order (or, with no distributed axis, one
        replicated dimension of all ranks).  The maps are trusted: the named
        constructors cover the common layouts.

        Parameters
        ----------
        comm : mpi4py.MPI.Intracomm
            The communicator the layout spreads over.
        maps : sequence of Map
            One map per axis (:mod:`numpy_dist.maps`: ``BlockMap``, ``CyclicMap``,
            ``UnstructuredMap``, ``NoDistMap``).
        proc_grid : sequence of int, optional
            The Cartesian grid over the communicator (its product is the
            communicator size).
        axis_grid : sequence of int or None, optional
            For each axis, the grid dimension it is laid along (None: not
            distributed).  Given together with ``proc_grid``.

        Returns
        -------
        Distribution
            The layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from numpy_dist.maps import BlockMap, NoDistMap
        >>> comm = nd.get_comm()
        >>> d = nd.Distribution.from_maps(comm, [BlockMap(6, comm.size), NoDistMap(2)])
        >>> d.dist
        ('b', 'n')
        """
        self = cls.__new__(cls)
        if proc_grid is None:
            self._setup(comm, list(maps), _default_axis_grid(list(maps), comm.Get_size()))
        else:
            self._setup(comm, list(maps), (tuple(proc_grid), tuple(axis_grid)))
        return self

    @classmethod
    def row_blocks(cls, comm: Any, shape: Sequence[int], bounds: Sequence[int] | None = None) -> Distribution:
        """Axis 0 in contiguous blocks over all ranks (even, or at ``bounds``); other axes whole.

        Parameters
        ----------
        comm : mpi4py.MPI.Intracomm
            The communicator the layout spreads over.
        shape : sequence of int
            Global shape; a 0-d shape is replicated.
        bounds : sequence of int, optional
            Block boundaries along axis 0, one per rank plus one
            (``[0, ..., shape[0]]``); default as even as possible.

        Returns
        -------
        Distribution
            The row-block layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.Distribution.row_blocks(nd.get_comm(), (5, 3)).dist
        ('b', 'n')
        """
        shape = tuple(int(n) for n in shape)
        P = comm.Get_size()
        if not shape:
            return cls.replicated_on(comm, shape)
        maps = [BlockMap(shape[0], P, None if bounds is None else [int(b) for b in bounds])]
        maps += [NoDistMap(n) for n in shape[1:]]
        return cls.from_maps(comm, maps, (P,), (0,) + (None,) * (len(shape) - 1))

    @classmethod
    def on_rank(cls, comm: Any, shape: Sequence[int], rank: int = 0) -> Distribution:
        """The whole array on one rank; every other rank holds an empty block.

        Parameters
        ----------
        comm : mpi4py.MPI.Intracomm
            The communicator the layout spreads over.
        shape : sequence of int
            Global shape (at least one dimension).
        rank : int, optional
            The rank that holds the array (default 0).

        Returns
        -------
        Distribution
            Row blocks with all the rows on ``rank``.

        Raises
        ------
        ValueError
            If ``shape`` is 0-d (use :meth:`replicated_on`).

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> d = nd.Distribution.on_rank(nd.get_comm(), (4,))
        >>> d.local_shape_of(0)
        (4,)
        """
        shape = tuple(int(n) for n in shape)
        if not shape:
            raise ValueError("a 0-d array cannot be held on one rank only; use replicated_on")
        P = comm.Get_size()
        bounds = [0] * (rank + 1) + [shape[0]] * (P - rank)
        return cls.row_blocks(comm, shape, bounds)

    @classmethod
    def replicated_on(cls, comm: Any, shape: Sequence[int]) -> Distribution:
        """Every rank holds the whole array (one replicated grid dimension of all ranks).

        Parameters
        ----------
        comm : mpi4py.MPI.Intracomm
            The communicator the layout spreads over.
        shape : sequence of int
            Global shape.

        Returns
        -------
        Distribution
            The replicated layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> d = nd.Distribution.replicated_on(nd.get_comm(), (2, 3))
        >>> d.dist, d.local_shape
        (('n', 'n'), (2, 3))
        """
        shape = tuple(int(n) for n in shape)
        return cls.from_maps(comm, [NoDistMap(n) for n in shape], (comm.Get_size(),), (None,) * len(shape))


    def _setup(self, comm: Any, maps: list[Map], grid: tuple[tuple[int, ...], tuple]) -> None:
        self.comm = comm
        self.maps = tuple(maps)
        self.proc_grid, self.axis_grid = grid
        self.shape = tuple(m.size for m in maps)
        self.ndim = len(maps)
        self.rank = comm.Get_rank()
        self.nprocs = comm.Get_size()
        self.coords = self.rank_coords(self.rank)

    # -- queries (all local) -------------------------------------------------------------
    @property
    def dist(self) -> tuple[str, ...]:
        """Distribution code per axis (``'b'``, ``'c'``, ``'u'`` or ``'n'``).  Local.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.dist
        ('b', 'n')
        """
        return tuple(m.dist_type for m in self.maps)

    @property
    def size(self) -> int:
        """Number of elements of the global array.  Local.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.size
        24
        """
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def grid_shape(self) -> tuple[int, ...]:
        """Processes along each array axis (1 for axes that are not distributed).  Local.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.grid_shape == (P, 1)
        True
        """
        return tuple(self.proc_grid[g] if g is not None else 1 for g in self.axis_grid)

    @property
    def replicated_dims(self) -> tuple[int, ...]:
        """Grid dimensions along which blocks are replicated (no axis is laid along them).  Local.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.replicated_dims, d.reduced([0]).replicated_dims
        ((), (0,))
        """
        used = {g for g in self.axis_grid if g is not None}
        return tuple(g for g in range(len(self.proc_grid)) if g not in used)

    def rank_coords(self, rank: int) -> tuple[int, ...]:
        """Grid coordinates of ``rank`` (C order over ``proc_grid``).

        Parameters
        ----------
        rank : int
            A rank of the communicator.

        Returns
        -------
        tuple of int
            One coordinate per grid dimension.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.rank_coords(P - 1) == (P - 1,)
        True
        """
        coords = []
        for n in reversed(self.proc_grid):
            rank, c = divmod(rank, n)
            coords.append(c)
        return tuple(reversed(coords))

    def axis_coord(self, axis: int, rank: int | None = None) -> int:
        """Grid coordinate of ``rank`` along array axis ``axis``.

        Parameters
        ----------
        axis : int
            An array axis.
        rank : int, optional
            A rank of the communicator (default: this rank).

        Returns
        -------
        int
            The coordinate (0 for an axis that is not distributed).

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.axis_coord(0, P - 1) == P - 1, d.axis_coord(1, P - 1)
        (True, 0)
        """
        g = self.axis_grid[axis]
        if g is None:
            return 0
        coords = self.coords if rank is None else self.rank_coords(rank)
        return coords[g]

    def local_indices(self, axis: int, rank: int | None = None) -> np.ndarray:
        """Global indices along ``axis`` held by ``rank``.

        Parameters
        ----------
        axis : int
            An array axis.
        rank : int, optional
            A rank of the communicator (default: this rank).

        Returns
        -------
        numpy.ndarray
            The global indices, in local order.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.local_indices(0, 0)[:1].tolist()
        [0]
        >>> sorted(i for r in range(P) for i in d.local_indices(0, r).tolist())
        [0, 1, 2, 3]
        >>> d.local_indices(1).tolist()
        [0, 1, 2, 3, 4, 5]
        """
        return self.maps[axis].local_indices(self.axis_coord(axis, rank))

    def local_shape_of(self, rank: int) -> tuple[int, ...]:
        """Shape of ``rank``'s local block.

        Parameters
        ----------
        rank : int
            A rank of the communicator.

        Returns
        -------
        tuple of int
            The block's shape.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.local_shape_of(0)[1]
        6
        >>> sum(d.local_shape_of(r)[0] for r in range(P))
        4
        """
        return tuple(m.local_size(self.axis_coord(i, rank)) for i, m in enumerate(self.maps))

    @cached_property
    def local_shape(self) -> tuple[int, ...]:
        """Shape of this rank's local block.  Local.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.local_shape == d.local_shape_of(MPI.COMM_WORLD.rank)
        True
        """
        return self.local_shape_of(self.rank)

    def localshapes(self) -> list[tuple[int, ...]]:
        """Local block shape of every rank, in rank order.

        Returns
        -------
        list of tuple of int
            One shape per rank.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> sum(s[0] for s in d.localshapes())
        4
        """
        return [self.local_shape_of(r) for r in range(self.nprocs)]

    def local_key(self, rank: int | None = None) -> tuple:
        """Index into a global array selecting ``rank``'s block (slices where possible).

        ``global_array[dist.local_key()]`` is this rank's local block.

        Parameters
        ----------
        rank : int, optional
            A rank of the communicator (default: this rank).

        Returns
        -------
        tuple
            One slice or index array per axis (an ``np.ix_`` index when several
            axes need index arrays).

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy as np, numpy_dist as nd
        >>> x = np.arange(24).reshape(4, 6)
        >>> d = nd.asarray(x, dist="cn")
        >>> bool((x[d.distribution.local_key()] == d.local).all())
        True
        """
        keys = []
        for axis, m in enumerate(self.maps):
            p = self.axis_coord(axis, rank)
            sl = m.local_slice(p)
            keys.append(sl if sl is not None else m.local_indices(p))
        if sum(not isinstance(k, slice) for k in keys) > 1:
            return np.ix_(*[np.arange(self.shape[i])[k] if isinstance(k, slice) else k for i, k in enumerate(keys)])
        return tuple(keys)

    def owner_ranks(self, coords_per_axis: Sequence[int]) -> list[int]:
        """Ranks holding the element at the given global index (several when replicated).

        Parameters
        ----------
        coords_per_axis : sequence of int
            The element's global index, one non-negative entry per axis.

        Returns
        -------
        list of int
            The ranks, ascending.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.owner_ranks((0, 5)), d.owner_ranks((3, 0)) == [P - 1]
        ([0], True)
        """
        grid_coord: list[list[int]] = [list(range(n)) for n in self.proc_grid]
        for axis, g in enumerate(self.axis_grid):
            if g is not None:
                grid_coord[g] = [int(self.maps[axis].owners(np.array([coords_per_axis[axis]]))[0])]
        return [int(np.ravel_multi_index(c, self.proc_grid)) for c in itertools.product(*grid_coord)]

    def is_block_aligned_axis(self, axis: int) -> bool:
        """Whether ``axis`` is held in contiguous ascending blocks in grid order (or whole).

        Parameters
        ----------
        axis : int
            An array axis.

        Returns
        -------
        bool
            True for block and not-distributed axes (and cyclic ones on one
            process).

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.is_block_aligned_axis(0), d.is_block_aligned_axis(1)
        (True, True)
        """
        m = self.maps[axis]
        return m.dist_type in ("b", "n") or (m.dist_type == "c" and m.grid_size == 1)

    # -- Distributed Array Protocol ------------------------------------------------------
    def dim_data(self, rank: int | None = None) -> tuple[dict, ...]:
        """This rank's (or ``rank``'s) Distributed Array Protocol ``dim_data`` tuple.

        Parameters
        ----------
        rank : int, optional
            A rank of the communicator (default: this rank).

        Returns
        -------
        tuple of dict
            One dict per axis (``dist_type``, ``size``, ``proc_grid_size``,
            ``proc_grid_rank`` and the type's own keys).

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.dim_data(0)[1]
        {'dist_type': 'n', 'size': 6, 'proc_grid_size': 1, 'proc_grid_rank': 0}
        """
        return tuple(m.dim_dict(self.axis_coord(i, rank)) for i, m in enumerate(self.maps))

    def get_dim_data_per_rank(self) -> list[tuple[dict, ...]]:
        """Every rank's ``dim_data`` tuple, in rank order.

        Returns
        -------
        list of tuple of dict
            ``[self.dim_data(r) for r in range(nprocs)]``.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> len(d.get_dim_data_per_rank()) == P
        True
        """
        return [self.dim_data(r) for r in range(self.nprocs)]

    def global_dim_data(self) -> tuple[dict, ...]:
        """The layout as the seed's ``global_dim_data``: one dict per axis.

        Returns
        -------
        tuple of dict
            Dicts that :meth:`from_global_dim_data` accepts.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> nd.Distribution.from_global_dim_data(None, d.global_dim_data()) == d
        True
        """
        return tuple(m.global_dim_dict() for m in self.maps)

    # -- derived distributions (all local) ------------------------------------------------
    def reduced(self, axes: Sequence[int], keepdims: bool = False) -> Distribution:
        """Distribution of a reduction over ``axes``: their grid dimensions become replicated.

        Parameters
        ----------
        axes : sequence of int
            The reduced axes (non-negative).
        keepdims : bool, optional
            Keep them as whole axes of length 1 (default: drop them).

        Returns
        -------
        Distribution
            The layout of the result, on the same process grid.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.reduced([0]).shape, d.reduced([0], keepdims=True).shape
        ((6,), (1, 6))
        """
        axes = set(axes)
        maps, axis_grid = [], []
        for i, (m, g) in enumerate(zip(self.maps, self.axis_grid)):
            if i in axes:
                if keepdims:
                    maps.append(NoDistMap(1))
                    axis_grid.append(None)
            else:
                maps.append(m)
                axis_grid.append(g)
        return Distribution.from_maps(self.comm, maps, self.proc_grid, tuple(axis_grid))

    def replicated(self, shape: Sequence[int]) -> Distribution:
        """A fully replicated distribution of ``shape`` on the same grid.

        Parameters
        ----------
        shape : sequence of int
            Global shape of the new layout.

        Returns
        -------
        Distribution
            Every rank holds the whole array.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.replicated((2,)).local_shape
        (2,)
        """
        return Distribution.from_maps(self.comm, [NoDistMap(n) for n in shape], self.proc_grid,
                                       (None,) * len(shape))

    def with_maps(self, maps: Sequence[Map], axis_grid: Sequence[int | None]) -> Distribution:
        """Same communicator and process grid, other maps.

        Parameters
        ----------
        maps : sequence of Map
            One map per axis of the new layout.
        axis_grid : sequence of int or None
            For each axis, the grid dimension it is laid along (None: not
            distributed).

        Returns
        -------
        Distribution
            The new layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> from numpy_dist.maps import NoDistMap
        >>> d.with_maps([d.maps[0], NoDistMap(3)], [0, None]).shape
        (4, 3)
        """
        return Distribution.from_maps(self.comm, maps, self.proc_grid, tuple(axis_grid))

    def with_local_axes(self, axes: Sequence[int]) -> Distribution:
        """Same shape with ``axes`` held whole on every rank; their grid dimensions become replicated.

        Parameters
        ----------
        axes : sequence of int
            The axes to hold whole (negative values count from the end).

        Returns
        -------
        Distribution
            The new layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.Distribution(None, (4, 6), dist="bn").with_local_axes([0]).dist
        ('n', 'n')
        """
        local = {a % self.ndim for a in axes} if self.ndim else set()
        maps = [NoDistMap(m.size) if i in local else m for i, m in enumerate(self.maps)]
        axis_grid = [None if i in local else g for i, g in enumerate(self.axis_grid)]
        return Distribution.from_maps(self.comm, maps, self.proc_grid, axis_grid)

    def select_axes(self, axes: Sequence[int]) -> Distribution:
        """The layout of ``axes`` only, in that order; dropped axes' grid dimensions become replicated.

        Parameters
        ----------
        axes : sequence of int
            The axes to keep, in their new order.

        Returns
        -------
        Distribution
            The new layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.Distribution(None, (4, 6), dist="bn").select_axes([1, 0]).dist
        ('n', 'b')
        """
        axes = [int(a) for a in axes]
        return Distribution.from_maps(self.comm, [self.maps[a] for a in axes], self.proc_grid,
                                      [self.axis_grid[a] for a in axes])

    def extended(self, trailing_shape: Sequence[int]) -> Distribution:
        """This layout with whole (not distributed) axes of ``trailing_shape`` appended.

        Parameters
        ----------
        trailing_shape : sequence of int
            Lengths of the new trailing axes.

        Returns
        -------
        Distribution
            The longer layout.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.Distribution(None, (4,)).extended((3,)).shape
        (4, 3)
        """
        trailing = [int(n) for n in trailing_shape]
        return Distribution.from_maps(self.comm, list(self.maps) + [NoDistMap(n) for n in trailing],
                                      self.proc_grid, tuple(self.axis_grid) + (None,) * len(trailing))

    def broadcast_to(self, shape: Sequence[int], out_dist: Distribution) -> Distribution:
        """Distribution an operand of ``shape`` must have to align with ``out_dist`` under broadcasting.

        Parameters
        ----------
        shape : sequence of int
            The operand's shape (broadcastable to ``out_dist.shape``).
        out_dist : Distribution
            The layout of the broadcast result.

        Returns
        -------
        Distribution
            Axes of full length follow ``out_dist``; broadcast axes of length 1
            are held whole.

        Notes
        -----
        Communication: none.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> from mpi4py import MPI
        >>> P = MPI.COMM_WORLD.size
        >>> d = nd.Distribution(None, (4, 6), dist="bn")
        >>> d.broadcast_to((1, 6), d).dist
        ('n', 'n')
        >>> d.broadcast_to((4, 1), d).dist
        ('b', 'n')
        """
        offset = out_dist.ndim - len(shape)
        maps, axis_grid = [], []
        for i, n in enumerate(shape):
            j = i + offset
            if n == out_dist.shape[j]:
                maps.append(out_dist.maps[j])
                axis_grid.append(out_dist.axis_grid[j])
            else:  # broadcast axis of length 1: held whole, replicated
                maps.append(NoDistMap(n))
                axis_grid.append(None)
        return Distribution.from_maps(out_dist.comm, maps, out_dist.proc_grid, tuple(axis_grid))

    # -- identity --------------------------------------------------------------------------
    @cached_property
    def _identity(self) -> tuple:
        return (self.proc_grid, self.axis_grid, tuple(m.identity() for m in self.maps))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return NotImplemented
        return (self is other) or (self._identity == other._identity and self.comm == other.comm)

    def __hash__(self) -> int:
        return hash(self._identity)

    def __repr__(self) -> str:
        codes = "".join(self.dist)
        return (f"Distribution(shape={self.shape}, dist={codes!r}, grid_shape={self.grid_shape}, "
                f"proc_grid={self.proc_grid}, nprocs={self.nprocs})")


def normalize_grid_shape(grid_shape: Any, shape: tuple[int, ...], codes: tuple[str, ...], size: int) -> tuple[int, ...]:
    if grid_shape is None:
        return make_grid_shape(shape, codes, size)
    gs = normalize_shape(grid_shape, "grid_shape")
    distributed = [i for i, c in enumerate(codes) if c != "n"]
    if len(gs) == len(distributed) and len(gs) != len(codes):
        full = [1] * len(codes)
        for i, g in zip(distributed, gs):
            full[i] = g
        gs = tuple(full)
    if len(gs) != len(codes):
        raise ValueError(f"grid_shape {gs} must have one entry per axis ({len(codes)}) "
                         f"or per distributed axis ({len(distributed)})")
    for i, (g, c) in enumerate(zip(gs, codes)):
        if c == "n" and g != 1:
            raise ValueError(f"grid_shape {gs} puts {g} processes on axis {i}, which is not distributed")
        if g < 1:
            raise ValueError(f"grid_shape {gs} must be positive")
    if distributed and int(np.prod(gs, dtype=np.int64)) != size:
        raise ValueError(f"grid_shape {gs} has {int(np.prod(gs))} processes but the communicator has {size}")
    return gs


def _default_axis_grid(maps: list[Map], nprocs: int) -> tuple[tuple[int, ...], tuple[int | None, ...]]:
    proc_grid: list[int] = []
    axis_grid: list[int | None] = []
    for m in maps:
        if m.dist_type == "n":
            axis_grid.append(None)
        else:
            axis_grid.append(len(proc_grid))
            proc_grid.append(m.grid_size)
    if not proc_grid:
        proc_grid = [nprocs]  # nothing distributed: replicated on every rank
    return tuple(proc_grid), tuple(axis_grid)
